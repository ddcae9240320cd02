"""The LOO agenda: every open flag a department passed on to the LOO, grouped per dossier.

    >>> items = loo_agenda(session, rules, "ondermijning", weights, today)  # doctest: +SKIP
    >>> xlsx = agenda_xlsx(items, meta)                                     # doctest: +SKIP

Only a decision puts a flag on the agenda (doorzetten, naar het LOO, with a reason
and a named reviewer); the agenda carries the explanation, the decision and the
sources with their extract dates, so the signal arrives enriched at the table.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import xlsxwriter
from sqlmodel import Session, col, select

from vik.flags.priority import PriorityWeights
from vik.store.models import Dossier, Flag, FlagEvidence, Review
from vik.web._queue import PriorityLine, visible_priority, visible_themes_per_entity
from vik.web._visibility import RuleText, rule_of, visible, visible_clause

FORUM = "LOO"


@dataclass
class AgendaFlag:
    flag: Flag
    rule: RuleText | None
    review: Review
    sources: list[tuple[str, int, date | None]]  # source, records, extract date


@dataclass
class AgendaItem:
    number: int
    dossier_id: int | None
    label: str
    wijk: str | None
    priority: float
    lines: list[PriorityLine]
    reports: int
    flags: list[AgendaFlag] = field(default_factory=list)


def loo_agenda(
    session: Session,
    rules: dict[tuple[str, str], RuleText],
    department: str | None,
    weights: PriorityWeights,
) -> list[AgendaItem]:
    flags = [
        f
        for f in session.exec(
            select(Flag).where(
                Flag.status == "open",
                Flag.decision == "doorzetten",
                visible_clause(rules, department),
            )
        ).all()
        if visible(f, rules, department)
    ]
    if not flags:
        return []
    ids = [f.id for f in flags]
    latest: dict[int, Review] = {}
    for review in session.exec(
        select(Review).where(col(Review.flag_id).in_(ids)).order_by(Review.at, Review.id)
    ).all():
        latest[review.flag_id] = review
    on_agenda = [f for f in flags if f.id in latest and latest[f.id].target == FORUM]
    if not on_agenda:
        return []
    evidence: dict[int, Counter] = defaultdict(Counter)
    dates: dict[tuple[int, str], date | None] = {}
    for row in session.exec(
        select(FlagEvidence).where(col(FlagEvidence.flag_id).in_([f.id for f in on_agenda]))
    ).all():
        evidence[row.flag_id][row.source] += 1
        dates[(row.flag_id, row.source)] = row.extract_date
    themes = visible_themes_per_entity(session, rules, department)
    grouped: dict[tuple[str, str], list[Flag]] = defaultdict(list)
    for flag in on_agenda:
        grouped[(flag.entity_type, flag.entity_key)].append(flag)
    items = []
    for key, entity_flags in grouped.items():
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
                label=dossier.label if dossier else key[0],
                wijk=dossier.wijk if dossier else None,
                priority=priority,
                lines=lines,
                reports=dossier.reports if dossier else 0,
                flags=[
                    AgendaFlag(
                        flag=f,
                        rule=rule_of(f, rules),
                        review=latest[f.id],
                        sources=[
                            (source, count, dates.get((f.id, source)))
                            for source, count in sorted(evidence[f.id].items())
                        ],
                    )
                    for f in sorted(entity_flags, key=lambda f: f.rule_id)
                ],
            )
        )
    items.sort(key=lambda item: (-item.priority, item.label))
    for number, item in enumerate(items, start=1):
        item.number = number
    return items


@dataclass(frozen=True)
class AgendaMeta:
    department_name: str
    prepared_by: str
    prepared_at: datetime
    reviewer_names: dict[str, str]


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
]


def agenda_xlsx(items: list[AgendaItem], meta: AgendaMeta) -> bytes:
    """The agenda as a spreadsheet: one row per signal, a sheet with what it is and who made it."""
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
    bold = workbook.add_format(
        {"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    number = workbook.add_format({"valign": "top", "num_format": "0.##"})
    day = workbook.add_format({"valign": "top", "num_format": "dd-mm-yyyy"})
    sheet = workbook.add_worksheet("LOO-agenda")
    for column, (title, width) in enumerate(HEADERS):
        sheet.write(0, column, title, bold)
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    row = 1
    for item in items:
        for entry in item.flags:
            review = entry.review
            values = [
                (item.number, number),
                (item.label, wrap),
                (item.wijk or "", wrap),
                (item.priority, number),
                (entry.rule.title if entry.rule else entry.flag.rule_id, wrap),
                (entry.flag.explanation, wrap),
                (meta.reviewer_names.get(review.reviewer, review.reviewer), wrap),
                (review.at.date(), day),
                (review.reason, wrap),
                (
                    "; ".join(
                        f"{source} ({count}, {d.strftime('%d-%m-%Y') if d else 'datum onbekend'})"
                        for source, count, d in entry.sources
                    ),
                    wrap,
                ),
            ]
            for column, (value, fmt) in enumerate(values):
                sheet.write(row, column, value, fmt)
            row += 1
    if row > 1:
        sheet.autofilter(0, 0, row - 1, len(HEADERS) - 1)
    about = workbook.add_worksheet("Toelichting")
    about.set_column(0, 0, 26)
    about.set_column(1, 1, 90)
    lines = [
        ("LOO-agenda", "Signalen die na beoordeling zijn doorgezet naar het LOO."),
        ("Afdeling", meta.department_name),
        ("Opgesteld door", meta.prepared_by),
        ("Opgesteld op", meta.prepared_at.strftime("%d-%m-%Y %H:%M")),
        ("Aantal dossiers", str(len(items))),
        ("Aantal signalen", str(sum(len(i.flags) for i in items))),
        (
            "Vertrouwelijk",
            "Dit bestand bevat adressen en signalen uit VIK. Gebruik het alleen voor het LOO, "
            "stuur het niet door en verwijder het na het overleg. Het downloaden staat in het "
            "toegangslog.",
        ),
        (
            "Prioriteit",
            "Optelsom van de signalen die uw afdeling ziet, de meldingen op het adres en een "
            "bonus per extra thema (config/priority.yaml).",
        ),
    ]
    for index, (key, value) in enumerate(lines):
        about.write(index, 0, key, bold)
        about.write(index, 1, value, wrap)
    workbook.close()
    return buffer.getvalue()
