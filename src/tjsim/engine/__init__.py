"""The engine: latent normals block by block, kernels that evaluate a block into an
accumulator, backends that run blocks (threads, processes), and :func:`simulate`.

Layer 5. May import the foundation modules, :mod:`tjsim.calibration`,
:mod:`tjsim.scenario`, :mod:`tjsim.model` and :mod:`tjsim.result`.
"""

from __future__ import annotations

from .backends import chunk_plan, run_chunks, run_processes
from .kernels import KERNELS, BlockKernel, make_kernel
from .kernels.numpy_kernel import NumpyKernel
from .run import (
    DEFAULT_CHUNK,
    DEFAULT_DRAWS,
    KEEP_DRAWS_LIMIT_BYTES,
    MAX_THREADS,
    available_cpus,
    run_settings,
    simulate,
)
from .sampling import LatentSampler

__all__ = [
    "DEFAULT_CHUNK",
    "DEFAULT_DRAWS",
    "KEEP_DRAWS_LIMIT_BYTES",
    "KERNELS",
    "MAX_THREADS",
    "BlockKernel",
    "LatentSampler",
    "NumpyKernel",
    "available_cpus",
    "chunk_plan",
    "make_kernel",
    "run_chunks",
    "run_processes",
    "run_settings",
    "simulate",
]
