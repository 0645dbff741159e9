r"""SweepResult: every target's probability at every point of a grid, with paired errors.

A sweep (:func:`tjsim.sweep`) evaluates each point of a grid on the same draws (common
random numbers), so the probabilities of neighbouring points move together and their
differences are far more precise than independent runs would make them. The
covariance of two points' estimates comes from the draws meeting each target in each
*cluster*: a block of draws (``mc``, ``antithetic``: pairs stay inside a block) or a
Sobol scramble. With :math:`M_{ic}` the draws of cluster :math:`c` (of :math:`n_c`
draws, :math:`C` clusters, :math:`n` draws in all) meeting the target at point
:math:`i`,

.. math::

    \widehat{\mathrm{Cov}}(\hat p_i, \hat p_j) = \frac{C}{C - 1} \sum_c
    \frac{(M_{ic} - \hat p_i n_c)(M_{jc} - \hat p_j n_c)}{n^2},

whose correlation, times the points' own standard errors (the estimators of
:meth:`tjsim.SimulationResult.probabilities`), gives the covariance used for
differences and for the frontier's error band. It needs two clusters or more (more
than 30 for a stable estimate: 1e6 draws make 31 blocks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import figures
from .._version import __version__
from ..errors import ScenarioError, unknown
from ..scenario import Scenario
from ..scenario.grid import Grid
from ..seeding import RNG, describe_seed
from .accumulator import Accumulator
from .estimates import Z95, probability_errors, wilson_interval
from .filtering import JOINT

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass
class MetCounts:
    """What a sweep keeps of a point's accumulator: enough for its probabilities and
    their errors (:func:`~tjsim.result.estimates.probability_errors`)."""

    draws: int
    met: np.ndarray  # (T + 1,) int64
    pair_square: np.ndarray  # (T + 1,) int64
    group_draws: dict[int, int] = field(default_factory=dict)
    group_met: dict[int, np.ndarray] = field(default_factory=dict)
    blocks: set[int] = field(default_factory=set)

    def merge(self, other: MetCounts) -> MetCounts:
        """Add ``other``'s counts (exact; order does not matter)."""
        overlap = self.blocks & other.blocks
        if overlap:
            raise ValueError(f"blocks {sorted(overlap)[:5]} were counted twice")
        self.draws += other.draws
        self.met = self.met + other.met
        self.pair_square = self.pair_square + other.pair_square
        for group, n in other.group_draws.items():
            self.group_draws[group] = self.group_draws.get(group, 0) + n
            self.group_met[group] = self.group_met.get(group, 0) + other.group_met[group]
        self.blocks |= other.blocks
        return self


def in_force(n_targets: int, n_primary: int) -> np.ndarray:
    """Columns of a met array that a sweep keeps: the ``n_primary`` targets under the
    readings in force (the first ones), then the joint (column ``n_targets``)."""
    return np.append(np.arange(n_primary), n_targets)


def met_counts(acc: Accumulator) -> MetCounts:
    """An accumulator's :class:`MetCounts` (what a sweep's tasks send back), for the
    targets under the readings in force and the joint."""
    keep = in_force(acc.n_targets, acc.n_primary)
    return MetCounts(
        acc.draws,
        acc.met[keep],
        acc.pair_square[keep],
        dict(acc.group_draws),
        {g: np.asarray(v)[keep] for g, v in acc.group_met.items()},
        set(acc.block_moments),
    )


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The outcome of :func:`tjsim.sweep`.

    Attributes
    ----------
    grid
        The points (:class:`~tjsim.scenario.grid.Grid`).
    scenario
        The scenario every point changes.
    targets
        Target ids under the readings in force, in calibration order (``joint``, all of
        them met, is added).
    counts
        One :class:`MetCounts` per point.
    cluster_met
        ``(P, C, T + 1)`` draws of each cluster (block or Sobol scramble) meeting each
        target at each point; ``cluster_draws`` ``(C,)`` their sizes.
    method, seed, n_draws, stream
        Sampling method, root seed, draws per point and random stream.
    calibration, calibration_version
        The calibration's name and version.
    kernel, backend, workers
        How and where it ran (does not change the numbers).
    """

    grid: Grid
    scenario: Scenario
    targets: tuple[str, ...]
    counts: tuple[MetCounts, ...]
    cluster_met: np.ndarray
    cluster_draws: np.ndarray
    method: str
    seed: np.random.SeedSequence
    n_draws: int
    calibration: str = ""
    calibration_version: str = ""
    kernel: str = "numpy"
    backend: str = "local"
    workers: int = 1
    stream: str = RNG

    # ---------------------------------------------------------------- metadata
    @property
    def metadata(self) -> dict[str, Any]:
        """What produced this sweep (enough to reproduce it)."""
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "grid": self.grid.name,
            "grid_file": self.grid.path,
            "axes": self.grid.keys,
            "points": len(self.grid),
            "calibration": self.calibration,
            "calibration_version": self.calibration_version,
            "draws": self.n_draws,
            "method": self.method,
            "seed": describe_seed(self.seed),
            "kernel": self.kernel,
            "rng": self.stream,
            "backend": self.backend,
            "workers": self.workers,
            "tjsim_version": __version__,
        }

    def __repr__(self) -> str:
        shape = " x ".join(map(str, self.grid.shape)) if self.grid.shape else str(len(self.grid))
        return (
            f"<SweepResult {self.grid.name}: {shape} points over {', '.join(self.grid.keys)}; "
            f"{self.n_draws:,} draws each, {self.method}, seed {describe_seed(self.seed)}>"
        )

    # ---------------------------------------------------------------- estimates
    @cached_property
    def _estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """``(P, T + 1)`` probabilities and standard errors."""
        pairs = [probability_errors(c, self.method) for c in self.counts]
        return np.array([p for p, _ in pairs]), np.array([se for _, se in pairs])

    def _column(self, target: str) -> int:
        ids = [*self.targets, JOINT]
        if target not in ids:
            raise ScenarioError(unknown("target", target, ids), key="target")
        return ids.index(target)

    def to_frame(self) -> pd.DataFrame:
        """One row per point and target (``joint`` last): ``point``, the axes' values,
        ``target``, ``probability``, ``std_error``, ``ci_low``, ``ci_high``."""
        p, se = self._estimates
        low, high = wilson_interval(p, se, self.n_draws)
        ids = [*self.targets, JOINT]
        points, width = p.shape
        frame = pd.DataFrame({"point": np.repeat(np.arange(points), width)})
        for j, key in enumerate(self.grid.keys):
            frame[key] = np.repeat(self.grid.points[:, j], width)
        frame["target"] = ids * points
        frame["probability"] = p.ravel()
        frame["std_error"] = se.ravel()
        frame["ci_low"] = low.ravel()
        frame["ci_high"] = high.ravel()
        return frame

    def joint(self) -> pd.DataFrame:
        """The probability that every target is met, one row per point."""
        frame = self.to_frame()
        return frame[frame["target"] == JOINT].drop(columns="target").set_index("point")

    def probability(self, target: str = JOINT) -> np.ndarray:
        """P(``target`` met) at every point: shaped like the grid (``grid.shape``) for a
        product grid, else ``(P,)``."""
        p = self._estimates[0][:, self._column(target)]
        return p.reshape(self.grid.shape) if self.grid.shape else p

    def covariance(self, target: str, first: int, second: int) -> float:
        """Covariance of the estimates of P(``target``) at points ``first`` and
        ``second`` (the module docstring gives the estimator; NaN with one cluster)."""
        column = self._column(target)
        return float(self._covariances(column, np.array([first]), np.array([second]))[0])

    def _covariances(self, column: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        p, se = self._estimates
        met = self.cluster_met[:, :, column].astype(float)
        sizes = self.cluster_draws.astype(float)
        clusters = len(sizes)
        if clusters < 2:
            return np.full(len(first), np.nan)
        residual = met - p[:, column, None] * sizes  # (P, C)
        scale = clusters / (clusters - 1) / sizes.sum() ** 2

        def cov(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return scale * np.einsum("kc,kc->k", residual[a], residual[b])

        var_a, var_b = cov(first, first), cov(second, second)
        with np.errstate(divide="ignore", invalid="ignore"):
            correlation = np.where(
                (var_a > 0) & (var_b > 0), cov(first, second) / np.sqrt(var_a * var_b), 0.0
            )
        return np.clip(correlation, -1.0, 1.0) * se[first, column] * se[second, column]

    def differences(self, target: str = JOINT, axis: str | None = None) -> pd.DataFrame:
        """Changes in P(``target``) between neighbouring points along ``axis`` (default:
        the first), with their paired standard errors.

        One row per pair of neighbours: ``point`` and ``next`` (point numbers), the
        axes' values at ``point``, ``step`` (the change of ``axis``), ``change``,
        ``std_error`` (paired: ``sqrt(se1^2 + se2^2 - 2 cov)``) and ``independent_se``
        (``sqrt(se1^2 + se2^2)``, what two separate runs would give).
        """
        column = self._column(target)
        first, second, along = self._neighbours(axis)
        p, se = self._estimates
        cov = self._covariances(column, first, second)
        frame = pd.DataFrame({"point": first, "next": second})
        for j, key in enumerate(self.grid.keys):
            frame[key] = self.grid.points[first, j]
        frame["step"] = self.grid.points[second, along] - self.grid.points[first, along]
        frame["change"] = p[second, column] - p[first, column]
        independent = se[first, column] ** 2 + se[second, column] ** 2
        frame["std_error"] = np.sqrt(np.maximum(independent - 2 * cov, 0.0))
        frame["independent_se"] = np.sqrt(independent)
        return frame

    def _axis(self, axis: str | None) -> int:
        keys = self.grid.keys
        if axis is None:
            return 0
        if axis not in keys:
            raise ScenarioError(unknown("axis", axis, keys), key="axis")
        return keys.index(axis)

    def _neighbours(self, axis: str | None) -> tuple[np.ndarray, np.ndarray, int]:
        """Point numbers of neighbouring pairs along ``axis`` (consecutive points of a
        list of points), and the axis's position."""
        along = self._axis(axis)
        count = len(self.grid)
        if self.grid.shape is None:
            return np.arange(count - 1), np.arange(1, count), along
        index = np.arange(count).reshape(self.grid.shape)
        lower = np.moveaxis(index, along, -1)
        return lower[..., :-1].ravel(), lower[..., 1:].ravel(), along

    # ---------------------------------------------------------------- frontier
    def default_level(self, target: str | None = None) -> float:
        """The level :meth:`frontier` uses when given none: 50% if P(``target``)
        (default: the first target) crosses it somewhere on the grid, else the median
        of the grid's probabilities rounded to 5% (to 1% if the 5% step leaves the
        grid's range), so that the default frontier points at something."""
        column = self._column(self.targets[0] if target is None else target)
        p = self._estimates[0][:, column]
        low, high = float(np.min(p)), float(np.max(p))
        if low <= 0.5 <= high:
            return 0.5
        median = float(np.median(p))
        for step in (0.05, 0.01):
            level = round(round(median / step) * step, 10)
            if low < level < high and 0.0 < level < 1.0:
                return level
        return min(max(round(median, 4), 0.0001), 0.9999)

    def frontier(
        self,
        target: str | None = None,
        probability: float | None = None,
        *,
        along: str | None = None,
    ) -> pd.DataFrame:
        r"""Where P(``target``) crosses ``probability``, with a 95% error band.

        ``target`` defaults to the first target (GDP growth in the packaged
        calibration; ``"joint"`` asks for all targets met together) and ``probability``
        to :meth:`default_level`: 50% if the grid crosses it, else a level it crosses.

        Along ``along`` (default: the first axis), between each pair of neighbouring
        points whose probabilities lie on either side of the level, the crossing is
        interpolated linearly: :math:`x^* = x_i + t h` with
        :math:`t = (L - \hat p_i) / (\hat p_j - \hat p_i)` and :math:`h = x_j - x_i`.
        Its standard error is the delta method's,

        .. math::

            \mathrm{se}(x^*) = \frac{|h|}{|\hat p_j - \hat p_i|}
            \sqrt{(1 - t)^2 s_i^2 + t^2 s_j^2 + 2 t (1 - t)\,\mathrm{Cov}(\hat p_i, \hat p_j)},

        with the paired covariance of common random numbers. A product grid gives one
        crossing (or more, or none) for each combination of the other axes' values.

        Returns
        -------
        pandas.DataFrame
            One row per crossing: the other axes' values, ``along``'s value at the
            crossing, ``std_error``, ``low`` and ``high`` (the 95% band, ``value +-
            1.96 se``), ``slope`` (the change in probability per unit of ``along``) and
            ``point`` (the point the crossing starts from). Lines that never cross the
            level have no row: ``frame.attrs["never"]`` lists them, one dict of the
            other axes' values per line (``[{}]`` when a one-axis grid or a list of
            points never crosses).
        """
        if target is None:
            target = self.targets[0]
        if probability is None:
            probability = self.default_level(target)
        if not 0.0 < probability < 1.0:
            raise ScenarioError(
                f"probability must lie strictly between 0 and 1, found {probability!r}",
                key="probability",
            )
        column = self._column(target)
        first, second, position = self._neighbours(along)
        p, se = self._estimates
        below_first = p[first, column] - probability
        below_second = p[second, column] - probability
        # The last pair of each line also counts a crossing exactly at its end point.
        steps = self.grid.shape[position] - 1 if self.grid.shape is not None else len(first)
        last = np.arange(len(first)) % max(steps, 1) == steps - 1
        crosses = (below_first * below_second < 0) | (below_first == 0)
        crosses |= last & (below_second == 0)
        at = np.flatnonzero(crosses)
        i, j = first[at], second[at]
        pi, pj = p[i, column], p[j, column]
        x_i, x_j = self.grid.points[i, position], self.grid.points[j, position]
        h = x_j - x_i
        cov = self._covariances(column, i, j)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(pj != pi, (probability - pi) / (pj - pi), 0.0)
            spread = (1 - t) ** 2 * se[i, column] ** 2 + t**2 * se[j, column] ** 2
            spread = spread + 2 * t * (1 - t) * cov
            error = np.abs(h) / np.abs(pj - pi) * np.sqrt(np.maximum(spread, 0.0))
        value = x_i + t * h
        frame = pd.DataFrame(index=pd.RangeIndex(len(at)))
        for j_axis, key in enumerate(self.grid.keys):
            if j_axis != position:
                frame[key] = self.grid.points[i, j_axis]
        key = self.grid.keys[position]
        frame[key] = value
        frame["std_error"] = error
        frame["low"] = value - Z95 * error
        frame["high"] = value + Z95 * error
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["slope"] = (pj - pi) / h
        frame["point"] = i
        lines = np.arange(len(first)) // max(steps, 1)
        crossed = set(lines[at].tolist())
        never = [
            {
                other: _plain(self.grid.points[first[k], j_axis])
                for j_axis, other in enumerate(self.grid.keys)
                if j_axis != position
            }
            for line in range(int(lines.max()) + 1 if len(lines) else 0)
            if line not in crossed
            for k in [int(np.flatnonzero(lines == line)[0])]
        ]
        frame.attrs.update(target=target, probability=probability, along=key, never=never)
        return frame

    # ---------------------------------------------------------------- figures
    def plot(
        self,
        target: str = JOINT,
        *,
        probability: float | None = None,
        along: str | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """A figure of P(``target``) over the grid.

        One axis: a line with its 95% band (:func:`tjsim.figures.probability_lines`).
        Two axes: a heatmap with contours at 25, 50 and 75% (:func:`tjsim.figures.
        probability_surface`). With ``probability``, the frontier at that level is
        drawn with its error band.
        """
        column = self._column(target)
        p, se = self._estimates
        keys = self.grid.keys
        shape = self.grid.shape
        if shape is None or self.grid.values is None or len(shape) > 2:
            raise ScenarioError(
                "figures need a product grid of one or two axes; use to_frame() for others",
                key="grid",
            )
        label = "all targets met" if target == JOINT else target
        frontier = None if probability is None else self.frontier(target, probability, along=along)
        if len(shape) == 1:
            return figures.probability_lines(
                np.asarray(self.grid.values[0]),
                p[:, column][None, :],
                se[:, column][None, :],
                labels=[label],
                x_label=keys[0],
                level=probability,
                crossings=None
                if frontier is None
                else frontier[[keys[0], "low", "high"]].to_numpy(),
                title=f"P({label}) over {self.grid.name}",
                ax=ax,
            )
        bands = None
        if frontier is not None:
            along_key = frontier.attrs["along"]
            other = keys[1 - keys.index(along_key)]
            bands = {
                "along": "x" if along_key == keys[0] else "y",
                "line": frontier[other].to_numpy(),
                "value": frontier[along_key].to_numpy(),
                "low": frontier["low"].to_numpy(),
                "high": frontier["high"].to_numpy(),
                "label": f"P = {probability:.0%} (95% band)",
            }
        return figures.probability_surface(
            np.asarray(self.grid.values[0]),
            np.asarray(self.grid.values[1]),
            p[:, column].reshape(shape),
            x_label=keys[0],
            y_label=keys[1],
            frontier=bands,
            title=f"P({label}) over {self.grid.name}",
            ax=ax,
        )


def _plain(value: object) -> object:
    """A numpy scalar as a plain Python number (for attrs that print and serialise)."""
    return value.item() if isinstance(value, np.generic) else value
