"""Sweeps: a scenario evaluated at every point of a grid, on common random numbers.

Each point of a :class:`~tjsim.scenario.grid.Grid` is the scenario with the grid's
settings at that point's values, compiled to its own model. Every point is simulated
with the same seed, so block ``b`` holds the same latent normals at every point (common
random numbers): a point's numbers are exactly those of :func:`tjsim.simulate` of its
scenario, and neighbouring points differ smoothly, with paired errors
(:class:`~tjsim.result.sweep.SweepResult`).

The unit of work is a task: a few blocks of draws at one point
(:mod:`tjsim.engine.backends.tasks`). A backend (in-process threads, a persistent
process pool, a Dask cluster) evaluates the tasks; each sends back only the counts a
sweep needs (:func:`~tjsim.result.sweep.met_counts`) and the draws meeting each target
in each block, merged exactly, so every backend and every number of workers gives the
same numbers bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields

import numpy as np

from ..calibration import Calibration
from ..engine import (
    DEFAULT_BLOCKS_PER_TASK,
    Backend,
    Job,
    chunk_plan,
    merge_outputs,
    plan_tasks,
    resolve_settings,
    whole_number,
)
from ..errors import ScenarioError, TjsimError
from ..model import CompiledModel, build_model
from ..result.sweep import MetCounts, SweepResult, in_force, met_counts
from ..scenario import Scenario
from ..scenario.grid import Grid, check_grid
from ..seeding import BLOCK_SIZE, Block, SeedLike, plan_blocks


def sweep(
    calibration: Calibration,
    scenario: Scenario,
    grid: Grid,
    *,
    backend: Backend,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    blocks_per_task: int | None = None,
    kernel: str | None = None,
    stream: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Evaluate ``scenario`` at every point of ``grid`` (objects in; :func:`tjsim.sweep`
    resolves files and names and documents the arguments).

    ``progress(draws, points)`` hears of every finished task: the draws it evaluated
    and the points it completed (0 or 1).
    """
    check_grid(grid, calibration, scenario)
    base = swept_scenario(scenario, grid)
    settings = resolve_settings(
        base,
        draws=draws,
        seed=seed,
        method=method,
        backend=backend,
        kernel=kernel,
        stream=stream,
    )
    draws, method, root, kernel = settings.draws, settings.method, settings.seed, settings.kernel
    if blocks_per_task is None:
        blocks_per_task = getattr(backend, "blocks_per_task", DEFAULT_BLOCKS_PER_TASK)
    per_task = whole_number(blocks_per_task, "blocks_per_task")
    first = _point_model(calibration, scenario, grid)(0)
    blocks = plan_blocks(method, draws)
    tasks = plan_tasks(len(grid), chunk_plan(blocks, per_task * BLOCK_SIZE))
    models = _point_model(calibration, scenario, grid, first)
    job = Job(
        models,
        tasks,
        kernel,
        method,
        root,
        summary=met_counts,
        block_counts=True,
        stream=settings.stream,
    )
    counts: list[MetCounts | None] = [None] * len(grid)
    keep = in_force(len(first.targets), first.n_primary)
    block_met = np.zeros((len(grid), len(blocks), len(keep)), dtype=np.int64)
    position = {block.id: b for b, block in enumerate(blocks)}
    for run, totals, met in merge_outputs(backend, job, progress):
        counts[run] = totals
        for block_id, row in met.items():
            block_met[run, position[block_id]] = row[keep]
    clusters, sizes = _clusters(blocks, method)
    cluster_met = np.zeros((len(grid), len(sizes), len(keep)), dtype=np.int64)
    # numpy's stubs omit the tuple-of-indices form of ufunc.at's indices.
    np.add.at(cluster_met, (slice(None), clusters), block_met)  # type: ignore[arg-type]
    return SweepResult(
        grid=grid,
        scenario=base,
        targets=tuple(t.id for t in first.primary_targets),
        counts=tuple(counts),  # type: ignore[arg-type]
        cluster_met=cluster_met,
        cluster_draws=sizes,
        method=method,
        seed=root,
        n_draws=draws,
        calibration=calibration.name,
        calibration_version=first.version,
        kernel=kernel,
        backend=backend.name,
        workers=backend.workers,
        stream=settings.stream,
    )


def swept_scenario(scenario: Scenario, grid: Grid) -> Scenario:
    """``scenario`` with the grid's ``simulation`` settings over its own."""
    stored = {f.name: getattr(grid.simulation, f.name) for f in fields(grid.simulation)}
    return scenario.with_simulation(**{k: v for k, v in stored.items() if v is not None})


def _point_model(
    calibration: Calibration,
    scenario: Scenario,
    grid: Grid,
    first: CompiledModel | None = None,
) -> Callable[[int], CompiledModel]:
    """A function compiling point ``i``'s model; errors name the point. Every point must
    keep the first point's random basis and targets (common random numbers)."""

    def model(point: int) -> CompiledModel:
        if point == 0 and first is not None:
            return first
        try:
            compiled = build_model(calibration, grid.scenario(scenario, point))
        except TjsimError as exc:
            raise ScenarioError(
                f"at grid point {point} ({grid.describe(point)}): {exc.message}",
                file=grid.path or exc.file,
                key=exc.key,
            ) from None
        if first is not None and (
            compiled.basis != first.basis
            or [t.id for t in compiled.targets] != [t.id for t in first.targets]
        ):
            raise ScenarioError(
                f"at grid point {point} ({grid.describe(point)}): the point changes the "
                "model's random shocks or targets, so it cannot share the other points' draws",
                file=grid.path,
            )
        return compiled

    return model


def _clusters(blocks: Sequence[Block], method: str) -> tuple[np.ndarray, np.ndarray]:
    """Each block's cluster (itself, or its Sobol scramble) and the clusters' sizes."""
    if method == "sobol":
        ids = np.array([block.group for block in blocks])
    else:
        ids = np.arange(len(blocks))
    _, cluster = np.unique(ids, return_inverse=True)
    sizes = np.bincount(cluster, weights=[block.size for block in blocks]).astype(np.int64)
    return cluster, sizes
