"""LaTeX of the calibration's expressions: equations with symbols, or with numbers."""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from tjsim import expressions

from .tables import number

_ADD, _NEG, _MUL, _ATOM = 1.0, 1.5, 2.0, 3.0


def to_latex(
    text_or_tree: str | ast.Expression,
    name: Callable[[str], str],
    baseline: Callable[[str], str] | None = None,
    *,
    times: bool = False,
) -> str:
    r"""Render an equation (or expression) as LaTeX.

    Parameters
    ----------
    text_or_tree
        The expression text, as in ``model.yaml``, or its parsed tree.
    name
        LaTeX of a name (a parameter or variable symbol, or a number).
    baseline
        LaTeX of ``baseline(v)``; default ``{symbol of v}^{0}``.
    times
        Write every product with a times sign (for numbers) rather than a thin space.

    Returns
    -------
    str
        LaTeX without surrounding ``$``; sums and differences keep their order,
        divisions become ``\frac``, powers of one half become square roots.
    """
    tree = expressions.parse(text_or_tree) if isinstance(text_or_tree, str) else text_or_tree
    base = baseline or (lambda v: f"{name(v)}^{{0}}")

    def wrap(part: tuple[str, float], below: float) -> str:
        return rf"\left({part[0]}\right)" if part[1] < below else part[0]

    def ev(node: ast.AST) -> tuple[str, float]:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            text = number(node.value)
            return text, (_NEG if text.startswith("-") else _ATOM)
        if isinstance(node, ast.Name):
            text = name(node.id)
            return text, (_NEG if text.startswith("-") else _ATOM)
        if isinstance(node, ast.Call):
            return base(node.args[0].id), _ATOM  # type: ignore[attr-defined]
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            return "-" + wrap(inner, _MUL), _NEG
        assert isinstance(node, ast.BinOp)
        left, right = ev(node.left), ev(node.right)
        if isinstance(node.op, ast.Add):
            return (
                f"{left[0]} + {wrap(right, _MUL) if right[0].startswith('-') else right[0]}",
                _ADD,
            )
        if isinstance(node.op, ast.Sub):
            return f"{left[0]} - {wrap(right, _MUL)}", _ADD
        if isinstance(node.op, ast.Mult):
            numeric = times or (_is_number(left[0]) and _is_number(right[0]))
            joiner = r" \times " if numeric else r"\,"
            return f"{wrap(left, _NEG)}{joiner}{wrap(right, _MUL)}", _MUL
        if isinstance(node.op, ast.Div):
            return rf"\frac{{{left[0]}}}{{{right[0]}}}", _ATOM
        assert isinstance(node.op, ast.Pow)
        if isinstance(node.right, ast.Constant) and node.right.value == 0.5:
            return rf"\sqrt{{{left[0]}}}", _ATOM
        base_text = wrap(left, _ATOM)
        if "^" in base_text:
            base_text = f"{{{base_text}}}"
        return f"{base_text}^{{{right[0]}}}", _ATOM

    return ev(tree)[0]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(r"\left(", "").replace(r"\right)", ""))
    except ValueError:
        return False
    return True


def with_numbers(text: str, values: Mapping[str, float]) -> str:
    """Expression ``text`` in LaTeX with every name replaced by its value in ``values``
    and products written with a times sign."""

    def name(n: str) -> str:
        return number(values[n])

    return to_latex(text, name, times=True)
