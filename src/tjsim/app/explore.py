"""``tjsim.explore`` (the explorer inline in a notebook) and :func:`serve` (the explorer
as a local web app, for ``tjsim explore``)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..api import CalibrationLike, ScenarioLike, resolve_calibration, resolve_scenario
from ..calibration import Calibration
from ..errors import TjsimError
from ..scenario import Scenario
from .session import Explorer

if TYPE_CHECKING:
    import panel

#: What to install for the explorer.
INSTALL = 'pip install "tjsim[app]"'
#: The port ``tjsim explore`` serves on unless told otherwise (Panel's usual one).
DEFAULT_PORT = 5006


def _require_panel() -> None:
    """Raise a clear error when Panel (the ``app`` extra) is missing."""
    if importlib.util.find_spec("panel") is None:
        raise TjsimError(f"the explorer needs Panel, which is not installed: {INSTALL}")


def _resolved(scenario: ScenarioLike, calibration: CalibrationLike) -> tuple[Scenario, Calibration]:
    """The starting scenario and the calibration, files and names resolved."""
    cal = resolve_calibration(calibration)
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
        A :class:`~tjsim.calibration.Calibration` or folder (default: the packaged one).
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
) -> None:
    """Serve the explorer of ``scenario`` at ``http://localhost:PORT/`` until
    interrupted; ``show`` opens it in the browser. Each browser tab gets its own
    controls. Everything is checked before the server starts (a bad scenario raises
    :class:`~tjsim.errors.TjsimError`), and so is the port (in use: a clear error).

    ``ready``, if given, is called with the address once the server listens.
    """
    _require_panel()
    import panel as pn

    from .panel_app import build

    start, cal = _resolved(scenario, calibration)
    Explorer(start, cal, draws=draws, seed=seed, method=method)  # checks the settings now

    def page() -> Any:
        state = Explorer(start, cal, draws=draws, seed=seed, method=method)
        return build(state)

    origins = [f"localhost:{port}", f"127.0.0.1:{port}"]
    try:
        server = pn.serve(
            {"/": page},
            port=port,
            address="localhost",
            websocket_origin=origins,
            show=show,
            start=False,
            title="tjsim explorer",
            verbose=False,
        )
    except OSError as exc:
        raise TjsimError(
            f"cannot serve on port {port}: {exc.strerror or exc}; choose another --port",
            key="port",
        ) from None
    server.start()
    if ready is not None:
        ready(f"http://localhost:{port}/")
    server.io_loop.start()  # until Ctrl-C (Panel stops the loop) or a signal
