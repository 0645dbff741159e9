"""Run tasks in this process, on one or several threads.

Blocks are independent, so threads evaluate different tasks at once (numpy, BLAS and
the random generators release the GIL); each thread has its own
:class:`~tjsim.engine.backends.tasks.TaskRunner`, and the accumulators are merged
exactly, so the numbers do not depend on the number of threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence

import numpy as np

from ...seeding import Block
from .tasks import Job, Task, TaskOutput, TaskRunner


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


class LocalBackend:
    """This process, ``threads`` threads (the default backend).

    The only backend that can keep every draw (``Job.keep``): the threads write into
    one array.
    """

    name = "local"
    workers = 1

    def __init__(self, threads: int = 1):
        self.threads = max(1, int(threads))

    def run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        """Evaluate ``job``'s tasks, yielding each output as it is ready."""
        tasks = list(job.tasks)
        threads = min(self.threads, len(tasks))
        if threads <= 1:
            runner = TaskRunner()
            for task in tasks:
                yield task, _evaluate(runner, job, task)
            return
        pending = iter(tasks)
        lock = threading.Lock()
        stop = threading.Event()
        finished: queue.Queue = queue.Queue()

        def work() -> None:
            runner = TaskRunner()
            try:
                while not stop.is_set():
                    with lock:
                        task = next(pending, None)
                    if task is None:
                        break
                    finished.put((task, _evaluate(runner, job, task)))
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


def _evaluate(runner: TaskRunner, job: Job, task: Task) -> TaskOutput:
    key = (job.id, task.run)
    model = None if runner.has(key) else job.model(task.run)
    keep = None
    if job.keep is not None:
        rows, starts = job.keep, job.rows

        def keep(block: Block) -> np.ndarray:
            return rows[starts[block.id] : starts[block.id] + block.size]

    return runner.evaluate(
        key, model, job.kernel, job.method, job.root, task.blocks, job.summary, keep
    )
