"""Outcomes: what a signal turned out to be, recorded by the department that acted on it.

    >>> record_outcome(session, SignalRef.of(session, flag), department="handhaving",
    ...                result="bevestigd",
    ...                category="overtreding vastgesteld", decided_on=date(2026, 12, 1),
    ...                reason="Twaalf bewoners aangetroffen; last onder dwangsom.",
    ...                by="analist.handhaving", categories=followup.categories(flag.theme),
    ...                today=date(2026, 12, 2))                         # doctest: +SKIP

An LOO action is closed with one outcome per signal it addressed (vik.store.loo); a
department that handled a flag itself records it here directly. Per flag, the
outcomes of all departments combine into one result for the feedback per rule: one
``bevestigd`` makes the signal right; otherwise one ``niet_bevestigd`` makes it wrong;
otherwise it could not be established.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from vik.errors import ReviewError
from vik.followup import RESULTS, Decision, Result
from vik.store.audit import record
from vik.store.models import Dossier, Flag, Outcome, Review
from vik.store.reviews import check_reason, record_review

# The order in which outcomes of several departments decide a flag's combined result.
PRECEDENCE = (Result.BEVESTIGD, Result.NIET_BEVESTIGD, Result.NIET_VAST_TE_STELLEN)


def check_outcome(
    result: str,
    category: str | None,
    categories: Sequence[str],
    decided_on: date | None,
    today: date,
) -> tuple[Result, str | None, date]:
    """Validate an outcome as a user typed it; a ReviewError says what to fix."""
    if result not in RESULTS:
        raise ReviewError("Kies een uitkomst: bevestigd, niet bevestigd of niet vast te stellen.")
    outcome = Result(result)
    category = (category or "").strip() or None
    if outcome is Result.BEVESTIGD:
        if category is None:
            raise ReviewError(
                "Kies bij een bevestigde uitkomst een categorie: " + ", ".join(categories) + "."
            )
        if category not in categories:
            raise ReviewError(f"Categorie {category!r} kan niet; kies uit de lijst.")
    elif category is not None:
        raise ReviewError("Een categorie hoort alleen bij een bevestigde uitkomst; laat haar leeg.")
    if decided_on is None:
        raise ReviewError("Geef de datum van de uitkomst (jjjj-mm-dd).")
    if decided_on > today:
        raise ReviewError("De datum van de uitkomst ligt in de toekomst; een uitkomst is er al.")
    return outcome, category, decided_on


def wijk_of(session: Session, flag: Flag) -> str | None:
    return session.exec(
        select(Dossier.wijk).where(
            Dossier.entity_type == flag.entity_type, Dossier.entity_key == flag.entity_key
        )
    ).first()


@dataclass(frozen=True)
class SignalRef:
    """What an outcome keeps of its flag, so that it can be counted after the flag is gone."""

    flag_id: int
    rule_id: str
    rule_version: int
    rule_hash: str
    theme: str
    wijk: str | None

    @classmethod
    def of(cls, session: Session, flag: Flag) -> SignalRef:
        assert flag.id is not None
        return cls(
            flag.id,
            flag.rule_id,
            flag.rule_version,
            flag.rule_hash,
            flag.theme,
            wijk_of(session, flag),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "flag_id": self.flag_id,
            "rule_id": self.rule_id,
            "rule_version": self.rule_version,
            "rule_hash": self.rule_hash,
            "theme": self.theme,
            "wijk": self.wijk,
        }


def record_outcome(
    session: Session,
    signal: SignalRef,
    *,
    department: str,
    result: str,
    category: str | None,
    decided_on: date | None,
    reason: str,
    by: str,
    categories: Sequence[str],
    today: date,
    agreement_id: int | None = None,
) -> Outcome:
    outcome, category, day = check_outcome(result, category, categories, decided_on, today)
    text = check_reason(reason)
    row = Outcome(
        flag_id=signal.flag_id,
        rule_id=signal.rule_id,
        rule_version=signal.rule_version,
        rule_hash=signal.rule_hash,
        wijk=signal.wijk,
        department=department,
        result=outcome,
        category=category,
        decided_on=day,
        reason=text,
        by=by,
        agreement_id=agreement_id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        actor=by,
        action="uitkomst",
        object_type="signaal",
        object_id=signal.flag_id,
        details={
            "uitkomst": outcome.value,
            "categorie": category,
            "regel": signal.rule_id,
            "afdeling": department,
            "actie": agreement_id,
            "uitkomst_id": row.id,
        },
    )
    return row


def deciding(rows: Iterable[Outcome]) -> Outcome | None:
    """The outcome that gives a flag its result: of each department's own handling and of
    each action its latest counts (a correction replaces), then the strongest (see above)."""
    latest: dict[tuple[str, int | None], Outcome] = {}
    for row in sorted(rows, key=lambda r: (r.decided_on, r.id or 0)):
        latest[(row.department, row.agreement_id)] = row
    for result in PRECEDENCE:
        found = [row for row in latest.values() if row.result == result]
        if found:
            return max(found, key=lambda r: (r.decided_on, r.id or 0))
    return None


def outcomes_of(
    session: Session, flag_ids: Iterable[int], department: str | None = None
) -> dict[int, list[Outcome]]:
    """flag id → its outcomes, oldest first (of one department, or all)."""
    ids = list(flag_ids)
    if not ids:
        return {}
    query = select(Outcome).where(col(Outcome.flag_id).in_(ids))
    if department is not None:
        query = query.where(Outcome.department == department)
    result: dict[int, list[Outcome]] = {}
    for row in session.exec(query.order_by(col(Outcome.decided_on), col(Outcome.id))).all():
        result.setdefault(row.flag_id, []).append(row)
    return result


TRIAL_NEEDS_OUTCOME = (
    "Dit signaal komt van een proefregel: elk signaal krijgt een uitkomst. Kies bij geen actie "
    "ook de uitkomst (niet bevestigd of niet vast te stellen)."
)


def record_decision(
    session: Session,
    flag: Flag,
    *,
    department: str,
    decision: str,
    target: str | None,
    reason: str,
    reviewer: str,
    targets: Collection[str],
    today: date,
    trial: bool,
    result: str | None,
    categories: Sequence[str],
) -> Review:
    """A department's decision; with an outcome at once if given. On a proef rule's flag,
    "geen actie" ends the department's part, so it needs the outcome with it."""
    result = (result or "").strip() or None
    if trial and decision == Decision.GEEN_ACTIE and result is None:
        raise ReviewError(TRIAL_NEEDS_OUTCOME)
    if result is not None and decision != Decision.GEEN_ACTIE:
        raise ReviewError(
            "Een uitkomst bij het besluit hoort alleen bij geen actie; leg anders de uitkomst "
            "vast als die er is."
        )
    if result == Result.BEVESTIGD:
        raise ReviewError("Geen actie en bevestigd gaan niet samen; kies een ander besluit.")
    review = record_review(
        session,
        flag,
        department=department,
        decision=decision,
        target=target,
        reason=reason,
        reviewer=reviewer,
        targets=targets,
        today=today,
    )
    if result is not None:
        record_outcome(
            session,
            SignalRef.of(session, flag),
            department=department,
            result=result,
            category=None,
            decided_on=today,
            reason=reason,
            by=reviewer,
            categories=categories,
            today=today,
        )
    return review
