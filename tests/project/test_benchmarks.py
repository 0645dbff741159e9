"""The benchmark code keeps working: a tiny comparison, the regression suite at a tiny
size, and the engine features the benchmarks rely on (threads, streamed sampling)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import tjsim
from optional import requires_numba
from paths import ROOT

BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import compare
        import implementations

        yield compare, implementations
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.slow
def test_a_tiny_comparison_writes_its_table_and_figure(bench, tmp_path):
    compare, _ = bench
    report = compare.main(
        [
            "--sizes",
            "3000",
            "--small",
            "60",
            "--no-accuracy",
            "--no-profile",
            "--compile-repeats",
            "1",
            "--out",
            str(tmp_path),
            "--name",
            "smoke",
            "--readme",
            "no",
        ]
    )
    text = (tmp_path / "smoke.md").read_text(encoding="utf-8")
    assert (tmp_path / "smoke.png").stat().st_size > 0
    assert (tmp_path / "smoke.json").stat().st_size > 0
    for name in (
        "floor: numpy normals, 1 thread",
        "floor: numpy normals, 2 threads",
        "tjsim mc, 1 thread",
        "tjsim sobol, 2 threads",
        "per-draw loop",
        "pandas",
    ):
        assert name in text
    assert "**Goals**" in text and "**Machine**" in text and "x floor (same threads)" in text
    engine = report.find("tjsim mc, 1 thread", 3000)
    assert engine is not None and engine.seconds > 0 and engine.peak_mb > 0
    assert engine.threads == 1 and engine.kernel in ("numba", "numpy")
    assert report.floor(engine).name == "floor: numpy normals, 1 thread"
    assert report.floor(report.find("tjsim mc, 2 threads", 3000)).threads == 2
    assert set(report.memory["peak_rss_mb"]) == {"3000", "10000"}
    assert "warm_seconds" in report.compile or "skipped" in report.compile
    loop = report.find("per-draw loop (reference.py)", 3000)
    assert loop.extrapolated and loop.measured_draws == 60
    for peer in ("monaco", "SALib sobol + tjsim evaluation"):
        assert report.find(peer, 3000) is not None or peer in report.skipped


def test_the_slow_implementations_match_the_engine(bench, calibration):
    _, impl = bench
    setup = impl.Setup.load()
    ours = impl.engine(setup, 300, seed=5)
    np.testing.assert_array_equal(impl.pandas_rowwise(setup, 300, seed=5), ours)
    np.testing.assert_array_equal(impl.loop(setup, 300, seed=5), ours)


@pytest.mark.slow
def test_the_regression_suite_runs_at_a_tiny_size():
    pytest.importorskip("pytest_benchmark")
    env = {**os.environ, "TJSIM_BENCH_DRAWS": "2000"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(BENCHMARKS / "test_engine_speed.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-disable",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_threads_do_not_change_the_numbers(calibration):
    runs = [
        tjsim.simulate(draws=5 * 32768 + 78, seed=3, method=m, threads=k, calibration=calibration)
        for m in ("mc", "antithetic", "sobol")
        for k in (1, 3)
    ]
    for one, three in zip(runs[::2], runs[1::2], strict=True):
        pd.testing.assert_frame_equal(one.probabilities(), three.probabilities(), check_exact=True)
        pd.testing.assert_frame_equal(one.to_frame(), three.to_frame(), check_exact=True)
        pd.testing.assert_frame_equal(one.shock_means(), three.shock_means(), check_exact=True)
        for name in ("met", "both", "count_met", "pair_square", "histogram", "basis_met_sum"):
            np.testing.assert_array_equal(
                getattr(one.accumulator, name), getattr(three.accumulator, name)
            )


def test_streamed_latent_normals_equal_whole_blocks():
    from tjsim.engine.sampling import LatentSampler
    from tjsim.seeding import as_seed_sequence, plan_blocks

    root = as_seed_sequence(11)
    for method, draws in (("mc", 40_000), ("antithetic", 40_000), ("sobol", 70_000)):
        whole, streamed = LatentSampler(method, root, 5), LatentSampler(method, root, 5)
        for block in plan_blocks(method, draws):
            a = np.empty((block.size, 5))
            whole.fill(block, a)
            rows = block.size // 2 if method == "antithetic" else block.size
            b = np.empty((rows, 5))
            fill = streamed.stream(block)
            for start in range(0, rows, 1000):
                fill(b[start : start + 1000])
            np.testing.assert_array_equal(a[:rows], b)


def test_threads_is_checked(calibration):
    with pytest.raises(tjsim.ScenarioError, match="threads"):
        tjsim.simulate(draws=100, threads=0, calibration=calibration)


def _benchmark(name: str):
    """The module ``benchmarks/<name>.py`` (the folder is not a package)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.mark.slow
def test_the_sweep_benchmark_runs_at_a_tiny_size(tmp_path):
    sweep_scaling = _benchmark("sweep_scaling")
    data = sweep_scaling.main(
        [
            "--points", "2", "--draws", "3000", "--pool-draws", "3000", "--repeat", "1",
            "--backends", "local:1,processes:2", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert [row["identical"] for row in data["sweep"]] == [True, True]
    assert data["sweep"][0]["speedup"] == 1.0
    assert "| processes | 2 |" in (tmp_path / "sweep.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_explorer_benchmark_runs_at_a_tiny_size(tmp_path):
    explorer = _benchmark("explorer")
    text = explorer.main(
        ["--draws", "3000", "--rounds", "1", "--out", str(tmp_path), "--readme", "no"]
    )
    assert (tmp_path / "explorer.md").read_text(encoding="utf-8") == text
    for kind in ("shift", "spread", "event"):
        assert f"| {kind} |" in text and f"| {kind}: the whole update" in text
    assert "**Machine**" in text and "load average" in text
    results = json.loads((tmp_path / "explorer.json").read_text(encoding="utf-8"))["results"]
    rows = [row for kind in results.values() for row in kind]
    assert all(r["update"] == r["odds"] + r["readout"] + r["page"] > 0 for r in rows)


@requires_numba
@pytest.mark.slow
def test_the_kernel_stage_benchmark_runs_at_a_tiny_size():
    kernel_stages = _benchmark("kernel_stages")
    out = kernel_stages.main(
        [
            "--draws", "3000", "--rounds", "1",
            "--variant", "unchanged=if primary <= r < t or r == t + 1:=>if primary <= r < t or r == t + 1:",
            "--variant", "sums=+= part[a]=>+= 0.0",
        ]
    )  # fmt: skip
    assert out["identical"] == {"unchanged": True, "sums": False}
    for name in ("latent normals", "indicators", "quantile histograms", "whole `simulate`"):
        assert name in out["text"]


@requires_numba
def test_each_stage_copy_of_the_loop_ends_with_its_own_stage():
    """The copy timed as "up to: latent normals" draws the normals and stops there (a copy
    one stage longer would charge the gather to the normals)."""
    copies = _benchmark("kernel_stages").stage_sources()
    normals_only = copies["up to: latent normals"]
    assert "_normal(s0, s1, s2, s3)" in normals_only
    assert "_sparse_product(gather_start" not in normals_only
    through_gather = copies["up to: gather, table reads, events, transpose"]
    assert "_sparse_product(gather_start" in through_gather
    assert "_sparse_product(weight_start" not in through_gather
    through_tests = copies["up to: target tests, pair counts, basis sums in met draws"]
    assert "_popcount(words[r]" in through_tests and "lane_squares[i, s] +=" not in through_tests
    # every copy keeps the block's reductions after the tiles
    assert all("square += lane_squares[i, s]" in source for source in copies.values())


@requires_numba
def test_the_normals_benchmark_checks_both_streams_and_times_them():
    """benchmarks/normals.py times the kernel's own loops for the two streams after
    checking them against numpy number for number; the check fails on a stream 3 whose
    lane 3 started from another block's state."""
    from tjsim.engine.lanes import generator_states
    from tjsim.seeding import as_seed_sequence

    normals = _benchmark("normals")
    # 2,560 draws of 5 normals: some 190 rejected tries, a few of them in the tail
    normals.check_exact(5, tiles=40)
    states = generator_states(as_seed_sequence(7), 0)
    states[:, 3] = generator_states(as_seed_sequence(7), 1)[:, 3]
    with pytest.raises(AssertionError, match="stream 3's loop differs"):
        normals.check_exact(5, tiles=4, states=states)
    out = normals.main(["--draws", "640", "--rounds", "1", "--whole", "3000"])
    assert set(out["ns"]) == {
        "sfc64/2",
        "sfc64/3",
        "sfc64/3, first tries only",
        "whole simulate, sfc64/2",
        "whole simulate, sfc64/3",
    }
    assert "both streams equal numpy's draws" in out["text"]
