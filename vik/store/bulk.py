"""Fast bulk reads and writes of polars frames, per database.

The link table holds millions of rows at city scale; an ORM round trip per row
would dominate the nightly run. PostgreSQL gets COPY, SQLite executemany on the
driver's own cursor, both inside the caller's transaction. Reads and writes go
in chunks, so a table of millions of rows never exists as text or Python tuples
all at once.

A large insert (a first night: millions of links into an empty table) builds the
table's secondary indexes once at the end, one sort, instead of updating them
row by row, a random write each; it is all one transaction, so a rollback brings
them back. On PostgreSQL the dropped index locks the table against readers until
the run commits: only when the insert is a quarter of the table or more.

    >>> write_frame(session, "link", frame)
    >>> read_frame(session, "SELECT source, record_key FROM link", {"source": pl.String, ...})
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing, contextmanager

import polars as pl
from sqlmodel import Session

CHUNK = 500
READ_CHUNK = 100_000
WRITE_CHUNK = 200_000
# An insert of at least this many rows, and a quarter of the table or more, is bulk.
BULK_ROWS = 50_000
# SQLite's page cache during a bulk insert (negative: KiB): room for the indexes it writes.
BULK_CACHE_KIB = -262_144

_SQLITE_INDEXES = (
    # Secondary indexes only: those of constraints (sqlite_autoindex_*) have no sql.
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
)
_POSTGRES_INDEXES = (
    "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
    "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
)


def _driver(session: Session):  # type: ignore[no-untyped-def]
    return session.connection().connection.driver_connection


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def write_frame(session: Session, table: str, frame: pl.DataFrame) -> int:
    """Insert every row of frame (columns named as the table's) in the current transaction."""
    if frame.height == 0:
        return 0
    columns = ", ".join(frame.columns)
    postgres = _is_postgres(session)
    with closing(_driver(session).cursor()) as cursor, _bulk(cursor, table, frame.height, postgres):
        if postgres:
            statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
            with cursor.copy(statement) as copy:
                for chunk in frame.iter_slices(WRITE_CHUNK):
                    copy.write(chunk.write_csv(include_header=False, quote_style="non_numeric"))
        else:
            # sqlite3 stores dates as ISO text, which is what SQLAlchemy reads back.
            frame = frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
            marks = ", ".join("?" for _ in frame.columns)
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.iter_rows()
            )
    return frame.height


@contextmanager
def _bulk(cursor, table: str, rows: int, postgres: bool) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """A large insert: secondary indexes built afterwards, and on SQLite a bigger cache."""
    if rows < BULK_ROWS:
        yield
        return
    cache = None
    if not postgres:
        if not cursor.connection.in_transaction:
            # sqlite3 runs DDL outside a transaction unless one is open: open it, so
            # that a rollback brings the dropped indexes back.
            cursor.execute("BEGIN")
        (cache,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
    try:
        (existing,) = cursor.execute(f"SELECT max(id) FROM {table}").fetchone()
        rebuild = []
        if rows >= (existing or 0) // 4:
            rebuild = cursor.execute(
                _POSTGRES_INDEXES if postgres else _SQLITE_INDEXES, (table,)
            ).fetchall()
            for name, _ in rebuild:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        for _, definition in rebuild:
            cursor.execute(definition)
    finally:
        if cache is not None:
            cursor.execute(f"PRAGMA cache_size = {cache}")


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
    cursor.execute(query)
    chunks = [pl.DataFrame(schema=dict(schema))]
    while rows := cursor.fetchmany(READ_CHUNK):
        chunks.append(pl.DataFrame(rows, schema=dict(schema), orient="row"))
        del rows
    cursor.close()
    return pl.concat(chunks, rechunk=False)


def delete_ids(session: Session, table: str, ids: Sequence[int]) -> int:
    """Delete rows by primary key, in chunks that every driver accepts."""
    cursor = _driver(session).cursor()
    mark = "%s" if _is_postgres(session) else "?"
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(mark for _ in chunk)})", chunk)
    cursor.close()
    return len(ids)
