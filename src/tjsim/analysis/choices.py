"""The calibration's contestable choices: how the probability of GDP's target, GDP's
median and the joint probability move with each, every choice evaluated on the same
latent draws as the baseline run (common random numbers, :func:`tjsim.engine.evaluate`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..calibration import Calibration, Choice, RecordSpec
from ..engine import DEFAULT_DRAWS, evaluate
from ..errors import CalibrationError, TjsimError
from ..model import CompiledModel, compile_model
from ..scenario import Scenario, baseline
from ..seeding import FIXED_SEED, SeedLike
from .common import common_draws
from .reporting import distribution_parameters

#: Draws and seed of the table of choices (those of the runs the documentation quotes).
DRAWS = DEFAULT_DRAWS
SEED = FIXED_SEED
#: The first row of every table of choices: the baseline itself, the others' reference.
BASELINE = Choice("baseline, as calibrated")


def calibration_choices(calibration: Calibration) -> tuple[Choice, ...]:
    """The calibration's contestable choices (``choices`` in its ``model.yaml``), after
    :data:`BASELINE`."""
    return (BASELINE, *calibration.choices)


def choices_table(
    calibration: Calibration,
    choices: Sequence[Choice] | None = None,
    *,
    draws: int = DRAWS,
    seed: SeedLike = SEED,
) -> pd.DataFrame:
    """Evaluate each choice on the baseline run's draws.

    Parameters
    ----------
    calibration
        A calibration with a ``record`` block (its indicator is GDP's) and one tail
        event.
    choices
        The choices, the baseline's first (its row is the reference of the others);
        default: the calibration's own (:func:`calibration_choices`).
    draws, seed
        Those of the baseline run, ``tjsim.simulate(draws=..., seed=...)``, whose latent
        normals (Monte Carlo) every choice is evaluated on.

    Returns
    -------
    pandas.DataFrame
        One row per choice, indexed by its label (``choice``), with columns:

        ``parameters``, ``events``, ``reading``, ``mean_from``
            What the choice changes, as given.
        ``mean``
            The mean ``mean_from`` sets (NaN when it sets none).
        one column per distribution parameter
            The five of the record's fitted ``distribution``
            (:func:`~tjsim.analysis.reporting.distribution_parameters`) other than the
            break's impact, under the choice (the break's probability is the
            tail event's, so a choice of that event's probability shows there); none
            when the calibration does not state all six.
        ``probability``
            P(GDP target met), the record indicator's default reading.
        ``median``
            GDP's median.
        ``joint``
            P(every target in force met).
        ``error``
            Why the calibration refuses the choice ("" when it does not): its error,
            which names the total the choice leaves unreachable (the other components
            already give its indicator more than its spread); ``probability``,
            ``median`` and ``joint`` are NaN then.

    Raises
    ------
    CalibrationError
        When the calibration has no ``record`` block or no tail event.
    """
    if choices is None:
        choices = calibration_choices(calibration)
    record = _record(calibration)
    common = common_draws(calibration, baseline(calibration), draws=draws, seed=seed, method="mc")
    base = common.model
    latent = np.vstack([chunk.latent() for chunk in common.passes()])
    rows = [_row(calibration, record, choice, base, latent) for choice in choices]
    return pd.DataFrame(rows, index=pd.Index([c.label for c in choices], name="choice"))


def _record(calibration: Calibration) -> RecordSpec:
    if calibration.record is None:
        raise CalibrationError("the calibration has no 'record' block", key="record")
    return calibration.record


def _tail_event(calibration: Calibration) -> str:
    if not calibration.tail_events:
        raise CalibrationError("the calibration has no tail event", key="events")
    return calibration.tail_events[0]


def _scenario(
    calibration: Calibration, record: RecordSpec, choice: Choice, values: Mapping[str, float]
) -> tuple[Scenario, float]:
    """The scenario of ``choice`` and the mean it sets (NaN for none); ``values`` are the
    baseline's parameters."""
    scenario = Scenario()
    for pid, value in choice.parameters.items():
        scenario = scenario.with_parameter(pid, value)
    for eid, p in choice.events.items():
        scenario = scenario.with_event(eid, p)
    if choice.reading is not None:
        scenario = scenario.with_reading(choice.reading)
    mean = float("nan")
    if choice.mean_from is None:
        return scenario, mean
    if record.fitted is None or (choice.mean_from == "projection" and record.projection is None):
        needed = "fitted" if record.fitted is None else "projection"
        raise CalibrationError(
            f"choice {choice.label!r} sets GDP's mean from {choice.mean_from!r}: the record "
            f"states no {needed!r}",
            key="choices",
        )
    if choice.mean_from == "target + bias":
        mean = _target(calibration, record, values) + values[record.bias]
    else:
        mean = values[str(record.projection)]
    return scenario.with_parameter(record.fitted.distribution[0], mean), mean


def _target(calibration: Calibration, record: RecordSpec, values: Mapping[str, float]) -> float:
    """The threshold of the record indicator's target, under its default reading."""
    threshold = calibration.targets[record.indicator].rule.threshold
    if threshold is None:
        raise CalibrationError(
            "the target compares to another indicator: it has no threshold to centre on",
            key=f"targets.{record.indicator}",
        )
    return calibration.value(threshold, values, "targets.yaml", record.indicator)


def _row(
    calibration: Calibration,
    record: RecordSpec,
    choice: Choice,
    base: CompiledModel,
    latent: np.ndarray,
) -> dict[str, object]:
    """One choice's row of :func:`choices_table`, evaluated on ``latent``."""
    scenario, mean = _scenario(calibration, record, choice, base.parameters)
    row: dict[str, object] = {
        "parameters": dict(choice.parameters),
        "events": dict(choice.events),
        "reading": choice.reading,
        "mean_from": choice.mean_from,
        "mean": mean,
    }
    nan = float("nan")
    try:
        model = compile_model(calibration, scenario)
    except TjsimError as exc:
        parameters = calibration.parameters(dict(choice.parameters))
        error = _refusal(calibration, exc)
        return {**row, **_distribution(calibration, choice, parameters)} | {
            "probability": nan,
            "median": nan,
            "joint": nan,
            "error": error,
        }
    if not np.array_equal(model.correlation, base.correlation):
        raise ValueError(f"choice {choice.label!r} changes the correlations; draws not common")
    out = evaluate(model, latent)
    targets = [t.id for t in model.primary_targets]
    return {**row, **_distribution(calibration, choice, model.parameters)} | {
        "probability": float(out.met[:, targets.index(record.indicator)].mean()),
        "median": float(np.median(out.values[:, model.indicators.index(record.indicator)])),
        "joint": float(out.met[:, -1].mean()),
        "error": "",
    }


def _distribution(
    calibration: Calibration, choice: Choice, values: Mapping[str, float]
) -> dict[str, float]:
    """GDP's distribution parameters under a choice (the break's impact left out; the
    break's probability is the tail event's); none for a calibration that does not
    state its GDP distribution in them (no ``fitted.yaml``)."""
    names = distribution_parameters(calibration)
    if not names or not all(name in values for name in names):
        return {}
    tail = _tail_event(calibration)
    out = {name: float(values[name]) for name in names}
    probability = calibration.events[tail].probability
    if tail in choice.events:
        out[names[3]] = choice.events[tail]
    elif probability is not None:
        out[names[3]] = calibration.value(probability, values, "model.yaml", f"events.{tail}")
    del out[names[4]]
    return out


def _refusal(calibration: Calibration, exc: TjsimError) -> str:
    """Why the calibration refuses a choice: its error's message (which names the total
    left unreachable), without the calibration's file paths."""
    message = exc.message
    for path in calibration.files.values():
        message = message.replace(f"{path}: ", "")
    return message
