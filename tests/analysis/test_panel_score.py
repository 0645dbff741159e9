"""The reporting model scored on the panel: whole years left out, scores of known cases,
the benchmarks, the result's tables and figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import tjsim
from paths import ROOT
from tjsim.analysis import panel_score, reporting
from tjsim.analysis.reporting import Choices, GrowthDistribution
from tjsim.result.panel_score import BENCHMARKS


def _normal_crps(mu: float, s: float, y: float) -> float:
    z = (y - mu) / s
    return s * (z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))


@pytest.mark.parametrize("y", [-1.0, 3.9, 4.2, 5.0, 8.0])
def test_scores_of_a_normal_forecast_match_closed_forms(y):
    d = GrowthDistribution(4.2, 0.8)
    assert d.logpdf(y) == pytest.approx(stats.norm.logpdf(y, 4.2, 0.8), rel=1e-12)
    assert d.crps(y) == pytest.approx(_normal_crps(4.2, 0.8, y), abs=2e-5)
    row = panel_score._score(d, y)
    assert row["pit"] == pytest.approx(stats.norm.cdf(y, 4.2, 0.8))
    assert row["in90"] == (stats.norm.ppf(0.05, 4.2, 0.8) <= y <= stats.norm.ppf(0.95, 4.2, 0.8))


def test_the_crps_of_a_mixture_is_its_expected_distance():
    """CRPS = E|X - y| - E|X - X'|/2, estimated from draws."""
    d = GrowthDistribution(4.0, 0.7, -0.3, 0.15, -3.5, 2.0)
    x = d.sample(200_000, seed=3)
    x2 = d.sample(200_000, seed=4)
    y = 4.4
    energy = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x - x2))
    assert d.crps(y) == pytest.approx(energy, abs=0.01)


def small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for r in range(12):
        bias = rng.normal(-0.2, 0.3)
        for year in range(2016, 2024):
            target = round(rng.uniform(5, 7), 1)
            shock = -3.5 if year in reporting.BREAK_YEARS else 0.0
            rows.append(
                {
                    "region": f"r{r}",
                    "year": year,
                    "target": target,
                    "outturn": round(target + bias + shock + rng.normal(0, 0.6), 1),
                    "qualifier": "左右",
                }
            )
    return pd.DataFrame(rows)


CHOICES = Choices(stand_in="previous", pooling="partial", error="normal", labels="labelled")


@pytest.mark.slow
def test_leaving_a_year_out_never_sees_it():
    """Perturbing the scored year's outturns leaves its predictions unchanged, and
    changes those of the other years (whose fits see it)."""
    panel = small_panel()
    base = panel_score.leave_year_out(panel, CHOICES, benchmarks=False)
    moved = panel.copy()
    moved.loc[moved["year"] == 2019, "outturn"] += rng_noise(len(moved[moved["year"] == 2019]))
    other = panel_score.leave_year_out(moved, CHOICES, benchmarks=False)
    columns = ["centre", "low90", "low50", "high50", "high90"]
    same = base["year"] == 2019
    pd.testing.assert_frame_equal(base.loc[same, columns], other.loc[same, columns])
    assert not np.allclose(
        base.loc[base["year"] == 2017, "centre"], other.loc[other["year"] == 2017, "centre"]
    )


def rng_noise(n: int) -> np.ndarray:
    return np.random.default_rng(9).normal(0, 2.0, n)


def test_the_v02_benchmark_uses_the_calibrations_priors():
    p = tjsim.load_calibration().parameters()
    for name, value in panel_score.V02_PRIORS.items():
        assert p[name] == value, name


def test_the_v02_benchmark_on_a_known_record():
    train = pd.DataFrame(
        {
            "region": ["a"] * 4,
            "year": [2019, 2020, 2021, 2023],
            "gap": [0.5, -4.0, 0.1, 0.3],
        }
    )
    d = panel_score._v02_distribution(train, "a", 5.0)
    ordinary = np.array([0.5, 0.1, 0.3])
    assert d.centre == pytest.approx(5.0 + ordinary.mean())
    spread = math.sqrt((np.sum((ordinary - ordinary.mean()) ** 2) + 3 * 0.49) / (2 + 3))
    assert d.spread == pytest.approx(spread)
    assert d.break_probability == pytest.approx((50 * 0.04 + 1) / (50 + 4))
    assert d.break_impact == pytest.approx((-3.0 + (-4.0 - ordinary.mean())) / 2)
    assert d.break_spread == 0


@pytest.fixture(scope="module")
def scored():
    return tjsim.score(panel=True)


def test_every_pair_is_scored_once(scored):
    table = scored.to_frame()
    pairs = tjsim.panel(pairs_only=True)
    assert len(table) == len(pairs) == 110
    assert set(table["kind"]) == set(panel_score.KINDS)
    for prefix in ("", "naive_", "bias_", "v02_"):
        for column in ("pit", "in50", "in90", "log_score", "crps"):
            assert table[prefix + column].notna().all(), prefix + column
    assert (table["low90"] <= table["low50"]).all() and (table["high50"] <= table["high90"]).all()


def test_summary_by_kind_of_year(scored):
    s = scored.summary()
    assert set(s.index.get_level_values(0)) == {"all pairs", *panel_score.KINDS}
    assert set(s.index.get_level_values(1)) == {"model", *BENCHMARKS}
    t = scored.to_frame()
    assert s.loc[("all pairs", "model"), "log_score"] == pytest.approx(t["log_score"].mean())
    part = t[t["kind"] == "2020 and 2022"]
    assert s.loc[("2020 and 2022", "naive"), "coverage_90"] == pytest.approx(
        part["naive_in90"].mean()
    )
    goals = scored.goals()
    assert len(goals) == 4 and goals["met"].dtype == bool
    text = str(scored)
    assert "goals:" in text and "naive" in text


def test_figures_draw(scored):
    import matplotlib

    matplotlib.use("Agg")
    ax = scored.plot_pit()
    assert ax.get_legend() is not None
    ax = scored.plot()
    assert ax.get_ylabel().startswith("outturn - target")


@pytest.mark.slow
def test_the_default_choices_are_the_best_scored():
    """The variant fitted by default is the one the docs' table of alternatives ranks
    first (the table is generated by the same function)."""
    table = panel_score.choices_table(tjsim.panel())
    assert table.index[0] == "chosen", table[["log_score"]]


def test_the_numbers_quoted_in_the_scoring_page_are_fresh(scored):
    """The prose of docs/scoring.md quotes numbers from the tables; they must match a
    fresh computation (the tables themselves are checked by tests/project/test_docs.py)."""

    page = (ROOT / "docs" / "scoring.md").read_text("utf-8")
    section = page[page.index("## Scored on 31 regions") :]
    s = scored.summary()
    model = scored.model
    t = scored.to_frame()
    y2021 = t[t["year"] == 2021]
    ordinary = s.loc["2021 and 2023"]
    d = model.predict("天津", 4.5, "左右", projection=reporting.sectoral_projection(), year=2024)
    odds = d.probabilities()["probability"]
    quoted = {
        "90% bands hold": f"{s.loc[('all pairs', 'model'), 'coverage_90']:.0%}",
        "50% bands": f"{s.loc[('all pairs', 'model'), 'coverage_50']:.0%}",
        "normal (b) by": f"{s.loc[('all pairs', 'model'), 'log_score'] - s.loc[('all pairs', 'bias'), 'log_score']:.2f}",
        "naive normal (a)\nby": f"{s.loc[('all pairs', 'model'), 'log_score'] - s.loc[('all pairs', 'naive'), 'log_score']:.2f}",
        "CRPS (": f"{ordinary.loc['model', 'crps']:.2f} against {ordinary.loc['naive', 'crps']:.2f}",
        "held only": f"{y2021['in50'].mean():.0%} of 2021",
        "bands hold": f"{s.loc[('all pairs', 'v02'), 'coverage_50']:.0%} and {s.loc[('all pairs', 'v02'), 'coverage_90']:.0%}",
        "the fitted $s$,": f"{model.spread:.2f}",
        "$\\tau_b$ =": f"{model.tau:.2f}",
        "is negative\n(": f"{model.w:.2f}",
        "mean bias is negative (": f"{model.beta:.2f}",
        "ordinary spread, the panel's, is wide (": f"{model.spread:.2f}",
        "a break (": f"{model.break_probability:.0%}, of mean size {model.break_impact:.1f}",
        "as published) is": f"{odds['published']:.0%}",
        "it is": f"{odds['about']:.0%}",
    }
    for what, value in quoted.items():
        assert value in section, (what, value)


@pytest.mark.slow
def test_score_panel_command(tmp_path, capsys):
    from tjsim.cli import main

    out = tmp_path / "panel"
    assert main(["score", "--panel", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "goals:" in text and "2020 and 2022" in text
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == [
        "panel_bands.png",
        "panel_pit.png",
        "panel_score.csv",
        "panel_summary.csv",
        "report.html",
    ]
    assert len(pd.read_csv(out / "panel_score.csv")) == 110
    assert main(["odds", "--help"]) == 0 and "tjsim odds" in capsys.readouterr().out
