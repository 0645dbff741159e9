"""The README's numbers are the packaged baseline's: a change in the model shows here."""

from __future__ import annotations

import re

import pytest

import tjsim
from paths import ROOT

README = ROOT / "README.md"
#: The headline table's rows, in order: label -> row of ``result.headline()``.
HEADLINE = {
    "GDP growth about 4.5%": "gdp_growth",
    "budget revenue in step with GDP": "budget_revenue",
    "real per-capita income in step with GDP": "disposable_income",
    "fixed-asset investment grows": "fixed_asset_investment",
    "retail sales +6%": "retail_sales",
    "350k new urban jobs": "urban_jobs",
    "surveyed unemployment about 5.5%": "unemployment_rate",
    "CPI about 3%": "cpi",
    "all eight headline goals together": "joint",
    "at least seven of the eight": "at_least_7",
}
#: The other targets' rows: label -> target id (``joint`` for all targets together).
ROWS = {
    "containers above 23 million TEU": "container_throughput",
    "rural income growth not below GDP growth": "rural_income",
    "Binhai 4.8%": "district_binhai",
    "Xiqing 5.0% or more": "district_xiqing",
    "all sixteen targets together": "joint",
}


@pytest.fixture(scope="module")
def baseline():
    scenario = tjsim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    return tjsim.simulate(scenario)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def test_readme_leads_with_the_headline_goals(baseline):
    text = README.read_text(encoding="utf-8")
    rows = re.findall(r"^\| (.+?) \| ([\d.]+%) \|$", text, flags=re.M)
    assert [label for label, _ in rows[: len(HEADLINE)]] == list(HEADLINE)
    headline = baseline.headline()["probability"]
    assert list(headline.index) == list(HEADLINE.values())
    for label, value in rows[: len(HEADLINE)]:
        assert value == _percent(headline[HEADLINE[label]]), label


def test_readme_probabilities_are_the_baseline_run(baseline):
    text = README.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| (.+?) \| ([\d.]+%) \|$", text, flags=re.M))
    assert set(ROWS) <= set(table), "the README's baseline table lost a row"
    probabilities = baseline.probabilities()["probability"]
    for label, target in ROWS.items():
        value = baseline.joint()["probability"] if target == "joint" else probabilities[target]
        assert table[label] == _percent(value), label


def test_readme_central_median_mean_and_readings(baseline):
    text = README.read_text(encoding="utf-8")
    row = baseline.summary().loc["gdp_growth"]
    expected = (
        f"central case is {row['central']:.2f}%, its median {row['median']:.2f}% "
        f"and its mean {row['mean']:.2f}%"
    )
    assert expected in " ".join(text.split())
    readings = baseline.readings().loc["gdp_growth"]
    flat = " ".join(text.split())
    assert f"odds are {_percent(readings['about'])}" in flat
    assert f"strictly, {_percent(readings['strict'])}" in flat
    wide = baseline.readings()
    income, revenue = wide.loc["disposable_income"], wide.loc["budget_revenue"]
    assert (
        f"real income's odds are {_percent(income['basically'])} and budget revenue's "
        f"{_percent(revenue['basically'])}"
    ) in flat
    assert f"is met in {_percent(income['nominal'])} of draws" in flat
    j = baseline.model.indicators.index("gdp_deflator")
    deflator = baseline.model.constant[j]
    assert deflator < 0 and "nominal" in baseline.reading_notes()
    assert f"deflator's central is negative ({deflator:.1f})" in flat
