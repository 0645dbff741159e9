"""Honest probabilities: the simulated distribution is the derived (and, for GDP, the
fitted) one, year-to-date evidence weighs what the record says, readings are explicit,
and the method is scored out of sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tjsim
from tjsim.analysis.reporting import GrowthDistribution
from tjsim.analysis.score import Mixture
from tjsim.model import build_model

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@pytest.fixture(scope="module")
def core_draws(calibration):
    """The baseline without the regime-break tail, draws kept."""
    scenario = tjsim.baseline().with_event("regime_break", 0.0)
    return tjsim.simulate(scenario, draws=120_000, seed=3, keep_draws=True, calibration=calibration)


# ---------------------------------------------------------------------- the total
def test_every_indicator_has_its_derived_ordinary_year_spread(calibration, core_draws):
    """Simulated with every shock and event but the tail, each total's indicator (or its
    margin over another) has the spread its record gives."""
    p = calibration.parameters()
    draws = core_draws.kept_draws
    for vid, total in calibration.totals.items():
        values = draws[vid] - (draws[total.relative_to] if total.relative_to else 0.0)
        derived = p[str(total.spread)]
        # The standard error of a standard deviation is about sd / sqrt(2n).
        assert values.std() == pytest.approx(derived, rel=5 / math.sqrt(2 * len(draws))), vid


def _fitted(p, **changes) -> GrowthDistribution:
    """The fitted reporting model's distribution of published GDP growth (fitted.yaml)."""
    values = {
        "centre": p["gdp_reporting_mean"],
        "spread": p["gdp_reporting_spread"],
        "skew": p["gdp_reporting_skew"],
        "break_probability": p["gdp_break_probability"],
        "break_impact": p["gdp_break_impact"],
        "break_spread": p["gdp_break_spread"],
    }
    return GrowthDistribution(**{**values, **changes})


@pytest.fixture(scope="module")
def full_draws(calibration):
    return tjsim.simulate(draws=240_000, seed=3, calibration=calibration)


def test_gdp_is_the_fitted_reporting_model(calibration, full_draws):
    """GDP's simulated distribution is the fitted one: the ordinary two-piece mixed with
    the random-size break. The ordinary part is a sum (the momentum shock and the other
    components) whose mean and variance are the two-piece's exactly but whose shape is
    only near it: its 95% quantile lies about 0.05 above, and P(GDP target met) one to
    two points below (docs/calibration.md)."""
    fitted = _fitted(calibration.parameters())
    simulated = full_draws.quantiles(QUANTILES).loc["gdp_growth"]
    for q in QUANTILES:
        assert simulated[q] == pytest.approx(fitted.ppf(q), abs=0.06), q
    readings = full_draws.readings(detail=True)["probability"]
    n = full_draws.accumulator.draws
    gdp = [t for t in full_draws.model.targets if t.id == "gdp_growth"]
    assert {t.reading for t in gdp} == {"published", "strict", "about"}
    for target in gdp:
        assert target.op == ">="
        exact = 1.0 - float(fitted.cdf(target.threshold))
        se = math.sqrt(exact * (1 - exact) / n)
        # Monte Carlo error plus the ordinary part's shape (one to two points).
        simulated = readings[("gdp_growth", target.reading)]
        assert simulated == pytest.approx(exact, abs=4 * se + 0.02), target.reading


def test_the_fitted_mean_moves_the_median(calibration, full_draws):
    """Half a point more on the fitted mean moves GDP's median by half a point."""
    p = calibration.parameters()
    higher = tjsim.simulate(
        tjsim.baseline().with_parameter("gdp_reporting_mean", p["gdp_reporting_mean"] + 0.5),
        draws=240_000,
        seed=3,
        calibration=calibration,
    )
    moved = (
        higher.quantiles(0.5).loc["gdp_growth", 0.5]
        - full_draws.quantiles(0.5).loc["gdp_growth", 0.5]
    )
    assert moved == pytest.approx(0.5, abs=0.01)
    expected = higher.to_frame().loc["gdp_growth", "expected"]
    assert expected == pytest.approx(
        p["gdp_reporting_mean"] + 0.5 + p["gdp_break_probability"] * p["gdp_break_impact"]
    )


def test_the_break_spread_spreads_the_break(calibration, full_draws):
    """A fixed-size break (spread 0) puts the break years in a narrow band; the fitted
    spread spreads them, so the lower tail's quantiles move apart, as the fitted
    distribution says."""
    p = calibration.parameters()
    fixed = tjsim.simulate(
        tjsim.baseline().with_parameter("gdp_break_spread", 0.0),
        draws=240_000,
        seed=3,
        calibration=calibration,
    )
    low = (0.01, 0.03)
    spread = full_draws.quantiles(low).loc["gdp_growth"]
    narrow = fixed.quantiles(low).loc["gdp_growth"]
    assert spread[0.01] < narrow[0.01] - 0.5
    assert spread[0.03] - spread[0.01] > narrow[0.03] - narrow[0.01] + 0.3
    for q in low:
        assert narrow[q] == pytest.approx(_fitted(p, break_spread=0.0).ppf(q), abs=0.06)
        assert spread[q] == pytest.approx(_fitted(p).ppf(q), abs=0.06)


def test_the_ordinary_year_band_is_the_fitted_one(calibration, core_draws):
    """Without regime breaks the model's 90% band for GDP is the fitted ordinary
    distribution's (fitted.yaml), a few points narrower than with them."""
    p = calibration.parameters()
    q = core_draws.quantiles((0.05, 0.95)).loc["gdp_growth"]
    ordinary = _fitted(p, break_probability=0.0)
    width = ordinary.ppf(0.95) - ordinary.ppf(0.05)
    assert q[0.95] - q[0.05] == pytest.approx(width, abs=0.12)
    full = tjsim.simulate(draws=60_000, seed=4, calibration=calibration)
    assert full.probabilities().loc["gdp_growth", "probability"] < 0.6
    top = _fitted(calibration.parameters()).ppf(0.99)
    assert full.quantiles(0.99).loc["gdp_growth", 0.99] == pytest.approx(top, abs=0.1)


def test_summary_explains_central_mean_and_median(calibration):
    result = tjsim.simulate(draws=60_000, seed=4, calibration=calibration)
    row = result.summary().loc["gdp_growth"]
    assert row["mean"] < row["median"] < row["central"]  # downside events and the tail
    without_events = tjsim.simulate(
        tjsim.baseline().without_shocks(), draws=1_000, seed=4, calibration=calibration
    )
    flat = without_events.summary().loc["gdp_growth"]
    assert flat["central"] == flat["mean"] == pytest.approx(row["central"])


# ---------------------------------------------------------------------- year to date
def _gap_spreads(calibration) -> tuple[float, float]:
    """The model's spread of Q1 and H1 growth around the year's, from its loadings."""
    from tjsim.model.moments import basis_moments

    model = build_model(calibration, tjsim.baseline(), quarterly=True)
    _, cov = basis_moments(
        model.marginals,
        model.event_probabilities,
        model.correlation,
        event_marginals=model.event_marginals,
    )
    year = model.loadings[model.indicators.index("gdp_growth")]
    out = []
    for period in ("gdp_growth_ytd_q1", "gdp_growth_ytd_h1"):
        gap = model.loadings[model.indicators.index(period)] - year
        out.append(float(np.sqrt(gap @ cov @ gap)))
    return out[0], out[1]


def test_tianjins_quarterly_gaps_lie_within_the_models_bands(calibration):
    """The quarterly structure is set on the panel's weights (below); every gap of
    Tianjin's own record (2018-2023) between Q1 or H1 and the year lies within the
    model's 95% band of such gaps."""
    p = calibration.parameters()
    q1, h1 = _gap_spreads(calibration)
    for year in (2018, 2022, 2023):
        gap = p[f"gdp_growth_q1_{year}"] - p[f"gdp_growth_{year}"]
        assert abs(gap) < 1.96 * q1, year
    for year in (2018, 2019, 2022, 2023):
        gap = p[f"gdp_growth_h1_{year}"] - p[f"gdp_growth_{year}"]
        assert abs(gap) < 1.96 * h1, year


def _ytd_weight(model, period_indicator: str) -> float:
    """What a point of ``period_indicator`` above expectation moves the year by, in the
    model's linear-Gaussian part: Cov(year, period) / Var(period)."""
    std = np.array(
        [mg.std for mg in model.marginals]
        + [math.sqrt(p * (1 - p)) for p in model.event_probabilities]
    )
    covariance = model.correlation * np.outer(std, std)
    rows = {name: model.loadings[i] for i, name in enumerate(model.indicators)}
    year, period = rows["gdp_growth"], rows[period_indicator]
    return float(year @ covariance @ period / (period @ covariance @ period))


def test_a_first_quarter_and_half_weigh_what_the_panel_says(calibration):
    """In an ordinary year the model's weight of a first quarter and of a first half on
    the year is the panel's estimate (ordinary years, gaps to target, lockdown bases
    out), well within its standard error."""
    from tjsim.analysis.quarters import quarterly_weights
    from tjsim.model import build_model

    panel = quarterly_weights().set_index(["period", "spec", "sample"])
    model = build_model(
        calibration, tjsim.baseline().with_event("regime_break", 0.0), quarterly=True
    )
    for period, indicator, sample in (
        ("q1", "gdp_growth_ytd_q1", "ordinary years"),
        ("h1", "gdp_growth_ytd_h1", "ordinary, without 2022 lockdown bases"),
    ):
        estimate = panel.loc[(period, "target", sample)]
        weight = _ytd_weight(model, indicator)
        assert weight == pytest.approx(estimate["slope"], abs=0.25 * estimate["std_error"])


def test_a_strong_first_quarter_moves_the_year_by_its_weight(calibration):
    """A Q1 a point above the central case (hypothetical) moves the year's median by
    about the first quarter's weight, and the odds of the target up."""
    base = tjsim.simulate(draws=60_000, seed=7, calibration=calibration)
    central = base.summary().loc["gdp_growth", "central"]
    strong = tjsim.simulate(
        draws=60_000,
        seed=7,
        calibration=calibration,
        observed={"gdp_growth": {"Q1": round(central + 1.0, 1)}},
    )
    moved = (
        strong.quantiles(0.5).loc["gdp_growth", 0.5] - base.quantiles(0.5).loc["gdp_growth", 0.5]
    )
    assert 0.3 < moved < 0.8  # the Q1 weight, plus a break made less likely
    change = (
        strong.probabilities().loc["gdp_growth", "probability"]
        - base.probabilities().loc["gdp_growth", "probability"]
    )
    assert 0.0 < change < 0.25


# ---------------------------------------------------------------------- readings
def test_readings_are_side_by_side_and_selectable(calibration):
    result = tjsim.simulate(draws=40_000, seed=5, calibration=calibration)
    table = result.readings()
    assert table.loc["gdp_growth", "in_force"] == "published"
    gdp = table.loc["gdp_growth"]
    assert gdp["strict"] <= gdp["published"] <= gdp["about"]
    assert math.isnan(table.loc["urban_jobs", "published"])
    probs = result.probabilities()["probability"]
    for target, row in table.iterrows():
        assert row[row["in_force"]] == probs[target]
    strict = tjsim.simulate(draws=40_000, seed=5, calibration=calibration, reading="strict")
    assert strict.probabilities().loc["gdp_growth", "probability"] == gdp["strict"]
    # Targets without a strict reading keep their default.
    assert strict.readings().loc["budget_revenue", "in_force"] == "headline"
    detail = result.readings(detail=True)
    assert detail.loc[("gdp_growth", "published"), "rule"].startswith("published: gdp_growth")
    income = tjsim.simulate(
        draws=40_000, seed=5, calibration=calibration, reading={"disposable_income": "nominal"}
    )
    assert income.readings().loc["disposable_income", "in_force"] == "nominal"


def test_rounding_reads_the_published_figure(calibration):
    """Published to one decimal, ">= 4.5" holds from 4.45 and "<= 5.5" below 5.55."""
    table = tjsim.targets()
    assert table.loc["gdp_growth", "threshold"] == pytest.approx(4.45)
    assert table.loc["unemployment_rate", ["op", "threshold"]].tolist() == [
        "<",
        pytest.approx(5.55),
    ]


def test_bad_readings_are_named(calibration):
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'strict'"):
        tjsim.simulate(draws=100, calibration=calibration, reading="strikt")
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'gdp_growth'"):
        tjsim.simulate(draws=100, calibration=calibration, reading={"gdp_grwth": "strict"})
    with pytest.raises(tjsim.ScenarioError, match="reading of 'cpi'"):
        tjsim.simulate(draws=100, calibration=calibration, reading={"cpi": "real"})


# ---------------------------------------------------------------------- scoring
@settings(max_examples=50, deadline=None)
@given(
    centre=st.floats(-5, 10),
    spread=st.floats(0.1, 3),
    q=st.floats(0, 0.5),
    impact=st.floats(-6, 0),
    p=st.floats(0.01, 0.99),
)
def test_mixture_quantile_inverts_its_cdf(centre, spread, q, impact, p):
    mixture = Mixture(centre, spread, q, impact)
    assert mixture.cdf(mixture.quantile(p)) == pytest.approx(p, abs=1e-8)


def test_score_leaves_each_year_out(calibration):
    result = tjsim.score(calibration)
    table = result.to_frame()
    record = calibration.record
    assert list(table.index) == list(record.years)
    p = calibration.parameters()
    for year, row in table.iterrows():
        left_out = calibration.parameters(
            {f"record_ordinary_{year}": 0.0, f"record_break_{year}": 0.0}
        )
        assert row["centre"] == pytest.approx(
            p[f"gdp_growth_target_{year}"] + left_out["gdp_planners_bias"]
        )
        assert row["spread"] == pytest.approx(left_out["gdp_core_spread"])
        mixture = Mixture(
            row["centre"],
            row["spread"],
            left_out["regime_break_probability"],
            left_out["regime_break_impact"],
        )
        assert row["pit"] == pytest.approx(mixture.cdf(row["outturn"]))
        assert row["in90"] == (row["low90"] <= row["outturn"] <= row["high90"])
    assert set(table["regime"]) == {"ordinary", "break"}
    summary = result.summary()
    assert summary.loc["all years", "years"] == len(record.years)
    text = str(result)
    assert "each year left out" in text and "95% interval" in text


def test_score_needs_a_record():
    from toy import Toy

    with pytest.raises(tjsim.CalibrationError, match="no 'record'"):
        tjsim.score(Toy().calibration())


def test_score_command(capsys, tmp_path):
    from tjsim.cli import main

    assert main(["score", "--out", str(tmp_path / "score")]) == 0
    out = capsys.readouterr().out
    assert "2022" in out and "naive" in out
    assert {p.name for p in (tmp_path / "score").iterdir()} >= {
        "score.csv",
        "score_summary.csv",
        "score.png",
    }


# ---------------------------------------------------------------------- the plan factor


def _headline_counts(result) -> np.ndarray:
    from tjsim.analysis import kept_met_flags

    flags = kept_met_flags(result)
    names = [t.id for t in result.model.primary_targets]
    return flags[:, [names.index(t.id) for t in result.model.headline_targets]].sum(axis=1)


def test_managed_margins_load_on_the_plan_factor(calibration, core_draws):
    """Each managed margin's correlation with the plan-management factor is the stated
    loading (published GDP's its own), so their pairwise correlation is its square."""
    p = calibration.parameters()
    d = core_draws.kept_draws
    factor = d["plan_management"]
    margins = {
        "urban_jobs": (d["urban_jobs"], p["plan_loading"]),
        "unemployment_rate": (-d["unemployment_rate"], p["plan_loading"]),
        "budget_revenue": (d["budget_revenue_growth"] - d["gdp_growth"], p["plan_loading"]),
        "disposable_income": (d["disposable_income"] - d["gdp_growth"], p["plan_loading"]),
        "gdp_growth": (d["gdp_growth"], p["gdp_plan_loading"]),
    }
    se = 4 / math.sqrt(len(d))
    for name, (margin, loading) in margins.items():
        assert np.corrcoef(margin, factor)[0, 1] == pytest.approx(loading, abs=se), name


def test_the_plan_factor_moves_the_joint_count_not_the_marginals(calibration, core_draws):
    """On a simulated record (the draws as years), the share of years meeting at least 7
    of the 8 headline targets is higher with the factor than without, while the average
    number met, which only the marginals set, is unchanged."""
    without = tjsim.simulate(
        tjsim.baseline()
        .with_event("regime_break", 0.0)
        .with_parameter("plan_loading", 0.0)
        .with_parameter("gdp_plan_loading", 0.0),
        draws=120_000,
        seed=3,
        keep_draws=True,
        calibration=calibration,
    )
    managed, independent = _headline_counts(core_draws), _headline_counts(without)
    assert managed.mean() == pytest.approx(independent.mean(), abs=0.02)
    assert (managed >= 7).mean() > (independent >= 7).mean() + 0.01
    assert (managed == 8).mean() > (independent == 8).mean()
    # The count statistic read off the simulated record is the model's own: the share
    # of years with all eight met is the joint probability the result reports.
    joint = core_draws.probabilities()
    all_met = _headline_counts(core_draws) == 8
    heads = [t.id for t in core_draws.model.headline_targets]
    assert all_met.mean() <= joint.loc[heads, "probability"].min()


def test_new_jobs_are_met_as_often_as_the_record_says(calibration):
    """Jobs were met in each of the three years with a target (2021-2023, 2022 at 1.0%
    growth): under a Jeffreys prior the chance of a year meeting it is 3.5 / 4."""
    result = tjsim.simulate(draws=60_000, seed=4, calibration=calibration)
    assert result.probabilities().loc["urban_jobs", "probability"] == pytest.approx(
        3.5 / 4, abs=0.05
    )


def test_the_plan_loading_is_the_largest_the_totals_allow_and_the_record_favours(calibration):
    """The record (2021 and 2023: 7 of 8 each) has a likelihood that rises with the
    loading, so the loading is the largest on the grid 0, 0.1, ... that leaves every
    managed target's record-derived total reachable (each year's count simulated)."""
    record, grid = (7, 7), np.round(np.arange(0.0, 0.75, 0.1), 1)
    likelihood = []
    for loading in grid:
        scenario = (
            tjsim.baseline()
            .with_event("regime_break", 0.0)
            .with_parameter("plan_loading", float(loading))
        )
        try:
            result = tjsim.simulate(
                scenario, draws=60_000, seed=8, keep_draws=True, calibration=calibration
            )
        except tjsim.ScenarioError:  # a managed total unreachable from here on
            break
        counts = _headline_counts(result)
        likelihood.append(np.prod([(counts == n).mean() for n in record]))
    reachable = grid[: len(likelihood)]
    assert len(reachable) >= 2
    assert np.all(np.diff(likelihood) > 0)
    assert calibration.parameters()["plan_loading"] == pytest.approx(reachable[-1])


def test_the_loading_is_recovered_from_a_simulated_record(calibration):
    """The derivation works on a record the model itself draws: from 20,000 simulated
    ordinary years at a loading of 0.3, the count likelihood over the grid peaks near
    0.3 (the real record, two years, is far too short to say as much)."""
    ordinary = tjsim.baseline().with_event("regime_break", 0.0)

    def counts(loading: float, seed: int, draws: int) -> np.ndarray:
        scenario = ordinary.with_parameter("plan_loading", loading)
        result = tjsim.simulate(
            scenario, draws=draws, seed=seed, keep_draws=True, calibration=calibration
        )
        return _headline_counts(result)

    record = np.bincount(counts(0.3, seed=99, draws=20_000), minlength=9)
    grid = np.linspace(0.0, 0.4, 5)  # the loadings every managed total allows
    loglik = []
    for loading in grid:
        dist = np.bincount(counts(float(loading), seed=8, draws=100_000), minlength=9) + 0.5
        loglik.append(record @ np.log(dist / dist.sum()))
    assert abs(grid[int(np.argmax(loglik))] - 0.3) <= 0.1


@settings(max_examples=40, deadline=None)
@given(
    p=st.floats(0.0, 1.0),
    spread=st.floats(0.0, 2.0),
    shift=st.floats(-1.0, 1.0),
)
def test_the_break_column_has_the_stated_moments(p, spread, shift):
    """A random-size event's column: mean p (a size of mean one in a share p of the
    draws), variance p (1 + s^2) - p^2, and with a size spread of zero the indicator of
    a fixed-size event; by quadrature of its exact transform."""
    from scipy import special

    from tjsim.marginals import GRID, Marginal

    column = Marginal("break", spread, probability=p)
    weights = np.exp(-0.5 * GRID**2)
    weights /= weights.sum()
    values = column.from_normal(GRID)
    # A fine grid over a function with kinks: a few parts in ten thousand.
    assert weights @ values == pytest.approx(p, abs=1e-3)
    variance = weights @ values**2 - (weights @ values) ** 2
    assert np.sqrt(max(variance, 0.0)) == pytest.approx(column.std, abs=2e-3)
    indicator = float(shift < special.ndtri(p)) if 0 < p < 1 else float(p == 1)
    assert Marginal("break", 0.0, probability=p).from_normal(np.array([shift]))[0] == indicator
