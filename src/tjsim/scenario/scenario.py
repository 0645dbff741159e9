"""Scenarios: what a user changes relative to the calibration, as frozen values.

A :class:`Scenario` shifts, rescales or reshapes the shocks of variables ("drivers"),
changes correlations and parameters, adds or overrides events, and changes, adds or
drops targets. It is immutable: every ``with_*`` method returns a new scenario, so a
notebook can branch freely::

    s = tjsim.baseline().with_shift("investment", -5).with_event(
        "flood_repeat", probability=1.0
    )

Scenarios are checked against a calibration when they are compiled
(:func:`tjsim.model.compile_model`, :func:`tjsim.model.check_scenario`); errors name the scenario's file and key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from ..errors import ScenarioError
from ..marginals import FAMILIES

METHODS = ("mc", "antithetic", "sobol")


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class DriverChange:
    """Change to one variable: ``shift`` its mean (pp), ``scale`` its shock's spread,
    or replace its shock's ``distribution`` (keeping the spread unless rescaled)."""

    shift: float = 0.0
    scale: float = 1.0
    distribution: str | None = None
    df: float | None = None
    skew: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.shift):
            raise ScenarioError(f"shift must be a finite number, found {self.shift}")
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ScenarioError(f"scale must be a number > 0, found {self.scale}")
        if self.distribution is not None and self.distribution not in FAMILIES:
            raise ScenarioError(
                f"distribution must be one of {', '.join(FAMILIES)}, found {self.distribution!r}"
            )
        if self.df is not None and not self.df > 2:
            raise ScenarioError(f"df must be > 2, found {self.df}")
        if self.skew is not None and not -1 < self.skew < 1:
            raise ScenarioError(f"skew must lie strictly between -1 and 1, found {self.skew}")

    def then(self, other: DriverChange) -> DriverChange:
        """This change followed by ``other``: shifts add, scales multiply, shapes override."""
        return DriverChange(
            shift=self.shift + other.shift,
            scale=self.scale * other.scale,
            distribution=other.distribution or self.distribution,
            df=other.df if other.df is not None else self.df,
            skew=other.skew if other.skew is not None else self.skew,
        )


@dataclass(frozen=True)
class Event:
    """A discrete risk: with ``probability`` it adds ``impact`` (pp) to named variables.

    A scenario event whose name is a calibration event overrides it: ``impact`` may then
    be empty to keep the calibrated impacts.
    """

    probability: float
    impact: Mapping[str, float] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.probability, (int, float)) and 0.0 <= self.probability <= 1.0):
            raise ScenarioError(f"probability must lie in [0, 1], found {self.probability!r}")
        object.__setattr__(self, "impact", _frozen(self.impact))


@dataclass(frozen=True)
class TargetChange:
    """A new target, or a change to a calibrated one (unset fields keep their value)."""

    indicator: str | None = None
    op: str | None = None
    threshold: float | None = None
    compare_to: str | None = None
    label: str = ""


@dataclass(frozen=True)
class SimulationSettings:
    """Defaults for :func:`tjsim.simulate` stored with a scenario (unset: the API defaults)."""

    draws: int | None = None
    seed: int | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        if self.draws is not None and (
            isinstance(self.draws, bool) or not isinstance(self.draws, int) or self.draws < 1
        ):
            raise ScenarioError(f"draws must be an integer >= 1, found {self.draws!r}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise ScenarioError(f"seed must be an integer >= 0, found {self.seed!r}")
        if self.method is not None and self.method not in METHODS:
            raise ScenarioError(
                f"method must be one of {', '.join(METHODS)}, found {self.method!r}"
            )


@dataclass(frozen=True)
class Scenario:
    """Everything a scenario changes relative to the calibration.

    Attributes
    ----------
    name, description
        Identification; the description should cite the report passage behind it.
    drivers
        Variable id -> :class:`DriverChange`.
    correlations
        ``(name, name)`` -> correlation of the two latent normals (shocks or events).
    events
        Event name -> :class:`Event` (new events, or overrides of calibrated ones).
    parameters
        Parameter (fact) id -> value.
    targets
        Target id -> :class:`TargetChange`, or ``None`` to drop the target.
    simulation
        Default draws, seed and method.
    observed
        Year-to-date figures already published, ``{variable: {period: value}}``
        (periods ``Q1``, ``H1``, ``Q1-Q3``, ``FY``); simulations are conditioned on
        them (:mod:`tjsim.model.quarterly`).
    readings
        How targets are read: a reading's name for every target that has it (e.g.
        ``"strict"``), or ``{target: reading}``; ``None`` keeps each target's default.
    shocks_off
        Switch every shock and event off: each draw is then the baseline plus shifts
        (a deterministic run, for checking the central case).
    path
        The file the scenario was read from, if any (used in error messages).
    """

    name: str = "baseline"
    description: str = ""
    drivers: Mapping[str, DriverChange] = field(default_factory=dict)
    correlations: Mapping[tuple[str, str], float] = field(default_factory=dict)
    events: Mapping[str, Event] = field(default_factory=dict)
    parameters: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, TargetChange | None] = field(default_factory=dict)
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    observed: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    readings: str | Mapping[str, str] | None = None
    shocks_off: bool = False
    path: str | None = None

    def __post_init__(self) -> None:
        for name in ("drivers", "correlations", "events", "parameters", "targets"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        observed = {
            v: _frozen(periods) if isinstance(periods, Mapping) else periods
            for v, periods in self.observed.items()
        }
        object.__setattr__(self, "observed", _frozen(observed))
        if isinstance(self.readings, Mapping):
            object.__setattr__(self, "readings", _frozen(self.readings))

    # ------------------------------------------------------------ builders
    def _with(self, **changes: Any) -> Scenario:
        return replace(self, **changes)

    def _driver(self, driver: str, change: DriverChange) -> Scenario:
        current = self.drivers.get(driver, DriverChange())
        return self._with(drivers={**self.drivers, driver: current.then(change)})

    def with_shift(self, driver: str, shift: float) -> Scenario:
        """Shift the mean of variable ``driver`` by ``shift`` (its unit, usually pp)."""
        return self._driver(driver, DriverChange(shift=float(shift)))

    def with_scale(self, driver: str, factor: float) -> Scenario:
        """Multiply the spread of ``driver``'s shock by ``factor`` (> 0)."""
        return self._driver(driver, DriverChange(scale=float(factor)))

    def with_distribution(
        self, driver: str, distribution: str, *, df: float | None = None, skew: float | None = None
    ) -> Scenario:
        """Give ``driver``'s shock another family (``normal``, ``t``, ``two_piece``)."""
        return self._driver(driver, DriverChange(distribution=distribution, df=df, skew=skew))

    def with_parameter(self, parameter: str, value: float) -> Scenario:
        """Set a calibration parameter (any fact id) to ``value``."""
        return self._with(parameters={**self.parameters, parameter: float(value)})

    def with_correlation(self, first: str, second: str, value: float) -> Scenario:
        """Set the correlation between two shocked variables or events."""
        key = tuple(sorted((first, second)))
        return self._with(correlations={**self.correlations, key: float(value)})

    def with_event(
        self,
        name: str,
        probability: float,
        impact: Mapping[str, float] | None = None,
        label: str = "",
    ) -> Scenario:
        """Add an event, or override a calibrated one (``impact=None`` keeps its impacts)."""
        event = Event(float(probability), dict(impact or {}), label)
        return self._with(events={**self.events, name: event})

    def with_target(
        self,
        target: str,
        *,
        op: str | None = None,
        threshold: float | None = None,
        indicator: str | None = None,
        compare_to: str | None = None,
        label: str = "",
    ) -> Scenario:
        """Change a target's reading, or add a new target on any indicator."""
        change = TargetChange(indicator, op, threshold, compare_to, label)
        return self._with(targets={**self.targets, target: change})

    def without_target(self, target: str) -> Scenario:
        """Drop a calibrated target."""
        return self._with(targets={**self.targets, target: None})

    def with_simulation(self, **settings: Any) -> Scenario:
        """Store default ``draws``, ``seed`` or ``method``."""
        return self._with(simulation=replace(self.simulation, **settings))

    def with_observed(self, observed: Mapping[str, Mapping[str, float]]) -> Scenario:
        """Add year-to-date observations, ``{variable: {period: value}}`` (merged per
        variable over those already there)."""
        merged: dict[str, Any] = dict(self.observed)
        for variable, periods in observed.items():
            old = merged.get(variable)
            both = isinstance(old, Mapping) and isinstance(periods, Mapping)
            merged[variable] = {**old, **periods} if both else periods  # type: ignore[dict-item]
        return self._with(observed=merged)

    def with_reading(self, reading: str | Mapping[str, str]) -> Scenario:
        """Read the targets another way: a reading's name for every target that has it
        (``"strict"``, ``"published"``, ``"about"``, ``"real"``, ``"nominal"``,
        ``"headline"``), or ``{target: reading}`` for some (merged over earlier ones)."""
        if isinstance(reading, Mapping) and isinstance(self.readings, Mapping):
            reading = {**self.readings, **reading}
        return self._with(readings=reading)

    def without_shocks(self) -> Scenario:
        """The same scenario with every shock and event switched off."""
        return self._with(shocks_off=True)

    def renamed(self, name: str, description: str | None = None) -> Scenario:
        return self._with(
            name=name, description=self.description if description is None else description
        )

    def extended_by(self, child: Scenario) -> Scenario:
        """Merge ``child`` over this scenario: the child's settings win key by key."""
        drivers = dict(self.drivers)
        for key, change in child.drivers.items():
            drivers[key] = change
        sim = {
            f.name: getattr(child.simulation, f.name)
            if getattr(child.simulation, f.name) is not None
            else getattr(self.simulation, f.name)
            for f in fields(SimulationSettings)
        }
        return Scenario(
            name=child.name,
            description=child.description,
            drivers=drivers,
            correlations={**self.correlations, **child.correlations},
            events={**self.events, **child.events},
            parameters={**self.parameters, **child.parameters},
            targets={**self.targets, **child.targets},
            simulation=SimulationSettings(**sim),
            observed={**self.observed, **child.observed},
            readings=_merge_readings(self.readings, child.readings),
            shocks_off=self.shocks_off or child.shocks_off,
            path=child.path,
        )

    def to_yaml(self) -> str:
        """This scenario as YAML text that :func:`tjsim.load_scenario` reads back equal
        (``extends`` is flattened; ``path`` is not written)."""
        from .write import to_yaml

        return to_yaml(self)

    @property
    def is_baseline(self) -> bool:
        """Whether the scenario changes nothing."""
        return not (
            self.drivers
            or self.correlations
            or self.events
            or self.parameters
            or self.targets
            or self.observed
            or self.readings is not None
            or self.shocks_off
        )


def _merge_readings(
    parent: str | Mapping[str, str] | None, child: str | Mapping[str, str] | None
) -> str | Mapping[str, str] | None:
    """A child's readings over its parent's: mappings merge key by key, otherwise the
    child's win."""
    if child is None:
        return parent
    if isinstance(child, Mapping) and isinstance(parent, Mapping):
        return {**parent, **child}
    return child


def baseline() -> Scenario:
    """The baseline scenario: the calibration as it is."""
    return Scenario(name="baseline", description="The packaged calibration, unchanged.")
