"""``tjsim compare``: several scenarios on common random numbers."""

from __future__ import annotations

import argparse

from ..errors import TjsimError
from .common import (
    EXIT_OK,
    calibration_option,
    observed_option,
    read_observed_option,
    say,
    simulation_options,
    with_stream_option,
)
from .progress import progress_bar

NAME = "compare"
HELP = "compare scenarios on common random numbers"


EPILOG = """\
Runs every file with the same draws, seed and method (common random numbers), so that
differences reflect the scenarios rather than sampling noise. Settings come from the
options, else from the first file, else 100,000 draws, seed 2024 and mc. Each column
after the first shows P(met) and its change from the first file in points; '*' marks a
change larger than 1.96 standard errors of the paired difference, computed from the
draws both runs share. Runs too large to keep their draws (over about 1.6 million,
fewer with year-to-date figures) fall back to sqrt(se1^2 + se2^2), which ignores the
correlation between the runs, and say so.

A change that rounds to 0.0 points is never starred, and a joint probability over a
different set of targets than the first file's is marked '!' (not like for like).
With --observed OBS every scenario is conditioned on the same year-to-date figures, and
the header says so.

With --out DIR, writes comparison.txt, comparison.csv, comparison.json,
comparison.png, changes.png and report.html (one self-contained page), all or nothing
(see 'tjsim run --help').

examples:
  tjsim compare scenarios/baseline.yaml scenarios/property_downturn.yaml
  tjsim compare scenarios/baseline.yaml scenarios/*_push.yaml --draws 100000
  tjsim compare scenarios/baseline.yaml scenarios/export_tariffs.yaml --out results/tariffs
  tjsim compare baseline property_downturn --observed q1.yaml
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim compare``."""
    cmd.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="scenario files or bundled scenario names; the first is the reference",
    )
    calibration_option(cmd)
    observed_option(cmd)
    simulation_options(cmd)
    cmd.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Simulate every file on the same draws, print the comparison, write ``--out``."""
    from ..api import compare, resolve_scenario, scenario_calibration
    from ..engine import resolve_settings
    from ..report.files import write_comparison
    from ..report.folder import check_output_folder, write_atomically
    from ..seeding import FIXED_SEED

    if len(args.files) < 2:
        raise TjsimError(f"compare needs at least two scenario files, found {len(args.files)}")
    # --calibration, else the one the first file names
    calibration = scenario_calibration(args.files[0], args.calibration)
    scenarios = [
        with_stream_option(args, resolve_scenario(path, calibration)) for path in args.files
    ]
    observed = read_observed_option(args, calibration)
    if args.out is not None:
        check_output_folder(args.out)
    reference = scenarios[0]
    seed = args.seed if args.seed is not None else reference.simulation.seed
    settings = resolve_settings(
        reference,
        draws=args.draws,
        seed=seed if seed is not None else FIXED_SEED,  # 0 is a seed
        method=args.method,
    )
    with progress_bar(settings.draws * len(scenarios), quiet=args.quiet) as progress:
        comparison = compare(
            *scenarios,
            draws=settings.draws,
            seed=settings.seed,
            method=settings.method,
            calibration=calibration,
            observed=observed,
            progress=progress,
        )
    if args.out is not None:  # before printing: a closed pipe must not lose the files
        write_atomically(args.out, lambda folder: write_comparison(comparison, folder))
    if not args.quiet:
        print(comparison)
    if args.out is not None:
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
