"""Run history: a run is recorded before it starts and marked failed, with the step, if it fails.

A run whose process stopped without finishing (killed, machine down) stays
``bezig`` in the table until the next holder of the run lock marks it
``afgebroken``; ``vik runs`` shows it as afgebroken at once (``shown_status``).

>>> run = start_run(engine, peildatum=date(2026, 11, 22), extracts_dir="var/demo/extracts")
>>> fail_run(engine, run.id, "resolve", error)
>>> record_failed_start(engine, date(2026, 11, 22), "var/extracts", "start", error)  # no key, ...
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from vik.errors import NoRunError
from vik.store.db import session_scope
from vik.store.models import Run, RunStatus, utcnow


def start_run(engine: Engine, peildatum: date, extracts_dir: str) -> Run:
    with session_scope(engine) as session:
        run = Run(peildatum=peildatum, extracts_dir=extracts_dir, status=RunStatus.BEZIG)
        session.add(run)
    return run


def abort_unfinished_runs(engine: Engine, reason: str) -> list[int]:
    """Mark every run still `bezig` as `afgebroken`: called by whoever now holds the
    run lock (or just released it), so none of them can still be running."""
    with session_scope(engine) as session:
        ids = list(
            session.exec(select(Run.id).where(Run.status == RunStatus.BEZIG)).all()  # type: ignore[arg-type]
        )
        if ids:
            session.exec(  # type: ignore[call-overload]
                update(Run)
                .where(col(Run.id).in_(ids))
                .values(status=RunStatus.AFGEBROKEN, error=reason, finished_at=utcnow())
            )
    return [i for i in ids if i is not None]


def shown_status(run: Run, running_id: int | None, lock_held: bool) -> str:
    """The status to show: a `bezig` run that does not hold the run lock is afgebroken.

    `running_id` is the run the lock's holder names (None: not named yet)."""
    if run.status != RunStatus.BEZIG:
        return run.status
    if lock_held and running_id in (None, run.id):
        return RunStatus.BEZIG
    return RunStatus.AFGEBROKEN


def fail_run(engine: Engine, run_id: int, step: str, error: BaseException) -> None:
    """Record the failure in its own transaction: the run's own work was rolled back."""
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is None:  # pragma: no cover - the row was committed before any step ran
            return
        run.status = RunStatus.MISLUKT
        run.failed_step = step
        run.error = f"{type(error).__name__}: {error}"[:4000]
        run.finished_at = utcnow()
        session.add(run)


def record_failed_start(
    engine: Engine, peildatum: date, extracts_dir: str, step: str, error: BaseException
) -> int:
    """A run that failed before its first step: recorded as failed, with why."""
    now = utcnow()
    with session_scope(engine) as session:
        run = Run(
            peildatum=peildatum,
            extracts_dir=extracts_dir,
            status=RunStatus.MISLUKT,
            failed_step=step,
            error=f"{type(error).__name__}: {error}"[:4000],
            started_at=now,
            finished_at=now,
        )
        session.add(run)
        session.flush()
        assert run.id is not None
        return run.id


def last_good_run(session: Session) -> Run | None:
    return session.exec(
        select(Run).where(Run.status == RunStatus.GESLAAGD).order_by(col(Run.id).desc())
    ).first()


def require_last_good_run(session: Session) -> Run:
    run = last_good_run(session)
    if run is None:
        raise NoRunError(
            "Er is nog geen geslaagde run in deze database. Draai eerst `vik run`, of geef "
            "--extracts DIR om direct uit extracten te werken."
        )
    return run


def last_good_source_counts(session: Session) -> dict[str, dict]:
    """Per source, what the last good run took in (rows read, accepted, quarantined):
    the baseline of the ingest guards (vik.connectors.guards)."""
    run = last_good_run(session)
    if run is None or not run.source_counts:
        return {}
    return dict(run.source_counts)


def recent_runs(session: Session, limit: int = 20) -> list[Run]:
    return list(session.exec(select(Run).order_by(col(Run.id).desc()).limit(limit)).all())
