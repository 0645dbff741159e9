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


@pytest.mark.parametrize("command", ["run", "compare", "sensitivity"])
def test_every_command_takes_observed_and_says_so(command, tmp_path, capsys):
    path = tmp_path / "q1.yaml"
    path.write_text("gdp_growth: {Q1: 5.1}\n", encoding="utf-8")
    args = {
        "run": ["run"],
        "compare": ["compare", "baseline", "flood_repeat"],
        "sensitivity": ["sensitivity", "--driver", "investment"],
    }[command]
    fast = ["--draws", "4000", "--seed", "1", "--method", "sobol"]
    assert main([*args, "--observed", str(path), *fast]) == 0
    assert "conditioned on year-to-date figures: gdp_growth Q1 = 5.1" in capsys.readouterr().out


def test_require_passes_observed_on(tmp_path, monkeypatch, capsys):
    # The search itself is slow on conditioned draws (every shift re-conditions the
    # model); its printout is checked in Python above. Here: the command's wiring.
    path = tmp_path / "q1.yaml"
    path.write_text("gdp_growth: {Q1: 5.1}\n", encoding="utf-8")
    seen = {}

    def fake(target, driver, probability, scenario, **kwargs):
        seen["observed"] = scenario.observed
        return "answer"

    monkeypatch.setattr("tjsim.api.required_shift", fake)
    argv = ["require", "--target", "gdp_growth", "--driver", "investment", "--observed"]
    assert main([*argv, str(path)]) == 0
    assert seen["observed"] == {"gdp_growth": {"Q1": 5.1}}
    assert capsys.readouterr().out.strip() == "answer"


def test_the_report_folder_says_it(conditioned, tmp_path):
    from tjsim.report.files import write_run

    write_run(conditioned, tmp_path)
    assert SAID in (tmp_path / "result.txt").read_text("utf-8")
    meta = json.loads((tmp_path / "result.json").read_text("utf-8"))["metadata"]
    assert meta["conditioned"] is True and meta["observed"] == OBSERVED
    assert (tmp_path / "fan_y.png").is_file()
