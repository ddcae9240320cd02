"""Human decisions on flags and links, each written to the audit log in the same transaction.

    >>> review = record_review(session, flag, department="handhaving", decision="doorzetten",
    ...                        target="LOO", reviewer="analist.handhaving", targets=TARGETS,
    ...                        reason="Drie signalen op één adres; bespreken in het LOO.")
    >>> snooze_flag(session, flag, until=date(2027, 1, 15), reason="Wacht op de huisbezoeken.",
    ...             by="analist.handhaving", department="handhaving", today=date(2026, 11, 22))
    >>> [d.department for d in department_decisions(session, flag.id)]
    ['handhaving']

Nothing happens to a person or address without a decision: a decision needs a named
reviewer and a reason, and is the only way a flag reaches the LOO agenda or another
department. Every department that receives a flag decides for itself: its decision,
history and snoozes are its own (``flag_decision``, ``review.department``,
``snooze.department``), and no department changes or ends another's. Each decision
freezes what the decider saw (vik.store.snapshots). A judgement on a link (``is`` /
``is_niet``) is read by the matcher on the next night (vik.store.links.load_judgements).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from vik.errors import ReviewError
from vik.followup import Decision
from vik.resolve.judgements import Verdict
from vik.resolve.links import LinkStatus
from vik.store.audit import record
from vik.store.models import (
    DecisionSnapshot,
    Flag,
    FlagDecision,
    FlagStatus,
    Link,
    LinkJudgement,
    Outcome,
    Review,
    Snooze,
    stored_id,
    utcnow,
)
from vik.store.snapshots import take_snapshot

# The decisions a person can take (HEROPEND is the night's).
DECISIONS = {
    Decision.IN_BEHANDELING.value: "In behandeling",
    Decision.DOORZETTEN.value: "Doorzetten",
    Decision.GEEN_ACTIE.value: "Geen actie",
}
# Where a flag can be passed on to, besides another department (by its id).
FORUMS = {"LOO": "LOO (lokaal ondermijningsoverleg)", "DTO/RIEC": "DTO/RIEC"}
VERDICTS = {
    Verdict.IS: "Bevestigd: dit record hoort bij deze entiteit",
    Verdict.IS_NIET: "Afgewezen",
}
MIN_REASON = 10
MAX_REASON = 4000
MAX_SNOOZE = timedelta(days=366)


def check_reason(reason: str, what: str = "reden") -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReviewError(
            f"Geef een {what} van minstens {MIN_REASON} tekens: waarom dit besluit? "
            "De reden komt in het dossier en in het toegangslog."
        )
    if len(text) > MAX_REASON:
        raise ReviewError(f"De {what} is te lang: ten hoogste {MAX_REASON} tekens.")
    return text


def record_review(
    session: Session,
    flag: Flag,
    *,
    department: str,
    decision: str,
    target: str | None,
    reason: str,
    reviewer: str,
    targets: Collection[str],
    today: date | None = None,
    at: datetime | None = None,
) -> Review:
    """Record a department's decision on an open flag, with a snapshot of what it saw;
    `targets` are the allowed doorzetten targets (`at`: now, unless a demo says otherwise)."""
    if not reviewer:
        raise ReviewError("Een besluit heeft een benoemde beoordelaar; meld je aan.")
    if not department:
        raise ReviewError(
            "Een besluit hoort bij een afdeling; alleen een analist van een afdeling besluit."
        )
    if flag.status != FlagStatus.OPEN:
        raise ReviewError(
            "Dit signaal is vervallen: de regel vond het vannacht niet meer. Op een vervallen "
            "signaal neem je geen nieuw besluit."
        )
    if decision not in DECISIONS:
        raise ReviewError("Kies een besluit: in behandeling, doorzetten of geen actie.")
    chosen = Decision(decision)
    target = (target or "").strip() or None
    if chosen == Decision.DOORZETTEN:
        if target is None:
            raise ReviewError(
                "Kies bij doorzetten waarheen: het LOO, het DTO/RIEC of een andere afdeling."
            )
        if target not in targets:
            raise ReviewError(f"Doorzetten naar {target!r} kan niet; kies uit de lijst.")
    elif target is not None:
        raise ReviewError("Alleen bij doorzetten kies je waarheen; laat het veld dan leeg.")
    text = check_reason(reason)
    day = today or date.today()
    review = Review(
        flag_id=stored_id(flag),
        department=department,
        decision=chosen,
        target=target,
        reason=text,
        reviewer=reviewer,
        at=at or utcnow(),
    )
    session.add(review)
    session.flush()
    current = decision_of(session, flag.id, department) or FlagDecision(
        flag_id=stored_id(flag), department=department
    )
    current.decision, current.target = chosen, target
    current.decided_on, current.decided_by, current.review_id = day, reviewer, review.id
    current.reopened_on = None
    flag.decided_on = day
    session.add(current)
    session.add(flag)
    snapshot = take_snapshot(session, flag, review, day)
    record(
        session,
        actor=reviewer,
        action="besluit",
        object_type="signaal",
        object_id=flag.id,
        # The reason stays with the review (deleted with the flag after its term); the
        # append-only log refers to it and keeps no free text.
        details={
            "besluit": decision,
            "naar": target,
            "regel": flag.rule_id,
            "afdeling": department,
            "review": review.id,
            "momentopname": snapshot.id,
        },
    )
    return review


def decision_of(session: Session, flag_id: int | None, department: str) -> FlagDecision | None:
    return session.exec(
        select(FlagDecision).where(
            FlagDecision.flag_id == flag_id, FlagDecision.department == department
        )
    ).first()


def decisions_of(
    session: Session, flag_ids: Iterable[int | None], department: str | None
) -> dict[int, FlagDecision]:
    """flag id → this department's current decision (flags it never decided on: absent)."""
    ids = [i for i in flag_ids if i is not None]
    if not ids or not department:
        return {}
    rows = session.exec(
        select(FlagDecision).where(
            col(FlagDecision.flag_id).in_(ids), FlagDecision.department == department
        )
    ).all()
    return {row.flag_id: row for row in rows}


def active_departments(session: Session, flag_ids: Iterable[int | None]) -> dict[int, set[str]]:
    """flag id → departments that act on it (in behandeling or doorgezet): who is involved."""
    ids = [i for i in flag_ids if i is not None]
    if not ids:
        return {}
    result: dict[int, set[str]] = {}
    for flag_id, department in session.exec(
        select(FlagDecision.flag_id, FlagDecision.department).where(
            col(FlagDecision.flag_id).in_(ids),
            col(FlagDecision.decision).in_([Decision.IN_BEHANDELING, Decision.DOORZETTEN]),
        )
    ).all():
        result.setdefault(flag_id, set()).add(department)
    return result


def _of(model: type, department: str | None) -> list[Any]:
    """The WHERE clause for rows of one department, or none for all departments."""
    return [] if department is None else [model.department == department]  # type: ignore[attr-defined]


@dataclass
class DepartmentDecisions:
    """One department's part in a flag: its decision now and everything it recorded."""

    department: str
    current: FlagDecision | None
    reviews: list[Review] = field(default_factory=list)
    snoozes: list[Snooze] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    snapshots: dict[int, DecisionSnapshot] = field(default_factory=dict)  # by review id


def department_decisions(
    session: Session, flag_id: int, department: str | None = None
) -> list[DepartmentDecisions]:
    """Per department (or only the one given): its decision, history with reasons,
    snoozes, outcomes and the snapshots of its decisions. For the dossier page of that
    department and for an inzage report of everything recorded on a flag."""
    flag = session.get(Flag, flag_id)
    if flag is None:
        return []

    reviews = session.exec(
        select(Review)
        .where(Review.flag_id == flag_id)
        .where(*_of(Review, department))
        .order_by(col(Review.at), col(Review.id))
    ).all()
    decisions = session.exec(
        select(FlagDecision)
        .where(FlagDecision.flag_id == flag_id)
        .where(*_of(FlagDecision, department))
    ).all()
    snoozes = session.exec(
        select(Snooze)
        .where(
            Snooze.rule_id == flag.rule_id,
            Snooze.entity_type == flag.entity_type,
            Snooze.entity_key == flag.entity_key,
        )
        .where(*_of(Snooze, department))
        .order_by(col(Snooze.at), col(Snooze.id))
    ).all()
    outcomes = session.exec(
        select(Outcome)
        .where(Outcome.flag_id == flag_id)
        .where(*_of(Outcome, department))
        .order_by(col(Outcome.decided_on), col(Outcome.id))
    ).all()
    snapshots = session.exec(
        select(DecisionSnapshot).where(
            col(DecisionSnapshot.review_id).in_([r.id for r in reviews] or [-1])
        )
    ).all()
    names = sorted(
        {r.department for r in reviews}
        | {d.department for d in decisions}
        | {s.department for s in snoozes if not flag.department or s.department == flag.department}
        | {o.department for o in outcomes}
    )
    by_review = {s.review_id: s for s in snapshots}
    result = []
    for name in names:
        own_reviews = [r for r in reviews if r.department == name]
        result.append(
            DepartmentDecisions(
                department=name,
                current=next((d for d in decisions if d.department == name), None),
                reviews=own_reviews,
                snoozes=[s for s in snoozes if s.department == name],
                outcomes=[o for o in outcomes if o.department == name],
                snapshots={r.id: by_review[r.id] for r in own_reviews if r.id in by_review},
            )
        )
    return result


def snooze_flag(
    session: Session,
    flag: Flag,
    *,
    until: date | None,
    reason: str,
    by: str,
    department: str,
    today: date,
) -> Snooze:
    """Put a rule's flag on this entity aside, for this department only, until a date
    (at most a year ahead)."""
    if until is None:
        raise ReviewError("Geef een einddatum voor het uitstel (jjjj-mm-dd).")
    if until <= today:
        raise ReviewError("De einddatum van het uitstel moet na vandaag liggen.")
    if until - today > MAX_SNOOZE:
        raise ReviewError(
            "Uitstel kan ten hoogste een jaar; neem anders een besluit (bijvoorbeeld geen actie)."
        )
    if flag.status != FlagStatus.OPEN:
        raise ReviewError("Dit signaal is vervallen; uitstellen is niet nodig.")
    text = check_reason(reason)
    snooze = Snooze(
        rule_id=flag.rule_id,
        entity_type=flag.entity_type,
        entity_key=flag.entity_key,
        until=until,
        reason=text,
        by=by,
        department=department,
    )
    session.add(snooze)
    session.flush()
    record(
        session,
        actor=by,
        action="uitgesteld",
        object_type="signaal",
        object_id=flag.id,
        details={
            "tot": until.isoformat(),
            "regel": flag.rule_id,
            "afdeling": department,
            "uitstel": snooze.id,
        },
    )
    return snooze


def judge_link(
    session: Session, link: Link, *, verdict: str, reason: str, by: str, dossier_id: int | None
) -> LinkJudgement:
    """Confirm (``is``) or reject (``is_niet``) a possible link; the matcher obeys it nightly."""
    if link.status != LinkStatus.MOGELIJK or not link.entity_id:
        raise ReviewError(
            "Alleen een mogelijke koppeling kun je hier bevestigen of afwijzen; deze is al "
            "zeker of heeft geen kandidaat."
        )
    if verdict not in VERDICTS:
        raise ReviewError("Kies bevestigen of afwijzen.")
    text = check_reason(reason)
    judgement = LinkJudgement(
        source=link.source,
        record_key=link.record_key,
        entity_type=link.entity_type,
        entity_id=link.entity_id,
        verdict=Verdict(verdict),
        reason=text,
        by=by,
    )
    session.add(judgement)
    session.flush()
    record(
        session,
        actor=by,
        action="koppeling_beoordeeld",
        object_type="koppeling",
        object_id=judgement.id,
        details={
            "oordeel": verdict,
            "bron": link.source,
            "soort": link.entity_type,
            "dossier": dossier_id,
        },
    )
    return judgement


@dataclass(frozen=True)
class DepartmentDecision:
    """One decision on a flag, with the department it was taken for."""

    flag_id: int
    department: str | None
    decision: str
    target: str | None
    reason: str
    reviewer: str
    at: datetime


def decisions_per_department(
    session: Session, flag_ids: Collection[int]
) -> dict[int, list[DepartmentDecision]]:
    """Per flag, every decision in order (the night's reopenings too), with the department
    it was taken for (``review.department``). For reports such as the inzage report;
    ``department_decisions`` gives one flag grouped per department, with its snapshots."""
    if not flag_ids:
        return {}
    rows = session.exec(
        select(Review)
        .where(col(Review.flag_id).in_(list(flag_ids)))
        .order_by(col(Review.at), col(Review.id))
    ).all()
    result: dict[int, list[DepartmentDecision]] = {}
    for review in rows:
        result.setdefault(review.flag_id, []).append(
            DepartmentDecision(
                review.flag_id,
                review.department or None,
                review.decision,
                review.target,
                review.reason,
                review.reviewer,
                review.at,
            )
        )
    return result
