r"""Score the uncertainty model against the record, out of sample.

The calibration derives its GDP uncertainty from the record of outturns against targets
(the ``record`` block of ``model.yaml``): the planners' bias :math:`b`, the ordinary-year
spread :math:`\sigma`, and a regime-break tail with probability :math:`q` and impact
:math:`\delta`. :func:`score` checks that derivation year by year: each year is left out
(its weights set to zero), the four numbers re-derived from the other years exactly as
the calibration derives them, and the year's outturn :math:`y` scored against the
predictive distribution they give, a two-component normal mixture

.. math:: F(x) = (1 - q)\,\Phi\!\left(\frac{x - \mu}{\sigma}\right)
          + q\,\Phi\!\left(\frac{x - \mu - \delta}{\sigma}\right),
          \qquad \mu = \tau + b,

around the year's target :math:`\tau` plus the bias. No sectoral projection was made in
real time for past years, so the target plus the bias stands in for the central case;
what is scored is the spread and the tail, the part of the 2024 distribution that the
record calibrates.

Each year gets its probability integral transform :math:`F(y)`, whether :math:`y` falls
in the central 50% and 90% bands, and the log score :math:`\ln f(y)`. The benchmark is a
naive normal centred on the target with the record's root-mean-square miss (the other
years, all of them) as its spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import optimize, special

from .. import figures
from ..calibration import Calibration
from ..errors import CalibrationError
from ..result import wilson_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The central bands scored, as (lower, upper) probabilities.
BANDS = {"50%": (0.25, 0.75), "90%": (0.05, 0.95)}


@dataclass(frozen=True)
class Mixture:
    """A two-component normal mixture: ``(1 - q) N(centre, spread) + q N(centre + impact,
    spread)``."""

    centre: float
    spread: float
    tail_probability: float
    tail_impact: float

    def cdf(self, x: float) -> float:
        q, s = self.tail_probability, self.spread
        return float(
            (1 - q) * special.ndtr((x - self.centre) / s)
            + q * special.ndtr((x - self.centre - self.tail_impact) / s)
        )

    def logpdf(self, x: float) -> float:
        q, s = self.tail_probability, self.spread
        density = (1 - q) * _normal_pdf(x, self.centre, s) + q * _normal_pdf(
            x, self.centre + self.tail_impact, s
        )
        return math.log(density) if density > 0 else -math.inf

    def quantile(self, p: float) -> float:
        reach = 12 * self.spread + abs(self.tail_impact)
        low, high = self.centre - reach, self.centre + reach
        return float(optimize.brentq(lambda x: self.cdf(x) - p, low, high, xtol=1e-10))


def _normal_pdf(x: float, mean: float, sd: float) -> float:
    return math.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


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
        t = self.table
        lines = [
            f"tjsim score: {self.indicator} on {self.calibration} calibration {self.version}, "
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
        s = self.summary()
        lines += [""]
        for name, row in s.iterrows():
            lines.append(
                f"{name}: in the 50% band {100 * row['coverage_50']:.0f}% of years "
                f"(naive {100 * row['naive_coverage_50']:.0f}%), in the 90% band "
                f"{100 * row['coverage_90']:.0f}% (naive {100 * row['naive_coverage_90']:.0f}%), "
                f"mean log score {row['log_score']:.2f} against {row['naive_log_score']:.2f} "
                "for the naive normal"
            )
        lines += ["", self.caveat()]
        return "\n".join(lines)

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


def score(calibration: Calibration) -> ScoreResult:
    """Score the calibration's uncertainty derivation on its record, leaving each year
    out in turn (see the module's description).

    Raises
    ------
    CalibrationError
        If the calibration has no ``record`` block.
    """
    record = calibration.record
    if record is None:
        raise CalibrationError(
            "this calibration has no 'record' block to score", file=calibration.files.get("model")
        )
    base = calibration.parameters()
    rows = {}
    for year in record.years:
        left_out = {record.name("ordinary", year): 0.0, record.name("tail", year): 0.0}
        p = calibration.parameters(left_out)
        target = base[record.name("target", year)]
        outturn = base[record.name("outturn", year)]
        method = Mixture(
            target + p[record.bias],
            p[record.spread],
            p[record.tail_probability],
            p[record.tail_impact],
        )
        others = [
            base[record.name("outturn", y)] - base[record.name("target", y)]
            for y in record.years
            if y != year
        ]
        naive = Mixture(target, math.sqrt(np.mean(np.square(others))), 0.0, 0.0)
        row = {
            "regime": "ordinary" if base[record.name("ordinary", year)] else "break",
            "target": target,
            "outturn": outturn,
            "centre": method.centre,
            "spread": method.spread,
            "tail_probability": method.tail_probability,
            "tail_impact": method.tail_impact,
            "naive_spread": naive.spread,
        }
        for prefix, model in (("", method), ("naive_", naive)):
            row[f"{prefix}pit"] = model.cdf(outturn)
            row[f"{prefix}log_score"] = model.logpdf(outturn)
            for band, (low, high) in BANDS.items():
                lo, hi = model.quantile(low), model.quantile(high)
                size = band.rstrip("%")
                row[f"{prefix}in{size}"] = bool(lo <= outturn <= hi)
                if not prefix:
                    row[f"low{size}"], row[f"high{size}"] = lo, hi
        rows[year] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "year"
    return ScoreResult(table, record.indicator, calibration.name, calibration.version)
