"""Render the calibration as markdown for the documentation, so the docs cannot drift.

The pages `docs/model.md`, `docs/calibration.md`, `docs/scoring.md`, `docs/panel.md` and
`docs/china.md` hold blocks between two markers, `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED -->` (:mod:`docgen.markers`). Each block's content is rendered from a
calibration (by default the packaged one) by a module of its page or topic. A block
named `name@calibration` is rendered from that packaged calibration: `docs/china.md`
holds the China calibration's blocks, and their links point to that page
(:func:`docgen.tables.calibration_pages`). The modules:

- :mod:`docgen.model`: the equations of every layer in LaTeX, written in the
  calibration's own notation (``Calibration.symbol``, from its ``notation.yaml``), with a
  table linking each symbol to its parameter; the correlations; GDP's reduced form; the
  quarters and their fit;
- :mod:`docgen.parameters`: every parameter with its value, source and uses, and the
  derived parameters with their numbers;
- :mod:`docgen.record`: the GDP record and the derivation of its spread and tail, the
  fitted distribution against the simulated one, the central case against the mean and
  the median;
- :mod:`docgen.calibration`: shocks, events, totals and the central case;
- :mod:`docgen.readings`: the targets' readings;
- :mod:`docgen.choices` and :mod:`docgen.plan`: the tables of
  :func:`tjsim.analysis.choices_table` and :func:`tjsim.analysis.plan.plan_likelihood`;
- :mod:`docgen.scoring`, :mod:`docgen.reporting` and :mod:`docgen.panel`: `tjsim.score`,
  the reporting model and the provincial panel;
- :mod:`docgen.figures`: the figures, each PNG carrying a hash of the data it shows, so a
  stale figure is found without comparing pixels.

The blocks that quote runs are simulated once per calibration, with a fixed seed, on
common draws (:func:`docgen.common.quoted_runs`). :mod:`docgen.latex` and
:mod:`docgen.tables` hold the LaTeX and markdown helpers, :mod:`docgen.registry` every
block by name, :mod:`docgen.cli` the command and :mod:`docgen.sphinx` the Griffe
extension that shows the docstrings' reStructuredText roles as markdown on the API pages.
The tool knows no city: every id it writes comes from the calibration or the library.

From the repository's root, `python docs/tools/docgen` rewrites the blocks (and redraws
the figures) in place, and `python docs/tools/docgen --check` changes nothing and exits
with status 1 when a block or a figure is stale (the test suite runs the check).

The markers are our own rather than those of cog (cogapp): cog keeps Python source in
the pages between three markers per block and checks files, not named blocks, while
these blocks are named and rendered from the name alone, in some sixty lines.
"""

from __future__ import annotations

from .cli import main
from .markers import BEGIN, END, blocks
from .registry import BLOCKS, refresh, render, stale_blocks, update_text

__all__ = [
    "BEGIN",
    "BLOCKS",
    "END",
    "blocks",
    "main",
    "refresh",
    "render",
    "stale_blocks",
    "update_text",
]
