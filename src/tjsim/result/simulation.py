"""SimulationResult: probabilities with their errors, quantiles, tables and figures."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import figures
from .._version import __version__
from ..calibration import Calibration
from ..errors import ScenarioError, unknown
from ..model import CompiledModel
from ..model.quarterly import PERIODS, ytd_indicator
from ..report.html import result_html
from ..report.numbers import number_word, published_note
from ..report.text import format_result
from ..scenario import Scenario, describe_conditioning, describe_observed
from ..seeding import describe_seed
from . import filtering
from .accumulator import FIXED_POINT, Accumulator
from .estimates import count_event_errors, probability_errors, wilson_interval

if TYPE_CHECKING:
    from matplotlib.axes import Axes

DEFAULT_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """The outcome of :func:`tjsim.simulate`.

    Every probability carries its Monte Carlo standard error and a 95% interval (Wilson
    score interval on the effective sample size ``p(1-p)/se**2``, which is the plain
    Wilson interval for ``mc``).

    A result carries what made it: ``scenario``, ``calibration`` (the
    :class:`~tjsim.calibration.Calibration` object it was simulated on, shared with the
    scenario and with the other results of a comparison, never copied) and ``settings``
    (the :class:`~tjsim.engine.RunSettings` the engine ran with); the engine sets them.
    """

    model: CompiledModel
    accumulator: Accumulator
    scenario: Scenario
    #: The :class:`~tjsim.engine.RunSettings` of the run (typed loosely: the engine
    #: sits above this layer); the run's method, seed, draws, chunk size, workers and
    #: kernel are read from it.
    settings: Any
    kept: np.ndarray | None = None
    calibration: Calibration | None = None

    @property
    def method(self) -> str:
        """The sampling method (``mc``, ``antithetic`` or ``sobol``)."""
        return str(self.settings.method)

    @property
    def seed(self) -> np.random.SeedSequence:
        """The root of every block's random stream."""
        return self.settings.seed

    @property
    def n_draws(self) -> int:
        """The number of draws."""
        return int(self.settings.draws)

    @property
    def chunk_size(self) -> int:
        """Draws per task."""
        return int(self.settings.chunk)

    @property
    def workers(self) -> int:
        """Worker processes."""
        return int(self.settings.workers)

    @property
    def kernel(self) -> str:
        """The kernel that evaluated the draws (``numba`` or ``numpy``)."""
        return str(self.settings.kernel)

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
            "conditioned": bool(self.scenario.observed),
            "kernel": self.kernel,
            "rng": self.settings.stream,
            "observed": {v: dict(p) for v, p in self.scenario.observed.items()},
            "tjsim_version": __version__,
        }

    @property
    def conditioning(self) -> str:
        """What the draws are conditioned on, in words: ``"conditioned on year-to-date
        figures: gdp_growth Q1 = 5.0"``, or that they are not."""
        return describe_conditioning(self.scenario.observed)

    def _title(self, what: str = "") -> str:
        """A figure's title: the scenario, ``what`` is shown, and any conditioning."""
        title = f"{self.scenario.name}: {what}" if what else self.scenario.name
        if self.scenario.observed:
            title += f"\n(conditioned on {describe_observed(self.scenario.observed)})"
        return title

    @property
    def dimension(self) -> int:
        """Random numbers drawn per draw."""
        return self.model.dimension

    # ---------------------------------------------------------------- probabilities
    def _estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """Probability and standard error of each target and (last) of all targets met."""
        return probability_errors(self.accumulator, self.method)

    @cached_property
    def _reading_table(self) -> pd.DataFrame:
        """Every target under every reading, then the joint event (last row)."""
        p, se = self._estimates()
        low, high = wilson_interval(p, se, self.n_draws)
        targets = self.model.targets
        return pd.DataFrame(
            {
                "target": [t.id for t in targets] + ["joint"],
                "reading_name": [t.reading for t in targets] + [""],
                "in_force": [t.primary for t in targets] + [True],
                "indicator": [t.indicator for t in targets] + [""],
                "reading": [t.description for t in targets] + ["all targets met"],
                "probability": p,
                "std_error": se,
                "ci_low": low,
                "ci_high": high,
                "label": [t.label for t in targets] + ["All targets met together"],
                "wording": [t.wording for t in targets] + [""],
            }
        )

    @cached_property
    def _probability_table(self) -> pd.DataFrame:
        """The targets under the readings in force, then the joint event (last row)."""
        table = self._reading_table
        frame = table[table["in_force"]].drop(columns=["reading_name", "in_force"])
        return frame.set_index("target")

    def probabilities(self, *, joint: bool = False) -> pd.DataFrame:
        """Probability of meeting each target, indexed by target id; with ``joint=True``
        a last row ``joint``, all targets met together (:meth:`joint`).

        Columns: ``indicator, reading, probability, std_error, ci_low, ci_high, label,
        wording``.
        """
        table = self._probability_table
        return (table if joint else table.iloc[:-1]).copy()

    def readings(self, *, detail: bool = False) -> pd.DataFrame:
        """Each target's probability under every reading of it, side by side.

        Targets are read as the calibration states (``published``: the figure as
        published, rounded, meets the target; ``strict``; ``about`` for 左右 with a
        tolerance; ``real``, ``nominal`` and ``headline`` for 同步); every reading is
        evaluated on the same draws. Returns a frame indexed by target with one column
        per reading (NaN where a target has no such reading) and ``in_force``, the
        reading the other results use; with ``detail=True``, a long frame indexed by
        ``(target, reading)`` with the rule, the probability, its error and interval.
        """
        table = self._reading_table.iloc[:-1]
        notes = self.reading_notes()
        if detail:
            frame = table.rename(columns={"reading": "rule"}).set_index(["target", "reading_name"])
            frame.index.names = ["target", "reading"]
            frame["note"] = [notes.get(name, "") for name in table["reading_name"]]
            return frame[
                ["in_force", "rule", "probability", "std_error", "ci_low", "ci_high", "note"]
            ]
        wide = table.pivot(index="target", columns="reading_name", values="probability")
        order = list(dict.fromkeys(table["target"]))
        # Readings most targets share first, then in order of appearance.
        counts = table["reading_name"].value_counts(sort=False)
        first = {name: i for i, name in reversed(list(enumerate(table["reading_name"])))}
        names = sorted(counts.index, key=lambda name: (-counts[name], first[name]))
        wide = wide.loc[order, names]
        wide.columns.name = "reading"
        wide.insert(0, "in_force", table[table["in_force"]].set_index("target")["reading_name"])
        wide.attrs["notes"] = notes
        return wide

    def reading_notes(self) -> dict[str, str]:
        """Reading name -> what to keep in mind when reading it, computed from the model.

        ``nominal``: when the GDP deflator's central is negative (nominal GDP growth's
        central below real GDP growth's), growth "in step" with nominal GDP is easier to
        meet than in real terms, and the nominal reading's odds say so. The deflator is
        the central gap between the indicator a ``nominal`` reading compares with and the
        one the same target's real-terms comparison uses.
        """
        central = dict(zip(self.model.indicators, self.model.constant, strict=True))
        notes: dict[str, str] = {}
        for target in self.model.targets:
            if target.reading != "nominal" or target.compare_to is None or "nominal" in notes:
                continue
            real = next(
                (
                    other
                    for other in self.model.targets
                    if other.id == target.id
                    and other.compare_to is not None
                    and other.compare_to != target.compare_to
                ),
                None,
            )
            if real is None or real.compare_to is None:
                continue
            deflator = central[target.compare_to] - central[real.compare_to]
            if deflator < 0:
                notes["nominal"] = (
                    f"the GDP deflator's central is negative ({deflator:+.1f} points: "
                    f"{target.compare_to} {central[target.compare_to]:.2f} against "
                    f"{real.compare_to} {central[real.compare_to]:.2f}), so growth in step "
                    "with nominal GDP is easier to meet than in real terms, which lifts the "
                    "nominal reading's odds"
                )
        return notes

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

    # ---------------------------------------------------------------- headline goals
    def _headline_targets(self) -> tuple:
        heads = self.model.headline_targets
        if not heads:
            raise ValueError(
                "this run has no headline targets: the calibration marks none "
                "(headline: true in targets.yaml), or the scenario dropped them"
            )
        return heads

    def headline(self) -> pd.DataFrame:
        """The plan's headline goals first: each headline target's probability (the
        targets marked ``headline: true``, under the readings in force), then ``joint``,
        all of them met together, and ``at_least_<K-1>``, all but at most one met.

        Indexed by target id; columns as :meth:`probabilities`' (``indicator, reading,
        probability, std_error, ci_low, ci_high, label, wording``). The last two rows
        come from the engine's count of headline targets met in each draw, exactly
        (:meth:`headline_counts` gives the whole distribution).
        """
        heads = self._headline_targets()
        k = len(heads)
        table = self._probability_table.loc[[t.id for t in heads]]
        events = [
            (
                "joint",
                k,
                f"all {k} headline targets met",
                f"All {number_word(k)} headline goals met together",
            )
        ]
        if k >= 2:
            events.append(
                (
                    f"at_least_{k - 1}",
                    k - 1,
                    f"at least {k - 1} of the {k} met",
                    f"At least {number_word(k - 1)} of the {number_word(k)} headline goals met",
                )
            )
        matrix = np.zeros((len(events), k + 1), dtype=np.int64)
        for row, (_, least, _, _) in enumerate(events):
            matrix[row, least:] = 1
        p, se = count_event_errors(self.accumulator, self.method, matrix)
        low, high = wilson_interval(p, se, self.n_draws)
        rows = pd.DataFrame(
            {
                "indicator": "",
                "reading": [e[2] for e in events],
                "probability": p,
                "std_error": se,
                "ci_low": low,
                "ci_high": high,
                "label": [e[3] for e in events],
                "wording": "",
            },
            index=pd.Index([e[0] for e in events], name="target"),
        )
        return pd.concat([table, rows])

    def headline_counts(self) -> pd.DataFrame:
        """Distribution of the number of headline targets met, indexed by ``k = 0..K``:
        ``probability`` of exactly ``k`` and ``at_least`` ``k``, each with its standard
        error and 95% interval (``std_error, ci_low, ci_high`` and ``at_least_std_error,
        at_least_ci_low, at_least_ci_high``)."""
        k = len(self._headline_targets())
        exactly = np.eye(k + 1, dtype=np.int64)
        at_least = np.triu(np.ones((k + 1, k + 1), dtype=np.int64))
        p, se = count_event_errors(self.accumulator, self.method, exactly)
        q, qse = count_event_errors(self.accumulator, self.method, at_least)
        low, high = wilson_interval(p, se, self.n_draws)
        qlow, qhigh = wilson_interval(q, qse, self.n_draws)
        return pd.DataFrame(
            {
                "probability": p,
                "std_error": se,
                "ci_low": low,
                "ci_high": high,
                "at_least": q,
                "at_least_std_error": qse,
                "at_least_ci_low": qlow,
                "at_least_ci_high": qhigh,
            },
            index=pd.RangeIndex(k + 1, name="headline_met"),
        )

    def conditional(self) -> pd.DataFrame:
        """Matrix of ``P(row target met | column target met)`` (NaN where the column
        target is never met)."""
        p = self.model.n_primary
        both = self.accumulator.both[:p, :p].astype(float)
        met = np.diag(both)
        with np.errstate(divide="ignore", invalid="ignore"):
            table = np.where(met > 0, both / met, np.nan)
        ids = [t.id for t in self.model.primary_targets]
        return pd.DataFrame(
            table, index=pd.Index(ids, name="target"), columns=pd.Index(ids, name="given")
        )

    def shock_means(self) -> pd.DataFrame:
        """Average value of every shock and event indicator in the draws that meet and that
        miss each target (Monte Carlo filtering), long format indexed by ``(target, shock)``
        with columns ``met, missed, difference``."""
        acc = self.accumulator
        rows = [*range(self.model.n_primary), len(self.model.targets)]
        total = acc.basis_sum / FIXED_POINT
        met_sum = acc.basis_met_sum[rows] / FIXED_POINT
        n_met = acc.met[rows][:, None]
        n_missed = acc.draws - n_met
        with np.errstate(divide="ignore", invalid="ignore"):
            met_mean = np.where(n_met > 0, met_sum / n_met, np.nan)
            missed_mean = np.where(n_missed > 0, (total - met_sum) / n_missed, np.nan)
        ids = [t.id for t in self.model.primary_targets] + ["joint"]
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
        """Every indicator: label, unit, layer, baseline (the calibration's central case),
        central (the scenario's: shocks at zero, no events), exact expected value,
        simulated mean and standard deviation, and the default quantiles."""
        mean, std = self.accumulator.moments()
        quant = self.quantiles()
        quant.columns = [f"q{round(100 * float(c)):02d}" for c in quant.columns]
        frame = pd.DataFrame(
            {
                "label": self.model.labels,
                "unit": self.model.units,
                "layer": self.model.layers,
                "baseline": self.model.baseline,
                "central": self.model.constant,
                "expected": self.model.mean,
                "mean": mean,
                "std": std,
            },
            index=pd.Index(self.model.indicators, name="indicator"),
        )
        return frame.join(quant)

    def summary(self) -> pd.DataFrame:
        """One row per target: its indicator's central case, mean and median side by
        side, its spread and 5%/95% quantiles, and the probability of meeting the target
        with its error.

        ``central`` is the indicator with every shock at zero and no event (the
        scenario's central case); ``mean`` and ``median`` are of the simulated
        distribution. They differ when events (most of them downside, and the tail
        event of a regime break) and skewed shocks move the distribution away from
        the central case.

        The plan's headline goals come first (``headline`` is true for them), then the
        other targets, each group in target order.
        """
        ind = self.to_frame()
        probs = self.probabilities()
        stats = ind.loc[probs["indicator"], ["central", "mean", "q50", "std", "q05", "q95"]]
        stats = stats.set_axis(probs.index).rename(columns={"q50": "median"})
        heads = {t.id for t in self.model.headline_targets}
        headline = pd.Series([tid in heads for tid in probs.index], index=probs.index)
        frame = pd.concat(
            [
                headline.rename("headline"),
                probs[["reading"]],
                stats,
                probs[["probability", "std_error", "ci_low", "ci_high"]],
            ],
            axis=1,
        )
        return pd.concat([frame[frame["headline"]], frame[~frame["headline"]]])

    @property
    def kept_draws(self) -> pd.DataFrame:
        """Every draw's indicator values (``keep_draws=True`` runs only): an
        ``(n_draws, indicators)`` table. The number of draws is :attr:`n_draws`."""
        if self.kept is None:
            raise ValueError(
                "this result kept no draws; simulate(..., keep_draws=True) keeps them "
                "(the number of draws is result.n_draws)"
            )
        return pd.DataFrame(self.kept, columns=pd.Index(self.model.indicators, name="indicator"))

    # ---------------------------------------------------------------- display
    def __str__(self) -> str:
        return format_result(self)

    def __repr__(self) -> str:
        meta = self.metadata
        observed = f" {self.conditioning}" if self.scenario.observed else ""
        return f"<SimulationResult scenario={meta['scenario']!r} draws={meta['draws']:,} method={meta['method']} seed={meta['seed']}{observed}>"

    def _repr_html_(self) -> str:
        return result_html(self)

    def histogram(self, indicator: str) -> tuple[np.ndarray, np.ndarray]:
        """The run's fine histogram of ``indicator``: ``counts`` ``(bins,)``, the draws
        in each bin, and the bins' ``edges`` ``(bins + 1,)``, in the indicator's unit.

        Draws below the first edge or above the last are in neither (the range covers
        all but the far tails); :func:`tjsim.figures.density_bars` merges the bins
        into bars.
        """
        if indicator not in self.model.indicators:
            raise ScenarioError(unknown("indicator", indicator, self.model.indicators))
        j = self.model.indicators.index(indicator)
        low, width, bins = self.model.histogram_layout()
        starts = np.concatenate([[0], np.cumsum(bins + 2)[:-1]])
        counts = self.accumulator.histogram[starts[j] + 1 : starts[j] + 1 + bins[j]]
        edges = low[j] + width[j] * np.arange(bins[j] + 1)
        return counts.copy(), edges

    # ---------------------------------------------------------------- figures
    def plot(self, indicator: str | None = None, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Probability bars (no ``indicator``) or the distribution of ``indicator``."""
        if indicator is None:
            return self.plot_probabilities(ax=ax, **kwargs)
        return self.plot_distribution(indicator, ax=ax, **kwargs)

    def plot_probabilities(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Horizontal bars of each target's probability with 95% error bars."""
        return figures.probability_bars(
            self._probability_table, title=self._title(), ax=ax, **kwargs
        )

    def plot_distribution(self, indicator: str, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The simulated distribution of ``indicator`` with its targets' thresholds."""
        counts, edges = self.histogram(indicator)
        j = self.model.indicators.index(indicator)
        shown = [
            t
            for t in self.model.primary_targets
            if t.indicator == indicator and t.threshold is not None
        ]
        unit = self.model.units[j]
        notes = {t.id: published_note(t.published, t.rounding, unit) for t in shown}
        quant = self.quantiles((0.05, 0.5, 0.95)).loc[indicator].to_numpy()
        return figures.distribution(
            counts,
            edges,
            label=f"{self.model.labels[j]} ({self.model.units[j]})",
            thresholds={t.id: t.threshold for t in shown},
            threshold_notes=notes,
            quantiles=quant,
            quantile_labels=["5% quantile", "median", "95% quantile"],
            title=self._title(indicator),
            ax=ax,
            **kwargs,
        )

    def plot_fan(
        self, variable: str | None = None, *, ax: Axes | None = None, **kwargs: Any
    ) -> Axes:
        """Fan chart of ``variable``'s cumulative year-to-date growth: quantile bands for
        Q1, H1, Q1-Q3 and the full year, observed quarters as points, the target as a
        line. Needs a run with ``observed=`` or ``quarterly=True``. ``variable``
        defaults to the indicator of the calibration's record (its GDP growth)."""
        if variable is None:
            record = self.calibration.record if self.calibration is not None else None
            if record is None:
                raise ScenarioError(
                    "this run's calibration has no record to take GDP from: name the "
                    "variable, plot_fan(variable)"
                )
            variable = record.indicator
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
        target = next(
            (
                t
                for t in self.model.primary_targets
                if t.indicator == variable and t.threshold is not None
            ),
            None,
        )
        j = self.model.indicators.index(variable)
        threshold = None if target is None else target.threshold
        threshold_note = (
            ""
            if target is None
            else published_note(target.published, target.rounding, self.model.units[j])
        )
        observed = dict(self.scenario.observed.get(variable, {}))
        note = None
        if not self.scenario.observed:
            note = (
                "unconditioned: no year-to-date figure is observed yet, so every period "
                "carries about the whole year's uncertainty; simulate with observed=... "
                "to narrow the fan"
            )
        return figures.fan_chart(
            list(PERIODS),
            bands,
            label=f"{self.model.labels[j]}, year to date ({self.model.units[j]})",
            observed=observed,
            threshold=threshold,
            threshold_note=threshold_note,
            title=self._title(variable)
            if self.scenario.observed
            else f"{self.scenario.name}: {variable}, unconditioned",
            note=note,
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
        return figures.shock_gaps(rows, title=self._title(f"why {name} is missed"), ax=ax, **kwargs)
