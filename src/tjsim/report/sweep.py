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
from .html import sweep_report

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
    any other), and ``report.html`` (:func:`tjsim.report.html.sweep_report`: the
    frontiers, the figures and every point's probabilities in one self-contained page).
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
    grid_yaml = yaml.safe_dump(result.grid.to_mapping(), sort_keys=False, allow_unicode=True)
    (folder / "grid.yaml").write_text(grid_yaml, encoding="utf-8")
    (folder / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
    shape = result.grid.shape
    drawn = []
    if shape is not None and len(shape) <= 2:
        for target in dict.fromkeys(figures):
            label = "all targets met together" if target == JOINT else target
            what = "a heatmap with contours" if len(shape) == 2 else "its 95% band"
            drawn.append(
                _save_figure(
                    folder / f"sweep_{target}.png",
                    FIGURE_SIZE[len(shape)],
                    lambda ax, name=target: result.plot(name, probability=probability, ax=ax),
                    f"P({label}) over the grid: {what}, and the frontier at "
                    f"{100 * probability:.4g}%",
                )
            )
    page = sweep_report(result, probability, frontier, drawn, grid_yaml)
    (folder / "report.html").write_text(page, encoding="utf-8")


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
