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

from collections.abc import Callable

import numpy as np

from ..calibration import Calibration
from ..errors import ScenarioError
from ..model import build_model
from ..result import SimulationResult
from ..scenario import Scenario
from ..seeding import BLOCK_SIZE, plan_blocks
from .backends import Job, chunk_plan, merge_outputs, plan_tasks
from .settings import RunSettings

#: Largest ``keep_draws`` table (indicator values, float64) a run may hold.
KEEP_DRAWS_LIMIT_BYTES = 512 * 2**20


def simulate(
    calibration: Calibration,
    scenario: Scenario,
    settings: RunSettings,
    *,
    keep_draws: bool = False,
    quarterly: bool = False,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` on ``calibration`` (both objects) with ``settings``
    (:func:`~tjsim.engine.settings.resolve_settings`); the other arguments are those of
    :func:`tjsim.simulate`, which resolves files and names and calls this."""
    runner = settings.runner()
    if keep_draws and runner.name != "local":
        raise ScenarioError(
            "keep_draws=True needs workers=1 (the in-process backend)", key="keep_draws"
        )
    model = build_model(calibration, scenario, quarterly=quarterly)
    keep = _kept_draws(settings.draws, len(model.indicators)) if keep_draws else None
    chunks = chunk_plan(
        plan_blocks(settings.method, settings.draws), max(settings.chunk, BLOCK_SIZE)
    )
    job = Job(
        lambda run: model,
        plan_tasks(1, chunks),
        settings.kernel,
        settings.method,
        settings.seed,
        keep=keep,
        stream=settings.stream,
    )
    report = None if progress is None else (lambda done, runs: progress(done))
    ((_, acc, _),) = merge_outputs(runner, job, report)
    return SimulationResult(
        model=model,
        accumulator=acc,
        scenario=scenario,
        settings=settings,
        kept=keep,
        calibration=calibration,
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
