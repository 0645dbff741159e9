"""``tjsim require``: what shift of a driver brings a target to a probability."""

from __future__ import annotations

import argparse

from .common import (
    EXIT_OK,
    observed_option,
    read_scenario,
    scenario_argument,
    scenario_calibration,
    simulation_options,
    workers_option,
)

NAME = "require"
HELP = "the shift of a driver that brings a target to a probability"


EPILOG = """\
What would it take: the shift of a driver's mean (or a parameter's value) that brings a
target's probability to P, with a 95% interval, found by a bracketing root-finder on
common random numbers.

examples:
  tjsim require scenarios/baseline.yaml --target gdp_growth --driver investment --probability 0.8
  tjsim require --target retail_sales --driver retail_sales --probability 0.5
  tjsim require --target joint --driver momentum --probability 0.05 --bounds -2 6
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim require``."""
    scenario_argument(cmd)
    observed_option(cmd)
    cmd.add_argument("--target", required=True, metavar="T", help="a target id, or 'joint'")
    cmd.add_argument("--driver", required=True, metavar="D", help="a driver or parameter id")
    cmd.add_argument(
        "--probability",
        type=float,
        default=0.8,
        metavar="P",
        help="probability to reach (default 0.8)",
    )
    cmd.add_argument(
        "--bounds", type=float, nargs=2, metavar=("LOW", "HIGH"), help="range of shifts to search"
    )
    simulation_options(cmd, out=False)
    workers_option(cmd)


def run(args: argparse.Namespace) -> int:
    """Print the required shift."""
    from ..api import required_shift

    calibration = scenario_calibration(args)
    scenario = read_scenario(args, calibration)
    answer = required_shift(
        args.target,
        args.driver,
        args.probability,
        scenario,
        draws=args.draws,
        seed=args.seed,
        method=args.method,
        bounds=tuple(args.bounds) if args.bounds else None,
        calibration=calibration,
        workers=args.workers,
    )
    print(answer)
    return EXIT_OK
