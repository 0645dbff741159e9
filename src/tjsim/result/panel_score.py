"""PanelScoreResult: the reporting model scored on the 31-region panel, leaving whole
years out (:func:`tjsim.score` with ``panel=True`` returns one;
:mod:`tjsim.analysis.panel_score` fills it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import figures
from ..report.score import format_panel_score

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Benchmarks, by column prefix: name and description.
BENCHMARKS = {
    "naive": "naive normal on the target",
    "bias": "target plus pooled bias, normal",
    "v02": "tjsim 0.2's method, each region's own record",
}
#: The kinds of year the summary splits the pairs into.
KINDS = ("2021 and 2023", "2020 and 2022", "before 2020")


def metrics(table: pd.DataFrame, prefix: str = "") -> dict[str, float]:
    """The number of pairs of ``table``, the mean log score and CRPS and the 50% and 90%
    coverage of the forecast whose columns start with ``prefix``."""
    return {
        "pairs": len(table),
        "log_score": float(table[f"{prefix}log_score"].mean()),
        "crps": float(table[f"{prefix}crps"].mean()),
        "coverage_50": float(table[f"{prefix}in50"].mean()),
        "coverage_90": float(table[f"{prefix}in90"].mean()),
    }


@dataclass(frozen=True)
class PanelScoreResult:
    """The reporting model scored on the panel, leaving whole years out
    (:func:`tjsim.analysis.score_panel`)."""

    table: pd.DataFrame
    #: The reporting model's choices and the model fitted on every year
    #: (:class:`tjsim.analysis.reporting.Choices` and ``ReportingModel``; typed loosely:
    #: analysis sits above this layer).
    choices: Any
    model: Any
    alternatives: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row per pair (see :func:`tjsim.analysis.panel_score.leave_year_out` for the columns)."""
        return self.table.copy()

    def summary(self) -> pd.DataFrame:
        """Mean log score, mean CRPS and 50%/90% coverage of the model and each
        benchmark, for all pairs and by kind of year (rows ``(kind, forecast)``)."""
        rows = {}
        parts = [("all pairs", self.table)] + [
            (kind, self.table[self.table["kind"] == kind]) for kind in KINDS
        ]
        for kind, part in parts:
            if not len(part):
                continue
            rows[(kind, "model")] = metrics(part)
            for prefix in BENCHMARKS:
                rows[(kind, prefix)] = metrics(part, f"{prefix}_")
        out = pd.DataFrame.from_dict(rows, orient="index")
        out.index = pd.MultiIndex.from_tuples(out.index, names=["years", "forecast"])
        return out

    def choices_table(self) -> pd.DataFrame | None:
        """The alternatives compared (:func:`tjsim.analysis.panel_score.choices_table`), when they were scored."""
        return None if self.alternatives is None else self.alternatives.copy()

    def goals(self) -> pd.DataFrame:
        """The goals of the scored page, met or not: 90% coverage within 85-95%, 50%
        within 40-60%, mean log score at least 0.2 above the naive normal and above the
        target-plus-bias normal."""
        s = self.summary().loc["all pairs"]
        m = s.loc["model"]
        rows = [
            ("90% band covers 85-95%", m["coverage_90"], 0.85 <= m["coverage_90"] <= 0.95),
            ("50% band covers 40-60%", m["coverage_50"], 0.40 <= m["coverage_50"] <= 0.60),
            (
                "log score >= naive normal + 0.2",
                m["log_score"] - s.loc["naive", "log_score"],
                m["log_score"] - s.loc["naive", "log_score"] >= 0.2,
            ),
            (
                "log score above target plus bias",
                m["log_score"] - s.loc["bias", "log_score"],
                m["log_score"] > s.loc["bias", "log_score"],
            ),
        ]
        return pd.DataFrame(rows, columns=["goal", "value", "met"]).set_index("goal")

    def __str__(self) -> str:
        return format_panel_score(self, BENCHMARKS)

    def plot_pit(self, *, ax: Axes | None = None) -> Axes:
        """Histograms of the probability integral transforms of the model and the
        benchmarks (flat when calibrated)."""
        pits = {"reporting model": self.table["pit"].to_numpy()}
        for prefix, label in BENCHMARKS.items():
            pits[label] = self.table[f"{prefix}_pit"].to_numpy()
        return figures.pit_histograms(pits, ax=ax)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Each pair's gap against its 50% and 90% bands (relative to the target), by year."""
        t = self.table.sort_values(["year", "outturn"], kind="stable")
        bands = (
            t[["low90", "low50", "median", "high50", "high90"]].to_numpy()
            - t[["target"]].to_numpy()
        )
        return figures.gap_bands(
            t["year"].to_numpy(), bands, (t["outturn"] - t["target"]).to_numpy(), ax=ax
        )
