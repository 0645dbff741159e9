"""The explorer served in a thread of the test process, for the tests that look at its
sessions (tests/app/test_explorer.py, and tests/app/test_browser.py with a browser)."""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any


def serve_in_thread(monkeypatch: Any, **options: Any) -> tuple[str, Callable[[], None], list]:
    """Serve the explorer of the baseline (2,000 draws) on a free port in a thread, with
    pages never loaded forgotten after one second: its address, a stop function and the
    explorers its pages built (each with ``released`` set once its page is closed)."""
    import tornado.ioloop

    from tjsim.app.session import Explorer as Base

    served = importlib.import_module("tjsim.app.explore")  # the module, not the function
    built: list = []

    class Counted(Base):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.released = False
            built.append(self)

        def release(self) -> None:
            super().release()
            self.released = True

    monkeypatch.setattr(served, "Explorer", Counted)
    monkeypatch.setattr(served, "UNUSED_SESSION_SECONDS", 1.0)
    ready = threading.Event()
    found: dict = {}

    def started(url: str) -> None:
        found.update(url=url, loop=tornado.ioloop.IOLoop.current())
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        served.serve("baseline", port=0, show=False, draws=2_000, ready=started, **options)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(120), "the explorer did not start"

    def stop() -> None:
        found["loop"].add_callback(found["loop"].stop)
        thread.join(30)

    return found["url"], stop, built


def rss_mb() -> float:
    """This process's resident memory in MB (Linux's /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")
