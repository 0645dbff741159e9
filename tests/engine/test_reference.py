"""The vectorized engine against the slow per-draw reference, draw for draw."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from optional import KERNELS
from tjsim.engine.reference import simulate_reference
from tjsim.engine.tables import interpolation_error
from tjsim.model import compile_model
from tjsim.seeding import RNG

SCENARIO = (
    tjsim.baseline()
    .renamed("mixed")
    .with_shift("investment", -3.0)
    .with_scale("retail_sales", 1.5)
    .with_distribution("credit", "t", df=4)
    .with_distribution("cpi", "normal")
    .with_event("property_slump", probability=0.6)
    .with_event("port_strike", probability=0.3, impact={"container_growth": -4.0})
    .with_parameter("okun_coefficient", 0.09)
    .with_correlation("momentum", "exports", 0.5)
    .with_target("gdp_growth", threshold=4.0)
    .with_target("industry_fast", indicator="industry_va", op=">", threshold=5.0)
    .without_target("cpi")
)

#: Random-size events: one made certain with a wide size, a new one on exports, and the
#: regime break's size spread changed.
SIZED = (
    tjsim.baseline()
    .renamed("sized")
    .with_event(
        "property_slump", probability=1.0, impact={"property_investment": -8.0}, size_spread=6.0
    )
    .with_event("port_strike", probability=0.3, impact={"exports": -4.0}, size_spread=2.0)
    .with_event("regime_break", probability=0.2, size_spread=0.5)
    .with_correlation("regime_break", "exports", 0.4)
)


def tolerance(calibration, scenario, reference: np.ndarray) -> np.ndarray:
    """Per draw and indicator: 1e-6 relative, plus, for each event of random size, its
    table's interpolation error times the indicator's loading (the tables turn sharply
    where a size leaves zero; the reference applies the exact transform)."""
    model = compile_model(calibration, scenario)
    k = model.n_shocks
    errors = np.array(
        [0.0 if mg is None else 4 * interpolation_error(mg) for mg in model.event_marginals]
    )
    sized = np.abs(model.loadings[:, k:]) @ errors
    return 1e-6 * np.maximum(1.0, np.abs(reference)) + sized


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize(
    ("scenario", "method", "stream"),
    [
        (None, "mc", RNG),
        (SCENARIO, "mc", RNG),
        (SCENARIO, "antithetic", RNG),
        (None, "sobol", RNG),
        (SIZED, "mc", RNG),
        (SIZED, "antithetic", RNG),
        (tjsim.baseline().with_event("regime_break", 0.0), "mc", RNG),
        (tjsim.baseline().with_event("regime_break", 1.0), "sobol", RNG),
        (SCENARIO, "mc", "sfc64/2"),
        (SIZED, "antithetic", "sfc64/2"),
    ],
)
def test_engine_matches_reference_draw_for_draw(calibration, scenario, method, stream, kernel):
    draws = 1_024
    ref = simulate_reference(
        calibration, scenario, draws=draws, seed=77, method=method, stream=stream
    )
    result = tjsim.simulate(
        scenario,
        draws=draws,
        seed=77,
        method=method,
        keep_draws=True,
        kernel=kernel,
        calibration=calibration,
        stream=stream,
    )
    assert result.metadata["rng"] == stream
    values = result.kept_draws.to_numpy()
    scale = np.maximum(1.0, np.abs(ref.values))
    difference = np.abs(values - ref.values)
    assert np.all(difference <= tolerance(calibration, scenario, ref.values))
    # Away from where a random size leaves zero, the tables are exact to 1e-6.
    assert np.mean(np.any(difference / scale >= 1e-6, axis=1)) < 0.03  # about 2%
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


@pytest.mark.slow
def test_a_random_size_event_at_probability_zero_and_one(calibration):
    """p = 0: the break never happens, whatever its size spread; p = 1: it happens in
    every draw with the fitted size, so GDP's spread grows by the size's."""
    p = calibration.parameters()
    never = simulate_reference(
        calibration, tjsim.baseline().with_event("regime_break", 0.0), draws=2_000, seed=3
    )
    always = simulate_reference(
        calibration, tjsim.baseline().with_event("regime_break", 1.0), draws=2_000, seed=3
    )
    gdp = never.indicators.index("gdp_growth")
    gap = always.values[:, gdp] - never.values[:, gdp]
    assert np.all(gap != 0.0)
    assert gap.mean() == pytest.approx(p["gdp_break_impact"], abs=4 * 1.5 / np.sqrt(2_000))
    assert gap.std() == pytest.approx(p["gdp_break_spread"], rel=0.08)
