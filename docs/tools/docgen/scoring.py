"""The score block of the scoring page: the record's years scored out of sample."""

from __future__ import annotations

from tjsim.calibration import Calibration

from .tables import number, percent, table


def render_score(cal: Calibration) -> str:
    """The record's years scored out of sample (``tjsim.score``): each year's bands, PIT
    and log score against the naive normal, the summary and the caveat."""
    from tjsim.api import score

    result = score(cal)
    t = result.to_frame()
    rows = [
        [
            str(year),
            r["regime"],
            number(r["target"]),
            number(r["outturn"]),
            f"{r['centre']:.2f}",
            f"{r['low50']:.2f} to {r['high50']:.2f}",
            f"{r['low90']:.2f} to {r['high90']:.2f}",
            f"{r['pit']:.2f}",
            f"{r['log_score']:.2f}",
            f"{r['naive_log_score']:.2f}",
        ]
        for year, r in t.iterrows()
    ]
    summary = [
        [
            name,
            str(int(s["years"])),
            f"{percent(s['coverage_50'], 0)} ({percent(s['naive_coverage_50'], 0)})",
            f"{percent(s['coverage_90'], 0)} ({percent(s['naive_coverage_90'], 0)})",
            f"{s['log_score']:.2f}",
            f"{s['naive_log_score']:.2f}",
            f"{s['log_score_gain']:+.2f}",
        ]
        for name, s in result.summary().iterrows()
    ]
    return "\n".join(
        [
            table(
                [
                    "Year",
                    "Counted as",
                    "Target",
                    "Outturn",
                    "Centre τ + b",
                    "50% band",
                    "90% band",
                    "PIT",
                    "Log score",
                    "Naive log score",
                ],
                rows,
                "llrrrllrrr",
            ),
            "",
            table(
                [
                    "Years",
                    "Count",
                    "In the 50% band (naive)",
                    "In the 90% band (naive)",
                    "Mean log score",
                    "Naive",
                    "Gain",
                ],
                summary,
                "lrrrrrr",
            ),
            "",
            f"**Caveat.** {result.caveat()}",
        ]
    )
