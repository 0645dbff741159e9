"""ComparisonResult: scenarios compared on common random numbers, as a table, text,
HTML and figures (:func:`tjsim.compare` returns one)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import figures
from ..result import SimulationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Smallest change (as a probability) that shows at one decimal in percent: a change
#: that rounds to 0.0 points is never marked significant.
SHOWN_CHANGE = 0.0005
JOINT_LABEL = "all targets (joint)"
#: The row of all the headline targets met together, and how it is shown.
HEADLINE_JOINT = "headline_joint"
HEADLINE_LABEL = "all headline goals (joint)"
#: Row id -> the name shown for it.
ROW_NAMES = {"joint": JOINT_LABEL, HEADLINE_JOINT: HEADLINE_LABEL}


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """Scenarios simulated on the same draws, each compared with the first.

    Attributes
    ----------
    results
        Each scenario's :class:`~tjsim.result.SimulationResult` (without kept draws).
    table
        The long table of :func:`tjsim.analysis.compare.comparison_table`, indexed by
        ``(target, position of the scenario)``.
    """

    results: tuple[SimulationResult, ...]
    table: pd.DataFrame

    # ---------------------------------------------------------------- what was run
    @property
    def names(self) -> list[str]:
        """The scenarios' names, made unique by their position where two are equal."""
        names = [r.scenario.name for r in self.results]
        return [
            name if names.count(name) == 1 else f"{name} ({position + 1})"
            for position, name in enumerate(names)
        ]

    @property
    def error(self) -> str:
        """``paired`` when every change's error comes from the per-draw differences,
        else ``independent`` (``sqrt(se1**2 + se2**2)``, for runs too large to keep
        their draws)."""
        return "independent" if (self.table["error"] == "independent").any() else "paired"

    @property
    def metadata(self) -> dict[str, Any]:
        """Draws, seed and method (shared by every run), the error used, and each run's
        metadata."""
        first = self.results[0].metadata
        return {
            "draws": first["draws"],
            "seed": first["seed"],
            "method": first["method"],
            "error": self.error,
            "runs": [r.metadata for r in self.results],
        }

    # ---------------------------------------------------------------- tables
    def to_frame(self) -> pd.DataFrame:
        """One row per target (then ``headline_joint``, all the plan's headline goals met
        together, when the runs have them, and ``joint``, all targets met) and scenario.

        Indexed by ``(target, scenario)`` (scenario: its name), with columns

        ``probability``, ``std_error``
            P(met) in the scenario and its Monte Carlo standard error;
        ``change``, ``change_se``
            the change from the first scenario and its standard error (paired, from
            the common draws, unless ``error`` says ``independent``); NaN for the first
            scenario and for a target the first scenario lacks;
        ``significant``
            ``|change| > 1.96 change_se``, the change shows as at least 0.1 points, and
            it is like for like;
        ``like_for_like``
            false for the joint probability of a scenario whose targets differ from the
            first scenario's (the two joint events are then not the same question);
        ``error``
            ``paired`` or ``independent`` (empty for the first scenario).
        """
        frame = self.table.reset_index()
        frame["scenario"] = frame["scenario"].map(dict(enumerate(self.names)))
        return frame.set_index(["target", "scenario"])

    def changes(self) -> pd.DataFrame:
        """The change of every target's probability (rows) in every scenario after the
        first (columns), in probability units (NaN where not comparable)."""
        frame = self.to_frame()["change"].unstack("scenario")
        targets = list(dict.fromkeys(self.table.index.get_level_values("target")))
        return frame.loc[targets, self.names[1:]]

    # ---------------------------------------------------------------- display
    def _header(self) -> list[str]:
        """The settings, then (when any run is conditioned) what each run observed."""
        meta = self.metadata
        lines = [
            f"tjsim compare: {meta['draws']:,} draws each, method {meta['method']}, "
            f"seed {meta['seed']} (common random numbers)"
        ]
        if any(r.scenario.observed for r in self.results):
            lines += [
                f"  {name}: {r.conditioning}"
                for name, r in zip(self.names, self.results, strict=True)
            ]
        return lines

    def _lines(self) -> list[str]:
        names = self.names
        widths = [max(len(names[0]), 7)] + [max(len(n), 15) for n in names[1:]]
        targets = list(dict.fromkeys(self.table.index.get_level_values("target")))
        label = max(len(JOINT_LABEL), *(len(ROW_NAMES.get(t, t)) for t in targets))
        lines = [
            *self._header(),
            "",
            f"{'target':<{label}}  "
            + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths, strict=True)),
        ]
        for target in targets:
            rows = self.table.loc[target]
            cells = [f"{_cell(rows, position):>{width}}" for position, width in enumerate(widths)]
            name = ROW_NAMES.get(target, target)
            lines.append(f"{name:<{label}}  " + "  ".join(cells))
        return [*lines, "", *self._footnotes()]

    def _footnotes(self) -> list[str]:
        basis = (
            "the paired standard error of the change over the common draws"
            if self.error == "paired"
            else "sqrt(se1^2 + se2^2), which ignores the correlation of common random "
            "numbers (usually positive, so the test is usually conservative)"
        )
        notes = [
            "Each column after the first: P(met) and its change in points from the first column;",
            f"* marks a change larger than 1.96 times {basis}",
            "  (a change that rounds to 0.0 is never marked).",
        ]
        if not self.table["like_for_like"].all():
            notes.append(
                "! joint probability over a different set of targets than the first "
                "column's: not like for like."
            )
        files = [
            f"  {name}: {r.scenario.path or '(built in Python)'}"
            for name, r in zip(self.names, self.results, strict=True)
        ]
        return [*notes, "Scenarios:", *files]

    def __str__(self) -> str:
        return "\n".join(self._lines())

    def __repr__(self) -> str:
        meta = self.metadata
        return (
            f"<ComparisonResult scenarios={self.names!r} draws={meta['draws']:,} "
            f"method={meta['method']} seed={meta['seed']} error={meta['error']}>"
        )

    def _repr_html_(self) -> str:
        names = self.names
        targets = list(dict.fromkeys(self.table.index.get_level_values("target")))
        head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
        body = ""
        for target in targets:
            rows = self.table.loc[target]
            cells = "".join(
                f"<td style='text-align:right'>{html.escape(_cell(rows, p))}</td>"
                for p in range(len(names))
            )
            name = ROW_NAMES.get(target, target)
            body += f"<tr><td>{html.escape(name)}</td>{cells}</tr>"
        title, *conditioning = self._header()
        notes = "<br>".join(html.escape(n) for n in [*conditioning, *self._footnotes()])
        return (
            f"<div><p><strong>{html.escape(title)}</strong></p><table><thead><tr>"
            f"<th>target</th>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<p><small>{notes}</small></p></div>"
        )

    # ---------------------------------------------------------------- figures
    def plot(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Each target's probability in each scenario, with 95% error bars."""
        table = self.table.assign(
            name=self.table.index.get_level_values("scenario").map(dict(enumerate(self.names)))
        )
        return figures.comparison_dots(table, ax=ax, title=self._title(), **kwargs)

    def plot_changes(self, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Each target's change from the first scenario, with 95% error bars (paired),
        one colour per scenario after the first."""
        frame = self.to_frame()
        return figures.change_bars(
            frame["change"].unstack("scenario").loc[:, self.names[1:]],
            frame["change_se"].unstack("scenario").loc[:, self.names[1:]],
            order=list(dict.fromkeys(self.table.index.get_level_values("target"))),
            title=f"change from {self.names[0]}",
            ax=ax,
            **kwargs,
        )

    def _title(self) -> str:
        return " vs ".join(self.names)


def _cell(rows: pd.DataFrame, position: int) -> str:
    """One scenario's cell: P(met), and its change from the first scenario with '*'
    when significant, '!' when not like for like, 'new' when the first lacks it."""
    if position not in rows.index:
        return "-"
    row = rows.loc[position]
    text = f"{100 * row['probability']:5.1f}%"
    if position == 0:
        return text
    if np.isnan(row["change"]):
        return f"{text}    new"
    shown, mark = shown_change(row)
    return f"{text} {shown:+5.1f}{mark or ' '}"


def shown_change(row: pd.Series) -> tuple[float, str]:
    """A row's change as shown, in points to one decimal (never ``-0.0``), and its mark:
    ``*`` significant, ``!`` not like for like, else empty."""
    mark = "*" if row["significant"] else ("!" if not row["like_for_like"] else "")
    return round(100 * row["change"], 1) + 0.0, mark  # + 0.0: no "-0.0"
