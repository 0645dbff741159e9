r"""Fast transforms of latent normals by interpolation in each marginal's table.

A marginal's transform :math:`F^{-1}(\Phi(z))` is tabulated once on a fixed latent grid
(:meth:`tjsim.marginals.Marginal.table`, cached here per marginal) and evaluated by
linear interpolation: an error below ``1e-6`` times the spread.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..marginals import GRID, Marginal


@lru_cache(maxsize=64)
def marginal_table(marginal: Marginal) -> np.ndarray:
    """A marginal's transform table, computed once per distinct marginal."""
    table = marginal.table()
    table.flags.writeable = False
    return table


@lru_cache(maxsize=16)
def table_set(marginals: tuple[Marginal, ...]) -> TableSet:
    """The tables of the non-normal shocks ``marginals``, computed once per model."""
    return TableSet([marginal_table(marginal) for marginal in marginals])


def interpolate(z: np.ndarray, table: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Linear interpolation of ``table`` (values on :data:`GRID`) at ``z``.

    Equal to ``np.interp(z, GRID, table)`` (clamped at the grid's ends) but uses the
    grid's uniform spacing instead of a binary search.
    """
    step = (GRID[-1] - GRID[0]) / (len(GRID) - 1)
    position = np.clip((z - GRID[0]) / step, 0.0, len(GRID) - 1.000001)
    index = position.astype(np.intp)
    position -= index
    low = table[index]
    return np.add(low, position * (table[index + 1] - low), out=out)


class TableSet:
    """The tables of several columns, transformed together with :func:`interpolate`'s
    arithmetic (bit for bit), one gather per value for all columns at once."""

    def __init__(self, tables: list[np.ndarray]):
        self.count = len(tables)
        size = len(GRID)
        self.tables = np.vstack(tables) if tables else np.zeros((0, 0))
        self.tables.flags.writeable = False
        # The tables end to end: a cell's slope is computed where it is read, from its two
        # ends (the same double as a stored slope, in half the memory, which the caches
        # repay: the tables are read at random).
        self.values = self.tables.ravel()
        self.starts = (np.arange(self.count, dtype=np.intp) * size)[:, None]
        self.step = (GRID[-1] - GRID[0]) / (size - 1)
        self.top = size - 1.000001

    def workspace(self, rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Buffers for :meth:`transform` of up to ``rows`` rows."""
        n = rows * self.count
        return np.empty(n), np.empty(n, dtype=np.intp), np.empty(n), np.empty(n)

    def transform(
        self,
        z: np.ndarray,
        out: np.ndarray,
        workspace: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        """Write the transforms of ``z`` (``(..., count, rows)``: one row per table) to
        ``out`` (same shape)."""
        shape = z.shape
        size = math.prod(shape)
        position, index, low, slope = (buffer[:size].reshape(shape) for buffer in workspace)
        np.subtract(z, GRID[0], out=position)
        np.divide(position, self.step, out=position)
        np.clip(position, 0.0, self.top, out=position)
        np.copyto(index, position, casting="unsafe")
        np.subtract(position, index, out=position)
        np.add(index, self.starts, out=index)
        np.take(self.values, index, out=low, mode="clip")  # in range: "clip" is unbuffered
        index += 1  # a cell's upper end (position <= top keeps it within the table)
        np.take(self.values, index, out=slope, mode="clip")
        np.subtract(slope, low, out=slope)
        np.multiply(position, slope, out=position)
        np.add(low, position, out=out)


@lru_cache(maxsize=64)
def interpolation_error(marginal: Marginal) -> float:
    """The largest error of the interpolated transform against the exact one, measured
    at the midpoints of the grid's cells (where linear interpolation is worst): below
    ``1e-6`` times the spread for the shocks' families; larger for a ``break`` column,
    whose quantile turns sharply where the size leaves zero (about ``1e-4`` of its mean
    size there)."""
    middle = 0.5 * (GRID[1:] + GRID[:-1])
    exact = marginal.from_normal(middle)
    return float(np.max(np.abs(interpolate(middle, marginal_table(marginal)) - exact)))
