"""The explorer: a live web app on a scenario, served or shown inline in a notebook.

Layer 9, between the reports and the command line. May import every layer below the
command line: the foundation modules, :mod:`tjsim.calibration`, :mod:`tjsim.scenario`,
:mod:`tjsim.model`, :mod:`tjsim.result`, :mod:`tjsim.engine`, :mod:`tjsim.analysis`,
:mod:`tjsim.api` and :mod:`tjsim.report`. The web framework (Panel) is an optional
dependency (``pip install "tjsim[app]"``), imported only when an app is built.
"""

from __future__ import annotations

from .explore import explore, serve
from .session import Explorer

__all__ = ["Explorer", "explore", "serve"]
