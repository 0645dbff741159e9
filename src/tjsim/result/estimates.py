"""Monte Carlo errors: the estimators every probability and difference is reported with.

Three sampling methods, three estimators of the standard error of a mean of per-draw
values (0/1 indicators or their differences):

``mc``
    independent draws: ``sqrt(var / n)``;
``antithetic``
    the variance of the pair means over the antithetic pairs of each block;
``sobol``
    the spread of the per-scramble means, with a floor of half a count per scramble
    (an indicator is often the same count in every scramble).

:func:`wilson_interval` turns a probability and its error into a 95% interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from ..seeding import Block, plan_blocks

#: Two-sided 95% normal quantile.
Z95 = float(special.ndtri(0.975))


def wilson_interval(p: np.ndarray, se: np.ndarray, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval of probabilities ``p`` with standard errors ``se``.

    The interval uses the effective sample size ``p (1 - p) / se**2`` (``draws`` where
    that is undefined), which is the plain Wilson interval for ``mc``; both ends lie in
    ``[0, 1]`` and bracket ``p``.
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    z2 = Z95**2
    # A tiny error makes n_eff overflow to inf: the interval then shrinks to p.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        n_eff = np.where((se > 0) & (p > 0) & (p < 1), p * (1 - p) / se**2, draws)
        centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
        half = Z95 * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
    low = np.clip(np.minimum(centre - half, p), 0.0, 1.0)
    high = np.clip(np.maximum(centre + half, p), 0.0, 1.0)
    return low, high


def probability_errors(totals, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Probability of each target met, and its Monte Carlo standard error, from a run's
    totals (an :class:`~tjsim.result.Accumulator` or anything with its ``draws``,
    ``met``, ``pair_square``, ``group_draws`` and ``group_met``).

    ``mc``: ``sqrt(p (1 - p) / n)``; ``antithetic``: the variance of the pair means;
    ``sobol``: the spread of the per-scramble estimates, at least half a count per
    scramble (an indicator over a scrambled Sobol set is often the same count in every
    scramble, so the estimate is only known to within one count).
    """
    n = totals.draws
    p = totals.met / n
    if method == "mc":
        return p, np.sqrt(p * (1 - p) / n)
    if method == "antithetic":
        pairs = n // 2
        second = totals.pair_square / (4.0 * pairs)
        var = np.maximum(second - p**2, 0.0) * pairs / max(pairs - 1, 1)
        return p, np.sqrt(var / pairs)
    groups = sorted(totals.group_draws)
    sizes = np.array([totals.group_draws[g] for g in groups])
    per = np.array([totals.group_met[g] for g in groups]) / sizes[:, None]
    floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(groups)))
    return p, np.maximum(per.std(axis=0, ddof=1) / np.sqrt(len(groups)), floor)


class _EventTotals:
    """Counts of events defined on the number of headline targets met, in the shape
    :func:`probability_errors` reads."""

    def __init__(self, draws, met, pair_square, group_draws, group_met):
        self.draws, self.met, self.pair_square = draws, met, pair_square
        self.group_draws, self.group_met = group_draws, group_met


def count_event_errors(totals, method: str, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probability and Monte Carlo standard error of events on the number of headline
    targets met: ``events`` ``(E, K + 1)`` is 1 where event ``e`` holds for a draw meeting
    ``j`` of the ``K`` (``at least K - 1``: ones from ``K - 1`` on).

    Exact from the integer totals: the histogram of the number met (``headline_count``),
    for ``antithetic`` the pairs by the numbers their two draws meet
    (``headline_pairs``), for ``sobol`` each scramble's histogram (``group_headline``);
    the estimators are :func:`probability_errors`'.
    """
    events = np.asarray(events, dtype=np.int64)
    met = events @ totals.headline_count
    both = events[:, :, None] + events[:, None, :]  # (E, K+1, K+1): 0, 1 or 2 per pair
    pair_square = np.einsum("eij,ij->e", both * both, totals.headline_pairs)
    group_met = {g: events @ h for g, h in totals.group_headline.items()}
    counts = _EventTotals(totals.draws, met, pair_square, dict(totals.group_draws), group_met)
    return probability_errors(counts, method)


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
        """Add the per-draw ``values`` ``(n, k)`` of consecutive ``blocks``."""
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

    def merge(self, other: MeanEstimate) -> None:
        """Add ``other``'s draws (other blocks of the same method). Per-draw values are
        whole numbers in every use, so their sums are exact and merging in any order
        gives the same numbers bit for bit."""
        self.n += other.n
        self.units += other.units
        self.sum += other.sum
        self.square += other.square
        for key, (count, total) in other.groups.items():
            group = self.groups.setdefault(key, [0, 0.0])
            group[0] += count
            group[1] = group[1] + total

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
        groups = [self.groups[key] for key in sorted(self.groups)]  # whatever the merges
        sizes = np.array([g[0] for g in groups], dtype=float)
        per = np.array([np.asarray(g[1], dtype=float) for g in groups])
        per = per / sizes[:, None]
        floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(sizes)))
        return mean, np.maximum(per.std(axis=0, ddof=1) / np.sqrt(len(sizes)), floor)


def paired_standard_error(difference: np.ndarray, method: str) -> np.ndarray:
    """Monte Carlo standard error of the mean of per-draw ``difference`` ``(n, k)``,
    with the estimator the engine uses for ``method``: independent draws (``mc``),
    antithetic pairs, or one mean per Sobol scramble."""
    n = len(difference)
    if method == "mc":
        return difference.std(axis=0, ddof=1) / np.sqrt(n)
    blocks = plan_blocks(method, n)
    if method == "antithetic":
        starts = np.cumsum([0] + [b.size for b in blocks[:-1]])
        pairs = (
            np.concatenate(
                [
                    difference[start : start + b.size // 2]
                    + difference[start + b.size // 2 : start + b.size]
                    for start, b in zip(starts, blocks, strict=True)
                ]
            )
            / 2
        )
        return pairs.std(axis=0, ddof=1) / np.sqrt(len(pairs))
    groups = np.repeat([b.group for b in blocks], [b.size for b in blocks])
    ids, sizes = np.unique(groups, return_counts=True)
    means = np.array([difference[groups == g].mean(axis=0) for g in ids])
    # As in the engine: a scramble's mean is only known to within one draw.
    floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(ids)))
    return np.maximum(means.std(axis=0, ddof=1) / np.sqrt(len(ids)), floor)
