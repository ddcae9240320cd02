"""Retention with the clock set forward: flags go on their term, the audit log counts them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from vik.store.audit import record
from vik.store.db import connect, migrate, session_scope
from vik.store.models import AuditLog, Flag, FlagEvidence, Review
from vik.store.retention import add_duration, purge


@pytest.mark.parametrize(
    ("start", "duration", "end"),
    [
        (date(2026, 1, 31), "P1M", date(2026, 2, 28)),
        (date(2026, 11, 1), "P1Y", date(2027, 11, 1)),
        (date(2026, 11, 1), "P6M", date(2027, 5, 1)),
        (date(2026, 11, 1), "P90D", date(2027, 1, 30)),
        (date(2026, 11, 1), "P1Y2W", date(2027, 11, 15)),
    ],
)
def test_iso_durations(start, duration, end):
    assert add_duration(start, duration) == end


def _flag(
    rule_id: str, key: str, term: str, start: str, last_seen: date, decided: date | None = None
) -> Flag:
    return Flag(
        rule_id=rule_id,
        entity_type="adres",
        entity_key=key,
        rule_version=1,
        rule_hash="h",
        severity="hoog",
        theme="t",
        values={},
        explanation="uitleg",
        recipients=["handhaving"],
        first_seen_run=1,
        last_seen_run=1,
        first_seen_on=last_seen,
        last_seen_on=last_seen,
        decided_on=decided,
        decision="geen_actie" if decided else None,
        bewaartermijn=term,
        bewaartermijn_aanvang=start,
    )


def test_purge_deletes_what_is_past_its_term_and_audits_counts_only(database_url):
    engine = connect(database_url)
    migrate(engine)
    seen = date(2026, 11, 1)
    with session_scope(engine) as session:
        flags = [
            _flag("meldingen-cluster", "A", "P6M", "laatste_signalering", seen),
            _flag("meldingen-cluster", "B", "P6M", "laatste_signalering", seen),
            _flag("overbewoning", "C", "P1Y", "laatste_signalering", seen),
            # besluit: decided long ago → gone; never decided → its own term from last seen
            _flag("thuiszorg-cluster", "D", "P2Y", "besluit", seen, decided=date(2024, 6, 1)),
            _flag("thuiszorg-cluster", "E", "P2Y", "besluit", seen),
        ]
        session.add_all(flags)
        session.flush()
        session.add(FlagEvidence(flag_id=flags[0].id, source="meldingen", record_key="M-1"))
        session.add(Review(flag_id=flags[0].id, decision="geen_actie", reason="x", reviewer="r"))
        record(session, actor="x", action="eerder")

    with session_scope(engine) as session:  # nothing is due yet
        assert purge(session, date(2027, 4, 30), actor="nachtelijke run") == {
            "thuiszorg-cluster": 1
        }

    with session_scope(engine) as session:  # the clock set forward
        assert purge(session, date(2027, 5, 2), actor="nachtelijke run") == {"meldingen-cluster": 2}
    with session_scope(engine) as session:
        remaining = {f.entity_key for f in session.exec(select(Flag)).all()}
        assert remaining == {"C", "E"}
        assert session.exec(select(FlagEvidence)).all() == []
        assert session.exec(select(Review)).all() == []
        entries = session.exec(
            select(AuditLog)
            .where(AuditLog.action == "bewaartermijn_verwijderd")
            .order_by(AuditLog.id)
        ).all()
        assert [e.details["verwijderd_per_regel"] for e in entries] == [
            {"thuiszorg-cluster": 1},
            {"meldingen-cluster": 2},
        ]
        # how many, not what: only counts per rule, no flag ids or entity keys
        assert set(entries[1].details) == {"peildatum", "verwijderd_per_regel"}
        assert entries[1].object_id is None

    with session_scope(engine) as session:
        assert purge(session, date(2028, 12, 1), actor="nachtelijke run") == {
            "overbewoning": 1,
            "thuiszorg-cluster": 1,
        }
