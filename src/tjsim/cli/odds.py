"""``tjsim odds``: the probability of meeting any region's GDP target, from the reporting
model fitted on the 31-region panel."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .common import EXIT_OK, say

if TYPE_CHECKING:
    import pandas as pd

NAME = "odds"
HELP = "the odds of meeting regions' GDP targets, from the 31-region reporting model"

EPILOG = """\
Prices GDP growth targets with the reporting model fitted on the 31 regions' record
of targets against first-release outturns (docs/scoring.md): for each row, the
centre, median and 90% band of published growth and the probability of meeting the
target read strictly (>= target), as published to one decimal (>= target - 0.05)
and, for 左右 targets, about (within 0.2 below, as published).

FILE is a CSV with columns region (Chinese, pinyin or English) and target (the lower
end of a range), optionally qualifier (左右, 以上, range or blank), projection (a
structural projection of the year's growth, %) and year (the stand-in projection
is then the region's previous outturn). Or give one row with the options.

examples:
  tjsim odds targets2024.csv
  tjsim odds --region tianjin --target 4.5 --qualifier 左右 --projection 4.26
  tjsim odds targets2024.csv --out odds.csv
"""

#: The columns a file may have; the first two are required.
COLUMNS = ("region", "target", "qualifier", "projection", "year")


def add_arguments(cmd: argparse.ArgumentParser) -> None:
    """The options of ``tjsim odds``."""
    cmd.add_argument("file", nargs="?", type=Path, help="CSV of region, target[, qualifier, ...]")
    cmd.add_argument("--region", help="one region (instead of FILE)")
    cmd.add_argument("--target", type=float, help="its target (%%; the lower end of a range)")
    cmd.add_argument("--qualifier", default=None, help="左右 (about), 以上 (at least), range")
    cmd.add_argument("--projection", type=float, default=None, help="a structural projection (%%)")
    cmd.add_argument(
        "--year", type=int, default=None, help="the year (for the stand-in projection)"
    )
    cmd.add_argument("--out", type=Path, metavar="FILE", help="also write the table as CSV")


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or str(value).strip() == ""
    )


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a targets CSV, checked: a message naming the file, the row and the
    column for anything wrong."""
    import pandas as pd

    from ..errors import TjsimError

    file = str(path)
    if not path.is_file():
        raise TjsimError("no such file", file=file)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise TjsimError(f"not a readable CSV ({exc})", file=file) from None
    frame.columns = [str(c).strip().casefold() for c in frame.columns]
    for column in COLUMNS[:2]:
        if column not in frame.columns:
            found = ", ".join(frame.columns) or "none"
            raise TjsimError(
                f"missing column '{column}' (columns found: {found}; expected region, target "
                "and optionally qualifier, projection, year)",
                file=file,
            )
    if not len(frame):
        raise TjsimError("no rows", file=file)
    rows = []
    for number, (_, record) in enumerate(frame.iterrows(), start=2):
        row: dict[str, Any] = {"line": number, "region": record["region"].strip()}
        for column, kind in (("target", float), ("projection", float), ("year", int)):
            text = str(record.get(column, "")).strip()
            if _blank(text):
                if column == "target":
                    raise TjsimError(f"line {number}: column 'target' is empty", file=file)
                row[column] = None
                continue
            try:
                row[column] = kind(float(text)) if kind is int else kind(text)
            except ValueError:
                raise TjsimError(
                    f"line {number}: column '{column}' is not a number: {text!r}", file=file
                ) from None
        qualifier = str(record.get("qualifier", "")).strip()
        row["qualifier"] = qualifier or None
        rows.append(row)
    return rows


def odds_table(rows: list[dict[str, Any]], file: str | None = None) -> pd.DataFrame:
    """One row per target: the distribution's centre, median, 5% and 95% points and the
    probability under each reading."""
    import pandas as pd

    from ..api import reporting_model
    from ..errors import TjsimError

    model = reporting_model()
    out = []
    for row in rows:
        where = f"line {row['line']}: " if "line" in row else ""
        try:
            d = model.predict(
                row["region"], row["target"], row["qualifier"], row["projection"], row["year"]
            )
        except TjsimError as exc:
            raise TjsimError(where + exc.message, file=file) from None
        p = d.probabilities()["probability"]
        low, high = d.ppf([0.05, 0.95])
        out.append(
            {
                "region": d.region,
                "target": d.target,
                "qualifier": d.qualifier or "",
                "centre": d.centre,
                "median": d.median,
                "low90": low,
                "high90": high,
                "strict": p.get("strict"),
                "published": p.get("published"),
                "about": p.get("about", float("nan")),
            }
        )
    return pd.DataFrame(out)


def run(args: argparse.Namespace) -> int:
    """Print each row's odds; write ``--out``."""
    from ..errors import TjsimError

    if args.file is not None and args.region is not None:
        raise TjsimError("give FILE or --region and --target, not both")
    if args.file is not None:
        rows = read_rows(args.file)
        file = str(args.file)
    else:
        if args.region is None or args.target is None:
            raise TjsimError("give FILE, or --region and --target")
        rows = [
            {
                "region": args.region,
                "target": args.target,
                "qualifier": args.qualifier,
                "projection": args.projection,
                "year": args.year,
            }
        ]
        file = None
    table = odds_table(rows, file)
    print(
        f"{'region':<8} {'target':>6} {'wording':<7} {'centre':>6} {'median':>6} "
        f"{'90% band':>14} {'strict':>7} {'published':>9} {'about':>6}"
    )
    for _, r in table.iterrows():
        about = "" if math.isnan(r["about"]) else f"{r['about']:.0%}"
        print(
            f"{r['region']:<8} {r['target']:>6g} {r['qualifier']:<7} {r['centre']:>6.2f} "
            f"{r['median']:>6.2f} {r['low90']:>6.2f} to {r['high90']:>5.2f} "
            f"{r['strict']:>7.0%} {r['published']:>9.0%} {about:>6}"
        )
    say(
        args,
        "\nP(met) from the reporting model on the 31-region panel (docs/scoring.md): strict "
        ">= target; published >= target - 0.05; about (左右) >= target - 0.25.",
    )
    if args.out is not None:
        table.to_csv(args.out, index=False)
        say(args, f"wrote {args.out}")
    return EXIT_OK
