"""Markdown for the generated blocks: numbers, table cells, tables and links to the
pages' anchors."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tjsim.calibration.files import DEFAULT_CALIBRATION
from tjsim.report.numbers import percent as percent  # the library's, for the blocks

#: Pages whose anchors the generated links of the default calibration point to
#: (relative to ``docs/``); another calibration's blocks sit on one page of its own.
MODEL_PAGE = "model.md"
CALIBRATION_PAGE = "calibration.md"
#: Where the default calibration's record is scored (another calibration's: a section
#: of its page).
SCORE_PAGE = "scoring.md"
#: The pages (model, calibration) that links point to while a block is rendered.
_PAGES: ContextVar[tuple[str, str, str]] = ContextVar(
    "pages", default=(MODEL_PAGE, CALIBRATION_PAGE, SCORE_PAGE)
)


def calibration_pages(name: str) -> tuple[str, str, str]:
    """The pages (model, calibration, score) that hold the equations, the parameters and
    the scored record of calibration ``name``: ``model.md``, ``calibration.md`` and
    ``scoring.md`` for the default calibration, ``NAME.md`` (its section "Scored out of
    sample" for the score) otherwise."""
    if name == DEFAULT_CALIBRATION:
        return MODEL_PAGE, CALIBRATION_PAGE, SCORE_PAGE
    return f"{name}.md", f"{name}.md", f"{name}.md#scored-out-of-sample"


def model_page() -> str:
    """The page that holds the equations of the calibration being rendered."""
    return _PAGES.get()[0]


def calibration_page() -> str:
    """The page that holds the parameters of the calibration being rendered."""
    return _PAGES.get()[1]


def score_page() -> str:
    """The page (and section) that scores the record of the calibration being rendered."""
    return _PAGES.get()[2]


@contextmanager
def linking_to(name: str) -> Iterator[None]:
    """Within the block, links point to the pages of calibration ``name``."""
    token = _PAGES.set(calibration_pages(name))
    try:
        yield
    finally:
        _PAGES.reset(token)


def number(value: float) -> str:
    """A parameter value for a table: integers plainly, others to 6 significant digits."""
    value = float(value)
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def short(value: float) -> str:
    """A computed value: 4 decimals, trailing zeros dropped."""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cell(text: Any) -> str:
    """Escape text for a markdown table cell."""
    text = " ".join(str(text).split())
    for ch in ("\\", "|", "*", "_", "<", ">", "[", "]", "`"):
        text = text.replace(ch, "\\" + ch)
    return text


def anchor(ident: str) -> str:
    """``ident`` in code, with an anchor of its name."""
    return f'<a id="{ident}"></a>`{ident}`'


def table(header: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A markdown table; ``align`` holds one of ``l``/``r`` per column (default left)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def model_link(vid: str) -> str:
    """Variable ``vid`` linked to its equation on the model page."""
    return f"[`{vid}`]({model_page()}#{vid})"


def calibration_link(ident: str) -> str:
    """Parameter or event ``ident`` linked to its row on the calibration page."""
    return f"[`{ident}`]({calibration_page()}#{ident})"


def link_number(pid: str, value: float) -> str:
    """``value`` linked to parameter ``pid``'s row on the calibration page."""
    return f"[{number(value)}]({calibration_page()}#{pid})"


def linked_value(reference: Any, value: float) -> str:
    """``[id](calibration.md#id) = value`` for a parameter reference, else the number."""
    if isinstance(reference, str) and reference.isidentifier():
        return f"{calibration_link(reference)} = {number(value)}"
    return number(value)
