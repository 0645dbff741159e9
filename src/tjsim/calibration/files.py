"""Reading a calibration folder: four YAML files, and two optional ones (``fitted.yaml``:
numbers fitted by a model of the record; ``notation.yaml``: the symbols of the ids),
validated into a :class:`Calibration`.

A calibration is named by its folder, or by the name of a packaged one (``"tianjin"``,
``"china"``: the folders of ``tjsim/data`` that hold a ``model.yaml``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CalibrationError, suggest
from ..yamlio import kind_of, read_yaml_mapping
from .calibration import Calibration

FILES = ("facts.yaml", "assumptions.yaml", "model.yaml", "targets.yaml")
#: Optional files of facts: read with facts.yaml and assumptions.yaml when present.
OPTIONAL_FILES = ("fitted.yaml",)
#: Optional file of the LaTeX symbols of ids (:mod:`tjsim.calibration.notation`).
NOTATION_FILE = "notation.yaml"


#: The packaged calibration used when none is named.
DEFAULT_CALIBRATION = "tianjin"


def default_calibration_path() -> Path:
    """The folder of the packaged Tianjin calibration."""
    return packaged_calibrations()[DEFAULT_CALIBRATION]


def packaged_calibrations() -> dict[str, Path]:
    """The calibrations that ship with tjsim, by name (``china``, ``tianjin``): the
    folders of ``tjsim/data`` that hold a ``model.yaml``."""
    data = Path(str(resources.files("tjsim") / "data"))
    return {
        folder.name: folder
        for folder in sorted(data.iterdir())
        if folder.is_dir() and (folder / "model.yaml").is_file()
    }


def calibration_folder(path: str | os.PathLike[str] | None = None) -> Path:
    """The folder of calibration ``path``: a folder, the name of a packaged calibration
    (a folder of that name in the working directory comes first), or ``None`` for the
    packaged Tianjin calibration.

    Raises
    ------
    CalibrationError
        For a bare name that is neither a folder nor a packaged calibration, with the
        nearest packaged name ("did you mean ...?") and the list of them.
    """
    if path is None:
        return default_calibration_path()
    folder = Path(path)
    if folder.is_dir():
        return folder
    packaged = packaged_calibrations()
    if str(path) in packaged:
        return packaged[str(path)]
    if folder.name == str(path) and folder.suffix == "":
        raise CalibrationError(
            f"no calibration folder '{path}', and no packaged calibration of that name"
            f"{suggest(str(path), packaged)}; packaged: {', '.join(packaged)}",
            file=str(path),
        )
    raise CalibrationError("expected a calibration folder with " + ", ".join(FILES), file=str(path))


def load_calibration(path: str | os.PathLike[str] | None = None) -> Calibration:
    """Read and validate calibration ``path``: a folder, a packaged calibration's name
    (``"china"``), or ``None`` for the packaged Tianjin calibration.

    A folder is read and checked once per process and its files' state: a later call
    returns the same (immutable) calibration until one of its files changes, so a
    simulation of a few draws does not pay for parsing YAML.
    """
    folder = calibration_folder(path)
    return _load(folder.resolve(), _signature(folder))


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Each calibration file's name, modification time and size (what a cache key must
    change with)."""
    out = []
    for name in (*FILES, *OPTIONAL_FILES, NOTATION_FILE):
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
    notation = folder / NOTATION_FILE
    files = {"model": str(folder / "model.yaml"), "targets": str(folder / "targets.yaml")}
    symbols = None
    if notation.is_file():
        files["notation"] = str(notation)
        symbols = read_yaml_mapping(notation, CalibrationError)
    return Calibration.from_mappings(
        facts, docs["model.yaml"], docs["targets.yaml"], files=files, notation=symbols
    )
