"""Retention with the clock set forward: flags go on their term, the audit log counts them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from vik.store.audit import record
from vik.store.db import connect, migrate, session_scope
from vik.store.models import AuditLog, Flag, FlagEvidence, Link, LinkJudgement, Review, Snooze
from vik.store.retention import (
    ENDED_SNOOZES,
    ORPHAN_JUDGEMENTS,
    add_duration,
    purge,
    purge_leftovers,
)


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
        session.add(
            Review(
                flag_id=flags[0].id,
                department="handhaving",
                decision="geen_actie",
                reason="x",
                reviewer="r",
            )
        )
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


def test_ended_snoozes_without_a_flag_and_judgements_on_vanished_records_go(database_url):
    engine = connect(database_url)
    migrate(engine)
    seen = date(2026, 11, 1)
    with session_scope(engine) as session:
        session.add(_flag("overbewoning", "STILL", "P1Y", "laatste_signalering", seen))
        session.add_all(
            [
                # ended, and its flag is gone: goes
                Snooze(
                    rule_id="overbewoning",
                    entity_type="adres",
                    entity_key="GONE",
                    until=date(2026, 10, 1),
                    reason="eigenaar gesproken",
                    by="a",
                    department="handhaving",
                ),
                # ended, but the flag is still there (the history of that flag): stays
                Snooze(
                    rule_id="overbewoning",
                    entity_type="adres",
                    entity_key="STILL",
                    until=date(2026, 10, 1),
                    reason="huisbezoek gepland",
                    by="a",
                    department="handhaving",
                ),
                # running: stays
                Snooze(
                    rule_id="overbewoning",
                    entity_type="adres",
                    entity_key="LATER",
                    until=date(2027, 1, 1),
                    reason="wacht op besluit",
                    by="a",
                    department="handhaving",
                ),
                Link(
                    source="vergunningen",
                    record_key="V-1",
                    entity_type="persoon",
                    entity_id="P1",
                    status="zeker",
                    run_id=1,
                ),
                LinkJudgement(
                    source="vergunningen",
                    record_key="V-1",
                    entity_type="persoon",
                    entity_id="P1",
                    verdict="is",
                    reason="zelfde persoon",
                    by="a",
                    department="handhaving",
                ),
                LinkJudgement(
                    source="vergunningen",
                    record_key="V-GONE",
                    entity_type="persoon",
                    entity_id="P2",
                    verdict="is_niet",
                    reason="naamgenoot",
                    by="a",
                    department="handhaving",
                ),
            ]
        )
    with session_scope(engine) as session:
        counts = purge_leftovers(session, seen, actor="nachtelijke run")
    assert counts == {ENDED_SNOOZES: 1, ORPHAN_JUDGEMENTS: 1}
    with session_scope(engine) as session:
        assert {s.entity_key for s in session.exec(select(Snooze))} == {"STILL", "LATER"}
        assert [j.record_key for j in session.exec(select(LinkJudgement))] == ["V-1"]
        entry = session.exec(select(AuditLog).where(AuditLog.action == "opgeschoond")).one()
        assert entry.details["verwijderd"] == {ENDED_SNOOZES: 1, ORPHAN_JUDGEMENTS: 1}
        assert "naamgenoot" not in str(entry.details)
    with session_scope(engine) as session:  # nothing left to clean: nothing audited
        assert purge_leftovers(session, seen, actor="nachtelijke run") == {}


def test_a_purged_flag_leaves_only_a_count_that_goes_after_its_own_term(database_url):
    """Its notice goes with the flag; what stays (rule, department, date) goes on its term,
    and so does an inzage request."""
    from vik.store.models import FlagNotice, InzageRequest, PurgedFlag
    from vik.store.retention import INZAGE_REQUESTS, PURGED_FLAG_COUNTS

    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        flag = _flag("overbewoning", "a1", "P1Y", "laatste_signalering", date(2025, 1, 1))
        session.add(flag)
        session.flush()
        session.add(
            FlagNotice(flag_id=flag.id, informed_on=date(2025, 2, 1), channel="brief", by="x")
        )
        session.add(
            InzageRequest(
                received_on=date(2026, 1, 10),
                due_on=date(2026, 2, 10),
                subject="persoon:P1",
                identified_by="bsn",
                registered_by="compliance",
            )
        )
    with session_scope(engine) as session:
        assert purge(session, date(2026, 3, 1), actor="test") == {"overbewoning": 1}
    with session_scope(engine) as session:
        assert session.exec(select(FlagNotice)).all() == []
        (kept,) = session.exec(select(PurgedFlag)).all()
        assert (kept.entity_type, kept.entity_key, kept.rule_id, kept.purged_on) == (
            "adres",
            "a1",
            "overbewoning",
            date(2026, 3, 1),
        )
    terms = {"purged_flag_term": "P1Y", "inzage_request_term": "P2Y"}
    with session_scope(engine) as session:  # the last day of both terms: both stay
        counts = purge_leftovers(session, date(2027, 3, 1), actor="test", **terms)
        assert PURGED_FLAG_COUNTS not in counts and INZAGE_REQUESTS not in counts
    with session_scope(engine) as session:
        counts = purge_leftovers(session, date(2027, 3, 2), actor="test", **terms)
        assert counts == {PURGED_FLAG_COUNTS: 1}
    with session_scope(engine) as session:
        counts = purge_leftovers(session, date(2028, 1, 11), actor="test", **terms)
        assert counts == {INZAGE_REQUESTS: 1}
        assert session.exec(select(InzageRequest)).all() == []
