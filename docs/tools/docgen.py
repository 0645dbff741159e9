"""Render the calibration as markdown for the documentation, so the docs cannot drift.

The pages `docs/model.md`, `docs/calibration.md`, `docs/scoring.md` and `docs/panel.md`
hold blocks between two markers, `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED -->`.
Each block's content is rendered here from a calibration (by default the packaged one):
the equations of every layer in LaTeX, with a table linking each symbol to its
parameter id; every parameter with its value, source and uses; the derived parameters
with their numbers; the GDP record and the derivation of its spread and tail; the
totals and how each indicator's variance splits among its components; shocks,
correlations, events, the targets' readings, the central case and the quarterly fit.
Some blocks quote runs of the model (the readings, central against mean and median,
the table of contestable choices): those are simulated once per calibration, with a
fixed seed, on common draws (:func:`quoted_runs`). The scoring page's table comes from
`tjsim.score`, and its figure (`docs/figures/score.png`) is drawn here too: the PNG
carries a hash of the data it shows, so a stale figure is found without comparing
pixels. The panel page's tables come from the packaged panel (`tjsim.panel()`) and
from `tjsim.analysis.quarterly_weights`.

From the repository's root, `python docs/tools/docgen.py` rewrites the blocks (and
redraws the figures) in place, and `python docs/tools/docgen.py --check` changes nothing
and exits with status 1 when a block or a figure is stale (the test suite runs the
check).

The module also holds `SphinxRoles`, the small extension that lets the documentation
site's API pages show the reStructuredText roles and math directives of the library's
docstrings as markdown.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from tjsim import expressions
from tjsim.calibration import Calibration, load_calibration
from tjsim.calibration.tables import parameter_uses, referenced

#: Marker that opens a generated block; the block's name follows the colon.
BEGIN = "<!-- BEGIN GENERATED: {name} -->"
#: Marker that closes a generated block.
END = "<!-- END GENERATED -->"
_BLOCK = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- END GENERATED -->",
    re.DOTALL,
)

#: Pages whose anchors the generated links point to (relative to ``docs/``).
MODEL_PAGE = "model.md"
CALIBRATION_PAGE = "calibration.md"

LAYER_TITLES = {
    "driver": "Drivers",
    "sector": "Sectors",
    "aggregate": "Aggregates",
    "district": "Districts",
    "satellite": "Satellites",
}

# ---------------------------------------------------------------------------- notation
# Symbols of the Tianjin calibration's variables: (symbol, tag). The tag subscripts the
# variable's shock (epsilon_tag). Unknown variables fall back to their id.
VARIABLE_SYMBOLS: dict[str, tuple[str, str]] = {
    "property_investment": (r"I_{\text{prop}}", r"\text{prop}"),
    "nonproperty_investment": (r"I_{\text{proj}}", r"\text{proj}"),
    "investment": ("I", "I"),
    "retail_sales": ("R", "R"),
    "exports": ("X", "X"),
    "cpi": (r"\pi", r"\pi"),
    "ppi": (r"\pi_{\text{ppi}}", r"\text{ppi}"),
    "credit": ("C", "C"),
    "weather": ("w", "w"),
    "hightech": ("h", "h"),
    "momentum": ("m", "m"),
    "investment_statistical": (r"I_{\text{stat}}", r"\text{stat}"),
    "plan_management": ("F", "F"),
    "primary_va": (r"g_{\text{pri}}", r"\text{pri}"),
    "industry_va": (r"g_{\text{ind}}", r"\text{ind}"),
    "construction_va": (r"g_{\text{con}}", r"\text{con}"),
    "finance_va": (r"g_{\text{fin}}", r"\text{fin}"),
    "other_services_va": (r"g_{\text{os}}", r"\text{os}"),
    "secondary_va": (r"g_{\text{sec}}", r"\text{sec}"),
    "tertiary_va": (r"g_{\text{ter}}", r"\text{ter}"),
    "gdp_growth": ("g", "g"),
    "district_binhai": (r"g_{\text{Binhai}}", r"\text{Binhai}"),
    "district_hexi": (r"g_{\text{Hexi}}", r"\text{Hexi}"),
    "district_xiqing": (r"g_{\text{Xiqing}}", r"\text{Xiqing}"),
    "district_wuqing": (r"g_{\text{Wuqing}}", r"\text{Wuqing}"),
    "district_beichen": (r"g_{\text{Beichen}}", r"\text{Beichen}"),
    "district_heping": (r"g_{\text{Heping}}", r"\text{Heping}"),
    "district_rest": (r"g_{\text{rest}}", r"\text{rest}"),
    "gdp_deflator": ("P", "P"),
    "nominal_gdp_growth": (r"g_{\text{nom}}", r"\text{nom}"),
    "tax_revenue_growth": (r"r_{\text{tax}}", r"\text{tax}"),
    "nontax_revenue_growth": (r"r_{\text{non}}", r"\text{non}"),
    "budget_revenue_growth": ("r", "r"),
    "budget_revenue": ("B", "B"),
    "disposable_income": ("y", "y"),
    "disposable_income_nominal": (r"y^{\text{nom}}", r"y^{\text{nom}}"),
    "rural_income": (r"y_{\text{rural}}", r"\text{rural}"),
    "rural_income_nominal": (r"y_{\text{rural}}^{\text{nom}}", r"\text{rural}^{\text{nom}}"),
    "urban_jobs": ("J", "J"),
    "unemployment_rate": ("u", "u"),
    "container_growth": ("k", "k"),
    "container_throughput": ("K", "K"),
}

#: Short names of the events, for their indicators D_tag and impacts delta^tag.
EVENT_TAGS: dict[str, str] = {
    "flood_repeat": "flood",
    "property_slump": "slump",
    "property_stabilises": "stable",
    "stimulus_round": "stimulus",
    "tariffs_new_three": "duties",
    "tariffs_broad": "trade",
    "regime_break": "break",
}

#: Sector tags of the district mixes (``{district}_mix_{sector}``).
SECTOR_TAGS: dict[str, str] = {
    "primary": "pri",
    "industry": "ind",
    "construction": "con",
    "finance": "fin",
    "other_services": "os",
}

#: Symbols of the parameters that appear in equations, shocks, events, correlations and
#: the record's derivation; district mixes and the record's yearly names are built by
#: :func:`parameter_symbol`.
PARAMETER_SYMBOLS: dict[str, str] = {
    # drivers: investment
    "property_investment_share": r"\omega_{\text{prop}}",
    "nonproperty_investment_share": r"\omega_{\text{proj}}",
    "property_investment_central": r"\bar{I}_{\text{prop}}",
    "property_investment_spread": r"s_{\text{prop}}",
    "property_investment_skew": r"\gamma_{\text{prop}}",
    "nonproperty_investment_central": r"\bar{I}_{\text{proj}}",
    "investment_central": r"\bar{I}",
    "nonproperty_investment_spread": r"s_{\text{proj}}",
    "investment_gdp_elasticity": r"b_{g,I}",
    # drivers: demand and prices
    "retail_central": r"\bar{R}",
    "retail_skew": r"\gamma_{R}",
    "exports_central": r"\bar{X}",
    "exports_spread": "s_{X}",
    "exports_skew": r"\gamma_{X}",
    "cpi_central": r"\bar{\pi}",
    "cpi_spread": r"s_{\pi}",
    "cpi_skew": r"\gamma_{\pi}",
    "ppi_central": r"\bar{\pi}_{\text{ppi}}",
    "ppi_spread": r"s_{\text{ppi}}",
    "credit_central": r"\bar{C}",
    "credit_spread": "s_{C}",
    "weather_spread": "s_{w}",
    "weather_df": r"\nu_{w}",
    "hightech_spread": "s_{h}",
    "hightech_df": r"\nu_{h}",
    # reference levels at which the centrals are stated
    "investment_reference": r"I^{\text{ref}}",
    "retail_reference": r"R^{\text{ref}}",
    "exports_reference": r"X^{\text{ref}}",
    "cpi_reference": r"\pi^{\text{ref}}",
    "ppi_reference": r"\pi_{\text{ppi}}^{\text{ref}}",
    "credit_reference": r"C^{\text{ref}}",
    "gdp_reference": r"g^{\text{ref}}",
    "nominal_gdp_reference": r"g_{\text{nom}}^{\text{ref}}",
    # sectors
    "primary_central": r"\bar{g}_{\text{pri}}",
    "primary_spread": r"s_{\text{pri}}",
    "industry_central": r"\bar{g}_{\text{ind}}",
    "industry_on_investment": r"b_{\text{ind},I}",
    "industry_on_exports": r"b_{\text{ind},X}",
    "industry_spread": r"s_{\text{ind}}",
    "construction_central": r"\bar{g}_{\text{con}}",
    "construction_on_investment": r"b_{\text{con},I}",
    "construction_spread": r"s_{\text{con}}",
    "finance_central": r"\bar{g}_{\text{fin}}",
    "finance_on_credit": r"b_{\text{fin},C}",
    "finance_spread": r"s_{\text{fin}}",
    "other_services_central": r"\bar{g}_{\text{os}}",
    "services_on_retail": r"b_{\text{os},R}",
    "services_on_exports": r"b_{\text{os},X}",
    "services_on_investment": r"b_{\text{os},I}",
    "other_services_spread": r"s_{\text{os}}",
    # aggregates
    "share_primary_2023": r"\omega_{\text{pri}}",
    "share_secondary_2023": r"\omega_{\text{sec}}",
    "share_tertiary_2023": r"\omega_{\text{ter}}",
    "share_industry_2023": r"\omega_{\text{ind}}",
    "share_construction_2023": r"\omega_{\text{con}}",
    "finance_share_2023": r"\omega_{\text{fin}}",
    "share_other_services_2023": r"\omega_{\text{os}}",
    # districts
    "binhai_share_2023": r"\omega_{\text{Binhai}}",
    "district_share_2023_hexi": r"\omega_{\text{Hexi}}",
    "district_share_2023_xiqing": r"\omega_{\text{Xiqing}}",
    "district_share_2023_wuqing": r"\omega_{\text{Wuqing}}",
    "district_share_2023_beichen": r"\omega_{\text{Beichen}}",
    "district_share_2023_heping": r"\omega_{\text{Heping}}",
    "share_rest_of_city_2023": r"\omega_{\text{rest}}",
    "binhai_premium": r"\mu_{\text{Binhai}}",
    "hexi_premium": r"\mu_{\text{Hexi}}",
    "xiqing_premium": r"\mu_{\text{Xiqing}}",
    "wuqing_premium": r"\mu_{\text{Wuqing}}",
    "beichen_premium": r"\mu_{\text{Beichen}}",
    "heping_premium": r"\mu_{\text{Heping}}",
    "district_persistence": r"\rho_{d}",
    "binhai_spread": r"s_{\text{Binhai}}",
    "district_spread": "s_{d}",
    # satellites: prices and revenue
    "deflator_central": r"\bar{P}",
    "deflator_on_cpi": r"\phi_{\pi}",
    "deflator_on_ppi": r"\phi_{\text{ppi}}",
    "deflator_spread": "s_{P}",
    "tax_revenue_central": r"\bar{r}_{\text{tax}}",
    "tax_buoyancy": r"\eta",
    "tax_revenue_spread": r"s_{\text{tax}}",
    "nontax_revenue_central": r"\bar{r}_{\text{non}}",
    "nontax_revenue_skew": r"\gamma_{\text{non}}",
    "tax_share_of_budget_revenue_2023": r"\omega_{\text{tax}}",
    "budget_revenue_2023": "B_{2023}",
    # satellites: incomes, labour, port
    "income_central": r"\bar{y}",
    "income_on_gdp": r"\lambda",
    "rural_income_central": r"\bar{y}_{\text{rural}}",
    "rural_income_on_gdp": r"\lambda_{\text{rural}}",
    "rural_income_spread": r"s_{\text{rural}}",
    "jobs_central": r"\bar{J}",
    "jobs_on_gdp": r"\theta",
    "unemployment_central": r"\bar{u}",
    "okun_coefficient": r"\beta_{\text{Okun}}",
    "container_central": r"\bar{k}",
    "container_on_exports": r"\chi",
    "containers_2023": "K_{2023}",
    # the plan-management factor
    "plan_factor_spread": "s_{F}",
    "plan_loading": r"\ell",
    "gdp_plan_loading": r"\ell_{g}",
    "gdp_on_plan": r"f_{g}",
    "jobs_on_plan": "f_{J}",
    "unemployment_on_plan": "f_{u}",
    "income_on_plan": "f_{y}",
    "nontax_on_plan": r"f_{\text{non}}",
    # correlations
    "corr_property_retail": r"\rho_{\text{prop},R}",
    "corr_investment_exports": r"\rho_{\text{proj},X}",
    "corr_retail_exports": r"\rho_{R,X}",
    "corr_investment_credit": r"\rho_{\text{proj},C}",
    "corr_retail_cpi": r"\rho_{R,\pi}",
    "corr_cpi_ppi": r"\rho_{\pi,\text{ppi}}",
    "corr_exports_hightech": r"\rho_{X,h}",
    "corr_weather_flood": r"\rho_{w,\text{flood}}",
    # events
    "flood_probability": r"p_{\text{flood}}",
    "flood_impact_primary": r"\delta^{\text{flood}}_{\text{pri}}",
    "flood_impact_industry": r"\delta^{\text{flood}}_{\text{ind}}",
    "flood_impact_construction": r"\delta^{\text{flood}}_{\text{con}}",
    "flood_impact_services": r"\delta^{\text{flood}}_{\text{os}}",
    "property_probability": r"p_{\text{slump}}",
    "property_impact_investment": r"\delta^{\text{slump}}_{\text{prop}}",
    "property_impact_services": r"\delta^{\text{slump}}_{\text{os}}",
    "property_impact_revenue": r"\delta^{\text{slump}}_{\text{tax}}",
    "property_stabilises_probability": r"p_{\text{stable}}",
    "property_stabilises_impact": r"\delta^{\text{stable}}_{\text{prop}}",
    "stimulus_probability": r"p_{\text{stimulus}}",
    "stimulus_impact_investment": r"\delta^{\text{stimulus}}_{\text{proj}}",
    "tariff_narrow_probability": r"p_{\text{duties}}",
    "tariff_narrow_impact_exports": r"\delta^{\text{duties}}_{X}",
    "tariff_narrow_impact_containers": r"\delta^{\text{duties}}_{k}",
    "tariff_broad_probability": r"p_{\text{trade}}",
    "tariff_broad_impact_exports": r"\delta^{\text{trade}}_{X}",
    "tariff_broad_impact_containers": r"\delta^{\text{trade}}_{k}",
    # GDP's fitted distribution (fitted.yaml) and its centre
    "gdp_reporting_mean": r"\mu_{g}",
    "gdp_reporting_spread": "s_{g}",
    "gdp_reporting_skew": r"\gamma_{g}",
    "gdp_reporting_sd": r"\sigma_{g}",
    "gdp_break_probability": r"p_{\text{break}}",
    "gdp_break_impact": r"\mu_{\text{break}}",
    "gdp_break_spread": r"\sigma_{\text{break}}",
    "gdp_sector_projection": r"g^{\text{sect}}",
    "gdp_ordinary_events_mean": r"\bar{\delta}_{g}",
    "gdp_on_exports": r"b_{g,X}",
    "momentum_central": r"\bar{m}",
    # the GDP record and the regime-break tail, as `tjsim score` derives them
    "gdp_planners_bias": "b",
    "gdp_core_spread": r"\sigma^{\text{rec}}_{g}",
    "gdp_prior_spread": r"\sigma_{0}",
    "gdp_prior_weight": "k_{0}",
    "gdp_ordinary_years": r"n_{\text{ord}}",
    "gdp_break_years": r"n_{\text{break}}",
    "regime_break_probability": r"p^{\text{rec}}_{\text{break}}",
    "regime_break_impact": r"\delta^{\text{rec}}_{\text{break}}",
    "break_prior_rate": r"p_{0}",
    "break_prior_years": r"k_{p}",
    "break_impact_prior": r"\delta_{0}",
    "break_impact_prior_weight": r"k_{\delta}",
    # quarters
    "quarterly_spread_gdp": r"\sigma_{q}",
    "quarterly_persistence": r"\rho_{q}",
}

#: Yearly names of the record, ``(pattern, symbol)``: the year becomes a subscript.
_YEARLY_SYMBOLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"gdp_miss_(\d{4})"), "e_{{{0}}}"),
    (re.compile(r"gdp_growth_target_(\d{4})"), r"\tau_{{{0}}}"),
    (re.compile(r"gdp_growth_(\d{4})"), "g_{{{0}}}"),
    (re.compile(r"record_ordinary_(\d{4})"), r"w^{{\text{{ord}}}}_{{{0}}}"),
    (re.compile(r"record_break_(\d{4})"), r"w^{{\text{{break}}}}_{{{0}}}"),
)
_MIX = re.compile(r"(?P<district>[a-z]+)_mix_(?P<sector>[a-z_]+)")


def _escape_tex(text: str) -> str:
    return text.replace("\\", r"\backslash ").replace("_", r"\_")


def variable_symbol(vid: str) -> str:
    """LaTeX symbol of variable ``vid`` (its id in roman type when it has none)."""
    return VARIABLE_SYMBOLS.get(vid, (rf"\mathrm{{{_escape_tex(vid)}}}", ""))[0]


def shock_symbol(vid: str) -> str:
    """LaTeX symbol of variable ``vid``'s shock, e.g. ``\\varepsilon_{I}``."""
    tag = VARIABLE_SYMBOLS.get(vid, ("", rf"\mathrm{{{_escape_tex(vid)}}}"))[1]
    return rf"\varepsilon_{{{tag}}}"


def event_symbol(eid: str) -> str:
    """LaTeX symbol of event ``eid``'s 0/1 indicator, e.g. ``D_{\\text{flood}}``."""
    return rf"D_{{\text{{{_escape_tex(EVENT_TAGS.get(eid, eid))}}}}}"


def parameter_symbol(pid: str) -> str:
    """LaTeX symbol of parameter ``pid`` (its id in roman type when it has none)."""
    if pid in PARAMETER_SYMBOLS:
        return PARAMETER_SYMBOLS[pid]
    for pattern, symbol in _YEARLY_SYMBOLS:
        yearly = pattern.fullmatch(pid)
        if yearly is not None:
            return symbol.format(yearly.group(1))
    mix = _MIX.fullmatch(pid)
    if mix is not None and mix.group("sector") in SECTOR_TAGS:
        district = mix.group("district")
        name = district if district == "rest" else district.capitalize()
        return rf"a^{{\text{{{name}}}}}_{{\text{{{SECTOR_TAGS[mix.group('sector')]}}}}}"
    return rf"\mathrm{{{_escape_tex(pid)}}}"


# ---------------------------------------------------------------------------- numbers
def number(value: float) -> str:
    """A parameter value for a table: integers plainly, others to 6 significant digits."""
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def short(value: float) -> str:
    """A computed value: 4 decimals, trailing zeros dropped."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# ---------------------------------------------------------------------------- LaTeX
_ADD, _NEG, _MUL, _ATOM = 1.0, 1.5, 2.0, 3.0


def to_latex(
    text_or_tree: str | ast.Expression,
    name: Callable[[str], str],
    baseline: Callable[[str], str] | None = None,
    *,
    times: bool = False,
) -> str:
    r"""Render an equation (or expression) as LaTeX.

    Parameters
    ----------
    text_or_tree
        The expression text, as in ``model.yaml``, or its parsed tree.
    name
        LaTeX of a name (a parameter or variable symbol, or a number).
    baseline
        LaTeX of ``baseline(v)``; default ``{symbol of v}^{0}``.
    times
        Write every product with a times sign (for numbers) rather than a thin space.

    Returns
    -------
    str
        LaTeX without surrounding ``$``; sums and differences keep their order,
        divisions become ``\frac``, powers of one half become square roots.
    """
    tree = expressions.parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    base = baseline or (lambda v: f"{name(v)}^{{0}}")

    def wrap(part: tuple[str, float], below: float) -> str:
        return rf"\left({part[0]}\right)" if part[1] < below else part[0]

    def ev(node: ast.AST) -> tuple[str, float]:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            text = number(node.value)
            return text, (_NEG if text.startswith("-") else _ATOM)
        if isinstance(node, ast.Name):
            text = name(node.id)
            return text, (_NEG if text.startswith("-") else _ATOM)
        if isinstance(node, ast.Call):
            return base(node.args[0].id), _ATOM  # type: ignore[attr-defined]
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            return "-" + wrap(inner, _MUL), _NEG
        assert isinstance(node, ast.BinOp)
        left, right = ev(node.left), ev(node.right)
        if isinstance(node.op, ast.Add):
            return (
                f"{left[0]} + {wrap(right, _MUL) if right[0].startswith('-') else right[0]}",
                _ADD,
            )
        if isinstance(node.op, ast.Sub):
            return f"{left[0]} - {wrap(right, _MUL)}", _ADD
        if isinstance(node.op, ast.Mult):
            numeric = times or (_is_number(left[0]) and _is_number(right[0]))
            joiner = r" \times " if numeric else r"\,"
            return f"{wrap(left, _NEG)}{joiner}{wrap(right, _MUL)}", _MUL
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{left[0]}}}{{{right[0]}}}", _ATOM
        assert isinstance(node.op, ast.Pow)
        if isinstance(node.right, ast.Constant) and node.right.value == 0.5:
            return rf"\sqrt{{{left[0]}}}", _ATOM
        base_text = wrap(left, _ATOM)
        if "^" in base_text:
            base_text = f"{{{base_text}}}"
        return f"{base_text}^{{{right[0]}}}", _ATOM

    return ev(tree)[0]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(r"\left(", "").replace(r"\right)", ""))
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- uses
def model_parameters(cal: Calibration) -> list[str]:
    """Ids of the facts the model uses (directly or through a derived parameter)."""
    uses = parameter_uses(cal)
    return [f.id for f in cal.facts if f.id in uses]


def _use_link(kind: str, where: str) -> str:
    if kind in ("equation", "shock"):
        suffix = " (shock)" if kind == "shock" else ""
        return f"[`{where}`]({MODEL_PAGE}#{where}){suffix}"
    if kind in ("derived", "event"):
        return f"[`{where}`](#{where})"
    if kind == "target":
        return f"[target `{where}`](#target-{where})"
    if kind == "correlation":
        return f"[correlation {where}]({MODEL_PAGE}#correlations)"
    if kind == "record":
        return f"[the record's {where.replace('_', ' ')}](scoring.md) (`tjsim score`)"
    if kind == "quarterly":
        return f"[quarters]({MODEL_PAGE}#quarters)"
    if kind == "total":
        return f"[total of `{where}`](#totals)"
    return f"{kind} `{where}`"


def _uses_cell(uses: Sequence[tuple[str, str]]) -> str:
    return ", ".join(_use_link(k, w) for k, w in uses) or "–"


def cell(text: Any) -> str:
    """Escape text for a markdown table cell."""
    text = " ".join(str(text).split())
    for ch in ("\\", "|", "*", "_", "<", ">", "[", "]", "`"):
        text = text.replace(ch, "\\" + ch)
    return text


def anchor(ident: str) -> str:
    return f'<a id="{ident}"></a>`{ident}`'


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A markdown table; ``align`` holds one of ``l``/``r`` per column (default left)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- runs
#: Draws and seed of the runs the pages quote: the readings, central against mean and
#: median, and the table of choices, all on the same draws.
RUN_DRAWS = 100_000
RUN_SEED = 2024


@dataclass(frozen=True)
class Choice:
    """A contestable choice of the calibration, as a change to the baseline.

    ``parameters`` are set, ``events`` get new probabilities, ``reading`` reads every
    target that has it so, and ``mean_from`` sets GDP's fitted ordinary-year mean
    (``gdp_reporting_mean``) from the baseline's parameters: ``"target + bias"`` (the
    target plus the record's planners' bias) or ``"projection"`` (the sectors' GDP
    projection, the 0.2 central case).
    """

    label: str
    parameters: Mapping[str, float] = field(default_factory=dict)
    events: Mapping[str, float] = field(default_factory=dict)
    reading: str | None = None
    mean_from: str | None = None


CHOICES: tuple[Choice, ...] = (
    Choice("baseline, as calibrated"),
    Choice("spread 0.5", {"gdp_reporting_spread": 0.5}),
    Choice("spread 2.0", {"gdp_reporting_spread": 2.0}),
    Choice("spread 1.0", {"gdp_reporting_spread": 1.0}),
    Choice("no skew", {"gdp_reporting_skew": 0.0}),
    Choice("skew -0.5", {"gdp_reporting_skew": -0.5}),
    Choice("break of fixed size", {"gdp_break_spread": 0.0}),
    Choice("break spread 3", {"gdp_break_spread": 3.0}),
    Choice("break probability 0.04", {"gdp_break_probability": 0.04}),
    Choice("break probability 0.25", {"gdp_break_probability": 0.25}),
    Choice("no regime break at all", events={"regime_break": 0.0}),
    Choice("strict reading", reading="strict"),
    Choice("published reading", reading="published"),
    Choice("about reading", reading="about"),
    Choice("mean on target + bias", mean_from="target + bias"),
    Choice("mean at the sectors' projection", mean_from="projection"),
    Choice("no plan-management factor", {"plan_loading": 0.0, "gdp_plan_loading": 0.0}),
    Choice(
        "investment transmission as before (0.04 per point)",
        {
            "industry_on_investment": 0.06,
            "construction_on_investment": 0.5,
            "services_on_investment": 0.0,
        },
    ),
)


@dataclass(frozen=True)
class ChoiceOutcome:
    """GDP and the joint probability under one choice (``None`` where the choice leaves
    a total unreachable, with the reason in ``error``)."""

    choice: Choice
    parameters: Mapping[str, float]
    change: str
    gdp: float | None = None
    joint: float | None = None
    median: float | None = None
    error: str = ""


@dataclass(frozen=True)
class QuotedRuns:
    """The baseline run and the choices, on the same draws."""

    baseline: Any  # tjsim.SimulationResult
    choices: tuple[ChoiceOutcome, ...]


_RUNS: dict[str, QuotedRuns] = {}


def quoted_runs(cal: Calibration) -> QuotedRuns:
    """The runs the pages quote, computed once per calibration (by content) and process."""
    key = hashlib.sha256(repr(cal).encode("utf-8")).hexdigest()
    if key not in _RUNS:
        _RUNS[key] = _quoted_runs(cal)
    return _RUNS[key]


def _quoted_runs(cal: Calibration) -> QuotedRuns:
    from tjsim.analysis.common import common_draws
    from tjsim.api import simulate

    baseline = simulate(draws=RUN_DRAWS, seed=RUN_SEED, calibration=cal)
    common = common_draws(cal, baseline.scenario, draws=RUN_DRAWS, seed=RUN_SEED, method="mc")
    latent = np.vstack([chunk.latent() for chunk in common.passes()])
    if not np.allclose(common.model.correlation, np.eye(common.model.dimension)):
        latent = latent @ common.model.cholesky.T  # every choice keeps the correlations
    outcomes = tuple(_choice_outcome(cal, choice, latent, common.model) for choice in CHOICES)
    reference = outcomes[0]
    run = baseline.probabilities().loc[_record(cal).indicator, "probability"]
    if (
        abs(reference.gdp - run) > 3 / RUN_DRAWS
        or abs(reference.joint - baseline.joint()["probability"]) > 3 / RUN_DRAWS
    ):
        raise AssertionError("the choices are not evaluated on the baseline run's draws")
    return QuotedRuns(baseline, outcomes)


def _choice_scenario(
    cal: Calibration, choice: Choice, base: Any, values: Mapping[str, float]
) -> tuple[Any, str]:
    """The scenario of ``choice`` and a description of what it changes (``base`` is the
    baseline's compiled model, ``values`` its parameters)."""
    from tjsim.scenario import Scenario

    scenario, changes = Scenario(), []
    for pid, value in choice.parameters.items():
        scenario = scenario.with_parameter(pid, value)
        changes.append(f"[`{pid}`]({CALIBRATION_PAGE}#{pid}) = {number(value)}")
    for eid, p in choice.events.items():
        scenario = scenario.with_event(eid, p)
        changes.append(f"[`{eid}`]({CALIBRATION_PAGE}#{eid}) probability {number(p)}")
    if choice.reading is not None:
        scenario = scenario.with_reading(choice.reading)
        changes.append(f"every target that has it read `{choice.reading}`")
    if choice.mean_from is not None:
        record = _record(cal)
        if choice.mean_from == "target + bias":
            gdp = cal.targets[record.indicator]
            target = cal.value(gdp.rule.threshold, values, "targets.yaml", record.indicator)
            mean = target + values[record.bias]
            why = f"target {number(target)} + the record's bias {short(values[record.bias])}"
        else:
            mean = values["gdp_sector_projection"]
            why = "the sectors' projection `gdp_sector_projection`"
        scenario = scenario.with_parameter("gdp_reporting_mean", mean)
        changes.append(
            f"[`gdp_reporting_mean`]({CALIBRATION_PAGE}#gdp_reporting_mean) = {short(mean)}: "
            f"{why}, not the fitted {short(values['gdp_reporting_mean'])}"
        )
    return scenario, "; ".join(changes) or "–"


def _choice_outcome(
    cal: Calibration, choice: Choice, latent: np.ndarray, base: Any
) -> ChoiceOutcome:
    """Evaluate ``choice`` on the baseline's (correlated) latent normals ``latent``."""
    from tjsim.engine import NumpyKernel
    from tjsim.engine.kernels.numpy_kernel import met_flags
    from tjsim.errors import TjsimError
    from tjsim.model import compile_model

    record = _record(cal)
    scenario, change = _choice_scenario(cal, choice, base, base.parameters)
    try:
        model = compile_model(cal, scenario)
    except TjsimError:
        parameters = cal.parameters(dict(choice.parameters))
        return ChoiceOutcome(choice, parameters, change, error=_unreachable(cal, base, parameters))
    assert np.array_equal(model.correlation, base.correlation)
    kernel = replace(NumpyKernel.from_model(model), correlate=None)
    x = kernel.basis(latent.copy())
    m, primary = kernel.n_indicators, model.n_primary
    columns = [model.indicators.index(record.indicator), *range(m, m + primary)]
    values = x @ kernel.weights[:, columns] + kernel.offset[columns]
    met = met_flags(values[:, 1:], model.target_strict[:primary], primary)
    ids = [t.id for t in model.primary_targets]
    return ChoiceOutcome(
        choice,
        model.parameters,
        change,
        gdp=float(met[:, ids.index(record.indicator)].mean()),
        joint=float(met[:, -1].mean()),
        median=float(np.median(values[:, 0])),
    )


def _unreachable(cal: Calibration, base: Any, parameters: Mapping[str, float]) -> str:
    """Why GDP's total cannot be reached: the spread the other components give it."""
    from tjsim.model.totals import core_covariance, margin_loadings

    record = _record(cal)
    total = cal.totals[record.indicator]
    others = margin_loadings(base, total.indicator, total.relative_to)
    others[base.basis.index(total.free)] = 0.0
    reached = float(np.sqrt(others @ core_covariance(base, cal) @ others))
    wanted = parameters[str(total.spread)]
    return (
        f"the components other than `{total.free}` already give `{total.indicator}` an "
        f"ordinary-year spread of {reached:.3f}, more than the {wanted:.3f} this choice "
        "asks of it, so no spread of the free component reaches it (the "
        "calibration refuses it with an error); reaching it would take smaller sector, "
        "driver or event spreads."
    )


# ---------------------------------------------------------------------------- blocks
def render_parameters(cal: Calibration) -> str:
    """Every fact the model uses, grouped by kind, with value, unit, source and uses."""
    uses = parameter_uses(cal)
    used = [f for f in cal.facts if f.id in uses]
    parts = []
    titles = {
        "report": (
            "Figures from the report",
            "The report's section and the Chinese phrase each figure comes from.",
        ),
        "statistic": (
            "Other public statistics",
            "District and city statistical releases, as reprinted; medium confidence "
            "unless stated.",
        ),
        "assumption": (
            "Assumptions",
            "Numbers nobody published, each with its reason.",
        ),
        "fitted": (
            "Fitted numbers",
            "A reporting model's fit to the record of published GDP growth "
            "(`fitted.yaml`; [GDP's distribution](#gdp-fitted)).",
        ),
    }
    for kind, (title, note) in titles.items():
        facts = [f for f in used if f.kind == kind]
        if not facts:
            continue
        source_header = "Reason" if kind == "assumption" else "Source"
        rows = []
        for f in facts:
            source = f.source.removeprefix("assumption:").removeprefix("fitted:").strip()
            rows.append(
                [
                    anchor(f.id),
                    number(f.value),
                    cell(f.unit),
                    cell(f.label),
                    cell(source),
                    _uses_cell(uses[f.id]),
                ]
            )
        parts.append(
            f"### {title}\n\n{note} {len(facts)} parameters.\n\n"
            + table(
                ["Parameter", "Value", "Unit", "What", source_header, "Used in"], rows, "lrllll"
            )
        )
    unused = len(cal.facts) - len(used)
    parts.append(
        f"The calibration holds {len(cal.facts)} facts in all: the {len(used)} above enter "
        f"the model, the other {unused} (mostly report figures on programmes, counts and "
        "projects) are kept for reference and listed by `tjsim facts`."
    )
    return "\n\n".join(parts)


def _with_numbers(text: str, values: Mapping[str, float]) -> str:
    def name(n: str) -> str:
        return number(values[n])

    return to_latex(text, name, times=True)


def render_derived(cal: Calibration) -> str:
    """Each derived parameter: its definition as in model.yaml, with the numbers, its value
    and where it is used."""
    values = _values(cal)
    uses = parameter_uses(cal)
    parts = []
    for did, text in cal.derived.items():
        used = _uses_cell(uses.get(did, []))
        parts.append(
            "\n".join(
                [
                    f"{anchor(did)} = **{short(values[did])}**, used in {used}",
                    "",
                    "`" + " ".join(text.split()) + "`",
                    "",
                    "$$",
                    f"{_with_numbers(text, values)} = {short(values[did])}",
                    "$$",
                ]
            )
        )
    return "\n\n".join(parts)


def _record(cal: Calibration) -> Any:
    if cal.record is None:
        raise KeyError("the calibration has no 'record' block")
    return cal.record


def _derivation(cal: Calibration, did: str, values: Mapping[str, float]) -> list[str]:
    """A derived parameter as ``symbol = formula = numbers = value``, in display math."""
    text = cal.derived[did]
    return [
        "$$",
        f"{parameter_symbol(did)} = {to_latex(text, parameter_symbol)}"
        f" = {_with_numbers(text, values)} = {short(values[did])}",
        "$$",
    ]


def render_record(cal: Calibration) -> str:
    """The GDP record (outturn, target, miss, how each year counts) and the derivation of
    the planners' bias, the ordinary-year spread and the regime-break tail."""
    record = _record(cal)
    values = _values(cal)
    bias = values[record.bias]
    rows = []
    for year in record.years:
        target = values[record.name("target", year)]
        outturn = values[record.name("outturn", year)]
        ordinary = values[record.name("ordinary", year)]
        tail = values[record.name("tail", year)]
        regime = "ordinary" if ordinary and not tail else "regime break" if tail else "left out"
        rows.append(
            [
                str(year),
                _link_number(record.name("target", year), target),
                _link_number(record.name("outturn", year), outturn),
                f"{outturn - target:+.1f}",
                f"{outturn - target - bias:+.2f}",
                _link_number(record.name("ordinary", year), ordinary),
                _link_number(record.name("tail", year), tail),
                regime,
            ]
        )
    steps = [record.bias, record.spread, record.tail_probability, record.tail_impact]
    counts = sorted(
        {
            name
            for did in steps
            for name in referenced(cal.derived[did])
            if name in cal.derived and name not in _yearly_names(cal) and name not in steps
        },
        key=list(cal.derived).index,
    )
    lines = [
        table(
            [
                "Year",
                "Target τ (%)",
                "Outturn g (%)",
                "Miss e = g − τ (pp)",
                "Less the bias, e − b",
                "Ordinary weight",
                "Break weight",
                "Counted as",
            ],
            rows,
            "rrrrrrrl",
        ),
        "",
        "How many years count each way:",
        "",
    ]
    for did in counts:
        lines += [*_derivation(cal, did, values), ""]
    titles = {
        record.bias: "The planners' bias, the mean miss of the ordinary years:",
        record.spread: (
            "The ordinary-year spread: the bias-free misses of the ordinary years, shrunk "
            f"toward the prior ${parameter_symbol('gdp_prior_spread')}$ worth "
            f"${parameter_symbol('gdp_prior_weight')}$ pseudo-years:"
        ),
        record.tail_probability: (
            "The yearly probability of a regime break: the share of break years under a "
            f"Beta prior of mean ${parameter_symbol('break_prior_rate')}$ worth "
            f"${parameter_symbol('break_prior_years')}$ pseudo-years:"
        ),
        record.tail_impact: (
            "Its impact: the mean bias-free miss of the break years, shrunk toward the prior "
            f"${parameter_symbol('break_impact_prior')}$ worth "
            f"${parameter_symbol('break_impact_prior_weight')}$ pseudo-year:"
        ),
    }
    for did in steps:
        lines += [titles[did], "", *_derivation(cal, did, values), ""]
    return "\n".join(lines)


def _yearly_names(cal: Calibration) -> set[str]:
    """The record's per-year parameter ids (outturns, targets, weights, misses)."""
    record = _record(cal)
    names = {
        record.name(field_name, year)
        for year in record.years
        for field_name in ("outturn", "target", "ordinary", "tail")
    }
    return names | {did for did in cal.derived if re.fullmatch(r"gdp_miss_\d{4}", did)}


def _link_number(pid: str, value: float) -> str:
    """``value`` linked to parameter ``pid``'s row on the calibration page."""
    return f"[{number(value)}]({CALIBRATION_PAGE}#{pid})"


#: Per calibration object (kept alive with it): its parameter values and compiled
#: baseline, computed once per process; both are pure functions of the calibration.
_MEMO: dict[tuple[str, int], tuple[Calibration, Any]] = {}


def _memo(kind: str, cal: Calibration, make: Callable[[], Any]) -> Any:
    key = (kind, id(cal))
    if key not in _MEMO or _MEMO[key][0] is not cal:
        _MEMO[key] = (cal, make())
    return _MEMO[key][1]


def _values(cal: Calibration) -> dict[str, float]:
    """Every parameter's value (do not modify the dictionary returned)."""
    return _memo("values", cal, cal.parameters)


def _compiled(cal: Calibration) -> Any:
    """The calibration's baseline, compiled."""
    from tjsim.model import compile_model

    return _memo("model", cal, lambda: compile_model(cal))


def render_shocks(cal: Calibration) -> str:
    """Each shocked variable's marginal: family, spread, shape and resulting moments."""
    model = _compiled(cal)
    rows = []
    for vid, marginal in zip(cal.shocked, model.marginals, strict=False):
        spec = cal.variables[vid].shock
        assert spec is not None
        shape = "–"
        halves = "–"
        if marginal.family == "t":
            shape = f"df {_ref(spec.df, marginal.df)}"
        if marginal.family == "two_piece":
            shape = f"skew {_ref(spec.skew, marginal.skew)}"
            down, up = marginal.sigmas
            halves = f"{short(down)} / {short(up)}"
        spread = (
            f"solved: {short(marginal.spread)}"
            if spec.spread is None
            else _ref(spec.spread, marginal.spread)
        )
        rows.append(
            [
                f"[`{vid}`]({MODEL_PAGE}#{vid})",
                f"${shock_symbol(vid)}$",
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


def _ref(ref: Any, value: float) -> str:
    """``[id](calibration.md#id) = value`` for a parameter reference, else the number."""
    if isinstance(ref, str) and ref.isidentifier():
        return f"[`{ref}`]({CALIBRATION_PAGE}#{ref}) = {number(value)}"
    return number(value)


def render_correlations(cal: Calibration) -> str:
    """The latent-normal correlation matrix of the basis columns that have correlations."""
    model = _compiled(cal)
    values = _values(cal)
    pairs = [
        [
            f"`{a}`",
            f"`{b}`",
            f"${parameter_symbol(ref) if isinstance(ref, str) else number(ref)}$",
            _ref(ref, cal.value(ref, values, "model.yaml", "correlations")),
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


def render_events(cal: Calibration) -> str:
    """Each event: probability, latent threshold and report passage; then its impacts."""
    from scipy import special

    values = _values(cal)
    rows, impacts = [], []
    for eid, event in cal.events.items():
        p = cal.value(event.probability, values, "model.yaml", f"events.{eid}")
        rows.append(
            [
                anchor(eid),
                cell(event.label) + (" (tail event, outside the totals)" if event.tail else ""),
                _ref(event.probability, p),
                f"{float(special.ndtri(p)):.4f}" if 0 < p < 1 else ("−∞" if p == 0 else "+∞"),
                cell(event.source) or "–",
            ]
        )
        size = "fixed"
        if event.size_spread is not None:
            spread = cal.value(event.size_spread, values, "model.yaml", f"events.{eid}")
            size = _ref(event.size_spread, spread) if spread else "fixed"
        for vid, ref in event.impact.items():
            impact = cal.value(ref, values, "model.yaml", f"events.{eid}.impact.{vid}")
            impacts.append(
                [
                    f"`{eid}`",
                    f"[`{vid}`]({MODEL_PAGE}#{vid})",
                    f"{impact:+g}",
                    f"[`{ref}`]({CALIBRATION_PAGE}#{ref})" if isinstance(ref, str) else "–",
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


_LEGEND_START = re.compile(r"^#\s*Reading names")
_LEGEND_ENTRY = re.compile(r"^#\s{1,4}(?P<name>\w+)\s{2,}(?P<text>\S.*)$")
_LEGEND_MORE = re.compile(r"^#\s{5,}(?P<text>\S.*)$")
_TARGET_LINE = re.compile(r"^  (?P<id>\w+):\s*$")
_TARGET_NOTE = re.compile(r"^\s{4,}#\s?(?P<text>.*)$")


def target_notes(path: str | Path | None) -> tuple[dict[str, str], dict[str, str]]:
    """The comments of a targets file: what each reading name means (the header's list
    of reading names) and each target's note (comment lines inside its entry)."""
    if path is None or not Path(path).is_file():
        return {}, {}
    legend: dict[str, str] = {}
    notes: dict[str, list[str]] = {}
    in_legend, last, target = False, "", ""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if _LEGEND_START.match(line):
            in_legend = True
            continue
        if in_legend:
            entry, more = _LEGEND_ENTRY.match(line), _LEGEND_MORE.match(line)
            if more and last:
                legend[last] += " " + more.group("text").strip()
            elif entry:
                last = entry.group("name")
                legend[last] = entry.group("text").strip()
            else:
                in_legend = False
        heading, note = _TARGET_LINE.match(line), _TARGET_NOTE.match(line)
        if heading:
            target = heading.group("id")
        elif note and target:
            notes.setdefault(target, []).append(note.group("text").strip())
    return legend, {tid: " ".join(lines) for tid, lines in notes.items()}


def _percent(p: float, digits: int = 1) -> str:
    return f"{100 * p:.{digits}f}%"


def render_readings(cal: Calibration) -> str:
    """Each target: the report's wording, every reading with its rule as stated and as
    applied to the unrounded figure, the default marked, the probability under each in
    the baseline run, and the calibration's note on the choice."""
    runs = quoted_runs(cal)
    model = _compiled(cal)
    probabilities = runs.baseline.readings(detail=True)["probability"]
    legend, notes = target_notes(cal.files.get("targets"))
    rows = []
    for tid, spec in cal.targets.items():
        first = True
        for target in (t for t in model.targets if t.id == tid):
            name = f"**{target.reading}** (default)" if target.primary else target.reading
            rows.append(
                [
                    f'<a id="target-{tid}"></a>`{tid}`' if first else "",
                    cell(spec.wording) if first else "",
                    name,
                    cell(target.stated or target.rule),
                    f"`{target.rule}`",
                    _percent(float(probabilities.loc[(tid, target.reading)])),
                ]
            )
            first = False
    lines = [
        table(
            [
                "Target",
                "Report wording",
                "Reading",
                "Rule as stated",
                "Met when (unrounded)",
                "P(met), baseline",
            ],
            rows,
            "lllllr",
        ),
        "",
        f"Probabilities from `tjsim.simulate(draws={RUN_DRAWS:_}, seed={RUN_SEED})`, every "
        "reading on the same draws (`result.readings()`); their Monte Carlo standard errors "
        f"are at most {50 / RUN_DRAWS**0.5:.2f} points.",
    ]
    if legend:
        lines += ["", "What the reading names mean:", ""]
        lines += [f"- **{name}**: {cell(text)}" for name, text in legend.items()]
    if notes:
        lines += ["", "The calibration's notes on its defaults:", ""]
        lines += [f"- `{tid}`: {cell(text)}" for tid, text in notes.items()]
    return "\n".join(lines)


#: Components below this share of an indicator's ordinary-year variance are grouped.
SMALL_SHARE = 0.05


def render_totals(cal: Calibration) -> str:
    """Each total: the spread its record gives, the free component and its solved spread,
    and where the indicator's ordinary-year variance comes from."""
    from tjsim.model.totals import variance_shares

    model = _compiled(cal)
    values = _values(cal)
    rows = []
    for vid, total in cal.totals.items():
        what = f"[`{total.indicator}`]({MODEL_PAGE}#{total.indicator})"
        if total.relative_to is not None:
            what += f" − [`{total.relative_to}`]({MODEL_PAGE}#{total.relative_to})"
        spread = cal.value(total.spread, values, "model.yaml", f"totals.{vid}.spread")
        shares = variance_shares(model, cal, total.indicator, total.relative_to)
        rows.append(
            [
                what,
                _ref(total.spread, spread) if isinstance(total.spread, str) else number(spread),
                f"[`{total.free}`]({MODEL_PAGE}#{total.free})",
                short(model.solved_spreads[total.free]),
                _shares_cell(shares),
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


def _shares_cell(shares: Mapping[str, float]) -> str:
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
    model = _compiled(cal)
    by_indicator: dict[str, list[str]] = {}
    for target in model.targets:
        other = target.compare_to if target.compare_to is not None else number(target.threshold)
        if target.compare_to is not None and target.tolerance:
            other += f" {'-' if target.op in ('>=', '>') else '+'} {number(target.tolerance)}"
        by_indicator.setdefault(target.indicator, []).append(f"`{target.op} {other}`")
    rows = [
        [
            f"[`{vid}`]({MODEL_PAGE}#{vid})",
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


def render_reduced_form(cal: Calibration) -> str:
    """The compiled row of GDP growth: its constant and its loading on every basis column."""
    model = _compiled(cal)
    j = model.indicators.index("gdp_growth")
    rows = [
        [f"`{name}`", "shock" if i < model.n_shocks else "event", short(model.loadings[j, i])]
        for i, name in enumerate(model.basis)
        if model.loadings[j, i] != 0
    ]
    zero = [name for i, name in enumerate(model.basis) if model.loadings[j, i] == 0]
    return "\n".join(
        [
            f"$c_g = {short(model.constant[j])}$, and the non-zero loadings $L_{{g,\\cdot}}$:",
            "",
            table(["Basis column", "Kind", "Loading"], rows, "llr"),
            "",
            "Zero loading (these move other indicators only): "
            + ", ".join(f"`{n}`" for n in zero)
            + ".",
        ]
    )


def _equation_latex(cal: Calibration, vid: str) -> str:
    spec = cal.variables[vid]
    values = _values(cal)

    def name(n: str) -> str:
        if n in cal.variables:
            return variable_symbol(n)
        return parameter_symbol(n) if n in values else rf"\mathrm{{{_escape_tex(n)}}}"

    body = to_latex(spec.tree, name)
    extra = []
    if spec.shock is not None:
        extra.append(shock_symbol(vid))
    for eid, event in cal.events.items():
        ref = event.impact.get(vid)
        if ref is not None:
            coeff = parameter_symbol(ref) if isinstance(ref, str) else number(ref)
            extra.append(rf"{coeff}\,{event_symbol(eid)}")
    if body == "0" and extra:
        body = " + ".join(extra)
    elif extra:
        body = body + " + " + " + ".join(extra)
    return f"{variable_symbol(vid)} = {body}"


def _layer_parameters(cal: Calibration, vids: Sequence[str]) -> list[str]:
    values = _values(cal)
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
    symbol = shock_symbol(vid)
    if spec.spread is None:
        spread = f"solved from {_total_link(cal, vid)}"
    else:
        spread = f"${_sym_or_number(spec.spread)}$"
    if spec.distribution == "normal":
        return f"${symbol}$: normal, standard deviation {spread}."
    if spec.distribution == "t":
        return (
            f"${symbol}$: Student-t with ${_sym_or_number(spec.df)}$ degrees of freedom, "
            f"rescaled to standard deviation {spread}."
        )
    return (
        f"${symbol}$: two-piece normal, spread {spread}, skew ${_sym_or_number(spec.skew)}$, "
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
    return f"[the total of {what}]({CALIBRATION_PAGE}#totals)"


def _sym_or_number(ref: Any) -> str:
    return parameter_symbol(ref) if isinstance(ref, str) and ref.isidentifier() else str(ref)


def render_layer(cal: Calibration, layer: str) -> str:
    """The equations of one layer in LaTeX, then the table of the symbols they use."""
    values = _values(cal)
    vids = [v for v, s in cal.variables.items() if s.layer == layer]
    parts = []
    for vid in vids:
        spec = cal.variables[vid]
        unit = f", {spec.unit}" if spec.unit else ""
        lines = [
            f'<a id="{vid}"></a>**{cell(spec.label)}** '
            f"(`{vid}`{cell(unit)}), ${variable_symbol(vid)}$",
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
                f"${parameter_symbol(pid)}$",
                f"[`{pid}`]({CALIBRATION_PAGE}#{pid})",
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


def render_quarterly(cal: Calibration) -> str:
    """The quarterly structure: quarter weights, persistence and deviation spreads; then
    the fit to the record's year-to-date gaps and the weight a first quarter carries."""
    spec = getattr(cal, "quarterly", None)
    if spec is None:
        return "This calibration has no quarterly structure."
    values = _values(cal)
    mfile = "model.yaml"
    weights = [
        [f"Q{i + 1}", _ref(w, cal.value(w, values, mfile, "quarterly.weights"))]
        for i, w in enumerate(spec.weights)
    ]
    spreads = [
        [
            f"[`{v}`]({MODEL_PAGE}#{v})",
            _ref(ref, cal.value(ref, values, mfile, "quarterly.variables")),
        ]
        for v, ref in spec.variables.items()
    ]
    rho = cal.value(spec.persistence, values, mfile, "quarterly.persistence")
    return "\n".join(
        [
            table(["Quarter", "Weight w_q"], weights, "lr"),
            "",
            f"Persistence of the quarterly deviations: {_ref(spec.persistence, rho)}.",
            "",
            table(["Variable with quarters", "Deviation spread (pp)"], spreads, "lr"),
            "",
            _quarterly_fit(cal),
        ]
    )


#: The record's root-mean-square gaps of year-to-date GDP growth to the year's, by the
#: number of quarters they cover.
GAP_RECORDS = {1: "q1_gap_rms", 2: "h1_gap_rms"}


def _quarterly_fit(cal: Calibration) -> str:
    """The model's spread of Q1 and H1 growth around the year's against the record's
    gaps, and the weight of evidence: the year's best linear prediction per point of a
    year-to-date surprise, in an ordinary year and with the regime-break tail."""
    from tjsim.model import build_model
    from tjsim.model.moments import basis_moments
    from tjsim.model.quarterly import ytd_indicator
    from tjsim.model.totals import core_covariance
    from tjsim.scenario import Scenario

    values = _values(cal)
    variable = _record(cal).indicator
    if not all(name in cal.derived for name in GAP_RECORDS.values()):
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
    for quarters, rms in GAP_RECORDS.items():
        period = "Q1" if quarters == 1 else "H1"
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
                _ref(rms, values[rms]),
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


def render_choices(cal: Calibration) -> str:
    """How P(GDP target met), GDP's median and the joint probability move with each
    contestable choice, all on the baseline run's draws."""
    runs = quoted_runs(cal)
    record = _record(cal)
    tail = next(eid for eid, event in cal.events.items() if event.tail)
    reference = runs.choices[0]
    assert reference.gdp is not None
    rows, unreachable = [], []
    for outcome in runs.choices:
        p = outcome.parameters
        tail_probability = outcome.choice.events.get(tail, p["gdp_break_probability"])
        derived = [
            short(p["gdp_reporting_mean"]),
            short(p["gdp_reporting_spread"]),
            short(p["gdp_reporting_skew"]),
            short(tail_probability),
            short(p["gdp_break_spread"]),
        ]
        if outcome.gdp is None:
            unreachable.append(outcome)
            results = ["not reachable¹", "", "", ""]
        else:
            assert outcome.joint is not None and outcome.median is not None
            change = 100 * (outcome.gdp - reference.gdp)
            results = [
                _percent(outcome.gdp),
                "" if outcome is reference else f"{change:+.1f}",
                f"{outcome.median:.2f}",
                _percent(outcome.joint, 3),
            ]
        rows.append([cell(outcome.choice.label), outcome.change, *derived, *results])
    fitted = (
        "gdp_reporting_mean",
        "gdp_reporting_spread",
        "gdp_reporting_skew",
        "gdp_break_probability",
        "gdp_break_spread",
    )
    lines = [
        table(
            [
                "Choice",
                "What changes",
                *(f"${parameter_symbol(n)}$" for n in fitted),
                "P(GDP target met)",
                "Change (pp)",
                "GDP median (%)",
                "P(all targets)",
            ],
            rows,
            "llrrrrrrrrr",
        ),
        "",
        f"Every row is evaluated on the same {RUN_DRAWS:,} draws (seed {RUN_SEED}), those of "
        f"`tjsim.simulate(draws={RUN_DRAWS:_}, seed={RUN_SEED})`: the first row is that "
        "run, and the differences between rows come from the choices, not from sampling. "
        f"The baseline's standard error of P(GDP target met) is "
        f"{100 * runs.baseline.probabilities().loc[record.indicator, 'std_error']:.2f} "
        "points; P(all targets) rests on a few dozen draws and moves by noise of its own "
        "size.",
    ]
    for outcome in unreachable:
        lines += [
            "",
            f"¹ {cell(outcome.choice.label)}: {outcome.error}",
        ]
    return "\n".join(lines)


def render_gdp_fitted(cal: Calibration) -> str:
    """GDP's fitted distribution (fitted.yaml) against the simulated one: quantiles and
    P(GDP target met) under each reading, with the tail and without it."""
    from tjsim.analysis.reporting import GrowthDistribution
    from tjsim.api import simulate
    from tjsim.scenario import Scenario

    runs = quoted_runs(cal)
    values = _values(cal)
    gdp = _record(cal).indicator
    fitted = GrowthDistribution(
        values["gdp_reporting_mean"],
        values["gdp_reporting_spread"],
        values["gdp_reporting_skew"],
        values["gdp_break_probability"],
        values["gdp_break_impact"],
        values["gdp_break_spread"],
    )
    ordinary = replace(fitted, break_probability=0.0)
    tail = next(eid for eid, event in cal.events.items() if event.tail)
    core = simulate(
        Scenario().with_event(tail, 0.0), draws=RUN_DRAWS, seed=RUN_SEED, calibration=cal
    )
    qs = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
    full_q = runs.baseline.quantiles(qs).loc[gdp]
    core_q = core.quantiles(qs).loc[gdp]
    rows = []
    for q in qs:
        model_full, exact_full = float(full_q[q]), fitted.ppf(q)
        model_core, exact_core = float(core_q[q]), ordinary.ppf(q)
        rows.append(
            [
                f"{100 * q:g}% quantile",
                f"{exact_full:.3f}",
                f"{model_full:.3f}",
                f"{model_full - exact_full:+.3f}",
                f"{exact_core:.3f}",
                f"{model_core:.3f}",
                f"{model_core - exact_core:+.3f}",
            ]
        )
    readings = runs.baseline.readings(detail=True)["probability"]
    core_readings = core.readings(detail=True)["probability"]
    for target in runs.baseline.model.targets:
        if target.id != gdp or target.op != ">=":
            continue
        exact_full = 1.0 - float(fitted.cdf(target.threshold))
        exact_core = 1.0 - float(ordinary.cdf(target.threshold))
        model_full = float(readings[(gdp, target.reading)])
        model_core = float(core_readings[(gdp, target.reading)])
        rows.append(
            [
                f"P(GDP target met), `{target.reading}` (≥ {number(target.threshold)})",
                _percent(exact_full),
                _percent(model_full),
                f"{100 * (model_full - exact_full):+.1f} pp",
                _percent(exact_core),
                _percent(model_core),
                f"{100 * (model_core - exact_core):+.1f} pp",
            ]
        )
    mean = float(runs.baseline.model.mean[runs.baseline.model.indicators.index(gdp)])
    exact_mean = fitted.mean
    rows.append(
        [
            "mean (exact, from the model's moments)",
            f"{exact_mean:.3f}",
            f"{mean:.3f}",
            f"{mean - exact_mean:+.3f}",
            f"{fitted.centre:.3f}",
            "",
            "",
        ]
    )
    se = runs.baseline.probabilities().loc[gdp, "std_error"]
    return "\n".join(
        [
            table(
                [
                    "",
                    "Fitted",
                    "Simulated",
                    "Gap",
                    "Fitted, no break",
                    "Simulated, no break",
                    "Gap",
                ],
                rows,
                "lrrrrrr",
            ),
            "",
            f"Fitted: the distribution of `fitted.yaml` computed exactly "
            f"(`tjsim.analysis.reporting.GrowthDistribution`); simulated: `tjsim.simulate(draws="
            f"{RUN_DRAWS:_}, seed={RUN_SEED})`, and the same with `{tail}` at probability 0 "
            f"for the columns without the break. The standard error of a simulated "
            f"probability is about {100 * se:.2f} points, of a middle quantile about 0.005.",
        ]
    )


def render_central_mean_median(cal: Calibration) -> str:
    """GDP's central case, mean and median from the baseline run, and the gap between
    them: each event's exact effect on the mean, and the median without the tail."""
    runs = quoted_runs(cal)
    record = _record(cal)
    gdp = record.indicator
    row = runs.baseline.summary().loc[gdp]
    model = runs.baseline.model
    j = model.indicators.index(gdp)
    rows = []
    effects = {}
    for k, eid in enumerate(model.basis[model.n_shocks :]):
        impact = float(model.loadings[j, model.n_shocks + k])
        if impact:
            p = float(model.event_probabilities[k])
            effects[eid] = p * impact
            rows.append([f"[`{eid}`](#{eid})", number(p), f"{impact:+.3f}", f"{p * impact:+.3f}"])
    rows.sort(key=lambda r: float(r[3]))
    exact = float(model.mean[j] - model.constant[j])
    rows.append(["all events", "", "", f"**{exact:+.3f}**"])
    tail = next(eid for eid, event in cal.events.items() if event.tail)
    core = next(o for o in runs.choices if o.choice.events.get(tail) == 0.0)
    assert core.median is not None
    return "\n".join(
        [
            table(
                ["Statistic", f"`{gdp}` (%)"],
                [
                    ["central case (every shock at zero, no event)", short(row["central"])],
                    ["median", short(row["median"])],
                    ["mean", short(row["mean"])],
                    ["median without the regime break (its probability 0)", short(core.median)],
                    ["exact mean (central case + events' expected impacts)", short(model.mean[j])],
                    ["standard deviation", short(row["std"])],
                    ["5% and 95% quantiles", f"{short(row['q05'])}, {short(row['q95'])}"],
                ],
                "lr",
            ),
            "",
            f"From `tjsim.simulate(draws={RUN_DRAWS:_}, seed={RUN_SEED}).summary()`; the "
            "median without the regime break is on the same draws. The shocks have mean "
            "zero, so the mean differs from the central case by the events' expected "
            "impacts alone, probability times impact:",
            "",
            table(
                [
                    "Event",
                    "Probability",
                    "Impact on GDP if it occurs (pp, mean)",
                    "Effect on the mean",
                ],
                rows,
                "lrrr",
            ),
        ]
    )


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
            f"{_percent(s['coverage_50'], 0)} ({_percent(s['naive_coverage_50'], 0)})",
            f"{_percent(s['coverage_90'], 0)} ({_percent(s['naive_coverage_90'], 0)})",
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


# ---------------------------------------------------------------------------- panel
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
    frame = _panel()
    rows = []
    for r in frame[frame["pinyin"] == "tianjin"].itertuples():
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

    weights = quarterly_weights()
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


# ---------------------------------------------------------------------------- reporting
def _reporting(cal: Calibration) -> Any:
    """The reporting model scored on the panel, its alternatives included (once per
    process: it does not depend on the calibration)."""
    from tjsim.api import score

    return _memo("reporting", _REPORTING_KEY, lambda: score(panel=True, alternatives=True))


class _Key:
    """A stand-in calibration for memoising what does not depend on one."""


_REPORTING_KEY: Any = _Key()

_FORECASTS = {
    "model": "reporting model",
    "naive": "(a) naive normal on the target",
    "bias": "(b) target + pooled bias, normal",
    "v02": "(c) tjsim 0.2's method, own record",
}


def render_reporting_model(cal: Calibration) -> str:
    """The reporting model's fitted parameters on the whole panel."""
    result = _reporting(cal)
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
    result = _reporting(cal)
    summary = result.summary()
    rows = [
        [
            kind,
            _FORECASTS[forecast],
            str(int(r["pairs"])),
            f"{r['log_score']:.2f}",
            f"{r['crps']:.2f}",
            _percent(r["coverage_50"], 0),
            _percent(r["coverage_90"], 0),
        ]
        for (kind, forecast), r in summary.iterrows()
    ]
    goals = [
        [goal, f"{r['value']:+.2f}" if "log score" in goal else _percent(r["value"], 0),
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
    result = _reporting(cal)
    frame = result.choices_table()
    rows = [
        [
            label if label != "chosen" else "**chosen**: " + r["choices"],
            f"{r['log_score']:.3f}",
            f"{r['crps']:.3f}",
            _percent(r["coverage_50"], 0),
            _percent(r["coverage_90"], 0),
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

    model = _reporting(cal).model
    projection = reporting.sectoral_projection(cal)
    d = model.predict("天津", 4.5, "左右", projection=projection, year=2024)
    numbers = reporting.tianjin_gdp_distribution(model, cal)
    q = d.ppf(np.array([0.05, 0.95]))
    bias, bias_sd = model.region_bias("天津")
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
                    [f"P(target met), {reading} ({r['rule']})", _percent(r["probability"], 0)]
                    for reading, r in odds.iterrows()
                ],
                ["tjsim 0.2, centred on the projection: P(met), published",
                 _percent(V02_GDP_PROBABILITIES["projection"], 0)],
                ["tjsim 0.2, centred on target + Tianjin's own bias: P(met), published",
                 _percent(V02_GDP_PROBABILITIES["target plus bias"], 0)],
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


#: The plan factor's loadings tried, a uniform prior over them (revenue's total allows
#: at most about 0.74), and the record: ordinary years and the number met in each.
PLAN_GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
PLAN_RECORD = {2021: 7, 2023: 7}


def headline_counts(cal: Calibration, scenario: Any, draws: int, seed: int) -> np.ndarray:
    """The number of headline targets met in each draw of ``scenario``."""
    from tjsim.analysis import kept_met_flags
    from tjsim.api import simulate

    result = simulate(scenario, draws=draws, seed=seed, keep_draws=True, calibration=cal)
    flags = kept_met_flags(result)
    names = [target.id for target in result.model.primary_targets]
    headline = [names.index(target.id) for target in result.model.headline_targets]
    return flags[:, headline].sum(axis=1)


def plan_likelihood(
    cal: Calibration, draws: int = RUN_DRAWS, seed: int = RUN_SEED
) -> list[tuple[float, np.ndarray, float]]:
    """For each loading of :data:`PLAN_GRID`: the ordinary-year distribution of the
    number of headline targets met (tail events off) and the likelihood of the record
    (the product over its years of the probability of the count each year had)."""
    from tjsim.errors import TjsimError
    from tjsim.scenario import Scenario

    tails = [eid for eid, event in cal.events.items() if event.tail]
    out = []
    for loading in PLAN_GRID:
        scenario = Scenario().with_parameter("plan_loading", loading)
        for eid in tails:
            scenario = scenario.with_event(eid, 0.0)
        try:
            counts = headline_counts(cal, scenario, draws, seed)
        except TjsimError:  # a loading that leaves a managed total unreachable
            continue
        dist = np.bincount(counts, minlength=9) / len(counts)
        out.append((loading, dist, float(np.prod([dist[n] for n in PLAN_RECORD.values()]))))
    return out


def render_plan_factor(cal: Calibration) -> str:
    """The plan-management factor's loading against the record of headline counts."""
    if "plan_loading" not in cal.parameters():
        return "This calibration has no plan-management factor.\n"
    rows = plan_likelihood(cal)
    total = sum(lik for _, _, lik in rows)
    body = [
        [
            number(loading),
            _percent(dist[7]),
            _percent(dist[7:].sum()),
            _percent(dist[8]),
            f"{dist[7:].sum() ** len(PLAN_RECORD):.4f}",
            f"{lik / total:.3f}",
        ]
        for loading, dist, lik in rows
    ]
    years = ", ".join(f"{year}: {n} of 8" for year, n in PLAN_RECORD.items())
    best = max(rows, key=lambda row: row[2])[0]
    return (
        table(
            [
                "`plan_loading`",
                "P(7 of 8)",
                "P(at least 7 of 8)",
                "P(all 8)",
                "P(a two-year record at 7 or 8 each year)",
                "Posterior weight",
            ],
            body,
            "rrrrrr",
        )
        + f"\nRecord ({years}); the loadings shown are those that leave every managed "
        "target's record-derived total reachable. The likelihood rises with the loading: "
        f"its maximum on this grid is at **{best:g}**, against "
        f"[`plan_loading`]({CALIBRATION_PAGE}#plan_loading) = "
        f"{number(cal.parameters()['plan_loading'])}. Ordinary years (tail events off), "
        f"{RUN_DRAWS:,} draws, seed {RUN_SEED}.\n"
    )


BLOCKS: dict[str, Callable[[Calibration], str]] = {
    "plan-factor": render_plan_factor,
    "parameters": render_parameters,
    "derived": render_derived,
    "record": render_record,
    "shocks": render_shocks,
    "correlations": render_correlations,
    "events": render_events,
    "readings": render_readings,
    "totals": render_totals,
    "choices": render_choices,
    "gdp-fitted": render_gdp_fitted,
    "central-mean-median": render_central_mean_median,
    "score": render_score,
    "central-case": render_central_case,
    "reduced-form": render_reduced_form,
    "quarterly": render_quarterly,
    "panel-coverage": render_panel_coverage,
    "panel-grades": render_panel_grades,
    "panel-summary": render_panel_summary,
    "panel-tianjin": render_panel_tianjin,
    "panel-quarters": render_panel_quarters,
    "reporting-model": render_reporting_model,
    "reporting-score": render_reporting_score,
    "reporting-choices": render_reporting_choices,
    "reporting-tianjin": render_reporting_tianjin,
    **{
        f"equations-{layer}": (lambda cal, layer=layer: render_layer(cal, layer))
        for layer in LAYER_TITLES
    },
}


# ---------------------------------------------------------------------------- files
def render(name: str, calibration: Calibration | None = None) -> str:
    """The markdown of block ``name`` (a key of :data:`BLOCKS`)."""
    if name not in BLOCKS:
        raise KeyError(f"unknown generated block '{name}'; known: {', '.join(BLOCKS)}")
    return BLOCKS[name](calibration or load_calibration()).rstrip() + "\n"


def update_text(text: str, calibration: Calibration | None = None) -> str:
    """``text`` with every generated block re-rendered."""
    cal = calibration or load_calibration()
    cache: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in cache:
            cache[name] = render(name, cal)
        return f"{BEGIN.format(name=name)}\n\n{cache[name]}\n{END}"

    return _BLOCK.sub(replace, text)


def blocks(text: str) -> list[str]:
    """Names of the generated blocks in ``text``, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def _refresh(text: str, calibration: Calibration | None = None) -> tuple[str, list[str]]:
    """``text`` with every generated block re-rendered, and the names of the blocks
    whose content that changed."""
    fresh = update_text(text, calibration)
    old = _BLOCK.finditer(text)
    new = _BLOCK.finditer(fresh)
    stale = [
        n.group("name") for o, n in zip(old, new, strict=True) if o.group("body") != n.group("body")
    ]
    return fresh, stale


def stale_blocks(text: str, calibration: Calibration | None = None) -> list[str]:
    """Names of the blocks whose content differs from a fresh rendering."""
    return _refresh(text, calibration)[1]


def default_files(root: Path | None = None) -> list[Path]:
    """The markdown files under ``docs/`` (of ``root``, default the working folder) that
    hold generated blocks."""
    folder = Path(root) / "docs" if root is not None else Path("docs")
    return [p for p in sorted(folder.glob("*.md")) if BEGIN.split("{")[0] in p.read_text("utf-8")]


# ---------------------------------------------------------------------------- figures
#: A link to a generated figure in a page, relative to the page.
_FIGURE_LINK = re.compile(r"\]\((?P<path>figures/[\w.-]+\.png)\)")
#: The PNG text key holding a hash of the data a generated figure shows.
FIGURE_KEY = "tjsim-data"


def _score_figure(cal: Calibration) -> tuple[str, Callable[..., Any]]:
    from tjsim.api import score

    result = score(cal)
    return result.to_frame().to_csv(float_format="%.10g"), result.plot


def _panel_figure(cal: Calibration, method: str) -> tuple[str, Callable[..., Any]]:
    result = _reporting(cal)
    return result.to_frame().to_csv(float_format="%.10g"), getattr(result, method)


#: Generated figures by their path relative to ``docs/``: the size in inches, and a
#: function of the calibration returning the data shown (as text) and a drawing
#: function taking ``ax=``.
FIGURES: dict[str, tuple[tuple[float, float], Callable[[Calibration], tuple[str, Any]]]] = {
    "figures/score.png": ((7.0, 3.8), _score_figure),
    "figures/panel_pit.png": ((7.0, 3.8), lambda cal: _panel_figure(cal, "plot_pit")),
    "figures/panel_bands.png": ((9.0, 3.8), lambda cal: _panel_figure(cal, "plot")),
}


def _data_hash(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _stored_hash(path: Path) -> str | None:
    """The data hash a generated PNG carries (``None`` for a missing or foreign file)."""
    if not path.is_file():
        return None
    from PIL import Image

    with Image.open(path) as image:
        return getattr(image, "text", {}).get(FIGURE_KEY)


def figure_links(text: str) -> list[str]:
    """The generated figures a page shows (paths relative to the page)."""
    found = dict.fromkeys(match.group("path") for match in _FIGURE_LINK.finditer(text))
    return [link for link in found if link in FIGURES]


def stale_figures(page: Path, text: str, calibration: Calibration) -> list[str]:
    """The generated figures of ``page`` that are missing or show other data than the
    calibration's (compared by the hash each PNG carries, not pixel by pixel)."""
    return [
        link
        for link in figure_links(text)
        if _stored_hash(page.parent / link) != _data_hash(FIGURES[link][1](calibration)[0])
    ]


def write_figure(path: Path, link: str, calibration: Calibration) -> None:
    """Draw figure ``link`` of :data:`FIGURES` into ``path``, with its data's hash."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size, make = FIGURES[link]
    data, draw = make(calibration)
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(ax=figure.subplots())
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, metadata={FIGURE_KEY: _data_hash(data), "Software": None})


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python docs/tools/docgen.py [--check] [FILE ...]``."""
    parser = argparse.ArgumentParser(
        prog="python docs/tools/docgen.py",
        description="Regenerate the documentation's tables from the calibration.",
    )
    parser.add_argument(
        "files", nargs="*", type=Path, help="markdown files (default: docs/*.md with blocks)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a block or a generated figure is stale",
    )
    parser.add_argument(
        "--calibration", type=Path, default=None, help="calibration folder (default: packaged)"
    )
    args = parser.parse_args(argv)
    files = args.files or default_files()
    if not files:
        print("no markdown file with generated blocks found under docs/", file=sys.stderr)
        return 2
    cal = load_calibration(args.calibration)
    status = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not blocks(text):
            print(f"{path}: no generated blocks", file=sys.stderr)
            status = max(status, 2)
            continue
        fresh, stale = _refresh(text, cal)
        figures = stale_figures(path, text, cal)
        if args.check:
            if stale:
                print(f"{path}: stale blocks: {', '.join(stale)}")
            if figures:
                print(f"{path}: stale figures: {', '.join(figures)}")
            if stale or figures:
                status = max(status, 1)
            else:
                print(f"{path}: up to date")
            continue
        if stale:
            path.write_text(fresh, encoding="utf-8")
            print(f"{path}: regenerated {', '.join(stale)}")
        for link in figures:
            write_figure(path.parent / link, link, cal)
            print(f"{path}: drew {link}")
        if not stale and not figures:
            print(f"{path}: up to date")
    if args.check and status == 1:
        print("run `python docs/tools/docgen.py` to regenerate them")
    return status


# ---------------------------------------------------------------------------- API pages
_ROLE = re.compile(
    r":(?:func|class|meth|mod|data|attr|obj|exc|ref):`(?P<tilde>~?)(?P<target>[^`]+)`"
)
_MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")
_MATH_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)\n(?P<rest>(?:(?P=indent)[ \t]+\S.*\n?)*)",
    re.MULTILINE,
)


def rst_to_markdown(text: str) -> str:
    """Turn the reStructuredText roles and math directives of a docstring into markdown.

    A cross-reference role (``func``, ``class``, ``meth``, ``data``, ...) becomes its
    target in code, shortened to the last name after a tilde; a ``math`` role becomes
    inline ``$...$`` math and a ``math`` directive a ``$$`` display. Everything else is
    kept.
    """

    def role(match: re.Match[str]) -> str:
        target = match.group("target")
        if match.group("tilde"):
            target = target.rsplit(".", 1)[-1]
        return f"`{target}`"

    def directive(match: re.Match[str]) -> str:
        indent = match.group("indent")
        body = [match.group("first").strip()]
        body += [line.strip() for line in match.group("rest").splitlines()]
        tex = " ".join(part for part in body if part)
        return f"{indent}$$\n{indent}{tex}\n{indent}$$\n"

    text = _MATH_DIRECTIVE.sub(directive, text)
    text = _MATH_ROLE.sub(lambda m: f"${m.group('tex')}$", text)
    return _ROLE.sub(role, text)


try:  # the documentation site's extra; the library itself never needs it
    from griffe import Extension as _GriffeExtension
except ImportError:  # pragma: no cover - only without the docs tools
    _GriffeExtension = object  # type: ignore[assignment,misc]


class SphinxRoles(_GriffeExtension):  # type: ignore[misc,valid-type]
    """Griffe extension for the API pages: rewrites each docstring with `rst_to_markdown`.

    Enabled in `mkdocs.yml` under the mkdocstrings handler's `extensions`, as
    `docs/tools/docgen.py:SphinxRoles`.
    """

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and docstring.value:
            docstring.value = rst_to_markdown(docstring.value)


if __name__ == "__main__":
    raise SystemExit(main())
