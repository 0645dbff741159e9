"""The kernels against each other: the compiled (numba) kernel must give the numpy
kernel's counts and histograms exactly, and its floating-point sums to rounding, on the
same random stream; and the stream itself is numpy's."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reference import SCENARIO, SIZED

import tjsim
from optional import HAVE_NUMBA, KERNELS, requires_numba
from tjsim.engine import LatentSampler
from tjsim.seeding import BLOCK_SIZE, RNG, as_seed_sequence, block_bit_generator, plan_blocks
from toy import Toy

#: Integer totals: equal, element for element, between kernels.
COUNTS = (
    "met",
    "count_met",
    "both",
    "pair_square",
    "histogram",
    "headline_count",
    "headline_pairs",
)


def _models(calibration):
    """(name, calibration, scenario, simulate options): plain and conditioned models."""
    toy = Toy().calibration()
    return [
        ("toy", toy, None, {}),
        ("toy quarterly", toy, None, {"quarterly": True}),
        ("toy observed", toy, None, {"observed": {"y": {"Q1": 4.2, "H1": 4.4}}}),
        ("tianjin", calibration, None, {}),
        ("tianjin mixed", calibration, SCENARIO, {}),
        ("tianjin observed", calibration, None, {"observed": {"gdp_growth": {"Q1": 5.0}}}),
        ("tianjin sized", calibration, SIZED, {}),
        ("tianjin sized observed", calibration, SIZED, {"observed": {"gdp_growth": {"H1": 4.0}}}),
    ]


def _assert_same_numbers(a: tjsim.SimulationResult, b: tjsim.SimulationResult) -> None:
    """Counts and histograms identical; sums, moments and extremes to rounding."""
    x, y = a.accumulator, b.accumulator
    assert x.draws == y.draws
    for name in COUNTS:
        np.testing.assert_array_equal(getattr(x, name), getattr(y, name), err_msg=name)
    assert x.group_draws == y.group_draws
    for group, met in x.group_met.items():
        np.testing.assert_array_equal(met, y.group_met[group])
    assert x.group_headline.keys() == y.group_headline.keys()
    for group, counts in x.group_headline.items():
        np.testing.assert_array_equal(counts, y.group_headline[group])
    # Fixed-point sums (units of 2**-24) of up to 32,768 terms per block: the order of
    # the additions may move one by a unit.
    np.testing.assert_allclose(
        x.basis_met_sum, y.basis_met_sum, rtol=1e-12, atol=2 * len(x.block_moments)
    )
    mean_x, sd_x = x.moments()
    mean_y, sd_y = y.moments()
    scale = np.maximum(np.abs(mean_x), sd_x)  # a mean may be zero
    np.testing.assert_array_less(np.abs(mean_x - mean_y), 1e-12 * scale + 1e-300)
    np.testing.assert_allclose(sd_x, sd_y, rtol=1e-12, atol=0)
    for name in ("minimum", "maximum"):
        np.testing.assert_allclose(getattr(x, name), getattr(y, name), rtol=1e-12, atol=1e-12)
    if a.kept is not None:
        # A random-size event's table is steep where its size leaves zero: the kernels'
        # interpolation arithmetic may differ there in the last digits (a few 1e-12).
        np.testing.assert_allclose(a.kept, b.kept, rtol=1e-10, atol=1e-10)


@requires_numba
@pytest.mark.parametrize(
    ("method", "stream"),
    [
        ("mc", RNG),
        ("antithetic", RNG),
        ("sobol", RNG),
        ("mc", "sfc64/2"),
        ("antithetic", "sfc64/2"),
    ],
)
@pytest.mark.slow
def test_compiled_and_numpy_kernels_give_the_same_numbers(calibration, method, stream):
    # A whole block and a partial one, whose draws (and half) are not whole groups of
    # eight (stream 3's lanes); Sobol: 16 scrambles.
    draws = BLOCK_SIZE + 4_002
    for name, cal, scenario, options in _models(calibration):
        runs = [
            tjsim.simulate(
                scenario,
                draws=draws,
                seed=21,
                method=method,
                stream=stream,
                kernel=kernel,
                calibration=cal,
                keep_draws=True,
                threads=1,
                **options,
            )
            for kernel in ("numpy", "numba")
        ]
        assert [r.metadata["kernel"] for r in runs] == ["numpy", "numba"], name
        _assert_same_numbers(*runs)
        tables = [r.probabilities() for r in runs]
        np.testing.assert_array_equal(tables[0]["probability"], tables[1]["probability"])
        np.testing.assert_array_equal(runs[0].quantiles(), runs[1].quantiles())


@requires_numba
@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_the_compiled_kernel_does_not_depend_on_chunks_or_threads(calibration, method):
    draws = 3 * BLOCK_SIZE + 1_000
    runs = [
        tjsim.simulate(
            draws=draws,
            seed=5,
            method=method,
            kernel="numba",
            chunk_size=chunk,
            threads=threads,
            calibration=calibration,
        )
        for chunk, threads in ((1, 1), (BLOCK_SIZE, 3), (10 * BLOCK_SIZE, 2))
    ]
    for other in runs[1:]:
        for name in (*COUNTS, "basis_met_sum", "minimum", "maximum"):
            np.testing.assert_array_equal(
                getattr(runs[0].accumulator, name), getattr(other.accumulator, name)
            )
        np.testing.assert_array_equal(runs[0].to_frame(), other.to_frame())


@requires_numba
@pytest.mark.slow
def test_the_compiled_kernel_in_worker_processes(calibration):
    draws = 4 * BLOCK_SIZE + 10
    one = tjsim.simulate(draws=draws, seed=9, kernel="numba", calibration=calibration)
    two = tjsim.simulate(
        draws=draws,
        seed=9,
        kernel="numba",
        workers=2,
        chunk_size=BLOCK_SIZE,
        calibration=calibration,
    )
    for name in (*COUNTS, "basis_met_sum", "minimum", "maximum"):
        np.testing.assert_array_equal(
            getattr(one.accumulator, name), getattr(two.accumulator, name)
        )
    assert two.metadata["kernel"] == "numba"


@requires_numba
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), block=st.integers(0, 10**6), n=st.integers(0, 3_000))
def test_compiled_normals_are_numpys(seed, block, n):
    from tjsim.engine.kernels.numba_kernel import standard_normals

    root = as_seed_sequence(seed)
    state = block_bit_generator(root, block).state["state"]["state"].copy()
    ours = np.empty(n)
    standard_normals(state, ours)
    generator = np.random.Generator(block_bit_generator(root, block))
    np.testing.assert_array_equal(ours, generator.standard_normal(n))
    np.testing.assert_array_equal(state, generator.bit_generator.state["state"]["state"])


@requires_numba
def test_compiled_normals_follow_numpy_into_the_tails():
    """Two million normals: every layer of the ziggurat, its wedges and the tail."""
    from tjsim.engine.kernels.numba_kernel import standard_normals

    bit_generator = block_bit_generator(as_seed_sequence(2024), 0)
    state = bit_generator.state["state"]["state"].copy()
    ours = np.empty(2_000_000)
    standard_normals(state, ours)
    theirs = np.random.Generator(bit_generator).standard_normal(len(ours))
    np.testing.assert_array_equal(ours, theirs)
    assert np.sum(np.abs(ours) > 3.6541528853610088) > 100  # beyond the last layer


@pytest.mark.parametrize("stream", ["sfc64/3", "sfc64/2"])
def test_the_stream_is_pinned(stream):
    """The first normals of a seed in each stream: a change here changes every result;
    give the stream a new version."""
    assert RNG == "sfc64/3"
    sampler = LatentSampler("mc", as_seed_sequence(2024), 3, stream)
    out = np.empty((2, 3))
    sampler.stream(plan_blocks("mc", 2)[0])(out)
    np.testing.assert_array_equal(out, GOLDEN_NORMALS[stream])


GOLDEN_NORMALS = {
    "sfc64/3": np.array(
        [
            [0.460432173800008, -1.1941181638994351, 0.18068198868257207],
            [0.17551301599181532, -0.32029283370135386, 1.1642523352192233],
        ]
    ),
    "sfc64/2": np.array(
        [
            [0.717670203231843, -1.6329577718449877, 1.5306101845112472],
            [0.809860858135662, 0.010425836942892175, 2.0060733272714675],
        ]
    ),
}


@pytest.mark.parametrize("stream", ["sfc64/3", "sfc64/2"])
def test_the_toy_model_golden_counts(stream):
    """Pinned counts on the toy model for a seed (y_high, a_positive, y_above_a, joint;
    near the closed forms 0.359, 0.841, 0.999), with every available kernel."""
    cal = Toy().calibration()
    for kernel in ("numpy", "numba") if HAVE_NUMBA else ("numpy",):
        result = tjsim.simulate(
            draws=40_000, seed=2024, kernel=kernel, calibration=cal, stream=stream
        )
        assert result.accumulator.met.tolist() == GOLDEN_TOY_MET[stream], kernel


GOLDEN_TOY_MET = {"sfc64/3": [14460, 33607, 39978, 14346], "sfc64/2": [14236, 33441, 39975, 14102]}


def test_the_default_kernel_is_the_fastest_available(calibration):
    result = tjsim.simulate(draws=1_000, seed=1, calibration=calibration)
    assert result.metadata["kernel"] == ("numba" if HAVE_NUMBA else "numpy")
    assert result.metadata["rng"] == RNG


def test_without_numba_the_default_falls_back_and_asking_for_it_explains(calibration, monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba raises ImportError
    monkeypatch.delitem(sys.modules, "tjsim.engine.kernels.numba_kernel", raising=False)
    result = tjsim.simulate(draws=1_000, seed=1, calibration=calibration)
    assert result.metadata["kernel"] == "numpy"
    with pytest.raises(tjsim.ScenarioError, match=r"kernel.*tjsim\[fast\]"):
        tjsim.simulate(draws=1_000, seed=1, kernel="numba", calibration=calibration)


def test_an_unknown_kernel_is_a_clear_error(calibration):
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'numba'"):
        tjsim.simulate(draws=1_000, kernel="numbaa", calibration=calibration)


@pytest.mark.slow
def test_import_does_not_load_the_compiler():
    code = (
        "import sys, tjsim; tjsim.simulate(draws=500, seed=1, kernel='numpy'); "
        "print('numba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "False"


@requires_numba
@settings(deadline=None)  # the first call compiles
@given(st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_a_histogram_bin_is_always_inside_the_histogram(position):
    from tjsim.engine.kernels.numba_kernel import _bin

    assert 3 <= _bin(position, 3, 40) <= 40


def _run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, **environment}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, env=env
    )


@requires_numba
@pytest.mark.slow
def test_a_read_only_install_compiles_without_a_cache_and_says_so():
    # No writable folder for numba's cache (a read-only package folder and home): the
    # kernel must still run, compiled in the process, with a one-line note.
    code = (
        "import warnings\n"
        "from numba.core import caching\n"
        "caching.CacheImpl._locator_classes = []\n"
        "import tjsim\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    result = tjsim.simulate(draws=2_000, seed=1, kernel='numba')\n"
        "print(result.metadata['kernel'], result.probabilities()['probability'].sum())\n"
        "print(*[str(w.message) for w in caught], sep='\\n')\n"
    )
    done = _run_python(code)
    assert done.returncode == 0, done.stderr
    kernel, total = done.stdout.splitlines()[0].split()
    reference = tjsim.simulate(draws=2_000, seed=1, kernel="numpy")
    assert kernel == "numba"
    assert float(total) == pytest.approx(reference.probabilities()["probability"].sum())
    assert "NUMBA_CACHE_DIR" in done.stdout


@requires_numba
@pytest.mark.slow
def test_numba_with_its_jit_disabled_falls_back_to_numpy():
    code = "import tjsim\nprint(tjsim.simulate(draws=2_000, seed=1).metadata['kernel'])\n"
    done = _run_python(code, NUMBA_DISABLE_JIT="1")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["numpy"]
    explicit = "import tjsim\ntjsim.simulate(draws=2_000, seed=1, kernel='numba')\n"
    refused = _run_python(explicit, NUMBA_DISABLE_JIT="1")
    assert refused.returncode == 1 and "NUMBA_DISABLE_JIT" in refused.stderr


def test_the_environment_names_the_default_kernel(monkeypatch):
    monkeypatch.setenv("TJSIM_KERNEL", "numpy")
    assert tjsim.simulate(draws=1_000, seed=1).metadata["kernel"] == "numpy"
    monkeypatch.setenv("TJSIM_KERNEL", "numbaa")
    with pytest.raises(tjsim.ScenarioError, match=r"TJSIM_KERNEL.*did you mean 'numba'"):
        tjsim.simulate(draws=1_000, seed=1)
    assert tjsim.simulate(draws=1_000, seed=1, kernel="numpy").metadata["kernel"] == "numpy"


@requires_numba
def test_a_run_that_compiles_the_kernel_says_so_once(monkeypatch, calibration):
    import io

    from tjsim.engine.kernels import numba_kernel

    # In this process the kernel is compiled (or loaded from the cache) by a first run:
    # then it is not compiled again and nothing is said.
    tjsim.simulate(draws=1000, seed=1, kernel="numba", calibration=calibration)
    assert not numba_kernel.will_compile(numba_kernel._evaluate)
    stream = io.StringIO()
    monkeypatch.setattr(numba_kernel, "_announced", False)
    numba_kernel.announce_compilation(stream)
    assert stream.getvalue() == ""
    # When it would compile (no cache entry), one line, once per process.
    monkeypatch.setattr(numba_kernel, "will_compile", lambda dispatcher: True)
    numba_kernel.announce_compilation(stream)
    numba_kernel.announce_compilation(stream)
    assert stream.getvalue() == numba_kernel.COMPILING_NOTE + "\n"
    assert "compiling the simulation kernel once, a few seconds" in stream.getvalue()


@requires_numba
@pytest.mark.slow
def test_a_fresh_cache_is_detected(tmp_path):
    # A process whose numba cache folder is empty compiles, and says so on stderr;
    # the next process finds the cache and says nothing.
    code = "import tjsim; tjsim.simulate(draws=1000, seed=1, kernel='numba')"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    first = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert first.returncode == 0, first.stderr
    assert "compiling the simulation kernel once" in first.stderr
    second = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert second.returncode == 0, second.stderr
    assert "compiling" not in second.stderr


@pytest.mark.parametrize("kernel", KERNELS)
def test_met_draw_sums_are_kept_for_the_readings_in_force_only(calibration, kernel):
    result = tjsim.simulate(draws=5_000, seed=3, kernel=kernel, calibration=calibration)
    p, t = result.model.n_primary, len(result.model.targets)
    assert 0 < p < t  # the packaged calibration has readings not in force
    sums = result.accumulator.basis_met_sum
    assert not sums[p:t].any()
    assert sums[:p].any() and sums[t].any()
