"""Writing a scenario back as YAML, in the format :mod:`tjsim.scenario.read` reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from .scenario import DriverChange, Event, Scenario, TargetChange


def scenario_to_mapping(scenario: Scenario) -> dict[str, Any]:
    """``scenario`` as plain data in the file format (empty sections left out).

    The inverse of :func:`tjsim.scenario.read.scenario_from_mapping`: ``extends`` is already merged in, and
    ``path`` is not written.
    """
    out: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        out["description"] = scenario.description
    if scenario.calibration_name is not None:
        out["calibration"] = scenario.calibration_name
    sections = {
        "drivers": {vid: _driver(change) for vid, change in scenario.drivers.items()},
        "correlations": [[a, b, value] for (a, b), value in scenario.correlations.items()],
        "events": [_event(name, event) for name, event in scenario.events.items()],
        "parameters": dict(scenario.parameters),
        "targets": {tid: _target(change) for tid, change in scenario.targets.items()},
        "simulation": _non_default(
            {
                "draws": scenario.simulation.draws,
                "seed": scenario.simulation.seed,
                "method": scenario.simulation.method,
                "stream": scenario.simulation.stream,
            }
        ),
    }
    out.update({key: value for key, value in sections.items() if value})
    if scenario.observed:
        out["observed"] = {v: dict(periods) for v, periods in scenario.observed.items()}
    if scenario.readings is not None:
        readings = scenario.readings
        out["readings"] = readings if isinstance(readings, str) else dict(readings)
    if scenario.shocks_off:
        out["shocks_off"] = True
    return out


def to_yaml(scenario: Scenario) -> str:
    """``scenario`` as YAML text that :func:`tjsim.load_scenario` reads back equal (but
    for ``path``)."""
    return yaml.dump(
        scenario_to_mapping(scenario),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=88,
    )


def _driver(change: DriverChange) -> dict[str, Any]:
    return _non_default(
        {
            "shift": change.shift if change.shift != 0.0 else None,
            "scale": change.scale if change.scale != 1.0 else None,
            "distribution": change.distribution,
            "df": change.df,
            "skew": change.skew,
        }
    )


def _event(name: str, event: Event) -> dict[str, Any]:
    return _non_default(
        {
            "name": name,
            "probability": event.probability,
            "impact": dict(event.impact) or None,
            "label": event.label or None,
            "size_spread": event.size_spread,
        }
    )


def _target(change: TargetChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return _non_default(
        {
            "indicator": change.indicator,
            "op": change.op,
            "threshold": change.threshold,
            "compare_to": change.compare_to,
            "label": change.label or None,
            "headline": change.headline,
        }
    )


def _non_default(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class _Dumper(yaml.SafeDumper):
    """A safe dumper that writes multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)
