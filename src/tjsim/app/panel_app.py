"""The explorer's page, built with Panel on an :class:`~tjsim.app.session.Explorer`.

Panel (on Bokeh) serves the same page from ``tjsim explore`` and shows it inline in a
notebook. Its live figures are Bokeh plots whose data are replaced after each update
(drawing a matplotlib figure would take longer than the update itself); the report's
figures (:mod:`tjsim.report`) stay matplotlib.

Each control change is checked and applied by the explorer (:meth:`Explorer.apply`);
a bad value shows the library's message in a banner fixed in the window, puts its
control back and changes nothing. The
odds are redrawn first and the "what would it take" readout just after, so a move is
seen at once.

Elements the browser tests (and users' own scripts) find by CSS class: ``tj-shift``
(with ``tj-shift-<driver>``), ``tj-event-<event>``, ``tj-spread``, ``tj-draws``,
``tj-seed``, ``tj-method``, ``tj-reading``, ``tj-save``, ``tj-error``, and the result
panes ``tj-probabilities`` (a table whose rows carry ``data-target`` and whose cells
carry the full ``data-value``; a target's cell holds its ``tj-name``, ``tj-wording``
and ``tj-id``), ``tj-headline`` (all the plan's headline goals met
together and all but one, each a ``tj-headline-value`` with its ``data-target`` and
``data-value``), ``tj-joint``, ``tj-readout`` (its question in ``tj-readout-question``)
and ``tj-status``.
"""

from __future__ import annotations

import html
import io
import math
import re
from typing import Any

import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d
from bokeh.plotting import figure
from panel.links import Callback
from panel.reactive import Reactive

from ..analysis.common import resolve_driver
from ..errors import TjsimError
from ..figures import BLUE, INK, RED
from ..report.html import FONTS
from ..report.numbers import percent
from ..result import JOINT
from ..seeding import METHODS
from .session import Explorer, View

#: Where a refused value's message shows: fixed at the foot of the window, over the
#: page, so that it is in view beside whichever control was changed, wherever the page
#: is scrolled to (and on a phone's width).
ERROR_STYLE = {
    "position": "fixed",
    "bottom": "12px",
    "left": "50%",
    "transform": "translateX(-50%)",
    "width": "min(720px, calc(100vw - 24px))",
    "z-index": "1000",
    "box-shadow": "0 2px 12px rgba(0, 0, 0, 0.25)",
}


def build(explorer: Explorer) -> pn.viewable.Viewable:
    """The explorer's page for ``explorer``: controls on the left, results on the
    right, updated after every change."""
    return _Page(explorer).layout


def placeholder() -> pn.Column:
    """What a served page shows until a browser has loaded it and its explorer is built
    into it: one line, so that a request that never opens the page costs next to
    nothing."""
    return pn.Column(
        pn.pane.HTML("<p>Loading the explorer…</p>", styles={"font-family": FONTS}),
        sizing_mode="stretch_width",
    )


def unlink(page: pn.viewable.Viewable) -> None:
    """Forget the browser-side links of ``page``'s widgets, once its session has ended.

    Panel keeps every ``jslink``/``jscallback`` in a registry weakly keyed by the
    widget it starts from, but each entry holds its other end strongly. An editable
    slider links its own slider to its own text box, so the entry keeps its key alive
    through the slider: without this, a closed page's widgets, figures and callbacks
    stay in memory for good (about 5 MB a page).
    """
    for item in page.select():
        if isinstance(item, Reactive):  # what the registry is keyed by
            Callback.registry.pop(item, None)


def refusal(message: str) -> pn.viewable.Viewable:
    """A one-line page in place of the explorer (a request it will not serve)."""
    return pn.pane.HTML(f"<p>{html.escape(message)}</p>", styles={"font-family": FONTS})


class _Page:
    """The widgets, panes and figures of one page, and the callbacks between them."""

    def __init__(self, explorer: Explorer):
        self.explorer = explorer
        self.widgets: dict[str, Any] = {}
        self._answer_pending = False
        self._restoring = False
        self.error = pn.pane.Alert(
            "",
            alert_type="danger",
            visible=False,
            css_classes=["tj-error"],
            styles=ERROR_STYLE,
        )
        self.status = pn.pane.HTML("", css_classes=["tj-status"], sizing_mode="stretch_width")
        self.joint = pn.pane.HTML("", css_classes=["tj-joint"], width=260)
        self.headline = pn.pane.HTML("", css_classes=["tj-headline"], width=420)
        self.readout = pn.pane.HTML("", css_classes=["tj-readout"], sizing_mode="stretch_width")
        self.table = pn.pane.HTML("", css_classes=["tj-probabilities"], sizing_mode="stretch_width")
        self.readings = pn.pane.HTML("", css_classes=["tj-readings"], sizing_mode="stretch_width")
        self.bars_source = ColumnDataSource(
            {k: [] for k in ("target", "name", "wording", "p", "low", "high", "text", "reading")}
        )
        self.dist_source = ColumnDataSource({"left": [], "right": [], "top": []})
        self.line_source = ColumnDataSource({"x": [], "top": [], "name": []})
        self.bars = self._bars_figure()
        self.distribution = self._distribution_figure()
        self.layout = pn.Row(
            self._sidebar(),
            pn.Column(
                self.error,
                pn.Row(self.headline, self.joint, self.status, sizing_mode="stretch_width"),
                pn.pane.Bokeh(self.bars, sizing_mode="stretch_width"),
                pn.Row(
                    self._select(
                        "indicator",
                        "distribution of",
                        _choices(explorer.indicator_labels),
                        explorer.indicator,
                    ),
                    sizing_mode="stretch_width",
                ),
                pn.pane.Bokeh(self.distribution, sizing_mode="stretch_width"),
                pn.pane.HTML(
                    "<p class='tj-note'>A long lower tail (or a second hump) is a rare event's: "
                    "for GDP, a regime break like 2020 or 2022 (its probability and size are the "
                    "calibration's, sourced in its docs); each event's probability has its own "
                    "control.</p>",
                    sizing_mode="stretch_width",
                ),
                self._readout_card(),
                pn.Card(
                    self.table,
                    title="Every target: P(met) and its error",
                    sizing_mode="stretch_width",
                ),
                pn.Card(
                    self.readings,
                    title="Every target under every reading (the same draws)",
                    collapsed=True,
                    sizing_mode="stretch_width",
                ),
                sizing_mode="stretch_width",
                min_width=480,
            ),
            sizing_mode="stretch_width",
            styles={"font-family": FONTS},
        )
        self.refresh()

    # ------------------------------------------------------------ controls
    def _sidebar(self) -> pn.Column:
        ex = self.explorer
        c = ex.controls
        settings = [
            self._widget("draws", pn.widgets.IntInput, "draws", c.draws, step=10_000),
            self._widget(
                "seed", pn.widgets.IntInput, "seed (the same draws at every update)", c.seed
            ),
            self._select("method", "method", list(METHODS), c.method),
            self._select(
                "reading",
                "targets read",
                ["as the scenario reads them", *ex.readings],
                "as the scenario reads them",
            ),
        ]
        model = ex.start_model
        shifts = []
        for driver in ex.drivers:
            swing = resolve_driver(ex.calibration, model, driver).swing
            unit = model.units[model.indicators.index(driver)]
            step = _nice_step(swing / 10)
            reach = step * math.ceil(3 * swing / step)
            shifts.append(
                self._slider(
                    f"shift-{driver}",
                    f"{driver} ({'pp' if unit == '%' else unit})",
                    0.0,
                    -reach,
                    reach,
                    step,
                    ["tj-shift", f"tj-shift-{driver}"],
                )
            )
        events = [
            self._slider(f"event-{e}", e, p, 0.0, 1.0, 0.01, ["tj-event", f"tj-event-{e}"])
            for e, p in ex.events.items()
        ]
        spread = self._slider(
            "spread", "every shock's spread ×", 1.0, 0.25, 3.0, 0.05, ["tj-spread"]
        )
        scales = [
            self._slider(
                f"scale-{d}", f"{d} spread ×", 1.0, 0.25, 3.0, 0.05, ["tj-scale", f"tj-scale-{d}"]
            )
            for d in ex.drivers
            if d in ex.shocked
        ]
        save = pn.widgets.FileDownload(
            callback=lambda: io.StringIO(self.explorer.to_yaml()),
            filename=self._filename(),
            label="Save as scenario",
            color="primary",
            css_classes=["tj-save"],
            sizing_mode="stretch_width",
        )
        self.widgets["save"] = save
        return pn.Column(
            pn.pane.HTML(
                f"<h2 style='margin:0'>tjsim explorer</h2><p style='margin:.2em 0'>starting from "
                f"<b>{html.escape(ex.start.name)}</b> ({html.escape(ex.calibration.name)} "
                f"{html.escape(ex.calibration.version)})</p>"
            ),
            pn.Card(*settings, title="Run", sizing_mode="stretch_width"),
            pn.Card(*shifts, title="Driver shifts, from the scenario", sizing_mode="stretch_width"),
            pn.Card(*events, title="Event probabilities", sizing_mode="stretch_width"),
            pn.Card(spread, *scales, title="Spreads", collapsed=True, sizing_mode="stretch_width"),
            save,
            width=340,
        )

    def _widget(
        self, key: str, kind: type, label: str, value: Any, *, watch: str = "value", **kwargs: Any
    ):
        """A widget whose changes go to :meth:`_changed` as ``key``; its CSS classes are
        ``tj-<key>`` unless given."""
        kwargs.setdefault("css_classes", [f"tj-{key}"])
        widget = kind(label=label, value=value, sizing_mode="stretch_width", **kwargs)
        widget.param.watch(lambda event: self._changed(key, event), watch)
        self.widgets[key] = widget
        return widget

    def _slider(
        self,
        key: str,
        label: str,
        value: float,
        start: float,
        end: float,
        step: float,
        classes: list[str],
    ):
        """A slider with a box to type into; it reports its value when let go."""
        return self._widget(
            key,
            pn.widgets.EditableFloatSlider,
            label,
            value,
            watch="value_throttled",
            format="0[.]0[000]",
            start=min(start, value),
            end=max(end, value),
            step=step,
            css_classes=classes,
        )

    def _select(self, key: str, label: str, options: list[str] | dict[str, str], value: str):
        """A choice among ``options`` (a dict: what the page shows -> the value)."""
        return self._widget(key, pn.widgets.Select, label, value, options=options)

    def _readout_card(self) -> pn.Card:
        ex = self.explorer
        question = ex.readout
        targets = {t: ex.labels[t] for t in [*ex.targets, JOINT]}
        target = self._select("readout-target", "to meet", _choices(targets), question.target)
        driver = self._select("readout-driver", "by moving", ex.drivers, question.driver)
        level = self._widget(
            "readout-probability",
            pn.widgets.FloatInput,
            "with probability",
            question.probability,
            step=0.05,
        )
        return pn.Card(
            pn.Row(target, driver, level, sizing_mode="stretch_width"),
            self.readout,
            title="What would it take?",
            sizing_mode="stretch_width",
        )

    # ------------------------------------------------------------ changes
    def _changed(self, key: str, event: Any) -> None:
        """A widget moved: apply the change (a bad value shows the library's message
        and changes nothing), then redraw."""
        if self._restoring:
            return
        ex = self.explorer
        try:
            if key.startswith("readout-"):
                ex.ask(**{key.removeprefix("readout-"): event.new})
                self._answer()
                return
            if key == "indicator":
                ex.show(event.new)
                view = ex.update_odds()
            else:
                view = ex.apply(answer=False, **self._change(key, _clean(event.new)))
        except TjsimError as exc:
            self._fail(exc)
            self._restore(key, event)
            return
        self._show(view)
        self._schedule_answer()

    def _restore(self, key: str, event: Any) -> None:
        """Put a refused value's widget back to the value in force, so that the page
        never shows a value the odds do not use."""
        widget = self.widgets.get(key)
        if widget is None or getattr(event, "old", None) is None:
            return
        self._restoring = True
        try:
            with param.edit_constant(widget):  # a slider's value_throttled is constant
                setattr(widget, event.name, event.old)
                widget.value = event.old  # what a slider's box shows
        finally:
            self._restoring = False

    def _change(self, key: str, value: Any) -> dict[str, Any]:
        """The :class:`Controls` fields a widget's new value changes."""
        c = self.explorer.controls
        kind, _, name = key.partition("-")
        if kind == "shift":
            return {"shifts": {**c.shifts, name: value}}
        if kind == "event":
            return {"events": {**c.events, name: value}}
        if kind == "scale":
            return {"scales": {**c.scales, name: value}}
        if key == "reading":
            return {"reading": value if value in self.explorer.readings else None}
        return {key: value}

    def _fail(self, exc: TjsimError) -> None:
        self.error.object = f"**Not applied:** {html.escape(str(exc))}"
        self.error.visible = True

    # ------------------------------------------------------------ results
    def refresh(self) -> None:
        """Show the odds of the current controls, then the readout."""
        self._show(self.explorer.update_odds())
        self._schedule_answer()

    def _schedule_answer(self) -> None:
        """Answer the readout now, or (served) right after the odds are sent; moves made
        before a scheduled answer runs share it (it answers for the latest controls)."""
        document = pn.state.curdoc
        if document is None or document.session_context is None:
            self._answer()
        elif not self._answer_pending:
            self._answer_pending = True
            document.add_next_tick_callback(self._answer)

    def _answer(self) -> None:
        self._answer_pending = False
        ex = self.explorer
        answer = ex.answer()
        target = ex.readout.target
        heading = (
            f"<p class='tj-readout-question' style='margin:0 0 .3em'>To meet "
            f"<b>{html.escape(ex.labels[target])}</b>"
            + (f" ({_wording(ex.wordings[target])})" if ex.wordings.get(target) else "")
            + "</p>"
        )
        if answer.required is None:
            self.readout.object = heading + f"<p class='tj-none'>{html.escape(answer.message)}</p>"
            return
        self.readout.object = (
            heading
            + f"<pre style='white-space:pre-wrap;margin:0'>{html.escape(str(answer.required))}</pre>"
        )

    def _show(self, view: View) -> None:
        self.error.visible = False
        table = view.probabilities
        joint: Any = table.loc[JOINT]  # a row: pandas-stubs cannot type its cells
        heads = view.headline
        self.headline.object = (
            ""
            if heads is None
            else "".join(
                f"<div style='display:inline-block;margin-right:1.2em'>"
                f"<div style='font-size:.9em'>{html.escape(heads.loc[name, 'label'])}</div>"
                f"<div class='tj-headline-value' data-target='{html.escape(str(name))}' "
                f"data-value='{float(heads.loc[name, 'probability'])!r}' "
                f"style='font-size:2.2em;color:{BLUE};font-weight:600'>"
                f"{percent(heads.loc[name, 'probability'], 1)}</div>"
                f"<div style='font-size:.85em'>± {100 * heads.loc[name, 'std_error']:.2f} points "
                "(std. error)</div></div>"
                for name in heads.index[len(view.result.model.headline_targets) :]
            )
        )
        self.joint.object = (
            f"<div style='font-size:.9em'>All targets met together</div>"
            f"<div class='tj-joint-value' data-value='{float(joint['probability'])!r}' "
            f"style='font-size:2.2em;color:{BLUE};font-weight:600'>{percent(joint['probability'], 2)}</div>"
            f"<div style='font-size:.85em'>± {100 * joint['std_error']:.2f} points (std. error)</div>"
        )
        meta = view.result.metadata
        self.status.object = (
            f"<p style='margin:.2em 0'><b>{html.escape(view.result.scenario.name)}</b></p>"
            f"<p style='margin:.2em 0;color:#4a5568'>{meta['draws']:,} draws, method {meta['method']}, "
            f"seed {meta['seed']}: the same draws at every update (common random numbers); "
            f"{html.escape(view.result.conditioning)}. Updated in {view.seconds:.2f} s.</p>"
        )
        rows = table.iloc[::-1]
        names = _names(rows)
        self.bars_source.data = {
            "target": list(rows.index),
            "name": names,
            "wording": list(rows["wording"]),
            "p": list(100 * rows["probability"]),
            "low": list(100 * rows["ci_low"]),
            "high": list(100 * rows["ci_high"]),
            "text": [f"{100 * p:.0f}%" for p in rows["probability"]],
            "reading": list(rows["reading"]),
        }
        self.bars.y_range.factors = names
        self.bars.height = 22 * len(rows) + 60
        left, density, width = view.bars
        self.dist_source.data = {
            "left": list(left),
            "right": list(left + width),
            "top": list(density),
        }
        top = float(density.max()) * 1.08 if len(density) else 1.0
        self.line_source.data = {
            "x": list(view.thresholds.values()),
            "top": [top] * len(view.thresholds),
            "name": [
                f"{self.explorer.labels.get(t, t)} ({v:g})" for t, v in view.thresholds.items()
            ],
        }
        self.distribution.y_range.end = top * 1.1
        lows = [*left[:1], *view.thresholds.values()]
        highs = [*(left[-1:] + width), *view.thresholds.values()]
        if lows:
            pad = 0.05 * (max(highs) - min(lows) or 1.0)
            self.distribution.x_range.start = min(lows) - pad
            self.distribution.x_range.end = max(highs) + pad
        j = view.result.model.indicators.index(view.indicator)
        self.distribution.title.text = (
            f"{self.explorer.indicator_labels[view.indicator]}: distribution against its target"
        )
        self.distribution.xaxis.axis_label = (
            f"{view.result.model.labels[j]} ({view.result.model.units[j]})"
        )
        self.table.object = _table(table)
        self.readings.object = _readings_table(view.result.readings(), table)
        self.widgets["save"].filename = self._filename()

    def _filename(self) -> str:
        slug = re.sub(r"[^A-Za-z0-9]+", "_", self.explorer.scenario.name).strip("_")
        return f"{slug[:80] or 'scenario'}.yaml"

    # ------------------------------------------------------------ figures
    def _bars_figure(self):
        plot = figure(
            y_range=FactorRange(),
            x_range=Range1d(0, 108),
            height=400,
            sizing_mode="stretch_width",
            title="Probability of meeting each target (95% intervals)",
            toolbar_location=None,
        )
        plot.hbar(y="name", right="p", height=0.7, source=self.bars_source, color=BLUE, alpha=0.85)
        plot.segment(
            x0="low",
            x1="high",
            y0="name",
            y1="name",
            source=self.bars_source,
            color=INK,
            line_width=1.5,
        )
        _labels(plot, self.bars_source, "high", "name", "text", text_baseline="middle")
        plot.xaxis.axis_label = "probability of meeting the target (%)"
        plot.add_tools(
            HoverTool(
                tooltips=[
                    ("target", "@name"),
                    ("in the report", "@wording"),
                    ("id", "@target"),
                    ("P(met)", "@p{0.0}%"),
                    ("95%", "@low{0.0} – @high{0.0}%"),
                    ("reading", "@reading"),
                ]
            )
        )
        return plot

    def _distribution_figure(self):
        plot = figure(
            height=300,
            sizing_mode="stretch_width",
            toolbar_location=None,
            x_range=Range1d(0, 1),
            y_range=Range1d(0, 1),
        )
        plot.quad(
            left="left",
            right="right",
            top="top",
            bottom=0,
            source=self.dist_source,
            color=BLUE,
            alpha=0.6,
        )
        plot.segment(
            x0="x", x1="x", y0=0, y1="top", source=self.line_source, color=RED, line_width=2
        )
        _labels(plot, self.line_source, "x", "top", "name", text_color=RED)
        plot.yaxis.axis_label = "density"
        return plot


def _labels(plot: Any, source: ColumnDataSource, x: str, y: str, text: str, **style: Any) -> None:
    """Small text labels just right of the points ``(x, y)`` of ``source``."""
    plot.text(x=x, y=y, text=text, source=source, x_offset=4, text_font_size="8pt", **style)


def _readings_table(wide, named: pd.DataFrame) -> str:
    """``result.readings()`` as HTML: each target (named as in ``named``, a view's
    probability table) with its probability under each reading, the reading in force in
    bold."""
    names = [c for c in wide.columns if c != "in_force"]
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in names)
    rows = "".join(
        f"<tr><td>{_name_cell(t, named.loc[t])}</td>"
        + "".join(
            f"<td style='text-align:right;font-weight:{700 if r['in_force'] == n else 400}'>"
            f"{percent(r[n], 2)}</td>"
            for n in names
        )
        + "</tr>"
        for t, r in wide.iterrows()
    )
    return (
        "<table style='border-collapse:collapse;font-size:.85em;width:100%'><thead><tr>"
        f"<th>target</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _table(frame) -> str:
    """The probability table as HTML: rows carry ``data-target``, numbers their full
    ``data-value``."""
    rows = "".join(
        f"<tr data-target='{html.escape(str(t))}'><td>{_name_cell(t, r)}</td>"
        f"<td class='p' data-value='{float(r['probability'])!r}' style='text-align:right'>{percent(r['probability'], 2)}</td>"
        f"<td data-value='{float(r['std_error'])!r}' style='text-align:right'>± {100 * r['std_error']:.2f}</td>"
        f"<td style='text-align:right'>{percent(r['ci_low'], 2)} – {percent(r['ci_high'], 2)}</td>"
        f"<td>{html.escape(str(r['reading']))}</td></tr>"
        for t, r in frame.iterrows()
    )
    return (
        "<table style='border-collapse:collapse;font-size:.85em;width:100%'><thead><tr>"
        "<th>target</th><th>P(met)</th><th>std. error (points)</th><th>95% interval</th>"
        f"<th>reading</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _names(frame: pd.DataFrame) -> list[str]:
    """The rows' names on the page: their labels, or their ids if two labels are the
    same (the bars need distinct names)."""
    labels = [str(label) for label in frame["label"]]
    return labels if len(set(labels)) == len(labels) else [str(t) for t in frame.index]


def _name_cell(target: str, row: pd.Series) -> str:
    """A target's name as a table shows it: its label, the report's wording under it,
    and its id in small type (what ``tjsim`` and the CSV files call it)."""
    wording = str(row.get("wording") or "")
    return (
        f"<span class='tj-name'>{html.escape(str(row['label']))}</span>"
        + (f"<br>{_wording(wording)}" if wording else "")
        + f" <small class='tj-id' style='color:#666'><code>{html.escape(str(target))}</code></small>"
    )


def _wording(text: str) -> str:
    """The plan report's wording of a target, marked as Chinese."""
    return f"<span class='tj-wording' lang='zh-CN'>{html.escape(text)}</span>"


def _choices(labels: dict[str, str]) -> dict[str, str]:
    """A select's options, ``label -> id``, labels made distinct by their ids when two
    are the same."""
    names = list(labels.values())
    return {
        (label if names.count(label) == 1 else f"{label} ({key})"): key
        for key, label in labels.items()
    }


def _nice_step(x: float) -> float:
    """The step of a slider: 1, 2 or 5 times a power of ten, at most ``x``."""
    if not x > 0:
        return 0.1
    power = 10.0 ** math.floor(math.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x)


def _clean(value: Any) -> Any:
    """A slider's float without the noise of adding steps (``-1.2000000000000002``)."""
    return float(f"{value:.10g}") if isinstance(value, float) and math.isfinite(value) else value
