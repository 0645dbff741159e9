r"""Run a simulation: a compiled model, a kernel, a backend, an accumulator, a result.

:func:`simulate` takes objects (a :class:`~tjsim.calibration.Calibration` and a
:class:`~tjsim.scenario.Scenario`); :func:`tjsim.simulate` is the public entry point
that also accepts files and names.

For each block of draws (:data:`~tjsim.seeding.BLOCK_SIZE` of them, the unit of
reproducibility) a kernel (:mod:`tjsim.engine.kernels`)

1. fills an ``(n, d)`` array :math:`E` of independent latent normals,
2. correlates the columns that need it and maps them to the random basis: non-normal
   shocks through their marginals' tables, events as indicators
   :math:`z_e < \Phi^{-1}(p_e)`,
3. evaluates every indicator and target margin at once,
4. reduces the block into an :class:`~tjsim.result.Accumulator`: integer counts
   (targets met, pairs, number met, quantile histograms) and the block's own floating
   point sums.

A backend (:mod:`tjsim.engine.backends`) decides where blocks run (threads, a pool of
worker processes, a Dask cluster); their accumulators are merged exactly, so a seed
gives the same numbers bit for bit whatever the backend, the chunk size, the number of
threads or of workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..calibration import Calibration
from ..errors import ScenarioError
from ..model import build_model
from ..result import SimulationResult
from ..scenario import Scenario
from ..seeding import BLOCK_SIZE, SeedLike, as_seed_sequence, check_draws, plan_blocks, whole_draws
from .backends import Backend, Job, chunk_plan, make_backend, merge_outputs, plan_tasks
from .kernels import check_kernel

#: Blocks per chunk (task) when the backend states no preference.
DEFAULT_BLOCKS_PER_TASK = 2
#: Default draws per chunk: the unit of work of a thread and of progress reports.
#: Memory does not grow with it: the engine holds one block per thread.
DEFAULT_CHUNK = DEFAULT_BLOCKS_PER_TASK * BLOCK_SIZE
#: Largest ``keep_draws`` table (indicator values, float64) a run may hold.
KEEP_DRAWS_LIMIT_BYTES = 512 * 2**20
DEFAULT_DRAWS = 100_000
#: Most threads ``simulate`` starts by default.
MAX_THREADS = 8


def run_settings(
    scenario: Scenario,
    draws: int | None,
    seed: SeedLike,
    method: str | None,
    *,
    least_draws: int = 1,
) -> tuple[int, str, np.random.SeedSequence]:
    """``(draws, method, root seed)``: the arguments, else the scenario's ``simulation``
    settings, else the defaults; checked before anything runs, with errors naming the
    argument, or the scenario's file and ``simulation`` key when the value came from
    there."""
    stored = scenario.simulation

    def pick(value, stored, default):
        return value if value is not None else (stored if stored is not None else default)

    chosen = {
        "draws": whole_draws(pick(draws, stored.draws, DEFAULT_DRAWS)),
        "method": pick(method, stored.method, "mc"),
    }
    from_file = {
        "draws": draws is None and stored.draws is not None,
        "method": method is None and stored.method is not None,
    }
    try:
        check_draws(chosen["method"], chosen["draws"])
        if chosen["draws"] < least_draws:
            raise ScenarioError(
                f"draws must be at least {least_draws}, found {chosen['draws']}", key="draws"
            )
    except ScenarioError as exc:
        if exc.key is not None and from_file.get(exc.key):
            raise ScenarioError(
                exc.message, file=scenario.path, key=f"simulation.{exc.key}"
            ) from None
        raise
    try:
        root = as_seed_sequence(pick(seed, stored.seed, None))
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), key="seed") from None
    return int(chosen["draws"]), chosen["method"], root


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


def backend_for(backend: Any, workers: object, threads: object) -> Backend:
    """The backend ``backend`` names (see :func:`tjsim.simulate`), with ``workers`` and
    ``threads`` checked and capped at the CPUs available; ``threads`` defaults to the
    CPUs shared among the workers."""
    workers = count_argument(workers, "workers")
    threads = count_argument(threads, "threads") or default_threads(workers)
    return make_backend(backend, workers=workers, threads=threads)


def simulate(
    calibration: Calibration,
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    keep_draws: bool = False,
    workers: int | None = None,
    threads: int | None = None,
    quarterly: bool = False,
    kernel: str | None = None,
    backend: Any = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` on ``calibration`` (both objects); the arguments are those
    of :func:`tjsim.simulate`, which resolves files and names and calls this."""
    draws, method, root = run_settings(scenario, draws, seed, method)
    if chunk_size is not None:
        chunk_size = whole_number(chunk_size, "chunk_size")
    kernel = check_kernel(kernel)
    runner = backend_for(backend, workers, threads)
    if keep_draws and runner.name != "local":
        raise ScenarioError(
            "keep_draws=True needs workers=1 (the in-process backend)", key="keep_draws"
        )
    if chunk_size is None:
        chunk_size = getattr(runner, "blocks_per_task", 0) * BLOCK_SIZE or DEFAULT_CHUNK
    model = build_model(calibration, scenario, quarterly=quarterly)
    keep = _kept_draws(draws, len(model.indicators)) if keep_draws else None
    chunks = chunk_plan(plan_blocks(method, draws), max(chunk_size, BLOCK_SIZE))
    job = Job(lambda run: model, plan_tasks(1, chunks), kernel, method, root, keep=keep)
    report = None if progress is None else (lambda done, runs: progress(done))
    ((_, acc, _),) = merge_outputs(runner, job, report)
    return SimulationResult(
        model=model,
        accumulator=acc,
        method=method,
        seed=root,
        n_draws=int(draws),
        scenario=scenario,
        chunk_size=chunk_size,
        workers=runner.workers,
        kernel=kernel,
        kept=keep,
    )


def keep_draws_fit(draws: int, indicators: int) -> bool:
    """Whether ``keep_draws=True`` may keep ``draws`` rows of ``indicators`` values
    (float64) within :data:`KEEP_DRAWS_LIMIT_BYTES`."""
    return draws * indicators * 8 <= KEEP_DRAWS_LIMIT_BYTES


def _kept_draws(draws: int, indicators: int) -> np.ndarray:
    """The table ``keep_draws=True`` fills, ``(draws, indicators)``; refused above
    :data:`KEEP_DRAWS_LIMIT_BYTES`."""
    if not keep_draws_fit(draws, indicators):
        needed = draws * indicators * 8
        most = KEEP_DRAWS_LIMIT_BYTES // (indicators * 8)
        raise ScenarioError(
            f"keep_draws=True for {draws:,} draws needs {needed / 2**20:,.0f} MiB, above the "
            f"{KEEP_DRAWS_LIMIT_BYTES / 2**20:,.0f} MiB limit; use at most {most:,} draws or "
            "keep_draws=False (probabilities and quantiles do not need the draws)",
            key="keep_draws",
        )
    return np.empty((draws, indicators))
