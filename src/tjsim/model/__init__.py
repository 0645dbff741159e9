"""The compiled model: a calibration under a scenario as arrays (``v = c + L x``), the
quarterly structure and conditioning on year-to-date figures.

Layer 3. May import the foundation modules, :mod:`tjsim.calibration` and
:mod:`tjsim.scenario`.
"""

from __future__ import annotations

from .build import build_model, check_calibration, check_observed, check_scenario
from .compile import compile_model, resolve_events, resolve_targets
from .compiled import BIN_WIDTH, CompiledModel, Target
from .quarterly import PERIODS, condition, quarterly_model, ytd_indicator

__all__ = [
    "BIN_WIDTH",
    "PERIODS",
    "CompiledModel",
    "Target",
    "build_model",
    "check_calibration",
    "check_observed",
    "check_scenario",
    "compile_model",
    "condition",
    "quarterly_model",
    "resolve_events",
    "resolve_targets",
    "ytd_indicator",
]
