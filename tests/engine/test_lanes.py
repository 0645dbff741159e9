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
from tjsim.seeding import BLOCK_SIZE, as_seed_sequence, block_bit_generator

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


#: Any seed and block.
SEEDS = st.integers(0, 2**64 - 1)
BLOCKS = st.integers(0, 10**6)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, block=BLOCKS, n=st.integers(0, 150), d=st.integers(1, 6))
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
@given(seed=SEEDS, block=BLOCKS, n=st.integers(0, 700), d=st.integers(1, 40))
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


def test_the_generators_are_seeded_as_the_definition_says():
    """The spawn keys of the definition, written out: (TAG, block, part), TAG = b"sfc3"."""
    root = np.random.SeedSequence(99, spawn_key=(4,))
    states = generator_states(root, 6)
    for part in range(LANES + 3):
        seed = np.random.SeedSequence(99, spawn_key=(4, 0x73666333, 6, part))
        expected = np.random.SFC64(seed).state["state"]["state"]
        np.testing.assert_array_equal(states[:, part], expected)


def test_no_generator_is_also_a_block_of_a_seed_spawned_from_the_root():
    """A Generator passed as the seed spawns a child of its seed sequence, whose blocks
    (stream 2) and lanes (stream 3) must not repeat the parent's lanes."""
    parent = as_seed_sequence(7)
    child = as_seed_sequence(np.random.default_rng(7))
    ours = {tuple(column) for b in range(12) for column in generator_states(parent, b).T}
    theirs = {tuple(block_bit_generator(child, b).state["state"]["state"]) for b in range(12)}
    theirs |= {tuple(column) for b in range(12) for column in generator_states(child, b).T}
    assert len(ours) == 12 * (LANES + 3)
    assert not ours & theirs


@requires_numba
@pytest.mark.parametrize(("method", "draws"), [("mc", BLOCK_SIZE + 1_003), ("antithetic", 2_006)])
def test_the_kernels_agree_on_a_last_group_of_fewer_than_eight_draws(calibration, method, draws):
    runs = [
        tjsim.simulate(draws=draws, seed=31, method=method, kernel=kernel, calibration=calibration)
        for kernel in ("numpy", "numba")
    ]
    for name in ("met", "both", "count_met", "histogram"):
        np.testing.assert_array_equal(
            getattr(runs[0].accumulator, name), getattr(runs[1].accumulator, name), err_msg=name
        )


def test_the_chosen_stream_reaches_every_use_of_the_draws(calibration, tmp_path):
    """sfc64/2 chosen for a run is the stream of its common draws (sensitivities), of
    its report's "Reproduce this run" scenario, of a sweep and of a grid written out;
    settings pickled by tjsim 0.2 (no stream) read as sfc64/2."""
    import pickle

    from tjsim.analysis.common import common_draws_of
    from tjsim.report.html import reproducing_scenario
    from tjsim.scenario.grid import grid_from_mapping

    result = tjsim.simulate(draws=3_000, seed=3, stream="sfc64/2", calibration=calibration)
    common = common_draws_of(result, calibration)
    assert common.settings.stream == "sfc64/2"
    base = tjsim.sensitivities(result, calibration=calibration, drivers=["exports"])
    assert base.attrs["metadata"]["rng"] == "sfc64/2"
    assert reproducing_scenario(result).simulation.stream == "sfc64/2"
    swept = tjsim.sweep(
        None,
        {"drivers.exports.shift": [0.0, 1.0]},
        draws=3_000,
        seed=3,
        stream="sfc64/2",
        calibration=calibration,
    )
    assert swept.metadata["rng"] == "sfc64/2"
    grid = grid_from_mapping(
        {"axes": {"drivers.exports.shift": [0, 1]}, "simulation": {"stream": "sfc64/2"}}
    )
    assert grid_from_mapping(grid.to_mapping()).simulation.stream == "sfc64/2"
    settings = tjsim.simulate(draws=10, seed=3, calibration=calibration).settings
    assert pickle.loads(pickle.dumps(settings)).stream == "sfc64/3"
    state = settings.__getstate__()
    del state["stream"]  # as tjsim 0.2 pickled them
    old = object.__new__(type(settings))
    old.__setstate__(state)
    assert old.stream == "sfc64/2"
