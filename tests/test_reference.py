"""The vectorized engine against the slow per-draw reference, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from optional import KERNELS
from tjsim.engine.reference import simulate_reference

SCENARIO = (
    tjsim.baseline()
    .renamed("mixed")
    .with_shift("investment", -3.0)
    .with_scale("retail_sales", 1.5)
    .with_distribution("credit", "t", df=4)
    .with_distribution("cpi", "normal")
    .with_event("property_slump", probability=0.6)
    .with_event("port_strike", probability=0.3, impact={"container_growth": -4.0})
    .with_parameter("okun_coefficient", 0.12)
    .with_correlation("momentum", "exports", 0.5)
    .with_target("gdp_growth", threshold=4.0)
    .with_target("industry_fast", indicator="industry_va", op=">", threshold=5.0)
    .without_target("cpi")
)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(
    ("scenario", "method"),
    [(None, "mc"), (SCENARIO, "mc"), (SCENARIO, "antithetic"), (None, "sobol")],
)
def test_engine_matches_reference_draw_for_draw(calibration, scenario, method, kernel):
    draws = 1_024
    ref = simulate_reference(calibration, scenario, draws=draws, seed=77, method=method)
    result = tjsim.simulate(
        scenario,
        draws=draws,
        seed=77,
        method=method,
        keep_draws=True,
        kernel=kernel,
        calibration=calibration,
    )
    values = result.kept_draws.to_numpy()
    scale = np.maximum(1.0, np.abs(ref.values))
    assert np.max(np.abs(values - ref.values) / scale) < 1e-6
    readings = result.readings(detail=True)
    assert tuple(readings.index) == ref.targets
    np.testing.assert_array_equal(readings["probability"].to_numpy() * draws, ref.met.sum(axis=0))
    primary = ref.met[:, : ref.n_primary]
    probs = result.probabilities()
    assert tuple(probs.index) == tuple(t for t, _ in ref.targets[: ref.n_primary])
    np.testing.assert_array_equal(probs["probability"].to_numpy() * draws, primary.sum(axis=0))
    assert result.joint()["probability"] * draws == primary.all(axis=1).sum()
    # The number of headline targets met: the engine's histogram is the reference's
    # per-draw counts, and the flags of the headline targets in force add up to them.
    heads = [i for i, t in enumerate(result.model.primary_targets) if t.headline]
    assert ref.n_headline == len(heads) == len(result.model.headline_targets) > 0
    np.testing.assert_array_equal(ref.headline, primary[:, heads].sum(axis=1))
    np.testing.assert_array_equal(
        result.accumulator.headline_count, np.bincount(ref.headline, minlength=len(heads) + 1)
    )
    headline = result.headline()
    assert headline.loc["joint", "probability"] * draws == (ref.headline == len(heads)).sum()
