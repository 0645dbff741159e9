r"""Marginal distributions of the shocks, as transforms of a standard normal.

Shocks are joined by a Gaussian copula: each shock :math:`x_k` is a monotone transform
of a latent standard normal :math:`z_k`,

.. math:: x_k = F_k^{-1}(\Phi(z_k)) - \mathbb{E}[F_k^{-1}(U)],

so every shock has mean zero and the calibration's baseline value is the mean of each
variable (absent events). Three families:

``normal``
    :math:`x = s z`, standard deviation ``spread`` :math:`= s`.
``t``
    Student-t with ``df`` :math:`> 2` degrees of freedom, rescaled to standard deviation
    ``spread``: fat tails.
``two_piece``
    Two-piece (split) normal with mode 0 before centring, half-scales
    :math:`\sigma_d = s(1-\gamma)` below and :math:`\sigma_u = s(1+\gamma)` above, where
    ``spread`` :math:`= s` and ``skew`` :math:`= \gamma \in (-1, 1)`; negative skew puts
    the long tail on the downside (the fan-chart convention).
``break``
    The column of an event of random size (not a shock, and **not** centred: like an
    event's indicator it has mean ``probability``). With probability ``probability``
    :math:`= p` the event occurs and the column holds its size factor
    :math:`S \sim N(1, s^2)`, ``spread`` :math:`= s` the size's standard deviation
    relative to its mean; otherwise it holds 0. The transform is the quantile function
    of that mixture read from the top, :math:`x = Q(1 - \Phi(z))`: continuous and
    decreasing, so low latent values give large sizes, as an event's indicator
    :math:`\mathbf 1\{z < \Phi^{-1}(p)\}` does, which it equals when :math:`s = 0`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import special

Family = Literal["normal", "t", "two_piece", "break"]
#: The families a shock may have (``break`` is an event's column, not a shock's).
FAMILIES: tuple[str, ...] = ("normal", "t", "two_piece")
ALL_FAMILIES: tuple[str, ...] = (*FAMILIES, "break")

#: Latent-normal grid of the fast transform: |z| <= 9 covers every draw numpy will make.
GRID = np.linspace(-9.0, 9.0, 2**16 + 1)
GRID.flags.writeable = False
_SYMMETRIC = bool(np.array_equal(GRID, -GRID[::-1]))


@dataclass(frozen=True)
class Marginal:
    """One shock's marginal: ``family``, ``spread`` (> 0) and its shape parameters
    (``df`` of a t, ``skew`` of a two-piece, ``probability`` of a ``break``: an event of
    random size).

    ``latent_shift`` moves the latent normal before the transform, ``x = F(z + shift)``:
    zero except in models conditioned on observations (:mod:`tjsim.quarterly`).
    """

    family: Family = "normal"
    spread: float = 1.0
    df: float = 5.0
    skew: float = 0.0
    latent_shift: float = 0.0
    probability: float = 1.0

    def __post_init__(self) -> None:
        if self.family not in ALL_FAMILIES:
            raise ValueError(
                f"distribution must be one of {', '.join(FAMILIES)}, not {self.family!r}"
            )
        if self.family == "break" and not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must lie in [0, 1], not {self.probability}")
        if not (math.isfinite(self.spread) and self.spread >= 0.0):
            raise ValueError(f"spread must be a finite number >= 0, not {self.spread}")
        if self.family == "t" and not (math.isfinite(self.df) and self.df > 2.0):
            raise ValueError(f"df must be > 2 for a finite variance, not {self.df}")
        if self.family == "two_piece" and not -1.0 < self.skew < 1.0:
            raise ValueError(f"skew must lie strictly between -1 and 1, not {self.skew}")

    def scaled(self, factor: float) -> Marginal:
        """The same family with ``spread`` multiplied by ``factor``."""
        return replace(self, spread=self.spread * factor)

    @property
    def sigmas(self) -> tuple[float, float]:
        """Two-piece half-scales ``(sigma_down, sigma_up)``."""
        return self.spread * (1.0 - self.skew), self.spread * (1.0 + self.skew)

    @property
    def offset(self) -> float:
        """Mean of the uncentred distribution, subtracted so that shocks have mean zero
        (a ``break`` column is not centred: its offset is zero and its mean ``p``)."""
        if self.family != "two_piece":
            return 0.0
        down, up = self.sigmas
        return math.sqrt(2.0 / math.pi) * (up - down)

    @property
    def mean(self) -> float:
        """Mean of the column (at ``latent_shift`` zero): 0 for a shock, ``p`` for a
        ``break``."""
        return self.probability if self.family == "break" else 0.0

    @property
    def std(self) -> float:
        """Standard deviation of the shock (of a ``break`` column: with ``S ~ N(1, s^2)``
        in a share ``p`` of the draws, ``sqrt(p (1 + s^2) - p^2)``)."""
        if self.family == "break":
            p = self.probability
            return math.sqrt(max(p * (1.0 + self.spread**2) - p * p, 0.0))
        if self.family != "two_piece":
            return self.spread
        down, up = self.sigmas
        return math.sqrt((1.0 - 2.0 / math.pi) * (up - down) ** 2 + up * down)

    @property
    def is_linear(self) -> bool:
        """Whether the transform is ``spread * z`` (no table needed)."""
        return self.family == "normal" and self.latent_shift == 0.0

    def from_normal(self, z: np.ndarray | float) -> np.ndarray:
        """Exact transform of latent normals ``z`` (any shape) to centred shocks."""
        z = np.asarray(z, dtype=float) + self.latent_shift
        if self.family == "break":
            return self._break(z)
        if self.family == "normal" or self.spread == 0.0:
            return self.spread * z
        if self.family == "t":
            scale = self.spread * math.sqrt((self.df - 2.0) / self.df)
            # Use the lower tail on both sides so that large |z| keeps full precision.
            lower = special.stdtrit(self.df, special.ndtr(-np.abs(z)))
            return -np.sign(z) * scale * lower
        down, up = self.sigmas
        p_down = down / (down + up)
        below = special.ndtr(z)
        above = special.ndtr(-z)
        with np.errstate(divide="ignore", invalid="ignore"):
            left = down * special.ndtri(np.minimum(below / (2.0 * p_down), 0.5))
            right = -up * special.ndtri(np.minimum(above / (2.0 * (1.0 - p_down)), 0.5))
        return np.where(below < p_down, left, right) - self.offset

    def _break(self, z: np.ndarray) -> np.ndarray:
        """The ``break`` transform: the mixture's quantile at ``1 - Phi(z)``.

        The mixture puts ``a = p Phi(-1/s)`` below zero (negative sizes), ``1 - p`` at
        zero and ``b = p Phi(1/s)`` above. Read from the top: ``Phi(z) < b`` gives the
        positive sizes, ``1 - s Phi^-1(Phi(z) / p)``; ``Phi(-z) < a`` the negative ones,
        ``1 + s Phi^-1(Phi(-z) / p)``; the rest is zero. Both tails use the lower tail
        of the normal, so large ``|z|`` keeps full precision.
        """
        p, s = self.probability, self.spread
        out = np.zeros(np.shape(z))
        if p <= 0.0:
            return out
        below, above = special.ndtr(z), special.ndtr(-z)
        if s == 0.0:
            return np.where(below < p, 1.0, 0.0) + out
        upper, lower = p * special.ndtr(1.0 / s), p * special.ndtr(-1.0 / s)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            positive = 1.0 - s * special.ndtri(np.minimum(below / p, 1.0))
            negative = 1.0 + s * special.ndtri(np.minimum(above / p, 1.0))
        out = np.where(below < upper, positive, out)
        return np.where(above < lower, negative, out)

    def table(self) -> np.ndarray:
        """Values of :meth:`from_normal` on the fixed latent grid (the engine interpolates in
        it).

        Equal to ``from_normal(GRID)`` element for element, computed with half the
        special-function calls: the t transform is odd (and the grid symmetric), and
        each two-piece value needs only its own side's quantile.
        """
        if self.latent_shift != 0.0:
            return self.from_normal(GRID)
        if self.family == "t" and self.spread != 0.0 and _SYMMETRIC:
            middle = len(GRID) // 2
            right = self.from_normal(GRID[middle:])
            return np.concatenate([-right[:0:-1], right])
        if self.family == "two_piece" and self.spread != 0.0:
            down, up = self.sigmas
            p_down = down / (down + up)
            below = special.ndtr(GRID)
            left = below < p_down
            out = np.empty_like(GRID)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[left] = down * special.ndtri(np.minimum(below[left] / (2.0 * p_down), 0.5))
                above = special.ndtr(-GRID[~left])
                out[~left] = -up * special.ndtri(np.minimum(above / (2.0 * (1.0 - p_down)), 0.5))
            return out - self.offset
        return self.from_normal(GRID)
