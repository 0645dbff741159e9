"""The panel: China's 31 provincial-level regions' GDP targets against their outturns.

The packaged folder ``data/panel`` holds the record (see its ``README.md``):
``provinces.csv`` (a region-year's target, its first-release outturn, their sources, a
grade), ``quarterly.csv`` (cumulative growth in Q1, H1, Q1-Q3 and the year),
``tianjin-record.csv`` (Tianjin's targets and outturns for several indicators) and
``regions.csv`` (each region's Chinese, pinyin and English names). Each CSV ends with
``#,KEY,text`` rows that expand the source keys its rows cite; the loaders expand them.

Every loader validates its file and raises :class:`~tjsim.errors.CalibrationError`
naming the file and the line for a missing column, a value that is not a number, an
unknown region, grade or qualifier, or a source key that no ``#`` row expands.
Files are parsed once (cached by path); every call returns a fresh copy.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import CalibrationError, unknown, unknown_of

#: The files of the packaged panel folder.
PANEL_FILES = ("provinces.csv", "quarterly.csv", "tianjin-record.csv", "regions.csv")
#: The region name of the national rows of ``quarterly.csv``, and its pinyin.
NATIONAL = "全国"
NATIONAL_PINYIN = "quanguo"
#: Grades: H (official text or two agreeing sources), M (one credible secondary
#: source), L (sources conflict, or the value is implied).
GRADES = ("H", "M", "L")
#: Qualifiers of a target as the loaders give them (``""``: none recorded).
QUALIFIERS = ("左右", "以上", "range", "")
#: Qualifiers as written in ``provinces.csv`` (区间: a range), and what they become.
_QUALIFIER_IN_FILE = {"左右": "左右", "以上": "以上", "区间": "range", "": ""}
#: A reference that is a file of the folder rather than a key.
_FILE_KEYS = {
    "national.md": "national targets and first-release outturns 2013-2023 (national.md "
    "in the panel folder)"
}
#: A token shaped like a source key (letters, then two digits, e.g. ``CAM21``,
#: ``XH24TJ``, ``BBG14b``): one that no ``#`` row expands is an error.
_KEY_SHAPE = re.compile(r"\b[A-Z]{2,}\d{2}[A-Za-z0-9]*\b")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\.md)?")

PANEL_COLUMNS = (
    "region",
    "pinyin",
    "year",
    "target",
    "target_high",
    "target_text",
    "qualifier",
    "outturn",
    "target_source",
    "outturn_source",
    "grade",
    "note",
)
QUARTERLY_COLUMNS = (
    "region",
    "pinyin",
    "year",
    "q1",
    "h1",
    "q3",
    "year_growth",
    "source",
    "grade",
)
RECORD_COLUMNS = (
    "indicator",
    "year",
    "target_text",
    "target",
    "outturn",
    "source",
    "grade",
    "note",
    "source_keys",
)


def panel_folder() -> Path:
    """The folder of the packaged panel."""
    return Path(str(resources.files("tjsim") / "data" / "panel"))


# ------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _Table:
    """A CSV of the panel: its data rows (with their line numbers) and its keys."""

    file: str
    rows: tuple[tuple[int, Mapping[str, str]], ...]
    keys: Mapping[str, str]

    def error(self, line: int, message: str) -> CalibrationError:
        """An error at ``line`` of this file."""
        return CalibrationError(message, file=self.file, key=f"line {line}")


def _read_table(path: Path, columns: Sequence[str]) -> _Table:
    """Read ``path``: a header with ``columns`` (others are kept), data rows, blank
    lines, ``#`` comment rows and ``#,KEY,text`` rows expanding source keys."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalibrationError(f"cannot read the file: {exc}", file=file) from None
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    keys: dict[str, str] = {}
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        if row[0].strip().startswith("#"):
            if row[0].strip() == "#" and len(row) >= 3 and row[1].strip() not in ("", "key"):
                keys[row[1].strip()] = ",".join(row[2:]).strip()
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            missing = [c for c in columns if c not in header]
            if missing:
                raise CalibrationError(
                    f"missing column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(c) for c in missing)}; expected {', '.join(columns)}",
                    file=file,
                    key=f"line {line}",
                )
            continue
        if len(row) != len(header):
            raise CalibrationError(
                f"expected {len(header)} fields ({', '.join(header)}), found {len(row)}",
                file=file,
                key=f"line {line}",
            )
        rows.append((line, {name: cell.strip() for name, cell in zip(header, row, strict=True)}))
    if header is None:
        raise CalibrationError(f"no header; expected {', '.join(columns)}", file=file)
    return _Table(file, tuple(rows), keys)


def _number(table: _Table, line: int, row: Mapping[str, str], column: str) -> float:
    """``row[column]`` as a float (NaN when blank)."""
    value = row[column]
    if value == "":
        return math.nan
    try:
        number = float(value)
    except ValueError:
        number = math.nan
        ok = False
    else:
        ok = math.isfinite(number)
    if not ok:
        raise table.error(line, f"column '{column}': expected a number or a blank, found '{value}'")
    return number


def _year(table: _Table, line: int, row: Mapping[str, str]) -> int:
    value = row["year"]
    if not re.fullmatch(r"\d{4}", value):
        raise table.error(line, f"column 'year': expected a year such as 2023, found '{value}'")
    return int(value)


def _grade(table: _Table, line: int, row: Mapping[str, str]) -> str:
    grade = row["grade"]
    if grade not in GRADES:
        raise table.error(line, "column 'grade': " + unknown_of("grade", grade, GRADES))
    return grade


def _region(
    table: _Table, line: int, row: Mapping[str, str], names: Mapping[str, str]
) -> tuple[str, str]:
    """The region's Chinese name and pinyin (``names`` maps one to the other)."""
    region = row["region"]
    if region not in names:
        raise table.error(line, "column 'region': " + unknown("region", region, names))
    return region, names[region]


def source_keys(text: str, known: Iterable[str]) -> list[str]:
    """The source keys cited in ``text`` (a source field such as ``"CAM21+TJN"`` or
    ``"q1: TR21 (China News Agency) ; year: CAM21"``), in order, each once."""
    known = set(known)
    found: list[str] = []
    for token in _TOKEN.findall(text):
        if token in known and token not in found:
            found.append(token)
    return found


def _expand(table: _Table, line: int, column: str, text: str, keys: Mapping[str, str]):
    """The keys cited in ``text`` and their texts joined with ``"; "``; a token shaped
    like a key that no ``#`` row expands is an error."""
    for token in _KEY_SHAPE.findall(text):
        if token not in keys:
            raise table.error(
                line,
                f"column '{column}': source key '{token}' is not expanded by any '#,KEY,text' row",
            )
    cited = source_keys(text, keys)
    return cited, "; ".join(keys[key] for key in cited)


@functools.lru_cache(maxsize=1)
def _packaged_keys() -> Mapping[str, str]:
    """The source keys of the packaged CSVs (a file's own keys come first)."""
    keys: dict[str, str] = dict(_FILE_KEYS)
    folder = panel_folder()
    for name in ("quarterly.csv", "tianjin-record.csv", "provinces.csv"):
        keys.update(_read_table(folder / name, ()).keys)
    return keys


def _keys(table: _Table) -> dict[str, str]:
    """The keys ``table``'s rows may cite: its own, then the packaged files'."""
    return {**_packaged_keys(), **table.keys}


# ------------------------------------------------------------------------- regions
@functools.lru_cache(maxsize=8)
def _regions(path: str) -> pd.DataFrame:
    table = _read_table(Path(path), ("region", "pinyin", "english"))
    records = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        for column in ("region", "pinyin", "english"):
            value = row[column]
            if not value:
                raise table.error(line, f"column '{column}' is blank")
            folded = _fold(value)
            if seen.setdefault(folded, line) != line:
                raise table.error(
                    line,
                    f"column '{column}': '{value}' already names the region of line {seen[folded]}",
                )
        if not re.fullmatch(r"[a-z]+", row["pinyin"]):
            raise table.error(
                line, f"column 'pinyin': expected lowercase letters only, found '{row['pinyin']}'"
            )
        records.append({c: row[c] for c in ("region", "pinyin", "english")})
    return pd.DataFrame.from_records(records, columns=["region", "pinyin", "english"])


def load_regions(path: str | Path | None = None) -> pd.DataFrame:
    """The regions: columns ``region`` (Chinese), ``pinyin``, ``english``, in the order
    of their administrative codes (北京, 天津, 河北, ... 新疆)."""
    return _regions(str(path if path is not None else panel_folder() / "regions.csv")).copy()


def _fold(name: str) -> str:
    """A name as compared: case, spaces, hyphens and underscores ignored."""
    return re.sub(r"[\s\-_]+", "", str(name)).casefold()


@functools.lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], tuple[str, ...]]:
    regions = _regions(str(panel_folder() / "regions.csv"))
    lookup: dict[str, str] = {}
    for region, pinyin, english in regions.itertuples(index=False):
        for name in (region, pinyin, english):
            lookup[_fold(name)] = region
    options = tuple(regions["pinyin"]) + tuple(regions["english"]) + tuple(regions["region"])
    return lookup, options


def region_name(name: str) -> str:
    """The Chinese name of region ``name``: a Chinese name (``"天津"``), a pinyin
    (``"tianjin"``, ``"Nei Menggu"``: case, spaces and hyphens ignored) or an English
    name (``"Inner Mongolia"``, ``"Tibet"``).

    Raises
    ------
    CalibrationError
        For an unknown name, with the nearest one ("did you mean ...?").
    """
    if not isinstance(name, str):
        raise CalibrationError(
            f"a region is a name (Chinese, pinyin or English), found "
            f"{type(name).__name__} {name!r:.40}",
            key="region",
        )
    lookup, options = _lookup()
    region = lookup.get(_fold(name))
    if region is None:
        raise CalibrationError(unknown("region", name, options), key="region")
    return region


def _order(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``frame`` sorted by region (in the order of ``regions.csv``, national rows
    first) then ``by``."""
    rank = {NATIONAL: -1, **{r: i for i, r in enumerate(_regions_order())}}
    key = frame["region"].map(rank)
    return (
        frame.assign(_rank=key)
        .sort_values(["_rank", *by], kind="stable")
        .drop(columns="_rank")
        .reset_index(drop=True)
    )


def _regions_order() -> list[str]:
    return list(_regions(str(panel_folder() / "regions.csv"))["region"])


def _pinyin_of(national: bool) -> dict[str, str]:
    regions = _regions(str(panel_folder() / "regions.csv"))
    names = dict(zip(regions["region"], regions["pinyin"], strict=True))
    if national:
        names[NATIONAL] = NATIONAL_PINYIN
    return names


# --------------------------------------------------------------------------- panel
_PROVINCE_COLUMNS = (
    "region",
    "year",
    "target_text",
    "target_low",
    "target_high",
    "qualifier",
    "target_source",
    "outturn_real_gdp_pct",
    "outturn_source",
    "grade",
    "note",
)


@functools.lru_cache(maxsize=8)
def _panel(path: str) -> pd.DataFrame:
    table = _read_table(Path(path), _PROVINCE_COLUMNS)
    keys = _keys(table)
    names = _pinyin_of(national=False)
    records = []
    for line, row in table.rows:
        region, pinyin = _region(table, line, row, names)
        low = _number(table, line, row, "target_low")
        high = _number(table, line, row, "target_high")
        if math.isnan(low) != math.isnan(high) or high < low:
            raise table.error(
                line,
                "columns 'target_low' and 'target_high': expected both blank, or "
                f"target_high >= target_low, found '{row['target_low']}' and "
                f"'{row['target_high']}'",
            )
        qualifier = row["qualifier"]
        if qualifier not in _QUALIFIER_IN_FILE:
            raise table.error(
                line,
                "column 'qualifier': " + unknown_of("qualifier", qualifier, _QUALIFIER_IN_FILE),
            )
        qualifier = "range" if high > low else _QUALIFIER_IN_FILE[qualifier]
        records.append(
            {
                "region": region,
                "pinyin": pinyin,
                "year": _year(table, line, row),
                "target": low,
                "target_high": high,
                "target_text": row["target_text"],
                "qualifier": qualifier,
                "outturn": _number(table, line, row, "outturn_real_gdp_pct"),
                "target_source": _expand(table, line, "target_source", row["target_source"], keys)[
                    1
                ],
                "outturn_source": _expand(
                    table, line, "outturn_source", row["outturn_source"], keys
                )[1],
                "grade": _grade(table, line, row),
                "note": row["note"],
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(PANEL_COLUMNS))
    duplicated = frame.duplicated(["region", "year"])
    if duplicated.any():
        line = table.rows[int(duplicated.to_numpy().argmax())][0]
        raise table.error(line, "a second row for the same region and year")
    return _typed(_order(frame, ["year"]), ("target", "target_high", "outturn"))


def _typed(frame: pd.DataFrame, floats: Iterable[str]) -> pd.DataFrame:
    frame = frame.astype({"year": "int64", **{c: "float64" for c in floats}})
    return frame


def load_panel(path: str | Path | None = None) -> pd.DataFrame:
    """The panel: one row per region-year of ``provinces.csv`` (``path``, default the
    packaged one), with or without a target-outturn pair.

    Columns, in order: ``region`` (Chinese), ``pinyin``, ``year``, ``target`` (the
    lower end of the target, percent; NaN when none was found), ``target_high`` (the
    upper end; equal to ``target`` unless a range), ``target_text`` (the wording),
    ``qualifier`` (``"左右"``, ``"以上"``, ``"range"`` or ``""`` when none was
    recorded), ``outturn`` (first-release real GDP growth, percent; NaN when none),
    ``target_source`` and ``outturn_source`` (the sources' texts, several joined with
    ``"; "``), ``grade`` (H, M, L) and ``note``. Sorted by region (in the order of the
    regions' administrative codes: 北京, 天津, 河北, ...) then year.

    Raises
    ------
    CalibrationError
        For a malformed file, naming the file and the line.
    """
    return _panel(str(path if path is not None else panel_folder() / "provinces.csv")).copy()


def pairs(panel: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``panel`` with both a target and an outturn, plus ``gap = outturn -
    target`` (percentage points from the lower end of the target)."""
    both = panel["target"].notna() & panel["outturn"].notna()
    frame = panel.loc[both].copy()
    frame["gap"] = frame["outturn"] - frame["target"]
    return frame.reset_index(drop=True)


# ----------------------------------------------------------------------- quarterly
@functools.lru_cache(maxsize=8)
def _quarterly(path: str) -> pd.DataFrame:
    columns = ("region", "year", "q1", "h1", "q3", "year_growth", "source", "grade")
    table = _read_table(Path(path), columns)
    keys = _keys(table)
    names = _pinyin_of(national=True)
    records = []
    for line, row in table.rows:
        region, pinyin = _region(table, line, row, names)
        records.append(
            {
                "region": region,
                "pinyin": pinyin,
                "year": _year(table, line, row),
                **{c: _number(table, line, row, c) for c in ("q1", "h1", "q3", "year_growth")},
                "source": _expand(table, line, "source", row["source"], keys)[1],
                "grade": _grade(table, line, row),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(QUARTERLY_COLUMNS))
    return _typed(_order(frame, ["year"]), ("q1", "h1", "q3", "year_growth"))


def load_quarterly(path: str | Path | None = None) -> pd.DataFrame:
    """Cumulative real GDP growth by region and year from ``quarterly.csv`` (``path``,
    default the packaged one): columns ``region``, ``pinyin``, ``year``, ``q1``, ``h1``,
    ``q3`` (Q1-Q3), ``year_growth``, ``source`` (expanded) and ``grade``; NaN where no
    source gave the figure. Rows of region ``全国`` (pinyin ``quanguo``) are the
    national figures and come first.

    Raises
    ------
    CalibrationError
        For a malformed file, naming the file and the line.
    """
    return _quarterly(str(path if path is not None else panel_folder() / "quarterly.csv")).copy()


# ------------------------------------------------------------------ Tianjin record
@functools.lru_cache(maxsize=8)
def _record(path: str) -> pd.DataFrame:
    columns = ("indicator", "year", "target_text", "target", "outturn", "source", "grade", "note")
    table = _read_table(Path(path), columns)
    keys = _keys(table)
    records = []
    for line, row in table.rows:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", row["indicator"]):
            raise table.error(
                line,
                f"column 'indicator': expected an id such as gdp_growth, found "
                f"'{row['indicator']}'",
            )
        cited, text = _expand(table, line, "source", row["source"], keys)
        records.append(
            {
                "indicator": row["indicator"],
                "year": _year(table, line, row),
                "target_text": row["target_text"],
                "target": _number(table, line, row, "target"),
                "outturn": _number(table, line, row, "outturn"),
                "source": text,
                "grade": _grade(table, line, row),
                "note": row["note"],
                "source_keys": "; ".join(cited),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(RECORD_COLUMNS))
    return _typed(frame, ("target", "outturn"))


def load_tianjin_record(path: str | Path | None = None) -> pd.DataFrame:
    """Tianjin's targets and outturns by indicator and year from ``tianjin-record.csv``
    (``path``, default the packaged one): columns ``indicator``, ``year``,
    ``target_text``, ``target``, ``outturn``, ``source`` (expanded), ``grade``, ``note``
    and ``source_keys`` (the keys cited, joined with ``"; "``).

    Raises
    ------
    CalibrationError
        For a malformed file, naming the file and the line.
    """
    return _record(str(path if path is not None else panel_folder() / "tianjin-record.csv")).copy()
