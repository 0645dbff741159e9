"""The markers of a generated block, and re-rendering the blocks of a page.

A block is the text between ``<!-- BEGIN GENERATED: name -->`` and
``<!-- END GENERATED -->``; its content is rendered from its name alone. A name may end
in ``@calibration`` (``record@china``): the block is then rendered from that packaged
calibration rather than the page's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Marker that opens a generated block; the block's name (``block`` or
#: ``block@calibration``) follows the colon.
BEGIN = "<!-- BEGIN GENERATED: {name} -->"
#: Marker that closes a generated block.
END = "<!-- END GENERATED -->"
_BLOCK = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[\w-]+(?:@[\w-]+)?) -->\n(?P<body>.*?)<!-- END GENERATED -->",
    re.DOTALL,
)


def has_blocks(text: str) -> bool:
    """Whether ``text`` holds the opening marker of a block (named or not)."""
    return BEGIN.split("{")[0] in text


def blocks(text: str) -> list[str]:
    """Names of the generated blocks in ``text``, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def update_text(text: str, render: Callable[[str], str]) -> str:
    """``text`` with every generated block's content replaced by ``render(name)`` (each
    name rendered once)."""
    cache: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in cache:
            cache[name] = render(name)
        return f"{BEGIN.format(name=name)}\n\n{cache[name]}\n{END}"

    return _BLOCK.sub(replace, text)


def refresh(text: str, render: Callable[[str], str]) -> tuple[str, list[str]]:
    """``text`` with every generated block re-rendered, and the names of the blocks
    whose content that changed."""
    fresh = update_text(text, render)
    old = _BLOCK.finditer(text)
    new = _BLOCK.finditer(fresh)
    stale = [
        n.group("name") for o, n in zip(old, new, strict=True) if o.group("body") != n.group("body")
    ]
    return fresh, stale
