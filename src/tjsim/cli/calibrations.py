"""``tjsim calibrations``: the packaged calibrations, by the names that select them."""

from __future__ import annotations

import argparse

from .common import EXIT_OK

NAME = "calibrations"
HELP = "list the packaged calibrations, by the names --calibration takes"

EPILOG = """\
Each packaged calibration: the name that selects it (--calibration NAME, a scenario's
'calibration: NAME', tjsim.simulate(calibration="NAME")), its title, and how many
targets, variables and events it holds. The first is the default.

examples:
  tjsim calibrations
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """``tjsim calibrations`` takes no options."""


def run(args: argparse.Namespace) -> int:
    """Print one line per packaged calibration, the default first."""
    from ..api import calibrations

    frame = calibrations()
    width = max(len(str(name)) for name in frame.index)
    print(f"{'name':<{width}}  {'targets':>7} {'variables':>9} {'events':>6}  title")
    for name, row in frame.iterrows():
        print(
            f"{name:<{width}}  {row['targets']:>7} {row['variables']:>9} {row['events']:>6}  "
            f"{row['title']}"
        )
    return EXIT_OK
