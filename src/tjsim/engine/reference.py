"""A slow, per-draw reference implementation of the model, for testing the engine.

It shares nothing with the vectorized path but the latent normals (the same blocks and
streams) and the scenario bookkeeping (:func:`tjsim.model.resolve_events`,
:func:`tjsim.model.resolve_targets`). For every draw it correlates the normals with a
Python loop, applies each marginal's *exact* quantile transform (an event of random
size: its exact ``break`` transform times its impact), and interprets every equation's
syntax tree on plain floats in dependency order. The engine must agree with it draw for
draw.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from scipy import special

from .. import expressions
from ..calibration import Calibration
from ..model import compile_model, resolve_events, resolve_targets
from ..scenario import Scenario
from ..seeding import RNG, SeedLike, as_seed_sequence, plan_blocks
from .sampling import LatentSampler

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True)
class ReferenceDraws:
    """Per-draw output: ``values`` ``(n, m)`` indicators, ``met`` ``(n, T)`` booleans for
    every target under every reading (``targets``: ``(id, reading)``), the readings in
    force first (``n_primary`` of them), and ``headline`` ``(n,)`` the number of headline
    targets (in force) each draw meets, out of ``n_headline``."""

    indicators: tuple[str, ...]
    targets: tuple[tuple[str, str], ...]
    n_primary: int
    values: np.ndarray
    met: np.ndarray
    headline: np.ndarray
    n_headline: int


def simulate_reference(
    calibration: Calibration,
    scenario: Scenario | None = None,
    *,
    draws: int,
    seed: SeedLike,
    method: str = "mc",
    stream: str = RNG,
) -> ReferenceDraws:
    """Simulate ``draws`` draws one at a time from the random stream ``stream`` (slow:
    for tests with a few thousand draws)."""
    scenario = scenario or Scenario()
    cal = calibration
    compiled = compile_model(cal, scenario)  # marginals and correlation only
    params = dict(compiled.parameters)
    events = resolve_events(cal, scenario, params)
    targets = resolve_targets(cal, scenario, params)
    shifts = {v: c.shift for v, c in scenario.drivers.items()}
    corr = compiled.correlation
    d = len(compiled.basis)
    lower = np.linalg.cholesky(corr)
    shocked = cal.shocked
    event_ids = list(events)

    # Baselines: every equation with shocks, events and shifts off.
    baselines: dict[str, float] = {}
    values0 = dict(params)
    for vid in cal.order:
        baselines[vid] = expressions.evaluate(cal.variables[vid].tree, values0, baselines)
        values0[vid] = baselines[vid]

    root = as_seed_sequence(seed)
    sampler = LatentSampler(method, root, d, stream)
    rows_out, met_out, headline_out = [], [], []
    for block in plan_blocks(method, draws):
        latent = np.empty((block.size, d))
        sampler.fill(block, latent)
        for e in latent:
            z = [sum(lower[i][j] * e[j] for j in range(i + 1)) for i in range(d)]
            shock = {
                vid: float(compiled.marginals[k].from_normal(z[k])) for k, vid in enumerate(shocked)
            }
            # An event's size: 1 when a fixed-size event occurs, its exact break
            # transform (the size factor, 0 when it does not occur) for a random size.
            size = {
                eid: float(sized.from_normal(z[len(shocked) + i]))
                if sized is not None
                else float(z[len(shocked) + i] < special.ndtri(compiled.event_probabilities[i]))
                for i, (eid, sized) in enumerate(
                    zip(event_ids, compiled.event_marginals, strict=True)
                )
            }
            values = dict(params)
            for vid in cal.order:
                v = expressions.evaluate(cal.variables[vid].tree, values, baselines)
                v += shock.get(vid, 0.0) + shifts.get(vid, 0.0)
                for eid in event_ids:
                    if size[eid]:
                        v += size[eid] * events[eid][1].get(vid, 0.0)
                values[vid] = v
            rows_out.append([values[v] for v in cal.variables])
            met = [_met(t, values) for t in targets]
            met_out.append(met)
            headline_out.append(
                sum(flag for t, flag in zip(targets, met, strict=True) if t.primary and t.headline)
            )
    return ReferenceDraws(
        indicators=tuple(cal.variables),
        targets=tuple((t.id, t.reading) for t in targets),
        n_primary=sum(t.primary for t in targets),
        values=np.array(rows_out),
        met=np.array(met_out, dtype=bool).reshape(len(met_out), len(targets)),
        headline=np.array(headline_out, dtype=np.int64),
        n_headline=sum(t.primary and t.headline for t in targets),
    )


def _met(target, values: dict[str, float]) -> bool:
    """Whether one draw's ``values`` meet ``target`` (a comparison's tolerance moves the
    other indicator: ``>=`` other - tolerance, ``<=`` other + tolerance)."""
    if target.compare_to is None:
        other = target.threshold
    else:
        loosen = target.tolerance if target.op in (">=", ">") else -target.tolerance
        other = values[target.compare_to] - loosen
    return bool(_OPS[target.op](values[target.indicator], other))
