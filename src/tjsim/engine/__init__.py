"""The engine: latent normals block by block, kernels that evaluate a block into an
accumulator, backends that run blocks (threads, a process pool, Dask), and :func:`simulate`.

Layer 5. May import the foundation modules, :mod:`tjsim.calibration`,
:mod:`tjsim.scenario`, :mod:`tjsim.model` and :mod:`tjsim.result`.
"""

from __future__ import annotations

from .backends import (
    BACKENDS,
    Backend,
    Job,
    LocalBackend,
    chunk_plan,
    make_backend,
    merge_outputs,
    plan_tasks,
)
from .evaluate import Evaluation, evaluate
from .kernels import KERNELS, BlockKernel, check_kernel, make_kernel
from .kernels.numpy_kernel import NumpyKernel
from .run import (
    DEFAULT_BLOCKS_PER_TASK,
    DEFAULT_CHUNK,
    DEFAULT_DRAWS,
    KEEP_DRAWS_LIMIT_BYTES,
    MAX_THREADS,
    available_cpus,
    backend_for,
    count_argument,
    default_threads,
    keep_draws_fit,
    run_settings,
    simulate,
    whole_number,
)
from .sampling import LatentSampler

__all__ = [
    "BACKENDS",
    "DEFAULT_BLOCKS_PER_TASK",
    "DEFAULT_CHUNK",
    "DEFAULT_DRAWS",
    "KEEP_DRAWS_LIMIT_BYTES",
    "KERNELS",
    "MAX_THREADS",
    "Backend",
    "BlockKernel",
    "Evaluation",
    "Job",
    "LatentSampler",
    "LocalBackend",
    "NumpyKernel",
    "available_cpus",
    "backend_for",
    "check_kernel",
    "chunk_plan",
    "count_argument",
    "default_threads",
    "evaluate",
    "keep_draws_fit",
    "make_backend",
    "make_kernel",
    "merge_outputs",
    "plan_tasks",
    "run_settings",
    "simulate",
    "whole_number",
]
