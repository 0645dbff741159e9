"""Run tasks on a Dask distributed cluster (``pip install "tjsim[dask]"``).

Imported only when the Dask backend is chosen. Each run's compiled model becomes one
small Dask task of its own (``tjsim-model-...``); the tasks of the run depend on it, so
Dask copies the model to a worker once, when that worker first needs it, and can
recompute it if the worker holding it is lost. A task is a few blocks of draws of one
run (:data:`BLOCKS_PER_TASK`, chosen from Dask's measured per-task overhead, see
``benchmarks/README.md``); at most a few tasks per worker thread are submitted at
once, so a sweep of thousands of points keeps few models alive.

Dask reschedules the tasks of a worker that dies; a task evaluated again gives the
same numbers (block ``b`` always holds the same draws), and the result of a task is
counted once. Closing the iterator early (an error, Ctrl-C) cancels what is pending.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
from collections.abc import Iterator
from typing import Any

from ...errors import TjsimError
from .tasks import Job, Task, TaskOutput, evaluate_task

#: Blocks of 32,768 draws per Dask task: enough that Dask's overhead per task is a
#: small share of a task's time (measured by ``benchmarks/sweep_scaling.py``; the
#: figures are in ``benchmarks/README.md``), few enough that a point of a million draws
#: still makes eight tasks to spread over workers.
BLOCKS_PER_TASK = 4
#: Seconds to wait for a scheduler to answer before giving up (a service that is not a
#: Dask scheduler may accept the connection and never answer its handshake).
CONNECT_TIMEOUT = 10.0
#: Tasks submitted ahead per worker thread.
TASKS_PER_THREAD = 4

INSTALL_HINT = 'the Dask backend needs dask and distributed: pip install "tjsim[dask]"'


def import_distributed() -> Any:
    """The ``distributed`` module, or a clear error saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise TjsimError(INSTALL_HINT, key="backend") from None
    return distributed


def _probe_scheduler(address: str) -> None:
    """Connect to ``address`` and complete Dask's handshake within
    :data:`CONNECT_TIMEOUT` seconds, or raise ``TimeoutError`` (an ``OSError``).

    ``distributed.Client``'s own timeout covers the connection but not a peer that
    accepts it and then says nothing; the probe runs in a thread of its own, so that it
    works where an event loop is already running (a notebook).
    """
    from distributed.comm import connect

    async def handshake() -> None:
        comm = await connect(address, timeout=CONNECT_TIMEOUT)
        await comm.close()

    def probe() -> None:
        asyncio.run(asyncio.wait_for(handshake(), CONNECT_TIMEOUT))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        try:
            pool.submit(probe).result()
        except asyncio.TimeoutError:
            raise TimeoutError(
                f"no answer from a Dask scheduler within {CONNECT_TIMEOUT:g} s"
            ) from None


def _held(value: Any) -> Any:
    """A task that returns its argument: a run's model, kept by the worker that needs it."""
    return value


class DaskBackend:
    """A Dask distributed cluster, through a ``distributed.Client``.

    Parameters
    ----------
    client
        A connected ``distributed.Client``; default: the client of this process
        (``distributed.get_client()``), else a new one to ``address``.
    address
        A scheduler address such as ``tcp://scheduler:8786``.
    """

    name = "dask"
    blocks_per_task = BLOCKS_PER_TASK

    def __init__(self, client: Any = None, *, address: str | None = None):
        distributed = import_distributed()
        self._own = client is None and address is not None
        if client is None:
            if address is not None:
                try:
                    _probe_scheduler(address)
                    client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
                except (OSError, ValueError, TypeError) as exc:
                    # OSError: nothing answers, or not a scheduler within the timeout;
                    # ValueError/TypeError: not an address (no port, unknown protocol).
                    raise TjsimError(
                        f"cannot reach a Dask scheduler at {address!r:.200} "
                        f"(expected an address such as tcp://host:8786): {exc}",
                        key="scheduler",
                    ) from None
            else:
                try:
                    client = distributed.get_client()
                except ValueError:
                    raise TjsimError(
                        "backend='dask' needs a distributed.Client: create one first "
                        "(distributed.Client(address)) or pass it as backend=client",
                        key="backend",
                    ) from None
        self.client = client
        self._as_completed = distributed.as_completed

    def close(self) -> None:
        """Close the client if this backend opened it (from ``address``)."""
        if self._own:
            self.client.close()

    @property
    def workers(self) -> int:
        """Workers connected to the scheduler now."""
        return len(self.client.scheduler_info().get("workers", {}))

    def _threads(self) -> int:
        info = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))

    def run(self, job: Job) -> Iterator[tuple[Task, TaskOutput]]:
        """Submit ``job``'s tasks a window at a time and yield outputs as they finish."""
        client = self.client
        token = secrets.token_hex(6)
        tasks = iter(enumerate(job.tasks))
        waiting = len(job.tasks)  # tasks not submitted yet
        remaining = dict(job.counts)  # tasks of each run not finished yet
        models: dict[int, Any] = {}
        running: dict[str, tuple[Task, Any]] = {}
        window = TASKS_PER_THREAD * self._threads()
        finished = self._as_completed()

        def submit() -> None:
            nonlocal waiting
            ident, task = next(tasks)
            waiting -= 1
            run = task.run
            if run not in models:
                models[run] = client.submit(
                    _held, job.model(run), key=f"tjsim-model-{token}-{run}", pure=False
                )
            future = client.submit(
                evaluate_task,
                (token, run),
                models[run],
                job.kernel,
                job.method,
                job.root,
                task.blocks,
                job.summary,
                stream=job.stream,
                key=f"tjsim-task-{token}-{ident}",
                pure=False,
            )
            running[future.key] = (task, future)
            finished.add(future)

        try:
            while waiting and len(running) < window:
                submit()
            for future in finished:
                task, _ = running.pop(future.key)
                output = future.result()
                future.release()
                remaining[task.run] -= 1
                if not remaining[task.run]:
                    models.pop(task.run).release()
                while waiting and len(running) < window:
                    submit()
                yield task, output
        finally:
            leftovers = [future for _, future in running.values()] + list(models.values())
            if leftovers:
                client.cancel(leftovers)
