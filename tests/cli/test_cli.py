"""The ``tjsim`` command line, in-process (``main(argv)``) and once as a subprocess."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tjsim
import tjsim.cli.common
from paths import ROOT, child_environment
from tjsim import cli
from tjsim.analysis import ComparisonResult, PairedRun, comparison_table, kept_met_flags
from tjsim.cli import main
from tjsim.cli.main import build_parser
from tjsim.cli.progress import ProgressBar, progress_bar
from tjsim.report.folder import MARKER
from tjsim.result import paired_standard_error

SCENARIO_DIR = ROOT / "scenarios"
BASELINE = str(SCENARIO_DIR / "baseline.yaml")
FAST = ["--draws", "20000"]


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------- help and version
@pytest.mark.parametrize("command", ["run", "compare", "validate", "facts", "targets"])
def test_every_command_has_help_with_examples(capsys, command):
    code, out, _ = _run(capsys, command, "--help")
    assert code == 0
    assert "example" in out
    assert f"tjsim {command}" in out


def test_main_help_and_version(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    assert "examples:" in out
    code, out, _ = _run(capsys, "--version")
    assert (code, out.strip()) == (0, f"tjsim {tjsim.__version__}")


@pytest.mark.parametrize(
    "argv",
    [[], ["fly"], ["run", BASELINE, "--method", "quasi"], ["run", BASELINE, "--draws", "many"]],
    ids=["no command", "unknown command", "bad method", "bad draws"],
)
def test_usage_errors_exit_2_without_traceback(capsys, argv):
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "usage:" in err
    assert "Traceback" not in err


def test_parser_choices_match_the_core():
    from tjsim.calibration import FACT_KINDS
    from tjsim.scenario import METHODS
    from tjsim.seeding import RNG, STREAMS

    assert cli.common.METHODS == METHODS
    assert cli.common.STREAMS == tuple(STREAMS)
    assert cli.common.STREAMS[0] == RNG  # the default, which --stream's help names
    assert cli.common.FACT_KINDS == (*FACT_KINDS, "derived")


def test_the_command_line_starts_without_numpy():
    code = "import sys, tjsim.cli; tjsim.cli.build_parser(); print('numpy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child_environment()
    )
    assert done.stdout.strip() == "False", done.stderr


# ---------------------------------------------------------------------- run
def test_run_prints_every_target_and_the_joint(capsys):
    code, out, err = _run(capsys, "run", BASELINE, *FAST, "--seed", "3")
    assert (code, err) == (0, "")
    assert "20,000 draws, method mc, seed 3" in out
    for target in tjsim.targets().index:
        assert target in out
    assert "all targets (joint)" in out
    assert "95% interval" in out


def test_run_uses_the_file_settings_and_options_override_them(capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nsimulation: {draws: 20000, seed: 9, method: antithetic}\n")
    _, out, _ = _run(capsys, "run", str(path))
    assert "20,000 draws, method antithetic, seed 9" in out
    _, out, _ = _run(capsys, "run", str(path), "--seed", "4", "--method", "mc")
    assert "20,000 draws, method mc, seed 4" in out


def test_run_without_a_file_runs_the_baseline(capsys):
    code, out, _ = _run(capsys, "run", *FAST)
    assert code == 0
    assert "scenario 'baseline'" in out


def test_every_route_to_the_baseline_gives_the_same_numbers(capsys):
    # no file = the bundled baseline scenario with its own seed (2024)
    _, plain, _ = _run(capsys, "run", *FAST)
    _, named, _ = _run(capsys, "run", "baseline", *FAST)
    _, filed, _ = _run(capsys, "run", BASELINE, *FAST)
    assert "seed 2024" in plain
    assert plain == named == filed
    args = build_parser().parse_args(
        ["require", "--target", "gdp_growth", "--driver", "investment"]
    )
    scenario = tjsim.cli.common.read_scenario(args, tjsim.load_calibration())
    assert (scenario.simulation.draws, scenario.simulation.seed) == (200_000, 2024)


def test_a_fresh_seed_is_short_and_reproduces_the_run(capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\n")
    _, out, _ = _run(capsys, "run", str(path), "--draws", "2000")
    seed = re.search(r"seed (\d+)", out).group(1)
    assert len(seed) <= 19
    _, again, _ = _run(capsys, "run", str(path), "--draws", "2000", "--seed", seed)
    assert again == out


def test_run_quiet_prints_nothing(capsys):
    assert _run(capsys, "run", BASELINE, *FAST, "--quiet") == (0, "", "")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--draws", "0"], "draws"),
        (["--seed", "-1"], "seed"),
        (["--method", "antithetic", "--draws", "20001"], "even number"),
    ],
)
def test_bad_run_options_exit_2(capsys, argv, words):
    code, _, err = _run(capsys, "run", BASELINE, *argv)
    assert code == 2
    assert err.startswith("tjsim: error:")
    assert words in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_run_out_writes_tables_and_figures(capsys, tmp_path):
    out = tmp_path / "results" / "baseline"
    code, stdout, _ = _run(capsys, "run", BASELINE, *FAST, "--out", str(out))
    assert code == 0
    assert f"wrote {out}" in stdout
    names = {p.name for p in out.iterdir()}
    assert names >= {
        MARKER,
        "headline.csv",
        "headline_counts.csv",
        "probabilities.csv",
        "summary.csv",
        "indicators.csv",
        "count_met.csv",
        "conditional.csv",
        "result.json",
        "scenario.yaml",
        "probabilities.png",
        "distribution_gdp_growth.png",
        "distribution_container_throughput.png",
    }
    indicators = set(tjsim.targets()["indicator"])
    assert {n for n in names if n.startswith("distribution_")} == {
        f"distribution_{i}.png" for i in indicators
    }
    assert (out / "probabilities.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads((out / "result.json").read_text("utf-8"))
    assert document["metadata"]["draws"] == 20_000
    assert document["metadata"]["seed"] == 2024
    assert set(document) >= {"probabilities", "summary", "count_met", "conditional", "indicators"}
    assert "joint" in document["probabilities"]
    headline = pd.read_csv(out / "headline.csv", index_col="target")
    assert list(headline.index[-2:]) == ["joint", "at_least_7"] and len(headline) == 10
    assert set(document["headline"]) == set(headline.index)
    counts = pd.read_csv(out / "headline_counts.csv", index_col="headline_met")
    assert counts.loc[8, "probability"] == headline.loc["joint", "probability"]
    # the printout leads with the headline goals
    assert stdout.index("headline goals") < stdout.index("All sixteen targets")
    assert tjsim.load_scenario(out / "scenario.yaml").name == "baseline"
    assert [p.name for p in out.parent.iterdir()] == ["baseline"]  # no staging left behind


def test_run_out_replaces_an_earlier_output_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    assert _run(capsys, "run", BASELINE, *FAST, "--seed", "1", "--out", str(out))[0] == 0
    (out / "stale.txt").write_text("from an older run")  # one tjsim wrote, says the marker
    with (out / MARKER).open("a", encoding="utf-8") as marker:
        marker.write("wrote: stale.txt\n")
    assert _run(capsys, "run", BASELINE, *FAST, "--seed", "2", "--out", str(out))[0] == 0
    assert not (out / "stale.txt").exists()
    assert json.loads((out / "meta.json").read_text())["seed"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_run_out_fills_an_empty_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    out = tmp_path / "out"
    out.mkdir()
    assert _run(capsys, "run", BASELINE, *FAST, "--out", str(out))[0] == 0
    assert (out / "meta.json").exists()


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_run_out_refuses_a_path_tjsim_did_not_write(capsys, tmp_path, kind):
    out = tmp_path / "mine"
    if kind == "folder":
        out.mkdir()
        (out / "thesis.tex").write_text("precious")
    else:
        out.write_text("precious")
    code, _, err = _run(capsys, "run", BASELINE, *FAST, "--out", str(out))
    assert code == 2
    assert str(out) in err
    assert "choose another --out" in err
    assert len(list(tmp_path.iterdir())) == 1
    if kind == "folder":
        assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_a_failure_while_writing_leaves_nothing_half_written(capsys, tmp_path, monkeypatch):
    def broken(result, folder):
        (folder / "probabilities.csv").write_text("half")
        raise RuntimeError("disk on fire")

    out = tmp_path / "out"
    monkeypatch.setattr("tjsim.report.files.write_run", broken)
    code, _, err = _run(capsys, "run", BASELINE, *FAST, "--out", str(out))
    assert code == 1
    assert "internal error: RuntimeError: disk on fire" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []

    monkeypatch.setattr("tjsim.report.files.write_run", _tiny_writer)
    assert _run(capsys, "run", BASELINE, *FAST, "--out", str(out))[0] == 0
    monkeypatch.setattr("tjsim.report.files.write_run", broken)
    assert _run(capsys, "run", BASELINE, *FAST, "--out", str(out))[0] == 1
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "meta.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def _tiny_writer(result, folder: Path) -> None:
    (folder / "meta.json").write_text(json.dumps(result.metadata))


# ---------------------------------------------------------------------- internal errors
def test_internal_errors_exit_1_and_debug_shows_them(capsys, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("tjsim.engine.simulate", boom)
    code, _, err = _run(capsys, "run", BASELINE)
    assert code == 1
    assert "internal error: RuntimeError: unexpected" in err
    assert "--debug" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError, match="unexpected"):
        main(["run", BASELINE, "--debug"])


# ---------------------------------------------------------------------- malformed files
MALFORMED = {
    "empty": ("", None),
    "only a comment": ("# nothing here\n", None),
    "a list": ("- name: x\n", None),
    "a string": ("just words\n", None),
    "bad syntax": ("name: x\n  drivers: : [\n", None),
    "duplicate key": ("name: x\nname: y\n", None),
    "python tag": ('name: !!python/object/apply:os.system ["touch {marker}"]\n', None),
    "python name tag": ("name: !!python/name:os.system\n", None),
    "no name": ("description: nameless\n", "name"),
    "unknown key": ("name: x\ndriver: {investment: {shift: 1}}\n", "driver"),
    "unknown driver": ("name: x\ndrivers: {investmnt: {shift: 1}}\n", "drivers.investmnt"),
    "unknown driver key": ("name: x\ndrivers: {cpi: {shfit: 1}}\n", "drivers.cpi.shfit"),
    "shift not a number": ("name: x\ndrivers: {cpi: {shift: high}}\n", "drivers.cpi.shift"),
    "zero scale": ("name: x\ndrivers: {cpi: {scale: 0}}\n", "drivers.cpi.scale"),
    "unknown distribution": (
        "name: x\ndrivers: {cpi: {distribution: normall}}\n",
        "drivers.cpi.distribution",
    ),
    "no shock to scale": ("name: x\ndrivers: {gdp_growth: {scale: 2}}\n", "drivers.gdp_growth"),
    "probability above 1": (
        "name: x\nevents: [{name: flood_repeat, probability: 2}]\n",
        "events.flood_repeat.probability",
    ),
    "impact on unknown variable": (
        "name: x\nevents: [{name: riot, probability: 0.1, impact: {gdp: -1}}]\n",
        "events.riot.impact.gdp",
    ),
    "new event without impact": (
        "name: x\nevents: [{name: riot, probability: 0.1}]\n",
        "events.riot",
    ),
    "events not a list": ("name: x\nevents: {flood_repeat: 1}\n", "events"),
    "unknown parameter": ("name: x\nparameters: {flood_prob: 0.1}\n", "parameters.flood_prob"),
    "unknown target": ("name: x\ntargets: {gdp: null}\n", "targets.gdp"),
    "unknown indicator": (
        "name: x\ntargets: {t: {indicator: gdp, op: '>=', threshold: 1}}\n",
        "targets.t.indicator",
    ),
    "bad op": ("name: x\ntargets: {cpi: {op: '=='}}\n", "targets.cpi.op"),
    "correlation out of range": (
        "name: x\ncorrelations: [[investment, exports, 1.2]]\n",
        "correlations[0]",
    ),
    "correlation unknown name": (
        "name: x\ncorrelations: [[investment, export, 0.2]]\n",
        "correlations.export.investment",
    ),
    "zero draws": ("name: x\nsimulation: {draws: 0}\n", "simulation.draws"),
    "fractional draws": ("name: x\nsimulation: {draws: 1000.5}\n", "simulation.draws"),
    "negative seed": ("name: x\nsimulation: {seed: -5}\n", "simulation.seed"),
    "string seed": ("name: x\nsimulation: {seed: lucky}\n", "simulation.seed"),
    "unknown method": ("name: x\nsimulation: {method: montecarlo}\n", "simulation.method"),
    "missing extends": ("name: x\nextends: nowhere.yaml\n", "extends"),
    "circular extends": ("name: x\nextends: bad.yaml\n", "extends"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_exit_2_and_write_nothing(capsys, tmp_path, case):
    text, key = MALFORMED[case]
    marker = tmp_path / "executed"
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("{marker}", str(marker)), encoding="utf-8")
    out = tmp_path / "results" / "out"
    code, stdout, err = _run(capsys, "run", str(path), *FAST, "--out", str(out))
    assert code == 2
    assert stdout == ""
    assert err.startswith(f"tjsim: error: {path}: ")
    if key is not None:
        assert err.startswith(f"tjsim: error: {path}: {key}: ")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "results").exists()
    assert not marker.exists()


@pytest.mark.parametrize(
    ("setup", "words"),
    [("missing", "file not found"), ("folder", "directory"), ("latin-1", "UTF-8")],
)
def test_unreadable_files_exit_2(capsys, tmp_path, setup, words):
    path = tmp_path / "s.yaml"
    if setup == "folder":
        path.mkdir()
    elif setup == "latin-1":
        path.write_bytes("name: Tianjin café\n".encode("latin-1"))
    code, _, err = _run(capsys, "validate", str(path))
    assert code == 2
    assert err.startswith(f"{path}: ")
    assert words in err


# ---------------------------------------------------------------------- validate
def test_validate_reports_one_line_per_file(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ndrivers: {investmnt: {shift: 1}}\n")
    good = sorted(str(p) for p in SCENARIO_DIR.glob("*.yaml"))
    code, out, err = _run(capsys, "validate", *good, str(bad))
    assert code == 2
    assert out.splitlines() == [f"{p}: ok (scenario '{Path(p).stem}')" for p in good]
    assert err.splitlines() == [
        f"{bad}: drivers.investmnt: unknown driver 'investmnt' (did you mean 'investment'?)"
    ]
    assert _run(capsys, "validate", *good)[0] == 0


# ---------------------------------------------------------------------- compare
@pytest.mark.slow
def test_compare_shows_changes_and_their_significance(capsys):
    files = [BASELINE, str(SCENARIO_DIR / "price_shock.yaml")]
    code, out, _ = _run(capsys, "compare", *files, *FAST)
    assert code == 0
    assert "20,000 draws each, method mc, seed 2024 (common random numbers)" in out
    cpi = next(line for line in out.splitlines() if line.startswith("cpi "))
    assert cpi.rstrip().endswith("*")
    assert "-" in cpi.split("%")[2]
    jobs = next(line for line in out.splitlines() if line.startswith("urban_jobs "))
    assert "+0.0" in jobs
    assert not jobs.rstrip().endswith("*")
    assert "paired standard error" in out


def test_compare_needs_two_files(capsys):
    code, _, err = _run(capsys, "compare", BASELINE)
    assert code == 2
    assert "at least two" in err


def test_compare_is_reproducible_without_a_seed(capsys):
    files = [BASELINE, str(SCENARIO_DIR / "flood_repeat.yaml")]
    first = _run(capsys, "compare", *files, *FAST)
    assert first == _run(capsys, "compare", *files, *FAST)


def test_compare_marks_targets_the_reference_lacks(capsys):
    files = [BASELINE, str(SCENARIO_DIR / "consumption_push.yaml")]
    _, out, _ = _run(capsys, "compare", *files, *FAST)
    line = next(x for x in out.splitlines() if x.startswith("retail_sales_2023_pace"))
    cells = line.split()
    assert (cells[1], cells[-1]) == ("-", "new")
    assert cells[2].endswith("%")


def test_compare_out_writes_tables_and_a_figure(capsys, tmp_path):
    out = tmp_path / "cmp"
    files = [BASELINE, str(SCENARIO_DIR / "export_tariffs.yaml")]
    code, _, _ = _run(capsys, "compare", *files, *FAST, "--out", str(out), "--quiet")
    assert code == 0
    assert {p.name for p in out.iterdir()} == {
        MARKER,
        "comparison.csv",
        "comparison.txt",
        "comparison.json",
        "comparison.png",
        "changes.png",
        "report.html",
    }
    document = json.loads((out / "comparison.json").read_text("utf-8"))
    assert document["settings"] == {
        "draws": 20_000,
        "seed": 2024,
        "method": "mc",
        "error": "paired",
    }
    rows = {
        (r["target"], r["scenario"]): r
        for r in document["comparison"]
        if r["target"] == "container_throughput"
    }
    assert rows[("container_throughput", "export_tariffs")]["change"] < 0
    assert rows[("container_throughput", "export_tariffs")]["significant"]
    assert rows[("container_throughput", "export_tariffs")]["error"] == "paired"
    assert "common random numbers" in (out / "comparison.txt").read_text("utf-8")


def _paired_runs(seed: int, method: str, draws: int, calibration) -> np.ndarray:
    """Per-draw differences of met flags: retail sales half a point higher vs baseline."""
    common = {"draws": draws, "seed": seed, "method": method, "keep_draws": True}
    base = tjsim.simulate(tjsim.baseline(), calibration=calibration, **common)
    push = tjsim.baseline().with_shift("retail_sales", 0.5)
    other = tjsim.simulate(push, calibration=calibration, **common)
    return kept_met_flags(other).astype(np.int8) - kept_met_flags(base).astype(np.int8)


def test_paired_error_is_below_the_independent_one_for_mc(calibration):
    difference = _paired_runs(5, "mc", 40_000, calibration)
    paired = paired_standard_error(difference, "mc")
    base = tjsim.simulate(tjsim.baseline(), calibration=calibration, draws=40_000, seed=5)
    p = base.probabilities().loc["retail_sales", "probability"]  # about the same in both runs
    independent = np.sqrt(2 * p * (1 - p) / 40_000)
    assert 0 < paired[4] < independent / 2


def test_compare_falls_back_to_independent_errors_without_draws(calibration):
    scenarios = [tjsim.baseline(), tjsim.baseline().with_shift("cpi", 1.5)]
    results = [tjsim.simulate(s, draws=20_000, seed=1, calibration=calibration) for s in scenarios]
    runs = [PairedRun(r, None) for r in results]
    row = comparison_table(runs, "mc").loc[("cpi", 1)]
    errors = [r.probabilities().loc["cpi", "std_error"] for r in results]
    assert row["error"] == "independent"
    assert row["change_se"] == pytest.approx(np.hypot(*errors))
    assert row["significant"]
    comparison = ComparisonResult(tuple(results), comparison_table(runs, "mc"))
    assert comparison.error == "independent"
    assert "ignores the correlation" in str(comparison)


@pytest.mark.parametrize("method", ["antithetic", "sobol"])
def test_paired_error_matches_the_spread_over_seeds(calibration, method):
    runs = [_paired_runs(seed, method, 4096, calibration) for seed in range(8)]
    changes = np.array([d.mean(axis=0) for d in runs])
    estimated = np.array([paired_standard_error(d, method) for d in runs]).mean(axis=0)
    for column in (0, 4):  # GDP, retail sales
        ratio = changes[:, column].std(ddof=1) / estimated[column]
        assert 0.5 < ratio < 2.0, (column, ratio)  # 8 seeds: a loose check


def test_kept_met_flags_agree_with_the_engine():
    result = tjsim.simulate(
        tjsim.baseline().with_target("jobs", indicator="urban_jobs", op="<", threshold=36.0),
        draws=20_000,
        seed=2,
        keep_draws=True,
    )
    flags = kept_met_flags(result)
    targets = len(result.model.primary_targets)
    assert flags.shape[1] == targets + 2  # each target, all headline goals, all targets
    np.testing.assert_allclose(
        flags[:, :targets].mean(axis=0), result.probabilities()["probability"]
    )
    assert flags[:, targets].mean() == result.headline().loc["joint", "probability"]
    assert flags[:, -1].mean() == pytest.approx(result.joint()["probability"])
    # a comparison reading's tolerance applies to the kept draws' flags too
    loose = tjsim.simulate(
        tjsim.baseline().with_reading("basically"), draws=5_000, seed=2, keep_draws=True
    )
    flags = kept_met_flags(loose)
    probabilities = loose.probabilities()
    assert probabilities.loc["disposable_income", "reading"].startswith("basically")
    np.testing.assert_array_equal(
        flags[:, : len(probabilities)].mean(axis=0), probabilities["probability"]
    )


# ---------------------------------------------------------------------- names and numbers
@pytest.mark.parametrize(
    ("typed", "draws"), [("2e4", 20_000), ("2.5e4", 25_000), ("20_000", 20_000)]
)
def test_draws_typed_in_scientific_notation(capsys, typed, draws):
    args = cli.build_parser().parse_args(["run", "--draws", typed])
    assert args.draws == draws


@pytest.mark.parametrize("typed", ["1.5", "2.5e0", "nan", "1e400", "many"])
def test_draws_that_are_not_whole_are_refused(capsys, typed):
    code, _, err = _run(capsys, "run", BASELINE, "--draws", typed)
    assert code == 2 and f"expected a whole number, found '{typed}'" in err


@pytest.mark.parametrize(
    "bounds", [["-1e9", "1e9"], ["-.5", "-2.5E-3"], ["-3", "-1"], ["-1.5e+2", "0"]]
)
def test_negative_numbers_after_an_option_are_values(bounds):
    args = cli.build_parser().parse_args(
        ["require", "--target", "gdp", "--driver", "investment", "--bounds", *bounds]
    )
    assert args.bounds == [float(b) for b in bounds]


def test_every_parser_reads_negative_numbers_in_scientific_notation():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for command in commands.values():
        assert command._negative_number_matcher.match("-1e9"), command.prog
        assert not command._negative_number_matcher.match("-e"), command.prog


def test_a_misspelt_scenario_file_gets_the_nearest_file(capsys):
    code, _, err = _run(capsys, "run", str(SCENARIO_DIR / "basline.yaml"), *FAST)
    assert code == 2
    assert f"did you mean '{SCENARIO_DIR / 'baseline.yaml'}'?" in err


def test_a_misspelt_grid_file_gets_the_nearest_file(capsys):
    grid = SCENARIO_DIR / "grids" / "investment_export.yaml"
    code, _, err = _run(capsys, "sweep", BASELINE, "--grid", str(grid))
    assert code == 2
    assert "investment_exports.yaml'?" in err


def test_a_misspelt_observations_file_gets_the_nearest_file(capsys, tmp_path):
    (tmp_path / "observed_q1.yaml").write_text("gdp_growth: {Q1: 5.0}\n", encoding="utf-8")
    code, _, err = _run(capsys, "run", "--observed", str(tmp_path / "observd_q1.yaml"), *FAST)
    assert code == 2 and f"did you mean '{tmp_path / 'observed_q1.yaml'}'?" in err


def test_load_scenario_suggests_the_nearest_file():
    with pytest.raises(tjsim.ScenarioError, match=r"did you mean '.*baseline\.yaml'\?"):
        tjsim.load_scenario(SCENARIO_DIR / "basline.yaml")


def test_a_missing_file_with_no_near_name_is_not_found(capsys, tmp_path):
    code, _, err = _run(capsys, "run", str(tmp_path / "zzz.yaml"), *FAST)
    assert code == 2 and "did you mean" not in err


# ---------------------------------------------------------------------- facts and targets
def test_facts_filters_by_kind_and_word(capsys):
    code, out, _ = _run(capsys, "facts", "--kind", "report", "--grep", "CONTAINER")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()[1:] if line and not line[0].isspace()]
    expected = tjsim.facts(derived=True, kind="report", grep="container")
    assert len(expected) > 0
    assert ids[:-1] == list(expected["id"])
    assert out.strip().endswith(f"{len(expected)} facts")


def test_facts_lists_derived_parameters(capsys):
    _, out, _ = _run(capsys, "facts", "--kind", "derived")
    assert "gdp_core_spread" in out


def test_facts_with_no_match(capsys):
    assert _run(capsys, "facts", "--grep", "no-such-thing-anywhere") == (0, "", "no facts match\n")


def test_targets_lists_every_target(capsys):
    code, out, _ = _run(capsys, "targets")
    assert code == 0
    for tid, row in tjsim.targets().iterrows():
        assert tid in out
        assert row["wording"] in out


# ---------------------------------------------------------------------- progress
def test_progress_bar_waits_then_draws():
    now = [0.0]
    stream = io.StringIO()
    with ProgressBar(100, stream, delay=1.0, width=10, clock=lambda: now[0]) as bar:
        bar(40)
        assert stream.getvalue() == ""
        now[0] = 1.5
        bar(60)
    assert stream.getvalue() == "\r[##########] 100%  100/100 draws\n"


def test_no_progress_bar_when_quiet_or_not_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with progress_bar(10, quiet=False, stream=io.StringIO()) as bar:
        assert bar is None
    with progress_bar(10, quiet=True, stream=Terminal()) as bar:
        assert bar is None
    with progress_bar(10, quiet=False, stream=Terminal()) as bar:
        assert isinstance(bar, ProgressBar)


# ---------------------------------------------------------------------- a real process
@pytest.mark.slow
def test_the_command_runs_as_a_process(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tjsim", "run", BASELINE, *FAST],
        capture_output=True,
        text=True,
        env=child_environment(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "all targets (joint)" in done.stdout
    # nothing on stderr but, on a machine whose numba cache is empty, the one-line note
    # that the kernel is being compiled
    note = "tjsim: compiling the simulation kernel once, a few seconds\n"
    assert done.stderr.replace(note, "") == ""

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsimulation: {draws: -1}\n")
    done = subprocess.run(
        [sys.executable, "-m", "tjsim", "validate", str(bad)],
        capture_output=True,
        text=True,
        env=child_environment(),
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"{bad}: simulation.draws: ")
    assert "Traceback" not in done.stderr


def test_sensitivity_and_require_commands(capsys):
    from tjsim.cli import main

    status = main(
        [
            "sensitivity",
            str(SCENARIO_DIR / "baseline.yaml"),
            "--draws",
            "20000",
            "--driver",
            "investment",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "investment" in out and "gdp_growth" in out and "±" in out
    status = main(
        [
            "require",
            "--target",
            "fixed_asset_investment",
            "--driver",
            "investment",
            "--probability",
            "0.7",
            "--draws",
            "20000",
            "--seed",
            "1",
        ]
    )
    out = capsys.readouterr().out
    assert status == 0 and "shift investment by" in out
    status = main(["require", "--target", "gdp_grwth", "--driver", "investment", "--draws", "1000"])
    err = capsys.readouterr().err
    assert status == 2 and "did you mean" in err and "Traceback" not in err


def test_sensitivity_and_require_take_workers_without_changing_the_numbers(capsys):
    from tjsim.cli import main

    common = ["--draws", "6000", "--seed", "4"]
    printed = {}
    for workers in ("1", "2"):
        assert main(["sensitivity", "--driver", "investment", *common, "--workers", workers]) == 0
        assert (
            main(
                [
                    "require",
                    "--target",
                    "gdp_growth",
                    "--driver",
                    "investment",
                    "--probability",
                    "0.6",
                    *common,
                    "--workers",
                    workers,
                ]
            )
            == 0
        )
        printed[workers] = capsys.readouterr().out
    assert printed["1"] == printed["2"] and "investment" in printed["1"]
    assert main(["sensitivity", "--driver", "investment", *common, "--workers", "0"]) == 2
    assert "workers must be a whole number >= 1" in capsys.readouterr().err
