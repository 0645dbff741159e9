"""Tables and figures of a sweep, written into a folder (filled all or nothing by
:func:`tjsim.report.write_atomically`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import yaml

from ..result import JOINT, SweepResult
from ..scenario import scenario_to_mapping
from .files import _save_figure, _write_json

#: Figure size of a sweep's plots (inches).
FIGURE_SIZE = {1: (6.5, 3.8), 2: (6.5, 5.0)}


def write_sweep(
    result: SweepResult,
    folder: Path,
    probability: float,
    figures: Sequence[str] = (JOINT,),
) -> None:
    """Write the tables, the grid, the scenario and the figures of ``result``.

    Files: ``sweep.csv`` (one row per point and target), ``frontier.csv`` (where each
    target's probability crosses ``probability``, with its 95% band), ``sweep.json``
    (both, with the sweep's metadata), ``grid.yaml``, ``scenario.yaml`` and, for a
    product grid of one or two axes, ``sweep_<target>.png`` for each target in
    ``figures`` (a figure takes about a third of a second; ``result.plot(target)`` draws
    any other).
    """
    frame = result.to_frame()
    frame.to_csv(folder / "sweep.csv", index=False)
    frontier = frontiers(result, probability)
    frontier.to_csv(folder / "frontier.csv", index=False)
    _write_json(
        folder / "sweep.json",
        {
            "metadata": result.metadata,
            "grid": result.grid.to_mapping(),
            "scenario": scenario_to_mapping(result.scenario),
            "probability": probability,
            "sweep": _records(frame),
            "frontier": _records(frontier),
        },
    )
    (folder / "grid.yaml").write_text(
        yaml.safe_dump(result.grid.to_mapping(), sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    (folder / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
    shape = result.grid.shape
    if shape is None or len(shape) > 2:
        return
    for target in dict.fromkeys(figures):
        _save_figure(
            folder / f"sweep_{target}.png",
            FIGURE_SIZE[len(shape)],
            lambda ax, name=target: result.plot(name, probability=probability, ax=ax),
        )


def frontiers(result: SweepResult, probability: float) -> pd.DataFrame:
    """Every target's frontier at ``probability`` (a ``target`` column first)."""
    frames = [
        result.frontier(target, probability).assign(target=target)
        for target in [*result.targets, JOINT]
    ]
    frame = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    return frame[["target", *(c for c in frame.columns if c != "target")]]


def _records(frame: pd.DataFrame) -> list:
    return json.loads(frame.to_json(orient="records", double_precision=15))
