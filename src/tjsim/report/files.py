"""Tables, figures and the HTML report of a run or a comparison, written into a folder.

:func:`write_run` and :func:`write_comparison` write CSV and JSON tables, PNG figures
and ``report.html`` (the tables and the same figures in one self-contained page, see
:mod:`tjsim.report.html`) into a folder (the command line fills a staging folder with
them, see :mod:`tjsim.report.folder`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..calibration import Calibration
from ..errors import ScenarioError
from ..result import ComparisonResult, PanelScoreResult, ScoreResult, SimulationResult
from ..scenario import scenario_to_mapping
from .changes import scenario_changes, touched_facts
from .html import Figure, comparison_report, reproducing_scenario, run_report, score_report

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def write_run(
    result: SimulationResult, folder: Path, calibration: Calibration | None = None
) -> None:
    """Write the tables, the scenario, the figures and the report of ``result`` into
    ``folder``.

    Files: ``result.txt`` (the printout, which says what the run is conditioned on),
    ``headline.csv`` (the plan's headline goals, all of them together and all but one:
    :meth:`~tjsim.result.SimulationResult.headline`) and ``headline_counts.csv`` (the
    distribution of the number of them met), when the calibration marks headline goals,
    ``probabilities.csv`` (every target and the joint), ``readings.csv`` (every target
    under every reading, with a note where a reading needs one), ``summary.csv``,
    ``indicators.csv`` (every indicator's mean, spread and quantiles), ``count_met.csv``,
    ``conditional.csv``, ``result.json`` (all of these with the run's metadata),
    ``scenario.yaml`` (the scenario with the run's draws, seed, method and random
    stream: ``tjsim run scenario.yaml`` reproduces the run), ``probabilities.png``, ``distribution_<indicator>.png`` for
    each targeted indicator, ``fan_<variable>.png`` for each observed variable, and
    ``report.html`` (:func:`tjsim.report.html.run_report`).

    ``calibration`` is the one ``result`` was simulated on (default: the scenario's,
    else the packaged one when its name and version match the result's); the report
    reads the baseline and the facts from it.
    """
    heads = (
        {"headline": result.headline(), "headline_counts": result.headline_counts()}
        if result.model.headline_targets
        else {}
    )
    tables = {
        **heads,
        "probabilities": result.probabilities(joint=True),
        "readings": result.readings(detail=True),
        "summary": result.summary(),
        "indicators": result.to_frame(),
        "count_met": result.count_met(),
        "conditional": result.conditional(),
    }
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv")
    (folder / "result.txt").write_text(f"{result}\n", encoding="utf-8")
    document = {
        "metadata": result.metadata,
        "scenario": scenario_to_mapping(result.scenario),
        **{name: _json_frame(frame) for name, frame in tables.items()},
    }
    _write_json(folder / "result.json", document)
    (folder / "scenario.yaml").write_text(reproducing_scenario(result).to_yaml(), encoding="utf-8")
    targets = result.model.n_primary + 1
    figures = [
        _save_figure(
            folder / "probabilities.png",
            (7.5, 0.32 * targets + 1.2),
            result.plot_probabilities,
            "Probability of meeting each target, with 95% intervals",
        )
    ]
    for indicator in dict.fromkeys(t.indicator for t in result.model.primary_targets):
        figures.append(
            _save_figure(
                folder / f"distribution_{indicator}.png",
                (7.0, 3.6),
                lambda ax, name=indicator: result.plot_distribution(name, ax=ax),
                f"Distribution of {indicator}: its 5%, 50% and 95% quantiles, and the "
                "threshold of each target on it",
            )
        )
    for variable in result.scenario.observed:
        figures.append(
            _save_figure(
                folder / f"fan_{variable}.png",
                (6.5, 3.8),
                lambda ax, name=variable: result.plot_fan(name, ax=ax),
                f"{variable} year to date: quantile bands, the observed figures and the target",
            )
        )
    cal = _calibration(result, calibration)
    changes = scenario_changes(result.scenario, cal, result.model)
    page = run_report(result, figures, changes, touched_facts(result.scenario, cal))
    (folder / "report.html").write_text(page, encoding="utf-8")


def _calibration(result: SimulationResult, calibration: Calibration | None) -> Calibration:
    """The calibration of the report: the one given, else the one ``result`` carries."""
    cal = calibration or result.calibration or result.scenario.calibration
    if cal is None:
        raise ScenarioError(
            "this result does not carry its calibration; pass calibration=", key="calibration"
        )
    return cal


def _json_frame(frame: pd.DataFrame) -> Any:
    """A frame as nested plain data (row -> column -> value; NaN as null)."""
    return json.loads(frame.to_json(orient="index", double_precision=15))


def _write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _save_figure(
    path: Path, size: tuple[float, float], draw: Callable[..., Axes], caption: str = ""
) -> Figure:
    """Draw on a new Agg figure (no pyplot, no global state), save it as PNG, and
    return it as the report embeds it."""
    _draw_png(path, size, draw)
    return Figure(path.name, caption, path.read_bytes())


def _draw_png(path: Path, size: tuple[float, float], draw: Callable[..., Axes]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MatplotlibFigure

    figure = MatplotlibFigure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(ax=figure.subplots())
    figure.savefig(path, dpi=110)


def write_comparison(
    comparison: ComparisonResult, folder: Path, calibration: Calibration | None = None
) -> None:
    """Write ``comparison.csv`` (:meth:`ComparisonResult.to_frame`), ``comparison.txt``
    (the printout), ``comparison.json`` (with the settings and each run's metadata),
    ``comparison.png``, ``changes.png`` and ``report.html``
    (:func:`tjsim.report.html.comparison_report`) into ``folder``.

    ``calibration`` is the one the runs were simulated on (default: the first
    scenario's, else the packaged one when its name and version match)."""
    frame = comparison.to_frame()
    frame.to_csv(folder / "comparison.csv")
    (folder / "comparison.txt").write_text(f"{comparison}\n", encoding="utf-8")
    meta = comparison.metadata
    document = {
        "settings": {k: meta[k] for k in ("draws", "seed", "method", "error")},
        "runs": meta["runs"],
        "comparison": json.loads(
            frame.reset_index().to_json(orient="records", double_precision=15)
        ),
    }
    _write_json(folder / "comparison.json", document)
    targets = len(dict.fromkeys(frame.index.get_level_values("target")))
    size = (7.5, 0.35 * targets + 1.5)
    figures = [
        _save_figure(
            folder / "comparison.png",
            size,
            comparison.plot,
            "Each target's probability in each scenario, with 95% intervals",
        ),
        _save_figure(
            folder / "changes.png",
            size,
            comparison.plot_changes,
            f"Each target's change from {comparison.names[0]}, with 95% intervals (paired)",
        ),
    ]
    first = comparison.results[0]
    cal = _calibration(first, calibration)
    changes = [scenario_changes(run.scenario, cal, run.model) for run in comparison.results]
    page = comparison_report(comparison, figures, changes)
    (folder / "report.html").write_text(page, encoding="utf-8")


def write_score(result: ScoreResult, folder: Path) -> None:
    """Write ``score.csv`` (one row per year), ``score_summary.csv``, ``score.png`` and
    ``report.html`` (the printout, both tables and the figure in one page)."""
    frame, summary = result.to_frame(), result.summary()
    frame.to_csv(folder / "score.csv")
    summary.to_csv(folder / "score_summary.csv")
    figure = _save_figure(
        folder / "score.png",
        (7.0, 3.8),
        lambda ax: result.plot(ax=ax),
        "Each year's outturn against the simulated distribution",
    )
    page = score_report(
        "tjsim score: the uncertainty scored against the record",
        "Each past year's outturn scored against the distribution the model gives for it.",
        str(result),
        {
            "score-summary": ("Summary (score_summary.csv)", summary),
            "score": ("One row per year (score.csv)", frame),
        },
        [figure],
    )
    (folder / "report.html").write_text(page, encoding="utf-8")


def write_panel_score(result: PanelScoreResult, folder: Path) -> None:
    """Write ``panel_score.csv`` (one row per pair), ``panel_summary.csv``,
    ``panel_choices.csv`` (with alternatives), ``panel_pit.png``, ``panel_bands.png``
    and ``report.html`` (the printout, the tables and the figures in one page)."""
    frame, summary = result.to_frame(), result.summary()
    frame.to_csv(folder / "panel_score.csv", index=False)
    summary.to_csv(folder / "panel_summary.csv")
    tables = {"panel-summary": ("Summary (panel_summary.csv)", summary)}
    choices = result.choices_table()
    if choices is not None:
        choices.to_csv(folder / "panel_choices.csv")
        tables["panel-choices"] = ("Every alternative choice (panel_choices.csv)", choices)
    tables["panel-score"] = ("One row per region and year (panel_score.csv)", frame)
    figures = [
        _save_figure(
            folder / "panel_pit.png",
            (7.0, 3.8),
            result.plot_pit,
            "Where each outturn fell in its forecast distribution (PIT)",
        ),
        _save_figure(
            folder / "panel_bands.png",
            (9.0, 3.8),
            result.plot,
            "Outturns against the forecast bands",
        ),
    ]
    page = score_report(
        "tjsim score --panel: the reporting model scored on the regions",
        "The reporting model scored leaving whole years out, against three benchmarks.",
        str(result),
        tables,
        figures,
    )
    (folder / "report.html").write_text(page, encoding="utf-8")
