"""Quarterly structure and conditioning on year-to-date figures."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import tjsim
from tjsim.calibration import PERIODS
from tjsim.model import build_model, compile_model, condition, quarterly_model
from tjsim.model.quarterly import ytd_indicator
from toy import Toy


def _variance(model, indicator: str) -> float:
    j = model.indicators.index(indicator)
    scale = np.array([mg.spread for mg in model.marginals])  # toy shocks are all normal
    row = model.loadings[j] * scale
    return float(row @ model.correlation @ row)


def test_years_are_the_weighted_mean_of_their_quarters():
    toy = Toy()
    cal = toy.calibration()
    model = quarterly_model(compile_model(cal), cal)
    assert {"y_ytd_q1", "y_ytd_h1", "y_ytd_q1_q3"} <= set(model.indicators)
    w = toy.quarter_weights
    j = [model.indicators.index(i) for i in ("y_ytd_q1", "y_ytd_h1", "y_ytd_q1_q3", "y")]
    # single quarters g_q from cumulative Y_k; their weighted mean is the year
    cum = model.loadings[j]
    weights = np.cumsum(w)
    singles = np.diff(np.vstack([np.zeros(cum.shape[1]), cum * weights[:, None]]), axis=0)
    np.testing.assert_allclose(singles.sum(axis=0), model.loadings[j[-1]], atol=1e-12)
    np.testing.assert_allclose(
        _variance(model, "y_ytd_q1") - _variance(model, "y"),
        toy.ytd_deviation_cov()[0, 0],
        rtol=1e-10,
    )


def test_conditioning_on_the_mean_keeps_the_mean_and_narrows_the_spread():
    toy = Toy()
    cal = toy.calibration()
    model = quarterly_model(compile_model(cal), cal)
    conditioned = condition(model, {"y": {"Q1": toy.mu_y}})
    y = model.indicators.index("y")
    assert conditioned.mean[y] == pytest.approx(toy.mu_y, abs=1e-12)
    var_y = toy.sd_y**2
    var_obs = var_y + toy.ytd_deviation_cov()[0, 0]
    expected = var_y - var_y**2 / var_obs
    assert _variance(conditioned, "y") == pytest.approx(expected, rel=1e-9)
    result = tjsim.simulate(
        draws=200_000, seed=4, calibration=cal, observed={"y": {"Q1": toy.mu_y}}
    )
    frame = result.to_frame()
    assert frame.loc["y", "mean"] == pytest.approx(toy.mu_y, abs=4 * np.sqrt(expected / 200_000))
    assert frame.loc["y", "std"] == pytest.approx(np.sqrt(expected), rel=0.01)
    assert frame.loc["y_ytd_q1", "std"] < 1e-9  # the observation holds in every draw


def test_conditional_probabilities_match_the_conditional_normal():
    toy = Toy()
    cal = toy.calibration()
    observed = {"y": {"Q1": 5.6, "H1": 5.1}}
    result = tjsim.simulate(draws=200_000, seed=5, calibration=cal, observed=observed)
    cov_dev = toy.ytd_deviation_cov()[:2, :2]
    var_y = toy.sd_y**2
    s = var_y + cov_dev  # covariance of (Y1, Y2)
    gain = np.linalg.solve(s, np.full(2, var_y))
    mean = toy.mu_y + gain @ (np.array([5.6, 5.1]) - toy.mu_y)
    sd = np.sqrt(var_y - gain @ np.full(2, var_y))
    p = float(norm.sf(toy.threshold_y, mean, sd))
    row = result.probabilities().loc["y_high"]
    assert abs(row["probability"] - p) <= 4 * row["std_error"]


def test_observing_the_whole_year_fixes_it_exactly():
    toy = Toy()
    cal = toy.calibration()
    observed = {"y": {"Q1": 5.0, "H1": 4.6, "Q1-Q3": 4.4, "FY": 4.3}}
    result = tjsim.simulate(
        draws=5_000, seed=6, calibration=cal, observed=observed, keep_draws=True
    )
    draws = result.kept_draws
    np.testing.assert_allclose(draws["y"], 4.3, atol=1e-9)
    np.testing.assert_allclose(draws["y_ytd_h1"], 4.6, atol=1e-9)
    assert result.probabilities().loc["y_high", "probability"] == 0.0


def test_q1_news_moves_the_gdp_target(calibration):
    base = tjsim.simulate(draws=50_000, seed=7, calibration=calibration)
    strong = tjsim.simulate(
        draws=50_000, seed=7, calibration=calibration, observed={"gdp_growth": {"Q1": 6.0}}
    )
    weak = tjsim.simulate(
        draws=50_000, seed=7, calibration=calibration, observed={"gdp_growth": {"Q1": 3.5}}
    )
    p = [r.probabilities().loc["gdp_growth", "probability"] for r in (weak, base, strong)]
    assert p[0] < p[1] < p[2]
    assert strong.to_frame().loc["gdp_growth_ytd_q1", "mean"] == pytest.approx(6.0)
    assert strong.metadata["observed"] == {"gdp_growth": {"Q1": 6.0}}


@pytest.mark.parametrize(
    ("observed", "match"),
    [
        ({"gdp_grwth": {"Q1": 5.0}}, "did you mean 'gdp_growth'"),
        ({"cpi": {"Q1": 1.0}}, "unknown variable with quarterly data"),
        ({"gdp_growth": {"Q2": 5.0}}, "unknown period 'Q2'"),
        ({"gdp_growth": {"Q1": "high"}}, "growth rate"),
        ({"gdp_growth": {}}, "mapping of periods"),
    ],
)
def test_bad_observations_are_clear_errors(calibration, observed, match):
    with pytest.raises(tjsim.ScenarioError, match=match):
        tjsim.simulate(draws=100, calibration=calibration, observed=observed)


def test_fan_chart(calibration):
    result = tjsim.simulate(
        draws=20_000, seed=1, calibration=calibration, observed={"gdp_growth": {"Q1": 5.0}}
    )
    ax = result.plot_fan("gdp_growth")
    assert ax.get_title()
    quarterly = tjsim.simulate(draws=20_000, seed=1, calibration=calibration, quarterly=True)
    quarterly.plot_fan("retail_sales")
    with pytest.raises(tjsim.ScenarioError, match="quarterly"):
        tjsim.simulate(draws=1_000, seed=1, calibration=calibration).plot_fan("gdp_growth")


@pytest.mark.slow
def test_observed_block_in_yaml_and_cli(tmp_path, capsys):
    from tjsim.cli import main

    path = tmp_path / "april.yaml"
    path.write_text(
        "name: april\nextends: baseline\nobserved:\n  gdp_growth: {Q1: 5.8}\n  retail_sales: {Q1: 4.0}\n",
        encoding="utf-8",
    )
    scenario = tjsim.load_scenario(path)
    assert scenario.observed == {"gdp_growth": {"Q1": 5.8}, "retail_sales": {"Q1": 4.0}}
    assert (
        tjsim.load_scenario(_write(tmp_path / "again.yaml", scenario.to_yaml())).observed
        == scenario.observed
    )
    bad = _write(tmp_path / "bad.yaml", "name: bad\nobserved:\n  gdp_growth: {Q5: 5.8}\n")
    with pytest.raises(
        tjsim.ScenarioError, match=r"bad.yaml: observed.gdp_growth.Q5: unknown period"
    ):
        tjsim.load_scenario(bad)
    observations = _write(tmp_path / "obs.yaml", "observed:\n  gdp_growth: {Q1: 3.0}\n")
    out = tmp_path / "out"
    status = main(
        [
            "run",
            str(path),
            "--observed",
            str(observations),
            "--draws",
            "20000",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert status == 0
    assert (out / "fan_gdp_growth.png").exists() and (out / "fan_retail_sales.png").exists()
    import json

    meta = json.loads((out / "result.json").read_text(encoding="utf-8"))["metadata"]
    assert meta["observed"] == {"gdp_growth": {"Q1": 3.0}, "retail_sales": {"Q1": 4.0}}
    bad_observations = _write(tmp_path / "bad_obs.yaml", "gdp_growth: {Q5: 3.0}\n")
    status = main(["run", "--observed", str(bad_observations), "--draws", "100"])
    err = capsys.readouterr().err
    assert status == 2 and "Traceback" not in err and "Q5" in err


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_sensitivities_of_a_conditioned_run(calibration):
    result = tjsim.simulate(
        draws=20_000, seed=3, calibration=calibration, observed={"gdp_growth": {"Q1": 5.0}}
    )
    table = tjsim.sensitivities(result, drivers=["investment"], calibration=calibration)
    base = table.xs("investment", level="driver")["probability"]
    probs = result.probabilities()["probability"]
    np.testing.assert_allclose(base.loc[probs.index], probs)
    assert table.loc[("gdp_growth", "investment"), "sensitivity"] > 0
    # The more quarters are known (hypothetical figures), the less a shift of investment
    # moves the year's expected growth: more of the year is known.
    from tjsim.model import build_model

    known = {"gdp_growth": {"Q1": 5.0, "H1": 4.6, "Q1-Q3": 4.5}}
    gdp = result.model.indicators.index("gdp_growth")

    def effect(observed):
        before = tjsim.baseline().with_observed(observed) if observed else tjsim.baseline()
        after = before.with_shift("investment", 1.0)
        models = [build_model(calibration, s, quarterly=True) for s in (before, after)]
        return models[1].mean[gdp] - models[0].mean[gdp]

    first_quarter = {"gdp_growth": {"Q1": 5.0}}
    assert 0 < effect(known) < effect(first_quarter) < effect(None)


@pytest.mark.parametrize("variable", ["gdp_growth", "retail_sales", "investment"])
@pytest.mark.parametrize("period", sorted(PERIODS, key=PERIODS.__getitem__))
def test_every_observable_figure_gives_a_finite_model_and_run(calibration, variable, period):
    # An observation that pins a combination down exactly (a full year, above all) once
    # left a slightly negative conditional variance: NaN histogram bounds, then a
    # compiled kernel writing outside its bins. Observe each figure at its expected
    # value and one point off: the model stays finite and the run completes.
    plain = build_model(calibration, tjsim.baseline(calibration))
    expected = float(plain.mean[plain.indicators.index(variable)])
    for value in (expected, expected + 1.0):
        observed = {variable: {period: round(value, 1)}}
        scenario = tjsim.baseline(calibration).with_observed(observed)
        model = build_model(calibration, scenario)
        assert np.all(np.diag(model.correlation) >= 0.0)
        assert np.all(np.isfinite(model.mean))
        assert all(np.all(np.isfinite(part)) for part in model.histogram_layout())
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = tjsim.simulate(scenario, draws=4_000, seed=3, calibration=calibration)
        assert np.all(np.isfinite(result.quantiles().to_numpy()))


@pytest.mark.parametrize(
    "observed",
    [
        {"gdp_growth": {"FY": 4.6}},
        {"retail_sales": {"FY": 6.5}},
        {"gdp_growth": {"Q1": 5.0, "FY": 4.6}},
        {"investment": {"FY": 1.0}, "gdp_growth": {"H1": 4.0}},
    ],
)
def test_an_observed_figure_holds_in_every_draw(calibration, observed):
    # A full year once held only for the normal part of the shocks: conditioned on
    # GDP FY = 4.6, the target of 4.5 was met in 59% of draws. Every observed figure,
    # partial or full, now holds exactly, whatever the shocks' shapes.
    result = tjsim.simulate(
        draws=5_000, seed=2, observed=observed, keep_draws=True, calibration=calibration
    )
    draws = result.kept_draws
    for variable, periods in observed.items():
        for period, value in periods.items():
            column = variable if period == "FY" else ytd_indicator(variable, PERIODS[period])
            np.testing.assert_allclose(draws[column], value, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    variable=st.sampled_from(["gdp_growth", "retail_sales", "investment"]),
    period=st.sampled_from(sorted(PERIODS, key=PERIODS.__getitem__)),
    offset=st.floats(-40.0, 40.0, allow_nan=False),
)
def test_any_observed_figure_is_refused_clearly_or_holds_in_every_draw(
    calibration, variable, period, offset
):
    # A full year observed far from its mean once drove a conditional variance negative,
    # then a compiled kernel wrote outside its bins (a malloc assertion). Whatever the
    # figure, the run either refuses it with a ScenarioError or conditions on it exactly,
    # with finite quantiles.
    plain = build_model(calibration, tjsim.baseline(calibration))
    value = round(float(plain.mean[plain.indicators.index(variable)]) + offset, 1)
    observed = {variable: {period: value}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            result = tjsim.simulate(
                draws=500, seed=1, observed=observed, keep_draws=True, calibration=calibration
            )
    except tjsim.ScenarioError as refused:  # refused by name, as implausible
        assert refused.key == f"observed.{variable}.{period}"
        assert "far outside what the model can produce" in refused.message
        return
    column = variable if period == "FY" else ytd_indicator(variable, PERIODS[period])
    np.testing.assert_allclose(result.kept_draws[column], value, atol=1e-9)
    assert np.all(np.isfinite(result.quantiles().to_numpy()))
