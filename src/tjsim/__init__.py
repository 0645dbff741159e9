"""tjsim: Monte Carlo odds of meeting Tianjin's 2024 plan targets.

Start here::

    import tjsim

    result = tjsim.simulate(draws=100_000, seed=2024)   # the baseline scenario
    result.probabilities()                             # P(met), its error and interval
    slump = tjsim.baseline().with_shift("investment", -3)
    tjsim.simulate(slump, draws=100_000, seed=2024).probabilities()

``docs/index.md`` and the quickstart notebook (``docs/quickstart.ipynb``) walk through
the rest; ``docs/architecture.md`` shows how the package is laid out. Submodules are
imported on first use, so ``import tjsim`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "simulate": "api",
    "load_scenario": "api",
    "facts": "api",
    "targets": "api",
    "sensitivities": "api",
    "score": "api",
    "required_shift": "api",
    "sweep": "api",
    "load_grid": "api",
    "SweepResult": "result",
    "Grid": "scenario",
    "SimulationResult": "result",
    "why_missed": "result",
    "Scenario": "scenario",
    "baseline": "scenario",
    "Calibration": "calibration",
    "load_calibration": "api",
    "compile_model": "model",
    "TjsimError": "errors",
    "CalibrationError": "errors",
    "ScenarioError": "errors",
    "RequiredShift": "analysis",
    "ScoreResult": "analysis",
    "plot_tornado": "analysis",
}

__all__ = [
    "Calibration",
    "CalibrationError",
    "Grid",
    "RequiredShift",
    "Scenario",
    "ScenarioError",
    "ScoreResult",
    "SimulationResult",
    "SweepResult",
    "TjsimError",
    "__version__",
    "baseline",
    "compile_model",
    "facts",
    "load_calibration",
    "load_grid",
    "load_scenario",
    "plot_tornado",
    "required_shift",
    "score",
    "sensitivities",
    "simulate",
    "sweep",
    "targets",
    "why_missed",
]

if TYPE_CHECKING:
    from .analysis import RequiredShift, ScoreResult, plot_tornado
    from .api import (
        facts,
        load_calibration,
        load_grid,
        load_scenario,
        required_shift,
        score,
        sensitivities,
        simulate,
        sweep,
        targets,
    )
    from .calibration import Calibration
    from .errors import CalibrationError, ScenarioError, TjsimError
    from .model import compile_model
    from .result import SimulationResult, SweepResult, why_missed
    from .scenario import Grid, Scenario, baseline


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tjsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
