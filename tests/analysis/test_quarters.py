"""What a first quarter says: the weights of Q1, H1 and Q1-Q3 in the year's growth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tjsim
from tjsim.analysis import quarterly_weights
from tjsim.analysis.quarters import BREAK_YEARS, COLUMNS, LOCKDOWN_BASES

#: The weights the simulated panel is built with (year gap on period gap).
TRUE = {"q1": 0.4, "h1": 0.6, "q3": 0.85}


def _simulated(seed: int = 7, regions: int = 40, years=(2016, 2017, 2018, 2019)) -> pd.DataFrame:
    """A panel where year - target = 0.1 + TRUE[p] * (p - target) + noise, for each
    period p drawn separately (one period per row, as in the real record)."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(regions):
        level = rng.normal(6.5, 1.5)
        for year in years:
            target = round(level + rng.normal(0, 0.3), 1)
            for period, weight in TRUE.items():
                gap = rng.normal(0, 1.5)
                row = {"region": f"r{r}", "pinyin": f"r{r}", "year": year, "target": target}
                row.update({"q1": np.nan, "h1": np.nan, "q3": np.nan})
                row[period] = target + gap
                row["year_growth"] = target + 0.1 + weight * gap + rng.normal(0, 0.5)
                rows.append(row)
    # a break year and a national row: both must be left out
    rows.append(
        {
            "region": "r0",
            "pinyin": "r0",
            "year": 2020,
            "target": 6.0,
            "q1": -20.0,
            "h1": np.nan,
            "q3": np.nan,
            "year_growth": 9.0,
        }
    )
    rows.append(
        {
            "region": "全国",
            "pinyin": "quanguo",
            "year": 2019,
            "target": 6.0,
            "q1": 30.0,
            "h1": np.nan,
            "q3": np.nan,
            "year_growth": -9.0,
        }
    )
    return pd.DataFrame(rows)


def test_a_known_weight_is_recovered_within_its_error():
    table = quarterly_weights(_simulated(), resamples=400)
    assert list(table.columns) == list(COLUMNS)
    fits = table[(table["spec"] == "target") & (table["sample"] == "ordinary years")]
    assert fits["period"].tolist() == ["q1", "h1", "q3"]
    for fit in fits.itertuples():
        assert fit.n == 160 and fit.regions == 40
        assert abs(fit.slope - TRUE[fit.period]) < 2 * fit.std_error, fit
        assert fit.std_error < 0.05
        assert fit.boot_low < TRUE[fit.period] < fit.boot_high
        assert fit.resid_sd == pytest.approx(0.5, abs=0.08)
        assert fit.intercept == pytest.approx(0.1, abs=0.15)
        assert fit.years == "2016, 2017, 2018, 2019"


def test_the_standard_error_is_honest_across_panels():
    """Over many simulated panels the slope lands within one standard error about
    two times in three."""
    within = []
    for seed in range(40):
        table = quarterly_weights(_simulated(seed, regions=8, years=(2018, 2019)), resamples=1)
        fit = table.query("period == 'h1' and spec == 'target'").iloc[0]
        within.append(abs(fit.slope - TRUE["h1"]) < fit.std_error)
    assert 0.45 < np.mean(within) < 0.9


def test_the_packaged_record_fits_few_points():
    table = quarterly_weights(resamples=200)
    for years in table["years"]:
        assert not {int(y) for y in years.split(", ")} & set(BREAK_YEARS)
    q1 = table.query("period == 'q1' and spec == 'target' and sample == 'ordinary years'")
    assert len(q1) == 1 and q1["n"].iloc[0] < 10  # a handful of region-years
    h1 = table.query("period == 'h1' and spec == 'target'").set_index("sample")
    dropped = h1.loc["ordinary years", "n"] - h1.loc["ordinary, without 2022 lockdown bases", "n"]
    assert dropped == len(LOCKDOWN_BASES)
    assert (table["n"] >= 3).all()
    few = table["regions"] < 5
    assert table.loc[few, "boot_low"].isna().all()
    assert table.loc[~few, "boot_low"].notna().all()
    # reproducible
    assert quarterly_weights(resamples=200).equals(table)


def test_the_calibrations_own_region_is_fitted_alone_too():
    """The region whose years are also fitted alone is the calibration's record's: the
    default names Tianjin; China's record names no region of the panel."""
    own = quarterly_weights(resamples=50)
    assert "Tianjin alone" in set(own["sample"])
    national = quarterly_weights(resamples=50, calibration=tjsim.load_calibration("china"))
    assert not national["sample"].str.endswith(" alone").any()
    shared = own[~own["sample"].str.endswith(" alone")].drop(columns=["boot_low", "boot_high"])
    assert shared.reset_index(drop=True).equals(
        national.drop(columns=["boot_low", "boot_high"]).reset_index(drop=True)
    )
