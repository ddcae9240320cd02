"""The minutes (verslag) of an LOO meeting as a spreadsheet.

    >>> content = minutes_xlsx(view, meta, followup)               # doctest: +SKIP

One sheet with a row per agreement (and per agenda item without one): the dossier, its
signals, who brought it, the discussion, the action, owner, deadline, status and
outcome; one sheet with the integrale controles (date, departments, findings); one
that says what the file is.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import xlsxwriter

from vik.followup import RESULTS, FollowUp
from vik.store.loo import MeetingView, is_overdue
from vik.web._loo import Sheet, about_sheet


def minutes_xlsx(
    view: MeetingView,
    *,
    department_names: dict[str, str],
    prepared_by: str,
    prepared_at: datetime,
    followup: FollowUp,
    today: date,
) -> bytes:
    meeting = view.meeting

    def name(department: str) -> str:
        return department_names.get(department, department)

    buffer = io.BytesIO()
    # Text stays text (spreadsheet formula injection): see vik.web._loo.agenda_xlsx.
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
            "title": f"Verslag LOO {meeting.held_on:%d-%m-%Y}",
            "author": prepared_by,
            "comments": "Vertrouwelijk: bevat adressen en afspraken. Niet doorsturen.",
        }
    )
    sheet = Sheet(
        workbook,
        "Verslag",
        [
            ("Nr", 5),
            ("Dossier", 36),
            ("Wijk", 8),
            ("Signalen", 50),
            ("Aangedragen door", 28),
            ("Bespreking", 50),
            ("Actie", 26),
            ("Toelichting", 40),
            ("Eigenaar", 26),
            ("Uiterlijk", 12),
            ("Status", 14),
            ("Uitkomst", 18),
            ("Categorie", 26),
            ("Datum uitkomst", 12),
        ],
    )
    controls = Sheet(
        workbook,
        "Integrale controles",
        [
            ("Nr", 5),
            ("Dossier", 36),
            ("Eigenaar", 26),
            ("Datum controle", 12),
            ("Deelnemende afdelingen", 40),
            ("Bevindingen", 80),
        ],
    )
    for item_view in view.items:
        item = item_view.item
        common = [
            item.number,
            item.label,
            item.wijk or "",
            "; ".join(
                f"{s.get('title', s['rule_id'])}: {s.get('explanation', '')}" for s in item.signals
            ),
            ", ".join(name(d) for d in item.referred_by),
            item.discussion or "",
        ]
        if not item_view.agreements:
            sheet.add([*common, "", "", "", None, "", "", "", None])
        for agreement in item_view.agreements:
            outcomes = item_view.outcomes.get(agreement.id or 0)
            outcome = outcomes[0] if outcomes else None
            status = (
                "te laat"
                if is_overdue(agreement, today)
                else {"open": "open", "afgerond": "afgerond"}.get(
                    agreement.status, agreement.status
                )
            )
            sheet.add(
                [
                    *common,
                    followup.action_name(agreement.action),
                    agreement.description or "",
                    name(agreement.owner),
                    agreement.deadline,
                    status,
                    RESULTS.get(outcome.result, outcome.result) if outcome else "",
                    outcome.category or "" if outcome else "",
                    outcome.decided_on if outcome else None,
                ]
            )
            if agreement.check_on is not None:
                controls.add(
                    [
                        item.number,
                        item.label,
                        name(agreement.owner),
                        agreement.check_on,
                        ", ".join(name(d) for d in agreement.check_departments or []),
                        agreement.check_findings or "",
                    ]
                )
    sheet.finish()
    controls.finish()
    about_sheet(
        workbook,
        [
            ("Verslag LOO", f"Lokaal ondermijningsoverleg van {meeting.held_on:%d-%m-%Y}"),
            ("Voorzitter", meeting.chair),
            ("Deelnemers", ", ".join(name(d) for d in meeting.departments)),
            ("Status", "gehouden" if meeting.status == "gehouden" else "gepland"),
            ("Verslag", meeting.notes or ""),
            ("Opgesteld door", prepared_by),
            ("Opgesteld op", prepared_at.strftime("%d-%m-%Y %H:%M")),
            (
                "Vertrouwelijk",
                "Dit bestand bevat adressen, signalen en afspraken uit VIK. Alleen voor de "
                "deelnemers aan het LOO; niet doorsturen. Het downloaden staat in het "
                "toegangslog. Het verslag wordt bewaard tot zijn bewaartermijn "
                f"({followup.bewaartermijnen.loo_overleg}) en daarna verwijderd.",
            ),
        ],
    )
    workbook.close()
    return buffer.getvalue()
