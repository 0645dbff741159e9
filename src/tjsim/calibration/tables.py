"""The calibration's facts as a table (:func:`facts`)."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from .calibration import Calibration


def facts(calibration: Calibration, *, derived: bool = False) -> pd.DataFrame:
    """Every fact with its provenance: columns ``id, value, unit, year, kind, label, source``.

    With ``derived=True`` the derived parameters follow, with kind ``derived`` and their
    expression as source.
    """
    cal = calibration
    frame = pd.DataFrame(
        [asdict(f) for f in cal.facts],
        columns=["id", "value", "unit", "year", "kind", "label", "source"],
    )
    if derived:
        values = cal.parameters()
        extra = pd.DataFrame(
            [
                {
                    "id": k,
                    "value": values[k],
                    "unit": "",
                    "year": None,
                    "kind": "derived",
                    "label": k,
                    "source": f"derived: {text}",
                }
                for k, text in cal.derived.items()
            ]
        )
        frame = pd.concat([frame, extra], ignore_index=True)
    return frame
