"""report.html: written by every run and comparison with --out, self-contained, its tables
equal to the CSV files, its scenario block reproducing the run, and the tables of what a
scenario changes and touches (the browser tests, tests/app/test_browser.py, open it too)."""

from __future__ import annotations

import base64
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

import tjsim
from paths import ROOT
from tjsim import expressions
from tjsim.cli import main
from tjsim.report.changes import scenario_changes, touched_facts
from tjsim.report.files import write_run
from tjsim.report.html import text
from tjsim.seeding import RNG
from toy import Toy

SCENARIOS = ROOT / "scenarios"
FAST = ("--draws", "20000", "--seed", "11", "--quiet")


class Page(HTMLParser):
    """The parts of a report page the tests read: images, links, tables' cells with
    their data attributes, and the text of ``<pre>`` blocks."""

    def __init__(self, source: str):
        super().__init__()
        self.images: list[str] = []
        self.references: list[str] = []
        self.cells: dict[str, list[dict[str, str]]] = {}  # table id -> cells' attributes
        self.rows: dict[str, list[str]] = {}  # table id -> rows' data-target
        self.pre: list[str] = []
        self.lang_zh: list[str] = []
        self._table: list[str] = []
        self._in_pre = False
        self._zh = 0
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.references.append(a[key])
        if tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "table":
            self._table.append(a.get("id", ""))
        elif tag == "tr" and self._table and "data-target" in a:
            self.rows.setdefault(self._table[-1], []).append(a["data-target"])
        elif tag == "td" and self._table:
            a["row"] = self.rows.get(self._table[-1], [""])[-1]
            self.cells.setdefault(self._table[-1], []).append(a)
        elif tag == "pre":
            self._in_pre = True
            self.pre.append("")
        elif tag == "span" and a.get("lang") == "zh-Hans":
            self._zh += 1
            self.lang_zh.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._table.pop()
        elif tag == "pre":
            self._in_pre = False
        elif tag == "span" and self._zh:
            self._zh -= 1

    def handle_data(self, data):
        if self._in_pre:
            self.pre[-1] += data
        if self._zh:
            self.lang_zh[-1] += data

    def values(self, table: str, column: str) -> dict[str, float]:
        """Row (data-target) -> the full value of the cell in ``column``."""
        return {
            c["row"]: float(c["data-value"])
            for c in self.cells.get(table, [])
            if c.get("data-column") == column and "data-value" in c
        }


@pytest.fixture(scope="module")
def downturn_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "downturn"
    assert main(["run", str(SCENARIOS / "property_downturn.yaml"), *FAST, "--out", str(out)]) == 0
    return out


def test_every_run_writes_a_report_whose_table_is_probabilities_csv(downturn_run):
    page = Page((downturn_run / "report.html").read_text(encoding="utf-8"))
    csv = pd.read_csv(downturn_run / "probabilities.csv", index_col="target")
    shown = page.values("probabilities", "probability")
    errors = page.values("probabilities", "std_error")
    assert list(shown) == list(csv.index)  # every target, then the joint
    for target, row in csv.iterrows():
        assert shown[target] == row["probability"], target
        assert errors[target] == row["std_error"], target
    assert page.rows["probabilities"][-1] == "joint"


def test_the_reports_first_table_is_the_headline_view(downturn_run):
    source = (downturn_run / "report.html").read_text(encoding="utf-8")
    page = Page(source)
    csv = pd.read_csv(downturn_run / "headline.csv", index_col="target")
    assert source.index('id="headline"') < source.index('id="probabilities"')
    assert source.index("<table") == source.index('<table id="headline"')
    shown = page.values("headline", "probability")
    assert list(shown) == list(csv.index)  # the eight, then all eight, then seven of eight
    for target, row in csv.iterrows():
        assert shown[target] == row["probability"], target
    assert page.rows["headline"][-2:] == ["joint", "at_least_7"]
    box = 'id="headline-joint">All eight headline goals met together<strong data-value="'
    assert box + repr(float(csv.loc["joint", "probability"])) in source
    # the readings' notes: the nominal reading says why its odds are high
    assert 'class="note" data-reading="nominal"' in source
    assert "deflator&#x27;s central is negative" in source


def test_the_report_is_self_contained_and_embeds_every_figure(downturn_run):
    source = (downturn_run / "report.html").read_text(encoding="utf-8")
    page = Page(source)
    external = [r for r in page.references if not r.startswith(("data:", "#"))]
    assert not external, external
    assert "<link" not in source and "<script" not in source and "@import" not in source
    pngs = sorted(p.name for p in downturn_run.glob("*.png"))
    assert len(page.images) == len(pngs) > 2
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in page.images}
    assert embedded == {(downturn_run / name).read_bytes() for name in pngs}
    assert '<meta name="viewport"' in source and '<html lang="en">' in source


def test_the_report_shows_readings_summary_and_metadata(downturn_run):
    page = Page((downturn_run / "report.html").read_text(encoding="utf-8"))
    readings = pd.read_csv(downturn_run / "readings.csv", index_col=["target", "reading"])
    summary = pd.read_csv(downturn_run / "summary.csv", index_col="target")
    for (target, reading), row in readings.iterrows():
        assert page.values("readings", reading)[target] == row["probability"], (target, reading)
    shown = sum(
        len(page.values("readings", name)) for name in set(readings.index.get_level_values(1))
    )
    assert shown == len(readings)  # a target without a reading shows none
    assert page.values("summary", "median") == summary["median"].to_dict()
    source = (downturn_run / "report.html").read_text(encoding="utf-8")
    for shown in ("20,000", "seed", "11", "mc", tjsim.__version__, "tianjin"):
        assert shown in source


def test_the_reports_scenario_block_reproduces_the_run(downturn_run, tmp_path):
    page = Page((downturn_run / "report.html").read_text(encoding="utf-8"))
    block = next(p for p in page.pre if p.startswith("name:"))
    mapping = yaml.safe_load(block)
    assert mapping["simulation"] == {"draws": 20000, "seed": 11, "method": "mc", "stream": RNG}
    # the output folder's scenario.yaml is the same scenario
    saved = yaml.safe_load((downturn_run / "scenario.yaml").read_text(encoding="utf-8"))
    assert saved == mapping
    path = tmp_path / "again.yaml"
    path.write_text(block, encoding="utf-8")
    again = tjsim.simulate(path)
    csv = pd.read_csv(downturn_run / "probabilities.csv", index_col="target")
    assert again.probabilities()["probability"].tolist() == csv["probability"].iloc[:-1].tolist()


def test_chinese_text_is_marked_for_cjk_fonts(downturn_run):
    source = (downturn_run / "report.html").read_text(encoding="utf-8")
    page = Page(source)
    wording = tjsim.targets().loc["gdp_growth", "wording"]
    assert any(part in wording for part in page.lang_zh if part)
    assert "Noto Sans CJK SC" in source and "Microsoft YaHei" in source
    assert (
        text("GDP 增长4.5%左右")
        == 'GDP <span lang="zh-Hans">增长</span>4.5%<span lang="zh-Hans">左右</span>'
    )


def test_the_report_lists_the_changes_and_the_facts_they_touch(downturn_run, calibration):
    page = Page((downturn_run / "report.html").read_text(encoding="utf-8"))
    scenario = tjsim.load_scenario(SCENARIOS / "property_downturn.yaml")
    changes = scenario_changes(scenario, calibration)
    assert set(changes["item"]) >= {
        *scenario.drivers,
        *scenario.events,
        *scenario.parameters,
        ", ".join(next(iter(scenario.correlations))),
    }
    facts = touched_facts(scenario, calibration)
    fact_ids = {f.id for f in calibration.facts}
    equation = expressions.names(calibration.variables["property_investment"].tree) & fact_ids
    assert equation and equation <= set(facts["id"])
    changed = facts.set_index("id").loc["property_impact_investment"]
    assert changed["scenario_value"] == scenario.parameters["property_impact_investment"]
    assert "set by the scenario" in changed["why"]
    assert math.isnan(facts.set_index("id").loc[sorted(equation)[0], "scenario_value"])
    shown = [float(c["data-value"]) for c in page.cells["facts"] if c.get("data-column") == "value"]
    assert shown == list(facts["value"])  # every touched fact is listed, once, in order
    assert len(page.cells["changes"]) == 5 * len(changes)


def test_scenario_changes_cover_every_section(calibration):
    scenario = (
        tjsim.baseline()
        .with_shift("investment", -2)
        .with_scale("exports", 1.5)
        .with_event("property_slump", 0.4)
        .with_parameter("retail_central", 4.0)
        .with_correlation("exports", "credit", 0.3)
        .with_target("gdp_growth", threshold=5.0)
        .without_target("cpi")
        .with_reading("strict")
        .with_observed({"gdp_growth": {"Q1": 5.0}})
    )
    frame = scenario_changes(scenario, calibration)
    sections = frame.groupby("section")["item"].apply(list).to_dict()
    assert sections["drivers"] == ["investment", "exports"]
    assert sections["events"] == ["property_slump"]
    assert sections["parameters"] == ["retail_central"]
    assert sections["correlations"] == ["credit, exports"]  # pairs are stored sorted
    assert sections["targets"] == ["gdp_growth", "cpi"]
    assert sections["readings"] == ["every target"] and sections["observed"] == ["gdp_growth"]
    rows = frame.set_index("item")
    assert rows.loc["cpi", "scenario"] == "dropped"
    assert "p = 0.4" in rows.loc["property_slump", "scenario"]
    assert rows.loc["retail_central", "scenario"] == "4"
    model = tjsim.compile_model(calibration, scenario)
    j = model.indicators.index("investment")
    assert rows.loc["investment", "scenario"].startswith(f"{model.constant[j]:.3g}%")
    assert scenario_changes(tjsim.baseline(), calibration).empty
    assert touched_facts(tjsim.baseline(), calibration).empty


def test_a_report_on_another_calibration_names_its_facts(tmp_path):
    toy = Toy().calibration()
    scenario = tjsim.baseline(calibration=toy).with_shift("a", 1.0)
    result = tjsim.simulate(scenario, draws=5000, seed=3, calibration=toy)
    write_run(result, tmp_path, calibration=toy)
    page = Page((tmp_path / "report.html").read_text(encoding="utf-8"))
    facts = {c["data-value"] for c in page.cells["facts"] if c.get("data-column") == "value"}
    assert facts == {repr(Toy().mu_a), repr(Toy().sd_a)}  # a's equation and its shock
    assert re.search(r"<code>a</code>", (tmp_path / "report.html").read_text(encoding="utf-8"))


def test_every_comparison_writes_a_report_whose_table_is_comparison_csv(tmp_path):
    out = tmp_path / "cmp"
    argv = ["compare", "baseline", str(SCENARIOS / "export_tariffs.yaml"), *FAST, "--out", str(out)]
    assert main(argv) == 0
    page = Page((out / "report.html").read_text(encoding="utf-8"))
    frame = pd.read_csv(out / "comparison.csv", index_col=["target", "scenario"])
    names = list(dict.fromkeys(frame.index.get_level_values("scenario")))
    for position, name in enumerate(names):
        shown = page.values("comparison", f"p{position}")
        expected = frame.xs(name, level="scenario")["probability"]
        assert shown == expected.to_dict()
    changes = page.values("comparison", "change1")
    expected = frame.xs(names[1], level="scenario")["change"].dropna()
    assert changes == expected.to_dict()
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert len(page.images) == len(pngs) == 2
    assert not [r for r in page.references if not r.startswith(("data:", "#"))]
    assert "changes-2" in page.cells  # what the second scenario changes


def _column(page: Page, table: str, column: str) -> list[float]:
    """The full values of a table's column, in order (rows need not be unique)."""
    return [
        float(c["data-value"])
        for c in page.cells.get(table, [])
        if c.get("data-column") == column and "data-value" in c
    ]


def _self_contained(folder: Path) -> Page:
    """The folder's report.html, checked to need nothing but itself and to embed every
    PNG of the folder."""
    source = (folder / "report.html").read_text(encoding="utf-8")
    page = Page(source)
    assert not [r for r in page.references if not r.startswith(("data:", "#"))]
    assert "<link" not in source and "<script" not in source
    pngs = sorted(p.name for p in folder.glob("*.png"))
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in page.images}
    assert len(page.images) == len(pngs)
    assert embedded == {(folder / name).read_bytes() for name in pngs}
    return page


def test_every_sweep_writes_a_report_whose_tables_are_its_csv_files(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text(
        "name: g<&>\naxes:\n  drivers.investment.shift: [-4, 0, 4]\n"
        "  drivers.exports.shift: [-4, 4]\nsimulation: {draws: 4000, seed: 5}\n",
        encoding="utf-8",
    )
    out = tmp_path / "surface"
    assert main(["sweep", "--grid", str(grid), "--quiet", "--out", str(out)]) == 0
    page = _self_contained(out)
    assert len(page.images) == 2
    source = (out / "report.html").read_text(encoding="utf-8")
    assert "g&lt;&amp;&gt;" in source and "g<&>" not in source  # escaped
    frontier = pd.read_csv(out / "frontier.csv")
    assert len(frontier)
    shown = _column(page, "frontier", "drivers.investment.shift")
    assert shown == list(frontier["drivers.investment.shift"])
    assert [r for r in page.rows["frontier"]] == list(frontier["target"])
    sweep = pd.read_csv(out / "sweep.csv")
    gdp = sweep[sweep["target"] == "gdp_growth"]["probability"]
    assert _column(page, "sweep", "gdp_growth") == list(gdp)
    joint = sweep[sweep["target"] == "joint"]["probability"]
    assert _column(page, "sweep", "joint") == list(joint)
    assert any("simulation" in block for block in page.pre)  # the scenario to rerun it


def test_every_score_writes_a_report_whose_tables_are_its_csv_files(tmp_path):
    out = tmp_path / "score"
    assert main(["score", "--out", str(out)]) == 0
    page = _self_contained(out)
    assert len(page.images) == 1
    summary = pd.read_csv(out / "score_summary.csv", index_col=0)
    shown = page.values("score-summary", "log_score")
    assert shown == summary["log_score"].to_dict()
    assert any("tjsim score" in block for block in page.pre)  # the printout


@pytest.mark.slow
def test_the_panel_score_writes_a_report_too(tmp_path):
    out = tmp_path / "panel"
    assert main(["score", "--panel", "--out", str(out)]) == 0
    page = _self_contained(out)
    assert len(page.images) == 2
    summary = pd.read_csv(out / "panel_summary.csv")
    assert _column(page, "panel-summary", "crps") == list(summary["crps"])
    frame = pd.read_csv(out / "panel_score.csv")
    assert len(page.rows["panel-score"]) == len(frame)


def test_a_small_error_of_a_change_never_shows_as_zero():
    # A comparison once printed "+4.6 ± 0.0*": a starred change with no error shown.
    from tjsim.report.numbers import error_points

    assert error_points(0.00031) == "0.031"
    assert error_points(0.0012) == "0.1"
    assert error_points(0.0123) == "1.2"
    assert error_points(0.0) == "0.0"


def test_the_facts_table_shows_each_source_under_its_fact(downturn_run, calibration):
    """Five columns (no source column to scroll to): each fact's row, then a row of its
    source across the whole table."""
    source = (downturn_run / "report.html").read_text(encoding="utf-8")
    table = source[source.index('<table id="facts">') :]
    table = table[: table.index("</table>")]
    heads = re.findall(r'<th class="[^"]*" scope="col">([^<]*)</th>', table)
    assert heads == ["fact", "value", "in the scenario", "where the scenario meets it", "kind"]
    rows = re.findall(r'<tr class="(fact|source)" data-target="([^"]*)">', table)
    facts = touched_facts(tjsim.load_scenario(SCENARIOS / "property_downturn.yaml"), calibration)
    expected = [(kind, fid) for fid in facts["id"] for kind in ("fact", "source")]
    assert rows == expected
    sources = re.findall(
        r'<tr class="source" data-target="[^"]*"><td colspan="5">(.*?)</td>', table
    )
    assert sources == [text(s) for s in facts["source"]]
    assert 'class="prose"' not in table


def test_one_precision_rule_for_an_indicators_values():
    from tjsim.report import numbers

    assert numbers.values([4.4567, -0.8], "%") == ["4.46", "-0.80"]
    assert numbers.values([2317.81, 48.23], "10k TEU") == ["2,318", "48"]
    assert numbers.values([0.7722, 0.05], "ratio") == ["0.772", "0.050"]
    assert numbers.values([35.7, 0.6355], "10k persons") == ["35.7", "0.6"]
    assert numbers.value(-0.0004, 2) == "0.00"  # never "-0.00"
    assert numbers.values([math.nan, 1.0], "") == ["-", "1.00"]
    assert numbers.published_note(4.5, 0.1, "%") == "4.5% as published, rounded to 0.1"
    assert numbers.published_note(2300.0, 0.0, "10k TEU") == ""


def test_central_cases_show_one_precision_in_the_report_and_the_printout(tmp_path, capsys):
    """report.html's central-case table and ``tjsim run --summary`` show the same text:
    two decimals in percent, three significant figures otherwise (2,318, not 2317.81 or
    a mix of 0.7722 and 2318)."""
    from tjsim.report.text import format_summary, summary_cells

    result = tjsim.simulate(draws=5_000, seed=3)
    write_run(result, tmp_path)
    source = (tmp_path / "report.html").read_text(encoding="utf-8")
    table = source[source.index('<table id="summary">') :]
    table = table[: table.index("</table>")]
    shown: dict[str, dict[str, str]] = {}
    for target, row in re.findall(r'<tr data-target="([^"]*)">(.*?)</tr>', table):
        cells = re.findall(r'data-column="([a-z0-9]+)" data-value="[^"]*">([^<]*)</td>', row)
        shown[target] = dict(cells)
    assert shown == summary_cells(result)
    assert re.fullmatch(r"-?\d+\.\d\d", shown["gdp_growth"]["central"])
    assert re.fullmatch(r"\d,\d\d\d", shown["container_throughput"]["central"])
    assert re.fullmatch(r"\d\d\.\d", shown["urban_jobs"]["central"])
    printout = format_summary(result)
    for target, row in shown.items():
        line = next(x for x in printout.splitlines() if x.startswith(target + " "))
        assert line.split()[1:] == list(row.values()), target
    assert main(["run", "--draws", "5000", "--seed", "3", "--summary"]) == 0
    assert printout in capsys.readouterr().out


def test_the_templates_escape_what_they_are_given():
    """Autoescaping is on: a value that reaches the markup unfiltered is escaped, and an
    attribute cannot be broken out of."""
    from tjsim.report import html as report_html

    env = report_html._environment()
    assert env.autoescape is True
    cell = env.get_template("blocks.html.j2").module.cell
    shown = str(cell("<b>x</b>", value=0.5, classes="num", column='c"1'))
    assert shown == (
        '<td class="num" data-column="c&quot;1" data-value="0.5">&lt;b&gt;x&lt;/b&gt;</td>'
    )
    assert str(cell(text("增长<1>"))) == '<td><span lang="zh-Hans">增长</span>&lt;1&gt;</td>'
