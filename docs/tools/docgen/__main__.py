"""``python docs/tools/docgen`` (from the repository's root) or ``python -m docgen`` (with
``docs/tools`` on the path): regenerate the documentation's blocks and figures."""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a folder: make the package importable by its name
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docgen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
