"""Latent standard normals, block by block, for the three sampling methods.

``mc``
    Independent pseudo-random normals from the run's random stream
    (:data:`tjsim.seeding.STREAMS`): ``sfc64/3``, eight SFC64 lanes a block
    (:mod:`tjsim.engine.lanes`), or ``sfc64/2``, numpy's ziggurat on one SFC64
    generator a block.
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

import threading
import warnings
from collections.abc import Callable

import numpy as np
from scipy import special
from scipy.stats import qmc

from ..seeding import LANE_STREAM, RNG, Block, block_generator, check_stream
from .lanes import LaneStream

# ``warnings.catch_warnings`` changes process-wide state: one thread at a time.
_WARNINGS_LOCK = threading.Lock()


class LatentSampler:
    """Fills ``(n, d)`` arrays of independent standard normals for given blocks."""

    def __init__(
        self, method: str, root: np.random.SeedSequence, dimension: int, stream: str = RNG
    ):
        self.method = method
        self.root = root
        self.dimension = dimension
        self.random_stream = check_stream(stream)
        self._sobol: tuple[int, int, qmc.Sobol] | None = None  # (group, next point, engine)

    def fill(self, block: Block, out: np.ndarray) -> None:
        """Write block ``block``'s normals into ``out`` (shape ``(block.size, d)``)."""
        if self.method == "antithetic":
            half = block.size // 2
            self.stream(block)(out[:half])
            np.negative(out[:half], out=out[half:])
        else:
            self.stream(block)(out)

    def stream(self, block: Block) -> Callable[[np.ndarray], object]:
        """A function that writes block ``block``'s next rows of normals into its
        argument (``(rows, d)``, C-contiguous), in order: filling a block in pieces gives
        the same numbers as :meth:`fill`. For ``antithetic`` the stream is the first
        half of the block (the second half is its negation)."""
        if self.method in ("mc", "antithetic"):
            if self.random_stream == LANE_STREAM:
                return LaneStream(self.root, block.id, self.dimension).fill
            generator = block_generator(self.root, block.id)
            return lambda out: generator.standard_normal(out=out)
        engine = self._sobol_engine(block)
        end = block.start + block.size

        def fill(out: np.ndarray) -> None:
            n = len(out)
            if engine.num_generated + n > end:
                raise ValueError("more points than the block holds")
            if engine.num_generated == 0 and n & (n - 1):
                # scipy warns that a first draw of 2**k points balances best; the
                # scrambles are the sampling unit here, and their estimates are averaged.
                with _WARNINGS_LOCK, warnings.catch_warnings():
                    warnings.filterwarnings("ignore", message=".*balance properties.*")
                    points = engine.random(n)
            else:
                points = engine.random(n)
            # Points are multiples of 2**-30: centre them in their cell so that none is 0.
            points += 2.0**-31
            special.ndtri(points, out=out)
            self._sobol = (block.group, engine.num_generated, engine)

        return fill

    def _sobol_engine(self, block: Block) -> qmc.Sobol:
        cached = self._sobol
        if cached is not None and cached[0] == block.group and cached[1] == block.start:
            return cached[2]
        engine = qmc.Sobol(
            self.dimension, scramble=True, seed=block_generator(self.root, block.group)
        )
        if block.start:
            engine.fast_forward(block.start)
        self._sobol = (block.group, block.start, engine)
        return engine
