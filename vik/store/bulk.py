"""Fast bulk reads and writes of polars frames, per database.

The link table holds millions of rows at city scale; an ORM round trip per row
would dominate the nightly run. PostgreSQL gets COPY, SQLite executemany on the
driver's own cursor, both inside the caller's transaction.

    >>> write_frame(session, "link", frame)
    >>> read_frame(session, "SELECT source, record_key FROM link", {"source": pl.String, ...})
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import polars as pl
from sqlmodel import Session

CHUNK = 500


def _driver(session: Session):  # type: ignore[no-untyped-def]
    return session.connection().connection.driver_connection


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def write_frame(session: Session, table: str, frame: pl.DataFrame) -> int:
    """Insert every row of frame (columns named as the table's) in the current transaction."""
    if frame.height == 0:
        return 0
    columns = ", ".join(frame.columns)
    if _is_postgres(session):
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, quote_style="non_numeric")
        statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
        with _driver(session).cursor() as cursor, cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
    else:
        # sqlite3 stores dates as ISO text, which is what SQLAlchemy reads back.
        frame = frame.with_columns(
            pl.col(pl.Date).dt.strftime("%Y-%m-%d"),
        )
        marks = ", ".join("?" for _ in frame.columns)
        cursor = _driver(session).cursor()
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.iter_rows())
        cursor.close()
    return frame.height


def read_frame(session: Session, query: str, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Rows of a SELECT (columns in schema order) as a typed frame."""
    if _is_postgres(session):
        buffer = io.BytesIO()
        statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv)"
        with _driver(session).cursor() as cursor, cursor.copy(statement) as copy:
            for block in copy:
                buffer.write(block)
        if buffer.tell() == 0:
            return pl.DataFrame(schema=dict(schema))
        buffer.seek(0)
        return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=dict(schema))
    cursor = _driver(session).cursor()
    rows = cursor.execute(query).fetchall()
    cursor.close()
    return pl.DataFrame(rows, schema=dict(schema), orient="row")


def delete_ids(session: Session, table: str, ids: Sequence[int]) -> int:
    """Delete rows by primary key, in chunks that every driver accepts."""
    cursor = _driver(session).cursor()
    mark = "%s" if _is_postgres(session) else "?"
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(mark for _ in chunk)})", chunk)
    cursor.close()
    return len(ids)
