"""Bulk reads and writes: a large insert keeps the table's indexes, reads come back whole."""

from __future__ import annotations

import polars as pl
import pytest
from sqlalchemy import text

from vik.resolve.links import LINKS_SCHEMA
from vik.store import bulk
from vik.store.bulk import read_frame, write_frame
from vik.store.db import connect, is_postgres, migrate, session_scope

SCHEMA = {**LINKS_SCHEMA, "run_id": pl.Int64}


def links(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": ["brp"] * count,
            "record_key": [f"r{i}" for i in range(count)],
            "entity_type": ["adres"] * count,
            "entity_id": [None if i % 3 == 0 else f"A{i % 7}" for i in range(count)],
            "confidence": [None if i % 3 == 0 else i / count for i in range(count)],
            "method": ["postcode_huisnummer"] * count,
            "status": ["geen" if i % 3 == 0 else "zeker" for i in range(count)],
            "reason": [
                "adres, met 'komma' en \"aanhalingstekens\"" if i % 3 == 0 else None
                for i in range(count)
            ],
            "run_id": [1] * count,
        },
        schema=SCHEMA,
    )


def indexes(engine) -> set[str]:  # type: ignore[no-untyped-def]
    query = (
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'link' AND schemaname = current_schema()"
        if is_postgres(engine)
        else "SELECT coalesce(sql, name) FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name = 'link'"
    )
    with engine.connect() as connection:
        return set(connection.execute(text(query)).scalars())


def stored(engine) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        query = f"SELECT {', '.join(SCHEMA)} FROM link ORDER BY id"
        return read_frame(session, query, SCHEMA)


@pytest.fixture
def engine(database_url, monkeypatch):  # type: ignore[no-untyped-def]
    # Small numbers stand in for the millions of a city: every write here is bulk.
    monkeypatch.setattr(bulk, "BULK_ROWS", 10)
    monkeypatch.setattr(bulk, "WRITE_CHUNK", 7)
    monkeypatch.setattr(bulk, "READ_CHUNK", 7)
    engine = connect(database_url)
    migrate(engine)
    return engine


def test_bulk_insert_keeps_rows_and_indexes(engine):
    before = indexes(engine)
    assert len(before) >= 2
    rows = links(60)
    with session_scope(engine) as session:
        assert write_frame(session, "link", rows.head(40)) == 40
    assert indexes(engine) == before
    assert stored(engine).equals(rows.head(40))
    # A second, smaller bulk insert into the filled table goes the ordinary way.
    with session_scope(engine) as session:
        write_frame(session, "link", rows.slice(40))
    assert indexes(engine) == before
    assert stored(engine).equals(rows)


def test_rolled_back_bulk_insert_leaves_table_and_indexes(engine):
    before = indexes(engine)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        write_frame(session, "link", links(40))
        raise RuntimeError("run mislukt")
    assert indexes(engine) == before
    assert stored(engine).height == 0


def test_bulk_insert_honours_the_unique_key(engine):
    with pytest.raises(Exception), session_scope(engine) as session:  # noqa: B017
        write_frame(session, "link", pl.concat([links(20), links(20)]))
    assert stored(engine).height == 0
