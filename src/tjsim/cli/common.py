"""What the commands share: exit codes, the simulation options, reading a scenario.

Nothing here imports numpy, pandas or matplotlib, so that building the parser (and
``tjsim --help``) stays fast; the commands import the library when they run.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..calibration import Calibration
    from ..scenario import Scenario

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
# Copies of tjsim.scenario.METHODS and tjsim.calibration.FACT_KINDS (plus "derived"),
# so that building the parser imports neither numpy nor scipy (tests keep them equal).
METHODS = ("mc", "antithetic", "sobol")
FACT_KINDS = ("report", "statistic", "assumption", "derived")


def simulation_options(cmd: argparse.ArgumentParser, *, out: bool = True) -> None:
    """Add ``--draws``, ``--seed``, ``--method`` (and ``--out``) to ``cmd``."""
    cmd.add_argument(
        "--draws", type=int, metavar="N", help="number of draws (default: the file's, else 100,000)"
    )
    cmd.add_argument("--seed", type=int, metavar="S", help="random seed, an integer >= 0")
    cmd.add_argument(
        "--method", choices=METHODS, help="sampling method (default: the file's, else mc)"
    )
    if out:
        cmd.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="write tables (CSV, JSON) and figures (PNG) to DIR",
        )


def scenario_argument(cmd: argparse.ArgumentParser) -> None:
    """Add the optional scenario file argument to ``cmd``."""
    cmd.add_argument("file", nargs="?", help="scenario YAML file (default: the baseline)")


def read_scenario(path: str | None, calibration: Calibration) -> Scenario:
    """The scenario in file ``path`` (checked against ``calibration``), or the baseline."""
    from ..api import load_scenario
    from ..scenario import baseline

    return baseline() if path is None else load_scenario(path, calibration=calibration)


def default_draws() -> int:
    """The number of draws of a run that names none."""
    from ..engine import DEFAULT_DRAWS

    return DEFAULT_DRAWS


def first(*values: Any) -> Any:
    """The first value that is not ``None``."""
    return next(value for value in values if value is not None)


def say(args: argparse.Namespace, message: str) -> None:
    """Print ``message`` unless the command runs with ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(message)
