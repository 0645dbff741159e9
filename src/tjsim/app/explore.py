"""``tjsim.explore`` (the explorer inline in a notebook) and :func:`serve` (the explorer
as a local web app, for ``tjsim explore``)."""

from __future__ import annotations

import gc
import importlib.util
import signal
import socket
import sys
import threading
import webbrowser
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from ..api import CalibrationLike, ScenarioLike, resolve_scenario, scenario_calibration
from ..calibration import Calibration
from ..errors import TjsimError
from ..scenario import Scenario
from .session import Explorer

if TYPE_CHECKING:
    import panel
    from bokeh.document import Document
    from bokeh.server.contexts import BokehSessionContext

#: What to install for the explorer.
INSTALL = 'pip install "tjsim[app]"'
#: The port ``tjsim explore`` serves on unless told otherwise (Panel's usual one).
DEFAULT_PORT = 5006
#: Most explorer pages a server keeps open at once (each holds its own draws).
MAX_SESSIONS = 8
#: Seconds after which a page requested but never connected is forgotten.
UNUSED_SESSION_SECONDS = 10.0


def _require_panel() -> None:
    """Raise a clear error when Panel (the ``app`` extra) is missing."""
    if importlib.util.find_spec("panel") is None:
        raise TjsimError(f"the explorer needs Panel, which is not installed: {INSTALL}")


def _resolved(scenario: ScenarioLike, calibration: CalibrationLike) -> tuple[Scenario, Calibration]:
    """The starting scenario and the calibration (``calibration``, else the one the
    scenario names, else the packaged Tianjin one), files and names resolved."""
    cal = scenario_calibration(scenario, calibration)
    return resolve_scenario(scenario, cal), cal


def explore(
    scenario: ScenarioLike = None,
    *,
    draws: int | None = None,
    seed: int | None = None,
    method: str | None = None,
    calibration: CalibrationLike = None,
    drivers: Iterable[str] | None = None,
) -> panel.viewable.Viewable:
    """A live explorer of ``scenario``: move a driver's shift, an event's probability,
    the spreads, the targets' reading or the draws, and every target's odds redraw.

    Display the returned object in a notebook to use it inline (``tjsim explore`` on
    the command line serves the same page). Every update runs
    :func:`tjsim.simulate` with the same seed, draws and method (common random
    numbers), so a move shows the effect of the move, not new noise; "Save as
    scenario" downloads a YAML file that ``tjsim run`` reproduces exactly. Needs Panel:
    ``pip install "tjsim[app]"``.

    Parameters
    ----------
    scenario
        A :class:`~tjsim.scenario.Scenario`, a scenario file, a bundled scenario's name
        or ``None`` (the baseline): where the controls start.
    draws, seed, method
        The run's settings (default: the scenario's ``simulation`` settings, else
        100,000 draws, seed 2024 and ``mc``); the page can change them.
    calibration
        A :class:`~tjsim.calibration.Calibration`, a calibration folder or a packaged
        calibration's name (``"china"``; default: the one a scenario file names in its
        ``calibration`` key, else the packaged Tianjin calibration).
    drivers
        The variables to give a shift control (default: the calibration's driver layer
        and the aggregates of drivers, such as total investment).

    Returns
    -------
    panel.viewable.Viewable
        The page (``.show()`` opens it in a browser; ``.servable()`` serves it).

    Raises
    ------
    TjsimError
        For a bad scenario or setting, or when Panel is not installed.

    Examples
    --------
    >>> tjsim.explore("property_downturn", draws=100_000, seed=2024)  # doctest: +SKIP
    """
    _require_panel()
    import panel as pn

    from .panel_app import build

    start, cal = _resolved(scenario, calibration)
    state = Explorer(start, cal, draws=draws, seed=seed, method=method, drivers=drivers)
    if "ipykernel" in sys.modules:  # load Panel's scripts into the notebook first
        pn.extension()
    return build(state)


def serve(
    scenario: ScenarioLike = None,
    *,
    port: int = DEFAULT_PORT,
    show: bool = True,
    draws: int | None = None,
    seed: int | None = None,
    method: str | None = None,
    calibration: CalibrationLike = None,
    ready: Any = None,
) -> int | None:
    """Serve the explorer of ``scenario`` at ``http://localhost:PORT/`` until
    interrupted; ``show`` opens it in the browser. Each browser tab gets its own
    controls. Everything is checked before the server starts (a bad scenario raises
    :class:`~tjsim.errors.TjsimError`), and so is the port (in use or out of range: a
    clear error; 0 takes a free one).

    The server answers only requests addressed to ``localhost`` or ``127.0.0.1`` on
    its port (another Host header gets a short refusal, so a page elsewhere cannot make
    it build explorers), keeps at most :data:`MAX_SESSIONS` pages open at once, answers
    a request with a one-line placeholder and builds the page's explorer only once a
    browser has loaded it (a request that never opens the page costs next to nothing),
    frees a page's draws when its tab closes, and gives back a page's place
    :data:`UNUSED_SESSION_SECONDS` after a request that never connected.

    ``ready``, if given, is called with the address once the server listens. Returns
    the number of the signal that stopped the server (SIGTERM), or ``None`` after
    Ctrl-C.
    """
    _require_panel()
    import panel as pn

    from .panel_app import build, placeholder, refusal, unlink

    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise TjsimError(f"expected a port number from 0 to 65535, found {port!r:.40}", key="port")
    start, cal = _resolved(scenario, calibration)
    Explorer(start, cal, draws=draws, seed=seed, method=method)  # checks the settings now
    hosts: set[str] = set()
    pages: dict[str, Explorer | None] = {}  # a page's explorer, once loaded
    shown: dict[str, panel.Column] = {}  # what a page shows: its placeholder, then the page
    if port == 0:  # a free port, chosen now: the origins and hosts below must name it
        with socket.socket() as probe:
            probe.bind(("localhost", 0))
            port = probe.getsockname()[1]

    def page() -> Any:
        # Panel calls this while it builds a served session's page: both are set.
        document = cast("Document", pn.state.curdoc)
        context = cast("BokehSessionContext | None", document.session_context)
        request = context.request if context else None
        host = request.headers.get("Host", "") if request is not None else ""
        if context is None or host not in hosts:
            return refusal(f"This explorer answers at {' or '.join(sorted(hosts))} only.")
        if len(pages) >= MAX_SESSIONS:
            return refusal(f"{MAX_SESSIONS} explorer pages are open already: close one and reload.")
        session = context.id
        pages[session] = None  # the page's place, held until its session ends
        document.on_session_destroyed(closed)
        holder = shown[session] = placeholder()

        def load() -> None:  # once a browser has loaded the page: build the explorer
            if session in pages:
                state = Explorer(start, cal, draws=draws, seed=seed, method=method)
                pages[session] = state
                holder[:] = [build(state)]

        pn.state.onload(load)
        return holder

    def closed(context: Any) -> None:
        holder = shown.pop(context.id, None)
        if holder is not None:
            unlink(holder)
        state = pages.pop(context.id, None)
        if state is not None:
            state.release()
        # Panel keeps a page's load callbacks until the page loads; a request that never
        # loaded it (a plain GET) would keep them for good.
        getattr(pn.state, "_onload", {}).pop(getattr(context, "_document", None), None)
        gc.collect()  # a page's widgets and figures form reference cycles

    try:
        server = pn.serve(
            {"/": page},
            port=port,
            address="localhost",
            websocket_origin=[f"localhost:{port}", f"127.0.0.1:{port}"],
            show=False,
            start=False,
            title="tjsim explorer",
            verbose=False,
            check_unused_sessions_milliseconds=1_000,
            unused_session_lifetime_milliseconds=int(1000 * UNUSED_SESSION_SECONDS),
        )
    except (OSError, OverflowError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise TjsimError(
            f"cannot serve on port {port}: {reason}; choose another --port", key="port"
        ) from None
    hosts.update({f"localhost:{port}", f"127.0.0.1:{port}"})
    url = f"http://localhost:{port}/"
    stopped_by: list[int] = []

    def stop(number: int, frame: Any) -> None:  # in the main thread, between callbacks
        stopped_by.append(number)
        server.io_loop.add_callback_from_signal(server.io_loop.stop)

    handles_signals = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if handles_signals else None
    try:
        server.start()
        if ready is not None:
            ready(url)
        if show:
            webbrowser.open(url)
        server.io_loop.start()  # until Ctrl-C (Panel stops the loop) or SIGTERM
    finally:
        if handles_signals:
            signal.signal(signal.SIGTERM, previous)
        server.stop()
    return stopped_by[0] if stopped_by else None
