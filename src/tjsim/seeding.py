"""One place that turns a ``seed`` argument into random streams, and a run's draws
into blocks.

The random numbers of a simulation are cut into fixed-size *blocks* of draws
(:func:`plan_blocks`). Block ``b`` always draws from
``SeedSequence(entropy, spawn_key=(b,))``, whatever the chunk size or the number of
worker processes, so results do not depend on either.

The stream is versioned (:data:`RNG`, recorded in every result's metadata): version 2
draws each block's normals with numpy's ziggurat (``Generator.standard_normal``) on an
SFC64 bit generator, which the compiled kernel reproduces number for number; version 1
(tjsim 0.1) used PCG64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ScenarioError

SeedLike = None | int | np.random.SeedSequence | np.random.Generator

#: Draws per random-number block: the unit of reproducibility (fixed, part of the contract).
BLOCK_SIZE = 2**15
#: The random stream: bit generator and version (a new version changes the numbers of
#: every seed).
RNG = "sfc64/2"
#: Independent scrambles of a Sobol run (the error estimate's degrees of freedom + 1).
SOBOL_SCRAMBLES = 16


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Normalise ``seed`` (None, int, SeedSequence or Generator) to a SeedSequence.

    ``None`` takes fresh entropy from the OS; an int or a SeedSequence is used as is; a
    Generator contributes a SeedSequence spawned from its bit generator, so the caller's
    generator advances and two calls with one Generator give different streams.
    """
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed) if seed is None else seed
    if isinstance(seed, np.random.Generator):
        return seed.bit_generator.seed_seq.spawn(1)[0]
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be None, an int, a SeedSequence or a Generator, not {seed!r}")
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed}")
        return np.random.SeedSequence(int(seed))
    raise TypeError(
        f"seed must be None, an int, a SeedSequence or a Generator, not {type(seed).__name__}"
    )


def block_sequence(root: np.random.SeedSequence, block: int) -> np.random.SeedSequence:
    """The SeedSequence of block ``block``: ``root`` with ``block`` appended to its spawn key."""
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, block), pool_size=root.pool_size
    )


def block_bit_generator(root: np.random.SeedSequence, block: int) -> np.random.SFC64:
    """A fresh SFC64 bit generator for block ``block`` of the stream rooted at ``root``."""
    return np.random.SFC64(block_sequence(root, block))


def block_generator(root: np.random.SeedSequence, block: int) -> np.random.Generator:
    """A fresh Generator (SFC64) for block ``block`` of the stream rooted at ``root``."""
    return np.random.Generator(block_bit_generator(root, block))


def describe_seed(root: np.random.SeedSequence) -> int | str:
    """The seed as recorded in results: the entropy int (plus spawn key if any)."""
    if root.spawn_key:
        return f"{root.entropy}:{'/'.join(map(str, root.spawn_key))}"
    return int(root.entropy)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Block:
    """A block of draws: its id (orders merges), size, group (Sobol scramble) and position."""

    id: int
    size: int
    group: int = 0
    start: int = 0  # index of the block's first point within its group


def plan_blocks(method: str, draws: int) -> list[Block]:
    """The blocks of a run of ``draws`` draws."""
    if method == "antithetic" and draws % 2:
        raise ScenarioError(
            f"antithetic sampling needs an even number of draws, found {draws}", key="draws"
        )
    if method in ("mc", "antithetic"):
        return [
            Block(b, min(BLOCK_SIZE, draws - b * BLOCK_SIZE))
            for b in range(math.ceil(draws / BLOCK_SIZE))
        ]
    if method != "sobol":
        raise ScenarioError(
            f"method must be one of mc, antithetic, sobol, found {method!r}", key="method"
        )
    if draws < 2 * SOBOL_SCRAMBLES:
        raise ScenarioError(
            f"sobol sampling needs at least {2 * SOBOL_SCRAMBLES} draws ({SOBOL_SCRAMBLES} scrambles), found {draws}",
            key="draws",
        )
    per, extra = divmod(draws, SOBOL_SCRAMBLES)
    stride = math.ceil((per + 1) / BLOCK_SIZE)
    blocks = []
    for group in range(SOBOL_SCRAMBLES):
        size = per + (group < extra)
        for j in range(math.ceil(size / BLOCK_SIZE)):
            start = j * BLOCK_SIZE
            blocks.append(Block(group * stride + j, min(BLOCK_SIZE, size - start), group, start))
    return blocks
