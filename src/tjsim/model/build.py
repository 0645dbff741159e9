"""Build the model a run evaluates, and check scenarios against a calibration.

:func:`build_model` compiles a scenario and, when it has year-to-date observations (or
quarters are asked for), adds the quarterly structure and conditions on them.
:func:`check_scenario` and :func:`check_observed` do the same work only to raise, with
the file and key, for ids the calibration does not know: the scenario reader calls
them (:func:`tjsim.scenario.read_scenario`'s ``check``).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..calibration import Calibration
from ..scenario import Scenario
from .compile import compile_model
from .compiled import CompiledModel
from .quarterly import condition, quarterly_model


def build_model(
    calibration: Calibration, scenario: Scenario, *, quarterly: bool = False
) -> CompiledModel:
    """Compile ``scenario``; with quarters (``quarterly`` or observations) added and
    conditioned on the scenario's ``observed`` figures."""
    model = compile_model(calibration, scenario)
    if quarterly or scenario.observed:
        model = quarterly_model(model, calibration)
        model = condition(model, scenario.observed, source=scenario.path)
    return model


def check_calibration(calibration: Calibration) -> Calibration:
    """Compile ``calibration``'s baseline once, so that a calibration that loads also runs
    (its totals are reachable, its readings resolve); returns it."""
    compile_model(calibration)
    return calibration


def check_scenario(scenario: Scenario, calibration: Calibration) -> None:
    """Compile ``scenario`` (and condition it on its observations) to check every id."""
    build_model(calibration, scenario)


def check_observed(
    observed: Mapping[str, Mapping[str, float]],
    calibration: Calibration,
    *,
    source: str | None = None,
) -> None:
    """Check year-to-date observations against the calibration's quarterly structure."""
    model = quarterly_model(compile_model(calibration), calibration)
    condition(model, observed, source=source)
