"""The explorer without a browser: its updates are tjsim.simulate on the same draws
(checked draw for draw, against closed forms and for the monotonicity common random
numbers give), bad values are refused with the library's messages, the saved scenario
reproduces the run through `tjsim run`, the readout is tjsim.required_shift, and the
page builds (inline in a notebook too) and the command checks its input.
(tests/app/test_browser.py drives the served page in Chromium.)"""

from __future__ import annotations

import importlib
import importlib.util
import json
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import tjsim
from optional import HAVE_PANEL, requires_numba, requires_panel
from paths import ROOT, child_environment
from served import rss_mb, serve_in_thread
from tjsim import analysis, expressions
from tjsim.app.session import Explorer, control_drivers, strongest_driver
from tjsim.cli import main
from tjsim.engine import Statistic
from tjsim.engine.kernels.numpy_kernel import met_flags
from tjsim.model import compile_model
from toy import Toy

TOY = Toy()
TOY_CAL = TOY.calibration()


def toy_explorer(**kwargs) -> Explorer:
    kwargs = {"draws": 20_000, "seed": 3, **kwargs}
    return Explorer(tjsim.baseline(calibration=TOY_CAL), TOY_CAL, **kwargs)


# ---------------------------------------------------------------------- updates
def test_an_update_is_simulate_on_the_explorers_scenario_and_seed():
    explorer = toy_explorer()
    view = explorer.apply(shifts={"a": 0.5}, spread=1.5)
    run = tjsim.simulate(
        tjsim.baseline(calibration=TOY_CAL).with_shift("a", 0.5).with_scale("a", 1.5),
        draws=20_000,
        seed=3,
        calibration=TOY_CAL,
    )
    # every shock's spread is scaled: a's as asked, b's and y's too
    scaled = [v for v, change in view.result.scenario.drivers.items() if change.scale == 1.5]
    assert scaled == list(TOY_CAL.shocked)
    assert view.result.scenario.name == "baseline + a +0.5 + spreads x1.5"
    again = tjsim.simulate(view.result.scenario, calibration=TOY_CAL)
    pd.testing.assert_frame_equal(view.result.probabilities(), again.probabilities())
    assert view.probabilities.loc["joint", "probability"] == again.joint()["probability"]
    assert run.probabilities().loc["a_positive", "probability"] == pytest.approx(
        view.probabilities.loc["a_positive", "probability"], abs=0.02
    )


def test_a_shift_moves_the_odds_as_the_closed_form_says():
    explorer = toy_explorer(draws=200_000)
    for shift in (-1.0, 0.0, 1.5):
        view = explorer.apply(shifts={"a": shift}, answer=False)
        row = view.probabilities.loc["y_high"]
        exact = norm.sf(TOY.threshold_y, TOY.mu_y + TOY.beta_a * shift, TOY.sd_y)
        assert abs(row["probability"] - exact) < 4.5 * row["std_error"], shift


@settings(max_examples=8, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=2, max_size=5))
def test_common_random_numbers_make_the_odds_monotone_in_a_shift(shifts):
    """On the same draws, moving a up can only meet y_high more often; independent draws
    would break this by sampling noise at every small step."""
    explorer = toy_explorer(draws=4_000)
    seen = []
    for shift in sorted(shifts):
        view = explorer.apply(shifts={"a": shift}, answer=False)
        seen.append(view.probabilities.loc["y_high", "probability"])
    assert seen == sorted(seen)
    back = explorer.apply(shifts={"a": 0.0}, answer=False)
    start = toy_explorer(draws=4_000).update_odds()
    pd.testing.assert_frame_equal(back.probabilities, start.probabilities)


def test_the_distribution_shown_is_the_runs_histogram():
    explorer = toy_explorer()
    view = explorer.update_odds()
    assert view.indicator == "y" and set(view.thresholds) == {"y_high"}
    left, density, width = view.bars
    counts, edges = view.result.histogram("y")
    assert np.sum(density) * width == pytest.approx(1.0, abs=0.003)  # 0.1% tails cut
    assert left[0] >= edges[0] and left[-1] + width <= edges[-1] + 1e-9
    assert counts.sum() <= view.result.n_draws
    explorer.show("a")
    assert explorer.update_odds().thresholds == {"a_positive": TOY.threshold_a}
    with pytest.raises(tjsim.TjsimError, match="did you mean 'y'"):
        explorer.show("yy")


# ---------------------------------------------------------------------- bad values
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"draws": 0}, "draws must lie between 1 and"),
        ({"draws": 10**8}, "at most 2,000,000 in the explorer"),
        ({"draws": 2.5}, "draws must be a whole number"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"method": "montecarlo"}, "method must be one of mc, antithetic, sobol"),
        ({"method": "antithetic", "draws": 1001}, "even number of draws"),
        ({"spread": 0.0}, "scale must be a number > 0"),
        ({"spread": "2"}, "the common spread factor must be a finite number"),
        ({"shifts": {"a": float("nan")}}, "the shift of a must be a finite number"),
        ({"shifts": {"aa": 1.0}}, "unknown driver 'aa' \\(did you mean 'a'\\?\\)"),
        ({"scales": {"a": -1.0}}, "scale must be a number > 0"),
        ({"reading": "strickt"}, "unknown reading 'strickt'"),
        ({"colour": 1}, "unknown control 'colour'"),
    ],
)
def test_bad_values_are_refused_with_the_librarys_message_and_change_nothing(change, message):
    explorer = toy_explorer()
    before = explorer.apply(shifts={"a": 0.3}, answer=False)
    controls = explorer.controls
    with pytest.raises(tjsim.TjsimError, match=message):
        explorer.apply(**change)
    assert explorer.controls == controls
    pd.testing.assert_frame_equal(explorer.update_odds().probabilities, before.probabilities)


def test_event_probabilities_are_checked_by_the_event_builder(calibration):
    explorer = Explorer(tjsim.baseline(), calibration, draws=5_000, seed=1)
    events = dict(explorer.controls.events)
    with pytest.raises(tjsim.ScenarioError, match=r"probability must lie in \[0, 1\], found 1.5"):
        explorer.apply(events={**events, "property_slump": 1.5})
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'property_slump'"):
        explorer.apply(events={**events, "property_slumps": 0.5})
    with pytest.raises(tjsim.ScenarioError, match="strictly between 0 and 1"):
        explorer.ask(probability=1.0)
    with pytest.raises(tjsim.ScenarioError, match="unknown target"):
        explorer.ask(target="gdp")


def test_the_view_leads_with_the_headline_goals(calibration):
    explorer = Explorer(tjsim.baseline(), calibration, draws=5_000, seed=1)
    view = explorer.update_odds()
    again = tjsim.simulate(view.result.scenario, calibration=calibration)
    pd.testing.assert_frame_equal(view.headline, again.headline())
    assert list(view.headline.index[-2:]) == ["joint", "at_least_7"]
    assert toy_explorer(draws=1_000).update_odds().headline is None  # the toy marks none


@requires_panel
def test_the_page_shows_the_headline_joint_above_the_table(calibration):
    from tjsim.app.panel_app import _Page

    page = _Page(Explorer(tjsim.baseline(), calibration, draws=5_000, seed=1))
    page.refresh()
    heads = page.explorer.update_odds().headline
    for name in ("joint", "at_least_7"):
        p = float(heads.loc[name, "probability"])
        assert f"data-target='{name}' data-value='{p!r}'" in page.headline.object
    assert "All eight headline goals met together" in page.headline.object


@requires_panel
@pytest.mark.slow
def test_a_refused_value_goes_back_to_the_value_in_force(calibration):
    # A refused value once stayed in its box while the odds kept the old one.
    from tjsim.app.panel_app import _Page

    page = _Page(Explorer(tjsim.baseline(), calibration, draws=5_000, seed=1))
    page.refresh()
    draws = page.widgets["draws"]
    draws.value = 1  # fewer than two draws: refused
    assert page.error.visible and "draws" in page.error.object
    assert draws.value == 5_000 == page.explorer.controls.draws
    # A slider's box too: it reports its value when let go (value_throttled), and
    # once kept showing the refused value.
    import param

    slider = page.widgets["event-property_slump"]
    start = slider.value
    with param.edit_constant(slider):  # as a browser sets them
        slider.value = slider.value_throttled = 1.5
    assert page.error.visible and "found 1.5" in page.error.object
    assert slider.value == slider.value_throttled == start
    assert page.explorer.controls.events["property_slump"] == start


def test_a_cleared_draws_box_is_refused(calibration):
    explorer = Explorer(tjsim.baseline(), calibration, draws=2_000, seed=1)
    with pytest.raises(tjsim.ScenarioError, match="draws must be a whole number >= 2"):
        explorer.apply(draws=None)
    assert explorer.controls.draws == 2_000


def test_targets_carry_the_calibrations_names_and_the_reports_wording(calibration):
    # The page once showed targets by id (gdp_growth) only.
    explorer = Explorer(tjsim.baseline(), calibration, draws=2_000, seed=1)
    named = tjsim.targets(calibration)
    assert explorer.labels == {**named["label"].to_dict(), "joint": "All targets met together"}
    assert explorer.wordings == named["wording"].to_dict()
    assert explorer.labels["gdp_growth"] == "GDP growth about 4.5%"
    assert explorer.indicator_labels["gdp_growth"] == calibration.variables["gdp_growth"].label
    view = explorer.update_odds()
    assert view.probabilities.loc["gdp_growth", "wording"] == "地区生产总值增长4.5%左右"


def test_the_readouts_advice_names_the_pages_controls(calibration):
    # required_shift's advice, "widen bounds=(low, high)", is Python: the page has no
    # such control.
    explorer = Explorer(tjsim.baseline(), calibration, draws=2_000, seed=1)
    explorer.ask(target="container_throughput", driver="retail_sales", probability=0.99)
    answer = explorer.answer()
    assert answer.required is None and "brings the probability" in answer.message
    assert "bounds" not in answer.message
    assert answer.message.endswith(
        "ask for a probability within that range, or move another driver"
    )


def test_every_python_hint_the_readout_rewords_is_one_required_shift_gives():
    # The readout rewrites required_shift's advice by its words: a change of wording
    # there would leave Python advice on the page, silently.
    import inspect

    from source_scan import string_literals
    from tjsim.analysis import required
    from tjsim.app.session import _PAGE_HINTS

    literals = [text for _, text in string_literals(inspect.getsource(required))]
    for python in _PAGE_HINTS:
        assert any(python in text for text in literals), python


@requires_panel
def test_the_page_names_targets_and_keeps_their_ids_as_hints(calibration):
    from tjsim.app.panel_app import _Page

    page = _Page(Explorer(tjsim.baseline(), calibration, draws=2_000, seed=1))
    table = page.table.object
    row = table[table.index("data-target='gdp_growth'") :].split("</tr>")[0]
    assert "GDP growth about 4.5%" in row and "地区生产总值增长4.5%左右" in row
    assert "<code>gdp_growth</code>" in row  # the id, in small type
    assert "GDP growth about 4.5%" in page.readings.object
    assert page.bars_source.data["name"][-1] == "GDP growth about 4.5%"  # the top bar
    assert "GDP growth about 4.5%" in page.line_source.data["name"][0]
    choices = page.widgets["readout-target"].options
    assert choices["GDP growth about 4.5%"] == "gdp_growth"
    assert choices["All targets met together"] == "joint"
    assert page.widgets["readout-target"].value == "gdp_growth"
    assert page.widgets["indicator"].options[calibration.variables["gdp_growth"].label] == (
        "gdp_growth"
    )
    assert "To meet <b>GDP growth about 4.5%</b>" in page.readout.object
    assert "地区生产总值增长4.5%左右" in page.readout.object
    page.widgets["readout-target"].value = "container_throughput"
    page.widgets["readout-driver"].value = "retail_sales"
    page.widgets["readout-probability"].value = 0.99
    assert "move another driver" in page.readout.object
    assert "bounds" not in page.readout.object


# ---------------------------------------------------------------------- save and reproduce
@pytest.mark.slow
def test_the_saved_scenario_reproduces_the_explorer_through_tjsim_run(tmp_path, calibration):
    explorer = Explorer(
        tjsim.load_scenario(ROOT / "scenarios" / "property_downturn.yaml"),
        calibration,
        draws=30_000,
        seed=5,
    )
    events = {**explorer.controls.events, "stimulus_round": 0.6}
    view = explorer.apply(
        shifts={"investment": -3.0}, events=events, spread=1.2, reading="strict", answer=False
    )
    path = explorer.save(tmp_path / "explored.yaml")
    saved = tjsim.load_scenario(path)
    assert (saved.simulation.draws, saved.simulation.seed, saved.simulation.method) == (
        30_000,
        5,
        "mc",
    )
    assert saved.readings == "strict" and saved.drivers["investment"].shift == -3.0
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    csv = pd.read_csv(out / "probabilities.csv", index_col="target")
    assert csv["probability"].tolist() == view.probabilities["probability"].tolist()
    assert csv["std_error"].tolist() == view.probabilities["std_error"].tolist()
    assert json.loads((out / "result.json").read_text("utf-8"))["metadata"]["seed"] == 5


# ---------------------------------------------------------------------- the readout
def test_the_readout_is_required_shift_on_the_same_draws():
    explorer = toy_explorer()
    explorer.ask(target="y_high", driver="a", probability=0.6)
    for change in ({"shifts": {"b": 1.0}}, {"shifts": {"b": -0.5}}, {"spread": 1.3}):
        view = explorer.apply(**change)
        direct = tjsim.required_shift(
            "y_high",
            "a",
            0.6,
            view.result.scenario,
            draws=20_000,
            seed=3,
            calibration=TOY_CAL,
        )
        answer = view.answer
        assert answer is not None and answer.required is not None
        assert answer.required.shift == pytest.approx(direct.shift, abs=1e-9)
        assert answer.required.achieved == direct.achieved
        assert answer.required.start_probability == direct.start_probability


def test_an_unreachable_probability_is_said_not_raised():
    explorer = toy_explorer()
    explorer.ask(target="a_positive", driver="b", probability=0.9)  # b does not move a
    answer = explorer.update().answer
    assert answer.required is None and "no shift of 'b'" in answer.message


def test_rebased_draws_reuse_what_they_can(calibration):
    base = tjsim.baseline()
    common = analysis.common_draws(calibration, base, draws=40_000, seed=9, method="mc")
    met = [Statistic("met")]
    common.estimate(met)
    shifted = common.rebased(base.with_shift("exports", -2.0))
    fresh = analysis.common_draws(
        calibration, base.with_shift("exports", -2.0), draws=40_000, seed=9, method="mc"
    )
    fresh.estimate(met)
    strict, primary = fresh.model.target_strict, fresh.model.n_primary
    for block in common.blocks:
        assert shifted._cache[("latent", block.id)] is common._cache[("latent", block.id)]
        mine, theirs = shifted._cache[("base", block.id)], fresh._cache[("base", block.id)]
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(
            met_flags(mine, strict, primary), met_flags(theirs, strict, primary)
        )
    (mine,), (theirs,) = shifted.estimate(met), fresh.estimate(met)
    assert mine.n == theirs.n == 40_000
    np.testing.assert_array_equal(mine.sum, theirs.sum)
    np.testing.assert_array_equal(mine.square, theirs.square)
    slump = base.with_event("property_slump", 0.5)
    reshaped = shifted.rebased(slump)
    assert {name for name, _ in reshaped._cache} == {"latent"}
    assert shifted._origin is common and reshaped._origin is reshaped
    reshaped.estimate(met)
    moved = reshaped.rebased(slump.with_shift("exports", 1.0)).rebased(slump.with_shift("cpi", 1))
    assert moved._origin is reshaped  # moved once from margins computed from the basis


# ---------------------------------------------------------------------- controls
def test_default_controls_are_the_drivers_and_their_aggregates(calibration):
    drivers = control_drivers(calibration)
    layer = [v for v, spec in calibration.variables.items() if spec.layer == "driver"]
    assert drivers[: len(layer)] == layer
    for extra in drivers[len(layer) :]:
        spec = calibration.variables[extra]
        used = expressions.names(spec.tree) & set(calibration.variables)
        assert spec.layer == "aggregate" and used <= set(layer)
    assert "investment" in drivers and "gdp_growth" not in drivers
    toy = Toy(beta_b=0.2).calibration()
    start = tjsim.baseline(calibration=toy)
    assert strongest_driver(toy, start, ["a", "b"], compile_model(toy, start)) == "a"
    assert Explorer(start, toy, drivers=["b"]).drivers == ["b"]
    with pytest.raises(tjsim.TjsimError, match="unknown driver"):
        Explorer(start, toy, drivers=["c"])


# ---------------------------------------------------------------------- the page
@requires_panel
@pytest.mark.slow
def test_the_page_applies_good_values_and_shows_bad_ones():
    import panel as pn
    import param

    from tjsim.app.panel_app import _Page

    page = _Page(toy_explorer(draws=5_000))
    slider = page.widgets["shift-a"]
    assert isinstance(slider, pn.widgets.EditableFloatSlider)
    assert "tj-shift-a" in slider.css_classes
    with param.edit_constant(slider):  # as a browser sets it when the slider is let go
        slider.value_throttled = 0.5
    expected = tjsim.simulate(
        tjsim.baseline(calibration=TOY_CAL).with_shift("a", 0.5),
        draws=5_000,
        seed=3,
        calibration=TOY_CAL,
    )
    p = float(expected.probabilities().loc["y_high", "probability"])
    assert f"data-value='{p!r}'" in page.table.object
    assert "0.5" in page.status.object and not page.error.visible
    for target in page.explorer.targets:  # every target under every reading, too
        assert f"<code>{target}</code>" in page.readings.object
    page.widgets["draws"].value = 0
    assert page.error.visible and "draws must lie between 1" in page.error.object
    assert f"data-value='{p!r}'" in page.table.object  # unchanged
    page.widgets["draws"].value = 6_000
    assert not page.error.visible and "6,000 draws" in page.status.object
    assert page.readout.object  # answered (no server: at once)
    assert page.widgets["save"].filename == "baseline_a_0_5.yaml"


@requires_panel
@pytest.mark.slow
def test_explore_returns_a_page_that_shows_inline(tmp_path, monkeypatch):
    for module in ("nbclient", "nbformat", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (it comes with the dev extra)")
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", str(ROOT / "src"))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import tjsim\npage = tjsim.explore(draws=5_000, seed=1)\npage")
    ]
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"], outputs
    kinds = {kind for o in outputs for kind in o.get("data", {})}
    assert "application/vnd.holoviews_exec.v0+json" in kinds, kinds  # a live Panel view
    assert any("Row" in o.get("data", {}).get("text/plain", "") for o in outputs)


# ---------------------------------------------------------------------- the command
def test_explore_command_checks_its_input_before_serving(capsys, monkeypatch):
    assert main(["explore", "--help"]) == 0
    assert "Save as scenario" in capsys.readouterr().out
    assert main(["explore", "no_such_scenario", "--no-browser"]) == 2
    assert "no bundled scenario of that name" in capsys.readouterr().err
    assert main(["explore", "--draws", "0", "--no-browser"]) == 2
    assert "draws must lie between" in capsys.readouterr().err
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    assert main(["explore", "--no-browser"]) == 2
    assert 'pip install "tjsim[app]"' in capsys.readouterr().err


@requires_panel
def test_explore_command_refuses_a_port_in_use(capsys):
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["explore", "--draws", "2000", "--port", str(port), "--no-browser"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"cannot serve on port {port}" in err and "choose another --port" in err


# ---------------------------------------------------------------------- the served explorer
@requires_panel
@pytest.mark.slow
def test_only_local_hosts_get_an_explorer_and_a_page_never_loaded_costs_nothing(monkeypatch):
    # A web page elsewhere could make the browser request the explorer with its own
    # Host header: such a request gets a refusal and builds nothing. A page requested
    # and never opened builds no explorer, holds one of the MAX_SESSIONS places, and
    # gives it back once forgotten. (tests/app/test_browser.py: a closed page frees its draws.)
    import time
    import urllib.request

    from tjsim.app import panel_app

    served = importlib.import_module("tjsim.app.explore")
    monkeypatch.setattr(served, "MAX_SESSIONS", 1)
    refused: list[str] = []

    def refusal(message: str):
        refused.append(message)
        return pn_refusal(message)

    pn_refusal = panel_app.refusal
    monkeypatch.setattr(panel_app, "refusal", refusal)
    url, stop, built = serve_in_thread(monkeypatch)

    def get(headers=None) -> str:
        """The refusal the request got, if any."""
        before = len(refused)
        request = urllib.request.Request(url, headers=headers or {})
        urllib.request.urlopen(request, timeout=60).read()
        return refused[-1] if len(refused) > before else ""

    try:
        port = url.rsplit(":", 1)[1].strip("/")
        checked = len(built)  # the settings are checked once, before serving
        assert "answers at" in get({"Host": f"evil.example:{port}"})
        assert len(built) == checked
        assert get() == ""
        assert len(built) == checked  # nothing built, nothing simulated, before a load
        assert "open already" in get()  # its place is held
        deadline = time.monotonic() + 30
        while "open already" in get():
            assert time.monotonic() < deadline, "a page never loaded kept its place"
            time.sleep(0.5)
        assert len(built) == checked
    finally:
        stop()


@requires_panel
@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_plain_requests_do_not_grow_the_servers_memory(monkeypatch):
    # Each plain GET (a page whose websocket never opens) once kept its whole page,
    # about 4 MB, after it was forgotten: fifty of them grew the server by ~200 MB.
    import gc
    import time
    import urllib.request

    url, stop, built = serve_in_thread(monkeypatch)
    try:
        checked = len(built)
        seen = {}
        for i in range(1, 51):
            urllib.request.urlopen(url, timeout=60).read()
            time.sleep(0.1)  # pages forgotten after a second: about ten pending at once
            if i in (1, 25, 50):
                gc.collect()
                seen[i] = rss_mb()
        assert seen[50] - seen[25] < 20, seen  # under 1 MB when measured
        assert len(built) == checked
    finally:
        stop()


def test_a_port_out_of_range_is_a_clear_error(capsys):
    if not HAVE_PANEL:
        pytest.skip('the explorer needs Panel: pip install -e ".[app]"')
    assert main(["explore", "--port", "70000", "--no-browser"]) == 2
    assert "expected a port number from 0 to 65535, found 70000" in capsys.readouterr().err


@requires_panel
@pytest.mark.slow
def test_sigterm_stops_the_served_explorer_within_seconds(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    env = child_environment()
    command = [sys.executable, "-m", "tjsim", "explore", "baseline", "--draws", "2000"]
    server = subprocess.Popen(
        [*command, "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        line = server.stdout.readline()  # "tjsim explorer: serving http://localhost:N/ ..."
        assert "serving http://localhost:" in line, server.stderr.read()
        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    assert server.returncode == 128 + signal.SIGTERM
    assert "tjsim: terminated" in err
    assert time.monotonic() - began < 15


def test_the_readout_moves_an_economic_driver_by_default(calibration):
    # Momentum, a latent shock, moves GDP most; "what would it take" asks about a
    # driver a reader can act on or forecast: one measured in percent.
    explorer = Explorer(tjsim.baseline(), calibration, draws=2_000, seed=1)
    assert calibration.variables[explorer.readout.driver].unit == "%"
    assert explorer.readout.driver != "momentum"


@requires_numba
def test_the_explorer_runs_on_its_kernel_and_workers_with_the_same_numbers():
    views = []
    for kernel, workers in [("numpy", None), ("numba", 2)]:
        explorer = toy_explorer(draws=6_000, kernel=kernel, workers=workers)
        explorer.ask(target="y_high", driver="a", probability=0.6)
        view = explorer.apply(shifts={"a": 0.3}, spread=1.2)
        assert view.result.kernel == kernel and view.result.workers == (workers or 1)
        views.append(view)
    first, second = views
    pd.testing.assert_frame_equal(first.probabilities, second.probabilities, check_exact=True)
    assert first.answer.required.to_dict() == second.answer.required.to_dict()
    with pytest.raises(tjsim.TjsimError, match="unknown kernel"):
        toy_explorer(kernel="cuda")
