"""Where the tests find the repository's files (scenarios, docs, the README), and the
environment of the Python processes they start."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[1]


def child_environment() -> dict[str, str]:
    """``os.environ`` for a child Python process that imports the tjsim under test: the
    folder it was imported from goes first on ``PYTHONPATH``."""
    import tjsim

    source = str(Path(tjsim.__file__).resolve().parent.parent)
    paths = [source, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
