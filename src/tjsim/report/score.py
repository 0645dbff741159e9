"""Scores as text: the record's years scored out of sample
(:class:`~tjsim.result.ScoreResult`) and the reporting model scored on the panel
(:class:`~tjsim.result.PanelScoreResult`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from ..result import PanelScoreResult, ScoreResult


def format_score(result: ScoreResult) -> str:
    """The printout of ``result``: one line per year, the coverage and log scores of
    all years and of the ordinary ones, and the caveat."""
    t = result.table
    lines = [
        f"tjsim score: {result.indicator} on {result.calibration} calibration {result.version}, "
        "each year left out in turn",
        "",
        f"{'year':>4}  {'regime':<8} {'target':>6} {'outturn':>7} {'centre':>6} "
        f"{'50% band':>13} {'90% band':>13} {'PIT':>5} {'log score':>9} {'naive':>6}",
    ]
    for year, row in t.iterrows():
        lines.append(
            f"{year:>4}  {row['regime']:<8} {row['target']:>6.1f} {row['outturn']:>7.1f} "
            f"{row['centre']:>6.2f} [{row['low50']:5.2f},{row['high50']:5.2f}] "
            f"[{row['low90']:5.2f},{row['high90']:5.2f}] {row['pit']:>5.2f} "
            f"{row['log_score']:>9.2f} {row['naive_log_score']:>6.2f}"
        )
    s = result.summary()
    lines += [""]
    for name, row in s.iterrows():
        lines.append(
            f"{name}: in the 50% band {100 * row['coverage_50']:.0f}% of years "
            f"(naive {100 * row['naive_coverage_50']:.0f}%), in the 90% band "
            f"{100 * row['coverage_90']:.0f}% (naive {100 * row['naive_coverage_90']:.0f}%), "
            f"mean log score {row['log_score']:.2f} against {row['naive_log_score']:.2f} "
            "for the naive normal"
        )
    lines += ["", result.caveat()]
    return "\n".join(lines)


def format_panel_score(result: PanelScoreResult, benchmarks: Mapping[str, str]) -> str:
    """The printout of ``result``: the model's and the ``benchmarks``' (column prefix
    -> description) scores by kind of year, the alternative choices when scored, and
    the goals."""
    s = result.summary()
    lines = [
        f"tjsim score --panel: the reporting model ({result.choices.describe()}) on "
        f"{len(result.table)} pairs, each year left out in turn",
        "",
        f"{'years':<15} {'forecast':<8} {'pairs':>5} {'log score':>9} {'CRPS':>6} "
        f"{'in 50%':>6} {'in 90%':>6}",
    ]
    for key, row in s.iterrows():
        kind, forecast = cast(tuple[str, str], key)
        lines.append(
            f"{kind:<15} {forecast:<8} {int(row['pairs']):>5} {row['log_score']:>9.2f} "
            f"{row['crps']:>6.2f} {row['coverage_50']:>6.0%} {row['coverage_90']:>6.0%}"
        )
    lines += [
        "",
        "forecasts: model = the reporting model; "
        + "; ".join(f"{k} = {v}" for k, v in benchmarks.items()),
    ]
    if result.alternatives is not None:
        lines += ["", "choices, scored the same way (best first):"]
        for label, row in result.alternatives.iterrows():
            lines.append(
                f"  {label:<40} log score {row['log_score']:>6.3f}  CRPS {row['crps']:.3f}  "
                f"in 50% {row['coverage_50']:.0%}  in 90% {row['coverage_90']:.0%}"
            )
    lines += ["", "goals:"]
    for goal, row in result.goals().iterrows():
        lines.append(f"  {goal:<34} {row['value']:>7.3f}  {'met' if row['met'] else 'missed'}")
    return "\n".join(lines)
