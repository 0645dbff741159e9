"""Backends: where the tasks of a run or a sweep are evaluated.

``local``
    this process, on one or several threads (:mod:`tjsim.engine.backends.local`), the
    default;
``processes``
    a pool of worker processes on this machine that persists across runs
    (:mod:`tjsim.engine.backends.processes`);
``dask``
    a Dask distributed cluster through a ``distributed.Client``
    (:mod:`tjsim.engine.backends.dask_backend`, imported only when chosen).

Every backend evaluates the same tasks (:mod:`tjsim.engine.backends.tasks`: blocks of
draws of one run) with a kernel (:class:`tjsim.engine.kernels.BlockKernel`) and the
caller merges their accumulators exactly, so for a seed every backend and every number
of workers gives the same numbers bit for bit.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...errors import ScenarioError, unknown
from .local import LocalBackend, chunk_plan
from .processes import ProcessPool, shared_pool
from .tasks import Backend, Job, Task, TaskOutput, TaskRunner, merge_outputs, plan_tasks

#: Backends chosen by name.
BACKENDS = ("local", "processes", "dask")


def make_backend(backend: Any, *, workers: int | None, threads: int) -> Backend:
    """The backend that ``backend`` names.

    Parameters
    ----------
    backend
        ``None`` (``local``, or ``processes`` when ``workers > 1``), ``"local"``,
        ``"processes"``, ``"dask"`` (the ``distributed.Client`` of this process), a
        ``distributed.Client``, or an object with the :class:`Backend` interface.
    workers
        Worker processes of the ``processes`` backend (default: ``cpus``).
    threads
        Threads of the ``local`` backend.
    """
    if backend is None:
        backend = "processes" if workers is not None and workers > 1 else "local"
    if isinstance(backend, str):
        if backend == "local":
            return LocalBackend(threads)
        if backend == "processes":
            return shared_pool(workers if workers is not None else threads)
        if backend == "dask":
            return _dask().DaskBackend()
        raise ScenarioError(unknown("backend", backend, BACKENDS), key="backend")
    kind = type(backend)
    if kind.__module__.split(".")[0] == "distributed" and kind.__name__ == "Client":
        return _dask().DaskBackend(backend)
    if callable(getattr(backend, "run", None)) and hasattr(backend, "name"):
        return backend
    raise ScenarioError(
        f"backend must be one of {', '.join(BACKENDS)}, a distributed.Client or a backend "
        f"object, found {backend!r}",
        key="backend",
    )


def _dask() -> Any:
    return importlib.import_module(".dask_backend", __name__)


__all__ = [
    "BACKENDS",
    "Backend",
    "Job",
    "LocalBackend",
    "ProcessPool",
    "Task",
    "TaskOutput",
    "TaskRunner",
    "chunk_plan",
    "make_backend",
    "merge_outputs",
    "plan_tasks",
    "shared_pool",
]
