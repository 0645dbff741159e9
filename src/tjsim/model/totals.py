r"""Calibrate the total, then split it: solve the free components of the totals.

A calibration's ``totals`` give, for some indicators, the spread that their record
implies for an ordinary year, all shocks and events together but the tail events
(regime breaks, which have their own probability). Each total names a *free*
component: a shock whose spread is solved so that the indicator's spread (or the spread
of its margin over another indicator, ``relative_to``) equals the total.

With the basis covariance :math:`\Sigma` at unit spread for the free shock :math:`f`
(:mod:`tjsim.model.moments`), an indicator with loadings :math:`\ell` has variance

.. math:: V(s) = s^2\,\ell_f^2\Sigma_{ff} + 2s\,\ell_f \sum_{j\ne f}\Sigma_{fj}\ell_j
          + \sum_{i,j\ne f}\ell_i\Sigma_{ij}\ell_j

when the free shock's spread is :math:`s` (a shock scales with its spread), and
:math:`s` is the non-negative root of :math:`V(s) = \sigma^2`. Totals are solved in
the calibration's order, each with the spreads solved before it, and all are checked
at the end; a total that the other components already exceed is an error naming them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..calibration import Calibration
from ..errors import CalibrationError
from .compiled import CompiledModel
from .moments import basis_moments


def core_covariance(model: CompiledModel, calibration: Calibration) -> np.ndarray:
    """The basis covariance of ``model`` without the tail events ``(d, d)``."""
    _, cov = basis_moments(
        model.marginals,
        model.event_probabilities,
        model.correlation,
        event_marginals=model.event_marginals,
    )
    tail = [j for j, name in enumerate(model.basis) if _is_tail(calibration, name)]
    cov[tail, :] = 0.0
    cov[:, tail] = 0.0
    return cov


def _is_tail(calibration: Calibration, name: str) -> bool:
    event = calibration.events.get(name)
    return event is not None and event.tail


def margin_loadings(model: CompiledModel, indicator: str, relative_to: str | None) -> np.ndarray:
    """Loadings ``(d,)`` of ``indicator`` (minus ``relative_to``) on the basis."""
    loadings = model.loadings[model.indicators.index(indicator)].copy()
    if relative_to is not None:
        loadings -= model.loadings[model.indicators.index(relative_to)]
    return loadings


def solve_totals(
    unit: CompiledModel, calibration: Calibration, params: Mapping[str, float]
) -> dict[str, float]:
    """The spread of each total's free component (free shock id -> spread).

    ``unit`` is the calibration compiled with unit spreads for the free components (and
    no scenario changes but parameters).
    """
    mfile = calibration.files.get("model", "model.yaml")
    cov = core_covariance(unit, calibration)
    scale = np.ones(unit.dimension)
    spreads: dict[str, float] = {}
    wanted: dict[str, float] = {}
    for vid, total in calibration.totals.items():
        key = f"totals.{vid}"
        sigma = calibration.value(total.spread, params, mfile, f"{key}.spread")
        wanted[vid] = sigma
        f = unit.basis.index(total.free)
        loadings = margin_loadings(unit, total.indicator, total.relative_to) * scale
        others = loadings.copy()
        others[f] = 0.0
        a = loadings[f] ** 2 * cov[f, f]
        b = loadings[f] * (cov[f] @ others)
        c = others @ cov @ others
        if a <= 0.0:
            raise CalibrationError(
                f"the free component '{total.free}' does not move {_what(total)}",
                file=mfile,
                key=f"{key}.free",
            )
        discriminant = b * b - a * (c - sigma**2)
        root = (-b + np.sqrt(discriminant)) / a if discriminant >= 0 else -1.0
        if root < 0:
            reached = np.sqrt(max(c - b * b / a, 0.0)) if b < 0 else np.sqrt(c)
            raise CalibrationError(
                f"the components other than '{total.free}' already give {_what(total)} a "
                f"spread of {reached:.3g}, more than the {sigma:.3g} of the total "
                f"({total.spread}); reduce their spreads or elasticities, or raise the total",
                file=mfile,
                key=key,
            )
        scale[f] = root
        spreads[total.free] = float(root)
    for vid, total in calibration.totals.items():
        loadings = margin_loadings(unit, total.indicator, total.relative_to) * scale
        reached = float(np.sqrt(loadings @ cov @ loadings))
        if not np.isclose(reached, wanted[vid], rtol=1e-9, atol=1e-12):
            raise CalibrationError(
                f"a later total's free component changes {_what(total)}: its spread is "
                f"{reached:.4g}, not {wanted[vid]:.4g}; list the totals so that each free "
                "component feeds no total before its own",
                file=mfile,
                key=f"totals.{vid}",
            )
    return spreads


def _what(total) -> str:
    return (
        f"'{total.indicator}'"
        if total.relative_to is None
        else f"'{total.indicator}' against '{total.relative_to}'"
    )


def variance_shares(
    model: CompiledModel,
    calibration: Calibration,
    indicator: str,
    relative_to: str | None = None,
) -> dict[str, float]:
    """Each basis column's share of the ordinary-year variance of ``indicator`` (minus
    ``relative_to``): ``l_j (Sigma l)_j / (l' Sigma l)``, tail events excluded; the
    shares add up to one (a column correlated with others can have a negative share)."""
    cov = core_covariance(model, calibration)
    loadings = margin_loadings(model, indicator, relative_to)
    parts = loadings * (cov @ loadings)
    total = parts.sum()
    return {name: float(p / total) for name, p in zip(model.basis, parts, strict=True) if p}
