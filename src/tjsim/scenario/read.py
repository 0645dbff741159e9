"""Scenario YAML files: reading and checking their structure.

A scenario file is a YAML mapping; ``docs/scenarios.md`` documents every key::

    name: property_downturn
    description: Property investment falls further (report 一 (二) ...).
    calibration: tianjin      # optional: the calibration the scenario is written for
    extends: baseline.yaml
    drivers:
      investment: {shift: -2.0, scale: 1.2}
    correlations:
      - [investment, retail_sales, 0.5]
    events:
      - {name: property_slump, probability: 0.6}
    parameters:
      property_impact_investment: -7.0
    targets:
      district_heping: null
    simulation: {draws: 200000, seed: 2024, method: mc}
    observed:
      gdp_growth: {Q1: 5.5}
    readings: strict          # or {gdp_growth: about, disposable_income: headline}
    shocks_off: false

:func:`read_scenario` reads a file, follows ``extends`` and checks types and ranges.
Ids (drivers, events, targets, parameters) need a calibration: the caller passes a
``check`` function that raises for a scenario the calibration cannot run
(:func:`tjsim.model.check_scenario`), and it is applied to every file of an
``extends`` chain, so that an error names the file it is in. A file that names its
``calibration`` is refused, naming that key, when read against another calibration. Every error is a
:class:`~tjsim.errors.ScenarioError` naming the file and the key path.
:mod:`tjsim.scenario.write` writes a scenario back.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from ..calibration import OPS, Calibration
from ..errors import ScenarioError, suggest, unknown
from ..limits import MAX_EXTENDS_DEPTH, MAX_MAGNITUDE, MAX_SPREAD
from ..marginals import FAMILIES
from ..seeding import MAX_SEED, STREAMS, check_draws
from ..yamlio import kind_of, read_yaml_mapping
from .scenario import (
    METHODS,
    DriverChange,
    Event,
    Scenario,
    SimulationSettings,
    TargetChange,
    baseline,
)

#: A function that raises :class:`~tjsim.errors.ScenarioError` for a scenario that
#: the calibration cannot run (unknown ids and the like).
Check = Callable[[Scenario], None]

#: ``extends`` value that names the packaged calibration unchanged rather than a file.
BASELINE = "baseline"
#: The endings of the files ``extends`` may name.
SUFFIXES = (".yaml", ".yml")

TOP_KEYS = (
    "name",
    "description",
    "calibration",
    "extends",
    "drivers",
    "correlations",
    "events",
    "parameters",
    "targets",
    "simulation",
    "observed",
    "readings",
    "shocks_off",
)
DRIVER_KEYS = ("shift", "scale", "distribution", "df", "skew")
EVENT_KEYS = ("name", "probability", "impact", "label", "size_spread")
TARGET_KEYS = ("indicator", "op", "threshold", "compare_to", "label", "headline")
SIMULATION_KEYS = ("draws", "seed", "method", "stream")


# ---------------------------------------------------------------------- reading
def read_scenario(
    path: str | os.PathLike[str],
    *,
    check: Check | None = None,
    calibration: Calibration | None = None,
) -> Scenario:
    """Read the scenario in YAML file ``path``, following ``extends``.

    Parameters
    ----------
    path
        A scenario file (see ``docs/scenarios.md``).
    check
        Called with the scenario of every file of the ``extends`` chain (parents
        first); raises for ids the calibration does not know.
    calibration
        The calibration the returned scenario's builders check names against (and that
        tells a target a parent file added from a calibrated one, when a child drops it).

    Returns
    -------
    Scenario
        A frozen scenario with ``extends`` merged in and ``path`` set to ``path``.

    Raises
    ------
    ScenarioError
        For any problem, naming the file and the key path.
    """
    return _load(Path(path), (), check, calibration)


def scenario_from_mapping(
    data: Any,
    *,
    source: str | None = None,
    base_dir: str | os.PathLike[str] | None = None,
    check: Check | None = None,
    calibration: Calibration | None = None,
) -> Scenario:
    """Build a scenario from a parsed YAML mapping.

    Parameters
    ----------
    data
        The mapping, as read from YAML.
    source
        Where ``data`` came from, used in error messages and stored as ``path``.
    base_dir
        Folder that a relative ``extends`` is resolved against (default: the working
        folder).
    check, calibration
        As for :func:`read_scenario`.
    """
    folder = Path(base_dir) if base_dir is not None else Path()
    return _build(data, source, folder, (), check, calibration)


def _load(
    path: Path, chain: tuple[Path, ...], check: Check | None, calibration: Calibration | None
) -> Scenario:
    data = read_yaml_mapping(path, ScenarioError)
    return _build(data, str(path), path.parent, (*chain, path.resolve()), check, calibration)


def _build(
    data: Any,
    source: str | None,
    base_dir: Path,
    chain: tuple[Path, ...],
    check: Check | None,
    calibration: Calibration | None,
) -> Scenario:
    """Parse ``data``, merge it over its parent and ``check`` the result."""
    own = _Parser(source).scenario(data)
    _check_calibration(own, source, calibration)
    parent = _parent(data.get("extends"), source, base_dir, chain, check, calibration)
    scenario = parent.extended_by(own)
    settings = scenario.simulation
    if settings.draws is not None:
        try:
            check_draws(settings.method or "mc", settings.draws)
        except ScenarioError as exc:
            raise ScenarioError(exc.message, file=source, key=f"simulation.{exc.key}") from None
    if check is not None:
        check(scenario)
    return scenario


def _check_calibration(
    scenario: Scenario, source: str | None, calibration: Calibration | None
) -> None:
    """Refuse a scenario that names a calibration (its ``calibration`` key) other than
    the one it is read against."""
    named = scenario.calibration_name
    if named is None or calibration is None or named == calibration.name:
        return
    raise ScenarioError(
        f"the scenario is written for the {named} calibration, not {calibration.name}; "
        f"run it with calibration='{named}' (or leave the calibration out: a scenario "
        "file that names its calibration selects it)",
        file=source,
        key="calibration",
    )


def read_observed(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    """Read year-to-date observations from a YAML file (structure and types only).

    The file holds ``{variable: {period: value}}`` (periods ``Q1``, ``H1``, ``Q1-Q3``,
    ``FY``), either at the top level or under an ``observed`` key::

        gdp_growth: {Q1: 5.0}
        retail_sales: {Q1: 5.5, H1: 5.0}
    """
    data = read_yaml_mapping(path, ScenarioError)
    if set(data) == {"observed"}:
        data = data["observed"]
    return _Parser(str(path)).observed(data)


def _parent(
    extends: Any,
    source: str | None,
    base_dir: Path,
    chain: tuple[Path, ...],
    check: Check | None,
    calibration: Calibration | None,
) -> Scenario:
    """The scenario named by ``extends`` (the baseline when there is none).

    Only ``.yaml`` and ``.yml`` files are followed, at most
    :data:`~tjsim.limits.MAX_EXTENDS_DEPTH` deep, so that ``extends`` cannot make tjsim
    read (and quote in its errors) files that are not scenarios.
    """
    if extends is None or extends == BASELINE:
        return baseline(calibration)
    parser = _Parser(source)
    if not isinstance(extends, str) or not extends.strip():
        parser.fail("extends", f"expected '{BASELINE}' or a scenario file, found {_shown(extends)}")
    name = _clipped(extends)
    if "\x00" in extends:
        parser.fail("extends", "a file name cannot contain a NUL character (\\x00)")
    bundled = bundled_files()
    is_name = Path(extends).suffix == "" and Path(extends).name == extends
    if is_name and extends not in bundled:
        parser.fail(
            "extends",
            f"no bundled scenario '{name}'{suggest(extends, bundled)}; expected a scenario "
            f"file ending in .yaml or .yml or a bundled scenario: {', '.join(bundled)}",
        )
    if not is_name and Path(extends).suffix.lower() not in SUFFIXES:
        parser.fail(
            "extends",
            f"expected '{BASELINE}', a bundled scenario's name or a scenario file ending in "
            f".yaml or .yml, found '{name}'",
        )
    if len(chain) > MAX_EXTENDS_DEPTH:
        parser.fail(
            "extends",
            f"a chain of more than {MAX_EXTENDS_DEPTH} extends links (from "
            f"{chain[0].name}); merge some of its files",
        )
    path = bundled[extends] if is_name else base_dir / extends
    try:
        found = path.exists()
        resolved = path.resolve()
    except (OSError, RuntimeError) as exc:
        parser.fail("extends", f"cannot read '{name}': {getattr(exc, 'strerror', None) or exc}")
    if not found:
        folder = Path(extends).parent
        nearby = sorted(str(folder / p.name) for p in _yaml_files(path.parent))
        parser.fail("extends", f"no scenario file '{name}' in {base_dir}{suggest(extends, nearby)}")
    if resolved.suffix.lower() not in SUFFIXES:
        parser.fail("extends", f"'{name}' leads to a file that is not a .yaml or .yml file")
    if resolved in chain:
        loop = " -> ".join(p.name for p in (*chain, resolved))
        parser.fail("extends", f"circular extends: {loop}")
    return _load(path, chain, check, calibration)


def bundled_files() -> dict[str, Path]:
    """The scenario files that ship with tjsim, by name (``baseline``,
    ``property_downturn``, ...): what a bare name in ``extends`` refers to."""
    folder = Path(str(resources.files("tjsim") / "data" / "scenarios"))
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))}


def _yaml_files(folder: Path) -> list[Path]:
    """The YAML files in ``folder`` (none if it cannot be listed)."""
    try:
        return [p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES]
    except OSError:
        return []


def _clipped(text: str, width: int = 60) -> str:
    """``text`` cut to ``width`` characters, for messages."""
    return text if len(text) <= width else text[: width - 3] + "..."


class _Parser:
    """Checks the structure, types and ranges of one scenario mapping.

    Ids are not checked here (they need the calibration); :func:`_build` does that.
    """

    def __init__(self, source: str | None):
        self.source = source

    def fail(self, key: str, message: str) -> NoReturn:
        raise ScenarioError(message, file=self.source, key=key)

    # ------------------------------------------------------------ sections
    def scenario(self, data: Any) -> Scenario:
        data = self.mapping(data, "", TOP_KEYS)
        if "name" not in data:
            self.fail("name", "missing required key 'name' (the scenario's short name)")
        return Scenario(
            name=self.text(data["name"], "name", required=True),
            description=self.text(data.get("description", ""), "description"),
            calibration_name=self.optional_identifier(data.get("calibration"), "calibration"),
            drivers=self.drivers(data.get("drivers")),
            correlations=self.correlations(data.get("correlations")),
            events=self.events(data.get("events")),
            parameters=self.parameters(data.get("parameters")),
            targets=self.targets(data.get("targets")),
            simulation=self.simulation(data.get("simulation")),
            observed=self.observed(data.get("observed")),
            readings=self.readings(data.get("readings")),
            shocks_off=self.flag(data.get("shocks_off", False), "shocks_off"),
            path=self.source,
        )

    def drivers(self, data: Any) -> dict[str, DriverChange]:
        out = {}
        for vid, change in self.mapping(data, "drivers").items():
            key = f"drivers.{vid}"
            change = self.mapping(change, key, DRIVER_KEYS)
            distribution = change.get("distribution")
            if distribution is not None:
                self.choice(distribution, f"{key}.distribution", FAMILIES)
            out[vid] = DriverChange(
                shift=self.number(change.get("shift", 0.0), f"{key}.shift"),
                scale=self.number(change.get("scale", 1.0), f"{key}.scale", above=0.0),
                distribution=distribution,
                df=self.optional_number(change.get("df"), f"{key}.df", above=2.0),
                skew=self.optional_number(change.get("skew"), f"{key}.skew", within=(-1, 1)),
            )
        return out

    def correlations(self, data: Any) -> dict[tuple[str, str], float]:
        out: dict[tuple[str, str], float] = {}
        for index, item in enumerate(self.sequence(data, "correlations")):
            key = f"correlations[{index}]"
            if not (isinstance(item, list) and len(item) == 3):
                self.fail(key, f"expected a list [name, name, value], found {_shown(item)}")
            first, second = (self.identifier(name, key) for name in item[:2])
            if first == second:
                self.fail(key, f"a correlation needs two different names, found '{first}' twice")
            pair = (first, second) if first < second else (second, first)
            if pair in out:
                self.fail(key, f"the pair {first}, {second} is given twice")
            out[pair] = self.number(item[2], key, within=(-1, 1))
        return out

    def events(self, data: Any) -> dict[str, Event]:
        out = {}
        for index, item in enumerate(self.sequence(data, "events")):
            item = self.mapping(item, f"events[{index}]", EVENT_KEYS)
            if "name" not in item:
                self.fail(f"events[{index}]", "missing required key 'name'")
            name = self.identifier(item["name"], f"events[{index}].name")
            key = f"events.{name}"
            if name in out:
                self.fail(key, f"the event '{name}' is given twice")
            if "probability" not in item:
                self.fail(key, "missing required key 'probability' (a number in [0, 1])")
            impact = {
                vid: self.number(value, f"{key}.impact.{vid}")
                for vid, value in self.mapping(item.get("impact"), f"{key}.impact").items()
            }
            out[name] = Event(
                probability=self.number(
                    item["probability"], f"{key}.probability", within=(0, 1), closed=True
                ),
                impact=impact,
                label=self.text(item.get("label", ""), f"{key}.label"),
                size_spread=None
                if item.get("size_spread") is None
                else self.number(
                    item["size_spread"], f"{key}.size_spread", within=(0, MAX_SPREAD), closed=True
                ),
            )
        return out

    def parameters(self, data: Any) -> dict[str, float]:
        return {
            pid: self.number(value, f"parameters.{pid}")
            for pid, value in self.mapping(data, "parameters").items()
        }

    def targets(self, data: Any) -> dict[str, TargetChange | None]:
        out: dict[str, TargetChange | None] = {}
        for tid, change in self.mapping(data, "targets").items():
            key = f"targets.{tid}"
            if change is None:
                out[tid] = None
                continue
            change = self.mapping(change, key, TARGET_KEYS)
            if change.get("threshold") is not None and change.get("compare_to") is not None:
                self.fail(key, "give at most one of 'threshold' and 'compare_to'")
            op = change.get("op")
            if op is not None:
                self.choice(op, f"{key}.op", OPS)
            out[tid] = TargetChange(
                indicator=self.optional_identifier(change.get("indicator"), f"{key}.indicator"),
                op=op,
                threshold=self.optional_number(change.get("threshold"), f"{key}.threshold"),
                compare_to=self.optional_identifier(change.get("compare_to"), f"{key}.compare_to"),
                label=self.text(change.get("label", ""), f"{key}.label"),
                headline=None
                if change.get("headline") is None
                else self.flag(change["headline"], f"{key}.headline"),
            )
        return out

    def observed(self, data: Any) -> dict[str, dict[str, float]]:
        """``{variable: {period: value}}``; ids and periods are checked on compiling."""
        return {
            variable: {
                str(period): self.number(value, f"observed.{variable}.{period}")
                for period, value in self.mapping(periods, f"observed.{variable}").items()
            }
            for variable, periods in self.mapping(data, "observed").items()
        }

    def readings(self, data: Any) -> str | dict[str, str] | None:
        """A reading's name, or ``{target: reading}``; names are checked on compiling."""
        if data is None or (isinstance(data, str) and data):
            return data
        return {
            target: self.identifier(name, f"readings.{target}")
            for target, name in self.mapping(data, "readings").items()
        }

    def simulation(self, data: Any) -> SimulationSettings:
        data = self.mapping(data, "simulation", SIMULATION_KEYS)
        method = data.get("method")
        if method is not None:
            self.choice(method, "simulation.method", METHODS)
        stream = data.get("stream")
        if stream is not None:
            self.choice(stream, "simulation.stream", tuple(STREAMS))
        return SimulationSettings(
            draws=self.integer(_scientific(data.get("draws")), "simulation.draws", least=1),
            seed=self.integer(data.get("seed"), "simulation.seed", least=0, below=MAX_SEED),
            method=method,
            stream=stream,
        )

    # ------------------------------------------------------------ values
    def mapping(
        self, value: Any, key: str, allowed: tuple[str, ...] | None = None
    ) -> dict[str, Any]:
        """``value`` as a mapping with string keys (``None`` is empty); with ``allowed``,
        every key must be one of them."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(key, f"expected a mapping, found {_shown(value)}")
        for name in value:
            where = f"{key}.{name}" if key else str(name)
            if not isinstance(name, str) or not name:
                self.fail(key, f"expected names as keys, found {_shown(name)}")
            if allowed is not None and name not in allowed:
                self.fail(where, f"{unknown('key', name, allowed)}; expected {_listed(allowed)}")
        return value

    def sequence(self, value: Any, key: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(key, f"expected a list, found {_shown(value)}")
        return value

    def text(self, value: Any, key: str, *, required: bool = False) -> str:
        if not isinstance(value, str) or (required and not value.strip()):
            wanted = "a non-empty string" if required else "a string"
            self.fail(key, f"expected {wanted}, found {_shown(value)}")
        return value

    def flag(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, found {_shown(value)}")
        return value

    def identifier(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, f"expected a name, found {_shown(value)}")
        return value

    def optional_identifier(self, value: Any, key: str) -> str | None:
        return None if value is None else self.identifier(value, key)

    def choice(self, value: Any, key: str, options: tuple[str, ...]) -> str:
        if value not in options:
            hint = suggest(value, options) if isinstance(value, str) else ""
            self.fail(key, f"expected one of {_listed(options)}, found {_shown(value)}{hint}")
        return value

    def number(
        self,
        value: Any,
        key: str,
        *,
        above: float | None = None,
        within: tuple[float, float] | None = None,
        closed: bool = False,
    ) -> float:
        """A finite number of magnitude at most :data:`~tjsim.limits.MAX_MAGNITUDE`,
        optionally ``> above`` or inside ``within`` (open unless ``closed``)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(key, f"expected a number, found {_shown(value)}{_text_number(value)}")
        if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:  # too large for a float
            digits = len(str(abs(value))) if abs(value).bit_length() < 10_000 else "thousands of"
            self.fail(
                key,
                f"expected a number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}, "
                f"found an integer of {digits} digits",
            )
        value = float(value)
        if not math.isfinite(value):
            self.fail(key, f"expected a finite number, found {value}")
        if abs(value) > MAX_MAGNITUDE:
            self.fail(
                key,
                f"expected a number between {-MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g}, "
                f"found {value:g}",
            )
        if above is not None and not value > above:
            self.fail(key, f"expected a number > {above:g}, found {value:g}")
        if within is not None:
            low, high = within
            inside = low <= value <= high if closed else low < value < high
            if not inside:
                bounds = f"[{low:g}, {high:g}]" if closed else f"({low:g}, {high:g})"
                self.fail(key, f"expected a number in {bounds}, found {value:g}")
        return value

    def optional_number(self, value: Any, key: str, **rules: Any) -> float | None:
        return None if value is None else self.number(value, key, **rules)

    def integer(self, value: Any, key: str, *, least: int, below: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            found = f"{_shown(value)}{_text_number(value)}"
            self.fail(key, f"expected a whole number >= {least}, found {found}")
        if value < least:
            self.fail(key, f"expected a whole number >= {least}, found {value}")
        if below is not None and value >= below:
            self.fail(
                key,
                f"expected a whole number below 2**{(below - 1).bit_length()}, found one of "
                f"{value.bit_length()} bits",
            )
        return value


def _shown(value: Any) -> str:
    """A short description of a YAML value for error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, bool):  # yes, no, on, off, true, false, y, n unquoted
        return f"{kind_of(value)} {text} (YAML reads an unquoted yes, no, on or off as true or false: quote it to mean text)"
    return f"{kind_of(value)} {text}"


def _scientific(value: Any) -> Any:
    """A number of draws as economists write it: ``1e5`` (which YAML reads as text) or
    ``1.0e+5`` (a float) with a whole value becomes the ``int`` 100000; anything else is
    returned unchanged, for :meth:`integer` to check."""
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if not re.fullmatch(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+", text):
            return value
        try:
            value = float(text)
        except ValueError:  # pragma: no cover - the pattern is a float's
            return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def _text_number(value: Any) -> str:
    """A hint for numbers that YAML reads as text, such as ``1e5``, ``1:30`` or ``010``."""
    if not isinstance(value, str):
        return ""
    text = value.strip().replace("_", "")
    if re.fullmatch(r"[-+]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?", text):
        return " (a base-60 number such as 1:30 is not read as a number: write it in decimal)"
    if re.fullmatch(r"[-+]?0[0-9]+", text):
        return " (a whole number with a leading zero is not read as a number: drop the zero)"
    try:
        number = float(text)
    except ValueError:
        return ""
    if not math.isfinite(number):
        return ""
    return " (YAML reads this as text: write 100000, 100_000 or 1.0e+5)"


def _listed(options: tuple[str, ...]) -> str:
    return ", ".join(options)
