"""Sweep grids: product grids, lists of points, ranges, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tjsim
from paths import ROOT
from tjsim.api import resolve_grid
from tjsim.errors import ScenarioError
from tjsim.limits import MAX_POINTS
from tjsim.scenario.grid import grid_from_mapping

GRID_DIR = ROOT / "scenarios" / "grids"


def _write(folder: Path, text: str) -> Path:
    path = folder / "grid.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_product_grid_has_every_combination_last_axis_fastest():
    grid = grid_from_mapping(
        {
            "name": "two",
            "axes": {
                "drivers.investment.shift": {"from": -1, "to": 1, "steps": 3},
                "events.property_slump.probability": [0.1, 0.5],
            },
            "simulation": {"draws": 1000, "seed": 3},
        }
    )
    assert grid.shape == (3, 2)
    assert grid.keys == ["drivers.investment.shift", "events.property_slump.probability"]
    np.testing.assert_array_equal(
        grid.points, [[-1, 0.1], [-1, 0.5], [0, 0.1], [0, 0.5], [1, 0.1], [1, 0.5]]
    )
    assert (grid.simulation.draws, grid.simulation.seed) == (1000, 3)
    again = grid_from_mapping(grid.to_mapping())
    np.testing.assert_array_equal(again.points, grid.points)
    assert again.values == grid.values


def test_a_point_applies_every_axis_on_top_of_the_scenario():
    base = (
        tjsim.baseline()
        .with_shift("investment", -1.0)
        .with_scale("exports", 2.0)
        .with_event("property_slump", 0.3, {"investment": -4.0}, "slump")
    )
    grid = grid_from_mapping(
        {
            "points": [
                {
                    "drivers.investment.shift": 0.5,
                    "drivers.exports.scale": 1.5,
                    "parameters.okun_coefficient": 0.4,
                    "events.property_slump.probability": 0.9,
                }
            ]
        }
    )
    scenario = grid.scenario(base, 0)
    assert scenario.drivers["investment"].shift == -0.5  # shifts add
    assert scenario.drivers["exports"].scale == 3.0  # scales multiply
    assert scenario.parameters["okun_coefficient"] == 0.4
    event = scenario.events["property_slump"]
    assert (event.probability, dict(event.impact), event.label) == (
        0.9,
        {"investment": -4.0},
        "slump",
    )
    assert "drivers.investment.shift=0.5" in scenario.name


def test_python_forms_of_a_grid():
    product = resolve_grid({"drivers.investment.shift": np.arange(3.0)})
    assert product.shape == (3,)
    listed = resolve_grid(
        [{"parameters.okun_coefficient": 0.2}, {"parameters.okun_coefficient": 0.3}]
    )
    assert listed.shape is None and len(listed) == 2
    assert resolve_grid(product) is product
    named = tjsim.Grid.product({"drivers.investment.shift": [0, 1]}, name="two")
    assert (named.name, named.shape) == ("two", (2,))
    points = tjsim.Grid.from_points([{"drivers.investment.shift": 0}], simulation={"seed": 1})
    assert (len(points), points.simulation.seed) == (1, 1)
    with pytest.raises(ScenarioError, match="grid must be"):
        resolve_grid(3)


def test_the_bundled_grids_are_valid_and_found_by_name(calibration):
    files = sorted(GRID_DIR.glob("*.yaml"))
    assert files
    for path in files:
        grid = tjsim.load_grid(path, calibration=calibration)
        assert len(grid) >= 4
        by_name = tjsim.load_grid(path.stem, calibration=calibration)
        np.testing.assert_array_equal(by_name.points, grid.points)
    with pytest.raises(ScenarioError, match="did you mean 'investment_exports'"):
        tjsim.load_grid("investment_export")


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            "axes: {driver.investment.shift: [1, 2]}",
            "driver.investment.shift",
            "did you mean 'drivers'",
        ),
        (
            "axes: {drivers.investment.shfit: [1, 2]}",
            "drivers.investment.shfit",
            "did you mean 'shift'",
        ),
        ("axes: {drivers.investment: [1, 2]}", "drivers.investment", "drivers.<id>.<shift|scale>"),
        ("axes: {parameters.a.b: [1]}", "parameters.a.b", "parameters.<id>"),
        ("axes: {drivers.investment.scale: [1, 0]}", "axes.drivers.investment.scale[1]", "> 0"),
        ("axes: {events.flood_repeat.probability: [0.5, 1.5]}", "[1]", "[0, 1]"),
        ("axes: {drivers.investment.shift: [1, 1]}", "axes.drivers.investment.shift", "twice"),
        ("axes: {drivers.investment.shift: []}", "axes.drivers.investment.shift", "at least one"),
        ("axes: {drivers.investment.shift: '1e5'}", "axes.drivers.investment.shift", "a list"),
        ("axes: {drivers.investment.shift: [1, '1e5']}", "[1]", "YAML reads this as text"),
        (
            "axes: {drivers.investment.shift: {from: 0, to: 1}}",
            "axes.drivers.investment.shift",
            "steps",
        ),
        (
            "axes: {drivers.investment.shift: {from: 0, to: 1, stesp: 3}}",
            "stesp",
            "did you mean 'steps'",
        ),
        ("axes: {drivers.investment.shift: {from: 0, to: 1, steps: 1}}", "steps", "one step"),
        (
            "axes: {drivers.investment.shift: {from: 0, to: 1, steps: null}}",
            "steps",
            "found nothing (null)",
        ),
        (
            "axes: {drivers.investment.shift: {from: 0, to: 1, steps: 1000000000}}",
            "steps",
            "at most 1,000,000 points",
        ),
        (
            "axes:\n  drivers.investment.shift: {from: 0, to: 1, steps: 1001}\n"
            "  drivers.exports.shift: {from: 0, to: 1, steps: 1001}",
            "axes",
            "1,002,001 points; at most 1,000,000",
        ),
        ("axes: {}", "axes", "at least one axis"),
        ("name: g", "", "found neither"),
        (
            "axes: {drivers.investment.shift: [1]}\npoints: [{drivers.investment.shift: 1}]",
            "axes",
            "not both",
        ),
        ("points: []", "points", "at least one point"),
        (
            "points: [{drivers.investment.shift: 1}, {drivers.investment.shfit: 2}]",
            "points[1]",
            "did you mean 'drivers.investment.shift'",
        ),
        (
            "points: [{drivers.investment.shift: 1, drivers.exports.shift: 0}, {drivers.investment.shift: 2}]",
            "points[1]",
            "lacks drivers.exports.shift",
        ),
        ("axis: {drivers.investment.shift: [1]}", "axis", "did you mean 'axes'"),
        (
            "axes: {drivers.investment.shift: [1]}\nsimulation: {draws: 0}",
            "simulation.draws",
            ">= 1",
        ),
    ],
)
def test_malformed_grid_files_name_the_file_and_key(tmp_path, text, key, words):
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        tjsim.load_grid(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert key in message and words in message, message


@pytest.mark.parametrize(
    ("axis", "words"),
    [
        ("drivers.investmnet.shift", "unknown variable 'investmnet' (did you mean 'investment'?)"),
        ("parameters.okun_coeficient", "did you mean 'okun_coefficient'"),
        ("events.property_slum.probability", "did you mean 'property_slump'"),
    ],
)
def test_unknown_ids_are_named_with_a_suggestion(tmp_path, calibration, axis, words):
    path = _write(tmp_path, f"axes: {{{axis}: [0.1, 0.2]}}")
    with pytest.raises(ScenarioError) as info:
        tjsim.load_grid(path, calibration=calibration)
    message = str(info.value)
    assert message.startswith(f"{path}: axes.{axis}"), message
    assert words in message


def test_derived_parameters_and_unshocked_scales_are_refused(calibration):
    derived = next(iter(calibration.derived))
    with pytest.raises(ScenarioError, match="is derived"):
        tjsim.sweep(None, {f"parameters.{derived}": [1.0]}, draws=100, calibration=calibration)
    unshocked = next(v for v in calibration.variables if v not in calibration.shocked)
    with pytest.raises(ScenarioError, match="no shock to scale"):
        tjsim.sweep(None, {f"drivers.{unshocked}.scale": [2.0]}, draws=100, calibration=calibration)


def test_an_event_the_scenario_adds_can_be_swept(calibration):
    scenario = tjsim.baseline().with_event("strike", 0.1, {"exports": -2.0})
    grid = {"events.strike.probability": [0.0, 1.0]}
    result = tjsim.sweep(scenario, grid, draws=2_000, seed=1, calibration=calibration)
    assert len(result.grid) == 2
    with pytest.raises(ScenarioError, match="unknown event 'strike'"):
        tjsim.sweep(None, grid, draws=2_000, seed=1, calibration=calibration)


AXES = (
    "drivers.investment.shift",
    "drivers.exports.shift",
    "drivers.retail_sales.shift",
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(2, 10**13), min_size=1, max_size=3))
def test_a_grid_is_counted_before_it_is_built(steps):
    # Three axes of 1,000 steps once built 1e9 points (3.5 GB) before failing: the
    # points are now counted from the axes, and a grid over the limit is refused at once.
    axes = {key: {"from": -1, "to": 1, "steps": n} for key, n in zip(AXES, steps, strict=False)}
    count = int(np.prod(steps, dtype=object))
    if count > MAX_POINTS:
        with pytest.raises(ScenarioError, match=f"at most {MAX_POINTS:,}"):
            grid_from_mapping({"name": "big", "axes": axes})
    else:
        grid = grid_from_mapping({"name": "ok", "axes": axes})
        assert len(grid) == count
        assert grid.shape == tuple(steps)
