r"""What moves the odds: sensitivities, "what would it take", and why targets are missed.

Three tools, all on common random numbers (CRN): every variant of a scenario is
evaluated on the *same* latent normals, block by block, exactly as
:func:`tjsim.simulate` draws them for the same seed, draws and method.

:func:`sensitivities`
    For each target (and the joint event "all targets met") and each driver, the
    change in the probability of meeting the target per unit shift of the driver's mean
    (or per unit change of a parameter), by a central finite difference on common draws,

    .. math:: \hat D = \frac{\hat P(+h) - \hat P(-h)}{2h}
              = \frac{1}{n}\sum_i \frac{\mathbf 1_i(+h) - \mathbf 1_i(-h)}{2h},

    whose Monte Carlo error is computed from the per-draw differences
    :math:`\mathbf 1_i(+h) - \mathbf 1_i(-h) \in \{-1, 0, 1\}` (paired), with the
    estimator the engine uses for the sampling method (independent draws, antithetic
    pairs, or one estimate per Sobol scramble). It also reports the probabilities at
    minus and plus one *swing* (a shock's standard deviation), for tornado charts.
:func:`required_shift`
    The shift of a driver's mean (or the change of a parameter) that brings a target's
    probability, or the joint probability, to a given level: a bracketing root-finder
    (:func:`scipy.optimize.brentq`) on the CRN estimate :math:`\hat P(s)`, with a 95%
    interval found by solving :math:`\hat P(s) = p \pm 1.96\,\mathrm{se}`.
:func:`why_missed`
    Monte Carlo filtering: the average of every shock (in standard deviations) and the
    frequency of every event in the draws that miss each target against those that meet
    it.

Because the model is affine in the random basis, shifting a variable's mean by
:math:`h` moves every target margin by :math:`h\,a` for a fixed vector :math:`a`; such
variants (and parameter changes that only move constants) reuse the base margins of
each chunk, so a whole sensitivity table costs little more than one simulation.
Changes that reshape the model (a shock's spread, a coefficient, an event probability)
are recompiled and evaluated on the same latent normals.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from .calibration import Calibration, load_calibration
from .engine import DEFAULT_CHUNK, Kernel, build_model, chunk_plan, run_settings
from .errors import ScenarioError, TjsimError, unknown
from .model import CompiledModel
from .sampling import Block, LatentSampler, plan_blocks
from .scenario import Scenario
from .seeding import BLOCK_SIZE, SeedLike, describe_seed

if TYPE_CHECKING:
    from .result import SimulationResult

#: Two-sided 95% normal quantile.
Z95 = float(special.ndtri(0.975))
#: Finite-difference step of :func:`sensitivities`, as a fraction of each driver's swing.
DEFAULT_STEP = 0.25
#: Swing of a parameter without a shock: this fraction of its absolute value.
PARAMETER_SWING = 0.1
#: Default search range of :func:`required_shift`: this many swings either side.
SEARCH_SWINGS = 5.0
#: Points of the grid that brackets the roots of :func:`required_shift`.
GRID_POINTS = 41
#: Largest cache of latent normals and base margins kept between passes over the draws.
CACHE_LIMIT_BYTES = 256 * 2**20
JOINT = "joint"


# ---------------------------------------------------------------------- set-up
def _setup(
    scenario: Scenario | str | os.PathLike | None,
    calibration: Calibration | str | os.PathLike | None,
    draws: int | None,
    seed: SeedLike,
    method: str | None,
) -> tuple[Scenario, Calibration, int, str, np.random.SeedSequence]:
    """Resolve the arguments as :func:`tjsim.simulate` does."""
    if isinstance(scenario, (str, os.PathLike)):
        from .scenario_io import load_scenario

        scenario = load_scenario(scenario)
    scenario = scenario or Scenario()
    if not isinstance(calibration, Calibration):
        calibration = load_calibration(calibration)
    draws, method, root = run_settings(scenario, draws, seed, method, least_draws=2)
    return scenario, calibration, draws, method, root


@dataclass(frozen=True)
class Driver:
    """Something whose level can be moved: a variable's mean or a parameter's value.

    Attributes
    ----------
    id
        Variable id (its mean is shifted) or parameter (fact) id (its value is set).
    kind
        ``"variable"`` or ``"parameter"``.
    current
        The variable's central value under the scenario (baseline plus the scenario's
        shifts; shocks have mean zero), or the parameter's value.
    swing
        The unit of "one swing" for tornado charts and default search ranges: the
        standard deviation of the variable's shock (1 for a variable without a shock),
        or ``PARAMETER_SWING`` times the parameter's absolute value (or that fraction
        of one when the value is zero).
    """

    id: str
    kind: str
    label: str
    unit: str
    current: float
    swing: float

    @property
    def shift_unit(self) -> str:
        """The unit of a change: percentage points for a variable in percent."""
        return "pp" if self.kind == "variable" and self.unit == "%" else self.unit

    def apply(self, scenario: Scenario, change: float) -> Scenario:
        """``scenario`` with this driver moved by ``change`` from its current level."""
        if self.kind == "variable":
            return scenario.with_shift(self.id, change) if change else scenario
        return scenario.with_parameter(self.id, self.current + change)


def resolve_driver(
    calibration: Calibration,
    model: CompiledModel,
    driver: str,
    swing: float | None = None,
) -> Driver:
    """Resolve a variable or parameter id against ``calibration`` (compiled as ``model``)."""
    if not isinstance(driver, str):
        raise ScenarioError(f"a driver must be a variable or parameter id, found {driver!r}")
    if driver in calibration.variables:
        spec = calibration.variables[driver]
        j = model.indicators.index(driver)
        default = 1.0
        if driver in model.basis[: model.n_shocks]:
            std = model.marginals[model.basis.index(driver)].std
            default = std if std > 0 else 1.0
        kind, label, unit, current = "variable", spec.label, spec.unit, float(model.constant[j])
    elif driver in calibration.derived:
        raise ScenarioError(
            f"'{driver}' is derived ({calibration.derived[driver]}); move one of the "
            "parameters it uses instead",
            key="driver",
        )
    elif driver in model.parameters:
        fact = next((f for f in calibration.facts if f.id == driver), None)
        current = float(model.parameters[driver])
        kind = "parameter"
        label, unit = (fact.label, fact.unit) if fact is not None else (driver, "")
        default = PARAMETER_SWING * (abs(current) if current else 1.0)
    else:
        options = [*calibration.variables, *(f.id for f in calibration.facts)]
        raise ScenarioError(
            unknown("driver (variable or parameter)", driver, options), key="driver"
        )
    if swing is None:
        swing = default
    if not (isinstance(swing, (int, float, np.number)) and math.isfinite(swing) and swing > 0):
        raise ScenarioError(f"the swing of '{driver}' must be a number > 0, found {swing!r}")
    return Driver(driver, kind, label, unit, current, float(swing))


def default_drivers(calibration: Calibration) -> list[str]:
    """The calibration's driver-layer variables (else every variable with a shock)."""
    drivers = [v for v, spec in calibration.variables.items() if spec.layer == "driver"]
    return drivers or list(calibration.shocked)


def _target_column(model: CompiledModel, target: str) -> int:
    ids = [t.id for t in model.targets]
    if target == JOINT:
        return len(ids)
    if target not in ids:
        raise ScenarioError(unknown("target", target, [*ids, JOINT]), key="target")
    return ids.index(target)


# ---------------------------------------------------------------------- common draws
@dataclass(frozen=True, eq=False)
class _Variant:
    """A variant of the base scenario, evaluated in the cheapest exact way.

    ``delta``
        only the target constants differ: margins are the base margins plus ``delta``;
    ``weights``, ``offset``
        the random basis is the same (same shocks, correlations and event
        probabilities) but the margins load on it differently: ``x @ weights + offset``;
    ``kernel``
        the basis itself changes: the variant is evaluated from the latent normals.
    """

    delta: np.ndarray | None = None
    weights: np.ndarray | None = None
    offset: np.ndarray | None = None
    kernel: Kernel | None = None


def _met(margins: np.ndarray, strict: np.ndarray) -> np.ndarray:
    """``(n, T + 1)`` booleans: each target met, and (last column) all of them."""
    n, t = margins.shape
    out = np.empty((n, t + 1), dtype=bool)
    np.greater_equal(margins, 0.0, out=out[:, :t])
    if strict.any():
        out[:, :t][:, strict] = margins[:, strict] > 0.0
    np.all(out[:, :t], axis=1, out=out[:, t])
    return out


class CommonDraws:
    """The draws of one run (calibration, scenario, draws, seed, method), evaluated under
    any number of variants of the scenario.

    The latent normals are the engine's: block ``b`` holds the same numbers as in
    :func:`tjsim.simulate` with the same seed and method, so the base probabilities are
    those of that run. Latent normals, basis values and base margins are cached between
    passes while they fit in :data:`CACHE_LIMIT_BYTES`.
    """

    def __init__(
        self,
        calibration: Calibration,
        scenario: Scenario,
        draws: int,
        method: str,
        root: np.random.SeedSequence,
        chunk_size: int | None = None,
    ):
        self.calibration = calibration
        self.scenario = scenario
        self.draws = draws
        self.method = method
        self.root = root
        self.model = build_model(calibration, scenario)
        self.kernel = Kernel.from_model(self.model)
        self.strict = self.model.target_strict
        self.blocks = plan_blocks(method, draws)
        self.chunks = chunk_plan(self.blocks, max(int(chunk_size or DEFAULT_CHUNK), BLOCK_SIZE))
        width = 2 * self.model.dimension + len(self.model.targets)
        self._cache_ok = draws * width * 8 <= CACHE_LIMIT_BYTES
        self._cache: dict[tuple[str, int], np.ndarray] = {}

    def variant(self, scenario: Scenario) -> _Variant:
        """Compile ``scenario`` and decide how to evaluate it on these draws."""
        model = build_model(self.calibration, scenario)
        base = self.model
        if [t.id for t in model.targets] != [t.id for t in base.targets] or not np.array_equal(
            model.target_strict, base.target_strict
        ):
            raise ScenarioError("a variant must keep the scenario's targets and their readings")
        same_basis = (
            model.marginals == base.marginals
            and np.array_equal(model.correlation, base.correlation)
            and np.array_equal(model.event_probabilities, base.event_probabilities)
        )
        if not same_basis:
            return _Variant(kernel=Kernel.from_model(model))
        if np.array_equal(model.target_loadings, base.target_loadings):
            return _Variant(delta=model.target_constant - base.target_constant)
        weights = model.target_loadings.T * self.kernel.column_scale[:, None]
        return _Variant(weights=np.ascontiguousarray(weights), offset=model.target_constant)

    def mover(self, driver: Driver) -> Callable[[float], _Variant]:
        """A function from a change of ``driver`` to the variant it makes.

        A variable's mean enters every target margin linearly, so its variants are the
        base margins plus ``change * response`` (one compilation in all); a parameter's
        variant is compiled for each change.
        """
        if driver.kind != "variable":
            return lambda change: self.variant(driver.apply(self.scenario, change))
        unit = self.variant(driver.apply(self.scenario, 1.0))
        if unit.delta is None:  # pragma: no cover - a mean shift never reshapes the model
            return lambda change: self.variant(driver.apply(self.scenario, change))
        response = unit.delta
        return lambda change: _Variant(delta=change * response)

    def passes(self) -> Iterator[_Chunk]:
        """One pass over the draws, chunk by chunk."""
        sampler = LatentSampler(self.method, self.root, self.model.dimension)
        for index, blocks in enumerate(self.chunks):
            yield _Chunk(self, index, blocks, sampler)


class _Chunk:
    """One chunk of a pass: its blocks, and the margins of the base or of any variant."""

    def __init__(
        self, owner: CommonDraws, index: int, blocks: Sequence[Block], sampler: LatentSampler
    ):
        self.owner = owner
        self.index = index
        self.blocks = blocks
        self.sampler = sampler
        self._local: dict[str, np.ndarray] = {}

    def _get(self, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        owner = self.owner
        value = self._local.get(name)
        if value is None:
            value = owner._cache.get((name, self.index))
        if value is None:
            value = make()
            if owner._cache_ok:
                owner._cache[(name, self.index)] = value
        self._local[name] = value
        return value

    def latent(self) -> np.ndarray:
        """The chunk's latent normals (never modified)."""

        def make() -> np.ndarray:
            n = sum(b.size for b in self.blocks)
            out = np.empty((n, self.owner.model.dimension))
            start = 0
            for block in self.blocks:
                self.sampler.fill(block, out[start : start + block.size])
                start += block.size
            return out

        return self._get("latent", make)

    def basis(self) -> np.ndarray:
        """The base model's (folded) basis values."""
        return self._get("basis", lambda: self.owner.kernel.basis(self.latent().copy()))

    def base(self) -> np.ndarray:
        """The base model's target margins, ``(n, T)``."""
        kernel = self.owner.kernel
        return self._get("base", lambda: kernel.values(self.basis())[:, kernel.n_indicators :])

    def margins(self, variant: _Variant | None) -> np.ndarray:
        if variant is None:
            return self.base()
        if variant.delta is not None:
            return self.base() + variant.delta
        if variant.weights is not None:
            out = self.basis() @ variant.weights
            out += variant.offset
            return out
        kernel = variant.kernel
        assert kernel is not None
        return kernel.values(kernel.basis(self.latent().copy()))[:, kernel.n_indicators :]

    def met(self, variant: _Variant | None = None) -> np.ndarray:
        return _met(self.margins(variant), self.owner.strict)

    def met_column(self, variant: _Variant | None, column: int) -> np.ndarray:
        """``(n, 1)`` booleans: target ``column`` (or, last, all targets) met."""
        strict = self.owner.strict
        if column == len(strict) or (variant is not None and variant.delta is None):
            return self.met(variant)[:, [column]]
        margin = self.base()[:, [column]]
        if variant is not None:
            margin = margin + variant.delta[column]
        return margin > 0.0 if strict[column] else margin >= 0.0


class MeanEstimate:
    """Mean of per-draw values (``(n, k)`` integers or floats) and its Monte Carlo
    standard error, with the engine's estimator for each sampling method:

    ``mc``
        ``sqrt(var / n)`` over draws;
    ``antithetic``
        the variance of the pair means over the antithetic pairs of each block;
    ``sobol``
        the spread of the per-scramble means (with the engine's floor of half a count
        per scramble, since an indicator is often the same count in every scramble).
    """

    def __init__(self, method: str, width: int):
        self.method = method
        self.n = 0
        self.units = 0
        self.sum = np.zeros(width)
        self.square = np.zeros(width)
        self.groups: dict[int, list] = {}

    def add(self, values: np.ndarray, blocks: Sequence[Block]) -> None:
        v = values.view(np.int8) if values.dtype == bool else values
        self.n += len(v)
        if self.method == "mc":
            self.sum += v.sum(axis=0)
            self.square += (v * v).sum(axis=0)
            self.units += len(v)
        elif self.method == "antithetic":
            start = 0
            for block in blocks:
                half = block.size // 2
                pair = v[start : start + half] + v[start + half : start + block.size]
                self.sum += pair.sum(axis=0)
                self.square += (pair * pair).sum(axis=0)
                self.units += half
                start += block.size
        else:
            self.sum += v.sum(axis=0)
            group = self.groups.setdefault(blocks[0].group, [0, 0.0])
            group[0] += len(v)
            group[1] = group[1] + v.sum(axis=0)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.sum / self.n
        if self.method == "mc":
            var = np.maximum(self.square / self.n - mean**2, 0.0)
            return mean, np.sqrt(var / self.n)
        if self.method == "antithetic":
            pairs = self.units
            second = self.square / (4.0 * pairs)
            var = np.maximum(second - mean**2, 0.0) * pairs / max(pairs - 1, 1)
            return mean, np.sqrt(var / pairs)
        sizes = np.array([g[0] for g in self.groups.values()], dtype=float)
        per = np.array([np.asarray(g[1], dtype=float) for g in self.groups.values()])
        per = per / sizes[:, None]
        floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(sizes)))
        return mean, np.maximum(per.std(axis=0, ddof=1) / np.sqrt(len(sizes)), floor)


# ---------------------------------------------------------------------- sensitivities
def sensitivities(
    scenario: Scenario | str | os.PathLike | None = None,
    drivers: Iterable[str] | None = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    step: float = DEFAULT_STEP,
    swings: Mapping[str, float] | None = None,
    calibration: Calibration | str | os.PathLike | None = None,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """How much each driver moves the probability of meeting each target.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, a scenario file, or ``None`` (baseline).
    drivers
        Variable ids (their mean is shifted) and parameter ids (their value is changed);
        default: the calibration's driver-layer variables.
    draws, seed, method
        As for :func:`tjsim.simulate` (the scenario's settings, else 100,000 draws,
        fresh entropy and ``mc``). The same seed gives the draws of ``simulate``, so
        ``probability`` equals that run's probabilities.
    step
        Finite-difference half-step as a fraction of each driver's swing (default 0.25):
        the derivative is ``(P(+h) - P(-h)) / (2h)`` with ``h = step * swing``. Its bias
        is of order ``h**2``: for a normal margin moved by ``delta`` of its standard
        deviation (``delta <= step`` for a driver's own shock) and ``u`` deviations from
        its threshold, about ``delta**2 (u**2 - 1) / 6`` of the derivative (under 2.5%
        at the default unless ``|u| > 2``). Its error is of order ``1 / sqrt(h * draws)``.
    swings
        Driver id -> swing (the spread of "one swing"), overriding the default: the
        standard deviation of the driver's shock, 1 for a variable without a shock, or
        10% of a parameter's absolute value.
    calibration
        A :class:`~tjsim.calibration.Calibration` or folder (default: the packaged one).
    chunk_size
        Draws evaluated at once (as in :func:`tjsim.simulate`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(target, driver)`` (targets in calibration order, then ``joint``
        for all targets met together), with columns

        ``sensitivity``
            change in the probability, in percentage points, per unit of the driver
            (its unit is the ``unit`` column: pp of growth for most drivers);
        ``std_error``
            its Monte Carlo standard error (pp per unit), from the per-draw differences
            on common draws;
        ``probability``
            probability of meeting the target in the scenario;
        ``p_minus``, ``p_plus``
            probabilities with the driver moved by minus and plus one ``swing``;
        ``swing``, ``unit``, ``kind``
            the swing used, the driver's unit, and ``variable`` or ``parameter``.

        ``frame.attrs["metadata"]`` records draws, seed, method, step and scenario.
    """
    scenario, calibration, draws, method, root = _setup(scenario, calibration, draws, seed, method)
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ScenarioError(f"step must be a number > 0, found {step!r}", key="step")
    common = CommonDraws(calibration, scenario, draws, method, root, chunk_size)
    return _sensitivities(common, drivers, step, swings)


def _sensitivities(
    common: CommonDraws,
    drivers: Iterable[str] | None,
    step: float,
    swings: Mapping[str, float] | None,
) -> pd.DataFrame:
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
    variants: list[list[_Variant]] = []
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
    targets = [t.id for t in model.targets] + [JOINT]
    rows = []
    for j, drv in enumerate(resolved):
        h = step * drv.swing
        d, se = diff[j].result()
        p_lo, _ = minus[j].result()
        p_hi, _ = plus[j].result()
        for k, tid in enumerate(targets):
            rows.append(
                (
                    tid,
                    drv.id,
                    100.0 * d[k] / (2 * h),
                    100.0 * se[k] / (2 * h),
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
    frame["_t"] = frame["target"].map(targets.index)
    frame = frame.sort_values(["_t"], kind="stable").drop(columns="_t")
    frame = frame.set_index(["target", "driver"])
    frame.attrs["metadata"] = _metadata(common, step=step)
    return frame


def _metadata(common: CommonDraws, **extra: Any) -> dict[str, Any]:
    return {
        "scenario": common.scenario.name,
        "scenario_file": common.scenario.path,
        "calibration": common.model.calibration,
        "calibration_version": common.model.version,
        "draws": common.draws,
        "method": common.method,
        "seed": describe_seed(common.root),
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


def format_sensitivities(frame: pd.DataFrame, *, digits: int = 1) -> str:
    """:func:`sensitivities` as text: for each target, every driver's sensitivity and its
    standard error (pp of probability per unit), then the probability now and at minus
    and plus one swing."""
    meta = frame.attrs.get("metadata", {})
    drivers = list(dict.fromkeys(frame.index.get_level_values("driver")))
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    first = frame.xs(targets[0], level="target")
    cells = {
        (t, d): f"{row.sensitivity:+.{digits}f}±{row.std_error:.{digits}f}"
        for (t, d), row in zip(frame.index, frame.itertuples(index=False), strict=True)
    }
    label = max(len("all targets (joint)"), *(len(t) for t in targets))
    width = max(8, *(len(c) for c in cells.values()), *(len(d) for d in drivers))
    lines = []
    if meta:
        lines += [
            f"tjsim sensitivity: scenario '{meta['scenario']}', {meta['draws']:,} draws, "
            f"method {meta['method']}, seed {meta['seed']} (common random numbers)",
            "",
        ]
    lines += [
        "Change in P(met), in points per unit of each driver (± standard error):",
        "",
        f"{'target':<{label}}  {'P(met)':>6}  " + "  ".join(f"{d:>{width}}" for d in drivers),
        f"{'(unit)':<{label}}  {'':>6}  "
        + "  ".join(f"{'per ' + _per(first.loc[d]):>{width}}" for d in drivers),
    ]
    for t in targets:
        name = "all targets (joint)" if t == JOINT else t
        p = frame.loc[(t, drivers[0]), "probability"]
        lines.append(
            f"{name:<{label}}  {100 * p:5.1f}%  "
            + "  ".join(f"{cells[(t, d)]:>{width}}" for d in drivers)
        )
    lines += [
        "",
        "P(met) at minus / plus one swing of each driver:",
        "",
        f"{'target':<{label}}  {'':>6}  " + "  ".join(f"{d:>{width}}" for d in drivers),
        f"{'(swing)':<{label}}  {'':>6}  "
        + "  ".join(f"{'±' + format(first.loc[d, 'swing'], '.3g'):>{width}}" for d in drivers),
    ]
    for t in targets:
        name = "all targets (joint)" if t == JOINT else t
        row = frame.xs(t, level="target")
        pairs = [
            f"{100 * row.at[d, 'p_minus']:.0f}/{100 * row.at[d, 'p_plus']:.0f}%" for d in drivers
        ]
        lines.append(f"{name:<{label}}  {'':>6}  " + "  ".join(f"{c:>{width}}" for c in pairs))
    if meta.get("step") is not None:
        lines += [
            "",
            f"Central differences with half-step {meta['step']:g} swing on common draws; "
            "errors from the per-draw differences.",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------- required shift
def _pct(p: float, digits: int = 1) -> str:
    """A probability in percent, with more digits near 0 and 1."""
    if 0.0 < p < 0.01 or 0.99 < p < 1.0:
        digits += 2
    return f"{100 * p:.{digits}f}%"


@dataclass(frozen=True)
class RequiredShift:
    """What it takes for a target (or all of them) to be met with a given probability.

    ``shift`` moves the driver from ``current`` to ``value`` (a variable's central value
    or a parameter's value); ``low`` and ``high`` bound it with 95% confidence (an
    infinite end means the level is not reached within ``bounds`` on that side).
    """

    target: str
    driver: str
    kind: str
    probability: float
    shift: float
    low: float
    high: float
    current: float
    value: float
    achieved: float
    std_error: float
    start_probability: float
    unit: str
    label: str
    bounds: tuple[float, float]
    draws: int
    method: str
    seed: int | str
    scenario: str
    curve: pd.DataFrame = field(repr=False, compare=False, default_factory=pd.DataFrame)

    def __str__(self) -> str:
        what = "all targets" if self.target == JOINT else f"target '{self.target}'"
        moved = "central value" if self.kind == "variable" else "value"
        unit = f" {self.unit}" if self.unit else ""
        step = "pp" if self.kind == "variable" and self.unit == "%" else self.unit
        step = f" {step}" if step else ""
        return "\n".join(
            [
                f"To meet {what} with probability {_pct(self.probability)} "
                f"(now {_pct(self.start_probability)}, scenario '{self.scenario}'):",
                f"  {'shift' if self.kind == 'variable' else 'change'} {self.driver} by "
                f"{self.shift:+.3g}{step}  (95% interval {self.low:+.3g} to {self.high:+.3g})",
                f"  {self.driver} {moved}: {self.current:.4g} -> {self.value:.4g}{unit}"
                f"  ({self.label})",
                f"  P at the solution: {_pct(self.achieved, 2)} ± {100 * self.std_error:.2g} points",
                f"  {self.draws:,} draws, method {self.method}, seed {self.seed}; common random "
                f"numbers, searched shifts in [{self.bounds[0]:+.3g}, {self.bounds[1]:+.3g}]",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain values (without the search curve)."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "curve"}
        out["bounds"] = list(self.bounds)
        return out


class _Curve:
    """The CRN estimate ``P(s)`` of one target column along one driver, with a cache."""

    def __init__(self, common: CommonDraws, driver: Driver, column: int):
        self.common = common
        self.driver = driver
        self.column = column
        self.move = common.mover(driver)
        self.values: dict[float, tuple[float, float]] = {}

    def evaluate(self, shifts: Sequence[float]) -> None:
        todo = [float(s) for s in dict.fromkeys(shifts) if float(s) not in self.values]
        if not todo:
            return
        variants: list[_Variant | None] = []
        for s in todo:
            try:
                variants.append(self.move(s))
            except TjsimError:
                variants.append(None)  # outside the parameter's valid range
        valid = [(s, v) for s, v in zip(todo, variants, strict=True) if v is not None]
        estimates = [MeanEstimate(self.common.method, 1) for _ in valid]
        if valid:
            for chunk in self.common.passes():
                for (_, v), est in zip(valid, estimates, strict=True):
                    est.add(chunk.met_column(v, self.column), chunk.blocks)
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
    curve: _Curve, grid: np.ndarray, level: float, near: float, resolution: float
) -> float | None:
    """The root of ``P(s) = level`` nearest ``near``: bracket it on ``grid``, refine with
    Brent's method on the CRN estimate.

    At finite draws the estimate is a step function of the shift (monotone for one
    target and a variable's mean), so the root is the jump where it crosses ``level``;
    it is located to the shift that moves ``P`` by about ``resolution`` (a small
    fraction of its standard error) at the bracket's average slope.
    """
    f = np.array([curve.values[float(s)][0] for s in grid]) - level
    best: tuple[float, float, float] | None = None
    for a, b, fa, fb in zip(grid[:-1], grid[1:], f[:-1], f[1:], strict=True):
        if not (np.isfinite(fa) and np.isfinite(fb)) or fa * fb > 0:
            continue
        distance = 0.0 if a <= near <= b else min(abs(a - near), abs(b - near))
        if best is None or distance < best[0]:
            best = (distance, float(a), float(b))
    if best is None:
        return None
    _, a, b = best
    pa, pb = curve(a), curve(b)
    if pa == level:
        return a
    if pb == level:
        return b
    slope = abs(pb - pa) / (b - a)
    xtol = max(resolution / slope, 1e-12 * (grid[-1] - grid[0]))
    return float(optimize.brentq(lambda s: curve(s) - level, a, b, xtol=xtol))


def required_shift(
    target: str,
    driver: str,
    probability: float = 0.8,
    scenario: Scenario | str | os.PathLike | None = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    bounds: tuple[float, float] | None = None,
    calibration: Calibration | str | os.PathLike | None = None,
    chunk_size: int | None = None,
) -> RequiredShift:
    """The shift of ``driver`` that brings P(``target`` met) to ``probability``.

    Parameters
    ----------
    target
        A target id, or ``"joint"`` for all targets met together.
    driver
        A variable id (its mean is shifted, in its unit) or a parameter id (its value
        is changed; the result gives the change and the new value).
    probability
        The probability to reach, strictly between 0 and 1.
    scenario
        The starting scenario (a Scenario, a file, or ``None`` for the baseline).
    draws, seed, method
        As for :func:`tjsim.simulate`; every shift is evaluated on the same draws.
    bounds
        ``(low, high)`` shifts to search (default: five swings either side, a swing
        being the driver's shock sd, 1 for a variable without a shock, or 10% of a
        parameter's value). Parameter values that make the calibration invalid are
        skipped.
    calibration, chunk_size
        As for :func:`tjsim.simulate`.

    Returns
    -------
    RequiredShift
        The shift (the root nearest zero when several exist, as can happen for the
        joint probability), its 95% interval, the new level and the probability there.

    Raises
    ------
    ScenarioError
        For unknown ids, a probability outside (0, 1), or when no shift within
        ``bounds`` reaches ``probability`` (the message gives the probabilities found).
    """
    if isinstance(probability, bool) or not (
        isinstance(probability, (int, float)) and 0.0 < probability < 1.0
    ):
        raise ScenarioError(
            f"probability must lie strictly between 0 and 1, found {probability!r}",
            key="probability",
        )
    scenario, calibration, draws, method, root = _setup(scenario, calibration, draws, seed, method)
    common = CommonDraws(calibration, scenario, draws, method, root, chunk_size)
    return _required_shift(common, target, driver, float(probability), bounds)


def _required_shift(
    common: CommonDraws,
    target: str,
    driver: str,
    probability: float,
    bounds: tuple[float, float] | None,
) -> RequiredShift:
    model = common.model
    column = _target_column(model, target)
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
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ScenarioError(
                f"bounds must be finite with low < high, found {bounds!r}", key="bounds"
            )
    # A variable's curve costs a comparison per draw and point; a parameter's may need
    # the model recompiled and re-evaluated at each point: a coarser grid.
    grid = np.linspace(lo, hi, GRID_POINTS if drv.kind == "variable" else GRID_POINTS // 2 + 1)
    near = min(max(0.0, lo), hi)
    grid = np.unique(np.append(grid, near))
    curve = _Curve(common, drv, column)
    curve.evaluate(list(grid))
    resolution = 0.02 * math.sqrt(probability * (1 - probability) / common.draws)
    shift = _solve(curve, grid, probability, near, resolution)
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
            f"{_pct(ok.loc[best])}, at {best:+.3g}{unit}); widen bounds=(low, high) or "
            "ask for a probability within that range",
            key="probability",
        )
    achieved, se = curve.values[float(shift)]
    se = max(se, 1.0 / common.draws)
    ends = []
    for level in (probability - Z95 * se, probability + Z95 * se):
        ends.append(_solve(curve, grid, level, shift, resolution) if 0.0 < level < 1.0 else None)
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
        curve=curve.frame(),
    )


# ---------------------------------------------------------------------- results
def result_calibration(
    result: SimulationResult, calibration: Calibration | str | os.PathLike | None
) -> Calibration:
    """The calibration ``result`` was simulated on: ``calibration`` if given, else the
    packaged one when its name and version match the result's."""
    model = result.model
    if not isinstance(calibration, Calibration):
        if calibration is None:
            cal = load_calibration()
            if (cal.name, cal.version) != (model.calibration, model.version):
                raise ScenarioError(
                    f"this result was simulated on calibration '{model.calibration}' "
                    f"{model.version}, not the packaged one; pass calibration=",
                    key="calibration",
                )
            return cal
        calibration = load_calibration(calibration)
    return calibration


def common_draws_of(
    result: SimulationResult,
    calibration: Calibration | str | os.PathLike | None = None,
    draws: int | None = None,
) -> CommonDraws:
    """The draws of ``result`` (the same seed, method and scenario; ``draws`` defaults to
    the result's), ready to evaluate variants on."""
    cal = result_calibration(result, calibration)
    common = CommonDraws(
        cal,
        result.scenario,
        int(draws if draws is not None else result.n_draws),
        result.method,
        result.seed,
        result.chunk_size,
    )
    mine, theirs = common.model, result.model
    if not (
        mine.target_constant.shape == theirs.target_constant.shape
        and np.allclose(mine.target_constant, theirs.target_constant)
        and np.allclose(mine.target_loadings, theirs.target_loadings)
    ):
        raise ScenarioError(
            "the calibration given does not reproduce this result's model; pass the "
            "calibration it was simulated on",
            key="calibration",
        )
    return common


def result_sensitivities(
    result: SimulationResult,
    drivers: Iterable[str] | None = None,
    *,
    draws: int | None = None,
    step: float = DEFAULT_STEP,
    swings: Mapping[str, float] | None = None,
    calibration: Calibration | str | os.PathLike | None = None,
) -> pd.DataFrame:
    """:func:`sensitivities` on the draws of ``result`` (its scenario, seed and method)."""
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ScenarioError(f"step must be a number > 0, found {step!r}", key="step")
    return _sensitivities(common_draws_of(result, calibration, draws), drivers, step, swings)


def result_required_shift(
    result: SimulationResult,
    target: str,
    driver: str,
    probability: float = 0.8,
    *,
    draws: int | None = None,
    bounds: tuple[float, float] | None = None,
    calibration: Calibration | str | os.PathLike | None = None,
) -> RequiredShift:
    """:func:`required_shift` on the draws of ``result``."""
    if isinstance(probability, bool) or not (
        isinstance(probability, (int, float)) and 0.0 < probability < 1.0
    ):
        raise ScenarioError(
            f"probability must lie strictly between 0 and 1, found {probability!r}",
            key="probability",
        )
    common = common_draws_of(result, calibration, draws)
    return _required_shift(common, target, driver, float(probability), bounds)


# ---------------------------------------------------------------------- why missed
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
            deviations of the shock (or of the event indicator, ``sqrt(p (1 - p))``),
            so shocks and events compare; negative when misses come with low values;
        ``std_error``
            Monte Carlo error of ``gap`` (for shocks, taking the spread within each
            group as the shock's overall sd);
        ``scale``
            the standard deviation used.
    """
    model = result.model
    acc = result.accumulator
    means = result.shock_means()
    ids = [t.id for t in model.targets] + [JOINT]
    if target is not None and target not in ids:
        raise ScenarioError(unknown("target", target, ids), key="target")
    k = model.n_shocks
    probs = model.event_probabilities
    scale = np.concatenate(
        [[mg.std for mg in model.marginals], np.sqrt(probs * (1.0 - probs))]
    ).astype(float)
    kind = np.array(["shock"] * k + ["event"] * (model.dimension - k))
    n_met = acc.met.astype(float)
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
        se = np.where(kind == "shock", shock_se, event_se)
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
