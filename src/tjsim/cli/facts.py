"""``tjsim facts``: the calibration's facts and their sources."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK, FACT_KINDS, calibration_option

NAME = "facts"
HELP = "list the calibration's facts and sources"


EPILOG = """\
Every number of the calibration with its unit, kind and source: report figures
(report), other statistics (statistic), assumptions with their reasons (assumption),
numbers fitted by a model of the record (fitted: fitted.yaml, when the calibration
has one) and parameters derived from them (derived). --grep WORD keeps the facts with a word
starting with WORD (any case) in their id, label or quoted phrase: the source's text
after its locator, so that 'port' finds the port and not every "report".

examples:
  tjsim facts --kind report
  tjsim facts --grep flood
  tjsim facts --grep port
  tjsim facts --grep 港口
  tjsim facts --kind assumption --grep spread
  tjsim facts --calibration china --kind report
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim facts``."""
    cmd.add_argument("--kind", choices=FACT_KINDS, help="only facts of this kind")
    cmd.add_argument(
        "--grep",
        metavar="WORD",
        help="only facts with a word starting with WORD in their id, label or quoted phrase",
    )
    calibration_option(cmd)


def run(args: argparse.Namespace) -> int:
    """Print the facts that match."""
    from ..api import facts

    frame = facts(args.calibration, derived=True, kind=args.kind, grep=args.grep)
    if frame.empty:
        print("no facts match", file=sys.stderr)
        return EXIT_OK
    width = max(len(str(i)) for i in frame["id"])
    print(f"{'id':<{width}}  {'value':>12}  {'unit':<12} {'kind':<10} label")
    for row in frame.itertuples(index=False):
        print(f"{row.id:<{width}}  {row.value:>12g}  {row.unit!s:<12} {row.kind:<10} {row.label}")
        print(f"{'':<{width}}  source: {row.source}")
    print(f"\n{len(frame)} facts")
    return EXIT_OK
