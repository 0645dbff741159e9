"""The latent normals of the two random streams, timed as the compiled kernel draws them.

The compiled kernel draws stream ``sfc64/2`` (numpy's ziggurat on one SFC64 generator a
block) one normal at a time, some 30 instructions each with nothing to vectorize, and
stream ``sfc64/3`` (eight SFC64 lanes, :mod:`tjsim.engine.lanes`) eight at a time in
vector code, completing the rare rejected tries afterwards. This script runs each
stream's loop from the kernel as the kernel runs it, filling its one tile buffer
(``d`` rows of 64 draws side by side, in the first-level cache) tile after tile, on one
thread, in CPU time:

``sfc64/2``
    ``numba_kernel._normal``, a normal at a time;
``sfc64/3``
    ``numba_kernel._lane_normals``: the lanes' tries, then the completions;
``sfc64/3, first tries only``
    the lanes' vector steps without the completions: not a valid stream (1.5% of the
    values are rejected tries), the cost of the vector steps alone.

Both streams are first checked against numpy number for number (stream 2 against
``Generator(SFC64).standard_normal``, stream 3 against
:class:`~tjsim.engine.lanes.LaneStream`). Each round times every loop once; ratios to
``sfc64/2`` are the medians of the rounds' paired ratios. ``--whole N`` also times
whole ``tjsim.simulate`` runs of ``N`` draws on one thread with each stream, in the
same rounds::

    python benchmarks/normals.py --draws 262144 --rounds 15 --whole 1e6
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numba
import numpy as np

import tjsim
from tjsim.engine.kernels import numba_kernel as nk
from tjsim.engine.kernels.vector_lanes import lane_tries
from tjsim.engine.lanes import LANES, LaneStream, generator_states
from tjsim.seeding import BLOCK_SIZE, as_seed_sequence, block_bit_generator

TILE = nk.TILE


@numba.njit(nogil=True)
def fill_stream2(state, out, tiles):
    """Stream 2: ``tiles`` tiles of draws from one generator (``state``, 4 words), tile
    ``t`` into ``out[t % len(out)]`` (``(d, TILE)``, a draw a column)."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for t in range(tiles):
        tile = out[t % out.shape[0]]
        for s in range(TILE):
            for j in range(tile.shape[0]):
                tile[j, s], s0, s1, s2, s3 = nk._normal(s0, s1, s2, s3)


@numba.njit(nogil=True)
def fill_stream3(states, out, tiles, complete):
    """Stream 3: :func:`fill_stream2`'s tiles from a block's generators ``states``
    (``(4, LANES + 3)``, copied); without ``complete``, the lanes' tries alone."""
    lanes = np.ascontiguousarray(states[:, :LANES])
    others = np.ascontiguousarray(states[:, LANES:])
    d = out.shape[1]
    tried = np.empty(d * LANES, dtype=np.uint64)
    accepted = np.empty(d, dtype=np.uint8)
    for t in range(tiles):
        tile = out[t % out.shape[0]]
        if complete:
            nk._lane_normals(lanes, others, tile, TILE, tried, accepted)
        else:
            for group in range(0, TILE, LANES):
                lane_tries(lanes, tile, group, TILE, d, tried, accepted)


def as_draws(out: np.ndarray) -> np.ndarray:
    """Tiles ``(t, d, TILE)`` as draws ``(t * TILE, d)``, in order."""
    return np.transpose(out, (0, 2, 1)).reshape(-1, out.shape[1])


def check_exact(d: int, tiles: int = 64, states: np.ndarray | None = None) -> None:
    """Both loops against numpy, number for number, for block 0 of seed 7 (stream 3
    started from ``states`` when given); raises if they differ."""
    root = as_seed_sequence(7)
    out = np.empty((tiles, d, TILE))
    fill_stream2(block_bit_generator(root, 0).state["state"]["state"], out, tiles)
    expected = np.random.Generator(block_bit_generator(root, 0))
    if not np.array_equal(as_draws(out), expected.standard_normal((tiles * TILE, d))):
        raise AssertionError("stream 2's loop differs from numpy's standard_normal")
    fill_stream3(generator_states(root, 0) if states is None else states, out, tiles, True)
    expected = np.empty((tiles * TILE, d))
    LaneStream(root, 0, d).fill(expected)
    if not np.array_equal(as_draws(out), expected):
        raise AssertionError("stream 3's loop differs from numpy's LaneStream")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Check, time, print the table; return ``{"text", "ns", "ratio"}`` (ns per draw of
    each loop, best of the rounds; median paired ratio to ``sfc64/2``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=lambda s: int(float(s)), default=2**18)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--whole", type=lambda s: int(float(s)), default=0, metavar="N")
    args = parser.parse_args(argv)
    d = tjsim.simulate(draws=1, seed=1, threads=1, kernel="numba").dimension
    check_exact(d)
    tiles = max(1, args.draws // TILE)
    out = np.empty((1, d, TILE))  # one tile buffer, as in the kernel
    root = as_seed_sequence(1)
    state = block_bit_generator(root, 0).state["state"]["state"]
    states = generator_states(root, 0)
    fills: dict[str, Callable[[], None]] = {
        "sfc64/2": lambda: fill_stream2(state, out, tiles),
        "sfc64/3": lambda: fill_stream3(states, out, tiles, True),
        "sfc64/3, first tries only": lambda: fill_stream3(states, out, tiles, False),
    }
    for stream in ("sfc64/2", "sfc64/3") if args.whole else ():
        tjsim.simulate(draws=BLOCK_SIZE, seed=1, threads=1, kernel="numba", stream=stream)
        fills[f"whole simulate, {stream}"] = partial(
            tjsim.simulate, draws=args.whole, seed=1, threads=1, kernel="numba", stream=stream
        )
    times: dict[str, list[float]] = {name: [] for name in fills}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, fill in fills.items():
            start = time.process_time()
            fill()
            times[name].append(time.process_time() - start)
    draws = {name: args.whole if name.startswith("whole") else tiles * TILE for name in fills}
    ns = {name: 1e9 * min(t) / draws[name] for name, t in times.items()}
    base = {
        name: "whole simulate, sfc64/2" if name.startswith("whole") else "sfc64/2" for name in fills
    }
    ratio = {
        name: statistics.median(a / b for a, b in zip(t, times[base[name]], strict=True))
        for name, t in times.items()
    }
    lines = [
        f"{tiles * TILE:,} draws, {d} normals a draw, one thread, CPU time, best of {args.rounds} "
        f"rounds; load average (1 min) {min(loads):.1f} to {max(loads):.1f}; both streams "
        "equal numpy's draws\n",
        "| loop | ns per draw | / sfc64/2 (median of paired rounds) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {name} | {ns[name]:.0f} | {ratio[name]:.2f}x |" for name in fills]
    text = "\n".join(lines)
    print(text)
    return {"text": text, "ns": ns, "ratio": ratio}


if __name__ == "__main__":
    main()
