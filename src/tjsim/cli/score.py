"""``tjsim score``: the uncertainty derivation scored against the record, out of sample."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, say

NAME = "score"
HELP = "score the calibration's uncertainty against its record, each year left out"

EPILOG = """\
Leaves each year of the record out in turn, re-derives the planners' bias, the
ordinary-year spread and the regime-break tail from the other years, and scores the
year's outturn against the predictive distribution they give: its place in the
distribution (PIT), whether it falls in the 50% and 90% bands, and its log score
against a naive normal with the record's spread. The record has few years; the caveat
printed with the table says what they can and cannot show (docs/scoring.md).

With --out DIR, writes score.csv, score_summary.csv and score.png, all or nothing.

examples:
  tjsim score
  tjsim score --out results/score
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim score``."""
    cmd.add_argument(
        "--out", type=Path, metavar="DIR", help="write the tables (CSV) and a figure (PNG) to DIR"
    )


def run(args: argparse.Namespace) -> int:
    """Print the scores; write ``--out``."""
    from ..api import score
    from ..report import check_output_folder, write_atomically
    from ..report.files import write_score

    if args.out is not None:
        check_output_folder(args.out)
    result = score()
    if args.out is not None:  # before printing: a closed pipe must not lose the files
        write_atomically(args.out, lambda folder: write_score(result, folder))
    print(result)
    if args.out is not None:
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
