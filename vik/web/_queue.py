"""The flag queue of one department: filters, snoozes and the dossier priority it sees.

    >>> rows = flag_queue(session, rules, "handhaving", QueueFilters(status="te_beoordelen"),
    ...                   weights, today=date(2026, 11, 22))      # doctest: +SKIP
    >>> rows[0].priority, rows[0].label
    (5.0, 'Lijstererf 18, 1578AT Westerveld')

The priority a department sees counts only the signals it may see (plus the
meldingen on the address, and the theme bonus over the themes it sees): a
dossier's stored total could otherwise tell it that other departments have
signals there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_
from sqlmodel import Session, col, select

from vik.errors import FilterError
from vik.flags.priority import PriorityWeights
from vik.followup import Decision
from vik.store.models import Dossier, Flag, FlagDecision, FlagStatus, Snooze, stored_id
from vik.store.reviews import decisions_of
from vik.web._visibility import RuleText, rule_of, visible_clause

STATUSES = {
    "te_beoordelen": "Te beoordelen (nog geen besluit)",
    Decision.IN_BEHANDELING: "In behandeling",
    Decision.DOORZETTEN: "Doorgezet",
    Decision.GEEN_ACTIE: "Geen actie",
    "uitgesteld": "Uitgesteld",
    "vervallen": "Vervallen",
    "alle": "Alle signalen",
}
PAGE_SIZE = 200
# Dates a user types are read within these bounds: 0001-01-01 or 9999-12-31 would
# overflow the date arithmetic, and no signal or log entry is that old or that new.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
MAX_FILTER = 100  # characters in a rule or theme filter


@dataclass(frozen=True)
class QueueFilters:
    rule: str = ""
    theme: str = ""
    status: str = "te_beoordelen"
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> QueueFilters:
        status = params.get("status") or "te_beoordelen"
        if status not in STATUSES:
            raise FilterError(f"Onbekende status {status!r}; kies er een uit de lijst.")
        try:
            page = max(1, int(params.get("pagina") or 1))
        except ValueError:
            page = 1
        rule, theme = params.get("regel") or "", params.get("thema") or ""
        if len(rule) > MAX_FILTER or len(theme) > MAX_FILTER:
            raise FilterError("Een regel of thema is te lang; kies er een uit de lijst.")
        return cls(
            rule=rule,
            theme=theme,
            status=status,
            since=parse_day(params.get("vanaf"), "vanaf"),
            until=parse_day(params.get("tot"), "tot"),
            page=min(page, 10**6),
        )


def parse_day(text: str | None, name: str) -> date | None:
    """A date typed in a filter (jjjj-mm-dd), within EARLIEST and LATEST, or a FilterError."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FilterError(
            f"De datum bij '{name}' is niet te lezen: gebruik jjjj-mm-dd, bijvoorbeeld 2026-11-01."
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise FilterError(
            f"De datum bij '{name}' ligt buiten {EARLIEST.year}–{LATEST.year}; "
            "kies een datum in die jaren."
        )
    return day


@dataclass
class PriorityLine:
    signal: str
    count: int
    weight: float
    points: float


@dataclass
class QueueRow:
    flag: Flag
    rule: RuleText | None
    dossier_id: int | None
    label: str
    wijk: str | None
    priority: float
    snoozed_until: date | None = None
    decision: FlagDecision | None = None  # this department's own

    @property
    def decided(self) -> str | None:
        return self.decision.decision if self.decision else None

    @property
    def reopened(self) -> bool:
        return bool(self.decision and self.decision.decision is None and self.decision.reopened_on)


@dataclass
class Queue:
    rows: list[QueueRow] = field(default_factory=list)
    total: int = 0
    dossiers: int = 0
    page: int = 1
    pages: int = 1


def visible_priority(
    breakdown: list[Any] | None,
    visible_themes: Mapping[str, str],
    weights: PriorityWeights,
) -> tuple[float, list[PriorityLine]]:
    """The dossier's priority over the signals one department sees (rule id → theme)."""
    lines = []
    for line in breakdown or []:
        signal = line.get("signaal")
        if signal in visible_themes or signal == "meldingen":
            lines.append(
                PriorityLine(
                    signal,
                    int(line.get("aantal") or 0),
                    float(line.get("gewicht") or 0),
                    float(line.get("punten") or 0),
                )
            )
    themes = set(visible_themes.values())
    if len(themes) > 1:
        extra = len(themes) - 1
        lines.append(
            PriorityLine("themabonus", extra, weights.themabonus, extra * weights.themabonus)
        )
    lines.sort(key=lambda line: (-line.points, line.signal))
    return sum(line.points for line in lines), lines


def active_snoozes(
    session: Session, flags: Iterable[Flag], today: date, department: str | None
) -> dict[int, Snooze]:
    """Per flag id, this department's snooze that holds today (the latest ending one).

    A snooze is stored per rule and entity, and holds only for the department of
    whoever set it: another department's snooze never hides a flag."""
    flags = list(flags)
    rules = {f.rule_id for f in flags}
    if not rules or not department:
        return {}
    snoozes = session.exec(
        select(Snooze).where(
            col(Snooze.rule_id).in_(rules), Snooze.until >= today, Snooze.department == department
        )
    ).all()
    by_key: dict[tuple[str, str, str], list[Snooze]] = defaultdict(list)
    for snooze in snoozes:
        by_key[(snooze.rule_id, snooze.entity_type, snooze.entity_key)].append(snooze)
    result = {}
    for flag in flags:
        candidates = by_key.get((flag.rule_id, flag.entity_type, flag.entity_key), [])
        if candidates:
            result[stored_id(flag)] = max(candidates, key=lambda s: (s.until, s.id))
    return result


def visible_themes_per_entity(
    session: Session, rules: dict[tuple[str, str], RuleText], department: str | None
) -> dict[tuple[str, str], dict[str, str]]:
    """(entity_type, entity_key) → {rule_id: theme} over the open flags the department sees."""
    rows = session.exec(
        select(Flag.entity_type, Flag.entity_key, Flag.rule_id, Flag.theme).where(
            Flag.status == FlagStatus.OPEN, visible_clause(rules, department)
        )
    ).all()
    result: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for entity_type, entity_key, rule_id, theme in rows:
        result[(entity_type, entity_key)][rule_id] = theme
    return result


def _matches_status(flag: Flag, decision: str | None, status: str, snoozed: bool) -> bool:
    if status == "alle":
        return True
    if status == FlagStatus.VERVALLEN:
        return flag.status == FlagStatus.VERVALLEN
    if flag.status != FlagStatus.OPEN:
        return False
    if status == "uitgesteld":
        return snoozed
    if status == "te_beoordelen":
        return decision is None and not snoozed
    return decision == status


def flag_queue(
    session: Session,
    rules: dict[tuple[str, str], RuleText],
    department: str | None,
    filters: QueueFilters,
    weights: PriorityWeights,
    today: date,
) -> Queue:
    query = (
        select(Flag, Dossier)
        .join(
            Dossier,
            and_(
                col(Dossier.entity_type) == Flag.entity_type,
                col(Dossier.entity_key) == Flag.entity_key,
            ),
            isouter=True,
        )
        .where(visible_clause(rules, department))
    )
    if filters.rule:
        query = query.where(Flag.rule_id == filters.rule)
    if filters.theme:
        query = query.where(Flag.theme == filters.theme)
    if filters.since:
        query = query.where(Flag.first_seen_on >= filters.since)
    if filters.until:
        query = query.where(Flag.first_seen_on <= filters.until)
    pairs = session.exec(query).all()
    snoozes = active_snoozes(session, [f for f, _ in pairs], today, department)
    decisions = decisions_of(session, [f.id for f, _ in pairs], department)
    themes = visible_themes_per_entity(session, rules, department)
    rows = []
    for flag, dossier in pairs:
        snooze = snoozes.get(stored_id(flag))
        decision = decisions.get(flag.id or 0)
        own = decision.decision if decision else None
        if not _matches_status(flag, own, filters.status, snooze is not None):
            continue
        priority = 0.0
        if dossier is not None:
            priority, _ = visible_priority(
                dossier.breakdown, themes.get((flag.entity_type, flag.entity_key), {}), weights
            )
        rows.append(
            QueueRow(
                flag=flag,
                rule=rule_of(flag, rules),
                dossier_id=dossier.id if dossier else None,
                label=dossier.label if dossier else fallback_label(flag),
                wijk=dossier.wijk if dossier else None,
                priority=priority,
                snoozed_until=snooze.until if snooze else None,
                decision=decision,
            )
        )
    rows.sort(key=lambda r: (-r.priority, r.dossier_id or 0, r.flag.rule_id, r.flag.id or 0))
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(filters.page, pages)
    return Queue(
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(rows),
        dossiers=len({(r.flag.entity_type, r.flag.entity_key) for r in rows}),
        page=page,
        pages=pages,
    )


def fallback_label(flag: Flag) -> str:
    """A label for a flag whose dossier is gone (vervallen): never the person's key."""
    names = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}
    return f"{names.get(flag.entity_type, flag.entity_type)} (dossier gesloten)"


def filter_options(
    rules: dict[tuple[str, str], RuleText], department: str | None
) -> tuple[dict[str, str], list[str]]:
    """Rules (id → title) and themes a department can filter on."""
    visible_rules: dict[str, str] = {}
    themes: set[str] = set()
    for (rule_id, _), rule in sorted(rules.items(), key=lambda item: item[1].version):
        if department and department in rule.ontvangers:
            visible_rules[rule_id] = rule.title
            if rule.theme:
                themes.add(rule.theme)
    return dict(sorted(visible_rules.items())), sorted(themes)
