"""What the inzage report says of each flag: the flag, its evidence and what followed it.

Per flag: its rule's title, the departments it went to, its evidence, every department's
decision and reason, whether the person was informed, each department's outcome, the
snapshots of what deciders saw, and the day each is deleted; and the LOO meetings that
discussed one of the flags or the person's dossier, with their agreements. The report
itself (vik.inzage.report) gathers the person's records, flags, dossier and accesses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from vik.followup import RESULTS, AgreementStatus, Terms
from vik.lookup.bevraging import flag_recipients
from vik.store.followup_retention import meeting_ends
from vik.store.models import (
    DecisionSnapshot,
    Flag,
    FlagEvidence,
    FlagStatus,
    LooAgendaItem,
    LooAgreement,
    LooMeeting,
    RuleVersion,
)
from vik.store.notices import CHANNELS, notices_of
from vik.store.outcomes import outcomes_of
from vik.store.retention import add_duration, expiry
from vik.store.reviews import DECISIONS, FORUMS, decisions_per_department

STATUS = {
    FlagStatus.OPEN: "open",
    FlagStatus.VERVALLEN: "vervallen (geldt niet meer, nog bewaard)",
}


@dataclass
class DecisionItem:
    afdeling: str
    besluit: str
    naar: str | None
    reden: str
    door: str
    op: datetime


@dataclass
class FlagItem:
    id: int
    regel: str
    titel: str
    over: str  # "u" or the address/company the flag is on
    status: str
    afdelingen: list[str]
    eerst_gezien: date
    laatst_gezien: date
    uitleg: str
    bewijs: list[dict[str, Any]]
    besluiten: list[DecisionItem]
    geinformeerd: list[dict[str, Any]]
    verwijderd_op: date | None
    uitkomsten: list[dict[str, Any]] = field(default_factory=list)
    momentopnamen: list[dict[str, Any]] = field(default_factory=list)


def _department_names(departments: Mapping[str, Any], keys: set[str]) -> list[str]:
    return sorted(getattr(departments.get(k), "name", k) for k in keys)


def _name(departments: Mapping[str, Any], key: str | None) -> str:
    return getattr(departments.get(key or ""), "name", None) or (key or "onbekende afdeling")


def _deleted_after(start: date, term: str) -> str:
    """The day the nightly purge deletes something kept for `term` from `start`."""
    return (add_duration(start, term) + timedelta(days=1)).isoformat()


def _followup(
    session: Session, ids: list[int], departments: Mapping[str, Any], terms: Terms
) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    """Per flag: the outcomes of each department, and the snapshots of what deciders saw."""
    outcomes = {
        flag_id: [
            {
                "afdeling": _name(departments, o.department),
                "uitkomst": RESULTS.get(o.result, o.result),
                "categorie": o.category,
                "op": o.decided_on.isoformat(),
                "reden": o.reason,
                "door": o.by,
                # The reason goes with the flag; the count stays for the feedback per rule.
                "verwijderd": _deleted_after(o.decided_on, terms.uitkomst),
            }
            for o in rows
        ]
        for flag_id, rows in outcomes_of(session, ids).items()
    }
    snapshots: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for snapshot in session.exec(
        select(DecisionSnapshot)
        .where(col(DecisionSnapshot.flag_id).in_(ids))
        .order_by(col(DecisionSnapshot.taken_on), col(DecisionSnapshot.id))
    ).all():
        snapshots[snapshot.flag_id].append(
            {
                "afdeling": _name(departments, snapshot.department),
                "vastgelegd_op": snapshot.taken_on.isoformat(),
                "inhoud": "wat de beslisser zag: de regelversie, de waarden, de uitleg en het "
                "bewijs met extractdata",
                "verwijderd": _deleted_after(snapshot.taken_on, terms.momentopname),
            }
        )
    return outcomes, snapshots


def loo_items(
    session: Session,
    entity: tuple[str, str],
    flag_ids: set[int],
    departments: Mapping[str, Any],
    actions: Mapping[str, str],
    terms: Terms,
) -> list[dict[str, Any]]:
    """The LOO agenda items on the person's dossier or on one of the report's flags, with
    their agreements (the minutes keep the signals as they were when put on the agenda)."""
    items = [
        item
        for item in session.exec(select(LooAgendaItem).order_by(col(LooAgendaItem.id))).all()
        if (item.entity_type, item.entity_key) == entity
        or any(signal.get("flag_id") in flag_ids for signal in item.signals or [])
    ]
    if not items:
        return []
    meetings = {
        m.id: m
        for m in session.exec(
            select(LooMeeting).where(col(LooMeeting.id).in_({i.meeting_id for i in items}))
        ).all()
    }
    ends = meeting_ends(session, terms.loo_overleg)
    agreements: dict[int, list[LooAgreement]] = defaultdict(list)
    for agreement in session.exec(
        select(LooAgreement).where(col(LooAgreement.item_id).in_([i.id for i in items]))
    ).all():
        agreements[agreement.item_id].append(agreement)
    result = []
    for item in items:
        meeting = meetings[item.meeting_id]
        result.append(
            {
                "overleg_op": meeting.held_on.isoformat(),
                "agendapunt": item.label,
                "signalen": [s.get("title") or s.get("rule_id") for s in item.signals or []],
                "doorgezet_door": [_name(departments, d) for d in item.referred_by or []],
                "bespreking": item.discussion,
                "afspraken": [
                    {
                        "actie": actions.get(a.action, a.action),
                        "eigenaar": _name(departments, a.owner),
                        "uiterlijk": a.deadline.isoformat(),
                        "status": "afgerond"
                        if a.status == AgreementStatus.AFGEROND
                        else "loopt nog",
                        "integrale_controle": {
                            "op": a.check_on.isoformat(),
                            "afdelingen": [
                                _name(departments, d) for d in a.check_departments or []
                            ],
                            "bevindingen": a.check_findings,
                        }
                        if a.check_on
                        else None,
                    }
                    for a in agreements[item.id or 0]
                ],
                "verwijderd": (ends[meeting.id] + timedelta(days=1)).isoformat()
                if meeting.id in ends
                else None,
            }
        )
    return result


def flag_items(
    session: Session,
    flags: list[Flag],
    departments: Mapping[str, Any],
    over: Mapping[tuple[str, str], str],
    terms: Terms,
) -> list[FlagItem]:
    if not flags:
        return []
    ids = [f.id for f in flags if f.id is not None]
    recipients = flag_recipients(session, flags)
    evidence: dict[int, list[FlagEvidence]] = defaultdict(list)
    for row in session.exec(
        select(FlagEvidence)
        .where(col(FlagEvidence.flag_id).in_(ids))
        .order_by(FlagEvidence.source, FlagEvidence.record_key)
    ).all():
        evidence[row.flag_id].append(row)
    decisions = decisions_per_department(session, ids)
    notices = notices_of(session, ids)
    outcomes, snapshots = _followup(session, ids, departments, terms)
    titles = _rule_titles(session, flags)
    items = []
    for f in sorted(flags, key=lambda f: (f.status != FlagStatus.OPEN, f.first_seen_on, f.id or 0)):
        assert f.id is not None
        items.append(
            FlagItem(
                id=f.id,
                regel=f.rule_id,
                titel=titles.get((f.rule_id, f.rule_hash), f.rule_id),
                over=over.get((f.entity_type, f.entity_key), f.entity_type),
                status=STATUS.get(f.status, f.status),
                afdelingen=_department_names(departments, recipients.get(f.id, set())),
                eerst_gezien=f.first_seen_on,
                laatst_gezien=f.last_seen_on,
                uitleg=f.explanation,
                bewijs=[
                    {
                        "bron": e.source,
                        "record": e.record_key,
                        "extractdatum": e.extract_date.isoformat() if e.extract_date else None,
                        "zekerheid_koppeling": e.link_confidence,
                    }
                    for e in evidence[f.id]
                ],
                besluiten=[
                    DecisionItem(
                        afdeling=getattr(departments.get(d.department or ""), "name", None)
                        or (d.department or "onbekende afdeling"),
                        besluit=DECISIONS.get(d.decision, d.decision),
                        naar=(
                            FORUMS.get(d.target)
                            or getattr(departments.get(d.target), "name", d.target)
                        )
                        if d.target
                        else None,
                        reden=d.reason,
                        door=d.reviewer,
                        op=d.at,
                    )
                    for d in decisions.get(f.id, [])
                ],
                geinformeerd=[
                    {
                        "op": n.informed_on.isoformat(),
                        "hoe": CHANNELS.get(n.channel, n.channel),  # type: ignore[call-overload]
                        "kenmerk": n.reference,
                        "afdeling": getattr(departments.get(n.department or ""), "name", None)
                        or n.department,
                    }
                    for n in notices.get(f.id, [])
                ],
                verwijderd_op=_deleted_on(f),
                uitkomsten=outcomes.get(f.id, []),
                momentopnamen=snapshots.get(f.id, []),
            )
        )
    return items


def _deleted_on(flag: Flag) -> date | None:
    """The day the nightly purge deletes the flag: the first night after its term."""
    end = expiry(flag)
    return None if end is None else end + timedelta(days=1)


def _rule_titles(session: Session, flags: list[Flag]) -> dict[tuple[str, str], str]:
    import yaml

    hashes = {f.rule_hash for f in flags}
    titles = {}
    for rule_id, digest, text in session.exec(
        select(RuleVersion.rule_id, RuleVersion.content_hash, RuleVersion.text).where(
            col(RuleVersion.content_hash).in_(hashes)
        )
    ).all():
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError:
            data = {}
        titles[(rule_id, digest)] = str(data.get("title") or rule_id)
    return titles
