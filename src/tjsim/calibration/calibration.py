"""A calibration: facts with provenance, the model's equations, its shocks and targets.

A calibration is a folder of four YAML files, and an optional fifth:

``facts.yaml``
    Figures from the report (kind ``report``) and other statistics (``statistic``).
``assumptions.yaml``
    Numbers nobody published (elasticities, spreads, central values): kind
    ``assumption``, each with its reason.
``fitted.yaml`` (optional)
    Numbers fitted by a model of the record (kind ``fitted``), with the others' fields.
``model.yaml``
    ``derived`` parameters (expressions of facts), ``share_groups`` that must add up,
    ``variables`` (equation, optional shock), ``correlations`` and ``events``.
``targets.yaml``
    The plan's targets and how each is read.
``notation.yaml`` (optional)
    The LaTeX symbols the documentation writes the equations with
    (:mod:`tjsim.calibration.notation`).

Everything here is data: the engine knows no city. :meth:`Calibration.from_mappings`
builds and validates a calibration from plain data (as read from YAML);
:func:`tjsim.calibration.load_calibration` reads a folder.
"""

from __future__ import annotations

import ast
import graphlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, cast

import numpy as np

from .. import expressions
from ..errors import CalibrationError, TjsimError, unknown
from ..expressions import LinearForm
from ..marginals import FAMILIES
from ..yamlio import kind_of
from .notation import Notation, read_notation
from .panel import QUALIFIERS
from .specs import (
    FACT_FIELDS,
    FACT_KINDS,
    JOINT,
    LAYERS,
    MEAN_FROM,
    OPS,
    Choice,
    EventSpec,
    Fact,
    FittedSpec,
    Number,
    PlanFactorSpec,
    QuarterlySpec,
    ReadingSpec,
    RecordSpec,
    ShareGroup,
    ShockSpec,
    TargetSpec,
    TotalSpec,
    VariableSpec,
)


@dataclass(frozen=True)
class Calibration:
    """A validated calibration. Build with :func:`load_calibration` or :meth:`from_mappings`."""

    name: str
    version: str
    title: str
    facts: tuple[Fact, ...]
    derived: Mapping[str, str]
    variables: Mapping[str, VariableSpec]
    correlations: tuple[tuple[str, str, Number], ...]
    events: Mapping[str, EventSpec]
    targets: Mapping[str, TargetSpec]
    share_groups: tuple[ShareGroup, ...] = ()
    quarterly: QuarterlySpec | None = None
    totals: Mapping[str, TotalSpec] = field(default_factory=dict)
    record: RecordSpec | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    notation: Notation = field(default_factory=Notation)
    choices: tuple[Choice, ...] = ()
    plan_factor: PlanFactorSpec | None = None

    # ------------------------------------------------------------------ building
    @classmethod
    def from_mappings(
        cls,
        facts: list[Mapping[str, Any]],
        model: Mapping[str, Any],
        targets: Mapping[str, Any],
        *,
        files: Mapping[str, str] | None = None,
        notation: Mapping[str, Any] | None = None,
    ) -> Calibration:
        """Build and validate a calibration from plain data (as read from YAML).

        ``files`` maps the sections ``facts``, ``model``, ``targets`` and ``notation`` to
        file names used in error messages; facts may carry a ``_file`` entry naming their
        own file. ``notation`` holds the symbols of ids (a notation file's content,
        :func:`tjsim.calibration.notation.read_notation`); ``None`` for none.
        """
        files = dict(files or {})
        return _build(facts, model, targets, files, notation)

    # ------------------------------------------------------------------ queries
    @cached_property
    def shocked(self) -> tuple[str, ...]:
        """Ids of variables that carry a shock, in file order (the copula's first columns)."""
        return tuple(v for v, spec in self.variables.items() if spec.shock is not None)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Variables in dependency order (each after every variable its equation uses)."""
        return _dependency_order(self.variables, self.files.get("model", "model.yaml"))

    def fact_values(self) -> dict[str, float]:
        return {f.id: f.value for f in self.facts}

    def parameters(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """Every parameter's value: facts (with ``overrides``), then ``derived`` in order."""
        values = self.fact_values()
        for key, value in (overrides or {}).items():
            if key in self.derived:
                raise CalibrationError(
                    f"'{key}' is derived ({self.derived[key]}); override the parameters it uses",
                    key=f"parameters.{key}",
                )
            if key not in values:
                raise CalibrationError(unknown("parameter", key, values), key=f"parameters.{key}")
            values[key] = float(value)
        for key, text in self.derived.items():
            values[key] = _number(
                text, values, self.files.get("model", "model.yaml"), f"derived.{key}"
            )
        return values

    def value(self, ref: Number, parameters: Mapping[str, float], file: str, key: str) -> float:
        """Resolve a number or a parameter expression."""
        return _number(ref, parameters, file, key)

    # ------------------------------------------------------------------ notation
    @cached_property
    def parameter_ids(self) -> frozenset[str]:
        """Ids of every parameter: the facts and the derived parameters."""
        return frozenset(f.id for f in self.facts) | frozenset(self.derived)

    @cached_property
    def tail_events(self) -> tuple[str, ...]:
        """Ids of the tail events (regime breaks, outside the ordinary-year totals), in
        the calibration's order."""
        return tuple(eid for eid, event in self.events.items() if event.tail)

    def symbol(self, ident: str) -> str:
        """The LaTeX symbol of variable, event or parameter ``ident``.

        Parameters
        ----------
        ident
            An id of the calibration.

        Returns
        -------
        str
            The symbol its notation gives it; without one, the id in roman type
            (``\\mathrm{...}``), or ``D_{\\text{...}}`` for an event's 0/1 indicator.

        Raises
        ------
        CalibrationError
            When ``ident`` is no variable, event or parameter of the calibration.
        """
        if ident in self.events:
            return self.notation.event_symbol(ident)
        if ident in self.variables or ident in self.parameter_ids:
            return self.notation.symbol(ident)
        known = [*self.variables, *self.events, *self.parameter_ids]
        raise CalibrationError(unknown("id", ident, known))

    def shock_symbol(self, vid: str) -> str:
        """The LaTeX symbol of variable ``vid``'s shock, e.g. ``\\varepsilon_{I}``
        (``\\varepsilon_{\\mathrm{...}}`` without one)."""
        if vid not in self.variables:
            raise CalibrationError(unknown("variable", vid, self.variables))
        return self.notation.shock_symbol(vid)


# ---------------------------------------------------------------------- validation
@lru_cache(maxsize=4096)
def _parsed(text: Any) -> tuple[ast.Expression, frozenset[str], bool]:
    """A parameter expression's tree, the names it uses and whether it calls a function
    (parsed once: the derived parameters are re-evaluated for every override)."""
    tree = expressions.parse(text)
    calls = any(isinstance(node, ast.Call) for node in ast.walk(tree))
    return tree, frozenset(expressions.names(tree)), calls


def _number(ref: Any, parameters: Mapping[str, float], file: str, key: str) -> float:
    if isinstance(ref, bool):
        raise CalibrationError(
            f"expected a number or a parameter id, found {ref!r}", file=file, key=key
        )
    if isinstance(ref, (int, float)):
        return float(ref)
    try:
        tree, names, calls = _parsed(ref)
    except expressions.ExpressionError as exc:
        raise CalibrationError(str(exc), file=file, key=key) from None
    for name in names:
        if name not in parameters:
            raise CalibrationError(unknown("parameter", name, parameters), file=file, key=key)
    if calls:
        raise CalibrationError("baseline() is only allowed in equations", file=file, key=key)
    try:
        return expressions.evaluate(tree, parameters, {})
    except ZeroDivisionError:
        raise CalibrationError(f"division by zero in {ref!r}", file=file, key=key) from None
    except OverflowError:
        raise CalibrationError(f"{ref!r} is too large to compute", file=file, key=key) from None
    except expressions.ExpressionError as exc:
        raise CalibrationError(str(exc), file=file, key=key) from None


def _mapping(value: Any, file: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CalibrationError(f"expected a mapping, found {kind_of(value)}", file=file, key=key)
    return value


def _check_keys(
    item: Mapping[str, Any],
    allowed: tuple[str, ...],
    required: tuple[str, ...],
    file: str,
    key: str,
) -> None:
    for name in item:
        if name not in allowed:
            raise CalibrationError(
                unknown("key", str(name), allowed), file=file, key=f"{key}.{name}"
            )
    for name in required:
        if name not in item:
            raise CalibrationError(f"missing required key '{name}'", file=file, key=key)


def _build_facts(items: list[Mapping[str, Any]], default_file: str) -> tuple[Fact, ...]:
    facts: list[Fact] = []
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        file = item.get("_file", default_file) if isinstance(item, Mapping) else default_file
        key = f"facts[{index}]"
        item = dict(_mapping(item, file, key))
        item.pop("_file", None)
        _check_keys(item, FACT_FIELDS, FACT_FIELDS, file, key)
        ident = item["id"]
        key = f"facts[{index}] ({ident})"
        if not isinstance(ident, str) or not ident.isidentifier():
            raise CalibrationError(
                f"id must be a snake_case name, found {ident!r}", file=file, key=key
            )
        if ident in seen:
            raise CalibrationError(
                f"duplicate fact id (first defined in {seen[ident]})", file=file, key=key
            )
        seen[ident] = file
        value = item["value"]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise CalibrationError(
                f"value must be a finite number, found {value!r}", file=file, key=f"{key}.value"
            )
        if item["kind"] not in FACT_KINDS:
            raise CalibrationError(
                unknown("kind", str(item["kind"]), FACT_KINDS), file=file, key=f"{key}.kind"
            )
        if isinstance(item["year"], bool) or not isinstance(item["year"], int):
            raise CalibrationError(
                f"year must be an integer, found {item['year']!r}", file=file, key=f"{key}.year"
            )
        for text_field in ("unit", "label", "source"):
            if not isinstance(item[text_field], str) or not item[text_field].strip():
                raise CalibrationError(
                    "must be a non-empty string", file=file, key=f"{key}.{text_field}"
                )
        facts.append(
            Fact(
                ident,
                float(value),
                item["unit"],
                item["year"],
                item["kind"],
                item["label"],
                item["source"],
            )
        )
    return tuple(facts)


def _build(
    facts_in: list[Mapping[str, Any]],
    model: Mapping[str, Any],
    targets_in: Mapping[str, Any],
    files: dict[str, str],
    notation_in: Mapping[str, Any] | None = None,
) -> Calibration:
    mfile = files.setdefault("model", "model.yaml")
    tfile = files.setdefault("targets", "targets.yaml")
    facts = _build_facts(list(facts_in), files.get("facts", "facts.yaml"))
    _check_keys(
        model,
        (
            "name",
            "version",
            "title",
            "derived",
            "share_groups",
            "variables",
            "correlations",
            "events",
            "quarterly",
            "totals",
            "record",
            "choices",
            "plan_factor",
        ),
        ("name", "version", "variables"),
        mfile,
        "(top level)",
    )
    derived = {
        str(k): str(v) for k, v in _mapping(model.get("derived") or {}, mfile, "derived").items()
    }
    fact_ids = {f.id for f in facts}
    for key in derived:
        if key in fact_ids:
            raise CalibrationError(
                "a derived parameter cannot reuse a fact id", file=mfile, key=f"derived.{key}"
            )

    variables: dict[str, VariableSpec] = {}
    for vid, raw in _mapping(model["variables"], mfile, "variables").items():
        key = f"variables.{vid}"
        raw = _mapping(raw, mfile, key)
        _check_keys(
            raw,
            ("layer", "label", "unit", "equation", "shock"),
            ("layer", "label", "unit", "equation"),
            mfile,
            key,
        )
        if raw["layer"] not in LAYERS:
            raise CalibrationError(
                unknown("layer", str(raw["layer"]), LAYERS), file=mfile, key=f"{key}.layer"
            )
        if str(vid) in fact_ids or str(vid) in derived:
            raise CalibrationError(
                "a variable cannot share its id with a parameter", file=mfile, key=key
            )
        shock = None
        if raw.get("shock") is not None:
            s = _mapping(raw["shock"], mfile, f"{key}.shock")
            _check_keys(
                s,
                ("distribution", "spread", "df", "skew"),
                ("distribution",),
                mfile,
                f"{key}.shock",
            )
            if s["distribution"] not in FAMILIES:
                raise CalibrationError(
                    unknown("distribution", str(s["distribution"]), FAMILIES),
                    file=mfile,
                    key=f"{key}.shock.distribution",
                )
            shock = ShockSpec(s["distribution"], s.get("spread"), s.get("df"), s.get("skew"))
        spec = VariableSpec(
            str(vid), raw["layer"], str(raw["label"]), str(raw["unit"]), str(raw["equation"]), shock
        )
        try:
            spec.tree  # noqa: B018 - parse now to report syntax errors with the key
        except expressions.ExpressionError as exc:
            raise CalibrationError(str(exc), file=mfile, key=f"{key}.equation") from None
        variables[spec.id] = spec

    events: dict[str, EventSpec] = {}
    for eid, raw in _mapping(model.get("events") or {}, mfile, "events").items():
        key = f"events.{eid}"
        raw = _mapping(raw, mfile, key)
        _check_keys(
            raw,
            ("label", "probability", "impact", "source", "tail", "size_spread"),
            ("label", "probability", "impact"),
            mfile,
            key,
        )
        if str(eid) in variables:
            raise CalibrationError(
                "an event cannot share its name with a variable", file=mfile, key=key
            )
        impact = dict(_mapping(raw["impact"], mfile, f"{key}.impact"))
        for target in impact:
            if target not in variables:
                raise CalibrationError(
                    unknown("variable", str(target), variables),
                    file=mfile,
                    key=f"{key}.impact.{target}",
                )
        tail = raw.get("tail", False)
        if not isinstance(tail, bool):
            raise CalibrationError(
                f"expected true or false, found {tail!r}", file=mfile, key=f"{key}.tail"
            )
        size_spread = raw.get("size_spread")
        if size_spread is not None and len(impact) != 1:
            raise CalibrationError(
                f"an event of random size (size_spread) has exactly one impact, found "
                f"{len(impact)}; the size spread is in that impact's unit",
                file=mfile,
                key=f"{key}.size_spread",
            )
        events[str(eid)] = EventSpec(
            str(eid),
            str(raw["label"]),
            raw["probability"],
            impact,
            str(raw.get("source", "")),
            tail,
            size_spread,
        )

    correlations = []
    for index, raw in enumerate(model.get("correlations") or []):
        key = f"correlations[{index}]"
        if not (isinstance(raw, list) and len(raw) == 3):
            raise CalibrationError("expected [name, name, value]", file=mfile, key=key)
        a, b, value = raw
        for name in (a, b):
            if name not in events and not (name in variables and variables[name].shock is not None):
                options = [v for v, s in variables.items() if s.shock is not None] + list(events)
                raise CalibrationError(
                    unknown("shocked variable or event", str(name), options), file=mfile, key=key
                )
        if a == b:
            raise CalibrationError("a correlation needs two different names", file=mfile, key=key)
        correlations.append((str(a), str(b), value))

    targets: dict[str, TargetSpec] = {}
    tmap = (
        _mapping(targets_in.get("targets"), tfile, "targets")
        if isinstance(targets_in, Mapping)
        else None
    )
    if tmap is None:
        raise CalibrationError("expected a mapping under 'targets'", file=tfile)
    for tid, raw in tmap.items():
        targets[str(tid)] = target_spec(str(tid), raw, set(variables), tfile, f"targets.{tid}")

    share_groups = []
    for gid, raw in _mapping(model.get("share_groups") or {}, mfile, "share_groups").items():
        raw = _mapping(raw, mfile, f"share_groups.{gid}")
        _check_keys(
            raw, ("parts", "total", "tolerance", "exact"), ("parts",), mfile, f"share_groups.{gid}"
        )
        share_groups.append(
            ShareGroup(
                str(gid),
                tuple(raw["parts"]),
                float(raw.get("total", 100.0)),
                float(raw.get("tolerance", 0.05)),
                bool(raw.get("exact", True)),
            )
        )

    quarterly = None
    if model.get("quarterly") is not None:
        raw = _mapping(model["quarterly"], mfile, "quarterly")
        _check_keys(
            raw,
            ("weights", "persistence", "variables"),
            ("weights", "persistence", "variables"),
            mfile,
            "quarterly",
        )
        weights = raw["weights"]
        if not (isinstance(weights, list) and len(weights) == 4):
            raise CalibrationError(
                "expected a list of four quarter weights", file=mfile, key="quarterly.weights"
            )
        qvars = dict(_mapping(raw["variables"], mfile, "quarterly.variables"))
        for vid in qvars:
            if vid not in variables:
                raise CalibrationError(
                    unknown("variable", str(vid), variables),
                    file=mfile,
                    key=f"quarterly.variables.{vid}",
                )
        quarterly = QuarterlySpec(tuple(weights), raw["persistence"], qvars)  # type: ignore[arg-type]

    totals = _build_totals(model.get("totals"), variables, mfile)
    record = _build_record(model.get("record"), variables, mfile)
    parameter_ids = fact_ids | set(derived)
    readings = {name for target in targets.values() for name in target.readings}
    choices = _build_choices(model.get("choices"), parameter_ids, events, readings, mfile)
    plan_factor = _build_plan_factor(model.get("plan_factor"), parameter_ids, mfile)
    notation = read_notation(
        notation_in,
        {"variable": variables, "event": events, "parameter": parameter_ids},
        files.get("notation", "notation.yaml"),
    )

    calibration = Calibration(
        name=str(model["name"]),
        version=str(model["version"]),
        title=str(model.get("title", model["name"])),
        facts=facts,
        derived=derived,
        variables=variables,
        correlations=tuple(correlations),
        events=events,
        targets=targets,
        share_groups=tuple(share_groups),
        quarterly=quarterly,
        totals=totals,
        record=record,
        files=files,
        notation=notation,
        choices=choices,
        plan_factor=plan_factor,
    )
    params = calibration.parameters()
    validate_parameters(calibration, params)
    calibration.order  # noqa: B018 - raises on an equation cycle
    _check_linear(calibration, params)
    correlation_cholesky(_correlation_matrix(calibration, params), file=mfile)
    return calibration


def _check_linear(calibration: Calibration, params: Mapping[str, float]) -> None:
    """Every equation must be linear in the variables: compile each one, in dependency
    order, over a basis with one column per shocked variable."""
    mfile = calibration.files.get("model", "model.yaml")
    size = len(calibration.shocked)
    column = {vid: j for j, vid in enumerate(calibration.shocked)}
    forms: dict[str, LinearForm] = {}

    def resolve(name: str) -> LinearForm:
        return forms[name] if name in forms else LinearForm.scalar(params[name], size)

    def baseline_of(name: str) -> LinearForm:
        return LinearForm.scalar(forms[name].constant, size)

    for vid in calibration.order:
        try:
            form = expressions.compile_linear(
                calibration.variables[vid].tree, resolve, baseline_of, size
            )
        except expressions.ExpressionError as exc:
            raise CalibrationError(str(exc), file=mfile, key=f"variables.{vid}.equation") from None
        if vid in column:
            loadings = form.loadings.copy()
            loadings[column[vid]] += 1.0
            form = LinearForm(form.constant, form.shift, loadings)
        forms[vid] = form


def _correlation_matrix(calibration: Calibration, params: Mapping[str, float]) -> np.ndarray:
    """The calibration's correlation matrix of the latent normals (shocks, then events)."""
    names = [*calibration.shocked, *calibration.events]
    index = {name: j for j, name in enumerate(names)}
    corr = np.eye(len(names))
    mfile = calibration.files.get("model", "model.yaml")
    for i, (a, b, ref) in enumerate(calibration.correlations):
        r = calibration.value(ref, params, mfile, f"correlations[{i}]")
        corr[index[a], index[b]] = corr[index[b], index[a]] = r
    return corr


def correlation_cholesky(
    corr: np.ndarray, *, file: str | None = None, error: type[TjsimError] = CalibrationError
) -> np.ndarray:
    """Validate a correlation matrix (symmetric, unit diagonal, positive definite) and
    return its lower Cholesky factor; problems raise ``error`` naming ``file``."""
    if corr.ndim != 2 or corr.shape[0] != corr.shape[1]:
        raise error(
            f"a correlation matrix must be square, found shape {corr.shape}",
            file=file,
            key="correlations",
        )
    if not np.allclose(corr, corr.T, atol=1e-12):
        raise error("the correlation matrix is not symmetric", file=file, key="correlations")
    if not np.allclose(np.diag(corr), 1.0):
        raise error(
            "the correlation matrix must have a unit diagonal", file=file, key="correlations"
        )
    try:
        return np.linalg.cholesky(corr)
    except np.linalg.LinAlgError:
        smallest = float(np.linalg.eigvalsh(corr).min())
        raise error(
            "the correlations do not form a valid (positive definite) matrix: smallest "
            f"eigenvalue {smallest:.3g}",
            file=file,
            key="correlations",
        ) from None


def _build_totals(
    raw: Any, variables: Mapping[str, VariableSpec], mfile: str
) -> dict[str, TotalSpec]:
    """Validate the ``totals`` block; every shock without a spread must be the free
    component of exactly one total, and every free component has no spread of its own."""
    totals: dict[str, TotalSpec] = {}
    free_of: dict[str, str] = {}
    for vid, item in _mapping(raw or {}, mfile, "totals").items():
        key = f"totals.{vid}"
        item = _mapping(item, mfile, key)
        _check_keys(item, ("spread", "free", "relative_to"), ("spread", "free"), mfile, key)
        for name, value in (
            ("", vid),
            (".free", item["free"]),
            (".relative_to", item.get("relative_to")),
        ):
            if value is not None and value not in variables:
                raise CalibrationError(
                    unknown("variable", str(value), variables), file=mfile, key=f"{key}{name}"
                )
        free = str(item["free"])
        spec = variables[free].shock
        if spec is None:
            shocked = [v for v, s in variables.items() if s.shock is not None]
            raise CalibrationError(
                f"the free component '{free}' has no shock; variables with shocks: "
                + ", ".join(shocked),
                file=mfile,
                key=f"{key}.free",
            )
        if spec.spread is not None:
            raise CalibrationError(
                f"the spread of '{free}' is solved by this total; remove "
                f"variables.{free}.shock.spread",
                file=mfile,
                key=f"{key}.free",
            )
        if free in free_of:
            raise CalibrationError(
                f"'{free}' already closes totals.{free_of[free]}", file=mfile, key=f"{key}.free"
            )
        free_of[free] = str(vid)
        relative_to = item.get("relative_to")
        totals[str(vid)] = TotalSpec(
            str(vid),
            item["spread"],
            free,
            None if relative_to is None else str(relative_to),
        )
    for vid, variable in variables.items():
        if variable.shock is not None and variable.shock.spread is None and vid not in free_of:
            raise CalibrationError(
                "missing required key 'spread' (or make this shock the free component of a total)",
                file=mfile,
                key=f"variables.{vid}.shock",
            )
    return totals


def _build_record(raw: Any, variables: Mapping[str, VariableSpec], mfile: str) -> RecordSpec | None:
    """Validate the ``record`` block (its parameter names are checked with the values)."""
    if raw is None:
        return None
    names: tuple[str, ...] = ("outturn", "target", "ordinary", "tail", "bias", "spread")
    names += ("tail_probability", "tail_impact")
    item = _mapping(raw, mfile, "record")
    optional = ("panel_region", "projection", "fitted")
    _check_keys(
        item,
        ("indicator", "years", *names, *optional),
        ("indicator", "years", *names),
        mfile,
        "record",
    )
    if item["indicator"] not in variables:
        raise CalibrationError(
            unknown("variable", str(item["indicator"]), variables),
            file=mfile,
            key="record.indicator",
        )
    years = item["years"]
    if not (
        isinstance(years, list)
        and len(years) >= 3
        and all(isinstance(y, int) and not isinstance(y, bool) for y in years)
    ):
        raise CalibrationError(
            f"expected a list of at least three years, found {years!r}",
            file=mfile,
            key="record.years",
        )
    fitted = _build_fitted(item.get("fitted"), mfile)
    if fitted is not None and item.get("panel_region") is None:
        raise CalibrationError(
            "a record with a fitted block needs the panel_region it is fitted for",
            file=mfile,
            key="record.panel_region",
        )
    panel_region, projection = (
        None if item.get(key) is None else str(item[key]) for key in ("panel_region", "projection")
    )
    outturn, target, ordinary, tail, bias, spread, probability, impact = (
        str(item[n]) for n in names
    )
    return RecordSpec(
        str(item["indicator"]),
        tuple(years),
        outturn,
        target,
        ordinary,
        tail,
        bias,
        spread,
        probability,
        impact,
        panel_region=panel_region,
        projection=projection,
        fitted=fitted,
    )


def _build_fitted(raw: Any, mfile: str) -> FittedSpec | None:
    """Validate the record's ``fitted`` block (its target is checked with the values)."""
    if raw is None:
        return None
    names = ("target", "qualifier", "distribution", "projection", "weight", "bias", "bias_sd")
    item = _mapping(raw, mfile, "record.fitted")
    _check_keys(item, names, names, mfile, "record.fitted")
    distribution = item["distribution"]
    if not (
        isinstance(distribution, list)
        and len(distribution) == 6
        and all(isinstance(d, str) for d in distribution)
    ):
        raise CalibrationError(
            f"expected a list of six parameter names, found {distribution!r}",
            file=mfile,
            key="record.fitted.distribution",
        )
    if item["qualifier"] not in QUALIFIERS:
        raise CalibrationError(
            unknown("qualifier", str(item["qualifier"]), QUALIFIERS),
            file=mfile,
            key="record.fitted.qualifier",
        )
    centre, spread, skew, probability, impact, size = (str(d) for d in distribution)
    return FittedSpec(
        target=str(item["target"]),
        qualifier=str(item["qualifier"]),
        distribution=(centre, spread, skew, probability, impact, size),
        projection=str(item["projection"]),
        weight=str(item["weight"]),
        bias=str(item["bias"]),
        bias_sd=str(item["bias_sd"]),
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _build_choices(
    raw: Any,
    parameters: set[str],
    events: Mapping[str, EventSpec],
    readings: set[str],
    mfile: str,
) -> tuple[Choice, ...]:
    """Validate the ``choices`` block: a list of changes to the baseline, each with a
    unique ``label`` and known parameters, events and reading."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CalibrationError(f"expected a list, found {kind_of(raw)}", file=mfile, key="choices")
    out: list[Choice] = []
    for i, entry in enumerate(raw):
        key = f"choices[{i}]"
        item = _mapping(entry, mfile, key)
        _check_keys(
            item, ("label", "parameters", "events", "reading", "mean_from"), ("label",), mfile, key
        )
        label = item["label"]
        if not isinstance(label, str) or not label.strip():
            raise CalibrationError("expected a non-empty label", file=mfile, key=f"{key}.label")
        if label in {c.label for c in out}:
            raise CalibrationError(f"duplicate label {label!r}", file=mfile, key=f"{key}.label")
        changes: dict[str, dict[str, float]] = {}
        for part, known, what in (
            ("parameters", parameters, "parameter"),
            ("events", events, "event"),
        ):
            values = _mapping(item.get(part) or {}, mfile, f"{key}.{part}")
            for name, value in values.items():
                where = f"{key}.{part}.{name}"
                if name not in known:
                    raise CalibrationError(unknown(what, str(name), known), file=mfile, key=where)
                if not _finite(value) or (part == "events" and not 0 <= value <= 1):
                    expected = "a probability in [0, 1]" if part == "events" else "a number"
                    raise CalibrationError(
                        f"expected {expected}, found {value!r}", file=mfile, key=where
                    )
            changes[part] = {str(k): float(v) for k, v in values.items()}
        reading = item.get("reading")
        if reading is not None and reading not in readings:
            raise CalibrationError(
                unknown("reading", str(reading), readings), file=mfile, key=f"{key}.reading"
            )
        mean_from = item.get("mean_from")
        if mean_from is not None and mean_from not in MEAN_FROM:
            raise CalibrationError(
                unknown("mean_from", str(mean_from), MEAN_FROM), file=mfile, key=f"{key}.mean_from"
            )
        out.append(Choice(label, changes["parameters"], changes["events"], reading, mean_from))
    return tuple(out)


def _build_plan_factor(raw: Any, parameters: set[str], mfile: str) -> PlanFactorSpec | None:
    """Validate the ``plan_factor`` block: the loading's parameter and the record of
    headline counts (year -> number of headline targets met)."""
    if raw is None:
        return None
    item = _mapping(raw, mfile, "plan_factor")
    _check_keys(item, ("parameter", "record"), ("parameter", "record"), mfile, "plan_factor")
    if item["parameter"] not in parameters:
        raise CalibrationError(
            unknown("parameter", str(item["parameter"]), parameters),
            file=mfile,
            key="plan_factor.parameter",
        )
    record = _mapping(item["record"], mfile, "plan_factor.record")
    if not record or not all(_whole(y) and _whole(n) and n >= 0 for y, n in record.items()):
        raise CalibrationError(
            f"expected a mapping of years to counts of targets met, found {dict(record)!r}",
            file=mfile,
            key="plan_factor.record",
        )
    return PlanFactorSpec(str(item["parameter"]), {int(y): int(n) for y, n in record.items()})


def target_spec(tid: str, raw: Any, variables: set[str], file: str, key: str) -> TargetSpec:
    """Validate one target mapping.

    A target gives either one rule at its top level (``op`` and ``threshold`` or
    ``compare_to``, optionally ``rounding`` or ``tolerance``: one reading, named by
    ``reading`` or ``default``) or several named ``readings`` and the name of the
    default ``reading``; ``headline: true`` marks one of the plan's headline goals.
    The id ``joint`` is reserved for all targets met together.
    """
    if tid == JOINT:
        raise CalibrationError(
            f"'{JOINT}' is reserved for all targets met together; give the target another id",
            file=file,
            key=key,
        )
    raw = _mapping(raw, file, key)
    rule_keys = ("op", "threshold", "compare_to", "rounding", "tolerance")
    _check_keys(
        raw,
        ("indicator", "label", "wording", "source", "headline", "reading", "readings", *rule_keys),
        ("indicator",),
        file,
        key,
    )
    if raw["indicator"] not in variables:
        raise CalibrationError(
            unknown("indicator", str(raw["indicator"]), variables),
            file=file,
            key=f"{key}.indicator",
        )
    headline = raw.get("headline", False)
    if not isinstance(headline, bool):
        raise CalibrationError(
            f"headline must be true or false, found {headline!r}", file=file, key=f"{key}.headline"
        )
    default = raw.get("reading")
    if raw.get("readings") is not None:
        for name in rule_keys:
            if name in raw:
                raise CalibrationError(
                    f"'{name}' belongs in a reading when a target has 'readings'",
                    file=file,
                    key=f"{key}.{name}",
                )
        entries = _mapping(raw["readings"], file, f"{key}.readings")
        if not entries:
            raise CalibrationError(
                "expected at least one reading", file=file, key=f"{key}.readings"
            )
        readings = {
            str(name): reading_spec(str(name), entry, variables, file, f"{key}.readings.{name}")
            for name, entry in entries.items()
        }
        if default is None:
            raise CalibrationError(
                "missing required key 'reading' (the default reading's name)", file=file, key=key
            )
        if default not in readings:
            raise CalibrationError(
                unknown("reading", str(default), readings), file=file, key=f"{key}.reading"
            )
    else:
        if "op" not in raw:
            raise CalibrationError(
                "missing required key 'op' (or give named 'readings')", file=file, key=key
            )
        default = str(default) if default is not None else "default"
        rule = {name: raw[name] for name in rule_keys if name in raw}
        readings = {default: reading_spec(default, rule, variables, file, key)}
    return TargetSpec(
        tid,
        str(raw["indicator"]),
        readings,
        str(default),
        str(raw.get("label", "")),
        str(raw.get("wording", "")),
        str(raw.get("source", "")),
        headline,
    )


def reading_spec(name: str, raw: Any, variables: set[str], file: str, key: str) -> ReadingSpec:
    """Validate one reading: ``op``, one of ``threshold`` and ``compare_to``, and
    optionally ``indicator``, ``rounding`` (for thresholds only) and ``tolerance`` (for
    comparisons only: a number or a parameter id, how far the rule is loosened)."""
    raw = _mapping(raw, file, key)
    _check_keys(
        raw,
        ("op", "threshold", "compare_to", "indicator", "rounding", "tolerance"),
        ("op",),
        file,
        key,
    )
    if raw["op"] not in OPS:
        raise CalibrationError(
            f"op must be one of {', '.join(OPS)}, found {raw['op']!r}", file=file, key=f"{key}.op"
        )
    has_threshold, has_other = raw.get("threshold") is not None, raw.get("compare_to") is not None
    if has_threshold == has_other:
        raise CalibrationError(
            "give exactly one of 'threshold' and 'compare_to'", file=file, key=key
        )
    for field_name in ("compare_to", "indicator"):
        if raw.get(field_name) is not None and raw[field_name] not in variables:
            raise CalibrationError(
                unknown("indicator", str(raw[field_name]), variables),
                file=file,
                key=f"{key}.{field_name}",
            )
    rounding = raw.get("rounding")
    if rounding is not None:
        if isinstance(rounding, bool) or not isinstance(rounding, (int, float)) or not rounding > 0:
            raise CalibrationError(
                f"rounding must be a number > 0, found {rounding!r}",
                file=file,
                key=f"{key}.rounding",
            )
        if has_other:
            raise CalibrationError(
                "rounding applies to a threshold, not to a comparison with another indicator",
                file=file,
                key=f"{key}.rounding",
            )
    tolerance = raw.get("tolerance")
    if tolerance is not None:
        if not has_other:
            raise CalibrationError(
                "tolerance applies to a comparison with another indicator (compare_to); "
                "move a threshold instead",
                file=file,
                key=f"{key}.tolerance",
            )
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float, str)):
            raise CalibrationError(
                f"tolerance must be a number or a parameter id, found {tolerance!r}",
                file=file,
                key=f"{key}.tolerance",
            )
    return ReadingSpec(
        name,
        str(raw["op"]),
        raw.get("threshold"),
        raw.get("compare_to"),
        raw.get("indicator"),
        None if rounding is None else float(rounding),
        tolerance,
    )


def validate_parameters(cal: Calibration, params: Mapping[str, float]) -> None:
    """Check every reference resolves and every value is in range (spreads, shares, ...)."""
    mfile, tfile = cal.files["model"], cal.files["targets"]
    for group in cal.share_groups:
        key = f"share_groups.{group.id}"
        for part in group.parts:
            if part not in params:
                raise CalibrationError(unknown("parameter", part, params), file=mfile, key=key)
        total = sum(params[p] for p in group.parts)
        if group.exact and abs(total - group.total) > group.tolerance:
            raise CalibrationError(
                f"shares {' + '.join(group.parts)} add up to {total:g}, expected {group.total:g} (±{group.tolerance:g})",
                file=mfile,
                key=key,
            )
        if not group.exact and total >= group.total:
            raise CalibrationError(
                f"shares add up to {total:g}, which leaves no remainder below {group.total:g}",
                file=mfile,
                key=key,
            )
        for part in group.parts:
            if params[part] < 0:
                raise CalibrationError(
                    f"share '{part}' is negative ({params[part]:g})", file=mfile, key=key
                )
    for vid, spec in cal.variables.items():
        key = f"variables.{vid}"
        for name in expressions.names(spec.tree):
            if name not in params and name not in cal.variables:
                raise CalibrationError(
                    unknown("name", name, [*params, *cal.variables]),
                    file=mfile,
                    key=f"{key}.equation",
                )
        for node in ast.walk(spec.tree):
            if not isinstance(node, ast.Call):
                continue
            # The expression parser admits a call only as baseline(<variable name>).
            variable = cast(ast.Name, node.args[0]).id
            if variable not in cal.variables:
                raise CalibrationError(
                    unknown("variable", variable, cal.variables),
                    file=mfile,
                    key=f"{key}.equation",
                )
        if spec.shock is not None:
            check_shock(
                spec.shock, mfile, f"{key}.shock", lambda ref, k: cal.value(ref, params, mfile, k)
            )
    for eid, event in cal.events.items():
        key = f"events.{eid}"
        p = cal.value(event.probability, params, mfile, f"{key}.probability")
        if not 0.0 <= p <= 1.0:
            raise CalibrationError(
                f"probability must lie in [0, 1], found {p:g}", file=mfile, key=f"{key}.probability"
            )
        for affected, ref in event.impact.items():
            cal.value(ref, params, mfile, f"{key}.impact.{affected}")
        if event.size_spread is not None:
            spread = cal.value(event.size_spread, params, mfile, f"{key}.size_spread")
            if not (math.isfinite(spread) and spread >= 0.0):
                raise CalibrationError(
                    f"a size spread must be a number >= 0, found {spread:g}",
                    file=mfile,
                    key=f"{key}.size_spread",
                )
    for index, (_, _, ref) in enumerate(cal.correlations):
        r = cal.value(ref, params, mfile, f"correlations[{index}]")
        if not -1.0 < r < 1.0:
            raise CalibrationError(
                f"a correlation must lie strictly between -1 and 1, found {r:g}",
                file=mfile,
                key=f"correlations[{index}]",
            )
    for tid, target in cal.targets.items():
        for name, reading in target.readings.items():
            if reading.threshold is not None:
                where = (
                    f"targets.{tid}.readings.{name}"
                    if len(target.readings) > 1
                    else f"targets.{tid}"
                )
                cal.value(reading.threshold, params, tfile, f"{where}.threshold")
            if reading.tolerance is not None:
                where = (
                    f"targets.{tid}.readings.{name}"
                    if len(target.readings) > 1
                    else f"targets.{tid}"
                )
                tolerance = cal.value(reading.tolerance, params, tfile, f"{where}.tolerance")
                if not tolerance >= 0:
                    raise CalibrationError(
                        f"a tolerance must be >= 0, found {tolerance:g}",
                        file=tfile,
                        key=f"{where}.tolerance",
                    )
    if cal.record is not None:
        record = cal.record
        for year in record.years:
            for name in ("outturn", "target", "ordinary", "tail"):
                ident = record.name(name, year)
                if ident not in params:
                    raise CalibrationError(
                        unknown("parameter", ident, params), file=mfile, key=f"record.{name}"
                    )
        for name in ("bias", "spread", "tail_probability", "tail_impact"):
            if record.name(name, 0) not in params:
                raise CalibrationError(
                    unknown("parameter", record.name(name, 0), params),
                    file=mfile,
                    key=f"record.{name}",
                )
        stated: dict[str, str | None] = {"projection": record.projection}
        if record.fitted is not None:
            stated["fitted.target"] = record.fitted.target
        for key, stated_id in stated.items():
            if stated_id is not None and stated_id not in params:
                raise CalibrationError(
                    unknown("parameter", stated_id, params), file=mfile, key=f"record.{key}"
                )
    for vid, total_spec in cal.totals.items():
        spread = cal.value(total_spec.spread, params, mfile, f"totals.{vid}.spread")
        if not spread > 0:
            raise CalibrationError(
                f"a total spread must be > 0, found {spread:g}",
                file=mfile,
                key=f"totals.{vid}.spread",
            )
    if cal.quarterly is not None:
        q = cal.quarterly
        weights = [
            cal.value(w, params, mfile, f"quarterly.weights[{i}]") for i, w in enumerate(q.weights)
        ]
        if min(weights) <= 0 or abs(sum(weights) - 1.0) > 1e-9:
            raise CalibrationError(
                f"quarter weights must be positive and sum to 1, found {weights}",
                file=mfile,
                key="quarterly.weights",
            )
        rho = cal.value(q.persistence, params, mfile, "quarterly.persistence")
        if not -1 < rho < 1:
            raise CalibrationError(
                f"persistence must lie strictly between -1 and 1, found {rho:g}",
                file=mfile,
                key="quarterly.persistence",
            )
        for vid, ref in q.variables.items():
            if cal.value(ref, params, mfile, f"quarterly.variables.{vid}") < 0:
                raise CalibrationError(
                    "a quarterly spread must be >= 0", file=mfile, key=f"quarterly.variables.{vid}"
                )


def check_shock(
    shock: ShockSpec, file: str, key: str, value: Callable[[Number, str], float]
) -> None:
    """Range checks of one shock's parameters; ``value(ref, key)`` resolves a reference
    (a spread of ``None``, solved by a total, is not checked here)."""
    spread = 0.0 if shock.spread is None else value(shock.spread, f"{key}.spread")
    if spread < 0:
        raise CalibrationError(
            f"spread must be >= 0, found {spread:g}", file=file, key=f"{key}.spread"
        )
    if shock.distribution == "t":
        if shock.df is None:
            raise CalibrationError("a t shock needs 'df'", file=file, key=key)
        df = value(shock.df, f"{key}.df")
        if df <= 2:
            raise CalibrationError(
                f"df must be > 2 for a finite variance, found {df:g}", file=file, key=f"{key}.df"
            )
    if shock.distribution == "two_piece":
        if shock.skew is None:
            raise CalibrationError("a two_piece shock needs 'skew'", file=file, key=key)
        skew = value(shock.skew, f"{key}.skew")
        if not -1 < skew < 1:
            raise CalibrationError(
                f"skew must lie strictly between -1 and 1, found {skew:g}",
                file=file,
                key=f"{key}.skew",
            )


def _dependency_order(variables: Mapping[str, VariableSpec], file: str) -> tuple[str, ...]:
    graph = {
        vid: {n for n in expressions.names(spec.tree) if n in variables}
        for vid, spec in variables.items()
    }
    sorter = graphlib.TopologicalSorter(graph)
    try:
        return tuple(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        raise CalibrationError(
            "equation cycle: " + " -> ".join(reversed(cycle)), file=file, key="variables"
        ) from None
