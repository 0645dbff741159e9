"""The limits tjsim holds its inputs to, in one place (``docs/scenarios.md`` states them).

Each limit is checked where the value enters: file sizes and YAML numbers when a file is
read (:mod:`tjsim.yamlio`, :mod:`tjsim.scenario.read`), draws when a run is planned
(:mod:`tjsim.seeding`), the size of a compiled model's numbers when it is compiled
(:mod:`tjsim.model`), observations when a model is conditioned on them, a grid's points when it is read
(:mod:`tjsim.scenario.grid`), threads and workers when a run starts
(:mod:`tjsim.engine`). A foundation module: it imports
nothing.
"""

from __future__ import annotations

#: Most draws of one run. Its standard errors are then below 0.0005 percentage points,
#: and a run takes hours; beyond it the block plan's numbers stay exact but nothing is
#: gained.
MAX_DRAWS = 10**10
#: Largest YAML file read (scenario, observations, calibration): over ten times the
#: largest calibration file.
MAX_FILE_BYTES = 2**20
#: Most ``extends`` links followed from one scenario file.
MAX_EXTENDS_DEPTH = 16
#: Largest magnitude of a number in a scenario (shifts, impacts, parameters, thresholds,
#: observations, search bounds) and of a compiled indicator's value or spread. Nothing
#: in an economy needs more digits, and the engine's sums stay exact well within it.
MAX_MAGNITUDE = 1e9
#: Largest spread (standard deviation) of a shock, in its variable's unit: the engine's
#: exact fixed-point sums of the shocks stay within their integers below it.
MAX_SPREAD = 1e4
#: Farthest an observation may lie from what the model expects of it (given the
#: observations before it), in standard deviations. A normal draw lands this far out
#: about twice in a billion; conditioning far beyond it extrapolates the model's linear
#: approximation of non-normal shocks and gives meaningless distributions.
MAX_SURPRISE = 6.0
#: Most points of a sweep's grid (each is compiled and simulated): refused before the
#: points are built, so a mistyped ``steps`` cannot exhaust memory.
MAX_POINTS = 1_000_000
#: Deepest expression (syntax tree levels) in a calibration or scenario: the equation
#: language's evaluators recurse over the tree, and the longest sum the packaged
#: calibration writes is a few dozen terms.
MAX_EXPRESSION_DEPTH = 200
