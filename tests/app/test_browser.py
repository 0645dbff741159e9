"""The explorer and report.html in a real browser: headless Chromium driven by Playwright.

Against the served explorer (``tjsim explore`` started on a free port): the page loads
without the network, moving the investment control shows the GDP probability that
``tjsim.simulate`` gives for that scenario and seed, a bad value is refused with a
message, and the saved scenario round-trips through ``tjsim run``. Against report.html:
it opens with every network request blocked, every figure is displayed, its table is
probabilities.csv (comparison.csv for a comparison), Chinese renders, and it reads on a
phone.

These tests need Chromium from the system's package manager (``apt-get install
chromium``; Playwright drives it and never downloads a browser of its own) and
Playwright (the dev extra); without them they skip, saying so. CI installs both.

With ``TJSIM_DOC_SCREENSHOTS=1`` they also save the screenshots of docs/explorer.md
into docs/figures/.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

import tjsim
from paths import ROOT
from served import rss_mb, serve_in_thread
from tjsim.cli import main

FIGURES = ROOT / "docs" / "figures"
CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None
)
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None
pytestmark = [
    pytest.mark.slow,  # a browser and a served page: the full run only
    pytest.mark.skipif(
        CHROMIUM is None or not HAVE_PLAYWRIGHT,
        reason="needs Chromium and Playwright: apt-get install chromium (Debian's browser; "
        'Playwright uses it) and pip install -e ".[dev]" (Playwright, Panel); CI installs both',
    ),
]
#: Headless Chromium on a machine without a network: no background connections.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = os.environ.get("TJSIM_DOC_SCREENSHOTS") == "1"
DRAWS, SEED = 20_000, 7
GDP = ".tj-probabilities tr[data-target=gdp_growth] td.p"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless Chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            accept_downloads=True,
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(60_000)
        yield context
        context.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def explorer_url(tmp_path_factory):
    """``tjsim explore baseline`` served on a free port; stopped with Ctrl-C, which must
    end it cleanly."""
    port = _free_port()
    command = [sys.executable, "-m", "tjsim", "explore", "baseline", "--draws", str(DRAWS)]
    command += ["--seed", str(SEED), "--port", str(port), "--no-browser"]
    server = subprocess.Popen(
        command,
        cwd=tmp_path_factory.mktemp("served"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://localhost:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            out, err = server.communicate()
            pytest.fail(f"tjsim explore did not serve {url}:\n{out}\n{err}")
        time.sleep(0.5)
    yield url
    server.send_signal(signal.SIGINT)
    try:
        out, err = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        pytest.fail("tjsim explore did not stop on Ctrl-C")
    assert server.returncode == 0, err
    assert f"serving {url}" in out


def _open_explorer(browser, url):
    """A new tab on the explorer (a session of its own), once its table is shown; and
    the requests it made to anything but the local server."""
    page = browser.new_page()
    elsewhere: list[str] = []
    local = ("http://localhost", "ws://localhost", "blob:", "data:")  # blob: made in the page
    page.on(
        "request",
        lambda r: None if r.url.startswith(local) else elsewhere.append(r.url),
    )
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.locator(GDP).wait_for()
    return page, elsewhere, errors


def _gdp(page) -> str:
    return page.locator(GDP).get_attribute("data-value")


def _wait_for_gdp(page, value: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator(GDP)).to_have_attribute("data-value", value, timeout=60_000)


def _simulated_gdp(scenario) -> str:
    result = tjsim.simulate(scenario, draws=DRAWS, seed=SEED)
    return repr(float(result.probabilities().loc["gdp_growth", "probability"]))


def _type(page, css: str, value: str) -> None:
    """Type ``value`` into the number box of the control with class ``css``."""
    box = page.locator(f".{css} input").first
    box.fill(value)
    box.press("Enter")


# ---------------------------------------------------------------------- the explorer
def test_the_explorer_loads_without_the_network_and_shows_simulate(browser, explorer_url):
    page, elsewhere, errors = _open_explorer(browser, explorer_url)
    assert _gdp(page) == _simulated_gdp(tjsim.baseline())
    joint = tjsim.simulate(draws=DRAWS, seed=SEED).joint()["probability"]
    assert page.locator(".tj-joint-value").get_attribute("data-value") == repr(float(joint))
    assert page.locator(".tj-readout pre").inner_text().startswith("To meet target 'gdp_growth'")
    assert not elsewhere, elsewhere
    assert not errors, errors
    page.close()


def test_moving_investment_shows_the_gdp_probability_simulate_gives(browser, explorer_url):
    page, _, _ = _open_explorer(browser, explorer_url)
    start = _gdp(page)
    _type(page, "tj-shift-investment", "-3")
    expected = _simulated_gdp(tjsim.baseline().with_shift("investment", -3))
    assert expected != start
    _wait_for_gdp(page, expected)
    # The slider itself, moved with the keyboard: the page shows what simulate gives for
    # the shift it reached (read back from the scenario it saves).
    handle = page.locator(".tj-shift-investment .noUi-handle").first
    handle.focus()
    handle.press("ArrowLeft")
    deadline = time.monotonic() + 60
    while _gdp(page) == expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert _gdp(page) != expected, "moving the slider changed nothing"
    with page.expect_download() as download:
        page.locator(".tj-save button").click()
    saved = yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8"))
    shift = saved["drivers"]["investment"]["shift"]
    assert shift < -3
    _wait_for_gdp(page, _simulated_gdp(tjsim.baseline().with_shift("investment", shift)))
    if SCREENSHOTS:
        FIGURES.mkdir(exist_ok=True)
        page.wait_for_timeout(1000)
        page.screenshot(path=FIGURES / "explorer.png", full_page=True)
    page.close()


def test_a_bad_value_is_refused_with_a_message(browser, explorer_url):
    page, _, _ = _open_explorer(browser, explorer_url)
    start = _gdp(page)
    _type(page, "tj-event-property_slump", "1.5")
    alert = page.locator(".tj-error")
    alert.get_by_text("probability must lie in [0, 1], found 1.5").wait_for()
    assert _gdp(page) == start
    _type(page, "tj-draws", "0")
    alert.get_by_text("draws must lie between 1").wait_for()
    assert _gdp(page) == start
    page.close()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_a_refused_value_is_said_where_it_is_seen(browser, explorer_url, tmp_path, width, height):
    # The message once sat above the results, off-screen once the page was scrolled
    # down to the control (and right of the screen on a phone).
    page, _, _ = _open_explorer(browser, explorer_url)
    page.set_viewport_size({"width": width, "height": height})
    box = page.locator(".tj-event-property_slump input").first
    box.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > 0  # the results' top is out of view
    box.fill("1.5")
    box.press("Enter")
    alert = page.locator(".tj-error")
    alert.get_by_text("probability must lie in [0, 1], found 1.5").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=tmp_path / f"refused_{width}x{height}.png")
    shown = alert.bounding_box()
    assert shown is not None
    assert 0 <= shown["x"] and shown["x"] + shown["width"] <= width, shown
    assert 0 <= shown["y"] and shown["y"] + shown["height"] <= height, shown
    control = box.bounding_box()
    assert control is not None and 0 <= control["y"] <= height  # still by the control
    assert box.input_value() != "1.5"  # the box shows the value in force again
    page.close()


def test_targets_show_their_names_and_the_readout_names_the_pages_controls(browser, explorer_url):
    page, _, _ = _open_explorer(browser, explorer_url)
    row = page.locator(".tj-probabilities tr[data-target=gdp_growth] td").first
    assert row.locator(".tj-name").inner_text() == "GDP growth about 4.5%"
    assert row.locator(".tj-wording").inner_text() == "地区生产总值增长4.5%左右"
    assert row.locator(".tj-id").inner_text() == "gdp_growth"
    question = page.locator(".tj-readout .tj-readout-question")
    assert question.inner_text().startswith("To meet GDP growth about 4.5%")
    page.locator(".tj-readout-target select").select_option(label="Containers above 23 million TEU")
    question.get_by_text("Containers above 23 million TEU").wait_for()
    page.locator(".tj-readout-driver select").select_option(value="retail_sales")
    _type(page, "tj-readout-probability", "0.99")
    advice = page.locator(".tj-readout .tj-none")
    advice.get_by_text("move another driver").wait_for()
    assert "bounds" not in advice.inner_text()
    page.close()


def test_a_closed_page_frees_its_explorers_draws(browser, monkeypatch):
    # The explorer is built once a browser has loaded the page, and released (its draws
    # freed) once the page is closed. (tests/app/test_explorer.py: a page never loaded.)
    url, stop, built = serve_in_thread(monkeypatch)
    try:
        checked = len(built)  # the settings are checked once, before serving
        page = browser.new_page()
        page.goto(url)
        page.locator(".tj-probabilities tr[data-target=gdp_growth] td.p").wait_for()
        assert len(built) == checked + 1 and built[-1]._last is not None
        page.close()
        deadline = time.monotonic() + 30
        while not built[-1].released and time.monotonic() < deadline:
            time.sleep(0.2)
        assert built[-1].released and built[-1]._last is None
    finally:
        stop()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_pages_opened_and_closed_in_turn_do_not_grow_the_servers_memory(browser, monkeypatch):
    # Each page a browser opened and closed once kept its widgets and figures for good
    # (about 5 MB): Panel's registry of browser-side links, weakly keyed by a widget,
    # held the editable sliders' own slider, which keeps that widget alive.
    import gc

    from tjsim.app.panel_app import _Page

    url, stop, built = serve_in_thread(monkeypatch)
    try:
        checked = len(built)
        seen = {}
        for i in range(1, 31):
            page = browser.new_page()
            page.goto(url)
            page.locator(GDP).wait_for()
            page.close()
            deadline = time.monotonic() + 30
            while not built[-1].released and time.monotonic() < deadline:
                time.sleep(0.1)
            assert built[-1].released, f"page {i} was not released"
            if i in (1, 15, 30):
                gc.collect()
                seen[i] = rss_mb()
        assert len(built) == checked + 30
        ours = {id(explorer) for explorer in built[checked:]}
        deadline = time.monotonic() + 10  # the last page's session may still be ending
        while True:
            gc.collect()
            kept = [o for o in gc.get_objects() if isinstance(o, _Page) and id(o.explorer) in ours]
            if not kept or time.monotonic() > deadline:
                break
            del kept
            time.sleep(0.5)
        assert not kept, f"{len(kept)} of 30 closed pages are still in memory"
        assert seen[30] - seen[15] < 15, seen
    finally:
        stop()


def test_the_saved_scenario_round_trips_through_tjsim_run(browser, explorer_url, tmp_path):
    page, _, _ = _open_explorer(browser, explorer_url)
    _type(page, "tj-shift-exports", "-2")
    _type(page, "tj-event-stimulus_round", "0.6")
    expected = _simulated_gdp(
        tjsim.baseline().with_shift("exports", -2).with_event("stimulus_round", 0.6)
    )
    _wait_for_gdp(page, expected)
    with page.expect_download() as download:
        page.locator(".tj-save button").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    shown = {
        row.get_attribute("data-target"): float(row.locator("td.p").get_attribute("data-value"))
        for row in page.locator(".tj-probabilities tr[data-target]").all()
    }
    page.close()
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--quiet"]) == 0
    csv = pd.read_csv(out / "probabilities.csv", index_col="target")["probability"]
    assert shown == csv.to_dict()


# ---------------------------------------------------------------------- report.html
@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    observed = folder / "q1.yaml"
    observed.write_text("gdp_growth: {Q1: 5.0}\n", encoding="utf-8")  # hypothetical
    out = folder / "out"
    argv = ["run", "property_downturn", "--draws", "20000", "--seed", "3", "--quiet"]
    assert main([*argv, "--observed", str(observed), "--out", str(out)]) == 0
    return out


def _open_offline(browser, path: Path, viewport: dict | None = None):
    """``path`` opened with every request but for local files aborted; the aborted
    requests are returned."""
    page = browser.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, blocked


def _figures_shown(page) -> list[dict]:
    return page.eval_on_selector_all(
        "img",
        "imgs => imgs.map(i => ({complete: i.complete, width: i.naturalWidth,"
        " shown: i.getBoundingClientRect().width}))",
    )


def test_the_report_opens_offline_and_shows_every_figure_and_the_csv(browser, report):
    page, blocked = _open_offline(browser, report / "report.html")
    assert not blocked, blocked
    figures = _figures_shown(page)
    assert len(figures) == len(list(report.glob("*.png"))) > 2
    assert all(f["complete"] and f["width"] > 0 and f["shown"] > 0 for f in figures), figures
    csv = pd.read_csv(report / "probabilities.csv", index_col="target")
    rows = page.locator("#probabilities tr[data-target]").all()
    assert [r.get_attribute("data-target") for r in rows] == list(csv.index)
    for row, (target, expected) in zip(rows, csv.iterrows(), strict=True):
        cell = row.locator("td[data-column=probability]")
        assert float(cell.get_attribute("data-value")) == expected["probability"], target
        assert cell.inner_text() == f"{100 * expected['probability']:.1f}%", target
    assert "conditioned on year-to-date figures: gdp_growth Q1 = 5" in page.inner_text("main")
    if SCREENSHOTS:
        page.screenshot(
            path=FIGURES / "report.png", clip={"x": 0, "y": 0, "width": 1400, "height": 1400}
        )
    page.close()


def test_chinese_text_renders_in_the_report(browser, report):
    page, _ = _open_offline(browser, report / "report.html")
    wording = tjsim.targets().loc["gdp_growth", "wording"]
    cell = page.locator("#probabilities tr[data-target=gdp_growth] td").last
    assert cell.inner_text() == wording
    assert cell.locator("span[lang=zh-Hans]").count() >= 1
    # Two different characters drawn in the page's font: the same pixels would mean
    # boxes for missing glyphs (two private-use characters show what boxes look like).
    same = page.evaluate(
        """([a, b]) => {
        const font = getComputedStyle(document.querySelector('[lang=zh-Hans]')).fontFamily;
        const draw = (ch) => { const c = document.createElement('canvas'); c.width = c.height = 48;
            const x = c.getContext('2d'); x.font = `36px ${font}`; x.fillText(ch, 4, 40);
            return Array.from(x.getImageData(0, 0, 48, 48).data).join(','); };
        return [draw(a) === draw(b), draw('\\ue000') === draw('\\ue001')]; }""",
        ["左", "右"],
    )
    assert same == [False, True], "CJK glyphs do not render (apt-get install fonts-noto-cjk)"
    page.close()


def test_the_report_reads_on_a_phone(browser, report):
    page, _ = _open_offline(browser, report / "report.html", {"width": 390, "height": 844})
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], "the page scrolls sideways on a phone"
    box = page.locator("#probabilities td[data-column=probability]").first.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # P(met) visible at once
    assert all(f["shown"] <= 390 for f in _figures_shown(page))
    if SCREENSHOTS:
        page.screenshot(path=FIGURES / "report_phone.png")
    page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_reports_facts_table_shows_its_sources_without_scrolling(browser, report, width):
    """The table of touched facts fits the page: every source is inside the viewport
    (under its fact, no column hidden behind a horizontal scroll), and on a wide screen
    a fact's row holds no more than a few lines."""
    page, _ = _open_offline(browser, report / "report.html", {"width": width, "height": 900})
    found = page.evaluate(
        """() => {
        const table = document.querySelector('#facts');
        const wrap = table.parentElement;
        const right = (s) => [...table.querySelectorAll(s)].map(e => e.getBoundingClientRect().right);
        return {scroll: wrap.scrollWidth - wrap.clientWidth, sources: right('tr.source td'),
                cells: right('td'), rows: [...table.querySelectorAll('tr.fact')].map(
                    r => r.getBoundingClientRect().height)}; }"""
    )
    assert found["sources"] and found["scroll"] <= 1, found["scroll"]
    assert max(found["sources"]) <= width and max(found["cells"]) <= width
    if width >= 1000:
        assert max(found["rows"]) <= 100, max(found["rows"])  # three lines at most
    page.close()


def test_the_comparison_report_opens_offline_and_matches_its_csv(browser, tmp_path):
    out = tmp_path / "cmp"
    argv = ["compare", "baseline", "export_tariffs", "--draws", "20000", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    page, blocked = _open_offline(browser, out / "report.html")
    assert not blocked
    figures = _figures_shown(page)
    assert len(figures) == 2 and all(f["complete"] and f["width"] > 0 for f in figures)
    frame = pd.read_csv(out / "comparison.csv", index_col=["target", "scenario"])
    second = list(dict.fromkeys(frame.index.get_level_values("scenario")))[1]
    changes = frame.xs(second, level="scenario")["change"].dropna()
    for target, change in changes.items():
        cell = page.locator(f"#comparison tr[data-target={target}] td[data-column=change1]")
        assert float(cell.get_attribute("data-value")) == change, target
    page.close()
