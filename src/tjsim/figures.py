"""Figures. matplotlib is imported here only, when a figure is asked for.

Each function takes plain data (arrays, frames, numbers; never a result object, and no
simulation happens here), draws on ``ax`` (a new figure when ``None``) and returns the
axes. A foundation module: it imports nothing of tjsim, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

#: Two-sided 95% normal quantile (error bars).
Z95 = 1.959963984540054
#: The palette of every figure (the explorer draws with it too).
BLUE, RED, INK = "#2b6cb0", "#c53030", "#1a202c"


def plain(text: object) -> str:
    """``text`` as literal figure text: matplotlib would read a pair of dollar signs in
    a scenario's name (``"$5 vs $6"``) as mathematics, and fail on what is not."""
    return str(text).replace("$", r"\$")


if TYPE_CHECKING:
    from matplotlib.axes import Axes


def error_bars(lengths: np.ndarray) -> np.ndarray:
    """Error bar lengths as matplotlib takes them: a length a rounding error below zero
    (a probability of exactly 0 or 1 and its interval's end) becomes zero; NaN, an
    unknown error, stays and draws no bar."""
    return np.where(lengths < 0, 0.0, lengths)


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _titled(ax: Axes, title: str) -> Axes:
    """``ax`` with ``title`` (if any)."""
    if title:
        ax.set_title(plain(title))
    return ax


def probability_bars(
    table: pd.DataFrame, *, title: str = "", ax: Axes | None = None, color: str = BLUE
) -> Axes:
    """Horizontal bars of ``table['probability']`` with 95% interval error bars.

    ``table`` is indexed by target id with columns ``probability, ci_low, ci_high``.
    """
    ax = _axes(ax, (7.5, 0.32 * len(table) + 1.2))
    y = np.arange(len(table))[::-1]
    p = table["probability"].to_numpy() * 100
    err = error_bars(
        np.vstack([p - table["ci_low"].to_numpy() * 100, table["ci_high"].to_numpy() * 100 - p])
    )
    ax.barh(y, p, xerr=err, color=color, alpha=0.85, error_kw={"ecolor": INK, "capsize": 2})
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability of meeting the target (%)")
    for yi, pi in zip(y, p, strict=True):
        ax.text(min(pi + 1.5, 88), yi, f"{pi:.0f}%", va="center", fontsize=8)
    ax.axvline(50, color="#a0aec0", lw=0.8, ls=":")
    return _titled(ax, title)


def density_bars(
    counts: np.ndarray, edges: np.ndarray, bins: int = 80
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fine histogram ``counts`` over ``edges`` merged into about ``bins`` bars over
    its 0.1%-99.9% range: the bars' left edges, their densities (the share of the draws
    per unit, so that the bars' areas add up to the share they cover) and their width.
    """
    total = max(counts.sum(), 1)
    cum = np.cumsum(counts) / total
    lo = np.searchsorted(cum, 0.001)
    hi = min(np.searchsorted(cum, 0.999) + 1, len(counts))
    step = max(1, (hi - lo) // bins)
    trimmed = counts[lo : lo + step * ((hi - lo) // step or 1)]
    merged = trimmed.reshape(-1, step).sum(axis=1)
    left = edges[lo : lo + step * len(merged) : step]
    width = float(edges[1] - edges[0]) * step
    return left, merged / total / width, width


def distribution(
    counts: np.ndarray,
    edges: np.ndarray,
    *,
    label: str,
    thresholds: Mapping[str, float | None] | None = None,
    threshold_notes: Mapping[str, str] | None = None,
    quantiles: np.ndarray | None = None,
    quantile_labels: list[str] | None = None,
    title: str = "",
    ax: Axes | None = None,
    bins: int = 80,
    color: str = BLUE,
    **kwargs: Any,
) -> Axes:
    """Density of an indicator from fine histogram ``counts`` over ``edges``.

    The fine bins are merged into about ``bins`` bars over the 0.1%-99.9% range; target
    thresholds are drawn as vertical lines, each named at its top on the side with more
    room (``target NAME: VALUE``, and under it ``(NOTE)`` from ``threshold_notes``,
    e.g. how a published figure was read),
    and ``quantiles`` as dashed lines, named in a legend right of the plot by
    ``quantile_labels``, where no label can cover it.
    """
    ax = _axes(ax, (7.0, 3.6))
    left, density, width = density_bars(counts, edges, bins)
    ax.bar(
        left,
        density,
        width=width,
        align="edge",
        color=color,
        alpha=0.6,
        **kwargs,
    )
    notes = threshold_notes or {}
    low, high = ax.get_xlim()
    shown = [(name, value) for name, value in (thresholds or {}).items() if value is not None]
    for row, (name, value) in enumerate(shown):
        note = f"\n({notes[name]})" if notes.get(name) else ""
        right = high - value >= value - low  # the name goes where there is more room
        ax.axvline(value, color=RED, lw=1.5)
        ax.annotate(
            f"target {name}: {value:g}{note}",
            (value, 0.98 - 0.13 * row),
            xycoords=("data", "axes fraction"),
            xytext=(3 if right else -3, 0),
            textcoords="offset points",
            color=RED,
            fontsize=8,
            ha="left" if right else "right",
            va="top",
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1},
        )
    for i, q in enumerate(quantiles if quantiles is not None else []):
        qlabel = quantile_labels[i] if quantile_labels is not None else None
        ax.axvline(q, color=INK, lw=0.8, ls=("--", ":", "-.")[i % 3], label=qlabel)
    if quantile_labels is not None and quantiles is not None:
        # Outside the plot, right of it: the targets' labels keep the plot's top.
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
    ax.set_ylim(0, ax.get_ylim()[1] * (1.05 + 0.15 * len(shown)))  # room for the names
    ax.set_xlabel(plain(label))
    ax.set_ylabel("density")
    return _titled(ax, title)


def tornado(
    table: pd.DataFrame,
    *,
    probability: float,
    title: str = "",
    ax: Axes | None = None,
    top: int | None = None,
    colors: tuple[str, str] = (RED, BLUE),
) -> Axes:
    """Tornado chart: how far one swing of each driver moves a probability.

    ``table`` is indexed by driver with columns ``p_minus, p_plus, swing`` (and
    optionally ``unit``), as one target's rows of :func:`tjsim.sensitivities`;
    ``probability`` is the probability with no driver moved. Each driver gets a bar from
    ``probability`` to its value at minus one swing (first colour) and at plus one swing
    (second colour), the widest on top; ``top`` keeps only that many drivers.
    """
    spread = (table["p_plus"] - table["p_minus"]).abs()
    rows = table.loc[spread.sort_values(ascending=False, kind="stable").index]
    if top is not None:
        rows = rows.iloc[:top]
    ax = _axes(ax, (7.5, 0.36 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    base = 100 * probability
    minus = 100 * rows["p_minus"].to_numpy()
    plus = 100 * rows["p_plus"].to_numpy()
    ax.barh(y, minus - base, left=base, color=colors[0], alpha=0.85, label="minus one swing")
    ax.barh(y, plus - base, left=base, color=colors[1], alpha=0.85, label="plus one swing")
    units = rows["unit"] if "unit" in rows.columns else pd.Series("", index=rows.index)
    labels = [
        f"{driver} (±{swing:.3g}{' ' + str(unit) if unit else ''})"
        for driver, swing, unit in zip(rows.index, rows["swing"], units, strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.axvline(base, color=INK, lw=1.0)
    low = min(minus.min(initial=base), plus.min(initial=base), base)
    high = max(minus.max(initial=base), plus.max(initial=base), base)
    pad = max(2.0, 0.08 * (high - low))
    ax.set_xlim(max(low - pad, 0.0), min(high + pad, 100.0))
    ax.set_xlabel(f"probability of meeting the target (%), now {base:.1f}%")
    ax.legend(fontsize=8, loc="lower right")
    return _titled(ax, title)


def shock_gaps(
    table: pd.DataFrame,
    *,
    title: str = "",
    ax: Axes | None = None,
    top: int | None = 12,
    colors: tuple[str, str] = (BLUE, "#dd6b20"),
) -> Axes:
    """Why a target is missed: bars of the gap between the draws that miss and those
    that meet it, in standard deviations.

    ``table`` is indexed by shock with columns ``gap``, ``std_error`` and ``kind``
    (``shock`` or ``event``), as one target's rows of :func:`tjsim.why_missed`;
    the ``top`` largest gaps are drawn with 95% error bars, events in the second colour.
    """
    rows = table[np.isfinite(table["gap"].to_numpy(dtype=float))]
    rows = rows.loc[rows["gap"].abs().sort_values(ascending=False, kind="stable").index]
    if top is not None:
        rows = rows.iloc[:top]
    ax = _axes(ax, (7.5, 0.32 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    gap = rows["gap"].to_numpy(dtype=float)
    err = error_bars(Z95 * rows["std_error"].to_numpy(dtype=float))
    kind = rows["kind"].to_numpy() if "kind" in rows.columns else np.full(len(rows), "shock")
    color = [colors[1] if k == "event" else colors[0] for k in kind]
    ax.barh(y, gap, xerr=err, color=color, alpha=0.85, error_kw={"ecolor": INK, "capsize": 2})
    ax.set_yticks(
        y,
        [f"{s} (event)" if k == "event" else str(s) for s, k in zip(rows.index, kind, strict=True)],
    )
    ax.axvline(0.0, color=INK, lw=1.0)
    ax.set_xlabel("average in draws that miss minus draws that meet (standard deviations)")
    return _titled(ax, title)


def fan_chart(
    periods: list[str],
    bands: np.ndarray,
    *,
    label: str,
    observed: Mapping[str, float] | None = None,
    threshold: float | None = None,
    threshold_note: str = "",
    title: str = "",
    note: str | None = None,
    ax: Axes | None = None,
    color: str = BLUE,
) -> Axes:
    """Fan chart of cumulative year-to-date growth.

    ``bands`` is ``(len(periods), 5)``: the 5, 25, 50, 75 and 95% quantiles at each
    period. Observed periods are drawn as points, the target as a horizontal line
    (``threshold_note`` after its value in the legend, in parentheses); ``note`` is
    written small under the plot.
    """
    ax = _axes(ax, (6.5, 3.8))
    x = np.arange(len(periods))
    ax.fill_between(x, bands[:, 0], bands[:, 4], color=color, alpha=0.18, lw=0, label="5-95%")
    ax.fill_between(x, bands[:, 1], bands[:, 3], color=color, alpha=0.35, lw=0, label="25-75%")
    ax.plot(x, bands[:, 2], color=color, lw=1.5, label="median")
    if observed:
        xs = [periods.index(p) for p in observed]
        ax.plot(xs, list(observed.values()), "o", color=INK, label="observed")
    if threshold is not None:
        extra = f" ({threshold_note})" if threshold_note else ""
        ax.axhline(threshold, color=RED, lw=1.2, ls="--", label=f"target {threshold:g}{extra}")
    ax.set_xticks(x, periods)
    ax.set_xlabel("year to date")
    ax.set_ylabel(plain(label))
    ax.legend(loc="best", fontsize=8, frameon=False)
    if note:
        ax.text(
            0.0,
            -0.22,
            note,
            transform=ax.transAxes,
            fontsize=7,
            va="top",
            wrap=True,
            color="#4a5568",
        )
    return _titled(ax, title)


def comparison_dots(table: pd.DataFrame, *, title: str = "", ax: Axes | None = None) -> Axes:
    """Dots with 95% error bars: each target's probability under each scenario.

    ``table`` is indexed by ``(target, scenario)`` (the scenario's position) with
    columns ``probability``, ``std_error`` and ``name``, as
    :func:`tjsim.analysis.compare.comparison_table` returns it.
    """
    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    ax = _axes(ax, (7.5, 0.35 * len(targets) + 1.5))
    y = {t: len(targets) - 1 - i for i, t in enumerate(targets)}
    count = table.index.get_level_values("scenario").nunique()
    for position, rows in table.groupby(level="scenario"):
        rows = rows.droplevel("scenario")
        offset = 0.3 * (cast(int, position) - (count - 1) / 2) / max(count - 1, 1)
        ax.errorbar(
            100 * rows["probability"],
            np.array([y[t] for t in rows.index]) + offset,
            xerr=error_bars(100 * Z95 * rows["std_error"].to_numpy(dtype=float)),
            fmt="o",
            markersize=4,
            label=plain(rows["name"].iloc[0]),
        )
    ax.set_yticks(list(y.values()), list(y))
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability of meeting the target (%)")
    ax.legend(fontsize=7, loc="lower right")
    return _titled(ax, title)


def change_bars(
    change: pd.DataFrame,
    std_error: pd.DataFrame,
    *,
    order: list[str] | None = None,
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of changes in probability with 95% error bars.

    ``change`` and ``std_error`` are indexed by target with one column per scenario
    (probability units; NaN rows are left empty); ``order`` lists the targets top down.
    """
    order = list(change.index) if order is None else order
    ax = _axes(ax, (7.5, 0.35 * len(order) + 1.5))
    y = np.arange(len(order))[::-1].astype(float)
    count = len(change.columns)
    height = 0.8 / max(count, 1)
    for i, name in enumerate(change.columns):
        offset = height * (i - (count - 1) / 2)
        values = 100 * change[name].reindex(order).to_numpy(dtype=float)
        errors = 100 * Z95 * std_error[name].reindex(order).to_numpy(dtype=float)
        ax.barh(
            y - offset,
            np.nan_to_num(values),
            height=height,
            xerr=np.nan_to_num(errors),
            alpha=0.85,
            label=plain(name),
            error_kw={"ecolor": INK, "capsize": 2},
        )
    ax.set_yticks(y, order)
    ax.axvline(0.0, color=INK, lw=1.0)
    ax.set_xlabel("change in the probability of meeting the target (points), 95% error bars")
    ax.legend(fontsize=7, loc="best")
    return _titled(ax, title)


def probability_lines(
    x: np.ndarray,
    p: np.ndarray,
    se: np.ndarray,
    *,
    labels: list[str],
    x_label: str,
    level: float | None = None,
    crossings: np.ndarray | None = None,
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """Probabilities along one sweep axis: a line per row of ``p`` ``(k, n)`` over
    ``x`` ``(n,)``, with its 95% band ``p +- 1.96 se``.

    ``level`` draws a horizontal line; ``crossings`` ``(c, 3)`` (value, low, high)
    marks where a line crosses it, with its 95% band.
    """
    ax = _axes(ax, (6.5, 3.8))
    for row, errors, label in zip(p, se, labels, strict=True):
        (line,) = ax.plot(x, 100 * row, marker="o", markersize=3, lw=1.5, label=plain(label))
        ax.fill_between(
            x,
            100 * np.clip(row - Z95 * errors, 0, 1),
            100 * np.clip(row + Z95 * errors, 0, 1),
            color=line.get_color(),
            alpha=0.2,
            lw=0,
        )
    if level is not None:
        ax.axhline(100 * level, color=RED, lw=1.0, ls="--", label=f"{level:.0%}")
    for value, low, high in crossings if crossings is not None else []:
        ax.axvspan(low, high, color=RED, alpha=0.15, lw=0)
        ax.axvline(value, color=RED, lw=1.0)
    ax.set_xlabel(plain(x_label))
    ax.set_ylabel("probability (%)")
    ax.set_ylim(0, 100)
    ax.legend(loc="best", fontsize=8, frameon=False)
    if title:
        ax.set_title(plain(title))
    return ax


def probability_surface(
    x: np.ndarray,
    y: np.ndarray,
    p: np.ndarray,
    *,
    x_label: str,
    y_label: str,
    levels: tuple[float, ...] | None = None,
    frontier: Mapping[str, Any] | None = None,
    title: str = "",
    ax: Axes | None = None,
) -> Axes:
    """A probability over two sweep axes: a heatmap of ``p`` ``(len(x), len(y))``
    (colours spanning the range of ``p``, in steps of 5%) with labelled contours at
    ``levels`` (default: chosen by matplotlib).

    ``frontier`` draws a crossing line with its 95% band: a mapping with ``along``
    (``"x"`` or ``"y"``: the axis the crossings were solved along), ``line`` (the other
    axis's values), ``value``, ``low``, ``high`` (arrays) and ``label``.
    """
    ax = _axes(ax, (6.5, 5.0))
    low = np.floor(20 * np.nanmin(p)) * 5
    high = max(np.ceil(20 * np.nanmax(p)) * 5, low + 5)
    mesh = ax.pcolormesh(x, y, 100 * p.T, shading="nearest", cmap="RdYlBu", vmin=low, vmax=high)
    ax.figure.colorbar(mesh, ax=ax, label="probability (%)")
    if len(x) > 1 and len(y) > 1 and np.ptp(p) > 0:
        chosen = None if levels is None else [100 * v for v in levels]
        contours = ax.contour(x, y, 100 * p.T, levels=chosen, colors=INK, linewidths=0.8)
        ax.clabel(contours, fmt="%.0f%%", fontsize=8)
    if frontier is not None and len(frontier["value"]):
        order = np.argsort(frontier["line"], kind="stable")
        line = np.asarray(frontier["line"])[order]
        value, low, high = (np.asarray(frontier[k])[order] for k in ("value", "low", "high"))
        if frontier["along"] == "x":
            ax.fill_betweenx(line, low, high, color=INK, alpha=0.25, lw=0)
            ax.plot(value, line, color=INK, lw=2.0, label=plain(frontier.get("label", "")))
        else:
            ax.fill_between(line, low, high, color=INK, alpha=0.25, lw=0)
            ax.plot(line, value, color=INK, lw=2.0, label=plain(frontier.get("label", "")))
        ax.legend(loc="best", fontsize=8)
    ax.set_xlabel(plain(x_label))
    ax.set_ylabel(plain(y_label))
    if title:
        ax.set_title(plain(title))
    return ax


def score_bands(
    years: list[int],
    bands: np.ndarray,
    outturns: np.ndarray,
    targets: np.ndarray,
    *,
    breaks: np.ndarray | None = None,
    label: str = "",
    ax: Axes | None = None,
    color: str = BLUE,
) -> Axes:
    """Out-of-sample bands against outturns, year by year.

    ``bands`` is ``(len(years), 5)``: the 5, 25, 50 (or centre), 75 and 95% points of
    each year's predictive distribution; ``outturns`` are drawn as points (hollow in
    the years flagged in ``breaks``), ``targets`` as short dashes.
    """
    ax = _axes(ax, (7.0, 3.8))
    x = np.arange(len(years))
    ax.vlines(x, bands[:, 0], bands[:, 4], color=color, alpha=0.35, lw=10, label="90% band")
    ax.vlines(x, bands[:, 1], bands[:, 3], color=color, alpha=0.8, lw=10, label="50% band")
    ax.plot(x, targets, "_", color=RED, markersize=18, mew=2, label="target")
    flags = np.zeros(len(years), dtype=bool) if breaks is None else np.asarray(breaks)
    ax.plot(x[~flags], outturns[~flags], "o", color=INK, label="outturn")
    if flags.any():
        ax.plot(x[flags], outturns[flags], "o", mfc="none", color=INK, label="outturn (break)")
    ax.set_xticks(x, [str(y) for y in years])
    ax.set_ylabel(plain(label))
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


def pit_histograms(
    pits: Mapping[str, np.ndarray], *, bins: int = 10, ax: Axes | None = None
) -> Axes:
    """Histograms (as step lines) of probability integral transforms, one per forecast;
    a calibrated forecast's is flat at 1 (the dashed line)."""
    ax = _axes(ax, (7.0, 3.8))
    edges = np.linspace(0.0, 1.0, bins + 1)
    colors = [BLUE, RED, "#718096", "#2f855a", "#b7791f"]
    for (label, values), color in zip(pits.items(), colors * 4, strict=False):
        values = np.asarray(values, dtype=float)
        counts, _ = np.histogram(values, bins=edges)
        density = counts / max(len(values), 1) * bins
        ax.stairs(density, edges, color=color, lw=2.2 if color == BLUE else 1.4, label=label)
    ax.axhline(1.0, color=INK, ls="--", lw=0.8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("PIT: where the outturn fell in its predicted distribution")
    ax.set_ylabel("density (1 = calibrated)")
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


def gap_bands(
    years: np.ndarray,
    bands: np.ndarray,
    gaps: np.ndarray,
    *,
    ax: Axes | None = None,
    color: str = BLUE,
) -> Axes:
    """Out-of-sample bands of many pairs, grouped by year, relative to the target:
    ``bands`` is ``(n, 5)`` (5, 25, 50, 75 and 95% points less the target), ``gaps``
    the outturns less the target, points outside their 90% band in red."""
    ax = _axes(ax, (9.0, 3.8))
    years = np.asarray(years)
    x = np.arange(len(years), dtype=float)
    x += np.searchsorted(np.unique(years), years) * 2.0  # a gap between years
    ax.vlines(x, bands[:, 0], bands[:, 4], color=color, alpha=0.3, lw=2.5, label="90% band")
    ax.vlines(x, bands[:, 1], bands[:, 3], color=color, alpha=0.8, lw=2.5, label="50% band")
    outside = (gaps < bands[:, 0]) | (gaps > bands[:, 4])
    ax.plot(x[~outside], gaps[~outside], ".", color=INK, ms=4, label="outturn - target")
    ax.plot(x[outside], gaps[outside], ".", color=RED, ms=5, label="outside its 90% band")
    ax.axhline(0.0, color=INK, lw=0.6)
    ticks = [x[years == y].mean() for y in np.unique(years)]
    ax.set_xticks(ticks, [str(y) for y in np.unique(years)], fontsize=8)
    ax.set_ylabel("outturn - target (pp)")
    ax.legend(loc="lower left", fontsize=7, frameon=False, ncol=2)
    return ax
