"""tjsim: Monte Carlo odds of meeting Tianjin's 2024 plan targets.

Quickstart (each line runs as it is; 100,000 draws take a second or two)::

    import tjsim

    # The probability of meeting each target, with its Monte Carlo error:
    base = tjsim.simulate(draws=100_000, seed=2024)     # draws is keyword-only
    print(base)                                         # or display it in a notebook
    base.probabilities()                                # P(met), std_error, 95% interval

    # A scenario: every with_* call returns a new, renamed scenario, and checks its
    # names at the call ("did you mean ...?"):
    slump = tjsim.baseline().with_shift("investment", -3)   # "baseline + investment -3"

    # Compare on common random numbers: paired errors, significance, a figure:
    comparison = tjsim.compare(tjsim.baseline(), slump, "property_downturn",
                               draws=100_000, seed=2024)
    comparison.to_frame()
    comparison.plot_changes()

    # Condition on year-to-date figures (hypothetical here):
    tjsim.simulate(draws=100_000, seed=2024, observed={"gdp_growth": {"Q1": 5.0}})

    # What moves the odds, and what is in the calibration:
    tjsim.sensitivities(base)
    tjsim.drivers(); tjsim.events(); tjsim.parameters(); tjsim.targets()
    tjsim.facts(grep="port")
    tjsim.panel("tianjin", pairs_only=True)             # the 31 regions' targets vs outturns

    # Another packaged calibration, by name (tjsim.calibrations() lists them):
    tjsim.simulate(calibration="china", draws=100_000, seed=2024)

    # A live explorer, inline in a notebook (pip install "tjsim[app]"):
    # tjsim.explore("property_downturn")

Scenario files (``tjsim run property_downturn`` on the command line) ship with the
package and are accepted by name. The documentation (``docs/`` in the source: the
quickstart notebook, the API, the model and its calibration) walks through the rest.
Submodules are imported on first use, so ``import tjsim`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_EXPORTS = {
    "simulate": "api",
    "compare": "api",
    "explore": "app",
    "load_scenario": "api",
    "scenario_from_mapping": "api",
    "facts": "api",
    "panel": "api",
    "panel_quarterly": "api",
    "drivers": "api",
    "events": "api",
    "parameters": "api",
    "targets": "api",
    "sensitivities": "api",
    "score": "api",
    "reporting_model": "api",
    "ReportingModel": "analysis",
    "GrowthDistribution": "analysis",
    "PanelScoreResult": "result",
    "required_shift": "api",
    "sweep": "api",
    "load_grid": "api",
    "SweepResult": "result",
    "Grid": "scenario",
    "SimulationResult": "result",
    "why_missed": "result",
    "Scenario": "scenario",
    "baseline": "api",
    "Calibration": "calibration",
    "load_calibration": "api",
    "packaged_calibrations": "api",
    "calibrations": "api",
    "compile_model": "model",
    "TjsimError": "errors",
    "CalibrationError": "errors",
    "ScenarioError": "errors",
    "RequiredShift": "result",
    "ComparisonResult": "result",
    "ScoreResult": "result",
    "plot_tornado": "analysis",
}

__all__ = [
    "Calibration",
    "CalibrationError",
    "ComparisonResult",
    "Grid",
    "GrowthDistribution",
    "PanelScoreResult",
    "ReportingModel",
    "RequiredShift",
    "Scenario",
    "ScenarioError",
    "ScoreResult",
    "SimulationResult",
    "SweepResult",
    "TjsimError",
    "__version__",
    "baseline",
    "calibrations",
    "compare",
    "compile_model",
    "drivers",
    "events",
    "explore",
    "facts",
    "load_calibration",
    "load_grid",
    "load_scenario",
    "packaged_calibrations",
    "panel",
    "panel_quarterly",
    "parameters",
    "plot_tornado",
    "reporting_model",
    "required_shift",
    "scenario_from_mapping",
    "score",
    "sensitivities",
    "simulate",
    "sweep",
    "targets",
    "why_missed",
]

if TYPE_CHECKING:
    from .analysis import GrowthDistribution, ReportingModel, plot_tornado
    from .api import (
        baseline,
        calibrations,
        compare,
        drivers,
        events,
        facts,
        load_calibration,
        load_grid,
        load_scenario,
        packaged_calibrations,
        panel,
        panel_quarterly,
        parameters,
        reporting_model,
        required_shift,
        scenario_from_mapping,
        score,
        sensitivities,
        simulate,
        sweep,
        targets,
    )
    from .app.explore import explore
    from .calibration import Calibration
    from .errors import CalibrationError, ScenarioError, TjsimError
    from .model import compile_model
    from .result import (
        ComparisonResult,
        PanelScoreResult,
        RequiredShift,
        ScoreResult,
        SimulationResult,
        SweepResult,
        why_missed,
    )
    from .scenario import Grid, Scenario


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tjsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
