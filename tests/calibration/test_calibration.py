"""The packaged calibration: facts as reported, targets as read, bad input named."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

import tjsim
from paths import ROOT
from tjsim.calibration import default_calibration_path

REPORT_FIGURES = {
    "gdp_growth_2023": 4.3,
    "share_primary_2023": 1.6,
    "share_secondary_2023": 35.7,
    "share_tertiary_2023": 62.7,
    "finance_share_2023": 13.4,
    "binhai_share_2023": 43.3,
    "binhai_growth_2023": 4.6,
    "budget_revenue_2023": 2027.3,
    "budget_revenue_growth_2023": 9.8,
    "containers_2023": 2218,
    "industry_growth_2023": 3.7,
    "services_growth_2023": 4.9,
    "retail_growth_2023": 7.0,
    "cpi_2023": 0.4,
    "unemployment_2023": 5.4,
    "urban_jobs_2023": 35.69,
    "rural_income_growth_2023": 6.3,
    "target_gdp_growth_2024": 4.5,
    "target_containers_2024": 2300,
    "target_wuqing_2024": 5.5,
}

TARGET_IDS = [
    "gdp_growth",
    "budget_revenue",
    "disposable_income",
    "fixed_asset_investment",
    "retail_sales",
    "urban_jobs",
    "unemployment_rate",
    "cpi",
    "container_throughput",
    "rural_income",
    "district_binhai",
    "district_hexi",
    "district_xiqing",
    "district_wuqing",
    "district_beichen",
    "district_heping",
]


def test_facts_hold_the_reports_figures_exactly():
    facts = tjsim.facts().set_index("id")
    assert {"value", "unit", "year", "kind", "source"} <= set(facts.columns)
    for ident, value in REPORT_FIGURES.items():
        assert facts.loc[ident, "value"] == value, ident
        assert facts.loc[ident, "kind"] == "report", ident
    assert set(facts["kind"]) == {"report", "statistic", "assumption", "fitted"}
    assert facts["source"].str.len().min() > 10
    report = facts[facts["kind"] == "report"]
    assert report["source"].str.startswith("report").all()
    assumptions = facts[facts["kind"] == "assumption"]
    assert assumptions["source"].str.startswith("assumption:").all()


def test_every_report_phrase_is_quoted_from_the_report_sections():
    facts = tjsim.facts()
    report = facts[facts["kind"] == "report"]
    assert report["source"].str.contains(r"[一二]").all()
    assert report["source"].str.contains(r"[\u4e00-\u9fff]{4,}").all()  # a Chinese phrase


def test_targets_table_has_every_target_and_its_reading():
    table = tjsim.targets()
    assert list(table.index) == TARGET_IDS
    # Published to one decimal: at least 4.5 as published is at least 4.45 unrounded.
    assert table.loc["gdp_growth", ["op", "threshold"]].tolist() == [">=", pytest.approx(4.45)]
    assert table.loc["gdp_growth", "reading"].startswith("published: gdp_growth >= 4.5")
    assert table.loc["gdp_growth", "alternatives"] == "strict, about"
    assert table.loc["unemployment_rate", ["op", "threshold"]].tolist() == [
        "<",
        pytest.approx(5.55),
    ]
    assert table.loc["fixed_asset_investment", ["op", "threshold"]].tolist() == [
        ">=",
        pytest.approx(0.05),
    ]
    assert table.loc["container_throughput", ["op", "threshold"]].tolist() == [">", 2300]
    assert table.loc["budget_revenue", "compare_to"] == "gdp_growth"
    assert table.loc["rural_income", "compare_to"] == "gdp_growth"
    assert table.loc["district_wuqing", "threshold"] == pytest.approx(5.45)
    assert table["wording"].str.len().min() > 0


def test_the_eight_headline_goals_are_marked():
    cal = tjsim.load_calibration()
    heads = [tid for tid, spec in cal.targets.items() if spec.headline]
    assert heads == TARGET_IDS[:8]  # the report's eight, first
    for tid in heads:
        assert "主要预期目标" in cal.targets[tid].source
    table = tjsim.targets()
    assert table["headline"].sum() == 8
    assert not table.loc["container_throughput", "headline"]
    # the tolerant reading of 同步 is an alternative, the defaults stay as they were
    for tid, default in (("budget_revenue", "headline"), ("disposable_income", "real")):
        spec = cal.targets[tid]
        assert spec.default == default
        assert spec.readings["basically"].tolerance == "in_step_tolerance"


def test_real_time_calibration_uses_nothing_after_2024_targets():
    facts = tjsim.facts()
    assert facts["year"].max() == 2024


YEARS = (2017, 2018, 2019, 2021, 2022, 2023)


def test_history_derivation_of_the_gdp_distribution():
    """The GDP record's derivation, recomputed here from the facts and the year weights."""
    p = tjsim.load_calibration().parameters()
    misses = {y: p[f"gdp_growth_{y}"] - p[f"gdp_growth_target_{y}"] for y in YEARS}
    ordinary = [y for y in YEARS if p[f"record_ordinary_{y}"] == 1]
    breaks = [y for y in YEARS if p[f"record_break_{y}"] == 1]
    assert ordinary == [2019, 2021, 2023] and breaks == [2017, 2018, 2022]
    bias = np.mean([misses[y] for y in ordinary])
    assert p["gdp_planners_bias"] == pytest.approx(bias) and bias > 0
    k, prior = p["gdp_prior_weight"], p["gdp_prior_spread"]
    squares = sum((misses[y] - bias) ** 2 for y in ordinary)
    spread = ((squares + k * prior**2) / (len(ordinary) - 1 + k)) ** 0.5
    assert p["gdp_core_spread"] == pytest.approx(spread)
    years, rate = p["break_prior_years"], p["break_prior_rate"]
    assert p["regime_break_probability"] == pytest.approx(
        (years * rate + len(breaks)) / (years + len(ordinary) + len(breaks))
    )
    weight, impact = p["break_impact_prior_weight"], p["break_impact_prior"]
    assert p["regime_break_impact"] == pytest.approx(
        (weight * impact + sum(misses[y] - bias for y in breaks)) / (weight + len(breaks))
    )


def test_leaving_a_year_out_moves_the_derivation():
    """Which years count is a parameter: weights of zero drop a year everywhere."""
    cal = tjsim.load_calibration()
    base = cal.parameters()
    without = cal.parameters({"record_ordinary_2021": 0.0})
    assert without["gdp_planners_bias"] == pytest.approx(0.3)  # 2019 and 2023: +0.3 each
    assert without["gdp_core_spread"] != base["gdp_core_spread"]
    as_ordinary = cal.parameters({"record_break_2018": 0.0, "record_ordinary_2018": 1.0})
    assert as_ordinary["regime_break_probability"] < base["regime_break_probability"]


# ----------------------------------------------------------------------------- bad input
@pytest.fixture
def broken(tmp_path: Path):
    """Copy the packaged calibration; return a function that edits one file and loads."""
    folder = tmp_path / "cal"
    shutil.copytree(default_calibration_path(), folder)

    def edit(name: str, change) -> Path:
        path = folder / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return folder

    return edit


def _set_fact(data, ident, value):
    for fact in data["facts"]:
        if fact["id"] == ident:
            fact["value"] = value
            return
    raise KeyError(ident)


@pytest.mark.parametrize(
    ("name", "change", "key", "message"),
    [
        (
            "facts.yaml",
            lambda d: _set_fact(d, "share_primary_2023", 2.6),
            "share_groups.sectors",
            "add up to 101",
        ),
        (
            "assumptions.yaml",
            lambda d: _set_fact(d, "property_investment_spread", -1.0),
            "variables.property_investment.shock.spread",
            "spread must be >= 0",
        ),
        (
            "assumptions.yaml",
            lambda d: _set_fact(d, "flood_probability", 1.5),
            "events.flood_repeat.probability",
            "[0, 1]",
        ),
        (
            "model.yaml",
            lambda d: d["correlations"].extend(
                [["exports", "credit", 0.9], ["nonproperty_investment", "exports", 0.95]]
            ),
            "correlations",
            "positive definite",
        ),
        (
            "model.yaml",
            lambda d: d["correlations"].append(["property_investment", "credit", 1.2]),
            "correlations[",
            "between -1 and 1",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["gdp_growth"].update(
                equation="share_primary_2023 * primary_vaa"
            ),
            "variables.gdp_growth.equation",
            "did you mean 'primary_va'",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["primary_va"].update(
                equation="primary_central + district_rest"
            ),
            "variables",
            "equation cycle",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["cpi"]["shock"].update(distribution="lognormal"),
            "variables.cpi.shock.distribution",
            "unknown distribution",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["cpi"].update(equation="exports * retail_sales"),
            "variables.cpi.equation",
            "linear",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["cpi"].update(equaton="x"),
            "variables.cpi.equaton",
            "did you mean 'equation'",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["cpi"].update(equation="__import__('os')"),
            "variables.cpi.equation",
            "baseline(variable)",
        ),
        (
            "model.yaml",
            lambda d: d["events"]["flood_repeat"]["impact"].update(primary=1.0),
            "events.flood_repeat.impact.primary",
            "did you mean 'primary_va'",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"]["readings"]["strict"].update(op="=>"),
            "targets.cpi.readings.strict.op",
            "op must be one of",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"].update(reading="publised"),
            "targets.cpi.reading",
            "did you mean 'published'",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["budget_revenue"]["readings"]["headline"].update(rounding=0.1),
            "targets.budget_revenue.readings.headline.rounding",
            "not to a comparison",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"].update(headline="yes"),
            "targets.cpi.headline",
            "true or false",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"].update(headlines=True),
            "targets.cpi",
            "headlines",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"]["readings"]["strict"].update(tolerance=0.3),
            "targets.cpi.readings.strict.tolerance",
            "compare_to",
        ),
        (
            "assumptions.yaml",
            lambda d: _set_fact(d, "in_step_tolerance", -0.3),
            "targets.budget_revenue.readings.basically.tolerance",
            "must be >= 0",
        ),
        (
            "model.yaml",
            lambda d: d["totals"]["gdp_growth"].update(free="momentun"),
            "totals.gdp_growth.free",
            "did you mean 'momentum'",
        ),
        (
            "model.yaml",
            lambda d: d["variables"]["momentum"]["shock"].update(spread=1.0),
            "totals.gdp_growth.free",
            "is solved by this total",
        ),
        (
            "fitted.yaml",
            lambda d: _set_fact(d, "gdp_reporting_spread", 0.05),
            "totals.gdp_growth",
            "already give 'gdp_growth' a spread",
        ),
        (
            "model.yaml",
            lambda d: d["events"]["regime_break"].update(tail="yes"),
            "events.regime_break.tail",
            "true or false",
        ),
        (
            "targets.yaml",
            lambda d: d["targets"]["cpi"].update(indicator="cpii"),
            "targets.cpi.indicator",
            "did you mean 'cpi'",
        ),
        (
            "facts.yaml",
            lambda d: d["facts"].append(dict(d["facts"][0])),
            "facts[",
            "duplicate fact id",
        ),
        (
            "facts.yaml",
            lambda d: d["facts"][0].update(value="4.3"),
            "facts[0] (gdp_2023).value",
            "finite number",
        ),
        (
            "model.yaml",
            lambda d: d["choices"][0].update(parameters={"gdp_reporting_sprad": 0.5}),
            "choices[0].parameters.gdp_reporting_sprad",
            "did you mean 'gdp_reporting_spread'",
        ),
        (
            "model.yaml",
            lambda d: d["choices"][0].update(events={"regime_break": 1.5}),
            "choices[0].events.regime_break",
            "a probability in [0, 1]",
        ),
        (
            "model.yaml",
            lambda d: d["choices"][0].update(reading="stirct"),
            "choices[0].reading",
            "did you mean 'strict'",
        ),
        (
            "model.yaml",
            lambda d: d["choices"].append(dict(d["choices"][0])),
            "choices[17].label",
            "duplicate label 'spread 0.5'",
        ),
        (
            "model.yaml",
            lambda d: d["choices"][1].update(mean_from="guess"),
            "choices[1].mean_from",
            "unknown mean_from 'guess'",
        ),
        (
            "model.yaml",
            lambda d: d["plan_factor"].update(parameter="plan_loadng"),
            "plan_factor.parameter",
            "did you mean 'plan_loading'",
        ),
        (
            "model.yaml",
            lambda d: d["plan_factor"].update(record={2021: -1}),
            "plan_factor.record",
            "counts of targets met",
        ),
        (
            "model.yaml",
            lambda d: d["record"].pop("panel_region"),
            "record.panel_region",
            "needs the panel_region",
        ),
        (
            "model.yaml",
            lambda d: d["record"].update(projection="gdp_sector_projecton"),
            "record.projection",
            "did you mean 'gdp_sector_projection'",
        ),
        (
            "model.yaml",
            lambda d: d["record"]["fitted"].update(target="target_gdp_growth_2042"),
            "record.fitted.target",
            "did you mean 'target_gdp_growth_2024'",
        ),
        (
            "model.yaml",
            lambda d: d["record"]["fitted"].update(qualifier="about"),
            "record.fitted.qualifier",
            "unknown qualifier 'about'",
        ),
        (
            "model.yaml",
            lambda d: d["record"]["fitted"]["distribution"].pop(),
            "record.fitted.distribution",
            "six parameter names",
        ),
        (
            "model.yaml",
            lambda d: d["record"]["fitted"].pop("bias_sd"),
            "record.fitted",
            "missing required key 'bias_sd'",
        ),
    ],
)
def test_bad_calibration_is_named_by_file_key_and_problem(broken, name, change, key, message):
    folder = broken(name, change)
    with pytest.raises(tjsim.CalibrationError) as info:
        tjsim.load_calibration(folder)
    text = str(info.value)
    assert key in text and message in text
    assert info.value.file is not None and Path(info.value.file).name in {
        name,
        "model.yaml",
        "targets.yaml",
        "facts.yaml",
        "assumptions.yaml",
    }


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(tjsim.CalibrationError, match="calibration folder"):
        tjsim.load_calibration(tmp_path / "nowhere")
    folder = tmp_path / "cal"
    shutil.copytree(default_calibration_path(), folder)
    (folder / "targets.yaml").write_text("", encoding="utf-8")
    with pytest.raises(tjsim.CalibrationError, match=r"targets.yaml: the file is empty"):
        tjsim.load_calibration(folder)
    (folder / "targets.yaml").write_bytes(b"\xff\xfe targets")
    with pytest.raises(tjsim.CalibrationError, match="not UTF-8"):
        tjsim.load_calibration(folder)
    (folder / "targets.yaml").write_text("targets: {a: 1}\ntargets: {}\n", encoding="utf-8")
    with pytest.raises(tjsim.CalibrationError, match="duplicate key"):
        tjsim.load_calibration(folder)


def test_fitted_yaml_is_an_optional_fifth_file(tmp_path):
    """fitted.yaml's facts (kind fitted) load with the others when the file is there; a
    folder without it loads too, and its facts are named by their file."""
    cal = tjsim.load_calibration()
    fitted = [f for f in cal.facts if f.kind == "fitted"]
    assert {f.id for f in fitted} >= {
        "gdp_reporting_mean",
        "gdp_reporting_spread",
        "gdp_reporting_skew",
        "gdp_break_probability",
        "gdp_break_impact",
        "gdp_break_spread",
    }
    listed = tjsim.facts(kind="fitted")
    assert set(listed["id"]) == {f.id for f in fitted}
    folder = tmp_path / "cal"
    shutil.copytree(default_calibration_path(), folder)
    data = yaml.safe_load((folder / "fitted.yaml").read_text(encoding="utf-8"))
    assumptions = yaml.safe_load((folder / "assumptions.yaml").read_text(encoding="utf-8"))
    assumptions["facts"] += data["facts"]
    (folder / "assumptions.yaml").write_text(
        yaml.safe_dump(assumptions, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    (folder / "fitted.yaml").unlink()
    without = tjsim.load_calibration(folder)
    assert without.parameters() == cal.parameters()
    with pytest.raises(tjsim.CalibrationError, match=r"fitted.yaml.*duplicate fact id"):
        (folder / "fitted.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
        tjsim.load_calibration(folder)
    second = tmp_path / "second"
    shutil.copytree(default_calibration_path(), second)
    data["facts"][0]["kind"] = "guess"
    (second / "fitted.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(tjsim.CalibrationError, match=r"fitted.yaml.*kind"):
        tjsim.load_calibration(second)


def test_the_facts_command_lists_fitted_facts(capsys):
    from tjsim.cli import main

    assert main(["facts", "--kind", "fitted"]) == 0
    out = capsys.readouterr().out
    assert "gdp_break_spread" in out and " fitted " in out
    assert "fitted: the reporting model on the 31-region panel" in out


def test_a_random_size_event_has_one_impact_and_a_spread_of_at_least_zero(broken):
    def two_impacts(d):
        d["events"]["regime_break"]["impact"]["exports"] = -1.0

    with pytest.raises(tjsim.CalibrationError, match="exactly one impact") as info:
        tjsim.load_calibration(broken("model.yaml", two_impacts))
    assert info.value.key == "events.regime_break.size_spread"

    def negative(d):  # the same folder: one impact again
        del d["events"]["regime_break"]["impact"]["exports"]
        d["events"]["regime_break"]["size_spread"] = -1.0

    with pytest.raises(tjsim.CalibrationError, match="size spread must be a number >= 0"):
        tjsim.load_calibration(broken("model.yaml", negative))


def test_a_calibration_is_read_once_until_its_files_change(tmp_path):
    # simulate(draws=1) once spent most of its time parsing the packaged YAML again.
    assert tjsim.load_calibration() is tjsim.load_calibration()
    folder = tmp_path / "cal"
    shutil.copytree(Path(tjsim.load_calibration().files["model"]).parent, folder)
    first = tjsim.load_calibration(folder)
    assert tjsim.load_calibration(folder) is first
    targets = folder / "targets.yaml"
    targets.write_text(targets.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    again = tjsim.load_calibration(folder)
    assert again is not first and again.targets.keys() == first.targets.keys()


# ----------------------------------------------------------------------------- notation
def test_the_notation_gives_symbols_and_falls_back_for_ids_without_one(calibration):
    assert calibration.symbol("gdp_growth") == "g"
    assert calibration.shock_symbol("investment") == r"\varepsilon_{I}"
    assert calibration.symbol("flood_repeat") == r"D_{\text{flood}}"
    assert calibration.symbol("gdp_reporting_spread") == "s_{g}"
    assert calibration.symbol("gdp_miss_2017") == "e_{2017}"  # a derived parameter
    assert "quarter_weight_q3" in calibration.parameter_ids
    assert "quarter_weight_q3" not in calibration.notation.parameters
    assert calibration.symbol("quarter_weight_q3") == r"\mathrm{quarter\_weight\_q3}"
    with pytest.raises(tjsim.CalibrationError, match="did you mean 'gdp_growth'"):
        calibration.symbol("gdp_grwth")
    with pytest.raises(tjsim.CalibrationError, match="unknown variable 'plan_loading'"):
        calibration.shock_symbol("plan_loading")


def test_a_calibration_without_notation_writes_ids_generically(tmp_path, calibration):
    folder = tmp_path / "cal"
    shutil.copytree(default_calibration_path(), folder)
    (folder / "notation.yaml").unlink()
    plain = tjsim.load_calibration(folder)
    assert plain.parameters() == calibration.parameters()
    assert plain.symbol("gdp_growth") == r"\mathrm{gdp\_growth}"
    assert plain.shock_symbol("investment") == r"\varepsilon_{\mathrm{investment}}"
    assert plain.symbol("flood_repeat") == r"D_{\text{flood\_repeat}}"


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda d: d["parameters"].update(gdp_reporting_sprad="s"), "parameters.", "did you mean"),
        (lambda d: d["events"].update(flood="D"), "events.flood", "unknown event 'flood'"),
        (lambda d: d["variables"].update(gdp="g"), "variables.gdp", "unknown variable"),
        (lambda d: d["parameters"].update(plan_loading=0.3), "parameters.plan_loading", "string"),
        (lambda d: d["parameters"].update(plan_loading=" "), "parameters.plan_loading", "string"),
        (lambda d: d["variables"]["cpi"].update(symbol=1), "variables.cpi.symbol", "string"),
        (lambda d: d["variables"].update(cpi="p"), "variables.cpi", "'symbol' and 'shock'"),
        (lambda d: d["variables"]["cpi"].update(size="p"), "variables.cpi", "unknown field"),
        (lambda d: d.update(shocks={}), "notation.yaml", "unknown section 'shocks'"),
        (lambda d: d.update(events=["D"]), "events", "mapping of ids"),
    ],
)
def test_bad_notation_is_named_by_file_key_and_problem(broken, change, key, message):
    folder = broken("notation.yaml", change)
    with pytest.raises(tjsim.CalibrationError) as info:
        tjsim.load_calibration(folder)
    assert key in str(info.value) and message in str(info.value)
    assert Path(info.value.file).name == "notation.yaml"


def test_the_notation_file_is_packaged():
    """The wheel's package data carries the notation with the other calibration files."""
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["tjsim"]
    assert any(Path("data/tianjin/notation.yaml").match(p) for p in patterns)
