"""Run blocks in this process, on one or several threads.

Blocks are independent, so threads evaluate different chunks at once (numpy, BLAS and
the random generators release the GIL); each thread has its own kernel worker and
accumulator, merged exactly at the end, so the numbers do not depend on the number of
threads.
"""

from __future__ import annotations

import bisect
import itertools
import math
import queue
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from ...result.accumulator import Accumulator
from ...seeding import BLOCK_SIZE, Block, BlockPlan, LazySequence
from ..kernels import BlockKernel


class ChunkPlan(LazySequence[Sequence[Block]]):
    """Consecutive blocks of a :class:`~tjsim.seeding.BlockPlan` grouped into chunks of
    at most ``chunk_size`` draws (at least one block each), never spanning two Sobol
    scrambles; each chunk is computed when asked for, so the plan takes the same few
    bytes whatever the number of draws.

    Every block of a group holds :data:`~tjsim.seeding.BLOCK_SIZE` draws but its last,
    so a chunk holds ``per = max(chunk_size // BLOCK_SIZE, 1)`` whole blocks, and the
    group's shorter last block joins the chunk before it when that chunk has room for
    it (as filling chunks greedily in order would).
    """

    def __init__(self, blocks: BlockPlan, chunk_size: int):
        self.blocks = blocks
        self.chunk_size = int(chunk_size)
        self.per = max(self.chunk_size // BLOCK_SIZE, 1)
        shapes = [self._group_shape(g) for g in range(len(blocks.group_sizes))]
        #: Per group: (blocks, whole blocks, chunks of whole blocks, chunks).
        self.shapes = tuple(shapes)
        self.starts = tuple(itertools.accumulate((s[3] for s in shapes), initial=0))

    def _group_shape(self, group: int) -> tuple[int, int, int, int]:
        count = len(self.blocks.group_blocks(group))
        last = self.blocks.group_sizes[group] - (count - 1) * BLOCK_SIZE
        whole = count if last == BLOCK_SIZE else count - 1
        whole_chunks = math.ceil(whole / self.per)
        if whole == count:
            return count, whole, whole_chunks, whole_chunks
        in_last = whole - self.per * (whole_chunks - 1)
        joins = whole_chunks > 0 and in_last * BLOCK_SIZE + last <= self.chunk_size
        return count, whole, whole_chunks, whole_chunks + (not joins)

    def __len__(self) -> int:
        return self.starts[-1]

    def item(self, position: int) -> Sequence[Block]:
        group = bisect.bisect_right(self.starts, position) - 1
        k = position - self.starts[group]
        count, whole, whole_chunks, chunks = self.shapes[group]

        def first(k: int) -> int:
            return k * self.per if k < whole_chunks else whole

        end = first(k + 1) if k + 1 < chunks else count
        offset = self.blocks.group_starts[group]
        return self.blocks[offset + first(k) : offset + end]

    def __repr__(self) -> str:
        return f"ChunkPlan({self.blocks!r}, {self.chunk_size})"


def chunk_plan(blocks: BlockPlan, chunk_size: int) -> ChunkPlan:
    """The blocks of a run grouped into chunks of at most ``chunk_size`` draws (a
    :class:`ChunkPlan`, computed on demand)."""
    return ChunkPlan(blocks, chunk_size)


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
    starts = None
    if keep is not None:  # rows of each chunk (kept draws are few: a list is fine)
        starts = np.cumsum([keep_start] + [sum(b.size for b in c) for c in chunks])
    threads = max(1, min(int(threads), sum(1 for _ in _work_units(method, chunks))))

    def work(take, done) -> Accumulator:
        acc = kernel.new_accumulator()
        evaluate = kernel.worker(method, root, largest)
        while (unit := take()) is not None:
            for i in unit:
                row = 0 if starts is None else int(starts[i]) - keep_start
                for block in chunks[i]:
                    rows = None if keep is None else keep[row : row + block.size]
                    evaluate(block, acc, rows)
                    row += block.size
                done(sum(b.size for b in chunks[i]))
        return acc

    pending = _work_units(method, chunks)
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


def _work_units(method: str, chunks: Sequence[Sequence[Block]]) -> Iterator[range]:
    """Chunk indices a thread takes at once: one chunk, or for Sobol a whole scramble
    (its points are made in order)."""
    start = 0
    for i in range(1, len(chunks) + 1):
        if i == len(chunks) or method != "sobol" or chunks[i][0].group != chunks[start][0].group:
            yield range(start, i)
            start = i
