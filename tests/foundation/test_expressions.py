"""The equation language: parsed, never executed; linear in the variables."""

from __future__ import annotations

import numpy as np
import pytest

from tjsim import expressions as ex


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "a.b",
        "a[0]",
        "lambda: 1",
        "'text'",
        "a if b else c",
        "f(a)",
        "baseline(1)",
        "a < b",
        "True",
    ],
)
def test_only_arithmetic_is_accepted(text):
    with pytest.raises(ex.ExpressionError):
        ex.parse(text)


def _compile(text, variables=("x", "y")):
    size = len(variables)
    forms = {v: ex.LinearForm(float(i + 1), 0.0, np.eye(size)[i]) for i, v in enumerate(variables)}

    def resolve(name):
        return (
            forms[name] if name in forms else ex.LinearForm.scalar({"p": 2.0, "q": 0.5}[name], size)
        )

    return ex.compile_linear(
        ex.parse(text), resolve, lambda n: ex.LinearForm.scalar(forms[n].constant, size), size
    )


def test_linear_forms():
    form = _compile("p * (x - baseline(x)) + y / q - 3 + q ** 2")
    assert form.constant == pytest.approx(2 * 0 + 2 / 0.5 - 3 + 0.25)
    np.testing.assert_allclose(form.loadings, [2.0, 2.0])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x * y", "linear"),
        ("p / x", "divides by a variable"),
        ("x ** 2", "power"),
        ("x / (q - q)", "zero"),
    ],
)
def test_nonlinear_equations_are_refused(text, match):
    with pytest.raises(ex.ExpressionError, match=match):
        _compile(text)


def test_evaluate_agrees_with_compile():
    text = "p * (x - baseline(x)) + y / q - 3"
    form = _compile(text)
    values = {"x": 1.7, "y": -0.4, "p": 2.0, "q": 0.5}
    direct = ex.evaluate(ex.parse(text), values, {"x": 1.0, "y": 2.0})
    assert direct == pytest.approx(form.constant + form.loadings @ [0.7, -2.4])


@pytest.mark.parametrize("terms", [201, 5_000, 100_000])
def test_an_expression_too_deep_is_a_clear_error(terms):
    # A long sum once raised RecursionError deep inside Python's parser or the
    # evaluators; it is refused with a message that says what to do.
    with pytest.raises(ex.ExpressionError, match="nested more than 200 levels deep"):
        ex.parse(" + ".join(["a"] * terms))
    assert ex.parse(" + ".join(["a"] * 150)) is not None
