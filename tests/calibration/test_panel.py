"""The provincial panel: the packaged record, its loaders and tjsim.panel()."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

import tjsim
from tjsim.calibration import panel as P
from tjsim.errors import CalibrationError

#: What the panel's README states (the gathered record's own counts).
README_PAIRS_BY_YEAR = dict(
    zip(range(2013, 2024), (1, 7, 6, 4, 3, 6, 6, 7, 31, 10, 29), strict=True)
)
README_PAIR_GRADES = {"H": 33, "M": 72, "L": 5}
README_PAIR_QUALIFIERS = {"左右": 45, "以上": 32, "range": 4, "": 29}


@pytest.fixture(scope="module")
def panel():
    return P.load_panel()


@pytest.fixture(scope="module")
def pairs(panel):
    return P.pairs(panel)


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(P.panel_folder() / name, comment="#", keep_default_na=False, dtype=str)


# ----------------------------------------------------------------------------- the data
def test_the_panel_has_every_row_of_the_file_in_order(panel):
    assert list(panel.columns) == list(P.PANEL_COLUMNS)
    assert len(panel) == len(_raw("provinces.csv")) == 205
    assert panel["region"].nunique() == 31
    assert panel["year"].dtype == np.int64
    for column in ("target", "target_high", "outturn"):
        assert panel[column].dtype == np.float64
    order = {r: i for i, r in enumerate(P.load_regions()["region"])}
    keys = list(zip(panel["region"].map(order), panel["year"], strict=True))
    assert keys == sorted(keys)
    assert set(panel["grade"]) <= set(P.GRADES)
    assert set(panel["qualifier"]) <= set(P.QUALIFIERS)
    assert (panel["target_high"].isna() == panel["target"].isna()).all()
    ranges = panel["target_high"] > panel["target"]
    assert (panel.loc[ranges, "qualifier"] == "range").all()
    assert (panel.loc[panel["qualifier"] == "range"].eval("target_high > target")).all()


def test_pairs_and_their_coverage_match_the_readme(pairs):
    assert len(pairs) == 110
    assert (pairs["gap"] == pairs["outturn"] - pairs["target"]).all()
    by_year = pairs.groupby("year").size().to_dict()
    assert by_year == README_PAIRS_BY_YEAR
    assert pairs["grade"].value_counts().to_dict() == README_PAIR_GRADES
    assert pairs["qualifier"].value_counts().to_dict() == README_PAIR_QUALIFIERS


def test_the_pairs_are_counted_from_the_file(pairs):
    raw = _raw("provinces.csv")
    both = raw[(raw["target_low"] != "") & (raw["outturn_real_gdp_pct"] != "")]
    assert len(pairs) == len(both)
    assert pairs.groupby("year").size().to_dict() == (
        both["year"].astype(int).value_counts().sort_index().to_dict()
    )


def test_tianjin_gaps_are_the_readme_s(pairs):
    tianjin = pairs[pairs["pinyin"] == "tianjin"].set_index("year")["gap"].round(1)
    assert tianjin.to_dict() == {
        2014: -1.0,
        2015: 0.3,
        2017: -4.4,
        2018: -1.4,
        2019: 0.3,
        2020: -3.5,
        2021: 0.1,
        2022: -4.0,
        2023: 0.3,
    }


def test_every_source_key_resolves():
    keys = P._packaged_keys()
    checked = 0
    for name, columns in (
        ("provinces.csv", ("target_source", "outturn_source")),
        ("quarterly.csv", ("source",)),
        ("tianjin-record.csv", ("source",)),
    ):
        own = {**keys, **P._read_table(P.panel_folder() / name, ()).keys}
        for column in columns:
            for text in _raw(name)[column]:
                for token in re.findall(r"\b[A-Z]{2,}\d{2}[A-Za-z0-9]*\b|\b[A-Z]{3,}\b", text):
                    if token != "NAMPA":  # a news agency named inside a description
                        assert token in own, f"{name}: {column} cites '{token}'"
                        checked += 1
                if text and text != "none":
                    assert P.source_keys(text, own), f"{name}: no key in '{text}'"
    assert checked > 500
    panel = P.load_panel()
    assert (panel.loc[panel["target"].notna(), "target_source"] != "").all()
    assert (panel.loc[panel["outturn"].notna(), "outturn_source"] != "").all()


def test_sources_are_expanded_in_order():
    panel = P.load_panel().set_index(["pinyin", "year"])
    row = panel.loc[("tianjin", 2021)]
    keys = P._packaged_keys()
    assert row["target_source"] == f"{keys['TJN']}; {keys['GC21']}"
    assert row["outturn_source"] == f"{keys['CAM21']}; {keys['TJN']}"
    for text in P._packaged_keys().values():
        assert not re.search(r"(^|\s)/\w+/", text), f"a file path as a source: {text}"


def test_regions_file():
    regions = P.load_regions()
    assert list(regions.columns) == ["region", "pinyin", "english"]
    assert len(regions) == 31
    assert set(regions["region"]) == set(P.load_panel()["region"])
    assert regions["pinyin"].str.fullmatch(r"[a-z]+").all()
    named = dict(zip(regions["region"], regions["english"], strict=True))
    assert named["内蒙古"] == "Inner Mongolia"
    assert named["西藏"] == "Tibet"
    assert named["广西"] == "Guangxi"
    pinyin = dict(zip(regions["region"], regions["pinyin"], strict=True))
    assert pinyin["内蒙古"] == "neimenggu"
    assert pinyin["黑龙江"] == "heilongjiang"
    assert pinyin["陕西"] == "shaanxi" and pinyin["山西"] == "shanxi"


def test_quarterly_and_the_tianjin_record():
    quarterly = P.load_quarterly()
    assert list(quarterly.columns) == list(P.QUARTERLY_COLUMNS)
    assert len(quarterly) == len(_raw("quarterly.csv")) == 68
    national = quarterly[quarterly["region"] == P.NATIONAL]
    assert set(national["pinyin"]) == {"quanguo"} and len(national) == 4
    assert (quarterly["source"] != "").all()
    tianjin = quarterly[quarterly["pinyin"] == "tianjin"].set_index("year")
    assert tianjin.loc[2023, ["q1", "h1", "year_growth"]].tolist() == [5.5, 4.8, 4.3]
    assert math.isnan(tianjin.loc[2023, "q3"])

    record = P.load_tianjin_record()
    assert list(record.columns) == list(P.RECORD_COLUMNS)
    assert len(record) == len(_raw("tianjin-record.csv")) == 30
    gdp = record[record["indicator"] == "gdp_growth"].set_index("year")
    assert gdp.loc[2023, ["target", "outturn"]].tolist() == [4.0, 4.3]
    assert gdp.loc[2014, "source_keys"] == "NF15; TJWR15; XH15"
    # the panel and the record agree on Tianjin's GDP
    tj = P.load_panel().query("pinyin == 'tianjin'").set_index("year")
    for year in tj.index:
        if not math.isnan(tj.loc[year, "outturn"]):
            assert tj.loc[year, "outturn"] == gdp.loc[year, "outturn"], year


def test_loaders_return_copies():
    first = P.load_panel()
    first.loc[0, "target"] = 99.0
    assert P.load_panel().loc[0, "target"] != 99.0
    assert P.load_panel() is not P.load_panel()


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("天津", "天津"),
        ("tianjin", "天津"),
        ("Tianjin", "天津"),
        ("TIANJIN", "天津"),
        ("neimenggu", "内蒙古"),
        ("Nei Menggu", "内蒙古"),
        ("nei-menggu", "内蒙古"),
        ("Inner Mongolia", "内蒙古"),
        ("inner-mongolia", "内蒙古"),
        ("Tibet", "西藏"),
        ("xizang", "西藏"),
        ("Hei Long Jiang", "黑龙江"),
        ("Shaanxi", "陕西"),
        ("shanxi", "山西"),
    ],
)
def test_region_names(name, region):
    assert P.region_name(name) == region


def test_a_misspelt_region_gets_a_suggestion():
    with pytest.raises(
        CalibrationError, match=r"unknown region 'tianjn' \(did you mean 'tianjin'\?\)"
    ):
        P.region_name("tianjn")
    with pytest.raises(CalibrationError, match="did you mean 'Inner Mongolia'"):
        tjsim.panel("Inner Mongloia")
    with pytest.raises(CalibrationError, match="unknown region 'Atlantis'"):
        P.region_name("Atlantis")
    with pytest.raises(CalibrationError, match="found int"):
        P.region_name(12)


# ----------------------------------------------------------------------------- tjsim.panel
def test_tjsim_panel_filters(panel, pairs):
    assert tjsim.panel().equals(panel)
    tianjin = tjsim.panel("tianjin", pairs_only=True)
    assert set(tianjin["region"]) == {"天津"}
    assert tianjin["year"].tolist() == [2014, 2015, 2017, 2018, 2019, 2020, 2021, 2022, 2023]
    assert tianjin.equals(pairs[pairs["region"] == "天津"].reset_index(drop=True))
    assert tjsim.panel(pairs_only=True).equals(pairs)
    assert len(tjsim.panel("天津")) == int((panel["region"] == "天津").sum())
    both = tjsim.panel(["Tibet", "重庆"], years=range(2021, 2024))
    assert set(both["region"]) == {"西藏", "重庆"} and set(both["year"]) == {2021, 2022, 2023}
    assert len(tjsim.panel(years=2023)) == int((panel["year"] == 2023).sum())
    assert "gap" not in tjsim.panel().columns
    assert tjsim.panel(years=[1999]).empty
    with pytest.raises(tjsim.TjsimError, match="years"):
        tjsim.panel(years="2023")
    with pytest.raises(tjsim.TjsimError, match="pairs_only"):
        tjsim.panel(pairs_only="yes")


def test_tjsim_panel_quarterly():
    assert tjsim.panel_quarterly().equals(P.load_quarterly())
    assert {"panel", "panel_quarterly"} <= set(tjsim.__all__)


# ----------------------------------------------------------------------------- malformed
def _copy(tmp_path, name="provinces.csv", edit=None):
    text = (P.panel_folder() / name).read_text(encoding="utf-8")
    if edit is not None:
        text = edit(text)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def test_a_faithful_copy_loads_the_same(tmp_path):
    assert P.load_panel(_copy(tmp_path)).equals(P.load_panel())
    assert P.load_quarterly(_copy(tmp_path, "quarterly.csv")).equals(P.load_quarterly())
    record = _copy(tmp_path, "tianjin-record.csv")
    assert P.load_tianjin_record(record).equals(P.load_tianjin_record())


def test_a_value_that_is_not_a_number_names_file_and_line(tmp_path):
    bad = "天津,2023,4左右,4,4,左右,RSA23T+BBG23+TJN+KCPC23+MS23,4.3x,"
    path = _copy(
        tmp_path,
        edit=lambda t: t.replace("天津,2023,4左右,4,4,左右,RSA23T+BBG23+TJN+KCPC23+MS23,4.3,", bad),
    )
    line = _line_of(path.read_text("utf-8"), "天津,2023")
    with pytest.raises(CalibrationError) as info:
        P.load_panel(path)
    message = str(info.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert "'outturn_real_gdp_pct'" in message and "'4.3x'" in message


def test_a_missing_column_names_file_and_header(tmp_path):
    path = _copy(tmp_path, edit=lambda t: t.replace(",grade,note", ",quality,note", 1))
    with pytest.raises(CalibrationError, match=r"provinces\.csv: line 1: missing column 'grade'"):
        P.load_panel(path)


def test_an_unknown_region_names_file_and_line(tmp_path):
    path = _copy(tmp_path, edit=lambda t: t.replace("\n天津,2013,", "\n天律,2013,", 1))
    line = _line_of(path.read_text("utf-8"), "天律")
    with pytest.raises(
        CalibrationError, match=rf"provinces\.csv: line {line}: .*unknown region '天律'"
    ):
        P.load_panel(path)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,,,M,", "\n北京,2013,8,8,8,,PD13,,,A,", 1),
            "unknown grade 'A'",
        ),
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,", "\n北京,2013,8,8,8,约,PD13,", 1),
            "unknown qualifier '约'",
        ),
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,", "\n北京,2013,8,8,7,,PD13,", 1),
            "target_high >= target_low",
        ),
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,", "\n北京,13,8,8,8,,PD13,", 1),
            "expected a year",
        ),
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,", "\n北京,2013,8,8,8,,PD99,", 1),
            "source key 'PD99'",
        ),
        (
            lambda t: t.replace("\n北京,2013,8,8,8,,PD13,,,M,", "\n北京,2013,8,8,8,,PD13,,,M", 1),
            "expected 11 fields",
        ),
        (lambda t: t.replace("\n北京,2014,", "\n北京,2013,", 1), "a second row"),
    ],
)
def test_other_malformed_rows(tmp_path, edit, match):
    path = _copy(tmp_path, edit=edit)
    with pytest.raises(CalibrationError, match=rf"provinces\.csv: line \d+: .*{re.escape(match)}"):
        P.load_panel(path)


def test_a_malformed_quarterly_file(tmp_path):
    path = _copy(
        tmp_path, "quarterly.csv", edit=lambda t: t.replace("天津,2023,5.5,", "天津,2023,five,", 1)
    )
    line = _line_of(path.read_text("utf-8"), "天津,2023")
    with pytest.raises(CalibrationError, match=rf"quarterly\.csv: line {line}: column 'q1'"):
        P.load_quarterly(path)
    with pytest.raises(CalibrationError, match="cannot read"):
        P.load_panel(tmp_path / "missing.csv")
