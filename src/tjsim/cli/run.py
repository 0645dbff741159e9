"""``tjsim run``: simulate a scenario and print every target's odds."""

from __future__ import annotations

import argparse

from .common import (
    EXIT_OK,
    observed_option,
    read_scenario,
    say,
    scenario_argument,
    scenario_calibration,
    simulation_options,
)
from .progress import progress_bar

NAME = "run"
HELP = "simulate a scenario and print every target's odds"


EPILOG = """\
Prints the plan's eight headline goals first (GDP, budget revenue and income in step,
investment, retail sales, urban jobs, unemployment, CPI: each one's probability, all
eight together and at least seven of the eight), then every target's reading,
probability and 95% interval, and the probability that all targets are met together.
Draws, seed and method default to the file's 'simulation' settings, then to 100,000
draws, fresh entropy (a seed of at most 19 digits, printed: --seed with it reproduces
the run) and mc. Without a file, the bundled baseline runs with its own settings:
200,000 draws, seed 2024.

Targets are read as the calibration states (tjsim targets lists each reading); --reading
picks another where a target allows it, and --readings prints every target's probability
under every reading, all on the same draws. --summary prints each target's central case,
mean, median, spread and 5%/95% quantiles, with report.html's precision.

With --out DIR, writes headline.csv (the headline table), headline_counts.csv (the
number of headline goals met), probabilities.csv, readings.csv, summary.csv, indicators.csv,
count_met.csv, conditional.csv, result.json (all tables and the run's metadata),
scenario.yaml, PNG figures and report.html (one self-contained page with the tables,
the figures, what the scenario changes and how to reproduce the run). DIR is written
all or nothing: tjsim fills a staging folder next to it and
renames it into place. An existing DIR is replaced only if it is empty or an earlier
tjsim output (it holds a .tjsim-output file); anything else is refused.

examples:
  tjsim run                                   # the baseline: 200,000 draws, seed 2024
  tjsim run scenarios/baseline.yaml           # the same table (the file's settings)
  tjsim run scenarios/price_shock.yaml --seed 7 --method sobol
  tjsim run scenarios/flood_repeat.yaml --out results/flood --quiet
  tjsim run scenarios/baseline.yaml --observed q1.yaml    # q1.yaml: 'gdp_growth: {Q1: 5.0}' (hypothetical)
  tjsim run scenarios/baseline.yaml --reading strict --readings

With --observed OBS (or an 'observed' block in the scenario), the draws are conditioned
on year-to-date figures already published (periods Q1, H1, Q1-Q3, FY) and --out also
writes a fan chart per observed variable (fan_<variable>.png).
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim run``."""
    scenario_argument(cmd)
    observed_option(cmd)
    cmd.add_argument(
        "--reading",
        metavar="NAME",
        help="read the targets this way where they allow it: strict, published, about, "
        "real, basically, nominal or headline (default: each target's own)",
    )
    cmd.add_argument(
        "--readings",
        action="store_true",
        help="also print every target's probability under every reading (with a note "
        "where a reading needs one)",
    )
    cmd.add_argument(
        "--summary",
        action="store_true",
        help="also print each target's central case, mean, median, spread and 5%%/95%% "
        "quantiles (as report.html shows them)",
    )
    simulation_options(cmd)
    cmd.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Simulate, print the table, and write ``--out``."""
    from ..api import simulate
    from ..engine import resolve_settings
    from ..report.files import write_run
    from ..report.folder import check_output_folder, write_atomically
    from ..report.text import format_readings, format_summary

    calibration = scenario_calibration(args)
    scenario = read_scenario(args, calibration)
    if args.reading is not None:
        scenario = scenario.with_reading(args.reading)
    if args.out is not None:
        check_output_folder(args.out)
    settings = resolve_settings(scenario, draws=args.draws, seed=args.seed, method=args.method)
    with progress_bar(settings.draws, quiet=args.quiet) as progress:
        result = simulate(scenario, calibration=calibration, progress=progress, settings=settings)
    if args.out is not None:  # before printing: a closed pipe must not lose the files
        write_atomically(args.out, lambda folder: write_run(result, folder))
    if not args.quiet:
        print(result)
        if args.readings:
            print("\n" + format_readings(result.readings()))
        if args.summary:
            print("\n" + format_summary(result))
    if args.out is not None:
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
