"""Results: the accumulated totals of a run and what they say (probabilities with their
Monte Carlo errors, quantiles, tables, figures, Monte Carlo filtering), and the
probabilities of a sweep over a grid of scenarios.

Layer 4. May import the foundation modules, :mod:`tjsim.calibration`,
:mod:`tjsim.scenario` and :mod:`tjsim.model`. Results sit below the engine that fills
them: nothing here runs a simulation.
"""

from __future__ import annotations

from .accumulator import FIXED_POINT, Accumulator
from .estimates import Z95, MeanEstimate, paired_standard_error, wilson_interval
from .filtering import JOINT, why_missed
from .simulation import DEFAULT_QUANTILES, SimulationResult
from .sweep import MetCounts, SweepResult, met_counts

__all__ = [
    "DEFAULT_QUANTILES",
    "FIXED_POINT",
    "JOINT",
    "Z95",
    "Accumulator",
    "MeanEstimate",
    "MetCounts",
    "SimulationResult",
    "SweepResult",
    "met_counts",
    "paired_standard_error",
    "why_missed",
    "wilson_interval",
]
