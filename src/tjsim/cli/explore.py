"""``tjsim explore``: serve the live scenario explorer in the browser."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_OK, scenario_argument, simulation_options

NAME = "explore"
HELP = "serve a live explorer of a scenario in the browser"


EPILOG = """\
Serves a web page at http://localhost:PORT/ (default port 5006) and opens it in the
browser: controls for each driver's shift, each event's probability, the spreads, the
targets' reading and the draws; every target's odds with error bars, the joint
probability, the distribution of GDP (or another targeted indicator) against its
target, and what it would take to reach a probability. Every update uses the same
seed, draws and method (common random numbers), so a move shows its effect, not new
noise. "Save as scenario" downloads a YAML file that 'tjsim run' reproduces exactly.
Stop the server with Ctrl-C.

Needs Panel: pip install "tjsim[app]". In a notebook, tjsim.explore(...) shows the
same page inline.

examples:
  tjsim explore                                  # the baseline, 100,000 draws, seed 2024
  tjsim explore property_downturn --draws 200000
  tjsim explore china_baseline                   # the calibration the file names
  tjsim explore --calibration china              # a packaged calibration's baseline
  tjsim explore scenarios/price_shock.yaml --port 8080 --no-browser
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim explore``."""
    scenario_argument(cmd)
    simulation_options(cmd, out=False, stream=False)
    cmd.add_argument(
        "--port", type=int, default=5006, metavar="PORT", help="port to serve on (default 5006)"
    )
    cmd.add_argument(
        "--no-browser", action="store_true", help="serve without opening a browser tab"
    )


def run(args: argparse.Namespace) -> int:
    """Check the scenario and settings, then serve until interrupted."""
    from ..app.explore import serve

    def ready(url: str) -> None:
        print(f"tjsim explorer: serving {url} (Ctrl-C to stop)", flush=True)

    stopped_by = serve(
        args.file,
        port=args.port,
        show=not args.no_browser,
        draws=args.draws,
        seed=args.seed,
        method=args.method,
        calibration=args.calibration,
        ready=ready,
    )
    if stopped_by is not None:  # a service manager's stop (SIGTERM)
        print("tjsim: terminated", file=sys.stderr)
        return 128 + stopped_by
    return EXIT_OK
