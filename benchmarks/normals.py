"""Cheaper latent normals: what eight SFC64 lanes in vector registers could save.

The kernel's normals (numpy's ziggurat on one SFC64 generator a block, stream
``sfc64/2``) are its largest stage, about a third of a whole ``simulate``. The loop is
bound by the instructions it runs a normal, so the way to make it much cheaper is to
draw several normals with each instruction. This script times, on one thread, in CPU
time, filling the kernel's tile buffer (``d`` rows of 64 draws side by side) with

``kernel``
    the kernel's own loop: one generator, one normal at a time (``_normal``);
``lanes``
    eight SFC64 generators ("lanes"), draw ``i`` of a block from lane ``i % 8``: each
    step draws the eight lanes' first ziggurat tries at once, as LLVM vector code
    (:func:`lane_tries`), and the rare rejected tries (1.2% of them) are completed one
    by one with numpy's algorithm, so that each lane is exactly
    ``Generator(SFC64(seed)).standard_normal`` (checked here, number for number);
``lanes, rejections later``
    the eight lanes' vector steps never stop: a step's rejected tries are recorded, and
    completed after the ``d`` steps from one other generator a block (the tail or the
    wedge, then new tries, as numpy's algorithm continues after a rejection). A valid
    stream, not numpy's: the continuation of a rejected try needs only fresh independent
    numbers, wherever they come from, so each value is still a standard normal, but the
    lanes are no longer numpy's ``standard_normal``, so this is timed, not checked;
``lanes, first tries only``
    the same vector steps with no completion at all: not a valid stream (a rejected try
    is kept), the cost of the vector steps alone.

Both exact generators are checked against numpy before anything is timed. Each round
times every generator once; ratios to ``kernel`` are the medians of the rounds' paired
ratios::

    python benchmarks/normals.py --draws 262144 --rounds 9
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

import tjsim
from tjsim.engine.kernels import numba_kernel as nk

#: Generators drawn side by side, one a vector lane (eight 64-bit integers: a 512-bit
#: register, or two or four narrower ones where the processor has no AVX-512).
LANES = 8
TILE = nk.TILE


@intrinsic
def lane_tries(typingctx, state, out, at, count, tried, masks, record):
    """Up to ``count`` steps of the eight lanes' first ziggurat tries, in vector code.

    ``state`` is the lanes' SFC64 states, ``(4, LANES)`` uint64 (word ``w`` of lane
    ``l`` at ``[w, l]``), advanced in place; step ``j`` writes its eight candidates to
    ``out.flat[at + j * TILE :][:LANES]`` (``out`` C-contiguous float64). The steps
    stop after the first that has a rejected try, the lanes' outputs of that step then
    in ``tried[:LANES]``; with ``record`` they never stop, and step ``j`` keeps its
    outputs in ``tried[j * LANES :][:LANES]`` and its accepted lanes' bit mask in
    ``masks[j]``. Returns ``steps << 8 | mask``: the steps taken, and the bit mask of
    the last step's accepted lanes (``0xFF`` when all ``count`` steps were taken). The try is numpy's: with ``r`` a lane's output,
    ``x = ((r >> 9) & (2**52 - 1)) * WI[r & 0xFF]``, negated when bit 8 of ``r`` is set,
    accepted when ``(r >> 9) & (2**52 - 1) < KI[r & 0xFF]``.
    """

    def codegen(context, builder, signature, args):
        arrays = [
            context.make_array(kind)(context, builder, value).data
            for kind, value in zip(signature.args[:2], args[:2], strict=True)
        ]
        words, buffer = arrays
        tried_data = context.make_array(signature.args[4])(context, builder, args[4]).data
        masks_data = context.make_array(signature.args[5])(context, builder, args[5]).data
        at, count = args[2], args[3]
        record = args[6]
        if record.type.width != 1:  # a boolean's value is i1; stored, i8
            record = builder.icmp_unsigned("!=", record, ir.Constant(record.type, 0))
        i64 = ir.IntType(64)
        vector = ir.VectorType(i64, LANES)
        doubles = ir.VectorType(ir.DoubleType(), LANES)
        mask_type = ir.IntType(LANES)
        wi = context.make_constant_array(builder, types.float64[::1], nk._WI)
        ki = context.make_constant_array(builder, types.uint64[::1], nk._KI)
        wi_data = context.make_array(types.float64[::1])(context, builder, wi).data
        ki_data = context.make_array(types.uint64[::1])(context, builder, ki).data

        def same(value: int) -> ir.Constant:
            return ir.Constant(vector, [value] * LANES)

        def at_vector(data: ir.Value, offset: ir.Value, kind: ir.Type) -> ir.Value:
            return builder.bitcast(builder.gep(data, [offset]), kind.as_pointer())

        def word(w: int) -> ir.Value:
            return at_vector(words, ir.Constant(i64, w * LANES), vector)

        first = [builder.load(word(w), align=8) for w in range(4)]
        entry = builder.block
        head = builder.append_basic_block("lanes.head")
        body = builder.append_basic_block("lanes.body")
        stopped = builder.append_basic_block("lanes.stopped")
        finished = builder.append_basic_block("lanes.finished")
        after = builder.append_basic_block("lanes.after")
        builder.branch(head)

        builder.position_at_end(head)
        step = builder.phi(i64)
        lanes = [builder.phi(vector) for _ in range(4)]
        step.add_incoming(ir.Constant(i64, 0), entry)
        for phi, value in zip(lanes, first, strict=True):
            phi.add_incoming(value, entry)
        builder.cbranch(builder.icmp_signed("<", step, count), body, finished)

        builder.position_at_end(body)
        s0, s1, s2, s3 = lanes
        r = builder.add(builder.add(s0, s1), s3)  # SFC64, as numba_kernel._sfc64
        rotated = builder.or_(builder.shl(s2, same(24)), builder.lshr(s2, same(40)))
        advanced = [
            builder.xor(s1, builder.lshr(s1, same(11))),
            builder.add(s2, builder.shl(s2, same(3))),
            builder.add(rotated, r),
            builder.add(s3, same(1)),
        ]
        layer = builder.and_(r, same(0xFF))
        mantissa = builder.and_(builder.lshr(r, same(9)), same(0x000FFFFFFFFFFFFF))
        width = ir.Constant(doubles, None)
        bound = ir.Constant(vector, None)
        for lane in range(LANES):
            position = ir.Constant(ir.IntType(32), lane)
            index = builder.extract_element(layer, position)
            width = builder.insert_element(
                width, builder.load(builder.gep(wi_data, [index])), position
            )
            bound = builder.insert_element(
                bound, builder.load(builder.gep(ki_data, [index])), position
            )
        x = builder.fmul(builder.sitofp(mantissa, doubles), width)
        sign = builder.shl(builder.and_(builder.lshr(r, same(8)), same(1)), same(63))
        x = builder.bitcast(builder.xor(builder.bitcast(x, vector), sign), doubles)
        offset = builder.add(at, builder.mul(step, ir.Constant(i64, TILE)))
        builder.store(x, at_vector(buffer, offset, doubles), align=8)
        accepted = builder.bitcast(builder.icmp_unsigned("<", mantissa, bound), mask_type)
        with builder.if_then(record):
            kept = at_vector(tried_data, builder.mul(step, ir.Constant(i64, LANES)), vector)
            builder.store(r, kept, align=8)
            builder.store(accepted, builder.gep(masks_data, [step]))
        every = builder.or_(
            builder.icmp_unsigned("==", accepted, ir.Constant(mask_type, 0xFF)), record
        )
        end_of_body = builder.block  # ``if_then`` above split the body
        step.add_incoming(builder.add(step, ir.Constant(i64, 1)), end_of_body)
        for phi, value in zip(lanes, advanced, strict=True):
            phi.add_incoming(value, end_of_body)
        builder.cbranch(every, head, stopped)

        builder.position_at_end(stopped)
        for w, value in enumerate(advanced):
            builder.store(value, word(w), align=8)
        builder.store(r, at_vector(tried_data, ir.Constant(i64, 0), vector), align=8)
        stop_code = builder.or_(builder.shl(step, ir.Constant(i64, 8)), builder.zext(accepted, i64))
        builder.branch(after)

        builder.position_at_end(finished)
        for w, value in enumerate(lanes):
            builder.store(value, word(w), align=8)
        done_code = builder.or_(builder.shl(count, ir.Constant(i64, 8)), ir.Constant(i64, 0xFF))
        builder.branch(after)

        builder.position_at_end(after)
        code = builder.phi(i64)
        code.add_incoming(stop_code, stopped)
        code.add_incoming(done_code, finished)
        return code

    if any(array.layout != "C" for array in (state, out, tried, masks)):
        return None
    return types.int64(state, out, at, count, tried, masks, record), codegen


@numba.njit(inline="always")
def _after_rejection(r, s0, s1, s2, s3):
    """numpy's ``random_standard_normal`` after its try ``r`` was rejected (the tail or
    the wedge, then new tries): ``(value, new state)``."""
    layer = np.intp(r & nk._BYTE)
    mantissa = (r >> np.uint64(9)) & nk._MANTISSA
    x = np.float64(mantissa) * nk._WI[layer]
    if (r >> np.uint64(8)) & nk._ONE:
        x = -x
    if layer == 0:
        while True:
            u, s0, s1, s2, s3 = nk._sfc64(s0, s1, s2, s3)
            xx = -nk._NOR_INV_R * math.log1p(-(np.float64(u >> np.uint64(11)) * nk._TWO_M53))
            u, s0, s1, s2, s3 = nk._sfc64(s0, s1, s2, s3)
            yy = -math.log1p(-(np.float64(u >> np.uint64(11)) * nk._TWO_M53))
            if yy + yy > xx * xx:
                if (mantissa >> np.uint64(8)) & nk._ONE:
                    return -(nk._NOR_R + xx), s0, s1, s2, s3
                return nk._NOR_R + xx, s0, s1, s2, s3
    u, s0, s1, s2, s3 = nk._sfc64(s0, s1, s2, s3)
    uniform = np.float64(u >> np.uint64(11)) * nk._TWO_M53
    if (nk._FI[layer - 1] - nk._FI[layer]) * uniform + nk._FI[layer] < math.exp(-0.5 * x * x):
        return x, s0, s1, s2, s3
    return nk._normal(s0, s1, s2, s3)


@numba.njit(nogil=True)
def fill_kernel(states, out, tiles):
    """The kernel's loop: ``tiles`` tiles of draws, tile ``t`` into ``out[t % len(out)]``
    (``(d, TILE)``: the kernel reuses one buffer), filled draw by draw from the one
    generator ``states[:, 0]``."""
    s0, s1, s2, s3 = states[0, 0], states[1, 0], states[2, 0], states[3, 0]
    for t in range(tiles):
        tile = out[t % out.shape[0]]
        for s in range(TILE):
            for j in range(tile.shape[0]):
                tile[j, s], s0, s1, s2, s3 = nk._normal(s0, s1, s2, s3)


@numba.njit(nogil=True)
def fill_lanes(states, out, tiles):
    """:func:`fill_kernel`'s tiles from the eight lanes ``states`` (a copy is advanced):
    draw ``s`` of a tile from lane ``s % LANES``, each lane numpy's ``standard_normal``."""
    state = states.copy()
    tried = np.empty(LANES, dtype=np.uint64)
    masks = np.empty(0, dtype=np.uint8)
    d = out.shape[1]
    for t in range(tiles):
        tile = out[t % out.shape[0]]
        for group in range(0, TILE, LANES):
            done = 0
            while done < d:
                code = lane_tries(state, tile, group + done * TILE, d - done, tried, masks, False)
                accepted = code & 0xFF
                if accepted == 0xFF:
                    break
                done += code >> 8
                for lane in range(LANES):
                    if not (accepted >> lane) & 1:
                        (
                            tile[done, group + lane],
                            state[0, lane],
                            state[1, lane],
                            state[2, lane],
                            state[3, lane],
                        ) = _after_rejection(
                            tried[lane],
                            state[0, lane],
                            state[1, lane],
                            state[2, lane],
                            state[3, lane],
                        )
                done += 1


@numba.njit(nogil=True)
def fill_later(states, out, tiles, complete):
    """:func:`fill_lanes`' tiles with steps that never stop: rejected tries are completed
    (if ``complete``) after a group's ``d`` steps, from the generator ``states[:, 0]``
    (standing for a block's ninth generator), in the order of the steps and lanes."""
    state = states.copy()
    f0, f1, f2, f3 = states[0, 0], states[1, 0], states[2, 0], states[3, 0]
    d = out.shape[1]
    tried = np.empty(d * LANES, dtype=np.uint64)
    masks = np.empty(d, dtype=np.uint8)
    for t in range(tiles):
        tile = out[t % out.shape[0]]
        for group in range(0, TILE, LANES):
            lane_tries(state, tile, group, d, tried, masks, True)
            if not complete:
                continue
            for j in range(d):
                if masks[j] != 0xFF:
                    for lane in range(LANES):
                        if not (masks[j] >> lane) & 1:
                            tile[j, group + lane], f0, f1, f2, f3 = _after_rejection(
                                tried[j * LANES + lane], f0, f1, f2, f3
                            )


def lane_states(seed: int) -> np.ndarray:
    """SFC64 states of eight lanes, ``(4, LANES)``: lane ``l`` seeded by
    ``SeedSequence(seed, spawn_key=(l,))``."""
    lanes = [
        np.random.SFC64(np.random.SeedSequence(seed, spawn_key=(lane,))) for lane in range(LANES)
    ]
    return np.array([lane.state["state"]["state"] for lane in lanes], dtype=np.uint64).T.copy()


def check_exact(d: int, tiles: int = 64, states: np.ndarray | None = None) -> None:
    """Both exact generators, started from ``states`` (default: :func:`lane_states` of
    seed 7), against numpy's draws from the lanes of seed 7, number for number (raises
    if they differ)."""
    states = lane_states(7) if states is None else states
    out = np.empty((tiles, d, TILE))
    fill_kernel(states, out, tiles)
    expected = np.random.Generator(np.random.SFC64(np.random.SeedSequence(7, spawn_key=(0,))))
    draws = np.transpose(out, (0, 2, 1)).reshape(-1, d)  # row i: draw i
    if not np.array_equal(draws, expected.standard_normal((tiles * TILE, d))):
        raise AssertionError("the kernel's normals differ from numpy's")
    fill_lanes(states, out, tiles)
    draws = np.transpose(out, (0, 2, 1)).reshape(-1, d)
    for lane in range(LANES):
        bits = np.random.SFC64(np.random.SeedSequence(7, spawn_key=(lane,)))
        if not np.array_equal(
            draws[lane::LANES],
            np.random.Generator(bits).standard_normal((len(draws[lane::LANES]), d)),
        ):
            raise AssertionError(f"lane {lane} differs from numpy's standard_normal")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Check, time, print the table; return ``{"text", "ns", "ratio"}`` (ns per draw of
    each generator, best of the rounds; median paired ratio to ``kernel``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=lambda s: int(float(s)), default=2**18)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    d = tjsim.simulate(draws=1, seed=1, threads=1, kernel="numba").dimension
    check_exact(d)
    tiles = max(1, args.draws // TILE)
    out = np.empty((1, d, TILE))  # one tile buffer, in the first-level cache
    states = lane_states(1)
    fills: dict[str, Callable[[], None]] = {
        "kernel": lambda: fill_kernel(states, out, tiles),
        "lanes": lambda: fill_lanes(states, out, tiles),
        "lanes, rejections later": lambda: fill_later(states, out, tiles, True),
        "lanes, first tries only": lambda: fill_later(states, out, tiles, False),
    }
    times: dict[str, list[float]] = {name: [] for name in fills}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, fill in fills.items():
            start = time.process_time()
            fill()
            times[name].append(time.process_time() - start)
    draws = tiles * TILE
    ns = {name: 1e9 * min(t) / draws for name, t in times.items()}
    ratio = {
        name: statistics.median(a / k for a, k in zip(t, times["kernel"], strict=True))
        for name, t in times.items()
    }
    lines = [
        f"{draws:,} draws, {d} normals a draw, one thread, CPU time, best of {args.rounds} "
        f"rounds; load average (1 min) {min(loads):.1f} to {max(loads):.1f}; both exact "
        "generators equal numpy's draws\n",
        "| normals | ns per draw | / kernel (median of paired rounds) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {name} | {ns[name]:.0f} | {ratio[name]:.2f}x |" for name in fills]
    text = "\n".join(lines)
    print(text)
    return {"text": text, "ns": ns, "ratio": ratio}


if __name__ == "__main__":
    main()
