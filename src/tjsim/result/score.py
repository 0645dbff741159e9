"""ScoreResult: the record's years, each scored out of sample (:func:`tjsim.score`
returns one; :mod:`tjsim.analysis.score` fills it)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .. import figures
from ..report.score import format_score
from .estimates import wilson_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class ScoreResult:
    """The record's years, each scored out of sample (:func:`score`)."""

    table: pd.DataFrame
    indicator: str
    calibration: str
    version: str

    def to_frame(self) -> pd.DataFrame:
        """One row per year: ``regime, target, outturn`` and, for the method (``centre,
        spread, tail_probability, tail_impact``, ``low50, high50, low90, high90``,
        ``pit, in50, in90, log_score``) and the naive benchmark (``naive_spread,
        naive_pit, naive_in50, naive_in90, naive_log_score``)."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Band coverage (share of years inside), mean log score and its difference from
        the naive benchmark, for all years and for the ordinary years alone."""
        rows = {}
        for name, part in (
            ("all years", self.table),
            ("ordinary years", self.table[self.table["regime"] == "ordinary"]),
        ):
            rows[name] = {
                "years": len(part),
                "coverage_50": part["in50"].mean(),
                "coverage_90": part["in90"].mean(),
                "naive_coverage_50": part["naive_in50"].mean(),
                "naive_coverage_90": part["naive_in90"].mean(),
                "log_score": part["log_score"].mean(),
                "naive_log_score": part["naive_log_score"].mean(),
                "log_score_gain": (part["log_score"] - part["naive_log_score"]).mean(),
            }
        return pd.DataFrame(rows).T

    def caveat(self) -> str:
        """What the numbers can and cannot say, with the counts they rest on."""
        n = len(self.table)
        ordinary = int((self.table["regime"] == "ordinary").sum())
        inside = int(self.table["in90"].sum())
        low, high = wilson_interval(np.array([inside / n]), np.array([math.nan]), n)
        return (
            f"{n} years ({ordinary} ordinary, {n - ordinary} regime breaks), each scored "
            "with the derivation re-run without it. So few years say little: the 90% band "
            f"holds in {inside} of {n}, and a 95% interval for its true coverage runs from "
            f"{100 * low[0]:.0f}% to {100 * high[0]:.0f}%; one year can swing the mean log "
            "score. Read the table year by year."
        )

    def __str__(self) -> str:
        return format_score(self)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each year's 50% and 90% bands, the outturn and the target."""
        t = self.table
        return figures.score_bands(
            list(t.index),
            t[["low90", "low50", "centre", "high50", "high90"]].to_numpy(),
            t["outturn"].to_numpy(),
            t["target"].to_numpy(),
            breaks=(t["regime"] != "ordinary").to_numpy(),
            label=f"{self.indicator} (%)",
            ax=ax,
        )
