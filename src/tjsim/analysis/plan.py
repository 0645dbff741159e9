"""The plan-management factor's loading against the record of headline counts: for each
loading tried, the ordinary-year distribution of the number of headline targets met and
the likelihood of the record's counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..calibration import Calibration
from ..engine import resolve_settings, simulate
from ..errors import CalibrationError, TjsimError
from ..scenario import Scenario
from ..seeding import SeedLike

#: The loadings tried, a uniform prior over them (revenue's total allows at most about
#: 0.74).
PLAN_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


@dataclass(frozen=True)
class PlanFit:
    """One loading's fit: ``distribution`` ``(K + 1,)`` is P(k headline targets met),
    k = 0..K, in an ordinary year; ``likelihood`` the product over the record's years of
    the probability of the count each year had."""

    loading: float
    distribution: np.ndarray
    likelihood: float


def headline_distribution(
    calibration: Calibration, scenario: Scenario, draws: int, seed: SeedLike
) -> np.ndarray:
    """P(k headline targets met), k = 0..K, in ``scenario``'s draws: ``(K + 1,)``."""
    settings = resolve_settings(scenario, draws=draws, seed=seed)
    result = simulate(calibration, scenario, settings)
    return result.headline_counts()["probability"].to_numpy()


def plan_likelihood(
    calibration: Calibration,
    *,
    draws: int,
    seed: SeedLike,
    grid: Sequence[float] = PLAN_GRID,
    record: Mapping[int, int] | None = None,
    parameter: str | None = None,
) -> list[PlanFit]:
    """Fit the plan factor's loading to the record of headline counts.

    Parameters
    ----------
    calibration
        The calibration; ``parameter`` must be one of its facts.
    draws, seed
        Those of each loading's run (ordinary years: every tail event off).
    grid
        The loadings tried.
    record
        The number of headline targets met in each ordinary year of the record
        (default: the calibration's, ``plan_factor.record`` in its ``model.yaml``).
    parameter
        The loading's parameter (default: the calibration's, ``plan_factor.parameter``).

    Returns
    -------
    list of PlanFit
        One per loading of ``grid`` that leaves every managed target's total reachable
        (the others are left out), in the grid's order.

    Raises
    ------
    CalibrationError
        When ``record`` or ``parameter`` is not given and the calibration has no
        ``plan_factor`` block.
    """
    if record is None or parameter is None:
        if calibration.plan_factor is None:
            raise CalibrationError(
                "the calibration has no 'plan_factor' block: give record= and parameter=",
                key="plan_factor",
            )
        record = calibration.plan_factor.record if record is None else record
        parameter = calibration.plan_factor.parameter if parameter is None else parameter
    out = []
    for loading in grid:
        scenario = Scenario().with_parameter(parameter, loading)
        for eid in calibration.tail_events:
            scenario = scenario.with_event(eid, 0.0)
        try:
            distribution = headline_distribution(calibration, scenario, draws, seed)
        except TjsimError:  # a loading that leaves a managed total unreachable
            continue
        likelihood = float(np.prod([distribution[n] for n in record.values()]))
        out.append(PlanFit(float(loading), distribution, likelihood))
    return out
