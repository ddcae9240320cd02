"""Finding an extract and reading it as text columns, whatever the vendor's format.

Everything here is about bytes and structure: which file, which format, which
encoding, which delimiter, and rows whose structure is broken (wrong number of
fields, an unbalanced quote, a line that is not JSON, a last line cut off).
Validation of values happens in ``values``.

    >>> raw = read_extract("brp", Path("extracts"), SourceConfig())  # doctest: +SKIP
    >>> raw.frame.dtypes  # every column pl.String, vendor names as in the file

Every delivered row ends in ``frame`` or in ``rejects``, and its row number is
where the file has it: the line number for CSV (the header is line 1) and JSON
Lines, the position for Parquet. A problem with the whole file (wrong format, an
encoding that cannot be read, two columns with one name) raises an
``ExtractError`` whose message names the file and says what to fix; nothing
here lets a polars or csv traceback through.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
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
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_DELIMITERS = (",", ";", "\t", "|")
ROW_NUMBER = "row_number"
# The header is line 1 of a CSV file: its first data line is line 2.
_FIRST_DATA_LINE = 2
# A last line without a line end that is shorter than every one of the (at most)
# CUT_NEIGHBOURS lines before it was most likely cut off in transfer; with fewer
# than CUT_MIN_NEIGHBOURS lines before it there is too little to compare with.
CUT_NEIGHBOURS = 100
CUT_MIN_NEIGHBOURS = 10
# Bytes that no text file holds (C0 controls other than tab, LF, CR): above this
# share of a file's first 4 KiB, the file is binary, not text with a stray NUL.
_BINARY_SHARE = 0.1
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f]")


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

    @property
    def rows_read(self) -> int:
        """Rows delivered: every one is in the frame or among the rejects."""
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


def utf16_encoding(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when the bytes are UTF-16 (by BOM, or by the zero
    bytes every ASCII character has in UTF-16), else None."""
    for bom, name in _UTF16_BOMS.items():
        if data.startswith(bom):
            return name
    head = data[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    # Text that is mostly ASCII: in UTF-16-LE every second byte is zero, in -BE every first.
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


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
    if utf16_encoding(head):
        return "een UTF-16-tekstbestand"
    # One NUL in a text file is a bad value (its row goes to quarantine), not a binary file.
    if head and len(_CONTROL.findall(head)) > _BINARY_SHARE * len(head):
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
    """Decode text; 'auto' trusts a BOM or UTF-16's zero bytes, then strict UTF-8,
    then Windows-1252.

    Strict UTF-8 first is what keeps é, ë and ş intact: valid UTF-8 with
    multi-byte characters practically never is also plausible Windows-1252.
    """
    utf16 = utf16_encoding(data)
    if encoding == "utf-16" or (encoding == "auto" and utf16):
        name = utf16 or "utf-16"
        body = data[2:] if data[:2] in _UTF16_BOMS else data
        try:
            return body.decode(name), name
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} is een UTF-16-bestand, maar niet te lezen als UTF-16 (byte "
                f"{error.start}: {error.reason}); het is mogelijk afgebroken of beschadigd. Lever "
                "het opnieuw aan, bij voorkeur als UTF-8."
            ) from None
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} is niet te lezen als {encoding} (byte {error.start}). Controleer "
                "encoding in config/sources.yaml, of zet die op auto."
            ) from None
    if data.startswith(_UTF8_BOM):
        try:
            return data[len(_UTF8_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileFormatError(
                f"{path.name} begint als UTF-8 (met BOM), maar byte {error.start + 3} is geen "
                "UTF-8. Lever het bestand opnieuw aan in één encoding."
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _text(
    path: Path, data: bytes, config: SourceConfig, expected: str, kind: str
) -> tuple[str, str]:
    """The file as text, after checking it is text of the expected kind (UTF-16 is
    checked once decoded: its zero bytes would make any text look binary)."""
    utf16 = config.encoding == "utf-16" or utf16_encoding(data) is not None
    if not utf16 and data.strip() and _looks_like(data[:4096]) != kind:
        raise _wrong_format(path, expected, data[:4096])
    text, encoding = decode(data, config.encoding, path)
    head = text[:4096].encode("utf-8", "replace")
    if utf16 and text.strip() and _looks_like(head) != kind:
        raise _wrong_format(path, expected, head)
    return text, encoding


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields, quotes respected."""
    best, best_fields = ",", 0
    for candidate in _DELIMITERS:
        fields = len(next(csv.reader([header], delimiter=candidate)))
        if fields > best_fields:
            best, best_fields = candidate, fields
    return best


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


# --- CSV ---------------------------------------------------------------------------------


def _field_counts(body: str, delimiter: str) -> pl.Series | None:
    """Number of fields on every line, where no line can hold a quoted line break.

    Without quote characters a line is a row and polars counts delimiters; with
    them (fields may hold delimiters or line breaks) None: the careful reader decides.
    """
    if '"' in body or "\x1f" in body:
        return None
    lines = pl.read_csv(
        body.encode(),
        separator="\x1f",
        quote_char=None,
        has_header=False,
        infer_schema=False,
        new_columns=["line"],
    )["line"].fill_null("")
    return lines.str.count_matches(delimiter, literal=True).cast(pl.Int64) + 1


def _read_csv(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    text, encoding = _text(path, data, config, "CSV-bestand", "een tekstbestand (CSV)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64})
        return RawExtract("", path, "csv", empty, _extract_date(path), encoding, None)
    header, _, _ = text.partition("\n")
    delimiter = config.delimiter if config.delimiter != "auto" else sniff_delimiter(header)
    try:
        names = next(csv.reader([header], delimiter=delimiter))
    except csv.Error as error:
        raise FileFormatError(
            f"{path.name}: de kopregel (regel 1) is niet te lezen ({error}). Controleer de "
            "kolomnamen en de aanhalingstekens in de eerste regel."
        ) from None
    columns = [name.strip() for name in check_column_names(path, names)]
    body = text[len(header) + 1 :]
    cut = bool(body) and not body.endswith("\n")
    if cut:
        body += "\n"
    if not body.strip():
        frame = pl.DataFrame(
            {name: pl.Series([], dtype=pl.String) for name in columns}
        ).with_columns(pl.Series(ROW_NUMBER, [], dtype=pl.Int64))
        return RawExtract("", path, "csv", frame, _extract_date(path), encoding, delimiter)
    frame, rejects = _rows(body, columns, delimiter, config)
    raw = RawExtract("", path, "csv", frame, _extract_date(path), encoding, delimiter, rejects)
    _reject_repeated_header(raw, columns)
    if cut:
        _reject_cut_last_row(raw, body)
    return raw


def _reject_repeated_header(raw: RawExtract, columns: list[str]) -> None:
    """A row that repeats the header (two exports pasted together) is no record."""
    names = [c for c in columns if not c.startswith("(kolom ")]
    if not names or raw.frame.height == 0:
        return
    repeated = pl.all_horizontal(
        pl.col(c).str.strip_chars().str.to_lowercase() == c.lower() for c in names
    ).fill_null(False)
    headers = raw.frame.filter(repeated)
    if headers.height == 0:
        return
    raw.frame = raw.frame.filter(~repeated)
    separator = raw.delimiter or ","
    for row in headers.iter_rows(named=True):
        line = row[ROW_NUMBER]
        raw.rejects.append(
            StructuralReject(
                line,
                f"regel {line} herhaalt de kopregel: zijn hier twee exports aan elkaar "
                "geplakt? Haal de tweede kopregel weg (en controleer of er rijen dubbel in staan)",
                separator.join(row[c] or "" for c in columns),
            )
        )


def _rows(
    body: str, columns: list[str], delimiter: str, config: SourceConfig
) -> tuple[pl.DataFrame, list[StructuralReject]]:
    """The rows of the body with the line each starts on, and the rejected lines.

    polars reads the body in one go when every row is well formed; which that is,
    a first pass decides: polars counting delimiters per line when no value is
    quoted, Python's csv reader (``_scan``) when values are. Only a file with broken
    rows is read row by row, keeping every good row.
    """
    counts = _field_counts(body, delimiter)
    if counts is not None:
        numbers = pl.int_range(_FIRST_DATA_LINE, _FIRST_DATA_LINE + counts.len(), eager=True)
        well_formed = not (counts != len(columns)).any()
    else:
        scanned, rejects = _scan(body, len(columns), delimiter, config, keep=False)
        numbers = pl.Series(scanned.numbers, dtype=pl.Int64)
        well_formed = not rejects
    if well_formed:
        try:
            frame = pl.read_csv(
                body.encode(),
                separator=delimiter,
                has_header=False,
                new_columns=columns,
                infer_schema=False,
                quote_char='"' if counts is None else None,
            )
            if frame.height == numbers.len():
                return frame.with_columns(numbers.cast(pl.Int64).alias(ROW_NUMBER)), []
        except pl.exceptions.PolarsError:  # the careful reader will say where and why
            pass
    scanned, rejects = _scan(body, len(columns), delimiter, config, keep=True)
    frame = pl.DataFrame(scanned.rows, schema=dict.fromkeys(columns, pl.String), orient="row")
    return frame.with_columns(pl.Series(ROW_NUMBER, scanned.numbers, dtype=pl.Int64)), rejects


def _lines(body: str) -> list[str]:
    # Only "\n" ends a line (the text was normalised to it); str.splitlines would also
    # split on form feeds and the like inside values.
    return [line + "\n" for line in body.split("\n")[:-1]]


@dataclass
class _Scanned:
    numbers: list[int] = field(default_factory=list)  # the line each good row starts on
    rows: list[list[str]] = field(default_factory=list)  # the good rows, when kept


def _row_like(line: str, expected: int, delimiter: str) -> bool:
    """A line that is a whole row on its own: its quotes balance and it has every field."""
    if line.count('"') % 2:
        return False
    try:
        return len(next(csv.reader([line], delimiter=delimiter), [])) == expected
    except csv.Error:
        return False


def _scan(
    body: str, expected: int, delimiter: str, config: SourceConfig, *, keep: bool
) -> tuple[_Scanned, list[StructuralReject]]:
    """Row by row with Python's csv reader: the line every good row starts on (and the
    row itself when ``keep``), and every broken line rejected with its reason.

    A quoted value may hold a line break, so a row can span lines. A row that spans
    lines is read as an unbalanced quote on its first line when it has the wrong
    number of fields, or when a line it swallowed is a whole row on its own (a stray
    quote in the last column swallows rows and still counts right): that line is
    rejected and reading starts again on the next one, so the rows the quote
    swallowed are read, each under its own line number, instead of being lost.
    """
    lines = _lines(body)
    scanned = _Scanned()
    rejects: list[StructuralReject] = []
    start = 0
    while start < len(lines):
        restart = None
        reader = csv.reader((lines[i] for i in range(start, len(lines))), delimiter=delimiter)
        first = start  # index of the line the current row starts on
        try:
            for row in reader:
                end = start + reader.line_num  # lines[first:end] hold this row
                line = first + _FIRST_DATA_LINE
                spans = end - first > 1
                if spans and (
                    len(row) != expected
                    or any(_row_like(lines[i], expected, delimiter) for i in range(first + 1, end))
                ):
                    rejects.append(_unbalanced_quote(lines[first], line))
                    restart = first + 1
                    break
                if len(row) == expected:
                    scanned.numbers.append(line)
                    if keep:
                        scanned.rows.append(row)
                elif row:  # an empty line is no row
                    rejects.append(
                        StructuralReject(
                            line,
                            f"regel {line} heeft {len(row)} velden, de kopregel heeft er "
                            f"{expected}: controleer de scheidingstekens ('{delimiter}') en de "
                            "aanhalingstekens in die regel",
                            lines[first].rstrip("\n"),
                        )
                    )
                first = end
        except csv.Error as error:
            end = start + reader.line_num
            line = first + _FIRST_DATA_LINE
            if end - first > 1:
                rejects.append(_unbalanced_quote(lines[first], line))
            else:
                rejects.append(
                    StructuralReject(
                        line,
                        f"regel {line} is niet te lezen ({_csv_error(error)}); een veld is "
                        f"waarschijnlijk langer dan {csv.field_size_limit()} tekens. Controleer "
                        "die regel in de export",
                        lines[first].rstrip("\n")[: config.max_field_chars],
                    )
                )
            restart = first + 1
        if restart is None:
            break
        start = restart
    return scanned, rejects


def _csv_error(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return "veld te lang"
    return text


def _unbalanced_quote(text: str, line: int) -> StructuralReject:
    return StructuralReject(
        line,
        f'regel {line} heeft een aanhalingsteken (") dat niet wordt gesloten: de regels erna '
        "zouden er als één waarde in verdwijnen. Sluit het aanhalingsteken in die regel, of "
        'verdubbel het ("") als het bij de waarde hoort; de regels erna zijn gewoon gelezen',
        text.rstrip("\n"),
    )


def _reject_cut_last_row(raw: RawExtract, body: str) -> None:
    """A file without a line end after its last line, where that line is shorter than
    its neighbours, was most likely cut off in transfer: its last row is rejected."""
    lines = _lines(body)
    last = len(lines) - 1 + _FIRST_DATA_LINE
    reason = (
        f"regel {last} (de laatste) lijkt afgebroken: het bestand eindigt zonder regeleinde "
        "en die regel is {how}. Controleer of het bestand volledig is overgekomen en lever het "
        "zo nodig opnieuw aan"
    )
    for i, reject in enumerate(raw.rejects):
        if reject.row_number == last:  # already broken: say why it most likely is
            raw.rejects[i] = StructuralReject(
                last, reason.format(how="niet volledig (te weinig velden)"), reject.text
            )
            return
    numbers = raw.frame[ROW_NUMBER]
    if numbers.len() == 0 or numbers[-1] != last:
        return
    neighbours = [len(line) for line in lines[-1 - CUT_NEIGHBOURS : -1]]
    if len(neighbours) < CUT_MIN_NEIGHBOURS or len(lines[-1]) >= min(neighbours):
        return
    raw.frame = raw.frame.slice(0, raw.frame.height - 1)
    how = f"korter ({len(lines[-1]) - 1} tekens) dan alle regels ervoor"
    raw.rejects.append(StructuralReject(last, reason.format(how=how), lines[-1].rstrip("\n")))


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
        raise _wrong_format(path, "Parquet-bestand", data[:4096])
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
    return RawExtract("", path, "parquet", frame, _extract_date(path), nested=nested)


def _json_lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line.rstrip("\r")


def _read_jsonl(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    text, encoding = _text(path, data, config, "JSON Lines-bestand", "een JSON-bestand")
    lines = list(_json_lines(text))
    cut = bool(text.strip()) and not text.endswith("\n")
    try:
        frame = pl.read_ndjson(text.encode(), infer_schema_length=None)
        if frame.height != len(lines):
            raise ValueError("line count differs")
        check_column_names(path, frame.columns, row="sleutellijst")
        frame, nested = _as_strings(frame, path)
        numbers = [n for n, _ in lines]
        frame = frame.with_columns(pl.Series(ROW_NUMBER, numbers, dtype=pl.Int64))
        return RawExtract("", path, "jsonl", frame, _extract_date(path), encoding, nested=nested)
    except FileFormatError:
        raise
    except Exception:  # polars could not take the file whole; find the bad lines
        pass
    records: list[dict] = []
    numbers = []
    rejects = []
    nested: dict[str, str] = {}
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
        record = {}
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
        "", path, "jsonl", frame, _extract_date(path), encoding, None, rejects, nested
    )


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
