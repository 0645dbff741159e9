"""The ``tjsim`` command line: one module per command, each with ``NAME``, ``HELP``,
``EPILOG``, ``add_arguments(parser)`` and ``run(args) -> int``; :mod:`.main` builds the
parser from them and maps errors to exit codes.

Layer 10, the top. May import every layer of tjsim; the command modules import the
library only when they run, so that ``tjsim --help`` starts without numpy.
"""

from __future__ import annotations

from .main import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
