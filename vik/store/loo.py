"""The LOO cycle: referrals, meetings, their agenda, agreements (afspraken) and closing them.

    >>> meeting = plan_meeting(session, held_on=date(2026, 12, 8), chair="J. van Dijk",
    ...                        departments=["handhaving", "burgerzaken", "ondermijning"],
    ...                        by="analist.ondermijning", known=departments, today=today)
    >>> item = add_to_agenda(session, meeting, "adres", "0307200000000001",
    ...                      by="analist.ondermijning")
    >>> agreement = add_agreement(session, item, action="integrale_controle", owner="handhaving",
    ...                           deadline=date(2027, 1, 15), description=None,
    ...                           by="analist.ondermijning", followup=followup,
    ...                           known=departments, today=today)
    >>> record_check(session, agreement, check_on=date(2026, 12, 20),
    ...              departments=["handhaving", "burgerzaken"], findings="...", by=..., ...)
    >>> close_agreement(session, agreement, result="bevestigd", category="overtreding vastgesteld",
    ...                 decided_on=date(2026, 12, 21), reason="...", by=..., ...)

A department passes a flag on to the LOO by its own decision (vik.store.reviews); the
secretariat (config/opvolging.yaml) puts referred dossiers on a meeting's agenda. The
agenda item keeps the signals as they were, so the minutes outlive the flags' terms;
the meeting goes after its own term (vik.store.followup_retention). Every step is in
the audit log; free text stays in these rows, never in the log.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from vik.connectors.model import EntityType
from vik.errors import ReviewError
from vik.followup import (
    INTEGRALE_CONTROLE,
    AgreementStatus,
    Decision,
    FollowUp,
    MeetingStatus,
)
from vik.store.audit import record
from vik.store.models import (
    Dossier,
    Flag,
    FlagDecision,
    FlagStatus,
    LooAgendaItem,
    LooAgreement,
    LooMeeting,
    Outcome,
    Review,
    RuleVersion,
    stored_id,
)
from vik.store.outcomes import SignalRef, record_outcome
from vik.store.reviews import check_reason

FORUM = "LOO"
MIN_CHAIR = 3


@dataclass
class Referral:
    """A flag one department passed on to the LOO, with its reason."""

    flag: Flag
    decision: FlagDecision
    review: Review | None


def referrals(session: Session, department: str | None = None) -> list[Referral]:
    """Open flags passed on to the LOO (by one department, or by any)."""
    query = (
        select(Flag, FlagDecision)
        .join(FlagDecision, col(FlagDecision.flag_id) == col(Flag.id))
        .where(
            Flag.status == FlagStatus.OPEN,
            FlagDecision.decision == Decision.DOORZETTEN,
            FlagDecision.target == FORUM,
        )
    )
    if department is not None:
        query = query.where(FlagDecision.department == department)
    pairs = session.exec(query.order_by(col(Flag.id), col(FlagDecision.department))).all()
    review_ids = [d.review_id for _, d in pairs if d.review_id is not None]
    reviews = (
        {r.id: r for r in session.exec(select(Review).where(col(Review.id).in_(review_ids))).all()}
        if review_ids
        else {}
    )
    return [Referral(flag, decision, reviews.get(decision.review_id)) for flag, decision in pairs]


def check_departments(chosen: Collection[str], known: Collection[str], what: str) -> list[str]:
    departments = [d for d in dict.fromkeys(chosen) if d]
    unknown = [d for d in departments if d not in known]
    if unknown:
        raise ReviewError(f"Onbekende afdeling {', '.join(unknown)} bij {what}; kies uit de lijst.")
    return departments


def plan_meeting(
    session: Session,
    *,
    held_on: date | None,
    chair: str,
    departments: Collection[str],
    by: str,
    known: Collection[str],
    today: date,
) -> LooMeeting:
    if held_on is None:
        raise ReviewError("Geef de datum van het overleg (jjjj-mm-dd).")
    chair = (chair or "").strip()
    if len(chair) < MIN_CHAIR:
        raise ReviewError("Geef de voorzitter van het overleg (naam en functie).")
    chosen = check_departments(departments, known, "de deelnemers")
    if len(chosen) < 2:
        raise ReviewError("Een LOO heeft ten minste twee deelnemende afdelingen; kies ze.")
    meeting = LooMeeting(
        held_on=held_on,
        chair=chair,
        departments=chosen,
        status=MeetingStatus.GEHOUDEN if held_on < today else MeetingStatus.GEPLAND,
        created_by=by,
    )
    session.add(meeting)
    session.flush()
    record(
        session,
        actor=by,
        action="loo_overleg_gepland",
        object_type="loo_overleg",
        object_id=meeting.id,
        details={"datum": held_on.isoformat(), "afdelingen": chosen},
    )
    return meeting


def may_see_meeting(meeting: LooMeeting, department: str | None, secretariat: str) -> bool:
    return bool(department) and (department == secretariat or department in meeting.departments)


def _rule_titles(session: Session, flags: list[Flag]) -> dict[tuple[str, str], str]:
    keys = {(f.rule_id, f.rule_hash) for f in flags}
    rows = session.exec(
        select(RuleVersion.rule_id, RuleVersion.content_hash, RuleVersion.title).where(
            col(RuleVersion.rule_id).in_({k[0] for k in keys})
        )
    ).all()
    return {(rule_id, digest): title for rule_id, digest, title in rows}


def add_to_agenda(
    session: Session, meeting: LooMeeting, entity_type: str, entity_key: str, *, by: str
) -> LooAgendaItem:
    """Put a referred dossier on the agenda, with every open signal passed on to the LOO."""
    if meeting.status == MeetingStatus.GEHOUDEN:
        raise ReviewError("Dit overleg is al gehouden; zet het dossier op een volgend overleg.")
    taken = session.exec(
        select(LooAgendaItem).where(
            LooAgendaItem.meeting_id == meeting.id,
            LooAgendaItem.entity_type == entity_type,
            LooAgendaItem.entity_key == entity_key,
        )
    ).first()
    if taken is not None:
        raise ReviewError("Dit dossier staat al op de agenda van dit overleg.")
    found = [
        r
        for r in referrals(session)
        if (r.flag.entity_type, r.flag.entity_key) == (entity_type, entity_key)
    ]
    if not found:
        raise ReviewError(
            "Op dit dossier is niets doorgezet naar het LOO: alleen een besluit van een "
            "afdeling brengt een dossier op de agenda."
        )
    dossier = session.exec(
        select(Dossier).where(Dossier.entity_type == entity_type, Dossier.entity_key == entity_key)
    ).first()
    flags = list({r.flag.id: r.flag for r in found}.values())
    titles = _rule_titles(session, flags)
    wijk = dossier.wijk if dossier else None
    signals = [
        {
            **SignalRef(f.id or 0, f.rule_id, f.rule_version, f.rule_hash, f.theme, wijk).as_dict(),
            "title": titles.get((f.rule_id, f.rule_hash), f.rule_id),
            "explanation": f.explanation,
            "referred_by": sorted(r.decision.department for r in found if r.flag.id == f.id),
        }
        for f in sorted(flags, key=lambda f: (f.rule_id, f.id or 0))
    ]
    number = (
        max(
            (
                i.number
                for i in session.exec(
                    select(LooAgendaItem).where(LooAgendaItem.meeting_id == meeting.id)
                ).all()
            ),
            default=0,
        )
        + 1
    )
    item = LooAgendaItem(
        meeting_id=stored_id(meeting),
        number=number,
        entity_type=EntityType(entity_type),
        entity_key=entity_key,
        label=dossier.label if dossier else entity_type,
        wijk=wijk,
        signals=signals,
        referred_by=sorted({r.decision.department for r in found}),
        added_by=by,
    )
    session.add(item)
    session.flush()
    record(
        session,
        actor=by,
        action="loo_geagendeerd",
        object_type="loo_overleg",
        object_id=meeting.id,
        details={"agendapunt": item.id, "signalen": [s["flag_id"] for s in signals]},
    )
    return item


def set_discussion(session: Session, item: LooAgendaItem, text: str, *, by: str) -> None:
    item.discussion = check_reason(text, "samenvatting van de bespreking")
    session.add(item)
    record(
        session,
        actor=by,
        action="loo_besproken",
        object_type="loo_overleg",
        object_id=item.meeting_id,
        details={"agendapunt": item.id},
    )


def mark_held(session: Session, meeting: LooMeeting, *, notes: str, by: str, today: date) -> None:
    if meeting.held_on > today:
        raise ReviewError("Een overleg in de toekomst kan nog niet gehouden zijn.")
    text = (notes or "").strip()
    meeting.notes = check_reason(text, "verslag") if text else None
    meeting.status = MeetingStatus.GEHOUDEN
    session.add(meeting)
    record(
        session,
        actor=by,
        action="loo_overleg_gehouden",
        object_type="loo_overleg",
        object_id=meeting.id,
    )


def add_agreement(
    session: Session,
    item: LooAgendaItem,
    *,
    action: str,
    owner: str,
    deadline: date | None,
    description: str | None,
    by: str,
    followup: FollowUp,
    known: Collection[str],
    today: date,
    flag_ids: Collection[int] | None = None,
) -> LooAgreement:
    if action not in followup.acties:
        raise ReviewError("Kies een actie uit de lijst.")
    if not owner:
        raise ReviewError("Kies de afdeling die de actie uitvoert (de eigenaar).")
    (owner_department,) = check_departments([owner], known, "de eigenaar")
    if deadline is None:
        raise ReviewError("Geef een uiterste datum voor de actie (jjjj-mm-dd).")
    if deadline < today:
        raise ReviewError("De uiterste datum ligt in het verleden; kies een datum vanaf vandaag.")
    on_item = [s["flag_id"] for s in item.signals]
    chosen = list(flag_ids) if flag_ids else on_item
    if not set(chosen) <= set(on_item):
        raise ReviewError("Een afspraak gaat over de signalen van dit agendapunt.")
    text = (description or "").strip() or None
    agreement = LooAgreement(
        item_id=stored_id(item),
        action=action,
        description=text,
        owner=owner_department,
        deadline=deadline,
        status=AgreementStatus.OPEN,
        flag_ids=chosen,
        created_by=by,
    )
    session.add(agreement)
    session.flush()
    record(
        session,
        actor=by,
        action="loo_afspraak",
        object_type="loo_afspraak",
        object_id=agreement.id,
        details={"actie": action, "eigenaar": owner_department, "uiterlijk": deadline.isoformat()},
    )
    return agreement


def record_check(
    session: Session,
    agreement: LooAgreement,
    *,
    check_on: date | None,
    departments: Collection[str],
    findings: str,
    by: str,
    known: Collection[str],
    today: date,
) -> None:
    """The integrale controle itself: when, which departments took part, what was found."""
    if agreement.action != INTEGRALE_CONTROLE:
        raise ReviewError("Alleen bij een integrale controle leg je een controle vast.")
    if agreement.status == AgreementStatus.AFGEROND:
        raise ReviewError("Deze actie is afgerond; de controle staat vast.")
    if check_on is None:
        raise ReviewError("Geef de datum van de controle (jjjj-mm-dd).")
    if check_on > today:
        raise ReviewError("De controle ligt in de toekomst; leg haar vast als ze gehouden is.")
    chosen = check_departments(departments, known, "de controle")
    if len(chosen) < 2:
        raise ReviewError("Een integrale controle doen ten minste twee afdelingen samen; kies ze.")
    agreement.check_on = check_on
    agreement.check_departments = chosen
    agreement.check_findings = check_reason(findings, "beschrijving van de bevindingen")
    session.add(agreement)
    record(
        session,
        actor=by,
        action="integrale_controle",
        object_type="loo_afspraak",
        object_id=agreement.id,
        details={"datum": check_on.isoformat(), "afdelingen": chosen},
    )


def close_agreement(
    session: Session,
    agreement: LooAgreement,
    item: LooAgendaItem,
    *,
    department: str,
    result: str,
    category: str | None,
    decided_on: date | None,
    reason: str,
    by: str,
    followup: FollowUp,
    today: date,
) -> list[Outcome]:
    """Close an action with its outcome: one outcome per signal it addressed."""
    if department != agreement.owner:
        raise ReviewError("Alleen de afdeling die de actie uitvoert, rondt haar af.")
    if agreement.status == AgreementStatus.AFGEROND:
        raise ReviewError("Deze actie is al afgerond.")
    if agreement.action == INTEGRALE_CONTROLE and agreement.check_on is None:
        raise ReviewError(
            "Leg eerst de integrale controle vast: datum, deelnemende afdelingen en bevindingen."
        )
    signals = [s for s in item.signals if s["flag_id"] in set(agreement.flag_ids)]
    categories = categories_of(signals, followup)
    outcomes = [
        record_outcome(
            session,
            SignalRef(
                s["flag_id"], s["rule_id"], s["rule_version"], s["rule_hash"], s["theme"], s["wijk"]
            ),
            department=department,
            result=result,
            category=category,
            decided_on=decided_on,
            reason=reason,
            by=by,
            categories=categories,
            today=today,
            agreement_id=agreement.id,
        )
        for s in signals
    ]
    agreement.status = AgreementStatus.AFGEROND
    agreement.closed_on = outcomes[0].decided_on if outcomes else today
    agreement.closed_by = by
    session.add(agreement)
    record(
        session,
        actor=by,
        action="loo_afspraak_afgerond",
        object_type="loo_afspraak",
        object_id=agreement.id,
        details={"uitkomst": result, "signalen": len(outcomes)},
    )
    return outcomes


def categories_of(signals: list[dict[str, Any]], followup: FollowUp) -> list[str]:
    """The outcome categories of the themes of these signals, in order, without repeats."""
    themes = dict.fromkeys(s["theme"] for s in signals)
    return list(dict.fromkeys(c for theme in themes for c in followup.categories(theme)))


# --- reading ------------------------------------------------------------------------------


def is_overdue(agreement: LooAgreement, today: date) -> bool:
    return agreement.status == AgreementStatus.OPEN and agreement.deadline < today


@dataclass
class ItemView:
    item: LooAgendaItem
    agreements: list[LooAgreement] = field(default_factory=list)
    outcomes: dict[int, list[Outcome]] = field(default_factory=dict)  # by agreement id


@dataclass
class MeetingView:
    meeting: LooMeeting
    items: list[ItemView] = field(default_factory=list)


def meetings_for(session: Session, department: str | None, secretariat: str) -> list[LooMeeting]:
    """The meetings a department takes part in (every meeting, for the secretariat)."""
    meetings = session.exec(select(LooMeeting).order_by(col(LooMeeting.held_on).desc())).all()
    return [m for m in meetings if may_see_meeting(m, department, secretariat)]


def meeting_view(session: Session, meeting: LooMeeting) -> MeetingView:
    items = session.exec(
        select(LooAgendaItem)
        .where(LooAgendaItem.meeting_id == meeting.id)
        .order_by(col(LooAgendaItem.number))
    ).all()
    agreements = session.exec(
        select(LooAgreement)
        .where(col(LooAgreement.item_id).in_([i.id for i in items] or [-1]))
        .order_by(col(LooAgreement.id))
    ).all()
    outcomes = session.exec(
        select(Outcome).where(col(Outcome.agreement_id).in_([a.id for a in agreements] or [-1]))
    ).all()
    views = []
    for item in items:
        own = [a for a in agreements if a.item_id == item.id]
        views.append(
            ItemView(
                item,
                own,
                {a.id or 0: [o for o in outcomes if o.agreement_id == a.id] for a in own},
            )
        )
    return MeetingView(meeting, views)


@dataclass
class ActionRow:
    agreement: LooAgreement
    item: LooAgendaItem
    meeting: LooMeeting
    overdue: bool


def actions_of(session: Session, owner: str | None, today: date) -> list[ActionRow]:
    """The actions one department owns: open first (overdue on top), then closed."""
    if not owner:
        return []
    rows = session.exec(
        select(LooAgreement, LooAgendaItem, LooMeeting)
        .join(LooAgendaItem, col(LooAgendaItem.id) == col(LooAgreement.item_id))
        .join(LooMeeting, col(LooMeeting.id) == col(LooAgendaItem.meeting_id))
        .where(LooAgreement.owner == owner)
    ).all()
    result = [ActionRow(a, i, m, is_overdue(a, today)) for a, i, m in rows]
    result.sort(
        key=lambda r: (
            r.agreement.status != AgreementStatus.OPEN,
            not r.overdue,
            r.agreement.deadline,
            r.agreement.id or 0,
        )
    )
    return result


def agreement_with_context(
    session: Session, agreement_id: int
) -> tuple[LooAgreement, LooAgendaItem, LooMeeting] | None:
    agreement = session.get(LooAgreement, agreement_id)
    if agreement is None:
        return None
    item = session.get(LooAgendaItem, agreement.item_id)
    meeting = session.get(LooMeeting, item.meeting_id) if item else None
    if item is None or meeting is None:
        return None
    return agreement, item, meeting


def scheduled(session: Session, flag_ids: Collection[int]) -> Mapping[int, list[LooMeeting]]:
    """flag id → the meetings whose agenda carries it."""
    wanted = set(flag_ids)
    if not wanted:
        return {}
    result: dict[int, list[LooMeeting]] = {}
    for item, meeting in session.exec(
        select(LooAgendaItem, LooMeeting).join(
            LooMeeting, col(LooMeeting.id) == col(LooAgendaItem.meeting_id)
        )
    ).all():
        for signal in item.signals:
            if signal["flag_id"] in wanted:
                result.setdefault(signal["flag_id"], []).append(meeting)
    return result
