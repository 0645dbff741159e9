"""The accumulator's histogram lives in memory mapped for it alone."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from tjsim.result.accumulator import Accumulator, mapped_zeros


@pytest.mark.parametrize("size", [0, 1, 5, 1_000_003])
def test_mapped_zeros_are_writable_zeros_of_the_size_asked(size):
    array = mapped_zeros(size)
    assert array.shape == (size,) and array.dtype == np.int64
    assert not array.any() and array.flags.writeable and array.flags.c_contiguous
    array[size // 2 :] += 7
    assert array.sum() == 7 * (size - size // 2)


def test_an_accumulator_with_a_mapped_histogram_merges_and_pickles():
    def accumulator():
        return Accumulator(2, 1, 3, 10, centre=np.zeros(2))

    one, two = accumulator(), accumulator()
    one.histogram[3] += 2
    two.histogram[[3, 9]] += 1
    one.merge(two)
    copy = pickle.loads(pickle.dumps(one))
    assert copy.histogram.tolist() == [0, 0, 0, 3, 0, 0, 0, 0, 0, 1]
    copy.histogram[0] += 1  # the copy owns writable memory
    assert one.histogram[0] == 0
