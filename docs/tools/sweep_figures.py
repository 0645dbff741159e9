"""Draw the figures of ``docs/sweeps.md`` from the bundled grids.

    python docs/tools/sweep_figures.py          # writes docs/images/sweep_*.png

The figures are illustrations: they change when the calibration does, and this script
redraws them.
"""

from __future__ import annotations

from pathlib import Path

import tjsim
from tjsim.report.files import _save_figure

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "docs" / "images"


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    baseline = ROOT / "scenarios" / "baseline.yaml"
    surface = tjsim.sweep(baseline, ROOT / "scenarios" / "grids" / "investment_exports.yaml")
    _save_figure(
        IMAGES / "sweep_surface.png",
        (6.5, 5.0),
        lambda ax: surface.plot("gdp_growth", probability=0.3, ax=ax),
    )
    lines = tjsim.sweep(baseline, ROOT / "scenarios" / "grids" / "property_slump_odds.yaml")
    _save_figure(
        IMAGES / "sweep_lines.png",
        (6.5, 3.8),
        lambda ax: lines.plot("fixed_asset_investment", probability=0.5, ax=ax),
    )
    print(surface, lines, sep="\n")


if __name__ == "__main__":
    main()
