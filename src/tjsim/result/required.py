"""RequiredShift: what it takes for a target to be met with a given probability
(:func:`tjsim.required_shift` returns one; :mod:`tjsim.analysis.required` fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..report.sensitivity import format_required


@dataclass(frozen=True)
class RequiredShift:
    """What it takes for a target (or all of them) to be met with a given probability.

    ``shift`` moves the driver from ``current`` to ``value`` (a variable's central value
    or a parameter's value); ``low`` and ``high`` bound it with 95% confidence (an
    infinite end means the level is not reached within ``bounds`` on that side).
    """

    target: str
    driver: str
    kind: str
    probability: float
    shift: float
    low: float
    high: float
    current: float
    value: float
    achieved: float
    std_error: float
    start_probability: float
    unit: str
    label: str
    bounds: tuple[float, float]
    draws: int
    method: str
    seed: int | str
    scenario: str
    conditioning: str = ""
    curve: pd.DataFrame = field(repr=False, compare=False, default_factory=pd.DataFrame)

    def __str__(self) -> str:
        return format_required(self)

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain values (without the search curve)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "curve"}
        out["bounds"] = list(self.bounds)
        return out
