"""Blocks of the panel page: the provincial panel's coverage, grades, gaps and quarters."""

from __future__ import annotations

from typing import Any

import numpy as np

from tjsim.calibration import Calibration

from .tables import cell, table

#: The samples of the panel's summary table: label and the years it keeps.
PANEL_SAMPLES = (
    ("all", None),
    ("not 2020 or 2022", lambda y: ~y.isin([2020, 2022])),
    ("2013-2019 (mostly from news)", lambda y: y <= 2019),
    ("2021 (rebound year)", lambda y: y == 2021),
    ("2023", lambda y: y == 2023),
    ("2020 and 2022 (pandemic)", lambda y: y.isin([2020, 2022])),
)

GRADE_MEANINGS = {
    "H": "an official text, or two sources that agree, for every filled field",
    "M": "one credible secondary source",
    "L": "sources conflict, or the value is implied (the note says how)",
}

QUALIFIER_MEANINGS = {
    "左右": "about: judged with a tolerance of a few tenths in official usage",
    "以上": "at least: a floor",
    "range": "a range (6-6.5): met at its lower end",
    "": "none recorded (a bare number)",
}


def _panel() -> Any:
    from tjsim.api import panel

    return panel()


def _pp(value: float) -> str:
    return "–" if not np.isfinite(value) else f"{value:+.2f}"


def render_panel_coverage(cal: Calibration) -> str:
    """Region-years of the panel by year: with a target, an outturn, both (pairs)."""
    frame = _panel()
    both = frame["target"].notna() & frame["outturn"].notna()
    rows = []
    for year, part in frame.groupby("year"):
        rows.append(
            [
                str(year),
                str(len(part)),
                str(int(part["target"].notna().sum())),
                str(int(part["outturn"].notna().sum())),
                str(int(both[part.index].sum())),
            ]
        )
    rows.append(
        [
            "**all**",
            str(len(frame)),
            str(int(frame["target"].notna().sum())),
            str(int(frame["outturn"].notna().sum())),
            str(int(both.sum())),
        ]
    )
    return table(
        ["year", "region-years", "with a target", "with an outturn", "pairs"], rows, "lrrrr"
    )


def render_panel_grades(cal: Calibration) -> str:
    """Grades of the panel's rows and of its pairs, and the qualifiers of the targets."""
    frame = _panel()
    both = frame["target"].notna() & frame["outturn"].notna()
    grades = [
        [
            f"**{g}**",
            GRADE_MEANINGS[g],
            str(int((frame["grade"] == g).sum())),
            str(int((frame.loc[both, "grade"] == g).sum())),
        ]
        for g in GRADE_MEANINGS
    ]
    targets = frame["target"].notna()
    qualifiers = [
        [
            f"`{q}`" if q else "(none)",
            QUALIFIER_MEANINGS[q],
            str(int((frame.loc[targets, "qualifier"] == q).sum())),
            str(int((frame.loc[both, "qualifier"] == q).sum())),
        ]
        for q in QUALIFIER_MEANINGS
    ]
    return (
        table(["grade", "meaning", "region-years", "pairs"], grades, "llrr")
        + "\n\n"
        + table(["qualifier", "meaning", "targets", "pairs"], qualifiers, "llrr")
    )


def render_panel_summary(cal: Calibration) -> str:
    """Outturn minus the lower end of the target, by sample of the pairs."""
    from tjsim.calibration.panel import pairs

    gaps = pairs(_panel())
    rows = []
    for label, keep in PANEL_SAMPLES:
        part = gaps if keep is None else gaps[keep(gaps["year"])]
        gap = part["gap"].round(6).to_numpy()
        rows.append(
            [
                label,
                str(len(gap)),
                f"{np.mean(gap >= 0):.0%}",
                _pp(np.mean(gap)),
                _pp(np.median(gap)),
                f"{np.std(gap, ddof=1):.2f}",
                _pp(np.quantile(gap, 0.05)),
                _pp(np.quantile(gap, 0.95)),
            ]
        )
    return table(
        ["sample", "n", "share met", "mean", "median", "sd", "5%", "95%"], rows, "lrrrrrrr"
    )


def render_panel_tianjin(cal: Calibration) -> str:
    """Tianjin's rows of the panel."""
    from tjsim.analysis.reporting import fitted_target

    frame = _panel()
    rows = []
    for r in frame[frame["region"] == fitted_target(cal).region].itertuples():
        gap = r.outturn - r.target
        rows.append(
            [
                str(r.year),
                cell(r.target_text) or "–",
                "–" if np.isnan(r.target) else f"{r.target:g}",
                "–" if np.isnan(r.outturn) else f"{r.outturn:.1f}",
                f"{gap:+.1f}" if np.isfinite(gap) else "–",
                r.grade,
            ]
        )
    return table(["year", "target (wording)", "target", "outturn", "gap", "grade"], rows, "llrrrl")


def render_panel_quarters(cal: Calibration) -> str:
    """The weight of Q1, H1 and Q1-Q3 in the year (``quarterly_weights``)."""
    from tjsim.analysis.quarters import quarterly_weights

    weights = quarterly_weights(calibration=cal)
    periods = {"q1": "Q1", "h1": "H1", "q3": "Q1-Q3"}
    rows = []
    for r in weights.itertuples():
        interval = "–" if np.isnan(r.boot_low) else f"{r.boot_low:.2f} to {r.boot_high:.2f}"
        rows.append(
            [
                periods[r.period],
                "gap to target" if r.spec == "target" else "level",
                r.sample,
                str(r.n),
                str(r.regions),
                r.years,
                f"{r.slope:.2f}",
                f"{r.std_error:.2f}",
                interval,
                f"{r.resid_sd:.2f}",
            ]
        )
    return table(
        [
            "period",
            "fit",
            "sample",
            "n",
            "regions",
            "years",
            "slope",
            "std. error",
            "95% bootstrap",
            "residual sd",
        ],
        rows,
        "llllrlrrrr",
    )
