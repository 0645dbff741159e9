"""Every generated block by name, and rendering them from a calibration."""

from __future__ import annotations

from collections.abc import Callable

from tjsim.calibration import Calibration, load_calibration

from . import (
    calibration,
    choices,
    markers,
    model,
    panel,
    parameters,
    plan,
    readings,
    record,
    reporting,
    scoring,
    tables,
)

#: The blocks' renderers, by the name their markers carry.
BLOCKS: dict[str, Callable[[Calibration], str]] = {
    "plan-factor": plan.render_plan_factor,
    "parameters": parameters.render_parameters,
    "derived": parameters.render_derived,
    "record": record.render_record,
    "shocks": calibration.render_shocks,
    "correlations": model.render_correlations,
    "events": calibration.render_events,
    "readings": readings.render_readings,
    "totals": calibration.render_totals,
    "choices": choices.render_choices,
    "gdp-fitted": record.render_gdp_fitted,
    "central-mean-median": record.render_central_mean_median,
    "score": scoring.render_score,
    "central-case": calibration.render_central_case,
    "reduced-form": model.render_reduced_form,
    "quarterly": model.render_quarterly,
    "panel-coverage": panel.render_panel_coverage,
    "panel-grades": panel.render_panel_grades,
    "panel-summary": panel.render_panel_summary,
    "panel-tianjin": panel.render_panel_tianjin,
    "panel-quarters": panel.render_panel_quarters,
    "reporting-model": reporting.render_reporting_model,
    "reporting-score": reporting.render_reporting_score,
    "reporting-choices": reporting.render_reporting_choices,
    "reporting-tianjin": reporting.render_reporting_tianjin,
    **{
        f"equations-{layer}": (lambda cal, layer=layer: model.render_layer(cal, layer))
        for layer in model.LAYER_TITLES
    },
}


def split_name(name: str) -> tuple[str, str | None]:
    """A block's name as its marker gives it (``record`` or ``record@china``): the block,
    and the packaged calibration it names (``None`` for the page's)."""
    block, _, calibration = name.partition("@")
    return block, calibration or None


def render(name: str, calibration: Calibration | None = None) -> str:
    """The markdown of block ``name``: a key of :data:`BLOCKS`, rendered from
    ``calibration`` (default: the packaged default one), or ``KEY@NAME``, rendered from
    the packaged calibration ``NAME``. Its links point to the pages of the calibration
    rendered (:func:`docgen.tables.calibration_pages`)."""
    block, named = split_name(name)
    if block not in BLOCKS:
        raise KeyError(f"unknown generated block '{block}'; known: {', '.join(BLOCKS)}")
    cal = load_calibration(named) if named is not None else calibration or load_calibration()
    with tables.linking_to(cal.name):
        return BLOCKS[block](cal).rstrip() + "\n"


def update_text(text: str, calibration: Calibration | None = None) -> str:
    """``text`` with every generated block re-rendered."""
    cal = calibration or load_calibration()
    return markers.update_text(text, lambda name: render(name, cal))


def refresh(text: str, calibration: Calibration | None = None) -> tuple[str, list[str]]:
    """``text`` with every generated block re-rendered, and the names of the blocks whose
    content that changed."""
    cal = calibration or load_calibration()
    return markers.refresh(text, lambda name: render(name, cal))


def stale_blocks(text: str, calibration: Calibration | None = None) -> list[str]:
    """Names of the blocks whose content differs from a fresh rendering."""
    return refresh(text, calibration)[1]
