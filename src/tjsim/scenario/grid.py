"""Sweep grids: the scenario settings a sweep varies, and the values they take.

A grid names *axes* by the scenario key they change and gives each a list of values;
every combination is a point (a product grid), or the points are listed one by one::

    name: investment_exports
    description: Investment and export growth, each shifted from -3 to +3 pp.
    axes:
      drivers.investment.shift: {from: -3, to: 3, steps: 13}
      drivers.exports.shift: [-3, -2, -1, 0, 1, 2, 3]
    simulation: {draws: 200000, seed: 2024, method: mc}

or ``points: [{drivers.investment.shift: -1, events.property_slump.probability: 0.4},
...]`` in place of ``axes``. An axis key is one of

``drivers.<variable>.shift``
    added to the variable's mean (its unit, usually pp), on top of the scenario's shift;
``drivers.<variable>.scale``
    multiplies the spread of the variable's shock (> 0), on top of the scenario's scale;
``parameters.<fact>``
    the value of a calibration parameter (a fact or assumption id);
``events.<event>.probability``
    the probability of an event of the calibration or the scenario, in [0, 1].

:func:`read_grid` reads a file and :func:`grid_from_mapping` a parsed mapping; both
check the structure, types and ranges, and :func:`check_grid` checks the ids against a
calibration. Every error is a :class:`~tjsim.errors.ScenarioError` naming the file and
the key, with a suggestion for a misspelt name.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from ..calibration import Calibration
from ..errors import ScenarioError, suggest, unknown
from ..limits import MAX_POINTS
from ..yamlio import read_yaml_mapping
from .read import _Parser, _shown
from .scenario import Scenario, SimulationSettings

GRID_KEYS = ("name", "description", "axes", "points", "simulation")
#: Axis sections and the fields each may change (``None``: the section's id alone).
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "drivers": ("shift", "scale"),
    "parameters": None,
    "events": ("probability",),
}
RANGE_KEYS = ("from", "to", "steps")


@dataclass(frozen=True)
class Axis:
    """One scenario setting a sweep varies: ``section.name[.field]``."""

    section: str
    name: str
    field: str | None = None

    @property
    def key(self) -> str:
        """The axis's key, e.g. ``drivers.investment.shift``."""
        return ".".join(p for p in (self.section, self.name, self.field) if p)

    def apply(self, scenario: Scenario, value: float) -> Scenario:
        """``scenario`` with this setting at ``value``."""
        if self.section == "parameters":
            return scenario.with_parameter(self.name, value)
        if self.section == "events":
            event = scenario.events.get(self.name)
            if event is None:
                return scenario.with_event(self.name, value)
            return scenario.with_event(self.name, value, dict(event.impact), event.label)
        if self.field == "shift":
            return scenario.with_shift(self.name, value)
        return scenario.with_scale(self.name, value)


@dataclass(frozen=True, eq=False)
class Grid:
    """The points of a sweep: ``points[i, j]`` is axis ``j``'s value at point ``i``.

    Attributes
    ----------
    axes
        The settings varied, in order.
    points
        ``(P, k)`` floats, one row per point; for a product grid the last axis varies
        fastest.
    values
        For a product grid, each axis's values (``points`` is their product); ``None``
        for a list of points.
    name, description, simulation, path
        As for a scenario: a short name, what the grid asks, default draws, seed and
        method, and the file it was read from.
    """

    axes: tuple[Axis, ...]
    points: np.ndarray
    values: tuple[tuple[float, ...], ...] | None = None
    name: str = "grid"
    description: str = ""
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    path: str | None = None

    @classmethod
    def product(cls, axes: Mapping[str, Sequence[float]], **details: Any) -> Grid:
        """Every combination of ``axes`` (key -> values), the last axis fastest."""
        return grid_from_mapping({"axes": {k: list(v) for k, v in axes.items()}, **details})

    @classmethod
    def from_points(cls, points: Sequence[Mapping[str, float]], **details: Any) -> Grid:
        """The points listed, each a mapping of the same axis keys to values."""
        return grid_from_mapping({"points": [dict(p) for p in points], **details})

    @property
    def keys(self) -> list[str]:
        """The axes' keys."""
        return [axis.key for axis in self.axes]

    @property
    def shape(self) -> tuple[int, ...] | None:
        """Values per axis of a product grid (``None`` for a list of points)."""
        return None if self.values is None else tuple(len(v) for v in self.values)

    def __len__(self) -> int:
        return len(self.points)

    def scenario(self, base: Scenario, point: int) -> Scenario:
        """``base`` with every axis at point ``point``'s value."""
        scenario = base
        for axis, value in zip(self.axes, self.points[point], strict=True):
            scenario = axis.apply(scenario, float(value))
        return scenario.renamed(f"{base.name} [{self.describe(point)}]")

    def describe(self, point: int) -> str:
        """``key=value, ...`` for point ``point``."""
        return ", ".join(
            f"{key}={value:g}" for key, value in zip(self.keys, self.points[point], strict=True)
        )

    def to_mapping(self) -> dict[str, Any]:
        """The grid as a plain mapping that :func:`grid_from_mapping` reads back equal."""
        data: dict[str, Any] = {"name": self.name}
        if self.description:
            data["description"] = self.description
        if self.values is not None:
            data["axes"] = {k: list(v) for k, v in zip(self.keys, self.values, strict=True)}
        else:
            data["points"] = [
                dict(zip(self.keys, map(float, row), strict=True)) for row in self.points
            ]
        settings = {
            k: getattr(self.simulation, k)
            for k in ("draws", "seed", "method", "stream")
            if getattr(self.simulation, k) is not None
        }
        if settings:
            data["simulation"] = settings
        return data


# ---------------------------------------------------------------------- reading
def read_grid(path: str | Path) -> Grid:
    """Read and check the grid in YAML file ``path`` (ids are checked by
    :func:`check_grid`)."""
    return grid_from_mapping(read_yaml_mapping(path, ScenarioError), source=str(path))


def grid_from_mapping(data: Any, *, source: str | None = None) -> Grid:
    """Build a grid from a parsed YAML mapping, checking its structure, types and ranges."""
    return _GridParser(source).grid(data)


class _GridParser(_Parser):
    """The scenario parser's value checks, with the grid's sections."""

    def grid(self, data: Any) -> Grid:
        data = self.mapping(data, "", GRID_KEYS)
        has_axes, has_points = data.get("axes") is not None, data.get("points") is not None
        if has_axes == has_points:
            self.fail(
                "axes" if has_axes else "",
                "give either 'axes' (every combination of their values) or 'points' "
                "(a list of points), " + ("not both" if has_axes else "found neither"),
            )
        if has_axes:
            axes, values = self.axes(data["axes"])
            count = math.prod(map(len, values))
            if count > MAX_POINTS:
                self.fail("axes", f"{count:,} points; at most {MAX_POINTS:,}")
            points = np.array(list(itertools.product(*values)), dtype=float)
        else:
            axes, points = self.points(data["points"])
            values = None
        return Grid(
            axes=axes,
            points=points.reshape(len(points), len(axes)),
            values=values,
            name=self.text(data.get("name", "grid"), "name", required=True),
            description=self.text(data.get("description", ""), "description"),
            simulation=self.simulation(data.get("simulation")),
            path=self.source,
        )

    def axis(self, key: Any, where: str) -> Axis:
        if not isinstance(key, str) or not key:
            self.fail(
                where, f"expected an axis key such as drivers.investment.shift, found {_shown(key)}"
            )
        parts = key.split(".")
        section = parts[0]
        if section not in SECTIONS:
            self.fail(
                key,
                f"{unknown('section', section, SECTIONS)}; an axis key is drivers.<variable>.shift, "
                "drivers.<variable>.scale, parameters.<fact> or events.<event>.probability",
            )
        fields = SECTIONS[section]
        wanted = 2 if fields is None else 3
        if len(parts) != wanted or not all(parts):
            form = f"{section}.<id>" + ("" if fields is None else f".<{'|'.join(fields)}>")
            self.fail(key, f"expected an axis key of the form {form}")
        if fields is not None and parts[2] not in fields:
            self.fail(key, f"{unknown('field', parts[2], fields)}; expected {', '.join(fields)}")
        return Axis(section, parts[1], parts[2] if fields is not None else None)

    def axes(self, data: Any) -> tuple[tuple[Axis, ...], tuple[tuple[float, ...], ...]]:
        data = self.mapping(data, "axes")
        if not data:
            self.fail("axes", "expected at least one axis")
        axes, values = [], []
        for key, spec in data.items():
            axis = self.axis(key, "axes")
            where = f"axes.{key}"
            numbers = (
                self.range(spec, where) if isinstance(spec, dict) else self.listed(spec, where)
            )
            values.append(
                tuple(self.value(axis, v, f"{where}[{i}]") for i, v in enumerate(numbers))
            )
            axes.append(axis)
        return tuple(axes), tuple(values)

    def range(self, spec: dict, where: str) -> list[float]:
        spec = self.mapping(spec, where, RANGE_KEYS)
        for name in RANGE_KEYS:
            if name not in spec:
                self.fail(where, f"missing key '{name}'; a range is {{from: A, to: B, steps: N}}")
        low = self.number(spec["from"], f"{where}.from")
        high = self.number(spec["to"], f"{where}.to")
        steps = self.integer(spec["steps"], f"{where}.steps", least=1)
        if steps is None:
            self.fail(f"{where}.steps", f"expected a whole number >= 1, found {_shown(None)}")
        if steps > MAX_POINTS:
            self.fail(
                f"{where}.steps", f"{steps:,} steps; a grid has at most {MAX_POINTS:,} points"
            )
        if steps == 1 and low != high:
            self.fail(f"{where}.steps", "one step needs from == to; use 2 or more")
        return [float(v) for v in np.linspace(low, high, steps)]

    def listed(self, spec: Any, where: str) -> list[Any]:
        if not isinstance(spec, list):
            self.fail(
                where, f"expected a list of values or {{from, to, steps}}, found {_shown(spec)}"
            )
        if not spec:
            self.fail(where, "expected at least one value")
        numbers = [self.number(v, f"{where}[{i}]") for i, v in enumerate(spec)]
        if len(set(numbers)) != len(numbers):
            repeated = next(v for v in numbers if numbers.count(v) > 1)
            self.fail(where, f"the value {repeated:g} is given twice")
        return numbers

    def points(self, data: Any) -> tuple[tuple[Axis, ...], np.ndarray]:
        items = self.sequence(data, "points")
        if not items:
            self.fail("points", "expected at least one point")
        if len(items) > MAX_POINTS:
            self.fail("points", f"{len(items):,} points; at most {MAX_POINTS:,}")
        first = self.mapping(items[0], "points[0]")
        if not first:
            self.fail("points[0]", "expected a mapping of axis keys to values")
        keys = list(first)
        axes = tuple(self.axis(key, "points[0]") for key in keys)
        rows = []
        for index, item in enumerate(items):
            where = f"points[{index}]"
            item = self.mapping(item, where)
            if list(item) != keys and set(item) != set(keys):
                missing = [k for k in keys if k not in item]
                extra = [k for k in item if k not in keys]
                detail = f"lacks {', '.join(missing)}" if missing else f"adds {', '.join(extra)}"
                hint = suggest(extra[0], keys) if extra else ""
                self.fail(
                    where, f"every point sets the same axes as points[0]; this one {detail}{hint}"
                )
            rows.append([self.value(axis, item[axis.key], f"{where}.{axis.key}") for axis in axes])
        return axes, np.array(rows, dtype=float)

    def value(self, axis: Axis, value: Any, where: str) -> float:
        if axis.field == "scale":
            return self.number(value, where, above=0.0)
        if axis.field == "probability":
            return self.number(value, where, within=(0, 1), closed=True)
        return self.number(value, where)


# ---------------------------------------------------------------------- ids
def check_grid(grid: Grid, calibration: Calibration, scenario: Scenario) -> None:
    """Check every axis's id against ``calibration`` (and the events ``scenario`` adds)."""

    def fail(axis: Axis, message: str) -> NoReturn:
        place = f"axes.{axis.key}" if grid.values is not None else f"points[0].{axis.key}"
        raise ScenarioError(message, file=grid.path, key=place)

    facts = [f.id for f in calibration.facts]
    for axis in grid.axes:
        if axis.section == "drivers":
            if axis.name not in calibration.variables:
                fail(axis, unknown("variable", axis.name, calibration.variables))
            if axis.field == "scale" and axis.name not in calibration.shocked:
                fail(axis, f"'{axis.name}' has no shock to scale; shift it instead")
        elif axis.section == "parameters":
            if axis.name in calibration.derived:
                fail(
                    axis,
                    f"'{axis.name}' is derived ({calibration.derived[axis.name]}); "
                    "vary one of the parameters it uses instead",
                )
            if axis.name not in facts:
                fail(axis, unknown("parameter", axis.name, facts))
        else:
            events = [*calibration.events, *scenario.events]
            if axis.name not in events:
                fail(axis, unknown("event", axis.name, events))
