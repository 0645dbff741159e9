"""The package's layering: every module imports only its own layer and the layers below,
and no import cycle exists (docs/architecture.md draws the layers).

Imports anywhere in a module count, inside functions too; imports under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

from paths import ROOT

SOURCE = ROOT / "src" / "tjsim"

#: The layers, lowest first: a module may import its own layer and those before it. A
#: module belongs to the layer of the longest prefix that names it (``tjsim.report`` is
#: rendering, ``tjsim.report.files`` writing).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "tjsim._version",
            "tjsim.errors",
            "tjsim.limits",
            "tjsim.seeding",
            "tjsim.yamlio",
            "tjsim.expressions",
            "tjsim.marginals",
            "tjsim.figures",
        ),
    ),
    ("calibration", ("tjsim.calibration",)),
    ("scenario", ("tjsim.scenario",)),
    ("model", ("tjsim.model",)),
    # Rendering: printouts, HTML pages and notebook tables of results (result types
    # only under TYPE_CHECKING), so that results can delegate their display to it.
    ("render", ("tjsim.report",)),
    ("result", ("tjsim.result",)),
    ("engine", ("tjsim.engine",)),
    ("analysis", ("tjsim.analysis",)),
    ("api", ("tjsim.api",)),
    # Writing: the folders of tables, figures and report.html (reads the calibration
    # through the api).
    (
        "report",
        ("tjsim.report.files", "tjsim.report.sweep", "tjsim.report.changes", "tjsim.report.folder"),
    ),
    ("app", ("tjsim.app",)),
    ("cli", ("tjsim.cli", "tjsim.__main__")),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SOURCE.rglob("*.py"))}


def _layer(module: str) -> int:
    matches = [
        (len(p), index)
        for index, (_, prefixes) in enumerate(LAYERS)
        for p in prefixes
        if module == p or module.startswith(p + ".")
    ]
    if not matches:
        raise AssertionError(f"{module} belongs to no layer; add it to LAYERS and the docs")
    return max(matches)[1]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The tjsim modules that ``module`` imports (a package import counts as its
    ``__init__``; ``from package import submodule`` as the submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in known else target)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name in known and name != "tjsim" and name != module}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def test_every_module_has_a_layer(graph):
    for module in graph:
        if module != "tjsim":
            _layer(module)


def test_no_module_imports_a_higher_layer(graph):
    upward = [
        f"{module} ({LAYERS[_layer(module)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for module, targets in graph.items()
        if module != "tjsim"
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]
    assert not upward, "upward imports:\n" + "\n".join(upward)


#: What only the engine touches: kernels, their classes and their arrays.
KERNEL_NAMES = {"NumpyKernel", "NumbaKernel", "make_kernel", "met_flags", "BlockKernel"}
KERNEL_ATTRIBUTES = {"basis", "weights", "target_margins", "fast_weights", "column_scale"}


def test_only_the_engine_touches_a_kernel(graph):
    # Common draws, sensitivities and required shifts run as engine jobs on any kernel
    # and backend: no module above the engine builds a kernel or reads its arrays.
    modules = _modules()
    for name, path in modules.items():
        if name == "tjsim.engine" or name.startswith("tjsim.engine."):
            continue
        assert not any(m.startswith("tjsim.engine.kernels") for m in graph[name]), name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Name, ast.alias)):
                word = node.id if isinstance(node, ast.Name) else node.name
                assert word not in KERNEL_NAMES, f"{name} uses {word}"
            if (
                isinstance(node, ast.Attribute)
                and node.attr in KERNEL_ATTRIBUTES
                and "kernel" in ast.unparse(node.value).lower()
            ):
                raise AssertionError(f"{name} reads {ast.unparse(node)}")


def test_no_import_cycles(graph):
    sorter = graphlib.TopologicalSorter({m: t for m, t in graph.items() if m != "tjsim"})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        pytest.fail("import cycle: " + " -> ".join(exc.args[1]))


def test_each_subpackage_says_what_it_may_import():
    for init in sorted(SOURCE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{init.parent.name}/__init__.py: say what it may import"


def test_the_checker_sees_upward_imports_and_cycles(tmp_path):
    """The checks above could fail: a fake upward import and a fake cycle are caught."""
    fake = tmp_path / "tjsim" / "model"
    fake.mkdir(parents=True)
    (fake / "bad.py").write_text(
        "from ..engine import simulate\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..cli import main\n",
        encoding="utf-8",
    )
    known = {"tjsim.model.bad", "tjsim.engine", "tjsim.cli"}
    global SOURCE
    saved, SOURCE = SOURCE, tmp_path / "tjsim"
    try:
        found = _imports("tjsim.model.bad", fake / "bad.py", known)
    finally:
        SOURCE = saved
    assert found == {"tjsim.engine"}
    assert _layer("tjsim.engine") > _layer("tjsim.model.bad")
    sorter = graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}})
    with pytest.raises(graphlib.CycleError):
        sorter.prepare()


def test_import_tjsim_stays_lazy():
    import subprocess
    import sys

    code = "import sys, tjsim; print(sorted(m for m in sys.modules if m.startswith('tjsim.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['tjsim._version']"


def test_rendering_is_below_the_results_and_writing_above_the_api():
    """The longest prefix decides: report's renderers sit below result/, its writers
    above the api; importing a renderer runs nothing above its layer."""
    import subprocess
    import sys

    assert _layer("tjsim.report.html") < _layer("tjsim.result.simulation")
    assert _layer("tjsim.report") == _layer("tjsim.report.text")
    assert _layer("tjsim.report.files") > _layer("tjsim.api")
    assert _layer("tjsim.report.folder") == _layer("tjsim.report.sweep")
    code = (
        "import sys, tjsim.report.html, tjsim.report.text, tjsim.report.sensitivity; "
        "print(sorted({m.split('.')[1] for m in sys.modules if m.startswith('tjsim.')}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = set(eval(done.stdout))
    assert loaded.isdisjoint({"result", "engine", "analysis", "api", "app", "cli"}), loaded
