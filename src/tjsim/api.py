"""The public entry points: files, folders and names become objects here.

Every function below takes what a user has at hand (a scenario file or a
:class:`~tjsim.scenario.Scenario`, a calibration folder or a
:class:`~tjsim.calibration.Calibration`, or nothing for the packaged Tianjin
calibration and the baseline), resolves it into objects, and calls the layer that does
the work. ``tjsim.simulate`` and the other names of the package's top level come from
here.

Layer 7. May import every layer below it: the foundation modules,
:mod:`tjsim.calibration`, :mod:`tjsim.scenario`, :mod:`tjsim.model`,
:mod:`tjsim.result`, :mod:`tjsim.engine` and :mod:`tjsim.analysis`.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import analysis, engine
from .analysis import (
    CommonDraws,
    ComparisonResult,
    PanelScoreResult,
    ReportingModel,
    RequiredShift,
    ScoreResult,
)
from .analysis.sensitivities import DEFAULT_STEP
from .analysis.sweep import sweep as _sweep
from .calibration import FACT_KINDS, Calibration, tables
from .calibration import files as calibration_files
from .calibration import load_calibration as read_calibration
from .errors import ScenarioError, suggest, unknown_of
from .model import check_calibration, check_observed, check_scenario, compile_model
from .model.targets import target_table
from .result import SimulationResult, SweepResult
from .scenario import Scenario, read_observed, read_scenario
from .scenario import baseline as scenario_baseline
from .scenario import scenario_from_mapping as _scenario_from_mapping
from .scenario.grid import Grid, check_grid, grid_from_mapping, read_grid
from .scenario.read import bundled_files
from .seeding import SeedLike
from .yamlio import read_yaml_mapping

CalibrationLike = Calibration | str | os.PathLike | None
ScenarioLike = Scenario | str | os.PathLike | None
GridLike = Grid | Mapping[str, Sequence[float]] | Sequence[Mapping[str, float]] | str | os.PathLike
Observed = Mapping[str, Mapping[str, float]]


# ---------------------------------------------------------------------- resolving
def load_calibration(path: str | os.PathLike | None = None) -> Calibration:
    """Read and validate calibration ``path``: a folder, the name of a packaged
    calibration (``"tianjin"``, ``"china"``; :func:`packaged_calibrations`), or ``None``
    for the packaged Tianjin calibration; and compile its baseline once, so that a
    calibration that loads also runs.

    Raises
    ------
    CalibrationError
        For any problem, naming the file and the key path.
    """
    return check_calibration(read_calibration(path))


def resolve_calibration(calibration: CalibrationLike = None) -> Calibration:
    """A :class:`~tjsim.calibration.Calibration`: the one given, the folder or packaged
    calibration's name given, or (``None``) the packaged Tianjin calibration."""
    if isinstance(calibration, Calibration):
        return calibration
    if calibration is not None and not isinstance(calibration, (str, os.PathLike)):
        raise _wrong_type("calibration", "a Calibration, a calibration folder or None", calibration)
    return load_calibration(calibration)


def packaged_calibrations() -> dict[str, Path]:
    """The calibrations that ship with tjsim, by name (``china``, ``tianjin``), each a
    folder of the calibration files."""
    return calibration_files.packaged_calibrations()


def calibrations() -> pd.DataFrame:
    """The packaged calibrations, the default first: what ``tjsim calibrations`` lists.

    Returns
    -------
    pandas.DataFrame
        One row per packaged calibration, indexed by the name that selects it
        (``name``: ``tjsim.simulate(calibration=name)``, a scenario's ``calibration:
        name``), with columns ``title``, ``version``, ``targets``, ``variables`` and
        ``events`` (how many it holds), ``default`` (bool: the one used when none is
        named) and ``folder`` (its files).
    """
    default = calibration_files.DEFAULT_CALIBRATION
    rows = []
    for name, folder in sorted(
        packaged_calibrations().items(), key=lambda item: (item[0] != default, item[0])
    ):
        cal = load_calibration(folder)
        rows.append(
            {
                "name": name,
                "title": cal.title,
                "version": cal.version,
                "targets": len(cal.targets),
                "variables": len(cal.variables),
                "events": len(cal.events),
                "default": name == default,
                "folder": folder,
            }
        )
    return pd.DataFrame(rows).set_index("name")


def scenario_calibration(
    scenario: ScenarioLike, calibration: CalibrationLike = None
) -> Calibration:
    """The calibration to run ``scenario`` with: ``calibration`` when given; else the
    one the scenario names (a scenario file's ``calibration`` key, or the calibration a
    :class:`~tjsim.scenario.Scenario` was built on); else the packaged Tianjin one.

    A scenario that names another calibration than the one given is refused when it is
    read (:func:`load_scenario`), naming its ``calibration`` key."""
    if calibration is not None:
        return resolve_calibration(calibration)
    if isinstance(scenario, Scenario):
        return resolve_calibration(scenario.calibration or scenario.calibration_name)
    if isinstance(scenario, (str, os.PathLike)):
        return resolve_calibration(_named_in_file(scenario))
    return resolve_calibration(None)


def _named_in_file(scenario: str | os.PathLike) -> str | None:
    """The ``calibration`` key of the scenario file or bundled scenario ``scenario``, or
    ``None`` when it has none or cannot be read (reading it then reports why)."""
    try:
        path = _file_or_bundled(scenario, bundled_scenarios(), "scenario")
        named = read_yaml_mapping(path, ScenarioError).get("calibration")
    except (ScenarioError, OSError, ValueError):
        return None
    return named if isinstance(named, str) and named else None


def bundled_scenarios() -> dict[str, Path]:
    """The scenario files that ship with tjsim, by name (``baseline``,
    ``property_downturn``, ...)."""
    return bundled_files()


def bundled_grids() -> dict[str, Path]:
    """The sweep grids that ship with tjsim, by name (``investment_exports``, ...)."""
    return {
        path.stem: path
        for path in sorted(bundled_scenarios()["baseline"].parent.glob("grids/*.yaml"))
    }


def _file_or_bundled(name: str | os.PathLike, bundled: Mapping[str, Path], kind: str) -> Path:
    """The file ``name``, else the bundled ``kind`` (scenario, grid) of that name; a bare
    name that is neither is an error with a suggestion."""
    path = Path(name)
    if not path.exists() and str(name) in bundled:
        return bundled[str(name)]
    if not path.exists() and path.suffix == "" and path.name == str(name):
        raise ScenarioError(
            f"no {kind} file '{name}', and no bundled {kind} of that name"
            f"{suggest(str(name), bundled)}; bundled: {', '.join(bundled)}",
            key=kind,
        )
    _check_near(path, kind)
    return path


def _check_near(path: Path, kind: str) -> None:
    """Raise an error suggesting the nearest YAML file of its folder when ``path`` does
    not exist and one is close (``scenarios/basline.yaml``); else leave the reading of
    ``path`` to report what is wrong."""
    try:
        if path.exists() or not path.parent.is_dir():
            return
        near = [p.name for p in path.parent.iterdir() if p.suffix.lower() in (".yaml", ".yml")]
    except (OSError, ValueError):
        return
    match = difflib.get_close_matches(path.name, sorted(near), n=1, cutoff=0.6)
    if match:
        raise ScenarioError(
            f"no {kind} file '{path}' (did you mean '{path.parent / match[0]}'?)", key=kind
        )


def resolve_scenario(scenario: ScenarioLike, calibration: Calibration) -> Scenario:
    """A :class:`~tjsim.scenario.Scenario`: the one given, the file given (checked
    against ``calibration``), a bundled scenario's name (``"property_downturn"``), or
    (``None``) the baseline."""
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is None:
        return scenario_baseline(calibration)
    if isinstance(scenario, (str, os.PathLike)):
        path = _file_or_bundled(scenario, bundled_scenarios(), "scenario")
        return load_scenario(path, calibration=calibration)
    hint = (
        "; draws is keyword-only: simulate(draws=...)"
        if isinstance(scenario, (int, float)) and not isinstance(scenario, bool)
        else ""
    )
    error = _wrong_type(
        "scenario", "a Scenario, a scenario file, a bundled scenario's name or None", scenario
    )
    raise ScenarioError(error.message + hint, key="scenario")


def baseline(calibration: CalibrationLike = None) -> Scenario:
    """The baseline scenario: the calibration unchanged, to build variants from.

    Its ``with_*`` methods check every name against ``calibration`` (default: the
    packaged Tianjin calibration) at the call, with a suggestion for a misspelt one::

        tjsim.baseline().with_shift("investment", -2)   # "baseline + investment -2"

    Parameters
    ----------
    calibration
        A :class:`~tjsim.calibration.Calibration` or a calibration folder (default: the
        packaged one). Start from ``tjsim.baseline(calibration=...)`` to build scenarios
        for another calibration.
    """
    return scenario_baseline(resolve_calibration(calibration))


def _wrong_type(name: str, expected: str, value: Any) -> ScenarioError:
    """The error for argument ``name`` of the wrong type."""
    return ScenarioError(
        f"{name} must be {expected}, found {type(value).__name__} {value!r:.60}", key=name
    )


def _flag(value: Any, name: str) -> bool:
    """``value`` as a bool; anything but ``True`` or ``False`` is an error."""
    if not isinstance(value, (bool, np.bool_)):
        raise _wrong_type(name, "True or False", value)
    return bool(value)


def load_scenario(path: str | os.PathLike, *, calibration: CalibrationLike = None) -> Scenario:
    """Read, validate and return the scenario in YAML file ``path``.

    Parameters
    ----------
    path
        A scenario file (see ``docs/scenarios.md``).
    calibration
        The calibration that ids are checked against (default: the one the file names
        in its ``calibration`` key, else the packaged Tianjin one).

    Returns
    -------
    Scenario
        A frozen scenario with ``extends`` merged in and ``path`` set to ``path``.

    Raises
    ------
    ScenarioError
        For any problem, naming the file and the key path.
    """
    cal = scenario_calibration(path, calibration)
    if isinstance(path, (str, os.PathLike)):
        _check_near(Path(path), "scenario")
    return read_scenario(
        path, check=lambda scenario: check_scenario(scenario, cal), calibration=cal
    )


def scenario_from_mapping(
    data: Any,
    *,
    source: str | None = None,
    base_dir: str | os.PathLike | None = None,
    calibration: CalibrationLike = None,
) -> Scenario:
    """Build and validate a scenario from a parsed YAML mapping.

    Parameters
    ----------
    data
        The mapping, as read from YAML.
    source
        Where ``data`` came from, used in error messages and stored as ``path``.
    base_dir
        Folder that a relative ``extends`` is resolved against (default: the working
        folder).
    calibration
        The calibration that ids are checked against (default: the packaged one).
    """
    cal = resolve_calibration(calibration)
    return _scenario_from_mapping(
        data,
        source=source,
        base_dir=base_dir,
        check=lambda scenario: check_scenario(scenario, cal),
        calibration=cal,
    )


def load_observed(
    path: str | os.PathLike, *, calibration: CalibrationLike = None
) -> dict[str, dict[str, float]]:
    """Read year-to-date observations from a YAML file and check them.

    The file holds ``{variable: {period: value}}`` (periods ``Q1``, ``H1``, ``Q1-Q3``,
    ``FY``), either at the top level or under an ``observed`` key::

        gdp_growth: {Q1: 5.0}
        retail_sales: {Q1: 5.5, H1: 5.0}
    """
    if isinstance(path, (str, os.PathLike)):
        _check_near(Path(path), "observations")
    observed = read_observed(path)
    check_observed(observed, resolve_calibration(calibration), source=str(path))
    return observed


def load_grid(
    path: str | os.PathLike,
    *,
    calibration: CalibrationLike = None,
    scenario: ScenarioLike = None,
) -> Grid:
    """Read, validate and return the sweep grid in YAML file ``path``.

    Parameters
    ----------
    path
        A grid file (see ``docs/sweeps.md``), or a bundled grid's name
        (``"investment_exports"``, ``"property_slump_odds"``): ``axes`` (every
        combination of their values) or ``points`` (a list), keyed by scenario settings
        such as ``drivers.investment.shift`` or ``events.property_slump.probability``.
    calibration
        The calibration that ids are checked against (default: the packaged one).
    scenario
        The scenario the grid will change (its own events may be swept too).

    Raises
    ------
    ScenarioError
        For any problem, naming the file and the key.
    """
    cal = resolve_calibration(calibration)
    grid = resolve_grid(path)
    check_grid(grid, cal, resolve_scenario(scenario, cal))
    return grid


def resolve_grid(grid: GridLike) -> Grid:
    """A :class:`~tjsim.scenario.grid.Grid`: the one given, a grid file, a bundled
    grid's name (``"investment_exports"``), a mapping of axis keys to values (every
    combination), or a list of points."""
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, (str, os.PathLike)):
        return read_grid(_file_or_bundled(grid, bundled_grids(), "grid"))
    if isinstance(grid, Mapping):
        return grid_from_mapping({"axes": {k: _listed(v) for k, v in grid.items()}})
    if isinstance(grid, Sequence) and not isinstance(grid, str):
        return grid_from_mapping({"points": [dict(point) for point in grid]})
    raise ScenarioError(
        "grid must be a Grid, a grid file, a mapping of axis keys to values or a list of "
        f"points, found {type(grid).__name__}",
        key="grid",
    )


def _listed(values: Any) -> Any:
    """Values of an axis as a list (a numpy array or range included)."""
    if isinstance(values, Mapping) or isinstance(values, str):
        return values
    try:
        return [float(v) if hasattr(v, "__float__") else v for v in values]
    except TypeError:
        return [values]


# ---------------------------------------------------------------------- tables
def facts(
    calibration: CalibrationLike = None,
    *,
    derived: bool = False,
    kind: str | None = None,
    grep: str | None = None,
) -> pd.DataFrame:
    """Every fact with its provenance: columns ``id, value, unit, year, kind, label, source``.

    Parameters
    ----------
    calibration
        A :class:`~tjsim.calibration.Calibration` or folder (default: the packaged one).
    derived
        Add the derived parameters, with kind ``derived`` and their expression as source.
    kind
        Keep one kind: ``report``, ``statistic``, ``assumption``, ``fitted`` or
        ``derived`` (which adds the derived parameters); any other is an error that
        suggests the nearest (``"reprt"``: did you mean ``report``?).
    grep
        Keep the facts with a word starting with ``grep`` (any case) in their id, label
        or quoted phrase (the source without its locator): ``grep="port"`` finds the
        port's figures, not every fact whose source says "report".
    """
    derived = _flag(derived, "derived")
    kinds = (*FACT_KINDS, "derived")
    if kind is not None and (not isinstance(kind, str) or kind not in kinds):
        raise ScenarioError(unknown_of("kind", str(kind), kinds), key="kind")
    if grep is not None and not isinstance(grep, str):
        raise _wrong_type("grep", "a word (a string) or None", grep)
    return tables.facts(
        resolve_calibration(calibration),
        derived=derived or kind == "derived",
        kind=kind,
        grep=grep,
    )


def panel(
    region: str | Sequence[str] | None = None,
    *,
    years: int | Iterable[int] | None = None,
    pairs_only: bool = False,
) -> pd.DataFrame:
    """The provincial panel: China's 31 regions' GDP growth targets against their
    first-release outturns, 2013-2023 (``docs/panel.md``).

    One row per region-year, columns ``region`` (Chinese), ``pinyin``, ``year``,
    ``target`` (the lower end of the target; NaN when none was found), ``target_high``,
    ``target_text``, ``qualifier`` (``"左右"``, ``"以上"``, ``"range"`` or ``""``),
    ``outturn`` (NaN when none), ``target_source``, ``outturn_source``, ``grade`` (H, M,
    L) and ``note``, sorted by region then year.

    Parameters
    ----------
    region
        A region or a list of regions, each a Chinese name, a pinyin or an English name
        (``"天津"``, ``"tianjin"``, ``"Inner Mongolia"``); default all.
    years
        A year or several (``range(2021, 2024)``); default all.
    pairs_only
        Keep the rows with both a target and an outturn, and add ``gap = outturn -
        target``.

    Raises
    ------
    CalibrationError
        For an unknown region, with the nearest name ("did you mean ...?").
    """
    from .calibration.panel import load_panel, pairs, region_name

    frame = load_panel()
    if region is not None:
        try:
            names: list[Any] = [region] if isinstance(region, str) else list(region)
        except TypeError:
            names = [region]  # region_name names the wrong type
        frame = frame[frame["region"].isin([region_name(name) for name in names])]
    if years is not None:
        wanted: Iterable[Any] = [years] if isinstance(years, (int, np.integer)) else years
        try:
            wanted = list(wanted)
        except TypeError:
            wanted = [years]
        if not all(isinstance(y, (int, np.integer)) and not isinstance(y, bool) for y in wanted):
            raise _wrong_type("years", "a year or a list of years", years)
        frame = frame[frame["year"].isin([int(y) for y in wanted])]
    frame = frame.reset_index(drop=True)
    return pairs(frame) if _flag(pairs_only, "pairs_only") else frame


def panel_quarterly() -> pd.DataFrame:
    """The panel's quarterly record: cumulative real GDP growth by region and year,
    columns ``region``, ``pinyin``, ``year``, ``q1``, ``h1``, ``q3`` (Q1-Q3),
    ``year_growth``, ``source`` and ``grade`` (NaN where no source gave the figure;
    region ``全国`` holds the national figures)."""
    from .calibration.panel import load_quarterly

    return load_quarterly()


def drivers(calibration: CalibrationLike = None) -> pd.DataFrame:
    """Every variable a scenario can shift, with its meaning: indexed by id, columns
    ``layer, label, unit, equation, shock, spread`` (the driver layer first)."""
    cal = resolve_calibration(calibration)
    model = compile_model(cal)
    spreads = {v: m.spread for v, m in zip(model.basis, model.marginals, strict=False)}
    return tables.drivers(cal, spreads)


def events(calibration: CalibrationLike = None) -> pd.DataFrame:
    """The calibrated events (discrete risks): indexed by id, columns ``label,
    probability, impact, source``."""
    return tables.events(resolve_calibration(calibration))


def parameters(calibration: CalibrationLike = None) -> pd.DataFrame:
    """The parameters the model uses (facts and assumptions it reads, then derived
    ones): indexed by id, columns ``value, unit, kind, label, used_by, source``.
    ``tjsim.baseline().with_parameter(id, value)`` changes one."""
    return tables.parameters(resolve_calibration(calibration))


def targets(calibration: CalibrationLike = None) -> pd.DataFrame:
    """The targets, indexed by id: ``indicator, op, threshold, compare_to, reading, label,
    wording, source`` (thresholds resolved to numbers)."""
    return target_table(resolve_calibration(calibration))


# ---------------------------------------------------------------------- simulating
def simulate(
    scenario: ScenarioLike = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    chunk_size: int | None = None,
    keep_draws: bool = False,
    workers: int | None = None,
    threads: int | None = None,
    calibration: CalibrationLike = None,
    observed: Observed | None = None,
    quarterly: bool = False,
    reading: str | Mapping[str, str] | None = None,
    backend: Any = None,
    kernel: str | None = None,
    progress: Callable[[int], None] | None = None,
    settings: engine.RunSettings | None = None,
    stream: str | None = None,
) -> SimulationResult:
    """Simulate 2024 outcomes and the probability of meeting each target.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, the path of a scenario YAML file, the name
        of a bundled scenario (``"property_downturn"``), or ``None`` for the baseline.
    draws
        Number of draws (keyword-only; default: the scenario's ``simulation.draws``,
        else 100,000), at most :data:`tjsim.limits.MAX_DRAWS` (ten billion).
    seed
        None, int, :class:`numpy.random.SeedSequence` or :class:`numpy.random.Generator`
        (default: the scenario's seed, else fresh entropy). The same seed gives the same
        numbers whatever ``chunk_size``, ``workers`` and ``threads``.
    method
        ``"mc"`` (default), ``"antithetic"`` or ``"sobol"``.
    chunk_size
        Draws handed to a thread or a worker at once and between progress reports
        (rounded to whole blocks of 32,768 draws; default: two blocks in this process,
        four on worker processes and Dask). Memory does not grow with it: each thread
        holds one block, about 60 MB.
    keep_draws
        Keep every draw's indicator values as ``result.kept_draws`` (an ``(draws, m)``
        DataFrame); refused above :data:`KEEP_DRAWS_LIMIT_BYTES`.
    workers
        Worker processes to share the blocks among (results do not change): more than
        one chooses the ``processes`` backend, whose processes persist and serve every
        later run with the same number of workers; at most the CPUs available (more are
        capped to that: they would only cost memory).
    threads
        Threads of this process evaluating blocks at once (results do not change);
        default: the CPUs available, at most :data:`MAX_THREADS`; at most the CPUs
        available (more are capped to that).
    calibration
        A :class:`~tjsim.calibration.Calibration`, a calibration folder or a packaged
        calibration's name (``"china"``); default: the one the scenario names (its
        file's ``calibration`` key), else the packaged Tianjin calibration.
    observed
        Year-to-date figures already published, ``{variable: {period: value}}`` with
        periods ``Q1``, ``H1``, ``Q1-Q3``, ``FY``, e.g. ``{"gdp_growth": {"Q1": 5.5}}``;
        merged over the scenario's ``observed``. The draws are then conditioned on
        them (see :mod:`tjsim.model.quarterly`) and every probability, quantile and figure is
        updated.
    quarterly
        Add the quarterly year-to-date indicators (``gdp_growth_ytd_q1``, ...) even
        without observations, e.g. for a fan chart; implied by ``observed``.
    reading
        How the targets are read: a reading's name for every target that has it
        (``"strict"``, ``"published"``, ``"about"``, ``"real"``, ``"nominal"``,
        ``"headline"``), or ``{target: reading}``; default: the scenario's ``readings``,
        else each target's default. Every reading is evaluated in any case
        (:meth:`SimulationResult.readings`); this picks the one the probabilities, the
        joint and the number met use.
    backend
        Where the blocks are evaluated: ``None`` or ``"local"`` (this process, default),
        ``"processes"`` (a persistent pool of ``workers`` processes), ``"dask"`` (the
        ``distributed.Client`` of this process) or a ``distributed.Client`` (``pip
        install "tjsim[dask]"``). Every backend gives the same numbers for a seed; see
        ``docs/sweeps.md``.
    kernel
        The code that evaluates the draws: ``"numba"`` (compiled, needs the ``fast``
        extra: ``pip install "tjsim[fast]"``), ``"numpy"`` (vectorized, the reference),
        or ``None`` (default) for the fastest available. Both give the same counts and
        quantiles for a seed (floating-point sums agree to about 1e-15);
        ``result.metadata["kernel"]`` says which ran.
    progress
        Optional callable receiving the number of draws finished after each chunk.
    settings
        Run settings already resolved (:func:`tjsim.engine.resolve_settings`, as the
        command line does to size its progress bar), in place of ``draws``, ``seed``,
        ``method``, ``chunk_size``, ``workers``, ``threads``, ``backend``, ``kernel``
        and ``stream``.
    stream
        The random stream (:data:`tjsim.seeding.STREAMS`): ``"sfc64/3"`` (default:
        the scenario's ``simulation.stream``, else this), or ``"sfc64/2"`` to reproduce
        the numbers of tjsim 0.2 for a seed; ``result.metadata["rng"]`` records it.

    Returns
    -------
    SimulationResult
        With ``result.calibration``, ``result.scenario`` and ``result.settings`` (the
        :class:`~tjsim.engine.RunSettings`) it was made with.
    """
    if observed is not None and not isinstance(observed, Mapping):
        raise _wrong_type("observed", "a mapping {variable: {period: value}} or None", observed)
    if progress is not None and not callable(progress):
        raise _wrong_type("progress", "a function of the draws finished, or None", progress)
    cal = scenario_calibration(scenario, calibration)
    resolved = _observing(resolve_scenario(scenario, cal), observed)
    if reading is not None:
        resolved = resolved.with_reading(reading)
    arguments = {
        "draws": draws,
        "seed": seed,
        "method": method,
        "chunk_size": chunk_size,
        "workers": workers,
        "threads": threads,
        "backend": backend,
        "kernel": kernel,
        "stream": stream,
    }
    if settings is None:
        settings = engine.resolve_settings(resolved, **arguments)
    else:
        given = [name for name, value in arguments.items() if value is not None]
        if given:
            raise ScenarioError(
                f"{given[0]} comes with settings=; pass one or the other", key=given[0]
            )
    return engine.simulate(
        cal,
        resolved,
        settings,
        keep_draws=_flag(keep_draws, "keep_draws"),
        quarterly=_flag(quarterly, "quarterly"),
        progress=progress,
    )


def sweep(
    scenario: ScenarioLike,
    grid: GridLike,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    backend: Any = None,
    workers: int | None = None,
    threads: int | None = None,
    blocks_per_task: int | None = None,
    calibration: CalibrationLike = None,
    progress: Callable[[int, int], None] | None = None,
    stream: str | None = None,
) -> SweepResult:
    """Simulate ``scenario`` at every point of ``grid``, on common random numbers.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, a scenario file, or ``None`` (the baseline).
    grid
        What to vary: a mapping of axis keys to values (every combination), e.g.
        ``{"drivers.investment.shift": [-2, 0, 2], "drivers.exports.shift": [-1, 0, 1]}``;
        a list of points (mappings of the same keys); a grid file; or a
        :class:`~tjsim.scenario.grid.Grid`. Axis keys: ``drivers.<variable>.shift``
        (added to the scenario's shift), ``drivers.<variable>.scale`` (multiplies the
        shock's spread), ``parameters.<fact>`` (the value) and
        ``events.<event>.probability``.
    draws, seed, method, stream
        As for :func:`tjsim.simulate`, per point (default: the arguments, else the
        grid file's ``simulation``, else the scenario's, else 100,000 draws, fresh
        entropy, ``mc`` and ``sfc64/3``). Every point uses the same seed: common random
        numbers.
    backend
        ``None`` or ``"local"`` (this process, ``threads`` threads), ``"processes"``
        (a persistent pool of ``workers`` processes), ``"dask"`` (the
        ``distributed.Client`` of this process) or a ``distributed.Client``. Every
        backend gives the same numbers.
    workers
        Worker processes (more than one chooses ``"processes"``; default: one per CPU
        for ``"processes"``).
    threads
        Threads of the ``local`` backend (default: the CPUs available).
    blocks_per_task
        Blocks of 32,768 draws per task, the unit of work sent to a worker (default: 2 in
        this process, 4 on worker processes and Dask, whose per-task overhead is
        larger); does not change the numbers.
    calibration
        A :class:`~tjsim.calibration.Calibration`, a calibration folder or a packaged
        calibration's name; default: the one the scenario names, else the packaged
        Tianjin calibration.
    progress
        Optional callable ``progress(draws, points)`` told of every finished task: the
        draws it evaluated and the points it completed (0 or 1).

    Returns
    -------
    SweepResult
        ``to_frame()`` (one row per point and target), ``joint()``,
        ``frontier(target, probability)``, ``differences(target)`` and ``plot()``.
    """
    cal = scenario_calibration(scenario, calibration)
    resolved = resolve_scenario(scenario, cal)
    points = resolve_grid(grid)
    runner = engine.backend_for(backend, workers, threads)
    return _sweep(
        cal,
        resolved,
        points,
        backend=runner,
        draws=draws,
        seed=seed,
        method=method,
        blocks_per_task=blocks_per_task,
        stream=stream,
        progress=progress,
    )


def compare(
    *scenarios: ScenarioLike,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    calibration: CalibrationLike = None,
    observed: Observed | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ComparisonResult:
    """Compare scenarios on common random numbers: each target's probability in every
    scenario and its change from the first, with the change's paired error.

    Every scenario is simulated with the same draws, seed and method, so a change
    reflects the scenario rather than sampling noise, and its standard error comes from
    the per-draw differences of the met flags (much smaller than that of two
    independent runs). Runs too large to keep their draws (above about 1.6 million,
    fewer with year-to-date figures) fall back to ``sqrt(se1**2 + se2**2)`` and say so.

    Parameters
    ----------
    *scenarios
        Two or more: :class:`~tjsim.scenario.Scenario` objects, scenario files, bundled
        scenario names, or ``None`` (the baseline). The first is the reference.
    draws, seed, method
        As for :func:`tjsim.simulate` (default: the first scenario's settings, else
        100,000 draws, fresh entropy shared by every run, and ``mc``).
    calibration
        A :class:`~tjsim.calibration.Calibration`, a calibration folder or a packaged
        calibration's name; default: the one the first scenario names, else the packaged
        Tianjin calibration.
    observed
        Year-to-date figures every scenario is conditioned on (as for
        :func:`tjsim.simulate`).
    chunk_size, progress
        As for :func:`tjsim.simulate` (``progress`` counts the draws of every run).

    Returns
    -------
    ComparisonResult
        ``to_frame()`` (probability, change, its error, significance and whether the
        joint probability is like for like, per target and scenario), ``changes()``,
        a printout, an HTML table in notebooks, ``plot()`` and ``plot_changes()``.

    Examples
    --------
    >>> slump = tjsim.baseline().with_shift("investment", -3)  # doctest: +SKIP
    >>> tjsim.compare(tjsim.baseline(), slump, draws=50_000, seed=2024)  # doctest: +SKIP
    """
    cal = scenario_calibration(scenarios[0] if scenarios else None, calibration)
    resolved = [_observing(resolve_scenario(s, cal), observed) for s in scenarios]
    return analysis.compare(
        cal,
        resolved,
        draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
        progress=progress,
    )


# ---------------------------------------------------------------------- what moves the odds
def result_calibration(result: SimulationResult, calibration: CalibrationLike) -> Calibration:
    """The calibration ``result`` was simulated on: ``calibration`` if given (checked
    against the result's model where it is used), else the one the result carries, else
    (a result made without one) the packaged one when its name and version match the
    result's."""
    if calibration is not None:
        return resolve_calibration(calibration)
    if result.calibration is not None:
        return result.calibration
    cal = load_calibration()
    model = result.model
    if (cal.name, cal.version) != (model.calibration, model.version):
        raise ScenarioError(
            f"this result was simulated on calibration '{model.calibration}' "
            f"{model.version}, not the packaged one; pass calibration=",
            key="calibration",
        )
    return cal


def _observing(scenario: Scenario, observed: Observed | None) -> Scenario:
    """``scenario`` with ``observed`` figures added (if any)."""
    return scenario.with_observed(observed) if observed else scenario


def _common_draws(
    scenario: ScenarioLike | SimulationResult,
    calibration: CalibrationLike,
    draws: int | None,
    seed: SeedLike,
    method: str | None,
    chunk_size: int | None,
    observed: Observed | None,
    kernel: str | None,
    workers: int | None,
) -> CommonDraws:
    """The draws to evaluate variants on: a result's, or those of a simulation."""
    if isinstance(scenario, SimulationResult):
        given = [
            name
            for name, given in (
                ("seed", seed is not None),  # 0 is a seed
                ("method", method is not None),
                ("observed", bool(observed)),
            )
            if given
        ]
        if given:
            raise ScenarioError(
                f"{given[0]} comes from the result; pass a scenario to choose it",
                key=given[0],
            )
        return analysis.common_draws_of(
            scenario,
            result_calibration(scenario, calibration),
            draws,
            kernel=kernel,
            workers=workers,
        )
    cal = scenario_calibration(scenario, calibration)
    return analysis.common_draws(
        cal,
        _observing(resolve_scenario(scenario, cal), observed),
        draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
        kernel=kernel,
        workers=workers,
    )


def sensitivities(
    scenario: ScenarioLike | SimulationResult = None,
    drivers: Iterable[str] | None = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    step: float = DEFAULT_STEP,
    swings: Mapping[str, float] | None = None,
    calibration: CalibrationLike = None,
    chunk_size: int | None = None,
    observed: Observed | None = None,
    kernel: str | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """How much each driver moves the probability of meeting each target.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, a scenario file, ``None`` (the baseline),
        or a :class:`~tjsim.result.SimulationResult`, whose draws (scenario, seed,
        method and, unless ``draws`` is given, number of draws) are then used.
    drivers
        Variable ids (their mean is shifted) and parameter ids (their value is changed);
        default: the calibration's driver-layer variables.
    draws, seed, method
        As for :func:`tjsim.simulate` (the scenario's settings, else 100,000 draws,
        fresh entropy and ``mc``). The same seed gives the draws of ``simulate``, so
        ``probability`` equals that run's probabilities.
    step
        Finite-difference half-step as a fraction of each driver's swing (default 0.25):
        the derivative is ``(P(+h) - P(-h)) / (2h)`` with ``h = step * swing``. Its bias
        is of order ``h**2``: for a normal margin moved by ``delta`` of its standard
        deviation (``delta <= step`` for a driver's own shock) and ``u`` deviations from
        its threshold, about ``delta**2 (u**2 - 1) / 6`` of the derivative (under 2.5%
        at the default unless ``|u| > 2``). Its error is of order ``1 / sqrt(h * draws)``.
    swings
        Driver id -> swing (the spread of "one swing"), overriding the default: the
        standard deviation of the driver's shock (for a variable without one, the
        standard deviation the other shocks give it; 1 if none), or 10% of a
        parameter's absolute value.
    calibration
        A :class:`~tjsim.calibration.Calibration`, a calibration folder or a packaged
        calibration's name; default: the one the scenario names, else the packaged
        Tianjin calibration.
    chunk_size
        Draws evaluated at once (as in :func:`tjsim.simulate`).
    observed
        Year-to-date figures to condition on, as for :func:`tjsim.simulate` (a
        result's own conditioning is used when ``scenario`` is a result).
    kernel, workers
        As for :func:`tjsim.simulate`: the code that evaluates the draws and the worker
        processes sharing them; the numbers do not change.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(target, driver)`` (targets in calibration order, then ``joint``
        for all targets met together). Every probability in the table is a probability
        (0 to 1), as in :meth:`~tjsim.result.SimulationResult.probabilities`;
        ``frame.attrs["units"]`` says so column by column. The index is sorted (targets
        and drivers keep this order), so ``.loc`` lookups and slices work without
        warnings. Columns:

        ``sensitivity``
            change in the probability per unit of the driver (0.01 is one percentage
            point per unit; the driver's unit is the ``unit`` column: pp of growth for
            most drivers);
        ``std_error``
            its Monte Carlo standard error (same unit), from the per-draw differences
            on common draws;
        ``probability``
            probability of meeting the target in the scenario;
        ``p_minus``, ``p_plus``
            probabilities with the driver moved by minus and plus one ``swing``;
        ``swing``, ``unit``, ``kind``
            the swing used, the driver's unit, and ``variable`` or ``parameter``.

        ``frame.attrs["metadata"]`` records draws, seed, method, step and scenario.
    """
    common = _common_draws(
        scenario, calibration, draws, seed, method, chunk_size, observed, kernel, workers
    )
    return analysis.sensitivity_table(common, drivers, step=step, swings=swings)


def required_shift(
    target: str,
    driver: str,
    probability: float = 0.8,
    scenario: ScenarioLike | SimulationResult = None,
    *,
    draws: int | None = None,
    seed: SeedLike = None,
    method: str | None = None,
    bounds: tuple[float, float] | None = None,
    calibration: CalibrationLike = None,
    chunk_size: int | None = None,
    observed: Observed | None = None,
    kernel: str | None = None,
    workers: int | None = None,
) -> RequiredShift:
    """The shift of ``driver`` that brings P(``target`` met) to ``probability``.

    Parameters
    ----------
    target
        A target id, or ``"joint"`` for all targets met together.
    driver
        A variable id (its mean is shifted, in its unit) or a parameter id (its value
        is changed; the result gives the change and the new value).
    probability
        The probability to reach, strictly between 0 and 1.
    scenario
        The starting scenario (a Scenario, a file, or ``None`` for the baseline), or a
        :class:`~tjsim.result.SimulationResult` whose draws are then used.
    draws, seed, method
        As for :func:`tjsim.simulate`; every shift is evaluated on the same draws.
    bounds
        ``(low, high)`` shifts to search (default: five swings either side, a swing
        being the driver's shock sd, the sd the other shocks give a variable without
        one (1 if none), or 10% of a parameter's value). Parameter values that make the calibration invalid are
        skipped.
    calibration, chunk_size, observed, kernel, workers
        As for :func:`tjsim.simulate` (a result's own conditioning is used when
        ``scenario`` is a result); the numbers do not depend on ``kernel`` or
        ``workers``.

    Returns
    -------
    RequiredShift
        The shift (the root nearest zero when several exist, as can happen for the
        joint probability), its 95% interval, the new level and the probability there.

    Raises
    ------
    ScenarioError
        For unknown ids, a probability outside (0, 1), or when no shift within
        ``bounds`` reaches ``probability`` (the message gives the probabilities found).
    """
    common = _common_draws(
        scenario, calibration, draws, seed, method, chunk_size, observed, kernel, workers
    )
    return analysis.required_shift(common, target, driver, probability, bounds)


# ---------------------------------------------------------------------- the method, scored
def score(
    calibration: CalibrationLike = None,
    *,
    panel: bool | pd.DataFrame = False,
    alternatives: bool = False,
) -> ScoreResult | PanelScoreResult:
    """Score the calibration's uncertainty derivation on its own record, out of sample.

    Each year of the record (``record`` in ``model.yaml``) is left out in turn, the bias,
    ordinary-year spread and regime-break tail re-derived from the other years, and the
    year's outturn scored against the predictive distribution they give: its place in
    the distribution (PIT), whether it falls in the 50% and 90% bands, and its log score
    against a naive normal with the record's spread. See docs/scoring.md.

    With ``panel=True`` (or a panel DataFrame, the columns of :func:`tjsim.panel`), scores
    the reporting model (:func:`tjsim.reporting_model`) on the 31 regions instead:
    each year left out in turn (shocks are common within a year), every pair of that
    year scored against the model refitted without it and against three benchmarks (a
    naive normal on the target, target plus pooled bias, tjsim 0.2's method on each
    region's own record). ``alternatives=True`` also scores every alternative choice
    of the model (a minute or so).

    Returns
    -------
    ScoreResult
        ``to_frame()`` (one row per year), ``summary()``, ``caveat()``, ``plot()``; its
        text shows all three.
    PanelScoreResult
        With ``panel``: ``to_frame()`` (one row per pair), ``summary()`` (by kind of
        year), ``choices_table()``, ``goals()``, ``plot_pit()``, ``plot()``.
    """
    if panel is not False:
        frame = _panel_frame(panel)
        return analysis.score_panel(frame, alternatives=alternatives)
    return analysis.score(resolve_calibration(calibration))


# ---------------------------------------------------------------------- reporting model
def _panel_frame(panel: bool | pd.DataFrame | None) -> pd.DataFrame:
    if panel is None or panel is True:
        from .calibration.panel import load_panel

        return load_panel()
    if isinstance(panel, pd.DataFrame):
        return panel
    raise ScenarioError(f"panel must be True, None or a DataFrame, not {type(panel).__name__}")


def reporting_model(panel: pd.DataFrame | None = None, **choices: Any) -> ReportingModel:
    """The reporting model of published GDP growth given a target, fitted to the 31
    regions' record (``panel``, default the packaged one; docs/scoring.md).

    ``choices`` (``stand_in``, ``pooling``, ``error``, ``breaks``, ``labels``,
    ``pre2020_weight``) default to the variant that scored best out of sample.
    ``.predict(region, target, qualifier=None, projection=None, year=None)`` gives a
    region's :class:`~tjsim.analysis.GrowthDistribution` (``cdf``, ``ppf``,
    ``logpdf``, ``sample``, ``probabilities()`` under each reading)::

        model = tjsim.reporting_model()
        model.predict("tianjin", 4.5, "左右", projection=4.26).probabilities()
    """
    return ReportingModel.fit(_panel_frame(panel), **choices)
