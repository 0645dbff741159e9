"""Kernels: the code that evaluates a block of draws into an accumulator.

Every kernel is built from a :class:`~tjsim.model.CompiledModel` and offers the same
small interface (:class:`BlockKernel`); backends (:mod:`tjsim.engine.backends`) call
only that. A kernel is chosen by name (:func:`make_kernel`) and its module is imported
only then.

``numba``
    One compiled loop over the draws (:mod:`tjsim.engine.kernels.numba_kernel`), fed
    by the same random stream: the same counts and histograms as ``numpy``, faster.
    Needs numba (``pip install "tjsim[fast]"``).
``numpy``
    Vectorized numpy operations (:mod:`tjsim.engine.kernels.numpy_kernel`): the
    reference implementation, always available.

``kernel=None`` takes the kernel the environment variable ``TJSIM_KERNEL`` names, if it
is set, else the first available in :data:`PREFERENCE`.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from ...errors import ScenarioError, unknown
from ...model import CompiledModel
from ...result.accumulator import Accumulator
from ...seeding import Block

#: Kernel name -> (module, class) that implements it.
KERNELS: dict[str, tuple[str, str]] = {
    "numba": ("numba_kernel", "NumbaKernel"),
    "numpy": ("numpy_kernel", "NumpyKernel"),
}
#: Kernels by speed, fastest first: ``kernel=None`` takes the first that imports.
PREFERENCE = ("numba", "numpy")
#: What to install for a kernel that needs more than the core dependencies.
INSTALL_HINTS = {"numba": 'pip install "tjsim[fast]" (or pip install numba)'}
#: Environment variable that names the kernel of ``kernel=None`` (``numba`` or ``numpy``).
KERNEL_VARIABLE = "TJSIM_KERNEL"


class BlockKernel(Protocol):
    """What a backend needs from a kernel (picklable, so that it can be sent to worker
    processes)."""

    name: str
    n_indicators: int

    def new_accumulator(self) -> Accumulator:
        """An empty accumulator for the model."""
        ...

    def worker(
        self, method: str, root: np.random.SeedSequence, largest: int, stream: str = ...
    ) -> Callable[[Block, Accumulator, np.ndarray | None], None]:
        """A block evaluator with its own buffers (one per thread): it adds block
        ``block`` (of at most ``largest`` draws) of the random stream ``stream`` (a name
        in :data:`tjsim.seeding.STREAMS`) rooted at ``root`` to an accumulator, and
        writes the block's indicator rows to ``keep`` when given."""
        ...

    def basis(self, latent: np.ndarray) -> np.ndarray:
        """Common draws: latent normals ``(n, d)`` to (folded) basis values, in place."""
        ...

    def target_margins(self, x: np.ndarray) -> np.ndarray:
        """Common draws: the target margins ``(n, T)`` of basis values ``(n, d)``."""
        ...


def check_kernel(name: str | None) -> str:
    """The kernel to run: ``name`` if it is listed and available, else a clear error;
    ``None``: the kernel ``TJSIM_KERNEL`` names, else the first available in
    :data:`PREFERENCE`."""
    key = "kernel"
    if name is None and os.environ.get(KERNEL_VARIABLE):
        name, key = os.environ[KERNEL_VARIABLE].strip(), KERNEL_VARIABLE
    if name is None:
        for candidate in PREFERENCE:
            try:
                _kernel_class(candidate)
            except ImportError:
                continue
            return candidate
    if name not in KERNELS:
        raise ScenarioError(unknown("kernel", str(name), KERNELS), key=key)
    try:
        _kernel_class(name)
    except ImportError as exc:
        raise ScenarioError(
            f"the {name} kernel is not available ({exc}); {INSTALL_HINTS[name]}, or use "
            "kernel='numpy' (the same numbers)",
            key=key,
        ) from None
    return str(name)


def make_kernel(name: str | None, model: CompiledModel) -> BlockKernel:
    """The kernel called ``name`` for ``model``; ``None``: the fastest available."""
    return _kernel_class(check_kernel(name)).from_model(model)


def _kernel_class(name: str) -> Any:
    module, cls = KERNELS[name]
    return getattr(importlib.import_module(f".{module}", __name__), cls)
