"""Run blocks in this process, on one or several threads.

Blocks are independent, so threads evaluate different chunks at once (numpy, BLAS and
the random generators release the GIL); each thread has its own kernel worker and
accumulator, merged exactly at the end, so the numbers do not depend on the number of
threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

import numpy as np

from ...result.accumulator import Accumulator
from ...seeding import Block
from ..kernels import BlockKernel


def chunk_plan(blocks: Sequence[Block], chunk_size: int) -> list[list[Block]]:
    """Group consecutive blocks into chunks of at most ``chunk_size`` draws (at least one
    block each); a chunk never spans two Sobol scrambles."""
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


def run_chunks(
    kernel: BlockKernel,
    method: str,
    root: np.random.SeedSequence,
    chunks: Sequence[Sequence[Block]],
    keep: np.ndarray | None = None,
    keep_start: int = 0,
    progress=None,
    threads: int = 1,
) -> Accumulator:
    """Simulate ``chunks`` and return their accumulator (``keep`` receives indicator rows
    from row ``keep_start`` on). ``threads`` threads evaluate different chunks at once
    (Sobol: different scrambles); the numbers do not depend on it."""
    largest = max((b.size for chunk in chunks for b in chunk), default=0)
    starts = np.cumsum([keep_start] + [sum(b.size for b in c) for c in chunks])
    # Work units: chunks, or for Sobol whole scrambles (its points are made in order).
    units: list[list[int]] = []
    for i, chunk in enumerate(chunks):
        if method == "sobol" and units and chunks[units[-1][-1]][0].group == chunk[0].group:
            units[-1].append(i)
        else:
            units.append([i])
    threads = max(1, min(int(threads), len(units)))

    def work(take, done) -> Accumulator:
        acc = kernel.new_accumulator()
        evaluate = kernel.worker(method, root, largest)
        while (unit := take()) is not None:
            for i in unit:
                row = int(starts[i]) - keep_start
                for block in chunks[i]:
                    rows = None if keep is None else keep[row : row + block.size]
                    evaluate(block, acc, rows)
                    row += block.size
                done(sum(b.size for b in chunks[i]))
        return acc

    pending = iter(units)
    if threads == 1:
        return work(lambda: next(pending, None), progress or (lambda n: None))
    lock = threading.Lock()
    finished: queue.Queue = queue.Queue()

    def take():
        with lock:
            return next(pending, None)

    results: list[Accumulator | BaseException | None] = [None] * threads

    def run(i: int) -> None:
        try:
            results[i] = work(take, finished.put)
        except BaseException as exc:  # re-raised in the calling thread
            results[i] = exc
        finally:
            finished.put(None)

    pool = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    running = threads
    while running:
        item = finished.get()
        if item is None:
            running -= 1
        elif progress is not None:
            progress(item)
    for thread in pool:
        thread.join()
    for item in results:
        if isinstance(item, BaseException):
            raise item
    acc = results[0]
    assert isinstance(acc, Accumulator)
    for other in results[1:]:
        assert isinstance(other, Accumulator)
        acc.merge(other)
    return acc
