"""Sweeps on the in-process and process-pool backends: a point is a plain simulation,
the numbers do not depend on how the work is cut or where it runs, and the toy
model's frontier matches its closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import tjsim
from paths import child_environment
from sweep_helpers import GRID, assert_a_killed_worker_changes_nothing, assert_identical
from tjsim.engine.backends import shared_pool
from tjsim.result import Z95
from tjsim.seeding import BLOCK_SIZE
from toy import Toy

TOY = Toy()


@pytest.fixture(scope="module")
def toy():
    return TOY.calibration()


@pytest.mark.parametrize("method", ["mc", "antithetic", "sobol"])
def test_a_sweep_point_equals_a_plain_simulate(toy, method):
    draws = 2 * BLOCK_SIZE + 64
    result = tjsim.sweep(None, GRID, draws=draws, seed=5, method=method, calibration=toy)
    frame = result.to_frame().set_index(["point", "target"])
    for point in range(len(result.grid)):
        scenario = result.grid.scenario(tjsim.baseline(calibration=toy), point)
        alone = tjsim.simulate(scenario, draws=draws, seed=5, method=method, calibration=toy)
        expected = pd.concat([alone.probabilities(), alone.joint().to_frame().T])
        columns = ["probability", "std_error", "ci_low", "ci_high"]
        got = frame.loc[point, columns]
        np.testing.assert_array_equal(got.to_numpy(), expected[columns].to_numpy(dtype=float))


def test_tianjin_points_with_every_kind_of_axis_equal_plain_simulations(calibration):
    grid = [
        {
            "drivers.exports.scale": 1.5,
            "parameters.property_impact_investment": -7.0,
            "events.property_slump.probability": probability,
        }
        for probability in (0.0, 0.5, 1.0)
    ]
    result = tjsim.sweep(None, grid, draws=BLOCK_SIZE + 10, seed=2, calibration=calibration)
    joint = result.joint()["probability"]
    for point in range(3):
        scenario = result.grid.scenario(tjsim.baseline(), point)
        alone = tjsim.simulate(scenario, draws=BLOCK_SIZE + 10, seed=2, calibration=calibration)
        assert joint[point] == alone.joint()["probability"]
        got = result.to_frame().query(f"point == {point} and target != 'joint'")
        np.testing.assert_array_equal(
            got["probability"].to_numpy(), alone.probabilities()["probability"].to_numpy()
        )


def test_numbers_do_not_depend_on_tasks_threads_or_workers(toy):
    draws = 3 * BLOCK_SIZE + 17
    base = tjsim.sweep(None, GRID, draws=draws, seed=9, calibration=toy, threads=1)
    runs = [
        tjsim.sweep(None, GRID, draws=draws, seed=9, calibration=toy, threads=2, blocks_per_task=1),
        tjsim.sweep(None, GRID, draws=draws, seed=9, calibration=toy, blocks_per_task=3),
        tjsim.sweep(None, GRID, draws=draws, seed=9, calibration=toy, workers=2),
    ]
    for other in runs:
        assert_identical(base, other)
    assert (runs[2].backend, runs[2].workers) == ("processes", 2)


def test_the_toy_frontier_matches_its_closed_form(toy):
    """P(y >= 4.5) = Phi((mu_y + beta_a s_a + beta_b s_b - 4.5) / sd_y): the 60% frontier
    is the line beta_a s_a + beta_b s_b = 4.5 - mu_y + sd_y z_0.6."""
    level, draws = 0.6, 16 * BLOCK_SIZE
    shifts_a = np.linspace(0.0, 1.5, 7)
    shifts_b = np.array([-0.5, 0.5])
    grid = {"drivers.a.shift": shifts_a, "drivers.b.shift": shifts_b}
    result = tjsim.sweep(None, grid, draws=draws, seed=2024, calibration=toy)
    frontier = result.frontier("y_high", level).set_index("drivers.b.shift")
    assert list(frontier.index) == list(shifts_b)
    z = norm.ppf(level)
    for s_b in shifts_b:
        exact = (TOY.threshold_y - TOY.mu_y + TOY.sd_y * z - TOY.beta_b * s_b) / TOY.beta_a
        # The same linear interpolation applied to the exact probabilities: the estimate
        # differs from it by Monte Carlo error alone.
        p = norm.sf(TOY.threshold_y, TOY.mu_y + TOY.beta_a * shifts_a + TOY.beta_b * s_b, TOY.sd_y)
        interpolated = np.interp(level, p, shifts_a)
        assert abs(interpolated - exact) < 0.01  # the grid's interpolation bias
        row = frontier.loc[s_b]
        assert row["low"] < interpolated < row["high"]
        assert abs(row["drivers.a.shift"] - interpolated) < 3 * row["std_error"]
        # The band's width is that of a probability estimated from `draws` draws, over
        # the slope of the probability at the crossing.
        slope = norm.pdf(z) * TOY.beta_a / TOY.sd_y
        expected = np.sqrt(level * (1 - level) / draws) / slope
        assert 0.7 * expected < row["std_error"] < 1.3 * expected
        assert row["high"] - row["low"] == pytest.approx(2 * Z95 * row["std_error"])
        assert row["slope"] == pytest.approx(slope, rel=0.1)


def test_paired_errors_match_the_exact_paired_error_of_kept_draws(toy):
    draws = 32 * BLOCK_SIZE
    grid = {"drivers.a.shift": [0.0, 0.25]}
    result = tjsim.sweep(None, grid, draws=draws, seed=4, calibration=toy)
    change = result.differences("y_high").iloc[0]
    flags = []
    for point in range(2):
        scenario = result.grid.scenario(tjsim.baseline(calibration=toy), point)
        kept = tjsim.simulate(scenario, draws=draws, seed=4, keep_draws=True, calibration=toy)
        flags.append(kept.kept_draws["y"].to_numpy() >= TOY.threshold_y)
    difference = flags[1].astype(float) - flags[0]
    exact = difference.std(ddof=1) / np.sqrt(draws)
    assert change["change"] == pytest.approx(difference.mean(), abs=1e-12)
    assert 0.7 * exact < change["std_error"] < 1.3 * exact
    assert change["std_error"] < 0.5 * change["independent_se"]  # what pairing buys


def test_joint_and_tidy_frames(toy):
    result = tjsim.sweep(None, GRID, draws=4_000, seed=1, calibration=toy)
    frame = result.to_frame()
    assert len(frame) == 6 * 4
    assert list(frame.columns) == [
        "point",
        "drivers.a.shift",
        "drivers.b.shift",
        "target",
        "probability",
        "std_error",
        "ci_low",
        "ci_high",
    ]
    joint = result.joint()
    assert list(joint.index) == list(range(6))
    np.testing.assert_array_equal(joint["probability"], result.probability("joint").ravel())
    assert result.probability("y_high").shape == (3, 2)
    assert (frame["ci_low"] <= frame["probability"]).all()
    assert result.metadata["points"] == 6
    assert "3 x 2 points" in repr(result)


def test_figures_for_one_and_two_axes(toy):
    two = tjsim.sweep(None, GRID, draws=8_000, seed=1, calibration=toy)
    ax = two.plot("y_high", probability=0.5)
    assert ax.collections  # the heatmap, the contours, the frontier's band
    assert any(line.get_label().startswith("P = 50%") for line in ax.get_lines())
    one = tjsim.sweep(
        None, {"drivers.a.shift": [-1, 0, 1, 2]}, draws=8_000, seed=1, calibration=toy
    )
    ax = one.plot("y_high", probability=0.5)
    assert len(ax.get_lines()) >= 2
    listed = tjsim.sweep(
        None, [{"drivers.a.shift": 0.0}, {"drivers.a.shift": 1.0}], draws=100, calibration=toy
    )
    with pytest.raises(tjsim.ScenarioError, match="product grid"):
        listed.plot()


def test_progress_hears_every_draw_and_point(toy):
    heard = []
    tjsim.sweep(
        None,
        GRID,
        draws=BLOCK_SIZE + 5,
        calibration=toy,
        progress=lambda d, p: heard.append((d, p)),
    )
    assert sum(d for d, _ in heard) == 6 * (BLOCK_SIZE + 5)
    assert sum(p for _, p in heard) == 6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"blocks_per_task": 0}, "blocks_per_task"),
        ({"backend": "daks"}, "did you mean 'dask'"),
        ({"workers": 0}, "workers"),
        ({"draws": 0}, "draws"),
    ],
)
def test_bad_sweep_arguments_are_clear_errors(toy, kwargs, match):
    with pytest.raises(tjsim.ScenarioError, match=match):
        tjsim.sweep(None, GRID, calibration=toy, **{"draws": 100, **kwargs})


def test_the_dask_backend_without_a_client_is_a_clear_error(toy):
    with pytest.raises(tjsim.TjsimError, match=r"distributed\.Client|tjsim\[dask\]"):
        tjsim.sweep(None, GRID, draws=100, calibration=toy, backend="dask")


def test_bad_frontier_arguments_and_a_bad_point(toy):
    result = tjsim.sweep(None, GRID, draws=1_000, calibration=toy)
    with pytest.raises(tjsim.ScenarioError, match="strictly between"):
        result.frontier("y_high", 1.5)
    with pytest.raises(tjsim.ScenarioError, match="did you mean 'y_high'"):
        result.frontier("y_hihg", 0.5)
    with pytest.raises(tjsim.ScenarioError, match=r"did you mean 'drivers\.b\.shift'"):
        result.differences("y_high", axis="drivers.b.shfit")
    with pytest.raises(tjsim.ScenarioError, match=r"at grid point 1 \(parameters.sd_a=-1\)"):
        tjsim.sweep(None, {"parameters.sd_a": [1.0, -1.0]}, draws=100, calibration=toy)


# ---------------------------------------------------------------------- the process pool
def test_the_process_pool_persists_across_runs_and_points(toy):
    before = shared_pool(2).pids()
    tjsim.simulate(draws=BLOCK_SIZE, seed=1, calibration=toy, workers=2)
    tjsim.sweep(None, GRID, draws=BLOCK_SIZE, seed=1, calibration=toy, workers=2)
    assert shared_pool(2).pids() == before


@pytest.mark.slow
def test_a_killed_worker_process_gives_identical_numbers(toy):
    pool = shared_pool(2)
    victim = pool.pids()[0]
    assert_a_killed_worker_changes_nothing(toy, victim, workers=2)
    assert victim not in pool.pids()


def _toy_job(toy, blocks: int, summary=None):
    """A job of one run of the toy model, ``blocks`` tasks of one block each (numpy
    kernel, mc, seed 2), whose tasks' accumulators pass through ``summary``."""
    from tjsim.engine.backends import Job, chunk_plan, plan_tasks
    from tjsim.model import compile_model
    from tjsim.seeding import as_seed_sequence, plan_blocks

    model = compile_model(toy)
    chunks = chunk_plan(plan_blocks("mc", blocks * BLOCK_SIZE), BLOCK_SIZE)
    return Job(
        lambda _: model, plan_tasks(1, chunks), "numpy", "mc", as_seed_sequence(2), summary=summary
    )


def test_a_worker_lost_while_holding_finished_tasks_changes_nothing(toy, tmp_path):
    # A worker holds the accumulator of the tasks it has finished until the pool asks for
    # it; this one dies when asked, so its finished tasks are evaluated again elsewhere.
    from functools import partial

    from sweep_helpers import die_once
    from tjsim.engine.backends import LocalBackend, merge_outputs

    ((_, expected, _),) = merge_outputs(LocalBackend(), _toy_job(toy, 6))
    pool = shared_pool(2)
    outputs = list(pool.run(_toy_job(toy, 6)))
    sent = sum(output.totals is not None for _, output in outputs)
    assert len(outputs) == 6 and 1 <= sent <= 2  # an accumulator a worker, not one a task
    before = pool.pids()
    marker = tmp_path / "died"
    ((_, again, _),) = merge_outputs(pool, _toy_job(toy, 6, partial(die_once, str(marker))))
    assert marker.exists() and len(set(before) - set(pool.pids())) == 1
    assert again.draws == expected.draws
    for name in ("met", "both", "count_met", "histogram", "basis_met_sum", "minimum"):
        np.testing.assert_array_equal(getattr(again, name), getattr(expected, name), name)


@pytest.mark.slow
def test_a_worker_that_always_dies_sending_its_results_back_is_given_up(toy):
    # Its tasks are retried a few times, then the job fails with the advice; it must not
    # start workers without end.
    from sweep_helpers import die_always
    from tjsim.engine.backends import ProcessPool, merge_outputs
    from tjsim.engine.backends.processes import RETRIES, WorkerLost

    pool = ProcessPool(1)
    try:
        with pytest.raises(WorkerLost, match=f"died {RETRIES + 1} times"):
            list(merge_outputs(pool, _toy_job(toy, 2, die_always)))
    finally:
        pool.close()


@pytest.mark.slow
def test_an_interrupted_sweep_stops_and_the_pool_still_works(toy):
    def interrupt(draws, points):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tjsim.sweep(
            None, GRID, draws=4 * BLOCK_SIZE, calibration=toy, workers=2, progress=interrupt
        )
    expected = tjsim.sweep(None, GRID, draws=BLOCK_SIZE, seed=8, calibration=toy, threads=1)
    again = tjsim.sweep(None, GRID, draws=BLOCK_SIZE, seed=8, calibration=toy, workers=2)
    assert_identical(expected, again)


def test_simulate_on_the_pool_equals_in_process(calibration):
    draws = 2 * BLOCK_SIZE + 3
    one = tjsim.simulate(draws=draws, seed=6, calibration=calibration, threads=1)
    pooled = tjsim.simulate(
        draws=draws, seed=6, calibration=calibration, backend="processes", workers=2, chunk_size=1
    )
    pd.testing.assert_frame_equal(one.to_frame(), pooled.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(one.shock_means(), pooled.shock_means(), check_exact=True)
    with pytest.raises(tjsim.ScenarioError, match="in-process"):
        tjsim.simulate(draws=100, calibration=calibration, workers=2, keep_draws=True)


@pytest.mark.parametrize("guarded", [False, True])
@pytest.mark.slow
def test_a_script_without_the_main_guard_is_stopped_at_once(tmp_path, guarded):
    # Worker processes import the script that starts them: an unguarded top-level
    # sweep once ran again in every worker, with hundreds of lines of tracebacks.
    import subprocess
    import sys

    call = 'tjsim.sweep(None, "investment_exports", draws=1_000, seed=1, workers=2)'
    body = f"    print(len({call}.to_frame()))\n"
    script = tmp_path / "script.py"
    script.write_text(
        "import tjsim\n"
        + ('if __name__ == "__main__":\n' + body if guarded else body.strip() + "\n"),
        encoding="utf-8",
    )
    env = child_environment()
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=env
    )
    if guarded:
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.strip()) > 0
    else:
        assert done.returncode == 1
        assert 'if __name__ == "__main__":' in done.stderr
        assert len(done.stderr.splitlines()) < 20  # one traceback, not one per worker


@pytest.mark.slow
def test_python_dash_m_tjsim_runs_worker_processes(tmp_path):
    # A package's __main__.py is not re-run by worker processes: no guard is needed.
    import subprocess
    import sys

    env = child_environment()
    argv = ["sweep", "--grid", "investment_exports", "--draws", "1000", "--workers", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "tjsim", *argv, "--quiet", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr


def test_frontier_defaults_point_at_a_crossing_and_name_lines_that_never_cross(calibration):
    grid = {"drivers.investment.shift": [-4, 0, 4], "drivers.exports.shift": [-4, 4]}
    result = tjsim.sweep(None, grid, draws=4000, seed=5, calibration=calibration)
    p = result.probability(result.targets[0])
    frontier = result.frontier()  # the first target, at a level the grid crosses
    assert frontier.attrs["target"] == result.targets[0] != "joint"
    level = frontier.attrs["probability"]
    assert level == result.default_level()
    assert p.min() < level < p.max() and not frontier.empty
    if p.min() <= 0.5 <= p.max():
        assert level == 0.5
    else:
        assert round(level * 20, 6) == round(level * 20)  # a multiple of 5%
    # a level only some lines cross: the others are named
    by_line = {x: p[:, k] for k, x in enumerate([-4, 4])}
    level = (max(by_line[-4].max(), by_line[4].min()) + by_line[4].max()) / 2
    assert by_line[-4].max() < level < by_line[4].max()
    partial = result.frontier(result.targets[0], level)
    assert list(partial["drivers.exports.shift"]) == [4]
    assert partial.attrs["never"] == [{"drivers.exports.shift": -4}]
    assert result.frontier(result.targets[0], 0.999).attrs["never"] == [
        {"drivers.exports.shift": -4},
        {"drivers.exports.shift": 4},
    ]
