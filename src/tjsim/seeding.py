"""One place that turns a ``seed`` argument into random streams, and a run's draws
into blocks.

The random numbers of a simulation are cut into fixed-size *blocks* of draws
(:func:`plan_blocks`). Block ``b`` always draws from the same generators, seeded from
``SeedSequence(entropy, spawn_key=...)`` with ``b`` in the key (:func:`block_sequence`,
:func:`stream_sequence`), whatever the chunk size or the number of worker processes, so
results do not depend on either. The plan is computed block by
block when asked for, so it takes no memory to speak of at any number of draws.

The stream is versioned (:data:`STREAMS`; the run's is recorded in every result's
metadata as ``rng``). Version 3, the default (:data:`RNG`), draws each block's normals
from eight SFC64 generators side by side, whose rejected ziggurat tries are completed
from three more (:mod:`tjsim.engine.lanes`), so that the compiled kernel draws eight
normals at a time; version 2 (tjsim 0.2) draws them with numpy's ziggurat
(``Generator.standard_normal``) on one SFC64 generator a block, and stays selectable
(``stream="sfc64/2"``) to reproduce its numbers; version 1 (tjsim 0.1) used PCG64. The
compiled kernel and numpy draw the same numbers in both.
"""

from __future__ import annotations

import bisect
import itertools
import math
import secrets
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast, overload

import numpy as np

from .errors import ScenarioError, unknown_of
from .limits import MAX_DRAWS

T = TypeVar("T")

SeedLike = None | int | np.random.SeedSequence | np.random.Generator

#: Seeds given are below this: 128 bits (a SeedSequence's entropy), and few enough
#: digits (39) to print.
MAX_SEED = 2**128
#: Fresh seeds are drawn below this: 63 bits of OS entropy, at most 19 digits to
#: print, and passing the printed seed back reproduces the run.
FRESH_SEED_BOUND = 2**63
#: Draws per random-number block: the unit of reproducibility (fixed, part of the contract).
BLOCK_SIZE = 2**15
#: Seed of the runs that must be reproducible when neither the caller nor the scenario
#: names one (``tjsim compare``, the explorer, whose updates must share their draws).
FIXED_SEED = 2024
#: Stream 3's name (eight SFC64 lanes a block) and stream 2's (one generator a block).
LANE_STREAM = "sfc64/3"
ONE_GENERATOR_STREAM = "sfc64/2"
#: The random streams a run can draw from, by name (bit generator and version; a new
#: version changes the numbers of every seed).
STREAMS = {
    LANE_STREAM: "eight SFC64 lanes a block, rejected tries completed from three more",
    ONE_GENERATOR_STREAM: "numpy's standard_normal on one SFC64 generator a block (tjsim 0.2)",
}
#: The stream of a run that names none.
RNG = LANE_STREAM
#: First word of the spawn keys of stream 3's generators (``b"sfc3"`` as an integer: no
#: count of spawned seeds reaches it).
STREAM3_TAG = 0x73666333
#: Independent scrambles of a Sobol run (the error estimate's degrees of freedom + 1).
SOBOL_SCRAMBLES = 16
#: The sampling methods (:mod:`tjsim.engine.sampling`).
METHODS = ("mc", "antithetic", "sobol")


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Normalise ``seed`` (None, int, SeedSequence or Generator) to a SeedSequence.

    ``None`` takes fresh entropy from the OS, as a random integer below
    :data:`FRESH_SEED_BOUND` (short enough to print and copy: passing it back as the
    seed reproduces the run); an int or a SeedSequence is used as is; a
    Generator contributes a SeedSequence spawned from its bit generator, so the caller's
    generator advances and two calls with one Generator give different streams.
    """
    if seed is None:
        return np.random.SeedSequence(secrets.randbelow(FRESH_SEED_BOUND))
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        # Typed as the ISeedSequence interface; a Generator built from a seed or a
        # SeedSequence holds a SeedSequence, which can spawn.
        return cast(np.random.SeedSequence, seed.bit_generator.seed_seq).spawn(1)[0]
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be None, an int, a SeedSequence or a Generator, not {seed!r}")
    if isinstance(seed, (int, np.integer)):
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, not {seed}")
        if seed >= MAX_SEED:
            raise ValueError(
                f"seed must be below 2**128 (the entropy of a fresh seed), not an integer "
                f"of {int(seed).bit_length()} bits"
            )
        return np.random.SeedSequence(int(seed))
    raise TypeError(
        f"seed must be None, an int, a SeedSequence or a Generator, not {type(seed).__name__}"
    )


def block_sequence(root: np.random.SeedSequence, block: int) -> np.random.SeedSequence:
    """The SeedSequence of block ``block``: ``root`` with ``block`` appended to its spawn key."""
    return np.random.SeedSequence(
        root.entropy, spawn_key=(*root.spawn_key, block), pool_size=root.pool_size
    )


def stream_sequence(root: np.random.SeedSequence, block: int, part: int) -> np.random.SeedSequence:
    """The SeedSequence of generator ``part`` of block ``block`` in stream ``sfc64/3``:
    ``root`` with ``(STREAM3_TAG, block, part)`` appended to its spawn key. The tag keeps
    these apart from the blocks of a seed spawned from ``root`` (a Generator passed as
    the seed spawns children ``(*key, c)``, whose block ``b`` is ``(*key, c, b)``)."""
    return np.random.SeedSequence(
        root.entropy,
        spawn_key=(*root.spawn_key, STREAM3_TAG, block, part),
        pool_size=root.pool_size,
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


def whole_draws(draws: Any) -> Any:
    """``draws`` as an ``int`` when it is a finite float with a whole value (``1e5`` is
    100000, ``1.5e5`` is 150000), else unchanged, so that :func:`check_draws` refuses
    ``1.5`` with its own message."""
    if isinstance(draws, (float, np.floating)) and math.isfinite(draws) and draws == int(draws):
        return int(draws)
    return draws


def check_stream(stream: object) -> str:
    """``stream`` if it names one of :data:`STREAMS`, else a
    :class:`~tjsim.errors.ScenarioError` that lists them (and suggests the closest)."""
    if not isinstance(stream, str):
        raise ScenarioError(
            f"stream must be one of {', '.join(STREAMS)}, found {stream!r}", key="stream"
        )
    if stream not in STREAMS:
        raise ScenarioError(unknown_of("stream", stream, STREAMS), key="stream")
    return stream


def check_draws(method: str, draws: int) -> None:
    """Raise :class:`~tjsim.errors.ScenarioError` unless a run of ``draws`` draws with
    ``method`` can be planned: a whole number from 1 to :data:`~tjsim.limits.MAX_DRAWS`,
    even for ``antithetic``, at least two per scramble for ``sobol``."""
    if method not in METHODS:
        raise ScenarioError(
            f"method must be one of {', '.join(METHODS)}, found {method!r}", key="method"
        )
    if isinstance(draws, (bool, np.bool_)) or not isinstance(draws, (int, np.integer)):
        raise ScenarioError(f"draws must be a whole number, found {draws!r}", key="draws")
    if not 1 <= draws <= MAX_DRAWS:
        raise ScenarioError(
            f"draws must lie between 1 and {MAX_DRAWS:,} (the most one run may ask for), "
            f"found {int(draws):,}",
            key="draws",
        )
    if method == "antithetic" and draws % 2:
        raise ScenarioError(
            f"antithetic sampling needs an even number of draws, found {int(draws):,}",
            key="draws",
        )
    if method == "sobol" and draws < 2 * SOBOL_SCRAMBLES:
        raise ScenarioError(
            f"sobol sampling needs at least {2 * SOBOL_SCRAMBLES} draws "
            f"({SOBOL_SCRAMBLES} scrambles), found {int(draws):,}",
            key="draws",
        )


class LazySequence(Sequence[T]):
    """A sequence whose items are computed when asked for (:meth:`item`); a slice is a
    :class:`Slice`, a view that copies nothing."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def item(self, position: int) -> T:
        """The item at ``position`` (``0 <= position < len(self)``)."""

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Slice[T]: ...
    def __getitem__(self, index: int | slice) -> T | Slice[T]:
        positions = range(len(self))
        if isinstance(index, slice):
            return Slice(self, positions[index])
        return self.item(positions[index])  # negative indices; IndexError when outside


class Slice(LazySequence[T]):
    """The items ``indices`` of a sequence, looked up when asked for."""

    def __init__(self, items: Sequence[T], indices: range):
        self.items = items
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def item(self, position: int) -> T:
        return self.items[self.indices[position]]

    def __repr__(self) -> str:
        return f"Slice({self.items!r}, {self.indices!r})"


class BlockPlan(LazySequence[Block]):
    """The blocks of a run of ``draws`` draws, each computed when asked for: the plan
    takes the same few bytes whatever the number of draws.

    ``mc`` and ``antithetic``
        block ``b`` holds draws ``b * BLOCK_SIZE`` up to the next block (the last one
        may be shorter); its id is ``b``.
    ``sobol``
        the draws are cut into :data:`SOBOL_SCRAMBLES` groups (scrambles) of ``per``
        or ``per + 1`` points (the first ``draws % SOBOL_SCRAMBLES`` groups have one
        more), each cut into blocks; block ``j`` of group ``g`` starts at point
        ``j * BLOCK_SIZE`` of its scramble and has id ``g * stride + j`` with
        ``stride = ceil((per + 1) / BLOCK_SIZE)``, so ids never collide.

    Raises
    ------
    ScenarioError
        If ``draws`` does not suit ``method`` (:func:`check_draws`).
    """

    def __init__(self, method: str, draws: int):
        check_draws(method, draws)
        self.method = method
        self.draws = int(draws)
        if method == "sobol":
            per, extra = divmod(self.draws, SOBOL_SCRAMBLES)
            self.group_sizes = tuple(per + (g < extra) for g in range(SOBOL_SCRAMBLES))
            self.stride = math.ceil((per + 1) / BLOCK_SIZE)
        else:
            self.group_sizes = (self.draws,)
            self.stride = 0
        counts = [math.ceil(size / BLOCK_SIZE) for size in self.group_sizes]
        #: Index of each group's first block, and (last) the number of blocks.
        self.group_starts = tuple(itertools.accumulate(counts, initial=0))

    def __len__(self) -> int:
        return self.group_starts[-1]

    def item(self, position: int) -> Block:
        group = bisect.bisect_right(self.group_starts, position) - 1
        j = position - self.group_starts[group]
        start = j * BLOCK_SIZE
        size = min(BLOCK_SIZE, self.group_sizes[group] - start)
        if self.method != "sobol":
            return Block(j, size)
        return Block(group * self.stride + j, size, group, start)

    def group_blocks(self, group: int) -> range:
        """Indices of the blocks of group ``group`` (Sobol scramble; ``0`` otherwise)."""
        return range(self.group_starts[group], self.group_starts[group + 1])

    def __repr__(self) -> str:
        return f"BlockPlan({self.method!r}, {self.draws})"


def plan_blocks(method: str, draws: int) -> BlockPlan:
    """The blocks of a run of ``draws`` draws (a :class:`BlockPlan`, computed on demand)."""
    return BlockPlan(method, draws)
