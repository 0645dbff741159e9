"""The calibration as tables: facts (searchable), drivers, events and the parameters
the model uses, each with its meaning (:func:`tjsim.facts`, :func:`tjsim.drivers`,
:func:`tjsim.events`, :func:`tjsim.parameters`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

import pandas as pd

from .. import expressions
from .calibration import Calibration

FACT_COLUMNS = ["id", "value", "unit", "year", "kind", "label", "source"]


def facts(
    calibration: Calibration,
    *,
    derived: bool = False,
    kind: str | None = None,
    grep: str | None = None,
) -> pd.DataFrame:
    """Every fact with its provenance: columns ``id, value, unit, year, kind, label, source``.

    With ``derived=True`` the derived parameters follow, with kind ``derived`` and their
    expression as source. ``kind`` keeps one kind; ``grep`` keeps the facts with a word
    starting with ``grep`` (any case) in their id, label or quoted phrase
    (:func:`phrase`), so that ``port`` finds the port but not every "report".
    """
    cal = calibration
    frame = pd.DataFrame([asdict(f) for f in cal.facts], columns=FACT_COLUMNS)
    if derived:
        values = cal.parameters()
        extra = pd.DataFrame(
            [
                {
                    "id": k,
                    "value": values[k],
                    "unit": "",
                    "year": None,
                    "kind": "derived",
                    "label": k,
                    "source": f"derived: {text}",
                }
                for k, text in cal.derived.items()
            ],
            columns=FACT_COLUMNS,
        )
        frame = pd.concat([frame, extra], ignore_index=True)
    if kind is not None:
        frame = frame[frame["kind"] == kind]
    if grep:
        text = frame["id"] + " " + frame["label"] + " " + frame["source"].map(phrase)
        frame = frame[text.map(lambda t: matches_word(t, grep))]
    return frame.reset_index(drop=True)


def phrase(source: Any) -> str:
    """What a fact's source quotes: the text after its locator (``report 一 (overview):``,
    ``assumption:``, a release's name), or nothing for a bare citation."""
    text = "" if source is None else str(source)
    return text.split(": ", 1)[1] if ": " in text else ""


def matches_word(text: str, word: str) -> bool:
    """Whether a word of ``text`` starts with ``word`` (any case; anything but a Latin
    letter or digit separates words, so ``port`` matches ``port_teu`` and ``Port`` but
    not ``report``, and Chinese text matches anywhere)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}", text, re.IGNORECASE) is not None


def drivers(calibration: Calibration, spreads: Mapping[str, float]) -> pd.DataFrame:
    """Every variable a scenario can shift (``with_shift``), the driver layer first.

    Indexed by variable id, with columns ``layer, label, unit, equation, shock``
    (the shock's family, empty without one) and ``spread`` (from ``spreads``, the
    compiled shocks' spreads, some of which are solved when compiling; NaN without).
    """
    rows = []
    for vid, spec in calibration.variables.items():
        shock = spec.shock
        rows.append(
            {
                "variable": vid,
                "layer": spec.layer,
                "label": spec.label,
                "unit": spec.unit,
                "equation": spec.equation,
                "shock": shock.distribution if shock is not None else "",
                "spread": spreads.get(vid, float("nan")),
            }
        )
    frame = pd.DataFrame(rows).set_index("variable")
    first = frame["layer"] == "driver"
    return pd.concat([frame[first], frame[~first]])


def events(calibration: Calibration) -> pd.DataFrame:
    """Every calibrated event (``with_event`` changes one): indexed by id, with columns
    ``label, probability, impact`` (variable -> points, as text; an event of random
    size adds its size's standard deviation, ``momentum -3.5 (sd 1.5)``) and
    ``source``."""
    cal = calibration
    params = cal.parameters()
    mfile = cal.files.get("model", "model.yaml")
    rows = []
    for eid, spec in cal.events.items():
        impact = {
            v: cal.value(ref, params, mfile, f"events.{eid}.impact.{v}")
            for v, ref in spec.impact.items()
        }
        size = (
            ""
            if spec.size_spread is None
            else f" (sd {cal.value(spec.size_spread, params, mfile, f'events.{eid}'):g})"
        )
        rows.append(
            {
                "event": eid,
                "label": spec.label,
                "probability": cal.value(spec.probability, params, mfile, f"events.{eid}"),
                "impact": ", ".join(f"{v} {x:+g}" for v, x in impact.items()) + size,
                "source": spec.source,
            }
        )
    columns = ["event", "label", "probability", "impact", "source"]
    return pd.DataFrame(rows, columns=columns).set_index("event")


def parameters(calibration: Calibration) -> pd.DataFrame:
    """The parameters the model uses (``with_parameter`` sets a fact's value): every
    fact it uses, directly or through a derived parameter, then the derived ones.

    Indexed by id, with columns ``value, unit, kind, label, used_by`` (where it enters:
    ``equation gdp_growth, shock investment, ...``) and ``source``.
    """
    cal = calibration
    uses = parameter_uses(cal)
    table = facts(cal, derived=True).set_index("id")
    table = table[table.index.isin(list(uses)) | (table["kind"] == "derived")]
    used_by = [", ".join(f"{kind} {where}" for kind, where in uses.get(i, [])) for i in table.index]
    table = table.assign(used_by=used_by)
    table.index.name = "parameter"
    return table[["value", "unit", "kind", "label", "used_by", "source"]]


def referenced(ref: Any) -> set[str]:
    """Names in a number-or-expression reference (nothing for a plain number)."""
    if ref is None or isinstance(ref, bool) or isinstance(ref, (int, float)):
        return set()
    return expressions.names(expressions.parse(str(ref)))


def parameter_uses(cal: Calibration) -> dict[str, list[tuple[str, str]]]:
    """Parameter id -> where it is used, as ``(kind, name)`` pairs in model order.

    Kinds: ``derived``, ``equation``, ``shock``, ``share group``, ``quarterly``,
    ``correlation``, ``event``, ``total``, ``target`` (any of its readings), ``record``
    (the record that ``tjsim score`` checks).
    """
    params = set(cal.parameters())
    uses: dict[str, list[tuple[str, str]]] = {}

    def add(names: Iterable[str], kind: str, where: str) -> None:
        for n in sorted(names):
            if n in params and (kind, where) not in uses.setdefault(n, []):
                uses[n].append((kind, where))

    for did, text in cal.derived.items():
        add(referenced(text), "derived", did)
    for group in cal.share_groups:
        add(group.parts, "share group", group.id)
    for vid, spec in cal.variables.items():
        add(expressions.names(spec.tree), "equation", vid)
        if spec.shock is not None:
            for ref in (spec.shock.spread, spec.shock.df, spec.shock.skew):
                add(referenced(ref), "shock", vid)
    quarterly = cal.quarterly
    if quarterly is not None:
        refs = [*quarterly.weights, quarterly.persistence, *quarterly.variables.values()]
        for ref in refs:
            add(referenced(ref), "quarterly", "quarterly")
    for a, b, ref in cal.correlations:
        add(referenced(ref), "correlation", f"{a}, {b}")
    for eid, event in cal.events.items():
        add(referenced(event.probability), "event", eid)
        for ref in (*event.impact.values(), event.size_spread):
            add(referenced(ref), "event", eid)
    for name, total in cal.totals.items():
        add(referenced(total.spread), "total", name)
    for tid, target in cal.targets.items():
        for reading in target.readings.values():
            add(referenced(reading.threshold), "target", tid)
            add(referenced(reading.tolerance), "target", tid)
    record = cal.record
    if record is not None:
        for name in ("bias", "spread", "tail_probability", "tail_impact"):
            add({record.name(name, 0)}, "record", name)
    return uses
