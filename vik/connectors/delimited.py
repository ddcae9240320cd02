"""CSV: rows and the lines they start on, with broken structure rejected, never lost.

    >>> raw = read_csv(path, path.read_bytes(), SourceConfig())  # doctest: +SKIP
    >>> raw.frame["row_number"]   # the file's own line numbers; the header is line 1

polars reads a well-formed file in one go; Python's csv reader decides what is
well formed where values are quoted, and reads a broken file row by row, so
every good row is kept and every broken line rejected with a reason that names
the line and says what to fix: the wrong number of fields, an unbalanced quote,
a field above the reader's limit, a repeated header, a last line cut off.
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from vik.connectors.config import SourceConfig
from vik.connectors.encodings import read_text
from vik.connectors.raw import (
    ROW_NUMBER,
    RawExtract,
    StructuralReject,
    check_column_names,
    extract_date,
)
from vik.errors import FileFormatError

_DELIMITERS = (",", ";", "\t", "|")
# The header is line 1 of a CSV file: its first data line is line 2.
_FIRST_DATA_LINE = 2
# A last line without a line end that is shorter than every one of the (at most)
# CUT_NEIGHBOURS lines before it was most likely cut off in transfer; with fewer
# than CUT_MIN_NEIGHBOURS lines before it there is too little to compare with.
CUT_NEIGHBOURS = 100
CUT_MIN_NEIGHBOURS = 10


def sniff_delimiter(header: str) -> str:
    """The delimiter that splits the header line into the most fields, quotes respected."""
    best, best_fields = ",", 0
    for candidate in _DELIMITERS:
        fields = len(next(csv.reader([header], delimiter=candidate)))
        if fields > best_fields:
            best, best_fields = candidate, fields
    return best


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


def read_csv(path: Path, data: bytes, config: SourceConfig) -> RawExtract:
    text, encoding = read_text(path, data, config, "CSV-bestand", "een tekstbestand (CSV)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        empty = pl.DataFrame(schema={ROW_NUMBER: pl.Int64})
        return RawExtract("", path, "csv", empty, extract_date(path), encoding, None)
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
        return RawExtract("", path, "csv", frame, extract_date(path), encoding, delimiter)
    frame, rejects = _rows(body, columns, delimiter, config)
    raw = RawExtract("", path, "csv", frame, extract_date(path), encoding, delimiter, rejects)
    raw.may_hold_nul = "\x00" in body
    _reject_repeated_header(raw, columns)
    if cut:
        _reject_cut_last_row(raw, body)
    return raw


def _reject_repeated_header(raw: RawExtract, columns: list[str]) -> None:
    """A row that repeats the header (two exports pasted together) is no record."""
    names = [c for c in columns if not c.startswith("(kolom ")]
    if not names or raw.frame.height == 0:
        return

    def named(column: str) -> pl.Expr:
        return pl.col(column).str.strip_chars().str.to_lowercase() == column.lower()

    # The first column decides which rows to look at: one regex scan, no copies.
    first = pl.col(names[0]).str.contains(rf"(?i)^\s*{re.escape(names[0])}\s*$")
    if not raw.frame.select(first.any()).item():
        return
    candidates = raw.frame.filter(first)
    headers = candidates.filter(pl.all_horizontal(named(c) for c in names).fill_null(False))
    if headers.height == 0:
        return
    raw.frame = raw.frame.filter(~pl.col(ROW_NUMBER).is_in(headers[ROW_NUMBER].implode()))
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
    quoted, Python's csv reader when values are. A file with broken rows, or with a
    row that spans lines, is read row by row (``_scan``), keeping every good row.
    """
    counts = _field_counts(body, delimiter)
    if counts is not None:
        numbers = pl.int_range(_FIRST_DATA_LINE, _FIRST_DATA_LINE + counts.len(), eager=True)
        well_formed = not (counts != len(columns)).any()
    else:
        starts = _quick_starts(body, len(columns), delimiter)
        numbers = pl.Series(starts or [], dtype=pl.Int64)
        well_formed = starts is not None
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


def _quick_starts(body: str, expected: int, delimiter: str) -> list[int] | None:
    """The line every row starts on, when every line is one row with every field;
    None for anything else (the careful ``_scan`` then decides)."""
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    starts: list[int] = []
    try:
        for row in reader:
            if len(row) != expected or reader.line_num != len(starts) + 1:
                return None
            starts.append(reader.line_num - 1 + _FIRST_DATA_LINE)
    except csv.Error:
        return None
    return starts


class _Lines:
    """The body's lines one at a time (only "\\n" ends a line: the text was normalised
    to it, and str.splitlines would also split on form feeds inside values),
    remembering the lines of the row being read, so that a row read wrongly can be
    given back and read again from its second line. Memory holds one row's lines,
    not the file's."""

    def __init__(self, body: str):
        self._source = io.StringIO(body)  # newline="\n": no other line ends
        self._pending: deque[str] = deque()
        self.current: list[str] = []  # the lines of the row being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            line = self._pending.popleft()
        else:
            line = self._source.readline()
            if not line:
                raise StopIteration
        self.current.append(line)
        return line

    def take(self) -> list[str]:
        """The lines of the row just read; the next row starts afresh."""
        lines, self.current = self.current, []
        return lines

    def give_back(self, lines: list[str]) -> None:
        """These lines are read again, first."""
        self._pending.extendleft(reversed(lines))


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
    lines = _Lines(body)
    scanned = _Scanned()
    rejects: list[StructuralReject] = []
    first = 0  # index of the line the next row starts on
    while True:
        reader = csv.reader(lines, delimiter=delimiter)
        try:
            for row in reader:
                taken = lines.take()
                line = first + _FIRST_DATA_LINE
                if len(taken) > 1 and (
                    len(row) != expected
                    or any(_row_like(text, expected, delimiter) for text in taken[1:])
                ):
                    rejects.append(_unbalanced_quote(taken[0], line))
                    lines.give_back(taken[1:])
                    first += 1
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
                            taken[0].rstrip("\n"),
                        )
                    )
                first += len(taken)
            else:
                return scanned, rejects
        except csv.Error as error:
            taken = lines.take()
            line = first + _FIRST_DATA_LINE
            if len(taken) > 1:
                rejects.append(_unbalanced_quote(taken[0], line))
                lines.give_back(taken[1:])
            else:
                rejects.append(
                    StructuralReject(
                        line,
                        f"regel {line} is niet te lezen ({_csv_error(error)}): een veld is "
                        f"waarschijnlijk langer dan {csv.field_size_limit()} tekens. Controleer "
                        "die regel in de export",
                        taken[0].rstrip("\n")[: config.max_field_chars],
                    )
                )
            first += 1


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
        'verdubbel het ("") als het bij de waarde hoort. De regels erna zijn gewoon gelezen',
        text.rstrip("\n"),
    )


def _reject_cut_last_row(raw: RawExtract, body: str) -> None:
    """A file without a line end after its last line, where that line is shorter than
    its neighbours, was most likely cut off in transfer: its last row is rejected."""
    last = body.count("\n") - 1 + _FIRST_DATA_LINE
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
    *before, cut = body[:-1].rsplit("\n", CUT_NEIGHBOURS + 1)[-(CUT_NEIGHBOURS + 1) :]
    neighbours = [len(line) for line in before]
    if len(neighbours) < CUT_MIN_NEIGHBOURS or len(cut) >= min(neighbours):
        return
    raw.frame = raw.frame.slice(0, raw.frame.height - 1)
    how = f"korter ({len(cut)} tekens) dan alle regels ervoor"
    raw.rejects.append(StructuralReject(last, reason.format(how=how), cut))
