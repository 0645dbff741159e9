"""SimulationResult: tables, displays and figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import tjsim


@pytest.fixture(scope="module")
def result():
    return tjsim.simulate(draws=40_000, seed=12)


def test_probabilities_table(result):
    table = result.probabilities()
    assert {
        "probability",
        "std_error",
        "ci_low",
        "ci_high",
        "reading",
        "indicator",
        "wording",
    } <= set(table.columns)
    assert table.index.name == "target"
    assert len(table) == 16
    assert (
        (table["ci_low"] <= table["probability"]) & (table["probability"] <= table["ci_high"])
    ).all()
    mc_error = np.sqrt(table["probability"] * (1 - table["probability"]) / 40_000)
    np.testing.assert_allclose(table["std_error"], mc_error)


def test_joint_count_and_conditional(result):
    joint = result.joint()
    assert list(joint.index) == ["probability", "std_error", "ci_low", "ci_high"]
    count = result.count_met()
    assert count["probability"].sum() == pytest.approx(1.0)
    assert count["probability"].iloc[-1] == pytest.approx(joint["probability"])
    assert count["at_least"].iloc[0] == pytest.approx(1.0)
    expected_count = (count.index * count["probability"]).sum()
    assert expected_count == pytest.approx(result.probabilities()["probability"].sum())
    cond = result.conditional()
    np.testing.assert_allclose(np.diag(cond), 1.0)
    probs = result.probabilities()["probability"]
    # P(A|B) P(B) = P(B|A) P(A)
    a, b = "gdp_growth", "district_binhai"
    assert cond.loc[a, b] * probs[b] == pytest.approx(cond.loc[b, a] * probs[a])
    assert cond.loc["district_binhai", "gdp_growth"] > probs["district_binhai"]


def test_quantiles_summary_and_frame(result):
    quant = result.quantiles()
    for ident in [
        "gdp_growth",
        "unemployment_rate",
        "container_throughput",
        "budget_revenue_growth",
        "district_binhai",
        "district_rest",
    ]:
        assert ident in quant.index
    assert (np.diff(quant.to_numpy(), axis=1) >= 0).all()
    assert list(result.quantiles(0.5).columns) == [0.5]
    with pytest.raises(ValueError, match="quantile"):
        result.quantiles(1.5)
    summary = result.summary()
    assert {"central", "mean", "median", "std", "q05", "q95", "probability"} <= set(summary.columns)
    assert summary.loc["gdp_growth", "median"] == quant.loc["gdp_growth", 0.5]
    central = result.model.constant[result.model.indicators.index("gdp_growth")]
    assert summary.loc["gdp_growth", "central"] == central
    frame = result.to_frame()
    assert {"label", "unit", "baseline", "central", "expected", "mean", "std", "q50"} <= set(
        frame.columns
    )


def test_metadata_and_displays(result):
    meta = result.metadata
    assert meta["seed"] == 12 and meta["draws"] == 40_000 and meta["method"] == "mc"
    assert meta["dimension"] == result.dimension == len(result.model.basis)
    assert meta["calibration"] == "tianjin" and meta["calibration_version"]
    text = str(result)
    for target in result.probabilities().index:
        assert target in text
    assert "joint" in text and "%" in text
    html = result._repr_html_()
    assert html.count("<tr>") == (1 + 10) + (1 + 17)  # the headline table, then all
    assert "seed=12" in repr(result)


def test_figures(result):
    from matplotlib.axes import Axes

    ax = result.plot()
    assert isinstance(ax, Axes)
    assert len(ax.patches) == 17  # 16 targets and the joint probability
    ax = result.plot_distribution("gdp_growth")
    # The line is the threshold that decides: 4.5 as published, 4.45 before rounding.
    assert any(abs(line.get_xdata()[0] - 4.45) < 1e-12 for line in ax.get_lines())
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, 2)
    assert result.plot("container_throughput", ax=axes[0]) is axes[0]
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'gdp_growth'"):
        result.plot_distribution("gdp_grwth")


def test_a_distributions_target_says_how_the_published_figure_is_read(result):
    """The target's line is named with the published figure it reads ("4.45 (4.5% as
    published, rounded to 0.1)"), inside the figure, and no text of the axes overlaps
    the quantiles' legend (the name once sat at the line's top, under the legend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    for indicator, expected in [
        ("gdp_growth", "target gdp_growth: 4.45\n(4.5% as published, rounded to 0.1)"),
        (
            "unemployment_rate",
            "target unemployment_rate: 5.55\n(5.5% as published, rounded to 0.1)",
        ),
        ("container_throughput", "target container_throughput: 2300"),  # not rounded
    ]:
        figure = Figure(figsize=(7.0, 3.6), layout="constrained")
        FigureCanvasAgg(figure)
        ax = result.plot_distribution(indicator, ax=figure.subplots())
        figure.canvas.draw()
        names = [t for t in ax.texts if t.get_text().startswith("target ")]
        assert [t.get_text() for t in names] == [expected], indicator
        legend = ax.get_legend().get_window_extent()
        clashes = [t.get_text() for t in ax.texts if t.get_window_extent().overlaps(legend)]
        assert not clashes, (indicator, clashes)
        page = figure.bbox
        for t in names:
            box = t.get_window_extent()
            assert page.x0 <= box.x0 and box.x1 <= page.x1, (indicator, box)
    conditioned = tjsim.simulate(draws=5_000, seed=1, observed={"gdp_growth": {"Q1": 5.0}})
    ax = conditioned.plot_fan("gdp_growth")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "target 4.45 (4.5% as published, rounded to 0.1)" in labels


def test_targets_keep_the_published_figure_and_its_rounding(result):
    gdp = next(t for t in result.model.primary_targets if t.id == "gdp_growth")
    assert (gdp.published, gdp.rounding, gdp.threshold) == (4.5, 0.1, pytest.approx(4.45))
    jobs = next(t for t in result.model.primary_targets if t.id == "urban_jobs")
    assert (jobs.published, jobs.rounding) == (jobs.threshold, 0.0)


def test_import_does_not_load_matplotlib_or_pandas():
    import subprocess
    import sys

    code = "import sys, tjsim; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_draws_frame(result):
    small = tjsim.simulate(draws=1_000, seed=1, keep_draws=True)
    frame = small.kept_draws
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (1_000, len(small.model.indicators))


# ------------------------------------------------------------------ the headline goals
#: The calibration's headline goals (tests/calibration/test_calibration.py pins which they are).
HEADLINE = [tid for tid, spec in tjsim.load_calibration().targets.items() if spec.headline]


def _flags(model, values: np.ndarray, targets) -> np.ndarray:
    """Per-draw met flags of ``targets`` from kept indicator values (the rule as stated)."""
    column = {name: i for i, name in enumerate(model.indicators)}
    ops = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
    out = []
    for t in targets:
        left = values[:, column[t.indicator]]
        if t.compare_to is None:
            right = t.threshold
        else:
            loosen = t.tolerance if t.op in (">=", ">") else -t.tolerance
            right = values[:, column[t.compare_to]] - loosen
        out.append(ops[t.op](left, right))
    return np.array(out).T


def test_headline_table(result):
    table = result.headline()
    assert list(table.index) == [*HEADLINE, "joint", "at_least_7"]
    assert list(table.columns) == list(result.probabilities().columns)
    probs = result.probabilities()
    pd.testing.assert_frame_equal(table.loc[HEADLINE], probs.loc[HEADLINE])
    counts = result.accumulator.headline_count
    assert counts.sum() == result.n_draws
    assert table.loc["joint", "probability"] == counts[8] / result.n_draws
    assert table.loc["at_least_7", "probability"] == (counts[7] + counts[8]) / result.n_draws
    assert table.loc["joint", "label"] == "All eight headline goals met together"
    assert table.loc["at_least_7", "label"] == "At least seven of the eight headline goals met"
    for name in ("joint", "at_least_7"):
        p = table.loc[name, "probability"]
        assert table.loc[name, "std_error"] == pytest.approx(np.sqrt(p * (1 - p) / 40_000))
        assert table.loc[name, "ci_low"] <= p <= table.loc[name, "ci_high"]
    # all sixteen together cannot be likelier than the eight
    assert result.joint()["probability"] <= table.loc["joint", "probability"]


def test_headline_counts(result):
    counts = result.headline_counts()
    assert list(counts.index) == list(range(9)) and counts.index.name == "headline_met"
    assert counts["probability"].sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(
        counts["probability"], result.accumulator.headline_count / result.n_draws
    )
    assert counts["at_least"].iloc[0] == 1.0
    table = result.headline()
    assert counts.loc[8, "probability"] == table.loc["joint", "probability"]
    assert counts.loc[7, "at_least"] == pytest.approx(table.loc["at_least_7", "probability"])
    assert counts.loc[7, "at_least_std_error"] == pytest.approx(
        table.loc["at_least_7", "std_error"]
    )
    # the mean number met is the sum of the eight probabilities
    mean = (counts.index * counts["probability"]).sum()
    assert mean == pytest.approx(table.loc[HEADLINE, "probability"].sum())


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_headline_counts_are_the_kept_draws_flags(calibration, method):
    run = tjsim.simulate(
        draws=6_000, seed=5, method=method, keep_draws=True, calibration=calibration
    )
    heads = run.model.headline_targets
    assert [t.id for t in heads] == HEADLINE
    flags = _flags(run.model, run.kept, heads)
    number = flags.sum(axis=1)
    np.testing.assert_array_equal(run.accumulator.headline_count, np.bincount(number, minlength=9))
    table = run.headline()
    assert table.loc["joint", "probability"] == flags.all(axis=1).mean()
    assert table.loc["at_least_7", "probability"] == (number >= 7).mean()
    if method == "antithetic":
        half = run.n_draws // 2  # one block: draw i is paired with draw half + i
        pairs = np.zeros((9, 9), dtype=np.int64)
        np.add.at(pairs, (number[:half], number[half:]), 1)
        np.testing.assert_array_equal(run.accumulator.headline_pairs, pairs)
        # the error of P(all eight) is the spread of the pair means
        both = flags.all(axis=1).astype(float)
        pair_means = (both[:half] + both[half:]) / 2
        se = pair_means.std(ddof=1) / np.sqrt(half)
        assert table.loc["joint", "std_error"] == pytest.approx(se)
    if method == "sobol":
        assert (
            sum(run.accumulator.group_headline.values()).tolist()
            == np.bincount(number, minlength=9).tolist()
        )
    assert (table["std_error"] > 0).all()


def test_headline_follows_the_scenario(calibration, tmp_path):
    scenario = (
        tjsim.baseline()
        .without_target("cpi")
        .with_target("gdp_growth", threshold=4.0)
        .with_target("containers", indicator="container_throughput", op=">", threshold=2300)
        .with_target("industry_fast", indicator="industry_va", op=">", threshold=5.0, headline=True)
    )
    run = tjsim.simulate(scenario, draws=4_000, seed=3, calibration=calibration)
    table = run.headline()
    ids = [t for t in HEADLINE if t != "cpi"] + ["industry_fast"]
    assert list(table.index) == [*ids, "joint", "at_least_7"]
    assert table.loc["joint", "label"] == "All eight headline goals met together"
    assert "at least 7 of the 8" in table.loc["at_least_7", "reading"]
    path = tmp_path / "again.yaml"
    path.write_text(scenario.to_yaml(), encoding="utf-8")
    again = tjsim.load_scenario(path)
    assert again.targets["industry_fast"].headline is True
    assert again.targets["containers"].headline is None
    dropped = tjsim.baseline()
    for tid in HEADLINE:
        dropped = dropped.without_target(tid)
    none = tjsim.simulate(dropped, draws=1_000, seed=3, calibration=calibration)
    with pytest.raises(ValueError, match="no headline targets"):
        none.headline()
    assert "headline" not in str(none)


def test_summary_leads_with_the_headline_goals(result):
    summary = result.summary()
    assert list(summary.index[:8]) == HEADLINE and summary["headline"].sum() == 8
    assert not summary["headline"].iloc[8:].any()


def test_printouts_lead_with_the_headline_goals(result):
    text = str(result)
    assert text.index("The plan's eight headline goals") < text.index("All sixteen targets")
    assert "at least 7 of the 8 met" in text and "all 8 headline targets met" in text
    page = result._repr_html_()
    assert page.index("headline goals") < page.index("All sixteen targets")
    assert page.count("<table>") == 2


def test_the_tolerant_in_step_reading_lies_between_strict_and_always(result):
    wide = result.readings()
    assert wide.loc["budget_revenue", "in_force"] == "headline"
    assert wide.loc["disposable_income", "in_force"] == "real"
    for tid, strict in (("budget_revenue", "headline"), ("disposable_income", "real")):
        assert wide.loc[tid, strict] < wide.loc[tid, "basically"] < 1.0
    rule = result.readings(detail=True).loc[("disposable_income", "basically"), "rule"]
    assert rule == "basically: disposable_income >= gdp_growth - 0.3"


def test_tolerant_reading_draw_by_draw(calibration):
    run = tjsim.simulate(draws=4_000, seed=8, keep_draws=True, calibration=calibration)
    by = {(t.id, t.reading): t for t in run.model.targets}
    for tid, strict in (("budget_revenue", "headline"), ("disposable_income", "real")):
        flags = _flags(run.model, run.kept, [by[tid, strict], by[tid, "basically"]])
        assert (flags[:, 1] >= flags[:, 0]).all()  # strict met implies basically met
        detail = run.readings(detail=True)
        assert detail.loc[(tid, "basically"), "probability"] == flags[:, 1].mean()


@pytest.mark.parametrize("deflator", [-1.0, 0.5])
def test_the_nominal_reading_explains_itself_when_the_deflator_is_negative(calibration, deflator):
    scenario = tjsim.baseline().with_parameter("deflator_central", deflator)
    run = tjsim.simulate(scenario, draws=2_000, seed=2, calibration=calibration)
    j = run.model.indicators.index("gdp_deflator")
    negative = run.model.constant[j] < 0
    assert negative == (deflator < 0)
    notes = run.reading_notes()
    detail = run.readings(detail=True)
    nominal = detail.xs("nominal", level="reading")["note"]
    others = detail.drop(index="nominal", level="reading")["note"]
    assert (others == "").all()
    if negative:
        assert "deflator's central is negative" in notes["nominal"]
        assert (nominal == notes["nominal"]).all()
        assert run.readings().attrs["notes"] == notes
    else:
        assert notes == {}
        assert (nominal == "").all()


# ---------------------------------------------------------------------- what made it
def test_a_result_carries_its_calibration_scenario_and_settings(calibration):
    scenario = tjsim.baseline(calibration).with_shift("investment", -1.0)
    result = tjsim.simulate(scenario, draws=5_000, seed=0, calibration=calibration)
    assert result.calibration is calibration and result.scenario is scenario
    settings = result.settings
    assert isinstance(settings, tjsim.engine.RunSettings)
    assert (settings.draws, settings.method, settings.seed.entropy) == (5_000, "mc", 0)
    assert settings.kernel == result.kernel and settings.workers == result.workers == 1
    assert settings.backend == "local" and settings.chunk == result.chunk_size


def test_a_result_pickles_and_shares_its_calibration(calibration):
    import pickle

    first = tjsim.simulate(draws=5_000, seed=1, calibration=calibration)
    second = tjsim.simulate(
        tjsim.baseline(calibration).with_event("property_slump", 0.5),
        draws=5_000,
        seed=1,
        calibration=calibration,
    )
    back = pickle.loads(pickle.dumps([first, second]))
    assert back[0].calibration is back[1].calibration  # one copy, not one per result
    assert back[0].scenario == first.scenario and back[1].scenario == second.scenario
    assert back[1].scenario.events["property_slump"].probability == 0.5
    pd.testing.assert_frame_equal(back[1].probabilities(), second.probabilities())
    settings = back[0].settings
    assert settings.seed.entropy == first.settings.seed.entropy
    assert replace(settings, seed=None) == replace(first.settings, seed=None)
    assert settings.runner().name == "local"  # the backend is made again from its name
    one = len(pickle.dumps(first))
    both = len(pickle.dumps([first, second]))
    assert both - one < one - len(pickle.dumps(calibration)) + 50_000


def test_the_settings_are_resolved_once_with_the_scenario_under_the_arguments(tmp_path):
    stored = tjsim.baseline().with_simulation(draws=6_000, seed=5, method="antithetic")
    settings = tjsim.engine.resolve_settings(stored, draws=8_000)
    assert (settings.draws, settings.seed.entropy, settings.method) == (8_000, 5, "antithetic")
    fresh = tjsim.engine.resolve_settings(tjsim.baseline().with_simulation(seed=None))
    assert fresh.draws == tjsim.engine.DEFAULT_DRAWS and fresh.method == "mc"
    assert tjsim.engine.resolve_settings(stored, seed=0).seed.entropy == 0  # 0 is a seed
    with pytest.raises(tjsim.ScenarioError, match="chunk_size must be a whole number"):
        tjsim.engine.resolve_settings(stored, chunk_size=0)
    with pytest.raises(tjsim.ScenarioError, match="draws must be at least 2"):
        tjsim.engine.resolve_settings(stored, draws=1, method="mc", least_draws=2)
    result = tjsim.simulate(stored, settings=settings)
    assert result.settings is settings and result.n_draws == 8_000
    with pytest.raises(tjsim.ScenarioError, match="seed comes with settings="):
        tjsim.simulate(stored, settings=settings, seed=3)
