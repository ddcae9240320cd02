"""Retention of what follows a signal: LOO meetings, outcomes and decision snapshots.

    >>> purge_followup(session, date(2029, 1, 1), followup.bewaartermijnen, actor="nachtelijke run")
    {'LOO-overleggen': 1, 'uitkomsten': 4, 'momentopnamen': 9}

Each has its own bewaartermijn in config/opvolging.yaml (docs/privacy.md):

* an LOO meeting, with its agenda and agreements, from the latest of the meeting date,
  the closing of its agreements and the deadline of any still open;
* an outcome from its date; its free-text reason already went with its flag
  (vik.store.retention.purge), what stays is the count for the feedback per rule;
* a snapshot of what a decider saw from the decision, also after the flag is gone,
  for a bezwaar or an appeal.

The nightly purge deletes what is past its term and records how many in the audit
log, never what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from vik.followup import AgreementStatus, Terms
from vik.store.audit import record
from vik.store.models import (
    DecisionSnapshot,
    LooAgendaItem,
    LooAgreement,
    LooMeeting,
    Outcome,
    stored_id,
)
from vik.store.retention import add_duration

MEETINGS = "LOO-overleggen"
OUTCOMES = "uitkomsten"
SNAPSHOTS = "momentopnamen"
KINDS = (MEETINGS, OUTCOMES, SNAPSHOTS)


def meeting_ends(session: Session, term: str) -> dict[int, date]:
    """meeting id → the day after which it (with agenda and agreements) must go."""
    starts = {stored_id(m): m.held_on for m in session.exec(select(LooMeeting)).all()}
    for meeting_id, agreement in session.exec(
        select(LooAgendaItem.meeting_id, LooAgreement).join(
            LooAgreement, col(LooAgreement.item_id) == col(LooAgendaItem.id)
        )
    ).all():
        day = (
            agreement.closed_on
            if agreement.status == AgreementStatus.AFGEROND and agreement.closed_on
            else agreement.deadline
        )
        starts[meeting_id] = max(starts[meeting_id], day)
    return {meeting_id: add_duration(start, term) for meeting_id, start in starts.items()}


def _expired_rows(
    session: Session, model: type, day_column: str, term: str, peildatum: date
) -> list[int]:
    rows = session.exec(select(model.id, getattr(model, day_column))).all()  # type: ignore[attr-defined]
    return [row_id for row_id, day in rows if add_duration(day, term) < peildatum]


def purge_followup(session: Session, peildatum: date, terms: Terms, actor: str) -> dict[str, int]:
    """Delete meetings, outcomes and snapshots past their term; audit the counts."""
    session.flush()
    meetings = [m for m, end in meeting_ends(session, terms.loo_overleg).items() if end < peildatum]
    if meetings:
        items = select(LooAgendaItem.id).where(col(LooAgendaItem.meeting_id).in_(meetings))
        session.execute(delete(LooAgreement).where(col(LooAgreement.item_id).in_(items)))
        session.execute(delete(LooAgendaItem).where(col(LooAgendaItem.meeting_id).in_(meetings)))
        session.execute(delete(LooMeeting).where(col(LooMeeting.id).in_(meetings)))
    outcomes = _expired_rows(session, Outcome, "decided_on", terms.uitkomst, peildatum)
    if outcomes:
        session.execute(delete(Outcome).where(col(Outcome.id).in_(outcomes)))
    snapshots = _expired_rows(session, DecisionSnapshot, "taken_on", terms.momentopname, peildatum)
    if snapshots:
        session.execute(delete(DecisionSnapshot).where(col(DecisionSnapshot.id).in_(snapshots)))
    counts = {
        kind: n
        for kind, n in (
            (MEETINGS, len(meetings)),
            (OUTCOMES, len(outcomes)),
            (SNAPSHOTS, len(snapshots)),
        )
        if n
    }
    if counts:
        record(
            session,
            actor=actor,
            action="bewaartermijn_verwijderd",
            object_type="opvolging",
            details={"peildatum": peildatum.isoformat(), "verwijderd": counts},
        )
    return counts


@dataclass
class FollowUpRetention:
    kind: str
    term: str
    starts: str
    stored: int = 0
    due_now: int = 0
    due_soon: int = 0
    next_expiry: date | None = None

    def add(self, end: date, today: date, soon: date) -> None:
        self.stored += 1
        if end < today:
            self.due_now += 1
        elif end < soon:
            self.due_soon += 1
        if self.next_expiry is None or end < self.next_expiry:
            self.next_expiry = end


def followup_retention_status(
    session: Session, today: date, terms: Terms, soon_days: int = 30
) -> list[FollowUpRetention]:
    soon = today + timedelta(days=soon_days)
    meetings = FollowUpRetention(
        MEETINGS, terms.loo_overleg, "overleg, laatst afgeronde afspraak of open deadline"
    )
    for end in meeting_ends(session, terms.loo_overleg).values():
        meetings.add(end, today, soon)
    outcomes = FollowUpRetention(OUTCOMES, terms.uitkomst, "datum van de uitkomst")
    for day in session.exec(select(col(Outcome.decided_on))).all():
        outcomes.add(add_duration(day, terms.uitkomst), today, soon)
    snapshots = FollowUpRetention(SNAPSHOTS, terms.momentopname, "besluit")
    for day in session.exec(select(col(DecisionSnapshot.taken_on))).all():
        snapshots.add(add_duration(day, terms.momentopname), today, soon)
    return [meetings, outcomes, snapshots]
