"""The command: ``python docs/tools/docgen [--check] [FILE ...]`` (or ``python -m docgen``
from ``docs/tools``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tjsim.calibration import load_calibration

from .figures import stale_figures, write_figure
from .markers import blocks, has_blocks
from .registry import refresh

#: The command, as the pages and its messages name it (from the repository's root).
COMMAND = "python docs/tools/docgen"


def docs_folder() -> Path:
    """The ``docs/`` folder this tool lives in, relative to the working folder when it is
    inside it."""
    docs = Path(__file__).resolve().parents[2]
    try:
        return docs.relative_to(Path.cwd().resolve())
    except ValueError:
        return docs


def default_files(root: Path | None = None) -> list[Path]:
    """The markdown files under ``docs/`` (of ``root``, default this tool's repository)
    that hold generated blocks."""
    folder = Path(root) / "docs" if root is not None else docs_folder()
    return [p for p in sorted(folder.glob("*.md")) if has_blocks(p.read_text("utf-8"))]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python docs/tools/docgen [--check] [FILE ...]``; returns the exit
    status (0 done or up to date, 1 stale under ``--check``, 2 no generated block)."""
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="Regenerate the documentation's tables from the calibration.",
    )
    parser.add_argument(
        "files", nargs="*", type=Path, help="markdown files (default: docs/*.md with blocks)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a block or a generated figure is stale",
    )
    parser.add_argument(
        "--calibration", type=Path, default=None, help="calibration folder (default: packaged)"
    )
    args = parser.parse_args(argv)
    files = args.files or default_files()
    if not files:
        print("no markdown file with generated blocks found under docs/", file=sys.stderr)
        return 2
    cal = load_calibration(args.calibration)
    status = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not blocks(text):
            print(f"{path}: no generated blocks", file=sys.stderr)
            status = max(status, 2)
            continue
        fresh, stale = refresh(text, cal)
        figures = stale_figures(path, text, cal)
        if args.check:
            if stale:
                print(f"{path}: stale blocks: {', '.join(stale)}")
            if figures:
                print(f"{path}: stale figures: {', '.join(figures)}")
            if stale or figures:
                status = max(status, 1)
            else:
                print(f"{path}: up to date")
            continue
        if stale:
            path.write_text(fresh, encoding="utf-8")
            print(f"{path}: regenerated {', '.join(stale)}")
        for link in figures:
            write_figure(path.parent / link, link, cal)
            print(f"{path}: drew {link}")
        if not stale and not figures:
            print(f"{path}: up to date")
    if args.check and status == 1:
        print(f"run `{COMMAND}` to regenerate them")
    return status
