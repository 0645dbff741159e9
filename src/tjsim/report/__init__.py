"""Reports: what results look like (printouts, HTML pages and notebook tables), and the
tables, figures and HTML page (report.html) of runs, comparisons, sweeps and scores
written to folders, all or nothing.

Two layers share this package:

Rendering (:mod:`~tjsim.report.numbers`, :mod:`~tjsim.report.text`,
:mod:`~tjsim.report.comparison`, :mod:`~tjsim.report.sensitivity`,
:mod:`~tjsim.report.score`, :mod:`~tjsim.report.sweep_text`, :mod:`~tjsim.report.html`
and its templates) shares layer 4 with :mod:`tjsim.result`, just below it: the
containers delegate their ``__str__`` and ``_repr_html_`` to it. May import the foundation modules,
:mod:`tjsim.calibration`, :mod:`tjsim.scenario` and :mod:`tjsim.model`; result types
only under ``TYPE_CHECKING`` (a renderer reads a result through its attributes). This
``__init__`` belongs to it and imports nothing, so that importing a renderer costs
nothing above it.

Writing (:mod:`~tjsim.report.files`, :mod:`~tjsim.report.sweep`,
:mod:`~tjsim.report.changes`, :mod:`~tjsim.report.folder`) is layer 8, above
:mod:`tjsim.api`.
May import every layer below the command line: the foundation modules,
:mod:`tjsim.calibration`, :mod:`tjsim.scenario`, :mod:`tjsim.model`, the rendering
modules, :mod:`tjsim.result`, :mod:`tjsim.engine`, :mod:`tjsim.analysis` and
:mod:`tjsim.api`. Its functions are imported from their modules
(``tjsim.report.files.write_run``, ``tjsim.report.folder.write_atomically``).
"""
