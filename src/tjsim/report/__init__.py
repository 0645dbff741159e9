"""Reports: the tables, figures and HTML page (report.html) of runs, comparisons and
sweeps written to folders, all or nothing.

Layer 8. May import every layer below the command line: the foundation modules,
:mod:`tjsim.calibration`, :mod:`tjsim.scenario`, :mod:`tjsim.model`,
:mod:`tjsim.result`, :mod:`tjsim.engine`, :mod:`tjsim.analysis` and :mod:`tjsim.api`.
"""

from __future__ import annotations

from .files import write_comparison, write_run
from .folder import MARKER, check_output_folder, write_atomically
from .sweep import write_sweep

__all__ = [
    "MARKER",
    "check_output_folder",
    "write_atomically",
    "write_comparison",
    "write_run",
    "write_sweep",
]
