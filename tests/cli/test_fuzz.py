"""Fuzzing scenario files: documents built from the schema with wrong types, extreme
values, unknown and missing keys, run through ``tjsim run --out``.

Every document must end in exit 2 (one error line, nothing written) or in a valid run (a
complete output folder); never an internal error, never a partial folder or a staging
folder left behind. Figures are drawn but not rendered to PNG (rendering takes about a
second a figure and is tested elsewhere), so that the test stays fast.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tjsim
from tjsim.cli import main
from tjsim.report.folder import MARKER

CALIBRATION = tjsim.load_calibration()
VARIABLES = sorted(CALIBRATION.variables)
SHOCKED = sorted(CALIBRATION.shocked)
FACTS = sorted(f.id for f in CALIBRATION.facts)
TARGETS = sorted(CALIBRATION.targets)
EVENTS = sorted(CALIBRATION.events)
QUARTERLY = sorted(CALIBRATION.quarterly.variables) if CALIBRATION.quarterly else []

#: Values of the wrong type for any slot.
WRONG = st.one_of(
    st.text(max_size=6),
    st.booleans(),
    st.none(),
    st.lists(st.integers(-3, 3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)
#: Numbers: plausible ones, extreme ones, non-finite ones, and wrong types.
NUMBER = st.one_of(
    st.floats(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**25), 10**25),
    st.sampled_from([0, -0.0, 1e-300, 1e9, -1e9, 1e9 + 1, 2**63, 1.7976931348623157e308]),
    WRONG,
)
PROBABILITY = st.one_of(st.floats(0, 1), NUMBER)
#: Names of target readings, and one that is none.
READING = st.sampled_from(["strict", "published", "about", "real", "nominal", "headline", "loose"])


def names(known: list[str]) -> st.SearchStrategy:
    """Known ids, misspellings of them and other text."""
    known_ids = st.sampled_from(known) if known else st.nothing()
    return st.one_of(known_ids, known_ids.map(lambda s: s[:-1]), st.text(max_size=6))


def entry(required: dict, optional: dict) -> st.SearchStrategy:
    """A mapping with some of the keys (an unknown one at times), or a wrong type."""
    keys = st.fixed_dictionaries(required, optional={**optional, "unknown_key": NUMBER})
    return st.one_of(keys, keys, keys, WRONG)


DRIVER = entry(
    {},
    {
        "shift": NUMBER,
        "scale": NUMBER,
        "distribution": st.one_of(st.sampled_from(["normal", "t", "two_piece", "tt"]), WRONG),
        "df": NUMBER,
        "skew": NUMBER,
    },
)
EVENT = entry(
    {"name": st.one_of(names(EVENTS), WRONG), "probability": PROBABILITY},
    {"impact": st.dictionaries(names(VARIABLES), NUMBER, max_size=2), "label": WRONG},
)
TARGET = st.one_of(
    st.none(),
    entry(
        {},
        {
            "indicator": st.one_of(names(VARIABLES), WRONG),
            "op": st.one_of(st.sampled_from([">=", ">", "<=", "<", "=="]), WRONG),
            "threshold": NUMBER,
            "compare_to": st.one_of(names(VARIABLES), WRONG),
            "label": WRONG,
        },
    ),
)
SIMULATION = entry(
    {},
    {
        "draws": st.one_of(
            st.integers(-2, 100), st.sampled_from([10, 31, 33, 10**12, 10**23, 1e23]), NUMBER
        ),
        "seed": NUMBER,
        "method": st.one_of(st.sampled_from(["mc", "antithetic", "sobol", "quasi"]), WRONG),
    },
)
SCENARIO = st.fixed_dictionaries(
    {"name": st.one_of(st.text(min_size=1, max_size=12), st.text(min_size=1, max_size=12), WRONG)},
    optional={
        "description": st.one_of(st.text(max_size=20), WRONG),
        "extends": st.one_of(
            st.sampled_from(["baseline", "nope.yaml", "/dev/null", "nope", "../x.yml"]), WRONG
        ),
        "drivers": st.one_of(st.dictionaries(names(VARIABLES), DRIVER, max_size=3), WRONG),
        "correlations": st.one_of(
            st.lists(
                st.one_of(st.tuples(names(SHOCKED), names(SHOCKED), NUMBER).map(list), WRONG),
                max_size=2,
            ),
            WRONG,
        ),
        "events": st.one_of(st.lists(EVENT, max_size=2), WRONG),
        "parameters": st.one_of(st.dictionaries(names(FACTS), NUMBER, max_size=2), WRONG),
        "targets": st.one_of(
            st.dictionaries(st.one_of(names(TARGETS), st.just("joint")), TARGET, max_size=2),
            WRONG,
        ),
        "simulation": SIMULATION,
        "observed": st.one_of(
            st.dictionaries(
                names(QUARTERLY),
                st.one_of(
                    st.dictionaries(
                        st.sampled_from(["Q1", "H1", "Q1-Q3", "FY", "Q5"]), NUMBER, max_size=3
                    ),
                    WRONG,
                ),
                max_size=2,
            ),
            WRONG,
        ),
        "readings": st.one_of(
            READING, st.dictionaries(names(TARGETS), st.one_of(READING, WRONG), max_size=2), WRONG
        ),
        "shocks_off": st.one_of(st.booleans(), WRONG),
    },
)
#: Scenarios with plausible values and known ids: most of them run.
PLAUSIBLE = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=12)},
    optional={
        "drivers": st.dictionaries(
            st.sampled_from(SHOCKED),
            st.fixed_dictionaries(
                {}, optional={"shift": st.floats(-3, 3), "scale": st.floats(0.5, 2)}
            ),
            max_size=2,
        ),
        "events": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(EVENTS), "probability": st.floats(0, 1)}
            ),
            max_size=1,
        )
        if EVENTS
        else st.nothing(),
        "targets": st.dictionaries(
            st.sampled_from(TARGETS),
            st.one_of(st.none(), st.fixed_dictionaries({"threshold": st.floats(-5, 10)})),
            max_size=2,
        ),
        "simulation": st.fixed_dictionaries(
            {},
            optional={
                "draws": st.integers(32, 100).map(lambda n: 2 * n),
                "seed": st.integers(0, 2**64),
                "method": st.sampled_from(["mc", "antithetic", "sobol"]),
            },
        ),
        "observed": st.dictionaries(
            st.sampled_from(QUARTERLY),
            st.fixed_dictionaries({}, optional={"Q1": st.floats(0, 6)}),
            max_size=1,
        ),
        "readings": READING,
        "shocks_off": st.booleans(),
    },
)


@st.composite
def mutated(draw: st.DrawFn, documents: st.SearchStrategy) -> object:
    """A document with one value anywhere in it replaced by an extreme or wrong one,
    or one key removed."""
    document = draw(documents)
    paths: list[tuple] = []

    def walk(node: object, path: tuple) -> None:
        paths.append(path)
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in children:
            walk(child, (*path, key))

    walk(document, ())
    path = draw(st.sampled_from(paths[1:] or paths))
    if not path:
        return draw(NUMBER)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(NUMBER)
    return document


#: Whole documents: plausible ones, plausible ones with one thing wrong, anything built
#: from the schema (sometimes without its name), or not a mapping at all.
DOCUMENT = st.one_of(
    PLAUSIBLE,
    mutated(PLAUSIBLE),
    mutated(PLAUSIBLE),
    SCENARIO,
    SCENARIO.map(lambda d: {k: v for k, v in d.items() if k != "name"}),
    WRONG,
)


def _draw_only(path: Path, size: tuple[float, float], draw) -> None:
    """Draw a figure as the report does, without rendering it to PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(ax=figure.subplots())
    path.write_bytes(b"")


@pytest.mark.slow
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(DOCUMENT)
def test_any_document_is_a_clear_error_or_a_valid_run(document):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "fuzz.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        out = root / "results" / "out"
        stdout, stderr = io.StringIO(), io.StringIO()
        argv = ["run", str(path), "--draws", "64", "--seed", "1", "--out", str(out), "--quiet"]
        with (
            mock.patch("tjsim.report.files._draw_png", _draw_only),
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
        ):
            code = main(argv)
        err = stderr.getvalue()
        assert code in (0, 2), err
        assert "internal error" not in err and "Traceback" not in err
        if code == 2:
            assert err.startswith("tjsim: error: ") and len(err.strip().splitlines()) == 1, err
            assert not (root / "results").exists()
        else:
            # nothing but, on a machine whose numba cache is empty, the compiling note
            note = "tjsim: compiling the simulation kernel once, a few seconds\n"
            assert err.replace(note, "") == ""
            assert [p.name for p in out.parent.iterdir()] == ["out"]  # no staging left
            files = {p.name for p in out.iterdir()}
            assert {MARKER, "probabilities.csv", "result.json", "probabilities.png"} <= files
