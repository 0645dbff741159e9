"""Time an explorer update: the odds, the readout and the page, against fresh runs.

Run from the repository root::

    python benchmarks/explorer.py                # 1e5 draws; updates benchmarks/README.md
    python benchmarks/explorer.py --draws 20000 --rounds 3 --readme no

An update is what the explorer does after a control moves
(:class:`tjsim.app.session.Explorer`): the **odds** (``tjsim.simulate`` on the same
draws, the probability table and the distribution's bars), the **readout** (the
required shift on common draws kept and rebased between updates) and, with Panel
installed, the **page** (the new data handed to the page's Bokeh models; the browser
then draws them). Three kinds of move are timed in turn: a driver's shift (the
random basis stays, so the readout's draws are reused whole), an event's probability
and the common spread factor (the basis changes, so the readout recomputes its
margins from the kept normals).

The **baseline** is what an explorer without kept draws would do for the same
update: ``tjsim.simulate`` and ``tjsim.required_shift`` from scratch, on the same seed
and draws. Both are timed in this one process, interleaved, so that their ratio holds
however loaded the machine is (the load average is recorded).

Writes ``results/explorer.md`` and ``.json`` next to this file and, unless
``--readme no``, the explorer section of ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tjsim
from tjsim.app.session import Explorer

HERE = Path(__file__).resolve().parent
#: The goal: an update at 1e5 draws redraws in under half a second.
GOAL_SECONDS = 0.5
README_START = "<!-- explorer: start (written by explorer.py) -->"
README_END = "<!-- explorer: end -->"


def moves(explorer: Explorer, rounds: int) -> dict[str, list[dict[str, Any]]]:
    """The control changes timed, by kind: ``rounds`` of each."""
    events = dict(explorer.controls.events)
    event = "property_slump" if "property_slump" in events else next(iter(events), None)
    driver = "investment" if "investment" in explorer.drivers else explorer.drivers[0]
    kinds = {
        "shift": [{"shifts": {driver: -0.5 * (k + 1)}} for k in range(rounds)],
        "spread": [{"spread": 1.0 + 0.1 * (k + 1)} for k in range(rounds)],
    }
    if event is not None:
        kinds["event"] = [
            {"events": {**events, event: min(0.95, events[event] + 0.05 * (k + 1))}}
            for k in range(rounds)
        ]
    return kinds


def _seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    began = time.perf_counter()
    out = work()
    return time.perf_counter() - began, out


def measure(draws: int, rounds: int, seed: int = 2024) -> dict[str, Any]:
    """Time ``rounds`` updates of each kind at ``draws`` draws."""
    calibration = tjsim.load_calibration()
    explorer = Explorer(tjsim.baseline(), calibration, draws=draws, seed=seed)
    page = _page(explorer)
    explorer.update()  # imports, tables, the readout's first draws
    results: dict[str, Any] = {}
    for kind, changes in moves(explorer, rounds).items():
        explorer.apply(**changes[-1], answer=False)  # warm: the first move of a kind
        rows = []
        for change in changes:
            odds, view = _seconds(lambda c=change: explorer.apply(**c, answer=False))
            readout, _ = _seconds(explorer.answer)
            shown = _seconds(lambda v=view: page._show(v))[0] if page is not None else 0.0
            fresh, _ = _seconds(
                lambda s=view.result.scenario, q=explorer.readout: (
                    tjsim.simulate(s, calibration=calibration),
                    _required_or_none(q, s, draws, seed, calibration),
                )
            )
            rows.append(
                {
                    "odds": odds,
                    "readout": readout,
                    "page": shown,
                    "update": odds + readout + shown,
                    "fresh": fresh,
                }
            )
        results[kind] = rows
    return results


def _required_or_none(question, scenario, draws, seed, calibration):
    try:
        return tjsim.required_shift(
            question.target,
            question.driver,
            question.probability,
            scenario,
            draws=min(draws, 200_000),
            seed=seed,
            calibration=calibration,
        )
    except tjsim.TjsimError:
        return None


def _page(explorer: Explorer):
    """The explorer's page (its Bokeh models, no browser), or None without Panel."""
    try:
        from tjsim.app.panel_app import _Page
    except ImportError:
        return None
    return _Page(explorer)


def _machine() -> dict[str, Any]:
    import numpy

    from tjsim.engine import available_cpus

    return {
        "cpu": platform.processor() or platform.machine(),
        "cores": available_cpus(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "tjsim": tjsim.__version__,
        "kernel": tjsim.simulate(draws=100, seed=1).metadata.get("kernel", "numpy"),
        "load": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def report(draws: int, results: dict[str, Any], before: dict, after: dict) -> str:
    """The results as Markdown: a table by kind of move, the goal, the machine."""

    def ms(x: float) -> str:
        return f"{1000 * x:.0f} ms"

    lines = [
        f"Explorer updates at {draws:,} draws, {len(next(iter(results.values())))} of each "
        "kind; median (fastest-slowest) wall time.",
        "",
        "| move | odds | readout | page | update | fresh runs | update / fresh |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    for kind, rows in results.items():
        cells = []
        for key in ("odds", "readout", "page", "update", "fresh"):
            values = [r[key] for r in rows]
            cells.append(f"{ms(statistics.median(values))} ({ms(min(values))}-{ms(max(values))})")
        ratio = statistics.median(r["update"] / r["fresh"] for r in rows)
        lines.append(f"| {kind} | " + " | ".join(cells) + f" | {ratio:.2f} |")
        odds = statistics.median(r["odds"] + r["page"] for r in rows)
        whole = statistics.median(r["update"] for r in rows)
        verdicts.append(
            f"| {kind}: the odds redrawn (odds + page) | < {GOAL_SECONDS} s | {ms(odds)} | "
            f"{'met' if odds < GOAL_SECONDS else '**missed**'} |"
        )
        verdicts.append(
            f"| {kind}: the whole update (with the readout) | < {GOAL_SECONDS} s | {ms(whole)} | "
            f"{'met' if whole < GOAL_SECONDS else '**missed**'} |"
        )
    lines += [
        "",
        "**Goal**",
        "",
        "| goal | target | measured (median) | met |",
        "| --- | --- | --- | --- |",
    ]
    lines += verdicts
    lines += [
        "",
        "**Machine**",
        "",
        f"- CPU: {before['cpu']}; {before['cores']} cores usable; {before['platform']}",
        f"- Python {before['python']}, numpy {before['numpy']}, tjsim {before['tjsim']}, "
        f"kernel {before['kernel']}",
        f"- load average (1, 5, 15 min) at the start: {_load(before['load'])}, "
        f"at the end: {_load(after['load'])}",
    ]
    return "\n".join(lines) + "\n"


def _load(load: list[float] | None) -> str:
    return "unknown" if load is None else ", ".join(f"{x:.2f}" for x in load)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15, help="updates of each kind")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--readme", choices=("yes", "no"), default="yes")
    args = parser.parse_args(argv)
    before = _machine()
    results = measure(args.draws, args.rounds)
    after = _machine()
    text = report(args.draws, results, before, after)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "explorer.md").write_text(text, encoding="utf-8")
    document = {
        "draws": args.draws,
        "results": results,
        "machine": before,
        "load_end": after["load"],
    }
    (args.out / "explorer.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if args.readme == "yes":
        readme = HERE / "README.md"
        old = readme.read_text(encoding="utf-8")
        start, end = old.index(README_START) + len(README_START), old.index(README_END)
        readme.write_text(old[:start] + "\n\n" + text + "\n" + old[end:], encoding="utf-8")
    print(text)
    return text


if __name__ == "__main__":
    main(sys.argv[1:])
