"""The readings block of the calibration page: each target's readings, their rules and
their probabilities in the baseline run, with the notes of the targets file."""

from __future__ import annotations

import re
from pathlib import Path

from tjsim.calibration import Calibration

from . import common
from .common import RUN_DRAWS
from .tables import cell, percent, table

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


def render_readings(cal: Calibration) -> str:
    """Each target: the report's wording, every reading with its rule as stated and as
    applied to the unrounded figure, the default marked, the probability under each in
    the baseline run, and the calibration's note on the choice."""
    runs = common.quoted_runs(cal)
    model = common.compiled(cal)
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
                    percent(float(probabilities.loc[(tid, target.reading)])),
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
        f"Probabilities from `{common.run_call(cal)}`, every "
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
