"""Run tasks in this process, on one or several threads.

Blocks are independent, so threads evaluate different tasks at once (numpy, BLAS and
the random generators release the GIL); each thread has its own
:class:`~tjsim.engine.backends.tasks.TaskRunner`, and the accumulators are merged
exactly, so the numbers do not depend on the number of threads.
"""

from __future__ import annotations

import bisect
import itertools
import math
import queue
import threading
from collections.abc import Callable, Iterator, Sequence

import numpy as np

from ...seeding import BLOCK_SIZE, Block, BlockPlan, LazySequence
from .tasks import Job, Task, TaskOutput, TaskRunner


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


class LocalBackend:
    """This process, ``threads`` threads (the default backend).

    The only backend that can keep every draw (``Job.keep``): the threads write into
    one array. Each thread evaluates the tasks it takes into one accumulator per run,
    handed over with the last task it takes of that run (it looks one task ahead), so a
    run fills and merges one accumulator per thread, whatever its number of tasks.
    """

    name = "local"
    workers = 1

    def __init__(self, threads: int = 1):
        self.threads = max(1, int(threads))

    def run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        """Evaluate ``job``'s tasks, yielding each output as it is ready."""
        threads = min(self.threads, len(job.tasks))
        pending = iter(job.tasks)
        if threads <= 1:
            yield from _outputs(job, lambda: next(pending, None))
            return
        lock = threading.Lock()
        stop = threading.Event()
        finished: queue.Queue = queue.Queue()

        def take() -> Task | None:
            with lock:
                return None if stop.is_set() else next(pending, None)

        def work() -> None:
            try:
                for item in _outputs(job, take):
                    finished.put(item)
            except BaseException as exc:  # re-raised in the calling thread
                finished.put(exc)
            finally:
                finished.put(None)

        pool = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
        for thread in pool:
            thread.start()
        try:
            running = threads
            while running:
                item = finished.get()
                if item is None:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            stop.set()
            for thread in pool:
                thread.join()


def _outputs(job: Job, take: Callable[[], Task | None]) -> Iterator[tuple[Task, TaskOutput]]:
    """Evaluate the tasks ``take()`` gives (until ``None``) with one
    :class:`~tjsim.engine.backends.tasks.TaskRunner`, holding each run's accumulator
    until the next task taken belongs to another run or there is none."""
    runner = TaskRunner()
    task = take()
    while task is not None:
        output = _evaluate(runner, job, task)
        following = take()
        if following is None or following.run != task.run:
            output.totals = runner.release((job.id, task.run), job.summary)
        yield task, output
        task = following


def _evaluate(runner: TaskRunner, job: Job, task: Task) -> TaskOutput:
    key = (job.id, task.run)
    model = None if runner.has(key) else job.model(task.run)
    keep = None
    if job.keep is not None:
        rows, starts = job.keep, job.rows

        def keep(block: Block) -> np.ndarray:
            return rows[starts[block.id] : starts[block.id] + block.size]

    return runner.evaluate(
        key,
        model,
        job.kernel,
        job.method,
        job.root,
        task.blocks,
        job.summary,
        keep,
        hold=True,
        stream=job.stream,
    )
