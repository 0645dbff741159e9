"""The unit of work of every backend, and the code that evaluates it wherever it runs.

A *job* is one or more *runs* (a simulation, or the points of a sweep) that share a
kernel name, a sampling method and a seed; each run has its own compiled model. A job
is cut into *tasks*: consecutive blocks of draws of one run. A task is evaluated by a
:class:`TaskRunner` (one per thread, process or Dask worker), which builds the run's
kernel from its model once (:func:`tjsim.engine.kernels.make_kernel`) and keeps it for
the run's next tasks, and returns a :class:`TaskOutput`: the task's accumulator (or a
summary of it) and the draws meeting each target in each of its blocks. A runner may
instead *hold* a run's accumulator across its tasks and hand it over when asked
(:meth:`TaskRunner.release`): a thread of the in-process backend does so with the last
task it takes of a run, a worker process when the pool asks, so that a run fills and
merges a few accumulators, not one per task.

Block ``b`` of a run always holds the same draws, and accumulators merge exactly in any
order, so a job gives the same numbers bit for bit whatever the backend, the number of
workers, the order in which tasks finish, or a task evaluated twice after a worker was
lost (its first result never arrived).
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ...model import CompiledModel
from ...result.accumulator import Accumulator
from ...seeding import BLOCK_SIZE, RNG, Block, LazySequence
from ..kernels import BlockKernel, make_kernel

#: A function applied to a task's accumulator where the task ran, to send back less
#: (a module-level function, so that it can be sent to worker processes).
Summary = Callable[[Accumulator], Any]

_JOB_IDS = itertools.count()


@dataclass(frozen=True)
class Task:
    """Consecutive blocks of draws of one run (never two Sobol scrambles)."""

    run: int
    blocks: tuple[Block, ...]

    @property
    def draws(self) -> int:
        return sum(block.size for block in self.blocks)


@dataclass
class TaskOutput:
    """What a task sends back.

    ``totals``
        the task's :class:`~tjsim.result.Accumulator`, or the job's summary of it;
        ``None`` while the runner holds the run's accumulator (:meth:`TaskRunner.evaluate`
        with ``hold=True``), which then arrives with a later task of the run;
    ``block_met``
        ``(blocks, T + 1)`` int64: draws of each of the task's blocks that meet each
        target (last column: all targets), for paired errors across runs.
    """

    totals: Any
    block_met: np.ndarray


@dataclass(eq=False)
class Job:
    """Runs that share a kernel, a sampling method and a seed, cut into tasks.

    Parameters
    ----------
    models
        ``models(run)`` compiles run ``run``'s model (called at most once per run while
        its tasks are pending; see :meth:`model`), or gives the question a run of
        common draws answers (:class:`tjsim.engine.common.Question`).
    tasks
        The tasks, in the order they should start (runs one after the other keeps
        few models alive).
    kernel, method, root
        The kernel's name, the sampling method and the root seed of every run.
    stream
        The random stream of every run (:data:`tjsim.seeding.STREAMS`).
    summary
        Applied to each task's accumulator where it ran (``None``: send it whole).
    keep
        ``(draws, m)`` array receiving a single run's indicator rows (in-process only).
    block_counts
        Whether :func:`merge_outputs` keeps each block's met counts (a sweep's paired
        errors need them; a single run does not).
    """

    models: Callable[[int], Any]
    tasks: Sequence[Task]
    kernel: str
    method: str
    root: np.random.SeedSequence
    summary: Summary | None = None
    keep: np.ndarray | None = None
    block_counts: bool = False
    stream: str = RNG
    id: int = field(default_factory=lambda: next(_JOB_IDS))

    def __post_init__(self) -> None:
        self._models: dict[int, Any] = {}
        self._pending: dict[int, int] = {}
        if isinstance(self.tasks, TaskPlan):  # counted without making the tasks
            self._pending = dict.fromkeys(range(self.tasks.runs), len(self.tasks.chunks))
        else:
            for task in self.tasks:
                self._pending[task.run] = self._pending.get(task.run, 0) + 1
        #: Run -> its number of tasks.
        self.counts = dict(self._pending)
        self._lock = threading.Lock()
        #: Block id -> its first row in ``keep`` (blocks in task order).
        self.rows: dict[int, int] = {}
        if self.keep is not None:
            starts = itertools.accumulate((b.size for t in self.tasks for b in t.blocks), initial=0)
            blocks = (b.id for t in self.tasks for b in t.blocks)
            self.rows = dict(zip(blocks, starts, strict=False))

    def model(self, run: int) -> Any:
        """Run ``run``'s model, compiled on first use and kept until its tasks are done."""
        with self._lock:
            model = self._models.get(run)
        if model is None:
            model = self.models(run)
            with self._lock:
                model = self._models.setdefault(run, model)
        return model

    def finished(self, task: Task) -> bool:
        """Record that ``task`` is done; whether it was its run's last (the run's model
        is then released)."""
        with self._lock:
            self._pending[task.run] -= 1
            last = self._pending[task.run] == 0
            if last:
                self._models.pop(task.run, None)
        return last


class Backend(Protocol):
    """Where a job's tasks run. Every backend yields each task's output once, in any
    order, and stops its work when the iterator is closed early (an error, Ctrl-C)."""

    name: str
    workers: int

    def run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        """Evaluate ``job``'s tasks, yielding ``(task, output)`` as they finish."""
        ...


class TaskPlan(LazySequence[Task]):
    """One task per chunk of blocks (a :class:`~tjsim.engine.backends.local.ChunkPlan`)
    for each of ``runs`` runs, run after run; each task is made when asked for, so the
    plan takes the same few bytes whatever the number of draws."""

    def __init__(self, runs: int, chunks: Sequence[Sequence[Block]]):
        self.runs = int(runs)
        self.chunks = chunks

    def __len__(self) -> int:
        return self.runs * len(self.chunks)

    def item(self, position: int) -> Task:
        run, chunk = divmod(position, len(self.chunks))
        return Task(run, tuple(self.chunks[chunk]))

    def __repr__(self) -> str:
        return f"TaskPlan({self.runs}, {self.chunks!r})"


def plan_tasks(runs: int, chunks: Sequence[Sequence[Block]]) -> TaskPlan:
    """The tasks of ``runs`` runs over the same chunks of blocks (a :class:`TaskPlan`)."""
    return TaskPlan(runs, chunks)


class TaskRunner:
    """Evaluates tasks in one thread (of this process, a worker process or a Dask
    worker), keeping the kernels and block evaluators of the last few runs."""

    def __init__(self, size: int = 4):
        self.size = size
        self._kernels: OrderedDict[Any, tuple[BlockKernel, Callable]] = OrderedDict()
        self._held: dict[Any, Any] = {}  # run key -> the accumulator held for it

    def has(self, key: Any) -> bool:
        return key in self._kernels

    def evaluate(
        self,
        key: Any,
        model: Any,
        kernel: str,
        method: str,
        root: np.random.SeedSequence,
        blocks: Sequence[Block],
        summary: Summary | None = None,
        keep: Callable[[Block], np.ndarray | None] | None = None,
        *,
        hold: bool = False,
        stream: str = RNG,
    ) -> TaskOutput:
        """Evaluate ``blocks`` of the run ``key`` (whose ``model`` may be omitted once
        this runner has seen it) into a fresh accumulator, or with ``hold=True`` into the
        one this runner holds for the run (sent back by :meth:`release`; the output's
        ``totals`` is then ``None``). ``model`` is a
        :class:`~tjsim.model.CompiledModel` (a simulation) or a question asked of common
        draws (:class:`tjsim.engine.common.Question`), whose evaluator returns estimates
        instead of an accumulator."""
        entry = self._kernels.get(key)
        if entry is None:
            if model is None:
                raise KeyError(f"no model for run {key!r} on this worker")
            built = (
                make_kernel(kernel, model)
                if isinstance(model, CompiledModel)
                else model.evaluator(kernel)  # a question asked of common draws
            )
            entry = (built, built.worker(method, root, BLOCK_SIZE, stream))
            self._kernels[key] = entry
            while len(self._kernels) > self.size:
                self._kernels.popitem(last=False)
        self._kernels.move_to_end(key)
        built, evaluate = entry
        acc = self._held.pop(key, None) if hold else None
        if acc is None:
            acc = built.new_accumulator()
        if not isinstance(acc, Accumulator):  # common draws' estimates: no met counts
            for block in blocks:
                evaluate(block, acc, None)
            met = np.empty((len(blocks), 0), dtype=np.int64)
        else:
            met = np.empty((len(blocks), acc.met.size), dtype=np.int64)
            for i, block in enumerate(blocks):
                before = acc.met.copy()
                evaluate(block, acc, None if keep is None else keep(block))
                np.subtract(acc.met, before, out=met[i])
        if hold:
            self._held[key] = acc
            return TaskOutput(None, met)
        return TaskOutput(_summarised(acc, summary), met)

    def release(self, key: Any, summary: Summary | None = None) -> Any:
        """The accumulator this runner holds for run ``key`` (or the job's summary of
        it), no longer held."""
        return _summarised(self._held.pop(key), summary)


def _summarised(acc: Any, summary: Summary | None) -> Any:
    """``acc``, or ``summary(acc)`` for a simulation's accumulator (common draws'
    estimates are sent whole)."""
    return acc if summary is None or not isinstance(acc, Accumulator) else summary(acc)


_LOCAL = threading.local()


def evaluate_task(
    key: Any,
    model: Any,
    kernel: str,
    method: str,
    root: np.random.SeedSequence,
    blocks: Sequence[Block],
    summary: Summary | None = None,
    *,
    stream: str = RNG,
) -> TaskOutput:
    """Evaluate a task with this thread's :class:`TaskRunner` (the function a Dask
    worker runs; the model arrives once per worker and stays there)."""
    runner = getattr(_LOCAL, "runner", None)
    if runner is None:
        runner = _LOCAL.runner = TaskRunner()
    return runner.evaluate(key, model, kernel, method, root, blocks, summary, stream=stream)


def merge_outputs(
    backend: Backend,
    job: Job,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[int, Any, dict[int, np.ndarray]]]:
    """Run ``job`` on ``backend`` and merge each run's task outputs exactly; yield
    ``(run, totals, block_met)`` as each run completes (``block_met`` maps block id to
    its met counts when ``job.block_counts``, else is empty). ``progress(draws, runs)``
    hears of every finished task."""
    totals: dict[int, Any] = {}
    met: dict[int, dict[int, np.ndarray]] = {}
    results = backend.run(job)
    try:
        for task, output in results:
            run = task.run
            if output.totals is not None:  # None: held by its runner, it comes with a later task
                if run in totals:
                    totals[run].merge(output.totals)
                else:
                    totals[run] = output.totals
            blocks = met.setdefault(run, {})
            if job.block_counts:
                blocks.update(zip((b.id for b in task.blocks), output.block_met, strict=True))
            last = job.finished(task)
            if progress is not None:
                progress(task.draws, int(last))
            if last:
                if run not in totals:
                    raise RuntimeError(f"run {run} finished without its totals ({backend.name})")
                yield run, totals.pop(run), met.pop(run)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()
