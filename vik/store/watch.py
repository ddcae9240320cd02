"""Did the night run? What `vik bewaking` checks, for cron in the morning.

A night that failed alerts by itself; one that never started, was killed, or
hangs cannot. So a separate, short command looks at the run history and the run
lock and lists what is wrong, in Dutch:

    >>> check_night(engine, max_age=timedelta(hours=26))
    ['De nachtelijke run is niet gestart: de laatste run (12) begon 2026-11-20 02:00 UTC (53.0 uur geleden; grens 26 uur).']

An empty list means the last night ran and succeeded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from vik.store.db import session_scope
from vik.store.lock import DEFAULT_MAX_AGE, LockState, lock_status
from vik.store.models import Run, RunStatus, utcnow
from vik.store.runs import last_good_run, recent_runs, shown_status


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ago(now: datetime, moment: datetime) -> str:
    return f"{(now - _aware(moment)).total_seconds() / 3600:.1f} uur geleden"


def _when(moment: datetime) -> str:
    return f"{_aware(moment):%Y-%m-%d %H:%M} UTC"


def check_night(
    engine: Engine,
    max_age: timedelta,
    lock_max_age: timedelta = DEFAULT_MAX_AGE,
    now: datetime | None = None,
) -> list[str]:
    """What is wrong with the last night (empty: nothing)."""
    now = now or utcnow()
    limit = f"grens {max_age.total_seconds() / 3600:g} uur"
    lock = lock_status(engine, lock_max_age)
    held = lock.state is LockState.HELD
    running = lock.holder.run_id if lock.holder else None
    with session_scope(engine) as session:
        latest: Run | None = next(iter(recent_runs(session, 1)), None)
        good = last_good_run(session)
        if latest is None:
            return ["Er heeft in deze database nog nooit een nachtelijke run gedraaid."]
        findings = []
        if now - _aware(latest.started_at) > max_age:
            findings.append(
                f"De nachtelijke run is niet gestart: de laatste run ({latest.id}) begon "
                f"{_when(latest.started_at)} ({_ago(now, latest.started_at)}; {limit})."
            )
        status = shown_status(latest, running, held)
        if status == RunStatus.AFGEBROKEN:
            findings.append(
                f"Run {latest.id} (gestart {_when(latest.started_at)}) is afgebroken: het "
                "proces stopte zonder de run af te ronden. Zie het logbestand en `vik runs`."
            )
        elif status == RunStatus.MISLUKT:
            findings.append(
                f"Run {latest.id} (gestart {_when(latest.started_at)}) is mislukt in stap "
                f"'{latest.failed_step}'. Zie `vik runs` en het rapport."
            )
        elif status == RunStatus.BEZIG and lock.too_old:
            findings.append(
                f"Run {latest.id} loopt al sinds {_when(latest.started_at)}: hangt hij? "
                "Zie `vik runs`; `vik unlock` geeft de lock vrij."
            )
        if good is None:
            findings.append("Er is nog geen geslaagde run in deze database.")
        else:
            finished = good.finished_at or good.started_at
            if now - _aware(finished) > max_age:
                findings.append(
                    f"De laatste geslaagde run ({good.id}) is van {_when(finished)} "
                    f"({_ago(now, finished)}; {limit}): de signalen zijn verouderd."
                )
        return findings
