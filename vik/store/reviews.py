"""Human decisions on flags and links, each written to the audit log in the same transaction.

    >>> review = record_review(session, flag, decision="doorzetten", target="LOO",
    ...                        reason="Drie signalen op één adres; bespreken in het LOO.",
    ...                        reviewer="analist.handhaving", targets=TARGETS)
    >>> snooze_flag(session, flag, until=date(2027, 1, 15), reason="Wacht op de huisbezoeken.",
    ...             by="analist.handhaving", today=date(2026, 11, 22))

Nothing happens to a person or address without a decision: a decision needs a named
reviewer and a reason, and is the only way a flag reaches the LOO agenda or another
department. A judgement on a link (``is`` / ``is_niet``) is read by the matcher on
the next night (vik.store.links.load_judgements).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from vik.errors import ReviewError
from vik.store.audit import record
from vik.store.models import Flag, Link, LinkJudgement, Review, Snooze, WebUser

DECISIONS = {
    "in_behandeling": "In behandeling",
    "doorzetten": "Doorzetten",
    "geen_actie": "Geen actie",
}
# Where a flag can be passed on to, besides another department (by its id).
FORUMS = {"LOO": "LOO (lokaal ondermijningsoverleg)", "DTO/RIEC": "DTO/RIEC"}
VERDICTS = {"is": "Bevestigd: dit record hoort bij deze entiteit", "is_niet": "Afgewezen"}
MIN_REASON = 10
MAX_REASON = 4000
MAX_SNOOZE = timedelta(days=366)


def check_reason(reason: str, what: str = "reden") -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReviewError(
            f"Geef een {what} van minstens {MIN_REASON} tekens: waarom dit besluit? "
            "De reden komt in het dossier en in het toegangslog."
        )
    if len(text) > MAX_REASON:
        raise ReviewError(f"De {what} is te lang: ten hoogste {MAX_REASON} tekens.")
    return text


def record_review(
    session: Session,
    flag: Flag,
    *,
    decision: str,
    target: str | None,
    reason: str,
    reviewer: str,
    targets: Collection[str],
    today: date | None = None,
) -> Review:
    """Record a decision on an open flag; `targets` are the allowed doorzetten targets."""
    if not reviewer:
        raise ReviewError("Een besluit heeft een benoemde beoordelaar; meld je aan.")
    if flag.status != "open":
        raise ReviewError(
            "Dit signaal is vervallen: de regel vond het vannacht niet meer. Op een vervallen "
            "signaal neem je geen nieuw besluit."
        )
    if decision not in DECISIONS:
        raise ReviewError("Kies een besluit: in behandeling, doorzetten of geen actie.")
    target = (target or "").strip() or None
    if decision == "doorzetten":
        if target is None:
            raise ReviewError(
                "Kies bij doorzetten waarheen: het LOO, het DTO/RIEC of een andere afdeling."
            )
        if target not in targets:
            raise ReviewError(f"Doorzetten naar {target!r} kan niet; kies uit de lijst.")
    elif target is not None:
        raise ReviewError("Alleen bij doorzetten kies je waarheen; laat het veld dan leeg.")
    text = check_reason(reason)
    review = Review(
        flag_id=flag.id, decision=decision, target=target, reason=text, reviewer=reviewer
    )
    flag.decision = decision
    flag.decided_on = today or date.today()
    session.add(review)
    session.add(flag)
    session.flush()
    record(
        session,
        actor=reviewer,
        action="besluit",
        object_type="signaal",
        object_id=flag.id,
        # The reason stays with the review (deleted with the flag after its term); the
        # append-only log refers to it and keeps no free text.
        details={"besluit": decision, "naar": target, "regel": flag.rule_id, "review": review.id},
    )
    return review


def snooze_flag(
    session: Session, flag: Flag, *, until: date | None, reason: str, by: str, today: date
) -> Snooze:
    """Put a rule's flag on this entity aside until a date (at most a year ahead)."""
    if until is None:
        raise ReviewError("Geef een einddatum voor het uitstel (jjjj-mm-dd).")
    if until <= today:
        raise ReviewError("De einddatum van het uitstel moet na vandaag liggen.")
    if until - today > MAX_SNOOZE:
        raise ReviewError(
            "Uitstel kan ten hoogste een jaar; neem anders een besluit (bijvoorbeeld geen actie)."
        )
    if flag.status != "open":
        raise ReviewError("Dit signaal is vervallen; uitstellen is niet nodig.")
    text = check_reason(reason)
    snooze = Snooze(
        rule_id=flag.rule_id,
        entity_type=flag.entity_type,
        entity_key=flag.entity_key,
        until=until,
        reason=text,
        by=by,
    )
    session.add(snooze)
    session.flush()
    record(
        session,
        actor=by,
        action="uitgesteld",
        object_type="signaal",
        object_id=flag.id,
        details={"tot": until.isoformat(), "regel": flag.rule_id, "uitstel": snooze.id},
    )
    return snooze


def judge_link(
    session: Session, link: Link, *, verdict: str, reason: str, by: str, dossier_id: int | None
) -> LinkJudgement:
    """Confirm (``is``) or reject (``is_niet``) a possible link; the matcher obeys it nightly."""
    if link.status != "mogelijk" or not link.entity_id:
        raise ReviewError(
            "Alleen een mogelijke koppeling kun je hier bevestigen of afwijzen; deze is al "
            "zeker of heeft geen kandidaat."
        )
    if verdict not in VERDICTS:
        raise ReviewError("Kies bevestigen of afwijzen.")
    text = check_reason(reason)
    judgement = LinkJudgement(
        source=link.source,
        record_key=link.record_key,
        entity_type=link.entity_type,
        entity_id=link.entity_id,
        verdict=verdict,
        reason=text,
        by=by,
    )
    session.add(judgement)
    session.flush()
    record(
        session,
        actor=by,
        action="koppeling_beoordeeld",
        object_type="koppeling",
        object_id=judgement.id,
        details={
            "oordeel": verdict,
            "bron": link.source,
            "soort": link.entity_type,
            "dossier": dossier_id,
        },
    )
    return judgement


@dataclass(frozen=True)
class DepartmentDecision:
    """One decision on a flag, with the department it was taken for."""

    flag_id: int
    department: str | None
    decision: str
    target: str | None
    reason: str
    reviewer: str
    at: datetime


def decisions_per_department(
    session: Session, flag_ids: Collection[int]
) -> dict[int, list[DepartmentDecision]]:
    """Per flag, every decision in order, with its department. The one place that reads
    decisions for reports: a decision's department is its reviewer's department today."""
    if not flag_ids:
        return {}
    departments = {u.username: u.department for u in session.exec(select(WebUser)).all()}
    rows = session.exec(
        select(Review).where(col(Review.flag_id).in_(list(flag_ids))).order_by(Review.at, Review.id)  # type: ignore[arg-type]
    ).all()
    result: dict[int, list[DepartmentDecision]] = {}
    for review in rows:
        result.setdefault(review.flag_id, []).append(
            DepartmentDecision(
                review.flag_id,
                departments.get(review.reviewer),
                review.decision,
                review.target,
                review.reason,
                review.reviewer,
                review.at,
            )
        )
    return result
