"""The inzageverzoek (art. 15 AVG): everything VIK holds on one person, in one report.

    >>> request = register_request(session, found, received_on=date(2026, 12, 1),
    ...                            by="compliance", settings=settings.inzage)
    >>> report = build_report(session, projection, request, departments, today=date(2026, 12, 2))
    >>> report.as_dict()["signalen"][0]["besluiten"]

What it holds, each item with the date it will be deleted:

* the records of each source that VIK linked to the person, with the link's status and
  confidence and the columns VIK keeps of them (the lookup projection);
* the flags on the person and the flags whose evidence includes one of those records,
  with their evidence references, every department's decisions and reasons, and
  whether the person was informed (informatieplicht);
* what followed each flag: every department's outcome (bevestigd, niet bevestigd, niet
  vast te stellen), the frozen snapshot of what a decider saw, and the LOO meetings that
  discussed the flag or the person's dossier with their agreements;
* the dossier, and how many flags on the person were already deleted after their term;
* every view and lookup of the person: who, when, for which purpose.

The request and every delivery are written to the audit log; the report shows the legal
term of one month (art. 12 lid 3 AVG).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from vik.connectors.pseudonyms import PseudonymKey
from vik.connectors.schemas import EntityType
from vik.errors import InzageError
from vik.followup import RESULTS, AgreementStatus, Terms
from vik.lookup.bevraging import flag_recipients
from vik.lookup.projection import Projection
from vik.lookup.settings import InzageSettings
from vik.lookup.subjects import Found, query_reference
from vik.resolve.links import LinkStatus
from vik.store.audit import record, subject_ref
from vik.store.followup_retention import meeting_ends
from vik.store.models import (
    AuditLog,
    DecisionSnapshot,
    Dossier,
    Flag,
    FlagEvidence,
    InzageRequest,
    Link,
    LooAgendaItem,
    LooAgreement,
    LooMeeting,
    PurgedFlag,
    RuleVersion,
    WebUser,
    utcnow,
)
from vik.store.notices import CHANNELS, notices_of
from vik.store.outcomes import outcomes_of
from vik.store.retention import add_duration, expiry
from vik.store.reviews import DECISIONS, FORUMS, decisions_per_department

LINK_STATUS = {
    LinkStatus.ZEKER: "zeker",
    LinkStatus.MOGELIJK: "mogelijk (niet gebruikt voor signalen)",
}
STATUS = {"open": "open", "vervallen": "vervallen (geldt niet meer, nog bewaard)"}
KEPT_BY_LOG = "wordt niet verwijderd: het toegangslog is de verantwoording van VIK"
# Audit actions that show, change or export something about a person.
ACCESS_LABELS = {
    "persoonsdossier_bekeken": "Dossier bekeken",
    "dossier_bekeken": "Dossier bekeken",
    "persoonsgegevens_ingezien": "Persoonsgegevens ingezien",
    "signaal_bekeken": "Signaal bekeken",
    "besluit": "Besluit genomen",
    "uitgesteld": "Signaal uitgesteld",
    "koppeling_beoordeeld": "Koppeling beoordeeld",
    "informatieplicht": "Informeren vastgelegd",
    "bevraging_hit_no_hit": "Opgezocht (hit/no-hit)",
    "bevraging_inhoud": "Opgezocht (inhoud)",
    "bevraging_kandidaat": "Als kandidaat getoond bij zoeken",
    "bevraging_gezocht": "Gezocht op naam en geboortedatum",
    "inzageverzoek_geregistreerd": "Inzageverzoek geregistreerd",
    "inzage_bekeken": "Inzagerapport bekeken",
    "inzage_geleverd": "Inzagerapport geleverd",
}


class Action:
    REGISTERED = "inzageverzoek_geregistreerd"
    VIEWED = "inzage_bekeken"
    DELIVERED = "inzage_geleverd"


PURPOSE = "inzageverzoek (art. 15 AVG)"


# --- the request --------------------------------------------------------------------------


def register_request(
    session: Session,
    found: Found,
    *,
    received_on: date,
    by: str,
    settings: InzageSettings,
    today: date,
    identified_by: str,
) -> InzageRequest:
    """Register a request for one person (or, found nobody, for the hashed question)."""
    if received_on > today:
        raise InzageError("De datum van ontvangst ligt in de toekomst; geef de werkelijke datum.")
    if found.subject is None and found.candidates:
        raise InzageError("Kies eerst wie het verzoek betreft.")
    subject = found.subject.ref if found.subject else found.query_ref
    request = InzageRequest(
        received_on=received_on,
        due_on=add_duration(received_on, settings.termijn),
        subject=subject,
        identified_by=identified_by,
        registered_by=by,
    )
    session.add(request)
    session.flush()
    record(
        session,
        actor=by,
        action=Action.REGISTERED,
        object_type="inzageverzoek",
        object_id=request.id,
        purpose=PURPOSE,
        subject=subject,
        details={"ontvangen": received_on.isoformat(), "uiterlijk": request.due_on.isoformat()},
    )
    return request


def mark_delivered(session: Session, request: InzageRequest, fmt: str, by: str) -> None:
    request.delivered_at = request.delivered_at or utcnow()
    request.delivered_by = request.delivered_by or by
    request.delivered_formats = sorted({*(request.delivered_formats or []), fmt})
    session.add(request)
    record(
        session,
        actor=by,
        action=Action.DELIVERED,
        object_type="inzageverzoek",
        object_id=request.id,
        purpose=PURPOSE,
        subject=request.subject,
        details={"formaat": fmt},
    )


def record_view(session: Session, request: InzageRequest, by: str) -> None:
    record(
        session,
        actor=by,
        action=Action.VIEWED,
        object_type="inzageverzoek",
        object_id=request.id,
        purpose=PURPOSE,
        subject=request.subject,
    )


# --- the report ---------------------------------------------------------------------------


@dataclass
class LinkedRecord:
    bron: str
    record: str
    koppeling: str
    zekerheid: float | None
    methode: str | None
    gegevens: dict[str, Any]
    verwijderd: str


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


@dataclass
class AccessItem:
    op: datetime
    wie: str
    afdeling: str | None
    wat: str
    doel: str | None


@dataclass
class InzageReport:
    request: InzageRequest
    generated_at: datetime
    subject_label: str
    person: dict[str, Any] | None
    records: list[LinkedRecord] = field(default_factory=list)
    flags: list[FlagItem] = field(default_factory=list)
    evidence_flags: list[FlagItem] = field(default_factory=list)
    dossier: dict[str, Any] | None = None
    purged: list[dict[str, Any]] = field(default_factory=list)
    loo: list[dict[str, Any]] = field(default_factory=list)
    accesses: list[AccessItem] = field(default_factory=list)
    next_night: date | None = None
    purged_kept_until: str = ""

    @property
    def days_left(self) -> int:
        return (self.request.due_on - self.generated_at.date()).days

    def as_dict(self) -> dict[str, Any]:
        def flag(item: FlagItem) -> dict[str, Any]:
            return {
                "id": item.id,
                "regel": item.regel,
                "titel": item.titel,
                "over": item.over,
                "status": item.status,
                "afdelingen": item.afdelingen,
                "eerst_gezien": item.eerst_gezien.isoformat(),
                "laatst_gezien": item.laatst_gezien.isoformat(),
                "uitleg": item.uitleg,
                "bewijs": item.bewijs,
                "besluiten": [
                    {
                        "afdeling": d.afdeling,
                        "besluit": d.besluit,
                        "naar": d.naar,
                        "reden": d.reden,
                        "door": d.door,
                        "op": d.op.isoformat(),
                    }
                    for d in item.besluiten
                ],
                "geinformeerd": item.geinformeerd,
                "uitkomsten": item.uitkomsten,
                "momentopnamen": item.momentopnamen,
                "verwijderd_op": item.verwijderd_op.isoformat() if item.verwijderd_op else None,
            }

        request = self.request
        return {
            "verzoek": {
                "nummer": request.id,
                "ontvangen": request.received_on.isoformat(),
                "uiterlijk_beantwoorden": request.due_on.isoformat(),
                "wettelijke_termijn": "één maand na ontvangst (art. 12 lid 3 AVG)",
                "geidentificeerd_met": request.identified_by,
                "geregistreerd_door": request.registered_by,
                "opgesteld_op": self.generated_at.isoformat(),
            },
            "persoon": {"kenmerk": self.subject_label, "gegevens": self.person},
            "gegevens_per_bron": [vars(r) for r in self.records],
            "signalen": [flag(f) for f in self.flags],
            "signalen_met_uw_gegevens_als_bewijs": [flag(f) for f in self.evidence_flags],
            "dossier": self.dossier,
            "verwijderde_signalen": self.purged,
            "lokaal_ondermijningsoverleg": self.loo,
            "inzage_en_bevragingen": [
                {
                    "op": a.op.isoformat(),
                    "wie": a.wie,
                    "afdeling": a.afdeling,
                    "wat": a.wat,
                    "doel": a.doel,
                    "verwijderd": KEPT_BY_LOG,
                }
                for a in self.accesses
            ],
        }


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


def _loo(
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


def _flag_items(
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
    for f in sorted(flags, key=lambda f: (f.status != "open", f.first_seen_on, f.id or 0)):
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


def _accesses(
    session: Session,
    subjects: set[str],
    dossier_ids: set[int],
    flag_ids: set[int],
) -> list[AccessItem]:
    clauses: list[ColumnElement[bool]] = [col(AuditLog.subject).in_(subjects)]
    if dossier_ids:
        clauses.append(
            and_(
                col(AuditLog.object_type) == "dossier",
                col(AuditLog.object_id).in_([str(i) for i in dossier_ids]),
            )
        )
    if flag_ids:
        clauses.append(
            and_(
                col(AuditLog.object_type) == "signaal",
                col(AuditLog.object_id).in_([str(i) for i in flag_ids]),
            )
        )
    rows = session.exec(
        select(AuditLog)
        .where(or_(*clauses), col(AuditLog.action).in_(list(ACCESS_LABELS)))
        .order_by(col(AuditLog.at), col(AuditLog.id))
    ).all()
    departments = {u.username: u.department for u in session.exec(select(WebUser)).all()}
    return [
        AccessItem(
            op=row.at,
            wie=row.actor,
            afdeling=(row.details or {}).get("afdeling") or departments.get(row.actor),
            wat=ACCESS_LABELS[row.action],
            doel=row.purpose,
        )
        for row in rows
    ]


def build_report(
    session: Session,
    projection: Projection | None,
    request: InzageRequest,
    departments: Mapping[str, Any],
    *,
    today: date,
    settings: InzageSettings,
    pseudonym_key: PseudonymKey | None = None,
    followup_terms: Terms | None = None,
    actions: Mapping[str, str] | None = None,
) -> InzageReport:
    """Everything VIK holds on the person of this request (see the module docstring).

    `followup_terms` and `actions` come from config/opvolging.yaml (vik.followup)."""
    terms = followup_terms or Terms()
    entity_type, _, key = request.subject.partition(":")
    is_person = entity_type == "persoon"
    report = InzageReport(
        request=request,
        generated_at=utcnow(),
        subject_label=f"{request.subject}" if is_person else "niet gevonden",
        person=None,
        next_night=today + timedelta(days=1),
        purged_kept_until=f"{settings.bewaartermijn_verwijderd} na het verwijderen",
    )
    subjects = {request.subject}
    if not is_person:
        report.accesses = _accesses(session, subjects, set(), set())
        return report
    if projection is not None:
        report.person = projection.person(key)
    if report.person and pseudonym_key is not None:
        # A search on this person's full name and birth date that found no one or only
        # candidates is logged under the hash of that question: find it too.
        question = f"{report.person['naam_sleutel']}|{report.person['geboortedatum']}"
        subjects.add(query_reference("persoon", question, pseudonym_key))
    links = session.exec(
        select(Link)
        .where(Link.entity_type == EntityType.PERSOON, Link.entity_id == key)
        .where(col(Link.status).in_(list(LINK_STATUS)))
        .order_by(Link.source, Link.record_key)
    ).all()
    by_source: dict[str, list[Link]] = defaultdict(list)
    for link in links:
        by_source[link.source].append(link)
    for source, source_links in by_source.items():
        kept: dict[str, dict[str, Any]] = {}
        if projection is not None and projection.has(source):
            frame = projection.records_by_key(source, [link.record_key for link in source_links])
            hidden = {"record_key", "nummeraanduiding_id", "persoon_id", "bedrijf_id"}
            for row in frame.to_dicts():
                kept[row["record_key"]] = {k: v for k, v in row.items() if k not in hidden}
        for link in source_links:
            report.records.append(
                LinkedRecord(
                    bron=source,
                    record=link.record_key,
                    koppeling=LINK_STATUS.get(link.status, link.status),
                    zekerheid=link.confidence,
                    methode=link.method,
                    gegevens=kept.get(link.record_key, {}),
                    verwijderd=(
                        "bij de eerste nachtelijke run nadat de bron dit record niet meer "
                        f"levert (ten vroegste {report.next_night:%d-%m-%Y})"
                    ),
                )
            )
    own = list(
        session.exec(
            select(Flag).where(Flag.entity_type == "persoon", Flag.entity_key == key)
        ).all()
    )
    report.flags = _flag_items(session, own, departments, {("persoon", key): "u"}, terms)
    # Flags on an address or company whose evidence includes one of this person's records.
    record_keys = {
        (link.source, link.record_key) for link in links if link.status == LinkStatus.ZEKER
    }
    evidence_flags: list[Flag] = []
    if record_keys:
        rows = session.exec(
            select(FlagEvidence.flag_id, FlagEvidence.source, FlagEvidence.record_key).where(
                col(FlagEvidence.record_key).in_({k for _, k in record_keys})
            )
        ).all()
        ids = {flag_id for flag_id, s, k in rows if (s, k) in record_keys}
        own_ids = {f.id for f in own}
        if ids - own_ids:
            evidence_flags = list(
                session.exec(select(Flag).where(col(Flag.id).in_(ids - own_ids))).all()
            )
    labels: dict[tuple[str, str], str] = {
        (d.entity_type, d.entity_key): d.label
        for d in session.exec(
            select(Dossier).where(
                or_(
                    *[
                        and_(
                            col(Dossier.entity_type) == f.entity_type,
                            col(Dossier.entity_key) == f.entity_key,
                        )
                        for f in evidence_flags
                    ]
                    or [col(Dossier.id) == -1]
                )
            )
        ).all()
    }
    report.evidence_flags = _flag_items(session, evidence_flags, departments, labels, terms)
    report.loo = _loo(
        session,
        ("persoon", key),
        {f.id for f in [*own, *evidence_flags] if f.id is not None},
        departments,
        actions or {},
        terms,
    )
    dossier = session.exec(
        select(Dossier).where(Dossier.entity_type == "persoon", Dossier.entity_key == key)
    ).first()
    if dossier is not None:
        ends = [f.verwijderd_op for f in report.flags if f.verwijderd_op]
        report.dossier = {
            "nummer": dossier.id,
            "gegevens": dossier.details or {},
            "signalen": len(report.flags),
            "verwijderd_op": max(ends).isoformat() if ends else None,
        }
    purged = session.exec(
        select(PurgedFlag).where(PurgedFlag.entity_type == "persoon", PurgedFlag.entity_key == key)
    ).all()
    per_rule: Counter[tuple[str, str]] = Counter(
        (p.rule_id, p.purged_on.isoformat()) for p in purged
    )
    report.purged = [
        {
            "regel": rule_id,
            "verwijderd_op": day,
            "aantal": count,
            "telling_bewaard_tot": add_duration(
                date.fromisoformat(day), settings.bewaartermijn_verwijderd
            ).isoformat(),
        }
        for (rule_id, day), count in sorted(per_rule.items())
    ]
    report.accesses = _accesses(
        session,
        subjects | {subject_ref("persoon", key)},
        {dossier.id} if dossier is not None and dossier.id is not None else set(),
        {f.id for f in own if f.id is not None},
    )
    return report
