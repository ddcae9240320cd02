"""The two steps of a lookup, each written to the audit log before it is shown.

Step 1, hit/no-hit: per source whether VIK links a record to the subject, per department
whether it receives a flag on the subject and whether one is open; nothing more (no
counts, no dates, no content). Step 2, content: only from the sources the purpose
covers, only the purpose's columns, only records certainly linked to the subject (the
links rules read). A lookup writes to the audit log only: never a flag, a dossier or
anything another department's pages show.

    >>> request = LookupRequest("analist.burgerzaken", "burgerzaken", "adresonderzoek",
    ...                         "Melding over bewoning, zaak 2026-114", "cli")
    >>> purpose = check_request(purposes, request, "adres")
    >>> step1 = hit_no_hit(session, departments, subject, request)
    >>> step2 = show_content(session, projection, subject, purpose, request)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from sqlmodel import Session, col, select

from vik.connectors.pseudonyms import valid_bsn
from vik.connectors.schemas import SOURCES
from vik.errors import LookupRefusedError
from vik.lookup.projection import Projection
from vik.lookup.purposes import Purpose, Purposes
from vik.lookup.subjects import Found, Subject
from vik.resolve.links import CERTAIN
from vik.store.audit import record
from vik.store.models import Flag, FlagStatus, Link, RuleVersion

MIN_REASON = 10
MAX_REASON = 2000
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


class Action:
    """The audit log's actions of a lookup (vik.web._oversight labels them)."""

    REFUSED = "bevraging_geweigerd"
    SEARCHED = "bevraging_gezocht"  # no single subject: candidates or nothing found
    CANDIDATE = "bevraging_kandidaat"  # one per candidate shown
    HIT_NO_HIT = "bevraging_hit_no_hit"
    CONTENT = "bevraging_inhoud"


@dataclass(frozen=True)
class LookupRequest:
    """Who looks up, for which department, purpose and reason, through which channel."""

    user: str
    department: str | None
    purpose: str
    reason: str
    channel: str  # web | cli

    def audit_details(self, **extra: Any) -> dict[str, Any]:
        return {
            "reden": self.reason,
            "afdeling": self.department,
            "kanaal": self.channel,
            **extra,
        }


def check_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) < MIN_REASON:
        raise LookupRefusedError(
            f"Geef een reden van minstens {MIN_REASON} tekens: waarom zoekt u dit op (zaak, "
            "melding, kenmerk)? De reden komt in het toegangslog."
        )
    if len(text) > MAX_REASON:
        raise LookupRefusedError(f"De reden is te lang: ten hoogste {MAX_REASON} tekens.")
    if any(valid_bsn(number) for number in _NINE_DIGITS.findall(text)):
        raise LookupRefusedError(
            "Zet geen BSN in de reden: de reden komt in het toegangslog. Noem een zaak- of "
            "meldingsnummer."
        )
    return text


def check_request(purposes: Purposes, request: LookupRequest, entity_type: str) -> Purpose:
    """The purpose of an allowed request; otherwise a refusal naming the allowed purposes."""
    check_reason(request.reason)
    return purposes.require(request.department, request.purpose, entity_type)


def record_refusal(session: Session, request: LookupRequest, entity_type: str, why: str) -> None:
    """A refused lookup is logged too (with the purpose that was tried), without a subject."""
    record(
        session,
        actor=request.user,
        action=Action.REFUSED,
        object_type=entity_type,
        purpose=request.purpose or None,
        details=request.audit_details(weigering=why),
    )


def record_search(session: Session, found: Found, request: LookupRequest) -> None:
    """A search that gave no single subject: the (hashed) question, and each candidate shown."""
    outcome = "kandidaten" if found.candidates else "niet_gevonden"
    record(
        session,
        actor=request.user,
        action=Action.SEARCHED,
        object_type=found.entity_type,
        purpose=request.purpose,
        subject=found.query_ref,
        details=request.audit_details(uitkomst=outcome, kandidaten=len(found.candidates)),
    )
    for candidate in found.candidates:
        record(
            session,
            actor=request.user,
            action=Action.CANDIDATE,
            object_type=candidate.subject.entity_type,
            object_id=candidate.subject.key,
            purpose=request.purpose,
            subject=candidate.subject.ref,
            details=request.audit_details(zoekvraag=found.query_ref),
        )


# --- step 1 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceHit:
    bron: str
    hit: bool


@dataclass(frozen=True)
class DepartmentHit:
    afdeling: str
    naam: str
    hit: bool
    open_signalen: bool
    contact: str | None  # only where there is a hit: whom to ask


@dataclass
class HitNoHit:
    subject: Subject
    bronnen: list[SourceHit] = field(default_factory=list)
    afdelingen: list[DepartmentHit] = field(default_factory=list)

    @property
    def open_signalen(self) -> bool:
        return any(d.open_signalen for d in self.afdelingen)

    @property
    def any_hit(self) -> bool:
        return any(s.hit for s in self.bronnen) or any(d.hit for d in self.afdelingen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stap": "hit_no_hit",
            "onderwerp": {
                "soort": self.subject.entity_type,
                "referentie": self.subject.ref,
                "omschrijving": self.subject.label,
            },
            "bronnen": [{"bron": s.bron, "hit": s.hit} for s in self.bronnen],
            "afdelingen": [
                {
                    "afdeling": d.afdeling,
                    "naam": d.naam,
                    "hit": d.hit,
                    "open_signalen": d.open_signalen,
                    "contact": d.contact,
                }
                for d in self.afdelingen
            ],
            "open_signalen": self.open_signalen,
        }


def sources_of(entity_type: str) -> list[str]:
    return [name for name, schema in SOURCES.items() if schema.links_to(entity_type)]


def flag_recipients(session: Session, flags: list[Flag]) -> dict[int, set[str]]:
    """Per flag, the departments that receive it: its own department (betrokkenheid), or
    the ontvangers of the rule version that raised it (as vik.web._visibility decides)."""
    pairs = {(f.rule_id, f.rule_hash) for f in flags if not f.department}
    texts: dict[tuple[str, str], set[str]] = {}
    if pairs:
        rows = session.exec(
            select(RuleVersion.rule_id, RuleVersion.content_hash, RuleVersion.text).where(
                col(RuleVersion.content_hash).in_({h for _, h in pairs})
            )
        ).all()
        for rule_id, digest, text in rows:
            try:
                data = yaml.safe_load(text) or {}
            except yaml.YAMLError:
                data = {}
            doelbinding = data.get("doelbinding") if isinstance(data, dict) else None
            texts[(rule_id, digest)] = set((doelbinding or {}).get("ontvangers") or [])
    return {
        f.id: {f.department} if f.department else texts.get((f.rule_id, f.rule_hash), set())
        for f in flags
        if f.id is not None
    }


def presence(session: Session, departments: Mapping[str, Any], subject: Subject) -> HitNoHit:
    """Step 1 without the audit entry (the inzage report and tests use it as well)."""
    linked = set(
        session.exec(
            select(Link.source)
            .where(
                Link.entity_type == subject.entity_type,
                Link.entity_id == subject.key,
                Link.status == CERTAIN,
            )
            .distinct()
        ).all()
    )
    flags = list(
        session.exec(
            select(Flag).where(
                Flag.entity_type == subject.entity_type, Flag.entity_key == subject.key
            )
        ).all()
    )
    recipients = flag_recipients(session, flags)
    result = HitNoHit(subject, [SourceHit(s, s in linked) for s in sources_of(subject.entity_type)])
    for key, department in departments.items():
        mine = [f for f in flags if key in recipients.get(f.id or -1, set())]
        hit = bool(mine)
        result.afdelingen.append(
            DepartmentHit(
                afdeling=key,
                naam=getattr(department, "name", key),
                hit=hit,
                open_signalen=any(f.status == FlagStatus.OPEN for f in mine),
                contact=getattr(department, "contact", None) if hit else None,
            )
        )
    return result


def hit_no_hit(
    session: Session, departments: Mapping[str, Any], subject: Subject, request: LookupRequest
) -> HitNoHit:
    """Step 1, logged: presence per source and per department, nothing more."""
    result = presence(session, departments, subject)
    record(
        session,
        actor=request.user,
        action=Action.HIT_NO_HIT,
        object_type=subject.entity_type,
        object_id=subject.key,
        purpose=request.purpose,
        subject=subject.ref,
        details=request.audit_details(),
    )
    return result


# --- step 2 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceContent:
    bron: str
    kolommen: tuple[str, ...]
    records: list[dict[str, Any]]

    @property
    def hit(self) -> bool:
        return bool(self.records)


@dataclass
class Content:
    subject: Subject
    doel: str
    bronnen: list[SourceContent] = field(default_factory=list)
    # Sources linked to this kind of subject that the purpose does not cover: named, not shown.
    niet_in_doel: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "stap": "inhoud",
            "doel": self.doel,
            "onderwerp": {
                "soort": self.subject.entity_type,
                "referentie": self.subject.ref,
                "omschrijving": self.subject.label,
            },
            "bronnen": [
                {"bron": s.bron, "hit": s.hit, "kolommen": list(s.kolommen), "records": s.records}
                for s in self.bronnen
            ],
            "niet_in_doel": self.niet_in_doel,
        }


def content(projection: Projection, subject: Subject, purpose_id: str, purpose: Purpose) -> Content:
    """Step 2 without the audit entry: the purpose's projection of the linked records."""
    result = Content(subject, purpose_id)
    covered = purpose.sources_for(subject.entity_type)
    for source in covered:
        columns = purpose.fields_of(source)
        available = set(projection.columns_of(source))
        missing = [c for c in columns if c not in available]
        if missing:
            raise LookupRefusedError(
                f"De gegevens van de laatste run bevatten {source}.{missing[0]} niet: het doel "
                "is na die run gewijzigd. Na de volgende nachtelijke run zijn ze er."
            )
        frame = projection.records(source, subject.entity_type, subject.key, columns)
        result.bronnen.append(
            SourceContent(source, columns, frame.select(list(columns)).to_dicts())
        )
    result.niet_in_doel = [s for s in sources_of(subject.entity_type) if s not in covered]
    return result


def show_content(
    session: Session,
    projection: Projection,
    subject: Subject,
    purpose: Purpose,
    request: LookupRequest,
) -> Content:
    """Step 2, logged with the sources and the number of records shown (never their content)."""
    result = content(projection, subject, request.purpose, purpose)
    record(
        session,
        actor=request.user,
        action=Action.CONTENT,
        object_type=subject.entity_type,
        object_id=subject.key,
        purpose=request.purpose,
        subject=subject.ref,
        details=request.audit_details(
            bronnen={s.bron: len(s.records) for s in result.bronnen}, run=projection.run_id
        ),
    )
    return result
