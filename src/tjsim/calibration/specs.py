"""The pieces of a calibration, as frozen values: facts, shocks, variables, events,
targets, share groups and the quarterly structure.

These are plain containers; :mod:`tjsim.calibration.calibration` builds and validates
them from data.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from .. import expressions

FACT_KINDS = ("report", "statistic", "assumption")
FACT_FIELDS = ("id", "value", "unit", "year", "kind", "label", "source")
OPS = (">=", ">", "<=", "<")
LAYERS = ("driver", "sector", "aggregate", "district", "satellite")

Number = float | str  # a number, or an expression over parameter ids


@dataclass(frozen=True)
class Fact:
    """One figure with its provenance."""

    id: str
    value: float
    unit: str
    year: int
    kind: str
    label: str
    source: str


@dataclass(frozen=True)
class ShockSpec:
    """A variable's additive, mean-zero shock: family and parameters (numbers or ids)."""

    distribution: str
    spread: Number
    df: Number | None = None
    skew: Number | None = None


@dataclass(frozen=True)
class VariableSpec:
    """A model variable: its equation and, optionally, its shock."""

    id: str
    layer: str
    label: str
    unit: str
    equation: str
    shock: ShockSpec | None = None

    @cached_property
    def tree(self) -> ast.Expression:
        return expressions.parse(self.equation)


@dataclass(frozen=True)
class EventSpec:
    """A discrete risk: it occurs with ``probability`` and then adds ``impact`` to variables."""

    id: str
    label: str
    probability: Number
    impact: Mapping[str, Number]
    source: str = ""


@dataclass(frozen=True)
class TargetSpec:
    """A target: ``indicator op threshold`` or ``indicator op compare_to``."""

    id: str
    indicator: str
    op: str
    threshold: Number | None = None
    compare_to: str | None = None
    label: str = ""
    wording: str = ""
    source: str = ""

    @property
    def reading(self) -> str:
        """Human-readable reading, e.g. ``gdp_growth >= 4.5``."""
        other = self.compare_to if self.compare_to is not None else self.threshold
        return f"{self.indicator} {self.op} {other}"


@dataclass(frozen=True)
class ShareGroup:
    """Parameters that must add up to ``total`` (within ``tolerance``), or stay below it."""

    id: str
    parts: tuple[str, ...]
    total: float = 100.0
    tolerance: float = 0.05
    exact: bool = True


#: Year-to-date periods that figures are published for, and the quarters they cover.
PERIODS: dict[str, int] = {"Q1": 1, "H1": 2, "Q1-Q3": 3, "FY": 4}


@dataclass(frozen=True)
class QuarterlySpec:
    """Quarterly structure: quarter weights (summing to one), the AR(1) persistence of
    quarterly deviations, and the variables with quarters (id -> deviation spread)."""

    weights: tuple[Number, Number, Number, Number]
    persistence: Number
    variables: Mapping[str, Number]
