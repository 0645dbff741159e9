"""Finding things: facts by word, and listings of drivers, events and parameters."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tjsim
from tjsim.calibration.tables import matches_word, phrase
from tjsim.cli import main
from toy import Toy

CAL = tjsim.load_calibration()
ALL_FACTS = tjsim.facts(CAL, derived=True)


def test_grep_port_finds_the_port_not_every_report():
    found = tjsim.facts(derived=True, grep="port")
    assert "containers_2023" in set(found["id"])  # "(Tianjin port)" in its label
    substring = ALL_FACTS["source"].str.contains("port", case=False)
    assert len(found) < substring.sum() / 5  # the old search matched "report"
    for row in found.itertuples():
        text = f"{row.id} {row.label} {phrase(row.source)}"
        assert re.search(r"(?<![a-z0-9])port", text, re.IGNORECASE), row.id


def test_grep_searches_the_quoted_phrase_not_the_locator():
    assert phrase("report 一 (overview): 全年全市生产总值") == "全年全市生产总值"
    assert phrase("Tianjin 2022 statistical communique, as reprinted") == ""
    found = tjsim.facts(grep="生产总值")  # Chinese matches anywhere in the phrase
    assert "gdp_2023" in set(found["id"])
    assert tjsim.facts(grep="overview").empty  # a locator, not a phrase


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(ALL_FACTS["id"])), st.data())
def test_a_word_of_an_id_finds_that_fact(fact_id, data):
    word = data.draw(st.sampled_from(fact_id.split("_")))
    prefix = word[: data.draw(st.integers(1, len(word)))]
    found = tjsim.facts(derived=True, grep=prefix.upper())
    assert fact_id in set(found["id"])
    assert all(
        matches_word(f"{r.id} {r.label} {phrase(r.source)}", prefix) for r in found.itertuples()
    )


def test_the_command_line_and_python_find_the_same_facts(capsys):
    assert main(["facts", "--grep", "port"]) == 0
    out = capsys.readouterr().out
    ids = [line.split()[0] for line in out.splitlines()[1:] if line and not line[0].isspace()]
    assert ids[:-1] == list(tjsim.facts(derived=True, grep="port")["id"])


def test_grep_export_finds_the_export_rows():
    found = tjsim.facts(derived=True, grep="export")
    assert {"exports_central", "lithium_battery_exports_growth_2023"} <= set(found["id"])
    for row in found.itertuples():  # "export" begins a word, not inside one
        text = f"{row.id} {row.label} {phrase(row.source)}"
        assert re.search(r"(?<![a-z0-9])export", text, re.IGNORECASE), row.id


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"kind": "reprt"}, "unknown kind 'reprt' (did you mean 'report'?)"),
        ({"kind": "Assumptions"}, "(did you mean 'assumption'?)"),
        ({"kind": 3}, "unknown kind '3'"),
        ({"grep": 5}, "grep must be a word"),
        ({"derived": "yes"}, "derived must be True or False"),
    ],
)
def test_a_misspelt_facts_filter_is_an_error_not_an_empty_table(arguments, words):
    with pytest.raises(tjsim.ScenarioError) as caught:
        tjsim.facts(**arguments)
    assert words in str(caught.value)


def test_kind_derived_lists_the_derived_parameters():
    found = tjsim.facts(kind="derived")
    assert len(found) == len(CAL.derived) and set(found["kind"]) == {"derived"}


def test_drivers_list_every_variable_with_its_shock():
    table = tjsim.drivers()
    assert set(table.index) == set(CAL.variables)
    layers = list(table["layer"])
    assert layers[: layers.count("driver")] == ["driver"] * layers.count("driver")
    toy = Toy()
    toy_table = tjsim.drivers(toy.calibration())
    assert toy_table.loc["a", "spread"] == toy.sd_a
    assert toy_table.loc["y", "shock"] == "normal"


def test_events_have_the_probabilities_the_model_uses():
    table = tjsim.events()
    model = tjsim.compile_model(CAL)
    assert list(table.index) == list(CAL.events)
    events = model.basis[model.n_shocks :]
    for eid, p in zip(events, model.event_probabilities, strict=True):
        assert table.loc[eid, "probability"] == pytest.approx(p)
        for variable in CAL.events[eid].impact:
            assert variable in table.loc[eid, "impact"]


def test_parameters_are_what_with_parameter_accepts():
    table = tjsim.parameters()
    base = tjsim.baseline()
    for pid, row in table.iterrows():
        if row["kind"] == "derived":
            with pytest.raises(tjsim.ScenarioError, match="is derived"):
                base.with_parameter(pid, row["value"])
        else:
            base.with_parameter(pid, row["value"])  # accepted at the call
    for spec in CAL.variables.values():
        for name in re.findall(r"[a-z_][a-z0-9_]*", spec.equation):
            if name in ALL_FACTS["id"].values and name not in CAL.variables:
                assert name in table.index, name
    assert table["used_by"].str.contains("equation").any()
