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

A backend (:mod:`tjsim.engine.backends`) decides where blocks run (threads, worker
processes) and merges their accumulators exactly, so a seed gives the same numbers bit
for bit whatever the chunk size, the number of threads or of worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from ..calibration import Calibration
from ..errors import ScenarioError
from ..model import build_model
from ..result import SimulationResult
from ..scenario import METHODS, Scenario
from ..seeding import BLOCK_SIZE, SeedLike, as_seed_sequence, plan_blocks
from .backends import chunk_plan, run_chunks, run_processes
from .kernels import make_kernel

#: Default draws per chunk (two blocks): the unit of work of a thread and of progress
#: reports. Memory does not grow with it: the engine holds one block per thread.
DEFAULT_CHUNK = 2 * BLOCK_SIZE
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
    settings, else the defaults; checked, with errors naming the argument."""

    def pick(value, stored, default):
        return value if value is not None else (stored if stored is not None else default)

    draws = pick(draws, scenario.simulation.draws, DEFAULT_DRAWS)
    method = pick(method, scenario.simulation.method, "mc")
    seed = pick(seed, scenario.simulation.seed, None)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < least_draws:
        raise ScenarioError(
            f"draws must be an integer >= {least_draws}, found {draws!r}", key="draws"
        )
    if method not in METHODS:
        raise ScenarioError(
            f"method must be one of {', '.join(METHODS)}, found {method!r}", key="method"
        )
    try:
        root = as_seed_sequence(seed)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), key="seed") from None
    return int(draws), method, root


def available_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def simulate(
    calibration: Calibration,
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    keep_draws: bool = False,
    workers: int = 1,
    threads: int | None = None,
    quarterly: bool = False,
    kernel: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` on ``calibration`` (both objects); the arguments are those
    of :func:`tjsim.simulate`, which resolves files and names and calls this."""
    draws, method, root = run_settings(scenario, draws, seed, method)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers must be an integer >= 1, found {workers!r}", key="workers")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ScenarioError(f"threads must be an integer >= 1, found {threads!r}", key="threads")
    chunk_size = DEFAULT_CHUNK if chunk_size is None else chunk_size
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ScenarioError(
            f"chunk_size must be an integer >= 1, found {chunk_size!r}", key="chunk_size"
        )
    model = build_model(calibration, scenario, quarterly=quarterly)
    evaluator = make_kernel(kernel, model)
    blocks = plan_blocks(method, int(draws))
    chunks = chunk_plan(blocks, max(int(chunk_size), BLOCK_SIZE))
    keep = None
    if keep_draws:
        needed = int(draws) * len(model.indicators) * 8
        if needed > KEEP_DRAWS_LIMIT_BYTES:
            most = KEEP_DRAWS_LIMIT_BYTES // (len(model.indicators) * 8)
            raise ScenarioError(
                f"keep_draws=True for {draws:,} draws needs {needed / 2**20:,.0f} MiB, above the "
                f"{KEEP_DRAWS_LIMIT_BYTES / 2**20:,.0f} MiB limit; use at most {most:,} draws or "
                "keep_draws=False (probabilities and quantiles do not need the draws)",
                key="keep_draws",
            )
        if workers > 1:
            raise ScenarioError("keep_draws=True needs workers=1", key="keep_draws")
        keep = np.empty((int(draws), len(model.indicators)))
    workers = min(workers, len(chunks))
    if threads is None:
        threads = max(1, min(MAX_THREADS, available_cpus() // workers))
    if workers == 1:
        acc = run_chunks(evaluator, method, root, chunks, keep, 0, progress, threads)
    else:
        acc = run_processes(
            evaluator, method, root, chunks, workers=workers, threads=threads, progress=progress
        )
    return SimulationResult(
        model=model,
        accumulator=acc,
        method=method,
        seed=root,
        n_draws=int(draws),
        scenario=scenario,
        chunk_size=int(chunk_size),
        workers=workers,
        kernel=evaluator.name,
        kept=keep,
    )
