"""Where the tests find the repository's files (scenarios, docs, the README)."""

from __future__ import annotations

from pathlib import Path

#: The repository's root folder.
ROOT = Path(__file__).resolve().parents[1]
