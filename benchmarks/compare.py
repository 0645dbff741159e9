"""Time tjsim's engine against the floor, a per-draw loop, pandas, monaco and SALib.

Run from the repository root::

    python benchmarks/compare.py --quick     # 1e4 .. 1e7 draws, a few minutes
    python benchmarks/compare.py             # 1e4 .. 1e8 draws, writes the README table

Everything runs on this one machine, in this process (the compile time, the peak RSS
and the import time in fresh ones; the worker processes of the ``2 processes`` rows in
tjsim's persistent pool, started before the timing), so the ratios compare like with
like. The floor draws as many latent normals with numpy on SFC64 generators (block
``b`` from ``SeedSequence(seed, spawn_key=(b,))``: stream ``sfc64/2``'s, numpy's
cheapest normals; the engine's default stream ``sfc64/3`` draws them from eight SFC64
lanes a block, which numpy alone cannot draw faster), and each
engine row is divided by the floor on as many threads in all (two worker processes of
one thread each: the two-thread floor), timed interleaved with it run by run, so that a
change in the machine's load touches both. The goal of one thread against the floor is
judged from alternating rounds in CPU time (wall time beside it), against two floors:
numpy's normals on SFC64, and numpy's default generator (PCG64) drawing
as many. The script writes ``results/<name>.md``, ``.json`` and ``.png`` next to it
(``quick`` or ``full``); a full run also replaces the results section of
``benchmarks/README.md``. Slow implementations (the per-draw loop, pandas, monaco)
are timed at a small number of draws and their per-draw cost is extrapolated to the
larger sizes; the tables mark those figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import implementations as impl  # noqa: E402

#: Standard error of P(met) that "accuracy per second" asks for: 0.1 percentage point.
TARGET_SE = 0.001
#: The goals of the benchmark, checked against the measured figures.
GOALS = {
    "floor_ratio": 1.0,  # engine / floor, both on one thread, at 1e6 and 1e7 draws
    "threads_gain": 1.6,  # two threads over one (mc, the largest size up to 1e7)
    "draws_per_second": 10e6,  # one process
    "workers_gain": 1.6,  # two worker processes over one single-threaded process
    "loop_speedup": 300.0,  # at 1e5 draws
    "monaco_speedup": 1000.0,
    "salib_speedup": 15.0,
    "flatness": 0.20,  # per-draw cost from 1e5 to 1e8 draws
    "rss_growth_mb": 64.0,  # peak RSS at the largest size minus at 1e4 draws
    "all_targets_ms": 50.0,  # every target to 0.1 pp (the fastest method)
    "sobol_fewer_draws": 5.0,
    "import_seconds": 0.3,
    "compile_warm_seconds": 1.0,  # first call's extra time with a warm compile cache
}
README_START = "<!-- results: start (written by compare.py) -->"
README_END = "<!-- results: end -->"


@dataclass
class Row:
    """One implementation at one number of draws."""

    name: str
    draws: int
    seconds: float  # best wall time (extrapolated ones: per-draw cost times draws)
    measured_draws: int  # draws actually run (differs when extrapolated)
    peak_mb: float | None = None
    probability: float | None = None  # P(gdp_growth met)
    note: str = ""
    threads: int | None = None  # threads per process the run used (floor and engine)
    workers: int | None = None  # worker processes (None: the run stays in this process)
    kernel: str = ""  # the engine's kernel
    load: float | None = None  # 1-minute load average when it was measured

    @property
    def extrapolated(self) -> bool:
        """Estimated from the per-draw cost at far fewer draws (not "scaled": SALib's
        design size nearest ``draws``)."""
        return self.measured_draws != self.draws and self.note != "scaled"

    @property
    def total_threads(self) -> int:
        """Threads in all: per process, times the worker processes."""
        return (self.threads or 1) * (self.workers or 1)


@dataclass
class Report:
    mode: str
    sizes: list[int]
    machine: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    accuracy: list[dict[str, Any]] = field(default_factory=list)
    imports: dict[str, Any] = field(default_factory=dict)
    compile: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    paired: dict[str, Any] = field(default_factory=dict)
    profile: str = ""
    goals: list[dict[str, Any]] = field(default_factory=list)
    elapsed: float = 0.0

    def find(self, name: str, draws: int) -> Row | None:
        return next((r for r in self.rows if r.name == name and r.draws == draws), None)

    def floor(self, row: Row) -> Row | None:
        """The floor measured at ``row``'s draws on as many threads as ``row`` ran in all
        (two worker processes of one thread each: two; one for rows without threads)."""
        return self.find(floor_name(row.total_threads), row.draws)


def floor_name(threads: int) -> str:
    return f"floor: numpy normals, {threads} thread{'s' if threads > 1 else ''}"


#: The row of two worker processes (tjsim's persistent pool), one thread each.
PROCESSES = "tjsim mc, 2 processes x 1 thread"


def load_average() -> float | None:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


# ---------------------------------------------------------------------- timing
def best_time(run: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Smallest wall time of ``repeats`` runs, and the last run's value."""
    best, value = math.inf, None
    for _ in range(max(repeats, 1)):
        start = time.perf_counter()
        value = run()
        best = min(best, time.perf_counter() - start)
    return best, value


def peak_memory(run: Callable[[], Any]) -> float:
    """Peak of memory allocated (traced by tracemalloc, numpy arrays included) during
    ``run``, in MB."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def repeats_for(draws: int, quick: bool) -> int:
    if draws <= 100_000:
        return 5
    if draws <= 1_000_000:
        return 3
    return 2 if quick and draws <= 10_000_000 else 1


# ---------------------------------------------------------------------- measurements
def tjsim_configs(sizes: list[int]) -> list[tuple[str, dict[str, Any], list[int]]]:
    """(row name, simulate options, sizes) of the engine configurations; every one sets
    its threads (and workers), so that it is compared with the floor on as many threads
    in all."""
    big = [n for n in sizes if n >= 1_000_000]
    upto = [n for n in sizes if n <= 10_000_000]
    return [
        ("tjsim mc, 1 thread", {"method": "mc", "threads": 1}, sizes),
        ("tjsim mc, 2 threads", {"method": "mc", "threads": 2}, sizes),
        ("tjsim antithetic, 2 threads", {"method": "antithetic", "threads": 2}, upto),
        ("tjsim sobol, 2 threads", {"method": "sobol", "threads": 2}, upto),
        (
            "tjsim mc, numpy kernel, 1 thread",
            {"method": "mc", "threads": 1, "kernel": "numpy"},
            upto,
        ),
        (PROCESSES, {"method": "mc", "workers": 2, "threads": 1}, big),
    ]


def measure_tjsim(setup: impl.Setup, report: Report, quick: bool, log: Callable) -> None:
    """The floor and the engine at each size, interleaved: each repeat times every
    configuration once, in turn, and the best time of each is kept."""
    sizes = report.sizes
    default = impl.default_kernel(setup)
    for _name, options, _ in tjsim_configs(sizes):  # warm up: imports, tables, compiling
        impl.engine(setup, 70_000, **options)
    gdp = setup.targets.index("gdp_growth")
    for n in sizes:
        start = time.perf_counter()
        runs: list[tuple[str, int, int | None, str, Callable[[], Any]]] = [
            (floor_name(k), k, None, "", lambda n=n, k=k: impl.floor(setup, n, threads=k))
            for k in (1, 2)
        ]
        for name, options, config_sizes in tjsim_configs(sizes):
            if n in config_sizes:
                runs.append(
                    (
                        name,
                        options["threads"],
                        options.get("workers"),
                        options.get("kernel", default),
                        lambda n=n, options=options: impl.engine(setup, n, **options),
                    )
                )
        best = {name: math.inf for name, *_ in runs}
        values: dict[str, Any] = {}
        loads: dict[str, float | None] = {}
        for _ in range(repeats_for(n, quick)):
            for name, _threads, _workers, _kernel, run in runs:
                loads[name] = load_average()
                t0 = time.perf_counter()
                values[name] = run()
                best[name] = min(best[name], time.perf_counter() - t0)
        for name, threads, workers, kernel, run in runs:
            peak = None
            if name.startswith("tjsim") and workers is None and n <= 10_000_000:
                peak = peak_memory(run)
            probability = None if values[name] is None else float(values[name][gdp])
            report.rows.append(
                Row(
                    name,
                    n,
                    best[name],
                    n,
                    peak,
                    probability,
                    "",
                    threads,
                    workers,
                    kernel,
                    loads[name],
                )
            )
        log(f"  {n:>11,} draws: {time.perf_counter() - start:6.1f} s")


def measure_paired(setup: impl.Setup, report: Report, log: Callable) -> None:
    """Ratios from alternating runs (the median, and the range): the engine on one thread
    over the floor on one thread (numpy's SFC64 normals, and numpy's default PCG64
    generator drawing as many), and the engine on one thread over the engine on two; at
    1e6 and 1e7 draws. A round's runs follow each other, so a change in the machine's
    load touches all of them; the median discards the rounds it split. The one-thread
    ratios are kept in wall time and in the process's CPU time, which other jobs on a
    shared machine do not inflate (they still share the caches)."""
    for n in (n for n in report.sizes if n in (1_000_000, 10_000_000)):
        rounds = 9 if n <= 1_000_000 else 5
        ratios: dict[str, list[float]] = {}
        loads = []
        for _ in range(rounds):
            loads.append(load_average())
            wall, cpu = {}, {}
            for name, run in (
                ("floor", partial(impl.floor, setup, n)),
                ("engine", partial(impl.engine, setup, n, threads=1)),
                ("two threads", partial(impl.engine, setup, n, threads=2)),
                ("default floor", partial(impl.default_floor, setup, n)),
            ):
                start, start_cpu = time.perf_counter(), time.process_time()
                run()
                wall[name] = time.perf_counter() - start
                cpu[name] = time.process_time() - start_cpu
            for key, value in (
                ("floor_ratio", wall["engine"] / wall["floor"]),
                ("floor_ratio_cpu", cpu["engine"] / cpu["floor"]),
                ("default_floor_ratio", wall["engine"] / wall["default floor"]),
                ("default_floor_ratio_cpu", cpu["engine"] / cpu["default floor"]),
                ("threads_gain", wall["engine"] / wall["two threads"]),
            ):
                ratios.setdefault(key, []).append(value)
        report.paired[str(n)] = {
            "rounds": rounds,
            **{key: _spread(values) for key, values in ratios.items()},
            "load": _spread([x for x in loads if x is not None]),
        }
        median = {key: np.median(values) for key, values in ratios.items()}
        log(
            f"  {n:>11,} draws: engine / floor, CPU time {median['floor_ratio_cpu']:.2f} "
            f"(SFC64), {median['default_floor_ratio_cpu']:.2f} (numpy's default PCG64); wall "
            f"{median['floor_ratio']:.2f}, {median['default_floor_ratio']:.2f}; two threads / "
            f"one {median['threads_gain']:.2f} (median of {rounds} rounds)"
        )


def _spread(values: list[float]) -> dict[str, float]:
    return {"median": float(np.median(values)), "low": min(values), "high": max(values)}


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter (with ``args``); its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    return done.stdout


def measure_compile(report: Report, repeats: int = 3) -> None:
    """Extra time of the first compiled-kernel run in a fresh process: with an empty
    compile cache (cold: numba compiles) and with the cache it left (warm: loaded)."""
    import tempfile

    code = (
        "import time, tjsim; cal = tjsim.load_calibration()\n"
        "tjsim.simulate(draws=2000, seed=1, kernel='numpy', calibration=cal)\n"
        "t0 = time.perf_counter(); tjsim.simulate(draws=2000, seed=1, kernel='numba', "
        "calibration=cal); t1 = time.perf_counter()\n"
        "tjsim.simulate(draws=2000, seed=1, kernel='numba', calibration=cal)\n"
        "t2 = time.perf_counter(); print((t1 - t0) - (t2 - t1))\n"
    )
    missing = impl.available("numba")
    if missing:
        report.compile = {"skipped": missing}
        return
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}

        def first_call() -> float:
            return float(run_python(code, env=env).split()[-1])

        cold = first_call()
        warm = min(first_call() for _ in range(repeats))
    bare = run_python(
        "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"
    )
    report.compile = {
        "cold_seconds": cold,
        "warm_seconds": warm,
        "numba_import_seconds": float(bare.split()[-1]),
    }


def measure_memory(report: Report, sizes: list[int]) -> None:
    """Peak resident memory of a fresh process running one simulation (default kernel
    and threads) at the smallest and the largest size: the process's own high-water
    mark (``VmHWM``; ``ru_maxrss`` would include the parent's memory at the fork)."""
    code = (
        "import sys, tjsim\n"
        "tjsim.simulate(draws=int(sys.argv[1]), seed=1)\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()\n"
        "print(float(status[0]) / 1024)\n"
    )
    peaks = {n: float(run_python(code, str(n)).split()[-1]) for n in sorted({10_000, max(sizes)})}
    report.memory = {"peak_rss_mb": {str(n): mb for n, mb in peaks.items()}}


def measure_slow(setup: impl.Setup, report: Report, small: dict[str, int], log: Callable) -> None:
    """The per-draw implementations and the peers, timed at ``small[name]`` draws."""
    gdp = setup.targets.index("gdp_growth")
    runners: list[tuple[str, Callable, str | None]] = [
        ("per-draw loop (reference.py)", impl.loop, None),
        ("pandas DataFrame.apply", impl.pandas_rowwise, None),
        ("monaco", impl.monaco_run, impl.available("monaco")),
        ("SALib sobol + tjsim evaluation", impl.salib_run, impl.available("SALib")),
    ]
    for name, run, missing in runners:
        if missing:
            report.skipped[name] = missing
            log(f"  skipped {name}: {missing}")
            continue
        key = name.split()[0].lower()
        n = small.get(key, 1_000)
        run(setup, min(n, 200))  # warm up
        if key == "salib":
            # SALib's design has N * (d + 2) rows for a power of two N: time the design
            # nearest each size, scale to the size by its per-draw cost.
            per = math.nan
            for size in report.sizes:
                if size <= small["salib"]:
                    rows = impl.salib_rows(size, setup.dimension)
                    seconds, p = best_time(lambda size=size, run=run: run(setup, size), 3)
                    peak = peak_memory(lambda size=size, run=run: run(setup, size))
                    per = seconds / rows
                    report.rows.append(
                        Row(name, size, per * size, rows, peak, float(p[gdp]), "scaled")
                    )
                else:
                    report.rows.append(Row(name, size, per * size, rows, None, None))
            log(f"  {name}: {per * 1e6:.2f} us per draw")
            continue
        seconds, p = best_time(lambda n=n, run=run: run(setup, n), 2)
        peak = peak_memory(lambda n=n, run=run: run(setup, n))
        per = seconds / n
        log(f"  {name}: {per * 1e6:,.0f} us per draw ({n:,} draws)")
        for size in report.sizes:
            report.rows.append(
                Row(name, size, per * size, n, peak if size == n else None, float(p[gdp]))
            )
        if n not in report.sizes:
            report.rows.append(Row(name, n, seconds, n, peak, float(p[gdp])))


def needed_draws(setup: impl.Setup, method: str, targets: str, seeds: int = 4) -> int:
    """Fewest draws (on a doubling grid) whose standard error of P(met) is at most
    :data:`TARGET_SE` for ``targets`` (``"gdp_growth"`` or ``"all"``), the error
    averaged (root mean square) over ``seeds`` seeds."""
    import tjsim

    def se(n: int) -> float:
        errors = []
        for seed in range(seeds):
            result = tjsim.simulate(
                draws=n, seed=100 + seed, method=method, calibration=setup.calibration
            )
            table = result.probabilities()["std_error"]
            errors.append(table["gdp_growth"] if targets == "gdp_growth" else table.max())
        return float(np.sqrt(np.mean(np.square(errors))))

    if method == "mc":  # exact: se = sqrt(p (1 - p) / n); p from a large run
        result = tjsim.simulate(draws=2_000_000, seed=99, calibration=setup.calibration)
        p = result.probabilities()["probability"]
        p = p["gdp_growth"] if targets == "gdp_growth" else p.iloc[(p - 0.5).abs().argmin()]
        return math.ceil(p * (1 - p) / TARGET_SE**2)
    n = 1024 if method == "sobol" else 2_048
    while se(n) > TARGET_SE and n < 2**24:
        n *= 2
    # Refine between n / 2 and n, assuming error ~ n ** -rate with the two ends' rate.
    low = n // 2
    if method == "antithetic":
        n = math.ceil(low * (se(low) / TARGET_SE) ** 2 / 2) * 2
    else:
        lo_se, hi_se = se(low), se(n)
        rate = math.log(lo_se / hi_se) / math.log(2) if hi_se < lo_se else 0.5
        guess = low * (lo_se / TARGET_SE) ** (1 / max(rate, 0.5))
        n = min(max(math.ceil(guess / 16) * 16, low), n)
    return n


def measure_accuracy(setup: impl.Setup, report: Report, log: Callable) -> None:
    """Draws and wall time to bring the standard error to 0.1 point: for
    P(gdp_growth met), and for every target at once."""
    import tjsim

    for method in ("mc", "antithetic", "sobol"):
        for targets in ("gdp_growth", "all"):
            n = needed_draws(setup, method, targets)
            seconds, _ = best_time(
                lambda n=n, method=method: tjsim.simulate(
                    draws=n, seed=7, method=method, calibration=setup.calibration
                ),
                5,
            )
            report.accuracy.append(
                {"name": f"tjsim {method}", "targets": targets, "draws": n, "seconds": seconds}
            )
            log(f"  {method:<10} {targets:<10} {n:>10,} draws {seconds * 1e3:8.1f} ms")
    mc_draws = next(
        a["draws"]
        for a in report.accuracy
        if a["name"] == "tjsim mc" and a["targets"] == "gdp_growth"
    )
    sobol_draws = next(
        a["draws"]
        for a in report.accuracy
        if a["name"] == "tjsim sobol" and a["targets"] == "gdp_growth"
    )
    for name, draws, note in (
        ("per-draw loop (reference.py)", mc_draws, "extrapolated"),
        ("pandas DataFrame.apply", mc_draws, "extrapolated"),
        ("monaco", mc_draws, "extrapolated"),
        (
            "SALib sobol + tjsim evaluation",
            sobol_draws,
            "extrapolated; assumes SALib's Sobol' design is as accurate as tjsim sobol",
        ),
    ):
        measured = [r for r in report.rows if r.name == name]
        if not measured:
            continue
        ref = max(measured, key=lambda r: r.measured_draws)
        report.accuracy.append(
            {
                "name": name,
                "targets": "gdp_growth",
                "draws": draws,
                "seconds": ref.seconds / ref.draws * draws,
                "note": note,
            }
        )


def measure_imports(report: Report, repeats: int = 7) -> None:
    """Cold ``import tjsim`` in a fresh interpreter, and what it imports."""
    env = dict(os.environ)

    def run(code: str) -> float:
        best = math.inf
        for _ in range(repeats):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            best = min(best, time.perf_counter() - start)
        return best

    bare = run("pass")
    full = run("import tjsim")
    probe = run_python(
        "import sys, tjsim; print(','.join(m for m in ('numpy', 'scipy', 'pandas', "
        "'matplotlib', 'numba') if m in sys.modules))",
        env=env,
    )
    report.imports = {
        "python_seconds": bare,
        "import_seconds": full,
        "net_seconds": full - bare,
        "modules": [name for name in probe.strip().split(",") if name],
        "loaded": probe.strip() or "none of numpy, scipy, pandas, matplotlib, numba",
    }


# ---------------------------------------------------------------------- goals
def check_goals(report: Report) -> None:
    goals: list[dict[str, Any]] = []
    sizes = report.sizes

    def add(goal: str, target: str, value: float | None, met: bool | None, text: str) -> None:
        goals.append({"goal": goal, "target": target, "value": value, "met": met, "measured": text})

    def ratio(name: str, n: int) -> float | None:
        row = report.find(name, n)
        base = None if row is None else report.floor(row)
        return None if row is None or base is None else row.seconds / base.seconds

    one = "tjsim mc, 1 thread"
    for n, paired in report.paired.items():
        load = paired["load"]
        for key, floor in (
            ("default_floor_ratio", "numpy's default generator (PCG64) drawing as many normals"),
            ("floor_ratio", "numpy drawing as many normals on SFC64 (stream sfc64/2's)"),
        ):
            r, wall = paired[f"{key}_cpu"], paired[key]
            add(
                f"mc, one thread: engine within 1.0x the floor at {float(n):.0e} draws; "
                f"floor: {floor}",
                "<= 1.0x",
                r["median"],
                r["median"] <= GOALS["floor_ratio"],
                f"CPU time {_median_of_rounds(r, paired)}; wall time {wall['median']:.2f}x "
                f"({wall['low']:.2f}x to {wall['high']:.2f}x); load {load['low']:.1f} to "
                f"{load['high']:.1f}"
                + ("" if r["median"] <= 1.0 else f"; missed by {r['median'] - 1:.0%}"),
            )
    for name in (
        "tjsim mc, 2 threads",
        "tjsim antithetic, 2 threads",
        "tjsim sobol, 2 threads",
        PROCESSES,
    ):
        ratios = [r for n in sizes if n >= 1_000_000 and (r := ratio(name, n)) is not None]
        if ratios:
            add(
                f"{name}: engine against the floor on two threads at >= 1e6 draws",
                "(reported)",
                max(ratios),
                None,
                f"{min(ratios):.2f}x to {max(ratios):.2f}x the two-thread floor",
            )
    for n, paired in report.paired.items():
        gain, load = paired["threads_gain"], paired["load"]
        add(
            f"two threads: 1.6x one thread (mc, {float(n):.0e} draws)",
            ">= 1.6x",
            gain["median"],
            gain["median"] >= GOALS["threads_gain"],
            f"{_median_of_rounds(gain, paired)}; load average {load['low']:.1f} to "
            f"{load['high']:.1f} on {report.machine['cores_usable']} cores: the second core "
            + ("was free" if load["high"] < 1.0 else "was not free"),
        )
    rates = {
        name: max(
            (r.draws / r.seconds for r in report.rows if r.name == name and r.draws >= 10**6),
            default=None,
        )
        for name in (one, "tjsim mc, 2 threads", PROCESSES)
    }
    two = "tjsim mc, 2 threads"
    best_rate = max((rates[k] for k in (one, two) if rates[k]), default=None)
    if best_rate:
        add(
            "at least 10 million draws per second in one process",
            ">= 1e7/s",
            best_rate,
            best_rate >= GOALS["draws_per_second"],
            f"{best_rate / 1e6:.2f} M/s (mc, best at >= 1e6 draws; one thread "
            f"{(rates[one] or 0) / 1e6:.2f} M/s, two threads {(rates[two] or 0) / 1e6:.2f} M/s)"
            + ("" if best_rate >= 1e7 else f"; missed by {1e7 / best_rate:.1f}x"),
        )
    if rates[PROCESSES] and rates[one]:
        gain = rates[PROCESSES] / rates[one]
        add(
            "two worker processes: 1.6x one single-threaded process",
            ">= 1.6x",
            gain,
            gain >= GOALS["workers_gain"],
            f"{gain:.2f}x ({rates[PROCESSES] / 1e6:.2f} M/s against "
            f"{rates[one] / 1e6:.2f} M/s, best at >= 1e6 draws)",
        )
    for goal, name, n, key in (
        ("300x faster than the per-draw loop at 1e5 draws", "per-draw loop", 100_000, "loop"),
        ("1000x faster than monaco", "monaco", 100_000, "monaco"),
        ("15x faster than SALib sampling plus evaluation", "SALib", 1_000_000, "salib"),
    ):
        peer = next((r for r in report.rows if r.name.startswith(name) and r.draws == n), None)
        ours = report.find("tjsim mc, 2 threads", n)
        if peer is None or ours is None:
            why = next((w for k, w in report.skipped.items() if k.startswith(name)), None)
            add(goal, "", None, None, f"not measured ({why or f'no run at {n:.0e} draws'})")
            continue
        speedup = peer.seconds / ours.seconds
        target = GOALS[f"{key}_speedup"]
        add(
            goal,
            f">= {target:g}x",
            speedup,
            speedup >= target,
            f"{speedup:,.0f}x at {n:.0e} draws (tjsim mc, 2 threads vs {peer.name}"
            + (", extrapolated" if peer.extrapolated else "")
            + ")",
        )
    flat = [r.seconds / r.draws for r in report.rows if r.name == one and r.draws >= 100_000]
    if len(flat) > 1:
        spread = max(flat) / min(flat) - 1
        add(
            f"cost per draw flat within 20% from 1e5 to {max(sizes):.0e} draws (one thread)",
            "<= 20%",
            spread,
            spread <= GOALS["flatness"],
            f"{min(flat) * 1e9:.0f} to {max(flat) * 1e9:.0f} ns per draw ({spread:.0%} apart)",
        )
    if report.memory:
        peaks = {int(n): mb for n, mb in report.memory["peak_rss_mb"].items()}
        small, large = min(peaks), max(peaks)
        growth = peaks[large] - peaks[small]
        add(
            "memory flat in draws: peak RSS at the largest size minus at 1e4",
            "<= 64 MB",
            growth,
            growth <= GOALS["rss_growth_mb"],
            f"{growth:+.0f} MB ({peaks[small]:.0f} MB at {small:.0e}, {peaks[large]:.0f} MB "
            f"at {large:.0e} draws)",
        )
    every = [a for a in report.accuracy if a["targets"] == "all" and "tjsim" in a["name"]]
    if every:
        best = min(every, key=lambda a: a["seconds"])
        ms, limit = best["seconds"] * 1e3, GOALS["all_targets_ms"]
        add(
            "every target to a 0.1 point standard error (the fastest method)",
            f"<= {limit:g} ms",
            ms,
            ms <= limit,
            f"{ms:.0f} ms for {best['draws']:,} draws ({best['name']})"
            + ("" if ms <= limit else f" (missed by {ms / limit:.1f}x)"),
        )
    draws = {(a["name"], a["targets"]): a["draws"] for a in report.accuracy if "tjsim" in a["name"]}
    if ("tjsim sobol", "all") in draws:
        gain = draws[("tjsim mc", "all")] / draws[("tjsim sobol", "all")]
        add(
            "sobol needs at least 5x fewer draws than mc (every target to 0.1 point)",
            ">= 5x",
            gain,
            gain >= GOALS["sobol_fewer_draws"],
            f"{gain:.1f}x ({draws[('tjsim sobol', 'all')]:,} vs {draws[('tjsim mc', 'all')]:,})",
        )
    if report.imports:
        seconds = report.imports["import_seconds"]
        add(
            "import tjsim under 0.3 s, the compiler not imported",
            "< 0.3 s",
            seconds,
            seconds < GOALS["import_seconds"] and "numba" not in report.imports["modules"],
            f"{seconds:.3f} s cold ({max(report.imports['net_seconds'], 0):.3f} s beyond starting "
            f"Python); loads: {report.imports['loaded']}",
        )
    if report.compile.get("warm_seconds") is not None:
        c = report.compile
        add(
            "first compiled run: extra time with a warm compile cache",
            "< 1 s",
            c["warm_seconds"],
            c["warm_seconds"] < GOALS["compile_warm_seconds"],
            f"{c['warm_seconds']:.2f} s warm (of which importing numba "
            f"{c['numba_import_seconds']:.2f} s); {c['cold_seconds']:.1f} s cold (compiling)",
        )
    report.goals = goals


def _median_of_rounds(spread: dict[str, float], paired: dict[str, Any]) -> str:
    return (
        f"{spread['median']:.2f}x, median of {paired['rounds']} alternating rounds "
        f"({spread['low']:.2f}x to {spread['high']:.2f}x)"
    )


# ---------------------------------------------------------------------- output
def _fmt_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 600:
        return f"{seconds:.2f} s"
    if seconds < 86_400 * 2:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.0f} days"


def markdown(report: Report) -> str:
    names = list(dict.fromkeys(r.name for r in report.rows))
    loop_name = "per-draw loop (reference.py)"
    lines = [
        f"Mode `{report.mode}`, {len(report.rows)} measurements in {report.elapsed / 60:.1f} "
        "minutes. Times are the best of several runs (one run at 1e8 draws); *italic* "
        "figures are extrapolated from the per-draw cost measured at the number of draws "
        "in brackets.",
        "",
        "The floor draws as many latent normals with numpy on SFC64 generators (stream "
        "sfc64/2's, numpy's cheapest normals; the engine draws stream sfc64/3); the floor and tjsim run on the number of threads given in the table; "
        "**x floor** divides by the floor on the same number of threads in all (two worker "
        "processes of one thread each: the two-thread floor; one thread for the per-draw "
        "implementations and peers), measured interleaved with it; *load* is the "
        "1-minute load average when the row was measured.",
        "",
        "| implementation | kernel | draws | wall time | draws/s | x floor (same threads) "
        "| speed-up over loop | peak MB | P(gdp met) | load |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in names:
        for row in sorted((r for r in report.rows if r.name == name), key=lambda r: r.draws):
            floor = report.floor(row)
            loop = report.find(loop_name, row.draws)
            x_floor = f"{row.seconds / floor.seconds:.2f}" if floor else ""
            speed = f"{loop.seconds / row.seconds:,.0f}" if loop else ""
            time_text = _fmt_seconds(row.seconds)
            rate = f"{row.draws / row.seconds:,.0f}"
            if row.extrapolated:
                time_text, rate = f"*{time_text}* [{row.measured_draws:,}]", f"*{rate}*"
            elif row.measured_draws != row.draws:
                time_text += f" [{row.measured_draws:,} rows]"
            lines.append(
                f"| {name} | {row.kernel} | {row.draws:.0e} | {time_text} | {rate} | {x_floor} "
                f"| {speed} | {'' if row.peak_mb is None else f'{row.peak_mb:,.0f}'} | "
                f"{'' if row.probability is None else f'{row.probability:.4f}'} | "
                f"{'' if row.load is None else f'{row.load:.1f}'} |"
            )
    for name, why in report.skipped.items():
        lines.append(f"| {name} | | | skipped: {why} | | | | | | |")
    lines += [
        "",
        "**Accuracy per second**: draws and wall time to bring the standard error of P(met) "
        "to 0.1 percentage point, for `gdp_growth` and for every target at once (mc: "
        "exact from p(1-p)/n; antithetic and sobol: the engine's own error estimates, "
        "averaged over 4 seeds, on a doubling grid).",
        "",
        "| implementation | targets | draws needed | wall time | note |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for a in report.accuracy:
        lines.append(
            f"| {a['name']} | {a['targets']} | {a['draws']:,} | {_fmt_seconds(a['seconds'])} "
            f"| {a.get('note', 'measured')} |"
        )
    lines += [
        "",
        "**Goals**",
        "",
        "| goal | target | measured | met |",
        "| --- | --- | --- | --- |",
    ]
    for g in report.goals:
        met = "n/a" if g["met"] is None else ("met" if g["met"] else "**missed**")
        lines.append(f"| {g['goal']} | {g['target']} | {g['measured']} | {met} |")
    m = report.machine
    blas = "; ".join(
        ", ".join(f"{k} {v}" for k, v in pool.items() if v is not None) for pool in m["blas"]
    )
    lines += [
        "",
        "**Machine**",
        "",
        f"- CPU: {m['cpu']}; {m['cores']} cores ({m['cores_usable']} usable); {m['platform']}",
        f"- Python {m['python']}, numpy {m['numpy']}, scipy {m['scipy']}, pandas "
        f"{m.get('pandas')}, monaco {m.get('monaco')}, SALib {m.get('SALib')}, "
        f"tjsim {m['tjsim']}, random stream {m.get('rng')}",
        f"- BLAS: {blas}",
        f"- environment: {m['environment'] or 'no BLAS or thread variables set'}",
        f"- load average (1, 5, 15 min) at the start: {m['load_average']}, at the end: "
        f"{m.get('load_average_end')}",
        f"- cold `import tjsim`: {report.imports.get('import_seconds', math.nan):.3f} s "
        f"(Python alone {report.imports.get('python_seconds', math.nan):.3f} s); loads "
        f"{report.imports.get('loaded', '?')}",
        f"- numba {m.get('numba')}; first compiled run, extra time: "
        + (
            f"{report.compile['cold_seconds']:.1f} s with an empty cache (compiling), "
            f"{report.compile['warm_seconds']:.2f} s with a warm one (importing numba alone: "
            f"{report.compile['numba_import_seconds']:.2f} s)"
            if "cold_seconds" in report.compile
            else report.compile.get("skipped", "not measured")
        ),
        "- peak RSS of a fresh process running one simulation: "
        + ", ".join(
            f"{float(n):.0e} draws {mb:.0f} MB"
            for n, mb in report.memory.get("peak_rss_mb", {}).items()
        ),
    ]
    if report.profile:
        lines += [
            "",
            "**numpy kernel profile** (`benchmarks/profile_engine.py`, mc, 1e6 draws, one thread):",
            "",
            report.profile,
        ]
    return "\n".join(lines) + "\n"


def figure(report: Report, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for name in dict.fromkeys(r.name for r in report.rows):
        rows = sorted((r for r in report.rows if r.name == name), key=lambda r: r.draws)
        measured = [r for r in rows if not r.extrapolated]
        style = {"lw": 2.5, "color": "black"} if name.startswith("floor") else {}
        line = left.plot(
            [r.draws for r in measured],
            [r.draws / r.seconds for r in measured],
            "o-",
            label=name,
            **style,
        )[0]
        extra = [r for r in rows if r.extrapolated]
        if extra:
            left.plot(
                [r.draws for r in extra],
                [r.draws / r.seconds for r in extra],
                "--",
                color=line.get_color(),
            )
    left.set(
        xscale="log",
        yscale="log",
        xlabel="draws",
        ylabel="draws per second",
        title="Throughput (dashed: extrapolated)",
    )
    left.legend(fontsize=7, loc="best")
    entries = [a for a in report.accuracy if a["targets"] == "gdp_growth"]
    right.barh(
        [a["name"] for a in entries],
        [a["seconds"] for a in entries],
        color=["C0" if a["name"].startswith("tjsim") else "C7" for a in entries],
    )
    right.set(
        xscale="log",
        xlabel="wall time (s)",
        title="Time to a 0.1 point standard error of P(gdp_growth met)",
    )
    right.invert_yaxis()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_readme(path: Path, text: str) -> None:
    readme = path.read_text(encoding="utf-8")
    start, end = readme.index(README_START), readme.index(README_END)
    path.write_text(
        readme[: start + len(README_START)] + "\n\n" + text + "\n" + readme[end:], encoding="utf-8"
    )


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1e4 to 1e7 draws only")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(float(x)) for x in s.split(",")],
        help="draws, comma-separated",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="results folder")
    parser.add_argument("--name", help="results file name (default: quick or full)")
    parser.add_argument(
        "--small",
        type=int,
        default=None,
        help="draws at which the loop, pandas and monaco are timed (default 2000)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the engine profile")
    parser.add_argument(
        "--compile-repeats",
        type=int,
        default=3,
        help="fresh processes timing the first compiled run with a warm cache (default 3)",
    )
    parser.add_argument("--no-accuracy", action="store_true", help="skip accuracy per second")
    parser.add_argument(
        "--readme",
        choices=("auto", "yes", "no"),
        default="auto",
        help="write the results into benchmarks/README.md (auto: full runs only)",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    sizes = args.sizes or (
        [10_000, 100_000, 1_000_000, 10_000_000]
        if quick
        else [10_000, 100_000, 1_000_000, 10_000_000, 100_000_000]
    )
    mode = "quick" if quick else ("full" if args.sizes is None else "custom")
    small_n = args.small or (1_000 if quick else 2_000)
    small = {
        "per-draw": small_n,
        "pandas": small_n,
        "monaco": small_n,
        "salib": 1_000_000 if max(sizes) >= 1_000_000 else max(sizes),
    }
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, flush=True)

    setup = impl.Setup.load()
    report = Report(mode=mode, sizes=sizes, machine=impl.machine())
    log(f"tjsim benchmark ({mode}): sizes {', '.join(f'{n:.0e}' for n in sizes)}")
    log("engine and floor:")
    measure_tjsim(setup, report, quick, log)
    log("paired ratios:")
    measure_paired(setup, report, log)
    log("per-draw implementations and peers:")
    measure_slow(setup, report, small, log)
    if not args.no_accuracy:
        log("accuracy per second:")
        measure_accuracy(setup, report, log)
    measure_imports(report)
    log("compile time and peak memory:")
    measure_compile(report, args.compile_repeats)
    measure_memory(report, sizes)
    if not args.no_profile:
        from profile_engine import format_profile, profile

        draws = min(1_000_000, max(sizes))
        report.profile = format_profile(profile(draws), draws)
    report.machine["load_average_end"] = (
        list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    )
    report.elapsed = time.perf_counter() - started
    check_goals(report)
    text = markdown(report)
    args.out.mkdir(parents=True, exist_ok=True)
    name = args.name or mode
    (args.out / f"{name}.md").write_text(text, encoding="utf-8")
    (args.out / f"{name}.json").write_text(
        json.dumps(
            {**asdict(report), "rows": [asdict(r) for r in report.rows]}, indent=1, default=str
        ),
        encoding="utf-8",
    )
    figure(report, args.out / f"{name}.png")
    if args.readme == "yes" or (args.readme == "auto" and mode == "full"):
        update_readme(HERE / "README.md", text + f"\n![throughput](results/{name}.png)\n")
    log(text)
    log(f"wrote {args.out / name}.md, .json, .png in {report.elapsed / 60:.1f} minutes")
    return report


if __name__ == "__main__":
    main()
