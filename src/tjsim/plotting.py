"""Figures. matplotlib is imported here only, when a figure is asked for.

Each function takes precomputed numbers (no simulation happens here), draws on ``ax``
(a new figure when ``None``) and returns the axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def probability_bars(
    table: pd.DataFrame, *, title: str = "", ax: Axes | None = None, color: str = "#2b6cb0"
) -> Axes:
    """Horizontal bars of ``table['probability']`` with 95% interval error bars.

    ``table`` is indexed by target id with columns ``probability, ci_low, ci_high``.
    """
    ax = _axes(ax, (7.5, 0.32 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    p = table["probability"].to_numpy() * 100
    err = np.vstack([p - table["ci_low"].to_numpy() * 100, table["ci_high"].to_numpy() * 100 - p])
    ax.barh(y, p, xerr=err, color=color, alpha=0.85, error_kw={"ecolor": "#1a202c", "capsize": 2})
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability of meeting the target (%)")
    for yi, pi in zip(y, p, strict=True):
        ax.text(min(pi + 1.5, 88), yi, f"{pi:.0f}%", va="center", fontsize=8)
    ax.axvline(50, color="#a0aec0", lw=0.8, ls=":")
    if title:
        ax.set_title(title)
    return ax


def distribution(
    counts: np.ndarray,
    edges: np.ndarray,
    *,
    label: str,
    thresholds: Mapping[str, float | None] | None = None,
    quantiles: np.ndarray | None = None,
    title: str = "",
    ax: Axes | None = None,
    bins: int = 80,
    color: str = "#2b6cb0",
    **kwargs: Any,
) -> Axes:
    """Density of an indicator from fine histogram ``counts`` over ``edges``.

    The fine bins are merged into about ``bins`` bars over the 0.1%-99.9% range; target
    thresholds are drawn as vertical lines and the 5/50/95% quantiles as ticks.
    """
    ax = _axes(ax, (7.0, 3.6))
    total = counts.sum()
    cum = np.cumsum(counts) / max(total, 1)
    lo = np.searchsorted(cum, 0.001)
    hi = min(np.searchsorted(cum, 0.999) + 1, len(counts))
    step = max(1, (hi - lo) // bins)
    trimmed = counts[lo : lo + step * ((hi - lo) // step or 1)]
    merged = trimmed.reshape(-1, step).sum(axis=1)
    left = edges[lo : lo + step * len(merged) : step]
    width = (edges[1] - edges[0]) * step
    ax.bar(
        left,
        merged / max(total, 1) / width,
        width=width,
        align="edge",
        color=color,
        alpha=0.6,
        **kwargs,
    )
    for name, value in (thresholds or {}).items():
        if value is not None:
            ax.axvline(value, color="#c53030", lw=1.5)
            ax.annotate(
                f"target {name}: {value:g}",
                (value, 0.95),
                xycoords=("data", "axes fraction"),
                color="#c53030",
                fontsize=8,
                ha="left",
            )
    if quantiles is not None:
        for q in quantiles:
            ax.axvline(q, color="#1a202c", lw=0.8, ls="--")
    ax.set_xlabel(label)
    ax.set_ylabel("density")
    if title:
        ax.set_title(title)
    return ax
