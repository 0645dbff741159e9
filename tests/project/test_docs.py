"""The documentation: generated tables up to date, examples and notebook run, site builds."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import tjsim
from paths import ROOT, child_environment
from source_scan import string_literals
from tjsim import expressions

TOOL = ROOT / "docs" / "tools" / "docgen"


def _load_docgen():
    """The documentation generator, a package that lives with the docs (not in tjsim)."""
    spec = importlib.util.spec_from_file_location(
        "docgen", TOOL / "__init__.py", submodule_search_locations=[str(TOOL)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["docgen"] = module
    spec.loader.exec_module(module)
    return module


docgen = _load_docgen()
from docgen import calibration as docgen_calibration  # noqa: E402 - loaded just above
from docgen import common, figures, latex, parameters, readings, sphinx, tables  # noqa: E402

DOCS = ROOT / "docs"
GENERATED_PAGES = ("model.md", "calibration.md", "scoring.md", "panel.md")
EXAMPLE_PAGES = ("index.md", "api.md", "model.md", "panel.md")
NOTEBOOK = DOCS / "quickstart.ipynb"


@pytest.fixture(scope="module")
def cal():
    return tjsim.load_calibration()


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- generated
@pytest.mark.parametrize("page", GENERATED_PAGES)
@pytest.mark.slow
def test_generated_blocks_match_the_packaged_data(page, cal):
    text = _read(page)
    assert docgen.blocks(text), f"docs/{page} has no generated blocks"
    stale = docgen.stale_blocks(text, cal)
    assert not stale, (
        f"docs/{page}: blocks {stale} differ from the packaged calibration; "
        "run `python docs/tools/docgen` from the repository's root"
    )


def test_every_block_is_used_and_every_layer_has_its_equations():
    used = [name for page in GENERATED_PAGES for name in docgen.blocks(_read(page))]
    assert sorted(used) == sorted(docgen.BLOCKS), "each block appears once, none is missing"
    assert "parameters" in docgen.blocks(_read("calibration.md"))


#: Blocks the China page leaves out, each for the reason the page gives.
NOT_FOR_CHINA = {"gdp-fitted", "plan-factor"}


@pytest.mark.slow
def test_the_china_page_holds_the_china_calibrations_blocks(cal):
    text = _read("china.md")
    named = docgen.blocks(text)
    assert named and all(name.endswith("@china") for name in named)
    assert not docgen.stale_blocks(text, cal), "run `python docs/tools/docgen`"
    calibration_blocks = {
        name for name in docgen.BLOCKS if not name.startswith(("panel-", "reporting-"))
    }
    assert {name.removesuffix("@china") for name in named} >= calibration_blocks - NOT_FOR_CHINA
    for reason in sorted(NOT_FOR_CHINA):
        assert f"(`{reason}`)" in text  # the page says why it is left out
    china = tjsim.load_calibration("china")
    for ident in (*china.variables, *china.events, *china.derived):
        assert f'<a id="{ident}"></a>' in text, ident
    for tid in china.targets:
        assert f'<a id="target-{tid}"></a>' in text, tid
    links = set(re.findall(r"\]\((?:china\.md)?#([\w-]+)\)", text))
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', text))
    anchors |= set(re.findall(r"\{#([\w-]+)\}", text))
    assert links <= anchors, sorted(links - anchors)  # its links stay on its own page
    assert "](calibration.md#" not in text and "](model.md#" not in text


@pytest.mark.slow
def test_a_block_named_for_a_calibration_renders_that_calibration(cal):
    assert docgen.render("events@china", cal) == docgen.render(
        "events", tjsim.load_calibration("china")
    )
    assert "(china.md#" in docgen.render("totals@china")
    assert "(model.md#" in docgen.render("totals", cal)  # the default's links are unchanged
    assert 'calibration="china"' in docgen.render("readings@china")
    with pytest.raises(tjsim.CalibrationError, match="did you mean 'china'"):
        docgen.render("events@chna")


@pytest.mark.slow
def test_docgen_command_checks_and_rewrites(tmp_path, cal, capsys):
    page = tmp_path / "calibration.md"
    text = _read("calibration.md")
    match = re.search(
        r"(<!-- BEGIN GENERATED: record -->\n)(.*?)(<!-- END GENERATED -->)", text, re.S
    )
    assert match is not None
    page.write_text(text.replace(match.group(2), "\nstale\n\n"), encoding="utf-8")
    assert docgen.main(["--check", str(page)]) == 1
    assert "stale blocks: record" in capsys.readouterr().out
    assert docgen.main([str(page)]) == 0
    assert page.read_text(encoding="utf-8") == text
    assert docgen.main(["--check", str(page)]) == 0
    (tmp_path / "plain.md").write_text("# nothing generated\n", encoding="utf-8")
    assert docgen.main(["--check", str(tmp_path / "plain.md")]) == 2


def test_every_model_parameter_variable_and_target_is_documented(cal):
    calibration_page, model_page = _read("calibration.md"), _read("model.md")
    for pid in parameters.model_parameters(cal) + list(cal.derived):
        assert f'<a id="{pid}"></a>' in calibration_page, pid
    for vid in cal.variables:
        assert f'<a id="{vid}"></a>' in model_page, vid
    for tid in cal.targets:
        assert f'<a id="target-{tid}"></a>' in calibration_page, tid
    for eid in cal.events:
        assert f'<a id="{eid}"></a>' in calibration_page, eid
    # every equation's parameters appear in the model page's symbol tables
    params = cal.parameters()
    for spec in cal.variables.values():
        for name in expressions.names(spec.tree):
            if name in params:
                assert f"(calibration.md#{name})" in model_page, name


def test_record_derivation_shows_the_record_numbers(cal):
    block = docgen.render("record", cal)
    p = cal.parameters()
    for year, miss, counted in (
        (2017, -4.4, "regime break"),
        (2019, 0.3, "ordinary"),
        (2022, -4.0, "regime break"),
        (2023, 0.3, "ordinary"),
    ):
        row = next(line for line in block.splitlines() if line.startswith(f"| {year} |"))
        assert f"{miss:+.1f}" in row and row.endswith(f"| {counted} |")
        assert p[f"gdp_miss_{year}"] == pytest.approx(miss)
    for name in ("gdp_planners_bias", "gdp_core_spread", "regime_break_probability"):
        assert f"= {tables.short(p[name])}\n$$" in block, name
    assert f"= {tables.short(p['regime_break_impact'])}\n$$" in block


@pytest.mark.slow
def test_choices_the_calibration_refuses_are_footnoted(cal):
    """The quoted table of choices (whose rows tests/analysis/test_choices.py checks
    against simulations) footnotes each choice the calibration refuses, with its reason."""
    choices = common.quoted_runs(cal).choices
    unreachable = choices[choices["probability"].isna()]
    assert len(unreachable) and (unreachable["error"] != "").all()
    block = docgen.render("choices", cal)
    for _, o in unreachable.iterrows():  # a choice the calibration refuses is reported
        assert f"¹ {o.name}: the calibration refuses it: {tables.cell(o['error'])}." in block
        with pytest.raises(tjsim.ScenarioError, match="unreachable"):
            tjsim.compile_model(
                cal, tjsim.baseline().with_parameter(*next(iter(o["parameters"].items())))
            )


def _texts(source: str) -> set[str]:
    return {text for _, text in string_literals(source)}


def test_the_tool_names_no_id_of_the_packaged_calibration(cal):
    """The city is data: docgen takes every id and symbol from the calibration (and the
    analyses it quotes from the library), so it types none of the calibration's ids."""
    ids = {*cal.variables, *cal.shocked, *cal.events, *cal.parameter_ids}
    assert _texts('x = f"{a}gdp_growth"; y = "regime_break"') & ids == {
        "gdp_growth",
        "regime_break",
    }  # the scan sees plain strings and f-strings' literal parts
    modules = sorted(TOOL.glob("*.py"))
    assert len(modules) > 10
    for path in modules:
        named = _texts(path.read_text(encoding="utf-8")) & ids
        assert not named, f"docs/tools/docgen/{path.name} names calibration ids {sorted(named)}"


def _stale_page(tmp_path: Path) -> Path:
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n<!-- BEGIN GENERATED: derived -->\n\nstale\n<!-- END GENERATED -->\n",
        encoding="utf-8",
    )
    return page


@pytest.mark.parametrize(
    ("command", "cwd"),
    [(["docs/tools/docgen"], ROOT), (["-m", "docgen"], ROOT / "docs" / "tools")],
)
def test_the_documented_command_runs(tmp_path, command, cwd):
    """`python docs/tools/docgen` from the root, or `python -m docgen` from docs/tools."""
    env = child_environment()
    page = _stale_page(tmp_path)
    check = subprocess.run(
        [sys.executable, *command, "--check", str(page)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 1, check.stderr
    assert "stale blocks: derived" in check.stdout
    assert "run `python docs/tools/docgen` to regenerate them" in check.stdout
    done = subprocess.run(
        [sys.executable, *command, str(page)], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "regenerated derived" in done.stdout
    assert page.read_text(encoding="utf-8").count("$$") >= 2


def test_every_mention_of_the_command_is_current():
    files = [
        ROOT / "README.md",
        ROOT / "mkdocs.yml",
        ROOT / "pyproject.toml",
        *sorted(DOCS.glob("*.md")),
        *sorted((ROOT / ".ci").glob("*")),
        *sorted((ROOT / "tests").rglob("*.py")),
    ]
    old = "docgen" + ".py"  # spelt in pieces so that this file does not match itself
    for path in files:
        if path.is_file():
            assert old not in path.read_text(encoding="utf-8"), path.name
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    options = config["plugins"][1]["mkdocstrings"]["handlers"]["python"]["options"]
    for extension in options["extensions"]:
        assert (ROOT / extension.split(":")[0]).is_file(), extension


def test_small_variance_shares_are_grouped():
    shares = {"a": 0.6, "b": 0.3, "c": 0.06, "d": 0.03, "e": 0.01}
    assert docgen_calibration.shares_cell(shares) == "`a` 60%, `b` 30%, `c` 6%, 2 others 4%"
    assert docgen_calibration.shares_cell({"a": 0.97, "b": 0.03}) == "`a` 97%, `b` 3%"


def test_reading_notes_come_from_the_targets_file(cal):
    legend, notes = readings.target_notes(cal.files["targets"])
    assert set(legend) == {
        "strict",
        "published",
        "about",
        "real",
        "nominal",
        "headline",
        "basically",
    }
    assert "rounded" in legend["published"]
    assert set(notes) <= set(cal.targets) and "budget_revenue" in notes
    block = docgen.render("readings", cal)
    for tid in cal.targets:
        assert f'<a id="target-{tid}"></a>' in block
    assert block.count("(default)") == len(cal.targets)


@pytest.mark.slow
def test_generated_figures_are_current_and_redrawn(cal, tmp_path):
    page = DOCS / "scoring.md"
    text = page.read_text(encoding="utf-8")
    links = figures.figure_links(text)
    assert links == ["figures/score.png", "figures/panel_pit.png", "figures/panel_bands.png"]
    assert not figures.stale_figures(page, text, cal), "run `python docs/tools/docgen`"
    copy = tmp_path / "scoring.md"
    copy.write_text(text, encoding="utf-8")
    assert figures.stale_figures(copy, text, cal) == links  # missing
    assert docgen.main([str(copy)]) == 0
    assert figures.stale_figures(copy, text, cal) == []
    assert docgen.main(["--check", str(copy)]) == 0


@pytest.mark.slow
def test_generated_math_is_balanced(cal):
    for name in docgen.BLOCKS:
        text = docgen.render(name, cal)
        for math in re.findall(r"\$\$(.*?)\$\$", text, re.S) + re.findall(
            r"(?<!\$)\$([^$\n]+)\$(?!\$)", text
        ):
            assert math.count("{") == math.count("}"), (name, math)
            assert math.count(r"\left(") == math.count(r"\right)"), (name, math)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b * (c - d)", r"a + b\,\left(c - d\right)"),
        ("(a + b) / c", r"\frac{a + b}{c}"),
        ("a - (b + c)", r"a - \left(b + c\right)"),
        ("((a ** 2 + b) / 2) ** 0.5", r"\sqrt{\frac{a^{2} + b}{2}}"),
        ("-a * b", r"-a\,b"),
        ("b * -a", r"b\,\left(-a\right)"),
        ("-(a + b)", r"-\left(a + b\right)"),
        ("2 * -1.5", r"2 \times \left(-1.5\right)"),
        ("a * (1 + b / 100)", r"a\,\left(1 + \frac{b}{100}\right)"),
        ("x - baseline(x)", r"x - x^{0}"),
    ],
)
def test_latex_keeps_the_expressions_meaning(text, expected):
    assert latex.to_latex(text, lambda name: name) == expected


def test_numbers_substituted_in_powers_keep_their_sign():
    values = {"a": -1.4, "b": 2.0}
    assert latex.to_latex("a ** 2 + b", lambda n: tables.number(values[n])) == (
        r"\left(-1.4\right)^{2} + 2"
    )


def test_docstring_roles_become_markdown():
    text = (
        "See :func:`tjsim.simulate` and :class:`~tjsim.scenario.Scenario`; "
        ":math:`x_k`.\n\n    .. math:: v = c + L x\n\n    after"
    )
    out = sphinx.rst_to_markdown(text)
    assert "`tjsim.simulate`" in out and "`Scenario`" in out and "$x_k$" in out
    assert "$$\n    v = c + L x\n    $$" in out and ":func:" not in out


def test_api_page_documents_every_public_name():
    page = _read("api.md")
    documented = set(re.findall(r"^::: tjsim\.(\w+)", page, re.M))
    missing = [
        name for name in tjsim.__all__ if not name.startswith("_") and name not in documented
    ]
    assert not missing, f"docs/api.md has no `::: tjsim.NAME` entry for {missing}"


# ----------------------------------------------------------------------------- examples
def _python_blocks(page: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", _read(page), re.S | re.M)


@pytest.mark.parametrize("page", EXAMPLE_PAGES)
@pytest.mark.slow
def test_python_examples_run(page, monkeypatch):
    blocks = _python_blocks(page)
    assert blocks, f"docs/{page} has no Python example"
    monkeypatch.chdir(ROOT)  # the examples read scenarios/ from the repository's root
    namespace: dict = {"__name__": f"docs_{page.removesuffix('.md')}"}
    for number, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"docs/{page} (python block {number})", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"docs/{page}, python block {number} failed: {exc!r}\n{code}")


# ----------------------------------------------------------------------------- notebook
def test_notebook_is_committed_without_outputs():
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code
    for cell in code:
        assert cell["outputs"] == [], "clear the notebook's outputs before committing"
        assert cell["execution_count"] is None, "clear the notebook's execution counts"
    assert "widgets" not in notebook["metadata"]


@pytest.mark.slow
def test_notebook_runs(monkeypatch):
    for module in ("nbclient", "nbformat", "ipykernel"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (it comes with the dev extra)")
    import nbformat
    from nbclient import NotebookClient

    # The kernel is a new process: make sure it imports this checkout's tjsim.
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(DOCS)}},
    )
    client.execute()
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors
    text = "\n".join(
        output.get("text", "") + output.get("data", {}).get("text/plain", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "SimulationResult" in text and "gdp_growth" in text


# ----------------------------------------------------------------------------- the site
def _nav_pages(nav) -> list[str]:
    pages: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += _nav_pages(value) if isinstance(value, list) else [value]
    return pages


def test_nav_pages_exist():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "china.md" in _nav_pages(config["nav"])
    missing = [page for page in _nav_pages(config["nav"]) if not (DOCS / page).is_file()]
    assert not missing, f"pages in the mkdocs.yml nav but not in docs/: {missing}"
    assert (
        config["plugins"][1]["mkdocstrings"]["handlers"]["python"]["options"]["docstring_style"]
        == "numpy"
    )


def test_docs_name_no_machine_paths():
    files = [*sorted(DOCS.glob("*.md")), NOTEBOOK, ROOT / "mkdocs.yml", ROOT / "README.md"]
    # Spelt in pieces so that this test does not itself contain the words it looks for.
    words = ["/" + w + "/" for w in ("work", "root", "tmp")] + [
        ".." + "/shared",
        "site-" + "packages",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for word in words:
            assert word not in text, f"{path.name} mentions {word!r}"


@pytest.mark.slow
def test_site_builds_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            pytest.skip(f"{module} is not installed (it comes with the dev extra)")
    env = child_environment()
    env["NO_MKDOCS_2_WARNING"] = "1"
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}"
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "Simulate 2024 outcomes" in api  # docstrings rendered (numpy style)
    assert ":func:" not in api and ":class:" not in api  # roles turned into markdown
    model = (site / "model" / "index.html").read_text(encoding="utf-8")
    assert "arithmatex" in model  # the equations are typeset
    assert (site / "quickstart.ipynb").is_file()
    shutil.rmtree(site, ignore_errors=True)


def test_the_docs_show_analysts_the_public_api_and_a_user_install():
    page = _read("scenarios.md")
    assert "tjsim.api." not in page and "tjsim.yamlio" not in page
    assert "from tjsim.api import" not in page
    assert "tjsim.scenario_from_mapping(" in page and "tjsim.load_scenario(" in page
    assert "scenario_from_mapping" in tjsim.__all__
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[app,fast]"' in readme and 'pip install -e ".[dev]"' in readme
