"""The calibration as tables: :func:`facts` and :func:`targets`."""

from __future__ import annotations

from dataclasses import asdict

import pandas as pd

from .calibration import Calibration, load_calibration


def _calibration(calibration: Calibration | str | None) -> Calibration:
    return calibration if isinstance(calibration, Calibration) else load_calibration(calibration)


def facts(calibration: Calibration | str | None = None, *, derived: bool = False) -> pd.DataFrame:
    """Every fact with its provenance: columns ``id, value, unit, year, kind, label, source``.

    With ``derived=True`` the derived parameters follow, with kind ``derived`` and their
    expression as source.
    """
    cal = _calibration(calibration)
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


def targets(calibration: Calibration | str | None = None) -> pd.DataFrame:
    """The targets, indexed by id: ``indicator, op, threshold, compare_to, reading, label,
    wording, source`` (thresholds resolved to numbers)."""
    from .model import resolve_targets
    from .scenario import Scenario

    cal = _calibration(calibration)
    rows = resolve_targets(cal, Scenario(), cal.parameters())
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
