"""Scenario files: the bundled library, round trips, ``extends`` and validation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tjsim
from paths import ROOT
from tjsim.api import bundled_scenarios, load_scenario, scenario_from_mapping
from tjsim.errors import ScenarioError
from tjsim.scenario import Scenario, SimulationSettings, to_yaml
from tjsim.yamlio import parse_yaml

SCENARIO_DIR = ROOT / "scenarios"
SCENARIOS = sorted(SCENARIO_DIR.glob("*.yaml"))
REQUIRED = {
    "baseline",
    "property_downturn",
    "export_tariffs",
    "consumption_push",
    "flood_repeat",
    "hightech_surge",
    "investment_push",
    "price_shock",
}
#: The baselines: each calibration's unchanged, for the other scenarios to move from.
BASELINES = {"baseline", "china_baseline"}
#: What each bundled scenario's story says about P(target met), against the baseline:
#: +1 raises it, -1 lowers it. Every bundled scenario but the baselines must be listed.
DIRECTIONS = {
    "property_downturn": {"fixed_asset_investment": -1, "gdp_growth": -1},
    "export_tariffs": {"container_throughput": -1, "gdp_growth": -1},
    "consumption_push": {"retail_sales": +1, "gdp_growth": +1},
    "flood_repeat": {"gdp_growth": -1},
    "hightech_surge": {"district_binhai": +1, "gdp_growth": +1},
    "investment_push": {"fixed_asset_investment": +1, "gdp_growth": +1},
    "price_shock": {"cpi": -1},
    "double_headwind": {"container_throughput": -1, "fixed_asset_investment": -1},
}
#: Common random numbers for the direction tests.
DRAWS, SEED = 40_000, 11


def _without_path(scenario: Scenario) -> Scenario:
    return dataclasses.replace(scenario, path=None)


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------- the library
def test_library_has_the_required_scenarios():
    assert {p.stem for p in SCENARIOS} >= REQUIRED
    assert {p.stem for p in SCENARIOS} - BASELINES == set(DIRECTIONS)


def test_some_scenario_extends_another_file():
    parents = {parse_yaml(p.read_text("utf-8"), str(p)).get("extends") for p in SCENARIOS}
    assert parents - {None, "baseline", "baseline.yaml"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenario_runs(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert "report" in scenario.description
    result = tjsim.simulate(path, draws=20_000, seed=1)
    probabilities = result.probabilities()["probability"]
    assert probabilities.between(0, 1).all()
    assert result.metadata["scenario"] == path.stem


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenario_round_trips(path, tmp_path):
    scenario = load_scenario(path)
    again = load_scenario(_write(tmp_path, "again.yaml", scenario.to_yaml()))
    assert _without_path(again) == _without_path(scenario)


def test_bundled_scenarios_run_with_the_same_seed_and_draws():
    settings = {load_scenario(p).simulation for p in SCENARIOS}
    assert settings == {SimulationSettings(draws=200_000, seed=2024, method="mc")}


@pytest.fixture(scope="module")
def baseline_probabilities():
    return tjsim.simulate(tjsim.baseline(), draws=DRAWS, seed=SEED).probabilities()["probability"]


@pytest.mark.parametrize("name", sorted(DIRECTIONS))
def test_scenario_moves_the_odds_as_its_story_says(name, baseline_probabilities):
    result = tjsim.simulate(SCENARIO_DIR / f"{name}.yaml", draws=DRAWS, seed=SEED)
    change = result.probabilities()["probability"] - baseline_probabilities
    for target, sign in DIRECTIONS[name].items():
        # common random numbers: a change of half a point is far beyond the noise
        assert sign * change[target] > 0.005, (target, change[target])


# ---------------------------------------------------------------------- round trips
def test_python_scenario_round_trips():
    scenario = (
        tjsim.baseline()
        .renamed("everything", "Line one.\nLine two, 中文.")
        .with_shift("investment", -2.5)
        .with_scale("exports", 1.3)
        .with_distribution("cpi", "two_piece", skew=0.4)
        .with_distribution("hightech", "t", df=4.0)
        .with_correlation("retail_sales", "property_investment", 0.45)
        .with_event("property_slump", probability=0.7)
        .with_event("strike", probability=0.05, impact={"industry_va": -1.0}, label="A strike")
        .with_event("regime_break", probability=0.1, size_spread=2.5)
        .with_event("tariffs_new_three", probability=0.6, impact={"exports": -3.0}, size_spread=1.0)
        .with_parameter("flood_probability", 0.1)
        .with_target("gdp_growth", threshold=5.0)
        .with_target("deflation_ends", indicator="gdp_deflator", op=">", threshold=0.0)
        .with_target("jobs_vs_gdp", indicator="urban_jobs", op=">=", compare_to="gdp_growth")
        .without_target("district_heping")
        .with_reading({"disposable_income": "headline"})
        .with_simulation(draws=1234, seed=5, method="antithetic")
    )
    text = to_yaml(scenario)
    assert "!!" not in text
    assert scenario_from_mapping(parse_yaml(text, "text")) == scenario


@settings(max_examples=40, deadline=None)
@given(
    shift=st.floats(-50, 50, allow_nan=False),
    scale=st.floats(0.01, 10),
    probability=st.floats(0, 1),
    threshold=st.floats(-100, 100, allow_nan=False),
)
def test_numbers_round_trip_exactly(calibration, shift, scale, probability, threshold):
    scenario = (
        Scenario(name="numbers")
        .with_shift("retail_sales", shift)
        .with_scale("retail_sales", scale)
        .with_event("flood_repeat", probability=probability)
        .with_target("retail_sales", threshold=threshold)
    )
    text = scenario.to_yaml()
    assert scenario_from_mapping(parse_yaml(text, "text"), calibration=calibration) == scenario


def test_loaded_scenario_remembers_its_file(tmp_path):
    path = _write(tmp_path, "s.yaml", "name: s\n")
    assert load_scenario(path).path == str(path)
    assert load_scenario(str(path)).is_baseline


# ---------------------------------------------------------------------- extends
def test_extends_merges_and_the_child_wins(tmp_path):
    _write(
        tmp_path,
        "parent.yaml",
        "name: parent\ndescription: the parent\n"
        "drivers:\n  investment: {shift: -2}\n  exports: {shift: -1}\n"
        "parameters: {flood_probability: 0.1}\n"
        "targets: {district_heping: null}\n"
        "simulation: {draws: 5000, seed: 3}\n",
    )
    child = _write(
        tmp_path,
        "child.yaml",
        "name: child\nextends: parent.yaml\n"
        "drivers:\n  investment: {shift: 1}\n"
        "events:\n  - {name: flood_repeat, probability: 1.0}\n"
        "simulation: {seed: 4}\n",
    )
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert scenario.path == str(child)
    assert scenario.drivers["investment"].shift == 1.0
    assert scenario.drivers["exports"].shift == -1.0
    assert scenario.parameters == {"flood_probability": 0.1}
    assert scenario.targets == {"district_heping": None}
    assert scenario.events["flood_repeat"].probability == 1.0
    assert (scenario.simulation.draws, scenario.simulation.seed) == (5000, 4)


def test_extends_baseline_keyword(tmp_path):
    path = _write(tmp_path, "s.yaml", "name: s\nextends: baseline\n")
    assert load_scenario(path).is_baseline


def test_extends_takes_a_bundled_scenarios_name(tmp_path):
    path = _write(tmp_path, "s.yaml", "name: s\nextends: property_downturn\n")
    scenario = load_scenario(path)
    bundled = load_scenario(bundled_scenarios()["property_downturn"])
    assert scenario.name == "s" and scenario.drivers == bundled.drivers
    assert scenario.drivers  # the downturn's shifts, not the baseline


def test_a_misspelt_bundled_name_in_extends_gets_a_suggestion(tmp_path):
    path = _write(tmp_path, "s.yaml", "name: s\nextends: property_dowturn\n")
    with pytest.raises(ScenarioError, match=r"did you mean 'property_downturn'\?") as caught:
        load_scenario(path)
    assert caught.value.key == "extends" and caught.value.file == str(path)


def test_extends_still_takes_a_file_next_to_the_scenario(tmp_path):
    _write(tmp_path, "property_downturn.yaml", "name: local\ndrivers: {exports: {shift: 1}}\n")
    path = _write(tmp_path, "s.yaml", "name: s\nextends: property_downturn.yaml\n")
    assert set(load_scenario(path).drivers) == {"exports"}


@pytest.mark.parametrize(
    ("written", "draws"),
    [("1e5", 100_000), ("1.5e5", 150_000), ("2.0e+4", 20_000), ("1_000", 1_000)],
)
def test_draws_as_economists_write_them(tmp_path, written, draws):
    path = _write(tmp_path, "s.yaml", f"name: s\nsimulation: {{draws: {written}}}\n")
    assert load_scenario(path).simulation.draws == draws


@pytest.mark.parametrize("written", ["1.5", "1.5e0", "-1e3", "1e400", "0e0"])
def test_draws_that_are_not_a_whole_number_of_at_least_one_are_refused(tmp_path, written):
    path = _write(tmp_path, "s.yaml", f"name: s\nsimulation: {{draws: {written}}}\n")
    with pytest.raises(ScenarioError, match=r"simulation\.draws: expected a whole number"):
        load_scenario(path)


def test_extends_chain_of_three(tmp_path):
    _write(tmp_path, "a.yaml", "name: a\ndrivers: {cpi: {shift: 1}}\n")
    _write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\ndrivers: {exports: {shift: 1}}\n")
    c = _write(tmp_path, "c.yaml", "name: c\nextends: b.yaml\n")
    assert set(load_scenario(c).drivers) == {"cpi", "exports"}


def test_extends_a_file_in_another_folder(tmp_path):
    (tmp_path / "lib").mkdir()
    _write(tmp_path / "lib", "parent.yaml", "name: p\ndrivers: {cpi: {shift: 1}}\n")
    child = _write(tmp_path, "child.yaml", "name: c\nextends: lib/parent.yaml\n")
    assert load_scenario(child).drivers["cpi"].shift == 1.0


@pytest.mark.parametrize(
    "files",
    [
        {"a.yaml": "name: a\nextends: a.yaml\n"},
        {"a.yaml": "name: a\nextends: b.yaml\n", "b.yaml": "name: b\nextends: a.yaml\n"},
        {
            "a.yaml": "name: a\nextends: b.yaml\n",
            "b.yaml": "name: b\nextends: c.yaml\n",
            "c.yaml": "name: c\nextends: a.yaml\n",
        },
    ],
    ids=["self", "two", "three"],
)
def test_circular_extends_is_refused(tmp_path, files):
    for name, text in files.items():
        _write(tmp_path, name, text)
    with pytest.raises(ScenarioError, match="circular extends") as info:
        load_scenario(tmp_path / "a.yaml")
    assert info.value.key == "extends"
    assert info.value.file is not None


def test_missing_extends_names_the_child_and_suggests(tmp_path):
    _write(tmp_path, "parent.yaml", "name: p\n")
    child = _write(tmp_path, "child.yaml", "name: c\nextends: parnt.yaml\n")
    with pytest.raises(ScenarioError, match=r"did you mean 'parent\.yaml'") as info:
        load_scenario(child)
    assert (info.value.file, info.value.key) == (str(child), "extends")


def test_an_error_in_the_parent_names_the_parent(tmp_path):
    parent = _write(tmp_path, "parent.yaml", "name: p\ndrivers: {investmnt: {shift: 1}}\n")
    child = _write(tmp_path, "child.yaml", "name: c\nextends: parent.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert (info.value.file, info.value.key) == (str(parent), "drivers.investmnt")


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("name: x\ndriver: {}\n", "driver", "did you mean 'drivers'"),
        ("name: x\ndrivers: {investmnt: {shift: 1}}\n", "drivers.investmnt", "did you mean"),
        ("name: x\ndrivers: {investment: {shfit: 1}}\n", "drivers.investment.shfit", "'shift'"),
        ("name: x\ndrivers: {investment: {scale: -1}}\n", "drivers.investment.scale", "> 0"),
        ("name: x\ndrivers: {investment: {shift: true}}\n", "drivers.investment.shift", "boolean"),
        (
            "name: x\ndrivers: {cpi: {distribution: lognormal}}\n",
            "drivers.cpi.distribution",
            "two_piece",
        ),
        ("name: x\ndrivers: {cpi: {df: 2}}\n", "drivers.cpi.df", "> 2"),
        (
            "name: x\nevents: [{name: flood_repeat, probability: -0.1}]\n",
            "events.flood_repeat.probability",
            "[0, 1]",
        ),
        ("name: x\nevents: [{probability: 0.1}]\n", "events[0]", "'name'"),
        ("name: x\nevents: [{name: flood_repeat}]\n", "events.flood_repeat", "'probability'"),
        (
            "name: x\nevents:\n  - {name: e, probability: 0.1, impact: {exports: -1}}\n  - {name: e, probability: 0.2, impact: {exports: -1}}\n",
            "events.e",
            "twice",
        ),
        (
            "name: x\nparameters: {flood_probabilty: 0.1}\n",
            "parameters.flood_probabilty",
            "did you mean 'flood_probability'",
        ),
        (
            "name: x\ntargets: {gdp_growth: {threshold: 5, compare_to: cpi}}\n",
            "targets.gdp_growth",
            "at most one",
        ),
        ("name: x\ntargets: {jobs: {op: '>='}}\n", "targets.jobs", "indicator"),
        (
            "name: x\ncorrelations: [[investment, investment, 0.2]]\n",
            "correlations[0]",
            "two different",
        ),
        (
            "name: x\ncorrelations: [[investment, exports]]\n",
            "correlations[0]",
            "[name, name, value]",
        ),
        ("name: x\nsimulation: {draws: 100.5}\n", "simulation.draws", "whole number"),
        ("name: x\nsimulation: {seed: 1.5}\n", "simulation.seed", "whole number"),
        ("name: x\nsimulation: {method: qmc}\n", "simulation.method", "sobol"),
        ("name: ''\n", "name", "non-empty"),
        ("description: no name\n", "name", "missing"),
    ],
)
def test_errors_name_the_file_and_key(tmp_path, text, key, words):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert (info.value.file, info.value.key) == (str(path), key)
    assert words in info.value.message


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    path = _write(
        tmp_path,
        "evil.yaml",
        f'name: !!python/object/apply:builtins.open ["{marker}", "w"]\n',
    )
    with pytest.raises(ScenarioError, match="python/object/apply"):
        load_scenario(path)
    assert not marker.exists()


def test_scenario_from_mapping_checks_ids():
    with pytest.raises(ScenarioError, match="did you mean 'gdp_growth'") as info:
        scenario_from_mapping({"name": "x", "targets": {"gdp_grwth": None}}, source="inline")
    assert (info.value.file, info.value.key) == ("inline", "targets.gdp_grwth")


def test_a_scenario_file_sets_an_events_size_spread(tmp_path):
    """events: size_spread makes an event's size random (or, 0, fixed); a size spread
    needs a single impact."""
    path = _write(
        tmp_path,
        "sized.yaml",
        "name: sized\n"
        "events:\n"
        "  - {name: regime_break, probability: 1.0, size_spread: 0}\n"
        "  - {name: strike, probability: 0.5, impact: {industry_va: -2.0}, size_spread: 1.0}\n",
    )
    scenario = load_scenario(path)
    assert scenario.events["regime_break"].size_spread == 0.0
    assert scenario.events["strike"].size_spread == 1.0
    calibration = tjsim.load_calibration()
    model = tjsim.compile_model(calibration, scenario)
    sizes = dict(zip(model.basis[model.n_shocks :], model.event_marginals, strict=True))
    assert sizes["regime_break"] is None  # a fixed size
    assert sizes["strike"].family == "break" and sizes["strike"].spread == pytest.approx(0.5)
    assert sizes["strike"].probability == 0.5
    result = tjsim.simulate(scenario, draws=20_000, seed=1, keep_draws=True)
    gdp = result.kept_draws["gdp_growth"]
    p = calibration.parameters()
    central = result.to_frame().loc["gdp_growth", "baseline"]
    # Always broken with the fitted mean size: GDP's mean moves by the impact.
    assert gdp.mean() == pytest.approx(result.to_frame().loc["gdp_growth", "expected"], abs=0.03)
    assert result.to_frame().loc["gdp_growth", "expected"] < central + p["gdp_break_impact"] + 0.1
    bad = _write(
        tmp_path,
        "bad.yaml",
        "name: bad\nevents:\n  - {name: flood_repeat, probability: 0.5, size_spread: 1.0}\n",
    )
    with pytest.raises(tjsim.ScenarioError, match="exactly one impact"):
        tjsim.compile_model(calibration, load_scenario(bad))


@pytest.mark.parametrize(("given", "draws"), [(1e5, 100_000), (1.5e5, 150_000), (2_000, 2_000)])
def test_simulate_takes_a_float_number_of_draws_with_a_whole_value(given, draws):
    chosen = tjsim.engine.resolve_settings(tjsim.baseline(), draws=given, seed=1).draws
    assert chosen == draws and type(chosen) is int


def test_simulate_refuses_a_fractional_number_of_draws():
    with pytest.raises(ScenarioError, match=r"draws must be a whole number, found 1\.5"):
        tjsim.simulate(draws=1.5)
    result = tjsim.simulate(draws=2e4, seed=1)
    assert result.n_draws == 20_000


def test_with_simulation_takes_a_float_number_of_draws_with_a_whole_value():
    assert tjsim.baseline().with_simulation(draws=1e5).simulation.draws == 100_000
    assert SimulationSettings(draws=2.5e4).draws == 25_000
    with pytest.raises(ScenarioError, match=r"draws must be an integer >= 1, found 1\.5"):
        tjsim.baseline().with_simulation(draws=1.5)
