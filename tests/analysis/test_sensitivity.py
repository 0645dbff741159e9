"""What moves the odds: sensitivities, required shifts and Monte Carlo filtering.

The toy linear-Gaussian economy gives closed forms: for the target ``y >= t`` and a
shift ``s`` of the mean of ``a``, ``P(s) = Phi((mu_y + beta_a s - t) / sd_y)``.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal, norm

import tjsim
from optional import requires_numba
from tjsim.analysis import DEFAULT_STEP, RequiredShift, format_sensitivities, sensitivity_matrix
from toy import Toy

TOY = Toy()
TOY_CAL = TOY.calibration()


def _p_y_high(toy: Toy, *, shift_a: float = 0.0, shift_y: float = 0.0) -> float:
    """Closed-form P(y >= threshold_y) with the means of ``a`` and ``y`` shifted."""
    mean = toy.mu_y + toy.beta_a * shift_a + shift_y
    return float(norm.sf(toy.threshold_y, mean, toy.sd_y))


def _p_a_positive(toy: Toy, shift_a: float = 0.0) -> float:
    return float(norm.sf(toy.threshold_a, toy.mu_a + shift_a, toy.sd_a))


def _p_y_above_a(toy: Toy, shift_a: float = 0.0) -> float:
    mean = toy.mu_y - toy.mu_a + (toy.beta_a - 1) * shift_a
    var = (
        ((toy.beta_a - 1) * toy.sd_a) ** 2
        + (toy.beta_b * toy.sd_b) ** 2
        + 2 * toy.rho * (toy.beta_a - 1) * toy.beta_b * toy.sd_a * toy.sd_b
        + toy.sd_e**2
    )
    return float(norm.sf(0.0, mean, math.sqrt(var)))


def _p_joint(toy: Toy, shift_a: float = 0.0) -> float:
    """Closed-form P(y >= t_y and a > t_a) with the mean of ``a`` shifted."""
    cov_ya = toy.beta_a * toy.sd_a**2 + toy.beta_b * toy.rho * toy.sd_a * toy.sd_b
    cov = [[toy.sd_y**2, cov_ya], [cov_ya, toy.sd_a**2]]
    mean = [-(toy.mu_y + toy.beta_a * shift_a), -(toy.mu_a + shift_a)]
    return float(multivariate_normal(mean=mean, cov=cov).cdf([-toy.threshold_y, -toy.threshold_a]))


# ---------------------------------------------------------------------- sensitivities
toys = st.builds(
    Toy,
    mu_a=st.floats(-1.5, 1.5),
    sd_a=st.floats(0.3, 2.5),
    sd_b=st.floats(0.3, 2.5),
    rho=st.floats(-0.7, 0.7),
    beta_a=st.floats(-1.5, 1.5),
    beta_b=st.floats(-1.5, 1.5),
    sd_e=st.floats(0.2, 1.5),
    threshold_y=st.floats(2.5, 5.5),
    threshold_a=st.floats(-1.5, 1.5),
)


@settings(derandomize=True, max_examples=12, deadline=None)
@given(toy=toys, seed=st.integers(0, 2**32 - 1))
def test_sensitivities_match_the_normal_density(toy, seed):
    draws = 40_000
    table = tjsim.sensitivities(
        drivers=["a"], draws=draws, seed=seed, calibration=toy.calibration()
    ).xs("a", level="driver")
    h = DEFAULT_STEP * toy.sd_a
    u = (toy.mu_y - toy.threshold_y) / toy.sd_y
    closed = {
        "y_high": (_p_y_high, norm.pdf(u) * toy.beta_a / toy.sd_y),
        "a_positive": (
            _p_a_positive,
            norm.pdf((toy.mu_a - toy.threshold_a) / toy.sd_a) / toy.sd_a,
        ),
    }
    for target, (p, derivative) in closed.items():
        est, se = table.loc[target, ["sensitivity", "std_error"]]
        # The estimator's expectation is the exact central difference...
        central = (p(toy, shift_a=h) - p(toy, shift_a=-h)) / (2 * h)
        exact_se = math.sqrt(abs(central) * 2 * h / draws) / (2 * h)  # floor when no flips
        assert abs(est - central) <= 4 * max(se, exact_se) + 1e-12, target
        # ... whose relative bias is about delta**2 (u**2 - 1) / 6 for a margin moved by
        # delta <= 0.25 of its sd, u sds from the threshold: at most 2.5% for |u| <= 2.
        u_target = u if target == "y_high" else (toy.mu_a - toy.threshold_a) / toy.sd_a
        if abs(u_target) <= 2:
            bias = 0.025 * abs(derivative)
            assert abs(central - derivative) <= bias + 1e-9, target
            assert abs(est - derivative) <= 4 * max(se, exact_se) + bias + 1e-9, target


def test_sensitivities_of_every_kind_of_driver_and_the_joint_event():
    cal = TOY_CAL
    scenario = tjsim.baseline(TOY_CAL).without_target("y_above_a")
    table = tjsim.sensitivities(
        scenario, ["a", "y", "mu_y", "sd_e"], draws=100_000, seed=5, calibration=cal
    )
    assert list(table.index.get_level_values("target").unique()) == [
        "y_high",
        "a_positive",
        "joint",
    ]
    assert table.loc[("y_high", "mu_y"), "kind"] == "parameter"
    assert table.loc[("y_high", "a"), "kind"] == "variable"

    def check(target, driver, p, swing):
        h = DEFAULT_STEP * swing
        row = table.loc[(target, driver)]
        assert row["swing"] == pytest.approx(swing)
        central = (p(h) - p(-h)) / (2 * h)
        assert abs(row["sensitivity"] - central) <= 4 * row["std_error"]
        assert row["p_minus"] == pytest.approx(p(-swing), abs=0.01)
        assert row["p_plus"] == pytest.approx(p(swing), abs=0.01)

    check("joint", "a", lambda s: _p_joint(TOY, shift_a=s), TOY.sd_a)
    check("y_high", "y", lambda s: _p_y_high(TOY, shift_y=s), TOY.sd_e)
    # A parameter that only moves a constant: the mean of y (swing 10% of its value).
    check("y_high", "mu_y", lambda s: _p_y_high(TOY, shift_y=s), 0.1 * TOY.mu_y)

    # A parameter that reshapes the model: the residual's spread.
    def p_sd_e(s):
        return _p_y_high(replace(TOY, sd_e=TOY.sd_e + s))

    check("y_high", "sd_e", p_sd_e, 0.1 * TOY.sd_e)
    assert table.loc[("a_positive", "y"), "sensitivity"] == 0.0
    assert table.loc[("a_positive", "y"), "std_error"] == 0.0


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_sensitivity_errors_match_the_spread_across_seeds(method):
    runs = [
        tjsim.sensitivities(
            drivers=["a"], draws=8_192, seed=s, method=method, calibration=TOY_CAL
        ).xs("a", level="driver")
        for s in range(50)
    ]
    rows = ["y_high", "a_positive", "joint"]
    est = np.array([r.loc[rows, "sensitivity"].to_numpy() for r in runs])
    se = np.array([r.loc[rows, "std_error"].to_numpy() for r in runs])
    ratio = est.std(axis=0, ddof=1) / se.mean(axis=0)
    # 50 replications: the sample sd is within about +-30% of the truth (3 sd); the
    # Sobol error, from 16 scrambles, is itself noisier.
    low, high = (0.65, 1.4) if method != "sobol" else (0.55, 1.6)
    assert np.all((ratio > low) & (ratio < high)), ratio


def test_common_random_numbers_beat_independent_runs():
    h = DEFAULT_STEP * TOY.sd_a
    draws = 50_000
    crn = tjsim.sensitivities(drivers=["a"], draws=draws, seed=1, calibration=TOY_CAL)
    plus = tjsim.simulate(
        tjsim.baseline(TOY_CAL).with_shift("a", h), draws=draws, seed=1, calibration=TOY_CAL
    ).probabilities()
    minus = tjsim.simulate(
        tjsim.baseline(TOY_CAL).with_shift("a", -h), draws=draws, seed=2, calibration=TOY_CAL
    ).probabilities()
    independent = np.hypot(plus["std_error"], minus["std_error"]) / (2 * h)
    paired = crn.xs("a", level="driver")["std_error"].loc[independent.index]
    # The gain is largest when the driver is a small part of the target's spread (y)
    # and smallest for the driver's own target (a), whose margin moves by sd / 4.
    assert paired["y_high"] < 0.5 * independent["y_high"]
    assert paired["a_positive"] < 0.75 * independent["a_positive"]
    # A draw's indicators differ exactly when the shift flips it, with probability
    # q = P(+h) - P(-h): the paired error is sqrt(q (1 - q) / n) / 2h.
    for target, p in (("y_high", _p_y_high), ("a_positive", _p_a_positive)):
        q = p(TOY, shift_a=h) - p(TOY, shift_a=-h)
        exact = math.sqrt(q * (1 - q) / draws) / (2 * h)
        assert paired[target] == pytest.approx(exact, rel=0.05), target
    # With the same seed the two runs are the common draws: their difference is ours.
    same = tjsim.simulate(
        tjsim.baseline(TOY_CAL).with_shift("a", -h), draws=draws, seed=1, calibration=TOY_CAL
    ).probabilities()
    np.testing.assert_allclose(
        (plus["probability"] - same["probability"]) / (2 * h),
        crn.xs("a", level="driver")["sensitivity"].loc[plus.index],
        atol=1e-9,
    )


@pytest.fixture(scope="module")
def tianjin(calibration):
    result = tjsim.simulate(draws=30_000, seed=4, calibration=calibration)
    return result, tjsim.sensitivities(result, calibration=calibration)


def test_tianjin_signs_and_probabilities(tianjin):
    result, table = tianjin
    assert set(table.index.get_level_values("driver")) == {
        "property_investment",
        "nonproperty_investment",
        "retail_sales",
        "ppi",
        "exports",
        "cpi",
        "credit",
        "weather",
        "hightech",
        "momentum",
        "investment_statistical",
        "plan_management",
    }
    for target in ("fixed_asset_investment", "gdp_growth"):
        row = table.loc[(target, "nonproperty_investment")]
        assert row["sensitivity"] > 4 * row["std_error"], target
        assert row["p_plus"] > row["probability"] > row["p_minus"], target
    assert table.loc[("cpi", "cpi"), "sensitivity"] < 0
    assert table.loc[("retail_sales", "retail_sales"), "sensitivity"] > 0
    # Unemployment falls when growth is stronger: the "<=" target becomes likelier.
    assert table.loc[("unemployment_rate", "momentum"), "sensitivity"] > 0
    # The same draws as the run: the base probabilities are the run's, exactly.
    probs = table.xs("nonproperty_investment", level="driver")["probability"]
    pd.testing.assert_series_equal(
        probs.iloc[:-1], result.probabilities()["probability"], check_names=False
    )
    assert probs["joint"] == result.joint()["probability"]
    again = tjsim.sensitivities(draws=30_000, seed=4)
    pd.testing.assert_frame_equal(again, table)
    assert again.attrs["metadata"]["seed"] == 4


@pytest.mark.parametrize("method", ["antithetic", "sobol"])
def test_base_probabilities_are_the_runs_for_every_method(method, calibration):
    result = tjsim.simulate(draws=20_000, seed=8, method=method, calibration=calibration)
    table = tjsim.sensitivities(result, ["investment"], calibration=calibration)
    probs = table.xs("investment", level="driver")["probability"]
    np.testing.assert_array_equal(probs.iloc[:-1], result.probabilities()["probability"])


# ---------------------------------------------------------------------- required shift
@pytest.mark.parametrize("probability", [0.2, 0.5, 0.85])
def test_required_shift_matches_the_closed_form(probability):
    toy = TOY
    found = tjsim.required_shift(
        "y_high", "a", probability, draws=60_000, seed=21, calibration=TOY_CAL
    )
    # mu_y + beta_a * s - z_p * sd_y = t with P(y >= t) = p  =>  z_p = Phi^-1(p)
    expected = (toy.threshold_y + norm.ppf(probability) * toy.sd_y - toy.mu_y) / toy.beta_a
    assert found.low <= expected <= found.high
    assert found.low < found.shift < found.high
    assert found.high - found.low < 0.2
    assert found.value == pytest.approx(toy.mu_a + found.shift)
    assert found.achieved == pytest.approx(probability, abs=2 / found.draws)
    assert found.start_probability == pytest.approx(_p_y_high(toy), abs=0.01)
    assert found.kind == "variable"


@pytest.mark.parametrize("bounds", [(-1e7, 1e7), (-999_999_999, 999_999_999)])
def test_a_wide_search_range_finds_the_same_shift_and_interval(bounds):
    # A wide range once set Brent's tolerance from the whole bracket's slope: a root
    # reported miles from the answer, with a false interval. The bracket is narrowed
    # first, so the answer does not depend on how wide the search was.
    common = {"draws": 20_000, "seed": 21, "calibration": TOY_CAL}
    near = tjsim.required_shift("y_high", "a", 0.5, **common)
    wide = tjsim.required_shift("y_high", "a", 0.5, bounds=bounds, **common)
    expected = (TOY.threshold_y - TOY.mu_y) / TOY.beta_a
    width = wide.high - wide.low
    assert 0 < width < 0.2
    # The same answer as the near search, and the closed form within the 95% interval
    # widened by half its width (about four standard errors: one seed, not a coverage
    # rate, is checked here).
    assert (wide.low, wide.shift, wide.high) == pytest.approx(
        (near.low, near.shift, near.high), abs=0.02
    )
    assert wide.low - width / 2 <= expected <= wide.high + width / 2
    assert wide.achieved == pytest.approx(0.5, abs=2 / wide.draws)


def test_required_value_of_parameters():
    toy = TOY
    # A constant: the mean of y must reach t + z_p sd_y.
    found = tjsim.required_shift("y_high", "mu_y", 0.7, draws=60_000, seed=2, calibration=TOY_CAL)
    target_value = toy.threshold_y + norm.ppf(0.7) * toy.sd_y
    assert found.kind == "parameter"
    assert found.current == toy.mu_y
    assert found.low <= target_value - toy.mu_y <= found.high
    assert found.value == pytest.approx(found.current + found.shift)
    # A spread (the model is recompiled at every step): with mu_y < t, a wider residual
    # raises P(y >= t) towards one half.
    p = 0.4
    sd_y = (toy.mu_y - toy.threshold_y) / norm.ppf(p)
    sd_e = math.sqrt(sd_y**2 - toy.sd_y**2 + toy.sd_e**2)
    found = tjsim.required_shift(
        "y_high", "sd_e", p, draws=60_000, seed=3, bounds=(-0.3, 1.5), calibration=TOY_CAL
    )
    assert found.low <= sd_e - toy.sd_e <= found.high
    assert found.high - found.low < 0.3


def test_required_shift_for_all_targets_together():
    scenario = tjsim.baseline(TOY_CAL).without_target("y_above_a")
    found = tjsim.required_shift(
        "joint", "a", 0.6, scenario, draws=60_000, seed=9, calibration=TOY_CAL
    )
    assert found.target == "joint"
    se = math.sqrt(0.6 * 0.4 / found.draws)
    assert abs(_p_joint(TOY, found.shift) - 0.6) < 4 * se
    assert _p_joint(TOY, found.low) <= 0.6 + 1e-3
    assert _p_joint(TOY, found.high) >= 0.6 - 1e-3


def test_required_shift_may_be_negative_and_on_a_result(calibration):
    result = tjsim.simulate(draws=40_000, seed=6, calibration=calibration)
    now = result.probabilities().loc["fixed_asset_investment", "probability"]
    lower = tjsim.required_shift("fixed_asset_investment", "investment", now - 0.1, result)
    assert lower.shift < 0
    assert lower.start_probability == now
    higher = tjsim.required_shift("fixed_asset_investment", "investment", 0.9, result)
    assert higher.shift > 0
    # Monotone in the probability asked.
    assert lower.shift < 0 < higher.shift
    text = str(higher)
    for word in ("fixed_asset_investment", "investment", "90.0%", "95% interval", "40,000"):
        assert word in text
    assert higher.to_dict()["shift"] == higher.shift
    assert isinstance(higher, RequiredShift)
    assert list(higher.curve.columns) == ["probability", "std_error"]


def test_unreachable_probability_is_a_clear_error():
    with pytest.raises(tjsim.ScenarioError) as info:
        tjsim.required_shift("a_positive", "b", 0.9, draws=5_000, seed=1, calibration=TOY_CAL)
    message = str(info.value)
    for word in ("'b'", "a_positive", "90.0%", "-10", "+10", "bounds"):
        assert word in message, word
    with pytest.raises(tjsim.ScenarioError, match="highest"):
        tjsim.required_shift(
            "y_high", "a", 0.99, draws=5_000, seed=1, bounds=(-1, 1), calibration=TOY_CAL
        )


def test_bad_arguments_are_clear_errors(calibration):
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'gdp_growth'"):
        tjsim.required_shift("gdp_grwth", "investment", draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'investment'"):
        tjsim.required_shift("gdp_growth", "invstment", draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'investment'"):
        tjsim.sensitivities(drivers=["invstment"], draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="derived"):
        tjsim.sensitivities(drivers=["gdp_core_spread"], draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="strictly between 0 and 1"):
        tjsim.required_shift("gdp_growth", "investment", 1.2, draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="bounds"):
        tjsim.required_shift("gdp_growth", "investment", bounds=(3, 1), draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="step"):
        tjsim.sensitivities(drivers=["investment"], step=0, draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="swings"):
        tjsim.sensitivities(drivers=["investment"], swings={"exports": 1}, draws=1_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="method"):
        tjsim.sensitivities(drivers=["investment"], method="qmc", draws=1_000, seed=1)
    toy_result = tjsim.simulate(draws=1_000, seed=1, calibration=TOY_CAL)
    # A result carries its calibration; one that does not (made by hand, or before
    # results carried it) and is not on the packaged calibration needs calibration=.
    with pytest.raises(tjsim.ScenarioError, match="calibration="):
        tjsim.sensitivities(replace(toy_result, calibration=None))
    assert toy_result.calibration is TOY_CAL
    assert tjsim.sensitivities(toy_result, draws=1_000).equals(
        tjsim.sensitivities(toy_result, draws=1_000, calibration=TOY_CAL)
    )
    with pytest.raises(tjsim.ScenarioError, match="does not reproduce"):
        tjsim.sensitivities(toy_result, calibration=Toy(mu_y=3.0).calibration())


def test_parameter_swing_outside_its_valid_range_is_explained():
    # flood_probability +- 10%... is fine; a huge swing makes it a probability above one.
    with pytest.raises(tjsim.ScenarioError, match="smaller swing"):
        tjsim.sensitivities(
            drivers=["flood_probability"], swings={"flood_probability": 5.0}, draws=1_000, seed=1
        )


# ---------------------------------------------------------------------- why missed
def test_why_missed_matches_the_gaussian_closed_form():
    toy = TOY
    result = tjsim.simulate(draws=100_000, seed=13, calibration=TOY_CAL)
    table = result.why_missed("y_high")
    assert table.index.name == "shock"
    assert list(table.columns) == ["kind", "met", "missed", "gap", "std_error", "scale"]
    # E[a | y] is linear in y: the gap is cov(a, y) / sd_y times the gap of z = (y-mu)/sd.
    c = (toy.threshold_y - toy.mu_y) / toy.sd_y
    z_gap = -norm.pdf(c) / norm.cdf(c) - norm.pdf(c) / norm.sf(c)
    cov_ay = toy.beta_a * toy.sd_a**2 + toy.beta_b * toy.rho * toy.sd_a * toy.sd_b
    expected = cov_ay / toy.sd_y * z_gap / toy.sd_a
    assert abs(table.loc["a", "gap"] - expected) < 4 * table.loc["a", "std_error"]
    assert table.loc["a", "gap"] < 0  # y is missed when a is low
    assert table.index[0] in ("a", "b", "y")
    assert (table["gap"].abs().diff().dropna() <= 0).all()  # sorted by |gap|


def test_why_missed_on_tianjin(tianjin):
    result, _ = tianjin
    table = result.why_missed()
    assert table.index.names == ["target", "shock"]
    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    assert targets == [t.id for t in result.model.primary_targets] + ["joint"]
    fai = table.loc["fixed_asset_investment"]
    # Most of reported investment's swing is its statistical part; of the activity,
    # construction projects come with misses too.
    assert fai.index[0] == "investment_statistical"
    assert fai.loc["investment_statistical", "gap"] < -1
    assert fai.loc["nonproperty_investment", "gap"] < -0.3
    assert fai.loc["property_slump", "kind"] == "event"
    assert fai.loc["property_slump", "gap"] > 0  # a property slump comes with misses
    # Raw means are the result's shock means.
    means = result.shock_means().loc[("gdp_growth", "momentum")]
    assert table.loc[("gdp_growth", "momentum"), "met"] == means["met"]
    with pytest.raises(tjsim.ScenarioError, match="did you mean"):
        result.why_missed("gdp_grwth")


# ---------------------------------------------------------------------- display
def test_tables_text_and_figures(tianjin, calibration):
    result, table = tianjin
    wide = sensitivity_matrix(table)
    drivers = [v for v, s in calibration.variables.items() if s.layer == "driver"]
    assert wide.shape == (result.model.n_primary + 1, len(drivers))
    assert (
        wide.loc["gdp_growth", "nonproperty_investment"]
        == table.loc[("gdp_growth", "nonproperty_investment"), "sensitivity"]
    )
    text = format_sensitivities(table)
    assert "30,000 draws" in text and "investment" in text and "all targets (joint)" in text
    assert "per pp" in text
    ax = tjsim.plot_tornado(table, "gdp_growth")
    assert len(ax.patches) == 2 * len(drivers)  # two bars per driver
    assert "gdp_growth" in ax.get_title()
    ax = tjsim.plot_tornado(table, top=3)
    assert len(ax.patches) == 6
    ax = result.plot_why_missed("fixed_asset_investment", top=5)
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "investment_statistical"  # the largest gap on top
    with pytest.raises(tjsim.ScenarioError, match="did you mean"):
        tjsim.plot_tornado(table, "gdp_grwth")


def test_public_names():
    for name in ("sensitivities", "required_shift", "why_missed", "RequiredShift"):
        assert name in tjsim.__all__
        assert getattr(tjsim, name) is not None


def test_the_text_fits_a_width_and_says_what_it_leaves_out(tianjin):
    _, table = tianjin
    drivers = list(dict.fromkeys(table.index.get_level_values("driver")))
    text = format_sensitivities(table, width=80)
    rows = [line for line in text.splitlines() if line.startswith(("target", "gdp_growth"))]
    assert rows and max(map(len, rows)) <= 80
    for driver in drivers:  # every driver still shown, in some block
        assert driver in text
    assert max(map(len, format_sensitivities(table).splitlines())) > 80  # no width: one block
    # a driver whose effects all round to zero, and a target no driver moves
    quiet = table.copy()
    quiet.attrs = table.attrs
    quiet.loc[(slice(None), "weather"), "sensitivity"] = 0.0001
    quiet.loc[("cpi", slice(None)), "sensitivity"] = -0.0002
    text = format_sensitivities(quiet, width=80)
    assert "weather" not in text.split("Not shown")[0]
    assert "Not shown, every effect +0.0 at this precision: 1 driver (weather)" in text
    unmoved = next(line for line in text.splitlines() if "no driver moves them" in line)
    assert "(cpi" in unmoved  # with any other target whose effects all round to zero
    assert "\ncpi " not in text
    everything = format_sensitivities(quiet, drop_zero=False)
    assert "weather" in everything and "Not shown" not in everything


def test_the_sensitivity_command_fits_the_terminal(capsys, monkeypatch):
    from tjsim.cli import main

    monkeypatch.setenv("COLUMNS", "90")
    assert main(["sensitivity", "--draws", "20000"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("target", "gdp_growth"))]
    assert rows and max(map(len, rows)) <= 90


# ---------------------------------------------------------------------- one engine
def _on(kernel: str, workers: int, method: str) -> tuple[pd.DataFrame, list[RequiredShift]]:
    """Sensitivities (a mean shift, a constant, a loading and a spread: every kind of
    variant) and required shifts (a variable's and a parameter's) on one engine."""
    engine = {"kernel": kernel, "workers": workers, "calibration": TOY_CAL, "seed": 11}
    table = tjsim.sensitivities(
        drivers=["a", "mu_y", "beta_a", "sd_e"], draws=6_000, method=method, **engine
    )
    shifts = [
        tjsim.required_shift("y_high", "a", 0.7, draws=6_000, method=method, **engine),
        tjsim.required_shift(
            "y_high", "sd_e", 0.4, draws=4_000, method=method, bounds=(-0.3, 1.5), **engine
        ),
    ]
    return table, shifts


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
@requires_numba
def test_common_draws_give_the_same_numbers_on_every_kernel_and_worker_count(method):
    reference_table, reference_shifts = _on("numpy", 1, method)
    for kernel, workers in [("numba", 1), ("numpy", 2), ("numba", 2)]:
        table, shifts = _on(kernel, workers, method)
        pd.testing.assert_frame_equal(table, reference_table, check_exact=True)
        for found, expected in zip(shifts, reference_shifts, strict=True):
            assert found.to_dict() == expected.to_dict()
            pd.testing.assert_frame_equal(found.curve, expected.curve, check_exact=True)


def test_common_draws_name_their_kernel_and_refuse_bad_engines():
    with pytest.raises(tjsim.ScenarioError, match="unknown kernel"):
        tjsim.sensitivities(drivers=["a"], draws=1_000, seed=1, kernel="cuda", calibration=TOY_CAL)
    with pytest.raises(tjsim.ScenarioError, match="workers must be a whole number"):
        tjsim.required_shift("y_high", "a", draws=1_000, seed=1, workers=0, calibration=TOY_CAL)


def test_a_zero_seed_given_with_a_result_is_refused_like_any_seed():
    result = tjsim.simulate(draws=1_000, seed=0, calibration=TOY_CAL)
    for seed in (0, 7):
        with pytest.raises(tjsim.ScenarioError, match="seed comes from the result"):
            tjsim.sensitivities(result, ["a"], seed=seed)
        with pytest.raises(tjsim.ScenarioError, match="seed comes from the result"):
            tjsim.required_shift("y_high", "a", 0.7, result, seed=seed)
    # 0 is a seed: the result's draws are those of seed 0
    table = tjsim.sensitivities(result, ["a"])
    again = tjsim.sensitivities(drivers=["a"], draws=1_000, seed=0, calibration=TOY_CAL)
    pd.testing.assert_frame_equal(table, again, check_exact=True)
    assert table.attrs["metadata"]["seed"] == 0
