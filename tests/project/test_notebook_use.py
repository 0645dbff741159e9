"""Small surprises a notebook user met: positional draws, bundled names, the kept-draws
table, sensitivity units and index, help(tjsim), the notebook command."""

from __future__ import annotations

import importlib.util
import pydoc
import re
import warnings

import numpy as np
import pytest

import tjsim
from paths import ROOT
from toy import Toy

TOY_CAL = Toy().calibration()


def test_positional_draws_say_that_draws_is_keyword_only():
    with pytest.raises(tjsim.ScenarioError, match=r"draws is keyword-only: simulate\(draws="):
        tjsim.simulate(100_000)
    with pytest.raises(tjsim.ScenarioError, match="found list"):
        tjsim.simulate([1, 2])


def test_bundled_scenarios_are_accepted_by_name():
    by_name = tjsim.simulate("baseline", draws=2_000, seed=1)
    default = tjsim.simulate(draws=2_000, seed=1)
    assert by_name.scenario.name == "baseline"
    assert by_name.probabilities()["probability"].equals(default.probabilities()["probability"])
    assert tjsim.simulate("property_downturn", draws=1_000).scenario.path.endswith(
        "property_downturn.yaml"
    )
    with pytest.raises(tjsim.ScenarioError) as info:
        tjsim.simulate("propety_downturn", draws=1_000)
    assert "did you mean 'property_downturn'?" in str(info.value)
    assert "bundled: baseline" in str(info.value)
    with pytest.raises(tjsim.ScenarioError, match=r"no such file|not found|does not exist"):
        tjsim.simulate("missing/file.yaml", draws=1_000)


def test_the_kept_draws_table_is_not_the_draw_count():
    result = tjsim.simulate(draws=1_000, seed=1, keep_draws=True, calibration=TOY_CAL)
    assert result.n_draws == 1_000
    assert result.kept_draws.shape == (1_000, len(result.model.indicators))
    assert not hasattr(result, "draws")


def test_sensitivities_have_one_probability_unit_and_a_sorted_index():
    table = tjsim.sensitivities(
        drivers=["a", "b"], draws=20_000, seed=2, step=1.0, calibration=TOY_CAL
    )
    # With a step of one swing the derivative uses the p_minus and p_plus draws: the
    # sensitivity is their difference over two swings, in the same unit.
    np.testing.assert_allclose(
        table["sensitivity"], (table["p_plus"] - table["p_minus"]) / (2 * table["swing"])
    )
    assert table[["probability", "p_minus", "p_plus"]].le(1).all().all()
    assert set(table.attrs["units"]) >= {"sensitivity", "probability"}
    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    assert targets[-1] == "joint" and targets[:-1] == list(TOY_CAL.targets)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table.loc[(targets[0], "b")]
        table.loc[(targets[1], "a"), "sensitivity"]
        sliced = table.loc[targets[0] : targets[1]]
    assert list(dict.fromkeys(sliced.index.get_level_values("target"))) == targets[:2]
    text = tjsim.analysis.format_sensitivities(table)
    cell = f"{100 * table.loc[(targets[0], 'a'), 'sensitivity']:+.1f}"
    assert cell in text  # printed in points


def test_help_opens_on_a_quickstart_that_runs():
    text = pydoc.render_doc(tjsim, renderer=pydoc.plaintext)
    description = text[text.index("DESCRIPTION") : text.index("PACKAGE CONTENTS")]
    for name in ("tjsim.simulate", "tjsim.baseline", "tjsim.compare", "tjsim.facts"):
        assert name in description
    code = tjsim.__doc__.split("::", 1)[1].split("\n\n" + "Scenario files")[0]
    code = "\n".join(line[4:] for line in code.splitlines())
    code = code.replace("100_000", "5_000")
    # A quiet print for the quickstart alone (patching builtins.print would reach numba
    # too, which compiles its kernel on first use and cannot type a lambda).
    exec(compile(code, "tjsim.__doc__", "exec"), {"print": lambda *args, **kwargs: None})


def test_the_notebook_command_is_installed_with_the_dev_extra():
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    dev = re.search(r"^dev = \[(.*?)^\]", text, re.S | re.M).group(1)
    assert re.search(r'^\s*"nbconvert[<>=]', dev, re.M)
    if importlib.util.find_spec("nbconvert") is None:
        pytest.skip("nbconvert is not installed (pip install -e '.[dev]' installs it)")
    assert "jupyter nbconvert --to notebook --execute" in (ROOT / "README.md").read_text("utf-8")


def test_sensitivities_of_a_run_with_quarters_use_its_draws():
    result = tjsim.simulate(draws=5_000, seed=4, quarterly=True, calibration=TOY_CAL)
    table = tjsim.sensitivities(result, ["a"], calibration=TOY_CAL)
    np.testing.assert_array_equal(
        table.xs("a", level="driver")["probability"].drop("joint"),
        result.probabilities()["probability"],
    )
