"""Safe YAML reading with errors that name the file and what was found.

Files are read only if they are regular files of at most
:data:`~tjsim.limits.MAX_FILE_BYTES` (never a device, a pipe or a socket, which could
be endless or block). The loader is YAML 1.1's safe loader with three changes: a
duplicate key is an error, a key must be a plain value (not a list or a mapping), and
base-60 numbers (``1:30``, which YAML 1.1 reads as 90) and octal numbers with a leading
zero (``010``, read as 8) are not numbers, so they end in a clear error instead of a
surprising value.
"""

from __future__ import annotations

import os
import re
import stat
from typing import Any, ClassVar

import yaml

from .errors import TjsimError
from .limits import MAX_FILE_BYTES

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
#: YAML 1.1's int and float patterns without base-60 and leading-zero octal numbers.
_NUMBERS = {
    _INT: re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    _FLOAT: re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)"
        r"|\.(?:nan|NaN|NAN))$"
    ),
}


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when available) that refuses duplicate and complex keys
    and reads neither base-60 nor leading-zero octal numbers."""

    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, _NUMBERS.get(tag, pattern)) for tag, pattern in resolvers]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping: dict = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a name, not a list or a mapping", key_node.start_mark
            ) from None
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r:.60}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=deep)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

#: Most digits of an integer read from YAML (Python refuses to read more than 4,300).
MAX_INT_DIGITS = 1_000


def _construct_int(loader: _StrictLoader, node: yaml.ScalarNode) -> int:
    digits = sum(c.isalnum() for c in str(node.value))
    if digits > MAX_INT_DIGITS:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"an integer of {digits:,} digits is not a number tjsim can use",
            node.start_mark,
        )
    return yaml.SafeLoader.construct_yaml_int(loader, node)


_StrictLoader.add_constructor(_INT, _construct_int)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML ``text`` safely; tags such as ``!!python/object`` are refused, never run."""
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise TjsimError(f"not valid YAML: {_short(exc)}", file=source) from None


def read_yaml_mapping(
    path: str | os.PathLike[str], error: type[TjsimError] = TjsimError
) -> dict[str, Any]:
    """Read a YAML file that must hold a non-empty mapping (see :func:`read_text`)."""
    source = str(path)
    try:
        data = parse_yaml(read_text(path, error), source)
    except TjsimError as exc:
        raise error(exc.message, file=source) from None
    if data is None:
        raise error("the file is empty; expected a mapping of keys", file=source)
    if not isinstance(data, dict):
        raise error(f"expected a mapping of keys at the top, found {kind_of(data)}", file=source)
    return data


def read_text(path: str | os.PathLike[str], error: type[TjsimError] = TjsimError) -> str:
    """The UTF-8 text of the regular file ``path``, of at most
    :data:`~tjsim.limits.MAX_FILE_BYTES`.

    The file is opened without blocking and checked before it is read, so a device
    (``/dev/zero``), a pipe or a socket is refused rather than read without end or
    waited on.

    Raises
    ------
    TjsimError
        (of type ``error``) naming the file and the problem.
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error("file not found", file=source) from None
    except IsADirectoryError:
        raise error("expected a YAML file, found a directory", file=source) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", file=source) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"expected a YAML file, found {_file_kind(mode)}", file=source)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or exc}", file=source) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise error(
            f"the file is larger than {MAX_FILE_BYTES:,} bytes, the most tjsim reads from "
            "a YAML file",
            file=source,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text (byte {exc.start})", file=source) from None


def _file_kind(mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


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
