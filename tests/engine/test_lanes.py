"""Random stream ``sfc64/3``: its numpy implementation against its definition, the
compiled kernel's draws against numpy's, and its values against the normal law."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import tjsim
from optional import requires_numba
from tjsim.engine.kernels import ziggurat
from tjsim.engine.lanes import LANES, LaneStream, generator_states, lane_generators
from tjsim.seeding import BLOCK_SIZE, as_seed_sequence

MANTISSA = 2**52 - 1


def defined_stream(root: np.random.SeedSequence, block: int, n: int, d: int) -> np.ndarray:
    """Block ``block``'s first ``n`` rows, one number at a time, as the definition in
    ``tjsim.engine.lanes`` reads: groups of eight draws, each draw's tries from its
    lane, rejected tries completed in the order (group, normal, lane)."""
    generators = lane_generators(root, block)
    lanes, uniforms, tails = generators[:LANES], generators[LANES], generators[LANES + 2]
    normals = np.random.Generator(generators[LANES + 1])
    groups = -(-n // LANES)
    out = np.empty((groups * LANES, d))
    for group in range(groups):
        tries = [[int(lane.random_raw()) for _ in range(d)] for lane in lanes]
        for j in range(d):
            for lane in range(LANES):
                r = tries[lane][j]
                layer, mantissa = r & 0xFF, (r >> 9) & MANTISSA
                x = mantissa * ziggurat.WI[layer]
                if (r >> 8) & 1:
                    x = -x
                if mantissa >= ziggurat.KI[layer]:
                    x = _completed(x, layer, mantissa, uniforms, normals, tails)
                out[group * LANES + lane, j] = x
    return out[:n]


def _completed(x, layer, mantissa, uniforms, normals, tails) -> float:
    if layer == 0:
        while True:
            u, v = int(tails.random_raw()), int(tails.random_raw())
            xx = -ziggurat.NOR_INV_R * math.log1p(-(u >> 11) * 2.0**-53)
            yy = -math.log1p(-(v >> 11) * 2.0**-53)
            if yy + yy > xx * xx:
                value = ziggurat.NOR_R + xx
                return -value if (mantissa >> 8) & 1 else value
    fi = ziggurat.FI
    uniform = (int(uniforms.random_raw()) >> 11) * 2.0**-53
    if (fi[layer - 1] - fi[layer]) * uniform + fi[layer] < math.exp(-0.5 * x * x):
        return x
    return float(normals.standard_normal())


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    block=st.integers(0, 10**6),
    n=st.integers(0, 150),
    d=st.integers(1, 6),
)
def test_the_numpy_stream_is_its_definition(seed, block, n, d):
    root = as_seed_sequence(seed)
    ours = np.empty((n, d))
    LaneStream(root, block, d).fill(ours)
    np.testing.assert_array_equal(ours, defined_stream(root, block, n, d))


def test_the_numpy_stream_is_its_definition_through_every_completion():
    """24,000 normals: some 360 rejected tries, wedge tests passed and failed, tails."""
    root = as_seed_sequence(2024)
    ours = np.empty((3_000, 8))
    LaneStream(root, 0, 8).fill(ours)
    np.testing.assert_array_equal(ours, defined_stream(root, 0, 3_000, 8))
    assert np.sum(np.abs(ours) > ziggurat.NOR_R) > 0  # tails drawn


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 300), max_size=6), d=st.integers(1, 5))
def test_filling_a_block_in_pieces_gives_the_same_numbers(cuts, d):
    root = as_seed_sequence(7)
    whole = np.empty((300, d))
    LaneStream(root, 2, d).fill(whole)
    pieces = np.empty((300, d))
    stream = LaneStream(root, 2, d)
    edges = [0, *sorted(cuts), 300]
    for start, end in itertools.pairwise(edges):
        stream.fill(pieces[start:end])
    np.testing.assert_array_equal(pieces, whole)


@requires_numba
@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**64 - 1),
    block=st.integers(0, 10**6),
    n=st.integers(0, 700),
    d=st.integers(1, 40),
)
def test_the_compiled_lanes_draw_numpys_numbers(seed, block, n, d):
    from tjsim.engine.kernels.numba_kernel import lane_normals

    root = as_seed_sequence(seed)
    ours = np.empty((n, d))
    lane_normals(generator_states(root, block), ours)
    theirs = np.empty((n, d))
    LaneStream(root, block, d).fill(theirs)
    np.testing.assert_array_equal(ours, theirs)


def test_the_values_are_standard_normal():
    """Four million values against the normal law: the distribution (Kolmogorov-Smirnov),
    the tail beyond the ziggurat's last layer, and the fourth moment (keeping the
    rejected tries instead of completing them, 1.5% of the values, fails it: 3.06)."""
    root = as_seed_sequence(12)
    blocks = []
    for block in range(16):
        values = np.empty((BLOCK_SIZE, 8))
        LaneStream(root, block, 8).fill(values)
        blocks.append(values.ravel())
    sample = np.concatenate(blocks)
    assert stats.kstest(sample, "norm").pvalue > 1e-4
    beyond = np.mean(np.abs(sample) > ziggurat.NOR_R)
    expected = 2 * stats.norm.sf(ziggurat.NOR_R)
    assert abs(beyond - expected) < 5 * math.sqrt(expected / sample.size)
    fourth = np.mean(sample**4)
    assert abs(fourth - 3.0) < 5 * math.sqrt(96 / sample.size)  # Var(z**4) = 105 - 9


def test_the_old_stream_stays_selectable_and_is_recorded(calibration):
    old = tjsim.simulate(draws=2_000, seed=3, stream="sfc64/2", calibration=calibration)
    new = tjsim.simulate(draws=2_000, seed=3, calibration=calibration)
    assert old.metadata["rng"] == "sfc64/2"
    assert new.metadata["rng"] == "sfc64/3"
    assert not np.array_equal(old.accumulator.met, new.accumulator.met)
    stored = tjsim.baseline().with_simulation(stream="sfc64/2")
    again = tjsim.simulate(stored, draws=2_000, seed=3, calibration=calibration)
    assert again.metadata["rng"] == "sfc64/2"
    np.testing.assert_array_equal(again.accumulator.met, old.accumulator.met)


def test_an_unknown_stream_is_a_clear_error(calibration):
    with pytest.raises(tjsim.ScenarioError, match=r"stream 'sfc64/1'.*one of sfc64/3, sfc64/2"):
        tjsim.simulate(draws=10, stream="sfc64/1", calibration=calibration)
