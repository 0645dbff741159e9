"""Scenarios: what a user changes relative to the calibration, as frozen values, and
their YAML files (read with structure checks, written back).

Layer 2. May import the foundation modules and :mod:`tjsim.calibration`.
"""

from __future__ import annotations

from .read import BASELINE, read_observed, read_scenario, scenario_from_mapping
from .scenario import (
    METHODS,
    DriverChange,
    Event,
    Scenario,
    SimulationSettings,
    TargetChange,
    baseline,
    describe_conditioning,
    describe_observed,
)
from .write import scenario_to_mapping, to_yaml

__all__ = [
    "BASELINE",
    "METHODS",
    "DriverChange",
    "Event",
    "Scenario",
    "SimulationSettings",
    "TargetChange",
    "baseline",
    "describe_conditioning",
    "describe_observed",
    "read_observed",
    "read_scenario",
    "scenario_from_mapping",
    "scenario_to_mapping",
    "to_yaml",
]
