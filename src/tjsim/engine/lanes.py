r"""Random stream ``sfc64/3``: a block's normals from eight SFC64 lanes, in numpy.

The compiled kernel draws the normals of stream 3 eight at a time, one from each of
eight SFC64 generators ("lanes") held side by side in vector registers
(:mod:`tjsim.engine.kernels.vector_lanes`); this module draws the same numbers with
whole-array numpy operations, for the numpy kernel, the per-draw reference and common
draws. The stream of block ``b`` (seed sequence ``root``) is defined as follows; every
generator is ``SFC64(SeedSequence(root.entropy, spawn_key=(*root.spawn_key, TAG, b,
part)))``, with ``TAG`` = :data:`tjsim.seeding.STREAM3_TAG`.

1. Draw ``i`` of the block (its first half for ``antithetic``) belongs to lane
   ``i % 8`` (parts 0 to 7); its ``d`` normals are the *tries* made of the lane's
   64-bit outputs in order: draws ``l, l + 8, l + 16, ...`` of lane ``l``, ``d``
   outputs each. Draws come in *groups* of eight, the last group filled up to eight
   with tries that are drawn and completed but not used.
2. A try ``r`` is numpy's ziggurat's (``random_standard_normal``): layer
   :math:`k = r \bmod 256`, mantissa :math:`m = \lfloor r / 2^9 \rfloor \bmod 2^{52}`,
   candidate :math:`x = \pm m\,w_k` (minus when bit 8 of ``r`` is set), accepted when
   :math:`m < k_k`, 98.5% of tries.
3. A rejected try is completed as numpy's algorithm continues, with fresh numbers from
   three more generators of the block, each used by the rejected tries in the order
   (group, normal, lane): a try of layer 0 samples the tail (Marsaglia's method, numpy's
   arithmetic; the value is negative when bit 8 of :math:`m` is set, as in numpy) from
   part 10; any other takes a uniform :math:`u` from part 8 and keeps
   :math:`x` when :math:`(f_{k-1} - f_k)\,u + f_k < e^{-x^2/2}` (the wedge test), else
   takes the next standard normal of part 9 (``Generator.standard_normal``: numpy's
   ziggurat, whole).

Each value is a standard normal and values are independent: the continuation of a
rejected try needs only fresh independent numbers, whichever generator they come from.
The lanes are not numpy's ``standard_normal`` (a lane does not complete its own
rejected tries), which is what lets the compiled kernel keep its eight lanes running.
Stream 2 (one SFC64 generator a block, numpy's ``standard_normal``) stays selectable.
"""

from __future__ import annotations

import math

import numpy as np

from ..seeding import stream_sequence
from .kernels import ziggurat

#: Generators drawn side by side: draw ``i`` of a block comes from lane ``i % LANES``.
LANES = 8
#: Spawn-key parts of a block's completion generators (after the lanes' 0..7).
WEDGE_UNIFORMS, WEDGE_NORMALS, TAILS = LANES, LANES + 1, LANES + 2

_FI = ziggurat.FI_ARRAY
#: ``w`` and ``k`` by a try's low nine bits (its layer, then its sign bit).
_SIGNED_WI = np.concatenate([ziggurat.WI_ARRAY, -ziggurat.WI_ARRAY])
_KI_TWICE = np.concatenate([ziggurat.KI_ARRAY, ziggurat.KI_ARRAY])
_MANTISSA = ziggurat.MANTISSA
_TWO_M53 = ziggurat.TWO_M53
#: Wedge tests this close to their bound (relative) are decided again with
#: ``math.exp``, the C library's ``exp`` that the compiled kernel calls: numpy's
#: vectorized ``exp`` may differ from it in the last bit.
_CLOSE = 1e-12


def lane_generators(root: np.random.SeedSequence, block: int) -> list[np.random.SFC64]:
    """The SFC64 generators of block ``block``: the eight lanes, then the wedge tests'
    uniforms, the normals that replace failed wedge tests, and the tails."""
    return [np.random.SFC64(stream_sequence(root, block, part)) for part in range(LANES + 3)]


def generator_states(root: np.random.SeedSequence, block: int) -> np.ndarray:
    """``(4, LANES + 3)`` uint64: the SFC64 state words (rows) of block ``block``'s
    generators (columns, in the order of :func:`lane_generators`), for the compiled
    kernel."""
    words = [g.state["state"]["state"] for g in lane_generators(root, block)]
    return np.ascontiguousarray(np.array(words, dtype=np.uint64).T)


class LaneStream:
    """Block ``block``'s normals of stream 3, ``d`` a draw, written row by row in order
    (:meth:`fill`): filling a block in pieces gives the same numbers as filling it whole."""

    def __init__(self, root: np.random.SeedSequence, block: int, d: int):
        generators = lane_generators(root, block)
        self.lanes = generators[:LANES]
        self.uniforms = generators[WEDGE_UNIFORMS]
        self.normals = np.random.Generator(generators[WEDGE_NORMALS])
        self.tails = generators[TAILS]
        self.d = d
        self.spare = np.empty((0, d))  # drawn rows of the last group not yet written

    def fill(self, out: np.ndarray) -> None:
        """Write the block's next ``len(out)`` rows of normals into ``out`` (``(n, d)``)."""
        taken = min(len(self.spare), len(out))
        out[:taken] = self.spare[:taken]
        self.spare = self.spare[taken:]
        rest = len(out) - taken
        if rest:
            rows = self._groups(-(-rest // LANES))
            out[taken:] = rows[:rest]
            self.spare = rows[rest:]

    def _groups(self, count: int) -> np.ndarray:
        """The next ``count`` groups' rows, ``(LANES * count, d)``."""
        size = count * self.d
        tries = np.empty((LANES, size), dtype=np.uint64)  # lane by lane, in order
        for row, generator in zip(tries, self.lanes, strict=True):
            row[:] = generator.random_raw(size)
        key = np.bitwise_and(tries, np.uint64(0x1FF)).view(np.int64)  # sign bit, layer
        mantissa = np.right_shift(tries, np.uint64(9), out=tries)
        mantissa &= _MANTISSA
        values = mantissa.view(np.int64).astype(np.float64)  # exact: below 2**52
        values *= np.take(_SIGNED_WI, key)  # m * -w is -(m * w), bit for bit
        rejected = np.flatnonzero(mantissa >= np.take(_KI_TWICE, key))
        lane, position = rejected // size, rejected % size
        group, normal = position // self.d, position % self.d
        order = np.lexsort((lane, normal, group))  # the stream's order: group, normal, lane
        rejected = rejected[order]
        values = values.reshape(LANES, count, self.d)
        self._complete(
            values,
            (lane[order], group[order], normal[order]),
            key.ravel()[rejected] & 0xFF,
            mantissa.ravel()[rejected],
        )
        return values.transpose(1, 0, 2).reshape(count * LANES, self.d)

    def _complete(
        self,
        values: np.ndarray,
        at: tuple[np.ndarray, np.ndarray, np.ndarray],
        layer: np.ndarray,
        mantissa: np.ndarray,
    ) -> None:
        """Complete the rejected tries at ``values[at]`` (``(LANES, groups, d)``; the
        tries in the stream's order, with their layers and mantissas) in place."""
        wedge = layer != 0
        x, k = values[at][wedge], layer[wedge]
        uniform = (self.uniforms.random_raw(len(x)) >> np.uint64(11)).astype(np.float64)
        uniform *= _TWO_M53
        below = (_FI[k - 1] - _FI[k]) * uniform + _FI[k]
        bound = np.exp(-0.5 * x * x)
        kept = below < bound
        for i in np.flatnonzero(np.abs(below - bound) <= _CLOSE * bound):
            kept[i] = below[i] < math.exp(-0.5 * x[i] * x[i])
        failed = tuple(index[wedge][~kept] for index in at)
        values[failed] = self.normals.standard_normal(len(failed[0]))
        for i in np.flatnonzero(~wedge):
            values[at[0][i], at[1][i], at[2][i]] = self._tail(int(mantissa[i]))

    def _tail(self, mantissa: int) -> float:
        """A value of the tail beyond :data:`~ziggurat.NOR_R` (numpy's method and
        arithmetic), negative when bit 8 of the rejected try's mantissa is set."""
        while True:
            u, v = self.tails.random_raw(2)
            xx = -ziggurat.NOR_INV_R * math.log1p(-(float(u >> np.uint64(11)) * _TWO_M53))
            yy = -math.log1p(-(float(v >> np.uint64(11)) * _TWO_M53))
            if yy + yy > xx * xx:
                value = ziggurat.NOR_R + xx
                return -value if (mantissa >> 8) & 1 else value
