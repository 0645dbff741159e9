"""Blocks of the scoring page on the reporting model, fitted and scored on the panel."""

from __future__ import annotations

from typing import Any

import numpy as np

from tjsim.calibration import Calibration

from . import common
from .tables import percent, table


def reporting_result(cal: Calibration) -> Any:
    """The reporting model scored on the panel, its alternatives included (once per
    process: it does not depend on the calibration)."""
    from tjsim.api import score

    return common.memo(
        "reporting", common.NO_CALIBRATION, lambda: score(panel=True, alternatives=True)
    )


_FORECASTS = {
    "model": "reporting model",
    "naive": "(a) naive normal on the target",
    "bias": "(b) target + pooled bias, normal",
    "v02": "(c) tjsim 0.2's method, own record",
}


def render_reporting_model(cal: Calibration) -> str:
    """The reporting model's fitted parameters on the whole panel."""
    result = reporting_result(cal)
    frame = result.model.to_frame()
    rows = [
        [
            f"`{name}`",
            f"{row['value']:.3f}",
            "fitted" if row["fitted"] else "fixed by the choices",
            row["what"],
        ]
        for name, row in frame.iterrows()
    ]
    head = (
        f"Fitted on {result.model.n_pairs} pairs of {len(result.model.regions)} regions "
        f"({result.choices.describe()}); log likelihood {result.model.log_likelihood:.2f}."
    )
    return head + "\n\n" + table(["Parameter", "Value", "", "What"], rows, "lrll")


def render_reporting_score(cal: Calibration) -> str:
    """Out-of-sample scores of the model and the benchmarks by kind of year, and the goals."""
    result = reporting_result(cal)
    summary = result.summary()
    rows = [
        [
            kind,
            _FORECASTS[forecast],
            str(int(r["pairs"])),
            f"{r['log_score']:.2f}",
            f"{r['crps']:.2f}",
            percent(r["coverage_50"], 0),
            percent(r["coverage_90"], 0),
        ]
        for (kind, forecast), r in summary.iterrows()
    ]
    goals = [
        [goal, f"{r['value']:+.2f}" if "log score" in goal else percent(r["value"], 0),
         "met" if r["met"] else "**missed**"]
        for goal, r in result.goals().iterrows()
    ]  # fmt: skip
    return "\n".join(
        [
            table(
                [
                    "Years",
                    "Forecast",
                    "Pairs",
                    "Mean log score",
                    "Mean CRPS",
                    "In 50% band",
                    "In 90% band",
                ],
                rows,
                "llrrrrr",
            ),
            "",
            table(["Goal", "Value", "Met?"], goals, "lrl"),
        ]
    )


def render_reporting_choices(cal: Calibration) -> str:
    """The alternatives to each choice, scored leaving years out, best first."""
    result = reporting_result(cal)
    frame = result.choices_table()
    rows = [
        [
            label if label != "chosen" else "**chosen**: " + r["choices"],
            f"{r['log_score']:.3f}",
            f"{r['crps']:.3f}",
            percent(r["coverage_50"], 0),
            percent(r["coverage_90"], 0),
        ]
        for label, r in frame.iterrows()
    ]
    return table(
        ["Variant", "Mean log score", "Mean CRPS", "In 50% band", "In 90% band"], rows, "lrrrr"
    )


#: P(GDP target met, published) in tjsim 0.2 as released (its baseline run, and the
#: same draws centred on target plus Tianjin's bias: the "central case on target +
#: bias" row of the choices table of 0.2): history, quoted, not recomputed, since the
#: engine now draws GDP from the reporting model.
V02_GDP_PROBABILITIES = {"projection": 0.29, "target plus bias": 0.60}


def render_reporting_tianjin(cal: Calibration) -> str:
    """Tianjin's 2024 prediction, the six numbers for the engine, and 0.2's probabilities."""
    from tjsim.analysis import reporting

    model = reporting_result(cal).model
    projection = reporting.sectoral_projection(cal)
    fitted = reporting.fitted_target(cal)
    region, year, qualifier = fitted.region, fitted.year, fitted.qualifier
    target = common.values(cal)[fitted.fact]
    d = model.predict(region, target, qualifier, projection=projection, year=year)
    numbers = reporting.gdp_distribution(model, cal)
    q = d.ppf(np.array([0.05, 0.95]))
    bias, bias_sd = model.region_bias(region)
    odds = d.probabilities()
    lines = [
        table(
            ["", "Value"],
            [
                ["sectoral projection (the calibration's baseline GDP)", f"{projection:.2f}%"],
                ["Tianjin's bias (posterior mean, sd)", f"{bias:+.2f} ({bias_sd:.2f}) pp"],
                ["ordinary component's mean (centre)", f"{d.centre:.2f}%"],
                ["mean", f"{d.mean:.2f}%"],
                ["median", f"{d.median:.2f}%"],
                ["5% to 95%", f"{q[0]:.2f}% to {q[1]:.2f}%"],
                *[
                    [f"P(target met), {reading} ({r['rule']})", percent(r["probability"], 0)]
                    for reading, r in odds.iterrows()
                ],
                ["tjsim 0.2, centred on the projection: P(met), published",
                 percent(V02_GDP_PROBABILITIES["projection"], 0)],
                ["tjsim 0.2, centred on target + Tianjin's own bias: P(met), published",
                 percent(V02_GDP_PROBABILITIES["target plus bias"], 0)],
            ],
            "lr",
        ),
        "",
        "The six numbers the engine draws Tianjin's published GDP growth from "
        "(`src/tjsim/data/tianjin/fitted.yaml`):",
        "",
        table(
            ["Fact", "Value"],
            [[f"`{k}`", f"{v:.4g}"] for k, v in numbers.items()],
            "lr",
        ),
    ]  # fmt: skip
    return "\n".join(lines)
