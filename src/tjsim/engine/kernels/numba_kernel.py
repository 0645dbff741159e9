r"""The numba kernel: a block of draws evaluated draw by draw in one compiled loop.

It computes exactly what the numpy kernel (:mod:`tjsim.engine.kernels.numpy_kernel`, the
reference) computes, from the same precomputed arrays, but fused into one loop over
tiles of :data:`TILE` (64) draws: for the draws of a tile it

1. draws the ``d`` latent normals itself, from the run's random stream
   (:data:`tjsim.seeding.STREAMS`): for ``sfc64/3``, eight draws at a time from the
   block's eight SFC64 lanes in vector code (:mod:`tjsim.engine.kernels.vector_lanes`),
   their rejected tries completed afterwards; for ``sfc64/2``, numpy's ziggurat on the
   block's one SFC64 generator. Either way the same numbers, in the same order, as the
   numpy kernel draws (:class:`tjsim.engine.lanes.LaneStream`,
   ``numpy.random.Generator(SFC64(seed)).standard_normal``); Sobol' points come
   precomputed from the sampler instead,
2. forms the correlated latent values of the table and event columns (a sparse product),
   the table transforms (the same interpolation arithmetic as
   :class:`~tjsim.engine.tables.TableSet`) and the events, column by column with the
   tile's draws side by side (so that the compiler vectorizes these loops),
3. evaluates the indicators :math:`V - c = W_f\,[e_{used}; g]` (the non-zero weights
   only, the tile's draws side by side) and the targets met, kept as one 64-bit word
   per target,
4. adds the tile to the block's sums: number met (of all the targets in force, and of
   the headline targets); the products
   :math:`[met; joint; 1]\,[e_{used}; g; met; joint; 1]^\top`, whose met columns
   (pairs of targets met together) and antithetic pairs are popcounts of two words'
   AND and whose basis columns add each met draw's row (iterating over set bits) for
   the readings in force and the joint only (the rows :meth:`~tjsim.result.SimulationResult.shock_means` reads; the
   others stay zero, see :func:`~tjsim.engine.kernels.numpy_kernel.commit_block`);
   squares and extremes (by draw slot, reduced once per block); and the quantile bins,
   counted in a per-thread ``uint16`` histogram (a block has at most 32,768 draws) that
   is added to the accumulator's once per block, over the bins the block's extremes span.

Nothing per draw leaves the processor's cache; the block's reduction into an
:class:`~tjsim.result.Accumulator` is the numpy kernel's own
(:func:`~tjsim.engine.kernels.numpy_kernel.commit_block`). Counts and histograms are
identical to the numpy kernel's; floating-point sums differ only by the order of
additions (about 1e-15 relative).

numba is imported with this module, which :func:`tjsim.engine.kernels.make_kernel`
imports only when this kernel is chosen. Compiled code is cached on disk
(``cache=True``), so only the first run on a machine compiles; where numba finds no
writable cache folder (a read-only install and home folder, as in many containers and
cluster workers) the kernel compiles in each process instead and says so once
(``NUMBA_CACHE_DIR`` names a writable folder). With numba's JIT disabled
(``NUMBA_DISABLE_JIT=1``) the module refuses to import, so ``kernel=None`` falls back
to the numpy kernel.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ...marginals import GRID
from ...model import CompiledModel
from ...result.accumulator import Accumulator
from ...seeding import LANE_STREAM, RNG, Block, block_bit_generator, check_stream
from ..lanes import LANES, generator_states
from ..sampling import LatentSampler
from . import ziggurat
from .numpy_kernel import BlockSums, NumpyKernel, commit_block
from .vector_lanes import lane_tries

# numba.config sets its options at import; numba's type information does not list them.
if numba.config.DISABLE_JIT:  # type: ignore[attr-defined]
    # The kernel's intrinsics (popcount) exist only in compiled code.
    raise ImportError("numba's JIT compiler is disabled (NUMBA_DISABLE_JIT is set)")


def _can_cache() -> bool:
    """Whether numba can cache this module's compiled functions on disk (it looks for a
    writable folder when a function is decorated)."""
    try:
        numba.njit(cache=True)(_can_cache_probe)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return False
    return True


def _can_cache_probe() -> int:
    return 0


#: Whether compiled code is cached on disk (False: compiled once per process).
CACHE = _can_cache()
if not CACHE:
    warnings.warn(
        "tjsim: numba finds no writable folder to cache its compiled code (read-only "
        "install?): the numba kernel compiles in each process; set NUMBA_CACHE_DIR to a "
        "writable folder to keep it",
        RuntimeWarning,
        stacklevel=2,
    )

#: What a run prints on stderr before numba compiles the kernel (a pause of a few
#: seconds, once per machine when the cache works).
COMPILING_NOTE = "tjsim: compiling the simulation kernel once, a few seconds"
_announced = False


def will_compile(dispatcher: Any) -> bool:
    """Whether the first call of ``dispatcher`` (a numba function) compiles it: not yet
    compiled in this process, and no usable entry in numba's cache on disk (absent, or
    made from another version of the source)."""
    if dispatcher.signatures:
        return False
    if not CACHE:
        return True
    try:
        return not dispatcher._cache._cache_file._load_index()
    except Exception:  # numba's internals moved: say nothing rather than guess wrong
        return False


def announce_compilation(stream: Any = None) -> None:
    """Print :data:`COMPILING_NOTE` on ``stream`` (default: stderr) if the kernel is
    about to be compiled, once per process."""
    global _announced
    if _announced or not will_compile(_evaluate):
        return
    _announced = True
    stream = sys.stderr if stream is None else stream
    try:
        print(COMPILING_NOTE, file=stream, flush=True)
    except (OSError, ValueError):  # a closed or broken stderr: the note is not worth a failure
        pass


_KI = ziggurat.KI_ARRAY
_WI = ziggurat.WI_ARRAY
_FI = ziggurat.FI_ARRAY
_NOR_R = ziggurat.NOR_R
_NOR_INV_R = ziggurat.NOR_INV_R
_TWO_M53 = ziggurat.TWO_M53
_GRID_START = float(GRID[0])
_BYTE = np.uint64(0xFF)
_MANTISSA = ziggurat.MANTISSA
_ONE = np.uint64(1)
#: Draws evaluated side by side: the bits of a word.
TILE = 64


@numba.njit(inline="always")
def _sfc64(s0, s1, s2, s3):
    """One step of SFC64 (numpy's ``sfc64_next``): ``(output, new state)``."""
    out = s0 + s1 + s3
    return (
        out,
        s1 ^ (s1 >> np.uint64(11)),
        s2 + (s2 << np.uint64(3)),
        ((s2 << np.uint64(24)) | (s2 >> np.uint64(40))) + out,
        s3 + _ONE,
    )


@numba.njit(inline="always")
def _tail(s0, s1, s2, s3):
    """The ziggurat's tail (Marsaglia's method, numpy's arithmetic): ``(x, new state)``,
    the value being ``NOR_R + x`` with the sign of the rejected try."""
    while True:
        u, s0, s1, s2, s3 = _sfc64(s0, s1, s2, s3)
        xx = -_NOR_INV_R * math.log1p(-(np.float64(u >> np.uint64(11)) * _TWO_M53))
        u, s0, s1, s2, s3 = _sfc64(s0, s1, s2, s3)
        yy = -math.log1p(-(np.float64(u >> np.uint64(11)) * _TWO_M53))
        if yy + yy > xx * xx:
            return xx, s0, s1, s2, s3


@numba.njit(inline="always")
def _normal(s0, s1, s2, s3):
    """A standard normal by numpy's ``random_standard_normal``: ``(value, new state)``."""
    while True:
        r, s0, s1, s2, s3 = _sfc64(s0, s1, s2, s3)
        idx = np.intp(r & _BYTE)
        r = r >> np.uint64(8)
        rabs = (r >> _ONE) & _MANTISSA
        x = np.float64(rabs) * _WI[idx]
        if r & _ONE:
            x = -x
        if rabs < _KI[idx]:
            return x, s0, s1, s2, s3
        if idx == 0:
            xx, s0, s1, s2, s3 = _tail(s0, s1, s2, s3)
            if (rabs >> np.uint64(8)) & _ONE:
                return -(_NOR_R + xx), s0, s1, s2, s3
            return _NOR_R + xx, s0, s1, s2, s3
        else:
            u, s0, s1, s2, s3 = _sfc64(s0, s1, s2, s3)
            uniform = np.float64(u >> np.uint64(11)) * _TWO_M53
            if (_FI[idx - 1] - _FI[idx]) * uniform + _FI[idx] < math.exp(-0.5 * x * x):
                return x, s0, s1, s2, s3


@numba.njit(nogil=True, cache=CACHE)
def _complete(r, others):
    """Stream 3: the value of a lane's rejected try ``r`` (:mod:`tjsim.engine.lanes`),
    completed as numpy's ziggurat continues, with the block's completion generators
    ``others`` (``(4, 3)`` SFC64 states, advanced in place: the wedge tests' uniforms,
    the normals after a failed wedge test, the tails)."""
    layer = np.intp(r & _BYTE)
    mantissa = (r >> np.uint64(9)) & _MANTISSA
    x = np.float64(mantissa) * _WI[layer]
    if (r >> np.uint64(8)) & _ONE:
        x = -x
    if layer == 0:
        xx, s0, s1, s2, s3 = _tail(others[0, 2], others[1, 2], others[2, 2], others[3, 2])
        others[0, 2], others[1, 2], others[2, 2], others[3, 2] = s0, s1, s2, s3
        if (mantissa >> np.uint64(8)) & _ONE:
            return -(_NOR_R + xx)
        return _NOR_R + xx
    u, s0, s1, s2, s3 = _sfc64(others[0, 0], others[1, 0], others[2, 0], others[3, 0])
    others[0, 0], others[1, 0], others[2, 0], others[3, 0] = s0, s1, s2, s3
    uniform = np.float64(u >> np.uint64(11)) * _TWO_M53
    if (_FI[layer - 1] - _FI[layer]) * uniform + _FI[layer] < math.exp(-0.5 * x * x):
        return x
    value, s0, s1, s2, s3 = _normal(others[0, 1], others[1, 1], others[2, 1], others[3, 1])
    others[0, 1], others[1, 1], others[2, 1], others[3, 1] = s0, s1, s2, s3
    return value


@numba.njit(inline="always")
def _lane_normals(lanes, others, normals, n, tried, accepted):
    """Stream 3: the normals of ``n`` draws (at most :data:`TILE`) into ``normals``
    (``(d, TILE)``, a draw a column), eight draws (a group) at a time: the lanes' tries
    (:func:`~tjsim.engine.kernels.vector_lanes.lane_tries`), then the group's rejected
    tries completed in order of normal and lane (:func:`_complete`). The last group is
    drawn and completed whole, as :class:`tjsim.engine.lanes.LaneStream` draws it.
    ``tried`` (``d * LANES`` uint64) and ``accepted`` (``d`` uint8) are scratch."""
    d = normals.shape[0]
    for group in range(0, n, LANES):
        lane_tries(lanes, normals, group, TILE, d, tried, accepted)
        for j in range(d):
            if accepted[j] != 0xFF:
                for lane in range(LANES):
                    if not (accepted[j] >> lane) & 1:
                        normals[j, group + lane] = _complete(tried[j * LANES + lane], others)


@numba.njit(nogil=True, cache=CACHE)
def lane_normals(states, out):
    """Fill ``out`` (``(n, d)``) with stream 3's normals from a block's generators
    ``states`` (``(4, LANES + 3)``, :func:`tjsim.engine.lanes.generator_states`), as
    :class:`tjsim.engine.lanes.LaneStream` would; the states are advanced in place.
    The kernel's own loop, a tile at a time (for tests)."""
    n, d = out.shape
    lanes = np.ascontiguousarray(states[:, :LANES])
    others = np.ascontiguousarray(states[:, LANES:])
    normals = np.zeros((d, TILE))
    tried = np.empty(d * LANES, dtype=np.uint64)
    accepted = np.empty(d, dtype=np.uint8)
    for tile in range(0, n, TILE):
        size = min(TILE, n - tile)
        _lane_normals(lanes, others, normals, size, tried, accepted)
        for s in range(size):
            for j in range(d):
                out[tile + s, j] = normals[j, s]
    states[:, :LANES] = lanes
    states[:, LANES:] = others


@numba.njit(inline="always")
def _bin(position, bottom, top):
    """Histogram bin at ``position``: truncated, clamped to the under- and overflow bins
    (the numpy kernel's rule); a NaN goes to the underflow bin, so no input can index
    outside the histogram."""
    if not position >= bottom:
        return bottom
    if position >= top:
        return top
    return np.intp(position)


@numba.njit(inline="always")
def _sparse_product(starts, columns, weights, dense, out):
    """``out[i] = sum_p weights[p] * dense[columns[p]]`` over the non-zeros ``p`` of row
    ``i`` (CSR ``starts``), for the rows of ``starts``; a row of ``dense`` and of ``out``
    holds :data:`TILE` draws side by side, so the loops over them vectorize. Each entry's
    terms are added in the order of the non-zeros, starting from zero, four non-zeros a
    pass (the same additions in the same order: the compiler, which cannot tell that
    ``out`` and ``dense`` do not overlap, would otherwise store and reload a row of
    ``out`` for every non-zero)."""
    for i in range(starts.shape[0] - 1):
        row = out[i]
        for s in range(TILE):
            row[s] = 0.0
        p, end = starts[i], starts[i + 1]
        while p + 4 <= end:
            w0, w1, w2, w3 = weights[p], weights[p + 1], weights[p + 2], weights[p + 3]
            d0, d1 = dense[columns[p]], dense[columns[p + 1]]
            d2, d3 = dense[columns[p + 2]], dense[columns[p + 3]]
            for s in range(TILE):
                row[s] = (((row[s] + w0 * d0[s]) + w1 * d1[s]) + w2 * d2[s]) + w3 * d3[s]
            p += 4
        while p < end:
            weight, column = weights[p], dense[columns[p]]
            for s in range(TILE):
                row[s] += weight * column[s]
            p += 1


@numba.njit(nogil=True, cache=CACHE)
def standard_normals(state: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` (1-d) with standard normals from the SFC64 ``state`` (4 words), as
    ``numpy.random.Generator(SFC64)`` would; the state is advanced in place."""
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    for i in range(out.shape[0]):
        out[i], s0, s1, s2, s3 = _normal(s0, s1, s2, s3)
    state[0], state[1], state[2], state[3] = s0, s1, s2, s3


@intrinsic
def _popcount(typingctx, word):
    """Set bits of a ``uint64`` (LLVM ``ctpop``)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def _lowest_bit(typingctx, word):
    """Index of the lowest set bit of a non-zero ``uint64`` (LLVM ``cttz``)."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.uint64(types.uint64), codegen


@numba.njit(nogil=True, cache=CACHE)
def _evaluate(
    state,
    lanes,
    others,
    laned,
    latent,
    size,
    antithetic,
    used,
    gather_start,
    gather_column,
    gather_weight,
    n_tables,
    table_values,
    table_start,
    step,
    top,
    event_thresholds,
    weight_start,
    weight_column,
    weight_value,
    met_first,
    met_second,
    met_sign,
    met_limit,
    primary,
    headline,
    hist_add,
    hist_scale,
    bin_bottom,
    bin_top,
    offset,
    keep,
    sums,
    counts,
    count_met,
    headline_count,
    headline_pairs,
    squares,
    low,
    high,
    pair_counts,
    stage,
    histogram,
):
    """Evaluate one block of ``size`` draws into the block's sums (see the module), in
    tiles of :data:`TILE` draws. Its normals are Sobol' points' (``latent``, when not
    empty), else stream 3's (``laned``: the ``(4, LANES)`` SFC64 states of the eight
    lanes and the ``(4, 3)`` of the completion generators, advanced in place), else
    stream 2's (``state``, one generator's 4 words). The targets met by a tile's draws are bit sets, one
    word per target (reading); ``counts`` (met pairs) receives its upper triangle only; the number met and the joint count the first
    ``primary`` rows, the readings in force; ``headline`` flags the rows counted as
    headline targets met (``headline_count``, and by antithetic pair
    ``headline_pairs``)."""
    d = latent.shape[1]
    u = used.shape[0]
    g = gather_start.shape[0] - 1
    k = u + g
    m = weight_start.shape[0] - 1
    t = met_first.shape[0]
    given = latent.shape[0] > 0
    keeping = keep.shape[0] > 0
    # Whole tiles are evaluated, so that the loops have a fixed length: the rows past
    # the end of a block's last tile hold finite values (zeros, or the tile before's).
    # Column-major (one row per column, the tile's draws side by side), so that the
    # loops over draws are vectorized; only the basis sums in met draws read rows.
    normals = np.zeros((d, TILE))
    tried = np.empty(d * LANES, dtype=np.uint64)  # stream 3: a group's tries ...
    accepted = np.empty(d, dtype=np.uint8)  # ... and its accepted lanes, a step
    z = np.zeros((g, TILE))  # correlated latent values of the table and event columns
    columns = np.zeros((k, TILE))  # the basis: e[used], then the gathered columns
    rows = np.zeros((TILE, k))  # the same, one row per draw
    bins = np.zeros(TILE, dtype=np.intp)  # an indicator's quantile bins
    # Squares and extremes by draw slot, added over the block's tiles and reduced at
    # its end (element-wise updates vectorize; one running sum would not).
    lane_squares = np.zeros((m, TILE))
    lane_low = np.full((m, TILE), np.inf)
    lane_high = np.full((m, TILE), -np.inf)
    values = np.zeros((m + 1, TILE))  # V - c, and a row of zeros
    number = np.empty(TILE, dtype=np.intp)
    heads = np.empty(TILE, dtype=np.intp)  # headline targets met
    first_heads = np.zeros(TILE, dtype=np.intp)  # ... by the first draw of each pair
    total = np.empty(k)  # the tile's basis summed over its draws
    part = np.empty(k)  # ... over the draws that meet (or miss) a target
    words = np.zeros(t + 2, dtype=np.uint64)  # met, joint, every draw
    first_words = np.zeros(t + 1, dtype=np.uint64)
    s0, s1, s2, s3 = state[0], state[1], state[2], state[3]
    half = size // 2 if antithetic else size
    for tile in range(0, half, TILE):
        n = min(TILE, half - tile)
        # -- latent normals
        if given:
            for s in range(n):
                for j in range(d):
                    normals[j, s] = latent[tile + s, j]
        elif laned:
            _lane_normals(lanes, others, normals, n, tried, accepted)
        else:
            for s in range(n):
                for j in range(d):
                    normals[j, s], s0, s1, s2, s3 = _normal(s0, s1, s2, s3)
        # -- correlated latent values of the table and event columns
        _sparse_product(gather_start, gather_column, gather_weight, normals, z)
        for side in range(2 if antithetic else 1):
            sign = -1.0 if side else 1.0
            start = tile + half * side
            # -- the basis: e[used], table transforms and events
            for a in range(u):
                c = used[a]
                for s in range(TILE):
                    columns[a, s] = sign * normals[c, s]
            for q in range(n_tables):
                base = table_start[q]
                for s in range(TILE):
                    position = (sign * z[q, s] - _GRID_START) / step
                    if position < 0.0:
                        position = 0.0
                    if position > top:
                        position = top
                    index = np.intp(position)
                    position -= index
                    below = table_values[base + index]
                    columns[u + q, s] = below + position * (table_values[base + index + 1] - below)
            for q in range(n_tables, g):
                threshold = event_thresholds[q - n_tables]
                for s in range(TILE):
                    columns[u + q, s] = 1.0 if sign * z[q, s] < threshold else 0.0
            for s in range(n):
                for a in range(k):
                    rows[s, a] = columns[a, s]
            # -- indicators (deviations from c): the sparse fast weights, draws side by side
            _sparse_product(weight_start, weight_column, weight_value, columns, values)
            # -- targets met (a bit set per target), number met, joint
            valid = ~np.uint64(0) if n == TILE else (_ONE << np.uint64(n)) - _ONE
            for s in range(TILE):
                number[s] = 0
                heads[s] = 0
            for r in range(t):
                word = np.uint64(0)
                first, second = met_first[r], met_second[r]
                sign, limit = met_sign[r], met_limit[r]
                counted = r < primary
                head = headline[r]
                for s in range(TILE):
                    met = sign * (values[first, s] - values[second, s]) >= limit
                    if counted:
                        number[s] += met
                    if head:
                        heads[s] += met
                    word |= np.uint64(met) << np.uint64(s)
                words[r] = word & valid
            joint = np.uint64(0)
            for s in range(n):
                count_met[number[s]] += 1
                headline_count[heads[s]] += 1
                joint |= np.uint64(number[s] == primary) << np.uint64(s)
            if antithetic:
                for s in range(n):
                    if side:
                        headline_pairs[first_heads[s], heads[s]] += 1
                    else:
                        first_heads[s] = heads[s]
            words[t] = joint
            words[t + 1] = valid
            # -- sums over the draws: counts of met pairs, and the basis in met draws of
            # the readings in force and the joint (the tile's total less the missing draws
            # when fewer draws miss than meet)
            for a in range(k):
                total[a] = 0.0
            for s in range(n):
                for a in range(k):
                    total[a] += rows[s, a]
            for a in range(k):
                sums[t + 1, a] += total[a]
            for r in range(t + 2):
                for c in range(r, t + 2):  # symmetric: the lower triangle is mirrored
                    counts[r, c] += _popcount(words[r] & words[c])
                if primary <= r < t or r == t + 1:
                    continue  # basis sums of the readings in force and the joint only
                word = words[r]
                fewer_miss = 2 * _popcount(word) > n
                if fewer_miss:
                    word = ~word & valid
                for a in range(k):
                    part[a] = 0.0
                while word:
                    s = _lowest_bit(word)
                    word &= word - _ONE
                    for a in range(k):
                        part[a] += rows[s, a]
                if fewer_miss:
                    for a in range(k):
                        sums[r, a] += total[a] - part[a]
                else:
                    for a in range(k):
                        sums[r, a] += part[a]
            if side:
                for r in range(t + 1):
                    pair_counts[r] += _popcount(first_words[r] & words[r])
            else:
                for r in range(t + 1):
                    first_words[r] = words[r]
            # -- moments, extremes, kept draws, quantile bins
            for i in range(m):
                for s in range(n):
                    value = values[i, s]
                    lane_squares[i, s] += value * value
                    lane_low[i, s] = min(lane_low[i, s], value)
                    lane_high[i, s] = max(lane_high[i, s], value)
                add, scale, bottom, top_bin = hist_add[i], hist_scale[i], bin_bottom[i], bin_top[i]
                for s in range(TILE):
                    bins[s] = _bin((values[i, s] + add) * scale, bottom, top_bin)
                for s in range(n):
                    stage[bins[s]] += 1
                if keeping:
                    for s in range(n):
                        keep[start + s, i] = values[i, s] + offset[i]
    # -- the block's squares and extremes
    for i in range(m):
        square, lowest, highest = 0.0, low[i], high[i]
        for s in range(TILE):
            square += lane_squares[i, s]
            lowest = min(lowest, lane_low[i, s])
            highest = max(highest, lane_high[i, s])
        squares[i] += square
        low[i], high[i] = lowest, highest
    # -- quantile histograms: add the block's counts over the bins its extremes span
    if size:
        for i in range(m):
            lowest = _bin((low[i] + hist_add[i]) * hist_scale[i], bin_bottom[i], bin_top[i])
            highest = _bin((high[i] + hist_add[i]) * hist_scale[i], bin_bottom[i], bin_top[i])
            for b in range(lowest, highest + 1):
                histogram[b] += stage[b]
                stage[b] = 0


@dataclass(frozen=True, eq=False)
class NumbaKernel:
    """The numpy kernel's arrays (``reference``) in the layout the compiled loop reads."""

    reference: NumpyKernel
    used: np.ndarray  # (u,) latent columns in the order of the fast weights
    gather_start: np.ndarray  # (g + 1,) CSR row starts of the gathered columns' latent loads
    gather_column: np.ndarray  # (nnz,) latent column
    gather_weight: np.ndarray  # (nnz,) its loading
    table_start: np.ndarray  # (j,) first entry of each table in the stacked values
    weight_start: np.ndarray  # (m + 1,) CSR row starts of the fast weights' non-zeros
    weight_column: np.ndarray  # (nnz,) basis column (e[used], then gathered)
    weight_value: np.ndarray  # (nnz,)
    met_first: np.ndarray  # (T,) indicator of each met row (grouped test order)
    met_second: np.ndarray  # (T,) the indicator it is compared to, else m (a row of zeros)
    met_sign: np.ndarray  # (T,) +1 for >=, -1 for <=
    met_limit: np.ndarray  # (T,) met when sign * ((V-c)[first] - (V-c)[second]) >= limit
    met_headline: np.ndarray  # (T,) bool: the row is a headline target in force

    name: ClassVar[str] = "numba"

    @property
    def n_indicators(self) -> int:
        return self.reference.n_indicators

    @classmethod
    def from_model(cls, model: CompiledModel) -> NumbaKernel:
        ref = NumpyKernel.from_model(model)
        d = model.dimension
        latent_order = np.concatenate(
            [np.arange(column, column + n) for _, column, n in ref.latent_runs]
        ).astype(np.intp)
        loads = np.zeros((len(ref.gathered), d))
        loads[:, latent_order] = ref.gather_latent
        gather_start, gather_column, gather_weight = _sparse_rows(loads)
        weight_start, weight_column, weight_value = _sparse_rows(ref.fast_weights)
        t = len(ref.strict)
        first, second = np.empty(t, np.intp), np.full(t, ref.n_indicators, np.intp)
        sign, limit = np.empty(t), np.empty(t)
        for test in ref.met_tests:
            first[test.rows] = test.first
            if test.second is not None:
                second[test.rows] = test.second
            # margin <= threshold exactly when -margin >= -threshold
            sign[test.rows] = 1.0 if test.above else -1.0
            limit[test.rows] = sign[test.rows] * test.thresholds[:, 0]
        headline = np.zeros(t, dtype=np.bool_)
        headline[ref.headline_rows] = True
        return cls(
            reference=ref,
            used=latent_order[ref.n_unused :],
            gather_start=gather_start,
            gather_column=gather_column,
            gather_weight=gather_weight,
            table_start=np.ravel(ref.table_set.starts).astype(np.intp),
            weight_start=weight_start,
            weight_column=weight_column,
            weight_value=weight_value,
            met_first=first,
            met_second=second,
            met_sign=sign,
            met_limit=limit,
            met_headline=headline,
        )

    def new_accumulator(self) -> Accumulator:
        """An empty accumulator for this model's indicators, targets and histograms."""
        return self.reference.new_accumulator()

    def basis(self, latent: np.ndarray) -> np.ndarray:
        """The numpy kernel's :meth:`~NumpyKernel.basis` (common draws keep whole
        blocks of basis values, which the compiled loop never forms)."""
        return self.reference.basis(latent)

    def target_margins(self, x: np.ndarray) -> np.ndarray:
        """The numpy kernel's :meth:`~NumpyKernel.target_margins`: the same numbers."""
        return self.reference.target_margins(x)

    def worker(
        self, method: str, root: np.random.SeedSequence, largest: int, stream: str = RNG
    ) -> Callable[[Block, Accumulator, np.ndarray | None], None]:
        """A function that evaluates one block into an accumulator (``keep`` receives the
        block's indicator rows when given); one per thread."""
        announce_compilation()
        ref = self.reference
        d, m, t = ref.weights.shape[0], ref.n_indicators, len(ref.strict)
        k = len(self.used) + len(ref.gathered)
        sampler = LatentSampler(method, root, d, stream) if method == "sobol" else None
        latent = np.empty((largest if sampler else 0, d))
        laned = sampler is None and check_stream(stream) == LANE_STREAM
        no_state = np.zeros(4, dtype=np.uint64)
        no_lanes = np.zeros((4, LANES), dtype=np.uint64)
        no_others = np.zeros((4, 3), dtype=np.uint64)
        no_keep = np.empty((0, m))
        stage = np.zeros(ref.n_bins, dtype=np.uint16)
        tables = ref.table_set

        def evaluate(block: Block, acc: Accumulator, keep: np.ndarray | None) -> None:
            state, lanes, others = no_state, no_lanes, no_others
            if sampler is not None:
                given = latent[: block.size]
                sampler.fill(block, given)
            else:
                given = latent
                if laned:
                    states = generator_states(root, block.id)
                    lanes = np.ascontiguousarray(states[:, :LANES])
                    others = np.ascontiguousarray(states[:, LANES:])
                else:
                    state = block_bit_generator(root, block.id).state["state"]["state"]
            basis_sums = np.zeros((t + 2, k))
            counts = np.zeros((t + 2, t + 2), dtype=np.int64)
            sums = BlockSums(
                products=np.empty((t + 2, k + t + 2)),
                count_met=np.zeros(ref.n_primary + 1, dtype=np.int64),
                headline_count=np.zeros(len(ref.headline_rows) + 1, dtype=np.int64),
                headline_pairs=np.zeros((len(ref.headline_rows) + 1,) * 2, dtype=np.int64),
                squares=np.zeros(m),
                low=np.full(m, np.inf),
                high=np.full(m, -np.inf),
                pairs=np.zeros(t + 1, dtype=np.int64),
            )
            _evaluate(
                state,
                lanes,
                others,
                laned,
                given,
                block.size,
                method == "antithetic",
                self.used,
                self.gather_start,
                self.gather_column,
                self.gather_weight,
                tables.count,
                tables.values,
                self.table_start,
                tables.step,
                tables.top,
                ref.event_thresholds,
                self.weight_start,
                self.weight_column,
                self.weight_value,
                self.met_first,
                self.met_second,
                self.met_sign,
                self.met_limit,
                ref.n_primary,
                self.met_headline,
                ref.hist_add,
                ref.hist_scale,
                ref.bin_bottom,
                ref.bin_top,
                ref.offset,
                no_keep if keep is None else keep,
                basis_sums,
                counts,
                sums.count_met,
                sums.headline_count,
                sums.headline_pairs,
                sums.squares,
                sums.low,
                sums.high,
                sums.pairs,
                stage,
                acc.histogram,
            )
            sums.products[:, :k] = basis_sums
            sums.products[:, k:] = counts + np.triu(counts, 1).T
            commit_block(ref, acc, block, method, sums)

        return evaluate


def _sparse_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(starts, columns, values)``: the non-zeros of ``matrix`` row by row (CSR)."""
    rows, columns = np.nonzero(matrix)
    starts = np.searchsorted(rows, np.arange(matrix.shape[0] + 1))
    return starts.astype(np.intp), columns.astype(np.intp), matrix[rows, columns]
