"""Results: every container of what tjsim computes. The accumulated totals of a run and
what they say (probabilities with their Monte Carlo errors, quantiles, tables, figures,
Monte Carlo filtering), the probabilities of a sweep over a grid of scenarios, a
comparison of scenarios, a required shift, and the scores of the record and of the
reporting model.

Layer 4. May import the foundation modules, :mod:`tjsim.calibration`,
:mod:`tjsim.scenario`, :mod:`tjsim.model` and the rendering modules of
:mod:`tjsim.report` (printouts and HTML: a container's ``__str__`` and
``_repr_html_`` delegate to them). Results sit below the engine and the analysis that
fill them: nothing here runs a simulation or imports :mod:`tjsim.analysis`.
"""

from __future__ import annotations

from .accumulator import FIXED_POINT, Accumulator
from .comparison import ComparisonResult
from .estimates import Z95, MeanEstimate, paired_standard_error, wilson_interval
from .filtering import JOINT, why_missed
from .panel_score import PanelScoreResult
from .required import RequiredShift
from .score import ScoreResult
from .simulation import DEFAULT_QUANTILES, SimulationResult
from .sweep import MetCounts, SweepResult, met_counts

__all__ = [
    "DEFAULT_QUANTILES",
    "FIXED_POINT",
    "JOINT",
    "Z95",
    "Accumulator",
    "ComparisonResult",
    "MeanEstimate",
    "MetCounts",
    "PanelScoreResult",
    "RequiredShift",
    "ScoreResult",
    "SimulationResult",
    "SweepResult",
    "met_counts",
    "paired_standard_error",
    "why_missed",
    "wilson_interval",
]
