"""Reopening: a flag decided "geen actie" comes back when the situation got worse.

    >>> reopen_flags(session, run, rules)                    # doctest: +SKIP
    1

Each night, for every department's "geen actie" on a flag that still holds, tonight's
flag is compared with what that department saw when it decided (its snapshot,
vik.store.snapshots): a measure that moved past the decided value in the direction
that signals more (vik.rules.directions: more inschrijvingen, a smaller floor area), or
evidence records that were not there, sends the flag back to "te beoordelen" for that
department. Its history says why, in an entry by the night. Other departments'
decisions are left alone. Decisions without a snapshot (from before snapshots existed)
are not reopened: what was decided on is not known.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlmodel import Session, col, select

from vik.followup import Decision
from vik.rules import RuleSet
from vik.rules.directions import Direction, measure_directions, moved_past
from vik.store.audit import record
from vik.store.models import Flag, FlagDecision, FlagEvidence, FlagStatus, Review, Run, stored_id
from vik.store.snapshots import snapshots_of_reviews

ACTOR = "nachtelijke run"
VERB = {Direction.HIGHER: "steeg", Direction.LOWER: "daalde"}


def format_value(value: Any) -> str:
    """A measure value as the dossier writes it: 12, 82,5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").replace(".", ",")
    return str(value)


def reasons_to_reopen(
    seen: dict[str, Any],
    values: dict[str, Any],
    evidence: set[tuple[str, str]],
    directions: dict[str, Direction],
) -> list[str]:
    """Why tonight's flag differs for the worse from what was seen (empty: it does not)."""
    reasons = []
    before = seen.get("waarden") or {}
    for name, direction in sorted(directions.items()):
        if name in before and name in values and moved_past(direction, before[name], values[name]):
            reasons.append(
                f"{name} {VERB[direction]} van {format_value(before[name])} naar "
                f"{format_value(values[name])} (besloten bij {format_value(before[name])})"
            )
    known = {(item["bron"], item["record"]) for item in seen.get("bewijs") or []}
    new = Counter(source for source, key in evidence - known)
    if new:
        reasons.append(
            "nieuwe bronrecords sinds het besluit: "
            + ", ".join(f"{source} {count}" for source, count in sorted(new.items()))
        )
    return reasons


def reopen_flags(session: Session, run: Run, rules: RuleSet) -> int:
    """Send "geen actie" flags that got worse back to "te beoordelen"; returns how many
    department decisions were reopened."""
    pairs = session.exec(
        select(FlagDecision, Flag)
        .join(Flag, col(Flag.id) == col(FlagDecision.flag_id))
        .where(
            FlagDecision.decision == Decision.GEEN_ACTIE,
            Flag.status == FlagStatus.OPEN,
            Flag.last_seen_run == run.id,
        )
    ).all()
    if not pairs:
        return 0
    snapshots = snapshots_of_reviews(session, [d.review_id for d, _ in pairs if d.review_id])
    flag_ids = list({flag.id for _, flag in pairs})
    evidence: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for flag_id, source, key in session.exec(
        select(FlagEvidence.flag_id, FlagEvidence.source, FlagEvidence.record_key).where(
            col(FlagEvidence.flag_id).in_(flag_ids)
        )
    ).all():
        evidence[flag_id].add((source, key))
    directions = {
        loaded.id: measure_directions(loaded.rule.condition or "", loaded.rule.measures)
        for loaded in rules.valid
    }
    reopened = 0
    for decision, flag in pairs:
        snapshot = snapshots.get(decision.review_id or -1)
        if snapshot is None:
            continue
        reasons = reasons_to_reopen(
            snapshot.content,
            flag.values or {},
            evidence[flag.id or 0],
            directions.get(flag.rule_id, {}),
        )
        if not reasons:
            continue
        review = Review(
            flag_id=stored_id(flag),
            department=decision.department,
            decision=Decision.HEROPEND,
            reason="Opnieuw te beoordelen: " + "; ".join(reasons) + ".",
            reviewer=ACTOR,
        )
        session.add(review)
        session.flush()
        decision.decision = decision.target = None
        decision.decided_on, decision.decided_by = None, None
        decision.review_id = review.id
        decision.reopened_on = run.peildatum
        session.add(decision)
        record(
            session,
            actor=ACTOR,
            action="heropend",
            object_type="signaal",
            object_id=flag.id,
            details={"regel": flag.rule_id, "afdeling": decision.department, "review": review.id},
        )
        reopened += 1
    return reopened
