"""The streams the commands print to, and the signal that ends them.

:func:`guarded_streams` wraps standard output and standard error while a command runs:
control characters in what is printed (say, ANSI escape codes in a scenario's name)
are shown as escapes instead of reaching the terminal, and a failure to write
(standard output on a full device) becomes an :class:`OutputError` with a clear
message. :func:`terminate_cleanly` turns SIGTERM into a :class:`Terminated` exception,
so that ``finally`` blocks run and no staging folder is left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from ..errors import TjsimError

#: C0 and C1 control characters (and DEL), and the bidirectional formatting characters
#: that can make a terminal show text in another order than it has (U+202E, ...); tab
#: and newline are kept everywhere, and the carriage return the progress bar needs is
#: kept on standard error.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")
_CONTROL_BUT_CR = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_BIDI}]")


class OutputError(TjsimError):
    """Standard output or error could not be written (a full device, a closed terminal)."""


class Terminated(BaseException):
    """The process received SIGTERM (a :class:`BaseException`, like ``KeyboardInterrupt``,
    so that nothing on the way catches it by accident)."""


def visible(text: str, control: re.Pattern[str] = _CONTROL) -> str:
    """``text`` with control characters written as escapes, e.g. ``ESC`` as ``\\x1b``."""
    return control.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class _Guarded:
    """A text stream whose writes are made visible and whose failures are reported."""

    def __init__(self, stream: TextIO, name: str, control: re.Pattern[str]):
        self._stream = stream
        self._name = name
        self._control = control

    def write(self, text: str) -> int:
        with self._reported():
            return self._stream.write(visible(text, self._control))

    def flush(self) -> None:
        with self._reported():
            self._stream.flush()

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            silence(self._stream)
            raise OutputError(f"cannot write to {self._name}: {exc.strerror or exc}") from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def silence(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so that what is still
    buffered cannot fail again when Python exits (best effort)."""
    with contextlib.suppress(AttributeError, ValueError, OSError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


@contextlib.contextmanager
def guarded_streams(*, flush: bool = True) -> Iterator[None]:
    """Wrap ``sys.stdout`` and ``sys.stderr`` (see the module docstring) while the block
    runs; standard output is flushed at its end, inside the guard, unless ``flush`` is
    false."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = _Guarded(stdout, "standard output", _CONTROL)  # type: ignore[assignment]
    sys.stderr = _Guarded(stderr, "standard error", _CONTROL_BUT_CR)  # type: ignore[assignment]
    try:
        yield
        if flush:
            sys.stdout.flush()
    finally:
        sys.stdout, sys.stderr = stdout, stderr


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Raise :class:`Terminated` on SIGTERM while the block runs (in the main thread
    only: elsewhere signals cannot be handled)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
