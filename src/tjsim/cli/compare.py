"""``tjsim compare``: several scenarios on common random numbers."""

from __future__ import annotations

import argparse

from ..errors import TjsimError
from .common import EXIT_OK, default_draws, first, say, simulation_options
from .progress import progress_bar

NAME = "compare"
HELP = "compare scenarios on common random numbers"
#: Seed of ``tjsim compare`` when neither ``--seed`` nor the first file gives one.
COMPARE_SEED = 2024


EPILOG = """\
Runs every file with the same draws, seed and method (common random numbers), so that
differences reflect the scenarios rather than sampling noise. Settings come from the
options, else from the first file, else 100,000 draws, seed 2024 and mc. Each column
after the first shows P(met) and its change from the first file in points; '*' marks a
change larger than 1.96 standard errors of the paired difference, computed from the
draws both runs share. Runs too large to keep their draws (over about two million)
fall back to sqrt(se1^2 + se2^2), which ignores the correlation between the runs, and
say so.

With --out DIR, writes comparison.csv, comparison.json and comparison.png, all or
nothing (see 'tjsim run --help').

examples:
  tjsim compare scenarios/baseline.yaml scenarios/property_downturn.yaml
  tjsim compare scenarios/baseline.yaml scenarios/*_push.yaml --draws 100000
  tjsim compare scenarios/baseline.yaml scenarios/export_tariffs.yaml --out results/tariffs
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim compare``."""
    cmd.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario files; the first is the reference"
    )
    simulation_options(cmd)
    cmd.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Simulate every file on the same draws, print the comparison, write ``--out``."""
    from ..analysis import comparison_table, format_comparison, paired_run
    from ..api import load_calibration, load_scenario
    from ..report import check_output_folder, write_atomically, write_comparison

    if len(args.files) < 2:
        raise TjsimError(f"compare needs at least two scenario files, found {len(args.files)}")
    calibration = load_calibration()
    scenarios = [load_scenario(path, calibration=calibration) for path in args.files]
    if args.out is not None:
        check_output_folder(args.out)
    reference = scenarios[0].simulation
    settings = {
        "draws": first(args.draws, reference.draws, default_draws()),
        "seed": first(args.seed, reference.seed, COMPARE_SEED),
        "method": first(args.method, reference.method, "mc"),
    }
    with progress_bar(settings["draws"] * len(scenarios), quiet=args.quiet) as progress:
        runs = [paired_run(s, calibration, progress, **settings) for s in scenarios]
    table = comparison_table(runs, settings["method"])
    if not args.quiet:
        print(format_comparison(table, runs, settings))
    if args.out is not None:
        write_atomically(args.out, lambda folder: write_comparison(table, runs, settings, folder))
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
