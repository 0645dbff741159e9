"""Blocks of the calibration page on GDP: the record and the derivation of its bias,
spread and tail; the fitted distribution against the simulated one; the central case
against the mean and the median."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from tjsim.calibration import Calibration
from tjsim.calibration.tables import referenced

from . import common
from .common import RUN_DRAWS, RUN_SEED
from .latex import to_latex, with_numbers
from .tables import link_number, number, percent, short, table


def _derivation(cal: Calibration, did: str, values: Mapping[str, float]) -> list[str]:
    """A derived parameter as ``symbol = formula = numbers = value``, in display math."""
    text = cal.derived[did]
    return [
        "$$",
        f"{cal.symbol(did)} = {to_latex(text, cal.symbol)}"
        f" = {with_numbers(text, values)} = {short(values[did])}",
        "$$",
    ]


def render_record(cal: Calibration) -> str:
    """The GDP record (outturn, target, miss, how each year counts) and the derivation of
    the planners' bias, the ordinary-year spread and the regime-break tail."""
    record = common.record(cal)
    values = common.values(cal)
    bias = values[record.bias]
    rows = []
    for year in record.years:
        target = values[record.name("target", year)]
        outturn = values[record.name("outturn", year)]
        ordinary = values[record.name("ordinary", year)]
        tail = values[record.name("tail", year)]
        regime = "ordinary" if ordinary and not tail else "regime break" if tail else "left out"
        rows.append(
            [
                str(year),
                link_number(record.name("target", year), target),
                link_number(record.name("outturn", year), outturn),
                f"{outturn - target:+.1f}",
                f"{outturn - target - bias:+.2f}",
                link_number(record.name("ordinary", year), ordinary),
                link_number(record.name("tail", year), tail),
                regime,
            ]
        )
    steps = [record.bias, record.spread, record.tail_probability, record.tail_impact]
    counts = sorted(
        {
            name
            for did in steps
            for name in referenced(cal.derived[did])
            if name in cal.derived and name not in _yearly_names(cal) and name not in steps
        },
        key=list(cal.derived).index,
    )
    lines = [
        table(
            [
                "Year",
                "Target τ (%)",
                "Outturn g (%)",
                "Miss e = g − τ (pp)",
                "Less the bias, e − b",
                "Ordinary weight",
                "Break weight",
                "Counted as",
            ],
            rows,
            "rrrrrrrl",
        ),
        "",
        "How many years count each way:",
        "",
    ]
    for did in counts:
        lines += [*_derivation(cal, did, values), ""]
    spread, impact = _prior(cal, record.spread), _prior(cal, record.tail_impact)
    rate = _prior(cal, record.tail_probability)
    titles = {
        record.bias: "The planners' bias, the mean miss of the ordinary years:",
        record.spread: (
            "The ordinary-year spread: the bias-free misses of the ordinary years, shrunk "
            f"toward the prior ${spread[0]}$ worth ${spread[1]}$ pseudo-years:"
        ),
        record.tail_probability: (
            "The yearly probability of a regime break: the share of break years under a "
            f"Beta prior of mean ${rate[0]}$ worth ${rate[1]}$ pseudo-years:"
        ),
        record.tail_impact: (
            "Its impact: the mean bias-free miss of the break years, shrunk toward the prior "
            f"${impact[0]}$ worth ${impact[1]}$ pseudo-year:"
        ),
    }
    for did in steps:
        lines += [titles[did], "", *_derivation(cal, did, values), ""]
    return "\n".join(lines)


def _prior(cal: Calibration, did: str) -> tuple[str, str]:
    """The symbols of the prior a step of the record's derivation is shrunk toward: its
    value and its weight in pseudo-years, the two facts the step's formula names besides
    the record's per-year ones, written ``weight * value`` (weight first)."""
    yearly = _yearly_names(cal)
    text = cal.derived[did]
    facts = sorted(
        (name for name in referenced(text) if name not in cal.derived and name not in yearly),
        key=lambda name: re.search(rf"\b{name}\b", text).start(),  # type: ignore[union-attr]
    )
    if len(facts) != 2:
        raise ValueError(f"expected the prior's weight and value in '{did}', found {facts}")
    weight, value = facts
    return cal.symbol(value), cal.symbol(weight)


def _yearly_names(cal: Calibration) -> set[str]:
    """The record's per-year parameter ids: outturns, targets, weights, and the derived
    parameters of one year's outturn and target (the misses)."""
    record = common.record(cal)
    names = {
        record.name(field_name, year)
        for year in record.years
        for field_name in ("outturn", "target", "ordinary", "tail")
    }
    figures = {
        record.name(field_name, year)
        for year in record.years
        for field_name in ("outturn", "target")
    }
    return names | {did for did, text in cal.derived.items() if referenced(text) & figures}


def render_gdp_fitted(cal: Calibration) -> str:
    """GDP's fitted distribution (fitted.yaml) against the simulated one: quantiles and
    P(GDP target met) under each reading, with the tail and without it."""
    from tjsim.analysis.reporting import calibrated_distribution
    from tjsim.api import simulate
    from tjsim.scenario import Scenario

    runs = common.quoted_runs(cal)
    values = common.values(cal)
    gdp = common.record(cal).indicator
    fitted = calibrated_distribution(values, cal)
    ordinary = replace(fitted, break_probability=0.0)
    tail = common.tail_event(cal)
    core = simulate(
        Scenario().with_event(tail, 0.0), draws=RUN_DRAWS, seed=RUN_SEED, calibration=cal
    )
    qs = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
    full_q = runs.baseline.quantiles(qs).loc[gdp]
    core_q = core.quantiles(qs).loc[gdp]
    rows = []
    for q in qs:
        model_full, exact_full = float(full_q[q]), fitted.ppf(q)
        model_core, exact_core = float(core_q[q]), ordinary.ppf(q)
        rows.append(
            [
                f"{100 * q:g}% quantile",
                f"{exact_full:.3f}",
                f"{model_full:.3f}",
                f"{model_full - exact_full:+.3f}",
                f"{exact_core:.3f}",
                f"{model_core:.3f}",
                f"{model_core - exact_core:+.3f}",
            ]
        )
    readings = runs.baseline.readings(detail=True)["probability"]
    core_readings = core.readings(detail=True)["probability"]
    for target in runs.baseline.model.targets:
        if target.id != gdp or target.op != ">=":
            continue
        exact_full = 1.0 - float(fitted.cdf(target.threshold))
        exact_core = 1.0 - float(ordinary.cdf(target.threshold))
        model_full = float(readings[(gdp, target.reading)])
        model_core = float(core_readings[(gdp, target.reading)])
        rows.append(
            [
                f"P(GDP target met), `{target.reading}` (≥ {number(target.threshold)})",
                percent(exact_full),
                percent(model_full),
                f"{100 * (model_full - exact_full):+.1f} pp",
                percent(exact_core),
                percent(model_core),
                f"{100 * (model_core - exact_core):+.1f} pp",
            ]
        )
    mean = float(runs.baseline.model.mean[runs.baseline.model.indicators.index(gdp)])
    exact_mean = fitted.mean
    rows.append(
        [
            "mean (exact, from the model's moments)",
            f"{exact_mean:.3f}",
            f"{mean:.3f}",
            f"{mean - exact_mean:+.3f}",
            f"{fitted.centre:.3f}",
            "",
            "",
        ]
    )
    se = runs.baseline.probabilities().loc[gdp, "std_error"]
    return "\n".join(
        [
            table(
                [
                    "",
                    "Fitted",
                    "Simulated",
                    "Gap",
                    "Fitted, no break",
                    "Simulated, no break",
                    "Gap",
                ],
                rows,
                "lrrrrrr",
            ),
            "",
            f"Fitted: the distribution of `fitted.yaml` computed exactly "
            f"(`tjsim.analysis.reporting.GrowthDistribution`); simulated: "
            f"`{common.run_call(cal)}`, and the same with `{tail}` at probability 0 "
            f"for the columns without the break. The standard error of a simulated "
            f"probability is about {100 * se:.2f} points, of a middle quantile about 0.005.",
        ]
    )


def render_central_mean_median(cal: Calibration) -> str:
    """GDP's central case, mean and median from the baseline run, and the gap between
    them: each event's exact effect on the mean, and the median without the tail."""
    runs = common.quoted_runs(cal)
    record = common.record(cal)
    gdp = record.indicator
    row = runs.baseline.summary().loc[gdp]
    model = runs.baseline.model
    j = model.indicators.index(gdp)
    rows = []
    for k, eid in enumerate(model.basis[model.n_shocks :]):
        impact = float(model.loadings[j, model.n_shocks + k])
        if impact:
            p = float(model.event_probabilities[k])
            rows.append([f"[`{eid}`](#{eid})", number(p), f"{impact:+.3f}", f"{p * impact:+.3f}"])
    rows.sort(key=lambda r: float(r[3]))
    exact = float(model.mean[j] - model.constant[j])
    rows.append(["all events", "", "", f"**{exact:+.3f}**"])
    core = runs.without_tail
    return "\n".join(
        [
            table(
                ["Statistic", f"`{gdp}` (%)"],
                [
                    ["central case (every shock at zero, no event)", short(row["central"])],
                    ["median", short(row["median"])],
                    ["mean", short(row["mean"])],
                    ["median without the regime break (its probability 0)", short(core["median"])],
                    ["exact mean (central case + events' expected impacts)", short(model.mean[j])],
                    ["standard deviation", short(row["std"])],
                    ["5% and 95% quantiles", f"{short(row['q05'])}, {short(row['q95'])}"],
                ],
                "lr",
            ),
            "",
            f"From `{common.run_call(cal)}.summary()`; the "
            "median without the regime break is on the same draws. The shocks have mean "
            "zero, so the mean differs from the central case by the events' expected "
            "impacts alone, probability times impact:",
            "",
            table(
                [
                    "Event",
                    "Probability",
                    "Impact on GDP if it occurs (pp, mean)",
                    "Effect on the mean",
                ],
                rows,
                "lrrr",
            ),
        ]
    )
