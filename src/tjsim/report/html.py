"""A run or a comparison as one self-contained HTML page (``report.html``).

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from .._version import __version__
from ..analysis import ComparisonResult
from ..analysis.comparison import ROW_NAMES, shown_change
from ..calibration import Calibration
from ..result import SimulationResult
from ..scenario import to_yaml
from .changes import scenario_changes, touched_facts

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
STYLE = f"""
:root {{ --ink: #1a202c; --muted: #4a5568; --line: #e2e8f0; --accent: #2b6cb0; --warm: #c53030; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font: 16px/1.5 {FONTS}; color: var(--ink); background: #fff; }}
main {{ max-width: 62rem; margin: 0 auto; padding: 1rem 1rem 3rem; }}
h1 {{ font-size: 1.5rem; line-height: 1.25; margin: .5rem 0; }}
h2 {{ font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 2px solid var(--line); }}
p, dl {{ margin: .5rem 0; }}
.lead {{ color: var(--muted); }}
.headline {{ display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }}
.headline div {{ flex: 1 1 12rem; border: 1px solid var(--line); border-radius: .4rem;
  padding: .5rem .75rem; }}
.headline strong {{ display: block; font-size: 1.6rem; color: var(--accent); }}
.scroll {{ overflow-x: auto; -webkit-overflow-scrolling: touch; }}
table {{ border-collapse: collapse; font-size: .875rem; min-width: 100%; }}
caption {{ text-align: left; color: var(--muted); padding: .25rem 0; }}
th, td {{ padding: .3rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }}
th {{ background: #f7fafc; white-space: nowrap; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tr.total td {{ font-weight: 600; border-top: 2px solid var(--ink); }}
td.in-force {{ font-weight: 600; }}
td.prose {{ min-width: 14rem; }}
td.up {{ color: var(--accent); }}
td.down {{ color: var(--warm); }}
figure {{ margin: 1rem 0; }}
figure img {{ display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }}
figcaption {{ color: var(--muted); font-size: .875rem; }}
dl {{ display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; }}
dt {{ color: var(--muted); }}
dd {{ margin: 0; overflow-wrap: anywhere; }}
code, pre {{ font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK SC",
  monospace; font-size: .85em; }}
pre {{ background: #f7fafc; padding: .75rem; overflow-x: auto; white-space: pre; }}
details {{ margin: .5rem 0; }}
footer {{ margin-top: 3rem; color: var(--muted); font-size: .8rem; }}
@media (max-width: 40rem) {{
  body {{ font-size: 15px; }}
  main {{ padding: .5rem .6rem 2rem; }}
  dl {{ grid-template-columns: 1fr; }}
  dt {{ margin-top: .4rem; }}
}}
"""


@dataclass(frozen=True)
class Figure:
    """A figure of a report: the file it is written to, what it shows, its PNG bytes."""

    name: str
    caption: str
    png: bytes


# ---------------------------------------------------------------------- building blocks
def text(value: Any) -> str:
    """``value`` as escaped HTML, runs of Chinese marked ``lang="zh-Hans"``."""
    escaped = html.escape(str(value))
    return _CJK.sub(lambda m: f'<span lang="zh-Hans">{m.group(0)}</span>', escaped)


def percent(p: float, digits: int = 1) -> str:
    """A probability in percent (``"-"`` for NaN)."""
    return "-" if p is None or math.isnan(p) else f"{100 * p:.{digits}f}%"


def _cell(content: str, *, value: Any = None, classes: str = "", column: str = "") -> str:
    attrs = f' class="{classes}"' if classes else ""
    if column:
        attrs += f' data-column="{column}"'
    if value is not None and not (isinstance(value, float) and math.isnan(value)):
        attrs += f' data-value="{html.escape(repr(float(value)))}"'
    return f"<td{attrs}>{content}</td>"


def _table(
    header: Sequence[tuple[str, str]], rows: Iterable[str], *, table_id: str, caption: str = ""
) -> str:
    """A scrolling table: ``header`` is ``(title, class)`` pairs; ``rows`` are ``<tr>``s."""
    head = "".join(f'<th class="{cls}" scope="col">{text(title)}</th>' for title, cls in header)
    cap = f"<caption>{text(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table id="{table_id}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _row(target: Any, cells: str) -> str:
    """A table row of ``target`` (its id first, also in ``data-target``) and ``cells``."""
    return f'<tr data-target="{html.escape(str(target))}"><td><code>{text(target)}</code></td>{cells}</tr>'


def _figure(figure: Figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure id="figure-{html.escape(figure.name)}"><img src="data:image/png;base64,{data}" '
        f'alt="{html.escape(figure.caption)}" loading="eager">'
        f"<figcaption>{text(figure.caption)} (<code>{html.escape(figure.name)}</code>)"
        "</figcaption></figure>"
    )


def _definitions(items: Mapping[str, Any]) -> str:
    return (
        "<dl>"
        + "".join(f"<dt>{text(k)}</dt><dd>{text(v)}</dd>" for k, v in items.items())
        + "</dl>"
    )


def page(title: str, body: str) -> str:
    """A whole HTML page: ``body`` inside ``<main>``, the style sheet inline."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="tjsim {html.escape(__version__)}">\n'
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<main>\n{body}\n<footer>Written by tjsim {html.escape(__version__)}. "
        "Monte Carlo probabilities: each carries its standard error; the 95% intervals "
        "are Wilson intervals.</footer>\n</main>\n</body>\n</html>\n"
    )


# ---------------------------------------------------------------------- a run
def run_report(
    result: SimulationResult, calibration: Calibration, figures: Sequence[Figure]
) -> str:
    """The report of ``result`` (simulated on ``calibration``) as a whole HTML page.

    Sections: the scenario and its headline numbers, the plan's headline goals (each
    one's probability, all of them together and all but one, when the calibration marks
    them), the probability table of every target with errors and the joint probability,
    what the scenario changes from the baseline, the
    readings side by side, central/mean/median, every figure in ``figures``, the facts
    and assumptions the scenario touches, and the run's metadata with the commands that
    reproduce it.
    """
    scenario = result.scenario
    meta = result.metadata
    joint = result.joint()
    probabilities = result.probabilities()
    met = (probabilities["probability"] > 0.5).sum()
    heads = result.headline() if result.model.headline_targets else None
    boxes = ""
    if heads is not None:
        k = len(result.model.headline_targets)
        for name in heads.index[k:]:
            row = heads.loc[name]
            boxes += (
                f'<div id="headline-{html.escape(str(name))}">{text(row["label"])}'
                f'<strong data-value="{float(row["probability"])!r}">'
                f"{percent(row['probability'])}</strong>± {100 * row['std_error']:.2g} points "
                "(standard error)</div>"
            )
    body = [
        f"<h1>{text(scenario.name)}</h1>",
        f'<p class="lead">tjsim run on the {text(meta["calibration"])} calibration '
        f"{text(meta['calibration_version'])}: {meta['draws']:,} draws, method "
        f"{text(meta['method'])}, seed {text(meta['seed'])}; "
        f"{text(result.conditioning)}.</p>",
        *([f"<p>{text(scenario.description)}</p>"] if scenario.description else []),
        '<div class="headline">'
        f"{boxes}"
        f'<div id="joint">All targets met together<strong data-value="{float(joint["probability"])!r}">'
        f"{percent(joint['probability'])}</strong>± {100 * joint['std_error']:.2g} points "
        "(standard error)</div>"
        f"<div>Targets more likely met than not<strong>{met} of {len(probabilities)}</strong>"
        "under the readings in force</div></div>",
        *(
            [
                "<h2>The plan's headline goals</h2>",
                "<p>The report's quantified main targets for the year (二, 主要预期目标), "
                "then all of them met together and all but at most one, counted draw by "
                "draw.</p>",
                _headline_table(heads),
            ]
            if heads is not None
            else []
        ),
        "<h2>Probability of meeting each target</h2>",
        _probability_table(result),
        *(_figure(f) for f in figures[:1]),
        "<h2>What the scenario changes from the baseline</h2>",
        _changes(result, calibration),
        "<h2>Each target under every reading</h2>",
        "<p>Every reading is evaluated on the same draws; the reading in force (the one the "
        "probabilities above use) is in bold.</p>",
        _readings_table(result),
        *(
            f'<p class="note" data-reading="{html.escape(name)}"><strong>{text(name)}</strong>: '
            f"{text(note)}.</p>"
            for name, note in result.reading_notes().items()
        ),
        "<h2>Central case, mean and median</h2>",
        "<p>The central case has every shock at zero and no event; the mean and the median "
        "are of the simulated distribution (events, mostly downside, and skewed shocks pull "
        "them away from the central case).</p>",
        _summary_table(result),
        *(["<h2>Figures</h2>", *(_figure(f) for f in figures[1:])] if len(figures) > 1 else []),
        "<h2>Facts and assumptions the scenario touches</h2>",
        _touched(result, calibration),
        "<h2>Reproduce this run</h2>",
        _reproduce(result),
    ]
    return page(f"tjsim: {scenario.name}", "\n".join(body))


def error_points(std_error: float) -> str:
    """A standard error (a probability) in points: one decimal, or two significant
    digits below 0.1 points, so that a small but real error never shows as ``0.0``."""
    points = 100 * float(std_error)
    return f"{points:.1f}" if points >= 0.1 or points == 0 else f"{points:.2g}"


#: The columns of a table of targets' probabilities: name, then alignment.
ESTIMATE_HEADER = [
    ("target", ""),
    ("P(met)", "num"),
    ("95% interval", "num"),
    ("std. error (points)", "num"),
    ("reading in force", ""),
    ("wording in the plan report", ""),
]


def _probability_table(result: SimulationResult) -> str:
    probabilities = result.probabilities()
    joint = result.joint()
    rows = []
    for target, row in probabilities.iterrows():
        rows.append(
            _row(
                target,
                _estimate_cells(row)
                + f"<td>{text(row['reading'])}</td><td>{text(row['wording'])}</td>",
            )
        )
    rows.append(
        '<tr class="total" data-target="joint"><td>all targets (joint)</td>'
        + _estimate_cells(joint)
        + "<td>all met together</td><td></td></tr>"
    )
    header = ESTIMATE_HEADER
    return _table(header, rows, table_id="probabilities")


def _headline_table(heads: pd.DataFrame) -> str:
    """The headline goals' rows of :meth:`SimulationResult.headline`, then its joint rows
    (marked as totals)."""
    rows = []
    for target, row in heads.iterrows():
        cells = (
            _estimate_cells(row) + f"<td>{text(row['reading'])}</td><td>{text(row['wording'])}</td>"
        )
        if row["indicator"]:
            rows.append(_row(target, cells))
        else:
            rows.append(
                f'<tr class="total" data-target="{html.escape(str(target))}">'
                f"<td>{text(row['label'])}</td>"
                f"{cells}</tr>"
            )
    header = ESTIMATE_HEADER
    return _table(header, rows, table_id="headline")


def _estimate_cells(row: pd.Series) -> str:
    """A probability, its 95% interval and its standard error, as table cells."""
    return (
        _cell(
            percent(row["probability"]),
            value=row["probability"],
            classes="num",
            column="probability",
        )
        + _cell(
            f"{percent(row['ci_low'])} – {percent(row['ci_high'])}",
            classes="num",
            column="interval",
        )
        + _cell(
            f"{100 * row['std_error']:.2f}",
            value=row["std_error"],
            classes="num",
            column="std_error",
        )
    )


def _readings_table(result: SimulationResult) -> str:
    wide = result.readings()
    names = [c for c in wide.columns if c != "in_force"]
    rows = []
    for target, row in wide.iterrows():
        cells = "".join(
            _cell(
                percent(row[name]),
                value=row[name],
                classes="num in-force" if row["in_force"] == name else "num",
                column=str(name),
            )
            for name in names
        )
        rows.append(_row(target, cells))
    header = [("target", ""), *((str(n), "num") for n in names)]
    return _table(header, rows, table_id="readings")


def _summary_table(result: SimulationResult) -> str:
    summary = result.summary()
    columns = ["central", "mean", "median", "std", "q05", "q95"]
    rows = [
        _row(
            target,
            f"<td>{text(row['reading'])}</td>"
            + "".join(
                _cell(f"{row[c]:.4g}", value=row[c], classes="num", column=c) for c in columns
            ),
        )
        for target, row in summary.iterrows()
    ]
    header = [
        ("target", ""),
        ("reading", ""),
        ("central", "num"),
        ("mean", "num"),
        ("median", "num"),
        ("std. dev.", "num"),
        ("5%", "num"),
        ("95%", "num"),
    ]
    return _table(header, rows, table_id="summary")


def _changes(result: SimulationResult, calibration: Calibration, table_id: str = "changes") -> str:
    frame = scenario_changes(result.scenario, calibration, result.model)
    if frame.empty:
        return "<p>Nothing: this is the calibration's baseline.</p>"
    rows = [
        f"<tr><td>{text(r.section)}</td><td><code>{text(r.item)}</code></td><td>{text(r.label)}</td>"
        f"<td>{text(r.baseline)}</td><td>{text(r.scenario)}</td></tr>"
        for r in frame.itertuples(index=False)
    ]
    header = [("section", ""), ("item", ""), ("meaning", ""), ("baseline", ""), ("scenario", "")]
    return _table(header, rows, table_id=table_id)


def _touched(result: SimulationResult, calibration: Calibration) -> str:
    frame = touched_facts(result.scenario, calibration)
    if frame.empty:
        return "<p>None: the scenario changes nothing in the calibration.</p>"
    rows = [
        f"<tr><td><code>{text(r.id)}</code></td>"
        + _cell(f"{r.value:g} {text(r.unit)}", value=r.value, classes="num", column="value")
        + _cell(
            "" if math.isnan(cast(float, r.scenario_value)) else f"{r.scenario_value:g}",
            value=r.scenario_value,
            classes="num",
            column="scenario_value",
        )
        + f'<td>{text(r.why)}</td><td class="prose">{text(r.label)}</td><td>{text(r.kind)}</td>'
        f'<td class="prose">{text(r.source)}</td></tr>'
        for r in frame.itertuples(index=False)
    ]
    header = [
        ("id", ""),
        ("value", "num"),
        ("in the scenario", "num"),
        ("where the scenario meets it", ""),
        ("meaning", ""),
        ("kind", ""),
        ("source", ""),
    ]
    return _table(header, rows, table_id="facts")


def _reproduce(result: SimulationResult) -> str:
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
    settings = {"draws": result.n_draws, "method": result.method}
    if isinstance(meta["seed"], int):
        settings["seed"] = meta["seed"]
        command = "tjsim run scenario.yaml"
        note = (
            "The scenario below holds the run's draws, seed and method in its "
            "<code>simulation</code> block; saved as <code>scenario.yaml</code> (the "
            "output folder has it) and run with the same tjsim and calibration, it gives "
            "these numbers exactly:"
        )
    else:
        command = ""
        note = (
            "The seed was spawned from another (it is not a plain integer), so the command "
            "line cannot give it; <code>tjsim.simulate</code> with the same SeedSequence does."
        )
    scenario = result.scenario.with_simulation(**settings)
    yaml_text = to_yaml(scenario)
    return (
        _definitions(shown)
        + f"<p>{note}</p>"
        + (f"<pre><code>{html.escape(command)}</code></pre>" if command else "")
        + "<details><summary>scenario.yaml</summary>"
        + f"<pre>{text(yaml_text)}</pre></details>"
    )


# ---------------------------------------------------------------------- a comparison
def comparison_report(
    comparison: ComparisonResult, calibration: Calibration, figures: Sequence[Figure]
) -> str:
    """The report of ``comparison`` as a whole HTML page: the paired comparison table,
    the figures, what each scenario changes from the baseline, and the settings and
    each run's metadata."""
    meta = comparison.metadata
    names = comparison.names
    body = [
        f"<h1>{text(' vs '.join(names))}</h1>",
        f'<p class="lead">tjsim compare on common random numbers: {meta["draws"]:,} draws '
        f"each, method {text(meta['method'])}, seed {text(meta['seed'])}; changes are from "
        f"<strong>{text(names[0])}</strong>, with their {text(meta['error'])} standard "
        "errors.</p>",
        "<h2>Probability of meeting each target, and its change</h2>",
        "<p>Each scenario after the first: P(met), then its change from the first in points "
        "± the change's standard error; * marks a change larger than 1.96 standard errors "
        "(a change that rounds to 0.0 is never marked), ! a joint probability over another "
        "set of targets (not like for like).</p>",
        _comparison_table(comparison),
        *(_figure(f) for f in figures),
        "<h2>What each scenario changes from the baseline</h2>",
        *(
            f"<h3>{text(name)}</h3>" + _changes(run, calibration, f"changes-{position + 1}")
            for position, (name, run) in enumerate(zip(names, comparison.results, strict=True))
        ),
        "<h2>Reproduce this comparison</h2>",
        _definitions(
            {
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
        ),
    ]
    return page(f"tjsim: {' vs '.join(names)}", "\n".join(body))


def _run_line(meta: Mapping[str, Any]) -> str:
    parts = [
        meta["scenario_file"] or "built in Python",
        f"{meta['calibration']} {meta['calibration_version']}",
        f"kernel {meta['kernel']}",
        "conditioned" if meta["conditioned"] else "not conditioned",
    ]
    return "; ".join(str(p) for p in parts)


def _comparison_table(comparison: ComparisonResult) -> str:
    frame = comparison.to_frame()
    names = comparison.names
    targets = list(dict.fromkeys(frame.index.get_level_values("target")))
    rows = []
    for target in targets:
        cells = []
        for position, name in enumerate(names):
            key = (target, name)
            if key not in frame.index:
                cells += [_cell("-")] + ([_cell("")] if position else [])
                continue
            row = frame.loc[key]
            cells.append(
                _cell(
                    percent(row["probability"]),
                    value=row["probability"],
                    classes="num",
                    column=f"p{position}",
                )
            )
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
                    value=change,
                    classes=f"num {direction}".strip(),
                    column=f"change{position}",
                )
            )
        name = ROW_NAMES.get(target, target)
        total = ' class="total"' if target in ROW_NAMES else ""
        rows.append(
            f'<tr{total} data-target="{html.escape(str(target))}"><td><code>{text(name)}</code></td>{"".join(cells)}</tr>'
        )
    header = [("target", ""), (names[0], "num")]
    for name in names[1:]:
        header += [(name, "num"), ("change (points)", "num")]
    return _table(header, rows, table_id="comparison")


# ---------------------------------------------------------------------- any table
def frame_table(
    frame: pd.DataFrame, *, table_id: str, caption: str = "", index: bool = True
) -> str:
    """``frame`` as a report table (its index first when ``index``): numbers right-aligned
    with their full value in ``data-value`` and their column in ``data-column``, every
    text escaped through :func:`text`."""
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
    header = [
        (str(c), "num" if is_num else "") for c, is_num in zip(frame.columns, numeric, strict=True)
    ]
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for column, value, is_num in zip(frame.columns, values, numeric, strict=True):
            name = html.escape(str(column))
            if is_num and value is not None and not pd.isna(value):
                shown = (
                    f"{value:.4g}"
                    if isinstance(value, float)
                    else f"{value:,}"
                    if isinstance(value, int)
                    else str(value)
                )
                cells.append(_cell(text(shown), value=value, classes="num", column=name))
            else:
                cells.append(
                    _cell(
                        "-" if value is None or (is_num and pd.isna(value)) else text(value),
                        column=name,
                    )
                )
        key = html.escape(str(values[0])) if len(values) else ""
        rows.append(f'<tr data-target="{key}">{"".join(cells)}</tr>')
    return _table(header, rows, table_id=table_id, caption=caption)


# ---------------------------------------------------------------------- a sweep
def sweep_report(
    result: Any,
    probability: float,
    frontier: pd.DataFrame,
    figures: Sequence[Figure],
    grid_yaml: str,
) -> str:
    """The report of a sweep (:class:`~tjsim.result.SweepResult`) as a whole HTML page:
    every target's frontier at ``probability`` (``frontier``, the table of
    ``frontier.csv``), the figures, every point's probabilities (``sweep.csv``), and the
    settings, the grid and the scenario that reproduce it."""
    meta = result.metadata
    frame = result.to_frame()
    wide = frame.pivot_table(
        index=["point", *result.grid.keys], columns="target", values="probability", sort=False
    )
    wide = wide[[c for c in [*result.targets, "joint"] if c in wide.columns]]
    body = [
        f"<h1>{text(meta['grid'])}: {text(result.scenario.name)}</h1>",
        f'<p class="lead">tjsim sweep: {meta["points"]:,} points over '
        f"{text(', '.join(meta['axes']))}, {meta['draws']:,} draws a point (common random "
        f"numbers), method {text(meta['method'])}, seed {text(meta['seed'])}.</p>",
        f"<h2>Where each target's probability crosses {text(f'{100 * probability:.4g}%')}</h2>",
        "<p>Along the grid's first axis, interpolated between neighbouring points, with the "
        "95% band of the delta method (paired errors). A line of the grid that never "
        "crosses the level has no row.</p>",
        frame_table(frontier, table_id="frontier", index=False)
        if len(frontier)
        else "<p>No target's probability crosses this level on the grid.</p>",
        *(_figure(f) for f in figures),
        "<h2>Probability of meeting each target at every point</h2>",
        "<p>The table of <code>sweep.csv</code> (which also has each probability's standard "
        "error and 95% interval), one row per point.</p>",
        frame_table(wide, table_id="sweep"),
        "<h2>Reproduce this sweep</h2>",
        _definitions(
            {
                "scenario": meta.get("scenario", result.scenario.name),
                "grid": meta["grid"],
                "draws": f"{meta['draws']:,}",
                "method": meta["method"],
                "seed": meta["seed"],
                "tjsim version": __version__,
            }
        ),
        "<p>With the output folder's <code>grid.yaml</code> and <code>scenario.yaml</code>, "
        "and the same tjsim and calibration:</p>",
        "<pre><code>"
        + html.escape(
            f"tjsim sweep scenario.yaml --grid grid.yaml --draws {meta['draws']} "
            f"--method {meta['method']}"
            + (f" --seed {meta['seed']}" if isinstance(meta["seed"], int) else "")
        )
        + "</code></pre>",
        f"<details><summary>grid.yaml</summary><pre>{text(grid_yaml)}</pre></details>",
        "<details><summary>scenario.yaml</summary>"
        f"<pre>{text(to_yaml(result.scenario))}</pre></details>",
    ]
    return page(f"tjsim sweep: {meta['grid']}", "\n".join(body))


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
    body = [
        f"<h1>{text(title)}</h1>",
        f'<p class="lead">{text(lead)}</p>',
        f"<pre>{text(printout)}</pre>",
    ]
    for table_id, (heading, frame) in tables.items():
        body += [f"<h2>{text(heading)}</h2>", frame_table(frame, table_id=table_id)]
    if figures:
        body += ["<h2>Figures</h2>", *(_figure(f) for f in figures)]
    return page(f"tjsim: {title}", "\n".join(body))
