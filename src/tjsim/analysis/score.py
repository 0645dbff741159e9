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

import numpy as np
import pandas as pd
from scipy import optimize, special

from ..calibration import Calibration
from ..errors import CalibrationError
from ..result import ScoreResult

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
