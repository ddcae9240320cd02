"""Retention status and the access log, for the compliance officer.

    >>> rows = retention_status(session, today=date(2026, 11, 22))       # doctest: +SKIP
    >>> log = access_log(session, since, until, action=None, threshold=20)  # doctest: +SKIP
    >>> [(d.actor, d.views) for d in log.unusual]
    [('analist.handhaving', 31)]

People-level views are opening a person's dossier and opening a person's details
(with a stated purpose). Many of them by one user in one day is unusual and is
highlighted: it may be legitimate (an LOO preparation), but the officer asks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from vik.store.followup_retention import KINDS as FOLLOWUP_KINDS
from vik.store.models import (
    AuditLog,
    Flag,
    LinkJudgement,
    Outcome,
    Review,
    Run,
    RunStatus,
    Snooze,
)
from vik.store.retention import LEFTOVERS, expiry

LOCAL = ZoneInfo("Europe/Amsterdam")
NOT_FLAGS = (*LEFTOVERS, *FOLLOWUP_KINDS)  # kinds in run.purged that are not rule ids
PEOPLE_LEVEL = (
    "persoonsdossier_bekeken",
    "persoonsgegevens_ingezien",
    "bevraging_hit_no_hit",
    "bevraging_inhoud",
)
ACTIONS = {
    "aangemeld": "Aangemeld",
    "afgemeld": "Afgemeld",
    "aanmelden_mislukt": "Aanmelden mislukt",
    "aanmelden_geblokkeerd": "Aanmelden geblokkeerd (te veel pogingen)",
    "aanmelden_geweigerd": "Aanmelden geweigerd (account uitgeschakeld)",
    "aanmelden_vertraagd": "Aanmelden vertraagd (te veel mislukte pogingen)",
    "signalen_bekeken": "Signalenlijst bekeken",
    "dossier_bekeken": "Dossier bekeken",
    "persoonsdossier_bekeken": "Persoonsdossier bekeken",
    "persoonsgegevens_ingezien": "Persoonsgegevens ingezien",
    "signaal_bekeken": "Signaal bekeken",
    "besluit": "Besluit",
    "uitgesteld": "Uitgesteld",
    "koppeling_beoordeeld": "Koppeling beoordeeld",
    "loo_agenda_bekeken": "LOO-agenda bekeken",
    "loo_agenda_gedownload": "LOO-agenda gedownload",
    "loo_agenda_afgedrukt": "LOO-agenda afdrukversie",
    "loo_overleg_gepland": "LOO-overleg gepland",
    "loo_geagendeerd": "Dossier geagendeerd voor het LOO",
    "loo_besproken": "Bespreking in het LOO vastgelegd",
    "loo_afspraak": "LOO-afspraak vastgelegd",
    "loo_overleg_gehouden": "LOO-overleg gehouden",
    "loo_overleg_bekeken": "LOO-overleg bekeken",
    "loo_verslag_afgedrukt": "LOO-verslag afdrukversie",
    "loo_verslag_gedownload": "LOO-verslag gedownload",
    "loo_actie_bekeken": "LOO-actie bekeken",
    "integrale_controle": "Integrale controle vastgelegd",
    "loo_afspraak_afgerond": "LOO-actie afgerond",
    "uitkomst": "Uitkomst vastgelegd",
    "heropend": "Heropend door de nachtelijke run",
    "momentopname_bekeken": "Momentopname van een besluit bekeken",
    "algoritmeregister_gedownload": "Algoritmeregister gedownload",
    "toegangslog_bekeken": "Toegangslog bekeken",
    "toegang_geweigerd": "Toegang geweigerd (andere afdeling of rol)",
    "niet_gevonden": "Gevraagd maar niet gevonden",
    "formulier_geweigerd": "Formulier geweigerd (CSRF)",
    "bewaartermijn_verwijderd": "Verwijderd na bewaartermijn",
    "gebruiker_aangemaakt": "Gebruiker aangemaakt",
    "gebruiker_gewijzigd": "Gebruiker gewijzigd",
    "gebruiker_uitgeschakeld": "Gebruiker uitgeschakeld",
    "gebruiker_ingeschakeld": "Gebruiker ingeschakeld",
    "wachtwoord_gewijzigd": "Wachtwoord gewijzigd",
    "informatieplicht": "Betrokkene geïnformeerd (vastgelegd)",
    "bevraging_geweigerd": "Bevraging geweigerd",
    "bevraging_gezocht": "Bevraging: gezocht (kandidaten of niets)",
    "bevraging_kandidaat": "Bevraging: kandidaat getoond",
    "bevraging_hit_no_hit": "Bevraging: hit/no-hit",
    "bevraging_inhoud": "Bevraging: inhoud",
    "inzageverzoek_geregistreerd": "Inzageverzoek geregistreerd",
    "inzage_bekeken": "Inzagerapport bekeken",
    "inzage_geleverd": "Inzagerapport geleverd",
    "export_signalen": "Export signalen (CSV)",
    "export_koppelingen": "Export koppelingen (CSV)",
}


def local_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def day_start(day: date) -> datetime:
    """Midnight in Amsterdam of this day, in UTC."""
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC)


@dataclass
class RetentionRow:
    rule_id: str
    term: str | None
    starts: str | None
    stored: int = 0
    due_now: int = 0
    due_soon: int = 0
    next_expiry: date | None = None


@dataclass
class PurgeNight:
    run_id: int
    peildatum: date
    purged: dict[str, int]

    @property
    def per_rule(self) -> dict[str, int]:
        """Flags deleted per rule."""
        return {k: n for k, n in self.purged.items() if k not in NOT_FLAGS}

    @property
    def leftovers(self) -> dict[str, int]:
        """Snoozes and link judgements that went with them; LOO meetings, outcomes and
        snapshots past their own terms."""
        return {k: n for k, n in self.purged.items() if k in NOT_FLAGS}

    @property
    def total(self) -> int:
        return sum(self.per_rule.values())


def retention_status(session: Session, today: date, soon_days: int = 30) -> list[RetentionRow]:
    """Per rule: flags kept, past their term (the next run deletes them) and due soon."""
    rows: dict[str, RetentionRow] = {}
    soon = today + timedelta(days=soon_days)
    for flag in session.exec(select(Flag)).all():
        row = rows.setdefault(
            flag.rule_id, RetentionRow(flag.rule_id, flag.bewaartermijn, flag.bewaartermijn_aanvang)
        )
        row.stored += 1
        end = expiry(flag)
        if end is None:
            continue
        if end < today:
            row.due_now += 1
        elif end < soon:
            row.due_soon += 1
        if row.next_expiry is None or end < row.next_expiry:
            row.next_expiry = end
    return sorted(rows.values(), key=lambda r: r.rule_id)


def purge_history(session: Session, limit: int = 60) -> list[PurgeNight]:
    runs = session.exec(
        select(Run)
        .where(Run.status == RunStatus.GESLAAGD)
        .order_by(col(Run.id).desc())
        .limit(limit)
    ).all()
    return [PurgeNight(r.id, r.peildatum, dict(r.purged or {})) for r in runs]


@dataclass
class AccessEntry:
    entry: AuditLog
    local_time: datetime
    unusual: bool
    # The stated purpose (person-level views) or the reason of a decision, snooze or link
    # judgement, read from that row while it exists: the log itself keeps no free text.
    reason: str | None = None


REASON_GONE = "(reden verwijderd na bewaartermijn)"


def _reasons(session: Session, rows: list[AuditLog]) -> dict[int, str]:
    """AuditLog id → the reason of the review, snooze or judgement it refers to, if kept."""
    wanted: dict[type, dict[int, int]] = {Review: {}, Snooze: {}, LinkJudgement: {}, Outcome: {}}
    for row in rows:
        details = row.details or {}
        if row.action in ("besluit", "heropend") and "review" in details:
            wanted[Review][int(details["review"])] = row.id
        elif row.action == "uitkomst" and "uitkomst_id" in details:
            wanted[Outcome][int(details["uitkomst_id"])] = row.id
        elif row.action == "uitgesteld" and "uitstel" in details:
            wanted[Snooze][int(details["uitstel"])] = row.id
        elif row.action == "koppeling_beoordeeld" and row.object_id:
            wanted[LinkJudgement][int(row.object_id)] = row.id
    found: dict[int, str] = {}
    for model, ids in wanted.items():
        if ids:
            kept = session.exec(select(model).where(col(model.id).in_(list(ids)))).all()
            found.update({ids[item.id]: item.reason for item in kept if item.reason})
    referring = {entry for ids in wanted.values() for entry in ids.values()}
    return {entry: found.get(entry, REASON_GONE) for entry in referring}


@dataclass
class UnusualDay:
    actor: str
    day: date
    views: int


@dataclass
class AccessLog:
    entries: list[AccessEntry] = field(default_factory=list)
    unusual: list[UnusualDay] = field(default_factory=list)
    views_per_day: list[UnusualDay] = field(default_factory=list)
    truncated: bool = False


def access_log(
    session: Session,
    since: date,
    until: date,
    action: str | None,
    threshold: int,
    limit: int = 1000,
) -> AccessLog:
    """Entries between two local days (inclusive), newest first; unusual ones marked."""
    start, end = day_start(since), day_start(until + timedelta(days=1))
    window = (col(AuditLog.at) >= start, col(AuditLog.at) < end)
    views: Counter[tuple[str, date]] = Counter()
    for actor, at in session.exec(
        select(AuditLog.actor, AuditLog.at).where(*window, col(AuditLog.action).in_(PEOPLE_LEVEL))
    ).all():
        views[(actor, local_day(at))] += 1
    per_day = [UnusualDay(a, d, n) for (a, d), n in views.items()]
    unusual = [u for u in per_day if u.views > threshold]
    flagged = {(u.actor, u.day) for u in unusual}
    query = select(AuditLog).where(*window)
    if action:
        query = query.where(AuditLog.action == action)
    rows = session.exec(
        query.order_by(col(AuditLog.at).desc(), col(AuditLog.id).desc()).limit(limit + 1)
    ).all()
    entries = []
    reasons = _reasons(session, list(rows[:limit]))
    for row in rows[:limit]:
        local = row.at.astimezone(LOCAL)
        entries.append(
            AccessEntry(
                row,
                local,
                row.action in PEOPLE_LEVEL and (row.actor, local.date()) in flagged,
                row.purpose or reasons.get(row.id),
            )
        )
    return AccessLog(
        entries=entries,
        unusual=sorted(unusual, key=lambda u: (-u.views, u.day)),
        views_per_day=sorted(per_day, key=lambda u: (u.day, u.actor), reverse=True),
        truncated=len(rows) > limit,
    )
