"""Backends: where the blocks of a run are evaluated.

``local``
    this process, on one or several threads (:mod:`tjsim.engine.backends.local`);
``processes``
    worker processes on this machine (:mod:`tjsim.engine.backends.processes`).

Every backend hands blocks to a kernel (:class:`tjsim.engine.kernels.BlockKernel`) and
merges the accumulators exactly, so for a seed every backend gives the same numbers.
"""

from __future__ import annotations

from .local import chunk_plan, run_chunks
from .processes import run_processes

__all__ = ["chunk_plan", "run_chunks", "run_processes"]
