"""Error types that name the file, the key and the problem.

Every error raised for bad user input (a calibration or scenario file, an argument)
derives from :class:`TjsimError`, itself a :class:`ValueError`, so that callers and
the command line can tell bad input (exit status 2) from internal failures.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TjsimError(ValueError):
    """Bad input: a file, a key path and what was expected.

    Parameters
    ----------
    message
        What is wrong and what was expected.
    file
        The file the problem is in, if any.
    key
        The key path inside the file, e.g. ``variables.gdp_growth.equation``.
    """

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.message = message
        self.file = file
        self.key = key
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class CalibrationError(TjsimError):
    """A calibration (facts, model, targets) is inconsistent or malformed."""


class ScenarioError(TjsimError):
    """A scenario or a simulation argument is malformed."""


def suggest(name: str, options: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the nearest option, or ``""`` (case is
    ignored: ``q1`` suggests ``Q1``).

    Examples
    --------
    >>> suggest("gdp_grwth", ["gdp_growth", "cpi"])
    " (did you mean 'gdp_growth'?)"
    """
    options = list(options)
    folded = {str(option).casefold(): option for option in options}
    matches = difflib.get_close_matches(str(name).casefold(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean '{folded[matches[0]]}'?)" if matches else ""


def unknown(kind: str, name: str, options: Iterable[str]) -> str:
    """Message for an unknown name, with a suggestion when one is close."""
    options = sorted(options)
    return f"unknown {kind} '{name}'{suggest(name, options)}"


def unknown_of(kind: str, name: str, options: Iterable[str]) -> str:
    """:func:`unknown` followed by every valid option, for short lists (periods, ops)."""
    options = list(options)
    return f"{unknown(kind, name, options)}; expected one of {', '.join(map(str, options))}"
