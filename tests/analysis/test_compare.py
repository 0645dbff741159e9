"""tjsim.compare: scenarios on common random numbers, paired errors, honest marks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import tjsim
from tjsim.analysis import kept_met_flags
from tjsim.model import build_model
from tjsim.result import paired_standard_error
from toy import Toy

TOY = Toy()
TOY_CAL = TOY.calibration()
DRAWS = 100_000


@pytest.fixture(scope="module")
def shifted():
    """The toy baseline against ``a`` shifted by a quarter of its spread."""
    base = tjsim.baseline(TOY_CAL)
    return tjsim.compare(base, base.with_shift("a", 0.25), draws=DRAWS, seed=3, calibration=TOY_CAL)


def test_each_run_is_the_simulation_with_the_same_seed(shifted):
    base = tjsim.baseline(TOY_CAL)
    frame = shifted.to_frame()
    for scenario in (base, base.with_shift("a", 0.25)):
        alone = tjsim.simulate(scenario, draws=DRAWS, seed=3, calibration=TOY_CAL)
        ours = frame.xs(scenario.name, level="scenario")["probability"]
        np.testing.assert_array_equal(ours.drop("joint"), alone.probabilities()["probability"])
        assert ours["joint"] == alone.joint()["probability"]


def test_the_change_and_its_paired_error_have_their_closed_forms(shifted):
    row = shifted.to_frame().loc[("a_positive", "baseline + a +0.25")]
    exact = norm.cdf((TOY.mu_a + 0.25 - TOY.threshold_a) / TOY.sd_a) - norm.cdf(
        (TOY.mu_a - TOY.threshold_a) / TOY.sd_a
    )
    assert abs(row["change"] - exact) < 4 * row["change_se"]
    # A shift up only turns misses into hits: a draw's flags differ with probability
    # q = the change, so the paired error is sqrt(q (1 - q) / n).
    assert row["change_se"] == pytest.approx(math.sqrt(exact * (1 - exact) / DRAWS), rel=0.05)
    independent = math.hypot(*shifted.to_frame().xs("a_positive")["std_error"])
    assert row["change_se"] < independent / 2
    assert row["significant"] and row["error"] == "paired"


def test_the_paired_error_is_that_of_the_per_draw_differences():
    base = tjsim.baseline(TOY_CAL)
    other = base.with_shift("b", -0.5)
    runs = [
        tjsim.simulate(s, draws=20_000, seed=8, calibration=TOY_CAL, keep_draws=True)
        for s in (base, other)
    ]
    difference = kept_met_flags(runs[1]).astype(np.int8) - kept_met_flags(runs[0]).astype(np.int8)
    expected = paired_standard_error(difference, "mc")
    frame = tjsim.compare(base, other, draws=20_000, seed=8, calibration=TOY_CAL).to_frame()
    found = frame.xs(other.name, level="scenario")["change_se"]
    np.testing.assert_allclose(found.to_numpy(), expected)


def test_a_change_that_rounds_to_zero_gets_no_star():
    base = tjsim.baseline(TOY_CAL)
    # A shift that flips about 30 of 100,000 draws of a_positive: 5 paired standard
    # errors, yet 0.03 points, which shows as 0.0.
    u = (TOY.mu_a - TOY.threshold_a) / TOY.sd_a
    tiny = 30 * TOY.sd_a / (norm.pdf(u) * DRAWS)
    result = tjsim.compare(
        base, base.with_shift("a", tiny), draws=DRAWS, seed=1, calibration=TOY_CAL
    )
    row = result.to_frame().loc[("a_positive", result.names[1])]
    assert 0 < row["change"] < 0.0005
    assert abs(row["change"]) > 1.96 * row["change_se"]  # statistically clear...
    assert not row["significant"]  # ...but not shown as a change
    line = next(x for x in str(result).splitlines() if x.startswith("a_positive"))
    assert line.rstrip().endswith("+0.0")


def test_the_headline_joint_is_compared_too(calibration):
    slump = tjsim.baseline().with_shift("investment", -5)
    comparison = tjsim.compare(
        tjsim.baseline(), slump, draws=20_000, seed=4, calibration=calibration
    )
    frame = comparison.to_frame()
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    assert targets[-2:] == ["headline_joint", "joint"]
    for result in comparison.results:
        row = frame.loc[("headline_joint", result.scenario.name)]
        assert row["probability"] == result.headline().loc["joint", "probability"]
    row = frame.loc[("headline_joint", slump.name)]
    assert row["like_for_like"] and row["error"] == "paired"
    assert row["change"] < 0 and row["change_se"] > 0
    assert "all headline goals (joint)" in str(comparison)
    # dropping a headline goal makes the headline joint another question
    fewer = tjsim.baseline().without_target("cpi")
    other = tjsim.compare(tjsim.baseline(), fewer, draws=5_000, seed=4, calibration=calibration)
    assert not other.to_frame().loc[("headline_joint", fewer.name), "like_for_like"]


def test_a_joint_probability_over_other_targets_is_not_like_for_like():
    base = tjsim.baseline(TOY_CAL)
    fewer = base.without_target("y_above_a").with_shift("a", 1.0)
    result = tjsim.compare(base, fewer, draws=20_000, seed=2, calibration=TOY_CAL)
    frame = result.to_frame()
    joint = frame.loc[("joint", fewer.name)]
    assert not joint["like_for_like"] and not joint["significant"]
    assert abs(joint["change"]) > 1.96 * joint["change_se"]  # would have been starred
    assert frame.drop(index="joint", level="target")["like_for_like"].all()
    text = str(result)
    assert "not like for like" in text
    line = next(x for x in text.splitlines() if x.startswith("all targets (joint)"))
    assert line.rstrip().endswith("!")
    same = tjsim.compare(base, base.with_shift("a", 1.0), draws=20_000, seed=2, calibration=TOY_CAL)
    assert same.to_frame()["like_for_like"].all()
    assert "not like for like" not in str(same)


def test_display_figures_and_names():
    base = tjsim.baseline(TOY_CAL)
    result = tjsim.compare(base, base, draws=5_000, seed=1, calibration=TOY_CAL)
    assert result.names == ["baseline (1)", "baseline (2)"]
    assert (result.to_frame().xs("baseline (2)", level="scenario")["change"] == 0).all()
    assert "<table>" in result._repr_html_() and "baseline (2)" in result._repr_html_()
    assert "ComparisonResult" in repr(result)
    assert result.plot().get_title() == "baseline (1) vs baseline (2)"
    assert result.plot_changes().get_xlabel().startswith("change in the probability")
    assert list(result.changes().columns) == ["baseline (2)"]


def test_settings_come_from_the_arguments_then_the_first_scenario():
    base = tjsim.baseline(TOY_CAL).with_simulation(draws=3_000, seed=11, method="antithetic")
    result = tjsim.compare(base, base.with_shift("a", 1), calibration=TOY_CAL)
    assert {k: result.metadata[k] for k in ("draws", "seed", "method")} == {
        "draws": 3_000,
        "seed": 11,
        "method": "antithetic",
    }
    fresh = tjsim.compare(None, "baseline", draws=1_000)  # names and None resolve too
    seeds = {run["seed"] for run in fresh.metadata["runs"]}
    assert len(seeds) == 1  # fresh entropy, drawn once and shared


def test_compare_needs_two_scenarios():
    with pytest.raises(tjsim.ScenarioError, match="at least two"):
        tjsim.compare(tjsim.baseline(), draws=1_000)


def test_the_command_line_prints_the_python_comparison(capsys):
    from tjsim.cli import main

    files = ["baseline", "price_shock"]
    assert main(["compare", *files, "--draws", "20000", "--seed", "5", "--quiet"]) == 0
    assert main(["compare", *files, "--draws", "20000", "--seed", "5"]) == 0
    printed = capsys.readouterr().out
    expected = str(tjsim.compare(*files, draws=20_000, seed=5))
    assert expected in printed


def test_a_tiny_negative_change_shows_as_plus_zero():
    from tjsim.report.comparison import cell as _cell

    rows = pd.DataFrame(
        {
            "probability": [0.5, 0.4999],
            "change": [np.nan, -0.0001],
            "significant": [False] * 2,
            "like_for_like": [True] * 2,
        },
        index=[0, 1],
    )
    assert _cell(rows, 1).endswith("+0.0 ")


def test_draws_are_kept_only_when_the_conditioned_model_fits(monkeypatch):
    # Year-to-date figures add indicators to the compiled model: the limit must be
    # judged on those, not on the calibration's variables, or the engine refuses a
    # keep_draws=True the user never asked for.
    observed = {"gdp_growth": {"Q1": 5.0}}
    calibration = tjsim.load_calibration()
    model = build_model(calibration, tjsim.baseline().with_observed(observed))
    draws = 2_000
    fits_calibration = draws * len(calibration.variables) * 8
    assert fits_calibration < draws * len(model.indicators) * 8
    monkeypatch.setattr("tjsim.engine.run.KEEP_DRAWS_LIMIT_BYTES", fits_calibration)
    frame = tjsim.compare(None, "price_shock", draws=draws, seed=1, observed=observed).to_frame()
    assert set(frame["error"]) == {"", "independent"}  # baseline rows have no change
