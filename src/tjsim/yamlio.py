"""Safe YAML reading with errors that name the file and what was found."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import TjsimError


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when available) that refuses duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text`` safely; tags such as ``!!python/object`` are refused, never run."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise TjsimError(f"not valid YAML: {_short(exc)}", file=source) from None


def read_yaml_mapping(path: str | Path, error: type[TjsimError] = TjsimError) -> dict[str, Any]:
    """Read a YAML file that must hold a non-empty mapping."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error("file not found", file=source) from None
    except IsADirectoryError:
        raise error("expected a YAML file, found a directory", file=source) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", file=source) from None
    try:
        data = parse_yaml(text, source)
    except TjsimError as exc:
        raise error(exc.message, file=source) from None
    if data is None:
        raise error("the file is empty; expected a mapping of keys", file=source)
    if not isinstance(data, dict):
        raise error(f"expected a mapping of keys at the top, found {kind_of(data)}", file=source)
    return data


def kind_of(value: Any) -> str:
    return {
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }.get(type(value), type(value).__name__)


def _short(exc: yaml.YAMLError) -> str:
    text = str(exc).strip().splitlines()
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or (text[0] if text else "parse error")
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return problem
