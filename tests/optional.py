"""Optional parts the tests need, and how to install them when they are absent."""

from __future__ import annotations

import importlib.util

import pytest

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
requires_numba = pytest.mark.skipif(
    not HAVE_NUMBA,
    reason='needs numba: pip install -e ".[fast]" (the dev extra includes it, so CI runs this)',
)
#: Every kernel, as test parameters (the compiled one skipped without numba).
KERNELS = ["numpy", pytest.param("numba", marks=requires_numba)]
HAVE_PANEL = importlib.util.find_spec("panel") is not None
requires_panel = pytest.mark.skipif(
    not HAVE_PANEL,
    reason='needs Panel: pip install -e ".[app]" (the dev extra includes it, so CI runs this)',
)
