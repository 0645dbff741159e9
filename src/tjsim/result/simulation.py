"""SimulationResult: probabilities with their errors, quantiles, tables and figures."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import figures
from .._version import __version__
from ..errors import ScenarioError, unknown
from ..model import CompiledModel
from ..model.quarterly import PERIODS, ytd_indicator
from ..scenario import Scenario
from ..seeding import RNG, describe_seed
from . import filtering
from .accumulator import FIXED_POINT, Accumulator
from .estimates import wilson_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The outcome of :func:`tjsim.simulate`.

    Every probability carries its Monte Carlo standard error and a 95% interval (Wilson
    score interval on the effective sample size ``p(1-p)/se**2``, which is the plain
    Wilson interval for ``mc``).
    """

    model: CompiledModel
    accumulator: Accumulator
    method: str
    seed: np.random.SeedSequence
    n_draws: int
    scenario: Scenario
    chunk_size: int
    workers: int
    kernel: str = "numpy"
    kept: np.ndarray | None = None

    # ---------------------------------------------------------------- metadata
    @property
    def metadata(self) -> dict[str, Any]:
        """What produced this result (enough to reproduce it)."""
        return {
            "scenario": self.scenario.name,
            "scenario_file": self.scenario.path,
            "calibration": self.model.calibration,
            "calibration_version": self.model.version,
            "draws": self.n_draws,
            "method": self.method,
            "seed": describe_seed(self.seed),
            "dimension": self.model.dimension,
            "chunk_size": self.chunk_size,
            "workers": self.workers,
            "kernel": self.kernel,
            "rng": RNG,
            "observed": {v: dict(p) for v, p in self.scenario.observed.items()},
            "tjsim_version": __version__,
        }

    @property
    def dimension(self) -> int:
        """Random numbers drawn per draw."""
        return self.model.dimension

    # ---------------------------------------------------------------- probabilities
    def _estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """Probability and standard error of each target and (last) of all targets met."""
        acc = self.accumulator
        n = acc.draws
        p = acc.met / n
        if self.method == "mc":
            se = np.sqrt(p * (1 - p) / n)
        elif self.method == "antithetic":
            pairs = n // 2
            second = acc.pair_square / (4.0 * pairs)
            var = np.maximum(second - p**2, 0.0) * pairs / max(pairs - 1, 1)
            se = np.sqrt(var / pairs)
        else:
            groups = sorted(acc.group_draws)
            sizes = np.array([acc.group_draws[g] for g in groups])
            per = np.array([acc.group_met[g] for g in groups]) / sizes[:, None]
            # An indicator over a scrambled Sobol set is often the same count in every
            # scramble; the estimate is then only known to within a count, 1/n per scramble.
            floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(groups)))
            se = np.maximum(per.std(axis=0, ddof=1) / np.sqrt(len(groups)), floor)
        return p, se

    @cached_property
    def _probability_table(self) -> pd.DataFrame:
        p, se = self._estimates()
        low, high = wilson_interval(p, se, self.n_draws)
        targets = self.model.targets
        frame = pd.DataFrame(
            {
                "indicator": [t.indicator for t in targets] + [""],
                "reading": [t.reading for t in targets] + ["all targets met"],
                "probability": p,
                "std_error": se,
                "ci_low": low,
                "ci_high": high,
                "label": [t.label for t in targets] + ["All targets met together"],
                "wording": [t.wording for t in targets] + [""],
            },
            index=pd.Index([t.id for t in targets] + ["joint"], name="target"),
        )
        return frame

    def probabilities(self) -> pd.DataFrame:
        """Probability of meeting each target, indexed by target id.

        Columns: ``indicator, reading, probability, std_error, ci_low, ci_high, label,
        wording``.
        """
        return self._probability_table.iloc[:-1].copy()

    def joint(self) -> pd.Series:
        """Probability that every target is met together, with its error and interval."""
        row = self._probability_table.iloc[-1]
        return row[["probability", "std_error", "ci_low", "ci_high"]].astype(float).rename("joint")

    def count_met(self) -> pd.DataFrame:
        """Distribution of the number of targets met: ``probability`` of exactly ``k``
        and ``at_least`` ``k``, indexed by ``k = 0..T``."""
        counts = self.accumulator.count_met
        p = counts / self.accumulator.draws
        return pd.DataFrame(
            {"probability": p, "at_least": p[::-1].cumsum()[::-1]},
            index=pd.RangeIndex(len(counts), name="targets_met"),
        )

    def conditional(self) -> pd.DataFrame:
        """Matrix of ``P(row target met | column target met)`` (NaN where the column
        target is never met)."""
        both = self.accumulator.both.astype(float)
        met = np.diag(both)
        with np.errstate(divide="ignore", invalid="ignore"):
            table = np.where(met > 0, both / met, np.nan)
        ids = [t.id for t in self.model.targets]
        return pd.DataFrame(
            table, index=pd.Index(ids, name="target"), columns=pd.Index(ids, name="given")
        )

    def shock_means(self) -> pd.DataFrame:
        """Average value of every shock and event indicator in the draws that meet and that
        miss each target (Monte Carlo filtering), long format indexed by ``(target, shock)``
        with columns ``met, missed, difference``."""
        acc = self.accumulator
        total = acc.basis_sum / FIXED_POINT
        met_sum = acc.basis_met_sum / FIXED_POINT
        n_met = acc.met[:, None]
        n_missed = acc.draws - n_met
        with np.errstate(divide="ignore", invalid="ignore"):
            met_mean = np.where(n_met > 0, met_sum / n_met, np.nan)
            missed_mean = np.where(n_missed > 0, (total - met_sum) / n_missed, np.nan)
        ids = [t.id for t in self.model.targets] + ["joint"]
        index = pd.MultiIndex.from_product([ids, list(self.model.basis)], names=["target", "shock"])
        return pd.DataFrame(
            {
                "met": met_mean.ravel(),
                "missed": missed_mean.ravel(),
                "difference": (met_mean - missed_mean).ravel(),
            },
            index=index,
        )

    # ---------------------------------------------------------------- distributions
    def quantiles(self, q: Any = DEFAULT_QUANTILES) -> pd.DataFrame:
        """Quantiles of every indicator from the run's fine histograms.

        Each quantile is within one bin width (0.004 in the indicator's unit for growth
        rates) of the exact sample quantile. Returns a DataFrame indexed by indicator id
        with one column per ``q``.
        """
        qs = np.atleast_1d(np.asarray(q, dtype=float))
        if np.any((qs < 0) | (qs > 1)):
            raise ValueError(f"quantile levels must lie in [0, 1], found {qs.tolist()}")
        low, width, bins = self.model.histogram_layout()
        acc = self.accumulator
        sizes = bins + 2
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        cum = np.cumsum(acc.histogram)
        before = np.where(starts > 0, cum[starts - 1], 0)
        rank = qs[None, :] * (acc.draws - 1) + before[:, None]  # (m, q) global rank
        index = np.searchsorted(cum, np.floor(rank), side="right")  # global bin holding it
        count = acc.histogram[index]
        below = np.where(index > 0, cum[index - 1], 0)
        within = (rank - below + 0.5) / np.maximum(count, 1)
        local = index - starts[:, None] - 1  # -1: underflow, bins: overflow
        values = low[:, None] + (local + np.clip(within, 0, 1)) * width[:, None]
        values = np.where(local < 0, acc.minimum[:, None], values)
        values = np.where(local >= bins[:, None], acc.maximum[:, None], values)
        values = np.clip(values, acc.minimum[:, None], acc.maximum[:, None])
        return pd.DataFrame(
            values,
            index=pd.Index(self.model.indicators, name="indicator"),
            columns=pd.Index(qs, name="q"),
        )

    def to_frame(self) -> pd.DataFrame:
        """Every indicator: label, unit, layer, baseline, exact expected value, simulated
        mean and standard deviation, and the default quantiles."""
        mean, std = self.accumulator.moments()
        quant = self.quantiles()
        quant.columns = [f"q{round(100 * c):02d}" for c in quant.columns]
        frame = pd.DataFrame(
            {
                "label": self.model.labels,
                "unit": self.model.units,
                "layer": self.model.layers,
                "baseline": self.model.baseline,
                "expected": self.model.mean,
                "mean": mean,
                "std": std,
            },
            index=pd.Index(self.model.indicators, name="indicator"),
        )
        return frame.join(quant)

    def summary(self) -> pd.DataFrame:
        """One row per target: the indicator's mean, spread and quantiles, and the
        probability of meeting the target with its error."""
        ind = self.to_frame()
        probs = self.probabilities()
        stats = ind.loc[probs["indicator"], ["mean", "std", "q05", "q50", "q95"]].set_axis(
            probs.index
        )
        return pd.concat(
            [probs[["reading"]], stats, probs[["probability", "std_error", "ci_low", "ci_high"]]],
            axis=1,
        )

    @property
    def draws(self) -> pd.DataFrame:
        """Every draw (``keep_draws=True`` runs only): one column per indicator."""
        if self.kept is None:
            raise ValueError("this result kept no draws; simulate(..., keep_draws=True) keeps them")
        return pd.DataFrame(self.kept, columns=pd.Index(self.model.indicators, name="indicator"))

    # ---------------------------------------------------------------- display
    def _lines(self) -> list[str]:
        meta = self.metadata
        probs = self._probability_table
        lines = [
            f"tjsim: scenario '{meta['scenario']}' on {meta['calibration']} calibration {meta['calibration_version']}",
            f"{meta['draws']:,} draws, method {meta['method']}, seed {meta['seed']}, {meta['dimension']} random numbers per draw",
            "",
            f"{'target':<24} {'reading':<44} {'P(met)':>7}  {'95% interval':>15}",
        ]
        for tid, row in probs.iterrows():
            name = "all targets (joint)" if tid == "joint" else tid
            reading = "" if tid == "joint" else row["reading"]
            lines.append(
                f"{name:<24} {reading:<44} {100 * row['probability']:6.1f}%  [{100 * row['ci_low']:5.1f}, {100 * row['ci_high']:5.1f}]"
            )
        return lines

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:
        meta = self.metadata
        return f"<SimulationResult scenario={meta['scenario']!r} draws={meta['draws']:,} method={meta['method']} seed={meta['seed']}>"

    def _repr_html_(self) -> str:
        meta = self.metadata
        probs = self._probability_table
        rows = "".join(
            "<tr><td>{}</td><td><code>{}</code></td><td style='text-align:right'>{:.1f}%</td>"
            "<td style='text-align:right'>{:.1f} – {:.1f}%</td><td>{}</td></tr>".format(
                html.escape(str(tid)),
                html.escape(row["reading"]),
                100 * row["probability"],
                100 * row["ci_low"],
                100 * row["ci_high"],
                html.escape(row["wording"]),
            )
            for tid, row in probs.iterrows()
        )
        head = html.escape(
            f"Scenario '{meta['scenario']}' · {meta['calibration']} {meta['calibration_version']} · "
            f"{meta['draws']:,} draws ({meta['method']}, seed {meta['seed']})"
        )
        return (
            f"<div><p><strong>tjsim</strong> {head}</p><table>"
            "<thead><tr><th>target</th><th>reading</th><th>P(met)</th><th>95% interval</th><th>report</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )

    # ---------------------------------------------------------------- figures
    def plot(self, indicator: str | None = None, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Probability bars (no ``indicator``) or the distribution of ``indicator``."""
        if indicator is None:
            return self.plot_probabilities(ax=ax, **kwargs)
        return self.plot_distribution(indicator, ax=ax, **kwargs)

    def plot_probabilities(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Horizontal bars of each target's probability with 95% error bars."""
        return figures.probability_bars(
            self._probability_table, title=self.scenario.name, ax=ax, **kwargs
        )

    def plot_distribution(self, indicator: str, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The simulated distribution of ``indicator`` with its targets' thresholds."""
        if indicator not in self.model.indicators:
            raise ScenarioError(unknown("indicator", indicator, self.model.indicators))
        j = self.model.indicators.index(indicator)
        low, width, bins = self.model.histogram_layout()
        starts = np.concatenate([[0], np.cumsum(bins + 2)[:-1]])
        counts = self.accumulator.histogram[starts[j] + 1 : starts[j] + 1 + bins[j]]
        edges = low[j] + width[j] * np.arange(bins[j] + 1)
        lines = {
            t.id: t.threshold
            for t in self.model.targets
            if t.indicator == indicator and t.threshold is not None
        }
        quant = self.quantiles((0.05, 0.5, 0.95)).loc[indicator].to_numpy()
        return figures.distribution(
            counts,
            edges,
            label=f"{self.model.labels[j]} ({self.model.units[j]})",
            thresholds=lines,
            quantiles=quant,
            title=self.scenario.name,
            ax=ax,
            **kwargs,
        )

    def plot_fan(
        self, variable: str = "gdp_growth", *, ax: Axes | None = None, **kwargs: Any
    ) -> Axes:
        """Fan chart of ``variable``'s cumulative year-to-date growth: quantile bands for
        Q1, H1, Q1-Q3 and the full year, observed quarters as points, the target as a
        line. Needs a run with ``observed=`` or ``quarterly=True``."""
        ids = [ytd_indicator(variable, quarters) for quarters in PERIODS.values()]
        missing = [i for i in ids if i not in self.model.indicators]
        if missing:
            raise ScenarioError(
                f"no quarterly indicators for '{variable}' in this run; simulate with "
                "observed=... or quarterly=True (variables with quarters: "
                + ", ".join(
                    sorted({b[: b.rindex("_dev_q")] for b in self.model.basis if "_dev_q" in b})
                    or ["none"]
                )
                + ")"
            )
        bands = self.quantiles((0.05, 0.25, 0.5, 0.75, 0.95)).loc[ids].to_numpy()
        threshold = next(
            (
                t.threshold
                for t in self.model.targets
                if t.indicator == variable and t.threshold is not None
            ),
            None,
        )
        j = self.model.indicators.index(variable)
        return figures.fan_chart(
            list(PERIODS),
            bands,
            label=f"{self.model.labels[j]}, year to date ({self.model.units[j]})",
            observed=dict(self.scenario.observed.get(variable, {})),
            threshold=threshold,
            title=f"{self.scenario.name}: {variable}",
            ax=ax,
            **kwargs,
        )

    # ---------------------------------------------------------------- what moves the odds
    def why_missed(self, target: str | None = None) -> pd.DataFrame:
        """Shocks (in standard deviations) and events in the draws that miss each target
        against those that meet it; see :func:`tjsim.why_missed`."""
        return filtering.why_missed(self, target)

    def plot_why_missed(
        self, target: str | None = None, *, ax: Axes | None = None, **kwargs: Any
    ) -> Axes:
        """Bars of the shocks and events that most separate the draws missing ``target``
        (default: the first target; ``"joint"`` for all targets) from those meeting it."""

        target = self.model.targets[0].id if target is None else target
        rows = self.why_missed(target)
        name = "all targets" if target == "joint" else target
        return figures.shock_gaps(
            rows, title=f"{self.scenario.name}: why {name} is missed", ax=ax, **kwargs
        )
