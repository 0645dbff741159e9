"""Reading a calibration folder: four YAML files, and an optional fifth (``fitted.yaml``:
numbers fitted by a model of the record), validated into a :class:`Calibration`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CalibrationError
from ..yamlio import kind_of, read_yaml_mapping
from .calibration import Calibration

FILES = ("facts.yaml", "assumptions.yaml", "model.yaml", "targets.yaml")
#: Optional files of facts: read with facts.yaml and assumptions.yaml when present.
OPTIONAL_FILES = ("fitted.yaml",)


def default_calibration_path() -> Path:
    """The folder of the packaged Tianjin calibration."""
    return Path(str(resources.files("tjsim") / "data" / "tianjin"))


def load_calibration(path: str | os.PathLike[str] | None = None) -> Calibration:
    """Read and validate the calibration folder ``path`` (default: packaged Tianjin).

    A folder is read and checked once per process and its files' state: a later call
    returns the same (immutable) calibration until one of its files changes, so a
    simulation of a few draws does not pay for parsing YAML.
    """
    folder = Path(path) if path is not None else default_calibration_path()
    if not folder.is_dir():
        raise CalibrationError(
            "expected a calibration folder with " + ", ".join(FILES), file=str(folder)
        )
    return _load(folder.resolve(), _signature(folder))


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Each calibration file's name, modification time and size (what a cache key must
    change with)."""
    out = []
    for name in (*FILES, *OPTIONAL_FILES):
        try:
            stat = (folder / name).stat()
        except OSError:
            continue
        out.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(out)


@lru_cache(maxsize=8)
def _load(folder: Path, signature: tuple[tuple[str, int, int], ...]) -> Calibration:
    """Read and validate ``folder``; ``signature`` is the cache key only."""
    docs = {name: read_yaml_mapping(folder / name, CalibrationError) for name in FILES}
    optional = [name for name in OPTIONAL_FILES if (folder / name).is_file()]
    docs.update({name: read_yaml_mapping(folder / name, CalibrationError) for name in optional})
    facts: list[Mapping[str, Any]] = []
    for name in ("facts.yaml", "assumptions.yaml", *optional):
        items = docs[name].get("facts")
        if not isinstance(items, list):
            raise CalibrationError(
                f"expected a list under 'facts', found {kind_of(items)}", file=str(folder / name)
            )
        facts.extend(
            {**item, "_file": str(folder / name)} if isinstance(item, dict) else item
            for item in items
        )
    return Calibration.from_mappings(
        facts,
        docs["model.yaml"],
        docs["targets.yaml"],
        files={"model": str(folder / "model.yaml"), "targets": str(folder / "targets.yaml")},
    )
