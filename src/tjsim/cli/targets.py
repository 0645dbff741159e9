"""``tjsim targets``: the 2024 targets and how each is read."""

from __future__ import annotations

import argparse

from .common import EXIT_OK, calibration_option

NAME = "targets"
HELP = "list the 2024 targets and how each is read"


EPILOG = """\
Each 2024 target: its id (used in scenarios' 'targets'), how it is read as an
inequality on a model indicator, and the report's wording and section.

examples:
  tjsim targets
  tjsim targets --calibration china
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim targets``."""
    calibration_option(cmd)


def run(args: argparse.Namespace) -> int:
    """Print every target with its reading and wording."""
    from ..api import targets

    frame = targets(args.calibration)
    width = max(len(str(i)) for i in frame.index)
    print(f"{'target':<{width}}  {'reading':<40} label")
    for tid, row in frame.iterrows():
        print(f"{tid:<{width}}  {row['reading']:<40} {row['label']}")
        print(f"{'':<{width}}  report: {row['wording']} ({row['source']})")
    return EXIT_OK
