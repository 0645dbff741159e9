"""Equation expressions: a small, safe arithmetic language compiled to linear forms.

An equation is a string such as ``"industry_central + industry_on_exports * (exports -
baseline(exports))"``. Names are parameters (facts) or model variables; ``baseline(v)``
is the value of variable ``v`` with every shock, event and scenario shift switched off.
The language has numbers, names, ``+ - * / **``, unary minus, parentheses and
``baseline(name)``; nothing else is accepted (the text is parsed, never executed).
``**`` is for parameters only (e.g. a square root, ``x ** 0.5``).

Equations must be *linear in the variables*: parameters may be combined freely, but a
product of two variables or a division by a variable is an error. Each variable then
compiles to a :class:`LinearForm` over the model's random basis, which is what lets the
engine evaluate the whole model for many draws with one matrix product.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from .limits import MAX_EXPRESSION_DEPTH

_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)


@dataclass(frozen=True)
class LinearForm:
    r"""An affine function of the random basis :math:`x` (shocks and event indicators).

    .. math:: v = \text{constant} + \text{shift} + \text{loadings} \cdot x

    ``constant`` is the baseline value, ``shift`` the part added by a scenario's driver
    shifts, ``loadings`` a ``(k,)`` array over the ``k`` basis columns.
    """

    constant: float
    shift: float
    loadings: np.ndarray

    @classmethod
    def scalar(cls, value: float, size: int) -> LinearForm:
        return cls(float(value), 0.0, np.zeros(size))

    @property
    def is_scalar(self) -> bool:
        return self.shift == 0.0 and not np.any(self.loadings)

    @property
    def value(self) -> float:
        """Value with every random basis term at zero (baseline plus shifts)."""
        return self.constant + self.shift

    def __add__(self, other: LinearForm) -> LinearForm:
        return LinearForm(
            self.constant + other.constant, self.shift + other.shift, self.loadings + other.loadings
        )

    def __sub__(self, other: LinearForm) -> LinearForm:
        return self + other.scaled(-1.0)

    def scaled(self, factor: float) -> LinearForm:
        return LinearForm(self.constant * factor, self.shift * factor, self.loadings * factor)


class ExpressionError(ValueError):
    """An equation that cannot be parsed or is not linear in the variables."""


def parse(text: str) -> ast.Expression:
    """Parse ``text`` into an AST made of the allowed nodes only."""
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        raise ExpressionError(f"expected an expression string or a number, found {text!r}")
    deep = ExpressionError(
        f"an expression nested more than {MAX_EXPRESSION_DEPTH} levels deep (a sum of as "
        f"many terms, say): split it into derived parameters; found {str(text)[:60]!r}..."
    )
    try:
        tree = ast.parse(str(text).strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}") from None
    except RecursionError:
        raise deep from None
    if _depth(tree) > MAX_EXPRESSION_DEPTH:  # the evaluators recurse over the tree
        raise deep
    for node in ast.walk(tree):
        _check_node(node, text)
    return tree


def _depth(tree: ast.AST) -> int:
    """The depth of ``tree``, found without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _check_node(node: ast.AST, text: object) -> None:
    allowed = (
        ast.Expression,
        ast.BinOp,
        ast.UnaryOp,
        ast.Constant,
        ast.Name,
        ast.Load,
        ast.USub,
        ast.UAdd,
        ast.Call,
        *_BINOPS,
    )
    if not isinstance(node, allowed):
        raise ExpressionError(f"{type(node).__name__} is not allowed in expression {text!r}")
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, bool) or not isinstance(node.value, (int, float))
    ):
        raise ExpressionError(f"only numbers may appear as constants in {text!r}")
    if isinstance(node, ast.Call) and not (
        isinstance(node.func, ast.Name)
        and node.func.id == "baseline"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Name)
    ):
        raise ExpressionError(f"the only function is baseline(variable), in {text!r}")


def names(tree: ast.Expression) -> set[str]:
    """Every name the expression refers to (including inside ``baseline(...)``)."""
    return {
        node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id != "baseline"
    }


def _interpret(
    tree: ast.Expression,
    name: Callable[[str], Any],
    baseline: Callable[[str], Any],
    number: Callable[[float], Any],
    binary: Callable[[ast.operator, Any, Any, ast.AST], Any],
) -> Any:
    """Walk ``tree`` bottom-up; leaves and operators are supplied by the caller."""

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return number(cast(float, node.value))  # _check_node admits only numbers
        if isinstance(node, ast.Name):
            return name(node.id)
        if isinstance(node, ast.Call):
            return baseline(node.args[0].id)  # type: ignore[attr-defined]
        if isinstance(node, ast.UnaryOp):
            inner = ev(node.operand)
            return (
                binary(ast.Mult(), number(-1.0), inner, node)
                if isinstance(node.op, ast.USub)
                else inner
            )
        assert isinstance(node, ast.BinOp)
        return binary(node.op, ev(node.left), ev(node.right), node)

    return ev(tree)


def compile_linear(
    tree: ast.Expression,
    resolve: Callable[[str], LinearForm],
    baseline_of: Callable[[str], LinearForm],
    size: int,
) -> LinearForm:
    """Evaluate ``tree`` into a :class:`LinearForm`.

    ``resolve(name)`` returns the form of a parameter (scalar) or an already compiled
    variable; ``baseline_of(name)`` the scalar baseline of a variable.
    """

    def binary(op: ast.operator, left: LinearForm, right: LinearForm, node: ast.AST) -> LinearForm:
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            if left.is_scalar:
                return right.scaled(left.constant)
            if right.is_scalar:
                return left.scaled(right.constant)
            raise ExpressionError(
                f"'{ast.unparse(node)}' multiplies two variables; equations must be linear"
            )
        if isinstance(op, ast.Pow):
            if not (left.is_scalar and right.is_scalar):
                raise ExpressionError(f"'{ast.unparse(node)}' raises a variable to a power")
            return LinearForm.scalar(_power(left.constant, right.constant, node), size)
        if not right.is_scalar:
            raise ExpressionError(f"'{ast.unparse(node)}' divides by a variable")
        if right.constant == 0.0:
            raise ExpressionError(f"'{ast.unparse(node)}' divides by zero")
        return left.scaled(1.0 / right.constant)

    return _interpret(tree, resolve, baseline_of, lambda v: LinearForm.scalar(v, size), binary)


def evaluate(
    tree: ast.Expression, values: Mapping[str, float], baselines: Mapping[str, float]
) -> float:
    """Evaluate ``tree`` on plain floats (used by the per-draw reference implementation)."""

    def binary(op: ast.operator, left: float, right: float, node: ast.AST) -> float:
        if isinstance(op, ast.Pow):
            return _power(left, right, node)
        return _FLOAT_OPS[type(op)](left, right)

    return _interpret(tree, values.__getitem__, baselines.__getitem__, float, binary)


_FLOAT_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _power(base: float, exponent: float, node: ast.AST) -> float:
    if base < 0 and not float(exponent).is_integer():
        raise ExpressionError(
            f"'{ast.unparse(node)}' takes a fractional power of a negative number"
        )
    if abs(exponent) > 8:
        raise ExpressionError(f"'{ast.unparse(node)}': exponents are limited to |p| <= 8")
    return float(base) ** float(exponent)
