"""A comparison of scenarios (:class:`~tjsim.result.ComparisonResult`) as text: each
scenario's probability and its change from the first, marked when significant."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from ..calibration.specs import JOINT

if TYPE_CHECKING:
    from ..result import ComparisonResult

#: The row of all the headline targets met together.
HEADLINE_JOINT = "headline_joint"
JOINT_LABEL = "all targets (joint)"
HEADLINE_LABEL = "all headline goals (joint)"
#: Row id -> the name shown for it (the joint rows; a target shows as its id).
ROW_NAMES = {JOINT: JOINT_LABEL, HEADLINE_JOINT: HEADLINE_LABEL}


def row_name(target: str) -> str:
    """The name a comparison's row shows: the joint rows in words, a target its id."""
    return ROW_NAMES.get(target, target)


def targets(comparison: ComparisonResult) -> list[str]:
    """The comparison's row ids in order (targets, then the joint rows)."""
    return list(dict.fromkeys(comparison.table.index.get_level_values("target")))


def header(comparison: ComparisonResult) -> list[str]:
    """The settings, then (when any run is conditioned) what each run observed."""
    meta = comparison.metadata
    lines = [
        f"tjsim compare: {meta['draws']:,} draws each, method {meta['method']}, "
        f"seed {meta['seed']} (common random numbers)"
    ]
    if any(r.scenario.observed for r in comparison.results):
        lines += [
            f"  {name}: {r.conditioning}"
            for name, r in zip(comparison.names, comparison.results, strict=True)
        ]
    return lines


def footnotes(comparison: ComparisonResult) -> list[str]:
    """What the marks mean, then each scenario's file."""
    basis = (
        "the paired standard error of the change over the common draws"
        if comparison.error == "paired"
        else "sqrt(se1^2 + se2^2), which ignores the correlation of common random "
        "numbers (usually positive, so the test is usually conservative)"
    )
    notes = [
        "Each column after the first: P(met) and its change in points from the first column;",
        f"* marks a change larger than 1.96 times {basis}",
        "  (a change that rounds to 0.0 is never marked).",
    ]
    if not comparison.table["like_for_like"].all():
        notes.append(
            "! joint probability over a different set of targets than the first "
            "column's: not like for like."
        )
    files = [
        f"  {name}: {r.scenario.path or '(built in Python)'}"
        for name, r in zip(comparison.names, comparison.results, strict=True)
    ]
    return [*notes, "Scenarios:", *files]


def cell(rows: pd.DataFrame, position: int) -> str:
    """One scenario's cell: P(met), and its change from the first scenario with '*'
    when significant, '!' when not like for like, 'new' when the first lacks it."""
    if position not in rows.index:
        return "-"
    row = cast(pd.Series, rows.loc[position])
    text = f"{100 * row['probability']:5.1f}%"
    if position == 0:
        return text
    if np.isnan(row["change"]):
        return f"{text}    new"
    shown, mark = shown_change(row)
    return f"{text} {shown:+5.1f}{mark or ' '}"


def shown_change(row: pd.Series) -> tuple[float, str]:
    """A row's change as shown, in points to one decimal (never ``-0.0``), and its mark:
    ``*`` significant, ``!`` not like for like, else empty."""
    mark = "*" if row["significant"] else ("!" if not row["like_for_like"] else "")
    return round(100 * row["change"], 1) + 0.0, mark  # + 0.0: no "-0.0"


def format_comparison(comparison: ComparisonResult) -> str:
    """The printout of ``comparison``: settings, one row per target and one column per
    scenario, then the footnotes."""
    names = comparison.names
    widths = [max(len(names[0]), 7)] + [max(len(n), 15) for n in names[1:]]
    rows = targets(comparison)
    label = max(len(JOINT_LABEL), *(len(row_name(t)) for t in rows))
    lines = [
        *header(comparison),
        "",
        f"{'target':<{label}}  "
        + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)),
    ]
    for target in rows:
        found = cast(pd.DataFrame, comparison.table.loc[target])
        cells = [f"{cell(found, position):>{width}}" for position, width in enumerate(widths)]
        lines.append(f"{row_name(target):<{label}}  " + "  ".join(cells))
    return "\n".join([*lines, "", *footnotes(comparison)])
