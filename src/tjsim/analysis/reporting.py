r"""A reporting model: the distribution of a region's published GDP growth given its target.

What a target is judged on is the first-release figure, and the best evidence about how
that figure lands against its target is the record of all 31 provincial regions, which
set and publish their targets the same way (the panel, :mod:`tjsim.calibration.panel`).
The model, for region :math:`i` in year :math:`t` with target :math:`\tau_{it}` (the
lower end of a range), is

.. math::

    g_{it} = y_{it} - \tau_{it} = c_{it} + w\,(s_{it} - c_{it}) + e_{it} + B_{it} D_{it},
    \qquad c_{it} = b_i + \delta\,1\{\text{以上}\},

- :math:`b_i \sim N(\beta, \tau_b^2)`: the region's bias, partially pooled. Its
  posterior given the region's own years shrinks the region's mean gap toward the
  panel's :math:`\beta` by as much as those years are worth. :math:`\delta`
  (``floor_shift``) shifts the bias of a target worded 以上 ("at least": a floor set
  to be beaten; a choice).
- :math:`s_{it}` the projection gap: a structural projection of the year's growth minus
  the target. The panel has no sectoral projections, so a stand-in takes its place
  (:data:`STAND_INS`; by default the region's previous year's outturn, a "no change"
  projection, which scored better out of sample than the previous ordinary year's).
  Rows without a stand-in (no outturn the year before) carry no projection: their
  :math:`w`-term is zero, the same as a projection equal to target plus bias.
  :math:`w` is estimated (on the panel it is negative, -0.12: the stand-in carries
  information, but a region whose previous year ran above this year's target tends to
  fall short of it).
- :math:`e_{it}`: the ordinary error, a two-piece normal in :mod:`tjsim.marginals`'
  parametrisation (spread :math:`s`, skew :math:`\gamma`, half-scales
  :math:`s(1-\gamma)` below the mode and :math:`s(1+\gamma)` above), centred to mean
  zero, so that :math:`b_i` is the mean ordinary gap.
- :math:`B_{it} \sim \text{Bernoulli}(\pi)` a regime break (a pandemic year, a data
  correction), and :math:`D_{it} \sim N(\mu_B, \sigma_B^2)` its size: a distribution,
  not a point. Which pairs are breaks is a choice: labelled (the pandemic years 2020
  and 2022, the default, which scored best) or latent (each pair's probability of being
  one is its responsibility under the fit).

Every choice (the stand-in, the pooling, the error's shape, the break's distribution,
the labels, the weight of the pre-2020 pairs) was made by the out-of-sample score of
:mod:`tjsim.analysis.panel_score`; :class:`Choices` defaults to the winner, and
docs/scoring.md publishes the table of alternatives.

**Fit.** The parameters :math:`(\beta, \tau_b, \delta, w, s, \gamma, \pi, \mu_B, \sigma_B)`
maximise the marginal likelihood, each region's bias integrated out by Gauss-Hermite
quadrature (:data:`NODES` nodes) and each pair's break indicator summed out; the
density of an ordinary error plus a normal break has a closed form, so the likelihood
is exact up to the quadrature. This is empirical Bayes: :math:`\beta` and
:math:`\tau_b` are point estimates, and each :math:`b_i` gets its posterior given
them. A full hierarchical sampler would add a dependency and seconds per fit for
little: with 31 regions and about a hundred pairs, the uncertainty in
:math:`\tau_b` matters less than the choices compared out of sample (the
leave-year-out scoring refits the model a hundred times, in well under a second each).
Pairs before 2020 (mostly from news stories, which report misses more than hits) enter
the likelihood with a weight, a choice. The fit is deterministic (SLSQP from a fixed start).

**Predict.** For region :math:`i` the ordinary component's mean is
:math:`\tau + (1-w)\,\hat c_i + w\,(p - \tau)` with :math:`\hat c_i` the posterior
mean of the bias (plus :math:`\delta` for a 以上 target) and :math:`p` the projection (without one, :math:`\tau + \hat b_i`);
its spread is widened so that its variance adds :math:`(1-w)^2\,\mathrm{Var}(b_i
\mid \text{data})` (the skew kept): a :class:`GrowthDistribution`,

.. math:: Y = m + E + B D, \qquad E \sim TP_0(s', \gamma),\;
          B \sim \text{Bernoulli}(\pi),\; D \sim N(\mu_B, \sigma_B^2).

A region outside the panel gets the prior :math:`N(\beta, \tau_b^2)` as its bias.

``python -m tjsim.analysis.reporting --write`` writes a calibration's numbers
(:func:`gdp_distribution`, for the region, target and ids its record states) to its
``fitted.yaml`` (default: Tianjin's 2024 numbers, ``data/tianjin/fitted.yaml``).
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from scipy import integrate, optimize, special

from ..errors import TjsimError, suggest
from ..seeding import SeedLike, as_seed_sequence

if TYPE_CHECKING:
    from ..calibration import Calibration, FittedSpec

#: Gauss-Hermite nodes for integrating a region's bias out of the likelihood.
NODES = 20
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(NODES)
_GH_X = _GH_X * math.sqrt(2.0)
_GH_LOGW = np.log(_GH_W / math.sqrt(math.pi))

#: Years of common regime breaks (the pandemic): labelled breaks when breaks are labelled,
#: and skipped by the previous-ordinary-year stand-in.
BREAK_YEARS = (2020, 2022)
#: The first year of the near-complete cross-sections (2021, 2023) and the pandemic
#: (2020, 2022); pairs before it (2013-2019) come mostly from news stories, which report
#: misses more than hits, and may be down-weighted.
FIRST_CENSUS_YEAR = 2020
#: Stand-ins for a structural projection (the projection gap is the stand-in minus the
#: target): ``previous-ordinary`` the region's outturn in the latest earlier year that
#: is not a break year; ``previous`` the previous year's outturn, whatever the year.
STAND_INS = ("previous-ordinary", "previous")
#: The tolerance of 左右 under the ``about`` reading (GDP's ``about`` reading in
#: ``data/tianjin/targets.yaml``: ``about_tolerance``).
ABOUT_TOLERANCE = 0.2
#: Growth is published to one decimal: ``published`` means at least the target less this.
HALF_DECIMAL = 0.05
#: Significant digits of the numbers written to ``fitted.yaml``.
FITTED_DIGITS = 4

_SQRT2PI = math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# ---------------------------------------------------------------------------- densities
def _tp_scale_factor(skew: float) -> float:
    """Standard deviation of a centred two-piece normal of spread 1."""
    return math.sqrt((1.0 - 2.0 / math.pi) * (2.0 * skew) ** 2 + 1.0 - skew**2)


def _tp_logpdf(x: np.ndarray, mode: Any, down: Any, up: Any) -> np.ndarray:
    """Log density of a two-piece normal with ``mode`` and half-scales ``down``, ``up``."""
    z = x - mode
    scale = np.where(z < 0, down, up)
    return math.log(_SQRT_2_OVER_PI) - np.log(down + up) - 0.5 * (z / scale) ** 2


def _tp_cdf(x: np.ndarray, mode: Any, down: Any, up: Any) -> np.ndarray:
    z = x - mode
    total = down + up
    below = 2.0 * down / total * special.ndtr(np.minimum(z, 0.0) / down)
    above = 1.0 - 2.0 * up / total * special.ndtr(-np.maximum(z, 0.0) / up)
    return np.where(z < 0, below, above)


def _conv_logpdf(x: np.ndarray, mode: Any, down: Any, up: Any, mu: Any, sd: Any) -> np.ndarray:
    """Log density of a two-piece normal plus an independent N(mu, sd^2), in closed form:
    each half-normal piece times the normal integrates to a normal density times a
    normal probability."""
    z = x - mu
    out = []
    for scale, sign in ((down, -1.0), (up, 1.0)):
        var = scale**2 + sd**2
        centre = (mode * sd**2 + z * scale**2) / var
        cond = np.sqrt(scale**2 * sd**2 / var)
        # log of 2/(down+up) * scale * N(z; mode, var) * Phi(sign * (centre - mode) / cond)
        log_normal = -0.5 * (z - mode) ** 2 / var - 0.5 * np.log(var) - 0.5 * math.log(2 * math.pi)
        log_prob = special.log_ndtr(sign * (centre - mode) / cond)
        out.append(np.log(2.0 * scale / (down + up)) + log_normal + log_prob)
    return np.logaddexp(out[0], out[1])


def _conv_cdf(x: np.ndarray, mode: Any, down: Any, up: Any, mu: Any, sd: Any) -> np.ndarray:
    """CDF of a two-piece normal plus an independent N(mu, sd^2), in closed form with
    Owen's T: for a half-normal t, E Phi(a + b t) = Phi(h) + 2 T(h, b), h = a/sqrt(1+b^2)."""
    a = (x - mu - mode) / sd
    total = down + up
    result = 0.0
    for scale, sign in ((down, 1.0), (up, -1.0)):
        b = sign * scale / sd
        h = a / np.sqrt(1.0 + b**2)
        result = result + scale / total * (special.ndtr(h) + 2.0 * special.owens_t(h, b))
    return np.clip(result, 0.0, 1.0)


# ---------------------------------------------------------------------------- distribution
@dataclass(frozen=True)
class GrowthDistribution:
    r"""Published growth :math:`Y = m + E + B D`: ``centre`` :math:`m` (the ordinary
    component's mean, %), :math:`E` a centred two-piece normal (``spread`` :math:`s`,
    ``skew`` :math:`\gamma`, :mod:`tjsim.marginals`' parametrisation), a break
    :math:`B \sim` Bernoulli(``break_probability``) of size :math:`D \sim
    N(`\ ``break_impact``, ``break_spread``:math:`^2)` (``break_spread`` 0: a fixed size).

    ``target`` and ``qualifier`` (``'左右'``, ``'以上'``, ``'range'`` or ``''``), when
    given, define :meth:`probabilities`.
    """

    centre: float
    spread: float
    skew: float = 0.0
    break_probability: float = 0.0
    break_impact: float = 0.0
    break_spread: float = 0.0
    target: float | None = None
    qualifier: str | None = None
    region: str | None = None
    year: int | None = None
    tolerance: float = ABOUT_TOLERANCE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.spread) and self.spread > 0):
            raise ValueError(f"spread must be a finite number > 0, not {self.spread}")
        if not -1.0 < self.skew < 1.0:
            raise ValueError(f"skew must lie strictly between -1 and 1, not {self.skew}")
        if not 0.0 <= self.break_probability <= 1.0:
            raise ValueError(f"break_probability must lie in [0, 1], not {self.break_probability}")
        if not self.break_spread >= 0.0:
            raise ValueError(f"break_spread must be >= 0, not {self.break_spread}")

    # -------------------------------------------------------------- the pieces
    @property
    def halves(self) -> tuple[float, float]:
        """Two-piece half-scales ``(down, up)`` of the ordinary error."""
        return self.spread * (1.0 - self.skew), self.spread * (1.0 + self.skew)

    @property
    def mode(self) -> float:
        """The ordinary component's mode (its mean less the two-piece offset)."""
        down, up = self.halves
        return self.centre - _SQRT_2_OVER_PI * (up - down)

    @property
    def mean(self) -> float:
        """:math:`E[Y] = m + \\pi \\mu_B`."""
        return self.centre + self.break_probability * self.break_impact

    @property
    def variance(self) -> float:
        ordinary = (self.spread * _tp_scale_factor(self.skew)) ** 2
        q, mu, sd = self.break_probability, self.break_impact, self.break_spread
        return ordinary + q * (sd**2 + mu**2) - (q * mu) ** 2

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    @property
    def median(self) -> float:
        return float(self.ppf(0.5))

    def _break_parts(self, x: np.ndarray, log: bool) -> np.ndarray:
        down, up = self.halves
        if self.break_spread > 0:
            f = _conv_logpdf if log else _conv_cdf
            return f(x, self.mode, down, up, self.break_impact, self.break_spread)
        if log:
            return _tp_logpdf(x, self.mode + self.break_impact, down, up)
        return _tp_cdf(x, self.mode + self.break_impact, down, up)

    # -------------------------------------------------------------- functions
    def logpdf(self, x: Any) -> Any:
        """Log density at ``x`` (a number or an array)."""
        xs = np.asarray(x, dtype=float)
        down, up = self.halves
        q = self.break_probability
        ordinary = _tp_logpdf(xs, self.mode, down, up)
        if q <= 0:
            out = ordinary
        elif q >= 1:
            out = self._break_parts(xs, log=True)
        else:
            out = np.logaddexp(math.log1p(-q) + ordinary, math.log(q) + self._break_parts(xs, True))
        return float(out) if np.ndim(out) == 0 else out

    def pdf(self, x: Any) -> Any:
        """Density at ``x``."""
        return np.exp(self.logpdf(x))

    def cdf(self, x: Any) -> Any:
        """P(Y <= x)."""
        xs = np.asarray(x, dtype=float)
        down, up = self.halves
        q = self.break_probability
        out = (1.0 - q) * _tp_cdf(xs, self.mode, down, up)
        if q > 0:
            out = out + q * self._break_parts(xs, log=False)
        return float(out) if np.ndim(out) == 0 else out

    def ppf(self, p: Any) -> Any:
        """Quantile: the ``x`` with ``cdf(x) = p`` (bisection to 1e-10)."""
        ps = np.asarray(p, dtype=float)
        if np.any((ps < 0) | (ps > 1)):
            raise ValueError("probabilities must lie in [0, 1]")
        reach = 25.0 * self.spread + abs(self.break_impact) + 10.0 * self.break_spread
        low = np.full(ps.shape, self.centre - reach)
        high = np.full(ps.shape, self.centre + reach)
        while np.any(high - low > 1e-10):
            middle = 0.5 * (low + high)
            below = self.cdf(middle) < ps
            low = np.where(below, middle, low)
            high = np.where(below, high, middle)
        out = 0.5 * (low + high)
        return float(out) if np.ndim(out) == 0 else out

    def sample(self, n: int, seed: SeedLike = None) -> np.ndarray:
        """``n`` draws of published growth (``seed``: None, an int, a SeedSequence or a
        Generator)."""
        rng = (
            seed
            if isinstance(seed, np.random.Generator)
            else np.random.default_rng(as_seed_sequence(seed))
        )
        down, up = self.halves
        side_up = rng.random(n) >= down / (down + up)
        half = np.abs(rng.standard_normal(n))
        draws = self.mode + np.where(side_up, up * half, -down * half)
        broken = rng.random(n) < self.break_probability
        sizes = self.break_impact + self.break_spread * rng.standard_normal(n)
        return draws + np.where(broken, sizes, 0.0)

    def crps(self, y: float) -> float:
        """Continuous ranked probability score at ``y`` (lower is better), by quadrature of
        :math:`\\int (F(x) - 1\\{x \\ge y\\})^2 dx` on a fine grid."""
        low = min(float(self.ppf(1e-9)), y) - 1.0
        high = max(float(self.ppf(1 - 1e-9)), y) + 1.0
        below = np.linspace(low, y, 1001)
        above = np.linspace(y, high, 1001)
        return float(
            integrate.simpson(self.cdf(below) ** 2, x=below)
            + integrate.simpson((1.0 - self.cdf(above)) ** 2, x=above)
        )

    # -------------------------------------------------------------- the target
    def thresholds(self) -> dict[str, float]:
        """The level published growth must reach under each reading of the target:
        ``strict`` the target as written, ``published`` rounded to one decimal
        (``target - 0.05``), ``about`` (左右 only) the published figure within
        ``tolerance`` below the target."""
        if self.target is None:
            return {}
        out = {"strict": self.target, "published": self.target - HALF_DECIMAL}
        if self.qualifier in (None, "左右"):
            out["about"] = self.target - self.tolerance - HALF_DECIMAL
        return out

    def probabilities(self) -> pd.DataFrame:
        """P(target met) under each reading: one row per reading with its ``rule`` and
        ``threshold`` (empty without a target)."""
        rules = {
            "strict": ">= {t:g}",
            "published": ">= {t:g} as published to one decimal",
            "about": f"about {{t:g}}: >= {{a:g}} as published (tolerance {self.tolerance:g})",
        }
        rows = []
        for reading, level in self.thresholds().items():
            rows.append(
                {
                    "reading": reading,
                    "rule": rules[reading].format(
                        # thresholds() is empty without a target
                        t=self.target,
                        a=round(cast(float, self.target) - self.tolerance, 10),
                    ),
                    "threshold": level,
                    "probability": 1.0 - self.cdf(level),
                }
            )
        return pd.DataFrame(
            rows, columns=["reading", "rule", "threshold", "probability"]
        ).set_index("reading")

    def summary(self) -> pd.DataFrame:
        """The distribution's numbers: its components, mean, median and 5/25/75/95%
        points."""
        quantiles = self.ppf(np.array([0.05, 0.25, 0.75, 0.95]))
        rows = {
            "ordinary mean (centre)": self.centre,
            "ordinary spread": self.spread,
            "ordinary skew": self.skew,
            "break probability": self.break_probability,
            "break impact (mean)": self.break_impact,
            "break spread": self.break_spread,
            "mean": self.mean,
            "median": self.median,
            "5%": quantiles[0],
            "25%": quantiles[1],
            "75%": quantiles[2],
            "95%": quantiles[3],
        }
        return pd.DataFrame({"value": rows})

    def _title(self) -> str:
        who = self.region or "growth"
        when = f" {self.year}" if self.year is not None else ""
        if self.target is None:
            return f"{who}{when}"
        return f"{who}{when}, target {self.target:g}{self.qualifier or ''}"

    def __repr__(self) -> str:
        q = self.ppf(np.array([0.05, 0.95]))
        lines = [
            f"GrowthDistribution({self._title()})",
            f"  ordinary: mean {self.centre:.2f}, two-piece spread {self.spread:.2f}, "
            f"skew {self.skew:+.2f}",
            f"  break: probability {self.break_probability:.3f}, size "
            f"N({self.break_impact:+.2f}, {self.break_spread:.2f})",
            f"  mean {self.mean:.2f}, median {self.median:.2f}, 90% band {q[0]:.2f} to {q[1]:.2f}",
        ]
        for reading, row in self.probabilities().iterrows():
            lines.append(f"  P(met), {reading}: {row['probability']:.1%} ({row['rule']})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self.summary().to_html(float_format=lambda v: f"{v:.3f}")
        odds = self.probabilities()
        odds_html = odds.to_html(float_format=lambda v: f"{v:.3f}") if len(odds) else ""
        return f"<p><b>{html.escape(self._title())}</b></p>{table}{odds_html}"


# ---------------------------------------------------------------------------- the panel
def resolve_region(name: str, panel: pd.DataFrame) -> str:
    """The panel's (Chinese) name of region ``name``: a name of ``panel`` as it stands, or
    a Chinese, pinyin or English name of the 31 regions.

    Raises
    ------
    TjsimError
        For an unknown name, with the nearest known one.
    """
    from ..calibration.panel import region_name

    text = str(name).strip()
    if text in set(panel["region"]):
        return text
    if "pinyin" in panel.columns:
        folded = {
            str(p).casefold(): r for p, r in zip(panel["pinyin"], panel["region"], strict=True)
        }
        if text.casefold() in folded:
            return folded[text.casefold()]
    try:
        return region_name(text)
    except TjsimError:
        if set(panel["region"]) <= set(_known_regions()):
            raise
        options = sorted(set(panel["region"]))
        raise TjsimError(f"unknown region '{name}'{suggest(text, options)}") from None


def _known_regions() -> list[str]:
    from ..calibration.panel import load_regions

    return list(load_regions()["region"])


def _stand_in_gap(
    outturns: Mapping[tuple[str, int], float], region: str, year: int, target: float, kind: str
) -> float:
    """The stand-in projection minus the target (NaN when the stand-in is missing)."""
    if kind == "previous":
        value = outturns.get((region, year - 1), math.nan)
    elif kind == "previous-ordinary":
        earlier = year - 1
        while earlier in BREAK_YEARS:
            earlier -= 1
        value = outturns.get((region, earlier), math.nan)
    else:
        raise ValueError(f"unknown stand-in {kind!r}; known: {', '.join(STAND_INS)}")
    return value - target


def _outturns(panel: pd.DataFrame) -> dict[tuple[str, int], float]:
    known = panel.dropna(subset=["outturn"])
    return {
        (r, int(y)): float(v)
        for r, y, v in zip(known["region"], known["year"], known["outturn"], strict=True)
    }


def panel_pairs(panel: pd.DataFrame, stand_in: str = "previous-ordinary") -> pd.DataFrame:
    """The panel's rows with both a target and an outturn: ``region, year, target,
    qualifier, outturn, gap`` and ``projection_gap`` (the stand-in less the target, NaN
    without one), in the panel's order."""
    missing = [c for c in ("region", "year", "target", "outturn") if c not in panel.columns]
    if missing:
        raise TjsimError(f"the panel lacks the column(s) {', '.join(missing)}")
    outturns = _outturns(panel)
    both = panel.dropna(subset=["target", "outturn"])
    pairs = pd.DataFrame(
        {
            "region": both["region"].to_numpy(),
            "year": both["year"].astype(int).to_numpy(),
            "target": both["target"].astype(float).to_numpy(),
            "qualifier": (
                both["qualifier"].fillna("").to_numpy()
                if "qualifier" in both.columns
                else np.full(len(both), "")
            ),
            "outturn": both["outturn"].astype(float).to_numpy(),
        }
    )
    pairs["gap"] = pairs["outturn"] - pairs["target"]
    pairs["projection_gap"] = [
        _stand_in_gap(outturns, r, y, t, stand_in)
        for r, y, t in zip(pairs["region"], pairs["year"], pairs["target"], strict=True)
    ]
    return pairs


# ---------------------------------------------------------------------------- the fit
#: The fitted parameters, in the optimiser's order, with their bounds.
PARAMETERS = ("beta", "tau", "floor_shift", "w", "spread", "skew", "break_probability",
              "break_impact", "break_spread")  # fmt: skip
BOUNDS = {
    "beta": (-4.0, 4.0),
    "tau": (0.0, 4.0),
    "floor_shift": (-3.0, 3.0),
    "w": (-1.0, 1.0),
    "spread": (0.05, 6.0),
    "skew": (-0.95, 0.95),
    "break_probability": (1e-4, 0.6),
    "break_impact": (-12.0, 6.0),
    "break_spread": (0.05, 8.0),
}
START = {
    "beta": 0.0,
    "tau": 0.4,
    "floor_shift": 0.0,
    "w": 0.0,
    "spread": 1.0,
    "skew": -0.2,
    "break_probability": 0.1,
    "break_impact": -3.5,
    "break_spread": 1.5,
}


@dataclass(frozen=True)
class Choices:
    """The modelling choices (each compared out of sample, :mod:`.panel_score`).

    ``stand_in``
        the projection's stand-in (:data:`STAND_INS`), or ``"none"`` (``w = 0``).
    ``pooling``
        ``"partial"`` (:math:`\\tau_b` estimated), ``"complete"`` (:math:`\\tau_b = 0`:
        one bias for all) or ``"none"`` (:math:`\\tau_b = 3` pp: each region on its own).
    ``error``
        ``"two-piece"`` (skew estimated) or ``"normal"`` (:math:`\\gamma = 0`).
    ``breaks``
        ``"random"`` (a break's size is :math:`N(\\mu_B, \\sigma_B^2)`), ``"fixed"``
        (one size, :math:`\\sigma_B = 0`, as in tjsim 0.2) or ``"none"``.
    ``labels``
        ``"latent"`` (breaks found by the fit) or ``"labelled"`` (the 2020 and 2022
        pairs are the breaks, every other pair ordinary).
    ``pre2020_weight``
        the likelihood weight of pairs before 2020 (selection bias toward misses).
    ``wording``
        ``"floor"`` (a target worded 以上, "at least", shifts the bias by
        ``floor_shift``, estimated: a floor is set to be beaten) or ``"ignored"``.
    """

    stand_in: str = "previous"
    pooling: str = "partial"
    error: str = "normal"
    breaks: str = "random"
    labels: str = "labelled"
    pre2020_weight: float = 1.0
    wording: str = "ignored"

    def __post_init__(self) -> None:
        allowed = {
            "stand_in": (*STAND_INS, "none"),
            "pooling": ("partial", "complete", "none"),
            "error": ("two-piece", "normal"),
            "breaks": ("random", "fixed", "none"),
            "labels": ("latent", "labelled"),
            "wording": ("floor", "ignored"),
        }
        for name, options in allowed.items():
            value = getattr(self, name)
            if value not in options:
                raise TjsimError(
                    f"{name} must be one of {', '.join(options)}, not {value!r}"
                    + suggest(str(value), options)
                )
        if not 0.0 <= self.pre2020_weight <= 1.0:
            raise TjsimError(f"pre2020_weight must lie in [0, 1], not {self.pre2020_weight}")

    def fixed(self) -> dict[str, float]:
        """The parameters these choices fix, with their values."""
        out: dict[str, float] = {}
        if self.stand_in == "none":
            out["w"] = 0.0
        if self.wording == "ignored":
            out["floor_shift"] = 0.0
        if self.pooling == "complete":
            out["tau"] = 0.0
        elif self.pooling == "none":
            out["tau"] = 3.0
        if self.error == "normal":
            out["skew"] = 0.0
        if self.breaks == "none":
            out.update(break_probability=0.0, break_impact=0.0, break_spread=0.0)
        elif self.breaks == "fixed":
            out["break_spread"] = 0.0
        return out

    def describe(self) -> str:
        return (
            f"stand-in {self.stand_in}, pooling {self.pooling}, {self.error} error, "
            f"{self.breaks} breaks ({self.labels}), pre-2020 weight {self.pre2020_weight:g}, "
            f"wording {self.wording}"
        )


def _pair_arrays(pairs: pd.DataFrame, choices: Choices) -> dict[str, np.ndarray]:
    regions, index = np.unique(pairs["region"].to_numpy(), return_inverse=True)
    years = pairs["year"].to_numpy()
    weight = np.where(years < FIRST_CENSUS_YEAR, choices.pre2020_weight, 1.0)
    s = pairs["projection_gap"].to_numpy(dtype=float)
    has = np.isfinite(s) & (choices.stand_in != "none")
    label = np.where(np.isin(years, BREAK_YEARS), 1, 0) if choices.labels == "labelled" else None
    order = np.argsort(index, kind="stable")
    starts = np.searchsorted(index[order], np.arange(len(regions)))
    return {
        "regions": regions,
        "index": index,
        "order": order,
        "starts": starts,
        "gap": pairs["gap"].to_numpy(dtype=float),
        "floor": (pairs["qualifier"].to_numpy() == "以上").astype(float),
        "s": np.where(has, s, 0.0),
        "has": has,
        "weight": weight,
        "label": label,
    }


def _components(
    p: Mapping[str, float], arrays: Mapping[str, Any], bias: np.ndarray, breaks: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """log f(gap | b) of the ordinary and the break component (``None`` without breaks),
    for every pair and every bias value in ``bias`` (pairs x nodes)."""
    w = p["w"]
    a = np.where(arrays["has"], 1.0 - w, 1.0)[:, None]
    c = np.where(arrays["has"], w * arrays["s"], 0.0)[:, None]
    shifted = bias + p["floor_shift"] * arrays["floor"][:, None]
    resid = arrays["gap"][:, None] - a * shifted - c
    down, up = p["spread"] * (1.0 - p["skew"]), p["spread"] * (1.0 + p["skew"])
    mode = -_SQRT_2_OVER_PI * (up - down)
    ordinary = _tp_logpdf(resid, mode, down, up)
    if breaks == "none" or p["break_probability"] <= 0:
        return ordinary, None
    if breaks == "fixed" or p["break_spread"] <= 0:
        return ordinary, _tp_logpdf(resid, mode + p["break_impact"], down, up)
    return ordinary, _conv_logpdf(resid, mode, down, up, p["break_impact"], p["break_spread"])


def _pair_loglik(
    p: Mapping[str, float], arrays: Mapping[str, Any], bias: np.ndarray, breaks: str
) -> np.ndarray:
    """log f(gap | b) for every pair and every bias value in ``bias`` (pairs x nodes)."""
    ordinary, broken = _components(p, arrays, bias, breaks)
    if broken is None:
        return ordinary
    q = p["break_probability"]
    label = arrays["label"]
    if label is None:
        return np.logaddexp(math.log1p(-q) + ordinary, math.log(q) + broken)
    return np.where(label[:, None] == 1, math.log(q) + broken, math.log1p(-q) + ordinary)


def _region_terms(
    p: Mapping[str, float], arrays: Mapping[str, Any], breaks: str
) -> tuple[np.ndarray, np.ndarray]:
    """Each region's log marginal likelihood and its log posterior weights on the
    quadrature nodes of its bias."""
    bias = p["beta"] + p["tau"] * _GH_X
    ll = _pair_loglik(p, arrays, bias[None, :], breaks) * arrays["weight"][:, None]
    joint = np.add.reduceat(ll[arrays["order"]], arrays["starts"], axis=0) + _GH_LOGW[None, :]
    marginal = special.logsumexp(joint, axis=1)
    return marginal, joint - marginal[:, None]


def _cap(value: float, name: str) -> float:
    low, high = BOUNDS[name]
    return min(max(value, low), high)


@dataclass(frozen=True, eq=False)
class ReportingModel:
    """A fitted reporting model (module docstring): the parameters, each region's bias
    posterior, the choices and the data it was fitted on.

    ``parameters`` holds ``beta, tau, w, spread, skew, break_probability,
    break_impact, break_spread``; ``regions`` one row per region of the panel with its
    pairs, its own mean gap and the posterior mean and sd of its bias.
    """

    parameters: dict[str, float]
    regions: pd.DataFrame
    choices: Choices
    log_likelihood: float
    n_pairs: int
    panel: pd.DataFrame = field(repr=False)
    converged: bool = True

    # -------------------------------------------------------------- fitting
    @classmethod
    def fit(cls, panel: pd.DataFrame, **choices: Any) -> ReportingModel:
        """Fit the model to ``panel`` (the columns of :func:`tjsim.panel`) under
        ``choices`` (the fields of :class:`Choices`)."""
        return fit_reporting_model(panel, Choices(**choices))

    # -------------------------------------------------------------- what it says
    def __getattr__(self, name: str) -> Any:
        parameters = self.__dict__.get("parameters", {})
        if name in parameters:
            return parameters[name]
        raise AttributeError(name)

    def region_bias(self, region: str) -> tuple[float, float]:
        """The posterior mean and sd of ``region``'s bias (the prior for a region the
        panel has no pairs of)."""
        name = resolve_region(region, self.panel)
        if name in self.regions.index:
            row = self.regions.loc[name]
            return float(row["bias"]), float(row["bias_sd"])
        return self.parameters["beta"], self.parameters["tau"]

    def stand_in(self, region: str, year: int, target: float) -> float:
        """The stand-in projection gap of ``region`` in ``year`` from the panel's earlier
        outturns (NaN when there is none, or when the choices use no projection)."""
        if self.choices.stand_in == "none":
            return math.nan
        name = resolve_region(region, self.panel)
        return _stand_in_gap(_outturns(self.panel), name, int(year), target, self.choices.stand_in)

    def predict(
        self,
        region: str,
        target: float,
        qualifier: str | None = None,
        projection: float | None = None,
        year: int | None = None,
    ) -> GrowthDistribution:
        """The distribution of ``region``'s published growth given its ``target`` (the
        lower end of a range) and wording ``qualifier`` (``'左右'``, ``'以上'``,
        ``'range'``, ``''``; ``None``: unknown, every reading shown).

        ``projection`` is a structural projection of the year's growth (%); without
        one, the stand-in for ``year`` is computed from the panel's earlier outturns when
        ``year`` is given, and otherwise no projection enters (the centre is target
        plus the region's bias).
        """
        target = float(target)
        if not math.isfinite(target):
            raise TjsimError(f"target must be a finite number, not {target}")
        name = resolve_region(region, self.panel)
        p = self.parameters
        bias, bias_sd = self.region_bias(name)
        if projection is not None:
            gap = float(projection) - target
        elif year is not None:
            gap = self.stand_in(name, year, target)
        else:
            gap = math.nan
        w = p["w"] if math.isfinite(gap) and self.choices.stand_in != "none" else 0.0
        wording = _qualifier(qualifier)
        if wording == "以上":
            bias = bias + p["floor_shift"]
        centre = target + (1.0 - w) * bias + (w * gap if w else 0.0)
        k = _tp_scale_factor(p["skew"])
        spread = math.sqrt(p["spread"] ** 2 + ((1.0 - w) * bias_sd / k) ** 2)
        return GrowthDistribution(
            centre=centre,
            spread=spread,
            skew=p["skew"],
            break_probability=p["break_probability"],
            break_impact=p["break_impact"],
            break_spread=p["break_spread"],
            target=target,
            qualifier=wording,
            region=name,
            year=year,
        )

    def responsibilities(self) -> pd.DataFrame:
        """Each pair's posterior probability of being a break (given its region's bias
        at the posterior mean)."""
        pairs = panel_pairs(self.panel, self._pairs_stand_in)
        arrays = _pair_arrays(pairs, self.choices)
        p = self.parameters
        bias = self.regions["bias"].reindex(arrays["regions"]).to_numpy()[arrays["index"]]
        ordinary, broken = _components(p, arrays, bias[:, None], self.choices.breaks)
        if broken is None:
            share = np.zeros(len(pairs))
        elif arrays["label"] is not None:
            share = arrays["label"].astype(float)
        else:
            q = p["break_probability"]
            log_b = math.log(q) + broken[:, 0]
            share = np.exp(log_b - np.logaddexp(math.log1p(-q) + ordinary[:, 0], log_b))
        out = pairs[["region", "year", "target", "outturn", "gap"]].copy()
        out["break_probability"] = np.clip(share, 0.0, 1.0)
        return out

    @property
    def _pairs_stand_in(self) -> str:
        return self.choices.stand_in if self.choices.stand_in != "none" else STAND_INS[0]

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters: ``value`` and what each is."""
        labels = {
            "beta": "mean bias of the regions (pp)",
            "tau": "sd of the regions' biases (pp)",
            "floor_shift": "shift of the bias for a target worded 以上 (pp)",
            "w": "weight of the projection",
            "spread": "two-piece spread s of the ordinary error (pp)",
            "skew": "two-piece skew gamma of the ordinary error",
            "break_probability": "probability of a break, pi",
            "break_impact": "mean size of a break, mu_B (pp)",
            "break_spread": "sd of a break's size, sigma_B (pp)",
        }
        fixed = self.choices.fixed()
        return pd.DataFrame(
            {
                "value": [self.parameters[k] for k in PARAMETERS],
                "fitted": [k not in fixed for k in PARAMETERS],
                "what": [labels[k] for k in PARAMETERS],
            },
            index=pd.Index(PARAMETERS, name="parameter"),
        )

    def __str__(self) -> str:
        lines = [
            f"ReportingModel on {self.n_pairs} pairs of {len(self.regions)} regions "
            f"({self.choices.describe()}); log likelihood {self.log_likelihood:.2f}"
        ]
        for name, row in self.to_frame().iterrows():
            tag = "" if row["fitted"] else " (fixed)"
            lines.append(f"  {name:<18} {row['value']:>8.3f}  {row['what']}{tag}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        caption = html.escape(str(self).splitlines()[0])
        table = self.to_frame().to_html(float_format=lambda v: f"{v:.3f}")
        return f"<p>{caption}</p>{table}"


def _qualifier(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    aliases = {
        "about": "左右",
        "以上": "以上",
        "at least": "以上",
        "above": "以上",
        "区间": "range",
    }
    text = aliases.get(text.casefold(), text)
    if text not in ("左右", "以上", "range", ""):
        raise TjsimError(
            f"qualifier must be 左右 (about), 以上 (at least), range or empty, not {value!r}"
        )
    return text


def fit_reporting_model(
    panel: pd.DataFrame, choices: Choices | None = None, start: Mapping[str, float] | None = None
) -> ReportingModel:
    """Fit the reporting model (module docstring) to ``panel`` by maximum marginal
    likelihood. Deterministic: the same panel, choices and ``start`` (the optimiser's
    starting point, default :data:`START`; the leave-year-out scoring starts each fold
    from the full panel's fit) give the same model."""
    choices = choices or Choices()
    stand_in = choices.stand_in if choices.stand_in != "none" else STAND_INS[0]
    pairs = panel_pairs(panel, stand_in)
    if len(pairs) < 5:
        raise TjsimError(f"the panel has {len(pairs)} target-outturn pairs; at least 5 are needed")
    arrays = _pair_arrays(pairs, choices)
    fixed = choices.fixed()
    free = [k for k in PARAMETERS if k not in fixed]
    gaps = arrays["gap"]
    warm = start is not None
    start = {k: _cap(v, k) for k, v in {**START, **(start or {})}.items()}
    if choices.labels == "labelled" and choices.breaks != "none" and not warm:
        labelled = arrays["label"] == 1
        weights = arrays["weight"]
        share = float(np.sum(weights * labelled) / np.sum(weights)) if labelled.any() else 1e-3
        start["break_probability"] = _cap(share, "break_probability")
        if labelled.any():
            start["break_impact"] = _cap(float(np.mean(gaps[labelled])) - start["beta"],
                                         "break_impact")  # fmt: skip
    x0 = np.array([start[k] for k in free])
    bounds = [BOUNDS[k] for k in free]

    def unpack(x: np.ndarray) -> dict[str, float]:
        p = dict(fixed)
        p.update(zip(free, (float(v) for v in x), strict=True))
        return p

    def objective(x: np.ndarray) -> float:
        value = -float(np.sum(_region_terms(unpack(x), arrays, choices.breaks)[0]))
        return value if math.isfinite(value) else 1e12

    done = optimize.minimize(
        objective, x0, method="SLSQP", bounds=bounds, options={"maxiter": 500, "ftol": 1e-10}
    )
    p = unpack(done.x)
    marginal, log_post = _region_terms(p, arrays, choices.breaks)
    post = np.exp(log_post)
    nodes = p["beta"] + p["tau"] * _GH_X
    mean = post @ nodes
    sd = np.sqrt(np.maximum(post @ nodes**2 - mean**2, 0.0))
    counts = np.bincount(arrays["index"], minlength=len(arrays["regions"]))
    own = np.bincount(arrays["index"], weights=gaps, minlength=len(arrays["regions"])) / counts
    regions = pd.DataFrame(
        {"pairs": counts, "mean_gap": own, "bias": mean, "bias_sd": sd},
        index=pd.Index(arrays["regions"], name="region"),
    )
    return ReportingModel(
        parameters={k: float(p[k]) for k in PARAMETERS},
        regions=regions,
        choices=choices,
        log_likelihood=float(np.sum(marginal)),
        n_pairs=len(pairs),
        panel=panel,
        converged=bool(done.success),
    )


# ---------------------------------------------------------------------------- fitted.yaml
_FITTED_HEADER = """\
# {region} calibration: fitted numbers. Generated by
# `python -m tjsim.analysis.reporting --write`: do not edit by hand.
#
# The distribution of {region}'s published {year} GDP growth under the reporting model
# fitted to the 31 regions' record (docs/scoring.md). Its meaning is fixed: published
# growth is
#
#   Y = {centre} + TP({spread}, {skew}) + B * D,
#
# with TP a two-piece normal of spread s and skew gamma centred to mean zero
# (tjsim.marginals' convention), B ~ Bernoulli({probability}) a regime break
# and D ~ N({impact}, {size}^2) its size, added to the ordinary
# outcome. The engine takes GDP's centre, spread, skew and regime break from these
# numbers (model.yaml; docs/calibration.md). The last ids are for information.
"""
#: The unit and label of each number of ``fitted.yaml``, in the order written: the six
#: of :class:`FittedSpec`'s ``distribution``, then its numbers for information
#: (``{region}``: the region's English name).
_FITTED_LABELS = (
    ("%", "Published GDP growth: mean of the ordinary component"),
    ("pp", "Published GDP growth: two-piece spread of the ordinary error"),
    ("ratio", "Published GDP growth: two-piece skew of the ordinary error"),
    ("ratio", "Probability of a regime break in published GDP growth"),
    ("pp", "Mean size of a regime break (added to published GDP growth)"),
    ("pp", "Standard deviation of a regime break's size"),
    ("%", "Sectoral GDP projection the reporting model weighs"),
    ("ratio", "Weight of the projection in the reporting model (w)"),
    ("pp", "{region}'s bias of outturn over target, shrunk to the panel's"),
    ("pp", "Posterior sd of {region}'s bias"),
)


@dataclass(frozen=True)
class FittedTarget:
    """The target a calibration's ``fitted.yaml`` is fitted for, from its record
    (:class:`~tjsim.calibration.FittedSpec`): the ``region`` of the panel (its Chinese
    name) and its English name ``english``, the ``year``, the target fact's id
    ``fact`` and ``value``, and the target's wording ``qualifier``."""

    region: str
    english: str
    year: int
    fact: str
    value: float
    qualifier: str
    spec: FittedSpec


def load_default_panel() -> pd.DataFrame:
    """The packaged provincial panel (:func:`tjsim.calibration.panel.load_panel`)."""
    from ..calibration.panel import load_panel

    return load_panel()


def _calibration(calibration: Calibration | None) -> Calibration:
    from ..calibration import load_calibration

    return calibration if calibration is not None else load_calibration()


def fitted_spec(calibration: Calibration | None = None) -> FittedSpec | None:
    """What the calibration's ``fitted.yaml`` holds (its record's ``fitted`` block;
    ``None``: it has none). Default: the packaged Tianjin calibration."""
    record = _calibration(calibration).record
    return record.fitted if record is not None else None


def panel_region(calibration: Calibration | None = None) -> tuple[str, str] | None:
    """The region of the provincial panel whose record the calibration's is, as its
    Chinese and English names (its record's ``panel_region``; ``None``: none).
    Default: the packaged Tianjin calibration."""
    from ..calibration.panel import load_regions, region_name

    record = _calibration(calibration).record
    if record is None or record.panel_region is None:
        return None
    region = region_name(record.panel_region)
    regions = load_regions()
    return region, str(regions.loc[regions["region"] == region, "english"].iloc[0])


def fitted_target(calibration: Calibration | None = None) -> FittedTarget:
    """The target the calibration's ``fitted.yaml`` is fitted for (default: the packaged
    Tianjin calibration).

    Raises
    ------
    TjsimError
        When the calibration's record states no ``fitted`` block.
    """
    cal = _calibration(calibration)
    spec, names = fitted_spec(cal), panel_region(cal)
    if spec is None or names is None:
        raise TjsimError(
            f"the {cal.name} calibration states no fitted numbers (its record has no "
            "'fitted' block)"
        )
    region, english = names
    fact = next(f for f in cal.facts if f.id == spec.target)
    value = cal.parameters()[spec.target]
    return FittedTarget(region, english, int(fact.year), spec.target, value, spec.qualifier, spec)


def distribution_parameters(calibration: Calibration | None = None) -> tuple[str, ...]:
    """The parameters in which the calibration states the distribution of its published
    GDP growth (``fitted.yaml``), in the order of :class:`GrowthDistribution`'s fields;
    ``()`` for a calibration that states none. Default: the packaged Tianjin
    calibration."""
    spec = fitted_spec(calibration)
    return spec.distribution if spec is not None else ()


def calibrated_distribution(
    values: Mapping[str, float], calibration: Calibration | None = None
) -> GrowthDistribution:
    """The distribution of published GDP growth a calibration states: its
    :func:`distribution_parameters` read from ``values`` (the calibration's parameters,
    :meth:`~tjsim.calibration.Calibration.parameters`)."""
    centre, spread, skew, probability, impact, size = (
        float(values[name]) for name in distribution_parameters(calibration)
    )
    return GrowthDistribution(centre, spread, skew, probability, impact, size)


def projection_parameter(calibration: Calibration | None = None) -> str | None:
    """The parameter in which the calibration states its sectors' GDP projection (GDP
    with the sectors at their centrals and the drivers at their reference levels): its
    record's ``projection``; ``None`` when it states none."""
    record = _calibration(calibration).record
    return record.projection if record is not None else None


def sectoral_projection(calibration: Calibration | None = None) -> float:
    """The calibration's sectoral GDP projection: its :func:`projection_parameter` when
    it states one (a calibration whose GDP centre is itself set from this model's fit
    must, or the fit would feed on itself), else the baseline's central value of its
    record's indicator with shocks and events off."""
    from ..model import compile_model
    from ..scenario import baseline

    cal = _calibration(calibration)
    parameters = cal.parameters()
    name = projection_parameter(cal)
    if name is not None and name in parameters:
        return float(parameters[name])
    if cal.record is None:
        raise TjsimError(f"the {cal.name} calibration has no record: no indicator to project")
    compiled = compile_model(cal, baseline(cal))
    return float(compiled.baseline[list(compiled.indicators).index(cal.record.indicator)])


def gdp_distribution(
    model: ReportingModel | None = None, calibration: Calibration | None = None
) -> dict[str, float]:
    """The calibration's published GDP growth under the reporting model (default: fitted
    to the packaged panel with the chosen choices) for the target of its ``fitted.yaml``
    (:func:`fitted_target`; Tianjin's: 4.5 (左右) in 2024), projection the calibration's
    sectoral projection (:func:`sectoral_projection`): the six numbers the engine draws
    ``Y = mean + TP(spread, skew) + B * D`` from, ``B ~ Bernoulli(break_probability)``,
    ``D ~ N(break_impact, break_spread)``, under the ids of
    :func:`distribution_parameters`."""
    cal = _calibration(calibration)
    target = fitted_target(cal)
    model = model if model is not None else ReportingModel.fit(load_default_panel())
    dist = model.predict(
        target.region,
        target.value,
        target.qualifier,
        projection=sectoral_projection(cal),
        year=target.year,
    )
    numbers = (
        dist.centre,
        dist.spread,
        dist.skew,
        dist.break_probability,
        dist.break_impact,
        dist.break_spread,
    )
    return dict(zip(target.spec.distribution, numbers, strict=True))


def _significant(value: float, digits: int = FITTED_DIGITS) -> float:
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def fitted_facts(
    model: ReportingModel | None = None, calibration: Calibration | None = None
) -> list[dict[str, Any]]:
    """The facts of the calibration's ``fitted.yaml``: the six numbers of
    :func:`gdp_distribution` and, for information, the projection used, the fitted
    weight of the projection and the region's shrunk bias, each rounded to 4
    significant digits."""
    cal = _calibration(calibration)
    target = fitted_target(cal)
    model = model if model is not None else ReportingModel.fit(load_default_panel())
    numbers = gdp_distribution(model, cal)
    projection = sectoral_projection(cal)
    bias, bias_sd = model.region_bias(target.region)
    source = (
        f"fitted: the reporting model on the 31-region panel (docs/scoring.md), "
        f"{target.english} {target.year}: target {target.value:g} ({target.qualifier}), "
        f"sectoral projection {projection:.2f}"
    )
    spec = target.spec
    values = {
        **numbers,
        spec.projection: projection,
        spec.weight: model.parameters["w"],
        spec.bias: bias,
        spec.bias_sd: bias_sd,
    }
    ids = (*spec.distribution, spec.projection, spec.weight, spec.bias, spec.bias_sd)
    return [
        {
            "id": fid,
            "value": _significant(values[fid]),
            "unit": unit,
            "year": target.year,
            "kind": "fitted",
            "label": label.format(region=target.english),
            "source": source,
        }
        for fid, (unit, label) in zip(ids, _FITTED_LABELS, strict=True)
    ]


def fitted_yaml(model: ReportingModel | None = None, calibration: Calibration | None = None) -> str:
    """The text of the calibration's ``fitted.yaml`` for ``model`` (default: a fresh
    fit; the packaged Tianjin calibration)."""
    cal = _calibration(calibration)
    target = fitted_target(cal)
    centre, spread, skew, probability, impact, size = target.spec.distribution
    header = _FITTED_HEADER.format(
        region=target.english,
        year=target.year,
        centre=centre,
        spread=spread,
        skew=skew,
        probability=probability,
        impact=impact,
        size=size,
    )
    lines = [header.rstrip("\n"), "facts:"]
    for fact in fitted_facts(model, cal):
        lines.append(f"  - id: {fact['id']}")
        lines.append(f"    value: {fact['value']!r}")
        lines.append(f'    unit: "{fact["unit"]}"')
        lines.append(f"    year: {fact['year']}")
        lines.append(f"    kind: {fact['kind']}")
        lines.append(f'    label: "{fact["label"]}"')
        lines.append(f'    source: "{fact["source"]}"')
    return "\n".join(lines) + "\n"


def fitted_path(calibration: Calibration | None = None) -> Path:
    """The calibration's ``fitted.yaml``, beside its ``model.yaml`` (default: the
    packaged Tianjin calibration's)."""
    return Path(_calibration(calibration).files["model"]).with_name("fitted.yaml")


def write_fitted(path: str | Path | None = None, calibration: Calibration | None = None) -> Path:
    """Write :func:`fitted_yaml` to ``path`` (default: the calibration's
    :func:`fitted_path`)."""
    cal = _calibration(calibration)
    target = Path(path) if path is not None else fitted_path(cal)
    target.write_text(fitted_yaml(calibration=cal), encoding="utf-8")
    return target


#: Names kept for code written against earlier versions, each with what replaces it (a
#: deprecation warning on use): they read the default calibration.
_DEPRECATED: dict[str, tuple[str, Callable[[], Any]]] = {
    "tianjin_gdp_distribution": ("gdp_distribution", lambda: gdp_distribution),
    "DISTRIBUTION_PARAMETERS": ("distribution_parameters()", distribution_parameters),
    "PROJECTION_PARAMETER": ("projection_parameter()", projection_parameter),
    "TARGET_FACT": ("fitted_target().fact", lambda: fitted_target().fact),
    "FITTED_FILE": ("fitted_path()", lambda: ("data", *fitted_path().parts[-2:])),
    "TIANJIN_2024": (
        "fitted_target()",
        lambda: {
            "region": fitted_target().region,
            "year": fitted_target().year,
            "qualifier": fitted_target().qualifier,
        },
    ),
}


def __getattr__(name: str) -> Any:
    if name not in _DEPRECATED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    replacement, value = _DEPRECATED[name]
    warnings.warn(
        f"tjsim.analysis.reporting.{name} is deprecated: use {replacement} (the calibration "
        "states its region and ids in its record)",
        DeprecationWarning,
        stacklevel=2,
    )
    return value()


def main(argv: list[str] | None = None) -> int:
    """``python -m tjsim.analysis.reporting [--write] [--calibration NAME]``: print the
    numbers of a calibration's ``fitted.yaml`` (default: the packaged Tianjin
    calibration's), or write them to it."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tjsim.analysis.reporting")
    parser.add_argument("--write", action="store_true", help="write the calibration's fitted.yaml")
    parser.add_argument(
        "--calibration", help="a packaged calibration's name or a folder (default: the default)"
    )
    args = parser.parse_args(argv)
    from ..calibration import load_calibration

    try:
        cal = load_calibration(args.calibration)
        if args.write:
            print(f"wrote {write_fitted(calibration=cal)}")
        else:
            print(fitted_yaml(calibration=cal), end="")
    except TjsimError as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
