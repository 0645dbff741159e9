"""A sweep (:class:`~tjsim.result.SweepResult`) as text: its settings, where a target's
probability crosses a level, and the probabilities over the grid."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..result import SweepResult


def format_sweep(
    result: SweepResult,
    target: str,
    probability: float,
    frontier: pd.DataFrame,
    note: str | None = None,
) -> str:
    """The sweep as text: its settings, the frontier (``note`` after its heading, and
    the lines that never cross the level) and the probabilities over the grid."""
    meta = result.metadata
    shape = result.grid.shape
    size = " x ".join(map(str, shape)) + " = " if shape and len(shape) > 1 else ""
    lines = [
        f"tjsim sweep: {meta['grid']}, {size}{meta['points']:,} points over "
        f"{', '.join(meta['axes'])}",
        f"{meta['draws']:,} draws a point (common random numbers), method {meta['method']}, "
        f"seed {meta['seed']}, backend {meta['backend']} "
        f"({meta['workers']} worker{'s' if meta['workers'] != 1 else ''})",
        "",
        f"Where P({target}) crosses {_percent(probability)} (95% band):",
        *([note] if note else []),
        "  nowhere on the grid" if frontier.empty else frontier.to_string(index=False),
        *_never(frontier),
        "",
        f"P({target}) in %:",
        _surface(result, target),
    ]
    return "\n".join(lines)


def _percent(probability: float) -> str:
    """A level as a percentage, with a decimal only where it needs one."""
    return f"{100 * probability:.4g}%"


def _never(frontier: pd.DataFrame) -> list[str]:
    """Lines saying which lines of the grid never cross the level (none if all do)."""
    never = frontier.attrs.get("never", [])
    if not never or frontier.empty:  # "nowhere on the grid" says it all
        return []
    where = "; ".join(", ".join(f"{k} = {v:g}" for k, v in line.items()) for line in never)
    return [f"  never crosses it where {where}"]


def _surface(result: SweepResult, target: str) -> str:
    """The probabilities as a table: the first axis down, the second across."""
    grid = result.grid
    p = 100 * result.probability(target)
    if grid.values is None or len(grid.values) > 2:
        frame = pd.DataFrame(grid.points, columns=grid.keys).assign(**{"P (%)": p.ravel()})
        return frame.to_string(index=False, float_format=lambda v: f"{v:.1f}")
    rows = pd.Index(grid.values[0], name=grid.keys[0])
    if len(grid.values) == 1:
        return pd.DataFrame({"P (%)": p}, index=rows).to_string(float_format=lambda v: f"{v:.1f}")
    columns = pd.Index(grid.values[1], name=grid.keys[1])
    table = pd.DataFrame(p, index=rows, columns=columns)
    return table.to_string(float_format=lambda v: f"{v:.1f}")
