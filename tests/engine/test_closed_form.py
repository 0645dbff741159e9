"""Closed-form checks on the toy linear-Gaussian economy: probabilities are normal CDFs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

import tjsim
from toy import Toy

toys = st.builds(
    Toy,
    mu_a=st.floats(-2, 2),
    mu_b=st.floats(-2, 2),
    sd_a=st.floats(0.2, 3),
    sd_b=st.floats(0.2, 3),
    rho=st.floats(-0.8, 0.8),
    mu_y=st.floats(2, 6),
    beta_a=st.floats(-1.5, 1.5),
    beta_b=st.floats(-1.5, 1.5),
    sd_e=st.floats(0.1, 2),
    threshold_y=st.floats(2, 6),
    threshold_a=st.floats(-2, 2),
)


@settings(derandomize=True, max_examples=30, deadline=None)
@given(toy=toys, seed=st.integers(0, 2**32 - 1))
def test_probabilities_match_normal_cdf(toy, seed):
    draws = 20_000
    result = tjsim.simulate(draws=draws, seed=seed, calibration=toy.calibration())
    table = result.probabilities()
    for target, expected in toy.probabilities().items():
        p, se = table.loc[target, ["probability", "std_error"]]
        # The plug-in error is 0 when no draw misses; the exact one is not.
        exact_se = (expected * (1 - expected) / draws) ** 0.5
        assert abs(p - expected) <= 4 * max(se, exact_se) + 1e-12, target


def test_joint_probability_is_a_bivariate_normal_cdf():
    toy = Toy(threshold_y=4.2, threshold_a=0.5)
    cal = toy.calibration()
    scenario = tjsim.baseline(cal).without_target("y_above_a")
    result = tjsim.simulate(scenario, draws=200_000, seed=3, calibration=cal)
    cov_ya = toy.beta_a * toy.sd_a**2 + toy.beta_b * toy.rho * toy.sd_a * toy.sd_b
    cov = [[toy.sd_y**2, cov_ya], [cov_ya, toy.sd_a**2]]
    # P(y >= ty, a > ta) = P(-y <= -ty, -a < -ta)
    expected = multivariate_normal(mean=[-toy.mu_y, -toy.mu_a], cov=cov).cdf(
        [-toy.threshold_y, -toy.threshold_a]
    )
    joint = result.joint()
    assert abs(joint["probability"] - expected) <= 4 * joint["std_error"]


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_reported_error_matches_spread_across_seeds(method):
    cal = Toy().calibration()
    runs = [
        tjsim.simulate(draws=4_096, seed=s, method=method, calibration=cal).probabilities()
        for s in range(60)
    ]
    p = np.array([r["probability"].to_numpy() for r in runs])
    se = np.array([r["std_error"].to_numpy() for r in runs])
    ratio = p.std(axis=0, ddof=1) / se.mean(axis=0)
    exact = np.array(list(Toy().probabilities().values()))
    middle = (exact > 0.05) & (exact < 0.95)
    # 60 replications: the ratio of standard deviations is within about +-20% (3 sd).
    assert np.all((ratio[middle] > 0.7) & (ratio[middle] < 1.35)), ratio
    # Near 1 (y_above_a, 0.9995) a run of 4,096 draws sees about two misses, so each
    # run's error is itself noisy and low on average: the ratio is about 1.15 for exact
    # binomial counts, and its spread over 60 runs wider.
    assert np.all((ratio[~middle] > 0.6) & (ratio[~middle] < 1.8)), ratio


@pytest.mark.parametrize("method", ["antithetic", "sobol"])
def test_variance_reduction_is_unbiased_and_smaller(method):
    toy = Toy()
    cal = toy.calibration()
    exact = toy.probabilities()
    mc = tjsim.simulate(draws=32_768, seed=11, calibration=cal).probabilities()
    other = tjsim.simulate(draws=32_768, seed=11, method=method, calibration=cal).probabilities()
    for target, expected in exact.items():
        assert (
            abs(other.loc[target, "probability"] - expected) <= 4 * other.loc[target, "std_error"]
        )
        if 0.05 < expected < 0.95:  # away from the tails, where no method helps much
            assert other.loc[target, "std_error"] < mc.loc[target, "std_error"]
