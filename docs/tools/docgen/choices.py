"""The choices block of the calibration page: the table of
:func:`tjsim.analysis.choices_table`, formatted."""

from __future__ import annotations

import math
from typing import Any

from tjsim.calibration import Calibration

from . import common
from .common import RUN_DRAWS, RUN_SEED
from .tables import calibration_link, cell, number, percent, short, table


def render_choices(cal: Calibration) -> str:
    """How P(GDP target met), GDP's median and the joint probability move with each
    contestable choice, all on the baseline run's draws."""
    runs = common.quoted_runs(cal)
    record = common.record(cal)
    frame = runs.choices
    fitted = [column for column in frame.columns if column in cal.parameter_ids]
    reference = frame.iloc[0]
    rows, unreachable = [], []
    for i, (label, row) in enumerate(frame.iterrows()):
        if math.isnan(row["probability"]):
            unreachable.append((label, row["error"]))
            results = ["not reachable¹", "", "", ""]
        else:
            change = 100 * (row["probability"] - reference["probability"])
            results = [
                percent(row["probability"]),
                "" if i == 0 else f"{change:+.1f}",
                f"{row['median']:.2f}",
                percent(row["joint"], 3),
            ]
        derived = [short(row[column]) for column in fitted]
        rows.append([cell(label), _changes(cal, row), *derived, *results])
    joint = runs.baseline.joint()
    lines = [
        table(
            [
                "Choice",
                "What changes",
                *(f"${cal.symbol(n)}$" for n in fitted),
                "P(GDP target met)",
                "Change (pp)",
                "GDP median (%)",
                "P(all targets)",
            ],
            rows,
            "ll" + "r" * (len(fitted) + 4),
        ),
        "",
        f"Every row is evaluated on the same {RUN_DRAWS:,} draws (seed {RUN_SEED}), those of "
        f"`{common.run_call(cal)}`: the first row is that "
        "run, and the differences between rows come from the choices, not from sampling. "
        f"The baseline's standard error of P(GDP target met) is "
        f"{100 * runs.baseline.probabilities().loc[record.indicator, 'std_error']:.2f} "
        f"points; P(all targets) rests on about {joint['probability'] * RUN_DRAWS:,.0f} "
        f"draws, a standard error of {100 * joint['std_error']:.3f} points.",
    ]
    for label, error in unreachable:
        lines += ["", f"¹ {cell(label)}: the calibration refuses it: {cell(error)}."]
    return "\n".join(lines)


def _changes(cal: Calibration, row: Any) -> str:
    """What a choice changes, linked to the calibration page (a row of the table)."""
    changes = [f"{calibration_link(pid)} = {number(v)}" for pid, v in row["parameters"].items()]
    changes += [
        f"{calibration_link(eid)} probability {number(p)}" for eid, p in row["events"].items()
    ]
    if isinstance(row["reading"], str):
        changes.append(f"every target that has it read `{row['reading']}`")
    if isinstance(row["mean_from"], str):
        values, record = common.values(cal), common.record(cal)
        if row["mean_from"] == "target + bias":
            threshold = cal.targets[record.indicator].rule.threshold
            assert threshold is not None  # choices_table refuses a target without one
            target = cal.value(threshold, values, "targets.yaml", record.indicator)
            why = f"target {number(target)} + the record's bias {short(values[record.bias])}"
        else:
            why = f"the sectors' projection `{record.projection}`"
        assert record.fitted is not None  # choices_table refuses mean_from without it
        mean = record.fitted.distribution[0]
        changes.append(
            f"{calibration_link(mean)} = {short(row['mean'])}: "
            f"{why}, not the fitted {short(values[mean])}"
        )
    return "; ".join(changes) or "–"
