"""Name checks of a scenario's changes against a calibration, with "did you mean".

The builders of :class:`~tjsim.scenario.Scenario` call these at the call when the
scenario knows its calibration (:func:`tjsim.baseline`, :func:`tjsim.load_scenario`),
and the compiler (:mod:`tjsim.model`) calls the same functions for every scenario, so a
misspelt name gets the same message from a notebook and from a file. Each raises a
:class:`~tjsim.errors.ScenarioError` naming the key (and ``file`` when given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from ..calibration import OPS, PERIODS, Calibration
from ..errors import CalibrationError, ScenarioError, unknown, unknown_of

if TYPE_CHECKING:
    from .scenario import Event, TargetChange


def check_driver(
    calibration: Calibration, driver: str, *, reshaped: bool = False, file: str | None = None
) -> None:
    """``driver`` is a variable (with a shock, when its shock is ``reshaped``)."""
    variables = calibration.variables
    if driver not in variables:
        raise ScenarioError(
            unknown("driver", driver, variables), file=file, key=f"drivers.{driver}"
        )
    if reshaped and variables[driver].shock is None:
        raise ScenarioError(
            f"'{driver}' has no shock to rescale or reshape; variables with shocks: "
            + ", ".join(calibration.shocked),
            file=file,
            key=f"drivers.{driver}",
        )


def check_parameter(calibration: Calibration, parameter: str, value: float) -> None:
    """``parameter`` is a fact id (not a derived parameter)."""
    try:
        calibration.parameters({parameter: value})
    except CalibrationError as exc:
        raise ScenarioError(exc.message, key=exc.key) from None


def check_correlated(
    calibration: Calibration, names: tuple[str, str], events: Iterable[str] = ()
) -> None:
    """Both names of a correlation are shocked variables or events (the calibration's,
    or ``events`` a scenario adds)."""
    basis = [*calibration.shocked, *calibration.events, *events]
    check_in_basis(names, basis, file=None, key="correlations.{}.{}".format(*names))


def check_in_basis(
    names: Iterable[str], basis: Iterable[str], *, file: str | None, key: str
) -> None:
    """Every name of a correlation is a column of ``basis`` (a shock or an event)."""
    basis = list(basis)
    for name in names:
        if name not in basis:
            raise ScenarioError(
                unknown("shocked variable or event", name, basis), file=file, key=key
            )


def check_event(
    calibration: Calibration,
    name: str,
    event: Event,
    added: Iterable[str] = (),
    *,
    file: str | None = None,
) -> None:
    """An event's impacts name variables, and a new one (neither the calibration's nor
    one of ``added``) has some."""
    key = f"events.{name}"
    for variable in event.impact:
        if variable not in calibration.variables:
            raise ScenarioError(
                unknown("variable", variable, calibration.variables),
                file=file,
                key=f"{key}.impact.{variable}",
            )
    known = [*calibration.events, *added]
    if name not in known and not event.impact:
        raise ScenarioError(
            f"{unknown('event', name, known)}; a new event needs an impact on at least one "
            "variable",
            file=file,
            key=key,
        )
    spec = calibration.events.get(name)
    sized = (
        event.size_spread
        if event.size_spread is not None
        else (spec.size_spread if spec is not None else None)
    )
    impacts = event.impact or (spec.impact if spec is not None else {})
    if sized is not None and sized != 0 and len(impacts) != 1:
        raise ScenarioError(
            f"an event of random size (size_spread) has exactly one impact, found "
            f"{len(impacts)}; the size spread is in that impact's unit",
            file=file,
            key=f"{key}.size_spread" if event.size_spread is not None else f"{key}.impact",
        )


def check_target_change(
    calibration: Calibration,
    target: str,
    change: TargetChange,
    known: Iterable[str],
    *,
    file: str | None = None,
) -> None:
    """A change to a target in ``known`` or a complete new target, on known variables."""
    key = f"targets.{target}"
    known = list(known)
    if target not in known:
        missing = [f for f in ("indicator", "op") if getattr(change, f) is None]
        if missing:
            raise ScenarioError(
                f"{unknown('target', target, known)}; a new target needs "
                + " and ".join(
                    "an indicator" if f == "indicator" else "an op (>=, >, <=, <)" for f in missing
                ),
                file=file,
                key=key,
            )
    for field in ("indicator", "compare_to"):
        variable = getattr(change, field)
        if variable is not None and variable not in calibration.variables:
            raise ScenarioError(
                unknown("variable", variable, calibration.variables),
                file=file,
                key=f"{key}.{field}",
            )
    if change.op is not None and change.op not in OPS:
        raise ScenarioError(unknown_of("op", change.op, OPS), file=file, key=f"{key}.op")


def check_dropped(target: str, known: Iterable[str], *, file: str | None = None) -> None:
    """A dropped target is one of ``known``."""
    known = list(known)
    if target not in known:
        raise ScenarioError(unknown("target", target, known), file=file, key=f"targets.{target}")


def check_observed(calibration: Calibration, observed: Mapping[str, Mapping[str, float]]) -> None:
    """Observations name the calibration's variables with quarters, and valid periods."""
    quarterly = calibration.quarterly
    check_observed_names(observed, quarterly.variables if quarterly is not None else ())


def check_observed_names(
    observed: Mapping[str, Mapping[str, float]],
    variables: Iterable[str],
    *,
    file: str | None = None,
) -> None:
    """Observations name ``variables`` with quarters and the periods of :data:`PERIODS`."""
    variables = sorted(variables)
    for variable, periods in observed.items():
        key = f"observed.{variable}"
        if variable not in variables:
            raise ScenarioError(
                unknown("variable with quarterly data", variable, variables or ["none"]),
                file=file,
                key=key,
            )
        if not isinstance(periods, Mapping) or not periods:
            raise ScenarioError(
                f"expected a mapping of periods ({', '.join(PERIODS)}) to values",
                file=file,
                key=key,
            )
        for period in periods:
            if period not in PERIODS:
                raise ScenarioError(
                    unknown_of("period", str(period), PERIODS), file=file, key=f"{key}.{period}"
                )
