r"""Exact first and second moments of the random basis under the Gaussian copula.

Basis column :math:`j` is :math:`x_j = g_j(z_j)`, a function of a latent standard
normal: a shock's centred marginal transform, an event's indicator
:math:`\mathbf 1\{z_j < t_j\}`, or the ``break`` transform of an event of random size
(mean :math:`p`, variance :math:`p(1 + s^2) - p^2`; its Hermite coefficients by
quadrature, like a shock's). For two latent normals with correlation :math:`r`,
Mehler's expansion gives

.. math:: \operatorname{Cov}(g_i(z_i), g_j(z_j))
          = \sum_{k \ge 1} \frac{r^k}{k!}\, c_k(g_i)\, c_k(g_j), \qquad
          c_k(g) = \mathrm E[g(Z)\,\mathrm{He}_k(Z)],

with :math:`\mathrm{He}_k` the probabilists' Hermite polynomials. The coefficients of a
shock come from Gauss-Hermite quadrature (its transform is smooth); those of an event
are exact, :math:`c_k = -\varphi(t)\,\mathrm{He}_{k-1}(t)`. The series is summed to
:data:`TERMS` terms, ample for the correlations of a calibration (the error is of order
:math:`|r|^{TERMS}`); for a normal shock only :math:`c_1` is not zero and the formula is
the familiar :math:`r\,\sigma_i\sigma_j`.

An indicator :math:`v = c + L x` then has mean :math:`c + L\mu` and variance
:math:`L \Sigma L^\top`: this is how the calibration's totals are solved
(:mod:`tjsim.model.totals`) and how docs/calibration.md splits each indicator's spread
into its components.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.polynomial import hermite_e
from scipy import special

from ..marginals import Marginal

#: Terms of the Hermite (Mehler) series for the covariance of two basis columns.
TERMS = 24
#: Gauss-Hermite nodes for a shock's Hermite coefficients.
NODES = 160


def hermite_coefficients(marginal: Marginal | None, threshold: float = 0.0) -> np.ndarray:
    """``c_k = E[g(Z) He_k(Z)]`` for ``k = 0..TERMS``: of a shock's centred transform
    (``marginal``), or of an event's indicator ``1{Z < threshold}`` (``marginal=None``)."""
    if marginal is not None:
        return _shock_coefficients(marginal).copy()
    coefficients = np.empty(TERMS + 1)
    coefficients[0] = special.ndtr(threshold)
    if not np.isfinite(threshold):
        coefficients[1:] = 0.0
        return coefficients
    density = math.exp(-0.5 * threshold**2) / math.sqrt(2 * math.pi)
    for k in range(1, TERMS + 1):
        coefficients[k] = -density * hermite_e.hermeval(threshold, [0] * (k - 1) + [1])
    return coefficients


@lru_cache(maxsize=256)
def _shock_coefficients(marginal: Marginal) -> np.ndarray:
    if marginal.family == "normal" and marginal.latent_shift == 0.0:
        coefficients = np.zeros(TERMS + 1)
        coefficients[1] = marginal.spread
        return coefficients
    nodes, weights = hermite_e.hermegauss(NODES)
    weights = weights / weights.sum()
    values = np.asarray(marginal.from_normal(nodes), dtype=float)
    basis = hermite_e.hermevander(nodes, TERMS)  # (nodes, TERMS + 1)
    return (weights * values) @ basis


def basis_moments(
    marginals: tuple[Marginal, ...],
    event_probabilities: np.ndarray,
    correlation: np.ndarray,
    *,
    event_marginals: tuple[Marginal | None, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and covariance ``(d, d)`` of the basis: shocks (``marginals``) then
    events, with latent correlation matrix ``correlation``. ``event_marginals`` gives
    the ``break`` marginal of each event of random size (``None`` for a fixed size;
    :attr:`CompiledModel.event_marginals`); without it every event has a fixed size.

    The latent normals must be standard (the unconditioned model: unit diagonal).
    """
    k = len(marginals)
    p = np.asarray(event_probabilities, dtype=float)
    sizes = tuple(event_marginals) if event_marginals else (None,) * len(p)
    thresholds = special.ndtri(p)
    d = k + len(p)
    correlated = np.any((correlation != 0.0) & ~np.eye(d, dtype=bool), axis=1)
    coefficients = np.zeros((d, TERMS + 1))
    for j in np.flatnonzero(correlated):
        coefficients[j] = (
            hermite_coefficients(marginals[j])
            if j < k
            else hermite_coefficients(sizes[j - k], float(thresholds[j - k]))
        )
    mean = np.concatenate([np.zeros(k), p])
    factorials = np.array([math.factorial(n) for n in range(TERMS + 1)], dtype=float)
    cov = np.zeros((d, d))
    for i in np.flatnonzero(correlated):
        for j in np.flatnonzero(correlated):
            r = float(correlation[i, j])
            if j <= i or r == 0.0:
                continue
            powers = r ** np.arange(1, TERMS + 1)
            value = float(
                np.sum(powers * coefficients[i, 1:] * coefficients[j, 1:] / factorials[1:])
            )
            cov[i, j] = cov[j, i] = value
    # The diagonal is known exactly: a shock's variance, an event's p (1 - p), a random
    # size's p (1 + s^2) - p^2.
    events = [q * (1 - q) if mg is None else mg.std**2 for q, mg in zip(p, sizes, strict=True)]
    np.fill_diagonal(cov, np.concatenate([[mg.std**2 for mg in marginals], events]))
    return mean, cov
