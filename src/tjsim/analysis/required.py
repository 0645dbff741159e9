r"""What would it take: the shift of a driver that brings a target to a probability.

A bracketing root-finder (:func:`scipy.optimize.brentq`) on the common-random-number
estimate :math:`\hat P(s)` of the probability after a shift :math:`s`
(:mod:`tjsim.analysis.common`), with a 95% interval found by solving
:math:`\hat P(s) = p \pm 1.96\,\mathrm{se}`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

from ..engine import Statistic
from ..errors import ScenarioError, TjsimError
from ..limits import MAX_MAGNITUDE
from ..report.numbers import percent_near_ends as _pct
from ..result import JOINT, Z95, RequiredShift
from ..scenario import describe_conditioning
from ..seeding import describe_seed
from .common import CommonDraws, Driver, Variant, mover, resolve_driver, target_column

#: Default search range of :func:`required_shift`: this many swings either side.
SEARCH_SWINGS = 5.0
#: Points of the grid that brackets the roots of :func:`required_shift`.
GRID_POINTS = 41
#: Widest bracket (in swings) that Brent's method refines; wider ones are narrowed
#: on finer grids first.
BRACKET_SWINGS = 0.5


class _Curve:
    """The CRN estimate ``P(s)`` of one target column along one driver, with a cache."""

    def __init__(self, common: CommonDraws, driver: Driver, column: int):
        self.common = common
        self.driver = driver
        self.column = column
        self.move = mover(common, driver)
        self.values: dict[float, tuple[float, float]] = {}

    def evaluate(self, shifts: Sequence[float]) -> None:
        todo = [float(s) for s in dict.fromkeys(shifts) if float(s) not in self.values]
        if not todo:
            return
        variants: list[Variant | None] = []
        for s in todo:
            try:
                variants.append(self.move(s))
            except TjsimError:
                variants.append(None)  # outside the parameter's valid range
        valid = [(s, v) for s, v in zip(todo, variants, strict=True) if v is not None]
        estimates = (
            self.common.estimate([Statistic("column", v, column=self.column) for _, v in valid])
            if valid
            else []
        )
        for s in todo:
            self.values[s] = (math.nan, math.nan)
        for (s, _), est in zip(valid, estimates, strict=True):
            p, se = est.result()
            self.values[s] = (float(p[0]), float(se[0]))

    def __call__(self, s: float) -> float:
        self.evaluate([s])
        return self.values[float(s)][0]

    def frame(self) -> pd.DataFrame:
        shifts = sorted(self.values)
        return pd.DataFrame(
            {
                "probability": [self.values[s][0] for s in shifts],
                "std_error": [self.values[s][1] for s in shifts],
            },
            index=pd.Index(shifts, name="shift"),
        )


def _solve(
    curve: _Curve,
    grid: np.ndarray,
    level: float,
    near: float,
    resolution: float,
    swing: float = math.inf,
) -> float | None:
    """The root of ``P(s) = level`` nearest ``near``: bracket it on ``grid``, narrow the
    bracket on finer grids until it spans at most :data:`BRACKET_SWINGS` swings, then
    refine with Brent's method on the CRN estimate.

    At finite draws the estimate is a step function of the shift (monotone for one
    target and a variable's mean), so the root is the jump where it crosses ``level``;
    it is located to the shift that moves ``P`` by about ``resolution`` (a small
    fraction of its standard error) at the narrowed bracket's average slope. Narrowing
    first keeps a wide search range (``bounds``) from setting a coarse tolerance.
    """
    bracket = _bracket(curve, grid, level, near)
    while bracket is not None and bracket[1] - bracket[0] > BRACKET_SWINGS * swing:
        finer = np.linspace(*bracket, len(grid))
        curve.evaluate(list(finer))
        narrower = _bracket(curve, finer, level, near)
        if narrower is None or narrower == bracket:
            break
        bracket = narrower
    if bracket is None:
        return None
    a, b = bracket
    pa, pb = curve(a), curve(b)
    if pa == level:
        return a
    if pb == level:
        return b
    slope = abs(pb - pa) / (b - a)
    xtol = max(resolution / slope, 1e-12 * (grid[-1] - grid[0]))
    return float(optimize.brentq(lambda s: curve(s) - level, a, b, xtol=xtol))


def _bracket(
    curve: _Curve, grid: np.ndarray, level: float, near: float
) -> tuple[float, float] | None:
    """The neighbouring points of ``grid`` (evaluated) between which ``P(s) - level``
    changes sign, nearest ``near``; ``None`` if it never does."""
    f = np.array([curve.values[float(s)][0] for s in grid]) - level
    best: tuple[float, float, float] | None = None
    for a, b, fa, fb in zip(grid[:-1], grid[1:], f[:-1], f[1:], strict=True):
        if not (np.isfinite(fa) and np.isfinite(fb)) or fa * fb > 0:
            continue
        distance = 0.0 if a <= near <= b else min(abs(a - near), abs(b - near))
        if best is None or distance < best[0]:
            best = (distance, float(a), float(b))
    return None if best is None else (best[1], best[2])


def required_shift(
    common: CommonDraws,
    target: str,
    driver: str,
    probability: float = 0.8,
    bounds: tuple[float, float] | None = None,
) -> RequiredShift:
    """The :func:`tjsim.required_shift` of ``driver`` for ``target`` on the draws
    ``common``."""
    if isinstance(probability, bool) or not (
        isinstance(probability, (int, float)) and 0.0 < probability < 1.0
    ):
        raise ScenarioError(
            f"probability must lie strictly between 0 and 1, found {probability!r}",
            key="probability",
        )
    probability = float(probability)
    model = common.model
    column = target_column(model, target)
    drv = resolve_driver(common.calibration, model, driver)
    if bounds is None:
        lo, hi = -SEARCH_SWINGS * drv.swing, SEARCH_SWINGS * drv.swing
    else:
        try:
            lo, hi = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise ScenarioError(
                f"bounds must be two numbers (low, high), found {bounds!r}", key="bounds"
            ) from None
        if not (-MAX_MAGNITUDE <= lo < hi <= MAX_MAGNITUDE):
            raise ScenarioError(
                f"bounds must be two numbers low < high between {-MAX_MAGNITUDE:g} and "
                f"{MAX_MAGNITUDE:g}, found {bounds!r:.80}",
                key="bounds",
            )
    # A variable's curve costs a comparison per draw and point; a parameter's may need
    # the model recompiled and re-evaluated at each point: a coarser grid.
    grid = np.linspace(lo, hi, GRID_POINTS if drv.kind == "variable" else GRID_POINTS // 2 + 1)
    near = min(max(0.0, lo), hi)
    grid = np.unique(np.append(grid, near))
    curve = _Curve(common, drv, column)
    curve.evaluate(list(grid))
    resolution = 0.02 * math.sqrt(probability * (1 - probability) / common.draws)
    shift = _solve(curve, grid, probability, near, resolution, drv.swing)
    name = "all targets" if target == JOINT else f"target '{target}'"
    if shift is None:
        table = curve.frame()["probability"]
        ok = table.dropna()
        if ok.empty:
            raise ScenarioError(
                f"'{driver}' cannot be moved anywhere in [{lo:+g}, {hi:+g}] without making "
                "the calibration invalid; pass other bounds",
                key="bounds",
            )
        below = ok.max() < probability
        best = ok.idxmax() if below else ok.idxmin()
        unit = f" {drv.shift_unit}" if drv.shift_unit else ""
        move = "shift of" if drv.kind == "variable" else "change of parameter"
        raise ScenarioError(
            f"no {move} '{driver}' between {ok.index[0]:+.3g} and {ok.index[-1]:+.3g}{unit} "
            f"brings the probability of meeting {name} to {_pct(probability)}: it is "
            f"{_pct(ok.iloc[0])} at {ok.index[0]:+.3g}{unit} and {_pct(ok.iloc[-1])} "
            f"at {ok.index[-1]:+.3g}{unit} ({'highest' if below else 'lowest'} "
            f"{_pct(ok.max() if below else ok.min())}, at {best:+.3g}{unit}); widen bounds=(low, high) or "
            "ask for a probability within that range",
            key="probability",
        )
    achieved, se = curve.values[float(shift)]
    se = max(se, 1.0 / common.draws)
    ends = []
    for level in (probability - Z95 * se, probability + Z95 * se):
        ends.append(
            _solve(curve, grid, level, shift, resolution, drv.swing) if 0.0 < level < 1.0 else None
        )
    # Which side of the shift does P grow on? (from the grid around the solution)
    after = grid[grid > shift]
    before = grid[grid < shift]
    p_after = curve(after[0]) if len(after) else math.nan
    p_before = curve(before[-1]) if len(before) else math.nan
    rising = not (p_after < p_before) if np.isfinite(p_after) and np.isfinite(p_before) else True
    low_end, high_end = ends
    if low_end is None:
        low_end = -math.inf if rising else math.inf
    if high_end is None:
        high_end = math.inf if rising else -math.inf
    low, high = sorted((low_end, high_end))
    start = curve(0.0)
    return RequiredShift(
        target=target,
        driver=drv.id,
        kind=drv.kind,
        probability=probability,
        shift=shift,
        low=min(low, shift),
        high=max(high, shift),
        current=drv.current,
        value=drv.current + shift,
        achieved=achieved,
        std_error=se,
        start_probability=start,
        unit=drv.unit,
        label=drv.label,
        bounds=(lo, hi),
        draws=common.draws,
        method=common.method,
        seed=describe_seed(common.root),
        scenario=common.scenario.name,
        conditioning=describe_conditioning(common.scenario.observed)
        if common.scenario.observed
        else "",
        curve=curve.frame(),
    )
