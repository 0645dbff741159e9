r"""The numpy kernel: a block of draws evaluated with vectorized numpy operations.

For each block of draws (:data:`~tjsim.seeding.BLOCK_SIZE` of them, the unit of
reproducibility) the engine

1. fills an ``(n, d)`` array :math:`E` of independent latent normals,
2. correlates the columns that need it, :math:`Z = E C^\top`, and maps them to the
   random basis: non-normal shocks and events of random size through their marginals'
   tables, the other events as indicators :math:`z_e < \Phi^{-1}(p_e)`; normal shocks
   are never formed, because the Cholesky factor and their spreads are folded into the
   weights,
3. evaluates every indicator and target margin at once, :math:`V - c = [E, G]\,W_f`,
4. reduces the block into an :class:`~tjsim.result.Accumulator`: integer counts
   (targets met, pairs, number met, number of headline targets met, quantile
   histograms) and the block's own floating point sums.

A block is evaluated in slabs of :data:`SLAB_ROWS` draws (its normals are streamed,
the same numbers as drawing the block at once), so that the intermediate arrays stay in
the processor's cache. Steps 2-4 run on a slab transposed and cut into sub-blocks of
:data:`SUB_ROWS` draws, ``(slab / s, columns, s)``: every matrix product is a batch of
small products that BLAS runs in the calling thread (no oversubscription, no waiting
for busy cores), and the per-indicator reductions read contiguous rows. Blocks are
independent, so ``threads`` evaluate different blocks at once (numpy, BLAS and the
random generators release the GIL). A block is always cut the same way, whatever the
chunk size, the number of threads or of worker processes, and its sums are added in a
fixed order, so a seed gives the same numbers bit for bit.

There is no Python loop over draws or indicators; the only loops are over blocks, the
slabs of a block and the (at most eight) kinds of target test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, cast

import numpy as np

from ...model import CompiledModel
from ...result.accumulator import FIXED_POINT, Accumulator
from ...seeding import RNG, Block
from ..sampling import LatentSampler
from ..tables import TableSet, interpolate, table_set

#: Draws per sub-block: small enough that each matrix product stays below OpenBLAS's
#: threshold for threading (m * n * k <= 2**18), large enough to run at full speed.
SUB_ROWS = 128
#: Draws evaluated at once within a block: small enough for the intermediate arrays to
#: stay in the processor's cache.
SLAB_ROWS = 4096


@dataclass(frozen=True, eq=False)
class _Test:
    """One comparison filling met rows ``rows``: ``(V - c)[first] [- (V - c)[second]]``
    ``>=`` (``above``) or ``<=`` ``thresholds``."""

    rows: slice
    first: np.ndarray
    second: np.ndarray | None
    above: bool
    thresholds: np.ndarray  # (k, 1)


@dataclass(frozen=True, eq=False)
class NumpyKernel:
    """The arrays one block needs, precomputed from a :class:`CompiledModel`.

    ``basis``, ``values`` and ``met`` evaluate the model on a latent array in three
    plain steps (normal shocks folded into ``weights``: their spread multiplies the
    column, so only non-normal shocks need a table lookup). The engine itself uses the
    fused form: ``fast_weights`` maps the raw latent normals of every column and the
    table and event columns (``gathered``) straight to indicators and margins.
    """

    n_indicators: int
    n_shocks: int
    correlate: np.ndarray | None  # (d, d) upper factor C^T, or None when R = I
    weights: np.ndarray  # (d, m + T)
    offset: np.ndarray  # (m + T,)
    strict: np.ndarray  # (T,) bool
    table_columns: np.ndarray  # (j,) non-normal shocks, then events of random size
    tables: np.ndarray  # (j, G)
    event_columns: np.ndarray  # (e,) events of fixed size (indicators)
    event_thresholds: np.ndarray  # (e,) their thresholds
    column_scale: np.ndarray  # (d,) basis value = column_scale * folded column value
    hist_scale: np.ndarray  # (m,)
    hist_bottom: np.ndarray  # (m,) underflow bin index per indicator
    hist_top: np.ndarray  # (m,) overflow bin index per indicator
    n_bins: int
    # -- the fused form used by the engine
    latent_runs: tuple[tuple[int, int, int], ...]  # (basis row, latent column, length)
    n_unused: int  # latent columns first in the basis rows: those no normal shock loads on
    gathered: np.ndarray  # (g,) basis columns formed explicitly: tables, then indicators
    gather_latent: np.ndarray  # (g, d): their latent z = gather_latent @ (basis rows :d)
    table_set: TableSet  # the table columns' transforms
    fast_weights: np.ndarray  # (m, u + g): V - c = fast_weights @ [e[used]; basis[gathered]]
    linear_columns: np.ndarray  # (l,) the other (normal) basis columns
    linear_basis: np.ndarray  # (u, l): their basis values = e[used] @ linear_basis
    met_order: np.ndarray  # (T,) target of each met row of the basis (grouped by test)
    n_primary: int  # met rows of the readings in force (the first ones)
    headline_rows: np.ndarray  # (K,) met rows of the headline targets in force
    met_tests: tuple[_Test, ...]  # the comparisons that fill the met rows, by group
    hist_add: np.ndarray  # (m,) bin position = ((V - c) + hist_add) * hist_scale
    bin_bottom: np.ndarray  # (m,) int: underflow bin
    bin_top: np.ndarray  # (m,) int: overflow bin
    sub_rows: int  # draws per sub-block

    @classmethod
    def from_model(cls, model: CompiledModel) -> NumpyKernel:
        k, m, d = model.n_shocks, len(model.indicators), model.dimension
        scale = column_scale(model)
        columns = [j for j, marginal in enumerate(model.marginals) if not marginal.is_linear]
        # Events of random size are table columns (their break marginals); the others
        # stay indicators.
        sized = model.event_marginals
        columns += [k + j for j, mg in enumerate(sized) if mg is not None]
        events = np.array([k + j for j, mg in enumerate(sized) if mg is None], dtype=np.int64)
        column_marginals = model.column_marginals()
        tables = table_set(tuple(column_marginals[j] for j in columns))
        weights = np.vstack([model.loadings, model.target_loadings]).T * scale[:, None]
        identity = np.allclose(model.correlation, np.eye(d))
        low, width, bins = model.histogram_layout()
        starts = np.concatenate([[0], np.cumsum(bins + 2)[:-1]])
        offset = np.concatenate([model.constant, model.target_constant])
        hist_scale = 1.0 / width
        hist_shift = starts + 1.0 - low / width

        # Fused form: V - c = e[used] @ A + g @ B, A = C^T[used, linear] @ W[linear, :m],
        # B = W[gathered, :m]; the columns of C^T are the latent loadings of each z.
        gathered = np.array([*columns, *events], dtype=np.int64)
        linear = np.setdiff1d(np.arange(d), gathered)
        upper = np.eye(d) if identity else model.cholesky.T
        loads = np.any(upper[:, linear] != 0.0, axis=1)
        used = np.flatnonzero(loads)
        latent_order = np.concatenate([np.flatnonzero(~loads), used])  # column of each row
        runs: list[list[int]] = []
        for row, column in enumerate(latent_order):
            if runs and column == runs[-1][1] + runs[-1][2]:
                runs[-1][2] += 1
            else:
                runs.append([row, int(column), 1])
        folded = upper[np.ix_(used, linear)] @ weights[linear, :m]
        fast = np.vstack([folded, weights[gathered, :m]]).T
        # Target t is met when its margin s * (V_i - tau) or s * (V_i - V_j) is >= 0
        # (> 0 if strict): s * ((V - c)_i [- (V - c)_j]) >= -c_t, exactly. Targets with
        # the same kind of test share one comparison.
        index = {name: i for i, name in enumerate(model.indicators)}
        margins = -offset[m:]
        thresholds = np.where(model.target_strict, np.nextafter(margins, np.inf), margins)
        # The readings in force come first, so that the joint and the number met count
        # the first n_primary met rows only.
        groups: dict[tuple[bool, bool, bool], list[int]] = {}
        for t, target in enumerate(model.targets):
            key = (not target.primary, target.op in (">=", ">"), target.compare_to is not None)
            groups.setdefault(key, []).append(t)
        order: list[int] = []
        tests: list[_Test] = []
        for (_, above, compare), members in sorted(groups.items()):
            first_row = len(order)
            order += members
            sign = 1.0 if above else -1.0
            tests.append(
                _Test(
                    rows=slice(first_row, len(order)),
                    first=np.array([index[model.targets[t].indicator] for t in members]),
                    second=np.array(
                        [index[cast(str, model.targets[t].compare_to)] for t in members]
                    )
                    if compare
                    else None,
                    above=above,
                    thresholds=(sign * thresholds[members])[:, None],
                )
            )
        shift = offset[:m] * hist_scale + hist_shift
        rows = SUB_ROWS
        while rows > 16 and rows * (len(used) + len(gathered)) * max(m, 1) > 2**18:
            rows //= 2
        return cls(
            n_indicators=m,
            n_shocks=k,
            correlate=None if identity else np.ascontiguousarray(model.cholesky.T),
            weights=np.ascontiguousarray(weights),
            offset=offset,
            strict=model.target_strict,
            table_columns=np.array(columns, dtype=np.int64),
            tables=tables.tables,
            event_columns=events,
            event_thresholds=model.event_thresholds[events - k],
            column_scale=scale,
            hist_scale=hist_scale,
            hist_bottom=starts.astype(float),
            hist_top=starts + bins + 1.0,
            n_bins=int((bins + 2).sum()),
            latent_runs=tuple((row, column, length) for row, column, length in runs),
            n_unused=d - len(used),
            gathered=gathered,
            gather_latent=np.ascontiguousarray(upper[np.ix_(latent_order, gathered)].T),
            table_set=tables,
            fast_weights=np.ascontiguousarray(fast),
            linear_columns=linear,
            linear_basis=np.ascontiguousarray(upper[np.ix_(used, linear)] * scale[linear]),
            met_order=np.array(order, dtype=np.intp),
            n_primary=model.n_primary,
            headline_rows=np.array(
                [
                    row
                    for row, t in enumerate(order)
                    if model.targets[t].primary and model.targets[t].headline
                ],
                dtype=np.intp,
            ),
            met_tests=tuple(tests),
            hist_add=shift / hist_scale,
            bin_bottom=starts.astype(np.intp),
            bin_top=(starts + bins + 1).astype(np.intp),
            sub_rows=rows,
        )

    def basis(self, latent: np.ndarray) -> np.ndarray:
        """Correlate latent normals and map them to (folded) basis values, in place."""
        x = latent @ self.correlate if self.correlate is not None else latent
        for column, table in zip(self.table_columns, self.tables, strict=True):
            x[:, column] = interpolate(x[:, column], table)
        if len(self.event_thresholds):
            x[:, self.event_columns] = x[:, self.event_columns] < self.event_thresholds
        return x

    def values(self, x: np.ndarray) -> np.ndarray:
        """Indicators and target margins ``(n, m + T)`` from basis values ``(n, d)``."""
        out = x @ self.weights
        out += self.offset
        return out

    def target_margins(self, x: np.ndarray) -> np.ndarray:
        """The target margins ``(n, T)`` of basis values ``x`` ``(n, d)`` (the targets'
        columns of :meth:`values`, without computing the indicators)."""
        m = self.n_indicators
        out = x @ np.ascontiguousarray(self.weights[:, m:])
        out += self.offset[m:]
        return out

    def met(self, values: np.ndarray) -> np.ndarray:
        """``(n, T + 1)`` booleans: each target (reading) met, and (last column) all the
        targets in force met."""
        return met_flags(values[:, self.n_indicators :], self.strict, self.n_primary)

    # ------------------------------------------------------------ the kernel interface
    name: ClassVar[str] = "numpy"

    def new_accumulator(self) -> Accumulator:
        """An empty accumulator for this model's indicators, targets and histograms."""
        return Accumulator(
            self.n_indicators,
            len(self.strict),
            self.weights.shape[0],
            self.n_bins,
            self.offset[: self.n_indicators],
            n_primary=self.n_primary,
            n_headline=len(self.headline_rows),
        )

    def worker(
        self, method: str, root: np.random.SeedSequence, largest: int, stream: str = RNG
    ) -> Callable[[Block, Accumulator, np.ndarray | None], None]:
        """A function that evaluates one block into an accumulator (``keep`` receives the
        block's indicator rows when given), with buffers for blocks of up to ``largest``
        draws, drawing from the random stream ``stream``; one per thread."""
        sampler = LatentSampler(method, root, self.weights.shape[0], stream)
        workspace = _Workspace(self, largest)

        def evaluate(block: Block, acc: Accumulator, keep: np.ndarray | None) -> None:
            _evaluate_block(self, workspace, acc, block, method, sampler.stream(block), keep)

        return evaluate


def column_scale(model: CompiledModel) -> np.ndarray:
    """``(d,)``: the factor from a folded basis column to the basis value, the spread of
    a normal (linear) shock, 1 for the other columns."""
    scale = np.ones(model.dimension)
    for j, marginal in enumerate(model.marginals):
        if marginal.is_linear:
            scale[j] = marginal.spread
    return scale


def met_flags(margins: np.ndarray, strict: np.ndarray, n_primary: int) -> np.ndarray:
    """``(n, T + 1)`` booleans from target margins ``(n, T)``: each met (``> 0`` where
    ``strict``, else ``>= 0``), and (last column) the first ``n_primary`` all met."""
    n, t = margins.shape
    out = np.empty((n, t + 1), dtype=bool)
    np.greater_equal(margins, 0.0, out=out[:, :t])
    if strict.any():
        out[:, :t][:, strict] = margins[:, strict] > 0.0
    np.all(out[:, :n_primary], axis=1, out=out[:, t])
    return out


@lru_cache(maxsize=256)
def _pieces(size: int, antithetic: bool, sub: int, slab: int) -> tuple[_Piece, ...]:
    """Cut a block of ``size`` draws into pieces of at most ``slab`` draws: whole
    sub-blocks of ``sub`` draws, then the remainder. An antithetic block's first half is
    cut so, and each piece is followed by its mirror in the second half."""
    half = size // 2 if antithetic else size
    per = max(slab // sub, 1)
    out = []
    start = 0
    while start < half:
        whole = min((half - start) // sub, per)
        subs, rows = (whole, sub) if whole else (1, half - start)
        out.append(_Piece(start, subs, rows, False))
        if antithetic:
            out.append(_Piece(half + start, subs, rows, True))
        start += subs * rows
    return tuple(out)


@dataclass(frozen=True)
class _Piece:
    start: int  # first row in the block
    subs: int  # sub-blocks
    rows: int  # draws per sub-block
    mirror: bool  # the negation of the piece before (antithetic)


class _Workspace:
    """One thread's buffers (a slab's worth, and bins for one block), reused."""

    def __init__(self, kernel: NumpyKernel, rows: int):
        d = kernel.weights.shape[0]
        g, t, m = len(kernel.gathered), len(kernel.strict), kernel.n_indicators
        slab = min(rows, SLAB_ROWS)
        # Rows of the transposed basis: e (unused columns first), gathered, met, joint, 1.
        self.width = d + g + t + 2
        self.latent = np.empty(slab * d)
        self.basis = np.empty(slab * self.width)
        self.values = np.empty(slab * m)
        self.gathered = np.empty(slab * g)
        self.flags = np.empty(slab * (t + 1))
        self.count = np.empty(slab)
        self.count_int = np.empty(slab, dtype=np.intp)
        self.headline = np.empty(slab)
        self.headline_int = np.empty(slab, dtype=np.intp)
        self.headline_first = np.empty(slab, dtype=np.intp)
        self.sums = np.empty((slab // kernel.sub_rows + 1) * (t + 2) * self.width)
        self.tables = kernel.table_set.workspace(slab)
        self.bins = np.empty(rows * m, dtype=np.intp)


@dataclass
class BlockSums:
    """One block's partial results, summed over its draws in a fixed order (shared by
    the kernels: :func:`commit_block` adds them to an accumulator)."""

    products: np.ndarray  # (T + 2, ...): [met; joint; 1] @ [e[used]; gathered; met; joint; 1]^T
    count_met: np.ndarray  # (P + 1,) draws meeting exactly k of the P targets in force
    headline_count: np.ndarray  # (K + 1,) draws meeting exactly j of the K headline targets
    headline_pairs: np.ndarray  # (K + 1, K + 1) antithetic pairs meeting i and j of them
    squares: np.ndarray  # (m,) sums of (V - c)^2
    low: np.ndarray  # (m,) smallest V - c
    high: np.ndarray  # (m,) largest V - c
    pairs: np.ndarray  # (T + 1,) antithetic pairs with both draws meeting the target


def _evaluate_block(
    kernel: NumpyKernel,
    ws: _Workspace,
    acc: Accumulator,
    block: Block,
    method: str,
    fill: Callable[[np.ndarray], object],
    keep: np.ndarray | None,
) -> None:
    """Evaluate block ``block`` into ``acc``; ``fill`` writes its next latent rows."""
    d = kernel.weights.shape[0]
    m, t, g = kernel.n_indicators, len(kernel.strict), len(kernel.gathered)
    first = kernel.n_unused  # basis rows first:k feed the indicators
    k = d + g
    width = ws.width
    sums = BlockSums(
        products=np.zeros((t + 2, width - first)),
        count_met=np.zeros(kernel.n_primary + 1, dtype=np.int64),
        headline_count=np.zeros(len(kernel.headline_rows) + 1, dtype=np.int64),
        headline_pairs=np.zeros((len(kernel.headline_rows) + 1,) * 2, dtype=np.int64),
        squares=np.zeros(m),
        low=np.full(m, np.inf),
        high=np.full(m, -np.inf),
        pairs=np.zeros(t + 1),
    )
    antithetic = method == "antithetic"
    for piece in _pieces(block.size, antithetic, kernel.sub_rows, SLAB_ROWS):
        subs, rows, start = piece.subs, piece.rows, piece.start
        size = subs * rows
        latent = ws.latent[: size * d].reshape(subs, rows, d)
        # -- latent normals (an antithetic mirror piece negates the piece before)
        if piece.mirror:
            np.negative(latent, out=latent)
        else:
            fill(latent.reshape(size, d))
        x = ws.basis[: size * width].reshape(subs, width, rows)
        v = ws.values[: size * m].reshape(subs, m, rows)
        # -- the basis, transposed: e, then the tables' and the events' columns
        for row, column, length in kernel.latent_runs:
            np.copyto(
                x[:, row : row + length], latent[:, :, column : column + length].transpose(0, 2, 1)
            )
        if g:
            # -- correlated latent values of the table and event columns
            z = ws.gathered[: size * g].reshape(subs, g, rows)
            np.matmul(kernel.gather_latent, x[:, :d], out=z)
            # -- table transforms (non-normal shocks) and events
            j = kernel.table_set.count
            if j:
                kernel.table_set.transform(z[:, :j], x[:, d : d + j], ws.tables)
            if g > j:
                np.less(z[:, j:], kernel.event_thresholds[:, None], out=x[:, d + j : k])
        # -- indicators (deviations from c): one matrix product
        np.matmul(kernel.fast_weights, x[:, first:k], out=v)
        # -- targets met, number met, joint
        met = x[:, k : k + t]
        for test in kernel.met_tests:
            margin = v[:, test.first]
            if test.second is not None:
                margin -= v[:, test.second]
            compare = np.greater_equal if test.above else np.less_equal
            compare(margin, test.thresholds, out=met[:, test.rows])
        count = ws.count[:size].reshape(subs, rows)
        np.add.reduce(met[:, : kernel.n_primary], axis=1, out=count)
        np.equal(count, kernel.n_primary, out=x[:, k + t])
        x[:, k + t + 1] = 1.0
        # -- sums over the draws: [met; joint; 1] @ basis^T in one product
        products = ws.sums[: subs * (t + 2) * (width - first)].reshape(subs, t + 2, width - first)
        np.matmul(x[:, k:], x[:, first:].transpose(0, 2, 1), out=products)
        sums.products += products.sum(axis=0)
        # -- antithetic pairs
        if antithetic:
            flags = ws.flags[: size * (t + 1)].reshape(subs, t + 1, rows)
            if piece.mirror:
                sums.pairs += np.einsum("bks,bks->k", flags, x[:, k : k + t + 1])
            else:
                np.copyto(flags, x[:, k : k + t + 1])
        # -- targets met, number met, joint
        counts = ws.count_int[:size]
        np.copyto(counts, count.ravel(), casting="unsafe")
        sums.count_met += np.bincount(counts, minlength=kernel.n_primary + 1)
        # -- headline targets met: their number, and (antithetic) the pairs by numbers
        heads = len(kernel.headline_rows)
        headline = ws.headline[:size].reshape(subs, rows)
        np.add.reduce(met[:, kernel.headline_rows], axis=1, out=headline)
        met_headline = ws.headline_int[:size]
        np.copyto(met_headline, headline.ravel(), casting="unsafe")
        sums.headline_count += np.bincount(met_headline, minlength=heads + 1)
        if antithetic:
            if piece.mirror:
                pair = ws.headline_first[:size] * (heads + 1) + met_headline
                sums.headline_pairs += np.bincount(pair, minlength=(heads + 1) ** 2).reshape(
                    heads + 1, heads + 1
                )
            else:
                np.copyto(ws.headline_first[:size], met_headline)
        # -- moments and extremes
        sums.squares += np.einsum("bis,bis->i", v, v)
        low = v.min(axis=(0, 2))
        high = v.max(axis=(0, 2))
        np.minimum(sums.low, low, out=sums.low)
        np.maximum(sums.high, high, out=sums.high)
        # -- kept draws
        if keep is not None:
            rows_out = keep[start : start + size].reshape(subs, rows, m)
            np.add(v.transpose(0, 2, 1), kernel.offset[:m], out=rows_out)
        # -- quantile histograms: bin ((V - c) + add) * scale, truncated, and clamped to
        # the under- and overflow bins; rounding is monotone, so the extremes tell which
        # indicators need the clamp.
        np.add(v, kernel.hist_add[:, None], out=v)
        bins = ws.bins[start * m : (start + size) * m].reshape(subs, m, rows)
        np.multiply(v, kernel.hist_scale[:, None], out=bins, casting="unsafe")
        lowest = (low + kernel.hist_add) * kernel.hist_scale
        highest = (high + kernel.hist_add) * kernel.hist_scale
        for i in np.flatnonzero((lowest < kernel.hist_bottom) | (highest >= kernel.hist_top)):
            np.clip(bins[:, i], kernel.bin_bottom[i], kernel.bin_top[i], out=bins[:, i])
    # -- quantile histograms: count the block's bins
    histogram = np.bincount(ws.bins[: block.size * m], minlength=kernel.n_bins)
    # -- accumulate
    commit_block(kernel, acc, block, method, sums, histogram)


def commit_block(
    kernel: NumpyKernel,
    acc: Accumulator,
    block: Block,
    method: str,
    sums: BlockSums,
    histogram: np.ndarray | None = None,
) -> None:
    """Add block ``block``'s sums (and its quantile ``histogram``, unless the kernel added
    it to ``acc`` itself) to ``acc``."""
    d = kernel.weights.shape[0]
    m, t, g = kernel.n_indicators, len(kernel.strict), len(kernel.gathered)
    u = d - kernel.n_unused
    k = u + g
    # Rows (and met columns) of the products back in target order.
    back = np.argsort(np.concatenate([kernel.met_order, [t, t + 1]]))
    s = sums.products[back]  # columns: e[used], gathered, met, joint, 1
    met = np.rint(s[: t + 1, -1]).astype(np.int64)
    acc.draws += block.size
    acc.met += met
    acc.count_met += sums.count_met
    acc.headline_count += sums.headline_count
    acc.both += np.rint(s[:t, k : k + t][:, back[:t]]).astype(np.int64)
    basis = np.empty((t + 2, d))
    basis[:, kernel.linear_columns] = s[:, :u] @ kernel.linear_basis
    basis[:, kernel.gathered] = s[:, u:k]
    # Only the readings in force and the joint keep their sums in met draws (all that
    # shock_means reads): the compiled kernel skips the others, so both kernels zero them.
    basis[kernel.n_primary : t] = 0.0
    acc.basis_met_sum += _fixed(basis[: t + 1])
    acc.basis_sum += _fixed(basis[t + 1])
    if histogram is not None:
        acc.histogram += histogram
    deviation = kernel.fast_weights @ s[t + 1, :k]
    acc.block_moments[block.id] = np.concatenate([deviation, sums.squares])
    np.minimum(acc.minimum, sums.low + kernel.offset[:m], out=acc.minimum)
    np.maximum(acc.maximum, sums.high + kernel.offset[:m], out=acc.maximum)
    if method == "antithetic":
        acc.pair_square += met + 2 * np.rint(sums.pairs[back[: t + 1]]).astype(np.int64)
        acc.headline_pairs += sums.headline_pairs
    elif method == "sobol":
        group = block.group
        acc.group_draws[group] = acc.group_draws.get(group, 0) + block.size
        acc.group_met[group] = acc.group_met.get(group, 0) + met
        acc.group_headline[group] = acc.group_headline.get(group, 0) + sums.headline_count


def _fixed(values: np.ndarray) -> np.ndarray:
    return np.rint(values * FIXED_POINT).astype(np.int64)
