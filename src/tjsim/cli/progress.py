"""A one-line progress bar on the terminal."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from typing import TextIO


class ProgressBar:
    """A one-line progress bar, drawn only once a run has lasted ``delay`` seconds.

    Call it with the number of draws just finished (the ``progress`` callback of
    :func:`tjsim.simulate`), and for a sweep with the points just completed (that of
    :func:`tjsim.sweep`, over ``points`` points); use it as a context manager to end
    the line.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        points: int | None = None,
        delay: float = 1.0,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total = max(int(total), 1)
        self.points = points
        self.points_done = 0
        self.stream = stream
        self.delay = delay
        self.width = width
        self.clock = clock
        self.done = 0
        self.drawn = False
        self.start = clock()

    def __call__(self, draws: int, points: int = 0) -> None:
        self.done += int(draws)
        self.points_done += int(points)
        if self.clock() - self.start >= self.delay:
            self.draw()

    def draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        filled = round(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        points = "" if self.points is None else f"  {self.points_done:,}/{self.points:,} points"
        self.stream.write(
            f"\r[{bar}] {100 * share:3.0f}%{points}  {self.done:,}/{self.total:,} draws"
        )
        self.stream.flush()
        self.drawn = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def progress_bar(
    total: int, *, quiet: bool, stream: TextIO | None = None, points: int | None = None
) -> contextlib.AbstractContextManager[ProgressBar | None]:
    """A :class:`ProgressBar` on ``stream`` (default: stderr) if it is a terminal and
    not ``quiet``; otherwise a context that yields ``None`` (no progress reports)."""
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        return contextlib.nullcontext()
    return ProgressBar(total, stream, points=points)
