"""The block and chunk plans are computed on demand: the same blocks and chunks as the
lists they replace, block for block, at a memory cost that does not grow with draws."""

from __future__ import annotations

import math
import pickle
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tjsim.engine import chunk_plan
from tjsim.errors import ScenarioError
from tjsim.limits import MAX_DRAWS
from tjsim.seeding import BLOCK_SIZE, SOBOL_SCRAMBLES, Block, plan_blocks


def reference_blocks(method: str, draws: int) -> list[Block]:
    """The block plan as a list, written out plainly (the plan before it became lazy)."""
    if method in ("mc", "antithetic"):
        return [
            Block(b, min(BLOCK_SIZE, draws - b * BLOCK_SIZE))
            for b in range(math.ceil(draws / BLOCK_SIZE))
        ]
    per, extra = divmod(draws, SOBOL_SCRAMBLES)
    stride = math.ceil((per + 1) / BLOCK_SIZE)
    blocks = []
    for group in range(SOBOL_SCRAMBLES):
        size = per + (group < extra)
        for j in range(math.ceil(size / BLOCK_SIZE)):
            start = j * BLOCK_SIZE
            blocks.append(Block(group * stride + j, min(BLOCK_SIZE, size - start), group, start))
    return blocks


def reference_chunks(blocks: list[Block], chunk_size: int) -> list[list[Block]]:
    """Consecutive blocks grouped greedily, never across a group (the chunk plan before
    it became lazy)."""
    chunks: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        if current and (size + block.size > chunk_size or block.group != current[0].group):
            chunks.append(current)
            current, size = [], 0
        current.append(block)
        size += block.size
    if current:
        chunks.append(current)
    return chunks


def _draws(method: str, draws: int) -> int:
    """``draws`` made valid for ``method``."""
    if method == "antithetic":
        return 2 * max(draws // 2, 1)
    if method == "sobol":
        return max(draws, 2 * SOBOL_SCRAMBLES)
    return draws


# Draws near multiples of the block size (and of 16 blocks) exercise every edge.
DRAWS = st.one_of(
    st.integers(1, 40 * BLOCK_SIZE),
    st.builds(
        lambda k, d: max(k * BLOCK_SIZE + d, 1),
        st.integers(0, 40),
        st.integers(-SOBOL_SCRAMBLES - 1, SOBOL_SCRAMBLES + 1),
    ),
    st.builds(
        lambda k, d: max(k * SOBOL_SCRAMBLES * BLOCK_SIZE + d, 1),
        st.integers(0, 3),
        st.integers(-SOBOL_SCRAMBLES - 1, SOBOL_SCRAMBLES + 1),
    ),
)
METHOD = st.sampled_from(["mc", "antithetic", "sobol"])
CHUNK = st.one_of(
    st.integers(1, 6 * BLOCK_SIZE),
    st.builds(lambda k, d: k * BLOCK_SIZE + d, st.integers(1, 6), st.integers(-3, 3)),
)


@settings(max_examples=150, deadline=None)
@given(METHOD, DRAWS)
def test_the_lazy_block_plan_equals_the_list(method, draws):
    draws = _draws(method, draws)
    plan = plan_blocks(method, draws)
    expected = reference_blocks(method, draws)
    assert len(plan) == len(expected)
    assert list(plan) == expected
    assert [plan[i] for i in range(-len(plan), 0)] == expected
    assert list(plan[1:-1:2]) == expected[1:-1:2]
    assert sum(b.size for b in plan) == draws


@settings(max_examples=150, deadline=None)
@given(METHOD, DRAWS, CHUNK)
def test_the_lazy_chunk_plan_equals_the_list(method, draws, chunk_size):
    draws = _draws(method, draws)
    chunks = chunk_plan(plan_blocks(method, draws), chunk_size)
    expected = reference_chunks(reference_blocks(method, draws), chunk_size)
    assert [list(chunk) for chunk in chunks] == expected
    assert [list(chunk) for chunk in chunks[::-1]] == expected[::-1]
    restored = pickle.loads(pickle.dumps(chunks[1:]))  # sent to worker processes
    assert [list(chunk) for chunk in restored] == expected[1:]


def test_plans_take_no_memory_at_the_largest_run():
    tracemalloc.start()
    try:
        for method in ("mc", "antithetic", "sobol"):
            plan = plan_blocks(method, MAX_DRAWS)
            chunks = chunk_plan(plan, 3 * BLOCK_SIZE + 5)
            assert sum(b.size for b in chunks[-1]) > 0
            assert plan[-1].size > 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**10
    assert len(plan_blocks("mc", MAX_DRAWS)) == math.ceil(MAX_DRAWS / BLOCK_SIZE)


@pytest.mark.parametrize(
    ("method", "draws", "words"),
    [
        ("mc", 0, "between 1 and"),
        ("mc", MAX_DRAWS + 1, "between 1 and 10,000,000,000"),
        ("mc", 10**30, "between 1 and"),
        ("mc", 2.5, "whole number"),
        ("mc", True, "whole number"),
        ("antithetic", 11, "even"),
        ("sobol", 31, "at least 32"),
        ("quasi", 100, "method must be one of"),
    ],
)
def test_plans_refuse_runs_they_cannot_make(method, draws, words):
    with pytest.raises(ScenarioError, match=words):
        plan_blocks(method, draws)
