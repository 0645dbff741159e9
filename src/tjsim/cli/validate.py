"""``tjsim validate``: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys

from ..errors import TjsimError
from .common import EXIT_INPUT, EXIT_OK

NAME = "validate"
HELP = "check scenario files without running them"


EPILOG = """\
Reads each file, follows 'extends', and checks every key, type, range and id against
the calibration the file names (its 'calibration' key), else the packaged Tianjin one. Prints one line per file: 'FILE: ok' on stdout, or the error (file,
key path, what was expected and what was found) on stderr. Exit status 0 if every file
is valid, 2 otherwise.

examples:
  tjsim validate scenarios/*.yaml
  tjsim validate my_scenario.yaml
"""


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim validate``."""
    cmd.add_argument("files", nargs="+", metavar="FILE", help="scenario files")


def run(args: argparse.Namespace) -> int:
    """Check each file; print ``FILE: ok`` or its error."""
    from ..api import load_scenario

    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path)  # against the calibration the file names
        except TjsimError as exc:
            failed += 1
            print(str(exc) if exc.file else f"{path}: {exc}", file=sys.stderr)
        else:
            print(f"{path}: ok (scenario '{scenario.name}')")
    return EXIT_INPUT if failed else EXIT_OK
