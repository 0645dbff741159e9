"""A coherent structure: every input moves what it should, districts have the right
exposures, investment reaches construction once, and the satellites respond as stated."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from tjsim.model import compile_model
from tjsim.model.moments import basis_moments

SECTORS = ("primary", "industry", "construction", "finance", "other_services")
DISTRICTS = ("binhai", "hexi", "xiqing", "wuqing", "beichen", "heping")
#: Model parameters that may move no indicator, and why.
INERT: dict[str, str] = {}


@pytest.fixture(scope="module")
def base(calibration):
    return compile_model(calibration)


def _model_parameters(calibration) -> list[str]:
    """Every fact or assumption the model uses, directly or through a derived parameter."""
    import ast

    from tjsim import expressions

    texts = []
    for spec in calibration.variables.values():
        texts.append(spec.equation)
        if spec.shock is not None:
            texts += [spec.shock.spread, spec.shock.df, spec.shock.skew]
    for event in calibration.events.values():
        texts += [event.probability, *event.impact.values(), event.size_spread]
    texts += [ref for _, _, ref in calibration.correlations]
    for target in calibration.targets.values():
        texts += [r.threshold for r in target.readings.values()]
    texts += [total.spread for total in calibration.totals.values()]
    quarterly = calibration.quarterly
    texts += [*quarterly.weights, quarterly.persistence, *quarterly.variables.values()]
    for group in calibration.share_groups:
        texts += list(group.parts)
    names: set[str] = set()
    pending = [t for t in texts if isinstance(t, str)]
    while pending:
        tree = expressions.parse(pending.pop())
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in calibration.derived:
                pending.append(calibration.derived[node.id])
        names |= expressions.names(tree)
    facts = {f.id for f in calibration.facts}
    return sorted(names & facts)


def _fingerprint(model) -> np.ndarray:
    """Everything a run depends on, flattened: constants, loadings, spreads, shapes,
    event probabilities and size spreads, correlations, targets."""
    shapes = [(m.spread, m.df, m.skew) for m in model.marginals]
    sizes = [0.0 if m is None else m.spread for m in model.event_marginals]
    return np.concatenate(
        [
            model.constant,
            model.loadings.ravel(),
            np.ravel(shapes),
            model.event_probabilities,
            sizes,
            model.correlation.ravel(),
            model.target_constant,
            model.target_loadings.ravel(),
        ]
    )


@pytest.mark.slow
def test_every_parameter_moves_some_indicator(calibration, base):
    """Perturb each model parameter: the compiled model (with quarters, so that their
    parameters count) must change, else the parameter silently does nothing."""
    from tjsim.model import build_model

    reference = _fingerprint(build_model(calibration, tjsim.baseline(), quarterly=True))
    params = calibration.parameters()
    # A part of a share group that must add up moves with a partner that compensates.
    partner = {}
    for group in calibration.share_groups:
        if group.exact:
            for a, b in zip(group.parts, (*group.parts[1:], group.parts[0]), strict=True):
                partner[a] = b
    inert = []
    for pid in _model_parameters(calibration):
        value = params[pid]
        for step in (0.01 * abs(value) or 0.01, -(0.01 * abs(value) or 0.01)):
            scenario = tjsim.baseline().with_parameter(pid, value + step)
            if pid in partner and partner[pid] in params:
                scenario = scenario.with_parameter(partner[pid], params[partner[pid]] - step)
            try:
                model = build_model(calibration, scenario, quarterly=True)
            except tjsim.TjsimError:
                continue  # outside its valid range on this side: try the other
            if model.dimension != base.dimension + 12:
                break
            if not np.allclose(_fingerprint(model), reference, rtol=0, atol=1e-12):
                break
        else:
            inert.append(pid)
    assert set(inert) <= set(INERT), f"parameters that move nothing: {sorted(inert)}"


def test_every_driver_moves_gdp_or_a_satellite(calibration, base):
    """Shifting a driver (or total investment) moves some other indicator."""
    drivers = [v for v, s in calibration.variables.items() if s.layer == "driver"]
    for vid in [*drivers, "investment"]:
        moved = compile_model(calibration, tjsim.baseline().with_shift(vid, 1.0))
        change = moved.constant - base.constant
        others = [i for i, name in enumerate(base.indicators) if name != vid]
        assert np.abs(change[others]).max() > 1e-6, vid


def test_lowering_a_demand_central_lowers_gdp_by_the_stated_elasticity(calibration, base):
    p = calibration.parameters()
    lowered = compile_model(
        calibration,
        tjsim.baseline().with_parameter(
            "nonproperty_investment_central", p["nonproperty_investment_central"] - 3
        ),
    )
    gdp = base.indicators.index("gdp_growth")
    fai = base.indicators.index("investment")
    share_fai = p["nonproperty_investment_share"] / 100
    assert lowered.constant[fai] - base.constant[fai] == pytest.approx(-3 * share_fai)
    elasticity = (
        p["share_industry_2023"] * p["industry_on_investment"]
        + p["share_construction_2023"] * p["construction_on_investment"]
        + p["share_other_services_2023"] * p["services_on_investment"]
    ) / 100
    assert elasticity == pytest.approx(p["investment_gdp_elasticity"])
    # Capital formation is about 40% of GDP; after land and leakage 0.10-0.15 per point.
    assert 0.10 <= elasticity <= 0.15
    assert lowered.constant[gdp] - base.constant[gdp] == pytest.approx(-3 * share_fai * elasticity)
    # The median moves by the same amount, on common random numbers.
    scenario = tjsim.baseline().with_parameter(
        "nonproperty_investment_central", p["nonproperty_investment_central"] - 3
    )
    now = tjsim.simulate(draws=100_000, seed=5, calibration=calibration).quantiles(0.5)
    then = tjsim.simulate(scenario, draws=100_000, seed=5, calibration=calibration).quantiles(0.5)
    change = then.loc["gdp_growth", 0.5] - now.loc["gdp_growth", 0.5]
    assert change == pytest.approx(-3 * share_fai * elasticity, abs=0.01)
    assert change <= -0.1


def test_investment_transmission_by_simulation(calibration):
    """Total investment 5 points lower moves GDP's median by the stated elasticity; a
    stimulus round is worth 0.2-0.3 points of GDP and a property slump about half a
    point, as policy experience sizes them (docs/calibration.md)."""
    p = calibration.parameters()

    def median(scenario):
        result = tjsim.simulate(scenario, draws=60_000, seed=5, calibration=calibration)
        return result.quantiles(0.5).loc["gdp_growth", 0.5]

    base = tjsim.baseline()
    fai = median(base.with_shift("investment", -5.0)) - median(base)
    assert fai == pytest.approx(-5 * p["investment_gdp_elasticity"], abs=0.01)
    stimulus = median(base.with_event("stimulus_round", 1.0)) - median(
        base.with_event("stimulus_round", 0.0)
    )
    assert 0.2 <= stimulus <= 0.3
    slump = median(base.with_event("property_slump", 1.0)) - median(
        base.with_event("property_slump", 0.0)
    )
    assert -0.7 <= slump <= -0.3
    # The statistical part of reported investment moves no output.
    noise = median(base.with_shift("investment_statistical", -5.0)) - median(base)
    assert noise == pytest.approx(0.0, abs=1e-9)


def test_references_are_the_centrals(calibration, base):
    """The drivers' reference levels are their centrals, so that the baseline's sectors sit
    at their centrals; and the satellites' GDP reference is the central case of GDP."""
    p = calibration.parameters()
    assert p["investment_reference"] == pytest.approx(p["investment_central"])
    for driver, central in [("retail", "retail"), ("exports", "exports"), ("credit", "credit")]:
        assert p[f"{driver}_reference"] == p[f"{central}_central"]
    assert p["cpi_reference"] == p["cpi_central"] and p["ppi_reference"] == p["ppi_central"]
    gdp = base.constant[base.indicators.index("gdp_growth")]
    assert p["gdp_reference"] == pytest.approx(gdp, abs=1e-3)


def test_district_exposures_follow_their_sector_mixes(calibration, base):
    """Each district, the rest of the city included, loads on each sector's own shock by
    its share of that sector: between 0 and 1, never negative."""
    p = calibration.parameters()
    for district in (*DISTRICTS, "rest"):
        row = base.loadings[base.indicators.index(f"district_{district}")]
        for sector in SECTORS:
            exposure = row[base.basis.index(f"{sector}_va")]
            assert 0.0 <= exposure <= 1.0, (district, sector, exposure)
            assert exposure == pytest.approx(p[f"{district}_mix_{sector}"] / 100), (
                district,
                sector,
            )
    # Adding up: share-weighted districts are the city in every draw.
    shares = [p["binhai_share_2023"]] + [p[f"district_share_2023_{d}"] for d in DISTRICTS[1:]]
    rows = [base.loadings[base.indicators.index(f"district_{d}")] for d in DISTRICTS]
    rest = base.loadings[base.indicators.index("district_rest")]
    city = base.loadings[base.indicators.index("gdp_growth")]
    total = (
        sum(s * r for s, r in zip(shares, rows, strict=True)) + p["share_rest_of_city_2023"] * rest
    )
    np.testing.assert_allclose(total / 100, city, atol=1e-12)


def test_the_rest_of_the_city_is_not_anti_industrial(calibration):
    """On the draws, the rest of the city rises with industry (the old residual fell)."""
    result = tjsim.simulate(draws=20_000, seed=3, keep_draws=True, calibration=calibration)
    draws = result.kept_draws
    slope = np.polyfit(draws["industry_va"], draws["district_rest"], 1)[0]
    assert slope > 0


def test_property_reaches_construction_once_through_investment(calibration, base):
    p = calibration.parameters()
    construction = base.loadings[base.indicators.index("construction_va")]
    slump = construction[base.basis.index("property_slump")]
    through_investment = (
        p["construction_on_investment"]
        * p["property_investment_share"]
        / 100
        * p["property_impact_investment"]
    )
    assert slump == pytest.approx(through_investment)
    assert "construction_va" not in calibration.events["property_slump"].impact


def test_events_include_upside_risks_and_a_split_tariff_risk(calibration, base):
    impacts = {
        eid: base.loadings[base.indicators.index("gdp_growth"), base.basis.index(eid)]
        for eid in calibration.events
    }
    assert any(v > 0 for v in impacts.values())
    p = calibration.parameters()
    assert p["tariff_narrow_probability"] > p["tariff_broad_probability"]
    assert abs(p["tariff_narrow_impact_exports"]) < abs(p["tariff_broad_impact_exports"])


def test_nominal_and_real_incomes_are_consistent(calibration):
    result = tjsim.simulate(draws=2_000, seed=4, keep_draws=True, calibration=calibration)
    draws = result.kept_draws
    np.testing.assert_allclose(
        draws["disposable_income_nominal"] - draws["disposable_income"], draws["cpi"], atol=1e-9
    )
    np.testing.assert_allclose(
        draws["rural_income_nominal"] - draws["rural_income"], draws["cpi"], atol=1e-9
    )
    np.testing.assert_allclose(
        draws["nominal_gdp_growth"] - draws["gdp_growth"], draws["gdp_deflator"], atol=1e-9
    )


def test_labour_and_revenue_are_policy_managed(calibration, base):
    """Jobs and unemployment respond weakly to growth and stay near their records."""
    result = tjsim.simulate(draws=100_000, seed=9, calibration=calibration)
    p = calibration.parameters()
    # the 95% quantile: the ordinary spread (the record's) and, in the break years that
    # reach it, only Okun's share of the break (a tenth)
    top = (
        p["unemployment_central"]
        + 1.645 * p["unemployment_core_spread"]
        + p["okun_coefficient"] * abs(p["gdp_break_impact"])
    )
    assert result.quantiles(0.95).loc["unemployment_rate", 0.95] < top
    assert result.probabilities().loc["urban_jobs", "probability"] > 0.6
    gdp = base.basis.index("momentum")
    jobs = base.loadings[base.indicators.index("urban_jobs"), gdp]
    assert 0 < jobs < 0.5  # ten-thousand jobs per point of GDP
    # Nominal revenue has a producer-price channel.
    revenue = base.loadings[base.indicators.index("budget_revenue_growth")]
    assert revenue[base.basis.index("ppi")] > 0


def test_totals_hold_in_the_compiled_model(calibration, base):
    """The solved free spreads give each total's indicator its derived spread exactly."""
    p = calibration.parameters()
    _, cov = basis_moments(base.marginals, base.event_probabilities, base.correlation)
    tail = [
        j
        for j, b in enumerate(base.basis)
        if b in calibration.events and calibration.events[b].tail
    ]
    cov[tail, :] = cov[:, tail] = 0.0
    for vid, total in calibration.totals.items():
        row = base.loadings[base.indicators.index(vid)].copy()
        if total.relative_to:
            row -= base.loadings[base.indicators.index(total.relative_to)]
        assert np.sqrt(row @ cov @ row) == pytest.approx(p[str(total.spread)], rel=1e-9), vid
    assert set(base.solved_spreads) == {t.free for t in calibration.totals.values()}


def test_a_parameter_override_resolves_but_a_driver_scale_widens(calibration, base):
    """Parameters recalibrate (the total spread is kept); a scenario's scale adds
    uncertainty (the total grows)."""
    gdp = base.indicators.index("gdp_growth")

    def spread(model):
        _, cov = basis_moments(
            model.marginals,
            model.event_probabilities,
            model.correlation,
            event_marginals=model.event_marginals,
        )
        tail = model.basis.index("regime_break")
        cov[tail, :] = cov[:, tail] = 0.0
        return np.sqrt(model.loadings[gdp] @ cov @ model.loadings[gdp])

    p = calibration.parameters()
    recalibrated = compile_model(
        calibration, tjsim.baseline().with_parameter("industry_spread", 0.2)
    )
    assert spread(recalibrated) == pytest.approx(p["gdp_reporting_sd"])
    wider = compile_model(calibration, tjsim.baseline().with_scale("exports", 2.0))
    assert spread(wider) > p["gdp_reporting_sd"] + 0.02  # exports are a small part of it


def _ordinary_event_mean(model, calibration) -> float:
    """The ordinary (not tail) events' expected effect on GDP, from the compiled model."""
    gdp = model.indicators.index("gdp_growth")
    k = model.n_shocks
    return sum(
        p * loading
        for name, p, loading in zip(
            model.basis[k:], model.event_probabilities, model.loadings[gdp, k:], strict=True
        )
        if not calibration.events[name].tail
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"property_probability": 0.5, "industry_on_investment": 0.2},
        {"flood_impact_industry": -1.0, "services_on_exports": 0.1, "stimulus_probability": 0.9},
        {"flood_probability": 0.2, "tariff_broad_impact_exports": -15.0},
    ],
)
def test_gdp_ordinary_mean_is_the_fitted_mean(calibration, changes):
    """The ordinary events' expected effect written as a parameter expression is the
    compiled model's, so GDP's ordinary-year mean is the fitted mean whatever the
    parameters; the central case is that mean less the events' effect, and it is the
    satellites' GDP reference."""
    scenario = tjsim.baseline()
    for pid, value in changes.items():
        scenario = scenario.with_parameter(pid, value)
    model = compile_model(calibration, scenario)
    p = model.parameters
    events = _ordinary_event_mean(model, calibration)
    assert p["gdp_ordinary_events_mean"] == pytest.approx(events, abs=1e-12)
    gdp = model.indicators.index("gdp_growth")
    assert model.constant[gdp] + events == pytest.approx(p["gdp_reporting_mean"], abs=1e-12)
    assert p["gdp_reference"] == pytest.approx(model.constant[gdp], abs=1e-12)
    tail = p["gdp_break_probability"] * p["gdp_break_impact"]
    assert model.mean[gdp] == pytest.approx(p["gdp_reporting_mean"] + tail, abs=1e-12)


def test_a_sector_central_recomposes_gdp_but_a_driver_moves_it(calibration, base):
    """A sector's central re-splits GDP's fitted centre among the sectors (the momentum
    centre absorbs it); a driver's central away from its reference level, or a
    scenario's shift, moves GDP by the elasticities."""
    p = calibration.parameters()
    gdp = base.indicators.index("gdp_growth")
    industry = base.indicators.index("industry_va")
    raised = compile_model(
        calibration, tjsim.baseline().with_parameter("industry_central", p["industry_central"] + 1)
    )
    assert raised.constant[gdp] == pytest.approx(base.constant[gdp], abs=1e-12)
    share = p["share_industry_2023"] / 100
    assert raised.constant[industry] - base.constant[industry] == pytest.approx(1 - share)
    shifted = compile_model(calibration, tjsim.baseline().with_shift("exports", -5.0))
    assert shifted.constant[gdp] - base.constant[gdp] == pytest.approx(-5 * p["gdp_on_exports"])
