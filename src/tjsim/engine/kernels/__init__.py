"""Kernels: the code that evaluates a block of draws into an accumulator.

Every kernel is built from a :class:`~tjsim.model.CompiledModel` and offers the same
small interface (:class:`BlockKernel`); backends (:mod:`tjsim.engine.backends`) call
only that. A kernel is chosen by name (:func:`make_kernel`) and its module is imported
only then.

``numpy``
    Vectorized numpy operations (:mod:`tjsim.engine.kernels.numpy_kernel`): the
    reference implementation, always available.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol

import numpy as np

from ...errors import ScenarioError, unknown
from ...model import CompiledModel
from ...result.accumulator import Accumulator
from ...seeding import Block

#: Kernel name -> (module, class) that implements it.
KERNELS: dict[str, tuple[str, str]] = {
    "numpy": ("numpy_kernel", "NumpyKernel"),
}


class BlockKernel(Protocol):
    """What a backend needs from a kernel (picklable, so that it can be sent to worker
    processes)."""

    name: str
    n_indicators: int

    def new_accumulator(self) -> Accumulator:
        """An empty accumulator for the model."""
        ...

    def worker(
        self, method: str, root: np.random.SeedSequence, largest: int
    ) -> Callable[[Block, Accumulator, np.ndarray | None], None]:
        """A block evaluator with its own buffers (one per thread): it adds block
        ``block`` (of at most ``largest`` draws) of the stream rooted at ``root`` to an
        accumulator, and writes the block's indicator rows to ``keep`` when given."""
        ...


def check_kernel(name: str) -> None:
    """Refuse a kernel name that :data:`KERNELS` does not list."""
    if name not in KERNELS:
        raise ScenarioError(unknown("kernel", name, KERNELS), key="kernel")


def make_kernel(name: str, model: CompiledModel) -> BlockKernel:
    """The kernel called ``name`` for ``model``."""
    check_kernel(name)
    module, cls = KERNELS[name]
    kernel_class = getattr(importlib.import_module(f".{module}", __name__), cls)
    return kernel_class.from_model(model)
