r"""The vectorized Monte Carlo engine.

For each chunk of draws (a whole number of blocks) the engine

1. fills an ``(n, d)`` array :math:`E` of independent latent normals (per block),
2. correlates them, :math:`Z = E C^\top`,
3. maps them to the random basis :math:`X`: centred shocks through their marginals,
   events as indicators :math:`z_e < \Phi^{-1}(p_e)`,
4. evaluates every indicator and target margin at once, :math:`V = X W^\top + w_0`,
5. reduces :math:`V` into an :class:`~tjsim.accumulate.Accumulator`.

There is no Python loop over draws, indicators or targets; the only loops are over
chunks and, for exactly mergeable floating-point sums, over the blocks of a chunk.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .accumulate import FIXED_POINT, Accumulator
from .calibration import Calibration, load_calibration
from .errors import ScenarioError
from .marginals import interpolate
from .model import CompiledModel, compile_model
from .sampling import Block, LatentSampler, plan_blocks
from .scenario import METHODS, Scenario
from .seeding import BLOCK_SIZE, SeedLike, as_seed_sequence

if TYPE_CHECKING:
    from .result import SimulationResult

#: Default draws per chunk (two blocks): a few tens of MB of working memory.
DEFAULT_CHUNK = 2 * BLOCK_SIZE
#: Largest ``keep_draws`` table (indicator values, float64) a run may hold.
KEEP_DRAWS_LIMIT_BYTES = 512 * 2**20
DEFAULT_DRAWS = 100_000


@dataclass(frozen=True, eq=False)
class Kernel:
    """The arrays one chunk needs, precomputed from a :class:`CompiledModel`.

    Normal shocks are folded into ``weights`` (their spread multiplies the column), so
    only non-normal shocks need a table lookup.
    """

    n_indicators: int
    n_shocks: int
    correlate: np.ndarray | None  # (d, d) upper factor C^T, or None when R = I
    weights: np.ndarray  # (d, m + T)
    offset: np.ndarray  # (m + T,)
    strict: np.ndarray  # (T,) bool
    table_columns: np.ndarray  # (j,) indices of non-normal shocks
    tables: np.ndarray  # (j, G)
    event_thresholds: np.ndarray  # (e,)
    column_scale: np.ndarray  # (d,) basis value = column_scale * folded column value
    hist_scale: np.ndarray  # (m,)
    hist_shift: np.ndarray  # (m,) includes each indicator's bin offset
    hist_bottom: np.ndarray  # (m,) underflow bin index per indicator
    hist_top: np.ndarray  # (m,) overflow bin index per indicator
    n_bins: int

    @classmethod
    def from_model(cls, model: CompiledModel) -> Kernel:
        k, m = model.n_shocks, len(model.indicators)
        scale = np.ones(model.dimension)
        tables, columns = [], []
        for j, marginal in enumerate(model.marginals):
            if marginal.is_linear:
                scale[j] = marginal.spread
            else:
                columns.append(j)
                tables.append(marginal.table())
        weights = np.vstack([model.loadings, model.target_loadings]).T * scale[:, None]
        identity = np.allclose(model.correlation, np.eye(model.dimension))
        low, width, bins = model.histogram_layout()
        starts = np.concatenate([[0], np.cumsum(bins + 2)[:-1]])
        return cls(
            n_indicators=m,
            n_shocks=k,
            correlate=None if identity else np.ascontiguousarray(model.cholesky.T),
            weights=np.ascontiguousarray(weights),
            offset=np.concatenate([model.constant, model.target_constant]),
            strict=model.target_strict,
            table_columns=np.array(columns, dtype=np.int64),
            tables=np.vstack(tables) if tables else np.zeros((0, 0)),
            event_thresholds=model.event_thresholds,
            column_scale=scale,
            hist_scale=1.0 / width,
            hist_shift=starts + 1.0 - low / width,
            hist_bottom=starts.astype(float),
            hist_top=starts + bins + 1.0,
            n_bins=int((bins + 2).sum()),
        )

    def basis(self, latent: np.ndarray) -> np.ndarray:
        """Correlate latent normals and map them to (folded) basis values, in place."""
        x = latent @ self.correlate if self.correlate is not None else latent
        for column, table in zip(self.table_columns, self.tables, strict=True):
            x[:, column] = interpolate(x[:, column], table)
        if len(self.event_thresholds):
            x[:, self.n_shocks :] = x[:, self.n_shocks :] < self.event_thresholds
        return x

    def values(self, x: np.ndarray) -> np.ndarray:
        """Indicators and target margins ``(n, m + T)`` from basis values ``(n, d)``."""
        out = x @ self.weights
        out += self.offset
        return out

    def met(self, values: np.ndarray) -> np.ndarray:
        """``(n, T + 1)`` booleans: each target met, and (last column) all of them met."""
        margins = values[:, self.n_indicators :]
        n, t = margins.shape
        out = np.empty((n, t + 1), dtype=bool)
        np.greater_equal(margins, 0.0, out=out[:, :t])
        if self.strict.any():
            out[:, :t][:, self.strict] = margins[:, self.strict] > 0.0
        np.all(out[:, :t], axis=1, out=out[:, t])
        return out


def reduce_chunk(
    kernel: Kernel,
    acc: Accumulator,
    blocks: Sequence[Block],
    x: np.ndarray,
    values: np.ndarray,
    method: str,
) -> None:
    """Add one chunk's draws to ``acc``."""
    m, t = kernel.n_indicators, len(kernel.strict)
    met = kernel.met(values)
    indicators = values[:, :m]
    acc.draws += len(values)
    acc.met += met.sum(axis=0)
    acc.count_met += np.bincount(met[:, :t].sum(axis=1), minlength=t + 1)
    met_f = met.astype(np.float32)
    acc.both += np.rint(met_f[:, :t].T @ met_f[:, :t]).astype(np.int64)
    np.minimum(acc.minimum, indicators.min(axis=0), out=acc.minimum)
    np.maximum(acc.maximum, indicators.max(axis=0), out=acc.maximum)
    bins = indicators * kernel.hist_scale
    bins += kernel.hist_shift
    np.clip(bins, kernel.hist_bottom, kernel.hist_top, out=bins)
    acc.histogram += np.bincount(bins.astype(np.int64).ravel(), minlength=kernel.n_bins)
    group = blocks[0].group
    if method == "sobol":
        acc.group_draws[group] = acc.group_draws.get(group, 0) + len(values)
        acc.group_met[group] = acc.group_met.get(group, 0) + met.sum(axis=0)
    start = 0
    for block in blocks:
        stop = start + block.size
        rows = indicators[start:stop] - kernel.offset[:m]
        acc.block_moments[block.id] = np.concatenate(
            [rows.sum(axis=0), np.einsum("ij,ij->j", rows, rows)]
        )
        xs = x[start:stop]
        acc.basis_sum += _fixed(xs.sum(axis=0) * kernel.column_scale)
        acc.basis_met_sum += _fixed((met[start:stop].T.astype(float) @ xs) * kernel.column_scale)
        if method == "antithetic":
            half = block.size // 2
            pair = met[start : start + half].astype(np.int64) + met[start + half : stop]
            acc.pair_square += (pair * pair).sum(axis=0)
        start = stop


def _fixed(values: np.ndarray) -> np.ndarray:
    return np.rint(values * FIXED_POINT).astype(np.int64)


def chunk_plan(blocks: Sequence[Block], chunk_size: int) -> list[list[Block]]:
    """Group consecutive blocks into chunks of at most ``chunk_size`` draws (at least one
    block each); a chunk never spans two Sobol scrambles."""
    chunks: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        if current and (size + block.size > chunk_size or block.group != current[0].group):
            chunks.append(current)
            current, size = [], 0
        current.append(block)
        size += block.size
    if current:
        chunks.append(current)
    return chunks


def run_chunks(
    kernel: Kernel,
    method: str,
    root: np.random.SeedSequence,
    chunks: Sequence[Sequence[Block]],
    keep: np.ndarray | None = None,
    keep_start: int = 0,
    progress=None,
) -> Accumulator:
    """Simulate ``chunks`` and return their accumulator (``keep`` receives indicator rows)."""
    d = kernel.weights.shape[0]
    acc = Accumulator(
        kernel.n_indicators,
        len(kernel.strict),
        d,
        kernel.n_bins,
        kernel.offset[: kernel.n_indicators],
    )
    sampler = LatentSampler(method, root, d)
    largest = max((sum(b.size for b in chunk) for chunk in chunks), default=0)
    buffer = np.empty((largest, d))
    row = keep_start
    for chunk in chunks:
        n = sum(b.size for b in chunk)
        latent = buffer[:n]
        start = 0
        for block in chunk:
            sampler.fill(block, latent[start : start + block.size])
            start += block.size
        x = kernel.basis(latent)
        values = kernel.values(x)
        reduce_chunk(kernel, acc, chunk, x, values, method)
        if keep is not None:
            keep[row : row + n] = values[:, : kernel.n_indicators]
            row += n
        if progress is not None:
            progress(n)
    return acc


def _run_part(args: tuple) -> Accumulator:
    return run_chunks(*args)


def _resolve(value, stored, default):
    return value if value is not None else (stored if stored is not None else default)


def simulate(
    scenario: Scenario | str | os.PathLike | None = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    keep_draws: bool = False,
    workers: int = 1,
    calibration: Calibration | str | os.PathLike | None = None,
    progress=None,
) -> SimulationResult:
    """Simulate 2024 outcomes and the probability of meeting each target.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, the path of a scenario YAML file, or ``None``
        for the baseline.
    draws
        Number of draws (default: the scenario's ``simulation.draws``, else 100,000).
    seed
        None, int, :class:`numpy.random.SeedSequence` or :class:`numpy.random.Generator`
        (default: the scenario's seed, else fresh entropy). The same seed gives the same
        numbers whatever ``chunk_size`` and ``workers``.
    method
        ``"mc"`` (default), ``"antithetic"`` or ``"sobol"``.
    chunk_size
        Draws evaluated at once (rounded to whole blocks of 32,768 draws); bounds memory.
    keep_draws
        Keep every draw's indicator values as ``result.draws`` (an ``(draws, m)``
        DataFrame); refused above :data:`KEEP_DRAWS_LIMIT_BYTES`.
    workers
        Processes to share the blocks among (results do not change).
    calibration
        A :class:`~tjsim.calibration.Calibration` or a calibration folder (default: the
        packaged Tianjin calibration).
    progress
        Optional callable receiving the number of draws finished after each chunk.

    Returns
    -------
    SimulationResult
    """
    from .result import SimulationResult

    if isinstance(scenario, (str, os.PathLike)):
        from .scenario_io import load_scenario

        scenario = load_scenario(Path(scenario))
    scenario = scenario or Scenario()
    if not isinstance(calibration, Calibration):
        calibration = load_calibration(calibration)
    draws = _resolve(draws, scenario.simulation.draws, DEFAULT_DRAWS)
    method = _resolve(method, scenario.simulation.method, "mc")
    seed = _resolve(seed, scenario.simulation.seed, None)
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ScenarioError(f"draws must be an integer >= 1, found {draws!r}", key="draws")
    if method not in METHODS:
        raise ScenarioError(
            f"method must be one of {', '.join(METHODS)}, found {method!r}", key="method"
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ScenarioError(f"workers must be an integer >= 1, found {workers!r}", key="workers")
    chunk_size = DEFAULT_CHUNK if chunk_size is None else chunk_size
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ScenarioError(
            f"chunk_size must be an integer >= 1, found {chunk_size!r}", key="chunk_size"
        )
    try:
        root = as_seed_sequence(seed)
    except (TypeError, ValueError) as exc:
        raise ScenarioError(str(exc), key="seed") from None

    model = compile_model(calibration, scenario)
    kernel = Kernel.from_model(model)
    blocks = plan_blocks(method, int(draws))
    chunks = chunk_plan(blocks, max(int(chunk_size), BLOCK_SIZE))
    keep = None
    if keep_draws:
        needed = int(draws) * len(model.indicators) * 8
        if needed > KEEP_DRAWS_LIMIT_BYTES:
            most = KEEP_DRAWS_LIMIT_BYTES // (len(model.indicators) * 8)
            raise ScenarioError(
                f"keep_draws=True for {draws:,} draws needs {needed / 2**20:,.0f} MiB, above the "
                f"{KEEP_DRAWS_LIMIT_BYTES / 2**20:,.0f} MiB limit; use at most {most:,} draws or "
                "keep_draws=False (probabilities and quantiles do not need the draws)",
                key="keep_draws",
            )
        keep = np.empty((int(draws), len(model.indicators)))
    workers = min(workers, len(chunks))
    if workers == 1:
        acc = run_chunks(kernel, method, root, chunks, keep, 0, progress)
    else:
        parts = _split(chunks, workers)
        starts = np.cumsum([0] + [sum(b.size for c in part for b in c) for part in parts])
        if keep is not None:
            raise ScenarioError("keep_draws=True needs workers=1", key="keep_draws")
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            results = list(
                pool.map(
                    _run_part,
                    [
                        (kernel, method, root, part, None, int(s))
                        for part, s in zip(parts, starts, strict=False)
                    ],
                )
            )
        acc = results[0]
        for other in results[1:]:
            acc.merge(other)
        if progress is not None:
            progress(int(draws))
    return SimulationResult(
        model=model,
        accumulator=acc,
        method=method,
        seed=root,
        n_draws=int(draws),
        scenario=scenario,
        chunk_size=int(chunk_size),
        workers=workers,
        kept=keep,
    )


def _split(chunks: Sequence[Sequence[Block]], parts: int) -> list[list[Sequence[Block]]]:
    """Contiguous, near-equal parts of ``chunks``."""
    size = math.ceil(len(chunks) / parts)
    return [list(chunks[i : i + size]) for i in range(0, len(chunks), size)]
