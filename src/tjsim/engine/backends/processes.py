"""Run tasks in a pool of worker processes that persist across runs.

Starting a process that imports numpy, scipy and tjsim costs about a second, so the
pool's processes are started once and reused by every later simulation and sweep
(:func:`shared_pool`). Each worker keeps the kernels of the runs it has seen
(:class:`~tjsim.engine.backends.tasks.TaskRunner`) and the pool remembers which, so a
run's compiled model is sent to a worker once, with its first task there; later tasks
carry only their blocks.

A worker evaluates consecutive tasks of a run into one accumulator that it holds, and
sends it back when the pool asks (before a task of another run, after
:data:`HELD_TASKS` tasks, or when no task is left): an accumulator, with its quantile
histograms, is several megabytes to pickle, send and merge. The pool yields a task's
output only once the accumulator holding it has arrived.

A worker that dies (killed, out of memory) is replaced and its unfinished tasks, and
the tasks whose accumulator it held, are sent again, each at most :data:`RETRIES`
times; since a block always holds the same draws, the numbers do not change. Workers
ignore Ctrl-C: the calling process stops the job and replaces the workers that were
busy or held an accumulator, so an interrupted job leaves nothing running.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import re
import signal
import sys
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from types import FrameType
from typing import Any

from ...errors import TjsimError
from .tasks import Job, Task, TaskOutput, TaskRunner

#: Times a task is sent again after the worker evaluating it died.
RETRIES = 3
#: Tasks sent to a worker ahead of time, so that it never waits for the next one.
DEPTH = 2
#: Runs whose kernels a worker keeps (and the pool remembers).
KEPT_RUNS = 4
#: Blocks per task by default (the unit of progress reports and of the work lost when a
#: worker dies).
BLOCKS_PER_TASK = 4
#: Tasks a worker evaluates into the accumulator it holds before sending it back:
#: sending one (a simulation's is about 9 MB with its quantile histograms, 10-20 ms to
#: pickle, send and merge) then costs a few percent of the tasks' time, and a lost
#: worker loses at most this many tasks' work beyond the :data:`DEPTH` in flight.
HELD_TASKS = 8


class WorkerLost(RuntimeError):
    """A task's worker process died more than :data:`RETRIES` times."""


def _serve(connection: Connection) -> None:
    """A worker process: evaluate the tasks that arrive, holding each run's accumulator
    until asked for it, until told to stop.

    Messages: ``("task", ident, (args, stream))`` (the positional arguments of
    :meth:`~tjsim.engine.backends.tasks.TaskRunner.evaluate` and its random stream,
    evaluated with ``hold=True``), answered by ``("task", ident, output, error)``; ``("release", key,
    summary)``, answered by ``("release", key, totals, error)``; ``None`` to stop.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    runner = TaskRunner(KEPT_RUNS)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, ident, args = message
        reply: tuple[str, Any, Any, BaseException | None]
        try:
            if kind == "task":
                positional, stream = args
                reply = (kind, ident, runner.evaluate(*positional, hold=True, stream=stream), None)
            else:
                reply = (kind, ident, runner.release(ident, args), None)
        except BaseException as exc:
            reply = (kind, ident, None, _sendable(exc))
        connection.send(reply)


def _sendable(exc: BaseException) -> BaseException:
    """``exc``, or a RuntimeError with its text when it cannot be pickled."""
    import pickle

    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


@dataclass(eq=False)
class _Worker:
    process: Any
    connection: Connection
    runs: OrderedDict = field(default_factory=OrderedDict)  # the runner's kernels, mirrored
    busy: deque = field(default_factory=deque)  # task numbers in flight, in order
    #: Tasks evaluated into the accumulator the worker holds (or is sending back), with
    #: their outputs, in order.
    held: list = field(default_factory=list)
    holding: Any = None  # the run key of the accumulator held, while tasks can join it
    joined: int = 0  # tasks sent to join it
    releases: int = 0  # requests for an accumulator in flight

    def send(self, ident: int, job: Job, task: Task) -> None:
        key = (job.id, task.run)
        if self.holding is not None and (self.holding != key or self.joined >= HELD_TASKS):
            self.release(job)
        model = None if key in self.runs else job.model(task.run)
        self.runs[key] = True
        self.runs.move_to_end(key)
        while len(self.runs) > KEPT_RUNS:
            self.runs.popitem(last=False)
        args = (key, model, job.kernel, job.method, job.root, task.blocks, job.summary)
        self.connection.send(("task", ident, (args, job.stream)))
        self.busy.append(ident)
        self.holding = key
        self.joined += 1

    def release(self, job: Job) -> None:
        """Ask for the accumulator held (it arrives after the tasks sent before)."""
        self.connection.send(("release", self.holding, job.summary))
        self.holding, self.joined = None, 0
        self.releases += 1

    @property
    def waiting(self) -> bool:
        """Whether a reply is still to come."""
        return bool(self.busy) or self.releases > 0


class ProcessPool:
    """``workers`` persistent worker processes on this machine (one thread each)."""

    name = "processes"
    blocks_per_task = BLOCKS_PER_TASK

    def __init__(self, workers: int):
        self.workers = max(1, int(workers))
        self._context = get_context("spawn")
        self._pool: list[_Worker | None] = [None] * self.workers
        self._lock = threading.Lock()  # one job at a time

    # ------------------------------------------------------------ workers
    def _start(self, slot: int) -> _Worker:
        mine, theirs = self._context.Pipe()
        process = self._context.Process(target=_serve, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        worker = _Worker(process, mine)
        self._pool[slot] = worker
        return worker

    def _worker(self, slot: int) -> _Worker:
        worker = self._pool[slot]
        if worker is None or not worker.process.is_alive():
            worker = self._start(slot)
        return worker

    def _stop(self, slot: int) -> None:
        worker = self._pool[slot]
        self._pool[slot] = None
        if worker is None:
            return
        worker.process.terminate()
        worker.process.join(5)
        worker.connection.close()

    def pids(self) -> list[int]:
        """Process ids of the running workers (starting any that are not)."""
        return [self._worker(slot).process.pid for slot in range(self.workers)]

    def close(self) -> None:
        """Stop every worker."""
        for slot in range(self.workers):
            worker = self._pool[slot]
            if worker is not None and worker.process.is_alive():
                try:
                    worker.connection.send(None)
                except OSError:
                    pass
                worker.process.join(2)
            self._stop(slot)

    # ------------------------------------------------------------ jobs
    def run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        """Evaluate ``job``'s tasks, yielding each output as it arrives."""
        with self._lock:
            yield from self._run(job)

    def _run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        tasks = list(job.tasks)
        queued = deque(range(len(tasks)))
        failures = [0] * len(tasks)
        workers = [self._worker(slot) for slot in range(self.workers)]
        left = len(tasks)
        clean = False
        try:
            while left:
                for slot, worker in enumerate(workers):
                    try:
                        while queued and len(worker.busy) < DEPTH:
                            worker.send(queued[0], job, tasks[queued[0]])
                            queued.popleft()
                        if not queued and worker.holding is not None:
                            worker.release(job)
                    except OSError:  # it died since it was last heard from
                        workers[slot] = self._replace(slot, worker, queued, failures)
                waiting = [w for w in workers if w.waiting]
                ready = wait(
                    [w.connection for w in waiting] + [w.process.sentinel for w in waiting]
                )
                for slot, worker in enumerate(workers):
                    if worker.connection in ready:
                        try:
                            kind, ident, output, error = worker.connection.recv()
                        except (EOFError, OSError):
                            workers[slot] = self._replace(slot, worker, queued, failures)
                            continue
                        if error is not None:
                            raise error
                        if kind == "task":
                            worker.busy.remove(ident)
                            worker.held.append((ident, output))
                            continue
                        worker.releases -= 1
                        held, worker.held = worker.held, []
                        held[-1][1].totals = output
                        left -= len(held)
                        for number, task_output in held:
                            yield tasks[number], task_output
                    elif worker.process.sentinel in ready:
                        workers[slot] = self._replace(slot, worker, queued, failures)
            clean = True
        finally:
            if not clean:  # an error or Ctrl-C: stop what is still running or held
                for slot, worker in enumerate(workers):
                    if worker.waiting or worker.held or worker.holding is not None:
                        self._stop(slot)

    def _replace(self, slot: int, worker: _Worker, queued: deque, failures: list[int]) -> _Worker:
        """Start a new worker in place of the dead ``worker``; its tasks, those it was
        evaluating and those whose accumulator it held, go back first in the queue."""
        self._stop(slot)
        lost = [ident for ident, _ in worker.held] + list(worker.busy)
        for ident in reversed(lost):
            failures[ident] += 1
            if failures[ident] > RETRIES:
                raise WorkerLost(
                    f"a worker process died {failures[ident]} times while evaluating the "
                    "same task or sending back its results (exit code "
                    f"{worker.process.exitcode}). Worker processes import the main script: "
                    "put a script's code under 'if __name__ == \"__main__\":'; otherwise, "
                    "is memory short?"
                )
            queued.appendleft(ident)
        return self._start(slot)


_SHARED: dict[str, ProcessPool] = {}


#: What to do when a script starts worker processes without the main-module guard.
GUARD_ADVICE = (
    "worker processes import the script that started them, so its code would run again "
    "in each of them: put the script's code under 'if __name__ == \"__main__\":' "
    "(docs/sweeps.md, Running from a script)"
)


def check_main_guard() -> None:
    """Refuse to start worker processes from a script's unguarded top level.

    A spawned worker imports the main script; a call at its top level would start
    workers again in every worker (Python then fails each of them with a long
    traceback). Two cases are caught with one clear message: this process is itself a
    worker importing the script, or the call is made from the top level of a script
    whose source has no ``if __name__ == "__main__":`` guard.

    Raises
    ------
    TjsimError
        With :data:`GUARD_ADVICE`.
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise TjsimError(GUARD_ADVICE, key="workers")
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or not os.path.isfile(path):
        return  # an interactive session or a notebook: nothing is re-imported
    if os.path.basename(path) == "__main__.py":
        return  # `python -m package`: workers do not re-run a package's __main__.py
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_globals is vars(main) and frame.f_code.co_name == "<module>":
            break
        frame = frame.f_back
    else:
        return  # not called from the script's top level
    try:
        with open(path, encoding="utf-8", errors="replace") as script:
            source = script.read()
    except OSError:
        return
    if not re.search(r"""if\s+__name__\s*==\s*['"]__main__['"]""", source):
        raise TjsimError(GUARD_ADVICE, key="workers")


def shared_pool(workers: int) -> ProcessPool:
    """The process pool of ``workers`` workers that this process keeps for every
    simulation and sweep (a pool of another size is closed first)."""
    check_main_guard()
    pool = _SHARED.get("pool")
    if pool is None or pool.workers != workers:
        if pool is not None:
            pool.close()
        pool = _SHARED["pool"] = ProcessPool(workers)
    return pool


@atexit.register
def _close_shared() -> None:
    pool = _SHARED.pop("pool", None)
    if pool is not None:
        pool.close()
