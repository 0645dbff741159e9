"""A run's settings, resolved and checked once, at the edge.

:func:`resolve_settings` takes what a caller asked for (arguments of :func:`tjsim.simulate`,
options of the command line, the explorer's controls), falls back on the scenario's
``simulation`` settings and then on the defaults, checks everything before anything
runs, and returns one frozen :class:`RunSettings` that the engine, the command line and
the explorer read. Every default lives here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ScenarioError
from ..scenario import Scenario
from ..seeding import (
    BLOCK_SIZE,
    ONE_GENERATOR_STREAM,
    RNG,
    SeedLike,
    as_seed_sequence,
    check_draws,
    check_stream,
    whole_draws,
)
from .backends import Backend, make_backend
from .kernels import check_kernel

#: Draws of a run that names none (neither the caller nor the scenario).
DEFAULT_DRAWS = 100_000
#: Sampling method of a run that names none.
DEFAULT_METHOD = "mc"
#: Blocks per chunk (task) when the backend states no preference.
DEFAULT_BLOCKS_PER_TASK = 2
#: Default draws per chunk: the unit of work of a thread and of progress reports.
#: Memory does not grow with it: the engine holds one block per thread.
DEFAULT_CHUNK = DEFAULT_BLOCKS_PER_TASK * BLOCK_SIZE
#: Most threads a run starts by default.
MAX_THREADS = 8


@dataclass(frozen=True)
class RunSettings:
    """How a run draws and where it runs, resolved and checked (:func:`resolve_settings`).

    Attributes
    ----------
    draws
        Number of draws.
    seed
        The root seed of every block's stream.
    method
        Sampling method: ``mc``, ``antithetic`` or ``sobol``.
    chunk
        Draws per task (at least one block's worth is evaluated at once).
    workers
        Worker processes (or Dask workers) the backend runs on; 1 in this process.
    threads
        Threads per process of the in-process backend.
    backend
        The backend's name: ``local``, ``processes``, ``dask`` or a custom backend's.
    kernel
        The kernel's name: ``numpy`` or ``numba``.
    stream
        The random stream's name (:data:`tjsim.seeding.STREAMS`); both kernels draw the
        same numbers from it.

    The backend object itself (a process pool, a Dask client) is kept beside the
    settings but neither compared nor pickled: :meth:`runner` makes it again from the
    name after a result travelled to another process.
    """

    draws: int
    seed: np.random.SeedSequence
    method: str
    chunk: int
    workers: int
    threads: int
    backend: str
    kernel: str
    stream: str = RNG
    _runner: Backend | None = field(default=None, compare=False, repr=False)

    def runner(self) -> Backend:
        """The backend to run on: the one resolved with these settings, else (after
        unpickling) the named one."""
        if self._runner is not None:
            return self._runner
        workers = self.workers if self.backend == "processes" else None
        return make_backend(self.backend, workers=workers, threads=self.threads)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_runner"] = None  # a pool or a client does not travel
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Settings pickled by tjsim 0.2, which had one stream, drew from sfc64/2.
        self.__dict__.update({"stream": ONE_GENERATOR_STREAM, **state})


def resolve_settings(
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    workers: int | None = None,
    threads: int | None = None,
    backend: Any = None,
    kernel: str | None = None,
    stream: str | None = None,
    least_draws: int = 1,
) -> RunSettings:
    """The settings of a run of ``scenario``: the arguments, else the scenario's
    ``simulation`` settings, else the defaults; checked before anything runs, with
    errors naming the argument, or the scenario's file and ``simulation`` key when the
    value came from there.

    Parameters
    ----------
    scenario
        The scenario whose ``simulation`` settings fill what the arguments leave out.
    draws, seed, method, chunk_size, workers, threads, backend, kernel, stream
        As for :func:`tjsim.simulate`; ``None`` takes the scenario's, else the default.
    least_draws
        Fewest draws accepted (2 for questions asked of common draws).
    """
    stored = scenario.simulation
    chosen_draws = whole_draws(_pick(draws, stored.draws, DEFAULT_DRAWS))
    chosen_method = _pick(method, stored.method, DEFAULT_METHOD)
    chosen_stream = _pick(stream, stored.stream, RNG)
    from_file = {
        "draws": draws is None and stored.draws is not None,
        "method": method is None and stored.method is not None,
        "stream": stream is None and stored.stream is not None,
    }
    try:
        check_stream(chosen_stream)
        check_draws(chosen_method, chosen_draws)
        if chosen_draws < least_draws:
            raise ScenarioError(
                f"draws must be at least {least_draws}, found {chosen_draws}", key="draws"
            )
    except ScenarioError as exc:
        if exc.key is not None and from_file.get(exc.key):
            raise ScenarioError(
                exc.message, file=scenario.path, key=f"simulation.{exc.key}"
            ) from None
        raise
    try:
        root = as_seed_sequence(_pick(seed, stored.seed, None))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), key="seed") from None
    if chunk_size is not None:
        chunk_size = whole_number(chunk_size, "chunk_size")
    kernel = check_kernel(kernel)
    workers, threads = worker_counts(workers, threads)
    runner = make_backend(backend, workers=workers, threads=threads)
    if chunk_size is None:
        chunk_size = getattr(runner, "blocks_per_task", 0) * BLOCK_SIZE or DEFAULT_CHUNK
    return RunSettings(
        draws=int(chosen_draws),
        seed=root,
        method=chosen_method,
        chunk=int(chunk_size),
        workers=int(runner.workers),
        threads=int(getattr(runner, "threads", threads)),
        backend=str(runner.name),
        kernel=kernel,
        stream=chosen_stream,
        _runner=runner,
    )


def _pick(value: Any, stored: Any, default: Any) -> Any:
    return value if value is not None else (stored if stored is not None else default)


def count_argument(value: object, name: str) -> int | None:
    """``value`` (``None`` stays ``None``: the default) as a whole number >= 1, capped
    at the CPUs available: more threads or processes than CPUs only cost memory."""
    if value is None:
        return None
    return min(whole_number(value, name), available_cpus())


def whole_number(value: object, name: str) -> int:
    """``value`` (a Python or numpy integer) as an ``int``; refused unless >= 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ScenarioError(f"{name} must be a whole number >= 1, found {value!r}", key=name)
    return int(value)


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def default_threads(workers: int | None) -> int:
    """Threads per process when none are asked for: the CPUs shared among ``workers``
    processes, at most :data:`MAX_THREADS`."""
    return max(1, min(MAX_THREADS, available_cpus() // (workers or 1)))


def worker_counts(workers: object, threads: object) -> tuple[int | None, int]:
    """``(workers, threads)`` checked and capped at the CPUs available; ``workers`` stays
    ``None`` when not given, ``threads`` defaults to the CPUs shared among the workers."""
    checked = count_argument(workers, "workers")
    return checked, count_argument(threads, "threads") or default_threads(checked)


def backend_for(backend: Any, workers: object, threads: object) -> Backend:
    """The backend ``backend`` names (see :func:`tjsim.simulate`), with ``workers`` and
    ``threads`` as :func:`worker_counts` checks them."""
    workers, threads = worker_counts(workers, threads)
    return make_backend(backend, workers=workers, threads=threads)
