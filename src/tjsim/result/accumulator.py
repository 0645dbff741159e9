"""Accumulators: everything a run reports, reduced block by block, merged exactly.

Counts (targets met, joint, number met, pairwise, histograms) are integers, so they
merge exactly in any order. Floating-point sums are kept per block and added up in
block order at the end, and the per-block sums of shocks in met draws are stored in
fixed point; so the totals of a run do not depend on chunk size or worker count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Fixed-point scale of the shock sums ("why targets are missed").
FIXED_POINT = 2.0**24


@dataclass
class Accumulator:
    """Running totals of a simulation.

    Shapes: ``m`` indicators, ``T`` targets (every reading: the first ``P`` are the
    readings in force; column ``T`` of the met arrays is the joint event "all ``P``
    targets met"), ``d`` basis columns, ``H`` histogram bins in all, ``K`` headline
    targets (among the ``P`` in force).

    The number of headline targets each draw meets is counted as a histogram
    (``headline_count``), so that every event "at least ``j`` of the ``K``" has its
    probability and its error: antithetic runs also count the pairs by the numbers their
    two draws meet (``headline_pairs``), Sobol runs the histogram of each scramble
    (``group_headline``).
    """

    n_indicators: int
    n_targets: int
    n_basis: int
    n_bins: int
    centre: np.ndarray  # (m,) moments are sums of deviations from it (the zero-shock values)
    draws: int = 0
    n_primary: int = -1  # P, the targets in force (-1: all T)
    n_headline: int = 0  # K, the headline targets among them
    met: np.ndarray = field(init=False)  # (T+1,) int64
    count_met: np.ndarray = field(init=False)  # (P+1,) int64: draws meeting exactly j targets
    both: np.ndarray = field(init=False)  # (T, T) int64: draws meeting both
    headline_count: np.ndarray = field(init=False)  # (K+1,) int64: draws meeting exactly j
    headline_pairs: np.ndarray = field(
        init=False
    )  # (K+1, K+1) int64 antithetic: pairs whose draws meet i and j headline targets
    pair_square: np.ndarray = field(
        init=False
    )  # (T+1,) antithetic: sum over pairs of (met_i + met_j)^2
    histogram: np.ndarray = field(init=False)  # (H,) int64
    minimum: np.ndarray = field(init=False)  # (m,)
    maximum: np.ndarray = field(init=False)  # (m,)
    basis_sum: np.ndarray = field(init=False)  # (d,) int64 fixed point
    # (T+1, d) int64 fixed point; zero in the rows of targets not in force
    basis_met_sum: np.ndarray = field(init=False)
    group_draws: dict[int, int] = field(default_factory=dict)
    group_met: dict[int, np.ndarray] = field(default_factory=dict)
    group_headline: dict[int, np.ndarray] = field(default_factory=dict)  # (K+1,) per scramble
    block_moments: dict[int, np.ndarray] = field(
        default_factory=dict
    )  # block -> (2m,) sums, squares

    def __post_init__(self) -> None:
        t1, m, d = self.n_targets + 1, self.n_indicators, self.n_basis
        if self.n_primary < 0:
            self.n_primary = self.n_targets
        self.met = np.zeros(t1, np.int64)
        self.count_met = np.zeros(self.n_primary + 1, np.int64)
        self.both = np.zeros((self.n_targets, self.n_targets), np.int64)
        self.headline_count = np.zeros(self.n_headline + 1, np.int64)
        self.headline_pairs = np.zeros((self.n_headline + 1, self.n_headline + 1), np.int64)
        self.pair_square = np.zeros(t1, np.int64)
        self.histogram = np.zeros(self.n_bins, np.int64)
        self.minimum = np.full(m, np.inf)
        self.maximum = np.full(m, -np.inf)
        self.basis_sum = np.zeros(d, np.int64)
        self.basis_met_sum = np.zeros((t1, d), np.int64)

    def merge(self, other: Accumulator) -> Accumulator:
        """Add ``other``'s totals into this accumulator (exact; order does not matter)."""
        shape = ("n_indicators", "n_targets", "n_primary", "n_headline", "n_basis", "n_bins")
        if any(getattr(other, name) != getattr(self, name) for name in shape):
            raise ValueError("cannot merge accumulators of different models")
        overlap = self.block_moments.keys() & other.block_moments.keys()
        if overlap:
            raise ValueError(f"blocks {sorted(overlap)[:5]} were counted twice")
        self.draws += other.draws
        for name in (
            "met",
            "count_met",
            "both",
            "headline_count",
            "headline_pairs",
            "pair_square",
            "histogram",
            "basis_sum",
            "basis_met_sum",
        ):
            getattr(self, name).__iadd__(getattr(other, name))
        np.minimum(self.minimum, other.minimum, out=self.minimum)
        np.maximum(self.maximum, other.maximum, out=self.maximum)
        for group, n in other.group_draws.items():
            self.group_draws[group] = self.group_draws.get(group, 0) + n
            self.group_met[group] = self.group_met.get(group, 0) + other.group_met[group]
            if group in other.group_headline:
                self.group_headline[group] = (
                    self.group_headline.get(group, 0) + other.group_headline[group]
                )
        self.block_moments.update(other.block_moments)
        return self

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of every indicator, ``(m,)`` each."""
        m = self.n_indicators
        sums = np.zeros(2 * m)
        for block in sorted(self.block_moments):
            sums += self.block_moments[block]
        n = max(self.draws, 1)
        deviation = sums[:m] / n
        var = np.maximum(sums[m:] / n - deviation**2, 0.0) * (n / max(n - 1, 1))
        return self.centre + deviation, np.sqrt(var)
