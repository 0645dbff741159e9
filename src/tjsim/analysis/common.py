r"""Common random numbers: what can be moved (drivers), and the draws to move it on.

The draws themselves, evaluated under variants of a scenario, are a job of the engine
(:class:`tjsim.engine.CommonDraws`, on any kernel and backend); this module says what a
driver is, how far one swing moves it, and which variant a move of it makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..calibration import Calibration
from ..engine import CommonDraws, Variant, resolve_settings
from ..errors import ScenarioError, unknown
from ..limits import MAX_MAGNITUDE
from ..model import CompiledModel
from ..model.moments import basis_moments
from ..result import JOINT, SimulationResult
from ..scenario import Scenario
from ..seeding import SeedLike

#: Swing of a parameter without a shock: this fraction of its absolute value.
PARAMETER_SWING = 0.1


@dataclass(frozen=True)
class Driver:
    """Something whose level can be moved: a variable's mean or a parameter's value.

    Attributes
    ----------
    id
        Variable id (its mean is shifted) or parameter (fact) id (its value is set).
    kind
        ``"variable"`` or ``"parameter"``.
    current
        The variable's central value under the scenario (baseline plus the scenario's
        shifts; shocks have mean zero), or the parameter's value.
    swing
        The unit of "one swing" for tornado charts and default search ranges: the
        standard deviation of the variable's shock (for a variable without one, such as
        an aggregate, the standard deviation the other shocks give it; 1 if none),
        or ``PARAMETER_SWING`` times the parameter's absolute value (or that fraction
        of one when the value is zero).
    """

    id: str
    kind: str
    label: str
    unit: str
    current: float
    swing: float

    @property
    def shift_unit(self) -> str:
        """The unit of a change: percentage points for a variable in percent."""
        return "pp" if self.kind == "variable" and self.unit == "%" else self.unit

    def apply(self, scenario: Scenario, change: float) -> Scenario:
        """``scenario`` with this driver moved by ``change`` from its current level."""
        if self.kind == "variable":
            return scenario.with_shift(self.id, change) if change else scenario
        return scenario.with_parameter(self.id, self.current + change)


def resolve_driver(
    calibration: Calibration,
    model: CompiledModel,
    driver: str,
    swing: float | None = None,
) -> Driver:
    """Resolve a variable or parameter id against ``calibration`` (compiled as ``model``)."""
    if not isinstance(driver, str):
        raise ScenarioError(f"a driver must be a variable or parameter id, found {driver!r}")
    if driver in calibration.variables:
        spec = calibration.variables[driver]
        j = model.indicators.index(driver)
        if driver in model.basis[: model.n_shocks]:
            std = model.marginals[model.basis.index(driver)].std
        else:  # a variable without a shock of its own: its spread from the others
            std = indicator_std(model, j)
        default = std if std > 0 else 1.0
        kind, label, unit, current = "variable", spec.label, spec.unit, float(model.constant[j])
    elif driver in calibration.derived:
        raise ScenarioError(
            f"'{driver}' is derived ({calibration.derived[driver]}); move one of the "
            "parameters it uses instead",
            key="driver",
        )
    elif driver in model.parameters:
        fact = next((f for f in calibration.facts if f.id == driver), None)
        current = float(model.parameters[driver])
        kind = "parameter"
        label, unit = (fact.label, fact.unit) if fact is not None else (driver, "")
        default = PARAMETER_SWING * (abs(current) if current else 1.0)
    else:
        options = [*calibration.variables, *(f.id for f in calibration.facts)]
        raise ScenarioError(
            unknown("driver (variable or parameter)", driver, options), key="driver"
        )
    if swing is None:
        swing = default
    if isinstance(swing, (bool, np.bool_)) or not (
        isinstance(swing, (int, float, np.number)) and 0 < swing <= MAX_MAGNITUDE
    ):
        raise ScenarioError(
            f"the swing of '{driver}' must be a number > 0 and at most {MAX_MAGNITUDE:g}, "
            f"found {swing!r:.40}",
            key="swings",
        )
    return Driver(driver, kind, label, unit, current, float(swing))


def indicator_std(model: CompiledModel, row: int) -> float:
    """Standard deviation of indicator ``row`` of ``model`` (all shocks and events)."""
    _, cov = basis_moments(
        model.marginals,
        model.event_probabilities,
        model.correlation,
        event_marginals=model.event_marginals,
    )
    loadings = model.loadings[row]
    return float(np.sqrt(max(loadings @ cov @ loadings, 0.0)))


def default_drivers(calibration: Calibration) -> list[str]:
    """The calibration's driver-layer variables (else every variable with a shock)."""
    drivers = [v for v, spec in calibration.variables.items() if spec.layer == "driver"]
    return drivers or list(calibration.shocked)


def target_column(model: CompiledModel, target: str) -> int:
    """Column of ``target`` (its reading in force) in a met array; the last,
    ``len(model.targets)``, for ``joint``."""
    ids = [t.id for t in model.primary_targets]
    if target == JOINT:
        return len(model.targets)
    if target not in ids:
        raise ScenarioError(unknown("target", target, [*ids, JOINT]), key="target")
    return ids.index(target)


# ---------------------------------------------------------------------- common draws
def mover(common: CommonDraws, driver: Driver) -> Callable[[float], Variant]:
    """A function from a change of ``driver`` to the variant of ``common``'s scenario it
    makes.

    A variable's mean enters every target margin linearly, so its variants are the
    base margins plus ``change * response`` (one compilation in all); a parameter's
    variant is compiled for each change.
    """
    scenario = common.scenario
    if driver.kind != "variable":
        return lambda change: common.variant(driver.apply(scenario, change))
    unit = common.variant(driver.apply(scenario, 1.0))
    if unit.delta is None:  # pragma: no cover - a mean shift never reshapes the model
        return lambda change: common.variant(driver.apply(scenario, change))
    response = unit.delta
    return lambda change: Variant(delta=change * response)


def common_draws(
    calibration: Calibration,
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    kernel: str | None = None,
    workers: int | None = None,
) -> CommonDraws:
    """The draws :func:`tjsim.simulate` would make for these settings (the arguments,
    else the scenario's ``simulation`` settings, else the defaults), evaluated on
    ``kernel`` and ``workers`` as :func:`tjsim.simulate` runs."""
    settings = resolve_settings(
        scenario,
        draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
        kernel=kernel,
        workers=workers,
        least_draws=2,
    )
    return CommonDraws(calibration, scenario, settings)


def common_draws_of(
    result: SimulationResult,
    calibration: Calibration,
    draws: int | None = None,
    *,
    kernel: str | None = None,
    workers: int | None = None,
) -> CommonDraws:
    """The draws of ``result`` (the same seed, method, random stream and scenario;
    ``draws`` defaults to the result's), ready to evaluate variants on, on ``kernel`` and ``workers`` (default:
    as :func:`tjsim.simulate`); ``calibration`` must be the one the result was simulated
    on (a run with quarters, ``quarterly=True``, keeps them)."""
    settings = resolve_settings(
        result.scenario,
        draws=int(draws if draws is not None else result.n_draws),
        seed=result.seed,
        method=result.method,
        chunk_size=result.chunk_size,
        kernel=kernel,
        workers=workers,
        stream=result.settings.stream,
        least_draws=2,
    )
    common = CommonDraws(
        calibration,
        result.scenario,
        settings,
        quarterly=any(b.endswith("_dev_q1") for b in result.model.basis),
    )
    mine, theirs = common.model, result.model
    if not (
        mine.target_loadings.shape == theirs.target_loadings.shape
        and np.allclose(mine.target_constant, theirs.target_constant)
        and np.allclose(mine.target_loadings, theirs.target_loadings)
    ):
        raise ScenarioError(
            "the calibration given does not reproduce this result's model; pass the "
            "calibration it was simulated on",
            key="calibration",
        )
    return common
