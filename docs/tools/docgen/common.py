"""What several pages use: the calibration's values and compiled baseline, its record,
and the runs the pages quote, each computed once per calibration and process."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pandas as pd

from tjsim.calibration import Calibration, RecordSpec
from tjsim.calibration.files import DEFAULT_CALIBRATION
from tjsim.model import CompiledModel

#: Draws and seed of the runs the pages quote: the readings, central against mean and
#: median, and the table of choices, all on the same draws.
RUN_DRAWS = 100_000
RUN_SEED = 2024

#: Per calibration object (kept alive with it): what is computed from it once per
#: process; each is a pure function of the calibration.
_MEMO: dict[tuple[str, int], tuple[object, Any]] = {}


def memo(kind: str, key: object, make: Callable[[], Any]) -> Any:
    """``make()``, computed once per ``kind`` and ``key`` object (a calibration)."""
    slot = (kind, id(key))
    if slot not in _MEMO or _MEMO[slot][0] is not key:
        _MEMO[slot] = (key, make())
    return _MEMO[slot][1]


class _Key:
    """A stand-in calibration for memoising what does not depend on one."""


#: The key of what is computed once per process whatever the calibration.
NO_CALIBRATION: Any = _Key()


def values(cal: Calibration) -> dict[str, float]:
    """Every parameter's value (do not modify the dictionary returned)."""
    return memo("values", cal, cal.parameters)


def compiled(cal: Calibration) -> CompiledModel:
    """The calibration's baseline, compiled."""
    from tjsim.model import compile_model

    return memo("model", cal, lambda: compile_model(cal))


def record(cal: Calibration) -> RecordSpec:
    """The calibration's record block (GDP's, whose indicator the pages quote)."""
    if cal.record is None:
        raise KeyError("the calibration has no 'record' block")
    return cal.record


def tail_event(cal: Calibration) -> str:
    """The calibration's (first) tail event: the regime break."""
    return next(eid for eid, event in cal.events.items() if event.tail)


def run_call(cal: Calibration) -> str:
    """The call that gives the quoted runs, as the pages show it:
    ``tjsim.simulate(draws=100_000, seed=2024)``, naming the calibration unless it is the
    default one."""
    named = "" if cal.name == DEFAULT_CALIBRATION else f'calibration="{cal.name}", '
    return f"tjsim.simulate({named}draws={RUN_DRAWS:_}, seed={RUN_SEED})"


class QuotedRuns:
    """The baseline run (a ``tjsim.SimulationResult``) and what is evaluated on its
    draws: the table of choices (``tjsim.analysis.choices_table``, computed when first
    asked for: its default choices name the default calibration's parameters) and GDP
    without the regime break."""

    def __init__(self, cal: Calibration, baseline: Any) -> None:
        self.calibration = cal
        self.baseline = baseline

    @cached_property
    def choices(self) -> pd.DataFrame:
        """The table of the library's contestable choices, on the baseline's draws."""
        from tjsim.analysis import choices_table

        return self._checked(choices_table(self.calibration, draws=RUN_DRAWS, seed=RUN_SEED))

    @cached_property
    def without_tail(self) -> pd.Series:
        """The row of ``choices_table`` with the tail event's probability at zero."""
        from tjsim.analysis import choices_table
        from tjsim.analysis.choices import Choice

        choices = (
            Choice("baseline"),
            Choice("no tail", events={tail_event(self.calibration): 0.0}),
        )
        table = choices_table(self.calibration, choices, draws=RUN_DRAWS, seed=RUN_SEED)
        return self._checked(table).iloc[1]

    def _checked(self, choices: pd.DataFrame) -> pd.DataFrame:
        """``choices``, once its first row is found to be the baseline run's."""
        reference = choices.iloc[0]
        run = self.baseline.probabilities().loc[record(self.calibration).indicator, "probability"]
        if (
            abs(reference["probability"] - run) > 3 / RUN_DRAWS
            or abs(reference["joint"] - self.baseline.joint()["probability"]) > 3 / RUN_DRAWS
        ):
            raise AssertionError("the choices are not evaluated on the baseline run's draws")
        return choices


_RUNS: dict[str, QuotedRuns] = {}


def quoted_runs(cal: Calibration) -> QuotedRuns:
    """The runs the pages quote, computed once per calibration (by content) and process."""
    from tjsim.api import simulate

    key = hashlib.sha256(repr(cal).encode("utf-8")).hexdigest()
    if key not in _RUNS:
        _RUNS[key] = QuotedRuns(cal, simulate(draws=RUN_DRAWS, seed=RUN_SEED, calibration=cal))
    return _RUNS[key]
