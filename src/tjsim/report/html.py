"""Runs, comparisons, sweeps and scores as HTML: one self-contained page each
(``report.html``), and the inline tables a notebook shows.

The markup is in Jinja2 templates (``tjsim/report/templates/*.html.j2``) rendered with
autoescaping on, so a value that reaches a page unfiltered is escaped; the templates
filter text through :func:`text` (escaped, runs of Chinese marked) and attribute values
through ``attr`` (escaped). The functions here turn results into the plain values the
templates show; they read results through their public attributes and import no
result type at run time.

The page needs nothing but itself: figures are embedded as base64 PNG, the style sheet
is inline, and nothing is fetched from the network, so it can be mailed, put on a
shared drive or opened on a phone. Text in Chinese (the report's wording, scenario
descriptions) is marked ``lang="zh-Hans"`` and set in a font stack that includes the
common CJK fonts of every system.

Every number in the tables carries its full value in a ``data-value`` attribute next to
the rounded text, so that the page can be checked against ``probabilities.csv`` (the
browser tests do).
"""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import jinja2
import pandas as pd
from markupsafe import Markup

from .._version import __version__
from ..scenario import to_yaml
from .comparison import cell as comparison_cell
from .comparison import footnotes, header, row_name, shown_change, targets
from .numbers import error_points, number_word, percent
from .text import SUMMARY_COLUMNS, summary_cells

if TYPE_CHECKING:
    from ..result import ComparisonResult, SimulationResult, SweepResult
    from ..scenario import Scenario

__all__ = [
    "FONTS",
    "Figure",
    "comparison_html",
    "comparison_report",
    "frame_table",
    "reproducing_scenario",
    "result_html",
    "run_report",
    "score_report",
    "sweep_report",
    "text",
]

#: Runs of CJK characters and punctuation, set apart with ``lang="zh-Hans"``.
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)
#: The page's fonts: the system's sans-serif, then the CJK fonts of each system.
FONTS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)


@dataclass(frozen=True)
class Figure:
    """A figure of a report: the file it is written to, what it shows, its PNG bytes."""

    name: str
    caption: str
    png: bytes


# ---------------------------------------------------------------------- filters
def text(value: Any) -> Markup:
    """``value`` as escaped HTML, runs of Chinese marked ``lang="zh-Hans"``."""
    escaped = html.escape(str(value))
    return Markup(_CJK.sub(lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', escaped))


def _attr(value: Any) -> Markup:
    """``value`` escaped for an attribute or plain text (no language marks)."""
    return Markup(html.escape(str(value)))


def _has_value(value: Any) -> bool:
    """Whether a cell carries ``value`` in ``data-value`` (a number, not NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _data_value(value: Any) -> str:
    """A number's full value as ``data-value`` holds it (the shortest exact repr)."""
    return repr(float(value))


@cache
def _environment() -> jinja2.Environment:
    """The templates' environment: autoescaping on, undefined names an error."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tjsim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        text=text,
        attr=_attr,
        percent=percent,
        thousands=lambda n: f"{n:,}",
        base64=lambda data: base64.b64encode(data).decode("ascii"),
        data_value=_data_value,
        has_value=_has_value,
        isnan=lambda x: isinstance(x, float) and math.isnan(x),
    )
    env.globals.update(version=__version__, fonts=FONTS)
    return env


def _render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)


# ---------------------------------------------------------------------- a run
def run_report(
    result: SimulationResult,
    figures: Sequence[Figure],
    changes: pd.DataFrame,
    touched: pd.DataFrame,
) -> str:
    """The report of ``result`` as a whole HTML page.

    Sections: the scenario, the calibration it ran on (its name, version and title) and
    its headline numbers, the plan's headline goals (each
    one's probability, all of them together and all but one, when the calibration marks
    them), the probability table of every target with errors and the joint probability,
    what the scenario changes from the baseline (``changes``, a table of
    :func:`tjsim.report.changes.scenario_changes`), the readings side by side,
    central/mean/median, every figure in ``figures``, the facts and assumptions the
    scenario touches (``touched``, :func:`tjsim.report.changes.touched_facts`), and the
    run's metadata with the commands that reproduce it.
    """
    probabilities = result.probabilities()
    heads = result.headline() if result.model.headline_targets else None
    readings = result.readings()
    reading_names = [str(c) for c in readings.columns if c != "in_force"]
    return _render(
        "run.html.j2",
        title=f"tjsim: {result.scenario.name}",
        scenario=result.scenario,
        meta=result.metadata,
        calibration_title=result.calibration.title if result.calibration is not None else "",
        conditioning=result.conditioning,
        heads=heads,
        headline_count=len(result.model.headline_targets),
        joint=result.joint(),
        probabilities=probabilities,
        met=int((probabilities["probability"] > 0.5).sum()),
        figures=figures,
        scenario_changes=changes,
        readings=readings,
        reading_names=reading_names,
        readings_header=[("target", ""), *((n, "num") for n in reading_names)],
        notes=result.reading_notes(),
        summary=result.summary(),
        summary_columns=list(SUMMARY_COLUMNS),
        summary_headings=[(heading, "num") for heading in SUMMARY_COLUMNS.values()],
        summary_cells=summary_cells(result),
        touched=touched,
        **_reproduce(result),
    )


def _reproduce(result: SimulationResult) -> dict[str, Any]:
    """The settings shown under "Reproduce this run", the note, the command and the
    scenario that reproduce it."""
    meta = result.metadata
    shown = {
        "scenario": meta["scenario"],
        "scenario file": meta["scenario_file"] or "(built in Python; scenario.yaml below)",
        "calibration": f"{meta['calibration']} {meta['calibration_version']}",
        "draws": f"{meta['draws']:,}",
        "method": meta["method"],
        "seed": meta["seed"],
        "kernel": meta["kernel"],
        "random stream": meta["rng"],
        "conditioning": result.conditioning,
        "tjsim version": meta["tjsim_version"],
    }
    if isinstance(meta["seed"], int):
        command = "tjsim run scenario.yaml"
        note = Markup(
            "The scenario below holds the run's draws, seed, method and random stream in its "
            "<code>simulation</code> block; saved as <code>scenario.yaml</code> (the "
            "output folder has it) and run with the same tjsim and calibration, it gives "
            "these numbers exactly:"
        )
    else:
        command = ""
        note = Markup(
            "The seed was spawned from another (it is not a plain integer), so the command "
            "line cannot give it; <code>tjsim.simulate</code> with the same SeedSequence does."
        )
    yaml_text = to_yaml(reproducing_scenario(result))
    return {"shown": shown, "note": note, "command": command, "yaml_text": yaml_text}


def reproducing_scenario(result: SimulationResult) -> Scenario:
    """``result``'s scenario holding the run's draws, method, random stream and (a plain
    integer) seed in its ``simulation`` block: run again, it gives the same numbers."""
    settings: dict[str, Any] = {
        "draws": result.n_draws,
        "method": result.method,
        "stream": result.settings.stream,
    }
    seed = result.metadata["seed"]
    if isinstance(seed, int):
        settings["seed"] = seed
    return result.scenario.with_simulation(**settings)


def result_html(result: SimulationResult) -> str:
    """``result`` as a notebook shows it: the settings, then the headline goals (when
    the calibration marks them) and every target's probability and 95% interval."""
    meta = result.metadata
    head = (
        f"Scenario '{meta['scenario']}' · {meta['calibration']} {meta['calibration_version']} · "
        f"{meta['draws']:,} draws ({meta['method']}, seed {meta['seed']})"
        + (f" · {result.conditioning}" if result.scenario.observed else "")
    )
    k = len(result.model.headline_targets)
    return _render(
        "result_inline.html.j2",
        head=head,
        heads=result.headline() if k else None,
        headline_words=number_word(k),
        target_words=number_word(result.model.n_primary),
        table=result.probabilities(joint=True),
    ).rstrip("\n")


# ---------------------------------------------------------------------- a comparison
def comparison_report(
    comparison: ComparisonResult,
    figures: Sequence[Figure],
    changes: Sequence[pd.DataFrame],
) -> str:
    """The report of ``comparison`` as a whole HTML page: the paired comparison table,
    the figures, what each scenario changes from the baseline (``changes``, one table
    of :func:`tjsim.report.changes.scenario_changes` per scenario), and the settings and
    each run's metadata."""
    meta = comparison.metadata
    names = comparison.names
    header_cells = [("target", ""), (names[0], "num")]
    for name in names[1:]:
        header_cells += [(name, "num"), ("change (points)", "num")]
    settings = {
        "draws": f"{meta['draws']:,}",
        "method": meta["method"],
        "seed": meta["seed"],
        "errors": meta["error"],
        "tjsim version": __version__,
        **{
            f"run {i + 1}: {name}": _run_line(run.metadata)
            for i, (name, run) in enumerate(zip(names, comparison.results, strict=True))
        },
    }
    return _render(
        "comparison.html.j2",
        title=f"tjsim: {' vs '.join(names)}",
        names=names,
        meta=meta,
        header=header_cells,
        rows=_comparison_rows(comparison),
        figures=figures,
        scenario_changes=list(zip(names, changes, strict=True)),
        settings=settings,
    )


def _run_line(meta: Mapping[str, Any]) -> str:
    parts = [
        meta["scenario_file"] or "built in Python",
        f"{meta['calibration']} {meta['calibration_version']}",
        f"kernel {meta['kernel']}",
        "conditioned" if meta["conditioned"] else "not conditioned",
    ]
    return "; ".join(str(p) for p in parts)


def _cell(content: Any, value: Any = None, classes: str = "", column: str = "") -> dict:
    """A table cell as the templates' ``cell`` macro takes it."""
    return {"content": content, "value": value, "classes": classes, "column": column}


def _comparison_rows(comparison: ComparisonResult) -> list[dict[str, Any]]:
    """The comparison table's rows: each target's probability in every scenario and
    its change from the first, with its standard error and mark."""
    frame = comparison.to_frame()
    names = comparison.names
    rows = []
    for target in targets(comparison):
        cells = []
        for position, name in enumerate(names):
            key = (target, name)
            if key not in frame.index:
                cells += [_cell("-")] + ([_cell("")] if position else [])
                continue
            row = cast(pd.Series, frame.loc[key])
            p = row["probability"]
            cells.append(_cell(percent(p), p, "num", f"p{position}"))
            if position == 0:
                continue
            change = row["change"]
            if math.isnan(change):
                cells.append(_cell("new", classes="num", column=f"change{position}"))
                continue
            shown, mark = shown_change(row)
            direction = (
                "up" if row["significant"] and change > 0 else "down" if row["significant"] else ""
            )
            cells.append(
                _cell(
                    f"{shown:+.1f} ± {error_points(row['change_se'])}{mark}",
                    change,
                    f"num {direction}".strip(),
                    f"change{position}",
                )
            )
        rows.append(
            {
                "target": target,
                "name": row_name(target),
                "total": row_name(target) != target,
                "cells": cells,
            }
        )
    return rows


def comparison_html(comparison: ComparisonResult) -> str:
    """``comparison`` as a notebook shows it: the settings, the table of the printout
    and its footnotes."""
    title, *conditioning = header(comparison)
    table = comparison.table
    rows = [
        (
            row_name(target),
            [
                comparison_cell(cast(pd.DataFrame, table.loc[target]), p)
                for p in range(len(comparison.names))
            ],
        )
        for target in targets(comparison)
    ]
    return _render(
        "comparison_inline.html.j2",
        title=title,
        names=comparison.names,
        rows=rows,
        notes=[*conditioning, *footnotes(comparison)],
        br=Markup("<br>"),
    ).rstrip("\n")


# ---------------------------------------------------------------------- any table
def frame_table(
    frame: pd.DataFrame, *, table_id: str, caption: str = "", index: bool = True
) -> dict[str, Any]:
    """``frame`` as the templates' ``frame_table`` macro shows it (its index first when
    ``index``): numbers right-aligned with their full value in ``data-value`` and their
    column in ``data-column``, every text escaped."""
    if index:
        names = [name if name is not None else "" for name in frame.index.names]
        frame = frame.copy()
        frame.index = frame.index.set_names([name or f"level_{i}" for i, name in enumerate(names)])
        frame = frame.reset_index()
        frame.columns = [
            "" if str(c).startswith("level_") or c == "index" else c for c in frame.columns
        ]
    numeric = [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in frame.columns
    ]
    header_cells = [
        (str(c), "num" if is_num else "") for c, is_num in zip(frame.columns, numeric, strict=True)
    ]
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value, is_num in zip(frame.columns, values, numeric, strict=True):
            name = str(column)
            if is_num and value is not None and not pd.isna(value):
                shown = (
                    f"{value:.4g}"
                    if isinstance(value, float)
                    else f"{value:,}"
                    if isinstance(value, int)
                    else str(value)
                )
                cells.append(_cell(text(shown), value, "num", name))
            else:
                missing = value is None or (is_num and pd.isna(value))
                cells.append(_cell("-" if missing else text(value), column=name))
        rows.append({"key": str(values[0]) if len(values) else "", "cells": cells})
    return {"header": header_cells, "table_id": table_id, "caption": caption, "rows": rows}


# ---------------------------------------------------------------------- a sweep
def sweep_report(
    result: SweepResult,
    probability: float,
    frontier: pd.DataFrame,
    figures: Sequence[Figure],
    grid_yaml: str,
) -> str:
    """The report of a sweep as a whole HTML page: every target's frontier at
    ``probability`` (``frontier``, the table of ``frontier.csv``), the figures, every
    point's probabilities (``sweep.csv``), and the settings, the grid and the scenario
    that reproduce it."""
    meta = result.metadata
    frame = result.to_frame()
    wide = frame.pivot_table(
        index=["point", *result.grid.keys], columns="target", values="probability", sort=False
    )
    wide = wide[[c for c in [*result.targets, "joint"] if c in wide.columns]]
    command = (
        f"tjsim sweep scenario.yaml --grid grid.yaml --draws {meta['draws']} "
        f"--method {meta['method']}"
        + (f" --seed {meta['seed']}" if isinstance(meta["seed"], int) else "")
    )
    return _render(
        "sweep.html.j2",
        title=f"tjsim sweep: {meta['grid']}",
        meta=meta,
        scenario=result.scenario,
        level=f"{100 * probability:.4g}%",
        frontier=frame_table(frontier, table_id="frontier", index=False) if len(frontier) else None,
        figures=figures,
        sweep=frame_table(wide, table_id="sweep"),
        settings={
            "scenario": meta.get("scenario", result.scenario.name),
            "grid": meta["grid"],
            "draws": f"{meta['draws']:,}",
            "method": meta["method"],
            "seed": meta["seed"],
            "tjsim version": __version__,
        },
        command=command,
        grid_yaml=grid_yaml,
        scenario_yaml=to_yaml(result.scenario),
    )


# ---------------------------------------------------------------------- a score
def score_report(
    title: str,
    lead: str,
    printout: str,
    tables: Mapping[str, tuple[str, pd.DataFrame]],
    figures: Sequence[Figure],
) -> str:
    """A score (``tjsim score``, ``tjsim score --panel``) as a whole HTML page: what it
    scores (``lead``), the printout, each table of ``tables`` (id -> heading and frame,
    the frames of the CSV files) and the figures."""
    return _render(
        "score.html.j2",
        title=f"tjsim: {title}",
        heading=title,
        lead=lead,
        printout=printout,
        tables=[
            (heading, frame_table(frame, table_id=table_id))
            for table_id, (heading, frame) in tables.items()
        ],
        figures=figures,
    )
