"""Compile a calibration and a scenario into a :class:`~tjsim.model.compiled.CompiledModel`.

Equations are walked in dependency order and each variable becomes a linear form over
the random basis (:mod:`tjsim.expressions`); the scenario's shifts, scales, shapes,
correlations, events, parameters and targets are applied on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from .. import expressions
from ..calibration import (
    Calibration,
    ReadingSpec,
    TargetSpec,
    check_shock,
    correlation_cholesky,
    target_spec,
    validate_parameters,
)
from ..errors import CalibrationError, ScenarioError, TjsimError, unknown
from ..expressions import LinearForm
from ..limits import MAX_MAGNITUDE, MAX_SPREAD
from ..marginals import Marginal
from ..scenario import DriverChange, Scenario, checks
from .compiled import RANGE_SDS, CompiledModel, Target
from .totals import solve_totals


def _scenario_error(exc: TjsimError, scenario: Scenario, key: str) -> ScenarioError:
    return ScenarioError(
        exc.message if exc.file is None else str(exc), file=scenario.path, key=exc.key or key
    )


def compile_model(calibration: Calibration, scenario: Scenario | None = None) -> CompiledModel:
    """Compile ``calibration`` under ``scenario`` (default: the baseline).

    The spreads of the totals' free components are solved first, on the calibration with
    the scenario's parameters but none of its other changes (:mod:`tjsim.model.totals`).
    """
    scenario = scenario or Scenario()
    cal = calibration
    try:
        params = cal.parameters(scenario.parameters)
    except CalibrationError as exc:
        raise _scenario_error(exc, scenario, "parameters") from None
    if scenario.parameters:
        try:
            validate_parameters(cal, params)
        except CalibrationError as exc:
            raise ScenarioError(
                f"these parameter values make the calibration invalid: {exc}",
                file=scenario.path,
                key="parameters",
            ) from None
    spreads: dict[str, float] = {}
    if cal.totals:
        try:
            spreads = _solved_spreads(cal, scenario.parameters, params)
        except CalibrationError as exc:
            if not scenario.parameters:
                raise
            raise ScenarioError(
                f"these parameter values leave a total unreachable: {exc}",
                file=scenario.path,
                key="parameters",
            ) from None
    return _compile(cal, scenario, params, spreads)


#: Solved spreads by calibration and parameters (the calibration is kept to pin its id).
_SOLVED: dict[tuple[int, tuple], tuple[Calibration, dict[str, float]]] = {}


def _solved_spreads(
    cal: Calibration, overrides: Mapping[str, float], params: Mapping[str, float]
) -> dict[str, float]:
    """The totals' free spreads for these parameters, solved once and remembered."""
    key = (id(cal), tuple(sorted(params.items())))
    if key not in _SOLVED:
        if len(_SOLVED) >= 256:
            _SOLVED.clear()
        unit = _compile(cal, Scenario(parameters=overrides), params, None)
        _SOLVED[key] = (cal, solve_totals(unit, cal, params))
    return dict(_SOLVED[key][1])


def _compile(
    cal: Calibration,
    scenario: Scenario,
    params: Mapping[str, float],
    spreads: Mapping[str, float] | None,
) -> CompiledModel:
    """Compile with the free components' ``spreads`` (``None``: unit spreads, for
    solving the totals)."""
    mfile = cal.files.get("model", "model.yaml")

    def value(ref: Any, key: str) -> float:
        return cal.value(ref, params, mfile, key)

    # -- drivers: shifts, scales and shapes
    for vid, change in scenario.drivers.items():
        reshaped = change.scale != 1.0 or change.distribution is not None
        checks.check_driver(cal, vid, reshaped=reshaped, file=scenario.path)
    marginals = []
    for vid in cal.shocked:
        spec = cal.variables[vid].shock
        assert spec is not None
        check_shock(spec, mfile, f"variables.{vid}.shock", value)
        change = scenario.drivers.get(vid, DriverChange())
        family = change.distribution or spec.distribution
        _check_shape(change, family, vid, scenario)
        df = (
            change.df
            if change.df is not None
            else (value(spec.df, f"variables.{vid}.shock.df") if spec.df is not None else 5.0)
        )
        skew = (
            change.skew
            if change.skew is not None
            else (value(spec.skew, f"variables.{vid}.shock.skew") if spec.skew is not None else 0.0)
        )
        if spec.spread is not None:
            spread = value(spec.spread, f"variables.{vid}.shock.spread")
        else:
            spread = 1.0 if spreads is None else spreads[vid]
        spread *= change.scale
        if not spread <= MAX_SPREAD:
            raise ScenarioError(
                f"the shock of '{vid}' would have a spread of {spread:g}, above the "
                f"{MAX_SPREAD:g} tjsim computes with",
                file=scenario.path,
                key=f"drivers.{vid}.scale" if change.scale != 1.0 else "parameters",
            )
        try:
            marginals.append(
                Marginal(family, 0.0 if scenario.shocks_off else spread, df, skew)  # type: ignore[arg-type]
            )
        except ValueError as exc:
            raise ScenarioError(str(exc), file=scenario.path, key=f"drivers.{vid}") from None

    # -- events: calibrated, overridden, new
    events = resolve_events(cal, scenario, params)
    basis = (*cal.shocked, *events)
    if len(set(basis)) != len(basis):
        clash = sorted({b for b in basis if basis.count(b) > 1})
        raise ScenarioError(
            f"an event cannot share its name with a variable: {', '.join(clash)}",
            file=scenario.path,
            key="events",
        )
    k, d = len(cal.shocked), len(basis)
    column = {name: j for j, name in enumerate(basis)}

    # -- correlation of the latent normals
    corr = np.eye(d)
    pairs: list[tuple[tuple[str, str], float, str | None, str]] = [
        ((a, b), value(ref, f"correlations[{i}]"), mfile, f"correlations[{i}]")
        for i, (a, b, ref) in enumerate(cal.correlations)
    ]
    pairs += [
        (pair, r, scenario.path, f"correlations.{pair[0]}.{pair[1]}")
        for pair, r in scenario.correlations.items()
    ]
    for (a, b), r, file, key in pairs:
        checks.check_in_basis((a, b), basis, file=file, key=key)
        if a == b or not -1.0 < r < 1.0:
            raise ScenarioError(
                f"a correlation between two different names must lie in (-1, 1), found {r:g}",
                file=file,
                key=key,
            )
        corr[column[a], column[b]] = corr[column[b], column[a]] = r
    cholesky = correlation_cholesky(
        corr, file=scenario.path if scenario.correlations else mfile, error=ScenarioError
    )

    # -- equations in dependency order
    forms: dict[str, LinearForm] = {}

    def resolve(name: str) -> LinearForm:
        if name in forms:
            return forms[name]
        return LinearForm.scalar(params[name], d)

    def baseline_of(name: str) -> LinearForm:
        return LinearForm.scalar(forms[name].constant, d)

    with np.errstate(over="ignore", invalid="ignore"):  # _check_size reports overflows
        for vid in cal.order:
            variable = cal.variables[vid]
            try:
                form = expressions.compile_linear(variable.tree, resolve, baseline_of, d)
            except expressions.ExpressionError as exc:
                raise CalibrationError(
                    str(exc), file=mfile, key=f"variables.{vid}.equation"
                ) from None
            extra = np.zeros(d)
            if variable.shock is not None:
                extra[column[vid]] = 1.0
            for eid, (_, impact, _) in events.items():
                extra[column[eid]] += impact.get(vid, 0.0)
            shift = scenario.drivers[vid].shift if vid in scenario.drivers else 0.0
            forms[vid] = LinearForm(form.constant, form.shift + shift, form.loadings + extra)

        indicators = tuple(cal.variables)
        constant = np.array([forms[v].value for v in indicators])
        base = np.array([forms[v].constant for v in indicators])
        loadings = np.array([forms[v].loadings for v in indicators]).reshape(len(indicators), d)
    probabilities = np.array(
        [0.0 if scenario.shocks_off else events[e][0] for e in events], dtype=float
    )
    sizes = tuple(
        _size_marginal(eid, p, *events[eid][1:], scenario)
        for eid, p in zip(events, probabilities, strict=True)
    )
    reach = np.array([1.0 if mg is None else 1.0 + RANGE_SDS * mg.spread for mg in sizes])
    _check_size(
        indicators, np.maximum(np.abs(base), np.abs(constant)), loadings, marginals, scenario, reach
    )

    # -- targets: the readings in force, then the alternatives
    targets = resolve_targets(cal, scenario, params)
    t_const, t_load, strict = [], [], []
    for target in targets:
        sign = 1.0 if target.op in (">=", ">") else -1.0
        # A tolerance moves the other side: >= other - tolerance, <= other + tolerance.
        if target.compare_to is None:
            other = LinearForm.scalar(target.threshold or 0.0, d)
        elif target.tolerance:
            other = forms[target.compare_to] - LinearForm.scalar(sign * target.tolerance, d)
        else:
            other = forms[target.compare_to]
        margin = forms[target.indicator] - other
        t_const.append(sign * margin.value)
        t_load.append(sign * margin.loadings)
        strict.append(target.op in (">", "<"))

    return CompiledModel(
        calibration=cal.name,
        version=cal.version,
        scenario=scenario.name,
        indicators=indicators,
        labels=tuple(cal.variables[v].label for v in indicators),
        units=tuple(cal.variables[v].unit for v in indicators),
        layers=tuple(cal.variables[v].layer for v in indicators),
        basis=basis,
        n_shocks=k,
        marginals=tuple(marginals),
        event_probabilities=probabilities,
        correlation=corr,
        cholesky=cholesky,
        baseline=base,
        constant=constant,
        loadings=loadings,
        targets=tuple(targets),
        target_constant=np.array(t_const, dtype=float),
        target_loadings=np.array(t_load, dtype=float).reshape(len(targets), d),
        target_strict=np.array(strict, dtype=bool),
        parameters=dict(params),
        n_primary=sum(t.primary for t in targets),
        solved_spreads=dict(spreads or {}),
        event_marginals=sizes,
    )


def _size_marginal(
    eid: str,
    probability: float,
    impact: Mapping[str, float],
    size: float | None,
    scenario: Scenario,
) -> Marginal | None:
    """The ``break`` marginal of an event of random size (``None``: a fixed size).

    Its column holds the size factor ``S ~ N(1, (size / |impact|)^2)`` when the event
    occurs, so that its single impact, the loading, times the column is normal with
    mean the impact and standard deviation ``size``.
    """
    if not size:
        return None
    (value,) = impact.values()
    if value == 0.0:
        raise ScenarioError(
            f"the event '{eid}' has a random size (size_spread {size:g}) but an impact of "
            "zero: its size spread is relative to a non-zero impact",
            file=scenario.path,
            key=f"events.{eid}",
        )
    relative = size / abs(value)
    if not relative <= MAX_SPREAD:
        raise ScenarioError(
            f"the size spread of '{eid}' is {relative:g} times its impact, above the "
            f"{MAX_SPREAD:g} tjsim computes with",
            file=scenario.path,
            key=f"events.{eid}",
        )
    return Marginal("break", relative, probability=probability)


def _check_shape(change: DriverChange, family: str, vid: str, scenario: Scenario) -> None:
    """Refuse a ``df`` for a shock that is not ``t`` and a ``skew`` for one that is not
    ``two_piece`` (they would be silently ignored)."""
    for name, wanted in (("df", "t"), ("skew", "two_piece")):
        if getattr(change, name) is not None and family != wanted:
            raise ScenarioError(
                f"{name} shapes a {wanted} shock, but the shock of '{vid}' is {family}; "
                f"set distribution: {wanted} as well, or leave {name} out",
                file=scenario.path,
                key=f"drivers.{vid}.{name}",
            )


def _check_size(
    indicators: tuple[str, ...],
    level: np.ndarray,
    loadings: np.ndarray,
    marginals: list[Marginal],
    scenario: Scenario,
    events: np.ndarray,
) -> None:
    """Refuse a model whose indicators reach beyond :data:`~tjsim.limits.MAX_MAGNITUDE`
    (their level plus the spread their shocks and events can add, ``events`` the reach
    of each event's column), where the engine's
    sums would overflow or lose the digits that matter."""
    k = len(marginals)
    with np.errstate(over="ignore", invalid="ignore"):
        stds = np.array([mg.std for mg in marginals])
        reach = level + np.abs(loadings[:, :k]) @ stds + np.abs(loadings[:, k:]) @ events
    too_big = ~(reach <= MAX_MAGNITUDE)  # NaN counts as too big
    if too_big.any():
        i = int(np.flatnonzero(too_big)[0])
        raise ScenarioError(
            f"'{indicators[i]}' would reach {reach[i]:g} in this scenario, beyond the "
            f"{MAX_MAGNITUDE:g} tjsim computes with; check the shifts, event impacts and "
            "parameters that move it",
            file=scenario.path,
        )


def resolve_events(
    cal: Calibration, scenario: Scenario, params: Mapping[str, float]
) -> dict[str, tuple[float, dict[str, float], float | None]]:
    """Event name -> ``(probability, {variable: impact}, size_spread)``: the calibration's
    events with the scenario's overrides and additions; ``size_spread`` is ``None`` (or
    0) for a fixed size, else the standard deviation of the event's single impact when
    it occurs."""
    mfile = cal.files.get("model", "model.yaml")
    events: dict[str, tuple[float, dict[str, float], float | None]] = {}
    for eid, spec in cal.events.items():
        impact = {
            v: cal.value(ref, params, mfile, f"events.{eid}.impact.{v}")
            for v, ref in spec.impact.items()
        }
        size = (
            None
            if spec.size_spread is None
            else cal.value(spec.size_spread, params, mfile, f"events.{eid}.size_spread")
        )
        events[eid] = (
            cal.value(spec.probability, params, mfile, f"events.{eid}.probability"),
            impact,
            size,
        )
    for eid, event in scenario.events.items():
        checks.check_event(cal, eid, event, file=scenario.path)
        impact = dict(event.impact) if event.impact else events[eid][1]
        size = (
            event.size_spread
            if event.size_spread is not None
            else (events[eid][2] if eid in events else None)
        )
        events[eid] = (event.probability, impact, size)
    return events


def resolve_targets(
    cal: Calibration, scenario: Scenario, params: Mapping[str, float]
) -> list[Target]:
    """The calibration's targets with the scenario's changes, drops, additions and
    readings: one :class:`Target` per target under the reading in force (``primary``),
    then one per alternative reading of each target."""
    specs = target_specs(cal, scenario)
    selected = selected_readings(specs, scenario)
    tfile = cal.files.get("targets", "targets.yaml")
    primary: list[Target] = []
    alternatives: list[Target] = []
    for tid, spec in specs.items():
        for name, reading in spec.readings.items():
            key = f"targets.{tid}.readings.{name}"
            threshold = (
                None
                if reading.threshold is None
                else cal.value(reading.threshold, params, scenario.path or tfile, key)
            )
            tolerance = (
                0.0
                if reading.tolerance is None
                else cal.value(reading.tolerance, params, scenario.path or tfile, key)
            )
            target = _resolved(
                spec, reading, threshold, primary=name == selected[tid], tolerance=tolerance
            )
            (primary if target.primary else alternatives).append(target)
    return primary + alternatives


def _resolved(
    spec: TargetSpec,
    reading: ReadingSpec,
    threshold: float | None,
    *,
    primary: bool,
    tolerance: float = 0.0,
) -> Target:
    """``reading`` of ``spec`` as a rule on the unrounded indicator: the published
    figure, rounded half up to ``rounding``, meets ``op threshold`` exactly when the
    unrounded one meets the rule returned."""
    indicator = reading.indicator or spec.indicator
    op = reading.op
    other = reading.compare_to if threshold is None else f"{threshold:g}"
    if threshold is None and tolerance:
        other = f"{other} {'-' if op in ('>=', '>') else '+'} {tolerance:g}"
    stated = f"{indicator} {op} {other}"
    published, rounding = threshold, 0.0
    if reading.rounding and threshold is not None:
        rounding = reading.rounding
        half = reading.rounding / 2
        op, threshold = {
            ">=": (">=", threshold - half),
            ">": (">=", threshold + half),
            "<=": ("<", threshold + half),
            "<": ("<", threshold - half),
        }[reading.op]
        stated += f" (to {reading.rounding:g})"
    return Target(
        id=spec.id,
        indicator=indicator,
        op=op,
        threshold=threshold,
        compare_to=reading.compare_to,
        label=spec.label,
        wording=spec.wording,
        source=spec.source,
        reading=reading.name,
        primary=primary,
        stated=stated,
        headline=spec.headline,
        tolerance=tolerance if threshold is None else 0.0,
        published=published,
        rounding=rounding,
    )


def target_specs(cal: Calibration, scenario: Scenario) -> dict[str, TargetSpec]:
    """The calibration's target specs with the scenario's changes, drops and additions.

    A changed or new target has one reading, ``scenario``: the change applied over the
    target's default reading (whose rounding it keeps when both are thresholds).
    """
    specs = dict(cal.targets)
    for tid, change in scenario.targets.items():
        key = f"targets.{tid}"
        if change is None:
            checks.check_dropped(tid, specs, file=scenario.path)
            del specs[tid]
            continue
        checks.check_target_change(cal, tid, change, cal.targets, file=scenario.path)
        old = specs.get(tid)
        rule = old.rule if old is not None else None
        raw: dict[str, Any] = {
            "indicator": change.indicator or (old.indicator if old else None),
            "label": change.label or (old.label if old else ""),
            "op": change.op or (rule.op if rule else None),
        }
        if change.threshold is not None:
            raw["threshold"] = change.threshold
        elif change.compare_to is not None:
            raw["compare_to"] = change.compare_to
        elif rule is not None:
            raw["threshold" if rule.threshold is not None else "compare_to"] = (
                rule.threshold if rule.threshold is not None else rule.compare_to
            )
        if rule is not None and rule.rounding and "threshold" in raw:
            raw["rounding"] = rule.rounding
        raw["reading"] = "scenario"
        headline = change.headline if change.headline is not None else bool(old and old.headline)
        raw["headline"] = headline
        try:
            spec = target_spec(
                tid,
                {k: v for k, v in raw.items() if v is not None and v != ""},
                set(cal.variables),
                scenario.path or "scenario",
                key,
            )
        except CalibrationError as exc:
            raise ScenarioError(exc.message, file=scenario.path, key=exc.key) from None
        unchanged = old is not None and change.threshold is None and change.op is None
        specs[tid] = replace(
            spec,
            wording=old.wording if unchanged and old else "",
            source=old.source if old else "scenario",
        )
    return specs


def selected_readings(specs: Mapping[str, TargetSpec], scenario: Scenario) -> dict[str, str]:
    """Target id -> the name of the reading in force: the scenario's ``readings`` (one
    name for every target that has it, or a name per target), else the default."""
    chosen = {tid: spec.default for tid, spec in specs.items()}
    readings = scenario.readings
    if readings is None:
        return chosen
    if isinstance(readings, str):
        names = sorted({name for spec in specs.values() for name in spec.readings})
        if readings not in names:
            raise ScenarioError(
                unknown("reading", readings, names), file=scenario.path, key="readings"
            )
        for tid, spec in specs.items():
            if readings in spec.readings:
                chosen[tid] = readings
        return chosen
    for tid, name in readings.items():
        key = f"readings.{tid}"
        if tid not in specs:
            raise ScenarioError(unknown("target", tid, specs), file=scenario.path, key=key)
        if name not in specs[tid].readings:
            raise ScenarioError(
                unknown(f"reading of '{tid}'", name, specs[tid].readings),
                file=scenario.path,
                key=key,
            )
        chosen[tid] = name
    return chosen
