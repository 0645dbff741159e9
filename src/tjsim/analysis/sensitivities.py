r"""Sensitivities: how much each driver moves the probability of meeting each target.

For each target (and the joint event "all targets met") and each driver, the change in
the probability of meeting the target per unit shift of the driver's mean (or per unit
change of a parameter), by a central finite difference on common draws
(:mod:`tjsim.analysis.common`),

.. math:: \hat D = \frac{\hat P(+h) - \hat P(-h)}{2h}
          = \frac{1}{n}\sum_i \frac{\mathbf 1_i(+h) - \mathbf 1_i(-h)}{2h},

whose Monte Carlo error is computed from the per-draw differences
:math:`\mathbf 1_i(+h) - \mathbf 1_i(-h) \in \{-1, 0, 1\}` (paired), with the estimator
the engine uses for the sampling method (independent draws, antithetic pairs, or one
estimate per Sobol scramble). It also reports the probabilities at minus and plus one
*swing* (a shock's standard deviation), for tornado charts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .. import figures
from ..errors import ScenarioError, TjsimError, unknown
from ..result import JOINT, MeanEstimate
from ..scenario import describe_conditioning
from ..seeding import describe_seed
from .common import CommonDraws, Variant, default_drivers, resolve_driver

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Finite-difference step of :func:`sensitivities`, as a fraction of each driver's swing.
DEFAULT_STEP = 0.25


def sensitivity_table(
    common: CommonDraws,
    drivers: Iterable[str] | None = None,
    *,
    step: float = DEFAULT_STEP,
    swings: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The sensitivities of :func:`tjsim.sensitivities` on the draws ``common``."""
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ScenarioError(f"step must be a number > 0, found {step!r}", key="step")
    calibration, model = common.calibration, common.model
    if isinstance(drivers, str):
        drivers = [drivers]
    ids = list(dict.fromkeys(default_drivers(calibration) if drivers is None else drivers))
    if not ids:
        raise ScenarioError("no drivers to move", key="drivers")
    swings = dict(swings or {})
    for key in swings:
        if key not in ids:
            raise ScenarioError(unknown("driver in swings", key, ids), key="swings")
    resolved = [resolve_driver(calibration, model, d, swings.get(d)) for d in ids]
    changes = (-1.0, -step, step, 1.0)
    variants: list[list[Variant]] = []
    for drv in resolved:
        row = []
        move = common.mover(drv)
        for change in changes:
            try:
                row.append(move(change * drv.swing))
            except TjsimError as exc:
                raise ScenarioError(
                    f"cannot move '{drv.id}' by {change * drv.swing:+g} {drv.unit} "
                    f"(swing {drv.swing:g}): {exc}; pass a smaller swing, e.g. "
                    f"swings={{'{drv.id}': {drv.swing / 4:g}}}",
                    key="swings",
                ) from None
        variants.append(row)

    width = len(model.targets) + 1
    base = MeanEstimate(common.method, width)
    minus = [MeanEstimate(common.method, width) for _ in resolved]
    plus = [MeanEstimate(common.method, width) for _ in resolved]
    diff = [MeanEstimate(common.method, width) for _ in resolved]
    for chunk in common.passes():
        blocks = chunk.blocks
        base.add(chunk.met(), blocks)
        for j, (v_lo, v_dn, v_up, v_hi) in enumerate(variants):
            minus[j].add(chunk.met(v_lo), blocks)
            plus[j].add(chunk.met(v_hi), blocks)
            up = chunk.met(v_up).astype(np.int8)
            up -= chunk.met(v_dn)
            diff[j].add(up, blocks)

    p0, _ = base.result()
    targets = [t.id for t in model.primary_targets] + [JOINT]
    columns = [*range(model.n_primary), len(model.targets)]
    rows = []
    for j, drv in enumerate(resolved):
        h = step * drv.swing
        d, se = diff[j].result()
        p_lo, _ = minus[j].result()
        p_hi, _ = plus[j].result()
        for k, tid in zip(columns, targets, strict=True):
            rows.append(
                (
                    tid,
                    drv.id,
                    d[k] / (2 * h),
                    se[k] / (2 * h),
                    p0[k],
                    p_lo[k],
                    p_hi[k],
                    drv.swing,
                    drv.unit,
                    drv.kind,
                )
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "target",
            "driver",
            "sensitivity",
            "std_error",
            "probability",
            "p_minus",
            "p_plus",
            "swing",
            "unit",
            "kind",
        ],
    )
    driver_ids = [drv.id for drv in resolved]
    codes = [frame["target"].map(targets.index), frame["driver"].map(driver_ids.index)]
    frame = frame.assign(_t=codes[0]).sort_values("_t", kind="stable").drop(columns="_t")
    # Levels in calibration order with codes sorted: the index is lexsorted, so
    # .loc lookups and slices work without warnings and keep this order.
    frame.index = pd.MultiIndex(
        levels=[targets, driver_ids],
        # pandas-stubs wants plain sequences of codes; pandas takes array-likes.
        codes=[codes[0].loc[frame.index], codes[1].loc[frame.index]],  # type: ignore[list-item]
        names=["target", "driver"],
    )
    frame = frame.drop(columns=["target", "driver"])
    frame.attrs["metadata"] = _metadata(common, step=step)
    frame.attrs["units"] = dict(UNITS)
    return frame


#: What each column of :func:`sensitivity_table` is measured in (also in ``attrs``).
UNITS = {
    "sensitivity": "probability (0-1) per unit of the driver: 0.01 is one point per unit",
    "std_error": "as sensitivity",
    "probability": "probability (0-1)",
    "p_minus": "probability (0-1)",
    "p_plus": "probability (0-1)",
    "swing": "the driver's unit",
    "unit": "the driver's unit, as text",
}


def _metadata(common: CommonDraws, **extra: Any) -> dict[str, Any]:
    return {
        "scenario": common.scenario.name,
        "scenario_file": common.scenario.path,
        "calibration": common.model.calibration,
        "calibration_version": common.model.version,
        "draws": common.draws,
        "method": common.method,
        "seed": describe_seed(common.root),
        "conditioned": bool(common.scenario.observed),
        "observed": {v: dict(p) for v, p in common.scenario.observed.items()},
        **extra,
    }


def sensitivity_matrix(frame: pd.DataFrame, column: str = "sensitivity") -> pd.DataFrame:
    """A table of :func:`sensitivities` with one row per target and one column per
    driver, holding ``column``."""
    wide = frame[column].unstack("driver")
    drivers = list(dict.fromkeys(frame.index.get_level_values("driver")))
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    return wide.loc[targets, drivers]


def _per(row: pd.Series) -> str:
    unit = str(row["unit"])
    return "pp" if row["kind"] == "variable" and unit == "%" else unit or "unit"


def format_sensitivities(
    frame: pd.DataFrame, *, digits: int = 1, width: int | None = None, drop_zero: bool = True
) -> str:
    """:func:`sensitivities` as text: for each target, every driver's sensitivity and its
    standard error (pp of probability per unit), then the probability now and at minus
    and plus one swing.

    With ``drop_zero`` (the default), drivers whose effect on every target rounds to
    zero at ``digits`` decimals, and targets that no driver moves at that precision, are
    left out, and a note at the end names them. With ``width`` (a number of columns,
    e.g. the terminal's), the drivers are cut into blocks of columns that fit it."""
    meta = frame.attrs.get("metadata", {})
    drivers = list(dict.fromkeys(frame.index.get_level_values("driver")))
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    first = cast(pd.DataFrame, frame.xs(targets[0], level="target"))
    cells = {
        (t, d): f"{100 * s:+.{digits}f}±{100 * e:.{digits}f}"
        for (t, d), s, e in zip(frame.index, frame["sensitivity"], frame["std_error"], strict=True)
    }
    shown_zero = {
        (t, d): not round(100 * s, digits)
        for (t, d), s in zip(frame.index, frame["sensitivity"], strict=True)
    }
    dropped_drivers: list[str] = []
    dropped_targets: list[str] = []
    if drop_zero:
        dropped_drivers = [d for d in drivers if all(shown_zero[(t, d)] for t in targets)]
        kept = [d for d in drivers if d not in dropped_drivers]
        dropped_targets = [t for t in targets if all(shown_zero[(t, d)] for d in drivers)]
        if kept:  # a table with no column would say nothing: then show them all
            drivers = kept
            targets = [t for t in targets if t not in dropped_targets] or targets
        else:
            dropped_drivers, dropped_targets = [], []
    label = max(len("all targets (joint)"), *(len(t) for t in targets))
    swings = {d: "±" + format(first.loc[d, "swing"], ".3g") for d in drivers}
    pairs = {
        (t, d): f"{100 * cast(float, frame.at[(t, d), 'p_minus']):.0f}/"
        f"{100 * cast(float, frame.at[(t, d), 'p_plus']):.0f}%"
        for t in targets
        for d in drivers
    }
    widths = {
        d: max(
            len(d),
            len("per " + _per(first.loc[d])),
            len(swings[d]),
            *(len(cells[(t, d)]) for t in targets),
            *(len(pairs[(t, d)]) for t in targets),
        )
        for d in drivers
    }
    blocks = _column_blocks(drivers, widths, label + 10, width)

    def name(t: str) -> str:
        return "all targets (joint)" if t == JOINT else t

    def row(head: str, middle: str, values: dict[str, str], block: list[str]) -> str:
        text = f"{head:<{label}}  {middle:>6}  " + "  ".join(
            f"{values[d]:>{widths[d]}}" for d in block
        )
        return text.rstrip()

    lines: list[str | None] = []
    if meta:
        lines += [
            f"tjsim sensitivity: scenario '{meta['scenario']}', {meta['draws']:,} draws, "
            f"method {meta['method']}, seed {meta['seed']} (common random numbers)",
            *([describe_conditioning(meta["observed"])] if meta.get("observed") else []),
            "",
        ]
    lines.append("Change in P(met), in points per unit of each driver (± standard error):")
    for block in blocks:
        lines += [
            "",
            row("target", "P(met)", {d: d for d in block}, block),
            row("(unit)", "", {d: "per " + _per(first.loc[d]) for d in block}, block),
        ]
        for t in targets:
            p = frame.loc[(t, drivers[0]), "probability"]
            values = {d: cells[(t, d)] for d in block}
            lines.append(row(name(t), f"{100 * p:5.1f}%", values, block))
    lines.append("")
    lines.append("P(met) at minus / plus one swing of each driver:")
    for block in blocks:
        lines += [
            "",
            row("target", "", {d: d for d in block}, block),
            row("(swing)", "", swings, block),
        ]
        for t in targets:
            lines.append(row(name(t), "", {d: pairs[(t, d)] for d in block}, block))
    if meta.get("step") is not None:
        lines += [
            "",
            f"Central differences with half-step {meta['step']:g} swing on common draws; "
            "errors from the per-draw differences.",
        ]
    zero = f"{0:+.{digits}f}"
    if dropped_drivers:
        lines += [
            "",
            f"Not shown, every effect {zero} at this precision: "
            f"{len(dropped_drivers)} driver{'s' if len(dropped_drivers) != 1 else ''} "
            f"({', '.join(dropped_drivers)})",
        ]
    if dropped_targets:
        lines += [
            "" if not dropped_drivers else None,
            f"Not shown, no driver moves them at this precision: "
            f"{len(dropped_targets)} target{'s' if len(dropped_targets) != 1 else ''} "
            f"({', '.join(name(t) for t in dropped_targets)})",
        ]
    return "\n".join(line for line in lines if line is not None)


def _column_blocks(
    columns: list[str], widths: Mapping[str, int], start: int, limit: int | None
) -> list[list[str]]:
    """``columns`` cut into runs whose row (``start`` characters, then each column's
    width and two spaces) fits in ``limit`` characters (one run without a limit; at
    least one column a run)."""
    if limit is None:
        return [columns] if columns else [[]]
    blocks: list[list[str]] = []
    used = start
    for column in columns:
        need = 2 + widths[column]
        if blocks and used + need <= limit:
            blocks[-1].append(column)
            used += need
        else:
            blocks.append([column])
            used = start + need
    return blocks or [[]]


def plot_tornado(
    table: pd.DataFrame,
    target: str | None = None,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Tornado chart of ``target`` (default: the table's first target; ``"joint"`` for
    all targets) from a :func:`tjsim.sensitivities` table: its probability at minus and
    plus one swing of each driver."""
    ids = list(dict.fromkeys(table.index.get_level_values("target")))
    target = ids[0] if target is None else target
    if target not in ids:
        raise ScenarioError(unknown("target", target, ids), key="target")
    rows = cast(pd.DataFrame, table.xs(target, level="target"))
    if title is None:
        scenario = table.attrs.get("metadata", {}).get("scenario")
        name = "all targets" if target == JOINT else target
        title = f"{scenario}: {name}" if scenario else name
    return figures.tornado(
        rows, probability=float(rows["probability"].iloc[0]), title=title, ax=ax, **kwargs
    )
