"""The ``tjsim`` command line (minimal: ``tjsim run [FILE]``)."""

from __future__ import annotations

import argparse
import sys

from .errors import TjsimError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tjsim", description="Odds of meeting Tianjin's 2024 plan targets."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="simulate a scenario and print every target's probability")
    run.add_argument("file", nargs="?", help="scenario YAML file (default: the baseline)")
    run.add_argument("--draws", type=int, default=None)
    run.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    from .engine import simulate

    try:
        result = simulate(args.file, draws=args.draws, seed=args.seed)
    except TjsimError as exc:
        print(f"tjsim: error: {exc}", file=sys.stderr)
        return 2
    print(result)
    return 0
