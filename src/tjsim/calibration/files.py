"""Reading a calibration folder: four YAML files, validated into a :class:`Calibration`."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CalibrationError
from ..yamlio import kind_of, read_yaml_mapping
from .calibration import Calibration

FILES = ("facts.yaml", "assumptions.yaml", "model.yaml", "targets.yaml")


def default_calibration_path() -> Path:
    """The folder of the packaged Tianjin calibration."""
    return Path(str(resources.files("tjsim") / "data" / "tianjin"))


def load_calibration(path: str | Path | None = None) -> Calibration:
    """Read and validate the calibration folder ``path`` (default: packaged Tianjin)."""
    folder = Path(path) if path is not None else default_calibration_path()
    if not folder.is_dir():
        raise CalibrationError(
            "expected a calibration folder with " + ", ".join(FILES), file=str(folder)
        )
    docs = {name: read_yaml_mapping(folder / name, CalibrationError) for name in FILES}
    facts: list[Mapping[str, Any]] = []
    for name in ("facts.yaml", "assumptions.yaml"):
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
