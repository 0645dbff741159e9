"""A calibration's notation: the LaTeX symbol of each variable, its shock, each event and
each parameter, as the documentation writes the equations.

The symbols are data of the calibration (``notation.yaml``, optional): the library reads
and checks them, and :meth:`Notation.symbol` falls back to a generic symbol (the id in
roman type) for an id the file does not name.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CalibrationError, unknown, unknown_of
from ..yamlio import kind_of

#: Sections of a notation file, and the kind of id each names.
SECTIONS: dict[str, str] = {"variables": "variable", "events": "event", "parameters": "parameter"}
#: Fields of a variable's entry: its symbol, and its shock's.
VARIABLE_FIELDS = ("symbol", "shock")


def escape_tex(text: str) -> str:
    """``text`` safe inside a LaTeX text or roman group (backslashes and underscores)."""
    return text.replace("\\", r"\backslash ").replace("_", r"\_")


@dataclass(frozen=True)
class Notation:
    """LaTeX symbols by id: ``variables``, ``shocks`` (by variable id), ``events`` (their
    0/1 indicators) and ``parameters``; empty mappings when a calibration has none."""

    variables: Mapping[str, str] = field(default_factory=dict)
    shocks: Mapping[str, str] = field(default_factory=dict)
    events: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)

    def symbol(self, ident: str) -> str:
        """The symbol of variable or parameter ``ident``: its own, else the id in roman
        type, ``\\mathrm{id}``."""
        own = self.variables.get(ident, self.parameters.get(ident))
        return own if own is not None else rf"\mathrm{{{escape_tex(ident)}}}"

    def event_symbol(self, eid: str) -> str:
        """The symbol of event ``eid``'s 0/1 indicator (``D_{\\text{eid}}`` without one)."""
        return self.events.get(eid, rf"D_{{\text{{{escape_tex(eid)}}}}}")

    def shock_symbol(self, vid: str) -> str:
        """The symbol of variable ``vid``'s shock (``\\varepsilon_{\\mathrm{vid}}`` without
        one)."""
        return self.shocks.get(vid, rf"\varepsilon_{{\mathrm{{{escape_tex(vid)}}}}}")


def read_notation(
    data: Mapping[str, Any] | None,
    ids: Mapping[str, Collection[str]],
    file: str = "notation.yaml",
) -> Notation:
    """Check a notation file's content against the calibration's ids and build it.

    Parameters
    ----------
    data
        The file's mapping: sections ``variables`` (id -> ``{symbol, shock}``, both
        optional), ``events`` and ``parameters`` (id -> symbol); ``None`` for no file.
    ids
        The calibration's ids by kind: ``variable``, ``event`` and ``parameter``.
    file
        The file's name, for error messages.

    Returns
    -------
    Notation

    Raises
    ------
    CalibrationError
        On an unknown section or field, an id the calibration does not have (with the
        nearest known one), or a symbol that is not a non-empty string.
    """
    if data is None:
        return Notation()
    if not isinstance(data, Mapping):
        raise CalibrationError(f"expected a mapping, found {kind_of(data)}", file=file)
    found: dict[str, dict[str, str]] = {"symbol": {}, "shock": {}, "event": {}, "parameter": {}}
    for section, raw in data.items():
        if section not in SECTIONS:
            raise CalibrationError(unknown_of("section", str(section), SECTIONS), file=file)
        kind = SECTIONS[section]
        if not isinstance(raw, Mapping):
            raise CalibrationError(
                f"expected a mapping of ids, found {kind_of(raw)}", file=file, key=section
            )
        for ident, entry in raw.items():
            key = f"{section}.{ident}"
            if ident not in ids[kind]:
                raise CalibrationError(unknown(kind, str(ident), ids[kind]), file=file, key=key)
            if kind != "variable":
                found[kind][ident] = _symbol(entry, file, key)
                continue
            if not isinstance(entry, Mapping):
                raise CalibrationError(
                    "expected a mapping with 'symbol' and 'shock', found " + kind_of(entry),
                    file=file,
                    key=key,
                )
            for name, value in entry.items():
                if name not in VARIABLE_FIELDS:
                    raise CalibrationError(
                        unknown_of("field", str(name), VARIABLE_FIELDS), file=file, key=key
                    )
                found[name][ident] = _symbol(value, file, f"{key}.{name}")
    return Notation(found["symbol"], found["shock"], found["event"], found["parameter"])


def _symbol(value: Any, file: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CalibrationError(
            f"a symbol must be a non-empty string of LaTeX, found {value!r}", file=file, key=key
        )
    return value
