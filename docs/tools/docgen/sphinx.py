"""The documentation site's API pages: the reStructuredText roles and math directives of
the library's docstrings shown as markdown (a Griffe extension, enabled in
``mkdocs.yml``). This module imports nothing of the package, so that Griffe can load it
by its path."""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(
    r":(?:func|class|meth|mod|data|attr|obj|exc|ref):`(?P<tilde>~?)(?P<target>[^`]+)`"
)

_MATH_ROLE = re.compile(r":math:`(?P<tex>[^`]+)`")


_MATH_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)\n(?P<rest>(?:(?P=indent)[ \t]+\S.*\n?)*)",
    re.MULTILINE,
)


def rst_to_markdown(text: str) -> str:
    """Turn the reStructuredText roles and math directives of a docstring into markdown.

    A cross-reference role (``func``, ``class``, ``meth``, ``data``, ...) becomes its
    target in code, shortened to the last name after a tilde; a ``math`` role becomes
    inline ``$...$`` math and a ``math`` directive a ``$$`` display. Everything else is
    kept.
    """

    def role(match: re.Match[str]) -> str:
        target = match.group("target")
        if match.group("tilde"):
            target = target.rsplit(".", 1)[-1]
        return f"`{target}`"

    def directive(match: re.Match[str]) -> str:
        indent = match.group("indent")
        body = [match.group("first").strip()]
        body += [line.strip() for line in match.group("rest").splitlines()]
        tex = " ".join(part for part in body if part)
        return f"{indent}$$\n{indent}{tex}\n{indent}$$\n"

    text = _MATH_DIRECTIVE.sub(directive, text)
    text = _MATH_ROLE.sub(lambda m: f"${m.group('tex')}$", text)
    return _ROLE.sub(role, text)


try:  # the documentation site's extra; the library itself never needs it
    from griffe import Extension as _GriffeExtension
except ImportError:  # pragma: no cover - only without the docs tools
    _GriffeExtension = object  # type: ignore[assignment,misc]


class SphinxRoles(_GriffeExtension):  # type: ignore[misc,valid-type]
    """Griffe extension for the API pages: rewrites each docstring with `rst_to_markdown`.

    Enabled in `mkdocs.yml` under the mkdocstrings handler's `extensions`, as
    `docs/tools/docgen/sphinx.py:SphinxRoles`.
    """

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and docstring.value:
            docstring.value = rst_to_markdown(docstring.value)
