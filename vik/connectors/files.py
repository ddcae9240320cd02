"""Finding an extract and reading it as text columns, whatever the vendor's format.

Everything here and in the modules it uses is about bytes and structure: which
file and format (here), which encoding (``encodings``), CSV's delimiter and broken
rows (``delimited``), Parquet's and JSON's nested values (here). Validation of
values happens in ``values``.

    >>> raw = read_extract("brp", Path("extracts"), SourceConfig())  # doctest: +SKIP
    >>> raw.frame.dtypes  # every column pl.String, vendor names as in the file

A problem with the whole file (wrong format, an encoding that cannot be read, two
columns with one name, a nested column) raises an ``ExtractError`` whose message
names the file and says what to fix; nothing here lets a polars or csv traceback
through.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from vik.connectors.config import SourceConfig
from vik.connectors.delimited import read_csv
from vik.connectors.encodings import read_text, wrong_format
from vik.connectors.raw import (
    ROW_NUMBER,
    RawExtract,
    StructuralReject,
    check_column_names,
    extract_date,
)
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


# --- Parquet and JSON Lines ---------------------------------------------------------------


def _nested_kind(dtype: pl.DataType) -> str | None:
    """None for a plain value, else what the column holds, in words for a message."""
    if isinstance(dtype, pl.List | pl.Array):
        inner = dtype.inner
        if inner is not None and inner.is_nested():
            return "een lijst van samengestelde waarden"
        return "een lijst"
    if isinstance(dtype, pl.Struct):
        return "een samengestelde waarde (struct)"
    if dtype.is_nested() or dtype == pl.Object:
        return "een samengestelde waarde"
    return None


def _as_strings(frame: pl.DataFrame, path: Path) -> tuple[pl.DataFrame, dict[str, str]]:
    """Typed Parquet/JSON columns become text; lists of plain values are joined with
    ';' as in CSV. Nested columns are reported (the contract says whether a column may
    be a list); binary columns must be UTF-8."""
    exprs = []
    nested: dict[str, str] = {}
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        kind = _nested_kind(dtype)
        if kind is not None:
            nested[name] = kind
        if dtype == pl.String:
            exprs.append(column)
        elif kind == "een lijst" and isinstance(dtype, pl.Array):
            exprs.append(column.arr.to_list().cast(pl.List(pl.String)).list.join(";").alias(name))
        elif kind == "een lijst":
            exprs.append(column.cast(pl.List(pl.String)).list.join(";").alias(name))
        elif kind is not None:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
        elif dtype == pl.Date or isinstance(dtype, pl.Datetime):
            exprs.append(column.dt.strftime("%Y-%m-%d").alias(name))
        elif dtype == pl.Binary:
            if (
                not frame[name]
                .cast(pl.String, strict=False)
                .is_null()
                .equals(frame[name].is_null())
            ):
                raise FileFormatError(
                    f"{path.name}: kolom '{name}' bevat bytes die geen UTF-8-tekst zijn. "
                    "Lever tekstkolommen als tekst (UTF-8) aan."
                )
            exprs.append(column.cast(pl.String).alias(name))
        else:
            exprs.append(column.cast(pl.String, strict=False).alias(name))
    return frame.select(exprs), nested


def _read_parquet(path: Path, data: bytes) -> RawExtract:
    if not (data.startswith(b"PAR1") and data.endswith(b"PAR1")):
        raise wrong_format(path, "Parquet-bestand", data[:4096])
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as error:  # polars raises several types for corrupt files
        if "duplicate" in str(error).lower():
            raise FileFormatError(
                f"{path.name}: twee kolommen hebben dezelfde naam ({error}). Geef elke kolom "
                "een eigen naam: VIK kiest niet zelf welke de goede is."
            ) from None
        raise FileFormatError(f"{path.name} is een beschadigd Parquet-bestand: {error}") from None
    check_column_names(path, frame.columns, row="kolomlijst")
    frame, nested = _as_strings(frame, path)
    frame = frame.with_row_index(ROW_NUMBER, offset=1)
    frame = frame.with_columns(pl.col(ROW_NUMBER).cast(pl.Int64))
    return RawExtract("", path, "parquet", frame, extract_date(path), nested=nested)


def _json_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line.rstrip("\r")


def _read_jsonl(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    text, encoding = read_text(path, data, config, "JSON Lines-bestand", "een JSON-bestand")
    lines = list(_json_lines(text))
    nul = "\x00" in text or "\\u0000" in text  # JSON may write NUL as an escape
    cut = bool(text.strip()) and not text.endswith("\n")
    try:
        frame = pl.read_ndjson(text.encode(), infer_schema_length=None)
        if frame.height != len(lines):
            raise ValueError("line count differs")
        check_column_names(path, frame.columns, row="sleutellijst")
        frame, nested = _as_strings(frame, path)
        numbers = [n for n, _ in lines]
        frame = frame.with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
        return RawExtract(
            "", path, "jsonl", frame, extract_date(path), encoding, nested=nested, may_hold_nul=nul
        )
    except FileFormatError:
        raise
    except Exception:  # polars could not take the file whole; find the bad lines
        pass
    records: list[dict[str, Any]] = []
    numbers = []
    rejects = []
    nested = {}
    for number, line in lines:
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            reason = f"regel {number} is geen geldige JSON: {error.msg}"
            if cut and number == lines[-1][0]:
                reason = (
                    f"regel {number} (de laatste) lijkt afgebroken: het bestand eindigt zonder "
                    "regeleinde en die regel is geen volledige JSON. Controleer of het bestand "
                    "volledig is overgekomen"
                )
            rejects.append(StructuralReject(number, reason, line))
            continue
        if not isinstance(value, dict):
            rejects.append(StructuralReject(number, f"regel {number} is geen JSON-object", line))
            continue
        record: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, dict) or (
                isinstance(item, list) and any(isinstance(v, dict | list) for v in item)
            ):
                nested[key] = "een samengestelde waarde"
                record[key] = None
            elif isinstance(item, list):
                nested.setdefault(key, "een lijst")
                record[key] = ";".join(map(str, item))
            else:
                record[key] = item
        records.append(record)
        numbers.append(number)
    columns = check_column_names(
        path, list(dict.fromkeys(k for record in records for k in record)), row="sleutellijst"
    )
    frame = pl.DataFrame(
        {c: [None if r.get(c) is None else str(r.get(c)) for r in records] for c in columns},
        schema=dict.fromkeys(columns, pl.String),
    ).with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
    return RawExtract(
        "", path, "jsonl", frame, extract_date(path), encoding, None, rejects, nested, nul
    )


def read_extract(source: str, extracts_dir: Path, config: SourceConfig) -> RawExtract:
    """Locate and read one source's file; structure problems become rejects, not crashes."""
    path = locate(source, extracts_dir, config)
    fmt = detect_format(path, config)
    data = path.read_bytes()
    if fmt == "csv":
        raw = read_csv(path, data, config)
    elif fmt == "parquet":
        raw = _read_parquet(path, data)
    else:
        raw = _read_jsonl(path, data, config)
    raw.source = source
    return raw
