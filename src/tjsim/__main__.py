"""``python -m tjsim``: the command line."""

from .cli import main

raise SystemExit(main())
