"""Eight SFC64 lanes' ziggurat tries at once, in LLVM vector code (stream ``sfc64/3``).

:func:`lane_tries` is a numba intrinsic: it writes LLVM IR on vectors of eight 64-bit
integers, which LLVM compiles to the processor's vector instructions (one 512-bit
register with AVX-512, two or four narrower ones otherwise: the same numbers on any
processor, since every operation is exact or rounded once as in scalar code). The same
loop written over numba arrays was not vectorized (it compiled to scalar code, slower
than one generator's loop). :mod:`tjsim.engine.lanes` defines the
stream and draws it with numpy; the compiled kernel
(:mod:`tjsim.engine.kernels.numba_kernel`) completes the rejected tries this leaves.

The intrinsic is compiled into the kernel's loop, whose cached machine code numba keys
on ``numba_kernel.py`` alone: after editing this file, touch that one (or remove its
``__pycache__``) so that the kernel is compiled again.
"""

from __future__ import annotations

from typing import Any

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ..lanes import LANES
from . import ziggurat


@intrinsic
def lane_tries(
    typingctx: Any,
    state: Any,
    out: Any,
    at: Any,
    stride: Any,
    count: Any,
    tried: Any,
    accepted: Any,
) -> Any:
    r"""Draw ``count`` steps of the eight lanes' ziggurat tries.

    Parameters (as the compiled caller passes them)
    ----------
    state
        ``(4, LANES)`` uint64, C-contiguous: SFC64 word ``w`` of lane ``l`` at
        ``[w, l]``; advanced ``count`` steps in place.
    out
        A C-contiguous float64 array: step ``j``'s eight candidates go to its flat
        elements ``at + j * stride`` to ``at + j * stride + 7``.
    at, stride, count
        int64.
    tried
        ``(count * LANES,)`` uint64: step ``j``'s eight outputs at ``j * LANES``.
    accepted
        ``(count,)`` uint8: step ``j``'s accepted lanes, bit ``l`` for lane ``l``.

    A lane's output :math:`r` gives numpy's first try: layer :math:`k = r \bmod 256`,
    mantissa :math:`m = \lfloor r / 2^9 \rfloor \bmod 2^{52}`, candidate
    :math:`\pm m\,w_k` (minus when bit 8 is set), accepted when :math:`m < k_k`. The
    caller completes the rejected ones.
    """
    if any(array.layout != "C" for array in (state, out, tried, accepted)):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        def data(position: int) -> Any:
            kind = signature.args[position]
            return context.make_array(kind)(context, builder, args[position]).data

        words, buffer, kept, masks = data(0), data(1), data(5), data(6)
        at, stride, count = args[2], args[3], args[4]
        table = types.float64[::1]
        wi_data = context.make_array(table)(
            context, builder, context.make_constant_array(builder, table, ziggurat.WI_ARRAY)
        ).data
        bounds = types.uint64[::1]
        ki_data = context.make_array(bounds)(
            context, builder, context.make_constant_array(builder, bounds, ziggurat.KI_ARRAY)
        ).data
        i64 = ir.IntType(64)
        vector = ir.VectorType(i64, LANES)
        doubles = ir.VectorType(ir.DoubleType(), LANES)
        mask = ir.IntType(LANES)  # a bit a lane: the uint8 of ``accepted``

        def same(value: int) -> ir.Constant:
            return ir.Constant(vector, [value] * LANES)

        def vector_at(pointer: Any, offset: Any, kind: ir.Type) -> Any:
            return builder.bitcast(builder.gep(pointer, [offset]), kind.as_pointer())

        def word(w: int) -> Any:
            return vector_at(words, ir.Constant(i64, w * LANES), vector)

        first = [builder.load(word(w), align=8) for w in range(4)]
        entry = builder.block
        head = builder.append_basic_block("lanes.head")
        body = builder.append_basic_block("lanes.body")
        done = builder.append_basic_block("lanes.done")
        builder.branch(head)

        builder.position_at_end(head)
        step = builder.phi(i64)
        lanes = [builder.phi(vector) for _ in range(4)]
        step.add_incoming(ir.Constant(i64, 0), entry)
        for phi, value in zip(lanes, first, strict=True):
            phi.add_incoming(value, entry)
        builder.cbranch(builder.icmp_signed("<", step, count), body, done)

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
        x = builder.fmul(builder.sitofp(mantissa, doubles), width)  # m < 2**52: exact
        sign = builder.shl(builder.and_(builder.lshr(r, same(8)), same(1)), same(63))
        x = builder.bitcast(builder.xor(builder.bitcast(x, vector), sign), doubles)
        offset = builder.add(at, builder.mul(step, stride))
        builder.store(x, vector_at(buffer, offset, doubles), align=8)
        builder.store(
            r, vector_at(kept, builder.mul(step, ir.Constant(i64, LANES)), vector), align=8
        )
        passed = builder.bitcast(builder.icmp_unsigned("<", mantissa, bound), mask)
        builder.store(passed, builder.gep(masks, [step]))
        step.add_incoming(builder.add(step, ir.Constant(i64, 1)), body)
        for phi, value in zip(lanes, advanced, strict=True):
            phi.add_incoming(value, body)
        builder.branch(head)

        builder.position_at_end(done)
        for w, value in enumerate(lanes):
            builder.store(value, word(w), align=8)
        return context.get_dummy_value()

    return types.none(state, out, at, stride, count, tried, accepted), codegen
