"""The targets of a calibration as a table (:func:`target_table`)."""

from __future__ import annotations

import pandas as pd

from ..calibration import Calibration
from ..scenario import Scenario
from .compile import resolve_targets


def target_table(calibration: Calibration) -> pd.DataFrame:
    """The targets, indexed by id: ``indicator, op, threshold, compare_to, reading, label,
    wording, source`` (thresholds resolved to numbers)."""
    rows = resolve_targets(calibration, Scenario(), calibration.parameters())
    frame = pd.DataFrame(
        [
            {
                "id": t.id,
                "indicator": t.indicator,
                "op": t.op,
                "threshold": t.threshold,
                "compare_to": t.compare_to,
                "reading": t.reading,
                "label": t.label,
                "wording": t.wording,
                "source": t.source,
            }
            for t in rows
        ]
    )
    return frame.set_index("id")
