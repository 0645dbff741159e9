"""What a first quarter says: the weight of Q1 (H1, Q1-Q3) in the year's growth.

Fitted on the panel's quarterly record (:func:`tjsim.calibration.panel.load_quarterly`)
in ordinary years only. 2020 (the pandemic's first quarter), 2021 (every quarter of 2021
measured against 2020's depressed base, so Q1 2021 ran at 15-58%) and 2022 (spring
lockdowns) are left out; 2023's first half still carries the base of spring 2022 where a
region was locked down then (Shanghai, Jilin), so a second fit of H1 leaves those two
region-years out too.

Two regressions across region-years (the calibration's region's own years among them):

* ``level``: ``year_growth = a + b * q1``. Mostly the cross-section: a region that grows
  fast in Q1 grows fast in the year.
* ``target``: ``year_growth - target = a + b * (q1 - target)``, the target (its lower
  end, from the panel) standing for what was expected. ``b`` is the weight asked for:
  how many points a point of Q1 above expectation moves the year. If the rest of the
  year were independent of Q1, ``b`` would be about a quarter for Q1 (a half for H1,
  three quarters for Q1-Q3); persistence pushes it toward one.

Each fit reports its slope with the ordinary least-squares standard error, a bootstrap
interval that resamples whole regions (a region's years are not independent), the
number of region-years and regions, and the residual spread. The samples are tiny (a
handful of region-years for Q1): read the intervals, not the points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..calibration.panel import load_panel, load_quarterly
from .reporting import panel_region

if TYPE_CHECKING:
    from ..calibration import Calibration

#: Years left out of every fit: 2020 (pandemic), 2021 (2020's base), 2022 (lockdowns).
BREAK_YEARS = (2020, 2021, 2022)
#: Region-years of an ordinary year whose first half still carries a lockdown base of
#: the previous spring (Shanghai's April-May 2022, Jilin's March-April 2022).
LOCKDOWN_BASES = (("上海", 2023), ("吉林", 2023))
#: Periods fitted, in order.
PERIODS = ("q1", "h1", "q3")
#: The fewest region-years a fit is reported on.
MIN_POINTS = 3
#: The fewest regions a bootstrap interval is reported on (with fewer, most resamples
#: repeat a region or two and the interval means nothing).
MIN_REGIONS = 5

COLUMNS = (
    "period",
    "spec",
    "sample",
    "n",
    "regions",
    "years",
    "slope",
    "std_error",
    "boot_low",
    "boot_high",
    "intercept",
    "resid_sd",
)


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float, float]:
    """Slope, its OLS standard error, intercept and residual sd of ``y`` on ``x``."""
    n = len(x)
    dx = x - x.mean()
    sxx = float(dx @ dx)
    if n < 2 or sxx <= 0:
        return (np.nan,) * 4
    slope = float(dx @ (y - y.mean())) / sxx
    intercept = float(y.mean() - slope * x.mean())
    resid = y - intercept - slope * x
    if n < 3:
        return slope, np.nan, intercept, np.nan
    sd = float(np.sqrt(resid @ resid / (n - 2)))
    return slope, sd / np.sqrt(sxx), intercept, sd


def _bootstrap(
    x: np.ndarray, y: np.ndarray, groups: np.ndarray, rng: np.random.Generator, resamples: int
) -> tuple[float, float]:
    """A 95% percentile interval of the slope, resampling whole groups (regions)."""
    labels = np.unique(groups)
    if len(labels) < MIN_REGIONS:
        return np.nan, np.nan
    members = [np.flatnonzero(groups == g) for g in labels]
    slopes = []
    for _ in range(resamples):
        chosen = rng.integers(0, len(labels), len(labels))
        rows = np.concatenate([members[i] for i in chosen])
        slope = _fit(x[rows], y[rows])[0]
        if np.isfinite(slope):
            slopes.append(slope)
    if len(slopes) < resamples / 2:
        return np.nan, np.nan
    low, high = np.quantile(slopes, [0.025, 0.975])
    return float(low), float(high)


def _with_targets(quarterly: pd.DataFrame) -> pd.DataFrame:
    """``quarterly`` with a ``target`` column: its own, else the panel's lower ends."""
    if "target" in quarterly.columns:
        return quarterly
    targets = load_panel()[["region", "year", "target"]]
    return quarterly.merge(targets, on=["region", "year"], how="left")


def _samples(
    frame: pd.DataFrame,
    period: str,
    lockdown_bases: Iterable[tuple[str, int]],
    own: tuple[str, str] | None,
) -> list[tuple[str, pd.DataFrame]]:
    """The samples fitted for ``period``: ordinary years; for H1 also without the
    lockdown bases; and the years of region ``own`` (Chinese and English names) alone."""
    samples = [("ordinary years", frame)]
    if period == "h1":
        drop = pd.MultiIndex.from_tuples(list(lockdown_bases), names=["region", "year"])
        keep = ~pd.MultiIndex.from_frame(frame[["region", "year"]]).isin(drop)
        if not keep.all():
            samples.append(("ordinary, without 2022 lockdown bases", frame[keep]))
    if own is not None:
        region = frame[frame["region"] == own[0]]
        if len(region) >= MIN_POINTS:
            samples.append((f"{own[1]} alone", region))
    return samples


def quarterly_weights(
    quarterly: pd.DataFrame | None = None,
    *,
    break_years: Sequence[int] = BREAK_YEARS,
    lockdown_bases: Iterable[tuple[str, int]] = LOCKDOWN_BASES,
    resamples: int = 2000,
    seed: int = 2024,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """The weight of Q1, H1 and Q1-Q3 growth in the year's, fitted on ordinary years.

    Parameters
    ----------
    quarterly
        Columns ``region``, ``pinyin``, ``year``, ``q1``, ``h1``, ``q3``,
        ``year_growth`` and optionally ``target`` (default: the packaged panel's
        :func:`~tjsim.calibration.panel.load_quarterly`, with targets from the panel).
        National rows (``全国``) are left out.
    break_years
        Years left out (default 2020, 2021 and 2022).
    lockdown_bases
        (region, year) pairs whose H1 carries a lockdown base; the H1 fits are also
        reported without them.
    resamples, seed
        The region bootstrap: resamples and seed (the table is reproducible).
    calibration
        Whose panel region's own years are also fitted alone (its record's
        ``panel_region``; default: the packaged Tianjin calibration; none for a
        calibration that names no region of the panel).

    Returns
    -------
    pandas.DataFrame
        One row per fit: ``period`` (q1, h1, q3), ``spec`` (``level``: year on period;
        ``target``: year minus target on period minus target), ``sample``, ``n``
        (region-years), ``regions``, ``years``, ``slope``, ``std_error`` (OLS),
        ``boot_low`` and ``boot_high`` (95% interval, regions resampled; NaN with
        fewer than five regions),
        ``intercept`` and ``resid_sd`` (residual standard deviation, points). Fits on
        fewer than three region-years are not reported.
    """
    data = load_quarterly() if quarterly is None else quarterly.copy()
    data = _with_targets(data)
    data = data[(data["region"] != "全国") & ~data["year"].isin(list(break_years))]
    own = panel_region(calibration)
    rng = np.random.default_rng(seed)
    rows = []
    for period in PERIODS:
        for spec in ("level", "target"):
            needed = [period, "year_growth"] + (["target"] if spec == "target" else [])
            frame = data.dropna(subset=needed)
            for sample, part in _samples(frame, period, lockdown_bases, own):
                if len(part) < MIN_POINTS:
                    continue
                base = part["target"].to_numpy(float) if spec == "target" else 0.0
                x = part[period].to_numpy(float) - base
                y = part["year_growth"].to_numpy(float) - base
                slope, se, intercept, sd = _fit(x, y)
                low, high = _bootstrap(x, y, part["region"].to_numpy(), rng, resamples)
                rows.append(
                    {
                        "period": period,
                        "spec": spec,
                        "sample": sample,
                        "n": len(part),
                        "regions": int(part["region"].nunique()),
                        "years": ", ".join(str(y) for y in sorted(part["year"].unique())),
                        "slope": slope,
                        "std_error": se,
                        "boot_low": low,
                        "boot_high": high,
                        "intercept": intercept,
                        "resid_sd": sd,
                    }
                )
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))
