"""The inzageverzoek (art. 15 AVG): one complete report of what VIK holds on a person.

>>> request = register_request(session, found, received_on=day, by="compliance", ...)
>>> report = build_report(session, projection, request, departments, today=day, ...)
>>> render_pdf(report, organisation="Gemeente Lindewaard", contact="privacy@...")
"""

from vik.inzage.pdf import SECTIONS, render_pdf
from vik.inzage.report import (
    InzageReport,
    build_report,
    mark_delivered,
    record_view,
    register_request,
)

__all__ = [
    "SECTIONS",
    "InzageReport",
    "build_report",
    "mark_delivered",
    "record_view",
    "register_request",
    "render_pdf",
]
