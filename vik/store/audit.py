"""The audit log: one call to record what happened; the table itself refuses changes.

>>> record(session, actor="analist.handhaving", action="besluit", object_type="flag",
...        object_id="12", details={"besluit": "doorzetten"})

``subject`` names whom an entry is about ("persoon:P…", "adres:<BAG id>", "bedrijf:B…"),
so that the inzage report of a person finds every view and lookup of that person.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from vik.store.models import AuditLog


def subject_ref(entity_type: str, entity_key: str) -> str:
    """The audit log's reference to an entity: 'persoon:P7f3a…' (never a name or BSN)."""
    return f"{entity_type}:{entity_key}"


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    purpose: str | None = None,
    details: dict[str, Any] | None = None,
    subject: str | None = None,
) -> AuditLog:
    entry = AuditLog(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        details=details,
        subject=subject,
    )
    session.add(entry)
    return entry
