r"""Compile a calibration and a scenario into arrays the engine evaluates for all draws.

Every variable is an affine function of the random basis :math:`x` (one column per
shocked variable, holding its centred shock, and one per event, holding its 0/1
indicator). Compiling walks the equations in dependency order and yields

.. math:: v = c + L x, \qquad m_t = s_t\,(v_{i(t)} - \tau_t) \;\text{or}\; s_t\,(v_{i(t)} - v_{j(t)})

for the ``(m,)`` indicator vector :math:`v` and the ``(T,)`` target margins :math:`m`;
target :math:`t` is met when :math:`m_t \ge 0` (or :math:`> 0` for a strict reading),
with :math:`s_t = -1` for ``<=``/``<`` readings. The latent normals :math:`z` of the
Gaussian copula have correlation :math:`R = CC^\top`; shock :math:`k` is
:math:`x_k = F_k^{-1}(\Phi(z_k))` centred, and event :math:`e` occurs when
:math:`z_e < \Phi^{-1}(p_e)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from . import expressions
from .calibration import (
    Calibration,
    CalibrationError,
    TargetSpec,
    check_shock,
    target_spec,
    validate_parameters,
)
from .errors import ScenarioError, TjsimError, unknown
from .expressions import LinearForm
from .marginals import Marginal
from .scenario import DriverChange, Scenario

#: Histogram bin width for quantiles (indicator units); quantiles are exact to half of it.
BIN_WIDTH = 0.004
#: Most histogram bins per indicator (wider indicators get wider bins).
MAX_BINS = 2**16
#: Histogram half-range in bound units (sum of |loading| * shock sd).
RANGE_SDS = 10.0


@dataclass(frozen=True)
class Target:
    """A target resolved against the parameters: ``indicator op threshold|compare_to``."""

    id: str
    indicator: str
    op: str
    threshold: float | None
    compare_to: str | None
    label: str
    wording: str
    source: str

    @classmethod
    def from_spec(
        cls, spec: TargetSpec, threshold: float | None, wording: str, source: str
    ) -> Target:
        """A resolved target from a validated spec and its numeric threshold."""
        return cls(
            spec.id,
            spec.indicator,
            spec.op,
            threshold,
            spec.compare_to,
            spec.label,
            wording,
            source,
        )

    @property
    def reading(self) -> str:
        other = self.compare_to if self.compare_to is not None else f"{self.threshold:g}"
        return f"{self.indicator} {self.op} {other}"


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """Arrays of one calibration under one scenario (shapes: m indicators, T targets,
    k shocks, e events, d = k + e basis columns).

    The latent normals are ``z = F e`` with ``F = cholesky``; ``correlation`` is their
    covariance ``F F^T``, a correlation matrix unless the model is conditioned on
    observations (:mod:`tjsim.quarterly`).
    """

    calibration: str
    version: str
    scenario: str
    indicators: tuple[str, ...]
    labels: tuple[str, ...]
    units: tuple[str, ...]
    layers: tuple[str, ...]
    basis: tuple[str, ...]
    n_shocks: int
    marginals: tuple[Marginal, ...]
    event_probabilities: np.ndarray  # (e,)
    correlation: np.ndarray  # (d, d)
    cholesky: np.ndarray  # (d, d) lower triangular
    baseline: np.ndarray  # (m,) values with shocks, events and shifts off
    constant: np.ndarray  # (m,) baseline plus scenario shifts
    loadings: np.ndarray  # (m, d)
    targets: tuple[Target, ...]
    target_constant: np.ndarray  # (T,)
    target_loadings: np.ndarray  # (T, d)
    target_strict: np.ndarray  # (T,) bool
    parameters: Mapping[str, float]

    def basis_means(self) -> np.ndarray:
        """Exact expected value of every basis column, ``(d,)``.

        Zero for shocks and ``p`` for events, unless the latent normals have been
        shifted or rescaled by conditioning on observations; then each column's mean is
        a one-dimensional Gaussian integral, computed by Gauss-Hermite quadrature
        (events: a normal CDF).
        """
        k = self.n_shocks
        scale = np.sqrt(np.diag(self.correlation))
        shifted = any(mg.latent_shift for mg in self.marginals)
        if not shifted and np.allclose(scale, 1.0, rtol=0, atol=1e-12):
            return np.concatenate([np.zeros(k), self.event_probabilities])
        nodes, weights = np.polynomial.hermite_e.hermegauss(80)
        weights = weights / weights.sum()
        shocks = [
            float(weights @ mg.from_normal(s * nodes))
            for mg, s in zip(self.marginals, scale[:k], strict=True)
        ]
        with np.errstate(divide="ignore", invalid="ignore"):
            events = special.ndtr(self.event_thresholds / scale[k:])
        return np.concatenate([shocks, np.nan_to_num(events)])

    @property
    def dimension(self) -> int:
        """Random numbers drawn per draw (latent normals: shocks plus events)."""
        return len(self.basis)

    @property
    def event_thresholds(self) -> np.ndarray:
        """Latent-normal thresholds: event ``e`` occurs when ``z_e < threshold_e``."""
        return special.ndtri(self.event_probabilities)

    @property
    def mean(self) -> np.ndarray:
        """Exact expected value of every indicator, ``(m,)``."""
        return self.constant + self.loadings @ self.basis_means()

    def histogram_layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(low, width, bins)`` per indicator for the quantile histograms, ``(m,)`` each.

        The range is the mean plus or minus ``RANGE_SDS`` times the sum of
        ``|loading| * sd`` over shocks, widened by every event impact.
        """
        stds = np.array([mg.std for mg in self.marginals])
        bound = np.abs(self.loadings[:, : self.n_shocks]) @ stds
        events = np.abs(self.loadings[:, self.n_shocks :]).sum(axis=1)
        half = RANGE_SDS * bound + events + 0.5
        low = self.mean - half
        bins = np.clip(np.ceil(2 * half / BIN_WIDTH), 16, MAX_BINS).astype(np.int64)
        return low, 2 * half / bins, bins


def _scenario_error(exc: TjsimError, scenario: Scenario, key: str) -> ScenarioError:
    return ScenarioError(
        exc.message if exc.file is None else str(exc), file=scenario.path, key=exc.key or key
    )


def compile_model(calibration: Calibration, scenario: Scenario | None = None) -> CompiledModel:
    """Compile ``calibration`` under ``scenario`` (default: the baseline)."""
    scenario = scenario or Scenario()
    cal = calibration
    mfile = cal.files.get("model", "model.yaml")
    try:
        params = cal.parameters(scenario.parameters)
    except CalibrationError as exc:
        raise _scenario_error(exc, scenario, "parameters") from None
    if scenario.parameters:
        try:
            validate_parameters(cal, params)
        except CalibrationError as exc:
            raise ScenarioError(
                f"these parameter values make the calibration invalid: {exc}",
                file=scenario.path,
                key="parameters",
            ) from None

    def value(ref: Any, key: str) -> float:
        return cal.value(ref, params, mfile, key)

    # -- drivers: shifts, scales and shapes
    for vid, change in scenario.drivers.items():
        if vid not in cal.variables:
            raise ScenarioError(
                unknown("driver", vid, cal.variables), file=scenario.path, key=f"drivers.{vid}"
            )
        if cal.variables[vid].shock is None and (change.scale != 1.0 or change.distribution):
            shocked = [v for v in cal.variables if cal.variables[v].shock is not None]
            raise ScenarioError(
                f"'{vid}' has no shock to rescale or reshape; variables with shocks: {', '.join(shocked)}",
                file=scenario.path,
                key=f"drivers.{vid}",
            )
    marginals = []
    for vid in cal.shocked:
        spec = cal.variables[vid].shock
        assert spec is not None
        check_shock(spec, mfile, f"variables.{vid}.shock", value)
        change = scenario.drivers.get(vid, DriverChange())
        family = change.distribution or spec.distribution
        df = (
            change.df
            if change.df is not None
            else (value(spec.df, f"variables.{vid}.shock.df") if spec.df is not None else 5.0)
        )
        skew = (
            change.skew
            if change.skew is not None
            else (value(spec.skew, f"variables.{vid}.shock.skew") if spec.skew is not None else 0.0)
        )
        try:
            marginals.append(
                Marginal(
                    family,
                    0.0
                    if scenario.shocks_off
                    else value(spec.spread, f"variables.{vid}.shock.spread") * change.scale,
                    df,
                    skew,
                )
            )  # type: ignore[arg-type]
        except ValueError as exc:
            raise ScenarioError(str(exc), file=scenario.path, key=f"drivers.{vid}") from None

    # -- events: calibrated, overridden, new
    events = resolve_events(cal, scenario, params)
    basis = (*cal.shocked, *events)
    if len(set(basis)) != len(basis):
        clash = sorted({b for b in basis if basis.count(b) > 1})
        raise ScenarioError(
            f"an event cannot share its name with a variable: {', '.join(clash)}",
            file=scenario.path,
            key="events",
        )
    k, d = len(cal.shocked), len(basis)
    column = {name: j for j, name in enumerate(basis)}

    # -- correlation of the latent normals
    corr = np.eye(d)
    pairs = [
        ((a, b), value(ref, f"correlations[{i}]"), mfile, f"correlations[{i}]")
        for i, (a, b, ref) in enumerate(cal.correlations)
    ]
    pairs += [
        (pair, r, scenario.path, f"correlations.{pair[0]}.{pair[1]}")
        for pair, r in scenario.correlations.items()
    ]
    for (a, b), r, file, key in pairs:
        for name in (a, b):
            if name not in column:
                raise ScenarioError(
                    unknown("shocked variable or event", name, basis), file=file, key=key
                )
        if a == b or not -1.0 < r < 1.0:
            raise ScenarioError(
                f"a correlation between two different names must lie in (-1, 1), found {r:g}",
                file=file,
                key=key,
            )
        corr[column[a], column[b]] = corr[column[b], column[a]] = r
    cholesky = correlation_cholesky(corr, file=scenario.path if scenario.correlations else mfile)

    # -- equations in dependency order
    forms: dict[str, LinearForm] = {}

    def resolve(name: str) -> LinearForm:
        if name in forms:
            return forms[name]
        return LinearForm.scalar(params[name], d)

    def baseline_of(name: str) -> LinearForm:
        return LinearForm.scalar(forms[name].constant, d)

    for vid in cal.order:
        spec = cal.variables[vid]
        try:
            form = expressions.compile_linear(spec.tree, resolve, baseline_of, d)
        except expressions.ExpressionError as exc:
            raise CalibrationError(str(exc), file=mfile, key=f"variables.{vid}.equation") from None
        extra = np.zeros(d)
        if spec.shock is not None:
            extra[column[vid]] = 1.0
        for eid, (_, impact) in events.items():
            extra[column[eid]] += impact.get(vid, 0.0)
        shift = scenario.drivers[vid].shift if vid in scenario.drivers else 0.0
        forms[vid] = LinearForm(form.constant, form.shift + shift, form.loadings + extra)

    indicators = tuple(cal.variables)
    constant = np.array([forms[v].value for v in indicators])
    base = np.array([forms[v].constant for v in indicators])
    loadings = np.array([forms[v].loadings for v in indicators]).reshape(len(indicators), d)

    # -- targets
    targets = resolve_targets(cal, scenario, params)
    t_const, t_load, strict = [], [], []
    for target in targets:
        sign = 1.0 if target.op in (">=", ">") else -1.0
        margin = forms[target.indicator] - (
            forms[target.compare_to]
            if target.compare_to is not None
            else LinearForm.scalar(target.threshold or 0.0, d)
        )
        t_const.append(sign * margin.value)
        t_load.append(sign * margin.loadings)
        strict.append(target.op in (">", "<"))

    return CompiledModel(
        calibration=cal.name,
        version=cal.version,
        scenario=scenario.name,
        indicators=indicators,
        labels=tuple(cal.variables[v].label for v in indicators),
        units=tuple(cal.variables[v].unit for v in indicators),
        layers=tuple(cal.variables[v].layer for v in indicators),
        basis=basis,
        n_shocks=k,
        marginals=tuple(marginals),
        event_probabilities=np.array(
            [0.0 if scenario.shocks_off else events[e][0] for e in events], dtype=float
        ),
        correlation=corr,
        cholesky=cholesky,
        baseline=base,
        constant=constant,
        loadings=loadings,
        targets=tuple(targets),
        target_constant=np.array(t_const, dtype=float),
        target_loadings=np.array(t_load, dtype=float).reshape(len(targets), d),
        target_strict=np.array(strict, dtype=bool),
        parameters=dict(params),
    )


def resolve_events(
    cal: Calibration, scenario: Scenario, params: Mapping[str, float]
) -> dict[str, tuple[float, dict[str, float]]]:
    """Event name -> ``(probability, {variable: impact})``: the calibration's events with the
    scenario's overrides and additions."""
    mfile = cal.files.get("model", "model.yaml")
    events: dict[str, tuple[float, dict[str, float]]] = {}
    for eid, spec in cal.events.items():
        impact = {
            v: cal.value(ref, params, mfile, f"events.{eid}.impact.{v}")
            for v, ref in spec.impact.items()
        }
        events[eid] = (
            cal.value(spec.probability, params, mfile, f"events.{eid}.probability"),
            impact,
        )
    for eid, event in scenario.events.items():
        for vid in event.impact:
            if vid not in cal.variables:
                raise ScenarioError(
                    unknown("variable", vid, cal.variables),
                    file=scenario.path,
                    key=f"events.{eid}.impact.{vid}",
                )
        if eid in events and not event.impact:
            events[eid] = (event.probability, events[eid][1])
        elif not event.impact:
            raise ScenarioError(
                "a new event needs an impact on at least one variable",
                file=scenario.path,
                key=f"events.{eid}",
            )
        else:
            events[eid] = (event.probability, dict(event.impact))
    return events


def resolve_targets(
    cal: Calibration, scenario: Scenario, params: Mapping[str, float]
) -> list[Target]:
    """The calibration's targets with the scenario's changes, drops and additions."""
    tfile = cal.files.get("targets", "targets.yaml")
    out: dict[str, Target] = {}
    for tid, spec in cal.targets.items():
        threshold = (
            cal.value(spec.threshold, params, tfile, f"targets.{tid}.threshold")
            if spec.threshold is not None
            else None
        )
        out[tid] = Target.from_spec(spec, threshold, spec.wording, spec.source)
    for tid, change in scenario.targets.items():
        key = f"targets.{tid}"
        if change is None:
            if tid not in out:
                raise ScenarioError(unknown("target", tid, out), file=scenario.path, key=key)
            del out[tid]
            continue
        old = out.get(tid)
        raw = {
            "indicator": change.indicator or (old.indicator if old else None),
            "op": change.op or (old.op if old else None),
            "label": change.label or (old.label if old else ""),
        }
        if change.threshold is not None:
            raw["threshold"] = change.threshold
        elif change.compare_to is not None:
            raw["compare_to"] = change.compare_to
        elif old is not None:
            raw["threshold" if old.threshold is not None else "compare_to"] = (
                old.threshold if old.threshold is not None else old.compare_to
            )
        if raw["indicator"] is None:
            raise ScenarioError(
                "a new target needs an indicator",
                file=scenario.path,
                key=key,
            )
        if raw["op"] is None:
            raise ScenarioError(
                "a new target needs an op (>=, >, <=, <)", file=scenario.path, key=key
            )
        try:
            spec = target_spec(
                tid,
                {k: v for k, v in raw.items() if v not in (None, "")},
                set(cal.variables),
                scenario.path or "scenario",
                key,
            )
        except CalibrationError as exc:
            raise ScenarioError(exc.message, file=scenario.path, key=exc.key) from None
        threshold = float(spec.threshold) if spec.threshold is not None else None
        wording = old.wording if old and change.threshold is None and change.op is None else ""
        out[tid] = Target.from_spec(spec, threshold, wording, old.source if old else "scenario")
    return list(out.values())


def correlation_cholesky(corr: np.ndarray, *, file: str | None = None) -> np.ndarray:
    """Validate a correlation matrix (symmetric, unit diagonal, positive definite) and
    return its lower Cholesky factor."""
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1]:
        raise ScenarioError(
            f"a correlation matrix must be square, found shape {corr.shape}",
            file=file,
            key="correlations",
        )
    if not np.allclose(corr, corr.T, atol=1e-12):
        raise ScenarioError(
            "the correlation matrix is not symmetric", file=file, key="correlations"
        )
    if not np.allclose(np.diag(corr), 1.0):
        raise ScenarioError(
            "the correlation matrix must have a unit diagonal", file=file, key="correlations"
        )
    try:
        return np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(corr).min())
        raise ScenarioError(
            f"the correlations do not form a valid (positive definite) matrix: smallest eigenvalue {smallest:.3g}",
            file=file,
            key="correlations",
        ) from None
