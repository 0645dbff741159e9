"""Shared fixtures: a non-interactive matplotlib backend, closed figures, the calibration."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="session")
def calibration():
    """The packaged Tianjin calibration (loaded once)."""
    import tjsim

    return tjsim.load_calibration()
