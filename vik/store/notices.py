"""Informatieplicht: recording that the municipality told a person about a flag.

    >>> record_notice(session, flag, informed_on=date(2026, 12, 1), channel="brief",
    ...               reference="BZ-2026-0412", by="analist.burgerzaken",
    ...               department="burgerzaken", today=date(2026, 12, 2))

The notice is stored with the flag (and deleted with it) and appears in the inzage
report of the person; the audit log records that it was registered.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from vik.errors import ReviewError
from vik.store.audit import record, subject_ref
from vik.store.models import Flag, FlagNotice, stored_id


class Channel(StrEnum):
    BRIEF = "brief"
    GESPREK = "gesprek"
    EMAIL = "e-mail"
    ANDERS = "anders"


CHANNELS = {
    Channel.BRIEF: "Brief",
    Channel.GESPREK: "Gesprek",
    Channel.EMAIL: "E-mail",
    Channel.ANDERS: "Anders",
}
MAX_REFERENCE = 200


def record_notice(
    session: Session,
    flag: Flag,
    *,
    informed_on: date | None,
    channel: str,
    reference: str | None,
    by: str,
    department: str | None,
    today: date,
) -> FlagNotice:
    """Record that the person concerned was informed about this flag (art. 13/14 AVG)."""
    if informed_on is None:
        raise ReviewError("Geef de datum waarop de betrokkene is geïnformeerd (jjjj-mm-dd).")
    if informed_on > today:
        raise ReviewError("De datum van informeren ligt in de toekomst; geef de werkelijke datum.")
    if informed_on < flag.first_seen_on:
        raise ReviewError("De datum van informeren ligt vóór het signaal; controleer de datum.")
    if channel not in {c.value for c in Channel}:
        raise ReviewError(
            "Kies hoe de betrokkene is geïnformeerd: brief, gesprek, e-mail of anders."
        )
    reference = (reference or "").strip() or None
    if reference and len(reference) > MAX_REFERENCE:
        raise ReviewError(f"Het kenmerk is te lang: ten hoogste {MAX_REFERENCE} tekens.")
    notice = FlagNotice(
        flag_id=stored_id(flag),
        informed_on=informed_on,
        channel=channel,
        reference=reference,
        department=department,
        by=by,
    )
    session.add(notice)
    session.flush()
    record(
        session,
        actor=by,
        action="informatieplicht",
        object_type="signaal",
        object_id=flag.id,
        subject=subject_ref(flag.entity_type, flag.entity_key),
        details={"kanaal": channel, "afdeling": department, "melding": notice.id},
    )
    return notice


def notices_of(session: Session, flag_ids: Collection[int]) -> dict[int, list[FlagNotice]]:
    if not flag_ids:
        return {}
    result: dict[int, list[FlagNotice]] = {}
    for notice in session.exec(
        select(FlagNotice)
        .where(col(FlagNotice.flag_id).in_(list(flag_ids)))
        .order_by(col(FlagNotice.informed_on), col(FlagNotice.id))
    ).all():
        result.setdefault(notice.flag_id, []).append(notice)
    return result
