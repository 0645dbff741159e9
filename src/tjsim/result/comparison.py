"""ComparisonResult: scenarios simulated on common random numbers, each compared with
the first (:func:`tjsim.compare` returns one; :mod:`tjsim.analysis.compare` fills it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import figures
from ..report.comparison import format_comparison, targets
from ..report.html import comparison_html
from .simulation import SimulationResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Smallest change (as a probability) that shows at one decimal in percent: a change
#: that rounds to 0.0 points is never marked significant.
SHOWN_CHANGE = 0.0005


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
        return frame.loc[targets(self), self.names[1:]]

    # ---------------------------------------------------------------- display
    def __str__(self) -> str:
        return format_comparison(self)

    def __repr__(self) -> str:
        meta = self.metadata
        return (
            f"<ComparisonResult scenarios={self.names!r} draws={meta['draws']:,} "
            f"method={meta['method']} seed={meta['seed']} error={meta['error']}>"
        )

    def _repr_html_(self) -> str:
        return comparison_html(self)

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
            order=targets(self),
            title=f"change from {self.names[0]}",
            ax=ax,
            **kwargs,
        )

    def _title(self) -> str:
        return " vs ".join(self.names)
