"""Database URLs, migrations and the append-only audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import StatementError
from sqlmodel import select

from vik.errors import StoreError
from vik.store.audit import record
from vik.store.db import connect, migrate, normalise_url, session_scope
from vik.store.models import AuditLog, Run


def test_both_postgres_url_spellings_use_psycopg():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///var/vik.db") == "sqlite:///var/vik.db"


def test_migrate_creates_every_table(empty_database_url):
    engine = connect(empty_database_url)
    migrate(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"run", "flag", "flag_evidence", "dossier", "review", "snooze", "link"} <= tables
    assert {"link_judgement", "audit_log", "rule_version", "rule_evaluation"} <= tables
    migrate(engine)  # a second time is a no-op


def test_upgrade_keeps_data(empty_database_url):
    engine = connect(empty_database_url)
    migrate(engine, "0001")
    with session_scope(engine) as session:
        session.add(Run(peildatum=date(2026, 11, 1), extracts_dir="x", status="geslaagd"))
        # The columns audit_log had at 0001 (later revisions add some).
        session.execute(
            text("INSERT INTO audit_log (at, actor, action) VALUES (:at, 'test', 'proef')"),
            {"at": datetime(2026, 11, 1, tzinfo=UTC)},
        )
    migrate(engine)
    with session_scope(engine) as session:
        assert [r.extracts_dir for r in session.exec(select(Run)).all()] == ["x"]
        assert [a.action for a in session.exec(select(AuditLog)).all()] == ["proef"]


def test_audit_log_is_append_only(database_url):
    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        record(session, actor="analist", action="inzage_persoon", purpose="LOO")
    for statement in ("UPDATE audit_log SET actor = 'iemand anders'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with session_scope(engine) as session:
        assert [a.actor for a in session.exec(select(AuditLog)).all()] == ["analist"]


def test_unreachable_database_gives_a_clear_message():
    engine = connect("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="Database niet bereikbaar"):
        migrate(engine)


def test_invalid_url_gives_a_clear_message():
    with pytest.raises(StoreError, match="Ongeldige database-URL"):
        connect("geen url")


def test_migrations_match_the_models(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = connect(database_url)
    migrate(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == [], "write a migration for the model change"


def test_a_status_outside_its_vocabulary_is_refused_and_a_stored_one_reads_as_its_enum(
    database_url,
):
    """Statuses are StrEnums stored as their Dutch word: a typo ("vervalen") never reaches
    the table, where every query for open or vervallen flags would silently miss it."""
    from vik.store.models import FlagStatus, RunStatus

    engine = connect(database_url)
    with session_scope(engine) as session:
        session.add(Run(peildatum=date(2026, 11, 1), extracts_dir="x", status="geslaagd"))
    with session_scope(engine) as session:
        run = session.exec(select(Run)).one()
        assert run.status is RunStatus.GESLAAGD
        stored = session.execute(text("SELECT status FROM run")).scalar_one()
        assert stored == "geslaagd"  # the word, not the member's name
    with (
        pytest.raises(StatementError, match="'vervalen' is not a valid RunStatus"),
        session_scope(engine) as session,
    ):
        session.add(Run(peildatum=date(2026, 11, 2), extracts_dir="x", status="vervalen"))
    assert FlagStatus("vervallen") is FlagStatus.VERVALLEN
