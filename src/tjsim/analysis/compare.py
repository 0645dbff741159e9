"""Scenario comparisons on common random numbers: every target's probability in every
scenario, its change from the first, and the paired Monte Carlo error of the change.

Runs that kept their draws give per-draw met flags, and the error of a change is the
paired error of the per-draw differences (:func:`tjsim.result.paired_standard_error`);
otherwise it falls back to ``sqrt(se_a**2 + se_b**2)``, which ignores the correlation
of common random numbers, and the table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import Calibration
from ..engine import KEEP_DRAWS_LIMIT_BYTES, simulate
from ..result import Z95, SimulationResult, paired_standard_error
from ..scenario import Scenario


@dataclass(frozen=True)
class PairedRun:
    """One scenario's result and, when the draws were kept, its per-draw met flags
    (``(draws, targets + 1)`` booleans, the last column for all targets)."""

    result: SimulationResult
    flags: np.ndarray | None

    @property
    def columns(self) -> list[str]:
        """Target ids of the columns of ``flags``."""
        return [t.id for t in self.result.model.primary_targets] + ["joint"]

    def flag_columns(self, ids: Sequence[str]) -> np.ndarray:
        """The flags of targets ``ids`` as 0/1 integers, ``(draws, len(ids))``."""
        assert self.flags is not None
        return self.flags[:, [self.columns.index(t) for t in ids]].astype(np.int8)


def paired_run(
    scenario: Scenario,
    calibration: Calibration,
    progress: Any,
    *,
    draws: int,
    seed: int,
    method: str,
) -> PairedRun:
    keep = draws * len(calibration.variables) * 8 <= KEEP_DRAWS_LIMIT_BYTES
    result = simulate(
        calibration,
        scenario,
        draws=draws,
        seed=seed,
        method=method,
        keep_draws=keep,
        progress=progress,
    )
    if not keep:
        return PairedRun(result, None)
    return PairedRun(replace(result, kept=None), met_flags(result))


def met_flags(result: SimulationResult) -> np.ndarray:
    """Whether each kept draw of ``result`` meets each target, and all of them (last
    column): ``(draws, targets + 1)`` booleans."""
    ops = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
    draws = result.draws
    targets = result.model.primary_targets
    flags = np.empty((len(draws), len(targets) + 1), dtype=bool)
    for j, target in enumerate(targets):
        other = draws[target.compare_to] if target.compare_to is not None else target.threshold
        flags[:, j] = ops[target.op](draws[target.indicator].to_numpy(), np.asarray(other))
    flags[:, -1] = flags[:, :-1].all(axis=1)
    return flags


def comparison_table(runs: Sequence[PairedRun], method: str) -> pd.DataFrame:
    """Every target's probability in every run and its change from the first run.

    Returns a long frame indexed by ``(target, scenario)`` (scenario = position of the
    run) with columns ``probability, std_error, change, change_se, significant, error,
    name``. ``change_se`` is the paired standard error of the change when both runs kept
    their draws (``error`` = ``paired``), else ``sqrt(se_a**2 + se_b**2)``, which ignores
    the correlation of common random numbers (``error`` = ``independent``).
    """
    frames = [
        _compared(run, runs[0], method).assign(scenario=position, name=run.result.scenario.name)
        for position, run in enumerate(runs)
    ]
    order = [*dict.fromkeys(t for run in runs for t in run.columns if t != "joint"), "joint"]
    long = pd.concat(frames).reset_index()
    long["rank"] = long["target"].map(order.index)
    long = long.sort_values(["rank", "scenario"], kind="stable").drop(columns="rank")
    return long.set_index(["target", "scenario"])


def _compared(run: PairedRun, reference: PairedRun, method: str) -> pd.DataFrame:
    """``run``'s probabilities, their change from ``reference``'s and its error (NaN
    for targets that ``reference`` lacks)."""
    table = _probability_rows(run.result)
    if run is reference:
        return table.assign(change=np.nan, change_se=np.nan, significant=False, error="")
    base = _probability_rows(reference.result).reindex(table.index)
    if run.flags is not None and reference.flags is not None:
        shared = list(base.index[base["probability"].notna()])
        difference = run.flag_columns(shared) - reference.flag_columns(shared)
        change_se = pd.Series(np.nan, index=table.index)
        change_se[shared] = paired_standard_error(difference, method)
        error = "paired"
    else:
        change_se = np.sqrt(table["std_error"] ** 2 + base["std_error"] ** 2)
        error = "independent"
    change = table["probability"] - base["probability"]
    return table.assign(
        change=change,
        change_se=change_se,
        significant=change.abs() > Z95 * change_se,
        error=error,
    )


def _probability_rows(result: SimulationResult) -> pd.DataFrame:
    probabilities = result.probabilities()[["probability", "std_error"]]
    joint = result.joint()[["probability", "std_error"]].to_frame("joint").T
    frame = pd.concat([probabilities, joint])
    frame.index.name = "target"
    return frame


def format_comparison(
    table: pd.DataFrame, runs: Sequence[PairedRun], settings: dict[str, Any]
) -> str:
    """The comparison as text: probabilities side by side, each with its change from the
    first scenario, starred when it exceeds Monte Carlo error."""
    names = [run.result.scenario.name for run in runs]
    widths = [max(len(names[0]), 7)] + [max(len(n), 15) for n in names[1:]]
    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    label = max(len("all targets (joint)"), *(len(t) for t in targets))
    lines = [
        f"tjsim compare: {settings['draws']:,} draws each, method {settings['method']}, "
        f"seed {settings['seed']} (common random numbers)",
        "",
        f"{'target':<{label}}  "
        + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)),
    ]
    for target in targets:
        rows = table.loc[target]
        cells = []
        for position, width in enumerate(widths):
            cells.append(f"{_cell(rows, position):>{width}}")
        name = "all targets (joint)" if target == "joint" else target
        lines.append(f"{name:<{label}}  " + "  ".join(cells))
    lines += ["", *_footnotes(table, runs)]
    return "\n".join(lines)


def _cell(rows: pd.DataFrame, position: int) -> str:
    if position not in rows.index:
        return "-"
    row = rows.loc[position]
    text = f"{100 * row['probability']:5.1f}%"
    if position == 0:
        return text
    if row["change"] != row["change"]:  # NaN: the first scenario has no such target
        return f"{text}    new"
    mark = "*" if row["significant"] else " "
    return f"{text} {100 * row['change']:+5.1f}{mark}"


def _footnotes(table: pd.DataFrame, runs: Sequence[PairedRun]) -> list[str]:
    paired = (table["error"] != "independent").all()
    basis = (
        "the paired standard error of the change over the common draws"
        if paired
        else "sqrt(se1^2 + se2^2), which ignores the correlation of common random "
        "numbers (usually positive, so the test is usually conservative)"
    )
    files = [
        f"  {run.result.scenario.name}: {run.result.scenario.path or '(built in)'}" for run in runs
    ]
    return [
        "Each column after the first: P(met) and its change in points from the first column;",
        f"* marks a change larger than 1.96 times {basis}.",
        "Scenarios:",
        *files,
    ]
