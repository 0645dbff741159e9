"""Latent standard normals, block by block, for the three sampling methods.

``mc``
    Independent pseudo-random normals (PCG64), one generator per block.
``antithetic``
    The first half of each block is drawn, the second half is its negation; rows ``i``
    and ``i + n/2`` of a block form a pair, and errors are computed from pair means.
``sobol``
    Randomized quasi-Monte Carlo: ``scrambles`` independently scrambled Sobol sequences
    (``scipy.stats.qmc.Sobol``), mapped to normals by the inverse normal CDF; the error
    comes from the spread of the per-scramble estimates.

Blocks are the unit of reproducibility: block ``b`` always holds the same numbers, so
results do not depend on how blocks are grouped into chunks or shared among workers.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.stats import qmc

from .errors import ScenarioError
from .seeding import BLOCK_SIZE, block_generator

#: Independent scrambles of a Sobol run (the error estimate's degrees of freedom + 1).
SOBOL_SCRAMBLES = 16


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


class LatentSampler:
    """Fills ``(n, d)`` arrays of independent standard normals for given blocks."""

    def __init__(self, method: str, root: np.random.SeedSequence, dimension: int):
        self.method = method
        self.root = root
        self.dimension = dimension
        self._sobol: tuple[int, int, qmc.Sobol] | None = None  # (group, next point, engine)

    def fill(self, block: Block, out: np.ndarray) -> None:
        """Write block ``block``'s normals into ``out`` (shape ``(block.size, d)``)."""
        if self.method == "mc":
            block_generator(self.root, block.id).standard_normal(out=out)
        elif self.method == "antithetic":
            half = block.size // 2
            block_generator(self.root, block.id).standard_normal(out=out[:half])
            np.negative(out[:half], out=out[half:])
        else:
            out[:] = special.ndtri(self._sobol_points(block))

    def _sobol_points(self, block: Block) -> np.ndarray:
        cached = self._sobol
        if cached is None or cached[0] != block.group or cached[1] != block.start:
            engine = qmc.Sobol(
                self.dimension, scramble=True, seed=block_generator(self.root, block.group)
            )
            if block.start:
                engine.fast_forward(block.start)
        else:
            engine = cached[2]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            points = engine.random(block.size)
        self._sobol = (block.group, block.start + block.size, engine)
        # Points are multiples of 2**-30: centre them in their cell so that none is 0.
        points += 2.0**-31
        return points
