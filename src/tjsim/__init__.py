"""tjsim: Monte Carlo odds of meeting Tianjin's 2024 plan targets.

>>> import tjsim
>>> result = tjsim.simulate(draws=100_000, seed=1)   # doctest: +SKIP
>>> result.probabilities()                           # doctest: +SKIP

Submodules are imported on first use, so ``import tjsim`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "simulate": "engine",
    "SimulationResult": "result",
    "Scenario": "scenario",
    "baseline": "scenario",
    "load_scenario": "scenario_io",
    "Calibration": "calibration",
    "load_calibration": "calibration",
    "compile_model": "model",
    "facts": "tables",
    "targets": "tables",
    "TjsimError": "errors",
    "CalibrationError": "errors",
    "ScenarioError": "errors",
    "sensitivities": "sensitivity",
    "required_shift": "sensitivity",
    "why_missed": "sensitivity",
    "RequiredShift": "sensitivity",
}

__all__ = [
    "Calibration",
    "CalibrationError",
    "RequiredShift",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "TjsimError",
    "__version__",
    "baseline",
    "compile_model",
    "facts",
    "load_calibration",
    "load_scenario",
    "required_shift",
    "sensitivities",
    "simulate",
    "targets",
    "why_missed",
]

if TYPE_CHECKING:
    from .calibration import Calibration, load_calibration
    from .engine import simulate
    from .errors import CalibrationError, ScenarioError, TjsimError
    from .model import compile_model
    from .result import SimulationResult
    from .scenario import Scenario, baseline
    from .scenario_io import load_scenario
    from .sensitivity import RequiredShift, required_shift, sensitivities, why_missed
    from .tables import facts, targets


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tjsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
