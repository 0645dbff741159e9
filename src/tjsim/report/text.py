"""Plain-text tables for the terminal."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd


def format_readings(table: pd.DataFrame, notes: Mapping[str, str] | None = None) -> str:
    """A :meth:`~tjsim.result.SimulationResult.readings` table as text: each target's
    probability under every reading, the reading in force marked with ``*``, then the
    readings' ``notes`` (default: the table's own, ``table.attrs["notes"]``)."""
    names = [c for c in table.columns if c != "in_force"]
    label = max(len("target"), *(len(str(t)) for t in table.index))
    width = max(9, *(len(n) for n in names))
    lines = [
        "P(met) under each reading of the targets (* the reading in force):",
        "",
        f"{'target':<{label}}  " + "  ".join(f"{n:>{width}}" for n in names),
    ]
    for target, row in table.iterrows():
        cells = []
        for name in names:
            value = row[name]
            if isinstance(value, float) and math.isnan(value):
                cells.append(f"{'-':>{width}}")
                continue
            mark = "*" if row["in_force"] == name else " "
            cells.append(f"{100 * value:>{width - 2}.1f}%{mark}")
        lines.append(f"{target!s:<{label}}  " + "  ".join(cells))
    notes = table.attrs.get("notes", {}) if notes is None else notes
    for name, note in notes.items():
        lines += ["", f"{name}: {note}."]
    return "\n".join(lines)
