"""Analysis: what moves the odds (sensitivities, required shifts), comparisons of
scenarios and sweeps over grids of scenarios, all on common random numbers; and what a
first quarter says about the year, fitted on the provincial panel (quarterly_weights);
the reporting model of published growth given a target, fitted and scored on the panel
(ReportingModel, score_panel); and the calibration's contestable choices, each
evaluated on the baseline's draws (choices_table).

Layer 6. May import the foundation modules, :mod:`tjsim.calibration`,
:mod:`tjsim.scenario`, :mod:`tjsim.model`, the rendering modules of
:mod:`tjsim.report`, :mod:`tjsim.result` and :mod:`tjsim.engine`. Functions here take
objects (calibrations, scenarios, results) and fill the containers of
:mod:`tjsim.result` (:class:`~tjsim.result.ComparisonResult`,
:class:`~tjsim.result.ScoreResult`, :class:`~tjsim.result.PanelScoreResult`,
:class:`~tjsim.result.RequiredShift`); :mod:`tjsim.api` resolves files and names.
"""

from __future__ import annotations

# The containers these fill live in tjsim.result, and the printout of a sensitivity
# table in tjsim.report; both are re-exported here under their documented names.
from ..report.sensitivity import format_sensitivities
from ..result import ComparisonResult, PanelScoreResult, RequiredShift, ScoreResult
from .choices import Choice, choices_table
from .common import CommonDraws, Driver, common_draws, common_draws_of, resolve_driver
from .compare import PairedRun, compare, comparison_table, kept_met_flags, paired_run
from .panel_score import score_panel
from .quarters import quarterly_weights
from .reporting import GrowthDistribution, ReportingModel, fit_reporting_model
from .required import required_shift
from .score import score
from .sensitivities import DEFAULT_STEP, plot_tornado, sensitivity_matrix, sensitivity_table
from .sweep import sweep

__all__ = [
    "DEFAULT_STEP",
    "Choice",
    "CommonDraws",
    "ComparisonResult",
    "Driver",
    "GrowthDistribution",
    "PairedRun",
    "PanelScoreResult",
    "ReportingModel",
    "RequiredShift",
    "ScoreResult",
    "choices_table",
    "common_draws",
    "common_draws_of",
    "compare",
    "comparison_table",
    "fit_reporting_model",
    "format_sensitivities",
    "kept_met_flags",
    "paired_run",
    "plot_tornado",
    "quarterly_weights",
    "required_shift",
    "resolve_driver",
    "score",
    "score_panel",
    "sensitivity_matrix",
    "sensitivity_table",
    "sweep",
]
