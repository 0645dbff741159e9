"""Scenario comparisons on common random numbers: every target's probability in every
scenario, its change from the first, and the paired Monte Carlo error of the change
(:func:`compare` runs them; :class:`~tjsim.result.ComparisonResult` holds
and shows the outcome).

Runs that kept their draws give per-draw met flags, and the error of a change is the
paired error of the per-draw differences (:func:`tjsim.result.paired_standard_error`);
otherwise it falls back to ``sqrt(se_a**2 + se_b**2)``, which ignores the correlation
of common random numbers, and the table says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..engine import RunSettings, keep_draws_fit, resolve_settings, simulate
from ..errors import ScenarioError
from ..model import build_model
from ..report.comparison import HEADLINE_JOINT
from ..result import Z95, SimulationResult, paired_standard_error
from ..result.comparison import SHOWN_CHANGE, ComparisonResult
from ..scenario import Scenario
from ..seeding import SeedLike


@dataclass(frozen=True)
class PairedRun:
    """One scenario's result and, when the draws were kept, its per-draw met flags
    (``(draws, columns)`` booleans: each target, then all the headline targets met
    when the run has any, then all targets)."""

    result: SimulationResult
    flags: np.ndarray | None

    @property
    def columns(self) -> list[str]:
        """Target ids of the columns of ``flags``."""
        return [t.id for t in self.result.model.primary_targets] + _joints(self.result)

    def flag_columns(self, ids: Sequence[str]) -> np.ndarray:
        """The flags of targets ``ids`` as 0/1 integers, ``(draws, len(ids))``."""
        assert self.flags is not None
        return self.flags[:, [self.columns.index(t) for t in ids]].astype(np.int8)


def paired_run(
    scenario: Scenario,
    calibration: Calibration,
    progress: Any,
    settings: RunSettings,
) -> PairedRun:
    """Simulate ``scenario`` with ``settings``, keeping its per-draw met flags when its
    compiled model's draws fit in :data:`~tjsim.engine.KEEP_DRAWS_LIMIT_BYTES` (the
    draws themselves are dropped)."""
    keep = keep_draws_fit(settings.draws, len(build_model(calibration, scenario).indicators))
    result = simulate(calibration, scenario, settings, keep_draws=keep, progress=progress)
    if not keep:
        return PairedRun(result, None)
    return PairedRun(replace(result, kept=None), kept_met_flags(result))


def compare(
    calibration: Calibration,
    scenarios: Sequence[Scenario],
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ComparisonResult:
    """Simulate every scenario on the same draws and compare each with the first.

    Draws, seed and method are the arguments, else the first scenario's
    ``simulation`` settings, else 100,000 draws, fresh entropy (drawn once and shared)
    and ``mc``. See :func:`tjsim.compare`.
    """
    if len(scenarios) < 2:
        raise ScenarioError(
            f"a comparison needs at least two scenarios, found {len(scenarios)}", key="scenarios"
        )
    settings = resolve_settings(
        scenarios[0], draws=draws, seed=seed, method=method, chunk_size=chunk_size
    )
    runs = [paired_run(s, calibration, progress, settings) for s in scenarios]
    return ComparisonResult(
        results=tuple(run.result for run in runs),
        table=comparison_table(runs, settings.method),
    )


def _joints(result: SimulationResult) -> list[str]:
    """The joint rows of a run: all its headline targets met (when it has any and no
    target takes the name), then all its targets."""
    model = result.model
    ids = {t.id for t in model.primary_targets}
    headline = model.headline_targets and HEADLINE_JOINT not in ids
    return [HEADLINE_JOINT, "joint"] if headline else ["joint"]


def kept_met_flags(result: SimulationResult) -> np.ndarray:
    """Whether each kept draw of ``result`` meets each target, then (when the run has
    headline targets) all the headline targets, then all targets (last column):
    ``(draws, len(PairedRun.columns))`` booleans."""
    ops = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
    draws = result.kept_draws
    targets = result.model.primary_targets
    joints = _joints(result)
    flags = np.empty((len(draws), len(targets) + len(joints)), dtype=bool)
    for j, target in enumerate(targets):
        if target.compare_to is None:
            other = np.asarray(target.threshold)
        else:
            loosen = target.tolerance if target.op in (">=", ">") else -target.tolerance
            other = draws[target.compare_to].to_numpy() - loosen
        flags[:, j] = ops[target.op](draws[target.indicator].to_numpy(), other)
    if len(joints) == 2:
        heads = [j for j, t in enumerate(targets) if t.headline]
        flags[:, len(targets)] = flags[:, heads].all(axis=1)
    flags[:, -1] = flags[:, : len(targets)].all(axis=1)
    return flags


def comparison_table(runs: Sequence[PairedRun], method: str) -> pd.DataFrame:
    """Every target's probability in every run and its change from the first run.

    Returns a long frame indexed by ``(target, scenario)`` (scenario = position of the
    run) with columns ``probability, std_error, change, change_se, significant,
    like_for_like, error``. ``change_se`` is the paired standard error of the
    change when both runs kept their draws (``error`` = ``paired``), else
    ``sqrt(se_a**2 + se_b**2)``, which ignores the correlation of common random numbers
    (``error`` = ``independent``). A change is ``significant`` when it exceeds 1.96
    times ``change_se``, shows as at least 0.1 points (:data:`SHOWN_CHANGE`) and is
    ``like_for_like``: false for the joint probability of a run whose set of targets
    differs from the first run's.
    """
    frames = [
        _compared(run, runs[0], method).assign(scenario=position)
        for position, run in enumerate(runs)
    ]
    joints = (HEADLINE_JOINT, "joint")
    order = [
        *dict.fromkeys(t for run in runs for t in run.columns if t not in joints),
        *(j for j in joints if any(j in run.columns[-2:] for run in runs)),
    ]
    long = pd.concat(frames).reset_index()
    long["rank"] = long["target"].map(order.index)
    long = long.sort_values(["rank", "scenario"], kind="stable").drop(columns="rank")
    return long.set_index(["target", "scenario"])


def _probabilities(run: PairedRun) -> pd.DataFrame:
    """``probability, std_error`` of ``run``'s targets, then its joint rows."""
    table = run.result.probabilities(joint=True)[["probability", "std_error"]]
    if HEADLINE_JOINT not in run.columns:
        return table
    headline = run.result.headline().loc[["joint"], ["probability", "std_error"]]
    rows = pd.concat([table.iloc[:-1], headline.set_axis([HEADLINE_JOINT]), table.iloc[-1:]])
    return rows.rename_axis(table.index.name)


def _compared(run: PairedRun, reference: PairedRun, method: str) -> pd.DataFrame:
    """``run``'s probabilities, their change from ``reference``'s and its error (NaN
    for targets that ``reference`` lacks)."""
    table = _probabilities(run)
    if run is reference:
        return table.assign(
            change=np.nan, change_se=np.nan, significant=False, like_for_like=True, error=""
        )
    base = _probabilities(reference).reindex(table.index)
    if run.flags is not None and reference.flags is not None:
        shared = list(base.index[base["probability"].notna()])
        difference = run.flag_columns(shared) - reference.flag_columns(shared)
        change_se = pd.Series(np.nan, index=table.index)
        change_se[shared] = paired_standard_error(difference, method)
        error = "paired"
    else:
        change_se = np.sqrt(table["std_error"] ** 2 + base["std_error"] ** 2)
        error = "independent"
    change = table["probability"] - base["probability"]
    same_targets = set(run.columns) == set(reference.columns)
    like_for_like = pd.Series(True, index=table.index)
    like_for_like["joint"] = same_targets
    if HEADLINE_JOINT in table.index:
        heads = [t.id for t in run.result.model.headline_targets]
        like_for_like[HEADLINE_JOINT] = heads == [
            t.id for t in reference.result.model.headline_targets
        ]
    significant = (change.abs() > Z95 * change_se) & (change.abs() >= SHOWN_CHANGE) & like_for_like
    return table.assign(
        change=change,
        change_se=change_se,
        significant=significant,
        like_for_like=like_for_like,
        error=error,
    )
