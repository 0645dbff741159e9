r"""Common random numbers: the draws of one run, evaluated under variants of its scenario.

Every variant of a scenario is evaluated on the *same* latent normals, block by block,
exactly as :func:`tjsim.simulate` draws them for the same seed, draws and method.
Because the model is affine in the random basis, shifting a variable's mean by
:math:`h` moves every target margin by :math:`h\,a` for a fixed vector :math:`a`; such
variants (and parameter changes that only move constants) reuse the base margins of
each chunk, so a whole sensitivity table costs little more than one simulation.
Changes that reshape the model (a shock's spread, a coefficient, an event probability)
are recompiled and evaluated on the same latent normals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ..calibration import Calibration
from ..engine import DEFAULT_CHUNK, LatentSampler, NumpyKernel, chunk_plan, run_settings
from ..engine.kernels.numpy_kernel import met_flags
from ..errors import ScenarioError, unknown
from ..limits import MAX_MAGNITUDE
from ..model import CompiledModel, build_model
from ..model.moments import basis_moments
from ..result import JOINT, SimulationResult
from ..scenario import Scenario
from ..seeding import BLOCK_SIZE, Block, SeedLike, plan_blocks

#: Swing of a parameter without a shock: this fraction of its absolute value.
PARAMETER_SWING = 0.1
#: Largest cache of latent normals and base margins kept between passes over the draws.
CACHE_LIMIT_BYTES = 256 * 2**20


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
        standard deviation of the variable's shock (for a variable without one, such as
        an aggregate, the standard deviation the other shocks give it; 1 if none),
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
        if driver in model.basis[: model.n_shocks]:
            std = model.marginals[model.basis.index(driver)].std
        else:  # a variable without a shock of its own: its spread from the others
            std = indicator_std(model, j)
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
    if isinstance(swing, (bool, np.bool_)) or not (
        isinstance(swing, (int, float, np.number)) and 0 < swing <= MAX_MAGNITUDE
    ):
        raise ScenarioError(
            f"the swing of '{driver}' must be a number > 0 and at most {MAX_MAGNITUDE:g}, "
            f"found {swing!r:.40}",
            key="swings",
        )
    return Driver(driver, kind, label, unit, current, float(swing))


def indicator_std(model: CompiledModel, row: int) -> float:
    """Standard deviation of indicator ``row`` of ``model`` (all shocks and events)."""
    _, cov = basis_moments(
        model.marginals,
        model.event_probabilities,
        model.correlation,
        event_marginals=model.event_marginals,
    )
    loadings = model.loadings[row]
    return float(np.sqrt(max(loadings @ cov @ loadings, 0.0)))


def default_drivers(calibration: Calibration) -> list[str]:
    """The calibration's driver-layer variables (else every variable with a shock)."""
    drivers = [v for v, spec in calibration.variables.items() if spec.layer == "driver"]
    return drivers or list(calibration.shocked)


def target_column(model: CompiledModel, target: str) -> int:
    """Column of ``target`` (its reading in force) in a met array; the last,
    ``len(model.targets)``, for ``joint``."""
    ids = [t.id for t in model.primary_targets]
    if target == JOINT:
        return len(model.targets)
    if target not in ids:
        raise ScenarioError(unknown("target", target, [*ids, JOINT]), key="target")
    return ids.index(target)


# ---------------------------------------------------------------------- common draws
@dataclass(frozen=True, eq=False)
class Variant:
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
    kernel: NumpyKernel | None = None


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
        quarterly: bool = False,
        model: CompiledModel | None = None,
    ):
        self.calibration = calibration
        self.scenario = scenario
        self.draws = draws
        self.method = method
        self.root = root
        self.quarterly = quarterly
        if model is None:
            model = build_model(calibration, scenario, quarterly=quarterly)
        self.model = model
        self.kernel = NumpyKernel.from_model(self.model)
        self.strict = self.model.target_strict
        self.chunk_size = chunk_size
        self.blocks = plan_blocks(method, draws)
        self.chunks = chunk_plan(self.blocks, max(int(chunk_size or DEFAULT_CHUNK), BLOCK_SIZE))
        width = 2 * self.model.dimension + len(self.model.targets)
        self._cache_ok = draws * width * 8 <= CACHE_LIMIT_BYTES
        self._cache: dict[tuple[str, int], np.ndarray] = {}
        # The draws whose base margins these were moved from (see rebased): margins are
        # always one step from margins computed from the basis, so no rounding builds up.
        self._origin = self

    def variant(self, scenario: Scenario) -> Variant:
        """Compile ``scenario`` and decide how to evaluate it on these draws."""
        model = build_model(self.calibration, scenario, quarterly=self.quarterly)
        base = self.model
        readings = [(t.id, t.reading, t.primary) for t in model.targets]
        if readings != [(t.id, t.reading, t.primary) for t in base.targets] or not np.array_equal(
            model.target_strict, base.target_strict
        ):
            raise ScenarioError("a variant must keep the scenario's targets and their readings")
        if not same_basis(model, base):
            return Variant(kernel=NumpyKernel.from_model(model))
        if np.array_equal(model.target_loadings, base.target_loadings):
            return Variant(delta=model.target_constant - base.target_constant)
        weights = model.target_loadings.T * self.kernel.column_scale[:, None]
        return Variant(weights=np.ascontiguousarray(weights), offset=model.target_constant)

    def rebased(self, scenario: Scenario, model: CompiledModel | None = None) -> CommonDraws:
        """The same draws (seed, method, number) under another ``scenario`` (compiled
        as ``model``, when the caller has it), reusing what these hold: the latent
        normals when both models draw as many per draw, the basis values too when both
        have the same random basis (shocks, correlations, event probabilities), and the
        target margins moved by the change of the target constants when only those
        differ (mean shifts, most parameters).

        The result is a fresh :class:`CommonDraws` of ``scenario`` but for the margins'
        last bits: moved margins are ``base + delta``, with ``base`` computed from the
        basis, rather than ``basis @ weights + constants``.
        """
        other = CommonDraws(
            self.calibration,
            scenario,
            self.draws,
            self.method,
            self.root,
            self.chunk_size,
            quarterly=self.quarterly,
            model=model,
        )
        mine, theirs = self.model, other.model
        shared = set()
        if self._cache_ok and other._cache_ok and theirs.dimension == mine.dimension:
            shared.add("latent")
            if same_basis(theirs, mine):
                shared.add("basis")
        other._cache = {key: value for key, value in self._cache.items() if key[0] in shared}
        origin = self._origin
        margins = {i: base for (name, i), base in origin._cache.items() if name == "base"}
        if (
            "basis" in shared
            and margins
            and np.array_equal(theirs.target_strict, origin.model.target_strict)
            and np.array_equal(theirs.target_loadings, origin.model.target_loadings)
        ):
            delta = theirs.target_constant - origin.model.target_constant
            other._cache.update({("base", i): base + delta for i, base in margins.items()})
            other._origin = origin
        return other

    def mover(self, driver: Driver) -> Callable[[float], Variant]:
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
        return lambda change: Variant(delta=change * response)

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
        return self._get("base", lambda: target_margins(kernel, self.basis()))

    def margins(self, variant: Variant | None) -> np.ndarray:
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
        return target_margins(kernel, kernel.basis(self.latent().copy()))

    def met(self, variant: Variant | None = None) -> np.ndarray:
        return met_flags(self.margins(variant), self.owner.strict, self.owner.model.n_primary)

    def met_column(self, variant: Variant | None, column: int) -> np.ndarray:
        """``(n, 1)`` booleans: target ``column`` (or, last, all targets) met."""
        strict = self.owner.strict
        if column == len(strict) or (variant is not None and variant.delta is None):
            return self.met(variant)[:, [column]]
        margin = self.base()[:, [column]]
        if variant is not None and variant.delta is not None:
            margin = margin + variant.delta[column]
        return margin > 0.0 if strict[column] else margin >= 0.0


def target_margins(kernel: NumpyKernel, x: np.ndarray) -> np.ndarray:
    """The target margins ``(n, T)`` of basis values ``x`` (the targets' columns of
    :meth:`NumpyKernel.values`, without computing the indicators)."""
    m = kernel.n_indicators
    out = x @ np.ascontiguousarray(kernel.weights[:, m:])
    out += kernel.offset[m:]
    return out


def same_basis(first: CompiledModel, second: CompiledModel) -> bool:
    """Whether two models turn latent normals into the same random basis: the same
    marginals, correlation and event probabilities."""
    return (
        first.marginals == second.marginals
        and first.event_marginals == second.event_marginals
        and np.array_equal(first.correlation, second.correlation)
        and np.array_equal(first.event_probabilities, second.event_probabilities)
    )


def common_draws(
    calibration: Calibration,
    scenario: Scenario,
    *,
    draws: int | None,
    seed: SeedLike,
    method: str | None,
    chunk_size: int | None = None,
) -> CommonDraws:
    """The draws :func:`tjsim.simulate` would make for these settings (the arguments,
    else the scenario's ``simulation`` settings, else the defaults)."""
    draws, method, root = run_settings(scenario, draws, seed, method, least_draws=2)
    return CommonDraws(calibration, scenario, draws, method, root, chunk_size)


def common_draws_of(
    result: SimulationResult, calibration: Calibration, draws: int | None = None
) -> CommonDraws:
    """The draws of ``result`` (the same seed, method and scenario; ``draws`` defaults to
    the result's), ready to evaluate variants on; ``calibration`` must be the one the
    result was simulated on (a run with quarters, ``quarterly=True``, keeps them)."""
    common = CommonDraws(
        calibration,
        result.scenario,
        int(draws if draws is not None else result.n_draws),
        result.method,
        result.seed,
        result.chunk_size,
        quarterly=any(b.endswith("_dev_q1") for b in result.model.basis),
    )
    mine, theirs = common.model, result.model
    if not (
        mine.target_loadings.shape == theirs.target_loadings.shape
        and np.allclose(mine.target_constant, theirs.target_constant)
        and np.allclose(mine.target_loadings, theirs.target_loadings)
    ):
        raise ScenarioError(
            "the calibration given does not reproduce this result's model; pass the "
            "calibration it was simulated on",
            key="calibration",
        )
    return common
