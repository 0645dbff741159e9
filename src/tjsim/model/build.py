"""Build the model a run evaluates, and check scenarios against a calibration.

:func:`build_model` compiles a scenario and, when it has year-to-date observations (or
quarters are asked for), adds the quarterly structure and conditions on them.
:func:`check_scenario` and :func:`check_observed` do the same work only to raise, with
the file and key, for ids the calibration does not know: the scenario reader calls
them (:func:`tjsim.scenario.read_scenario`'s ``check``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
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
    conditioned on the scenario's ``observed`` figures.

    The last :data:`KEPT_MODELS` models are kept with the calibration object and the
    scenario they were compiled from (both frozen; an equal scenario, such as a new
    baseline, finds the same model), so that a scenario checked when it was read
    (:func:`check_scenario`) or run before is not compiled again to run it."""
    with _LOCK:
        kept = list(_MODELS)
    for cal, scen, was_quarterly, model in reversed(kept):
        if cal is calibration and was_quarterly == bool(quarterly):
            if scen is scenario or scen == scenario:
                return model
    model = compile_model(calibration, scenario)
    if quarterly or scenario.observed:
        model = quarterly_model(model, calibration)
        model = condition(model, scenario.observed, source=scenario.path)
    with _LOCK:
        _MODELS.append((calibration, scenario, bool(quarterly), model))
    return model


#: Models :func:`build_model` keeps (the last ones compiled).
KEPT_MODELS = 4
_MODELS: deque[tuple[Calibration, Scenario, bool, CompiledModel]] = deque(maxlen=KEPT_MODELS)
_LOCK = threading.Lock()


def check_calibration(calibration: Calibration) -> Calibration:
    """Compile ``calibration``'s baseline once, so that a calibration that loads also runs
    (its totals are reachable, its readings resolve); returns it.

    The last :data:`KEPT_MODELS` calibrations checked are remembered (by the object, which
    is frozen), so that loading the same calibration again costs nothing."""
    with _LOCK:
        if _CHECKED.get(id(calibration)) is calibration:
            return calibration
    compile_model(calibration)
    with _LOCK:
        _CHECKED[id(calibration)] = calibration  # the object keeps its id
        while len(_CHECKED) > KEPT_MODELS:
            _CHECKED.popitem(last=False)
    return calibration


_CHECKED: OrderedDict[int, Calibration] = OrderedDict()


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
