"""Calibration: the economy as data (facts with provenance, assumptions, equations,
shocks, events and targets, and the symbols of its ids), read from YAML and validated;
and the provincial panel of GDP targets against outturns (:mod:`tjsim.calibration.panel`),
read from CSV.

Layer 1. May import the foundation modules (:mod:`tjsim.errors`, :mod:`tjsim.seeding`,
:mod:`tjsim.yamlio`, :mod:`tjsim.expressions`, :mod:`tjsim.marginals`,
:mod:`tjsim.figures`) and nothing else of tjsim.
"""

from __future__ import annotations

from .calibration import (
    Calibration,
    check_shock,
    correlation_cholesky,
    reading_spec,
    target_spec,
    validate_parameters,
)
from .files import (
    FILES,
    calibration_folder,
    default_calibration_path,
    load_calibration,
    packaged_calibrations,
)
from .notation import Notation, read_notation
from .panel import (
    load_panel,
    load_quarterly,
    load_regions,
    load_tianjin_record,
    pairs,
    region_name,
)
from .specs import (
    FACT_FIELDS,
    FACT_KINDS,
    LAYERS,
    MEAN_FROM,
    OPS,
    PERIODS,
    Choice,
    EventSpec,
    Fact,
    FittedSpec,
    PlanFactorSpec,
    QuarterlySpec,
    ReadingSpec,
    RecordSpec,
    ShareGroup,
    ShockSpec,
    TargetSpec,
    TotalSpec,
    VariableSpec,
)

__all__ = [
    "FACT_FIELDS",
    "FACT_KINDS",
    "FILES",
    "LAYERS",
    "MEAN_FROM",
    "OPS",
    "PERIODS",
    "Calibration",
    "Choice",
    "EventSpec",
    "Fact",
    "FittedSpec",
    "Notation",
    "PlanFactorSpec",
    "QuarterlySpec",
    "ReadingSpec",
    "RecordSpec",
    "ShareGroup",
    "ShockSpec",
    "TargetSpec",
    "TotalSpec",
    "VariableSpec",
    "calibration_folder",
    "check_shock",
    "correlation_cholesky",
    "default_calibration_path",
    "load_calibration",
    "load_panel",
    "load_quarterly",
    "load_regions",
    "load_tianjin_record",
    "packaged_calibrations",
    "pairs",
    "read_notation",
    "reading_spec",
    "region_name",
    "target_spec",
    "validate_parameters",
]
