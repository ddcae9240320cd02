"""One run at a time, on both databases; a dead holder's SQLite lock is taken over."""

from __future__ import annotations

import os

import pytest
from sqlmodel import Session, select

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


# --- who holds the lock, and the ways out (issue 11.5) --------------------------------------

HOLDER = """
import sys, time
from vik.store.db import connect
from vik.store.lock import run_lock
from vik.store.runs import start_run
from datetime import date
engine = connect(sys.argv[1])
with run_lock(engine, "hangende run") as lock:
    lock.attach_run(start_run(engine, date(2026, 11, 22), "x").id)
    print("bezig", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def holder_process(database_url):
    """Another process that holds the run lock for a run, and hangs."""
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database_url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "bezig"
    yield process
    process.kill()
    process.wait()


def _cli(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from vik.cli import app

    return CliRunner().invoke(app, list(args), input=input)


def _lock_row(holder: str, host: str, pid: int, started_hours_ago: float, age_hours: float):
    import socket  # noqa: F401
    from datetime import timedelta

    from vik.store.models import utcnow

    return RunLock(
        name="nightly",
        holder=holder,
        host=host,
        pid=pid,
        process_started_at=utcnow() - timedelta(hours=started_hours_ago),
        acquired_at=utcnow() - timedelta(hours=age_hours),
        run_id=1,
    )


def _bezig_run(engine) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from vik.store.runs import start_run

    start_run(engine, date(2026, 11, 22), "x")


def _status_of_run_1(engine) -> str:  # type: ignore[no-untyped-def]
    from vik.store.models import Run

    with Session(engine) as session:
        return session.get(Run, 1).status


def test_a_recycled_pid_does_not_hold_the_lock(tmp_path, caplog):
    """The lock's PID now belongs to a process that started after the lock was taken
    (here: this very test process, alive): the holder is gone, the lock is taken over,
    its run becomes afgebroken, and the log says so."""
    import os
    import socket

    engine = connect(f"sqlite:///{tmp_path / 'vik.db'}")
    migrate(engine)
    _bezig_run(engine)
    host = socket.gethostname()
    with Session(engine) as session:
        # Taken ten days ago by a process that started eleven days ago, under our PID.
        session.add(_lock_row(f"{host}:{os.getpid()}:oud", host, os.getpid(), 24 * 11, 24 * 10))
        session.commit()
    with run_lock(engine):
        pass
    assert _status_of_run_1(engine) == "afgebroken"
    assert "runlock van" in caplog.text and "overgenomen" in caplog.text
    assert "hoort nu bij een ander, later gestart proces" in caplog.text


def test_another_machine_s_lock_expires_after_the_age_limit(tmp_path):
    from datetime import timedelta

    engine = connect(f"sqlite:///{tmp_path / 'vik.db'}")
    migrate(engine)
    _bezig_run(engine)
    with Session(engine) as session:
        session.add(_lock_row("server-b:4242:nacht", "server-b", 4242, 2, 1))
        session.commit()
    with pytest.raises(RunLockedError, match="server-b"), run_lock(engine):
        pass
    with Session(engine) as session:
        session.get(RunLock, "nightly").acquired_at -= timedelta(hours=12)
        session.commit()
    with run_lock(engine, max_age=timedelta(hours=12)):
        pass
    assert _status_of_run_1(engine) == "afgebroken"


def test_vik_runs_shows_the_lock_and_a_dead_run_as_afgebroken(database_url):
    engine = connect(database_url)
    _bezig_run(engine)  # run 1: its process died without a trace
    with run_lock(engine, "nacht") as lock:
        from datetime import date

        from vik.store.runs import start_run

        lock.attach_run(start_run(engine, date(2026, 11, 22), "x").id)
        shown = _cli("runs", "--db", database_url)
        assert shown.exit_code == 0, shown.output
        rows = [line.split()[:2] for line in shown.output.splitlines()]
        assert ["2", "bezig"] in rows and ["1", "afgebroken"] in rows, shown.output
        assert "Runlock: bezet" in shown.output and "run 2, sinds" in shown.output
    # Run 2 never finished (its process "died" here): shown as afgebroken, lock free.
    after = _cli("runs", "--db", database_url)
    rows = [line.split()[:2] for line in after.output.splitlines()]
    assert ["2", "afgebroken"] in rows, after.output
    assert "Runlock: vrij." in after.output


def test_vik_unlock_asks_and_then_frees_a_hanging_run_s_lock(database_url, holder_process):
    from vik.store.models import AuditLog

    engine = connect(database_url)
    with pytest.raises(RunLockedError, match="Er loopt al een run"), run_lock(engine):
        pass
    refused = _cli("unlock", "--db", database_url, input="n\n")
    assert refused.exit_code == 1
    assert f"PID {holder_process.pid}" in refused.output
    assert "Niets gedaan" in refused.output
    with pytest.raises(RunLockedError), run_lock(engine):
        pass

    freed = _cli("unlock", "--db", database_url, input="j\n")
    assert freed.exit_code == 0, freed.output
    assert "Runlock vrijgegeven; run(s) 1 gemarkeerd als afgebroken" in freed.output
    assert _status_of_run_1(engine) == "afgebroken"
    with run_lock(engine):  # the next night can start
        pass
    with Session(engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "runlock_vrijgegeven")).one()
        assert audit.details["afgebroken_runs"] == [1]
