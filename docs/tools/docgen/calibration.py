"""Blocks of the calibration page on the model's randomness and centre: the shocks'
marginals, the events and their impacts, the totals and the shares of their variance,
and the central case of every indicator."""

from __future__ import annotations

from collections.abc import Mapping

from tjsim.calibration import Calibration

from . import common
from .tables import (
    anchor,
    calibration_page,
    cell,
    linked_value,
    model_link,
    model_page,
    number,
    short,
    table,
)


def render_shocks(cal: Calibration) -> str:
    """Each shocked variable's marginal: family, spread, shape and resulting moments."""
    model = common.compiled(cal)
    rows = []
    for vid, marginal in zip(cal.shocked, model.marginals, strict=False):
        spec = cal.variables[vid].shock
        assert spec is not None
        shape = "–"
        halves = "–"
        if marginal.family == "t":
            shape = f"df {linked_value(spec.df, marginal.df)}"
        if marginal.family == "two_piece":
            shape = f"skew {linked_value(spec.skew, marginal.skew)}"
            down, up = marginal.sigmas
            halves = f"{short(down)} / {short(up)}"
        spread = (
            f"solved: {short(marginal.spread)}"
            if spec.spread is None
            else linked_value(spec.spread, marginal.spread)
        )
        rows.append(
            [
                model_link(vid),
                f"${cal.shock_symbol(vid)}$",
                marginal.family.replace("_", "-"),
                spread,
                shape,
                halves,
                short(marginal.std),
                short(marginal.offset),
            ]
        )
    return table(
        [
            "Variable",
            "Shock",
            "Family",
            "Spread s",
            "Shape",
            "σ down / σ up",
            "Std. dev.",
            "Offset removed",
        ],
        rows,
        "llllllrr",
    )


def render_events(cal: Calibration) -> str:
    """Each event: probability, latent threshold and report passage; then its impacts."""
    from scipy import special

    values = common.values(cal)
    rows, impacts = [], []
    for eid, event in cal.events.items():
        p = cal.value(event.probability, values, "model.yaml", f"events.{eid}")
        rows.append(
            [
                anchor(eid),
                cell(event.label) + (" (tail event, outside the totals)" if event.tail else ""),
                linked_value(event.probability, p),
                f"{float(special.ndtri(p)):.4f}" if 0 < p < 1 else ("−∞" if p == 0 else "+∞"),
                cell(event.source) or "–",
            ]
        )
        size = "fixed"
        if event.size_spread is not None:
            spread = cal.value(event.size_spread, values, "model.yaml", f"events.{eid}")
            size = linked_value(event.size_spread, spread) if spread else "fixed"
        for vid, ref in event.impact.items():
            impact = cal.value(ref, values, "model.yaml", f"events.{eid}.impact.{vid}")
            impacts.append(
                [
                    f"`{eid}`",
                    model_link(vid),
                    f"{impact:+g}",
                    f"[`{ref}`]({calibration_page()}#{ref})" if isinstance(ref, str) else "–",
                    size,
                ]
            )
    return "\n".join(
        [
            table(
                ["Event", "What", "Probability p", "Threshold Φ⁻¹(p)", "Report"],
                rows,
                "lllrl",
            ),
            "",
            "Impacts, added to the variable when the event occurs (in the variable's unit: "
            "percentage points for growth rates); an event of random size adds a normal "
            "amount with the impact as its mean and the size spread as its standard "
            "deviation:",
            "",
            table(["Event", "Variable", "Impact", "Parameter", "Size spread"], impacts, "llrll"),
        ]
    )


#: Components below this share of an indicator's ordinary-year variance are grouped.
SMALL_SHARE = 0.05


def render_totals(cal: Calibration) -> str:
    """Each total: the spread its record gives, the free component and its solved spread,
    and where the indicator's ordinary-year variance comes from."""
    from tjsim.model.totals import variance_shares

    model = common.compiled(cal)
    values = common.values(cal)
    rows = []
    for vid, total in cal.totals.items():
        what = f"[`{total.indicator}`]({model_page()}#{total.indicator})"
        if total.relative_to is not None:
            what += f" − [`{total.relative_to}`]({model_page()}#{total.relative_to})"
        spread = cal.value(total.spread, values, "model.yaml", f"totals.{vid}.spread")
        shares = variance_shares(model, cal, total.indicator, total.relative_to)
        rows.append(
            [
                what,
                linked_value(total.spread, spread)
                if isinstance(total.spread, str)
                else number(spread),
                f"[`{total.free}`]({model_page()}#{total.free})",
                short(model.solved_spreads[total.free]),
                shares_cell(shares),
            ]
        )
    return table(
        [
            "Indicator (or margin)",
            "Ordinary-year spread, from its record",
            "Free component",
            "Its solved spread",
            "Shares of the ordinary-year variance",
        ],
        rows,
        "lllrl",
    )


def shares_cell(shares: Mapping[str, float]) -> str:
    """``a 55%, b 21%, ..., 9 others 4%``: the large shares, then the small ones together."""
    ranked = sorted(shares.items(), key=lambda item: -item[1])
    large = [(name, share) for name, share in ranked if share >= SMALL_SHARE]
    small = [(name, share) for name, share in ranked if share < SMALL_SHARE]
    if len(small) == 1:
        large, small = ranked, []
    parts = [f"`{name}` {100 * share:.0f}%" for name, share in large]
    if small:
        parts.append(f"{len(small)} others {100 * sum(share for _, share in small):.0f}%")
    return ", ".join(parts)


def render_central_case(cal: Calibration) -> str:
    """Every indicator's zero-shock value and exact expected value, with its targets."""
    model = common.compiled(cal)
    by_indicator: dict[str, list[str]] = {}
    for target in model.targets:
        other = target.compare_to if target.compare_to is not None else number(target.threshold)
        if target.compare_to is not None and target.tolerance:
            other += f" {'-' if target.op in ('>=', '>') else '+'} {number(target.tolerance)}"
        by_indicator.setdefault(target.indicator, []).append(f"`{target.op} {other}`")
    rows = [
        [
            model_link(vid),
            cell(label),
            cell(unit),
            short(base),
            short(mean),
            ", ".join(by_indicator.get(vid, [])) or "–",
        ]
        for vid, label, unit, base, mean in zip(
            model.indicators, model.labels, model.units, model.baseline, model.mean, strict=False
        )
    ]
    return table(
        ["Indicator", "What", "Unit", "Zero-shock value", "Expected value", "Target"],
        rows,
        "lllrrl",
    )
