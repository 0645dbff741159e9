"""The ``tjsim`` command line: the parser and the entry point.

Commands: run, compare, sensitivity, require, sweep, explore, validate, score, odds,
facts, targets, calibrations; ``tjsim --help`` and ``tjsim COMMAND --help`` list their
options, ``docs/cli.md`` describes each and the files ``--out`` writes.

Exit status: 0 on success, 2 for bad input (a scenario error, a bad argument), 1 for an
internal error (``--debug`` shows its traceback).

Heavy modules (numpy, pandas, matplotlib) are imported inside the commands, so that
``tjsim --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from collections.abc import Sequence

from .._version import __version__
from ..errors import TjsimError
from .common import EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, Parser
from .terminal import Terminated, guarded_streams, silence, terminate_cleanly, visible

#: The commands, in the order ``tjsim --help`` lists them: each is a module of this
#: package with ``NAME``, ``HELP``, ``EPILOG``, ``add_arguments(parser)`` and
#: ``run(args) -> int``.
COMMANDS = (
    "run",
    "compare",
    "sensitivity",
    "require",
    "score",
    "odds",
    "sweep",
    "explore",
    "validate",
    "facts",
    "targets",
    "calibrations",
)


# ---------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit
    status."""
    parser = build_parser()
    try:
        with guarded_streams(flush=False):  # argparse ignores a failed write; the guard
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # --help, --version and usage errors
                sys.stdout.flush()
                return exc.code if isinstance(exc.code, int) else EXIT_OK
    except BrokenPipeError:  # `tjsim --help | head -1`
        silence(sys.stdout)
        return EXIT_OK
    except TjsimError as exc:  # standard output could not be written
        print(f"tjsim: error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    try:
        with terminate_cleanly(), guarded_streams():
            return args.handler(args)
    except TjsimError as exc:
        print(f"tjsim: error: {visible(str(exc))}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tjsim: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("tjsim: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:  # e.g. `tjsim facts | head`: stop quietly
        silence(sys.stdout)
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"tjsim: internal error: {type(exc).__name__}: {visible(str(exc))}\n"
            "Run the command again with --debug to see the traceback, and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tjsim`` and its commands."""
    parser = Parser(
        prog="tjsim",
        description=(
            "Odds of meeting a calibration's plan targets (by default Tianjin's 2024), by Monte "
            "Carlo simulation."
        ),
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tjsim {__version__}")
    common = Parser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f".{name}", __package__)
        cmd = sub.add_parser(
            module.NAME,
            help=module.HELP,
            description=module.HELP[0].upper() + module.HELP[1:] + ".",
            epilog=module.EPILOG,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


MAIN_EPILOG = """\
examples:
  tjsim run scenarios/baseline.yaml
  tjsim run scenarios/property_downturn.yaml --draws 500000 --out results/property
  tjsim compare scenarios/baseline.yaml scenarios/flood_repeat.yaml
  tjsim sweep scenarios/baseline.yaml --grid scenarios/grids/investment_exports.yaml --out results/surface
  tjsim validate scenarios/*.yaml
  tjsim facts --grep containers
  tjsim targets

Exit status: 0 success, 2 bad input (the message names the file and key), 1 internal error.
Run 'tjsim COMMAND --help' for each command's options.
"""
