"""Finding an extract and reading it as text columns, whatever the vendor's format.

Everything here is about bytes and structure: which file, which format, which
encoding, which delimiter, and rows whose structure is broken (wrong number of
fields, a line that is not JSON). Validation of values happens in ``values``.

    >>> raw = read_extract("brp", Path("extracts"), SourceConfig())  # doctest: +SKIP
    >>> raw.frame.dtypes  # every column pl.String, vendor names as in the file
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from vik.connectors.config import SourceConfig
from vik.connectors.schemas import FORMATS
from vik.errors import FileFormatError, MissingExtractError

_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_UTF8_BOM = b"\xef\xbb\xbf"
_DELIMITERS = (",", ";", "\t", "|")
ROW_NUMBER = "row_number"


@dataclass(frozen=True)
class StructuralReject:
    """A row that could not even be split into fields."""

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

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.rejects)


def locate(source: str, extracts_dir: Path, config: SourceConfig) -> Path:
    """The file for a source: the configured name, or <source>.csv|.parquet|.jsonl."""
    if config.file:
        path = extracts_dir / config.file
        if not path.is_file():
            raise MissingExtractError(
                f"{source}: het bestand {path} uit config/sources.yaml ({source}.file) bestaat niet."
            )
        return path
    found = [extracts_dir / f"{source}.{ext}" for ext in FORMATS]
    found = [path for path in found if path.is_file()]
    if not found:
        names = ", ".join(f"{source}.{ext}" for ext in FORMATS)
        raise MissingExtractError(
            f"{source}: geen extract gevonden in {extracts_dir} (verwacht een van: {names}). "
            f"Lever het bestand aan, geef de naam op in config/sources.yaml ({source}.file), "
            f"of zet {source}.enabled op false als de gemeente deze bron niet heeft."
        )
    if len(found) > 1:
        raise FileFormatError(
            f"{source}: meer dan één extract gevonden ({', '.join(p.name for p in found)}); "
            "laat er één staan, of kies er één met file: in config/sources.yaml."
        )
    return found[0]


def detect_format(path: Path, config: SourceConfig) -> str:
    if config.format:
        return config.format
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise FileFormatError(
            f"{path.name}: onbekende bestandsextensie '{path.suffix}'. Gebruik .csv, .parquet of "
            ".jsonl, of geef het formaat op in config/sources.yaml (format: csv|parquet|jsonl)."
        )
    return fmt


def _looks_like(head: bytes) -> str:
    """What the first bytes of a file say it is, in words for a message."""
    if head.startswith(b"PAR1"):
        return "een Parquet-bestand"
    if head.startswith(b"PK\x03\x04"):
        return "een ZIP- of Excel-bestand (xlsx)"
    if head.startswith(b"\x1f\x8b"):
        return "een met gzip ingepakt bestand"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "een oud Excel-bestand (xls)"
    if b"\x00" in head:
        return "een binair bestand"
    stripped = head.removeprefix(_UTF8_BOM).lstrip()
    if stripped.startswith((b"{", b"[")):
        return "een JSON-bestand"
    return "een tekstbestand (CSV)"


def _wrong_format(path: Path, expected: str, head: bytes) -> FileFormatError:
    return FileFormatError(
        f"{path.name} is geen {expected}: het lijkt {_looks_like(head)}. Lever het juiste "
        "formaat aan, geef het bestand de juiste extensie, of zet het formaat in "
        "config/sources.yaml (format: csv|parquet|jsonl)."
    )


def decode(data: bytes, encoding: str, path: Path) -> tuple[str, str]:
    """Decode text; 'auto' trusts a BOM, then strict UTF-8, then Windows-1252.

    Strict UTF-8 first is what keeps é, ë and ş intact: valid UTF-8 with
    multi-byte characters practically never is also plausible Windows-1252.
    """
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} is niet te lezen als {encoding} (byte {error.start}). Controleer "
                "encoding in config/sources.yaml, of zet die op auto."
            ) from None
    if data.startswith(_UTF8_BOM):
        return data[len(_UTF8_BOM) :].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields, quotes respected."""
    best, best_fields = ",", 0
    for candidate in _DELIMITERS:
        fields = len(next(csv.reader([header], delimiter=candidate)))
        if fields > best_fields:
            best, best_fields = candidate, fields
    return best


def _field_counts(text: str, delimiter: str) -> list[int] | pl.Series:
    """Number of fields on every data line.

    Without quote characters a line is a row and polars counts delimiters; with
    quotes (fields may hold delimiters or newlines) Python's C csv reader decides.
    """
    if '"' not in text:
        lines = pl.read_csv(
            text.encode(),
            separator="\x1f",
            quote_char=None,
            has_header=False,
            infer_schema=False,
            new_columns=["line"],
        )["line"].fill_null("")
        return lines.str.count_matches(delimiter, literal=True).cast(pl.Int64) + 1
    return [len(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _read_csv(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    head = data[:4096]
    if _looks_like(head) != "een tekstbestand (CSV)":
        raise _wrong_format(path, "CSV-bestand", head)
    text, encoding = decode(data, config.encoding, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64})
        return RawExtract("", path, "csv", empty, _extract_date(path), encoding, None)
    header, _, _ = text.partition("\n")
    delimiter = config.delimiter if config.delimiter != "auto" else sniff_delimiter(header)
    columns = [name.strip() for name in next(csv.reader([header], delimiter=delimiter))]
    body = text[len(header) + 1 :]
    if body and not body.endswith("\n"):
        body += "\n"
    if not body.strip():
        frame = pl.DataFrame(
            {name: pl.Series([], dtype=pl.String) for name in columns}
        ).with_columns(pl.Series(ROW_NUMBER, [], dtype=pl.Int64))
        return RawExtract("", path, "csv", frame, _extract_date(path), encoding, delimiter)
    counts = _field_counts(body, delimiter)
    expected = len(columns)
    bad = (
        (counts != expected).any()
        if isinstance(counts, pl.Series)
        else any(n != expected for n in counts)
    )
    if not bad:
        frame = pl.read_csv(
            body.encode(),
            separator=delimiter,
            has_header=False,
            new_columns=columns,
            infer_schema=False,
        ).with_row_index(ROW_NUMBER, offset=1)
        frame = frame.with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
        return RawExtract("", path, "csv", frame, _extract_date(path), encoding, delimiter)
    return _read_csv_row_by_row(path, body, columns, delimiter, encoding)


def _read_csv_row_by_row(
    path: Path, body: str, columns: list[str], delimiter: str, encoding: str
) -> RawExtract:
    """Slow path, only for files with broken rows: keep every good row, reject the rest."""
    good: list[list[str]] = []
    numbers: list[int] = []
    rejects: list[StructuralReject] = []
    for number, row in enumerate(csv.reader(io.StringIO(body), delimiter=delimiter), start=1):
        if len(row) == len(columns):
            good.append(row)
            numbers.append(number)
        elif row:
            rejects.append(
                StructuralReject(
                    number,
                    f"rij heeft {len(row)} velden, de kopregel heeft er {len(columns)}",
                    delimiter.join(row),
                )
            )
    frame = pl.DataFrame(good, schema=dict.fromkeys(columns, pl.String), orient="row")
    frame = frame.with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
    return RawExtract("", path, "csv", frame, _extract_date(path), encoding, delimiter, rejects)


def _as_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed Parquet/JSON columns become text; lists are joined with ';' as in CSV."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if dtype == pl.String:
            exprs.append(column)
        elif isinstance(dtype, pl.List):
            exprs.append(column.cast(pl.List(pl.String)).list.join(";").alias(name))
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            exprs.append(column.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype.is_numeric() or dtype == pl.Boolean:
            exprs.append(column.cast(pl.String).alias(name))
        else:
            exprs.append(column.cast(pl.String, strict=False).alias(name))
    return frame.select(exprs)


def _read_parquet(path: Path, data: bytes) -> RawExtract:
    if not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        raise _wrong_format(path, "Parquet-bestand", data[:4096])
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as error:  # polars raises several types for corrupt files
        raise FileFormatError(f"{path.name} is een beschadigd Parquet-bestand: {error}") from None
    frame = _as_strings(frame).with_row_index(ROW_NUMBER, offset=1)
    frame = frame.with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
    return RawExtract("", path, "parquet", frame, _extract_date(path))


def _read_jsonl(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    head = data[:4096]
    if data.strip() and _looks_like(head) != "een JSON-bestand":
        raise _wrong_format(path, "JSON Lines-bestand", head)
    text, encoding = decode(data, config.encoding, path)
    lines = text.splitlines()
    try:
        frame = pl.read_ndjson(text.encode(), infer_schema_length=None)
        if frame.height != sum(1 for line in lines if line.strip()):
            raise ValueError("line count differs")
        numbers = [n for n, line in enumerate(lines, start=1) if line.strip()]
        frame = _as_strings(frame).with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
        return RawExtract("", path, "jsonl", frame, _extract_date(path), encoding)
    except Exception:  # polars could not take the file whole; find the bad lines
        pass
    records: list[dict] = []
    numbers = []
    rejects = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            rejects.append(StructuralReject(number, f"geen geldige JSON: {error.msg}", line))
            continue
        if not isinstance(value, dict):
            rejects.append(StructuralReject(number, "regel is geen JSON-object", line))
            continue
        records.append(
            {k: (";".join(map(str, v)) if isinstance(v, list) else v) for k, v in value.items()}
        )
        numbers.append(number)
    columns = list(dict.fromkeys(k for record in records for k in record))
    frame = pl.DataFrame(
        {c: [None if r.get(c) is None else str(r.get(c)) for r in records] for c in columns},
        schema=dict.fromkeys(columns, pl.String),
    ).with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
    return RawExtract("", path, "jsonl", frame, _extract_date(path), encoding, None, rejects)


def _extract_date(path: Path) -> date:
    return date.fromtimestamp(path.stat().st_mtime)


def read_extract(source: str, extracts_dir: Path, config: SourceConfig) -> RawExtract:
    """Locate and read one source's file; structure problems become rejects, not crashes."""
    path = locate(source, extracts_dir, config)
    fmt = detect_format(path, config)
    data = path.read_bytes()
    if fmt == "csv":
        raw = _read_csv(path, data, config)
    elif fmt == "parquet":
        raw = _read_parquet(path, data)
    else:
        raw = _read_jsonl(path, data, config)
    raw.source = source
    return raw
