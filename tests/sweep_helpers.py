"""What the sweep and Dask tests share: a small grid of the toy model, a bit-for-bit
comparison of sweeps, and a progress callback that kills a worker mid-sweep."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import tjsim
from tjsim.seeding import BLOCK_SIZE

#: Six points of the toy model (tests/toy.py).
GRID = {"drivers.a.shift": [-1.0, 0.0, 1.0], "drivers.b.shift": [-0.5, 0.5]}


def assert_identical(a: tjsim.SweepResult, b: tjsim.SweepResult) -> None:
    """Two sweeps with the same numbers, bit for bit."""
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=True)
    np.testing.assert_array_equal(a.cluster_met, b.cluster_met)


def kill_once(pid: int, killed: list[int]) -> Callable[[int, int], None]:
    """A sweep progress callback that kills process ``pid`` when the first task is done
    (recording it in ``killed``), so the kill lands mid-sweep."""

    def progress(draws: int, points: int) -> None:
        if not killed:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    return progress


def die_once(marker: str, acc: Any) -> Any:
    """A job's summary that kills the worker process applying it the first time (the
    one that creates file ``marker``, atomically, so two workers cannot both die), so
    that a worker dies while sending back the accumulator of the tasks it holds;
    ``acc`` otherwise."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return acc
    os._exit(1)


def die_always(acc: Any) -> Any:
    """A job's summary that kills every worker process applying it."""
    os._exit(1)


def assert_a_killed_worker_changes_nothing(calibration, victim: int, **backend: Any) -> None:
    """A sweep of :data:`GRID` on ``backend`` (keyword arguments of :func:`tjsim.sweep`)
    whose worker process ``victim`` is killed after the first task gives the same
    numbers, bit for bit, as the sweep in this process."""
    kwargs = {"draws": 4 * BLOCK_SIZE, "seed": 21, "calibration": calibration}
    expected = tjsim.sweep(None, GRID, threads=1, **kwargs)
    killed: list[int] = []
    again = tjsim.sweep(
        None, GRID, blocks_per_task=1, progress=kill_once(victim, killed), **kwargs, **backend
    )
    assert killed == [victim]
    assert_identical(expected, again)
