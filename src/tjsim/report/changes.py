"""What a scenario changes from the baseline, and the facts and assumptions it touches.

Two tables that a report (and the explorer) shows next to a run, so that a reader sees
what was assumed without opening the scenario file: :func:`scenario_changes` (one row
per change, the calibration's value beside the scenario's) and :func:`touched_facts`
(the calibration's figures that the changes rest on, with their sources).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..analysis.common import indicator_std
from ..calibration import Calibration, tables
from ..model import CompiledModel, compile_model
from ..model.targets import target_table
from ..scenario import Event, Scenario, TargetChange, describe_observed

CHANGE_COLUMNS = ["section", "item", "label", "baseline", "scenario"]
TOUCHED_COLUMNS = ["id", "kind", "value", "scenario_value", "unit", "label", "source", "why"]


def scenario_changes(
    scenario: Scenario, calibration: Calibration, model: CompiledModel | None = None
) -> pd.DataFrame:
    """One row per change ``scenario`` makes to ``calibration``'s baseline.

    Parameters
    ----------
    scenario, calibration
        The scenario and the calibration it changes.
    model
        ``scenario`` compiled on ``calibration`` (a result's ``model``); compiled here
        when not given.

    Returns
    -------
    pandas.DataFrame
        Columns ``section`` (``drivers``, ``correlations``, ``events``, ``parameters``,
        ``targets``, ``readings``, ``observed``, ``shocks``), ``item`` (the id changed),
        ``label`` (its meaning) and ``baseline`` and ``scenario``, both as text: a
        driver's central value and standard deviation (from every shock and event,
        exact), an event's probability and impacts, a parameter's value, a target's
        reading. Empty (with these columns) for the baseline itself.
    """
    model = model if model is not None else compile_model(calibration, scenario)
    base = compile_model(calibration)
    rows: list[tuple[str, str, str, str, str]] = []
    for vid, change in scenario.drivers.items():
        label = calibration.variables[vid].label if vid in calibration.variables else ""
        what = [f"shift {change.shift:+g}"] if change.shift else []
        if change.scale != 1.0:
            what.append(f"spread x{change.scale:g}")
        if change.distribution:
            what.append(f"{change.distribution} shock")
        rows.append(
            (
                "drivers",
                vid,
                label,
                _level(base, vid),
                f"{_level(model, vid)} ({', '.join(what) or 'unchanged'})",
            )
        )
    calibrated_correlations = {tuple(sorted((a, b))): ref for a, b, ref in calibration.correlations}
    params = calibration.parameters()
    mfile = calibration.files.get("model", "model.yaml")
    for pair, value in scenario.correlations.items():
        ref = calibrated_correlations.get(tuple(sorted(pair)))
        level = 0.0 if ref is None else calibration.value(ref, params, mfile, "correlations")
        rows.append(("correlations", ", ".join(pair), "", f"{level:g}", f"{value:g}"))
    events = tables.events(calibration)
    for eid, event in scenario.events.items():
        if eid in events.index:
            row = events.loc[eid]
            old = f"p = {row['probability']:.4g}; {row['impact']}"
            label = event.label or str(row["label"])
        else:
            old, label = "not in the calibration", event.label
        rows.append(("events", eid, label, old, _event(event)))
    labels = {f.id: f.label for f in calibration.facts}
    for pid, value in scenario.parameters.items():
        rows.append(("parameters", pid, labels.get(pid, ""), f"{params[pid]:g}", f"{value:g}"))
    stated = target_table(calibration)
    readings = {t.id: t.description for t in model.primary_targets}
    for tid, target_change in scenario.targets.items():
        old = str(stated.loc[tid, "reading"]) if tid in stated.index else "not a target"
        label = str(stated.loc[tid, "label"]) if tid in stated.index else ""
        rows.append(("targets", tid, label, old, _target(tid, target_change, readings)))
    if scenario.readings is not None:
        chosen = (
            {"every target": scenario.readings}
            if isinstance(scenario.readings, str)
            else dict(scenario.readings)
        )
        for tid, name in chosen.items():
            old = str(stated.loc[tid, "reading"]) if tid in stated.index else "each its own"
            new = readings.get(tid, name)
            rows.append(("readings", tid, "how the target is read", old, new))
    for variable, periods in scenario.observed.items():
        label = calibration.variables[variable].label if variable in calibration.variables else ""
        rows.append(
            ("observed", variable, label, "not observed", describe_observed({variable: periods}))
        )
    if scenario.shocks_off:
        rows.append(("shocks", "all shocks and events", "", "on", "off"))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _level(model: CompiledModel, variable: str) -> str:
    """``variable``'s central value and standard deviation under ``model``, as text."""
    j = model.indicators.index(variable)
    unit = model.units[j]
    return f"{model.constant[j]:.3g}{'' if unit == '%' else ' '}{unit}, sd {indicator_std(model, j):.3g}"


def _event(event: Event) -> str:
    impact = ", ".join(f"{v} {x:+g}" for v, x in event.impact.items())
    size = "" if event.size_spread is None else f"; size spread {event.size_spread:g}"
    return f"p = {event.probability:.4g}; {impact or 'calibrated impacts'}{size}"


def _target(tid: str, change: TargetChange | None, readings: Mapping[str, str]) -> str:
    if change is None:
        return "dropped"
    return readings.get(tid, "changed")


def touched_facts(scenario: Scenario, calibration: Calibration) -> pd.DataFrame:
    """The calibration's facts and assumptions that ``scenario``'s changes rest on.

    A fact is touched when the scenario sets it (``parameters``), or when the equation
    or shock of a variable the scenario changes uses it (the variables it shifts or
    reshapes, those its events move, those its correlations tie), or an event or target
    it changes uses it; a derived parameter counts through the facts it is computed
    from.

    Returns
    -------
    pandas.DataFrame
        One row per fact, in the calibration's order: ``id, kind`` (``report``,
        ``statistic`` or ``assumption``), ``value`` (the calibration's),
        ``scenario_value`` (NaN unless the scenario sets it), ``unit, label, source``
        and ``why`` (where the scenario meets it, e.g. ``equation of investment``).
    """
    variables = set(scenario.drivers)
    for event in scenario.events.values():
        variables.update(event.impact)
    for event_id in scenario.events:
        if event_id in calibration.events:
            variables.update(calibration.events[event_id].impact)
    for pair in scenario.correlations:
        variables.update(v for v in pair if v in calibration.variables)
    places = {
        **{("equation", v): f"equation of {v}" for v in variables},
        **{("shock", v): f"shock of {v}" for v in variables},
        **{("event", e): f"event {e}" for e in scenario.events},
        **{("target", t): f"target {t}" for t in scenario.targets},
    }
    why: dict[str, list[str]] = {pid: ["set by the scenario"] for pid in scenario.parameters}
    uses = tables.parameter_uses(calibration)
    for pid, where in uses.items():
        for place in where:
            if place in places:
                why.setdefault(pid, []).append(places[place])
    pending = [d for d in calibration.derived if d in why]
    while pending:  # the facts behind derived parameters, through any depth
        did = pending.pop()
        for pid, where in uses.items():
            if ("derived", did) in where and f"through {did}" not in why.get(pid, []):
                why.setdefault(pid, []).append(f"through {did}")
                if pid in calibration.derived:
                    pending.append(pid)
    frame = tables.facts(calibration)
    frame = frame[frame["id"].isin(list(why))].reset_index(drop=True)
    frame["scenario_value"] = frame["id"].map(
        lambda pid: scenario.parameters.get(pid, float("nan"))
    )
    frame["why"] = frame["id"].map(lambda pid: "; ".join(dict.fromkeys(why[pid])))
    return frame[TOUCHED_COLUMNS]
