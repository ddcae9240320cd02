"""One run at a time: a second run while one is in progress refuses with a clear message.

PostgreSQL: a session-level advisory lock, held on its own connection for the
whole run. The lock lives in the database server, so it also holds between
machines that share the database, and it is released by the server if the run's
process dies. SQLite (one machine by nature): a row in run_lock, taken over
when the process that holds it no longer exists.

    >>> with run_lock(engine, holder="nacht 2026-11-22"):
    ...     ...  # the run
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from vik.errors import RunLockedError
from vik.store.db import is_postgres
from vik.store.models import RunLock

LOCK_NAME = "nightly"
# Arbitrary but fixed. The lock is keyed by this and by VIK's schema (a database can hold
# several VIK schemas, for example a test and an acceptance environment, each with its
# own night): pg_try_advisory_lock(int, int).
ADVISORY_KEY = 0x5649_4B00  # "VIK\0"
_SCHEMA_KEY = "hashtext(current_schema())"


def _holder(label: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{label}"


def _alive(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's lock: cannot tell, so respect it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _refuse(holder: str) -> RunLockedError:
    return RunLockedError(
        f"Er loopt al een run ({holder}). VIK draait één run tegelijk; wacht tot die klaar is. "
        "Staat er niets meer te draaien, kijk dan met `vik runs` naar de status."
    )


@contextmanager
def run_lock(engine: Engine, label: str = "run") -> Iterator[None]:
    holder = _holder(label)
    if is_postgres(engine):
        connection = engine.connect()
        try:
            got = connection.execute(
                text(f"SELECT pg_try_advisory_lock(:key, {_SCHEMA_KEY})"), {"key": ADVISORY_KEY}
            ).scalar()
            connection.commit()
            if not got:
                raise _refuse("een andere machine of proces op deze database")
            try:
                yield
            finally:
                connection.execute(
                    text(f"SELECT pg_advisory_unlock(:key, {_SCHEMA_KEY})"), {"key": ADVISORY_KEY}
                )
                connection.commit()
        finally:
            connection.close()
        return

    with Session(engine) as session:
        existing = session.exec(select(RunLock).where(RunLock.name == LOCK_NAME)).first()
        if existing is not None:
            if _alive(existing.holder):
                raise _refuse(existing.holder)
            session.delete(existing)  # the process that held it is gone
            session.commit()
        try:
            session.add(RunLock(name=LOCK_NAME, holder=holder))
            session.commit()
        except IntegrityError:
            session.rollback()
            current = session.exec(select(RunLock).where(RunLock.name == LOCK_NAME)).first()
            raise _refuse(current.holder if current else "onbekend") from None
    try:
        yield
    finally:
        with Session(engine) as session:
            session.exec(delete(RunLock).where(RunLock.name == LOCK_NAME))  # type: ignore[call-overload]
            session.commit()
