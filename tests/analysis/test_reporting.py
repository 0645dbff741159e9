"""The reporting model: its distribution's closed forms, a fit recovering known
parameters from a simulated panel, predictions and Tianjin's fitted numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import tjsim
from tjsim.analysis import reporting
from tjsim.analysis.reporting import Choices, GrowthDistribution, ReportingModel
from tjsim.errors import TjsimError
from tjsim.marginals import Marginal


# ---------------------------------------------------------------------------- distribution
def test_without_skew_or_breaks_the_distribution_is_normal():
    d = GrowthDistribution(4.2, 0.8)
    x = np.linspace(1.0, 7.0, 13)
    norm = stats.norm(4.2, 0.8)
    np.testing.assert_allclose(d.cdf(x), norm.cdf(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(d.logpdf(x), norm.logpdf(x), rtol=1e-12)
    p = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    np.testing.assert_allclose(d.ppf(p), norm.ppf(p), atol=1e-8)
    assert d.mean == 4.2 and d.median == pytest.approx(4.2) and d.std == pytest.approx(0.8)


@pytest.mark.parametrize(
    "d",
    [
        GrowthDistribution(4.0, 0.7, -0.3, 0.15, -3.5, 2.0),
        GrowthDistribution(4.0, 0.7, 0.4, 0.2, 1.5, 0.5),
        GrowthDistribution(4.0, 0.7, -0.3, 0.1, -3.0, 0.0),  # a break of one size
        GrowthDistribution(4.0, 0.7, 0.0, 0.25, -4.0, 3.0),
    ],
)
def test_the_cdf_integrates_the_pdf_and_the_ppf_inverts_it(d):
    for x in (-6.0, 0.5, 3.3, 4.0, 4.4, 6.0):
        area, _ = integrate.quad(
            d.pdf, -40.0, x, points=[d.mode, d.mode + d.break_impact], limit=200
        )
        assert d.cdf(x) == pytest.approx(area, abs=1e-7), x
    total, _ = integrate.quad(d.pdf, -60.0, 60.0, points=[d.mode], limit=200)
    assert total == pytest.approx(1.0, abs=1e-7)
    p = np.array([0.001, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999])
    np.testing.assert_allclose(d.cdf(d.ppf(p)), p, atol=1e-9)
    first, _ = integrate.quad(lambda x: x * d.pdf(x), -60.0, 60.0, points=[d.mode], limit=200)
    assert d.mean == pytest.approx(first, abs=1e-6)


def test_the_ordinary_component_is_the_marginals_two_piece_centred():
    """Same parametrisation as tjsim.marginals: its centred two-piece has mean zero, so
    the ordinary component's mean is the centre."""
    d = GrowthDistribution(4.5, 0.9, -0.35)
    m = Marginal("two_piece", 0.9, skew=-0.35)
    z = stats.norm.ppf(np.linspace(0.001, 0.999, 999))
    np.testing.assert_allclose(d.cdf(4.5 + m.from_normal(z)), stats.norm.cdf(z), atol=1e-9)
    assert d.std == pytest.approx(m.std)


def test_sample_moments_match():
    d = GrowthDistribution(4.3, 0.8, -0.25, 0.15, -3.5, 2.0)
    draws = d.sample(400_000, seed=7)
    se = d.std / math.sqrt(len(draws))
    assert abs(draws.mean() - d.mean) < 4 * se
    assert draws.var() == pytest.approx(d.variance, rel=0.02)
    assert np.mean(draws <= 3.0) == pytest.approx(d.cdf(3.0), abs=0.003)
    np.testing.assert_array_equal(
        d.sample(10, seed=7), d.sample(10, seed=np.random.SeedSequence(7))
    )
    assert not np.array_equal(d.sample(10, seed=1), d.sample(10, seed=2))


def test_probabilities_under_each_reading():
    d = GrowthDistribution(4.6, 0.6, target=4.5, qualifier="左右")
    odds = d.probabilities()
    assert list(odds.index) == ["strict", "published", "about"]
    assert odds.loc["published", "threshold"] == pytest.approx(4.45)
    assert odds.loc["about", "threshold"] == pytest.approx(4.5 - reporting.ABOUT_TOLERANCE - 0.05)
    assert odds.loc["strict", "probability"] == pytest.approx(1 - stats.norm.cdf(4.5, 4.6, 0.6))
    assert odds["probability"].is_monotonic_increasing
    floor = GrowthDistribution(4.6, 0.6, target=4.5, qualifier="以上").probabilities()
    assert list(floor.index) == ["strict", "published"]  # no tolerance for 以上
    assert "P(met), about" in repr(d) and "<table" in d._repr_html_()


def test_the_about_tolerance_is_gdps_in_the_calibration():
    cal = tjsim.load_calibration()
    assert cal.parameters()["about_tolerance"] == reporting.ABOUT_TOLERANCE
    readings = cal.targets["gdp_growth"]
    assert "about_tolerance" in str(readings)


def test_bad_distributions_are_refused():
    with pytest.raises(ValueError, match="spread"):
        GrowthDistribution(4.0, 0.0)
    with pytest.raises(ValueError, match="skew"):
        GrowthDistribution(4.0, 1.0, skew=1.0)


# ---------------------------------------------------------------------------- fit
TRUE = {
    "beta": -0.3,
    "tau": 0.5,
    "w": 0.3,
    "spread": 0.8,
    "skew": -0.3,
    "break_probability": 0.1,
    "break_impact": -4.0,
    "break_spread": 1.0,
}


def simulated_panel(
    seed: int = 11, regions: int = 100, years: int = 12, **true: float
) -> pd.DataFrame:
    """A panel drawn from the model: each region's outturn feeds the next year's stand-in
    (its previous outturn), targets move around the previous outturn."""
    p = {**TRUE, **true}
    rng = np.random.default_rng(seed)
    error = GrowthDistribution(0.0, p["spread"], p["skew"])
    rows = []
    for r in range(regions):
        bias = p["beta"] + p["tau"] * rng.standard_normal()
        previous = rng.uniform(4.0, 9.0)
        rows.append({"region": f"r{r:02d}", "year": 2000, "target": math.nan, "outturn": previous})
        for year in range(2001, 2001 + years):
            target = round(previous + rng.normal(0.0, 1.0), 1)
            s = previous - target
            gap = bias + p["w"] * (s - bias) + error.sample(1, rng)[0]
            if rng.random() < p["break_probability"]:
                gap += p["break_impact"] + p["break_spread"] * rng.standard_normal()
            outturn = target + gap
            rows.append({"region": f"r{r:02d}", "year": year, "target": target, "outturn": outturn})
            previous = outturn
    frame = pd.DataFrame(rows)
    frame["qualifier"] = ""
    return frame


def test_a_fit_recovers_known_parameters():
    panel = simulated_panel()
    choices = Choices(
        stand_in="previous", pooling="partial", error="two-piece", breaks="random", labels="latent"
    )
    model = reporting.fit_reporting_model(panel, choices)
    got = model.parameters
    tolerance = {
        "beta": 0.15,
        "tau": 0.15,
        "w": 0.08,
        "spread": 0.12,
        "skew": 0.15,
        "break_probability": 0.04,
        "break_impact": 0.6,
        "break_spread": 0.6,
    }
    misses = {k: (got[k], TRUE[k]) for k in TRUE if abs(got[k] - TRUE[k]) > tolerance[k]}
    assert not misses, misses
    assert model.n_pairs == 100 * 12 and model.converged


def test_the_fit_is_deterministic_and_fixed_choices_hold():
    panel = simulated_panel(regions=20, years=6)
    a = ReportingModel.fit(panel, stand_in="none", error="normal", breaks="none")
    b = ReportingModel.fit(panel, stand_in="none", error="normal", breaks="none")
    assert a.parameters == b.parameters
    assert a.w == 0 and a.skew == 0 and a.break_probability == 0
    frame = a.to_frame()
    assert not frame.loc["w", "fitted"] and frame.loc["beta", "fitted"]
    with pytest.raises(TjsimError, match="pooling must be one of"):
        Choices(pooling="partly")


def test_complete_pooling_without_breaks_is_the_normal_maximum_likelihood():
    panel = simulated_panel(regions=15, years=5)
    model = ReportingModel.fit(
        panel, stand_in="none", pooling="complete", error="normal", breaks="none"
    )
    gaps = reporting.panel_pairs(panel)["gap"]
    assert model.beta == pytest.approx(gaps.mean(), abs=1e-4)
    assert model.spread == pytest.approx(gaps.std(ddof=0), abs=1e-4)


# ---------------------------------------------------------------------------- predict
@pytest.fixture(scope="module")
def model():
    return tjsim.reporting_model()


def test_predict_any_region(model):
    d = model.predict("Zhejiang", 5.5, "以上", year=2024)
    assert d.region == "浙江" and d.target == 5.5
    assert 0 < d.probabilities().loc["published", "probability"] < 1
    bias, _ = model.region_bias("浙江")
    w = model.w if math.isfinite(model.stand_in("浙江", 2024, 5.5)) else 0.0
    gap = model.stand_in("浙江", 2024, 5.5)
    expected = 5.5 + (1 - w) * bias + (w * gap if w else 0.0)
    assert d.centre == pytest.approx(expected)
    no_projection = model.predict("浙江", 5.5)
    assert no_projection.centre == pytest.approx(5.5 + bias)
    with pytest.raises(TjsimError, match="did you mean"):
        model.predict("Tianjn", 4.5)
    with pytest.raises(TjsimError, match="qualifier"):
        model.predict("tianjin", 4.5, "roughly")


def test_tianjin_2024_numbers_are_its_distribution(model):
    numbers = reporting.gdp_distribution(model)
    assert list(numbers) == [
        "gdp_reporting_mean",
        "gdp_reporting_spread",
        "gdp_reporting_skew",
        "gdp_break_probability",
        "gdp_break_impact",
        "gdp_break_spread",
    ]
    projection = reporting.sectoral_projection()
    assert projection == pytest.approx(4.26, abs=0.01)
    d = model.predict("天津", 4.5, "左右", projection=projection, year=2024)
    assert numbers["gdp_reporting_mean"] == d.centre and numbers["gdp_reporting_spread"] == d.spread
    assert numbers["gdp_break_probability"] == d.break_probability
    # the engine's recipe, Y = mean + TP(spread, skew) + B * D, is this distribution
    rng = np.random.default_rng(5)
    n = 200_000
    tp = Marginal("two_piece", numbers["gdp_reporting_spread"], skew=numbers["gdp_reporting_skew"])
    y = numbers["gdp_reporting_mean"] + (
        tp.from_normal(rng.standard_normal(n)) if tp.skew else tp.spread * rng.standard_normal(n)
    )
    broken = rng.random(n) < numbers["gdp_break_probability"]
    y += np.where(
        broken, rng.normal(numbers["gdp_break_impact"], numbers["gdp_break_spread"], n), 0.0
    )
    assert np.mean(y >= 4.45) == pytest.approx(1 - d.cdf(4.45), abs=0.005)


def test_the_committed_fitted_yaml_is_a_fresh_fit(model):
    """Same facts, labels and sources; the same values to the optimiser's precision (the
    file rounds to 4 significant digits, and a last digit may differ between platforms)."""
    import yaml

    committed = yaml.safe_load(reporting.fitted_path().read_text(encoding="utf-8"))["facts"]
    fresh = yaml.safe_load(reporting.fitted_yaml(model))["facts"]
    stale = "data/tianjin/fitted.yaml is stale: run `python -m tjsim.analysis.reporting --write`"
    assert [{k: v for k, v in f.items() if k != "value"} for f in committed] == [
        {k: v for k, v in f.items() if k != "value"} for f in fresh
    ], stale
    for old, new in zip(committed, fresh, strict=True):
        assert old["value"] == pytest.approx(new["value"], rel=2e-3, abs=2e-4), (old["id"], stale)
    header = reporting.fitted_path().read_text(encoding="utf-8").split("facts:")[0]
    assert "Generated by\n# `python -m tjsim.analysis.reporting --write`" in header
    assert {f["kind"] for f in committed} == {"fitted"}
    assert [f["id"] for f in committed][:6] == list(reporting.gdp_distribution(model))


def test_the_sectoral_projection_behaves_like_the_stand_in_for_tianjin(model):
    """The weight w is estimated on a stand-in (the previous year's outturn); Tianjin's
    sectoral projection is the only real one, for 2024. Its gap to the target should be
    an ordinary value of the stand-in's gap on Tianjin's years, and close to the
    stand-in's own 2024 value (the 2023 outturn, 4.3)."""
    projection_gap = reporting.sectoral_projection() - 4.5
    stand_in_2024 = model.stand_in("天津", 2024, 4.5)
    assert stand_in_2024 == pytest.approx(4.3 - 4.5)
    pairs = reporting.panel_pairs(tjsim.panel(), "previous")
    own = pairs.loc[pairs["region"] == "天津", "projection_gap"].dropna()
    ordinary = pairs["projection_gap"].dropna()
    assert abs(projection_gap - stand_in_2024) < 0.25 * ordinary.std()
    assert own.min() <= projection_gap <= own.max()
    # and the difference moves Tianjin's centre by |w| times it, a few hundredths
    a = model.predict("天津", 4.5, projection=4.5 + projection_gap).centre
    b = model.predict("天津", 4.5, year=2024).centre
    assert abs(a - b) == pytest.approx(abs(model.w * (projection_gap - stand_in_2024)), abs=1e-9)


def test_model_text_and_html(model):
    text = str(model)
    for name in reporting.PARAMETERS:
        assert name in text
    assert "<table" in model._repr_html_()
    resp = model.responsibilities()
    assert len(resp) == model.n_pairs and resp["break_probability"].between(0, 1).all()


# ---------------------------------------------------------------------------- tjsim odds
def test_odds_prices_a_file_of_targets(tmp_path, capsys, model):
    from tjsim.cli import main

    path = tmp_path / "targets.csv"
    path.write_text(
        "region,target,qualifier\ntianjin,4.5,左右\nZhejiang,5.5,以上\n北京,5,\n", encoding="utf-8"
    )
    out = tmp_path / "odds.csv"
    assert main(["odds", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "天津" in text and "浙江" in text and "published" in text
    table = pd.read_csv(out)
    assert list(table["region"]) == ["天津", "浙江", "北京"]
    expected = model.predict("tianjin", 4.5, "左右").probabilities()["probability"]
    assert table.loc[0, "published"] == pytest.approx(expected["published"])
    assert table.loc[0, "about"] == pytest.approx(expected["about"])
    assert math.isnan(table.loc[1, "about"])  # 以上 has no tolerance


def test_odds_for_one_region_by_options(capsys):
    from tjsim.cli import main

    args = ["odds", "--region", "Tianjin", "--target", "4.5", "--qualifier", "左右"]
    assert main([*args, "--projection", "4.26"]) == 0
    assert "天津" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "region,target\nTianjn,4.5\n",
            "line 2: unknown region 'Tianjn' (did you mean 'tianjin'?)",
        ),
        ("region,qualifier\ntianjin,左右\n", "missing column 'target'"),
        ("region,target\ntianjin,four\n", "line 2: column 'target' is not a number"),
        ("region,target,qualifier\ntianjin,4.5,roughly\n", "qualifier must be"),
    ],
)
def test_odds_refuses_bad_files_with_a_message(tmp_path, capsys, content, message):
    from tjsim.cli import main

    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert main(["odds", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err and "Traceback" not in err
    assert main(["odds", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["odds"]) == 2


# ---------------------------------------------------------------------------- from the record
def test_the_fitted_numbers_follow_the_region_and_ids_the_record_names(model, tmp_path):
    """The writer takes the region, target and ids from the calibration's record: the
    same calibration with another panel region writes that region's numbers."""
    import shutil

    import yaml

    from tjsim.calibration import calibration_folder

    target = reporting.fitted_target()
    assert (target.region, target.english, target.year) == ("天津", "Tianjin", 2024)
    assert (target.fact, target.value, target.qualifier) == ("target_gdp_growth_2024", 4.5, "左右")
    folder = tmp_path / "cal"
    shutil.copytree(calibration_folder(), folder)
    model_yaml = folder / "model.yaml"
    model_yaml.write_text(
        model_yaml.read_text(encoding="utf-8").replace(
            "panel_region: tianjin", "panel_region: Zhejiang"
        ),
        encoding="utf-8",
    )
    other = tjsim.load_calibration(folder)
    numbers = reporting.gdp_distribution(model, other)
    d = model.predict(
        "浙江",
        target.value,
        target.qualifier,
        projection=reporting.sectoral_projection(),
        year=target.year,
    )
    assert numbers["gdp_reporting_mean"] == d.centre and numbers["gdp_reporting_skew"] == d.skew
    assert numbers != reporting.gdp_distribution(model)
    assert reporting.write_fitted(calibration=other) == folder / "fitted.yaml"
    text = (folder / "fitted.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Zhejiang calibration") and "Tianjin" not in text
    facts = {f["id"]: f for f in yaml.safe_load(text)["facts"]}
    assert facts["gdp_reporting_bias"]["label"].startswith("Zhejiang's bias")
    assert facts["gdp_reporting_bias"]["value"] == pytest.approx(model.region_bias("浙江")[0], 1e-3)


def test_a_calibration_without_fitted_numbers_says_so():
    china = tjsim.load_calibration("china")
    assert reporting.panel_region(china) is None and reporting.fitted_spec(china) is None
    assert reporting.distribution_parameters(china) == ()
    assert reporting.projection_parameter(china) == "gdp_sector_projection"
    assert reporting.sectoral_projection(china) == china.parameters()["gdp_sector_projection"]
    with pytest.raises(TjsimError, match="china calibration states no fitted numbers"):
        reporting.fitted_yaml(calibration=china)


def test_the_old_names_still_work_with_a_deprecation_warning(model):
    with pytest.warns(DeprecationWarning, match="gdp_distribution"):
        old = reporting.tianjin_gdp_distribution
    assert old(model) == reporting.gdp_distribution(model)
    with pytest.warns(DeprecationWarning, match="distribution_parameters"):
        assert reporting.DISTRIBUTION_PARAMETERS == reporting.distribution_parameters()
    with pytest.warns(DeprecationWarning, match="projection_parameter"):
        assert reporting.PROJECTION_PARAMETER == "gdp_sector_projection"
    with pytest.warns(DeprecationWarning, match="fitted_target"):
        assert reporting.TARGET_FACT == "target_gdp_growth_2024"
    with pytest.warns(DeprecationWarning, match="fitted_target"):
        assert reporting.TIANJIN_2024 == {"region": "天津", "year": 2024, "qualifier": "左右"}
    with pytest.warns(DeprecationWarning, match="fitted_path"):
        assert reporting.FITTED_FILE == ("data", "tianjin", "fitted.yaml")
    with pytest.raises(AttributeError, match="TIANJIN_2025"):
        reporting.TIANJIN_2025  # noqa: B018


def test_the_fitted_numbers_tool_refuses_a_calibration_without_them_in_one_line(capsys):
    from tjsim.analysis.reporting import main

    with pytest.raises(SystemExit) as stop:
        main(["--calibration", "china"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "states no fitted numbers" in err
