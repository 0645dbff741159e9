"""Scenarios: what a user changes relative to the calibration, as frozen values.

A :class:`Scenario` shifts, rescales or reshapes the shocks of variables ("drivers"),
changes correlations and parameters, adds or overrides events, and changes, adds or
drops targets. It is immutable: every ``with_*`` method returns a new scenario, so a
notebook can branch freely::

    s = tjsim.baseline().with_shift("investment", -5).with_event(
        "flood_repeat", probability=1.0
    )

A scenario from :func:`tjsim.baseline` or :func:`tjsim.load_scenario` knows its
calibration and checks each name at the call (:mod:`tjsim.scenario.checks`); every
scenario is checked again when it is compiled (:func:`tjsim.model.compile_model`).
Errors name the scenario's file (if any) and key.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any

from ..calibration import Calibration
from ..errors import ScenarioError
from ..marginals import FAMILIES
from ..seeding import METHODS, check_stream, whole_draws
from . import checks


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


def _thawed(value: Any) -> Any:
    """``value`` with read-only mappings (at any depth) as plain dicts."""
    if isinstance(value, MappingProxyType):
        return {key: _thawed(item) for key, item in value.items()}
    return value


def _rebuilt(kind: type, values: dict[str, Any]) -> Any:
    """A pickled scenario (or event) rebuilt from its fields by its constructor."""
    return kind(**values)


def _reduced(item: Any) -> tuple[Any, tuple[type, dict[str, Any]]]:
    """How ``item`` (a dataclass holding read-only mappings) pickles: its fields, with
    the mappings as plain dicts, rebuilt through its constructor, which makes them
    read-only again."""
    return _rebuilt, (type(item), {f.name: _thawed(getattr(item, f.name)) for f in fields(item)})


def _number(value: Any, name: str) -> float:
    """``value`` as a float, or a :class:`~tjsim.errors.ScenarioError` naming the
    argument (``True`` and ``"1.5"`` are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioError(
            f"{name} must be a number, found {type(value).__name__} {value!r:.40}", key=name
        )
    return float(value)


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
    be empty to keep the calibrated impacts, and ``size_spread`` ``None`` keeps the
    calibrated size spread. A ``size_spread`` makes the size random: when the event
    occurs its (single) impact is drawn from a normal with mean the impact and this
    standard deviation, in the impact's unit (0: a fixed size).
    """

    probability: float
    impact: Mapping[str, float] = field(default_factory=dict)
    label: str = ""
    size_spread: float | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.probability, (int, float)) and 0.0 <= self.probability <= 1.0):
            raise ScenarioError(f"probability must lie in [0, 1], found {self.probability!r}")
        if self.size_spread is not None and not (
            isinstance(self.size_spread, (int, float))
            and math.isfinite(self.size_spread)
            and self.size_spread >= 0.0
        ):
            raise ScenarioError(f"size_spread must be a number >= 0, found {self.size_spread!r}")
        object.__setattr__(self, "impact", _frozen(self.impact))

    def __reduce__(self) -> tuple[Any, tuple[type, dict[str, Any]]]:
        """Pickled through its constructor (:func:`_reduced`)."""
        return _reduced(self)


@dataclass(frozen=True)
class TargetChange:
    """A new target, or a change to a calibrated one (unset fields keep their value)."""

    indicator: str | None = None
    op: str | None = None
    threshold: float | None = None
    compare_to: str | None = None
    label: str = ""
    headline: bool | None = None  # one of the plan's headline goals (None: as it was)

    def then(self, other: TargetChange) -> TargetChange:
        """This change followed by ``other``: the fields ``other`` sets win; setting a
        threshold clears ``compare_to`` and the other way round."""
        threshold, compare_to = self.threshold, self.compare_to
        if other.threshold is not None or other.compare_to is not None:
            threshold, compare_to = other.threshold, other.compare_to
        return TargetChange(
            indicator=other.indicator or self.indicator,
            op=other.op or self.op,
            threshold=threshold,
            compare_to=compare_to,
            label=other.label or self.label,
            headline=other.headline if other.headline is not None else self.headline,
        )


@dataclass(frozen=True)
class SimulationSettings:
    """Defaults for :func:`tjsim.simulate` stored with a scenario (unset: the API defaults)."""

    draws: int | None = None
    seed: int | None = None
    method: str | None = None
    stream: str | None = None

    def __post_init__(self) -> None:
        # 1e5 (a float with a whole value) is 100000, as in simulate(draws=1e5)
        object.__setattr__(self, "draws", whole_draws(self.draws))
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
        if self.stream is not None:
            check_stream(self.stream)


@dataclass(frozen=True)
class Scenario:
    """Everything a scenario changes relative to the calibration.

    Every ``with_*`` and ``without_*`` method returns a new scenario with a derived name
    and description that say what changed (``"baseline + investment -2"``), until
    :meth:`renamed`. When the scenario knows its calibration (``calibration``, set by
    :func:`tjsim.baseline` and :func:`tjsim.load_scenario`), each method checks the
    names it is given at the call, with a suggestion for a misspelt one; otherwise they
    are checked when the scenario is compiled.

    Attributes
    ----------
    name, description
        Identification; the description should cite the report passage behind it.
    calibration_name
        The packaged calibration the scenario is written for (its file's
        ``calibration`` key, e.g. ``"china"``), or ``None``: any calibration whose names
        it uses. A file that names one is refused against another, and selects it when
        no calibration is given.
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
        Default draws, seed, method and random stream.
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
        The file the scenario was read from, if any (used in error messages); a scenario
        changed in Python has none, since the file no longer describes it.
    calibration
        The calibration whose names the builders check at the call, or ``None`` (not
        compared, not written to YAML).
    """

    name: str = "baseline"
    description: str = ""
    calibration_name: str | None = None
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
    calibration: Calibration | None = field(default=None, compare=False, repr=False)

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

    def __reduce__(self) -> tuple[Any, tuple[type, dict[str, Any]]]:
        """Pickled through its constructor (:func:`_reduced`), so a result pickles too."""
        return _reduced(self)

    # ------------------------------------------------------------ builders
    def _changed(self, change: str, **changes: Any) -> Scenario:
        """A new scenario with ``changes``, named after this one and ``change``."""
        return replace(
            self,
            name=f"{self.name} + {change}",
            description=f"'{self.name}' with {change}.",
            path=None,
            **changes,
        )

    def _check(self, check: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Run ``check(self.calibration, ...)`` if the calibration is known; its error
        says which calibration the name was checked against."""
        cal = self.calibration
        if cal is None:
            return
        try:
            check(cal, *args, **kwargs)
        except ScenarioError as exc:
            hint = (
                f" (checked against the {cal.name} calibration; for another, start from "
                "tjsim.baseline(calibration=...))"
            )
            raise ScenarioError(exc.message + hint, key=exc.key) from None

    def _driver(self, driver: str, change: DriverChange, label: str) -> Scenario:
        reshaped = change.scale != 1.0 or change.distribution is not None
        self._check(checks.check_driver, driver, reshaped=reshaped)
        current = self.drivers.get(driver, DriverChange())
        return self._changed(label, drivers={**self.drivers, driver: current.then(change)})

    def with_shift(self, driver: str, shift: float) -> Scenario:
        """Shift the mean of variable ``driver`` by ``shift`` (its unit, usually pp)."""
        shift = _number(shift, "shift")
        return self._driver(driver, DriverChange(shift=shift), f"{driver} {shift:+g}")

    def with_scale(self, driver: str, factor: float) -> Scenario:
        """Multiply the spread of ``driver``'s shock by ``factor`` (> 0)."""
        factor = _number(factor, "factor")
        return self._driver(driver, DriverChange(scale=factor), f"{driver} spread x{factor:g}")

    def with_distribution(
        self, driver: str, distribution: str, *, df: float | None = None, skew: float | None = None
    ) -> Scenario:
        """Give ``driver``'s shock another family (``normal``, ``t``, ``two_piece``)."""
        change = DriverChange(distribution=distribution, df=df, skew=skew)
        return self._driver(driver, change, f"{driver} {distribution} shock")

    def with_parameter(self, parameter: str, value: float) -> Scenario:
        """Set a calibration parameter (any fact id) to ``value``."""
        value = _number(value, "value")
        self._check(checks.check_parameter, parameter, value)
        return self._changed(
            f"{parameter} = {value:g}", parameters={**self.parameters, parameter: value}
        )

    def with_correlation(self, first: str, second: str, value: float) -> Scenario:
        """Set the correlation between two shocked variables or events."""
        value = _number(value, "value")
        self._check(checks.check_correlated, (first, second), self.events)
        pair = tuple(sorted((first, second)))
        return self._changed(
            f"corr({first}, {second}) = {value:g}",
            correlations={**self.correlations, pair: value},
        )

    def with_event(
        self,
        name: str,
        probability: float,
        impact: Mapping[str, float] | None = None,
        label: str = "",
        size_spread: float | None = None,
    ) -> Scenario:
        """Add an event, or change one: ``impact=None`` keeps the impacts the event has
        (the calibration's, or those given earlier), as ``label=""`` keeps its label and
        ``size_spread=None`` its size spread (a number: the standard deviation of its
        single impact when it occurs, in the impact's unit; 0 for a fixed size)."""
        earlier = self.events.get(name)
        if impact is None and earlier is not None:
            impact = earlier.impact
        if not label and earlier is not None:
            label = earlier.label
        if size_spread is None and earlier is not None:
            size_spread = earlier.size_spread
        event = Event(
            float(probability),
            dict(impact or {}),
            label,
            None if size_spread is None else float(size_spread),
        )
        self._check(checks.check_event, name, event, self.events)
        return self._changed(f"{name} p={event.probability:g}", events={**self.events, name: event})

    def with_target(
        self,
        target: str,
        *,
        op: str | None = None,
        threshold: float | None = None,
        indicator: str | None = None,
        compare_to: str | None = None,
        label: str = "",
        headline: bool | None = None,
    ) -> Scenario:
        """Change a target's reading, or add a new target on any indicator (a target
        this scenario added keeps the fields not given). ``headline=True`` counts a
        target among the plan's headline goals (a new target is not one unless it says
        so; a changed one stays what it was unless ``headline`` is given)."""
        if threshold is not None and compare_to is not None:
            raise ScenarioError(
                "give at most one of threshold and compare_to", key=f"targets.{target}"
            )
        change = TargetChange(indicator, op, threshold, compare_to, label, headline)
        earlier = self.targets.get(target)
        if earlier is not None:
            change = earlier.then(change)
        self._check(checks.check_target_change, target, change, self._target_ids())
        reading = " ".join(
            str(part)
            for part in (change.indicator or target, change.op, change.threshold, change.compare_to)
            if part is not None
        )
        return self._changed(f"target {reading}", targets={**self.targets, target: change})

    def without_target(self, target: str) -> Scenario:
        """Drop a target: a calibrated one, or one this scenario added."""
        targets = dict(self.targets)
        if self.calibration is not None:
            known = self._target_ids()
            self._check(lambda _: checks.check_dropped(target, known))
            if target not in self.calibration.targets:  # added here: forget the addition
                del targets[target]
                return self._changed(f"without {target}", targets=targets)
        targets[target] = None
        return self._changed(f"without {target}", targets=targets)

    def _target_ids(self) -> list[str]:
        """The targets this scenario has: its calibration's (if known) with its changes."""
        ids = dict.fromkeys(self.calibration.targets if self.calibration is not None else ())
        for tid, change in self.targets.items():
            if change is None:
                ids.pop(tid, None)
            else:
                ids[tid] = None
        return list(ids)

    def with_simulation(self, **settings: Any) -> Scenario:
        """Store default ``draws``, ``seed``, ``method`` or ``stream`` (the name is kept: the
        settings change how the scenario is run, not what it says)."""
        return replace(self, simulation=replace(self.simulation, **settings))

    def with_observed(self, observed: Mapping[str, Mapping[str, float]]) -> Scenario:
        """Add year-to-date observations, ``{variable: {period: value}}`` (merged per
        variable over those already there); runs are then conditioned on them. The name
        is kept: observations are data, not a change of scenario, and every result,
        printout and figure of a conditioned run says what it is conditioned on."""
        if not isinstance(observed, Mapping) or not all(
            isinstance(periods, Mapping) for periods in observed.values()
        ):
            raise ScenarioError(
                "observed must be a mapping {variable: {period: value}}, such as "
                f"{{'gdp_growth': {{'Q1': 5.3}}}}, found {observed!r:.80}",
                key="observed",
            )
        self._check(checks.check_observed, observed)
        merged: dict[str, Any] = dict(self.observed)
        for variable, periods in observed.items():
            old = merged.get(variable)
            both = isinstance(old, Mapping) and isinstance(periods, Mapping)
            merged[variable] = {**old, **periods} if both else periods  # type: ignore[dict-item]
        return replace(self, observed=merged)

    def with_reading(self, reading: str | Mapping[str, str]) -> Scenario:
        """Read the targets another way: a reading's name for every target that has it
        (``"strict"``, ``"published"``, ``"about"``, ``"real"``, ``"nominal"``,
        ``"headline"``), or ``{target: reading}`` for some (merged over earlier ones)."""
        named = isinstance(reading, str) or (
            isinstance(reading, Mapping)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in reading.items())
        )
        if not named:
            raise ScenarioError(
                "reading must be a reading's name (such as 'strict') or a mapping "
                f"{{target: reading name}}, found {reading!r:.80}",
                key="reading",
            )
        label = (
            ", ".join(f"{target} {name}" for target, name in reading.items())
            if isinstance(reading, Mapping)
            else str(reading)
        )
        if isinstance(reading, Mapping) and isinstance(self.readings, Mapping):
            reading = {**self.readings, **reading}
        return self._changed(f"reading {label}", readings=reading)

    def without_shocks(self) -> Scenario:
        """The same scenario with every shock and event switched off."""
        return self._changed("shocks off", shocks_off=True)

    def renamed(self, name: str, description: str | None = None) -> Scenario:
        """The same scenario under ``name`` (and ``description``, else the current one)."""
        if not isinstance(name, str) or not name.strip():
            raise ScenarioError(
                f"a scenario's name must be a non-empty string, found {name!r:.80}", key="name"
            )
        if description is not None and not isinstance(description, str):
            raise ScenarioError(
                f"a scenario's description must be a string, found {description!r:.80}",
                key="description",
            )
        return replace(
            self, name=name, description=self.description if description is None else description
        )

    def checked_against(self, calibration: Calibration | None) -> Scenario:
        """The same scenario, its builders checking names against ``calibration``."""
        return replace(self, calibration=calibration)

    def extended_by(self, child: Scenario) -> Scenario:
        """Merge ``child`` over this scenario: the child's settings win key by key, and a
        target the child drops that this scenario added (not a calibrated one, when the
        calibration is known) is forgotten."""
        drivers = dict(self.drivers)
        for key, change in child.drivers.items():
            drivers[key] = change
        calibration = child.calibration or self.calibration
        targets = {**self.targets, **child.targets}
        for tid, target_change in child.targets.items():
            added = self.targets.get(tid) is not None
            if target_change is None and added and calibration and tid not in calibration.targets:
                del targets[tid]
        sim = {
            f.name: getattr(child.simulation, f.name)
            if getattr(child.simulation, f.name) is not None
            else getattr(self.simulation, f.name)
            for f in fields(SimulationSettings)
        }
        return Scenario(
            name=child.name,
            description=child.description,
            calibration_name=child.calibration_name or self.calibration_name,
            drivers=drivers,
            correlations={**self.correlations, **child.correlations},
            events={**self.events, **child.events},
            parameters={**self.parameters, **child.parameters},
            targets=targets,
            simulation=SimulationSettings(**sim),
            observed={**self.observed, **child.observed},
            readings=_merge_readings(self.readings, child.readings),
            shocks_off=self.shocks_off or child.shocks_off,
            path=child.path,
            calibration=calibration,
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


def baseline(calibration: Calibration | None = None) -> Scenario:
    """The baseline scenario: the calibration as it is (its builders check names
    against ``calibration`` when one is given; :func:`tjsim.baseline` gives the
    packaged one)."""
    what = f"The {calibration.name} calibration" if calibration is not None else "The calibration"
    return Scenario(name="baseline", description=f"{what}, unchanged.", calibration=calibration)


def describe_conditioning(observed: Mapping[str, Mapping[str, float]]) -> str:
    """What draws conditioned on ``observed`` are conditioned on, in words."""
    if not observed:
        return "not conditioned (no year-to-date figures)"
    return f"conditioned on year-to-date figures: {describe_observed(observed)}"


def describe_observed(observed: Mapping[str, Mapping[str, float]]) -> str:
    """Observations as short text: ``"gdp_growth Q1 = 5.0, retail_sales H1 = 4.6"``."""
    return ", ".join(
        f"{variable} {period} = {value:g}"
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else f"{variable} {period} = {value!r}"
        for variable, periods in observed.items()
        for period, value in (periods.items() if isinstance(periods, Mapping) else [("?", periods)])
    )
