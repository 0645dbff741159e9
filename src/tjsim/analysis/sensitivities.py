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

import pandas as pd

from .. import figures
from ..engine import Statistic
from ..errors import ScenarioError, TjsimError, unknown
from ..result import JOINT
from ..seeding import describe_seed
from .common import CommonDraws, Variant, default_drivers, mover, resolve_driver

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
        move = mover(common, drv)
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

    # One pass over the draws: the base, each driver at minus and plus one swing, and
    # the paired differences of the central step.
    statistics = [Statistic("met")]
    for v_lo, v_dn, v_up, v_hi in variants:
        statistics += [
            Statistic("met", v_lo),
            Statistic("met", v_hi),
            Statistic("difference", v_up, v_dn),
        ]
    base, *moved = common.estimate(statistics)
    minus, plus, diff = moved[0::3], moved[1::3], moved[2::3]

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
        "rng": common.settings.stream,
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
