"""The pieces of a calibration, as frozen values: facts, shocks, variables, events,
targets and their readings, totals, share groups and the quarterly structure.

These are plain containers; :mod:`tjsim.calibration.calibration` builds and validates
them from data.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .. import expressions

FACT_KINDS = ("report", "statistic", "assumption", "fitted")
FACT_FIELDS = ("id", "value", "unit", "year", "kind", "label", "source")
OPS = (">=", ">", "<=", "<")
LAYERS = ("driver", "sector", "aggregate", "district", "satellite")
#: The id results give to all targets met together: no target may have it.
JOINT = "joint"

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
    """A variable's additive, mean-zero shock: family and parameters (numbers or ids).

    ``spread`` is ``None`` for the free component of a total (:class:`TotalSpec`): its
    spread is then solved when the model is compiled.
    """

    distribution: str
    spread: Number | None
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
    """A discrete risk: it occurs with ``probability`` and then adds ``impact`` to variables.

    With a ``size_spread`` the event's size is random: when it occurs, its (single)
    impact is drawn from a normal with mean the impact and standard deviation
    ``size_spread``, in the impact's unit.
    """

    id: str
    label: str
    probability: Number
    impact: Mapping[str, Number]
    source: str = ""
    tail: bool = False  # a regime break, outside the ordinary-year totals
    size_spread: Number | None = None


@dataclass(frozen=True)
class ReadingSpec:
    """One way of reading a target: ``indicator op threshold`` or ``indicator op
    compare_to``, the indicator being the target's unless the reading names another.

    ``rounding`` is the precision an outcome is published to: the published figure,
    rounded half up, must meet the rule (``>= 4.5`` with rounding 0.1 holds from 4.45).
    ``tolerance`` (comparisons only) loosens a comparison by that much: ``>=`` with
    tolerance 0.3 holds down to 0.3 below the other indicator (``<=``: up to 0.3 above).
    """

    name: str
    op: str
    threshold: Number | None = None
    compare_to: str | None = None
    indicator: str | None = None
    rounding: float | None = None
    tolerance: Number | None = None


@dataclass(frozen=True)
class TargetSpec:
    """A target: its indicator, its readings by name, and the default reading's name.

    ``headline`` marks one of the plan's quantified headline goals (the report's list
    of main expected targets): results show these first, with their joint and the
    number of them met."""

    id: str
    indicator: str
    readings: Mapping[str, ReadingSpec]
    default: str
    label: str = ""
    wording: str = ""
    source: str = ""
    headline: bool = False

    @property
    def rule(self) -> ReadingSpec:
        """The default reading."""
        return self.readings[self.default]

    @property
    def reading(self) -> str:
        """The default reading as text, e.g. ``published: gdp_growth >= 4.5 (to 0.1)``."""
        spec = self.rule
        other = spec.compare_to if spec.compare_to is not None else spec.threshold
        if spec.tolerance is not None:
            other = f"{other} {'-' if spec.op in ('>=', '>') else '+'} {spec.tolerance}"
        rounded = f" (to {spec.rounding:g})" if spec.rounding else ""
        return f"{self.default}: {spec.indicator or self.indicator} {spec.op} {other}{rounded}"


@dataclass(frozen=True)
class TotalSpec:
    """An indicator's ordinary-year total spread and the component that closes it.

    The free component's spread is solved so that the spread of ``indicator`` (minus
    ``relative_to``, when given), from every shock and every event but the tail events,
    equals ``spread``.
    """

    indicator: str
    spread: Number
    free: str
    relative_to: str | None = None


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
class FittedSpec:
    """What the calibration's ``fitted.yaml`` holds: the reporting model's distribution
    of the record's indicator for the calibration's panel region
    (:func:`tjsim.analysis.reporting.fitted_yaml` writes it).

    ``target`` is the fact of the target the distribution is fitted for (its ``year``
    is the year predicted) and ``qualifier`` the target's wording (``'左右'``,
    ``'以上'``, ``'range'`` or ``''``). ``distribution`` names the six numbers of the
    distribution, in the order of
    :class:`~tjsim.analysis.reporting.GrowthDistribution`'s fields (centre, spread,
    skew, break probability, break impact, break spread); ``projection``, ``weight``,
    ``bias`` and ``bias_sd`` name the numbers stated for information (the projection
    used, the fitted weight of the projection, the region's shrunk bias and its sd).
    """

    target: str
    qualifier: str
    distribution: tuple[str, str, str, str, str, str]
    projection: str
    weight: str
    bias: str
    bias_sd: str


@dataclass(frozen=True)
class RecordSpec:
    """How the calibration's derivation is scored against its own record, year by year.

    Each ``{year}`` in a name stands for the year. A year's ``outturn`` and ``target``
    are facts; its ``ordinary`` and ``tail`` weights say how it counts. Leaving a year
    out (both weights zero) and re-deriving gives the ``bias``, ``spread``,
    ``tail_probability`` and ``tail_impact`` the calibration would have had without it.

    ``panel_region`` is the region of the provincial panel whose record this is (any of
    its names; ``None``: none of the panel's regions), ``projection`` the parameter in
    which the calibration states its sectors' projection of the indicator (``None``:
    none stated), and ``fitted`` what its ``fitted.yaml`` holds (``None``: it has none).
    """

    indicator: str
    years: tuple[int, ...]
    outturn: str
    target: str
    ordinary: str
    tail: str
    bias: str
    spread: str
    tail_probability: str
    tail_impact: str
    panel_region: str | None = None
    projection: str | None = None
    fitted: FittedSpec | None = None

    def name(self, field_name: str, year: int) -> str:
        """The parameter id of ``field_name`` (``outturn``, ...) for ``year``."""
        return str(getattr(self, field_name)).format(year=year)


@dataclass(frozen=True)
class QuarterlySpec:
    """Quarterly structure: quarter weights (summing to one), the AR(1) persistence of
    quarterly deviations, and the variables with quarters (id -> deviation spread)."""

    weights: tuple[Number, Number, Number, Number]
    persistence: Number
    variables: Mapping[str, Number]


#: Ways a choice may set GDP's fitted ordinary-year mean from the baseline's parameters.
MEAN_FROM = ("target + bias", "projection")


@dataclass(frozen=True)
class Choice:
    """A contestable choice of the calibration, as a change to the baseline
    (``choices`` in ``model.yaml``; :func:`tjsim.analysis.choices_table` evaluates them).

    ``parameters`` are set, ``events`` get new probabilities, ``reading`` reads every
    target that has it so, and ``mean_from`` sets GDP's fitted ordinary-year mean (the
    first of the record's :attr:`FittedSpec.distribution`) from the baseline's
    parameters: ``"target + bias"`` (the target plus the record's planners' bias) or
    ``"projection"`` (the sectors' GDP projection, the record's
    :attr:`RecordSpec.projection`).
    """

    label: str
    parameters: Mapping[str, float] = field(default_factory=dict)
    events: Mapping[str, float] = field(default_factory=dict)
    reading: str | None = None
    mean_from: str | None = None

    def __post_init__(self) -> None:
        if self.mean_from is not None and self.mean_from not in MEAN_FROM:
            raise ValueError(f"mean_from must be one of {MEAN_FROM}, not {self.mean_from!r}")


@dataclass(frozen=True)
class PlanFactorSpec:
    """The plan-management factor's fit (``plan_factor`` in ``model.yaml``;
    :func:`tjsim.analysis.plan.plan_likelihood`): the ``parameter`` that loads the factor
    on the managed margins, and the ``record``, the number of headline targets met in
    each ordinary year (year -> count)."""

    parameter: str
    record: Mapping[int, int]
