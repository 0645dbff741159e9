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

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from . import analysis, engine
from .analysis import CommonDraws, RequiredShift
from .analysis.sensitivities import DEFAULT_STEP
from .calibration import Calibration, load_calibration
from .calibration.tables import facts as fact_table
from .errors import ScenarioError
from .model import check_observed, check_scenario
from .model.targets import target_table
from .result import SimulationResult
from .scenario import Scenario, read_observed, read_scenario
from .scenario import scenario_from_mapping as _scenario_from_mapping
from .seeding import SeedLike

CalibrationLike = Calibration | str | os.PathLike | None
ScenarioLike = Scenario | str | os.PathLike | None


# ---------------------------------------------------------------------- resolving
def resolve_calibration(calibration: CalibrationLike = None) -> Calibration:
    """A :class:`~tjsim.calibration.Calibration`: the one given, the folder given, or
    (``None``) the packaged Tianjin calibration."""
    if isinstance(calibration, Calibration):
        return calibration
    return load_calibration(calibration)


def resolve_scenario(scenario: ScenarioLike, calibration: Calibration) -> Scenario:
    """A :class:`~tjsim.scenario.Scenario`: the one given, the file given (checked
    against ``calibration``), or (``None``) the baseline."""
    if isinstance(scenario, (str, os.PathLike)):
        return load_scenario(Path(scenario), calibration=calibration)
    return scenario or Scenario()


def load_scenario(path: str | os.PathLike, *, calibration: CalibrationLike = None) -> Scenario:
    """Read, validate and return the scenario in YAML file ``path``.

    Parameters
    ----------
    path
        A scenario file (see ``docs/scenarios.md``).
    calibration
        The calibration that ids are checked against (default: the packaged one).

    Returns
    -------
    Scenario
        A frozen scenario with ``extends`` merged in and ``path`` set to ``path``.

    Raises
    ------
    ScenarioError
        For any problem, naming the file and the key path.
    """
    cal = resolve_calibration(calibration)
    return read_scenario(path, check=lambda scenario: check_scenario(scenario, cal))


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
    )


def load_observed(
    path: str | os.PathLike, *, calibration: CalibrationLike = None
) -> dict[str, dict[str, float]]:
    """Read year-to-date observations from a YAML file and check them.

    The file holds ``{variable: {period: value}}`` (periods ``Q1``, ``H1``, ``Q1-Q3``,
    ``FY``), either at the top level or under an ``observed`` key::

        gdp_growth: {Q1: 5.3}
        retail_sales: {Q1: 4.0, H1: 4.6}
    """
    observed = read_observed(path)
    check_observed(observed, resolve_calibration(calibration), source=str(path))
    return observed


# ---------------------------------------------------------------------- tables
def facts(calibration: CalibrationLike = None, *, derived: bool = False) -> pd.DataFrame:
    """Every fact with its provenance: columns ``id, value, unit, year, kind, label, source``.

    With ``derived=True`` the derived parameters follow, with kind ``derived`` and their
    expression as source.
    """
    return fact_table(resolve_calibration(calibration), derived=derived)


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
    workers: int = 1,
    threads: int | None = None,
    calibration: CalibrationLike = None,
    observed: Mapping[str, Mapping[str, float]] | None = None,
    quarterly: bool = False,
    kernel: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> SimulationResult:
    """Simulate 2024 outcomes and the probability of meeting each target.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, the path of a scenario YAML file, or ``None``
        for the baseline.
    draws
        Number of draws (default: the scenario's ``simulation.draws``, else 100,000).
    seed
        None, int, :class:`numpy.random.SeedSequence` or :class:`numpy.random.Generator`
        (default: the scenario's seed, else fresh entropy). The same seed gives the same
        numbers whatever ``chunk_size``, ``workers`` and ``threads``.
    method
        ``"mc"`` (default), ``"antithetic"`` or ``"sobol"``.
    chunk_size
        Draws handed to a thread at once and between progress reports (rounded to whole
        blocks of 32,768 draws). Memory does not grow with it: each thread holds one
        block, about 60 MB.
    keep_draws
        Keep every draw's indicator values as ``result.draws`` (an ``(draws, m)``
        DataFrame); refused above :data:`KEEP_DRAWS_LIMIT_BYTES`.
    workers
        Processes to share the blocks among (results do not change).
    threads
        Threads per process evaluating blocks at once (results do not change); default:
        the CPUs available divided among the workers, at most :data:`MAX_THREADS`.
    calibration
        A :class:`~tjsim.calibration.Calibration` or a calibration folder (default: the
        packaged Tianjin calibration).
    observed
        Year-to-date figures already published, ``{variable: {period: value}}`` with
        periods ``Q1``, ``H1``, ``Q1-Q3``, ``FY``, e.g. ``{"gdp_growth": {"Q1": 5.5}}``;
        merged over the scenario's ``observed``. The draws are then conditioned on
        them (see :mod:`tjsim.model.quarterly`) and every probability, quantile and figure is
        updated.
    quarterly
        Add the quarterly year-to-date indicators (``gdp_growth_ytd_q1``, ...) even
        without observations, e.g. for a fan chart; implied by ``observed``.
    kernel
        The code that evaluates the draws: ``"numba"`` (compiled, needs the ``fast``
        extra: ``pip install "tjsim[fast]"``), ``"numpy"`` (vectorized, the reference),
        or ``None`` (default) for the fastest available. Both give the same counts and
        quantiles for a seed (floating-point sums agree to about 1e-15);
        ``result.metadata["kernel"]`` says which ran.
    progress
        Optional callable receiving the number of draws finished after each chunk.

    Returns
    -------
    SimulationResult
    """
    cal = resolve_calibration(calibration)
    resolved = resolve_scenario(scenario, cal)
    if observed:
        resolved = resolved.with_observed(observed)
    return engine.simulate(
        cal,
        resolved,
        draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
        keep_draws=keep_draws,
        workers=workers,
        threads=threads,
        quarterly=quarterly,
        kernel=kernel,
        progress=progress,
    )


# ---------------------------------------------------------------------- what moves the odds
def _result_calibration(result: SimulationResult, calibration: CalibrationLike) -> Calibration:
    """The calibration ``result`` was simulated on: ``calibration`` if given, else the
    packaged one when its name and version match the result's."""
    if calibration is not None:
        return resolve_calibration(calibration)
    cal = load_calibration()
    model = result.model
    if (cal.name, cal.version) != (model.calibration, model.version):
        raise ScenarioError(
            f"this result was simulated on calibration '{model.calibration}' "
            f"{model.version}, not the packaged one; pass calibration=",
            key="calibration",
        )
    return cal


def _common_draws(
    scenario: ScenarioLike | SimulationResult,
    calibration: CalibrationLike,
    draws: int | None,
    seed: SeedLike,
    method: str | None,
    chunk_size: int | None,
) -> CommonDraws:
    """The draws to evaluate variants on: a result's, or those of a simulation."""
    if isinstance(scenario, SimulationResult):
        if seed is not None or method is not None:
            raise ScenarioError(
                "seed and method come from the result; pass a scenario to choose them",
                key="seed" if seed is not None else "method",
            )
        return analysis.common_draws_of(scenario, _result_calibration(scenario, calibration), draws)
    cal = resolve_calibration(calibration)
    return analysis.common_draws(
        cal,
        resolve_scenario(scenario, cal),
        draws=draws,
        seed=seed,
        method=method,
        chunk_size=chunk_size,
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
        standard deviation of the driver's shock, 1 for a variable without a shock, or
        10% of a parameter's absolute value.
    calibration
        A :class:`~tjsim.calibration.Calibration` or folder (default: the packaged one).
    chunk_size
        Draws evaluated at once (as in :func:`tjsim.simulate`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(target, driver)`` (targets in calibration order, then ``joint``
        for all targets met together), with columns

        ``sensitivity``
            change in the probability, in percentage points, per unit of the driver
            (its unit is the ``unit`` column: pp of growth for most drivers);
        ``std_error``
            its Monte Carlo standard error (pp per unit), from the per-draw differences
            on common draws;
        ``probability``
            probability of meeting the target in the scenario;
        ``p_minus``, ``p_plus``
            probabilities with the driver moved by minus and plus one ``swing``;
        ``swing``, ``unit``, ``kind``
            the swing used, the driver's unit, and ``variable`` or ``parameter``.

        ``frame.attrs["metadata"]`` records draws, seed, method, step and scenario.
    """
    common = _common_draws(scenario, calibration, draws, seed, method, chunk_size)
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
        being the driver's shock sd, 1 for a variable without a shock, or 10% of a
        parameter's value). Parameter values that make the calibration invalid are
        skipped.
    calibration, chunk_size
        As for :func:`tjsim.simulate`.

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
    common = _common_draws(scenario, calibration, draws, seed, method, chunk_size)
    return analysis.required_shift(common, target, driver, probability, bounds)
