"""Run blocks in worker processes: the chunks are split into contiguous parts, one per
process, and the parts' accumulators merged exactly, so the numbers do not depend on
the number of workers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

from ...result.accumulator import Accumulator
from ...seeding import Block
from ..kernels import BlockKernel
from .local import run_chunks


def run_processes(
    kernel: BlockKernel,
    method: str,
    root: np.random.SeedSequence,
    chunks: Sequence[Sequence[Block]],
    *,
    workers: int,
    threads: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Accumulator:
    """Simulate ``chunks`` on ``workers`` processes of ``threads`` threads each."""
    parts = _split(chunks, workers)
    with ProcessPoolExecutor(len(parts), mp_context=get_context("spawn")) as pool:
        results = list(
            pool.map(
                _run_part, [(kernel, method, root, part, None, 0, None, threads) for part in parts]
            )
        )
    acc = results[0]
    for other in results[1:]:
        acc.merge(other)
    if progress is not None:
        progress(sum(b.size for chunk in chunks for b in chunk))
    return acc


def _run_part(args: tuple) -> Accumulator:
    return run_chunks(*args)


def _split(chunks: Sequence[Sequence[Block]], parts: int) -> list[Sequence[Sequence[Block]]]:
    """Contiguous, near-equal parts of ``chunks`` (views of a lazy plan stay lazy)."""
    size = math.ceil(len(chunks) / parts)
    return [chunks[i : i + size] for i in range(0, len(chunks), size)]
