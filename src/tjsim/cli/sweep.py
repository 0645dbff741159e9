"""``tjsim sweep``: a scenario at every point of a grid, locally or on a Dask cluster."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import (
    EXIT_OK,
    observed_option,
    say,
    scenario_argument,
    simulation_options,
)
from .progress import progress_bar

NAME = "sweep"
HELP = "simulate a scenario at every point of a grid (policy surfaces and frontiers)"


EPILOG = """\
A grid file names the scenario settings to vary and their values (see docs/sweeps.md):

  axes:
    drivers.investment.shift: {from: -4, to: 2, steps: 13}
    drivers.exports.shift: [-4, -2, 0, 2]
  simulation: {draws: 100000, seed: 2024}

Every point uses the same draws (common random numbers). Prints where the chosen
target's probability crosses --probability (the frontier, with a 95% band) and the
probabilities over the grid. Draws, seed and method come from the options, else the grid
file, else the scenario file (without one, the bundled baseline: 200,000 draws, seed
2024), else 100,000 draws, fresh entropy and mc.

Runs in this process by default; --workers N uses N worker processes, --scheduler
ADDRESS a Dask cluster (pip install "tjsim[dask]"). The numbers are the same on every
backend. With --out DIR, writes sweep.csv (every point and target), frontier.csv
(every target's frontier at --probability), sweep.json, grid.yaml, scenario.yaml and
the figures of the joint and of --target (sweep_<target>.png: a heatmap with contours
and the frontier for two axes, a line with its 95% band for one) and report.html (the
frontiers, figures and probabilities in one self-contained page), all or nothing: an
interrupted sweep (Ctrl-C) writes nothing.

examples:
  tjsim sweep scenarios/baseline.yaml --grid scenarios/grids/investment_exports.yaml --out results/surface
  tjsim sweep --grid property_slump_odds --target gdp_growth    # a bundled grid
  tjsim sweep scenarios/baseline.yaml --grid grid.yaml --workers 2 --probability 0.6
  tjsim sweep scenarios/baseline.yaml --grid grid.yaml --scheduler tcp://scheduler:8786
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim sweep``."""
    scenario_argument(cmd)
    cmd.add_argument(
        "--grid",
        required=True,
        type=Path,
        metavar="GRID",
        help="grid YAML file or bundled grid name",
    )
    observed_option(cmd)
    simulation_options(cmd)
    cmd.add_argument(
        "--target",
        metavar="T",
        help="target whose frontier is printed: a target id or 'joint' (default: the first "
        "target, GDP growth in the packaged calibration)",
    )
    cmd.add_argument(
        "--probability",
        type=float,
        metavar="P",
        help="probability level of the frontiers (default 0.5 if the target's probability "
        "crosses it on the grid, else a level it crosses, rounded to 5%%)",
    )
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="worker processes on this machine")
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786"
    )
    cmd.add_argument("--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Sweep, print the frontier and the surface, write ``--out``."""
    from ..analysis.sweep import swept_scenario
    from ..api import load_grid, sweep
    from ..engine import resolve_settings
    from ..errors import TjsimError, unknown
    from ..model import build_model
    from ..report.folder import check_output_folder, write_atomically
    from ..report.sweep import write_sweep
    from ..report.sweep_text import format_sweep
    from ..result import JOINT
    from .common import read_scenario, scenario_calibration

    calibration = scenario_calibration(args)
    scenario = read_scenario(args, calibration)
    grid = load_grid(args.grid, calibration=calibration, scenario=scenario)
    if args.target is not None:  # before the run: a misspelt target must not cost it
        model = build_model(calibration, grid.scenario(scenario, 0))
        targets = [*(t.id for t in model.primary_targets), JOINT]
        if args.target not in targets:
            raise TjsimError(unknown("target", args.target, targets), key="--target")
    if args.out is not None:
        check_output_folder(args.out)
    backend = None
    if args.scheduler is not None:
        from ..engine.backends.dask_backend import DaskBackend

        backend = DaskBackend(address=args.scheduler)
    base = swept_scenario(scenario, grid)
    draws = resolve_settings(
        base, draws=args.draws, seed=args.seed, method=args.method, stream=args.stream
    ).draws
    try:
        with progress_bar(draws * len(grid), quiet=args.quiet, points=len(grid)) as progress:
            result = sweep(
                scenario,
                grid,
                draws=args.draws,
                seed=args.seed,
                method=args.method,
                stream=args.stream,
                backend=backend,
                workers=args.workers,
                calibration=calibration,
                progress=progress,
            )
    finally:
        if backend is not None:
            backend.close()
    target = args.target if args.target is not None else result.targets[0]
    frontier = result.frontier(target, args.probability)
    probability = frontier.attrs["probability"]
    if args.out is not None:  # before printing: a closed pipe must not lose the files
        figures = list(dict.fromkeys(["joint", target]))
        write_atomically(args.out, lambda folder: write_sweep(result, folder, probability, figures))
    if not args.quiet:
        note = None
        if args.probability is None and probability != 0.5:
            note = (
                f"  (P({target}) does not cross 50% on the grid: showing {probability:.0%}, "
                "--probability picks another level)"
            )
        print(format_sweep(result, target, probability, frontier, note))
    if args.out is not None:
        say(args, f"\nwrote {args.out}")
    return EXIT_OK
