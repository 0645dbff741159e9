"""Blocks of the calibration page on the parameters: every fact the model uses, with its
value, source and uses, and each derived parameter with its numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tjsim.calibration import Calibration
from tjsim.calibration.tables import parameter_uses

from . import common
from .latex import with_numbers
from .tables import anchor, cell, model_page, number, score_page, short, table

#: How the sentence on the facts the model does not use names each kind.
UNUSED_KINDS = {
    "report": "report figures",
    "statistic": "other statistics",
    "assumption": "assumptions",
    "fitted": "fitted numbers",
}


def model_parameters(cal: Calibration) -> list[str]:
    """Ids of the facts the model uses (directly or through a derived parameter)."""
    uses = parameter_uses(cal)
    return [f.id for f in cal.facts if f.id in uses]


def _use_link(kind: str, where: str) -> str:
    if kind in ("equation", "shock"):
        suffix = " (shock)" if kind == "shock" else ""
        return f"[`{where}`]({model_page()}#{where}){suffix}"
    if kind in ("derived", "event"):
        return f"[`{where}`](#{where})"
    if kind == "target":
        return f"[target `{where}`](#target-{where})"
    if kind == "correlation":
        return f"[correlation {where}]({model_page()}#correlations)"
    if kind == "record":
        return f"[the record's {where.replace('_', ' ')}]({score_page()}) (`tjsim score`)"
    if kind == "quarterly":
        return f"[quarters]({model_page()}#quarters)"
    if kind == "total":
        return f"[total of `{where}`](#totals)"
    return f"{kind} `{where}`"


def uses_cell(uses: Sequence[tuple[str, str]]) -> str:
    return ", ".join(_use_link(k, w) for k, w in uses) or "–"


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
            "Statistics published elsewhere than the report, each with its source.",
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
                    uses_cell(uses[f.id]),
                ]
            )
        parts.append(
            f"### {title}\n\n{note} {len(facts)} parameters.\n\n"
            + table(
                ["Parameter", "Value", "Unit", "What", source_header, "Used in"], rows, "lrllll"
            )
        )
    unused = Counter(f.kind for f in cal.facts if f.id not in uses)
    kinds = ", ".join(f"{n} {UNUSED_KINDS.get(kind, kind)}" for kind, n in unused.most_common())
    rest = (
        f"the other {sum(unused.values())} ({kinds}) are kept for reference"
        if unused
        else "none is kept for reference only"
    )
    parts.append(
        f"The calibration holds {len(cal.facts)} facts in all: the {len(used)} above enter "
        f"the model, {rest}; `tjsim facts` lists them all."
    )
    return "\n\n".join(parts)


def render_derived(cal: Calibration) -> str:
    """Each derived parameter: its definition as in model.yaml, with the numbers, its value
    and where it is used."""
    values = common.values(cal)
    uses = parameter_uses(cal)
    parts = []
    for did, text in cal.derived.items():
        used = uses_cell(uses.get(did, []))
        parts.append(
            "\n".join(
                [
                    f"{anchor(did)} = **{short(values[did])}**, used in {used}",
                    "",
                    "`" + " ".join(text.split()) + "`",
                    "",
                    "$$",
                    f"{with_numbers(text, values)} = {short(values[did])}",
                    "$$",
                ]
            )
        )
    return "\n\n".join(parts)
