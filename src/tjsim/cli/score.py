"""``tjsim score``: the uncertainty derivation scored against the record, out of sample."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import EXIT_OK, calibration_option, say

NAME = "score"
HELP = "score the calibration's uncertainty against its record, each year left out"

EPILOG = """\
Leaves each year of the calibration's record (--calibration NAME, default tianjin)
out in turn, re-derives the planners' bias, the
ordinary-year spread and the regime-break tail from the other years, and scores the
year's outturn against the predictive distribution they give: its place in the
distribution (PIT), whether it falls in the 50% and 90% bands, and its log score
against a naive normal with the record's spread. The record has few years; the caveat
printed with the table says what they can and cannot show (docs/scoring.md).

With --out DIR, writes score.csv, score_summary.csv, score.png and report.html (all
of them in one self-contained page), all or nothing.

With --panel, scores the reporting model on the 31-region panel instead: each year
left out in turn (shocks are common within a year), every pair of that year scored
against the model refitted without it and against three benchmarks (a naive normal on
the target, target plus pooled bias, tjsim 0.2's method on each region's own record):
coverage, mean log score and CRPS by kind of year, and the goals met or missed. With
--alternatives, also every alternative choice of the model (about a minute). --out
then writes panel_score.csv, panel_summary.csv, panel_choices.csv (with
--alternatives), panel_pit.png, panel_bands.png and report.html.

examples:
  tjsim score
  tjsim score --calibration china
  tjsim score --out results/score
  tjsim score --panel --alternatives --out results/panel
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim score``."""
    calibration_option(cmd)
    cmd.add_argument(
        "--out", type=Path, metavar="DIR", help="write the tables (CSV) and a figure (PNG) to DIR"
    )
    cmd.add_argument(
        "--panel", action="store_true", help="score the reporting model on the 31-region panel"
    )
    cmd.add_argument(
        "--alternatives",
        action="store_true",
        help="with --panel: also score every alternative choice of the model",
    )


def run(args: argparse.Namespace) -> int:
    """Print the scores; write ``--out``."""
    from ..api import score
    from ..errors import TjsimError
    from ..report.files import write_panel_score, write_score
    from ..report.folder import check_output_folder, write_atomically

    if args.panel and args.calibration is not None:
        raise TjsimError(
            "--panel scores the 31-region panel, not a calibration: drop --calibration",
            key="--calibration",
        )
    if args.out is not None:
        check_output_folder(args.out)
    if args.panel:
        result: Any = score(panel=True, alternatives=args.alternatives)
        write: Callable[[Any, Path], None] = write_panel_score
    else:
        result, write = score(args.calibration), write_score
    if args.out is not None:  # before printing: a closed pipe must not lose the files
        write_atomically(args.out, lambda folder: write(result, folder))
    print(result)
    if args.out is not None:
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
