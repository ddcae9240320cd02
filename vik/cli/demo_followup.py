"""The demo's follow-up: decisions, a past LOO meeting with agreements and outcomes, and a
coming one, so that the LOO pages and the compliance pages show real figures.

    >>> seed_follow_up(engine, Path("config"), truth_dir, today=date(2026, 12, 5))  # doctest: +SKIP
    'LOO van 21-11-2026: 3 dossiers, 5 acties, 4 uitkomsten; volgend LOO 12-12-2026'

Made once, and only in the demo's own database (vik.store.demo; a database that already
has an LOO meeting is left alone), through the same
store functions the web pages use, so everything is in the audit log as "vik demo". The
outcomes follow the demo's ground truth (truth/planted.csv): a signal on a planted case
is confirmed, except one adresonderzoek that could not establish it; a signal on
anything else is not.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from vik.departments import load_departments
from vik.followup import INTEGRALE_CONTROLE, Decision, FollowUp, Result, load_followup
from vik.store.db import session_scope
from vik.store.demo import require_demo
from vik.store.loo import (
    add_agreement,
    add_to_agenda,
    close_agreement,
    mark_held,
    plan_meeting,
    record_check,
    set_discussion,
)
from vik.store.models import Dossier, Flag, FlagStatus, LooMeeting
from vik.store.outcomes import SignalRef, record_outcome
from vik.store.reviews import FORUMS, record_review

ACTOR = "vik demo"
SECRETARIAT = "analist.ondermijning"
# Who refers which rule's flags to the LOO in the demo (a demo account of a recipient).
REFERRERS = {
    "overbewoning": ("handhaving", "analist.handhaving"),
    "meldingen-cluster": ("handhaving", "analist.handhaving"),
    "briefbusfirma": ("ondermijning", "analist.ondermijning"),
    "veelverhuizer": ("burgerzaken", "analist.burgerzaken"),
}
PAST_MEETING_DAYS = 14


@dataclass(frozen=True)
class Plan:
    action: str
    owner: str
    owner_user: str
    closes_on: int | None  # days after the meeting; None: still open


# Per agenda item, in order of priority: the actions the demo LOO agrees on.
PLANS = [
    [
        Plan(INTEGRALE_CONTROLE, "handhaving", "analist.handhaving", 7),
        Plan("adresonderzoek", "burgerzaken", "analist.burgerzaken", 9),
    ],
    [Plan("adresonderzoek", "burgerzaken", "analist.burgerzaken", 10)],
    [Plan(INTEGRALE_CONTROLE, "handhaving", "analist.handhaving", None)],
    [Plan("bestuurlijke_rapportage", "ondermijning", "analist.ondermijning", 11)],
]


def planted_addresses(truth_dir: Path) -> set[str]:
    path = truth_dir / "planted.csv"
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8") as handle:
        return {
            row["entity_ref"]
            for row in csv.DictReader(handle)
            if row["kind"] == "planted" and row["entity_type"] == "adres"
        }


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _referrals(session: Session, past: date) -> list[Flag]:
    """Refer the top address dossiers' flags of the demo rules to the LOO."""
    dossiers = session.exec(
        select(Dossier)
        .where(Dossier.entity_type == "adres")
        .order_by(col(Dossier.priority).desc(), col(Dossier.id))
    ).all()
    referred: list[Flag] = []
    for dossier in dossiers:
        flags = session.exec(
            select(Flag).where(
                Flag.entity_type == dossier.entity_type,
                Flag.entity_key == dossier.entity_key,
                Flag.status == FlagStatus.OPEN,
                col(Flag.rule_id).in_(list(REFERRERS)),
            )
        ).all()
        if not flags:
            continue
        flag = flags[0]
        department, user = REFERRERS[flag.rule_id]
        record_review(
            session,
            flag,
            department=department,
            decision=Decision.DOORZETTEN,
            target="LOO",
            reason="Meerdere signalen op dit adres; integraal bespreken in het LOO.",
            reviewer=user,
            targets=FORUMS,
            today=past,
            at=_moment(past),
        )
        referred.append(flag)
        if len(referred) == len(PLANS) + 1:
            break
    return referred


def _triage(
    session: Session, today: date, skip: set[int], planted: set[str], followup: FollowUp
) -> int:
    """A few other decisions, so that the triage in the register is not empty; what a
    department took in hand itself (an address) gets its outcome from the ground truth."""
    decided = 0
    for rule_id, (department, user) in REFERRERS.items():
        flags = session.exec(
            select(Flag)
            .where(Flag.rule_id == rule_id, Flag.status == FlagStatus.OPEN)
            .order_by(col(Flag.id))
        ).all()
        for flag, decision in zip(
            [f for f in flags if f.id not in skip][:2],
            (Decision.IN_BEHANDELING, Decision.GEEN_ACTIE),
            strict=False,
        ):
            record_review(
                session,
                flag,
                department=department,
                decision=decision,
                target=None,
                reason="Beoordeeld bij de demo: "
                + (
                    "huisbezoek ingepland."
                    if decision == Decision.IN_BEHANDELING
                    else "bekend, in orde."
                ),
                reviewer=user,
                targets=FORUMS,
                today=today,
            )
            decided += 1
            if decision == Decision.IN_BEHANDELING and flag.entity_type == "adres":
                confirmed = flag.entity_key in planted
                record_outcome(
                    session,
                    SignalRef.of(session, flag),
                    department=department,
                    result=Result.BEVESTIGD if confirmed else Result.NIET_BEVESTIGD,
                    category=followup.categories(flag.theme)[0] if confirmed else None,
                    decided_on=today - timedelta(days=1),
                    reason="Uitkomst van het eigen onderzoek van de afdeling (demo, grondwaarheid).",
                    by=user,
                    categories=followup.categories(flag.theme),
                    today=today,
                )
    return decided


def seed_follow_up(engine: Engine, config_dir: Path, truth_dir: Path, today: date) -> str | None:
    """Make the demo's follow-up once; returns what was made (None: it was there already)."""
    departments = list(load_departments(config_dir))
    followup: FollowUp = load_followup(config_dir, departments)
    planted = planted_addresses(truth_dir)
    past = today - timedelta(days=PAST_MEETING_DAYS)
    with session_scope(engine) as session:
        # Synthetic decisions and meetings belong in the demo's own database only.
        require_demo(session)
        if session.exec(select(LooMeeting)).first() is not None:
            return None
        referred = _referrals(session, past - timedelta(days=2))
        if not referred:
            return None
        meeting = plan_meeting(
            session,
            held_on=past,
            chair="J. van Dijk, burgemeester",
            departments=["ondermijning", "handhaving", "burgerzaken", "oov"],
            by=SECRETARIAT,
            known=departments,
            today=past,
        )
        actions = outcomes = 0
        on_agenda = referred[: len(PLANS)]
        for flag, plans in zip(on_agenda, PLANS, strict=False):
            item = add_to_agenda(
                session, meeting, flag.entity_type, flag.entity_key, by=SECRETARIAT
            )
            set_discussion(
                session,
                item,
                "Besproken; de afdelingen stemmen hun aanpak af en koppelen terug in het volgende LOO.",
                by=SECRETARIAT,
            )
            for index, plan in enumerate(plans):
                deadline = past + timedelta(days=13 if plan.closes_on is None else 21)
                agreement = add_agreement(
                    session,
                    item,
                    action=plan.action,
                    owner=plan.owner,
                    deadline=deadline,
                    description=None,
                    by=SECRETARIAT,
                    followup=followup,
                    known=departments,
                    today=past,
                )
                actions += 1
                if plan.action == INTEGRALE_CONTROLE and plan.closes_on is not None:
                    record_check(
                        session,
                        agreement,
                        check_on=past + timedelta(days=plan.closes_on - 1),
                        departments=["handhaving", "burgerzaken"],
                        findings="Controle ter plaatse met Burgerzaken: meer bewoners dan "
                        "ingeschreven, brandveiligheid onvoldoende.",
                        by=plan.owner_user,
                        known=departments,
                        today=today,
                    )
                if plan.closes_on is None:
                    continue
                confirmed = flag.entity_key in planted and index != 1
                result = (
                    Result.BEVESTIGD
                    if confirmed
                    else (
                        Result.NIET_VAST_TE_STELLEN
                        if flag.entity_key in planted
                        else Result.NIET_BEVESTIGD
                    )
                )
                closed = close_agreement(
                    session,
                    agreement,
                    item,
                    department=plan.owner,
                    result=result,
                    category=followup.categories(flag.theme)[0] if confirmed else None,
                    decided_on=past + timedelta(days=plan.closes_on),
                    reason="Uitkomst van de demo-actie, volgens de grondwaarheid van de demogemeente.",
                    by=plan.owner_user,
                    followup=followup,
                    today=today,
                )
                outcomes += len(closed)
        mark_held(
            session,
            meeting,
            notes="Demo-overleg: vier dossiers besproken, acties verdeeld.",
            by=SECRETARIAT,
            today=today,
        )
        coming = plan_meeting(
            session,
            held_on=today + timedelta(days=7),
            chair="J. van Dijk, burgemeester",
            departments=["ondermijning", "handhaving", "burgerzaken", "oov"],
            by=SECRETARIAT,
            known=departments,
            today=today,
        )
        for flag in referred[len(PLANS) :]:
            add_to_agenda(session, coming, flag.entity_type, flag.entity_key, by=SECRETARIAT)
        _triage(session, today, {f.id or 0 for f in referred}, planted, followup)
        return (
            f"LOO van {past:%d-%m-%Y}: {len(on_agenda)} dossiers, {actions} acties, "
            f"{outcomes} uitkomsten; volgend LOO {coming.held_on:%d-%m-%Y}"
        )
