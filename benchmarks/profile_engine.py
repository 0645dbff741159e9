"""Where the numpy kernel's time goes: a stage profile of one run (single thread).

Every numpy call made by :mod:`tjsim.engine.kernels.numpy_kernel` and
:mod:`tjsim.engine.tables` is timed and
assigned to the stage named by the last ``# --`` comment above the line that makes it
(calls in :mod:`tjsim.engine.tables` are the table transforms); the latent normals are
timed by wrapping the sampler. Run ``python benchmarks/profile_engine.py [draws] [method]``.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np


class _Timed:
    """A stand-in for the numpy module that times every call by caller line."""

    def __init__(self, module: Any, file: str, times: dict):
        self._module, self._file, self._times = module, file, times

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._module, name)
        if not callable(target) or isinstance(target, type):
            return target
        times, file = self._times, self._file

        def timed(*args, **kwargs):
            line = sys._getframe(1).f_lineno
            start = time.perf_counter()
            try:
                return target(*args, **kwargs)
            finally:
                times[(file, line)] += time.perf_counter() - start

        if isinstance(target, np.ufunc):
            return _TimedUfunc(target, timed, file, times)
        return timed


class _TimedUfunc:
    def __init__(self, ufunc: np.ufunc, call, file: str, times: dict):
        self._ufunc, self._call, self._file, self._times = ufunc, call, file, times

    def __call__(self, *args, **kwargs):
        line = sys._getframe(1).f_lineno
        start = time.perf_counter()
        try:
            return self._ufunc(*args, **kwargs)
        finally:
            self._times[(self._file, line)] += time.perf_counter() - start

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._ufunc, name)
        times, file = self._times, self._file

        def timed(*args, **kwargs):
            line = sys._getframe(1).f_lineno
            start = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                times[(file, line)] += time.perf_counter() - start

        return timed


def profile(draws: int = 1_000_000, method: str = "mc") -> list[tuple[str, float]]:
    """Stage shares of one single-threaded run: ``[(stage, seconds), ...]``, first the
    plain run's total, then the instrumented run's total."""
    import tjsim
    import tjsim.engine.kernels.numpy_kernel as engine
    import tjsim.engine.sampling as sampling
    import tjsim.engine.tables as marginals

    calibration = tjsim.load_calibration()
    tjsim.simulate(
        draws=2 * 32768, seed=1, method=method, calibration=calibration, threads=1, kernel="numpy"
    )
    times: dict = defaultdict(float)
    sample = [0.0]
    original_stream = sampling.LatentSampler.stream

    def stream(self, block):
        fill = original_stream(self, block)

        def timed(out):
            start = time.perf_counter()
            fill(out)
            sample[0] += time.perf_counter() - start

        return timed

    start = time.perf_counter()
    tjsim.simulate(
        draws=draws, seed=1, method=method, calibration=calibration, threads=1, kernel="numpy"
    )
    plain = time.perf_counter() - start
    saved = engine.np, marginals.np
    engine.np = _Timed(np, "engine", times)
    marginals.np = _Timed(np, "marginals", times)
    sampling.LatentSampler.stream = stream
    try:
        start = time.perf_counter()
        tjsim.simulate(
            draws=draws, seed=1, method=method, calibration=calibration, threads=1, kernel="numpy"
        )
        total = time.perf_counter() - start
    finally:
        engine.np, marginals.np = saved
        sampling.LatentSampler.stream = original_stream
    lines = {
        "engine": Path(engine.__file__).read_text(encoding="utf-8").splitlines(),
        "marginals": Path(marginals.__file__).read_text(encoding="utf-8").splitlines(),
    }
    stages: dict[str, float] = defaultdict(float)
    stages["latent normals"] = sample[0]
    for (file, line), seconds in times.items():
        stages[_stage(lines[file], line) if file == "engine" else "table transforms"] += seconds
    stages["python, and the timing itself"] = max(total - sum(stages.values()), 0.0)
    return [("plain", plain), ("total", total), *sorted(stages.items(), key=lambda kv: -kv[1])]


def _stage(lines: list[str], line: int) -> str:
    """The text of the last ``# --`` comment at or above ``line`` (1-based)."""
    for text in reversed(lines[:line]):
        text = text.strip()
        if text.startswith("# --"):
            return text[4:].strip().split(":")[0].split(" (")[0]
        if text.startswith("def "):
            break
    return "other"


def format_profile(rows: list[tuple[str, float]], draws: int) -> str:
    plain, total = rows[0][1], rows[1][1]
    out = ["| stage | ms per 1e6 draws | share |", "| --- | ---: | ---: |"]
    for name, seconds in rows[2:]:
        out.append(f"| {name} | {seconds / draws * 1e9:,.0f} | {100 * seconds / total:.0f}% |")
    out.append(f"| **total (instrumented run)** | {total / draws * 1e9:,.0f} | 100% |")
    out.append(f"| total without the instrumentation | {plain / draws * 1e9:,.0f} | |")
    return "\n".join(out)


if __name__ == "__main__":
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    m = sys.argv[2] if len(sys.argv) > 2 else "mc"
    print(format_profile(profile(n, m), n))
