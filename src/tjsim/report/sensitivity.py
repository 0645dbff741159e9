"""What moves the odds, as text: a :func:`tjsim.sensitivities` table
(:func:`format_sensitivities`) and a :class:`~tjsim.result.RequiredShift`
(:func:`format_required`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from ..calibration.specs import JOINT
from ..scenario import describe_conditioning
from .comparison import JOINT_LABEL, row_name
from .numbers import percent_near_ends, values

if TYPE_CHECKING:
    from ..result import RequiredShift


def format_required(shift: RequiredShift) -> str:
    """The printout of ``shift``: the shift, its 95% interval, the driver's value before
    and after (by the precision rule of :mod:`tjsim.report.numbers`), the probability
    reached and the settings."""
    current, value = values([shift.current, shift.value], shift.unit)
    what = "all targets" if shift.target == JOINT else f"target '{shift.target}'"
    moved = "central value" if shift.kind == "variable" else "value"
    unit = f" {shift.unit}" if shift.unit else ""
    step = "pp" if shift.kind == "variable" and shift.unit == "%" else shift.unit
    step = f" {step}" if step else ""
    return "\n".join(
        [
            f"To meet {what} with probability {percent_near_ends(shift.probability)} "
            f"(now {percent_near_ends(shift.start_probability)}, scenario '{shift.scenario}'):",
            *([f"  {shift.conditioning}"] if shift.conditioning else []),
            f"  {'shift' if shift.kind == 'variable' else 'change'} {shift.driver} by "
            f"{shift.shift:+.3g}{step}  (95% interval {shift.low:+.3g} to {shift.high:+.3g})",
            f"  {shift.driver} {moved}: {current} -> {value}{unit}  ({shift.label})",
            f"  P at the solution: {percent_near_ends(shift.achieved, 2)} ± {100 * shift.std_error:.2g} points",
            f"  {shift.draws:,} draws, method {shift.method}, seed {shift.seed}; common random "
            f"numbers, searched shifts in [{shift.bounds[0]:+.3g}, {shift.bounds[1]:+.3g}]",
        ]
    )


def _per(row: pd.Series) -> str:
    unit = str(row["unit"])
    return "pp" if row["kind"] == "variable" and unit == "%" else unit or "unit"


def format_sensitivities(
    frame: pd.DataFrame, *, digits: int = 1, width: int | None = None, drop_zero: bool = True
) -> str:
    """:func:`tjsim.sensitivities` as text: for each target, every driver's sensitivity and its
    standard error (pp of probability per unit), then the probability now and at minus
    and plus one swing.

    With ``drop_zero`` (the default), drivers whose effect on every target rounds to
    zero at ``digits`` decimals, and targets that no driver moves at that precision, are
    left out, and a note at the end names them. With ``width`` (a number of columns,
    e.g. the terminal's), the drivers are cut into blocks of columns that fit it."""
    meta = frame.attrs.get("metadata", {})
    drivers = list(dict.fromkeys(frame.index.get_level_values("driver")))
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    first = frame.xs(targets[0], level="target")
    sensitivity = frame["sensitivity"].to_numpy(dtype=float)
    std_error = frame["std_error"].to_numpy(dtype=float)
    cells = {
        (t, d): f"{100 * s:+.{digits}f}±{100 * e:.{digits}f}"
        for (t, d), s, e in zip(frame.index, sensitivity, std_error, strict=True)
    }
    shown_zero = {
        (t, d): not round(100 * s, digits)
        for (t, d), s in zip(frame.index, sensitivity, strict=True)
    }
    dropped_drivers: list[str] = []
    dropped_targets: list[str] = []
    if drop_zero:
        dropped_drivers = [d for d in drivers if all(shown_zero[(t, d)] for t in targets)]
        kept = [d for d in drivers if d not in dropped_drivers]
        dropped_targets = [t for t in targets if all(shown_zero[(t, d)] for d in drivers)]
        if kept:  # a table with no column would say nothing: then show them all
            drivers = kept
            targets = [t for t in targets if t not in dropped_targets] or targets
        else:
            dropped_drivers, dropped_targets = [], []
    label = max(len(JOINT_LABEL), *(len(t) for t in targets))
    swings = {d: "±" + format(first.loc[d, "swing"], ".3g") for d in drivers}
    p_minus = dict(zip(frame.index, frame["p_minus"].to_numpy(dtype=float), strict=True))
    p_plus = dict(zip(frame.index, frame["p_plus"].to_numpy(dtype=float), strict=True))
    pairs = {
        (t, d): f"{100 * p_minus[(t, d)]:.0f}/{100 * p_plus[(t, d)]:.0f}%"
        for t in targets
        for d in drivers
    }
    widths = {
        d: max(
            len(d),
            len("per " + _per(first.loc[d])),
            len(swings[d]),
            *(len(cells[(t, d)]) for t in targets),
            *(len(pairs[(t, d)]) for t in targets),
        )
        for d in drivers
    }
    blocks = _column_blocks(drivers, widths, label + 10, width)

    def row(head: str, middle: str, values: dict[str, str], block: list[str]) -> str:
        text = f"{head:<{label}}  {middle:>6}  " + "  ".join(
            f"{values[d]:>{widths[d]}}" for d in block
        )
        return text.rstrip()

    lines = []
    if meta:
        lines += [
            f"tjsim sensitivity: scenario '{meta['scenario']}', {meta['draws']:,} draws, "
            f"method {meta['method']}, seed {meta['seed']} (common random numbers)",
            *([describe_conditioning(meta["observed"])] if meta.get("observed") else []),
            "",
        ]
    lines.append("Change in P(met), in points per unit of each driver (± standard error):")
    for block in blocks:
        lines += [
            "",
            row("target", "P(met)", {d: d for d in block}, block),
            row("(unit)", "", {d: "per " + _per(first.loc[d]) for d in block}, block),
        ]
        for t in targets:
            p = frame.loc[(t, drivers[0]), "probability"]
            values = {d: cells[(t, d)] for d in block}
            lines.append(row(row_name(t), f"{100 * p:5.1f}%", values, block))
    lines.append("")
    lines.append("P(met) at minus / plus one swing of each driver:")
    for block in blocks:
        lines += [
            "",
            row("target", "", {d: d for d in block}, block),
            row("(swing)", "", swings, block),
        ]
        for t in targets:
            lines.append(row(row_name(t), "", {d: pairs[(t, d)] for d in block}, block))
    if meta.get("step") is not None:
        lines += [
            "",
            f"Central differences with half-step {meta['step']:g} swing on common draws; "
            "errors from the per-draw differences.",
        ]
    zero = f"{0:+.{digits}f}"
    if dropped_drivers:
        lines += [
            "",
            f"Not shown, every effect {zero} at this precision: "
            f"{len(dropped_drivers)} driver{'s' if len(dropped_drivers) != 1 else ''} "
            f"({', '.join(dropped_drivers)})",
        ]
    if dropped_targets:
        if not dropped_drivers:
            lines.append("")
        lines += [
            f"Not shown, no driver moves them at this precision: "
            f"{len(dropped_targets)} target{'s' if len(dropped_targets) != 1 else ''} "
            f"({', '.join(row_name(t) for t in dropped_targets)})",
        ]
    return "\n".join(lines)


def _column_blocks(
    columns: list[str], widths: Mapping[str, int], start: int, limit: int | None
) -> list[list[str]]:
    """``columns`` cut into runs whose row (``start`` characters, then each column's
    width and two spaces) fits in ``limit`` characters (one run without a limit; at
    least one column a run)."""
    if limit is None:
        return [columns] if columns else [[]]
    blocks: list[list[str]] = []
    used = start
    for column in columns:
        need = 2 + widths[column]
        if blocks and used + need <= limit:
            blocks[-1].append(column)
            used += need
        else:
            blocks.append([column])
            used = start + need
    return blocks or [[]]
