"""What the decider saw: a frozen copy of a flag at the moment of each decision.

    >>> snapshot = take_snapshot(session, flag, review, today=date(2026, 11, 22))  # doctest: +SKIP
    >>> verify(snapshot)
    True

Every night rewrites a flag's values, explanation and evidence; a decision must still
be explainable afterwards, for a bezwaar or a judge. The snapshot holds the rule id,
version and hash, the measure values, the explanation, each evidence record reference
with its extract date and link confidence, and the decision itself (department,
decision, target, reason, reviewer, time). Its ``content_hash`` is the SHA-256 of the
canonical JSON of that content (sorted keys, no spaces, UTF-8), so anyone can recompute
it; the database refuses to UPDATE a snapshot (trigger, migration 0006_case).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from vik.store.models import DecisionSnapshot, Flag, FlagEvidence, Review, stored_id

FORMAT = 1  # the layout of `content`; a later layout gets a new number


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def snapshot_content(session: Session, flag: Flag, review: Review) -> dict[str, Any]:
    """The flag as it is now, with the decision being made on it (JSON-ready)."""
    evidence = session.exec(
        select(FlagEvidence)
        .where(FlagEvidence.flag_id == flag.id)
        .order_by(col(FlagEvidence.source), col(FlagEvidence.record_key))
    ).all()
    return {
        "formaat": FORMAT,
        "signaal": flag.id,
        "regel": {"id": flag.rule_id, "versie": flag.rule_version, "sha256": flag.rule_hash},
        "entiteit": {"soort": flag.entity_type, "sleutel": flag.entity_key},
        "status": flag.status,
        "waarden": flag.values or {},
        "uitleg": flag.explanation,
        "eerst_gezien": flag.first_seen_on.isoformat(),
        "laatst_gezien": flag.last_seen_on.isoformat(),
        "bewijs": [
            {
                "bron": item.source,
                "record": item.record_key,
                "extractdatum": item.extract_date.isoformat() if item.extract_date else None,
                "zekerheid": item.link_confidence,
                "methode": item.link_method,
            }
            for item in evidence
        ],
        "besluit": {
            "afdeling": review.department,
            "besluit": review.decision,
            "naar": review.target,
            "reden": review.reason,
            "door": review.reviewer,
            "op": review.at.isoformat(),
        },
    }


def take_snapshot(session: Session, flag: Flag, review: Review, today: date) -> DecisionSnapshot:
    content = snapshot_content(session, flag, review)
    snapshot = DecisionSnapshot(
        review_id=stored_id(review),
        flag_id=stored_id(flag),
        department=review.department,
        taken_on=today,
        content=content,
        content_hash=content_hash(content),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def verify(snapshot: DecisionSnapshot) -> bool:
    """Does the stored content still give the stored hash?"""
    return content_hash(snapshot.content) == snapshot.content_hash


def snapshots_of_reviews(session: Session, review_ids: list[int]) -> dict[int, DecisionSnapshot]:
    if not review_ids:
        return {}
    rows = session.exec(
        select(DecisionSnapshot).where(col(DecisionSnapshot.review_id).in_(review_ids))
    ).all()
    return {row.review_id: row for row in rows}
