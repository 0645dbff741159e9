"""Regression benchmarks (pytest-benchmark): engine time by draws, method and kernel,
peak memory by draws and method, and the cold ``import tjsim`` time.

    pip install -e ".[bench]"
    pytest benchmarks/test_engine_speed.py --benchmark-autosave          # a baseline
    pytest benchmarks/test_engine_speed.py --benchmark-compare \\
        --benchmark-compare-fail=min:20%                                  # after a change

``TJSIM_BENCH_DRAWS`` (comma-separated, e.g. ``1e4,1e6``) sets the sizes; the test
suite runs this file at a tiny size with ``--benchmark-disable`` so that it never rots.
Peak memory and draws per second go into each benchmark's ``extra_info``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tracemalloc

import pytest

import tjsim

pytest.importorskip("pytest_benchmark")

DRAWS = [int(float(x)) for x in os.environ.get("TJSIM_BENCH_DRAWS", "1e4,1e5,1e6").split(",") if x]
METHODS = ("mc", "antithetic", "sobol")
KERNELS = ("numba", "numpy") if importlib.util.find_spec("numba") else ("numpy",)


@pytest.fixture(scope="module")
def calibration():
    calibration = tjsim.load_calibration()
    for kernel in KERNELS:  # imports, tables, compiled code
        tjsim.simulate(draws=1_000, seed=1, calibration=calibration, kernel=kernel)
    return calibration


def _rounds(draws: int) -> int:
    return 5 if draws <= 100_000 else (3 if draws <= 1_000_000 else 1)


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("draws", DRAWS, ids=lambda n: f"{n:.0e}")
def test_engine_time(benchmark, calibration, draws, method, kernel):
    benchmark.group = f"engine {draws:.0e} draws"

    def run():
        return tjsim.simulate(
            draws=draws, seed=1, method=method, calibration=calibration, kernel=kernel
        )

    result = benchmark.pedantic(run, rounds=_rounds(draws), warmup_rounds=0)
    assert result.accumulator.draws == draws and result.metadata["kernel"] == kernel
    if benchmark.stats is not None:  # None with --benchmark-disable
        benchmark.extra_info["draws_per_second"] = draws / benchmark.stats.stats.min


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("draws", DRAWS, ids=lambda n: f"{n:.0e}")
def test_engine_peak_memory(benchmark, calibration, draws, method):
    """One traced run: its time is recorded, and the peak of allocated memory in MB."""
    benchmark.group = "peak memory (MB in extra_info)"
    peaks = []

    def run():
        tracemalloc.start()
        try:
            tjsim.simulate(draws=draws, seed=1, method=method, calibration=calibration)
            peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        finally:
            tracemalloc.stop()

    benchmark.pedantic(run, rounds=1, warmup_rounds=0)
    benchmark.extra_info["peak_mb"] = max(peaks)
    assert max(peaks) < 1_000


def test_cold_import(benchmark):
    """``import tjsim`` in a fresh interpreter (includes starting Python)."""
    benchmark.group = "import"

    def run():
        subprocess.run([sys.executable, "-c", "import tjsim"], check=True)

    benchmark.pedantic(run, rounds=5, warmup_rounds=1)
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, tjsim; print('matplotlib' in sys.modules or 'numba' in sys.modules)",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    benchmark.extra_info["matplotlib_loaded"] = loaded
    assert loaded == "False"
