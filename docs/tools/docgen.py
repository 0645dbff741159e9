"""Render the calibration as markdown for the documentation, so the docs cannot drift.

The pages `docs/model.md` and `docs/calibration.md` hold blocks between two markers,
`<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED -->`. Each block's content is
rendered here from a calibration (by default the packaged one): the equations of every
layer in LaTeX, with a table linking each symbol to its parameter id; every parameter
with its value, source and uses; the derived parameters with their numbers; shocks,
correlations, events, targets and the central case.

From the repository's root, `python docs/tools/docgen.py` rewrites the blocks in place,
and `python docs/tools/docgen.py --check` changes nothing and exits with status 1 when a block
is stale (the test suite runs the check).

The module also holds `SphinxRoles`, the small extension that lets the documentation
site's API pages show the reStructuredText roles and math directives of the library's
docstrings as markdown.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    "investment": ("I", "I"),
    "retail_sales": ("R", "R"),
    "exports": ("X", "X"),
    "cpi": (r"\pi", r"\pi"),
    "credit": ("C", "C"),
    "weather": ("w", "w"),
    "hightech": ("h", "h"),
    "momentum": ("m", "m"),
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
    "budget_revenue_growth": ("r", "r"),
    "budget_revenue": ("B", "B"),
    "disposable_income": ("y", "y"),
    "rural_income": (r"y_{\text{rural}}", r"\text{rural}"),
    "urban_jobs": ("J", "J"),
    "unemployment_rate": ("u", "u"),
    "container_growth": ("k", "k"),
    "container_throughput": ("K", "K"),
}

#: Short names of the events, for their indicators D_tag and impacts delta^tag.
EVENT_TAGS: dict[str, str] = {
    "flood_repeat": "flood",
    "property_slump": "property",
    "export_tariffs": "tariff",
}

#: Symbols of the parameters that appear in equations, shocks, events and correlations.
PARAMETER_SYMBOLS: dict[str, str] = {
    # drivers
    "investment_central": r"\bar{I}",
    "investment_spread": "s_{I}",
    "investment_skew": r"\gamma_{I}",
    "retail_central": r"\bar{R}",
    "retail_spread": "s_{R}",
    "retail_skew": r"\gamma_{R}",
    "exports_central": r"\bar{X}",
    "exports_spread": "s_{X}",
    "exports_skew": r"\gamma_{X}",
    "cpi_central": r"\bar{\pi}",
    "cpi_spread": r"s_{\pi}",
    "cpi_skew": r"\gamma_{\pi}",
    "credit_central": r"\bar{C}",
    "credit_spread": "s_{C}",
    "weather_spread": "s_{w}",
    "weather_df": r"\nu_{w}",
    "hightech_spread": "s_{h}",
    "hightech_df": r"\nu_{h}",
    "momentum_spread": "s_{m}",
    "momentum_skew": r"\gamma_{m}",
    "momentum_sigma_down": r"\sigma_{m}^{\downarrow}",
    "momentum_sigma_up": r"\sigma_{m}^{\uparrow}",
    "spread_prior_sd": r"\sigma_{0}",
    "spread_prior_weight": "k_{0}",
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
    "binhai_on_industry": r"\kappa",
    "binhai_spread": r"s_{\text{Binhai}}",
    "district_spread": "s_{d}",
    # satellites
    "deflator_central": r"\bar{P}",
    "deflator_on_cpi": r"\phi",
    "deflator_spread": "s_{P}",
    "revenue_central": r"\bar{r}",
    "revenue_on_nominal_gdp": r"\eta",
    "revenue_spread": "s_{r}",
    "revenue_skew": r"\gamma_{r}",
    "budget_revenue_2023": "B_{2023}",
    "income_central": r"\bar{y}",
    "income_on_gdp": r"\lambda",
    "income_spread": "s_{y}",
    "rural_income_central": r"\bar{y}_{\text{rural}}",
    "rural_income_on_gdp": r"\lambda_{\text{rural}}",
    "rural_income_spread": r"s_{\text{rural}}",
    "jobs_central": r"\bar{J}",
    "jobs_on_gdp": r"\theta",
    "jobs_spread": "s_{J}",
    "unemployment_central": r"\bar{u}",
    "okun_coefficient": r"\beta_{\text{Okun}}",
    "unemployment_spread": "s_{u}",
    "container_central": r"\bar{k}",
    "container_on_exports": r"\chi",
    "container_spread": "s_{k}",
    "containers_2023": "K_{2023}",
    # correlations
    "corr_investment_retail": r"\rho_{I,R}",
    "corr_investment_exports": r"\rho_{I,X}",
    "corr_retail_exports": r"\rho_{R,X}",
    "corr_investment_credit": r"\rho_{I,C}",
    "corr_retail_cpi": r"\rho_{R,\pi}",
    "corr_exports_hightech": r"\rho_{X,h}",
    "corr_weather_flood": r"\rho_{w,\text{flood}}",
    # events
    "flood_probability": r"p_{\text{flood}}",
    "flood_impact_primary": r"\delta^{\text{flood}}_{\text{pri}}",
    "flood_impact_industry": r"\delta^{\text{flood}}_{\text{ind}}",
    "flood_impact_construction": r"\delta^{\text{flood}}_{\text{con}}",
    "flood_impact_services": r"\delta^{\text{flood}}_{\text{os}}",
    "property_probability": r"p_{\text{property}}",
    "property_impact_investment": r"\delta^{\text{property}}_{I}",
    "property_impact_construction": r"\delta^{\text{property}}_{\text{con}}",
    "property_impact_services": r"\delta^{\text{property}}_{\text{os}}",
    "property_impact_revenue": r"\delta^{\text{property}}_{r}",
    "tariff_probability": r"p_{\text{tariff}}",
    "tariff_impact_exports": r"\delta^{\text{tariff}}_{X}",
    "tariff_impact_containers": r"\delta^{\text{tariff}}_{k}",
}


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
    miss = re.fullmatch(r"gdp_miss_(\d{4})", pid)
    if miss is not None:
        return f"e_{{{miss.group(1)}}}"
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
    if kind == "derived":
        return f"[`{where}`](#{where})"
    if kind == "event":
        return f"[`{where}`](#{where})"
    if kind == "target":
        return f"[target `{where}`](#target-{where})"
    if kind == "correlation":
        return f"[correlation {where}]({MODEL_PAGE}#correlations)"
    if kind == "quarterly":
        return f"[quarters]({MODEL_PAGE}#quarters)"
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
    }
    for kind, (title, note) in titles.items():
        facts = [f for f in used if f.kind == kind]
        if not facts:
            continue
        source_header = "Reason" if kind == "assumption" else "Source"
        rows = []
        for f in facts:
            source = f.source.removeprefix("assumption:").strip()
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
    values = cal.parameters()
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


def _momentum_params(values: Mapping[str, float]) -> list[int]:
    years = sorted(
        int(m.group(1)) for k in values if (m := re.fullmatch(r"gdp_miss_(\d{4})", k)) is not None
    )
    if not years:
        raise KeyError("the calibration has no gdp_miss_YYYY derived parameters")
    return years


def render_momentum(cal: Calibration) -> str:
    """The history behind the common momentum shock's two-piece spread, with its numbers."""
    from tjsim.marginals import Marginal

    values = cal.parameters()
    years = _momentum_params(values)
    rows = []
    for y in years:
        miss = values[f"gdp_miss_{y}"]
        rows.append(
            [
                str(y),
                f"[{number(values[f'gdp_growth_{y}'])}](#gdp_growth_{y})",
                f"[{number(values[f'gdp_growth_target_{y}'])}](#gdp_growth_target_{y})",
                f"{miss:+.1f}",
                "downside miss" if miss < 0 else "upside beat",
            ]
        )
    lines = [
        table(
            ["Year", "Outturn (%)", "Target (%)", "Outturn − target (pp)", "Side"], rows, "rrrrl"
        ),
        "",
        f"With the prior $\\sigma_0$ = {number(values['spread_prior_sd'])} pp and "
        f"$k_0$ = {number(values['spread_prior_weight'])} pseudo-years:",
        "",
    ]
    for did in ("momentum_sigma_down", "momentum_sigma_up", "momentum_spread", "momentum_skew"):
        text = cal.derived[did]
        symbolic = to_latex(text, parameter_symbol)
        lines += [
            "$$",
            f"{parameter_symbol(did)} = {symbolic} = {_with_numbers(text, values)}"
            f" = {short(values[did])}",
            "$$",
            "",
        ]
    marginal = Marginal("two_piece", values["momentum_spread"], skew=values["momentum_skew"])
    down, up = marginal.sigmas
    lines += [
        "The two-piece normal's half-scales are then "
        f"$s_m(1-\\gamma_m) = {short(down)}$ below the mode and "
        f"$s_m(1+\\gamma_m) = {short(up)}$ above it, exactly the two estimates. After "
        f"centring, the shock's standard deviation is {short(marginal.std)} pp and its "
        f"mode sits {short(abs(marginal.offset))} pp "
        f"{'above' if marginal.offset < 0 else 'below'} its mean of zero.",
    ]
    return "\n".join(lines)


def _compiled(cal: Calibration):
    from tjsim.model import compile_model

    return compile_model(cal)


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
        rows.append(
            [
                f"[`{vid}`]({MODEL_PAGE}#{vid})",
                f"${shock_symbol(vid)}$",
                marginal.family.replace("_", "-"),
                _ref(spec.spread, marginal.spread),
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
    values = cal.parameters()
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

    values = cal.parameters()
    rows, impacts = [], []
    for eid, event in cal.events.items():
        p = cal.value(event.probability, values, "model.yaml", f"events.{eid}")
        rows.append(
            [
                anchor(eid),
                cell(event.label),
                _ref(event.probability, p),
                f"{float(special.ndtri(p)):.4f}" if 0 < p < 1 else ("−∞" if p == 0 else "+∞"),
                cell(event.source) or "–",
            ]
        )
        for vid, ref in event.impact.items():
            impact = cal.value(ref, values, "model.yaml", f"events.{eid}.impact.{vid}")
            impacts.append(
                [
                    f"`{eid}`",
                    f"[`{vid}`]({MODEL_PAGE}#{vid})",
                    f"{impact:+g}",
                    f"[`{ref}`]({CALIBRATION_PAGE}#{ref})" if isinstance(ref, str) else "–",
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
            "percentage points for growth rates):",
            "",
            table(["Event", "Variable", "Impact", "Parameter"], impacts, "llrl"),
        ]
    )


def render_targets(cal: Calibration) -> str:
    """Each target: the report's wording, its reading and where the threshold comes from."""
    from tjsim.api import targets as target_table

    frame = target_table(cal)
    rows = []
    for tid, row in frame.iterrows():
        spec = cal.targets[str(tid)]
        if spec.compare_to is not None:
            other = f"[`{spec.compare_to}`]({MODEL_PAGE}#{spec.compare_to})"
        else:
            other = _ref(spec.threshold, float(row["threshold"]))
        rows.append(
            [
                f'<a id="target-{tid}"></a>`{tid}`',
                cell(row["wording"]),
                f"[`{spec.indicator}`]({MODEL_PAGE}#{spec.indicator}) `{spec.op}` {other}",
                cell(row["source"]),
            ]
        )
    return table(["Target", "Report wording", "Reading", "Source"], rows)


def render_central_case(cal: Calibration) -> str:
    """Every indicator's zero-shock value and exact expected value, with its targets."""
    model = _compiled(cal)
    by_indicator: dict[str, list[str]] = {}
    for target in model.targets:
        other = target.compare_to if target.compare_to is not None else number(target.threshold)
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
    values = cal.parameters()

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
    values = cal.parameters()
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
    spread = _sym_or_number(spec.spread)
    if spec.distribution == "normal":
        return f"${symbol}$: normal, standard deviation ${spread}$."
    if spec.distribution == "t":
        return (
            f"${symbol}$: Student-t with ${_sym_or_number(spec.df)}$ degrees of freedom, "
            f"rescaled to standard deviation ${spread}$."
        )
    return (
        f"${symbol}$: two-piece normal, spread ${spread}$, skew ${_sym_or_number(spec.skew)}$, "
        "centred to mean zero."
    )


def _sym_or_number(ref: Any) -> str:
    return parameter_symbol(ref) if isinstance(ref, str) and ref.isidentifier() else str(ref)


def render_layer(cal: Calibration, layer: str) -> str:
    """The equations of one layer in LaTeX, then the table of the symbols they use."""
    values = cal.parameters()
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
    """The quarterly structure: quarter weights, persistence and deviation spreads."""
    spec = getattr(cal, "quarterly", None)
    if spec is None:
        return "This calibration has no quarterly structure."
    values = cal.parameters()
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
        ]
    )


BLOCKS: dict[str, Callable[[Calibration], str]] = {
    "parameters": render_parameters,
    "derived": render_derived,
    "momentum": render_momentum,
    "shocks": render_shocks,
    "correlations": render_correlations,
    "events": render_events,
    "targets": render_targets,
    "central-case": render_central_case,
    "reduced-form": render_reduced_form,
    "quarterly": render_quarterly,
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


def stale_blocks(text: str, calibration: Calibration | None = None) -> list[str]:
    """Names of the blocks whose content differs from a fresh rendering."""
    fresh = update_text(text, calibration)
    old = {m.start(): m for m in _BLOCK.finditer(text)}
    new = list(_BLOCK.finditer(fresh))
    return [
        n.group("name")
        for o, n in zip(old.values(), new, strict=True)
        if o.group("body") != n.group("body")
    ]


def default_files(root: Path | None = None) -> list[Path]:
    """The markdown files under ``docs/`` (of ``root``, default the working folder) that
    hold generated blocks."""
    folder = Path(root) / "docs" if root is not None else Path("docs")
    return [p for p in sorted(folder.glob("*.md")) if BEGIN.split("{")[0] in p.read_text("utf-8")]


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
        "--check", action="store_true", help="change nothing; exit 1 if a block is stale"
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
        stale = stale_blocks(text, cal)
        if args.check:
            if stale:
                print(f"{path}: stale blocks: {', '.join(stale)}")
                status = max(status, 1)
            else:
                print(f"{path}: up to date")
            continue
        if stale:
            path.write_text(update_text(text, cal), encoding="utf-8")
            print(f"{path}: regenerated {', '.join(stale)}")
        else:
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
