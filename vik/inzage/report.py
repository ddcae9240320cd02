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
term of one month (art. 12 lid 3 AVG). What the report says of each flag, and of the LOO
meetings, is gathered in vik.inzage.flags.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from vik.connectors.model import EntityType
from vik.connectors.pseudonyms import PseudonymKey
from vik.errors import InzageError
from vik.followup import Terms
from vik.inzage.flags import FlagItem, flag_items, loo_items
from vik.lookup.projection import Projection
from vik.lookup.settings import InzageSettings
from vik.lookup.subjects import Found, query_reference
from vik.resolve.links import LinkStatus
from vik.store.audit import record, subject_ref
from vik.store.models import (
    AuditLog,
    Dossier,
    Flag,
    FlagEvidence,
    InzageRequest,
    Link,
    PurgedFlag,
    WebUser,
    utcnow,
)
from vik.store.retention import add_duration

LINK_STATUS = {
    LinkStatus.ZEKER: "zeker",
    LinkStatus.MOGELIJK: "mogelijk (niet gebruikt voor signalen)",
}
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
    report.flags = flag_items(session, own, departments, {("persoon", key): "u"}, terms)
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
    report.evidence_flags = flag_items(session, evidence_flags, departments, labels, terms)
    report.loo = loo_items(
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
