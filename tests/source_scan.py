"""Reading Python source as the tests that scan it for typed-in names do."""

from __future__ import annotations

import ast


def string_literals(source: str) -> list[tuple[int, str]]:
    """The string constants of Python source (f-strings' literal parts and implicitly
    joined strings included, as Python joins them), with their lines."""
    return [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
