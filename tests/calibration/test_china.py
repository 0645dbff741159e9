"""The packaged China calibration: data only, run by the same engine as Tianjin's."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tjsim
from paths import ROOT
from tjsim.api import bundled_scenarios, packaged_calibrations, scenario_calibration
from tjsim.calibration import calibration_folder
from tjsim.cli.main import main

CHINA_SCENARIO = ROOT / "scenarios" / "china_baseline.yaml"
REGIONS = ("east", "centre", "west", "northeast")
HEADLINE = {
    "gdp_growth",
    "urban_jobs",
    "unemployment_rate",
    "cpi",
    "disposable_income",
    "grain_output",
    "energy_intensity",
}
#: Figures copied from the sources, each as published.
PUBLISHED = {
    "gdp_2023": 1260582,
    "gdp_growth_2023": 5.2,
    "share_primary_2023": 7.1,
    "share_secondary_2023": 38.3,
    "share_tertiary_2023": 54.6,
    "cpi_2023": 0.2,
    "unemployment_2023": 5.2,
    "urban_jobs_2023": 1244,
    "grain_2023": 69541,
    "target_gdp_growth_2024": 5.0,
    "target_urban_jobs_2024": 1200,
    "target_grain_2024": 65000,
    "target_energy_intensity_2024": -2.5,
    "deficit_2024": 40600,
    "ultra_long_bonds_2024": 10000,
}
DRAWS, SEED = 40_000, 7


@pytest.fixture(scope="module")
def cal():
    return tjsim.load_calibration("china")


@pytest.fixture(scope="module")
def params(cal):
    return cal.parameters()


@pytest.fixture(scope="module")
def run():
    return tjsim.simulate("china_baseline", draws=DRAWS, seed=SEED, keep_draws=True)


# ---------------------------------------------------------------------- loading by name
def test_the_calibration_loads_by_name_and_validates(cal):
    assert set(packaged_calibrations()) >= {"china", "tianjin"}
    assert cal.name == "china"
    assert cal is tjsim.load_calibration(packaged_calibrations()["china"])
    assert set(cal.targets) == HEADLINE
    assert all(target.headline for target in cal.targets.values())
    assert tjsim.load_calibration().name == "tianjin"  # the default is unchanged


def test_a_misspelt_name_suggests_the_packaged_one():
    with pytest.raises(tjsim.CalibrationError, match=r"did you mean 'china'\?.*packaged: china"):
        tjsim.load_calibration("chna")
    with pytest.raises(tjsim.CalibrationError, match="did you mean 'tianjin'"):
        tjsim.simulate(calibration="tainjin", draws=100)


def test_a_folder_of_the_same_name_comes_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "china").mkdir()
    assert calibration_folder("china") == Path("china")
    assert calibration_folder(None) == packaged_calibrations()["tianjin"]


# ---------------------------------------------------------------------- the data
def test_facts_hold_the_published_figures_with_their_sources():
    facts = tjsim.facts("china").set_index("id")
    for ident, value in PUBLISHED.items():
        assert facts.loc[ident, "value"] == value, ident
    assert set(facts["kind"]) == {"report", "statistic", "assumption"}  # no fitted.yaml
    assert facts["source"].str.len().min() > 20
    kinds = facts["kind"]
    assert facts.loc[kinds == "report", "source"].str.startswith("report").all()
    assert facts.loc[kinds == "assumption", "source"].str.startswith("assumption:").all()
    graded = facts.loc[kinds != "assumption", "source"]
    assert graded.str.contains(r"grade [HML]").all(), graded[~graded.str.contains("grade")]


def test_every_event_and_target_cites_its_source(cal):
    assert all(len(event.source) > 20 for event in cal.events.values())
    assert all(target.source.startswith("report") for target in cal.targets.values())
    assert all(target.wording for target in cal.targets.values())


def test_the_report_targets_quote_the_reports_words():
    facts = tjsim.facts("china").set_index("id")
    targets = facts[facts.index.str.startswith("target_")]
    assert len(targets) == 6
    assert targets["source"].str.contains(r"[\u4e00-\u9fff]{4,}").all()  # a Chinese phrase


def test_sector_shares_and_region_shares_add_up(params):
    sectors = [params[f"share_{s}_2023"] for s in ("primary", "secondary", "tertiary")]
    assert sum(sectors) == pytest.approx(100)
    split = params["share_industry_2023"] + params["share_construction_2023"]
    assert split == pytest.approx(params["share_secondary_2023"])
    regions = [params[f"region_share_2023_{r}"] for r in REGIONS]
    assert sum(regions) == pytest.approx(100, abs=1e-9)
    assert max(regions) == regions[0]  # East is the largest
    premiums = sum(
        params[f"region_share_2023_{r}"] * params[f"region_premium_{r}"] for r in REGIONS
    )
    assert premiums == pytest.approx(0, abs=1e-9)


def test_the_gdp_distribution_comes_from_the_national_record(cal, params):
    years = cal.record.years
    assert len(years) == 10 and 2020 not in years  # 2020 set no target
    misses = {y: params[f"gdp_growth_{y}"] - params[f"gdp_growth_target_{y}"] for y in years}
    ordinary = [y for y in years if params[f"record_ordinary_{y}"] == 1]
    assert [y for y in years if params[f"record_break_{y}"] == 1] == [2021, 2022]
    bias = np.mean([misses[y] for y in ordinary])
    assert bias == pytest.approx(0.125) and params["gdp_planners_bias"] == pytest.approx(bias)
    k, prior = params["gdp_prior_weight"], params["gdp_prior_spread"]
    squares = sum((misses[y] - bias) ** 2 for y in ordinary)
    assert params["gdp_core_spread"] == pytest.approx(
        ((squares + k * prior**2) / (len(ordinary) - 1 + k)) ** 0.5
    )
    # far tighter than a province's ordinary-year spread (1.1-1.6 pp on the panel)
    assert params["gdp_core_spread"] < 0.5
    assert params["gdp_mean"] == pytest.approx(params["target_gdp_growth_2024"] + bias)


def test_references_sit_at_the_centrals(params):
    assert params["investment_reference"] == pytest.approx(params["investment_central"], abs=0.01)
    for name in ("retail", "exports", "cpi", "ppi"):
        assert params[f"{name}_reference"] == params[f"{name}_central"], name


def test_the_fiscal_round_is_sized_from_the_budget(params):
    nonproperty = params["fai_2023"] * params["nonproperty_investment_share"] / 100
    assert params["fiscal_round_impact_investment"] == pytest.approx(
        100 * params["ultra_long_bonds_2024"] * params["fiscal_round_spent_in_year"] / nonproperty
    )
    new = params["deficit_increase_2024"] + params["special_bonds_increase_2024"] + 10000
    assert params["budget_impulse_investment"] == pytest.approx(100 * new / nonproperty)


def test_the_engine_knows_no_calibration():
    for layer in ("engine", "model", "result"):
        for path in (ROOT / "src" / "tjsim" / layer).rglob("*.py"):
            text = path.read_text(encoding="utf-8").lower()
            assert not re.search(r"\b(china|tianjin)\b", text), path


# ---------------------------------------------------------------------- simulating
def test_the_baseline_is_near_the_target_with_plausible_odds(run):
    assert run.scenario.name == "china_baseline"
    assert "china" in str(run)
    gdp = run.kept_draws["gdp_growth"]
    assert 4.9 < gdp.median() < 5.3
    assert 0.2 < gdp.std() < 1.0
    p = run.probabilities()["probability"]
    assert 0.5 < p["gdp_growth"] < 0.8
    assert 0.6 < p["urban_jobs"] < 0.98
    assert p["unemployment_rate"] > 0.8
    assert p["cpi"] > 0.95 and p["grain_output"] > 0.95  # far from their limits
    assert 0.4 < p["disposable_income"] < 0.8
    assert p["energy_intensity"] < 0.1  # intensity rose in 2023; -2.5 is far off
    assert run.joint()["probability"] <= p.min()


def test_regions_add_up_to_national_growth_in_every_draw(run, params):
    draws = run.kept_draws
    total = sum(params[f"region_share_2023_{r}"] * draws[f"region_{r}"] for r in REGIONS) / 100
    assert np.allclose(total, draws["gdp_growth"], atol=1e-9, rtol=0)
    gaps = {r: (draws[f"region_{r}"] - draws["gdp_growth"]).mean() for r in REGIONS}
    assert gaps["west"] > gaps["east"] > gaps["centre"] > gaps["northeast"]  # 2023's ranking


def test_calibration_by_name_gives_the_scenarios_numbers(run):
    by_name = tjsim.simulate(calibration="china", draws=DRAWS, seed=SEED)
    assert by_name.probabilities()["probability"].equals(run.probabilities()["probability"])
    assert tjsim.simulate(tjsim.baseline("china"), draws=1000, seed=1).scenario.name == "baseline"


def test_a_scenario_run_on_another_calibration_is_refused(tmp_path):
    with pytest.raises(tjsim.ScenarioError, match="written for the china calibration, not tianjin"):
        tjsim.simulate("china_baseline", calibration="tianjin", draws=100)
    with pytest.raises(tjsim.ScenarioError) as info:
        tjsim.load_scenario(CHINA_SCENARIO, calibration=tjsim.load_calibration())
    assert info.value.key == "calibration" and info.value.file == str(CHINA_SCENARIO)
    tianjin = tmp_path / "tianjin_named.yaml"
    tianjin.write_text("name: t\ncalibration: tianjin\n", encoding="utf-8")
    with pytest.raises(tjsim.ScenarioError, match="written for the tianjin calibration, not china"):
        tjsim.simulate(tianjin, calibration="china", draws=100)
    child = tmp_path / "child.yaml"  # names no calibration, extends one that does
    child.write_text(f"name: child\nextends: {CHINA_SCENARIO}\n", encoding="utf-8")
    with pytest.raises(tjsim.ScenarioError, match="calibration='china'"):
        tjsim.simulate(child, draws=100)
    assert tjsim.simulate(child, calibration="china", draws=100).scenario.name == "child"


def test_a_misspelt_calibration_key_suggests_the_packaged_one(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("name: typo\ncalibration: chna\n", encoding="utf-8")
    with pytest.raises(tjsim.CalibrationError, match="did you mean 'china'"):
        tjsim.simulate(path, draws=100)


def test_the_calibration_key_round_trips(tmp_path):
    scenario = tjsim.load_scenario(CHINA_SCENARIO)
    assert scenario.calibration_name == "china" and scenario.calibration.name == "china"
    text = scenario.with_shift("exports", -2).to_yaml()
    assert "calibration: china" in text
    path = tmp_path / "again.yaml"
    path.write_text(text, encoding="utf-8")
    assert scenario_calibration(path).name == "china"
    assert scenario_calibration(bundled_scenarios()["baseline"]).name == "tianjin"


def test_the_record_scores_out_of_sample(cal):
    table = tjsim.score("china").to_frame()
    assert list(table.index) == list(cal.record.years)


# ---------------------------------------------------------------------- the command line
def test_tjsim_run_selects_the_calibration_the_scenario_names(capsys):
    code = main(["run", "china_baseline", "--draws", "5000", "--seed", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "on china calibration" in out
    assert "energy_intensity" in out and "grain_output" in out
    assert main(["validate", str(CHINA_SCENARIO)]) == 0
    assert "ok (scenario 'china_baseline')" in capsys.readouterr().out


def test_facts_and_targets_list_the_named_calibration(capsys):
    assert main(["targets", "--calibration", "china"]) == 0
    out = capsys.readouterr().out
    assert "energy_intensity" in out and "单位国内生产总值能耗降低2.5%左右" in out
    assert main(["facts", "--calibration", "china", "--grep", "grain"]) == 0
    assert "grain_2023" in capsys.readouterr().out
    assert main(["facts", "--calibration", "chna"]) == 2
    assert "did you mean 'china'?" in capsys.readouterr().err
