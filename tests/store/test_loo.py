"""The LOO cycle in the store, outcomes and the feedback per rule, and their retention;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from tests.store.test_decisions import decide, night
from tests.store.test_flags import CONFIG, PEIL
from vik.departments import load_departments
from vik.errors import ReviewError
from vik.followup import load_followup
from vik.store.db import connect, migrate, session_scope
from vik.store.feedback import Counts, promotion, quarter, rule_feedback, triage, wilson
from vik.store.followup_retention import purge_followup
from vik.store.loo import (
    actions_of,
    add_agreement,
    add_to_agenda,
    close_agreement,
    mark_held,
    meeting_view,
    plan_meeting,
    record_check,
)
from vik.store.models import (
    AuditLog,
    DecisionSnapshot,
    Flag,
    LooAgendaItem,
    LooAgreement,
    LooMeeting,
    Outcome,
)
from vik.store.outcomes import SignalRef, deciding, record_outcome
from vik.store.retention import purge

DEPARTMENTS = list(load_departments(CONFIG))
FOLLOWUP = load_followup(CONFIG, DEPARTMENTS)
SECRETARIAT = "analist.ondermijning"


@pytest.fixture
def engine(database_url):  # type: ignore[no-untyped-def]
    engine = connect(database_url)
    migrate(engine)
    night(engine, 12)
    yield engine
    engine.dispose()


def cycle(engine, *, result: str = "bevestigd", category: str | None = "inschrijving gecorrigeerd"):  # type: ignore[no-untyped-def]
    """Refer, plan, put on the agenda, agree an integrale controle, record it and close it."""
    decide(engine, "handhaving", "doorzetten", "LOO")
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        meeting = plan_meeting(
            session,
            held_on=PEIL + timedelta(days=7),
            chair="J. van Dijk, burgemeester",
            departments=["ondermijning", "handhaving", "burgerzaken"],
            by=SECRETARIAT,
            known=DEPARTMENTS,
            today=PEIL,
        )
        item = add_to_agenda(session, meeting, flag.entity_type, flag.entity_key, by=SECRETARIAT)
        agreement = add_agreement(
            session,
            item,
            action="integrale_controle",
            owner="handhaving",
            deadline=PEIL + timedelta(days=30),
            description=None,
            by=SECRETARIAT,
            followup=FOLLOWUP,
            known=DEPARTMENTS,
            today=PEIL,
        )
        day = PEIL + timedelta(days=10)
        mark_held(session, meeting, notes="", by=SECRETARIAT, today=day)
        record_check(
            session,
            agreement,
            check_on=day,
            departments=["handhaving", "burgerzaken"],
            findings="Veertien bewoners aangetroffen in een woning van 60 m².",
            by="analist.handhaving",
            known=DEPARTMENTS,
            today=day,
        )
        close_agreement(
            session,
            agreement,
            item,
            department="handhaving",
            result=result,
            category=category,
            decided_on=day,
            reason="Controle bevestigt de overbewoning; inschrijvingen gecorrigeerd.",
            by="analist.handhaving",
            followup=FOLLOWUP,
            today=day,
        )
        return meeting.id, agreement.id


def test_the_cycle_from_referral_to_outcome(engine):
    with session_scope(engine) as session:
        assert rule_feedback(session)["overbewoning"].total.precision is None
    meeting_id, agreement_id = cycle(engine)
    with session_scope(engine) as session:
        meeting = session.get(LooMeeting, meeting_id)
        view = meeting_view(session, meeting)
        (item_view,) = view.items
        assert item_view.item.referred_by == ["handhaving"]
        assert item_view.item.signals[0]["rule_id"] == "overbewoning"
        assert item_view.item.signals[0]["title"] == "Veel inschrijvingen op een kleine woning"
        (agreement,) = item_view.agreements
        assert (agreement.status, agreement.check_departments) == (
            "afgerond",
            ["handhaving", "burgerzaken"],
        )
        (outcome,) = item_view.outcomes[agreement_id]
        assert (outcome.result, outcome.category, outcome.department) == (
            "bevestigd",
            "inschrijving gecorrigeerd",
            "handhaving",
        )
        total = rule_feedback(session)["overbewoning"].total
        assert (total.raised, total.decided, total.referred, total.bevestigd) == (1, 1, 1, 1)
        assert total.precision == 1.0 and total.judged == 1
        assert total.interval == pytest.approx((0.2065, 1.0), abs=1e-4)
        actions = session.exec(select(AuditLog.action)).all()
        for step in (
            "loo_overleg_gepland",
            "loo_geagendeerd",
            "loo_afspraak",
            "loo_overleg_gehouden",
            "integrale_controle",
            "uitkomst",
            "loo_afspraak_afgerond",
        ):
            assert step in actions


def test_an_integrale_controle_is_recorded_before_it_is_closed(engine):
    decide(engine, "handhaving", "doorzetten", "LOO")
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        meeting = plan_meeting(
            session,
            held_on=PEIL,
            chair="Voorzitter",
            departments=["ondermijning", "handhaving"],
            by=SECRETARIAT,
            known=DEPARTMENTS,
            today=PEIL,
        )
        item = add_to_agenda(session, meeting, flag.entity_type, flag.entity_key, by=SECRETARIAT)
        agreement = add_agreement(
            session,
            item,
            action="integrale_controle",
            owner="handhaving",
            deadline=PEIL + timedelta(days=14),
            description=None,
            by=SECRETARIAT,
            followup=FOLLOWUP,
            known=DEPARTMENTS,
            today=PEIL,
        )
        close = dict(
            result="bevestigd",
            category="overtreding vastgesteld",
            decided_on=PEIL,
            reason="Overbewoning vastgesteld bij de controle.",
            by="analist.handhaving",
            followup=FOLLOWUP,
            today=PEIL,
        )
        with pytest.raises(ReviewError, match="Leg eerst de integrale controle vast"):
            close_agreement(session, agreement, item, department="handhaving", **close)
        with pytest.raises(ReviewError, match="ten minste twee afdelingen"):
            record_check(
                session,
                agreement,
                check_on=PEIL,
                departments=["handhaving"],
                findings="Alleen wij waren er.",
                by="analist.handhaving",
                known=DEPARTMENTS,
                today=PEIL,
            )
        record_check(
            session,
            agreement,
            check_on=PEIL,
            departments=["handhaving", "burgerzaken"],
            findings="Samen gecontroleerd.",
            by="analist.handhaving",
            known=DEPARTMENTS,
            today=PEIL,
        )
        with pytest.raises(ReviewError, match="Alleen de afdeling die de actie uitvoert"):
            close_agreement(session, agreement, item, department="burgerzaken", **close)
        with pytest.raises(ReviewError, match="Kies bij een bevestigde uitkomst een categorie"):
            close_agreement(
                session, agreement, item, department="handhaving", **{**close, "category": ""}
            )
        with pytest.raises(ReviewError, match="Een LOO heeft ten minste twee"):
            plan_meeting(
                session,
                held_on=PEIL,
                chair="Voorzitter",
                departments=["ondermijning"],
                by=SECRETARIAT,
                known=DEPARTMENTS,
                today=PEIL,
            )
        with pytest.raises(ReviewError, match="staat al op de agenda"):
            add_to_agenda(session, meeting, flag.entity_type, flag.entity_key, by=SECRETARIAT)


def test_only_a_referral_brings_a_dossier_on_the_agenda(engine):
    decide(engine, "burgerzaken", "in_behandeling")
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        meeting = plan_meeting(
            session,
            held_on=PEIL,
            chair="Voorzitter",
            departments=["ondermijning", "handhaving"],
            by=SECRETARIAT,
            known=DEPARTMENTS,
            today=PEIL,
        )
        with pytest.raises(ReviewError, match="niets doorgezet naar het LOO"):
            add_to_agenda(session, meeting, flag.entity_type, flag.entity_key, by=SECRETARIAT)


def test_an_overdue_action_shows_first_for_its_owner(engine):
    cycle(engine)
    with session_scope(engine) as session:
        item = session.exec(select(LooAgendaItem)).one()
        late = add_agreement(
            session,
            item,
            action="adresonderzoek",
            owner="burgerzaken",
            deadline=PEIL + timedelta(days=3),
            description=None,
            by=SECRETARIAT,
            followup=FOLLOWUP,
            known=DEPARTMENTS,
            today=PEIL,
        )
        rows = actions_of(session, "burgerzaken", PEIL + timedelta(days=4))
        assert [(r.agreement.id, r.overdue) for r in rows] == [(late.id, True)]
        assert actions_of(session, "burgerzaken", PEIL + timedelta(days=3))[0].overdue is False
        assert [
            r.overdue for r in actions_of(session, "handhaving", PEIL + timedelta(days=90))
        ] == [
            False  # closed: never overdue
        ]


def test_outcomes_of_departments_combine_per_flag(engine):
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        signal = SignalRef.of(session, flag)
        common = dict(categories=FOLLOWUP.categories("adreskwaliteit"), today=PEIL)
        first = record_outcome(
            session,
            signal,
            department="burgerzaken",
            result="niet_bevestigd",
            category=None,
            decided_on=PEIL,
            reason="Adresonderzoek: iedereen woont er echt.",
            by="analist.burgerzaken",
            **common,
        )
        assert deciding([first]).result == "niet_bevestigd"
        second = record_outcome(
            session,
            signal,
            department="handhaving",
            result="bevestigd",
            category="overtreding vastgesteld",
            decided_on=PEIL,
            reason="Controle: kamerverhuur zonder vergunning.",
            by="analist.handhaving",
            **common,
        )
        assert deciding([first, second]).result == "bevestigd"  # one confirmation suffices
        correction = record_outcome(
            session,
            signal,
            department="handhaving",
            result="niet_vast_te_stellen",
            category=None,
            decided_on=PEIL,
            reason="Correctie: de controle was op het verkeerde adres.",
            by="analist.handhaving",
            **common,
        )
        # A department's later outcome replaces its earlier one.
        assert deciding([first, second, correction]).result == "niet_bevestigd"
        with pytest.raises(ReviewError, match="in de toekomst"):
            record_outcome(
                session,
                signal,
                department="handhaving",
                result="niet_bevestigd",
                category=None,
                decided_on=PEIL + timedelta(days=1),
                reason="Nog niet gebeurd, al vastgelegd.",
                by="analist.handhaving",
                **common,
            )


def test_wilson_interval_against_published_values():
    # Wilson score intervals at 95% (Newcombe 1998, table I: 81/263 → 0.2553–0.3662).
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 0) is None
    low, high = wilson(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert quarter(date(2026, 11, 22)) == "2026-K4" and quarter(date(2027, 1, 1)) == "2027-K1"


def test_promotion_needs_enough_outcomes_and_precision():
    assert not promotion(Counts(bevestigd=9, niet_bevestigd=0), 10, 0.5).met
    assert promotion(Counts(bevestigd=6, niet_bevestigd=4), 10, 0.5).met
    assert not promotion(Counts(bevestigd=4, niet_bevestigd=6), 10, 0.5).met
    assert "nog niet gehaald" in promotion(None, 10, 0.5).describe()


def test_triage_counts_every_departments_decision(engine):
    decide(engine, "handhaving", "doorzetten", "LOO")
    decide(engine, "burgerzaken", "geen_actie")
    with session_scope(engine) as session:
        counts = triage(session)["overbewoning"]
    assert (counts.doorzetten, counts.geen_actie, counts.onbeoordeeld) == (1, 1, 0)
    assert counts.referral_rate == 0.5


def test_follow_up_retention_and_the_outcome_that_outlives_its_flag(engine):
    cycle(engine)
    terms = FOLLOWUP.bewaartermijnen  # loo_overleg P2Y, uitkomst P5Y, momentopname P2Y
    with session_scope(engine) as session:
        assert purge_followup(session, PEIL + timedelta(days=365), terms, actor="nacht") == {}
        # The flag's own term (P1Y from its last signalling) ends first: the flag goes,
        # its outcome stays as a count without its free-text reason.
        assert purge(session, date(2027, 11, 5), actor="nacht") == {"overbewoning": 1}
    with session_scope(engine) as session:
        (outcome,) = session.exec(select(Outcome)).all()
        assert outcome.reason is None and outcome.result == "bevestigd"
        assert rule_feedback(session)["overbewoning"].total.bevestigd == 1
        assert len(session.exec(select(DecisionSnapshot)).all()) == 1  # for a bezwaar
        counts = purge_followup(session, date(2029, 1, 1), terms, actor="nacht")
        assert counts == {"LOO-overleggen": 1, "momentopnamen": 1}
        assert session.exec(select(LooAgreement)).all() == []
        assert session.exec(select(LooAgendaItem)).all() == []
        assert purge_followup(session, date(2032, 1, 1), terms, actor="nacht") == {"uitkomsten": 1}
        entries = session.exec(
            select(AuditLog).where(AuditLog.object_type == "opvolging").order_by(AuditLog.id)
        ).all()
        assert [e.details["verwijderd"] for e in entries] == [
            {"LOO-overleggen": 1, "momentopnamen": 1},
            {"uitkomsten": 1},
        ]


def test_retention_outside_a_night_also_deletes_the_follow_up(engine):
    """`vik purge` and the purge after a failed night: the follow-up's terms hold too."""
    from vik.flags.priority import PriorityWeights
    from vik.store.retention import purge_outside_night

    cycle(engine)
    with session_scope(engine) as session:
        counts = purge_outside_night(
            session,
            date(2033, 1, 1),
            PriorityWeights(),
            "vik purge",
            followup_terms=FOLLOWUP.bewaartermijnen,
        )
    assert counts == {
        "overbewoning": 1,
        "LOO-overleggen": 1,
        "uitkomsten": 1,
        "momentopnamen": 1,
    }
