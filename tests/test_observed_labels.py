"""Runs conditioned on year-to-date figures say so, and on what, wherever they show."""

from __future__ import annotations

import json

import pytest

import tjsim
from tjsim.cli import main
from toy import Toy

TOY_CAL = Toy().calibration()
OBSERVED = {"y": {"Q1": 5.6}}
SAID = "conditioned on year-to-date figures: y Q1 = 5.6"


@pytest.fixture(scope="module")
def conditioned():
    return tjsim.simulate(draws=5_000, seed=1, calibration=TOY_CAL, observed=OBSERVED)


@pytest.fixture(scope="module")
def plain():
    return tjsim.simulate(draws=5_000, seed=1, calibration=TOY_CAL, quarterly=True)


def test_printout_repr_html_and_metadata_say_it(conditioned, plain):
    assert SAID in str(conditioned).splitlines()[2]
    assert SAID in repr(conditioned)
    assert SAID in conditioned._repr_html_()
    assert conditioned.metadata["conditioned"] is True
    assert conditioned.metadata["observed"] == OBSERVED
    assert conditioned.conditioning == SAID
    assert "conditioned" not in str(plain) and "conditioned" not in repr(plain)
    assert plain.metadata["conditioned"] is False


def test_figure_titles_say_it(conditioned, plain):
    assert "conditioned on y Q1 = 5.6" in conditioned.plot().get_title()
    assert "conditioned on y Q1 = 5.6" in conditioned.plot("y").get_title()
    assert "conditioned on y Q1 = 5.6" in conditioned.plot_fan("y").get_title()
    assert "conditioned" not in plain.plot().get_title()


def test_the_unconditioned_fan_chart_explains_its_flat_band(plain):
    ax = plain.plot_fan("y")
    assert ax.get_title().endswith("y, unconditioned")
    notes = " ".join(text.get_text() for text in ax.texts)
    assert "no year-to-date figure is observed yet" in notes


def test_histogram_quantile_lines_have_a_legend(plain):
    ax = plain.plot("y")
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ["5% quantile", "median", "95% quantile"]


def test_sensitivities_required_shift_and_compare_accept_observed():
    table = tjsim.sensitivities(
        drivers=["a"], draws=5_000, seed=1, calibration=TOY_CAL, observed=OBSERVED
    )
    assert table.attrs["metadata"]["observed"] == OBSERVED
    needed = tjsim.required_shift(
        "y_high", "a", 0.8, draws=5_000, seed=1, calibration=TOY_CAL, observed=OBSERVED
    )
    assert SAID in str(needed)
    base = tjsim.baseline(TOY_CAL)
    result = tjsim.compare(
        base, base.with_shift("a", 1), draws=5_000, seed=1, calibration=TOY_CAL, observed=OBSERVED
    )
    assert all(r.metadata["observed"] == OBSERVED for r in result.results)
    assert f"baseline: {SAID}" in str(result)


def test_a_result_brings_its_own_conditioning(conditioned):
    with pytest.raises(tjsim.ScenarioError, match="observed comes from the result"):
        tjsim.sensitivities(conditioned, ["a"], observed=OBSERVED, calibration=TOY_CAL)


@pytest.mark.parametrize("command", ["run", "compare", "sensitivity", "require"])
def test_every_command_takes_observed_and_says_so(command, tmp_path, capsys):
    path = tmp_path / "q1.yaml"
    path.write_text("gdp_growth: {Q1: 5.1}\n", encoding="utf-8")
    args = {
        "run": ["run"],
        "compare": ["compare", "baseline", "flood_repeat"],
        "sensitivity": ["sensitivity", "--driver", "investment"],
        "require": ["require", "--target", "gdp_growth", "--driver", "investment"],
    }[command]
    fast = ["--draws", "20000", "--seed", "1"]
    assert main([*args, "--observed", str(path), *fast]) == 0
    assert "conditioned on year-to-date figures: gdp_growth Q1 = 5.1" in capsys.readouterr().out


def test_the_report_folder_says_it(tmp_path, capsys):
    path = tmp_path / "q1.yaml"
    path.write_text("gdp_growth: {Q1: 5.1}\n", encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", "--observed", str(path), "--draws", "20000", "--seed", "1"]
    assert main([*argv, "--out", str(out), "--quiet"]) == 0
    said = "conditioned on year-to-date figures: gdp_growth Q1 = 5.1"
    assert said in (out / "result.txt").read_text("utf-8")
    meta = json.loads((out / "result.json").read_text("utf-8"))["metadata"]
    assert meta["conditioned"] is True and meta["observed"] == {"gdp_growth": {"Q1": 5.1}}
    assert (out / "fan_gdp_growth.png").is_file()
