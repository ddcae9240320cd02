"""One run at a time, a lock anyone can read, and a way out when its holder is gone.

PostgreSQL: a session-level advisory lock, held on its own connection for the
whole run. It lives in the database server, so it also holds between machines,
and the server releases it when the run's process dies. SQLite (one machine by
nature): the ``run_lock`` row is the lock. On both, that row says who holds the
lock (host, PID, when the process started, since when, which run), so
``vik runs`` can show it.

A lock is taken over, with a warning in the log, when its holder is provably
gone: PostgreSQL released it; the process no longer exists; or its PID now
belongs to a process that started later (a recycled PID). A lock whose holder
cannot be seen (another machine) is taken over once it is older than the age
limit (``VIK_RUN_LOCK_MAX_AGE_HOURS``). A living holder is never overruled
automatically: ``vik unlock`` releases the lock after a confirmation. Runs that
were ``bezig`` when their lock was taken over or released become ``afgebroken``.

    >>> with run_lock(engine, label="peildatum 2026-11-22") as lock:
    ...     lock.attach_run(run.id)
    ...     ...  # the run
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import psutil
from sqlalchemy import delete, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from vik.errors import RunLockedError, StoreError
from vik.store.db import advisory_key, is_postgres
from vik.store.models import RunLock, utcnow
from vik.store.runs import abort_unfinished_runs

log = logging.getLogger("vik.store.lock")

LOCK_NAME = "nightly"
DEFAULT_MAX_AGE = timedelta(hours=12)
# psutil's process start times are rounded to clock ticks: within a second is the same process.
_SAME_START = 1.0


class LockState(StrEnum):
    FREE = "vrij"
    HELD = "bezet"  # by a living holder (or one VIK cannot see, within the age limit)
    ORPHANED = "verweesd"  # the holder is gone: taken over by the next run
    EXPIRED = "verlopen"  # unseen holder older than the age limit: taken over too


@dataclass(frozen=True)
class LockHolder:
    holder: str
    host: str | None
    pid: int | None
    process_started_at: datetime | None
    acquired_at: datetime
    run_id: int | None

    @classmethod
    def of(cls, row: RunLock) -> LockHolder:
        host, pid = row.host, row.pid
        if host is None:  # a row written by an older VIK: host:pid:label
            host, _, rest = row.holder.partition(":")
            number = rest.partition(":")[0]
            pid = int(number) if number.isdigit() else None
        return cls(
            row.holder,
            host,
            pid,
            _aware(row.process_started_at),
            _aware(row.acquired_at) or utcnow(),  # NOT NULL in the table
            row.run_id,
        )

    def age(self) -> timedelta:
        return utcnow() - self.acquired_at


@dataclass(frozen=True)
class LockStatus:
    state: LockState
    holder: LockHolder | None = None
    reason: str = ""  # why the holder counts as gone, or why it is still respected
    too_old: bool = False  # held longer than the age limit

    def describe(self) -> str:
        """One Dutch line for `vik runs`."""
        if self.state is LockState.FREE:
            return "Runlock: vrij."
        holder = self.holder
        if holder is None:
            return "Runlock: bezet door een proces zonder gegevens (een oudere VIK?)."
        since = holder.acquired_at.strftime("%Y-%m-%d %H:%M UTC")
        who = f"{holder.host or '?'} (PID {holder.pid or '?'})"
        run = f", run {holder.run_id}" if holder.run_id else ""
        line = f"Runlock: {self.state} — {who}{run}, sinds {since} ({_hours(holder.age())})"
        if self.reason:
            line += f": {self.reason}"
        if self.state is LockState.HELD and self.too_old:
            line += ". Ouder dan de grens: hangt de run? Zie `vik unlock`"
        return line + "."


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _hours(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} uur" if hours >= 1 else f"{int(age.total_seconds() // 60)} min"


def _process_started(pid: int) -> datetime:
    return datetime.fromtimestamp(psutil.Process(pid).create_time(), UTC)


def _holder_alive(holder: LockHolder) -> tuple[bool | None, str]:
    """True/False when this machine can tell; None for another machine's process."""
    if holder.host != socket.gethostname() or holder.pid is None:
        return None, f"houder op een andere machine ({holder.host})"
    try:
        started = _process_started(holder.pid)
    except psutil.NoSuchProcess:
        return False, f"proces {holder.pid} bestaat niet meer"
    except psutil.AccessDenied:  # pragma: no cover - exists, but is another user's
        return True, ""
    if holder.process_started_at is not None and (
        abs((started - holder.process_started_at).total_seconds()) > _SAME_START
    ):
        return False, f"PID {holder.pid} hoort nu bij een ander, later gestart proces"
    return True, ""


def _judge_row(holder: LockHolder, max_age: timedelta) -> LockStatus:
    """The SQLite lock's state from its row alone."""
    alive, reason = _holder_alive(holder)
    too_old = holder.age() > max_age
    if alive is False:
        return LockStatus(LockState.ORPHANED, holder, reason, too_old)
    if alive is None and too_old:
        return LockStatus(
            LockState.EXPIRED, holder, f"{reason}, ouder dan {_hours(max_age)}", too_old
        )
    return LockStatus(LockState.HELD, holder, "", too_old)


def _read_row(engine: Engine) -> LockHolder | None:
    with Session(engine) as session:
        row = session.exec(select(RunLock).where(col(RunLock.name) == LOCK_NAME)).first()
        return LockHolder.of(row) if row else None


def _pg_lock_pid(connection: Connection) -> int | None:
    """The server process (backend) holding the run's advisory lock, if any."""
    key = advisory_key(connection, "run") & 0xFFFF_FFFF_FFFF_FFFF
    return connection.execute(
        text(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND classid = :high AND objid = :low AND objsubid = 1"
        ),
        {"high": key >> 32, "low": key & 0xFFFF_FFFF},
    ).scalar()


def lock_status(engine: Engine, max_age: timedelta = DEFAULT_MAX_AGE) -> LockStatus:
    """Who holds the run lock, and whether that holder still counts; reads only."""
    holder = _read_row(engine)
    if is_postgres(engine):
        with engine.connect() as connection:
            held = _pg_lock_pid(connection) is not None
        if not held:
            if holder is None:
                return LockStatus(LockState.FREE)
            return LockStatus(
                LockState.ORPHANED,
                holder,
                "de database heeft het slot vrijgegeven: het proces is gestopt",
            )
        too_old = holder is not None and holder.age() > max_age
        return LockStatus(LockState.HELD, holder, "", too_old)
    if holder is None:
        return LockStatus(LockState.FREE)
    return _judge_row(holder, max_age)


def _refuse(status: LockStatus, max_age: timedelta) -> RunLockedError:
    holder = status.holder
    who = (
        f"{holder.host} (PID {holder.pid}), sinds {holder.acquired_at:%Y-%m-%d %H:%M} UTC"
        + (f", run {holder.run_id}" if holder.run_id else "")
        if holder
        else "een ander proces op deze database"
    )
    advice = (
        "VIK draait één run tegelijk; wacht tot die klaar is (`vik runs` toont de lock)."
        if not status.too_old
        else f"De lock is ouder dan {_hours(max_age)}: hangt die run? Stop dat proces, of geef "
        "de lock vrij met `vik unlock` als u zeker weet dat die run niet meer loopt."
    )
    return RunLockedError(f"Er loopt al een run: {who}. {advice}")


class RunLockHandle:
    """The held lock: tells its row which run it belongs to."""

    def __init__(self, engine: Engine, host: str, pid: int) -> None:
        self._engine, self._host, self._pid = engine, host, pid

    def attach_run(self, run_id: int) -> None:
        with Session(self._engine) as session:
            session.exec(
                update(RunLock).where(col(RunLock.name) == LOCK_NAME).values(run_id=run_id)
            )
            session.commit()

    def _release_row(self) -> None:
        # Only our own row: `vik unlock` may have removed it and another run taken it.
        with Session(self._engine) as session:
            session.exec(
                delete(RunLock).where(
                    col(RunLock.name) == LOCK_NAME,
                    col(RunLock.host) == self._host,
                    col(RunLock.pid) == self._pid,
                )
            )
            session.commit()


def _our_row(label: str) -> RunLock:
    host, pid = socket.gethostname(), os.getpid()
    return RunLock(
        name=LOCK_NAME,
        holder=f"{host}:{pid}:{label}",
        host=host,
        pid=pid,
        process_started_at=_process_started(pid),
    )


def _take_over(session: Session, status: LockStatus) -> None:
    holder = status.holder
    assert holder is not None
    log.warning(
        "runlock van %s (sinds %s UTC%s) overgenomen: %s",
        f"{holder.host} PID {holder.pid}",
        f"{holder.acquired_at:%Y-%m-%d %H:%M}",
        f", run {holder.run_id}" if holder.run_id else "",
        status.reason,
    )
    session.exec(delete(RunLock).where(col(RunLock.name) == LOCK_NAME))
    session.commit()


@contextmanager
def run_lock(
    engine: Engine, label: str = "run", max_age: timedelta = DEFAULT_MAX_AGE
) -> Iterator[RunLockHandle]:
    """Hold the run lock for the block, or raise RunLockedError saying who holds it."""
    row = _our_row(label)
    handle = RunLockHandle(engine, row.host or "", row.pid or 0)
    if is_postgres(engine):
        connection = engine.connect()
        try:
            key = advisory_key(connection, "run")
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": key}
            ).scalar()
            connection.commit()
            if not got:
                raise _refuse(lock_status(engine, max_age), max_age)
            try:
                with Session(engine) as session:
                    previous = session.exec(select(RunLock).where(col(RunLock.name) == LOCK_NAME))
                    leftover = previous.first()
                    if leftover is not None:  # its holder died: the server released its lock
                        _take_over(
                            session,
                            LockStatus(
                                LockState.ORPHANED,
                                LockHolder.of(leftover),
                                "de database had het slot al vrijgegeven (proces gestopt)",
                            ),
                        )
                    session.add(row)
                    session.commit()
                abort_unfinished_runs(engine, "het proces stopte zonder de run af te ronden")
                yield handle
            finally:
                _release_pg(handle, connection, key)
        finally:
            connection.close()
        return

    with Session(engine) as session:
        existing = session.exec(select(RunLock).where(col(RunLock.name) == LOCK_NAME)).first()
        if existing is not None:
            status = _judge_row(LockHolder.of(existing), max_age)
            if status.state is LockState.HELD:
                raise _refuse(status, max_age)
            _take_over(session, status)
        try:
            session.add(row)
            session.commit()
        except IntegrityError:
            session.rollback()
            raise _refuse(lock_status(engine, max_age), max_age) from None
    try:
        abort_unfinished_runs(engine, "het proces stopte zonder de run af te ronden")
        yield handle
    finally:
        handle._release_row()


def _release_pg(handle: RunLockHandle, connection: Connection, key: int) -> None:
    """Our row and our advisory lock go. When `vik unlock` ended our session the
    server released the lock already: nothing to do, and nothing to mask the run's
    own outcome with."""
    try:
        handle._release_row()
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        connection.commit()
    except Exception as error:
        log.warning("runlock niet netjes vrijgegeven: %s", type(error).__name__)


def release_lock(engine: Engine) -> LockStatus:
    """`vik unlock`: free the run lock whoever holds it; returns what it was.

    On PostgreSQL a living holder's database session is ended (pg_terminate_backend),
    which releases its advisory lock; its process then fails at its next statement."""
    status = lock_status(engine)
    if is_postgres(engine):
        with engine.connect() as connection:
            backend = _pg_lock_pid(connection)
            if backend is not None:
                try:
                    ended = connection.execute(
                        text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}
                    ).scalar()
                except Exception as error:
                    raise StoreError(
                        f"De lock kon niet worden vrijgegeven: de database weigert de sessie "
                        f"(server-PID {backend}) te beëindigen ({type(error).__name__}). Stop "
                        "het proces dat de run draait, of vraag de databasebeheerder om "
                        f"`SELECT pg_terminate_backend({backend})`."
                    ) from error
                if not ended:
                    raise StoreError(
                        f"De database kon de sessie (server-PID {backend}) die de lock houdt "
                        "niet beëindigen. Stop het proces dat de run draait."
                    )
    with Session(engine) as session:
        session.exec(delete(RunLock).where(col(RunLock.name) == LOCK_NAME))
        session.commit()
    return status
