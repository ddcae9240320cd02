"""Retention: delete what the rule's bewaartermijn says must go, and record how many, not what.

A flag's term runs from its last signalling (``laatste_signalering``) or from
the last decision on it (``besluit``); a flag nobody decided on runs from its
last signalling: unreviewed flags expire on their own term. A flag that still
holds tonight was signalled tonight, so under ``laatste_signalering`` it stays.

    >>> purge(session, peildatum=date(2028, 1, 1), actor="nachtelijke run")
    {'overbewoning': 3, 'meldingen-cluster': 12}

What only served a flag or a record goes with it (``purge_leftovers``): an
ended snooze whose flag is gone, and an analist's link judgement on a record no
source delivers any more. Both hold a free-text reason that may name a person.

Retention does not wait for a good night: ``purge_outside_night`` does all of it
after a failed night and for ``vik purge``, rebuilding the dossiers from what
they hold, as there are no extracts to take reports and details from.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from vik.flags.priority import PriorityWeights
from vik.followup import Terms
from vik.store.audit import record
from vik.store.dossiers import refresh_stored_dossiers
from vik.store.models import (
    Flag,
    FlagDecision,
    FlagEvidence,
    FlagNotice,
    InzageRequest,
    Link,
    LinkJudgement,
    Outcome,
    PurgedFlag,
    Review,
    Snooze,
)

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def add_duration(start: date, duration: str) -> date:
    """start + an ISO 8601 duration of years, months, weeks and days (month ends clamp)."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"geen ISO 8601-duur: {duration!r}")
    years, months, weeks, days = (int(part or 0) for part in match.groups())
    total = start.year * 12 + start.month - 1 + years * 12 + months
    year, month = divmod(total, 12)
    month += 1
    moved = date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
    return moved + timedelta(weeks=weeks, days=days)


def _minus_duration(day: date, duration: str) -> date:
    """The earliest start whose term has not yet ended on `day`: start + duration >= day."""
    guess = day
    # add_duration is monotone; step back a year at a time, then a day at a time.
    while add_duration(guess, duration) >= day:
        guess -= timedelta(days=366)
    while add_duration(guess, duration) < day:
        guess += timedelta(days=1)
    return guess


def expiry(flag: Flag) -> date | None:
    """The day after which the flag must be deleted (None: no term recorded, kept)."""
    if not flag.bewaartermijn:
        return None
    start = flag.last_seen_on
    if flag.bewaartermijn_aanvang == "besluit" and flag.decided_on is not None:
        start = flag.decided_on
    if flag.closed_reason and flag.vervallen_on is not None:
        # Closed because its rule ended (withdrawn or expired): the term runs from then.
        start = max(start, flag.vervallen_on)
    return add_duration(start, flag.bewaartermijn)


def due(session: Session, peildatum: date) -> list[Flag]:
    flags = session.exec(select(Flag)).all()
    return [f for f in flags if (end := expiry(f)) is not None and end < peildatum]


def purge(session: Session, peildatum: date, actor: str) -> dict[str, int]:
    """Delete flags past their term with their evidence, decisions and reviews, and the
    free-text reasons of their outcomes (the counted outcome keeps its own term, see
    vik.store.followup_retention); audit counts per rule."""
    expired = due(session, peildatum)
    if not expired:
        return {}
    ids = [f.id for f in expired]
    per_rule = Counter(f.rule_id for f in expired)
    session.execute(delete(FlagEvidence).where(col(FlagEvidence.flag_id).in_(ids)))
    session.execute(delete(Review).where(col(Review.flag_id).in_(ids)))
    session.execute(delete(FlagDecision).where(col(FlagDecision.flag_id).in_(ids)))
    session.execute(update(Outcome).where(col(Outcome.flag_id).in_(ids)).values(reason=None))
    session.execute(delete(FlagNotice).where(col(FlagNotice.flag_id).in_(ids)))
    # What stays: that a flag of this rule on this entity was deleted, for the inzage report.
    session.add_all(
        PurgedFlag(
            entity_type=f.entity_type,
            entity_key=f.entity_key,
            rule_id=f.rule_id,
            department=f.department,
            purged_on=peildatum,
        )
        for f in expired
    )
    session.execute(delete(Flag).where(col(Flag.id).in_(ids)))
    counts = dict(sorted(per_rule.items()))
    record(
        session,
        actor=actor,
        action="bewaartermijn_verwijderd",
        object_type="flag",
        details={"peildatum": peildatum.isoformat(), "verwijderd_per_regel": counts},
    )
    return counts


# Keys of run.purged for what purge_leftovers deletes (beside the rule ids of flags).
ENDED_SNOOZES = "uitstel (verlopen, signaal weg)"
ORPHAN_JUDGEMENTS = "koppelingsoordelen (record niet meer geleverd)"
PURGED_FLAG_COUNTS = "tellingen verwijderde signalen (termijn voorbij)"
INZAGE_REQUESTS = "inzageverzoeken (termijn voorbij)"
LEFTOVERS = (ENDED_SNOOZES, ORPHAN_JUDGEMENTS, PURGED_FLAG_COUNTS, INZAGE_REQUESTS)


def purge_leftovers(
    session: Session,
    peildatum: date,
    actor: str,
    *,
    purged_flag_term: str | None = None,
    inzage_request_term: str | None = None,
) -> dict[str, int]:
    """Delete ended snoozes whose flag is gone and judgements on records that no source
    delivers any more (none left in tonight's links), and, past their terms (config/
    lookup.yaml), the counts of deleted flags and the inzage requests; audit the counts,
    not the content.

    Two set-based deletes: the link table holds millions of rows, none of them is read."""
    session.flush()
    flag_exists = (
        select(Flag.id)
        .where(
            Flag.rule_id == Snooze.rule_id,
            Flag.entity_type == Snooze.entity_type,
            Flag.entity_key == Snooze.entity_key,
        )
        .exists()
    )
    ended = session.exec(delete(Snooze).where(col(Snooze.until) < peildatum, ~flag_exists)).rowcount
    link_exists = (
        select(Link.id)
        .where(Link.source == LinkJudgement.source, Link.record_key == LinkJudgement.record_key)
        .exists()
    )
    orphans = session.exec(delete(LinkJudgement).where(~link_exists)).rowcount
    counts = {ENDED_SNOOZES: ended or 0, ORPHAN_JUDGEMENTS: orphans or 0}
    if purged_flag_term:
        # Kept until the day after purged_on + term, as flags are kept until expiry.
        latest = _minus_duration(peildatum, purged_flag_term)
        counts[PURGED_FLAG_COUNTS] = (
            session.exec(delete(PurgedFlag).where(col(PurgedFlag.purged_on) < latest)).rowcount or 0
        )
    if inzage_request_term:
        latest = _minus_duration(peildatum, inzage_request_term)
        counts[INZAGE_REQUESTS] = (
            session.exec(
                delete(InzageRequest).where(col(InzageRequest.received_on) < latest)
            ).rowcount
            or 0
        )
    counts = {kind: n for kind, n in counts.items() if n}
    if counts:
        record(
            session,
            actor=actor,
            action="opgeschoond",
            object_type="uitstel_en_oordelen",
            details={"peildatum": peildatum.isoformat(), "verwijderd": counts},
        )
    return counts


def purge_outside_night(
    session: Session,
    peildatum: date,
    weights: PriorityWeights,
    actor: str,
    *,
    purged_flag_term: str | None = None,
    inzage_request_term: str | None = None,
    followup_terms: Terms | None = None,
) -> dict[str, int]:
    """Everything past its term, without a night's extracts: flags with their evidence
    and reviews, the dossiers rebuilt (details of entities without open flags go), the
    leftovers, and (with `followup_terms`) LOO meetings, outcomes and decision snapshots.
    Counts keyed as in a night's ``run.purged``."""
    purged = purge(session, peildatum, actor=actor)
    if purged:
        refresh_stored_dossiers(session, weights)
    leftovers = purge_leftovers(
        session,
        peildatum,
        actor=actor,
        purged_flag_term=purged_flag_term,
        inzage_request_term=inzage_request_term,
    )
    follow_up = {}
    if followup_terms is not None:
        from vik.store.followup_retention import purge_followup  # it builds on this module

        follow_up = purge_followup(session, peildatum, followup_terms, actor=actor)
    return {**purged, **leftovers, **follow_up}
