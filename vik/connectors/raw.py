"""What every reader returns: an extract's rows as text under the vendor's column names.

    >>> raw = read_extract("brp", Path("extracts"), SourceConfig())  # vik.connectors.files
    >>> raw.frame.dtypes      # every column pl.String, plus ROW_NUMBER
    >>> raw.rejects           # rows whose structure is broken, with the reason

Every delivered row ends in ``frame`` or in ``rejects``, and its row number is
where the file has it: the line number for CSV (the header is line 1) and JSON
Lines, the position for Parquet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from vik.errors import FileFormatError

ROW_NUMBER = "row_number"


@dataclass(frozen=True)
class StructuralReject:
    """A row that could not even be split into fields; row_number as in the file."""

    row_number: int
    reason: str
    text: str


@dataclass
class RawExtract:
    """One source's file, read as strings under the vendor's column names."""

    source: str
    path: Path
    format: str
    frame: pl.DataFrame  # all pl.String, plus Int64 ROW_NUMBER
    extract_date: date
    encoding: str | None = None
    delimiter: str | None = None
    rejects: list[StructuralReject] = field(default_factory=list)
    # Columns that held nested values (Parquet/JSON lists or structs): column → what
    # it held, in words. A list of plain values is joined with ';' as in CSV.
    nested: dict[str, str] = field(default_factory=dict)
    # False when the reader saw no NUL character anywhere in the text (one fast scan
    # of the file instead of one per value).
    may_hold_nul: bool = True

    @property
    def rows_read(self) -> int:
        """Rows delivered: every one is in the frame or among the rejects."""
        return self.frame.height + len(self.rejects)


def check_column_names(path: Path, names: list[str], *, row: str = "kopregel") -> list[str]:
    """The names as the file has them; refuses two columns with one name.

    Names compare without case and spaces (``Geslachtsnaam`` and ``geslachtsnaam ``
    are one name): otherwise one of them would silently be the one read. A column
    without a name gets one saying where it is, and is dropped like any column
    outside the contract.
    """
    seen: dict[str, tuple[int, str]] = {}
    result = []
    for number, name in enumerate(names, start=1):
        if not name.strip():
            result.append(f"(kolom {number} zonder naam)")
            continue
        key = column_key(name)
        if key in seen:
            first_number, first = seen[key]
            raise FileFormatError(
                f"{path.name}: de {row} heeft twee kolommen met dezelfde naam: '{first}' "
                f"(kolom {first_number}) en '{name}' (kolom {number}); hoofdletters en spaties "
                "tellen niet mee. Haal een van beide weg of geef ze verschillende namen: VIK "
                "kiest niet zelf welke de goede is."
            )
        seen[key] = (number, name)
        result.append(name)
    return result


def column_key(name: str) -> str:
    """How column names compare: without case and without spaces."""
    return re.sub(r"\s+", "", name).lower()


def extract_date(path: Path) -> date:
    return date.fromtimestamp(path.stat().st_mtime)
