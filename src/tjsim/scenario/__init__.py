"""Scenarios: what a user changes relative to the calibration, as frozen values, and
their YAML files (read with structure checks, written back); sweep grids, the scenario
settings a sweep varies.

Layer 2. May import the foundation modules and :mod:`tjsim.calibration`.
"""

from __future__ import annotations

from .grid import Axis, Grid, check_grid, grid_from_mapping, read_grid
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
    "Axis",
    "DriverChange",
    "Event",
    "Grid",
    "Scenario",
    "SimulationSettings",
    "TargetChange",
    "baseline",
    "check_grid",
    "describe_conditioning",
    "describe_observed",
    "grid_from_mapping",
    "read_grid",
    "read_observed",
    "read_scenario",
    "scenario_from_mapping",
    "scenario_to_mapping",
    "to_yaml",
]
