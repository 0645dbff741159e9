"""tjsim.analysis.choices_table: the calibration's contestable choices on common draws."""

from __future__ import annotations

import dataclasses
import math

import pytest

import tjsim
from tjsim.analysis import Choice, choices_table
from tjsim.analysis.choices import BASELINE, calibration_choices
from tjsim.analysis.reporting import distribution_parameters

DRAWS, SEED = 20_000, 5
PICKED = (
    "baseline, as calibrated",
    "spread 0.5",
    "spread 2.0",
    "spread 1.0",
    "break spread 3",
    "break probability 0.25",
    "no regime break at all",
)  # in the calibration's order


@pytest.fixture(scope="module")
def table(calibration):
    choices = [c for c in calibration_choices(calibration) if c.label in PICKED]
    choices.append(Choice("mean on target + bias", mean_from="target + bias"))
    return choices_table(calibration, choices, draws=DRAWS, seed=SEED)


def test_each_row_is_the_simulation_of_its_choice_on_the_same_draws(calibration, table):
    assert list(table.index) == [*PICKED, "mean on target + bias"]  # in the given order
    assert list(table.columns) == [
        "parameters",
        "events",
        "reading",
        "mean_from",
        "mean",
        *(p for p in distribution_parameters(calibration) if p != "gdp_break_impact"),
        "probability",
        "median",
        "joint",
        "error",
    ]
    # choices that change the fitted spread, the break's probability and its size spread
    reference = table.loc["baseline, as calibrated", "probability"]
    for label in (
        "baseline, as calibrated",
        "spread 1.0",
        "break probability 0.25",
        "break spread 3",
    ):
        row = table.loc[label]
        if label != "baseline, as calibrated":
            assert row["probability"] != pytest.approx(reference, abs=0.005), label  # it matters
        scenario = tjsim.baseline()
        for pid, value in row["parameters"].items():
            scenario = scenario.with_parameter(pid, value)
        run = tjsim.simulate(scenario, draws=DRAWS, seed=SEED, calibration=calibration)
        tolerance = 3 / DRAWS  # a draw or two on the knife edge of a margin
        gdp = run.probabilities().loc["gdp_growth", "probability"]
        assert row["probability"] == pytest.approx(gdp, abs=tolerance), label
        assert row["joint"] == pytest.approx(run.joint()["probability"], abs=tolerance), label
        assert row["median"] == pytest.approx(run.summary().loc["gdp_growth", "median"], abs=0.01)
        assert row["gdp_reporting_spread"] == run.model.parameters["gdp_reporting_spread"]
    # the choices move the numbers, not the sampling: the spread lowers P(met) here
    assert (
        table.loc["spread 1.0", "probability"]
        < table.loc["baseline, as calibrated", "probability"] - 0.01
    )


def test_a_choice_of_the_tail_event_shows_in_the_break_probability(table):
    row = table.loc["no regime break at all"]
    assert row["events"] == {"regime_break": 0.0} and row["gdp_break_probability"] == 0.0
    assert row["probability"] > table.loc["baseline, as calibrated", "probability"]


def test_a_mean_set_from_the_baseline_is_target_plus_bias(calibration, table):
    values = calibration.parameters()
    row = table.loc["mean on target + bias"]
    expected = values["target_gdp_growth_2024"] + values[calibration.record.bias]
    assert row["mean"] == pytest.approx(expected) and row["mean_from"] == "target + bias"
    assert row["gdp_reporting_mean"] == pytest.approx(expected)
    assert math.isnan(table.loc["spread 1.0", "mean"])


def test_an_unreachable_choice_is_reported_not_hidden(calibration, table):
    row = table.loc["spread 0.5"]
    assert math.isnan(row["probability"]) and math.isnan(row["joint"])
    # the calibration's own reason, naming the total: GDP's, whose spread 0.5 is too small
    assert "totals.gdp_growth" in row["error"] and "0.5 of the total" in row["error"]
    assert calibration.files["model"] not in row["error"]  # no machine path
    with pytest.raises(tjsim.ScenarioError, match="unreachable"):
        tjsim.compile_model(
            calibration, tjsim.baseline().with_parameter(*next(iter(row["parameters"].items())))
        )
    assert table.loc["spread 1.0", "error"] == ""
    # a wider GDP spread leaves another total unreachable: the reason names that one
    assert "totals.urban_jobs" in table.loc["spread 2.0", "error"]


def test_a_choice_names_a_known_way_to_set_the_mean():
    with pytest.raises(ValueError, match="mean_from"):
        Choice("mean from nowhere", mean_from="guess")


def test_the_choices_are_the_calibrations_data(calibration):
    choices = calibration_choices(calibration)
    assert choices[0] == BASELINE and choices[1:] == calibration.choices
    assert len({c.label for c in choices}) == len(choices) > 10
    for choice in calibration.choices:  # every id a choice names is the calibration's
        assert set(choice.parameters) <= calibration.parameter_ids, choice.label
        assert set(choice.events) <= set(calibration.events), choice.label
    # another calibration's choices are its own; a calibration that lists none gets the
    # baseline's row alone; no distribution columns without a fitted distribution
    china = tjsim.load_calibration("china")
    assert china.choices and not {c.label for c in china.choices} <= {
        c.label for c in calibration.choices
    }
    assert calibration_choices(dataclasses.replace(china, choices=())) == (BASELINE,)
    table = choices_table(china, [BASELINE, china.choices[-1]], draws=2_000, seed=SEED)
    assert list(table.index) == [BASELINE.label, china.choices[-1].label]
    assert not set(distribution_parameters(calibration)) & set(table.columns)
    assert distribution_parameters(china) == ()
