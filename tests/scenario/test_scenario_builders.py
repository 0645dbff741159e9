"""Scenarios built in Python: derived names, dropping added targets, names checked at
the call with "did you mean"."""

from __future__ import annotations

import pytest

import tjsim
from paths import ROOT
from tjsim.errors import ScenarioError
from tjsim.scenario import Scenario
from toy import Toy

SCENARIOS = ROOT / "scenarios"
TOY_CAL = Toy().calibration()


# ---------------------------------------------------------------------- names
def test_a_changed_baseline_says_what_changed():
    base = tjsim.baseline()
    changed = base.with_shift("investment", -2)
    assert changed.name == "baseline + investment -2"
    assert changed.description == "'baseline' with investment -2."
    assert "unchanged" not in changed.description
    both = changed.with_event("flood_repeat", 1.0)
    assert both.name == "baseline + investment -2 + flood_repeat p=1"
    assert base.name == "baseline"  # the original is untouched


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda s: s.with_scale("retail_sales", 1.5), "b + retail_sales spread x1.5"),
        (lambda s: s.with_distribution("credit", "t", df=4), "b + credit t shock"),
        (lambda s: s.with_parameter("okun_coefficient", 0.4), "b + okun_coefficient = 0.4"),
        (
            lambda s: s.with_correlation("retail_sales", "exports", 0.3),
            "b + corr(retail_sales, exports) = 0.3",
        ),
        (lambda s: s.without_target("gdp_growth"), "b + without gdp_growth"),
        (lambda s: s.with_target("gdp_growth", threshold=5), "b + target gdp_growth 5"),
        (lambda s: s.without_shocks(), "b + shocks off"),
    ],
)
def test_every_builder_derives_the_name(build, name):
    assert build(tjsim.baseline().renamed("b")).name == name


def test_renaming_wins_and_settings_keep_the_name():
    named = tjsim.baseline().with_shift("investment", -2).renamed("slump", "Investment falls.")
    assert (named.name, named.description) == ("slump", "Investment falls.")
    assert named.with_simulation(draws=1_000).name == "slump"
    # observations are data, not a change: conditioned results say so instead
    assert named.with_observed({"gdp_growth": {"Q1": 5.0}}).name == "slump"


def test_the_derived_name_reaches_the_result_and_its_labels():
    scenario = tjsim.baseline().with_shift("investment", -2)
    result = tjsim.simulate(scenario, draws=2_000, seed=1)
    assert result.metadata["scenario"] == "baseline + investment -2"
    assert "baseline + investment -2" in str(result)
    assert "baseline + investment -2" in repr(result)
    assert result.plot().get_title() == "baseline + investment -2"


def test_a_changed_file_scenario_no_longer_claims_the_file():
    loaded = tjsim.load_scenario(SCENARIOS / "consumption_push.yaml")
    assert loaded.path is not None
    changed = loaded.with_shift("exports", 1)
    assert changed.path is None
    assert changed.name == f"{loaded.name} + exports +1"


# ---------------------------------------------------------------------- dropping targets
def test_a_target_added_by_a_file_can_be_dropped():
    loaded = tjsim.load_scenario(SCENARIOS / "consumption_push.yaml")
    assert "retail_sales_2023_pace" in loaded.targets
    dropped = loaded.without_target("retail_sales_2023_pace")
    assert "retail_sales_2023_pace" not in dropped.targets
    run = tjsim.simulate(dropped, draws=1_000, seed=1)
    assert "retail_sales_2023_pace" not in run.probabilities().index


def test_a_target_added_in_python_can_be_dropped():
    base = tjsim.baseline()
    added = base.with_target("fast_retail", indicator="retail_sales", op=">=", threshold=7)
    dropped = added.without_target("fast_retail")
    assert "fast_retail" not in dropped.targets
    ids = tjsim.simulate(dropped, draws=1_000, seed=1).probabilities().index
    assert list(ids) == list(tjsim.targets().index)


def test_a_child_file_drops_a_target_its_parent_added(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(
        f"name: child\nextends: {SCENARIOS / 'consumption_push.yaml'}\n"
        "targets:\n  retail_sales_2023_pace: null\n",
        encoding="utf-8",
    )
    scenario = tjsim.load_scenario(child)
    assert "retail_sales_2023_pace" not in scenario.targets


def test_a_calibrated_target_dropped_stays_dropped_and_a_change_keeps_its_fields():
    base = tjsim.baseline()
    assert base.without_target("gdp_growth").targets == {"gdp_growth": None}
    added = base.with_target("fast_retail", indicator="retail_sales", op=">=", threshold=7)
    moved = added.with_target("fast_retail", threshold=8)
    change = moved.targets["fast_retail"]
    assert (change.indicator, change.op, change.threshold) == ("retail_sales", ">=", 8)


# ---------------------------------------------------------------------- names checked
@pytest.mark.parametrize(
    ("build", "key", "suggestion"),
    [
        (lambda s: s.with_event("property_slum", 1.0), "events.property_slum", "property_slump"),
        (lambda s: s.with_target("gdp_grwth", threshold=5), "targets.gdp_grwth", "gdp_growth"),
        (lambda s: s.without_target("gdp_grwth"), "targets.gdp_grwth", "gdp_growth"),
        (lambda s: s.with_shift("investmnet", -2), "drivers.investmnet", "investment"),
        (lambda s: s.with_scale("retail_sale", 2), "drivers.retail_sale", "retail_sales"),
        (
            lambda s: s.with_parameter("okun_coefficent", 0.3),
            "parameters.okun_coefficent",
            "okun_coefficient",
        ),
        (
            lambda s: s.with_correlation("exprts", "retail_sales", 0.3),
            "correlations.exprts.retail_sales",
            "exports",
        ),
        (
            lambda s: s.with_event("new_risk", 0.1, {"gdp_grwth": -1}),
            "events.new_risk.impact.gdp_grwth",
            "gdp_growth",
        ),
        (
            lambda s: s.with_target("fast", indicator="retail_sale", op=">=", threshold=7),
            "targets.fast.indicator",
            "retail_sales",
        ),
        (
            lambda s: s.with_observed({"gdp_growth": {"q1": 5.0}}),
            "observed.gdp_growth.q1",
            "Q1",
        ),
        (
            lambda s: s.with_observed({"gdp_grwth": {"Q1": 5.0}}),
            "observed.gdp_grwth",
            "gdp_growth",
        ),
    ],
)
def test_misspelt_names_fail_at_the_call_with_a_suggestion(build, key, suggestion):
    with pytest.raises(ScenarioError) as info:
        build(tjsim.baseline())
    assert info.value.key == key
    assert f"did you mean '{suggestion}'?" in str(info.value)
    assert info.value.file is None  # no file to blame


def test_a_new_event_or_target_still_says_what_it_needs():
    with pytest.raises(ScenarioError, match="a new event needs an impact"):
        tjsim.baseline().with_event("brand_new", 0.2)
    with pytest.raises(ScenarioError, match="a new target needs an indicator and an op"):
        tjsim.baseline().with_target("brand_new", threshold=2)


def test_the_unknown_period_lists_the_valid_ones():
    with pytest.raises(ScenarioError, match="expected one of Q1, H1, Q1-Q3, FY"):
        tjsim.baseline().with_observed({"gdp_growth": {"Q2": 5.0}})
    with pytest.raises(ScenarioError, match="expected one of Q1, H1, Q1-Q3, FY"):
        tjsim.simulate(draws=1_000, observed={"gdp_growth": {"q1": 5.0}})


def test_the_error_says_which_calibration_checked_the_name():
    with pytest.raises(ScenarioError, match=r"checked against the tianjin calibration.*"):
        tjsim.baseline().with_shift("a", 1)
    toy = tjsim.baseline(TOY_CAL).with_shift("a", 1)
    assert toy.name == "baseline + a +1"


def test_an_unbound_scenario_is_checked_when_compiled_with_the_same_message():
    lazy = Scenario().with_event("property_slum", 1.0)  # no calibration: no check yet
    with pytest.raises(ScenarioError, match="did you mean 'property_slump'"):
        tjsim.simulate(lazy, draws=1_000)
    with pytest.raises(ScenarioError, match="did you mean 'gdp_growth'"):
        tjsim.simulate(Scenario().with_target("gdp_grwth", threshold=5), draws=1_000)


def test_file_scenarios_get_the_same_suggestions(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nevents:\n  - {name: property_slum, probability: 1.0}\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as info:
        tjsim.load_scenario(path)
    assert info.value.file == str(path)
    assert "did you mean 'property_slump'?" in str(info.value)


def test_an_event_changed_twice_keeps_its_impacts():
    base = tjsim.baseline()
    twice = base.with_event("new_risk", 0.1, {"gdp_growth": -1}).with_event("new_risk", 0.4)
    assert dict(twice.events["new_risk"].impact) == {"gdp_growth": -1}
    assert twice.events["new_risk"].probability == 0.4
