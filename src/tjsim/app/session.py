r"""The explorer's state and its updates, without any user interface.

An :class:`Explorer` holds a starting scenario, the values of the controls (each
driver's shift and spread, each event's probability, a common spread factor, the
reading of the targets) and the run settings (draws, seed, method). Every update runs
:func:`tjsim.simulate` on the scenario the controls describe with the *same* seed,
draws and method: the latent normals are the same from one update to the next (common
random numbers), so a move of a control shows the effect of the move, not a new sample;
and the probabilities shown are exactly those that ``tjsim run`` gives for the scenario
that "save as scenario" writes.

The "what would it take" readout is :func:`tjsim.analysis.required_shift` on the same
seed and method (on at most :data:`READOUT_DRAWS` draws); its draws are kept between
updates and rebased on each new scenario (:meth:`~tjsim.engine.CommonDraws.rebased`):
no move draws new numbers, and a shift only moves the kept target margins.

Every value a control sets is checked by the library's own builders
(:meth:`~tjsim.scenario.Scenario.with_shift`, ...); a bad one raises a
:class:`~tjsim.errors.TjsimError` and leaves the state as it was.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from .. import analysis, expressions
from ..analysis import RequiredShift
from ..analysis.common import indicator_std
from ..api import simulate
from ..calibration import Calibration, tables
from ..engine import DEFAULT_DRAWS, CommonDraws, RunSettings, resolve_settings
from ..errors import ScenarioError, TjsimError, unknown
from ..figures import density_bars
from ..limits import MAX_MAGNITUDE
from ..model import CompiledModel, compile_model
from ..result import JOINT, SimulationResult
from ..scenario import Scenario
from ..seeding import FIXED_SEED

#: Most draws an explorer update may use: more would take more than a few seconds.
MAX_DRAWS = 2_000_000
#: Most draws the "what would it take" readout searches on (its draws are cached).
READOUT_DRAWS = 200_000
#: The columns of a view's probability table.
PROBABILITY_COLUMNS = [
    "probability",
    "std_error",
    "ci_low",
    "ci_high",
    "reading",
    "label",
    "wording",
]
#: What the readout's messages from :func:`tjsim.analysis.required_shift` suggest in
#: Python, and what the explorer offers in their place (it has no search range).
_PAGE_HINTS = {
    "widen bounds=(low, high) or ask for a probability within that range": (
        "ask for a probability within that range, or move another driver"
    ),
    "pass other bounds": "move another driver",
}


@dataclass(frozen=True)
class Controls:
    """What the controls say, as changes to the starting scenario.

    Attributes
    ----------
    shifts
        Driver id -> shift of its mean from the starting scenario (its unit).
    scales
        Driver id -> factor on its shock's spread.
    spread
        Factor on every shock's spread (before the drivers' own factors).
    events
        Event id -> probability (the starting scenario's, else the calibration's, unless
        moved).
    reading
        A reading's name for every target that has it, or ``None`` (the scenario's).
    draws, seed, method
        The run's settings; every update uses them, so the draws stay the same.
    """

    shifts: Mapping[str, float] = field(default_factory=dict)
    scales: Mapping[str, float] = field(default_factory=dict)
    spread: float = 1.0
    events: Mapping[str, float] = field(default_factory=dict)
    reading: str | None = None
    draws: int = DEFAULT_DRAWS
    seed: int = FIXED_SEED
    method: str = "mc"


@dataclass(frozen=True)
class Readout:
    """The "what would it take" question: the shift of ``driver`` that brings
    P(``target`` met) to ``probability`` (``target`` may be ``"joint"``)."""

    target: str
    driver: str
    probability: float = 0.5


@dataclass(frozen=True)
class Answer:
    """The readout's answer: the required shift, or ``None`` with ``message`` saying why
    there is none (the probability cannot be reached within the search range, say),
    and how long the search took."""

    required: RequiredShift | None
    message: str
    seconds: float


@dataclass(frozen=True, eq=False)
class View:
    """What an update shows.

    Attributes
    ----------
    result
        The run (:func:`tjsim.simulate` of :attr:`Explorer.scenario`).
    probabilities
        Every target under the reading in force, then ``joint``: ``probability,
        std_error, ci_low, ci_high, reading, label, wording`` (the label names the
        target, the wording is the plan report's).
    indicator, bars, thresholds
        The indicator whose distribution is shown, its bars (left edges, densities,
        width; :func:`tjsim.figures.density_bars`), and the thresholds of the targets
        on it (target id -> threshold).
    seconds
        How long the run and these tables took.
    headline
        The plan's headline goals (:meth:`SimulationResult.headline`: each one, then
        ``joint``, all met together, and ``at_least_<K-1>``), or ``None`` when the
        calibration marks none.
    answer
        The readout's answer (``None`` until it is asked for).
    """

    result: SimulationResult
    probabilities: pd.DataFrame
    indicator: str
    bars: tuple[np.ndarray, np.ndarray, float]
    thresholds: Mapping[str, float]
    seconds: float
    headline: pd.DataFrame | None = None
    answer: Answer | None = None


class Explorer:
    """A scenario explored: controls, fixed draws, and an update after each change.

    Parameters
    ----------
    scenario
        The starting scenario (checked against ``calibration``).
    calibration
        The calibration it changes.
    draws, seed, method
        The run's settings (default: the scenario's ``simulation`` settings, else
        :data:`DEFAULT_DRAWS` draws, seed :data:`~tjsim.seeding.FIXED_SEED` and ``mc``).
    drivers
        The variables with a shift control (default: :func:`control_drivers`).
    kernel, workers
        The kernel and the worker processes of every update and readout, as for
        :func:`tjsim.simulate` (the numbers do not depend on them).

    Examples
    --------
    >>> explorer = Explorer(tjsim.baseline(), tjsim.load_calibration())  # doctest: +SKIP
    >>> view = explorer.apply(shifts={"investment": -3})  # doctest: +SKIP
    >>> view.probabilities.loc["gdp_growth", "probability"]  # doctest: +SKIP
    """

    def __init__(
        self,
        scenario: Scenario,
        calibration: Calibration,
        *,
        draws: int | None = None,
        seed: int | None = None,
        method: str | None = None,
        drivers: Iterable[str] | None = None,
        kernel: str | None = None,
        workers: int | None = None,
    ):
        self.calibration = calibration
        self.kernel = kernel
        self.workers = workers
        self.start = scenario.checked_against(calibration)
        #: The starting scenario's compiled model.
        self.start_model = model = compile_model(calibration, self.start)
        #: The variables with a shift control.
        self.drivers = _checked_drivers(calibration, drivers)
        #: Every event's probability in the starting scenario.
        self.events = _event_probabilities(calibration, self.start)
        #: The targets (under the starting scenario's readings), and the indicators
        #: whose distributions can be shown.
        self.targets = [t.id for t in model.primary_targets]
        self.indicators = list(dict.fromkeys(t.indicator for t in model.primary_targets))
        #: What the page calls each target (and ``joint``), its label, and the plan
        #: report's wording of each target.
        self.labels = {t.id: t.label for t in model.primary_targets}
        self.labels[JOINT] = "All targets met together"
        self.wordings = {t.id: t.wording for t in model.primary_targets}
        #: What the page calls each of :attr:`indicators`.
        self.indicator_labels = {
            i: model.labels[model.indicators.index(i)] for i in self.indicators
        }
        #: The calibration's readings (the choices of the reading control).
        self.readings = list(
            dict.fromkeys(n for spec in calibration.targets.values() for n in spec.readings)
        )
        #: The variables with a shock, whose spreads the spread controls scale.
        self.shocked = list(calibration.shocked)
        self.controls = Controls(events=dict(self.events))
        seed = _first(seed, self.start.simulation.seed, FIXED_SEED)
        _check_seed(seed)
        settings = self._settings(self.start, draws, seed, method)
        self.controls = self.checked(draws=settings.draws, seed=seed, method=settings.method)
        self.readout = Readout(
            self.targets[0], strongest_driver(calibration, self.start, self.drivers, model)
        )
        self.indicator = self.indicators[0]
        self._common: CommonDraws | None = None
        self._last: tuple[Scenario, CompiledModel] | None = None  # the last run's

    # ------------------------------------------------------------ the controls
    def checked(self, **changes: Any) -> Controls:
        """The controls with ``changes`` (fields of :class:`Controls`), checked: the
        scenario they describe is built by the library's builders, and the settings are
        checked as :func:`tjsim.simulate` checks them.

        Raises
        ------
        TjsimError
            For a bad value, with the library's message.
        """
        fields = list(Controls.__dataclass_fields__)
        for name in changes:
            _known(name, fields, "control")
        controls = replace(self.controls, **changes)
        self._check_settings(controls)
        self.scenario_of(controls)
        return controls

    def apply(self, *, answer: bool = True, **changes: Any) -> View:
        """Change the controls and update (with the readout's answer unless ``answer``
        is false), all or nothing: a bad value, or a scenario that does not run, raises
        a :class:`~tjsim.errors.TjsimError` and leaves the controls as they were."""
        before = self.controls
        self.controls = self.checked(**changes)
        try:
            return self.update() if answer else self.update_odds()
        except TjsimError:
            self.controls = before
            raise

    def ask(
        self,
        target: str | None = None,
        driver: str | None = None,
        probability: float | None = None,
    ) -> None:
        """Change the readout's question: the probability of meeting ``target`` (or
        ``"joint"``) to reach by moving ``driver``."""
        readout = Readout(
            self.readout.target if target is None else target,
            self.readout.driver if driver is None else driver,
            self.readout.probability if probability is None else probability,
        )
        _known(readout.target, [*self.targets, JOINT], "target")
        _known(readout.driver, self.drivers, "driver")
        p = readout.probability
        if isinstance(p, bool) or not (isinstance(p, (int, float)) and 0.0 < p < 1.0):
            raise ScenarioError(
                f"the probability to reach must lie strictly between 0 and 1, found {p!r:.40}",
                key="probability",
            )
        self.readout = readout

    def show(self, indicator: str) -> None:
        """Show the distribution of ``indicator`` (one of :attr:`indicators`)."""
        _known(indicator, self.indicators, "indicator")
        self.indicator = indicator

    def _check_settings(self, controls: Controls) -> None:
        draws = controls.draws
        if draws is None:  # a cleared box
            raise ScenarioError("draws must be a whole number >= 2, found nothing", key="draws")
        if isinstance(draws, int) and not isinstance(draws, bool) and draws > MAX_DRAWS:
            raise ScenarioError(
                f"draws must be at most {MAX_DRAWS:,} in the explorer (an update would "
                f"take more than a few seconds), found {draws:,}; use tjsim run for more",
                key="draws",
            )
        _check_seed(controls.seed)
        self._settings(self.start, draws, controls.seed, controls.method)

    def _settings(
        self, scenario: Scenario, draws: int | None, seed: int | None, method: str | None
    ) -> RunSettings:
        """The settings of a run of ``scenario`` (:func:`tjsim.engine.resolve_settings`:
        the arguments, else the scenario's, else the defaults; the seed defaults to
        :data:`~tjsim.seeding.FIXED_SEED`, so that updates share their draws) on the
        explorer's kernel and workers."""
        return resolve_settings(
            scenario,
            draws=draws,
            seed=_first(seed, scenario.simulation.seed, FIXED_SEED),
            method=method,
            kernel=self.kernel,
            workers=self.workers,
            least_draws=2,
        )

    # ------------------------------------------------------------ the scenario
    @property
    def scenario(self) -> Scenario:
        """The scenario the controls describe, with the run's settings stored in its
        ``simulation`` block (what "save as scenario" writes)."""
        return self.scenario_of(self.controls)

    def scenario_of(self, controls: Controls) -> Scenario:
        """The scenario ``controls`` describe: the starting scenario with the shifts,
        spread factors, event probabilities and reading, named after them (``baseline +
        investment -3 + property_slump p=0.4``) and holding the run's settings."""
        scenario, changes = self.start, []
        for driver, shift in controls.shifts.items():
            _known(driver, self.drivers, "driver")
            if _number(shift, f"the shift of {driver}"):
                scenario = scenario.with_shift(driver, shift)
                changes.append(f"{driver} {shift:+g}")
        spread = _number(controls.spread, "the common spread factor")
        for driver, factor in controls.scales.items():
            _known(driver, self.shocked, "driver with a shock")
            _number(factor, f"the spread factor of {driver}")
        for variable in self.shocked:
            factor = spread * controls.scales.get(variable, 1.0)
            if factor != 1.0:
                scenario = scenario.with_scale(variable, factor)
        changes += [f"spreads x{spread:g}"] if spread != 1.0 else []
        changes += [f"{d} spread x{f:g}" for d, f in controls.scales.items() if f != 1.0]
        for event, probability in controls.events.items():
            _known(event, list(self.events), "event")
            if _number(probability, f"the probability of {event}") != self.events[event]:
                scenario = scenario.with_event(event, probability)
                changes.append(f"{event} p={probability:g}")
        if controls.reading is not None:
            _known(controls.reading, self.readings, "reading")
            scenario = scenario.with_reading(controls.reading)
            changes.append(f"reading {controls.reading}")
        if changes:
            scenario = scenario.renamed(
                " + ".join([self.start.name, *changes]),
                f"'{self.start.name}' with {', '.join(changes)} (tjsim explorer).",
            )
        return scenario.with_simulation(
            draws=controls.draws, seed=controls.seed, method=controls.method
        )

    def to_yaml(self) -> str:
        """The scenario as a YAML file that ``tjsim run`` reproduces exactly (the run's
        draws, seed and method are in its ``simulation`` block)."""
        return self.scenario.to_yaml()

    def save(self, path: str | os.PathLike) -> Path:
        """Write :meth:`to_yaml` to ``path`` and return it."""
        path = Path(path)
        try:
            path.write_text(self.to_yaml(), encoding="utf-8")
        except OSError as exc:
            raise TjsimError(
                f"cannot write the scenario: {exc.strerror or exc}", file=str(path)
            ) from None
        return path

    # ------------------------------------------------------------ updates
    def update(self) -> View:
        """Run the scenario the controls describe on the fixed draws, and answer the
        readout's question on the same seed."""
        view = self.update_odds()
        return replace(view, answer=self.answer())

    def update_odds(self) -> View:
        """Run the scenario the controls describe on the fixed draws (no readout)."""
        began = time.perf_counter()
        scenario = self.scenario
        result = simulate(
            scenario, calibration=self.calibration, kernel=self.kernel, workers=self.workers
        )
        self._last = (scenario, result.model)
        shown = self.indicator
        return View(
            result=result,
            probabilities=result.probabilities(joint=True)[PROBABILITY_COLUMNS],
            indicator=shown,
            bars=density_bars(*result.histogram(shown)),
            thresholds={
                t.id: t.threshold
                for t in result.model.primary_targets
                if t.indicator == shown and t.threshold is not None
            },
            seconds=time.perf_counter() - began,
            headline=result.headline() if result.model.headline_targets else None,
        )

    def release(self) -> None:
        """Drop the kept draws and the last run (a closed page's memory); the next
        update computes them again."""
        self._common = None
        self._last = None

    def answer(self) -> Answer:
        """The readout's answer for the scenario the controls describe: the required
        shift on the same seed and method, on at most :data:`READOUT_DRAWS` draws
        (kept, and rebased on each new scenario)."""
        began = time.perf_counter()
        controls, scenario = self.controls, self.scenario
        draws = min(controls.draws, READOUT_DRAWS)
        common = self._common
        if common is not None and (common.draws, common.method, common.root.entropy) == (
            draws,
            controls.method,
            controls.seed,
        ):
            last = self._last
            common = common.rebased(scenario, last[1] if last and last[0] == scenario else None)
        else:
            settings = self._settings(scenario, draws, controls.seed, controls.method)
            common = CommonDraws(self.calibration, scenario, settings)
        self._common = common
        question = self.readout
        try:
            required = analysis.required_shift(
                common, question.target, question.driver, question.probability
            )
        except TjsimError as exc:
            return Answer(None, _in_page_terms(exc.message), time.perf_counter() - began)
        return Answer(required, "", time.perf_counter() - began)


def control_drivers(calibration: Calibration) -> list[str]:
    """The variables the explorer gives a shift control by default: the driver layer,
    and the aggregates of drivers alone (total investment, in the Tianjin calibration),
    in the calibration's order."""
    layer = {v for v, spec in calibration.variables.items() if spec.layer == "driver"}
    out = []
    for vid, spec in calibration.variables.items():
        uses = expressions.names(spec.tree) & set(calibration.variables)
        if vid in layer or (spec.layer == "aggregate" and uses and uses <= layer):
            out.append(vid)
    return out


def strongest_driver(
    calibration: Calibration, scenario: Scenario, drivers: list[str], model: CompiledModel
) -> str:
    """The driver whose move by one swing (its standard deviation under ``model``,
    ``scenario`` compiled) moves the first target's margin most: the readout's default.

    Drivers measured in percent (growth rates a policy or a forecast can move: total
    investment, retail sales, exports, in the Tianjin calibration) come first; latent
    shocks (momentum, the plan-management factor, in points or standard deviations)
    are chosen only when no such driver is offered."""

    def effect(driver: str) -> float:
        moved = compile_model(calibration, scenario.with_shift(driver, 1.0))
        swing = indicator_std(model, model.indicators.index(driver))
        return abs(moved.target_constant[0] - model.target_constant[0]) * swing

    economic = [d for d in drivers if calibration.variables[d].unit == "%"]
    return max(economic or drivers, key=effect)


def _checked_drivers(calibration: Calibration, drivers: Iterable[str] | None) -> list[str]:
    if drivers is None:
        return control_drivers(calibration)
    chosen = [drivers] if isinstance(drivers, str) else list(drivers)
    for driver in chosen:
        _known(driver, list(calibration.variables), "driver")
    if not chosen:
        raise ScenarioError("give at least one driver to control", key="drivers")
    return chosen


def _event_probabilities(calibration: Calibration, scenario: Scenario) -> dict[str, float]:
    """Every event's probability under ``scenario`` (its own, else the calibration's)."""
    calibrated = cast(dict[str, float], tables.events(calibration)["probability"].to_dict())
    return {**calibrated, **{e: event.probability for e, event in scenario.events.items()}}


def _in_page_terms(message: str) -> str:
    """``message`` with its suggestions in terms of the explorer's controls."""
    for python, page in _PAGE_HINTS.items():
        message = message.replace(python, page)
    return message


def _known(name: str, options: list[str], what: str) -> None:
    if name not in options:
        raise ScenarioError(unknown(what, name, options), key=what)


def _number(value: Any, name: str) -> float:
    """``value`` as a float, if it is a finite number of at most
    :data:`~tjsim.limits.MAX_MAGNITUDE` in size (the builders check the rest)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or abs(value) > MAX_MAGNITUDE:
        raise ScenarioError(
            f"{name} must be a finite number of at most {MAX_MAGNITUDE:g} in size, "
            f"found {value!r:.40}"
        )
    return float(value)


def _check_seed(seed: Any) -> None:
    """The explorer's seeds are plain integers (shown in a box, saved in the file)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"seed must be an integer >= 0, found {seed!r:.40}", key="seed")


def _first(*values: Any) -> Any:
    return next(v for v in values if v is not None)
