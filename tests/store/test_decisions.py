"""Decisions per department, frozen snapshots and reopening, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import select

from tests.store.test_flags import CONFIG, CONTEXT, DATES, PEIL, frames
from vik.errors import ReviewError
from vik.rules import evaluate_rules, load_rule
from vik.rules.loader import RuleSet
from vik.store.db import connect, migrate, session_scope
from vik.store.flags import persist_evaluation, record_rules
from vik.store.loo import referrals
from vik.store.models import AuditLog, DecisionSnapshot, Flag, FlagDecision, Review, Run, Snooze
from vik.store.reopen import reopen_flags
from vik.store.reviews import (
    FORUMS,
    decisions_of,
    department_decisions,
    record_review,
    snooze_flag,
)
from vik.store.snapshots import content_hash, verify

RULES = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
TARGETS = {**FORUMS, "burgerzaken": "", "handhaving": "", "ondermijning": ""}


def night(engine, registrations: int, peildatum: date = PEIL, extra: int = 0) -> dict:  # type: ignore[no-untyped-def]
    """The persist step of a night: flags, then reopening (as vik.pipeline.persist_step)."""
    data = frames(registrations)
    if extra:  # other people, other records: the same count, new evidence
        data["brp"] = data["brp"].with_columns(
            data["brp"]["record_key"].str.replace("brp-", "brp-nieuw-")
        )
    evaluation = evaluate_rules(RULES, data, peildatum, CONTEXT)
    with session_scope(engine) as session:
        run = Run(peildatum=peildatum, extracts_dir="x", status="geslaagd")
        session.add(run)
        session.flush()
        record_rules(session, run, RULES, evaluation)
        counts = persist_evaluation(session, run, evaluation, RULES, DATES)
        counts["opnieuw_te_beoordelen"] = reopen_flags(session, run, RULES)
        return counts


def decide(engine, department: str, decision: str, target: str | None = None) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        review = record_review(
            session,
            flag,
            department=department,
            decision=decision,
            target=target,
            reason=f"Besluit van {department}, met een reden.",
            reviewer=f"analist.{department}",
            targets=TARGETS,
            today=PEIL,
        )
        return review.id


@pytest.fixture
def engine(database_url):  # type: ignore[no-untyped-def]
    engine = connect(database_url)
    migrate(engine)
    night(engine, 12)
    yield engine
    engine.dispose()


def test_one_departments_decision_neither_overrides_nor_reveals_another(engine):
    decide(engine, "handhaving", "doorzetten", "LOO")
    decide(engine, "burgerzaken", "geen_actie")
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        # The referral stays: Burgerzaken's "geen actie" is Burgerzaken's alone.
        assert [(r.flag.id, r.decision.department) for r in referrals(session)] == [
            (flag.id, "handhaving")
        ]
        assert decisions_of(session, [flag.id], "handhaving")[flag.id].decision == "doorzetten"
        assert decisions_of(session, [flag.id], "burgerzaken")[flag.id].decision == "geen_actie"
        assert decisions_of(session, [flag.id], "ondermijning") == {}
        (own,) = department_decisions(session, flag.id, "burgerzaken")
        assert [r.reason for r in own.reviews] == ["Besluit van burgerzaken, met een reden."]
        everything = department_decisions(session, flag.id)
        assert [(d.department, d.current.decision) for d in everything] == [
            ("burgerzaken", "geen_actie"),
            ("handhaving", "doorzetten"),
        ]
        assert all(len(d.snapshots) == 1 for d in everything)


def test_a_department_changes_only_its_own_decision(engine):
    decide(engine, "handhaving", "doorzetten", "LOO")
    decide(engine, "handhaving", "in_behandeling")
    decide(engine, "burgerzaken", "in_behandeling")
    with session_scope(engine) as session:
        rows = session.exec(select(FlagDecision).order_by(FlagDecision.department)).all()
        assert [(r.department, r.decision) for r in rows] == [
            ("burgerzaken", "in_behandeling"),
            ("handhaving", "in_behandeling"),
        ]
        assert referrals(session) == []
        (handhaving,) = department_decisions(session, rows[0].flag_id, "handhaving")
        assert [r.decision for r in handhaving.reviews] == ["doorzetten", "in_behandeling"]


def test_a_decision_needs_a_department(engine):
    with session_scope(engine) as session, pytest.raises(ReviewError, match="afdeling"):
        record_review(
            session,
            session.exec(select(Flag)).one(),
            department="",
            decision="geen_actie",
            target=None,
            reason="Zonder afdeling besloten.",
            reviewer="iemand",
            targets=TARGETS,
        )


def test_a_snooze_holds_for_its_own_department(engine):
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        snooze_flag(
            session,
            flag,
            until=date(2026, 12, 1),
            reason="Wacht op het huisbezoek.",
            by="analist.handhaving",
            department="handhaving",
            today=PEIL,
        )
    with session_scope(engine) as session:
        (snooze,) = session.exec(select(Snooze)).all()
        assert snooze.department == "handhaving"
        flag = session.exec(select(Flag)).one()
        assert department_decisions(session, flag.id, "burgerzaken") == []


def test_a_snapshot_is_frozen_and_its_hash_verifies(engine):
    review_id = decide(engine, "burgerzaken", "geen_actie")
    with session_scope(engine) as session:
        snapshot = session.exec(
            select(DecisionSnapshot).where(DecisionSnapshot.review_id == review_id)
        ).one()
        assert verify(snapshot)
        content = snapshot.content
        assert content["regel"]["id"] == "overbewoning" and content["regel"]["versie"] == 1
        assert content["waarden"]["inschrijvingen"] == 12
        assert content["besluit"]["reden"] == "Besluit van burgerzaken, met een reden."
        assert len(content["bewijs"]) == 13
        assert {e["extractdatum"] for e in content["bewijs"]} == {"2026-10-31", "2026-10-30"}
        tampered = {**content, "uitleg": "iets anders"}
        assert content_hash(tampered) != snapshot.content_hash
    # The database refuses to change a snapshot.
    with pytest.raises(Exception, match="onveranderlijk"), engine.begin() as connection:
        connection.execute(text("UPDATE decision_snapshot SET content_hash = 'x'"))


def test_geen_actie_reopens_when_inschrijvingen_rise(engine):
    decide(engine, "burgerzaken", "geen_actie")
    decide(engine, "handhaving", "in_behandeling")
    assert night(engine, 12, date(2026, 11, 2))["opnieuw_te_beoordelen"] == 0
    counts = night(engine, 14, date(2026, 11, 3))
    assert counts["opnieuw_te_beoordelen"] == 1
    with session_scope(engine) as session:
        rows = {r.department: r for r in session.exec(select(FlagDecision)).all()}
        assert rows["burgerzaken"].decision is None
        assert rows["burgerzaken"].reopened_on == date(2026, 11, 3)
        assert rows["handhaving"].decision == "in_behandeling"  # not another's to reopen
        reopened = session.exec(select(Review).where(Review.decision == "heropend")).one()
        assert reopened.department == "burgerzaken"
        assert reopened.reviewer == "nachtelijke run"
        assert "inschrijvingen steeg van 12 naar 14 (besloten bij 12)" in reopened.reason
        assert "nieuwe bronrecords sinds het besluit: brp 2" in reopened.reason
        (entry,) = session.exec(select(AuditLog).where(AuditLog.action == "heropend")).all()
        assert entry.details["afdeling"] == "burgerzaken"
    # Reopened once; the next night with the same data leaves it as it is.
    assert night(engine, 14, date(2026, 11, 4))["opnieuw_te_beoordelen"] == 0


def test_geen_actie_stays_when_inschrijvingen_fall(engine):
    decide(engine, "burgerzaken", "geen_actie")
    night(engine, 13, date(2026, 11, 2))  # one more: reopens
    decide(engine, "burgerzaken", "geen_actie")  # decided again, at 13
    assert night(engine, 12, date(2026, 11, 3))["opnieuw_te_beoordelen"] == 0
    with session_scope(engine) as session:
        (row,) = session.exec(select(FlagDecision)).all()
        assert row.decision == "geen_actie"


def test_new_evidence_records_reopen_too(engine):
    decide(engine, "burgerzaken", "geen_actie")
    assert night(engine, 12, date(2026, 11, 2), extra=1)["opnieuw_te_beoordelen"] == 1
    with session_scope(engine) as session:
        reopened = session.exec(select(Review).where(Review.decision == "heropend")).one()
        assert reopened.reason == (
            "Opnieuw te beoordelen: nieuwe bronrecords sinds het besluit: brp 12."
        )


def test_the_migration_carries_decisions_over_to_the_reviewers_department(empty_database_url):
    engine = connect(empty_database_url)
    migrate(engine, "0002")
    with engine.begin() as connection:
        for username, department in (("a.hh", "handhaving"), ("a.bz", "burgerzaken")):
            connection.execute(
                text(
                    "INSERT INTO web_user (username, display_name, role, department, "
                    "password_hash, active, failed_logins, created_at, password_changed_at) "
                    "VALUES (:u, :u, 'analist', :d, 'x', true, 0, '2026-11-01', '2026-11-01')"
                ),
                {"u": username, "d": department},
            )
        connection.execute(
            text(
                "INSERT INTO flag (id, rule_id, entity_type, entity_key, department, status, "
                "rule_version, rule_hash, severity, theme, explanation, first_seen_run, "
                "last_seen_run, first_seen_on, last_seen_on, decision, decided_on) VALUES "
                "(1, 'overbewoning', 'adres', 'A', '', 'open', 1, 'h', 'hoog', 'adreskwaliteit', "
                "'uitleg', 1, 1, '2026-11-01', '2026-11-01', 'geen_actie', '2026-11-03')"
            )
        )
        for decision, target, reviewer, at in (
            ("doorzetten", "LOO", "a.hh", "2026-11-02 10:00:00+00:00"),
            ("in_behandeling", None, "a.bz", "2026-11-02 11:00:00+00:00"),
            ("geen_actie", None, "a.bz", "2026-11-03 10:00:00+00:00"),
        ):
            connection.execute(
                text(
                    "INSERT INTO review (flag_id, decision, target, reason, reviewer, at) "
                    "VALUES (1, :d, :t, 'een reden van tien', :r, :at)"
                ),
                {"d": decision, "t": target, "r": reviewer, "at": at},
            )
        connection.execute(
            text(
                "INSERT INTO snooze (rule_id, entity_type, entity_key, until, reason, by, at) "
                "VALUES ('overbewoning', 'adres', 'A', '2027-01-01', 'wacht af', 'a.hh', "
                "'2026-11-02 10:00:00+00:00')"
            )
        )
    migrate(engine)
    with session_scope(engine) as session:
        rows = session.exec(select(FlagDecision).order_by(FlagDecision.department)).all()
        assert [(r.department, r.decision, r.target, r.decided_on) for r in rows] == [
            ("burgerzaken", "geen_actie", None, date(2026, 11, 3)),
            ("handhaving", "doorzetten", "LOO", date(2026, 11, 2)),
        ]
        # Handhaving's referral survives Burgerzaken's later "geen actie".
        assert [r.decision.department for r in referrals(session)] == ["handhaving"]
        assert [s.department for s in session.exec(select(Snooze)).all()] == ["handhaving"]
        assert sorted(r.department for r in session.exec(select(Review)).all()) == [
            "burgerzaken",
            "burgerzaken",
            "handhaving",
        ]
    engine.dispose()
