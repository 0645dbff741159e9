"""The Dask backend on a real ``distributed.LocalCluster`` (two worker processes, one
thread each), shared by the module: the same numbers as in-process, bit for bit, also
when a worker is killed mid-sweep; an interrupted sweep leaves nothing running."""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import pandas as pd
import pytest

import tjsim
from paths import ROOT
from sweep_helpers import GRID, assert_a_killed_worker_changes_nothing, assert_identical
from tjsim.cli import main
from tjsim.seeding import BLOCK_SIZE
from toy import Toy

distributed = pytest.importorskip(
    "distributed",
    reason='the Dask backend needs dask and distributed: pip install -e ".[dev]" (or "tjsim[dask]")',
)

SCENARIO_DIR = ROOT / "scenarios"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def toy():
    return Toy().calibration()


def _no_tjsim_tasks(client, wait: float = 10.0) -> bool:
    """Whether the scheduler forgets every tjsim task within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        keys = client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.tasks))
        if not any(str(key).startswith("tjsim-") for key in keys):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("method", ["mc", "sobol"])
@pytest.mark.slow
def test_a_sweep_on_dask_equals_in_process(client, toy, method):
    draws = 3 * BLOCK_SIZE + 11
    local = tjsim.sweep(None, GRID, draws=draws, seed=4, method=method, calibration=toy, threads=1)
    on_dask = tjsim.sweep(
        None, GRID, draws=draws, seed=4, method=method, calibration=toy, backend=client
    )
    assert_identical(local, on_dask)
    assert (on_dask.backend, on_dask.workers) == ("dask", 2)
    by_name = tjsim.sweep(
        None,
        GRID,
        draws=draws,
        seed=4,
        method=method,
        calibration=toy,
        backend="dask",
        blocks_per_task=1,
    )
    assert_identical(local, by_name)


@pytest.mark.slow
def test_simulate_on_dask_equals_in_process(client, calibration):
    draws = 3 * BLOCK_SIZE + 5
    local = tjsim.simulate(draws=draws, seed=12, calibration=calibration, threads=1)
    on_dask = tjsim.simulate(
        draws=draws, seed=12, calibration=calibration, backend=client, chunk_size=1
    )
    for name in ("probabilities", "to_frame", "shock_means", "count_met", "conditional"):
        pd.testing.assert_frame_equal(
            getattr(local, name)(), getattr(on_dask, name)(), check_exact=True
        )
    assert on_dask.metadata["workers"] == 2


@pytest.mark.slow
def test_a_killed_worker_mid_sweep_gives_identical_numbers(client, toy):
    victim = next(iter(client.run(os.getpid).values()))
    assert_a_killed_worker_changes_nothing(toy, victim, backend=client)
    client.wait_for_workers(2, timeout=60)


@pytest.mark.slow
def test_an_interrupted_sweep_cancels_its_tasks(client, toy):
    def interrupt(draws, points):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tjsim.sweep(
            None,
            GRID,
            draws=8 * BLOCK_SIZE,
            calibration=toy,
            backend=client,
            blocks_per_task=1,
            progress=interrupt,
        )
    assert _no_tjsim_tasks(client)


@pytest.mark.slow
def test_the_cli_sweeps_on_a_scheduler_address(client, tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("axes: {drivers.investment.shift: [-1, 1]}\n", encoding="utf-8")
    out = tmp_path / "out"
    address = client.scheduler.address
    code = main(
        [
            "sweep",
            str(SCENARIO_DIR / "baseline.yaml"),
            "--grid",
            str(grid),
            "--out",
            str(out),
            "--draws",
            "5000",
            "--seed",
            "3",
            "--scheduler",
            address,
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    local = tjsim.sweep(SCENARIO_DIR / "baseline.yaml", grid, draws=5000, seed=3, threads=1)
    written = pd.read_csv(out / "sweep.csv")
    np.testing.assert_array_equal(written["probability"], local.to_frame()["probability"])


def test_without_distributed_the_error_says_how_to_install(monkeypatch):
    from tjsim.engine.backends.dask_backend import import_distributed

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(tjsim.TjsimError, match=r'pip install "tjsim\[dask\]"'):
        import_distributed()


@pytest.mark.parametrize(
    "address, words",
    [
        ("garbage", "missing port"),
        ("inproc://x", "expected an address such as tcp://host:8786"),
    ],
)
def test_a_scheduler_address_that_is_not_one_is_a_clear_error(capsys, address, words):
    code = main(["sweep", "--grid", "investment_exports", "--draws", "500", "--scheduler", address])
    err = capsys.readouterr().err
    assert code == 2 and words in err and "internal error" not in err


def test_a_service_that_never_answers_is_refused_within_the_timeout(monkeypatch):
    # A TCP service that accepts and says nothing (not a scheduler) once hung the
    # command line for minutes; the handshake is bounded. Loopback only.
    import socket
    import threading

    from tjsim.engine.backends import dask_backend

    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 2.0)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    accepted = []

    def accept() -> None:
        for _ in range(4):
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    began = time.monotonic()
    try:
        with pytest.raises(tjsim.TjsimError, match="no answer from a Dask scheduler"):
            dask_backend.DaskBackend(address=f"tcp://127.0.0.1:{server.getsockname()[1]}")
    finally:
        server.close()
        for connection in accepted:
            connection.close()
    assert time.monotonic() - began < 20


def test_common_draws_on_dask_equal_in_process(client, toy):
    import pickle

    from tjsim import analysis
    from tjsim.engine import CommonDraws, resolve_settings

    scenario = tjsim.baseline(toy)

    def draws(**where):
        settings = resolve_settings(scenario, draws=5_000, seed=3, least_draws=2, **where)
        return CommonDraws(toy, scenario, settings)

    local, on_dask = draws(threads=1), draws(backend=client, chunk_size=1)
    assert on_dask.settings.backend == "dask"
    drivers = ["a", "mu_y", "beta_a", "sd_e"]
    pd.testing.assert_frame_equal(
        analysis.sensitivity_table(local, drivers),
        analysis.sensitivity_table(on_dask, drivers),
        check_exact=True,
    )
    for driver, bounds in (("a", None), ("sd_e", (-0.3, 1.5))):
        assert (
            analysis.required_shift(on_dask, "y_high", driver, 0.4, bounds).to_dict()
            == analysis.required_shift(local, "y_high", driver, 0.4, bounds).to_dict()
        )
    result = tjsim.simulate(draws=2_000, seed=3, calibration=toy, backend=client)
    back = pickle.loads(pickle.dumps(result))  # the client stays behind
    assert back.settings.backend == "dask" and back.calibration.name == toy.name
