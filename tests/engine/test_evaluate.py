"""tjsim.engine.evaluate: a compiled model on given latent normals, as the kernel runs it."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from tjsim.analysis import common_draws
from tjsim.engine import Evaluation, evaluate
from tjsim.model import compile_model

DRAWS = 6_000


@pytest.fixture(scope="module")
def run(calibration):
    return tjsim.simulate(
        draws=DRAWS,
        seed=11,
        method="mc",
        kernel="numpy",
        keep_draws=True,
        threads=1,
        calibration=calibration,
    )


@pytest.fixture(scope="module")
def latent(calibration, run):
    """The run's latent normals (before the correlation)."""
    common = common_draws(calibration, run.scenario, draws=DRAWS, seed=11, method="mc")
    return np.vstack([chunk.latent() for chunk in common.passes()])


def test_evaluate_agrees_with_the_numpy_kernel(run, latent):
    out = evaluate(run.model, latent)
    assert isinstance(out, Evaluation)
    m, targets = len(run.model.indicators), len(run.model.targets)
    assert out.values.shape == (DRAWS, m) and out.met.shape == (DRAWS, targets + 1)
    np.testing.assert_allclose(out.values, run.kept, rtol=1e-9, atol=1e-9)
    primary = run.model.n_primary
    flags = tjsim.analysis.kept_met_flags(run)
    knife_edge = (out.met[:, :primary] != flags[:, :primary]).sum()
    assert knife_edge <= 2  # a draw on a margin's edge, to rounding
    probabilities = run.probabilities()["probability"].to_numpy()
    np.testing.assert_allclose(out.met[:, :primary].mean(axis=0), probabilities, atol=2 / DRAWS)
    assert out.met[:, -1].mean() == pytest.approx(run.joint()["probability"], abs=2 / DRAWS)
    assert (out.met[:, -1] == out.met[:, :primary].all(axis=1)).all()


def test_two_models_on_the_same_latent_normals_are_common_draws(calibration, latent):
    base = compile_model(calibration)
    shifted = compile_model(calibration, tjsim.baseline().with_parameter("cpi_central", 1.5))
    first, second = evaluate(base, latent), evaluate(shifted, latent)
    column = base.indicators.index("cpi")
    shift = second.values[:, column] - first.values[:, column]
    assert shift.mean() > 0.5
    np.testing.assert_allclose(shift, shift.mean(), atol=1e-9)  # the same draw, moved


def test_evaluate_refuses_latent_normals_of_another_shape(calibration):
    model = compile_model(calibration)
    with pytest.raises(ValueError, match=rf"\(n, {model.dimension}\)"):
        evaluate(model, np.zeros((3, model.dimension + 1)))
    with pytest.raises(ValueError, match="finite"):
        evaluate(model, np.full((3, model.dimension), np.nan))
