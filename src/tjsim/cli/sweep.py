"""``tjsim sweep``: a scenario at every point of a grid, locally or on a Dask cluster."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .common import (
    EXIT_OK,
    observed_option,
    say,
    scenario_argument,
    simulation_options,
)
from .progress import progress_bar

if TYPE_CHECKING:
    import pandas as pd

    from ..result import SweepResult

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
    from ..report import check_output_folder, write_atomically, write_sweep
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
    draws = resolve_settings(base, draws=args.draws, seed=args.seed, method=args.method).draws
    try:
        with progress_bar(draws * len(grid), quiet=args.quiet, points=len(grid)) as progress:
            result = sweep(
                scenario,
                grid,
                draws=args.draws,
                seed=args.seed,
                method=args.method,
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


def format_sweep(
    result: SweepResult,
    target: str,
    probability: float,
    frontier: pd.DataFrame,
    note: str | None = None,
) -> str:
    """The sweep as text: its settings, the frontier (``note`` after its heading, and
    the lines that never cross the level) and the probabilities over the grid."""
    meta = result.metadata
    shape = result.grid.shape
    size = " x ".join(map(str, shape)) + " = " if shape and len(shape) > 1 else ""
    lines = [
        f"tjsim sweep: {meta['grid']}, {size}{meta['points']:,} points over "
        f"{', '.join(meta['axes'])}",
        f"{meta['draws']:,} draws a point (common random numbers), method {meta['method']}, "
        f"seed {meta['seed']}, backend {meta['backend']} "
        f"({meta['workers']} worker{'s' if meta['workers'] != 1 else ''})",
        "",
        f"Where P({target}) crosses {_percent(probability)} (95% band):",
        *([note] if note else []),
        "  nowhere on the grid" if frontier.empty else frontier.to_string(index=False),
        *_never(frontier),
        "",
        f"P({target}) in %:",
        _surface(result, target),
    ]
    return "\n".join(lines)


def _percent(probability: float) -> str:
    """A level as a percentage, with a decimal only where it needs one."""
    return f"{100 * probability:.4g}%"


def _never(frontier: pd.DataFrame) -> list[str]:
    """Lines saying which lines of the grid never cross the level (none if all do)."""
    never = frontier.attrs.get("never", [])
    if not never or frontier.empty:  # "nowhere on the grid" says it all
        return []
    where = "; ".join(", ".join(f"{k} = {v:g}" for k, v in line.items()) for line in never)
    return [f"  never crosses it where {where}"]


def _surface(result: SweepResult, target: str) -> str:
    """The probabilities as a table: the first axis down, the second across."""
    import pandas as pd

    grid = result.grid
    p = 100 * result.probability(target)
    if grid.values is None or len(grid.values) > 2:
        frame = pd.DataFrame(grid.points, columns=grid.keys).assign(**{"P (%)": p.ravel()})
        return frame.to_string(index=False, float_format=lambda v: f"{v:.1f}")
    rows = pd.Index(grid.values[0], name=grid.keys[0])
    if len(grid.values) == 1:
        return pd.DataFrame({"P (%)": p}, index=rows).to_string(float_format=lambda v: f"{v:.1f}")
    columns = pd.Index(grid.values[1], name=grid.keys[1])
    table = pd.DataFrame(p, index=rows, columns=columns)
    return table.to_string(float_format=lambda v: f"{v:.1f}")
