"""``tjsim sensitivity``: how much each driver moves each target's odds."""

from __future__ import annotations

import argparse
import shutil

from .common import (
    EXIT_OK,
    observed_option,
    read_scenario,
    scenario_argument,
    scenario_calibration,
    simulation_options,
    workers_option,
)

NAME = "sensitivity"
HELP = "how much each driver moves each target's odds"


EPILOG = """\
For every target and driver: the change in the probability of meeting the target per
unit shift of the driver's mean (percentage points of probability per point), with its
Monte Carlo error from common random numbers, and the probability at minus and plus one
standard deviation of the driver. The tables fit the terminal's width (drivers in blocks
of columns); drivers and targets whose effects all round to zero are left out and named
at the end.

examples:
  tjsim sensitivity scenarios/baseline.yaml
  tjsim sensitivity scenarios/property_downturn.yaml --driver investment --driver exports
  tjsim sensitivity --driver okun_coefficient --draws 50000
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim sensitivity``."""
    scenario_argument(cmd)
    observed_option(cmd)
    cmd.add_argument(
        "--driver",
        action="append",
        metavar="D",
        help="a driver or parameter id (repeatable; default: every driver)",
    )
    simulation_options(cmd, out=False)
    workers_option(cmd)


def run(args: argparse.Namespace) -> int:
    """Print the sensitivity table."""
    from ..api import sensitivities
    from ..report.sensitivity import format_sensitivities

    calibration = scenario_calibration(args)
    scenario = read_scenario(args, calibration)
    table = sensitivities(
        scenario,
        args.driver,
        draws=args.draws,
        seed=args.seed,
        method=args.method,
        calibration=calibration,
        workers=args.workers,
    )
    columns = shutil.get_terminal_size().columns
    print(format_sensitivities(table, width=columns))
    return EXIT_OK
