"""A compiled model evaluated on given latent normals: the indicators and the met flags of
every draw, for an analysis that holds its own draws (the engine's runs reduce blocks into
accumulators instead and keep no draw)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import CompiledModel
from .kernels.numpy_kernel import NumpyKernel


@dataclass(frozen=True)
class Evaluation:
    """Every draw of an evaluation.

    Attributes
    ----------
    values
        ``(n, m)`` float: the indicators of :attr:`CompiledModel.indicators`.
    met
        ``(n, T + 1)`` bool: each target (reading) of :attr:`CompiledModel.targets` met,
        and, last, every target in force met (the joint event).
    """

    values: np.ndarray
    met: np.ndarray


def evaluate(model: CompiledModel, latent: np.ndarray) -> Evaluation:
    """Evaluate ``model`` on independent latent normals.

    Parameters
    ----------
    model
        A compiled model (:func:`tjsim.model.compile_model`).
    latent
        ``(n, d)`` independent standard normals, ``d = model.dimension``: one row per
        draw, one column per basis column (shocks, then events). The model's correlation
        is applied here, so the draws of two models with the same correlation and the same
        ``latent`` are common draws.

    Returns
    -------
    Evaluation
        The indicators ``(n, m)`` and the met flags ``(n, T + 1)`` of every draw, as the
        numpy kernel computes them.

    Raises
    ------
    ValueError
        When ``latent`` is not a finite two-dimensional array of ``d`` columns.
    """
    latent = np.asarray(latent, dtype=float)
    if latent.ndim != 2 or latent.shape[1] != model.dimension:
        raise ValueError(
            f"expected latent normals of shape (n, {model.dimension}), found {latent.shape}"
        )
    if not np.isfinite(latent).all():
        raise ValueError("latent normals must be finite")
    kernel = NumpyKernel.from_model(model)
    values = kernel.values(kernel.basis(latent.copy()))
    return Evaluation(values[:, : kernel.n_indicators], kernel.met(values))
