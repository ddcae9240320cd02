"""One run at a time, on both databases; a dead holder's SQLite lock is taken over."""

from __future__ import annotations

import os

import pytest
from sqlmodel import Session

from tests.conftest import POSTGRES_ENV, _postgres_schema_url
from vik.errors import RunLockedError
from vik.store.db import connect, migrate
from vik.store.lock import run_lock
from vik.store.models import RunLock


def test_second_run_is_refused_while_one_is_in_progress(database_url):
    engine = connect(database_url)
    migrate(engine)
    other_machine = connect(database_url)  # a separate engine: its own connections
    with (
        run_lock(engine, "eerste"),
        pytest.raises(RunLockedError, match="Er loopt al een run"),
        run_lock(other_machine, "tweede"),
    ):
        pass
    with run_lock(other_machine, "daarna"):
        pass


def test_lock_is_released_when_the_run_fails(database_url):
    engine = connect(database_url)
    migrate(engine)
    with pytest.raises(RuntimeError), run_lock(engine):
        raise RuntimeError("stap mislukt")
    with run_lock(engine):
        pass


def test_stale_sqlite_lock_of_a_dead_process_is_taken_over(tmp_path):
    import socket

    engine = connect(f"sqlite:///{tmp_path / 'vik.db'}")
    migrate(engine)
    with Session(engine) as session:
        session.add(RunLock(name="nightly", holder=f"{socket.gethostname()}:999999999:oud"))
        session.commit()
    with run_lock(engine):
        pass


def test_sqlite_lock_of_a_living_process_is_respected(tmp_path):
    import os
    import socket

    engine = connect(f"sqlite:///{tmp_path / 'vik.db'}")
    migrate(engine)
    with Session(engine) as session:
        session.add(RunLock(name="nightly", holder=f"{socket.gethostname()}:{os.getppid()}:bezig"))
        session.commit()
    with pytest.raises(RunLockedError), run_lock(engine):
        pass


@pytest.mark.postgres
def test_two_vik_schemas_on_one_postgres_database_each_have_their_own_lock():
    """A database can hold several VIK schemas (test and acceptance, say): the night of
    one must not block the night of the other, while each still runs one at a time."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL-test overgeslagen: zet {POSTGRES_ENV}")
    first_schema, second_schema = _postgres_schema_url(base), _postgres_schema_url(base)
    first_url, second_url = next(first_schema), next(second_schema)
    try:
        first, second = connect(first_url), connect(second_url)
        migrate(first)
        migrate(second)
        with (
            run_lock(first, "test"),
            run_lock(second, "acceptatie"),
            pytest.raises(RunLockedError),
            run_lock(connect(first_url), "nog een"),
        ):
            pass
        first.dispose()
        second.dispose()
    finally:
        next(first_schema, None)
        next(second_schema, None)
