"""Sweeps and backends: throughput and scaling with workers, Dask's per-task overhead,
and worker processes that persist across runs.

    python benchmarks/sweep_scaling.py            # about five minutes on two cores
    python benchmarks/sweep_scaling.py --quick    # a smaller sweep, a minute or two

Measures, in one process on one machine:

1. **Dask's overhead per task** on a ``LocalCluster`` (processes, one thread each):
   the wall time per task of a batch of no-op tasks (scheduling, sending, collecting),
   against the time of one block of 32,768 draws of the packaged model in process
   (runs of 9 blocks and of 1 block on one thread, the calibration loaded once: their
   difference over 8 leaves out what a run costs besides its blocks), from which the
   block count per task (``BLOCKS_PER_TASK``) is judged; and the round trip of a
   one-block run on the cluster.
2. **Sweep throughput** (draws per second) of the bundled model over a grid of points,
   on each backend and number of workers: in-process (1 and 2 threads), the process
   pool (1 and 2 workers), a Dask ``LocalCluster`` (1 and 2 workers); every run is
   checked to give the same numbers as the first.
3. **simulate(workers=2)** at 1e6 draws: the first call (the pool starts), later calls
   (the pool is reused), against one thread in process.

Every run is given the calibration loaded once, so no timing includes reading it. Writes
``results/sweep.json`` and ``results/sweep.md`` (with the kernel, the random stream's
version and tjsim's version), and with ``--readme yes`` the table into ``README.md``
between the sweep markers. The machine is shared: compare the ratios within one run
(the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

import tjsim
from tjsim.engine import available_cpus
from tjsim.engine.backends import shared_pool
from tjsim.seeding import BLOCK_SIZE, RNG

HERE = Path(__file__).resolve().parent
START, END = "<!-- sweep results: start -->", "<!-- sweep results: end -->"


def _noop(x: int) -> int:
    return x


def _timed(function, repeat: int = 1) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def block_seconds(calibration, repeat: int = 3) -> dict[str, float]:
    """Seconds per block of the packaged model in process, on one thread: runs of 9
    blocks and of 1 block (best of ``repeat`` each, interleaved), their difference over
    8, so that what a run costs besides its blocks (the model compiled, the result
    built) cancels out."""
    best = {1: float("inf"), 9: float("inf")}
    for _ in range(repeat):
        for blocks in best:
            seconds, _ = _timed(
                lambda blocks=blocks: tjsim.simulate(
                    draws=blocks * BLOCK_SIZE, seed=1, threads=1, calibration=calibration
                )
            )
            best[blocks] = min(best[blocks], seconds)
    return {
        "one_block_in_process_seconds": (best[9] - best[1]) / 8,
        "run_of_1_block_seconds": best[1],
        "run_of_9_blocks_seconds": best[9],
    }


def dask_overhead(client, tasks: int, calibration) -> dict[str, float]:
    """Seconds per no-op task on ``client``, and per block of the packaged model."""
    per_noop, _ = _timed(lambda: client.gather(client.map(_noop, range(tasks), pure=False)), 3)
    one_block, _ = _timed(
        lambda: tjsim.simulate(
            draws=BLOCK_SIZE, seed=1, backend=client, chunk_size=1, calibration=calibration
        ),
        3,
    )
    return {
        "noop_task_seconds": per_noop / tasks,
        "one_block_on_dask_seconds": one_block,
        **block_seconds(calibration),
    }


def sweep_runs(
    points: int, draws: int, backends: list[str], repeat: int, calibration
) -> list[dict]:
    """Time one sweep of ``points`` x ``draws`` draws on each backend."""
    grid = {"drivers.investment.shift": list(np.linspace(-2, 2, points))}
    rows: list[dict] = []
    reference = None
    clusters: dict[int, Any] = {}
    try:
        for name in backends:
            kind, _, count = name.partition(":")
            workers = int(count or 1)
            kwargs: dict[str, Any] = {}
            if kind == "local":
                kwargs = {"threads": workers}
            elif kind == "processes":
                kwargs = {"backend": "processes", "workers": workers}
                shared_pool(workers).pids()  # started before timing
            else:
                from distributed import Client, LocalCluster

                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
                client = clusters[workers] = Client(cluster)
                client.run(lambda: __import__("tjsim.engine"))  # imported before timing
                kwargs = {"backend": client}

            def run(kwargs=kwargs):
                return tjsim.sweep(
                    None, grid, draws=draws, seed=2024, calibration=calibration, **kwargs
                )

            run()  # warm: kernels' tables, imports on the workers
            seconds, result = _timed(run, repeat)
            frame = result.to_frame()
            if reference is None:
                reference = frame
            rows.append(
                {
                    "backend": kind,
                    "workers": workers,
                    "seconds": seconds,
                    "draws_per_second": points * draws / seconds,
                    "identical": bool(frame.equals(reference)),
                }
            )
            if kind == "dask":
                clusters.pop(workers).close()
    finally:
        for client in clusters.values():
            client.close()
    first = rows[0]["seconds"]
    for row in rows:
        row["speedup"] = first / row["seconds"]
    return rows


def persistent_pool(draws: int, calls: int, calibration) -> dict[str, Any]:
    """``simulate(workers=2)``: the first call and later calls, against one thread."""
    pool = shared_pool(2)
    pool.close()
    times = [
        _timed(lambda: tjsim.simulate(draws=draws, seed=3, workers=2, calibration=calibration))[0]
        for _ in range(calls)
    ]
    one, _ = _timed(
        lambda: tjsim.simulate(draws=draws, seed=3, threads=1, calibration=calibration), 2
    )
    return {
        "draws": draws,
        "first_call": times[0],
        "later_calls": min(times[1:]),
        "one_thread": one,
    }


def report(data: dict) -> str:
    """The results as Markdown."""
    o = data["overhead"]
    m = data["machine"]
    per_block = o["one_block_in_process_seconds"]
    lines = [
        f"Mode `{data['mode']}`: a sweep of {data['points']} points x {data['draws']:,} draws "
        f"({data['points'] * data['draws']:,} draws), best of {data['repeat']}; tjsim "
        f"{m['tjsim']}, kernel {m['kernel']}, random stream {m['rng']}; {m['cpus']} CPUs "
        f"usable, load average {m['load_start']} at the start and {m['load_end']} at the "
        "end.",
        "",
        "| backend | workers | wall time | draws/s | speed-up over local, 1 thread | same numbers |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in data["sweep"]:
        lines.append(
            f"| {row['backend']} | {row['workers']} | {row['seconds']:.2f} s | "
            f"{row['draws_per_second']:,.0f} | {row['speedup']:.2f} | "
            f"{'yes' if row['identical'] else 'NO'} |"
        )
    p = data["pool"]
    block = (
        f"one block of {BLOCK_SIZE:,} draws takes {1e3 * per_block:.1f} ms in process on one "
        f"thread (a run of 9 blocks, {1e3 * o['run_of_9_blocks_seconds']:.0f} ms, less a run "
        f"of 1 block, {1e3 * o['run_of_1_block_seconds']:.0f} ms, over 8)"
    )
    if o["noop_task_seconds"] == o["noop_task_seconds"]:  # measured (not NaN)
        share = o["noop_task_seconds"] / (data["blocks_per_task"] * per_block)
        overhead = (
            f"**Dask's overhead per task** (LocalCluster, 2 workers, one thread each): "
            f"{1e3 * o['noop_task_seconds']:.2f} ms per no-op task; {block}; a one-block run "
            f"on the cluster takes {1e3 * o['one_block_on_dask_seconds']:.0f} ms (a round "
            "trip, the model sent, the accumulator returned). With "
            f"{data['blocks_per_task']} blocks per task the per-task overhead is "
            f"{100 * share:.1f}% of a task's time."
        )
    else:
        overhead = f"**Dask's overhead per task**: not measured (no Dask backend); {block}."
    lines += [
        "",
        overhead,
        "",
        f"**Persistent workers**: `simulate(draws={p['draws']:,}, workers=2)` takes "
        f"{p['first_call']:.2f} s on the first call (the pool starts) and "
        f"{p['later_calls']:.2f} s on later calls; one thread in process takes "
        f"{p['one_thread']:.2f} s.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smaller sweep")
    parser.add_argument("--points", type=int, help="grid points (default 8, quick 4)")
    parser.add_argument("--draws", type=int, help="draws a point (default 2**20, quick 2**18)")
    parser.add_argument(
        "--backends",
        default="local:1,local:2,processes:1,processes:2,dask:1,dask:2",
        help="comma-separated KIND:WORKERS",
    )
    parser.add_argument(
        "--pool-draws", type=int, help="draws of the simulate(workers=2) runs (default 1e6)"
    )
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--readme", choices=("yes", "no"), default="no")
    args = parser.parse_args(argv)
    points = args.points or (4 if args.quick else 8)
    draws = args.draws or (2**18 if args.quick else 2**20)
    backends = args.backends.split(",")
    load_start = [round(x, 2) for x in os.getloadavg()]
    from tjsim.engine.backends.dask_backend import BLOCKS_PER_TASK

    calibration = tjsim.load_calibration()  # once: no timing below includes reading it
    kernel = tjsim.simulate(draws=BLOCK_SIZE, seed=1, calibration=calibration).metadata["kernel"]

    data: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "points": points,
        "draws": draws,
        "repeat": args.repeat,
        "blocks_per_task": BLOCKS_PER_TASK,
    }
    if any(b.startswith("dask") for b in backends):
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as cluster,
            Client(cluster) as client,
        ):
            # warm the workers
            tjsim.simulate(draws=BLOCK_SIZE, seed=1, backend=client, calibration=calibration)
            data["overhead"] = dask_overhead(client, 400 if not args.quick else 100, calibration)
    else:
        data["overhead"] = {
            "noop_task_seconds": float("nan"),
            "one_block_on_dask_seconds": float("nan"),
            **block_seconds(calibration),
        }
    data["sweep"] = sweep_runs(points, draws, backends, args.repeat, calibration)
    data["pool"] = persistent_pool(
        args.pool_draws or (2**18 if args.quick else 10**6), 3, calibration
    )
    data["machine"] = {
        "cpus": available_cpus(),
        "tjsim": tjsim.__version__,
        "kernel": kernel,
        "rng": RNG,
        "python": platform.python_version(),
        "load_start": load_start,
        "load_end": [round(x, 2) for x in os.getloadavg()],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = "sweep_quick" if args.quick else "sweep"
    (args.out / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    text = report(data)
    (args.out / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    if args.readme == "yes":
        readme = HERE / "README.md"
        page = readme.read_text(encoding="utf-8")
        head, _, rest = page.partition(START)
        _, _, tail = rest.partition(END)
        readme.write_text(f"{head}{START}\n\n{text}\n\n{END}{tail}", encoding="utf-8")
    print(text)
    return data


if __name__ == "__main__":
    main()
