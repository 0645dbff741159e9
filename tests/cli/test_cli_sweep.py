"""``tjsim sweep``: outputs, the same numbers as the API, clear errors, and nothing
half-written when a sweep is interrupted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tjsim
import tjsim.cli.sweep
import tjsim.report.sweep
from paths import ROOT
from tjsim.cli import main
from tjsim.cli.progress import ProgressBar
from tjsim.report.folder import MARKER

SCENARIO_DIR = ROOT / "scenarios"
BASELINE = str(SCENARIO_DIR / "baseline.yaml")
GRID = """\
name: small
axes:
  drivers.investment.shift: [-2, 0, 2]
  events.property_slump.probability: [0.0, 1.0]
simulation: {draws: 6000, seed: 5}
"""


@pytest.fixture
def grid(tmp_path) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(GRID, encoding="utf-8")
    return path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_sweep_help_has_examples(capsys):
    code, out, _ = _run(capsys, "sweep", "--help")
    assert code == 0 and "examples:" in out and "tjsim sweep" in out and "--scheduler" in out


def test_sweep_prints_and_writes_what_the_api_computes(capsys, tmp_path, grid, calibration):
    out = tmp_path / "surface"
    code, text, err = _run(
        capsys, "sweep", BASELINE, "--grid", str(grid), "--out", str(out), "--target", "gdp_growth"
    )
    assert code == 0, err
    assert "3 x 2 = 6 points" in text and "6,000 draws a point" in text and "P(gdp_growth)" in text
    expected = tjsim.sweep(BASELINE, grid, calibration=calibration)
    written = pd.read_csv(out / "sweep.csv")
    frame = expected.to_frame()
    np.testing.assert_array_equal(written["probability"], frame["probability"])
    assert list(written["target"]) == list(frame["target"])
    names = {p.name for p in out.iterdir()}
    targets = [*expected.targets, "joint"]
    assert {
        "sweep.csv",
        "frontier.csv",
        "sweep.json",
        "grid.yaml",
        "scenario.yaml",
        MARKER,
    } <= names
    assert {p for p in names if p.endswith(".png")} == {"sweep_joint.png", "sweep_gdp_growth.png"}
    document = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert document["metadata"]["points"] == 6 and document["metadata"]["seed"] == 5
    assert len(document["sweep"]) == 6 * len(targets)
    again = tjsim.load_grid(out / "grid.yaml", calibration=calibration)
    np.testing.assert_array_equal(again.points, expected.grid.points)
    assert _leftovers(tmp_path) == []


def test_options_override_the_grid_file(capsys, tmp_path, grid):
    code, text, _ = _run(
        capsys, "sweep", BASELINE, "--grid", str(grid), "--draws", "2000", "--seed", "9"
    )
    assert code == 0 and "2,000 draws a point" in text and "seed 9" in text


def test_an_interrupted_sweep_writes_nothing(capsys, tmp_path, grid, monkeypatch):
    class Interrupt(ProgressBar):
        def __call__(self, draws: int, points: int = 0) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr(
        tjsim.cli.sweep,
        "progress_bar",
        lambda total, quiet, points: Interrupt(total, io.StringIO(), points=points),
    )
    out = tmp_path / "surface"
    code, _, err = _run(capsys, "sweep", BASELINE, "--grid", str(grid), "--out", str(out))
    assert code == 130 and "interrupted" in err
    assert not out.exists() and _leftovers(tmp_path) == []


@pytest.mark.slow
def test_an_interrupt_while_writing_keeps_the_earlier_output(capsys, tmp_path, grid, monkeypatch):
    out = tmp_path / "surface"
    assert main(["sweep", BASELINE, "--grid", str(grid), "--out", str(out), "--quiet"]) == 0
    before = (out / "sweep.csv").read_bytes()
    write = tjsim.report.sweep.write_sweep

    def write_then_interrupt(result, folder, probability, figures):
        write(result, folder, probability, figures)
        raise KeyboardInterrupt

    monkeypatch.setattr("tjsim.report.sweep.write_sweep", write_then_interrupt)
    code, _, _ = _run(
        capsys, "sweep", BASELINE, "--grid", str(grid), "--out", str(out), "--seed", "1"
    )
    assert code == 130
    assert (out / "sweep.csv").read_bytes() == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "axes: {drivers.investmnet.shift: [1, 2]}",
            "axes.drivers.investmnet.shift: unknown variable",
        ),
        ("axes: {driver.investment.shift: [1, 2]}", "did you mean 'drivers'"),
        ("axes: {events.property_slump.probability: [0.5, 2]}", "[0, 1]"),
        ("points: [{parameters.okun_coefficient: x}]", "expected a number"),
        ("axes: [1, 2]", "axes: expected a mapping"),
    ],
)
def test_bad_grid_files_exit_2_and_write_nothing(capsys, tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "surface"
    code, _, err = _run(capsys, "sweep", BASELINE, "--grid", str(path), "--out", str(out))
    assert code == 2, err
    assert err.startswith(f"tjsim: error: {path}: ") and words in err, err
    assert "Traceback" not in err and not out.exists()


def test_a_missing_grid_file_and_a_bad_target(capsys, tmp_path, grid):
    code, _, err = _run(capsys, "sweep", "--grid", str(tmp_path / "none.yaml"))
    assert code == 2 and "file not found" in err
    code, _, err = _run(capsys, "sweep", "--grid", str(grid), "--target", "gdp_grwth")
    assert code == 2 and "did you mean 'gdp_growth'" in err


def test_a_bad_target_is_refused_before_the_sweep_runs(capsys, grid, monkeypatch):
    monkeypatch.setattr("tjsim.api.sweep", lambda *args, **kwargs: pytest.fail("the sweep ran"))
    code, _, err = _run(capsys, "sweep", "--grid", str(grid), "--target", "gdp_grwth")
    assert code == 2 and "did you mean 'gdp_growth'" in err


def test_the_progress_bar_counts_points():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = ProgressBar(400, stream, points=4, delay=0.0)
    bar(100, 1)
    bar(200, 2)
    assert "3/4 points" in stream.getvalue() and "300/400 draws" in stream.getvalue()


def test_sweep_defaults_print_a_frontier_and_name_lines_that_never_cross(capsys, tmp_path):
    path = tmp_path / "grid.yaml"
    path.write_text(
        "name: g\naxes:\n  drivers.investment.shift: [-4, 0, 4]\n"
        "  drivers.exports.shift: [-4, 4]\nsimulation: {draws: 4000, seed: 5}\n",
        encoding="utf-8",
    )
    code, text, err = _run(capsys, "sweep", "--grid", str(path))
    assert code == 0, err
    assert "nowhere on the grid" not in text
    assert "Where P(gdp_growth) crosses" in text  # the first target, not the joint
    result = tjsim.sweep(None, path)
    level = result.frontier().attrs["probability"]
    assert f"crosses {100 * level:.4g}%" in text
    if level != 0.5:
        assert "does not cross 50% on the grid" in text
    p = result.probability("gdp_growth")
    level = (p[:, 0].max() + p[:, 1].max()) / 2
    code, text, err = _run(capsys, "sweep", "--grid", str(path), "--probability", str(level))
    assert "never crosses it where drivers.exports.shift = -4" in text
