"""The ``tjsim`` command line.

Commands::

    tjsim run [FILE] [--observed OBS] [--draws N] [--seed S] [--method M] [--out DIR] [--quiet]
    tjsim compare FILE FILE [...] [--draws N] [--seed S] [--method M] [--out DIR]
    tjsim sensitivity [FILE] [--driver D ...] [--draws N] [--seed S] [--method M]
    tjsim require FILE --target T --driver D [--probability P] [--bounds LOW HIGH]
    tjsim validate FILE [...]
    tjsim facts [--kind K] [--grep WORD]
    tjsim targets

Exit status: 0 on success, 2 for bad input (a scenario error, a bad argument), 1 for an
internal error (``--debug`` shows its traceback). ``docs/cli.md`` describes each
command and the files ``--out`` writes.

Heavy modules (numpy, pandas, matplotlib) are imported inside the commands, so that
``tjsim --help`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .errors import TjsimError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes

    from .calibration import Calibration
    from .result import SimulationResult
    from .scenario import Scenario

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2
#: Seed of ``tjsim compare`` when neither ``--seed`` nor the first file gives one.
COMPARE_SEED = 2024
#: File that marks a folder as tjsim's output, which a later run may replace.
MARKER = ".tjsim-output"
#: Two-sided 95% normal quantile: a change is significant beyond this many errors.
Z95 = 1.959963984540054
# Copies of tjsim.scenario.METHODS and tjsim.calibration.FACT_KINDS (plus "derived"),
# so that building the parser imports neither numpy nor scipy (tests keep them equal).
METHODS = ("mc", "antithetic", "sobol")
FACT_KINDS = ("report", "statistic", "assumption", "derived")


# ---------------------------------------------------------------------- entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit
    status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        return args.handler(args)
    except TjsimError as exc:
        print(f"tjsim: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("tjsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `tjsim facts | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"tjsim: internal error: {type(exc).__name__}: {exc}\n"
            "Run the command again with --debug to see the traceback, and please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tjsim`` and its commands."""
    parser = argparse.ArgumentParser(
        prog="tjsim",
        description="Odds of meeting Tianjin's 2024 plan targets, by Monte Carlo simulation.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tjsim {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, epilog: str, handler: Callable) -> argparse.ArgumentParser:
        cmd = sub.add_parser(
            name,
            help=help,
            description=help[0].upper() + help[1:] + ".",
            epilog=epilog,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        cmd.set_defaults(handler=handler)
        return cmd

    run = command("run", "simulate a scenario and print every target's odds", _RUN_EPILOG, _run)
    run.add_argument("file", nargs="?", help="scenario YAML file (default: the baseline)")
    run.add_argument(
        "--observed",
        type=Path,
        metavar="OBS",
        help="YAML file of year-to-date figures to condition on, e.g. 'gdp_growth: {Q1: 5.3}'",
    )
    _simulation_options(run)
    run.add_argument("--quiet", action="store_true", help="print nothing but errors")

    compare = command(
        "compare", "compare scenarios on common random numbers", _COMPARE_EPILOG, _compare
    )
    compare.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario files; the first is the reference"
    )
    _simulation_options(compare)
    compare.add_argument("--quiet", action="store_true", help="print nothing but errors")

    sensitivity = command(
        "sensitivity",
        "how much each driver moves each target's odds",
        _SENSITIVITY_EPILOG,
        _sensitivity,
    )
    sensitivity.add_argument("file", nargs="?", help="scenario YAML file (default: the baseline)")
    sensitivity.add_argument(
        "--driver",
        action="append",
        metavar="D",
        help="a driver or parameter id (repeatable; default: every driver)",
    )
    _simulation_options(sensitivity, out=False)

    require = command(
        "require",
        "the shift of a driver that brings a target to a probability",
        _REQUIRE_EPILOG,
        _require,
    )
    require.add_argument("file", nargs="?", help="scenario YAML file (default: the baseline)")
    require.add_argument("--target", required=True, metavar="T", help="a target id, or 'joint'")
    require.add_argument("--driver", required=True, metavar="D", help="a driver or parameter id")
    require.add_argument(
        "--probability",
        type=float,
        default=0.8,
        metavar="P",
        help="probability to reach (default 0.8)",
    )
    require.add_argument(
        "--bounds", type=float, nargs=2, metavar=("LOW", "HIGH"), help="range of shifts to search"
    )
    _simulation_options(require, out=False)

    validate = command(
        "validate", "check scenario files without running them", _VALIDATE_EPILOG, _validate
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario files")

    facts = command("facts", "list the calibration's facts and sources", _FACTS_EPILOG, _facts)
    facts.add_argument("--kind", choices=FACT_KINDS, help="only facts of this kind")
    facts.add_argument(
        "--grep", metavar="WORD", help="only facts whose id, label or source contain WORD"
    )

    command("targets", "list the 2024 targets and how each is read", _TARGETS_EPILOG, _targets)
    return parser


def _simulation_options(cmd: argparse.ArgumentParser, *, out: bool = True) -> None:
    cmd.add_argument(
        "--draws", type=int, metavar="N", help="number of draws (default: the file's, else 100,000)"
    )
    cmd.add_argument("--seed", type=int, metavar="S", help="random seed, an integer >= 0")
    cmd.add_argument(
        "--method", choices=METHODS, help="sampling method (default: the file's, else mc)"
    )
    if out:
        cmd.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="write tables (CSV, JSON) and figures (PNG) to DIR",
        )


# ---------------------------------------------------------------------- commands
def _run(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .engine import simulate

    calibration = load_calibration()
    scenario = _scenario(args.file, calibration)
    if args.observed is not None:
        from .scenario_io import load_observed

        scenario = scenario.with_observed(load_observed(args.observed, calibration=calibration))
    if args.out is not None:
        check_output_folder(args.out)
    total = _first(args.draws, scenario.simulation.draws, _default_draws())
    with progress_bar(total, quiet=args.quiet) as progress:
        result = simulate(
            scenario,
            draws=args.draws,
            seed=args.seed,
            method=args.method,
            calibration=calibration,
            progress=progress,
        )
    if not args.quiet:
        print(result)
    if args.out is not None:
        write_atomically(args.out, lambda folder: write_run(result, folder))
        _say(args, f"\nwrote {args.out}")
    return EXIT_OK


def _sensitivity(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .sensitivity import format_sensitivities, sensitivities

    calibration = load_calibration()
    scenario = _scenario(args.file, calibration)
    table = sensitivities(
        scenario,
        args.driver,
        draws=args.draws,
        seed=args.seed,
        method=args.method,
        calibration=calibration,
    )
    print(format_sensitivities(table))
    return EXIT_OK


def _require(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .sensitivity import required_shift

    calibration = load_calibration()
    scenario = _scenario(args.file, calibration)
    answer = required_shift(
        args.target,
        args.driver,
        args.probability,
        scenario,
        draws=args.draws,
        seed=args.seed,
        method=args.method,
        bounds=tuple(args.bounds) if args.bounds else None,
        calibration=calibration,
    )
    print(answer)
    return EXIT_OK


def _compare(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .scenario_io import load_scenario

    if len(args.files) < 2:
        raise TjsimError(f"compare needs at least two scenario files, found {len(args.files)}")
    calibration = load_calibration()
    scenarios = [load_scenario(path, calibration=calibration) for path in args.files]
    if args.out is not None:
        check_output_folder(args.out)
    first = scenarios[0].simulation
    settings = {
        "draws": _first(args.draws, first.draws, _default_draws()),
        "seed": _first(args.seed, first.seed, COMPARE_SEED),
        "method": _first(args.method, first.method, "mc"),
    }
    with progress_bar(settings["draws"] * len(scenarios), quiet=args.quiet) as progress:
        runs = [_paired_run(s, calibration, progress, **settings) for s in scenarios]
    table = comparison_table(runs, settings["method"])
    if not args.quiet:
        print(format_comparison(table, runs, settings))
    if args.out is not None:
        write_atomically(args.out, lambda folder: write_comparison(table, runs, settings, folder))
        _say(args, f"\nwrote {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from .calibration import load_calibration
    from .scenario_io import load_scenario

    calibration = load_calibration()
    failed = 0
    for path in args.files:
        try:
            scenario = load_scenario(path, calibration=calibration)
        except TjsimError as exc:
            failed += 1
            print(str(exc) if exc.file else f"{path}: {exc}", file=sys.stderr)
        else:
            print(f"{path}: ok (scenario '{scenario.name}')")
    return EXIT_INPUT if failed else EXIT_OK


def _facts(args: argparse.Namespace) -> int:
    from .tables import facts

    frame = facts(derived=True)
    if args.kind:
        frame = frame[frame["kind"] == args.kind]
    if args.grep:
        text = frame["id"] + " " + frame["label"] + " " + frame["source"].fillna("")
        frame = frame[text.str.contains(args.grep, case=False, regex=False)]
    if frame.empty:
        print("no facts match", file=sys.stderr)
        return EXIT_OK
    width = max(len(str(i)) for i in frame["id"])
    print(f"{'id':<{width}}  {'value':>12}  {'unit':<12} {'kind':<10} label")
    for row in frame.itertuples(index=False):
        print(f"{row.id:<{width}}  {row.value:>12g}  {row.unit!s:<12} {row.kind:<10} {row.label}")
        print(f"{'':<{width}}  source: {row.source}")
    print(f"\n{len(frame)} facts")
    return EXIT_OK


def _targets(args: argparse.Namespace) -> int:
    from .tables import targets

    frame = targets()
    width = max(len(str(i)) for i in frame.index)
    print(f"{'target':<{width}}  {'reading':<40} label")
    for tid, row in frame.iterrows():
        print(f"{tid:<{width}}  {row['reading']:<40} {row['label']}")
        print(f"{'':<{width}}  report: {row['wording']} ({row['source']})")
    return EXIT_OK


def _scenario(path: str | None, calibration: Calibration) -> Scenario:
    from .scenario import baseline
    from .scenario_io import load_scenario

    return baseline() if path is None else load_scenario(path, calibration=calibration)


def _default_draws() -> int:
    from .engine import DEFAULT_DRAWS

    return DEFAULT_DRAWS


def _first(*values: Any) -> Any:
    """The first value that is not ``None``."""
    return next(value for value in values if value is not None)


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message)


# ---------------------------------------------------------------------- progress
class ProgressBar:
    """A one-line progress bar, drawn only once a run has lasted ``delay`` seconds.

    Call it with the number of draws just finished (the ``progress`` callback of
    :func:`tjsim.simulate`); use it as a context manager to end the line.
    """

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        delay: float = 1.0,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.total = max(int(total), 1)
        self.stream = stream
        self.delay = delay
        self.width = width
        self.clock = clock
        self.done = 0
        self.drawn = False
        self.start = clock()

    def __call__(self, draws: int) -> None:
        self.done += int(draws)
        if self.clock() - self.start >= self.delay:
            self.draw()

    def draw(self) -> None:
        share = min(self.done / self.total, 1.0)
        filled = round(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {100 * share:3.0f}%  {self.done:,}/{self.total:,} draws")
        self.stream.flush()
        self.drawn = True

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def progress_bar(
    total: int, *, quiet: bool, stream: TextIO | None = None
) -> contextlib.AbstractContextManager[ProgressBar | None]:
    """A :class:`ProgressBar` on ``stream`` (default: stderr) if it is a terminal and
    not ``quiet``; otherwise a context that yields ``None`` (no progress reports)."""
    stream = stream or sys.stderr
    if quiet or not stream.isatty():
        return contextlib.nullcontext()
    return ProgressBar(total, stream)


# ---------------------------------------------------------------------- output folders
def check_output_folder(folder: Path) -> None:
    """Refuse ``folder`` unless it is new, empty, or an earlier tjsim output folder.

    Raises
    ------
    TjsimError
        If ``folder`` is a file or a non-empty folder that tjsim did not write.
    """
    if not folder.exists():
        return
    if not folder.is_dir():
        raise TjsimError("exists and is not a folder; choose another --out", file=str(folder))
    if (folder / MARKER).is_file() or not any(folder.iterdir()):
        return
    raise TjsimError(
        f"exists and is not a tjsim output folder (it has no {MARKER} file); "
        "choose another --out or remove it",
        file=str(folder),
    )


def write_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Fill ``folder`` all or nothing: ``write`` fills a staging folder next to it, which
    then replaces ``folder``.

    An earlier tjsim output folder (or an empty folder) at ``folder`` is replaced; any
    other existing path is refused (:func:`check_output_folder`). At every moment
    ``folder`` holds either the old complete outputs or the new ones.
    """
    check_output_folder(folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = _sibling_folder(folder, "new")
    except OSError as exc:
        raise TjsimError(
            f"cannot create the output folder: {exc.strerror}", file=str(folder)
        ) from None
    try:
        write(staging)
        (staging / MARKER).write_text(
            f"Written by tjsim {__version__}; the next run with this --out replaces this folder.\n",
            encoding="utf-8",
        )
        _swap_in(staging, folder)
    except OSError as exc:
        raise TjsimError(
            f"cannot write the outputs: {exc.strerror or exc}", file=str(folder)
        ) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _sibling_folder(folder: Path, role: str) -> Path:
    """Create a new hidden folder next to ``folder`` (permissions follow the umask)."""
    sibling = folder.parent / f".{folder.name}.{role}-{secrets.token_hex(4)}"
    sibling.mkdir()
    return sibling


def _swap_in(staging: Path, folder: Path) -> None:
    """Rename ``staging`` to ``folder``, moving an existing ``folder`` aside first."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    old = _sibling_folder(folder, "old")
    os.rename(folder, old / folder.name)
    try:
        os.rename(staging, folder)
    except OSError:
        os.rename(old / folder.name, folder)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------- run outputs
def write_run(result: SimulationResult, folder: Path) -> None:
    """Write the tables, the scenario and the figures of ``result`` into ``folder``.

    Files: ``probabilities.csv`` (every target and the joint), ``summary.csv``,
    ``indicators.csv`` (every indicator's mean, spread and quantiles), ``count_met.csv``,
    ``conditional.csv``, ``result.json`` (all of these with the run's metadata),
    ``scenario.yaml``, ``probabilities.png`` and ``distribution_<indicator>.png`` for
    each targeted indicator.
    """
    from .scenario_io import scenario_to_mapping

    tables = {
        "probabilities": _with_joint(result),
        "summary": result.summary(),
        "indicators": result.to_frame(),
        "count_met": result.count_met(),
        "conditional": result.conditional(),
    }
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv")
    document = {
        "metadata": result.metadata,
        "scenario": scenario_to_mapping(result.scenario),
        **{name: _json_frame(frame) for name, frame in tables.items()},
    }
    _write_json(folder / "result.json", document)
    (folder / "scenario.yaml").write_text(result.scenario.to_yaml(), encoding="utf-8")
    targets = len(result.model.targets) + 1
    _save_figure(
        folder / "probabilities.png", (7.5, 0.32 * targets + 1.2), result.plot_probabilities
    )
    for indicator in dict.fromkeys(t.indicator for t in result.model.targets):
        _save_figure(
            folder / f"distribution_{indicator}.png",
            (7.0, 3.6),
            lambda ax, name=indicator: result.plot_distribution(name, ax=ax),
        )
    for variable in result.scenario.observed:
        _save_figure(
            folder / f"fan_{variable}.png",
            (6.5, 3.8),
            lambda ax, name=variable: result.plot_fan(name, ax=ax),
        )


def _with_joint(result: SimulationResult) -> pd.DataFrame:
    """``result.probabilities()`` with a last row for all targets met together."""
    import pandas as pd

    probabilities = result.probabilities()
    joint = result.joint().to_frame().T
    joint.index = pd.Index(["joint"], name="target")
    joint = joint.assign(
        indicator="", reading="all targets met", label="All targets met together", wording=""
    )
    return pd.concat([probabilities, joint[probabilities.columns]])


def _json_frame(frame: pd.DataFrame) -> Any:
    """A frame as nested plain data (row -> column -> value; NaN as null)."""
    return json.loads(frame.to_json(orient="index", double_precision=15))


def _write_json(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _save_figure(path: Path, size: tuple[float, float], draw: Callable[..., Axes]) -> None:
    """Draw on a new Agg figure (no pyplot, no global state) and save it as PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(ax=figure.subplots())
    figure.savefig(path, dpi=110)


# ---------------------------------------------------------------------- comparisons
@dataclass(frozen=True)
class PairedRun:
    """One scenario's result and, when the draws were kept, its per-draw met flags
    (``(draws, targets + 1)`` booleans, the last column for all targets)."""

    result: SimulationResult
    flags: np.ndarray | None

    @property
    def columns(self) -> list[str]:
        """Target ids of the columns of ``flags``."""
        return [t.id for t in self.result.model.targets] + ["joint"]

    def flag_columns(self, ids: Sequence[str]) -> np.ndarray:
        """The flags of targets ``ids`` as 0/1 integers, ``(draws, len(ids))``."""
        import numpy as np

        assert self.flags is not None
        return self.flags[:, [self.columns.index(t) for t in ids]].astype(np.int8)


def _paired_run(
    scenario: Scenario,
    calibration: Calibration,
    progress: Any,
    *,
    draws: int,
    seed: int,
    method: str,
) -> PairedRun:
    from .engine import KEEP_DRAWS_LIMIT_BYTES, simulate

    keep = draws * len(calibration.variables) * 8 <= KEEP_DRAWS_LIMIT_BYTES
    result = simulate(
        scenario,
        draws=draws,
        seed=seed,
        method=method,
        keep_draws=keep,
        calibration=calibration,
        progress=progress,
    )
    if not keep:
        return PairedRun(result, None)
    return PairedRun(replace(result, kept=None), met_flags(result))


def met_flags(result: SimulationResult) -> np.ndarray:
    """Whether each kept draw of ``result`` meets each target, and all of them (last
    column): ``(draws, targets + 1)`` booleans."""
    import numpy as np

    ops = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}
    draws = result.draws
    targets = result.model.targets
    flags = np.empty((len(draws), len(targets) + 1), dtype=bool)
    for j, target in enumerate(targets):
        other = draws[target.compare_to] if target.compare_to is not None else target.threshold
        flags[:, j] = ops[target.op](draws[target.indicator].to_numpy(), np.asarray(other))
    flags[:, -1] = flags[:, :-1].all(axis=1)
    return flags


def paired_standard_error(difference: np.ndarray, method: str) -> np.ndarray:
    """Monte Carlo standard error of the mean of per-draw ``difference`` ``(n, k)``,
    with the estimator the engine uses for ``method``: independent draws (``mc``),
    antithetic pairs, or one mean per Sobol scramble."""
    import numpy as np

    from .sampling import plan_blocks

    n = len(difference)
    if method == "mc":
        return difference.std(axis=0, ddof=1) / np.sqrt(n)
    blocks = plan_blocks(method, n)
    if method == "antithetic":
        starts = np.cumsum([0] + [b.size for b in blocks[:-1]])
        pairs = (
            np.concatenate(
                [
                    difference[start : start + b.size // 2]
                    + difference[start + b.size // 2 : start + b.size]
                    for start, b in zip(starts, blocks, strict=True)
                ]
            )
            / 2
        )
        return pairs.std(axis=0, ddof=1) / np.sqrt(len(pairs))
    groups = np.repeat([b.group for b in blocks], [b.size for b in blocks])
    ids, sizes = np.unique(groups, return_counts=True)
    means = np.array([difference[groups == g].mean(axis=0) for g in ids])
    # As in the engine: a scramble's mean is only known to within one draw.
    floor = 1.0 / (2.0 * sizes.min() * np.sqrt(len(ids)))
    return np.maximum(means.std(axis=0, ddof=1) / np.sqrt(len(ids)), floor)


def comparison_table(runs: Sequence[PairedRun], method: str) -> pd.DataFrame:
    """Every target's probability in every run and its change from the first run.

    Returns a long frame indexed by ``(target, scenario)`` (scenario = position of the
    run) with columns ``probability, std_error, change, change_se, significant, error,
    name``. ``change_se`` is the paired standard error of the change when both runs kept
    their draws (``error`` = ``paired``), else ``sqrt(se_a**2 + se_b**2)``, which ignores
    the correlation of common random numbers (``error`` = ``independent``).
    """
    import pandas as pd

    frames = [
        _compared(run, runs[0], method).assign(scenario=position, name=run.result.scenario.name)
        for position, run in enumerate(runs)
    ]
    order = [*dict.fromkeys(t for run in runs for t in run.columns if t != "joint"), "joint"]
    long = pd.concat(frames).reset_index()
    long["rank"] = long["target"].map(order.index)
    long = long.sort_values(["rank", "scenario"], kind="stable").drop(columns="rank")
    return long.set_index(["target", "scenario"])


def _compared(run: PairedRun, reference: PairedRun, method: str) -> pd.DataFrame:
    """``run``'s probabilities, their change from ``reference``'s and its error (NaN
    for targets that ``reference`` lacks)."""
    import numpy as np
    import pandas as pd

    table = _probability_rows(run.result)
    if run is reference:
        return table.assign(change=np.nan, change_se=np.nan, significant=False, error="")
    base = _probability_rows(reference.result).reindex(table.index)
    if run.flags is not None and reference.flags is not None:
        shared = list(base.index[base["probability"].notna()])
        difference = run.flag_columns(shared) - reference.flag_columns(shared)
        change_se = pd.Series(np.nan, index=table.index)
        change_se[shared] = paired_standard_error(difference, method)
        error = "paired"
    else:
        change_se = np.sqrt(table["std_error"] ** 2 + base["std_error"] ** 2)
        error = "independent"
    change = table["probability"] - base["probability"]
    return table.assign(
        change=change,
        change_se=change_se,
        significant=change.abs() > Z95 * change_se,
        error=error,
    )


def _probability_rows(result: SimulationResult) -> pd.DataFrame:
    import pandas as pd

    probabilities = result.probabilities()[["probability", "std_error"]]
    joint = result.joint()[["probability", "std_error"]].to_frame("joint").T
    frame = pd.concat([probabilities, joint])
    frame.index.name = "target"
    return frame


def format_comparison(
    table: pd.DataFrame, runs: Sequence[PairedRun], settings: dict[str, Any]
) -> str:
    """The comparison as text: probabilities side by side, each with its change from the
    first scenario, starred when it exceeds Monte Carlo error."""
    names = [run.result.scenario.name for run in runs]
    widths = [max(len(names[0]), 7)] + [max(len(n), 15) for n in names[1:]]
    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    label = max(len("all targets (joint)"), *(len(t) for t in targets))
    lines = [
        f"tjsim compare: {settings['draws']:,} draws each, method {settings['method']}, "
        f"seed {settings['seed']} (common random numbers)",
        "",
        f"{'target':<{label}}  "
        + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)),
    ]
    for target in targets:
        rows = table.loc[target]
        cells = []
        for position, width in enumerate(widths):
            cells.append(f"{_cell(rows, position):>{width}}")
        name = "all targets (joint)" if target == "joint" else target
        lines.append(f"{name:<{label}}  " + "  ".join(cells))
    lines += ["", *_footnotes(table, runs)]
    return "\n".join(lines)


def _cell(rows: pd.DataFrame, position: int) -> str:
    if position not in rows.index:
        return "-"
    row = rows.loc[position]
    text = f"{100 * row['probability']:5.1f}%"
    if position == 0:
        return text
    if row["change"] != row["change"]:  # NaN: the first scenario has no such target
        return f"{text}    new"
    mark = "*" if row["significant"] else " "
    return f"{text} {100 * row['change']:+5.1f}{mark}"


def _footnotes(table: pd.DataFrame, runs: Sequence[PairedRun]) -> list[str]:
    paired = (table["error"] != "independent").all()
    basis = (
        "the paired standard error of the change over the common draws"
        if paired
        else "sqrt(se1^2 + se2^2), which ignores the correlation of common random "
        "numbers (usually positive, so the test is usually conservative)"
    )
    files = [
        f"  {run.result.scenario.name}: {run.result.scenario.path or '(built in)'}" for run in runs
    ]
    return [
        "Each column after the first: P(met) and its change in points from the first column;",
        f"* marks a change larger than 1.96 times {basis}.",
        "Scenarios:",
        *files,
    ]


def write_comparison(
    table: pd.DataFrame, runs: Sequence[PairedRun], settings: dict[str, Any], folder: Path
) -> None:
    """Write ``comparison.csv``, ``comparison.json`` (with the settings and each run's
    metadata) and ``comparison.png`` into ``folder``."""
    table.to_csv(folder / "comparison.csv")
    document = {
        "settings": settings,
        "runs": [run.result.metadata for run in runs],
        "comparison": json.loads(
            table.reset_index().to_json(orient="records", double_precision=15)
        ),
    }
    _write_json(folder / "comparison.json", document)
    targets = len(dict.fromkeys(table.index.get_level_values("target")))
    _save_figure(
        folder / "comparison.png",
        (7.5, 0.35 * targets + 1.5),
        lambda ax: _comparison_plot(table, ax),
    )


def _comparison_plot(table: pd.DataFrame, ax: Axes) -> Axes:
    """Dots with 95% error bars: each target's probability under each scenario."""
    import numpy as np

    targets = list(dict.fromkeys(table.index.get_level_values("target")))
    y = {t: len(targets) - 1 - i for i, t in enumerate(targets)}
    count = table.index.get_level_values("scenario").nunique()
    for position, rows in table.groupby(level="scenario"):
        rows = rows.droplevel("scenario")
        offset = 0.3 * (position - (count - 1) / 2) / max(count - 1, 1)
        ax.errorbar(
            100 * rows["probability"],
            np.array([y[t] for t in rows.index]) + offset,
            xerr=100 * Z95 * rows["std_error"],
            fmt="o",
            markersize=4,
            label=rows["name"].iloc[0],
        )
    ax.set_yticks(list(y.values()), list(y))
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability of meeting the target (%)")
    ax.legend(fontsize=7, loc="lower right")
    return ax


# ---------------------------------------------------------------------- help texts
_MAIN_EPILOG = """\
examples:
  tjsim run scenarios/baseline.yaml
  tjsim run scenarios/property_downturn.yaml --draws 500000 --out results/property
  tjsim compare scenarios/baseline.yaml scenarios/flood_repeat.yaml
  tjsim validate scenarios/*.yaml
  tjsim facts --grep containers
  tjsim targets

Exit status: 0 success, 2 bad input (the message names the file and key), 1 internal error.
Run 'tjsim COMMAND --help' for each command's options.
"""

_RUN_EPILOG = """\
Prints every target's reading, probability and 95% interval, and the probability that
all targets are met together. Draws, seed and method default to the file's
'simulation' settings, then to 100,000 draws, fresh entropy and mc.

With --out DIR, writes probabilities.csv, summary.csv, indicators.csv, count_met.csv,
conditional.csv, result.json (all tables and the run's metadata), scenario.yaml and PNG
figures. DIR is written all or nothing: tjsim fills a staging folder next to it and
renames it into place. An existing DIR is replaced only if it is empty or an earlier
tjsim output (it holds a .tjsim-output file); anything else is refused.

examples:
  tjsim run                                   # the baseline, 100,000 draws
  tjsim run scenarios/baseline.yaml           # 200,000 draws, seed 2024 (from the file)
  tjsim run scenarios/price_shock.yaml --seed 7 --method sobol
  tjsim run scenarios/flood_repeat.yaml --out results/flood --quiet
  tjsim run scenarios/baseline.yaml --observed q1.yaml    # q1.yaml: 'gdp_growth: {Q1: 5.3}'

With --observed OBS (or an 'observed' block in the scenario), the draws are conditioned
on year-to-date figures already published (periods Q1, H1, Q1-Q3, FY) and --out also
writes a fan chart per observed variable (fan_<variable>.png).
"""

_COMPARE_EPILOG = """\
Runs every file with the same draws, seed and method (common random numbers), so that
differences reflect the scenarios rather than sampling noise. Settings come from the
options, else from the first file, else 100,000 draws, seed 2024 and mc. Each column
after the first shows P(met) and its change from the first file in points; '*' marks a
change larger than 1.96 standard errors of the paired difference, computed from the
draws both runs share. Runs too large to keep their draws (over about two million)
fall back to sqrt(se1^2 + se2^2), which ignores the correlation between the runs, and
say so.

With --out DIR, writes comparison.csv, comparison.json and comparison.png, all or
nothing (see 'tjsim run --help').

examples:
  tjsim compare scenarios/baseline.yaml scenarios/property_downturn.yaml
  tjsim compare scenarios/baseline.yaml scenarios/*_push.yaml --draws 100000
  tjsim compare scenarios/baseline.yaml scenarios/export_tariffs.yaml --out results/tariffs
"""

_VALIDATE_EPILOG = """\
Reads each file, follows 'extends', and checks every key, type, range and id against
the calibration. Prints one line per file: 'FILE: ok' on stdout, or the error (file,
key path, what was expected and what was found) on stderr. Exit status 0 if every file
is valid, 2 otherwise.

examples:
  tjsim validate scenarios/*.yaml
  tjsim validate my_scenario.yaml
"""

_FACTS_EPILOG = """\
Every number of the calibration with its unit, kind and source: report figures
(report), other statistics (statistic), assumptions with their reasons (assumption)
and parameters derived from them (derived).

examples:
  tjsim facts --kind report
  tjsim facts --grep flood
  tjsim facts --kind assumption --grep spread
"""

_SENSITIVITY_EPILOG = """\
For every target and driver: the change in the probability of meeting the target per
unit shift of the driver's mean (percentage points of probability per point), with its
Monte Carlo error from common random numbers, and the probability at minus and plus one
standard deviation of the driver.

examples:
  tjsim sensitivity scenarios/baseline.yaml
  tjsim sensitivity scenarios/property_downturn.yaml --driver investment --driver exports
  tjsim sensitivity --driver okun_coefficient --draws 50000
"""

_REQUIRE_EPILOG = """\
What would it take: the shift of a driver's mean (or a parameter's value) that brings a
target's probability to P, with a 95% interval, found by a bracketing root-finder on
common random numbers.

examples:
  tjsim require scenarios/baseline.yaml --target gdp_growth --driver investment --probability 0.8
  tjsim require --target retail_sales --driver retail_sales --probability 0.5
  tjsim require --target joint --driver momentum --probability 0.05 --bounds -2 6
"""

_TARGETS_EPILOG = """\
Each 2024 target: its id (used in scenarios' 'targets'), how it is read as an
inequality on a model indicator, and the report's wording and section.

example:
  tjsim targets
"""
