"""Monte Carlo filtering: which shocks and events separate the draws that miss a target
from those that meet it (:func:`why_missed`), from a result's accumulated sums."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..calibration.specs import JOINT  # the joint event "all targets met"; no target has it
from ..errors import ScenarioError, unknown

if TYPE_CHECKING:
    from .simulation import SimulationResult


def why_missed(result: SimulationResult, target: str | None = None) -> pd.DataFrame:
    """Monte Carlo filtering: shocks and events in the draws that miss each target
    against those that meet it.

    Parameters
    ----------
    result
        A :class:`~tjsim.result.SimulationResult`.
    target
        One target id (or ``"joint"``); default: every target and ``joint``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(target, shock)`` (or by ``shock`` for one target), rows of each
        target sorted by ``|gap|``, with columns

        ``kind``
            ``shock`` (a variable's centred shock) or ``event`` (a 0/1 indicator);
        ``met``, ``missed``
            its average in the draws meeting and missing the target (a shock in its
            variable's unit, an event as a frequency);
        ``gap``
            ``(missed - met) / scale``: how far apart the two averages are in standard
            deviations of the shock (or of the event indicator, ``sqrt(p (1 - p))``; of
            an event of random size, its column: the size factor when it occurs, 0
            otherwise), so shocks and events compare; negative when misses come with
            low values;
        ``std_error``
            Monte Carlo error of ``gap`` (for shocks, taking the spread within each
            group as the shock's overall sd);
        ``scale``
            the standard deviation used.
    """
    model = result.model
    acc = result.accumulator
    means = result.shock_means()
    ids = [t.id for t in model.primary_targets] + [JOINT]
    if target is not None and target not in ids:
        raise ScenarioError(unknown("target", target, ids), key="target")
    k = model.n_shocks
    scale = model.column_stds()
    kind = np.array(["shock"] * k + ["event"] * (model.dimension - k))
    n_met = acc.met[[*range(model.n_primary), len(model.targets)]].astype(float)
    n_missed = acc.draws - n_met
    d = model.dimension
    met = means["met"].to_numpy().reshape(len(ids), d)
    missed = means["missed"].to_numpy().reshape(len(ids), d)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(scale > 0, scale, np.nan)
        gap = (missed - met) / safe
        # Shocks: group means of a variable with sd `scale` (taken as the spread within
        # each group); events: two binomial frequencies.
        shock_se = np.sqrt(1.0 / n_met[:, None] + 1.0 / n_missed[:, None])
        event_se = (
            np.sqrt(met * (1 - met) / n_met[:, None] + missed * (1 - missed) / n_missed[:, None])
            / safe
        )
        binomial = np.r_[np.zeros(k, dtype=bool), ~model.random_events]
        se = np.where(binomial, event_se, shock_se)
        se = np.where(np.isfinite(gap), se, np.nan)
    frame = pd.DataFrame(
        {
            "kind": np.tile(kind, len(ids)),
            "met": met.ravel(),
            "missed": missed.ravel(),
            "gap": gap.ravel(),
            "std_error": se.ravel(),
            "scale": np.tile(scale, len(ids)),
        },
        index=means.index,
    )
    frame["_t"] = np.repeat(np.arange(len(ids)), d)
    frame["_a"] = -frame["gap"].abs().fillna(-1.0)
    frame = frame.sort_values(["_t", "_a"], kind="stable").drop(columns=["_t", "_a"])
    if target is not None:
        return frame.xs(target, level="target")
    return frame
