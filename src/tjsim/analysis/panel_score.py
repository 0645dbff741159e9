r"""The reporting model scored on the 31-region panel, leaving whole years out.

Shocks are common within a year (every region missed in 2020 and 2022), so an honest
out-of-sample test leaves a whole year out at a time: for each year :math:`t` of the
panel, year :math:`t`'s outturns are removed from the panel (not only its pairs: the
stand-in projections of later years cannot see them either), the model is refitted on
what remains, and every pair of year :math:`t` is scored against its prediction: its
probability integral transform :math:`F(y)`, whether :math:`y` falls in the central
50% and 90% bands, the log score :math:`\ln f(y)` (higher is better) and the CRPS
:math:`\int (F(x) - 1\{x \ge y\})^2\,dx` (lower is better).

Three benchmarks are scored on the same folds:

``naive``
    a normal centred on the target with the panel's spread (the root-mean-square gap of
    the training pairs);
``bias``
    target plus the pooled bias (the training pairs' mean gap) with a normal error (their
    standard deviation);
``v02``
    the Tianjin-only method of tjsim 0.2 applied to each region's own record: bias the
    mean of its other ordinary years (none: 0), spread their standard deviation shrunk to
    the prior 0.7 pp worth 3 years, a break tail of one fixed size (the mean bias-free
    break miss shrunk to -3 pp worth 1 year) with probability ``(50 * 0.04 + breaks) /
    (50 + years)``; 2020 and 2022 are its breaks (and Tianjin's 2017 and 2018, as the
    0.2 calibration counts them).

The choices of the model (:class:`~tjsim.analysis.reporting.Choices`) are compared the
same way: each alternative changes one choice of the reference, and the row that
combines every choice that beat the reference is scored too. The variant with the best
mean log score is the chosen one, and :func:`tjsim.reporting_model` fits it by default.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..result.panel_score import KINDS, PanelScoreResult, metrics
from .reporting import (
    BREAK_YEARS,
    FIRST_CENSUS_YEAR,
    Choices,
    GrowthDistribution,
    fit_reporting_model,
    panel_pairs,
)

#: The priors of tjsim 0.2's record derivation (``data/tianjin/assumptions.yaml``):
#: spread prior and its weight in years, break rate prior and its weight, break impact
#: prior and its weight.
V02_PRIORS = {
    "gdp_prior_spread": 0.7,
    "gdp_prior_weight": 3.0,
    "break_prior_rate": 0.04,
    "break_prior_years": 50.0,
    "break_impact_prior": -3.0,
    "break_impact_prior_weight": 1.0,
}
#: Years 0.2's calibration counts as breaks for Tianjin besides the common ones.
V02_TIANJIN_BREAKS = (2017, 2018)
#: The probabilities of the 50% and 90% bands' ends.
BAND_POINTS = np.array([0.05, 0.25, 0.75, 0.95])


def kind_of_year(year: int) -> str:
    """``'2020 and 2022'`` (the pandemic breaks), ``'before 2020'`` (2013-2019, mostly from
    news stories) or ``'2021 and 2023'`` (the near-complete cross-sections)."""
    if year in BREAK_YEARS:
        return KINDS[1]
    return KINDS[2] if year < FIRST_CENSUS_YEAR else KINDS[0]


# ---------------------------------------------------------------------------- variants
REFERENCE = Choices()


#: The values each choice can take, and how the alternatives are labelled.
OPTIONS: dict[str, tuple[Any, ...]] = {
    "stand_in": ("previous", "previous-ordinary", "none"),
    "pooling": ("partial", "complete", "none"),
    "error": ("two-piece", "normal"),
    "breaks": ("random", "fixed", "none"),
    "labels": ("latent", "labelled"),
    "pre2020_weight": (1.0, 0.5, 0.0),
    "wording": ("ignored", "floor"),
}
_LABELS = {
    ("stand_in", "previous"): "stand-in: previous year's outturn",
    ("stand_in", "previous-ordinary"): "stand-in: previous ordinary year's outturn",
    ("stand_in", "none"): "no projection (w = 0)",
    ("pooling", "partial"): "partial pooling (tau estimated)",
    ("pooling", "complete"): "complete pooling (tau = 0)",
    ("pooling", "none"): "no pooling (tau = 3)",
    ("error", "two-piece"): "two-piece (skewed) ordinary error",
    ("error", "normal"): "normal ordinary error",
    ("breaks", "random"): "break of random size",
    ("breaks", "fixed"): "break of one fixed size (as 0.2)",
    ("breaks", "none"): "no break regime",
    ("labels", "latent"): "breaks latent (found by the fit)",
    ("labels", "labelled"): "breaks labelled (2020, 2022)",
    ("pre2020_weight", 1.0): "pre-2020 pairs weighted 1",
    ("pre2020_weight", 0.5): "pre-2020 pairs weighted 0.5",
    ("pre2020_weight", 0.0): "pre-2020 pairs left out",
    ("wording", "floor"): "以上 targets shift the bias",
    ("wording", "ignored"): "wording ignored (no 以上 shift)",
}


def variants(reference: Choices = REFERENCE) -> dict[str, Choices]:
    """The reference choices (``"chosen"``) and every alternative that changes one of
    them."""
    out = {"chosen": reference}
    for name, values in OPTIONS.items():
        for value in values:
            if value != getattr(reference, name):
                out[_LABELS[(name, value)]] = replace(reference, **{name: value})
    return out


# ---------------------------------------------------------------------------- folds
def _masked(panel: pd.DataFrame, year: int) -> pd.DataFrame:
    """The panel as it would be without year ``year``'s outturns."""
    masked = panel.copy()
    masked.loc[masked["year"] == year, "outturn"] = np.nan
    return masked


def _score(dist: GrowthDistribution, y: float) -> dict[str, float]:
    q = np.asarray(dist.ppf(BAND_POINTS))
    return {
        "centre": dist.centre,
        "median": float(dist.ppf(0.5)),
        "low90": q[0],
        "low50": q[1],
        "high50": q[2],
        "high90": q[3],
        "pit": float(dist.cdf(y)),
        "in50": bool(q[1] <= y <= q[2]),
        "in90": bool(q[0] <= y <= q[3]),
        "log_score": float(dist.logpdf(y)),
        "crps": dist.crps(y),
    }


def _v02_distribution(train: pd.DataFrame, region: str, target: float) -> GrowthDistribution:
    """tjsim 0.2's record derivation on ``region``'s own training pairs."""
    own = train[train["region"] == region]
    breaks = own["year"].isin(BREAK_YEARS)
    if region == "天津":
        breaks = breaks | own["year"].isin(V02_TIANJIN_BREAKS)
    ordinary = own.loc[~breaks, "gap"].to_numpy()
    broken = own.loc[breaks, "gap"].to_numpy()
    n, nb = len(ordinary), len(broken)
    pr = V02_PRIORS
    bias = float(ordinary.mean()) if n else 0.0
    squares = float(np.sum((ordinary - bias) ** 2))
    spread = math.sqrt(
        (squares + pr["gdp_prior_weight"] * pr["gdp_prior_spread"] ** 2)
        / (max(n - 1, 0) + pr["gdp_prior_weight"])
    )
    rate = (pr["break_prior_years"] * pr["break_prior_rate"] + nb) / (
        pr["break_prior_years"] + n + nb
    )
    impact = (
        pr["break_impact_prior_weight"] * pr["break_impact_prior"] + float(np.sum(broken - bias))
    ) / (pr["break_impact_prior_weight"] + nb)
    return GrowthDistribution(
        target + bias, spread, 0.0, rate, impact, 0.0, target=target, region=region
    )


def leave_year_out(
    panel: pd.DataFrame,
    choices: Choices | None = None,
    *,
    benchmarks: bool = True,
    start: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Score every pair of ``panel`` out of sample, a whole year left out at a time.

    One row per pair: ``region, year, kind, target, qualifier, outturn``, the model's
    ``centre, median, low90, low50, high50, high90, pit, in50, in90, log_score, crps``
    and, with ``benchmarks``, the same columns prefixed ``naive_``, ``bias_`` and
    ``v02_``. ``start`` is the optimiser's starting point of every fold (default: the
    fixed :data:`~tjsim.analysis.reporting.START`, so that nothing of the left-out year
    reaches a fold, not even through where its optimiser starts).
    """
    choices = choices or Choices()
    pairs = panel_pairs(panel)
    rows: list[dict[str, Any]] = []
    for year in sorted(pairs["year"].unique()):
        train_panel = _masked(panel, int(year))
        model = fit_reporting_model(train_panel, choices, start=start)
        train = panel_pairs(train_panel)
        scored = pairs[pairs["year"] == year]
        gaps = train["gap"].to_numpy()
        naive_spread = float(np.sqrt(np.mean(gaps**2)))
        pooled_bias, pooled_sd = float(gaps.mean()), float(gaps.std(ddof=1))
        for _, pair in scored.iterrows():
            region, target, y = pair["region"], float(pair["target"]), float(pair["outturn"])
            row: dict[str, Any] = {
                "region": region,
                "year": int(year),
                "kind": kind_of_year(int(year)),
                "target": target,
                "qualifier": pair["qualifier"],
                "outturn": y,
            }
            dist = model.predict(region, target, year=int(year))
            row.update(_score(dist, y))
            row["break_probability"] = dist.break_probability
            if benchmarks:
                others = {
                    "naive": GrowthDistribution(target, naive_spread),
                    "bias": GrowthDistribution(target + pooled_bias, pooled_sd),
                    "v02": _v02_distribution(train, region, target),
                }
                for prefix, other in others.items():
                    row.update({f"{prefix}_{k}": v for k, v in _score(other, y).items()})
            rows.append(row)
    return pd.DataFrame(rows)


def choices_table(panel: pd.DataFrame, reference: Choices = REFERENCE) -> pd.DataFrame:
    """Every variant (:func:`variants`, and the combination of the alternatives that beat
    the reference) scored leaving years out: one row each, with its ``choices``, mean
    ``log_score`` and ``crps`` and the 50% and 90% coverage, best log score first."""
    rows: dict[str, dict[str, Any]] = {}
    scores: dict[str, float] = {}
    found = variants(reference)
    for label, choices in found.items():
        table = leave_year_out(panel, choices, benchmarks=False)
        rows[label] = {"choices": choices.describe(), **metrics(table)}
        scores[label] = rows[label]["log_score"]
    better = [label for label in found if label != "chosen" and scores[label] > scores["chosen"]]
    if len(better) > 1:
        combined = reference
        fields: dict[str, Any] = {}
        for label in sorted(better, key=lambda lab: -scores[lab]):
            changed = {
                k: getattr(found[label], k)
                for k in OPTIONS
                if getattr(found[label], k) != getattr(reference, k)
            }
            for k, v in changed.items():
                fields.setdefault(k, v)
        combined = replace(reference, **fields)
        if combined not in found.values():
            table = leave_year_out(panel, combined, benchmarks=False)
            rows["combined: " + ", ".join(better)] = {
                "choices": combined.describe(),
                **metrics(table),
            }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "variant"
    return out.sort_values("log_score", ascending=False, kind="stable")


def score_panel(
    panel: pd.DataFrame, choices: Choices | None = None, *, alternatives: bool = False
) -> PanelScoreResult:
    """Score the reporting model with ``choices`` (default: the chosen ones) on
    ``panel``, leaving whole years out, against the benchmarks; with ``alternatives``,
    also every variant of :func:`variants` (slower: one leave-year-out run each)."""
    choices = choices or Choices()
    model = fit_reporting_model(panel, choices)
    table = leave_year_out(panel, choices)
    others = choices_table(panel, choices) if alternatives else None
    return PanelScoreResult(table, choices, model, others)
