"""What the commands share: exit codes, the simulation options, reading a scenario.

Nothing here imports numpy, pandas or matplotlib, so that building the parser (and
``tjsim --help``) stays fast; the commands import the library when they run.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..calibration import Calibration
    from ..scenario import Scenario

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
# Copies of tjsim.scenario.METHODS, tjsim.seeding.STREAMS (names, the default first) and
# tjsim.calibration.FACT_KINDS (plus "derived"), so that building the parser imports
# neither numpy nor scipy (tests keep them equal).
METHODS = ("mc", "antithetic", "sobol")
STREAMS = ("sfc64/3", "sfc64/2")
FACT_KINDS = ("report", "statistic", "assumption", "fitted", "derived")
#: The bundled scenario a command runs without a file (for a calibration other than the
#: one it names: the bundled ``CALIBRATION_baseline``, see :func:`default_scenario`).
DEFAULT_SCENARIO = "baseline"


#: A negative number as an option's value: ``-3``, ``-.5``, ``-1e9``, ``-2.5E-3``
#: (argparse's own pattern lacks exponents, so it took ``-1e9`` for an option).
NEGATIVE_NUMBER = re.compile(r"^-([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


class Parser(argparse.ArgumentParser):
    """An argument parser that reads a negative number in any notation, ``-1e9``
    included, as a value rather than an option (its commands' parsers inherit this)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER


def whole_number(text: str) -> int:
    """A whole number as typed on the command line: ``100000``, ``100_000``, ``1e5`` or
    ``1.5e5`` (a float with a whole value); ``1.5`` is refused."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found '{text}'") from None
    if not math.isfinite(number) or number != int(number):
        raise argparse.ArgumentTypeError(f"expected a whole number, found '{text}'")
    return int(number)


def simulation_options(
    cmd: argparse.ArgumentParser, *, out: bool = True, stream: bool = True
) -> None:
    """Add ``--draws``, ``--seed``, ``--method`` (and ``--stream``, ``--out``) to ``cmd``."""
    cmd.add_argument(
        "--draws",
        type=whole_number,
        metavar="N",
        help="number of draws, e.g. 500000 or 5e5 (default: the scenario's; the baseline's "
        "is 200,000)",
    )
    cmd.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="random seed, an integer >= 0 (default: the scenario's; the baseline's is 2024)",
    )
    cmd.add_argument(
        "--method", choices=METHODS, help="sampling method (default: the file's, else mc)"
    )
    if stream:
        cmd.add_argument(
            "--stream",
            choices=STREAMS,
            help=f"random stream (default: the file's, else {STREAMS[0]}; sfc64/2 "
            "reproduces tjsim 0.2's numbers)",
        )
    if out:
        cmd.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="write tables (CSV, JSON) and figures (PNG) to DIR",
        )


def workers_option(cmd: argparse.ArgumentParser) -> None:
    """Add ``--workers N`` (worker processes on this machine, as ``tjsim sweep``'s) to
    ``cmd``."""
    cmd.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes on this machine (the numbers do not change)",
    )


def scenario_argument(cmd: argparse.ArgumentParser) -> None:
    """Add the optional scenario file argument and ``--calibration NAME`` to ``cmd``."""
    cmd.add_argument(
        "file",
        nargs="?",
        help="scenario YAML file or bundled scenario name (default: the bundled baseline: "
        "200,000 draws, seed 2024; with --calibration, that calibration's baseline)",
    )
    calibration_option(cmd)


def observed_option(cmd: argparse.ArgumentParser) -> None:
    """Add ``--observed OBS`` (year-to-date figures to condition on) to ``cmd``."""
    cmd.add_argument(
        "--observed",
        type=Path,
        metavar="OBS",
        help="YAML file of year-to-date figures to condition on, e.g. 'gdp_growth: {Q1: 5.0}'",
    )


def read_observed_option(
    args: argparse.Namespace, calibration: Calibration
) -> dict[str, dict[str, float]] | None:
    """The observations of ``--observed``, checked against ``calibration``, or None."""
    from ..api import load_observed

    if args.observed is None:
        return None
    return load_observed(args.observed, calibration=calibration)


def calibration_option(cmd: argparse.ArgumentParser) -> None:
    """``--calibration NAME``: a packaged calibration's name or a calibration folder."""
    cmd.add_argument(
        "--calibration",
        metavar="NAME",
        help=(
            "a packaged calibration's name or a calibration folder (default: the first "
            "that 'tjsim calibrations' lists)"
        ),
    )


def scenario_calibration(args: argparse.Namespace) -> Calibration:
    """The calibration of ``args.calibration`` (``--calibration``) if given; else the one
    the scenario of ``args.file`` names in its ``calibration`` key (``calibration:
    china``); else the packaged Tianjin calibration."""
    from ..api import scenario_calibration as calibration_of

    return calibration_of(
        args.file if args.file is not None else DEFAULT_SCENARIO, args.calibration
    )


def default_scenario(calibration: Calibration) -> Scenario:
    """The scenario a command runs without a file: the bundled baseline scenario when it
    is written for ``calibration`` (with its draws and seed), else the bundled scenario
    ``NAME_baseline`` that names ``calibration`` (``china_baseline``), else
    ``calibration``'s baseline with the default settings."""
    from ..api import bundled_scenarios, resolve_scenario
    from ..api import scenario_calibration as calibration_of

    bundled = bundled_scenarios()
    for name in (DEFAULT_SCENARIO, f"{calibration.name}_{DEFAULT_SCENARIO}"):
        if name in bundled and calibration_of(name).name == calibration.name:
            return resolve_scenario(name, calibration)
    return resolve_scenario(None, calibration)


def read_scenario(args: argparse.Namespace, calibration: Calibration) -> Scenario:
    """The scenario of ``args.file`` (a file or a bundled name, checked against
    ``calibration``; default: the bundled baseline scenario, with its draws and seed,
    so that every command answers a question about the baseline with the numbers of
    ``tjsim run baseline``) with ``--observed`` figures added."""
    from ..api import resolve_scenario

    if args.file is None:
        scenario = default_scenario(calibration)
    else:
        scenario = resolve_scenario(args.file, calibration)
    observed = read_observed_option(args, calibration)
    return with_stream_option(args, scenario.with_observed(observed) if observed else scenario)


def with_stream_option(args: argparse.Namespace, scenario: Scenario) -> Scenario:
    """``scenario`` drawing from the random stream of ``--stream``, when given."""
    stream = getattr(args, "stream", None)
    return scenario if stream is None else scenario.with_simulation(stream=stream)


def say(args: argparse.Namespace, message: str) -> None:
    """Print ``message`` unless the command runs with ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(message)
