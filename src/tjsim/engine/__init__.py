"""The engine: latent normals block by block, kernels that evaluate a block into an
accumulator, backends that run blocks (threads, a process pool, Dask), and its jobs:
:func:`simulate` and passes over common draws (:class:`CommonDraws`), both run with the
:class:`RunSettings` that :func:`resolve_settings` makes once, at the edge.

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
from .common import CACHE_LIMIT_BYTES, CommonDraws, Statistic, Variant
from .evaluate import Evaluation, evaluate
from .kernels import KERNELS, BlockKernel, check_kernel, make_kernel
from .kernels.numpy_kernel import NumpyKernel
from .run import KEEP_DRAWS_LIMIT_BYTES, keep_draws_fit, simulate
from .sampling import LatentSampler
from .settings import (
    DEFAULT_BLOCKS_PER_TASK,
    DEFAULT_CHUNK,
    DEFAULT_DRAWS,
    DEFAULT_METHOD,
    MAX_THREADS,
    RunSettings,
    available_cpus,
    backend_for,
    count_argument,
    default_threads,
    resolve_settings,
    whole_number,
)

__all__ = [
    "BACKENDS",
    "CACHE_LIMIT_BYTES",
    "DEFAULT_BLOCKS_PER_TASK",
    "DEFAULT_CHUNK",
    "DEFAULT_DRAWS",
    "DEFAULT_METHOD",
    "KEEP_DRAWS_LIMIT_BYTES",
    "KERNELS",
    "MAX_THREADS",
    "Backend",
    "BlockKernel",
    "CommonDraws",
    "Evaluation",
    "Job",
    "LatentSampler",
    "LocalBackend",
    "NumpyKernel",
    "RunSettings",
    "Statistic",
    "Variant",
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
    "resolve_settings",
    "simulate",
    "whole_number",
]
