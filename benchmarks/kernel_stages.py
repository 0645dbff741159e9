"""Where the compiled kernel's time goes: its stages in ns per draw, and paired variants.

The numba kernel's loop (:func:`tjsim.engine.kernels.numba_kernel._evaluate`) is one
function, so its stages cannot be timed from outside. This script compiles cut-down
copies of its source, each keeping the loop up to the end of one stage (the stages are
the loop's ``# --`` comments), and times ``tjsim.simulate`` with each copy in place, all
interleaved round by round with the floor (numpy's ``standard_normal`` drawing the same
number of normals), on one thread. Times are the process's CPU time
(``time.process_time``), which a shared machine's other jobs do not inflate as they
inflate wall time (they still share the caches). A stage costs the difference between
the best times of the copy that ends with it and of the copy before (many short rounds); the ratios (a change against the kernel, the kernel against the floor)
are the medians of the rounds' paired ratios. The fixed cost per call is
``simulate(draws=1)``.

``--variant NAME=OLD=>NEW`` adds a copy of the whole loop with the source text ``OLD``
replaced by ``NEW`` (to time a change against the kernel as it is, in the same rounds,
and check that it gives the same counts and histograms)::

    python benchmarks/kernel_stages.py --draws 262144 --rounds 20
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import textwrap
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tjsim
from tjsim.engine.kernels import numba_kernel

#: Stages of the loop, by the ``# --`` comment that opens each, and their names in the
#: table; a prefix copy keeps everything before the comment of the next stage.
STAGES = [
    ("# -- correlated latent values", "latent normals"),
    ("# -- indicators", "gather, table reads, events, transpose"),
    ("# -- targets met", "indicators"),
    ("# -- moments, extremes", "target tests, pair counts, basis sums in met draws"),
    ("# -- the block's squares and extremes", "moments, extremes, quantile histograms"),
]
COUNTED = ("met", "both", "count_met", "headline_count", "histogram", "basis_met_sum")


def _source() -> str:
    source = textwrap.dedent(inspect.getsource(numba_kernel._evaluate))
    return source.replace("cache=CACHE", "cache=False")


def _compile(source: str) -> Callable[..., Any]:
    namespace = dict(vars(numba_kernel))
    exec(compile(source, "<kernel_stages>", "exec"), namespace)
    return namespace["_evaluate"]


def prefix_source(stage: int) -> str:
    """The loop's source without what follows stage ``stage`` (0-based) in a tile: cut
    at the comment that opens the next stage (``STAGES[stage][0]``)."""
    source = _source()
    lines = source.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if STAGES[stage][0] in line)
    end = next(i for i, line in enumerate(lines) if STAGES[-1][0] in line)
    return "".join(lines[:cut] + lines[end:])


def stage_sources() -> dict[str, str]:
    """The cut-down copies timed, by label: ``"up to: NAME"`` keeps the loop through stage
    NAME (every stage but the last, whose copy is the whole loop)."""
    return {f"up to: {name}": prefix_source(stage) for stage, (_, name) in enumerate(STAGES[:-1])}


def variant_source(old: str, new: str) -> str:
    """The whole loop's source with ``old`` replaced by ``new`` (exactly once)."""
    source = _source()
    if source.count(old) != 1:
        raise ValueError(f"{old!r} occurs {source.count(old)} times in the loop, not once")
    return source.replace(old, new)


def floor(draws: int, d: int) -> None:
    """numpy's default generator's (PCG64) normals for ``draws`` draws of ``d`` latent
    columns, in a reused buffer. ``benchmarks/compare.py``'s floor draws numpy's normals
    on SFC64 instead, about 20% cheaper a normal: ratios to the two floors differ."""
    rng = np.random.default_rng(0)
    buffer = np.empty((65_536, d))
    left = draws
    while left > 0:
        n = min(left, len(buffer))
        rng.standard_normal(out=buffer[:n])
        left -= n


def run(function: Callable[..., Any] | None, draws: int) -> tuple[float, Any]:
    """CPU time of ``tjsim.simulate`` on one thread with ``function`` as the loop."""
    kept = numba_kernel._evaluate
    if function is not None:
        numba_kernel._evaluate = function
    try:
        start = time.process_time()
        result = tjsim.simulate(draws=draws, seed=1, threads=1, kernel="numba")
        return time.process_time() - start, result
    finally:
        numba_kernel._evaluate = kept


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the rounds; print the table and return ``{"text", "identical", "ns"}`` (the
    table, whether each variant gave the kernel's counts, ns per draw of each copy)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=lambda s: int(float(s)), default=2**20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variant", action="append", default=[], help="NAME=OLD=>NEW")
    args = parser.parse_args(argv)
    n = args.draws
    d = tjsim.simulate(draws=1, seed=1, threads=1, kernel="numba").dimension
    loops: dict[str, Callable[..., Any] | None] = {}
    for label, source in stage_sources().items():
        loops[label] = _compile(source)
    loops["kernel (whole loop)"] = None
    for spec in args.variant:
        name, change = spec.split("=", 1)
        old, new = change.split("=>", 1)
        loops[name] = _compile(variant_source(old, new))
    for function in loops.values():  # compile, warm
        run(function, 4_096)
    whole = run(None, n)[1].accumulator
    identical = {}
    lines = []
    for name in [*args.variant]:
        label = name.split("=", 1)[0]
        other = run(loops[label], n)[1].accumulator
        same = all(np.array_equal(getattr(whole, c), getattr(other, c)) for c in COUNTED)
        identical[label] = same
        lines.append(
            f"{label}: counts, histograms and sums read {'identical' if same else 'DIFFER'}"
        )
    times: dict[str, list[float]] = {name: [] for name in ["floor", "fixed", *loops]}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        start = time.process_time()
        floor(n, d)
        times["floor"].append(time.process_time() - start)
        times["fixed"].append(min(run(None, 1)[0] for _ in range(5)))
        for name, function in loops.items():
            times[name].append(run(function, n)[0])
    # The best of the rounds: on a shared machine the fastest round is the one least
    # slowed by other jobs, and a stage is the difference of two such times.
    ns = {name: 1e9 * min(t) / n for name, t in times.items()}
    lines.append(
        f"\n{n:,} draws, {d} normals a draw, one thread, CPU time, best of {args.rounds} rounds"
    )
    lines.append(f"load average (1 min) {min(loads):.1f} to {max(loads):.1f}\n")
    lines.append("| stage | ns per draw | share of the loop |")
    lines.append("| --- | ---: | ---: |")
    fixed = 1e9 * min(times["fixed"])
    total = ns["kernel (whole loop)"] - fixed / n
    before = fixed / n
    for stage, (_, name) in enumerate(STAGES):
        key = "kernel (whole loop)" if stage == len(STAGES) - 1 else f"up to: {name}"
        cost = ns[key] - before
        before = ns[key]
        lines.append(f"| {name} | {cost:.0f} | {cost / total:.0%} |")
    lines.append(f"| **whole `simulate`** | **{ns['kernel (whole loop)']:.0f}** | |")
    lines.append(f"| fixed cost per call (`simulate(draws=1)`) | {fixed / 1e6:.1f} ms a call | |")
    lines.append(f"| floor: numpy normals (PCG64) | {ns['floor']:.0f} | |")
    ratios = [k / f for k, f in zip(times["kernel (whole loop)"], times["floor"], strict=True)]
    lines.append(
        f"\nwhole simulate / floor: median {statistics.median(ratios):.2f}x "
        f"({min(ratios):.2f}x to {max(ratios):.2f}x)"
    )
    for spec in args.variant:
        label = spec.split("=", 1)[0]
        paired = [v / k for v, k in zip(times[label], times["kernel (whole loop)"], strict=True)]
        lines.append(
            f"{label} / kernel: median {statistics.median(paired):.3f}x "
            f"({min(paired):.3f}x to {max(paired):.3f}x), {ns[label]:.0f} ns per draw"
        )
    text = "\n".join(lines)
    print(text)
    return {"text": text, "identical": identical, "ns": ns}


if __name__ == "__main__":
    main()
