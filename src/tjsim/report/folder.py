"""Output folders written all or nothing.

:func:`write_atomically` fills a staging folder next to the target and renames it into
place; a folder is replaced only if it is empty or an earlier tjsim output (it holds a
:data:`MARKER` file).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .._version import __version__
from ..errors import TjsimError

#: File that marks a folder as tjsim's output, which a later run may replace.
MARKER = ".tjsim-output"


def check_output_folder(folder: Path) -> None:
    """Refuse ``folder`` unless it is new, empty, or an earlier tjsim output folder that
    can be replaced.

    Raises
    ------
    TjsimError
        If ``folder`` is a file, a non-empty folder that tjsim did not write, the working
        folder or a folder that contains it, a mount point (neither can be replaced by
        renaming), or a path the system refuses (a name too long, say).
    """
    try:
        _check_output_folder(folder)
    except OSError as exc:
        raise TjsimError(
            f"cannot use this folder: {exc.strerror or exc}", file=str(folder)
        ) from None


def _check_output_folder(folder: Path) -> None:
    here, target = Path.cwd().resolve(), folder.resolve()
    if target == here or target in here.parents:
        raise TjsimError(
            "is the working folder or contains it, which tjsim cannot replace; choose "
            "another --out",
            file=str(folder),
        )
    if not folder.exists():
        return
    if not folder.is_dir():
        raise TjsimError("exists and is not a folder; choose another --out", file=str(folder))
    if os.path.ismount(folder):
        raise TjsimError(
            "is a mount point, which tjsim cannot replace (it renames a finished folder "
            "into place); choose a folder inside it",
            file=str(folder),
        )
    if not any(folder.iterdir()):
        return
    if (folder / MARKER).is_file():
        added = _added_files(folder)
        if added:
            shown = ", ".join(sorted(added)[:5]) + (", ..." if len(added) > 5 else "")
            raise TjsimError(
                f"is an earlier tjsim output folder that now also holds files tjsim did not "
                f"write ({shown}); move them or choose another --out",
                file=str(folder),
            )
        return
    raise TjsimError(
        f"exists and is not a tjsim output folder (it has no {MARKER} file); "
        "choose another --out or remove it",
        file=str(folder),
    )


#: Prefix of the marker's lines that list the files tjsim wrote to the folder.
WRITTEN = "wrote: "


def _added_files(folder: Path) -> set[str]:
    """Names in output folder ``folder`` that its marker does not list as written by
    tjsim (none when the marker lists nothing: an older version's folder)."""
    lines = (folder / MARKER).read_text(encoding="utf-8", errors="replace").splitlines()
    written = {line.removeprefix(WRITTEN) for line in lines if line.startswith(WRITTEN)}
    if not written:
        return set()
    return {p.name for p in folder.iterdir()} - written - {MARKER}


def write_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Fill ``folder`` all or nothing: ``write`` fills a staging folder next to it, which
    then replaces ``folder``.

    An earlier tjsim output folder (or an empty folder) at ``folder`` is replaced; any
    other existing path is refused (:func:`check_output_folder`). At every moment
    ``folder`` holds either the old complete outputs or the new ones, and whatever
    happens (an error, Ctrl-C, a termination signal the command line turns into an
    exception) no staging folder is left behind: Ctrl-C and termination signals that
    arrive while the folders are swapped take effect once the swap is complete.
    """
    check_output_folder(folder)
    folder = Path(os.path.abspath(folder))
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = _sibling_folder(folder, "new")
    except OSError as exc:
        raise TjsimError(
            f"cannot create the output folder: {exc.strerror}", file=str(folder)
        ) from None
    try:
        write(staging)
        written = sorted(p.name for p in staging.iterdir())
        (staging / MARKER).write_text(
            f"Written by tjsim {__version__}; the next run with this --out replaces this folder.\n"
            + "".join(f"{WRITTEN}{name}\n" for name in written),
            encoding="utf-8",
        )
        with _signals_deferred():
            _swap_in(staging, folder)
    except OSError as exc:
        raise TjsimError(
            f"cannot write the outputs: {exc.strerror or exc}", file=str(folder)
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _sibling_folder(folder: Path, role: str) -> Path:
    """Create a new hidden folder next to ``folder`` (permissions follow the umask)."""
    sibling = folder.parent / f".{folder.name}.{role}-{secrets.token_hex(4)}"
    sibling.mkdir()
    return sibling


#: Signals whose handlers wait while the folders are swapped.
DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and termination signals until the block ends, then act on the first
    one that arrived as its handler would have (in the main thread; elsewhere Python
    runs no signal handlers, so there is nothing to hold)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, frame: arrived.append(number))
        for number in DEFERRED_SIGNALS
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if arrived:
            handler = previous[signal.Signals(arrived[0])]
            if callable(handler):
                handler(arrived[0], None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(arrived[0])


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder``, moving an existing ``folder`` aside first and
    back if the rename fails; the aside folder is removed either way, unless moving
    ``folder`` back failed too (the error then says where the old outputs are)."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    aside = _sibling_folder(folder, "old")
    keep_aside = False
    try:
        os.rename(folder, aside / folder.name)
        try:
            os.rename(staging, folder)
        except OSError:
            try:
                os.rename(aside / folder.name, folder)
            except OSError:
                keep_aside = True
                raise TjsimError(
                    "cannot write the outputs, nor put the previous ones back: they are "
                    f"in {aside / folder.name}",
                    file=str(folder),
                ) from None
            raise
    finally:
        if not keep_aside:
            shutil.rmtree(aside, ignore_errors=True)
