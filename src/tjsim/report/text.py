"""A run as plain text for the terminal: its probabilities (the printout of a
:class:`~tjsim.result.SimulationResult`), its readings and its central cases."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..calibration.specs import JOINT
from . import numbers
from .comparison import row_name
from .numbers import number_word

if TYPE_CHECKING:
    from ..result import SimulationResult

#: The summary's columns shown as text: name and heading.
SUMMARY_COLUMNS = {
    "central": "central",
    "mean": "mean",
    "median": "median",
    "std": "std. dev.",
    "q05": "5%",
    "q95": "95%",
}


def format_result(result: SimulationResult) -> str:
    """The printout of ``result``: its settings, then the plan's headline goals (when
    the calibration marks them) and every target with its probability and 95%
    interval, the joint probability last."""
    meta = result.metadata
    probs = result.probabilities(joint=True)
    k = len(result.model.headline_targets)
    heads = result.headline() if k else None
    names = [row_name(str(tid)) for tid in probs.index]
    readings = ["" if tid == JOINT else row for tid, row in probs["reading"].items()]
    shown = [*names, *(str(tid) for tid in heads.index)] if heads is not None else names
    name_width = max(len("target"), *(len(n) for n in shown))
    reading_width = max(
        len("reading"),
        *(len(r) for r in readings),
        *(len(r) for r in (heads["reading"] if heads is not None else [])),
    )
    header = (
        f"{'target':<{name_width}}  {'reading':<{reading_width}}  {'P(met)':>6}  "
        f"{'95% interval':>14}"
    )

    def row_line(name: str, reading: str, row: pd.Series) -> str:
        return (
            f"{name:<{name_width}}  {reading:<{reading_width}}  "
            f"{100 * row['probability']:5.1f}%  "
            f"[{100 * row['ci_low']:5.1f}, {100 * row['ci_high']:5.1f}]"
        )

    lines = [
        f"tjsim: scenario '{meta['scenario']}' on {meta['calibration']} calibration {meta['calibration_version']}",
        f"{meta['draws']:,} draws, method {meta['method']}, seed {meta['seed']}, {meta['dimension']} random numbers per draw",
        *([result.conditioning] if result.scenario.observed else []),
        "",
    ]
    if heads is not None:
        lines += [f"The plan's {number_word(k)} headline goals:", "", header]
        for tid, row in heads.iterrows():
            lines.append(row_line(str(tid), row["reading"], row))
        lines += ["", f"All {number_word(result.model.n_primary)} targets:", "", header]
    for name, reading, (_, row) in zip(names, readings, probs.iterrows(), strict=True):
        lines.append(row_line(name, reading, row))
    return "\n".join(lines)


def summary_cells(result: SimulationResult) -> dict[str, dict[str, str]]:
    """Each target's central case, mean, median, spread and 5%/95% quantiles as shown
    (target -> column -> text), each row by the rule of :mod:`tjsim.report.numbers`
    for its indicator's unit."""
    summary = result.summary()
    probs = result.probabilities()
    units = dict(zip(result.model.indicators, result.model.units, strict=True))
    out = {}
    for target, row in summary.iterrows():
        unit = units.get(str(probs.at[target, "indicator"]), "")
        shown = numbers.values([row[c] for c in SUMMARY_COLUMNS], unit)
        out[str(target)] = dict(zip(SUMMARY_COLUMNS, shown, strict=True))
    return out


def format_summary(result: SimulationResult) -> str:
    """The central case, mean, median, spread and 5%/95% quantiles of each target's
    indicator as text, with the precision of :mod:`tjsim.report.numbers` (the same as
    report.html's)."""
    cells = summary_cells(result)
    label = max(len("target"), *(len(t) for t in cells))
    widths = {
        c: max(len(head), *(len(row[c]) for row in cells.values()))
        for c, head in SUMMARY_COLUMNS.items()
    }
    lines = [
        "Each target's indicator: the central case (every shock at zero, no event), and "
        "the simulated mean, median, standard deviation and 5%/95% quantiles:",
        "",
        f"{'target':<{label}}  "
        + "  ".join(f"{head:>{widths[c]}}" for c, head in SUMMARY_COLUMNS.items()),
    ]
    for target, row in cells.items():
        lines.append(
            f"{target:<{label}}  " + "  ".join(f"{row[c]:>{widths[c]}}" for c in SUMMARY_COLUMNS)
        )
    return "\n".join(lines)


def format_readings(table: pd.DataFrame, notes: Mapping[str, str] | None = None) -> str:
    """A :meth:`~tjsim.result.SimulationResult.readings` table as text: each target's
    probability under every reading, the reading in force marked with ``*``, then the
    readings' ``notes`` (default: the table's own, ``table.attrs["notes"]``)."""
    names = [c for c in table.columns if c != "in_force"]
    label = max(len("target"), *(len(str(t)) for t in table.index))
    width = max(9, *(len(n) for n in names))
    lines = [
        "P(met) under each reading of the targets (* the reading in force):",
        "",
        f"{'target':<{label}}  " + "  ".join(f"{n:>{width}}" for n in names),
    ]
    for target, row in table.iterrows():
        cells = []
        for name in names:
            value = row[name]
            if isinstance(value, float) and math.isnan(value):
                cells.append(f"{'-':>{width}}")
                continue
            mark = "*" if row["in_force"] == name else " "
            cells.append(f"{100 * value:>{width - 2}.1f}%{mark}")
        lines.append(f"{target!s:<{label}}  " + "  ".join(cells))
    notes = table.attrs.get("notes", {}) if notes is None else notes
    for name, note in notes.items():
        lines += ["", f"{name}: {note}."]
    return "\n".join(lines)
