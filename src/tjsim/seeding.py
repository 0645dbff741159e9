"""One place that turns a ``seed`` argument into random streams.

The random numbers of a simulation are cut into fixed-size *blocks* of draws. Block
``b`` always draws from ``SeedSequence(entropy, spawn_key=(b,))``, whatever the chunk
size or the number of worker processes, so results do not depend on either.
"""

from __future__ import annotations

import numpy as np

SeedLike = None | int | np.random.SeedSequence | np.random.Generator

#: Draws per random-number block: the unit of reproducibility (fixed, part of the contract).
BLOCK_SIZE = 2**15


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


def block_generator(root: np.random.SeedSequence, block: int) -> np.random.Generator:
    """A fresh PCG64 Generator for block ``block`` of the stream rooted at ``root``."""
    return np.random.Generator(np.random.PCG64(block_sequence(root, block)))


def describe_seed(root: np.random.SeedSequence) -> int | str:
    """The seed as recorded in results: the entropy int (plus spawn key if any)."""
    if root.spawn_key:
        return f"{root.entropy}:{'/'.join(map(str, root.spawn_key))}"
    return int(root.entropy)  # type: ignore[arg-type]
