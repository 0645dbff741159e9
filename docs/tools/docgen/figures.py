"""The generated figures: drawn from the data they show, which each PNG carries a hash
of, so that a stale figure is found without comparing pixels."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tjsim.calibration import Calibration

from .reporting import reporting_result

#: A link to a generated figure in a page, relative to the page.
_FIGURE_LINK = re.compile(r"\]\((?P<path>figures/[\w.-]+\.png)\)")

#: The PNG text key holding a hash of the data a generated figure shows.
FIGURE_KEY = "tjsim-data"


def _score_figure(cal: Calibration) -> tuple[str, Callable[..., Any]]:
    from tjsim.api import score

    result = score(cal)
    return result.to_frame().to_csv(float_format="%.10g"), result.plot


def _panel_figure(cal: Calibration, method: str) -> tuple[str, Callable[..., Any]]:
    result = reporting_result(cal)
    return result.to_frame().to_csv(float_format="%.10g"), getattr(result, method)


#: Generated figures by their path relative to ``docs/``: the size in inches, and a
#: function of the calibration returning the data shown (as text) and a drawing
#: function taking ``ax=``.
FIGURES: dict[str, tuple[tuple[float, float], Callable[[Calibration], tuple[str, Any]]]] = {
    "figures/score.png": ((7.0, 3.8), _score_figure),
    "figures/panel_pit.png": ((7.0, 3.8), lambda cal: _panel_figure(cal, "plot_pit")),
    "figures/panel_bands.png": ((9.0, 3.8), lambda cal: _panel_figure(cal, "plot")),
}


def _data_hash(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _stored_hash(path: Path) -> str | None:
    """The data hash a generated PNG carries (``None`` for a missing or foreign file)."""
    if not path.is_file():
        return None
    from PIL import Image

    with Image.open(path) as image:
        return getattr(image, "text", {}).get(FIGURE_KEY)


def figure_links(text: str) -> list[str]:
    """The generated figures a page shows (paths relative to the page)."""
    found = dict.fromkeys(match.group("path") for match in _FIGURE_LINK.finditer(text))
    return [link for link in found if link in FIGURES]


def stale_figures(page: Path, text: str, calibration: Calibration) -> list[str]:
    """The generated figures of ``page`` that are missing or show other data than the
    calibration's (compared by the hash each PNG carries, not pixel by pixel)."""
    return [
        link
        for link in figure_links(text)
        if _stored_hash(page.parent / link) != _data_hash(FIGURES[link][1](calibration)[0])
    ]


def write_figure(path: Path, link: str, calibration: Calibration) -> None:
    """Draw figure ``link`` of :data:`FIGURES` into ``path``, with its data's hash."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size, make = FIGURES[link]
    data, draw = make(calibration)
    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(ax=figure.subplots())
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, metadata={FIGURE_KEY: _data_hash(data), "Software": None})
