"""The audit log: one call to record what happened; the table itself refuses changes.

>>> record(session, actor="analist.handhaving", action="besluit", object_type="flag",
...        object_id="12", details={"besluit": "doorzetten"})
"""

from __future__ import annotations

from sqlmodel import Session

from vik.store.models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    purpose: str | None = None,
    details: dict | None = None,
) -> AuditLog:
    entry = AuditLog(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        purpose=purpose,
        details=details,
    )
    session.add(entry)
    return entry
