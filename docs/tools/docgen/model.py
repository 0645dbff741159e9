"""Blocks of the model page: the equations of each layer with their symbols (from the
calibration's notation), the correlations, GDP's reduced form and the quarters."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from tjsim import expressions
from tjsim.calibration import Calibration
from tjsim.calibration.tables import referenced

from . import common
from .latex import to_latex
from .tables import (
    calibration_link,
    calibration_page,
    cell,
    linked_value,
    model_link,
    number,
    short,
    table,
)

LAYER_TITLES = {
    "driver": "Drivers",
    "sector": "Sectors",
    "aggregate": "Aggregates",
    "district": "Districts",
    "satellite": "Satellites",
}


def _equation_latex(cal: Calibration, vid: str) -> str:
    """Variable ``vid``'s equation in the calibration's notation, with its shock and the
    impacts of the events on it."""
    spec = cal.variables[vid]
    body = to_latex(spec.tree, cal.symbol)
    extra = []
    if spec.shock is not None:
        extra.append(cal.shock_symbol(vid))
    for eid, event in cal.events.items():
        ref = event.impact.get(vid)
        if ref is not None:
            coeff = cal.symbol(ref) if isinstance(ref, str) else number(ref)
            extra.append(rf"{coeff}\,{cal.symbol(eid)}")
    if body == "0" and extra:
        body = " + ".join(extra)
    elif extra:
        body = body + " + " + " + ".join(extra)
    return f"{cal.symbol(vid)} = {body}"


def _layer_parameters(cal: Calibration, vids: Sequence[str]) -> list[str]:
    values = common.values(cal)
    out: list[str] = []
    for vid in vids:
        spec = cal.variables[vid]
        refs = [n for n in sorted(expressions.names(spec.tree), key=spec.equation.find)]
        if spec.shock is not None:
            for ref in (spec.shock.spread, spec.shock.skew, spec.shock.df):
                refs += sorted(referenced(ref))
        for event in cal.events.values():
            if vid in event.impact:
                refs += sorted(referenced(event.impact[vid]))
        for n in refs:
            if n in values and n not in out:
                out.append(n)
    return out


def _shock_sentence(cal: Calibration, vid: str) -> str:
    spec = cal.variables[vid].shock
    if spec is None:
        return ""
    symbol = cal.shock_symbol(vid)
    if spec.spread is None:
        spread = f"solved from {_total_link(cal, vid)}"
    else:
        spread = f"${_sym_or_number(cal, spec.spread)}$"
    if spec.distribution == "normal":
        return f"${symbol}$: normal, standard deviation {spread}."
    if spec.distribution == "t":
        return (
            f"${symbol}$: Student-t with ${_sym_or_number(cal, spec.df)}$ degrees of freedom, "
            f"rescaled to standard deviation {spread}."
        )
    return (
        f"${symbol}$: two-piece normal, spread {spread}, skew ${_sym_or_number(cal, spec.skew)}$, "
        "centred to mean zero."
    )


def _total_of(cal: Calibration, free: str) -> Any:
    """The total whose free component is ``free``."""
    return next(total for total in cal.totals.values() if total.free == free)


def _total_link(cal: Calibration, free: str) -> str:
    """``the total of `x` `` (or of `x` against `y`), linked to the totals table."""
    total = _total_of(cal, free)
    what = f"`{total.indicator}`"
    if total.relative_to is not None:
        what += f" against `{total.relative_to}`"
    return f"[the total of {what}]({calibration_page()}#totals)"


def _sym_or_number(cal: Calibration, ref: Any) -> str:
    return cal.symbol(ref) if isinstance(ref, str) and ref.isidentifier() else str(ref)


def render_layer(cal: Calibration, layer: str) -> str:
    """The equations of one layer in LaTeX, then the table of the symbols they use."""
    values = common.values(cal)
    vids = [v for v, s in cal.variables.items() if s.layer == layer]
    parts = []
    for vid in vids:
        spec = cal.variables[vid]
        unit = f", {spec.unit}" if spec.unit else ""
        lines = [
            f'<a id="{vid}"></a>**{cell(spec.label)}** (`{vid}`{cell(unit)}), ${cal.symbol(vid)}$',
            "",
            "$$",
            _equation_latex(cal, vid),
            "$$",
        ]
        sentence = _shock_sentence(cal, vid)
        if sentence:
            lines += ["", sentence]
        parts.append("\n".join(lines))
    rows = []
    for pid in _layer_parameters(cal, vids):
        fact = next((f for f in cal.facts if f.id == pid), None)
        if fact is not None:
            meaning, unit = cell(fact.label), cell(fact.unit)
        else:
            meaning, unit = "derived: `" + " ".join(cal.derived[pid].split()) + "`", ""
        rows.append(
            [
                f"${cal.symbol(pid)}$",
                calibration_link(pid),
                number(values[pid]),
                unit,
                meaning,
            ]
        )
    if rows:
        parts.append(
            "Symbols of this layer:\n\n"
            + table(["Symbol", "Parameter", "Value", "Unit", "Meaning"], rows, "llrll")
        )
    return "\n\n".join(parts)


def render_correlations(cal: Calibration) -> str:
    """The latent-normal correlation matrix of the basis columns that have correlations."""
    model = common.compiled(cal)
    values = common.values(cal)
    pairs = [
        [
            f"`{a}`",
            f"`{b}`",
            f"${cal.symbol(ref) if isinstance(ref, str) else number(ref)}$",
            linked_value(ref, cal.value(ref, values, "model.yaml", "correlations")),
        ]
        for a, b, ref in cal.correlations
    ]
    names = []
    for a, b, _ in cal.correlations:
        for n in (a, b):
            if n not in names:
                names.append(n)
    index = [model.basis.index(n) for n in names]
    sub = model.correlation[np.ix_(index, index)]
    header = [""] + [f"`{n}`" for n in names]
    rows = [
        [f"`{n}`"]
        + [("1" if i == j else (short(sub[i, j]) if sub[i, j] else "·")) for j in range(len(names))]
        for i, n in enumerate(names)
    ]
    smallest = float(np.linalg.eigvalsh(model.correlation).min())
    return "\n".join(
        [
            table(["First", "Second", "Symbol", "Parameter"], pairs, "llll"),
            "",
            f"The {len(names)} columns that carry a correlation, of the latent normals' "
            f"{model.dimension} × {model.dimension} matrix (every other entry is 0 off the "
            "diagonal):",
            "",
            table(header, rows, "l" + "r" * len(names)),
            "",
            f"Smallest eigenvalue of the full matrix: {short(smallest)} (positive definite; "
            "its Cholesky factor is what correlates the draws).",
        ]
    )


def render_reduced_form(cal: Calibration) -> str:
    """The compiled row of GDP growth (the record's indicator): its constant and its
    loading on every basis column."""
    model = common.compiled(cal)
    gdp = common.record(cal).indicator
    g = cal.symbol(gdp)
    j = model.indicators.index(gdp)
    rows = [
        [f"`{name}`", "shock" if i < model.n_shocks else "event", short(model.loadings[j, i])]
        for i, name in enumerate(model.basis)
        if model.loadings[j, i] != 0
    ]
    zero = [name for i, name in enumerate(model.basis) if model.loadings[j, i] == 0]
    return "\n".join(
        [
            f"$c_{g} = {short(model.constant[j])}$, and the non-zero loadings $L_{{{g},\\cdot}}$:",
            "",
            table(["Basis column", "Kind", "Loading"], rows, "llr"),
            "",
            "Zero loading (these move other indicators only): "
            + ", ".join(f"`{n}`" for n in zero)
            + ".",
        ]
    )


def render_quarterly(cal: Calibration) -> str:
    """The quarterly structure: quarter weights, persistence and deviation spreads; then
    the fit to the record's year-to-date gaps and the weight a first quarter carries."""
    spec = getattr(cal, "quarterly", None)
    if spec is None:
        return "This calibration has no quarterly structure."
    values = common.values(cal)
    mfile = "model.yaml"
    weights = [
        [f"Q{i + 1}", linked_value(w, cal.value(w, values, mfile, "quarterly.weights"))]
        for i, w in enumerate(spec.weights)
    ]
    spreads = [
        [
            model_link(v),
            linked_value(ref, cal.value(ref, values, mfile, "quarterly.variables")),
        ]
        for v, ref in spec.variables.items()
    ]
    rho = cal.value(spec.persistence, values, mfile, "quarterly.persistence")
    return "\n".join(
        [
            table(["Quarter", "Weight w_q"], weights, "lr"),
            "",
            f"Persistence of the quarterly deviations: {linked_value(spec.persistence, rho)}.",
            "",
            table(["Variable with quarters", "Deviation spread (pp)"], spreads, "lr"),
            "",
            _quarterly_fit(cal),
        ]
    )


#: The year-to-date figures whose gaps to the year the record holds, by the number of
#: quarters they cover.
GAP_PERIODS = {1: "Q1", 2: "H1"}


def _gap_record(cal: Calibration, variable: str, period: str) -> str | None:
    """The derived parameter holding the record's root-mean-square gap of ``variable``'s
    year-to-date growth over ``period`` to the year's: the one whose formula names that
    period's figures (``{variable}_{period}_{year}``); ``None`` without one."""
    pattern = re.compile(rf"{variable}_{period.lower()}_\d{{4}}")
    return next(
        (
            did
            for did, text in cal.derived.items()
            if any(pattern.fullmatch(name) for name in referenced(text))
        ),
        None,
    )


def _quarterly_fit(cal: Calibration) -> str:
    """The model's spread of Q1 and H1 growth around the year's against the record's
    gaps, and the weight of evidence: the year's best linear prediction per point of a
    year-to-date surprise, in an ordinary year and with the regime-break tail."""
    from tjsim.model import build_model
    from tjsim.model.moments import basis_moments
    from tjsim.model.quarterly import ytd_indicator
    from tjsim.model.totals import core_covariance
    from tjsim.scenario import Scenario

    values = common.values(cal)
    variable = common.record(cal).indicator
    records = {q: _gap_record(cal, variable, period) for q, period in GAP_PERIODS.items()}
    if None in records.values():
        return ""
    model = build_model(cal, Scenario(), quarterly=True)
    _, full = basis_moments(
        model.marginals,
        model.event_probabilities,
        model.correlation,
        event_marginals=model.event_marginals,
    )
    core = core_covariance(model, cal)
    year = model.loadings[model.indicators.index(variable)]
    rows = []
    for quarters, rms in records.items():
        assert rms is not None
        period = GAP_PERIODS[quarters]
        ytd = model.loadings[model.indicators.index(ytd_indicator(variable, quarters))]
        gap = ytd - year
        pattern = re.compile(rf"{variable}_{period.lower()}_(\d{{4}})")
        gaps = [
            f"{match.group(1)}: {values[name] - values[f'{variable}_{match.group(1)}']:+.1f}"
            for name in sorted(referenced(cal.derived[rms]))
            if (match := pattern.fullmatch(name)) is not None
        ]
        rows.append(
            [
                period,
                ", ".join(gaps),
                linked_value(rms, values[rms]),
                short(np.sqrt(gap @ core @ gap)),
                short((year @ core @ ytd) / (ytd @ core @ ytd)),
                short((year @ full @ ytd) / (ytd @ full @ ytd)),
            ]
        )
    return "\n".join(
        [
            "Fit to the record, and the weight of year-to-date evidence (exact moments of "
            "the model, `tjsim.model.moments`):",
            "",
            table(
                [
                    "Figure",
                    "Record: gap to the year (pp)",
                    "Record: RMS gap",
                    "Model: spread of the gap",
                    "Weight, ordinary year",
                    "Weight, with the tail",
                ],
                rows,
                "llrrrr",
            ),
            "",
            "The weight is the year's best linear prediction per point of surprise in the "
            "figure, Cov(year, figure) / Var(figure): in an ordinary year, and counting the "
            "regime-break tail, which a strong figure also makes less likely.",
        ]
    )
