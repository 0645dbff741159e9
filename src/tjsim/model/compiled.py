r"""A compiled model: the arrays the engine evaluates for all draws.

Every variable is an affine function of the random basis :math:`x` (one column per
shocked variable, holding its centred shock, and one per event, holding its 0/1
indicator, or for an event of random size its size factor when it occurs and 0 when
it does not: a ``break`` column of :mod:`tjsim.marginals`). Compiling walks the equations in dependency order and yields

.. math:: v = c + L x, \qquad m_t = s_t\,(v_{i(t)} - \tau_t) \;\text{or}\; s_t\,(v_{i(t)} - v_{j(t)})

for the ``(m,)`` indicator vector :math:`v` and the ``(T,)`` target margins :math:`m`;
target :math:`t` is met when :math:`m_t \ge 0` (or :math:`> 0` for a strict reading),
with :math:`s_t = -1` for ``<=``/``<`` readings. The latent normals :math:`z` of the
Gaussian copula have correlation :math:`R = CC^\top`; shock :math:`k` is
:math:`x_k = F_k^{-1}(\Phi(z_k))` centred, and event :math:`e` occurs when
:math:`z_e < \Phi^{-1}(p_e)` (an event of random size: its column is its ``break``
marginal's transform of :math:`z_e`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from ..marginals import Marginal

#: Histogram bin width for quantiles (indicator units); quantiles are exact to half of it.
BIN_WIDTH = 0.004
#: Most histogram bins per indicator (wider indicators get wider bins).
MAX_BINS = 2**16
#: Histogram half-range in bound units (sum of |loading| * shock sd).
RANGE_SDS = 10.0


@dataclass(frozen=True)
class Target:
    """A target under one reading, resolved against the parameters: met when
    ``indicator op threshold`` (or ``indicator op compare_to``) holds.

    ``op`` and ``threshold`` are the effective rule, rounding included (published to one
    decimal, ``>= 4.5`` is ``>= 4.45``); ``stated`` is the rule as the reading states
    it. The ``primary`` reading of each target is the one in force (probabilities,
    the joint, the number met); the others are alternatives reported side by side.
    ``headline`` marks one of the plan's headline goals; ``tolerance`` loosens a
    comparison with another indicator (``>=``: met down to ``tolerance`` below it).
    ``published`` is the threshold as the plan publishes it and ``rounding`` the step a
    published figure is rounded to (0: not rounded), so ``>= 4.5`` to 0.1 has
    ``published`` 4.5 and ``threshold`` 4.45.
    """

    id: str
    indicator: str
    op: str
    threshold: float | None
    compare_to: str | None
    label: str
    wording: str
    source: str
    reading: str = "default"
    primary: bool = True
    stated: str = ""
    headline: bool = False
    tolerance: float = 0.0
    published: float | None = None
    rounding: float = 0.0

    @property
    def rule(self) -> str:
        """The effective rule, e.g. ``gdp_growth >= 4.45``."""
        other = self.compare_to if self.compare_to is not None else f"{self.threshold:g}"
        if self.compare_to is not None and self.tolerance:
            other += f" {'-' if self.op in ('>=', '>') else '+'} {self.tolerance:g}"
        return f"{self.indicator} {self.op} {other}"

    @property
    def description(self) -> str:
        """The reading's name and rule, e.g. ``published: gdp_growth >= 4.5 (to 0.1)``."""
        return f"{self.reading}: {self.stated or self.rule}"


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Arrays of one calibration under one scenario (shapes: m indicators, T targets,
    k shocks, e events, d = k + e basis columns).

    The latent normals are ``z = F e`` with ``F = cholesky``; ``correlation`` is their
    covariance ``F F^T``, a correlation matrix unless the model is conditioned on
    observations (:mod:`tjsim.model.quarterly`).
    """

    calibration: str
    version: str
    scenario: str
    indicators: tuple[str, ...]
    labels: tuple[str, ...]
    units: tuple[str, ...]
    layers: tuple[str, ...]
    basis: tuple[str, ...]
    n_shocks: int
    marginals: tuple[Marginal, ...]
    event_probabilities: np.ndarray  # (e,)
    correlation: np.ndarray  # (d, d)
    cholesky: np.ndarray  # (d, d) lower triangular
    baseline: np.ndarray  # (m,) values with shocks, events and shifts off
    constant: np.ndarray  # (m,) baseline plus scenario shifts
    loadings: np.ndarray  # (m, d)
    targets: tuple[Target, ...]  # the primary readings first, then the alternatives
    target_constant: np.ndarray  # (T,)
    target_loadings: np.ndarray  # (T, d)
    target_strict: np.ndarray  # (T,) bool
    parameters: Mapping[str, float]
    n_primary: int = -1  # targets in force (the first n_primary); -1: all of them
    solved_spreads: Mapping[str, float] = field(default_factory=dict)  # of the totals
    # (e,): None for an event of fixed size (an indicator), else its ``break`` marginal
    event_marginals: tuple[Marginal | None, ...] = ()

    def __post_init__(self) -> None:
        if self.n_primary < 0:
            object.__setattr__(self, "n_primary", len(self.targets))
        if not self.event_marginals:
            events = len(self.basis) - self.n_shocks
            object.__setattr__(self, "event_marginals", (None,) * events)

    @property
    def random_events(self) -> np.ndarray:
        """``(e,)`` booleans: the events of random size (a ``break`` column each)."""
        return np.array([mg is not None for mg in self.event_marginals], dtype=bool)

    def column_marginals(self) -> tuple[Marginal | None, ...]:
        """``(d,)``: every basis column's marginal, ``None`` for a fixed-size event."""
        return (*self.marginals, *self.event_marginals)

    @property
    def primary_targets(self) -> tuple[Target, ...]:
        """The targets under the readings in force."""
        return self.targets[: self.n_primary]

    @property
    def headline_targets(self) -> tuple[Target, ...]:
        """The plan's headline goals among the targets in force, in target order."""
        return tuple(t for t in self.primary_targets if t.headline)

    def basis_means(self) -> np.ndarray:
        """Exact expected value of every basis column, ``(d,)``.

        Zero for shocks and ``p`` for events (of fixed or random size: a random size
        has mean one), unless the latent normals have been shifted or rescaled by
        conditioning on observations; then each column's mean is a one-dimensional
        Gaussian integral, computed by Gauss-Hermite quadrature (fixed-size events: a
        normal CDF).
        """
        k = self.n_shocks
        scale = np.sqrt(np.clip(np.diag(self.correlation), 0.0, None))
        columns = self.column_marginals()
        shifted = any(mg.latent_shift for mg in columns if mg is not None)
        if not shifted and np.allclose(scale, 1.0, rtol=0, atol=1e-12):
            return np.concatenate([np.zeros(k), self.event_probabilities])
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)
        weights = weights / weights.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            events = np.nan_to_num(special.ndtr(self.event_thresholds / scale[k:]))
        return np.array(
            [
                float(weights @ mg.from_normal(s * nodes)) if mg is not None else events[j - k]
                for j, (mg, s) in enumerate(zip(columns, scale, strict=True))
            ]
        )

    def column_stds(self) -> np.ndarray:
        """``(d,)`` standard deviation of every basis column (of the unconditioned
        model): a shock's, ``sqrt(p (1 - p))`` for a fixed-size event, the ``break``
        column's for a random-size one."""
        p = self.event_probabilities
        fixed = np.sqrt(np.clip(p * (1.0 - p), 0.0, None))
        return np.array(
            [mg.std for mg in self.marginals]
            + [
                float(fixed[j]) if mg is None else mg.std
                for j, mg in enumerate(self.event_marginals)
            ],
            dtype=float,
        )

    def event_reach(self) -> np.ndarray:
        """``(e,)`` how far each event's column reaches in units of its loading: 1 for a
        fixed-size event, ``1 + RANGE_SDS * s`` for a random size of spread ``s``."""
        return np.array(
            [1.0 if mg is None else 1.0 + RANGE_SDS * mg.spread for mg in self.event_marginals]
        )

    @property
    def dimension(self) -> int:
        """Random numbers drawn per draw (latent normals: shocks plus events)."""
        return len(self.basis)

    @property
    def event_thresholds(self) -> np.ndarray:
        """Latent-normal thresholds: event ``e`` occurs when ``z_e < threshold_e``."""
        return special.ndtri(self.event_probabilities)

    @property
    def mean(self) -> np.ndarray:
        """Exact expected value of every indicator, ``(m,)``."""
        return self.constant + self.loadings @ self.basis_means()

    def histogram_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(low, width, bins)`` per indicator for the quantile histograms, ``(m,)`` each.

        The range is the mean plus or minus ``RANGE_SDS`` times the sum of
        ``|loading| * sd`` over shocks, widened by every event impact (by
        :meth:`event_reach` times the impact for an event of random size).
        """
        stds = np.array([mg.std for mg in self.marginals])
        bound = np.abs(self.loadings[:, : self.n_shocks]) @ stds
        events = np.abs(self.loadings[:, self.n_shocks :]) @ self.event_reach()
        half = RANGE_SDS * bound + events + 0.5
        low = self.mean - half
        bins = np.clip(np.ceil(2 * half / BIN_WIDTH), 16, MAX_BINS).astype(np.int64)
        return low, 2 * half / bins, bins
