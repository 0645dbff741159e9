"""The targets of a calibration as a table (:func:`target_table`)."""

from __future__ import annotations

import pandas as pd

from ..calibration import Calibration
from ..scenario import Scenario
from .compile import resolve_targets


def target_table(calibration: Calibration) -> pd.DataFrame:
    """The targets, indexed by id, under their default readings: ``indicator, op,
    threshold, compare_to`` (the effective rule, rounding included, thresholds resolved
    to numbers), ``reading`` (its name and rule as stated), ``alternatives`` (the other
    readings' names), ``headline`` (one of the plan's headline goals), ``label, wording,
    source``."""
    resolved = resolve_targets(calibration, Scenario(), calibration.parameters())
    others: dict[str, list[str]] = {}
    for t in resolved:
        if not t.primary:
            others.setdefault(t.id, []).append(t.reading)
    rows = [t for t in resolved if t.primary]
    frame = pd.DataFrame(
        [
            {
                "id": t.id,
                "indicator": t.indicator,
                "op": t.op,
                "threshold": t.threshold,
                "compare_to": t.compare_to,
                "reading": t.description,
                "alternatives": ", ".join(others.get(t.id, [])),
                "headline": t.headline,
                "label": t.label,
                "wording": t.wording,
                "source": t.source,
            }
            for t in rows
        ]
    )
    return frame.set_index("id")
