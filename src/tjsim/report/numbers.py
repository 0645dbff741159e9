"""How numbers are shown: probabilities in percent, standard errors in points, and the
display precision of an indicator's values (one rule for text and HTML).

The rule for an indicator's values (a central case, a mean, quantiles): a value in
percent (growth rates, rates) shows two decimals, so that it reads against a target
published to one decimal; any other value shows three significant figures of the
largest value it is shown with (the row of a table), and never a decimal it does not
have at that magnitude: ``0.772``, ``35.7``, ``2,318``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty"
).split()
#: Units whose values show with :data:`PERCENT_DECIMALS` decimals.
PERCENT_UNITS = frozenset({"%", "pp", "percent"})
#: Decimals of a value in percent.
PERCENT_DECIMALS = 2
#: Significant figures of any other value (of the largest value of its row).
SIGNIFICANT = 3


def number_word(n: int) -> str:
    """``n`` in words up to twenty (``8`` -> ``"eight"``), else in digits."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def published_note(published: float | None, rounding: float, unit: str = "") -> str:
    """How a threshold reads a published figure, when it shifts it: ``"4.5% as
    published, rounded to 0.1"`` (empty when the figure is not rounded)."""
    if published is None or not rounding:
        return ""
    figure = f"{published:g}%" if unit.strip() == "%" else f"{published:g} {unit}".rstrip()
    return f"{figure} as published, rounded to {rounding:g}"


def percent(p: float | None, digits: int = 1) -> str:
    """A probability in percent (``"-"`` for None or NaN)."""
    return "-" if p is None or math.isnan(p) else f"{100 * p:.{digits}f}%"


def percent_near_ends(p: float, digits: int = 1) -> str:
    """A probability in percent, with two more digits near 0 and 1."""
    if 0.0 < p < 0.01 or 0.99 < p < 1.0:
        digits += 2
    return f"{100 * p:.{digits}f}%"


def error_points(std_error: float) -> str:
    """A standard error (a probability) in points: one decimal, or two significant
    digits below 0.1 points, so that a small but real error never shows as ``0.0``."""
    points = 100 * float(std_error)
    return f"{points:.1f}" if points >= 0.1 or points == 0 else f"{points:.2g}"


def decimals(values: Iterable[float], unit: str = "") -> int:
    """The decimals that values of ``unit`` shown together (one row) get: two in
    percent, else enough for :data:`SIGNIFICANT` significant figures of the largest
    finite magnitude among ``values`` (none from 100 up)."""
    if unit.strip() in PERCENT_UNITS:
        return PERCENT_DECIMALS
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    if largest == 0.0:
        return SIGNIFICANT - 1
    return max(0, SIGNIFICANT - 1 - math.floor(math.log10(largest)))


def value(x: float | None, places: int) -> str:
    """``x`` with ``places`` decimals and thousands separators (``"-"`` for None, NaN)."""
    if x is None or not math.isfinite(float(x)):
        return "-"
    shown = f"{float(x):,.{places}f}"
    return shown[1:] if shown.startswith("-") and float(shown[1:].replace(",", "")) == 0 else shown


def values(xs: Iterable[float], unit: str = "") -> list[str]:
    """Values shown together (one row of a table), by the rule of :func:`decimals`."""
    xs = list(xs)
    places = decimals(xs, unit)
    return [value(x, places) for x in xs]
