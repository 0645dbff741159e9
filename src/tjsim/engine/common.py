r"""Common draws: the draws of one run evaluated under variants of its scenario, a job of
the engine like :func:`~tjsim.engine.run.simulate`.

Every variant of a scenario is evaluated on the *same* latent normals, block by block,
exactly as :func:`tjsim.simulate` draws them for the same seed, draws and method.
Because the model is affine in the random basis, shifting a variable's mean by
:math:`h` moves every target margin by :math:`h\,a` for a fixed vector :math:`a`; such
variants (and parameter changes that only move constants) reuse the base margins of
each block, so a whole sensitivity table costs little more than one simulation.
Changes that reshape the model (a shock's spread, a coefficient, an event probability)
are evaluated from the same latent normals with their own kernel.

A pass over the draws (:meth:`CommonDraws.estimate`) is a job: its tasks (blocks of
draws) run on the settings' kernel and backend (threads, worker processes, Dask), each
averaging what was asked (:class:`Statistic`) into :class:`~tjsim.result.MeanEstimate`
values that merge exactly, so the numbers do not depend on the kernel, the backend or
the number of workers. Latent normals, basis values and base margins are kept between
passes while the whole run's fit in :data:`CACHE_LIMIT_BYTES`: in this process by the
:class:`CommonDraws` itself, in a worker process by the worker (for the last draws it
saw only), so memory stays bounded.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..calibration import Calibration
from ..errors import ScenarioError
from ..model import CompiledModel, build_model
from ..result import MeanEstimate
from ..scenario import Scenario
from ..seeding import BLOCK_SIZE, RNG, Block, plan_blocks
from .backends import Job, chunk_plan, merge_outputs, plan_tasks
from .kernels import BlockKernel, make_kernel
from .kernels.numpy_kernel import column_scale, met_flags
from .sampling import LatentSampler
from .settings import RunSettings

#: Largest cache of latent normals, basis values and base margins kept between passes
#: over the draws (per process).
CACHE_LIMIT_BYTES = 256 * 2**20
#: Draws whose caches a worker process keeps (each within :data:`CACHE_LIMIT_BYTES`).
KEPT_CACHES = 1

Cache = dict[tuple[str, int], np.ndarray]


@dataclass(frozen=True, eq=False)
class Variant:
    """A variant of the base scenario, evaluated in the cheapest exact way.

    ``delta``
        only the target constants differ: margins are the base margins plus ``delta``
        ``(T,)``;
    ``weights``, ``offset``
        the random basis is the same (same shocks, correlations and event
        probabilities) but the margins load on it differently: ``x @ weights + offset``
        (``(d, T)`` and ``(T,)``);
    ``model``
        the basis itself changes: the variant's compiled model, evaluated from the
        latent normals with a kernel of its own.
    """

    delta: np.ndarray | None = None
    weights: np.ndarray | None = None
    offset: np.ndarray | None = None
    model: CompiledModel | None = None


@dataclass(frozen=True, eq=False)
class Statistic:
    """A per-draw value averaged over the draws.

    ``kind``
        ``"met"``: the ``(n, T + 1)`` met flags of ``first`` (each target, then all the
        targets in force); ``"column"``: the ``(n, 1)`` flags of column ``column`` of
        them; ``"difference"``: ``first``'s met flags less ``second``'s.
    ``first``, ``second``
        Variants (``None``: the base scenario).
    """

    kind: str
    first: Variant | None = None
    second: Variant | None = None
    column: int = 0

    def width(self, targets: int) -> int:
        """Values per draw."""
        return 1 if self.kind == "column" else targets + 1


class Estimates:
    """What a task of common draws sends back: one :class:`MeanEstimate` per statistic."""

    def __init__(self, method: str, widths: Sequence[int]):
        self.items = [MeanEstimate(method, width) for width in widths]

    def merge(self, other: Estimates) -> None:
        """Add another task's estimates (exact, in any order)."""
        for mine, theirs in zip(self.items, other.items, strict=True):
            mine.merge(theirs)


class CommonDraws:
    """The draws of one run (calibration, scenario, settings), evaluated under any
    number of variants of the scenario.

    The latent normals are the engine's: block ``b`` holds the same numbers as in
    :func:`tjsim.simulate` with the same seed and method, so the base probabilities are
    those of that run. Passes run on ``settings``' kernel and backend.
    """

    def __init__(
        self,
        calibration: Calibration,
        scenario: Scenario,
        settings: RunSettings,
        *,
        quarterly: bool = False,
        model: CompiledModel | None = None,
    ):
        self.calibration = calibration
        self.scenario = scenario
        self.settings = settings
        self.draws = settings.draws
        self.method = settings.method
        self.root = settings.seed
        self.quarterly = quarterly
        if model is None:
            model = build_model(calibration, scenario, quarterly=quarterly)
        self.model = model
        self.blocks = plan_blocks(self.method, self.draws)
        width = 2 * model.dimension + len(model.targets)
        self._cache_ok = self.draws * width * 8 <= CACHE_LIMIT_BYTES
        #: (name, block id) -> ``latent``, ``basis`` or ``base`` margins of the block.
        self._cache: Cache = {}
        #: Names the caches of worker processes.
        self.token = uuid.uuid4().hex
        # The draws whose base margins these were moved from (see rebased): margins are
        # always one step from margins computed from the basis, so no rounding builds up.
        self._origin = self

    # ------------------------------------------------------------ variants
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
            return Variant(model=model)
        if np.array_equal(model.target_loadings, base.target_loadings):
            return Variant(delta=model.target_constant - base.target_constant)
        weights = model.target_loadings.T * column_scale(base)[:, None]
        return Variant(weights=np.ascontiguousarray(weights), offset=model.target_constant)

    def rebased(self, scenario: Scenario, model: CompiledModel | None = None) -> CommonDraws:
        """The same draws (settings) under another ``scenario`` (compiled as ``model``,
        when the caller has it), reusing what these hold in this process: the latent
        normals when both models draw as many per draw, the basis values too when both
        have the same random basis (shocks, correlations, event probabilities), and the
        target margins moved by the change of the target constants when only those
        differ (mean shifts, most parameters).

        The result is a fresh :class:`CommonDraws` of ``scenario`` but for the margins'
        last bits: moved margins are ``base + delta``, with ``base`` computed from the
        basis, rather than ``basis @ weights + constants``.
        """
        other = CommonDraws(
            self.calibration, scenario, self.settings, quarterly=self.quarterly, model=model
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

    # ------------------------------------------------------------ passes
    def passes(self) -> Iterator[BlockDraws]:
        """One pass over the draws in this process, block by block: each block's latent
        normals, basis values and base margins (cached as :meth:`estimate` caches them),
        for code that reads the draws themselves rather than averages over them."""
        # Block by block, the numpy kernel's arrays (the numba kernel's basis and
        # margins are those too): nothing needs compiling.
        evaluator = self._question(()).evaluator("numpy")
        sampler = LatentSampler(self.method, self.root, self.model.dimension, self.settings.stream)
        for block in self.blocks:
            yield BlockDraws(evaluator, block, sampler)

    def _question(self, statistics: Sequence[Statistic]) -> Question:
        return Question(
            self.model,
            tuple(statistics),
            self.method,
            self.token,
            self._cache_ok,
            self._cache if self._cache_ok else None,
        )

    def estimate(self, statistics: Sequence[Statistic]) -> list[MeanEstimate]:
        """One pass over the draws: the mean of each of ``statistics`` and its Monte
        Carlo error (:class:`~tjsim.result.MeanEstimate`, with the engine's estimator
        for the sampling method), on the settings' kernel and backend."""
        settings = self.settings
        question = self._question(statistics)
        chunks = chunk_plan(self.blocks, max(settings.chunk, BLOCK_SIZE))
        job = Job(
            lambda run: question,
            plan_tasks(1, chunks),
            settings.kernel,
            self.method,
            self.root,
            stream=settings.stream,
        )
        ((_, totals, _),) = merge_outputs(settings.runner(), job)
        return list(totals.items)


class Question:
    """What a pass over common draws asks (the "model" of its job): the base model and
    the statistics to average. Sent to worker processes without the cache of this
    process; a worker keeps its own, named by ``token``."""

    def __init__(
        self,
        model: CompiledModel,
        statistics: tuple[Statistic, ...],
        method: str,
        token: str,
        cache_ok: bool,
        cache: Cache | None,
    ):
        self.model = model
        self.statistics = statistics
        self.method = method
        self.token = token
        self.cache_ok = cache_ok
        self.cache = cache

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["cache"] = None  # the worker's own cache stands in
        return state

    def evaluator(self, kernel: str) -> _Evaluator:
        """The question's evaluator on the kernel called ``kernel``."""
        cache = self.cache
        if cache is None and self.cache_ok:
            cache = _worker_cache(self.token)
        return _Evaluator(self, kernel, cache)


class _Evaluator:
    """The kernel-like object a task runner uses for a :class:`Question`."""

    def __init__(self, question: Question, kernel: str, cache: Cache | None):
        self.question = question
        self.kernel = make_kernel(kernel, question.model)
        self.name = self.kernel.name
        self.cache = cache
        #: id(variant) -> its kernel, for variants that reshape the model.
        self.kernels = {
            id(v): make_kernel(kernel, v.model)
            for s in question.statistics
            for v in (s.first, s.second)
            if v is not None and v.model is not None
        }

    def new_accumulator(self) -> Estimates:
        targets = len(self.question.model.targets)
        return Estimates(self.question.method, [s.width(targets) for s in self.question.statistics])

    def worker(
        self, method: str, root: np.random.SeedSequence, largest: int, stream: str = RNG
    ) -> Callable[[Block, Estimates, np.ndarray | None], None]:
        """A function adding one block to the estimates (``keep`` is never given)."""
        sampler = LatentSampler(method, root, self.question.model.dimension, stream)

        def evaluate(block: Block, estimates: Estimates, keep: np.ndarray | None) -> None:
            draws = BlockDraws(self, block, sampler)
            for statistic, estimate in zip(self.question.statistics, estimates.items, strict=True):
                estimate.add(draws.value(statistic), [block])

        return evaluate


class BlockDraws:
    """One block of draws: its latent normals, basis values and base margins (from the
    cache, else computed and cached), and the values of the statistics."""

    def __init__(self, owner: _Evaluator, block: Block, sampler: LatentSampler):
        self.owner = owner
        self.block = block
        self.sampler = sampler
        self.model = owner.question.model
        self._local: dict[str, np.ndarray] = {}

    def _get(self, name: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        cache = self.owner.cache
        value = self._local.get(name)
        if value is None and cache is not None:
            value = cache.get((name, self.block.id))
        if value is None:
            value = make()
            if cache is not None:
                cache[(name, self.block.id)] = value
        self._local[name] = value
        return value

    def latent(self) -> np.ndarray:
        """The block's latent normals (never modified)."""

        def make() -> np.ndarray:
            out = np.empty((self.block.size, self.model.dimension))
            self.sampler.fill(self.block, out)
            return out

        return self._get("latent", make)

    def basis(self) -> np.ndarray:
        """The base model's (folded) basis values."""
        return self._get("basis", lambda: self.owner.kernel.basis(self.latent().copy()))

    def base(self) -> np.ndarray:
        """The base model's target margins, ``(n, T)``."""
        return self._get("base", lambda: self.owner.kernel.target_margins(self.basis()))

    def margins(self, variant: Variant | None) -> np.ndarray:
        """The target margins ``(n, T)`` of ``variant`` (``None``: the base scenario)."""
        if variant is None:
            return self.base()
        if variant.delta is not None:
            return self.base() + variant.delta
        if variant.weights is not None:
            out = self.basis() @ variant.weights
            out += variant.offset
            return out
        kernel: BlockKernel = self.owner.kernels[id(variant)]
        return kernel.target_margins(kernel.basis(self.latent().copy()))

    def met(self, variant: Variant | None = None) -> np.ndarray:
        """``(n, T + 1)`` booleans: each target met, then all the targets in force."""
        model = self.model
        return met_flags(self.margins(variant), model.target_strict, model.n_primary)

    def met_column(self, variant: Variant | None, column: int) -> np.ndarray:
        """``(n, 1)`` booleans: target ``column`` (or, last, all targets) met."""
        strict = self.model.target_strict
        if column == len(strict) or (variant is not None and variant.delta is None):
            return self.met(variant)[:, [column]]
        margin = self.base()[:, [column]]
        if variant is not None and variant.delta is not None:
            margin = margin + variant.delta[column]
        return margin > 0.0 if strict[column] else margin >= 0.0

    def value(self, statistic: Statistic) -> np.ndarray:
        """The per-draw values of ``statistic`` on this block, ``(n, width)``."""
        if statistic.kind == "met":
            return self.met(statistic.first)
        if statistic.kind == "column":
            return self.met_column(statistic.first, statistic.column)
        difference = self.met(statistic.first).astype(np.int8)
        difference -= self.met(statistic.second)
        return difference


_CACHES: OrderedDict[str, Cache] = OrderedDict()
_CACHES_LOCK = threading.Lock()


def _worker_cache(token: str) -> Cache:
    """This process's cache of the draws named ``token`` (the last
    :data:`KEPT_CACHES` draws' are kept)."""
    with _CACHES_LOCK:
        cache = _CACHES.get(token)
        if cache is None:
            cache = _CACHES[token] = {}
            while len(_CACHES) > KEPT_CACHES:
                _CACHES.popitem(last=False)
        _CACHES.move_to_end(token)
        return cache


def same_basis(first: CompiledModel, second: CompiledModel) -> bool:
    """Whether two models turn latent normals into the same random basis: the same
    marginals, correlation and event probabilities."""
    return (
        first.marginals == second.marginals
        and first.event_marginals == second.event_marginals
        and np.array_equal(first.correlation, second.correlation)
        and np.array_equal(first.event_probabilities, second.event_probabilities)
    )
