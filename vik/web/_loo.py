"""The LOO agenda as one department sees it, and as a spreadsheet.

    >>> items = loo_agenda(session, rules, "handhaving", weights)            # doctest: +SKIP
    >>> inbox = loo_agenda(session, rules, None, weights)                    # the secretariat
    >>> upcoming = upcoming_agendas(session, "handhaving", "ondermijning", today)
    >>> xlsx = agenda_xlsx(items, upcoming, meta)                           # doctest: +SKIP

A department's agenda holds what it passed on to the LOO itself (its own decision,
doorzetten naar het LOO, with reason and reviewer; another department's decision on the
same flag neither adds to nor removes from it), plus what the LOO put on the agenda of
a coming meeting the department takes part in. The secretariat also sees every
department's referrals (the inbox), to put them on a meeting's agenda.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import xlsxwriter
from sqlmodel import Session, col, select

from vik.connectors.model import EntityType
from vik.flags.priority import PriorityWeights
from vik.followup import MeetingStatus
from vik.store.loo import Referral, may_see_meeting, referrals, scheduled
from vik.store.models import Dossier, Flag, FlagEvidence, LooAgendaItem, LooMeeting, Review
from vik.web._queue import PriorityLine, visible_priority, visible_themes_per_entity
from vik.web._visibility import RuleText, rule_of

FORUM = "LOO"


@dataclass
class AgendaFlag:
    flag: Flag
    rule: RuleText | None
    review: Review | None
    department: str  # who passed it on
    sources: list[tuple[str, int, date | None]]  # source, records, extract date
    meetings: list[LooMeeting] = field(default_factory=list)  # where it is on the agenda


@dataclass
class AgendaItem:
    number: int
    dossier_id: int | None
    entity_type: str
    entity_key: str
    label: str
    wijk: str | None
    priority: float
    lines: list[PriorityLine]
    reports: int
    flags: list[AgendaFlag] = field(default_factory=list)

    @property
    def referred_by(self) -> list[str]:
        return sorted({f.department for f in self.flags})


def loo_agenda(
    session: Session,
    rules: dict[tuple[str, str], RuleText],
    department: str | None,
    weights: PriorityWeights,
) -> list[AgendaItem]:
    """Open flags passed on to the LOO by `department` (None: by any, the inbox), per dossier
    by priority. The priority counts the signals that department sees (the inbox: the
    signals passed on)."""
    found: list[Referral] = referrals(session, department)
    if not found:
        return []
    flag_ids = list({r.flag.id or 0 for r in found})
    evidence: dict[int, Counter[str]] = defaultdict(Counter)
    dates: dict[tuple[int, str], date | None] = {}
    for row in session.exec(
        select(FlagEvidence).where(col(FlagEvidence.flag_id).in_(flag_ids))
    ).all():
        evidence[row.flag_id][row.source] += 1
        dates[(row.flag_id, row.source)] = row.extract_date
    if department is not None:
        themes = visible_themes_per_entity(session, rules, department)
    else:
        themes = defaultdict(dict)
        for referral in found:
            key = (referral.flag.entity_type, referral.flag.entity_key)
            themes[key][referral.flag.rule_id] = referral.flag.theme
    on_agenda = scheduled(session, flag_ids)
    grouped: dict[tuple[EntityType, str], list[Referral]] = defaultdict(list)
    for referral in found:
        grouped[(referral.flag.entity_type, referral.flag.entity_key)].append(referral)
    items = []
    for key, entity_referrals in grouped.items():
        dossier = session.exec(
            select(Dossier).where(Dossier.entity_type == key[0], Dossier.entity_key == key[1])
        ).first()
        priority, lines = (
            visible_priority(dossier.breakdown, themes.get(key, {}), weights)
            if dossier
            else (0.0, [])
        )
        items.append(
            AgendaItem(
                number=0,
                dossier_id=dossier.id if dossier else None,
                entity_type=key[0],
                entity_key=key[1],
                label=dossier.label if dossier else key[0],
                wijk=dossier.wijk if dossier else None,
                priority=priority,
                lines=lines,
                reports=dossier.reports if dossier else 0,
                flags=[
                    AgendaFlag(
                        flag=r.flag,
                        rule=rule_of(r.flag, rules),
                        review=r.review,
                        department=r.decision.department,
                        sources=[
                            (source, count, dates.get((r.flag.id or 0, source)))
                            for source, count in sorted(evidence[r.flag.id or 0].items())
                        ],
                        meetings=on_agenda.get(r.flag.id or 0, []),
                    )
                    for r in sorted(
                        entity_referrals, key=lambda r: (r.flag.rule_id, r.decision.department)
                    )
                ],
            )
        )
    items.sort(key=lambda item: (-item.priority, item.label))
    for number, item in enumerate(items, start=1):
        item.number = number
    return items


@dataclass
class UpcomingAgenda:
    meeting: LooMeeting
    items: list[LooAgendaItem]


def upcoming_agendas(
    session: Session, department: str | None, secretariat: str, today: date
) -> list[UpcomingAgenda]:
    """The agendas of coming meetings the department takes part in, as the LOO set them."""
    meetings = session.exec(
        select(LooMeeting)
        .where(LooMeeting.status == MeetingStatus.GEPLAND, LooMeeting.held_on >= today)
        .order_by(col(LooMeeting.held_on), col(LooMeeting.id))
    ).all()
    result = []
    for meeting in meetings:
        if not may_see_meeting(meeting, department, secretariat):
            continue
        items = session.exec(
            select(LooAgendaItem)
            .where(LooAgendaItem.meeting_id == meeting.id)
            .order_by(col(LooAgendaItem.number))
        ).all()
        result.append(UpcomingAgenda(meeting, list(items)))
    return result


@dataclass(frozen=True)
class AgendaMeta:
    department_name: str
    prepared_by: str
    prepared_at: datetime
    reviewer_names: dict[str, str]
    department_names: dict[str, str]


HEADERS = [
    ("Nr", 5),
    ("Dossier", 38),
    ("Wijk", 8),
    ("Prioriteit", 10),
    ("Signaal", 34),
    ("Uitleg", 60),
    ("Besluit door", 24),
    ("Besluit op", 12),
    ("Reden van doorzetten", 50),
    ("Bronnen (records, extractdatum)", 36),
    ("Overleg", 16),
    ("Aangedragen door", 30),
]


class Sheet:
    """A worksheet written cell by cell; text always as text, so a cell that starts with
    '=' is never a formula (xlsx formula injection)."""

    def __init__(self, workbook: Any, name: str, headers: list[tuple[str, int]]) -> None:
        self.sheet = workbook.add_worksheet(name)
        self.bold = workbook.add_format(
            {"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True}
        )
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.number = workbook.add_format({"valign": "top", "num_format": "0.##"})
        self.day = workbook.add_format({"valign": "top", "num_format": "dd-mm-yyyy"})
        self.width = len(headers)
        for column, (title, width) in enumerate(headers):
            self.sheet.write_string(0, column, title, self.bold)
            self.sheet.set_column(column, column, width)
        self.sheet.freeze_panes(1, 0)
        self.row = 1

    def add(self, values: list[Any]) -> None:
        for column, value in enumerate(values):
            if value is None or value == "":
                self.sheet.write_blank(self.row, column, None, self.wrap)
            elif isinstance(value, bool):
                self.sheet.write_string(self.row, column, "ja" if value else "nee", self.wrap)
            elif isinstance(value, int | float):
                self.sheet.write_number(self.row, column, value, self.number)
            elif isinstance(value, datetime):
                self.sheet.write_datetime(self.row, column, value.replace(tzinfo=None), self.day)
            elif isinstance(value, date):
                self.sheet.write_datetime(
                    self.row, column, datetime.combine(value, datetime.min.time()), self.day
                )
            else:
                self.sheet.write_string(self.row, column, str(value), self.wrap)
        self.row += 1

    def finish(self) -> None:
        if self.row > 1:
            self.sheet.autofilter(0, 0, self.row - 1, self.width - 1)


def about_sheet(workbook: Any, lines: list[tuple[str, str]]) -> None:
    about = workbook.add_worksheet("Toelichting")
    bold = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    about.set_column(0, 0, 26)
    about.set_column(1, 1, 90)
    for index, (key, value) in enumerate(lines):
        about.write_string(index, 0, key, bold)
        about.write_string(index, 1, value, wrap)


def _sources(entry: AgendaFlag) -> str:
    return "; ".join(
        f"{source} ({count}, {d.strftime('%d-%m-%Y') if d else 'datum onbekend'})"
        for source, count, d in entry.sources
    )


def agenda_xlsx(items: list[AgendaItem], upcoming: list[UpcomingAgenda], meta: AgendaMeta) -> bytes:
    """The agenda as a spreadsheet: one row per signal the department passed on, then one
    per signal the LOO put on a coming meeting; a sheet says what it is and who made it."""
    buffer = io.BytesIO()
    # Text stays text: a reason or a BAG or KvK name that starts with "=" or looks like a
    # URL must not become a formula or a working link (spreadsheet formula injection).
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties(
        {
            "title": "LOO-agenda",
            "subject": f"Signalen doorgezet naar het LOO door {meta.department_name}",
            "author": meta.prepared_by,
            "comments": "Vertrouwelijk: bevat adressen en signalen. Niet doorsturen.",
        }
    )
    sheet = Sheet(workbook, "LOO-agenda", HEADERS)
    for item in items:
        for entry in item.flags:
            review = entry.review
            sheet.add(
                [
                    item.number,
                    item.label,
                    item.wijk or "",
                    item.priority,
                    entry.rule.title if entry.rule else entry.flag.rule_id,
                    entry.flag.explanation,
                    meta.reviewer_names.get(review.reviewer, review.reviewer) if review else "",
                    review.at.date() if review else None,
                    review.reason if review else "",
                    _sources(entry),
                    ", ".join(m.held_on.strftime("%d-%m-%Y") for m in entry.meetings)
                    or "nog niet geagendeerd",
                    meta.department_names.get(entry.department, entry.department),
                ]
            )
    for agenda in upcoming:
        for agenda_item in agenda.items:
            for signal in agenda_item.signals:
                sheet.add(
                    [
                        agenda_item.number,
                        agenda_item.label,
                        agenda_item.wijk or "",
                        None,
                        signal.get("title", signal["rule_id"]),
                        signal.get("explanation", ""),
                        "",
                        None,
                        "",
                        "",
                        agenda.meeting.held_on.strftime("%d-%m-%Y"),
                        ", ".join(
                            meta.department_names.get(d, d) for d in signal.get("referred_by", [])
                        ),
                    ]
                )
    sheet.finish()
    about_sheet(
        workbook,
        [
            ("LOO-agenda", "Signalen die na beoordeling zijn doorgezet naar het LOO."),
            ("Afdeling", meta.department_name),
            ("Opgesteld door", meta.prepared_by),
            ("Opgesteld op", meta.prepared_at.strftime("%d-%m-%Y %H:%M")),
            ("Aantal dossiers", str(len(items))),
            ("Aantal signalen", str(sum(len(i.flags) for i in items))),
            (
                "Geagendeerd door het LOO",
                str(sum(len(a.items) for a in upcoming))
                + " dossiers op de agenda van komende overleggen waaraan de afdeling deelneemt",
            ),
            (
                "Vertrouwelijk",
                "Dit bestand bevat adressen en signalen uit VIK. Gebruik het alleen voor het "
                "LOO, stuur het niet door en verwijder het na het overleg. Het downloaden staat "
                "in het toegangslog.",
            ),
            (
                "Prioriteit",
                "Optelsom van de signalen die uw afdeling ziet, de meldingen op het adres en "
                "een bonus per extra thema (config/priority.yaml).",
            ),
        ],
    )
    workbook.close()
    return buffer.getvalue()
