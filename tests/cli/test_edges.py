"""Robust at the edges: extreme values, resource limits and output-folder corner cases.

Each case answers with a clear error (the command line: exit 2, one line naming the file
and key, nothing written; the API: a ScenarioError naming the argument or key) or with a
correct result. The sections follow the cases of the issue that collected them.
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tjsim
from paths import ROOT, child_environment
from tjsim import figures
from tjsim.calibration import Calibration
from tjsim.cli import main
from tjsim.cli.terminal import visible
from tjsim.limits import MAX_DRAWS, MAX_EXTENDS_DEPTH, MAX_FILE_BYTES, MAX_SURPRISE
from tjsim.report.folder import MARKER
from tjsim.result import wilson_interval
from tjsim.yamlio import parse_yaml
from toy import Toy

FAST = ["--draws", "2000", "--seed", "1"]

# Ids of the packaged calibration, looked up rather than written in, so that the tests
# hold whatever the calibration's economics.
CALIBRATION = tjsim.load_calibration()
SHOCKED = CALIBRATION.shocked[0]  # a variable with a shock
EVENT = next(iter(CALIBRATION.events))
TARGET = next(iter(CALIBRATION.targets))
FACTS = {f.id for f in CALIBRATION.facts}
#: A parameter that sets a shock's spread.
SPREAD = next(
    spread
    for spread in (CALIBRATION.variables[v].shock.spread for v in CALIBRATION.shocked)
    if isinstance(spread, str) and spread in FACTS
)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _refused(capsys, tmp_path: Path, *argv: str, where: str = "") -> str:
    """Run ``argv`` with ``--out``; check exit 2, one error line starting with
    ``tjsim: error: {where}``, nothing on stdout and nothing written; return the line."""
    out = tmp_path / "results" / "out"
    code, stdout, err = _run(capsys, *argv, "--out", out)
    assert code == 2, err
    assert stdout == ""
    assert err.startswith(f"tjsim: error: {where}"), err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "internal error" not in err
    assert not (tmp_path / "results").exists()
    return err


def _tiny_writer(result, folder: Path) -> None:
    (folder / "meta.json").write_text(json.dumps(result.metadata))


def _strays(folder: Path) -> list[str]:
    """Staging and set-aside folders left next to ``folder`` or inside it."""
    places = [folder.parent, folder] if folder.is_dir() else [folder.parent]
    return [
        p.name
        for place in places
        for p in place.iterdir()
        if ".new-" in p.name or ".old-" in p.name
    ]


# ---------------------------------------------------------------------- 1. P = 0 or 1
@pytest.mark.slow
def test_certain_and_impossible_targets_write_their_figures(capsys, tmp_path):
    path = _write(tmp_path / "flat.yaml", "name: flat\nshocks_off: true\n")
    out = tmp_path / "out"
    code, _, err = _run(capsys, "run", path, "--draws", "100", "--seed", "2", "--out", out)
    assert (code, err) == (0, "")
    table = pd.read_csv(out / "probabilities.csv", index_col=0)
    assert set(table["probability"]) <= {0.0, 1.0}  # shocks off: every target certain or not
    assert (out / "probabilities.png").stat().st_size > 0


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_certain_and_impossible_targets_plot(calibration, method):
    scenario = tjsim.baseline().without_shocks()
    result = tjsim.simulate(scenario, draws=64, method=method, calibration=calibration)
    table = result.probabilities()
    assert set(table["probability"]) <= {0.0, 1.0}
    assert (table["ci_low"] <= table["probability"]).all()
    assert (table["probability"] <= table["ci_high"]).all()
    result.plot_probabilities().figure.canvas.draw()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 10**9).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
    st.one_of(st.just(0.0), st.floats(0, 1), st.floats(1e-300, 1e-12)),
)
def test_wilson_intervals_bracket_the_probability_within_zero_and_one(counts, se):
    n, met = counts
    p = np.array([met / n])
    low, high = wilson_interval(p, np.array([se]), n)
    assert 0.0 <= low[0] <= p[0] <= high[0] <= 1.0
    bars = np.vstack([p * 100 - low * 100, high * 100 - p * 100])
    assert (bars >= 0).all()  # what matplotlib is given: never negative


def test_error_bars_a_rounding_error_below_zero_are_zero():
    lengths = np.array([-1e-16, 0.0, 2.5, np.nan])
    np.testing.assert_array_equal(figures.error_bars(lengths), [0.0, 0.0, 2.5, np.nan])
    table = pd.DataFrame(
        {"probability": [0.0, 1.0], "ci_low": [3.5e-18, 0.9], "ci_high": [0.1, 0.9999999999999999]},
        index=["impossible", "certain"],
    )
    figures.probability_bars(table).figure.canvas.draw()


# ---------------------------------------------------------------------- 2. reserved ids
def test_a_target_called_joint_is_refused_by_name(capsys, tmp_path):
    path = _write(
        tmp_path / "j.yaml",
        "name: j\ntargets: {joint: {indicator: gdp_growth, op: '>=', threshold: 4}}\n",
    )
    err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: targets.joint: ")
    assert "'joint' is reserved" in err
    err = _refused(capsys, tmp_path, "compare", path, path, *FAST, where=f"{path}: targets.joint")
    with pytest.raises(tjsim.ScenarioError, match="'joint' is reserved") as caught:
        tjsim.simulate(
            tjsim.baseline().with_target("joint", indicator="gdp_growth", op=">=", threshold=4),
            draws=100,
        )
    assert caught.value.key == "targets.joint"


def test_a_calibration_target_called_joint_is_refused():
    facts, model, targets = Toy().mappings()
    targets["targets"]["joint"] = {"indicator": "y", "op": ">=", "threshold": 1}
    with pytest.raises(tjsim.CalibrationError, match=r"targets\.joint: 'joint' is reserved"):
        Calibration.from_mappings(facts, model, targets)


# ---------------------------------------------------------------------- 3. observations
@pytest.mark.parametrize(
    ("observed", "key", "words"),
    [
        ("{gdp_growth: {Q1: 1.0e+300}}", "observed.gdp_growth.Q1", "between -1e+09 and 1e+09"),
        ("{gdp_growth: {Q1: 100}}", "observed.gdp_growth.Q1", "far outside"),
        ("{gdp_growth: {Q1: 50}}", "observed.gdp_growth.Q1", "plausible range"),
        (
            "{gdp_growth: {Q1: 5.0, H1: -10, Q1-Q3: 20}}",
            "observed.gdp_growth.",
            "given gdp_growth Q1 = 5",
        ),
    ],
)
def test_observations_the_model_cannot_produce_are_refused(capsys, tmp_path, observed, key, words):
    path = _write(tmp_path / "o.yaml", f"name: o\nobserved: {observed}\n")
    err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: {key}")
    assert words in err
    obs = _write(tmp_path / "obs.yaml", f"{observed}\n")
    _refused(capsys, tmp_path, "run", "--observed", obs, *FAST, where=f"{obs}: {key}")


def test_the_plausible_range_of_an_observation_is_the_closed_form_one():
    toy = Toy()
    cal = toy.calibration()
    sd = math.sqrt(toy.sd_y**2 + toy.ytd_deviation_cov()[0, 0])  # Y_1 = y + u_1, all normal
    edge = MAX_SURPRISE * sd
    for inside in (toy.mu_y + 0.99 * edge, toy.mu_y - 0.99 * edge):
        tjsim.simulate(draws=64, seed=1, calibration=cal, observed={"y": {"Q1": inside}})
    for outside in (toy.mu_y + 1.01 * edge, toy.mu_y - 1.01 * edge, 1e300):
        with pytest.raises(tjsim.ScenarioError, match="far outside") as caught:
            tjsim.simulate(draws=64, calibration=cal, observed={"y": {"Q1": outside}})
        assert caught.value.key == "observed.y.Q1"
        assert f"{toy.mu_y - edge:.2f} to {toy.mu_y + edge:.2f}" in str(caught.value)


def test_an_inconsistent_observation_names_the_ones_before_it():
    toy = Toy()
    cal = toy.calibration()
    cov = toy.ytd_deviation_cov() + toy.sd_y**2  # Y_k = y + u_k
    q1 = toy.mu_y + 1.0
    slope = cov[0, 1] / cov[0, 0]
    mean = toy.mu_y + slope * (q1 - toy.mu_y)
    sd = math.sqrt(cov[1, 1] - cov[0, 1] * slope)
    tjsim.simulate(draws=64, calibration=cal, observed={"y": {"Q1": q1, "H1": mean + 5.9 * sd}})
    with pytest.raises(tjsim.ScenarioError, match=r"given y Q1 = 5: the plausible") as caught:
        tjsim.simulate(draws=64, calibration=cal, observed={"y": {"H1": mean - 6.1 * sd, "Q1": q1}})
    assert caught.value.key == "observed.y.H1"


# ---------------------------------------------------------------------- 4. huge numbers
@pytest.mark.parametrize(
    ("body", "key"),
    [
        (f"drivers: {{{SHOCKED}: {{shift: 1.0e+308}}}}", f"drivers.{SHOCKED}.shift"),
        (f"drivers: {{{SHOCKED}: {{scale: 1.0e+300}}}}", f"drivers.{SHOCKED}.scale"),
        (
            f"parameters: {{{SPREAD}: -1.0e+308}}",
            f"parameters.{SPREAD}",
        ),
        (
            f"events: [{{name: {EVENT}, probability: 0.5, impact: {{{SHOCKED}: 1.0e+300}}}}]",
            f"events.{EVENT}.impact.{SHOCKED}",
        ),
        (f"targets: {{{TARGET}: {{threshold: -1.0e+300}}}}", f"targets.{TARGET}.threshold"),
        (f"drivers: {{{SHOCKED}: {{scale: 1.0e+5}}}}", f"drivers.{SHOCKED}.scale"),
    ],
)
def test_huge_numbers_are_refused_where_they_enter(capsys, tmp_path, body, key):
    path = _write(tmp_path / "big.yaml", f"name: big\n{body}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning on the way
        err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: {key}: ")
    assert "1e+09" in err or "10000" in err


@pytest.mark.parametrize(
    "build",
    [
        lambda s: s.with_shift(SHOCKED, 1e308),
        lambda s: s.with_scale(SHOCKED, 1e300),
        lambda s: s.with_parameter(SPREAD, 1e300),
        lambda s: s.with_event(EVENT, 0.5, {SHOCKED: 1e300}),
    ],
)
def test_huge_numbers_built_in_python_are_refused_before_the_engine(calibration, build):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(tjsim.ScenarioError, match=r"1e\+09|10000|too large"):
            tjsim.simulate(build(tjsim.baseline()), draws=100, calibration=calibration)


def test_huge_bounds_of_a_required_shift_are_refused(capsys, calibration):
    with pytest.raises(tjsim.ScenarioError, match="between -1e\\+09 and 1e\\+09") as caught:
        tjsim.required_shift(
            TARGET, SHOCKED, 0.8, draws=100, bounds=(-1e308, 1e308), calibration=calibration
        )
    assert caught.value.key == "bounds"
    argv = ["--target", TARGET, "--driver", SHOCKED, "--bounds", "0", "1e308", "--draws", "100"]
    code, _, err = _run(capsys, "require", *argv)
    assert code == 2 and "bounds must be two numbers" in err


# ---------------------------------------------------------------------- 5. draws
@pytest.mark.parametrize(
    ("draws", "words"),
    [
        (10**12, "between 1 and 10,000,000,000"),
        (MAX_DRAWS + 1, "between 1 and 10,000,000,000"),
        (np.uint64(2**63 + 5), "between 1 and"),
        (10**30, "between 1 and"),
    ],
)
def test_absurd_draws_are_refused_up_front(calibration, draws, words):
    tracemalloc.start()
    try:
        with pytest.raises(tjsim.ScenarioError, match=words) as caught:
            tjsim.simulate(draws=draws, keep_draws=True, calibration=calibration)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.key == "draws"
    assert peak < 32 * 2**20  # refused before anything the size of the run exists


def test_keep_draws_is_checked_before_the_run(calibration):
    tracemalloc.start()
    try:
        with pytest.raises(tjsim.ScenarioError, match="MiB limit") as caught:
            tjsim.simulate(draws=MAX_DRAWS, keep_draws=True, calibration=calibration)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.key == "keep_draws"
    assert peak < 32 * 2**20


@pytest.mark.parametrize(
    ("where", "argv", "text"),
    [
        ("option", ["--draws", "1000000000000000"], "name: x\n"),
        ("file", [], "name: x\nsimulation: {draws: 100000000000000000000000}\n"),
        ("file", [], "name: x\nsimulation: {draws: 1.0e+23}\n"),
        ("file", [], "name: x\nsimulation: {draws: 1e23}\n"),
    ],
)
def test_absurd_draws_on_the_command_line_exit_2(capsys, tmp_path, where, argv, text):
    path = _write(tmp_path / "d.yaml", text)
    prefix = "draws: " if where == "option" else f"{path}: simulation.draws: "
    _refused(capsys, tmp_path, "run", path, *argv, where=prefix)
    assert _run(capsys, "validate", path)[0] == (0 if where == "option" else 2)


# ---------------------------------------------------------------------- 6. file reads
@pytest.mark.parametrize("kind", ["device", "fifo", "large", "folder"])
def test_only_regular_files_of_bounded_size_are_read(capsys, tmp_path, kind):
    if kind == "device":
        if not os.path.exists(os.devnull) or os.name != "posix":
            pytest.skip("needs a POSIX character device")
        path, words = Path("/dev/zero"), "found a device"
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("needs os.mkfifo (POSIX)")
        path, words = tmp_path / "pipe.yaml", "found a pipe"
        os.mkfifo(path)  # nobody writes to it: reading would block forever
    elif kind == "large":
        path, words = tmp_path / "large.yaml", f"larger than {MAX_FILE_BYTES:,} bytes"
        path.write_text("name: x\n" + "#" * MAX_FILE_BYTES)
    else:
        path, words = tmp_path / "folder.yaml", "found a directory"
        path.mkdir()
    for argv in (["run", path], ["run", "--observed", path]):
        assert words in _refused(capsys, tmp_path, *argv, *FAST, where=f"{path}: ")
    parent = _write(tmp_path / "child.yaml", f"name: child\nextends: {path}\n")
    if kind == "device":  # not a .yaml file: refused before it is opened
        words = "ending in .yaml or .yml"
    assert words in _refused(capsys, tmp_path, "run", parent, *FAST)


# ---------------------------------------------------------------------- 7. structure
def test_a_long_extends_chain_is_refused(capsys, tmp_path):
    for i in range(MAX_EXTENDS_DEPTH + 5):
        _write(tmp_path / f"c{i}.yaml", f"name: c{i}\nextends: c{i + 1}.yaml\n")
    _write(tmp_path / f"c{MAX_EXTENDS_DEPTH + 5}.yaml", "name: last\n")
    err = _refused(capsys, tmp_path, "run", tmp_path / "c4.yaml", *FAST)
    assert f"a chain of more than {MAX_EXTENDS_DEPTH} extends links (from c4.yaml)" in err
    code, _, _ = _run(capsys, "validate", tmp_path / "c5.yaml")  # 16 links: the most
    assert code == 0


def test_a_long_extends_name_is_refused_without_echoing_it(capsys, tmp_path):
    for name in ("a" * 5000, "a" * 5000 + ".yaml"):
        path = _write(tmp_path / "long.yaml", f"name: x\nextends: {name}\n")
        err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: extends: ")
        assert "a" * 61 not in err  # clipped to 60 characters
        # the message beside the file's (machine-dependent) path, which names the
        # bundled scenarios of every packaged calibration
        assert len(err.replace(str(path), "")) < 400


def test_a_complex_key_is_refused(capsys, tmp_path):
    path = _write(tmp_path / "k.yaml", "name: x\n? [a, b]\n: 1\n")
    err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: ")
    assert "a key must be a name, not a list or a mapping (line 2" in err


def test_extends_never_shows_another_files_content(capsys, tmp_path):
    secret = _write(tmp_path / "shadow", "root:SECRET-HASH:19000:0:99999:7:::\n")
    (tmp_path / "shadow.yaml").symlink_to(secret)
    for target in (secret, "shadow", "shadow.yaml"):
        path = _write(tmp_path / "s.yaml", f"name: x\nextends: {target}\n")
        err = _refused(capsys, tmp_path, "run", path, *FAST, where=f"{path}: extends: ")
        assert "SECRET" not in err


# ---------------------------------------------------------------------- 8. output folders
def test_out_the_working_folder_is_refused_without_strays(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    assert _run(capsys, "run", *FAST, "--out", out)[0] == 0
    before = sorted(p.name for p in out.iterdir())
    monkeypatch.chdir(out)
    for target in (".", "..", str(out)):
        code, _, err = _run(capsys, "run", *FAST, "--out", target)
        assert code == 2 and "is the working folder or contains it" in err
    assert sorted(p.name for p in out.iterdir()) == before
    assert _strays(out) == []


def test_out_a_name_the_system_refuses_is_an_input_error(capsys, tmp_path):
    code, _, err = _run(capsys, "run", *FAST, "--out", tmp_path / ("b" * 5000))
    assert code == 2 and err.endswith(": cannot use this folder: File name too long\n")
    assert list(tmp_path.iterdir()) == []


def test_out_a_mount_point_is_refused(capsys, tmp_path, monkeypatch):
    out = tmp_path / "mounted"
    out.mkdir()
    monkeypatch.setattr(os.path, "ismount", lambda path: Path(path) == out)
    code, _, err = _run(capsys, "run", *FAST, "--out", out)
    assert code == 2 and "is a mount point" in err
    assert list(tmp_path.iterdir()) == [out]


@pytest.mark.parametrize("failing", ["aside", "into place"])
def test_a_failed_rename_leaves_the_old_outputs_and_no_strays(
    capsys, tmp_path, monkeypatch, failing
):
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    assert _run(capsys, "run", *FAST, "--seed", "1", "--out", out)[0] == 0
    rename = os.rename

    def busy(source, target):
        source = Path(source)
        if (source == out) if failing == "aside" else (".new-" in source.name):
            raise OSError(errno.EBUSY, "Device or resource busy")
        rename(source, target)

    monkeypatch.setattr("tjsim.report.folder.os.rename", busy)
    code, _, err = _run(capsys, "run", *FAST, "--seed", "2", "--out", out)
    assert code == 2 and "Device or resource busy" in err
    assert json.loads((out / "meta.json").read_text())["seed"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals are handled in the main thread only",
)
def test_sigterm_while_writing_leaves_no_staging_folder(capsys, tmp_path, monkeypatch):
    out = tmp_path / "out"

    def killed(result, folder):
        (folder / "half.csv").write_text("half")
        os.kill(os.getpid(), signal.SIGTERM)
        (folder / "never.csv").write_text("never")

    monkeypatch.setattr("tjsim.report.files.write_run", killed)
    before = signal.getsignal(signal.SIGTERM)
    code, _, err = _run(capsys, "run", *FAST, "--out", out)
    assert (code, err) == (128 + signal.SIGTERM, "tjsim: terminated\n")
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is put back


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals are handled in the main thread only",
)
@pytest.mark.parametrize("moment", ["aside", "in place", "removing"])
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_swap_leaves_complete_outputs_and_no_strays(
    capsys, tmp_path, monkeypatch, moment, number
):
    # Ctrl-C between the two renames once removed both the old folder and the new one;
    # during the removal of the old one it left a stray `.out.old-*` folder.
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    assert _run(capsys, "run", *FAST, "--seed", "1", "--out", out)[0] == 0
    rename, rmtree = os.rename, shutil.rmtree

    def renamed(source, target):
        rename(source, target)
        if (moment == "aside") == (Path(source) == out):
            os.kill(os.getpid(), number)

    def removed(path, *args, **kwargs):
        if ".old-" in Path(path).name:
            os.kill(os.getpid(), number)
        rmtree(path, *args, **kwargs)

    if moment == "removing":
        monkeypatch.setattr("tjsim.report.folder.shutil.rmtree", removed)
    else:
        monkeypatch.setattr("tjsim.report.folder.os.rename", renamed)
    code, _, _ = _run(capsys, "run", *FAST, "--seed", "2", "--out", out)
    assert code == 128 + number
    assert json.loads((out / "meta.json").read_text())["seed"] == 2  # the swap completed
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


class _FailingStream:
    """A standard output that fails to write."""

    def __init__(self, error: OSError):
        self.error = error

    def write(self, text: str) -> int:
        raise self.error

    def flush(self) -> None:
        raise self.error

    def isatty(self) -> bool:
        return False


def test_a_broken_pipe_still_writes_the_outputs(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    monkeypatch.setattr(sys, "stdout", _FailingStream(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    out = tmp_path / "out"
    assert main(["run", *FAST, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "meta.json"]


def test_a_full_standard_output_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(
        sys, "stdout", _FailingStream(OSError(errno.ENOSPC, "No space left on device"))
    )
    assert main(["targets"]) == 2
    assert capsys.readouterr().err == (
        "tjsim: error: cannot write to standard output: No space left on device\n"
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("argv", [["facts"], ["--help"]])  # argparse ignores a failed write
@pytest.mark.slow
def test_standard_output_on_a_full_device_exits_2_in_a_real_process(argv):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "tjsim", *argv],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environment(),
            timeout=300,
        )
    assert done.returncode == 2
    assert done.stderr == "tjsim: error: cannot write to standard output: No space left on device\n"


@pytest.mark.slow
def test_a_closed_pipe_in_a_real_process_still_writes_the_outputs(tmp_path):
    out = tmp_path / "out"
    baseline = ROOT / "scenarios" / "baseline.yaml"
    argv = ["compare", baseline, baseline, "--draws", "500", "--out", out]
    process = subprocess.Popen(
        [sys.executable, "-m", "tjsim", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_environment(),
    )
    process.stdout.close()  # as `| true` does: nothing will read the table
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            MARKER,
            "changes.png",
            "comparison.csv",
            "comparison.json",
            "comparison.png",
            "comparison.txt",
            "report.html",
        ]
    )


@pytest.mark.parametrize("command", ["sweep", "score", "panel"])
@pytest.mark.slow
def test_a_broken_pipe_still_writes_a_sweep_or_a_score(tmp_path, monkeypatch, command):
    # The table is printed after --out is written, as for run and compare: a reader
    # that stops early (`| head -1`) must not cost the files.
    monkeypatch.setattr(sys, "stdout", _FailingStream(BrokenPipeError(errno.EPIPE, "Broken pipe")))
    out = tmp_path / "out"
    argv = {
        "sweep": ["sweep", "--grid", "investment_exports", "--draws", "500"],
        "score": ["score"],
        "panel": ["score", "--panel"],
    }[command]
    assert main([*argv, "--out", str(out)]) == 0
    assert MARKER in {p.name for p in out.iterdir()}


# ---------------------------------------------------------------------- 9. API types
@pytest.mark.parametrize(
    ("kwargs", "key", "words"),
    [
        ({"scenario": 123}, "scenario", "a Scenario, a scenario file, a bundled scenario's name"),
        ({"observed": [{"gdp_growth": 5.0}]}, "observed", "a mapping {variable: {period: value}}"),
        ({"progress": 123}, "progress", "a function of the draws finished"),
        ({"keep_draws": "yes"}, "keep_draws", "True or False"),
        ({"quarterly": "x"}, "quarterly", "True or False"),
        ({"calibration": 123}, "calibration", "a Calibration, a calibration folder or None"),
        ({"threads": "2"}, "threads", "whole number >= 1"),
        ({"workers": 0}, "workers", "whole number >= 1"),
        ({"chunk_size": 1.5}, "chunk_size", "whole number >= 1"),
        ({"draws": "many"}, "draws", "whole number"),
    ],
)
def test_simulate_names_a_misused_argument(kwargs, key, words):
    kwargs = {"draws": 100, **kwargs}
    scenario = kwargs.pop("scenario", None)
    with pytest.raises(tjsim.ScenarioError, match=words) as caught:
        tjsim.simulate(scenario, **kwargs)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: {key} must be")


@pytest.mark.parametrize(
    ("build", "name"),
    [
        (lambda s: s.with_shift("investment", "abc"), "shift"),
        (lambda s: s.with_shift("investment", True), "shift"),
        (lambda s: s.with_scale("investment", None), "factor"),
        (lambda s: s.with_parameter("okun_coefficient", [1]), "value"),
        (lambda s: s.with_correlation("investment", "exports", "0.5"), "value"),
    ],
)
def test_scenario_builders_name_a_misused_argument(build, name):
    with pytest.raises(tjsim.ScenarioError, match=f"{name} must be a number, found"):
        build(tjsim.baseline())


@pytest.mark.slow
def test_threads_and_workers_are_capped_at_the_cpus(calibration):
    from tjsim.engine import available_cpus

    one = tjsim.simulate(draws=3000, seed=4, threads=1, calibration=calibration)
    many = tjsim.simulate(draws=3000, seed=4, threads=10**6, workers=10**6, calibration=calibration)
    pd.testing.assert_frame_equal(one.probabilities(), many.probabilities(), check_exact=True)
    assert many.metadata["workers"] <= available_cpus()


# ---------------------------------------------------------------------- 10. surprises
def test_base_60_and_leading_zero_numbers_are_text():
    assert parse_yaml("a: 1:30\nb: 010\nc: 0x10\nd: 1_000\ne: 1.0e+5\nf: -0.5", "t") == {
        "a": "1:30",
        "b": "010",
        "c": 16,
        "d": 1000,
        "e": 1.0e5,
        "f": -0.5,
    }


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ("drivers: {investment: {shift: 1:30}}", "drivers.investment.shift", "base-60"),
        ("simulation: {draws: 010}", "simulation.draws", "leading zero"),
        (
            f"drivers: {{{SHOCKED}: {{distribution: normal, df: 5}}}}",
            f"drivers.{SHOCKED}.df",
            "df shapes a t shock",
        ),
        (
            f"drivers: {{{SHOCKED}: {{distribution: t, skew: 0.3}}}}",
            f"drivers.{SHOCKED}.skew",
            "skew shapes a two_piece",
        ),
        ("simulation: {draws: 10, method: sobol}", "simulation.draws", "at least 32"),
        ("simulation: {draws: 11, method: antithetic}", "simulation.draws", "even"),
    ],
)
def test_silent_surprises_are_errors(capsys, tmp_path, body, key, words):
    path = _write(tmp_path / "s.yaml", f"name: s\n{body}\n")
    assert words in _refused(capsys, tmp_path, "run", path, where=f"{path}: {key}: ")
    code, _, err = _run(capsys, "validate", path)
    assert code == 2 and err.startswith(f"{path}: {key}: ")


def test_draws_unfit_for_the_files_method_name_the_file(tmp_path, calibration):
    path = _write(tmp_path / "s.yaml", "name: s\nsimulation: {method: sobol}\n")
    with pytest.raises(tjsim.ScenarioError, match="at least 32") as caught:
        tjsim.simulate(path, draws=10, calibration=calibration)
    assert (caught.value.file, caught.value.key) == (None, "draws")  # the argument's fault
    scenario = tjsim.baseline().with_simulation(draws=10, method="sobol")
    with pytest.raises(tjsim.ScenarioError) as caught:
        tjsim.simulate(scenario, calibration=calibration)
    assert caught.value.key == "simulation.draws"


def test_a_df_for_a_normal_shock_is_refused_in_python():
    cal = Toy().calibration()
    scenario = tjsim.baseline(calibration=cal).with_distribution("a", "normal", df=5.0)
    with pytest.raises(tjsim.ScenarioError, match="df shapes a t shock") as caught:
        tjsim.simulate(scenario, draws=100, calibration=cal)
    assert caught.value.key == "drivers.a.df"


def test_control_characters_never_reach_the_terminal(capsys, tmp_path):
    path = _write(tmp_path / "ansi.yaml", 'name: "\\e[31mRED\\e[0m"\n')
    code, out, _ = _run(capsys, "run", path, "--draws", "1000")
    assert code == 0
    assert "\x1b" not in out and "'\\x1b[31mRED\\x1b[0m'" in out
    code, out, _ = _run(capsys, "validate", path)
    assert "\x1b" not in out
    bad = _write(tmp_path / "bad.yaml", 'name: x\ndrivers: {"\\e[2Jinvest": {shift: 1}}\n')
    code, _, err = _run(capsys, "run", bad)
    assert code == 2 and "\x1b" not in err and "\\x1b[2Jinvest" in err
    assert visible("a\tb\nc\x1b\x9b\x00") == "a\tb\nc\\x1b\\x9b\\x00"


def test_the_docs_state_the_limits():
    from tjsim.engine import KEEP_DRAWS_LIMIT_BYTES
    from tjsim.limits import MAX_MAGNITUDE, MAX_SPREAD

    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    limits = text[text.index("## Limits") :]
    assert f"| {MAX_DRAWS:,} (`MAX_DRAWS`)" in limits
    assert f"| {MAX_FILE_BYTES // 2**20} MiB (`MAX_FILE_BYTES`)" in limits
    assert f"| {MAX_EXTENDS_DEPTH} links from one file (`MAX_EXTENDS_DEPTH`)" in limits
    assert MAX_MAGNITUDE == 1e9 and "between -1e9 and 1e9 (`MAX_MAGNITUDE`)" in limits
    assert f"at most {MAX_SPREAD:,.0f} in its unit (`MAX_SPREAD`)" in limits
    assert f"within {MAX_SURPRISE:g} standard deviations" in limits
    assert f"{KEEP_DRAWS_LIMIT_BYTES // 2**20} MiB of kept draws" in limits
    assert "`threads` and `workers`" in limits


@pytest.mark.parametrize("name", ["$5 vs $6", r"$\foo$", "a $ b"])
@pytest.mark.slow
def test_a_name_with_dollar_signs_is_drawn_as_text(capsys, tmp_path, name):
    # matplotlib reads text between dollar signs as mathematics: a scenario's name must
    # reach every figure as literal text, or the run fails after the simulation.
    scenario = tmp_path / "dollars.yaml"
    scenario.write_text(f"name: {json.dumps(name)}\nextends: baseline\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = _run(capsys, "run", str(scenario), "--draws", "2000", "--out", str(out))
    assert code == 0, err
    assert (out / "probabilities.png").is_file()
    code, _, err = _run(
        capsys,
        "compare",
        "baseline",
        str(scenario),
        "--draws",
        "2000",
        "--out",
        str(tmp_path / "c"),
    )
    assert code == 0, err


# ---------------------------------------------------------------------- 2026 audit: small inputs
@pytest.mark.parametrize(
    "digits, words",
    [(400, "found an integer of 400 digits"), (5_000, "an integer of 5,000 digits")],
)
def test_an_enormous_integer_is_a_clear_error(capsys, tmp_path, digits, words):
    path = tmp_path / "big.yaml"
    path.write_text(
        f"name: big\nextends: baseline\ndrivers:\n  investment: {{shift: {'9' * digits}}}\n",
        encoding="utf-8",
    )
    code, _, err = _run(capsys, "run", str(path), "--draws", "1000")
    assert code == 2 and words in err and "internal error" not in err


def test_extends_with_a_nul_character_is_a_clear_error(capsys, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text('name: nul\nextends: "a\\x00b.yaml"\n', encoding="utf-8")
    code, _, err = _run(capsys, "run", str(path))
    assert code == 2 and "extends: a file name cannot contain a NUL character" in err


@pytest.mark.parametrize(
    "build, key",
    [
        (lambda: tjsim.simulate(draws=1_000, reading=5), "reading"),
        (lambda: tjsim.baseline().with_reading({"gdp_growth": 1}), "reading"),
        (lambda: tjsim.baseline().with_observed("x"), "observed"),
        (lambda: tjsim.baseline().with_observed({"gdp_growth": 5.0}), "observed"),
        (lambda: tjsim.baseline().renamed(5), "name"),
        (lambda: tjsim.baseline().renamed("  "), "name"),
        (lambda: tjsim.baseline().renamed("a", description=3), "description"),
    ],
)
def test_builders_refuse_values_of_the_wrong_kind(build, key):
    with pytest.raises(tjsim.ScenarioError) as caught:
        build()
    assert caught.value.key == key


def test_bidirectional_controls_are_shown_as_escapes():
    assert visible("a\u202eb\u2067c") == "a\\u202eb\\u2067c"
    assert visible("中文\tok") == "中文\tok"


def test_a_seed_of_more_than_128_bits_is_refused(capsys, tmp_path):
    with pytest.raises(tjsim.ScenarioError, match=r"below 2\*\*128"):
        tjsim.simulate(draws=1_000, seed=2**128)
    assert tjsim.simulate(draws=1_000, seed=2**128 - 1).metadata["seed"] == 2**128 - 1
    path = tmp_path / "seed.yaml"
    path.write_text(f"name: s\nsimulation: {{seed: 0x{'f' * 600}}}\n", encoding="utf-8")
    code, _, err = _run(capsys, "run", str(path), "--draws", "1000")
    assert code == 2 and "simulation.seed: expected a whole number below 2**128" in err


def test_an_output_folder_with_files_a_user_added_is_not_replaced(capsys, tmp_path, monkeypatch):
    # --out replaces an earlier output folder as a whole: a file someone put there since
    # would be lost with it, so the folder is refused while it holds one.
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    assert _run(capsys, "run", *FAST, "--seed", "1", "--out", out)[0] == 0
    assert _run(capsys, "run", *FAST, "--seed", "2", "--out", out)[0] == 0  # replaced
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, _, err = _run(capsys, "run", *FAST, "--seed", "3", "--out", out)
    assert code == 2 and "also holds files tjsim did not write (notes.txt)" in err
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert json.loads((out / "meta.json").read_text())["seed"] == 2
