"""The compliance officer's inzageverzoeken (art. 15 AVG): register, read, deliver as PDF/JSON.

The BSN or name typed in is used to find the person and is not kept: the request holds
the person's reference. Registering, viewing and every download are in the audit log.
"""

from __future__ import annotations

import json
from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select

from vik.errors import InzageError, LookupRefusedError, NoRunError, PseudonymKeyError
from vik.inzage import build_report, mark_delivered, record_view, register_request, render_pdf
from vik.inzage.report import InzageReport
from vik.lookup.projection import Projection
from vik.lookup.subjects import (
    Found,
    find_person_by_bsn,
    find_person_by_name,
    subject_of_ref,
)
from vik.store.models import InzageRequest
from vik.web._security import NotFound, RowId, Viewer, compliance, db_session, redirect
from vik.web._state import app_state
from vik.web._templates import render

router = APIRouter()
# Ids in paths: whole numbers that a database row can have; anything else is not found.


def _projection(request: Request, db: Session) -> Projection | None:
    try:
        return app_state(request).lookups.projection(db)
    except NoRunError:
        return None


def _list_page(
    request: Request,
    db: Session,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    found: Found | None = None,
    status: int = 200,
) -> Response:
    requests = db.exec(
        select(InzageRequest).order_by(col(InzageRequest.received_on).desc()).limit(200)
    ).all()
    today = app_state(request).today()
    return render(
        request,
        "inzage.html",
        {
            "requests": requests,
            "form": form or {"ontvangen": today.isoformat()},
            "error": error,
            "found": found,
            "today": today,
            "termijn": app_state(request).lookups.settings.inzage.termijn,
        },
        status=status,
    )


@router.get("/inzage")
def inzage_list(
    request: Request, viewer: Viewer = Depends(compliance), db: Session = Depends(db_session)
) -> Response:
    return _list_page(request, db)


@router.post("/inzage")
def inzage_register(
    request: Request,
    bsn: str = Form(""),
    naam: str = Form(""),
    geboortedatum: str = Form(""),
    ontvangen: str = Form(""),
    kies: str = Form(""),
    wijze: str = Form(""),
    viewer: Viewer = Depends(compliance),
    db: Session = Depends(db_session),
) -> Response:
    state = app_state(request)
    lookups = state.lookups
    form = {"naam": naam, "geboortedatum": geboortedatum, "ontvangen": ontvangen}
    try:
        try:
            received = date.fromisoformat(ontvangen) if ontvangen else state.today()
        except ValueError:
            raise InzageError(
                "De datum van ontvangst is niet te lezen: gebruik jjjj-mm-dd."
            ) from None
        projection = lookups.projection(db)
        if kies:
            subject = subject_of_ref(projection, kies)
            found = Found("persoon", subject.ref, subject=subject)
            identified_by = (
                wijze if wijze in ("bsn", "naam_geboortedatum") else "naam_geboortedatum"
            )
        elif bsn.strip():
            found = find_person_by_bsn(projection, bsn, lookups.key())
            identified_by = "bsn"
        elif naam.strip() and geboortedatum.strip():
            found = find_person_by_name(
                projection, naam, geboortedatum, lookups.key(), lookups.settings, show_address=True
            )
            identified_by = "naam_geboortedatum"
        else:
            raise InzageError("Vul het BSN in, of de naam en de geboortedatum van de verzoeker.")
        if found.subject is None and found.candidates:
            return _list_page(request, db, form=form, found=found)
        inzage = register_request(
            db,
            found,
            received_on=received,
            by=viewer.username,
            settings=lookups.settings.inzage,
            today=state.today(),
            identified_by=identified_by,
        )
        db.commit()
    except (InzageError, LookupRefusedError, NoRunError, PseudonymKeyError) as problem:
        return _list_page(request, db, form=form, error=str(problem), status=400)
    return redirect(request, f"/inzage/{inzage.id}")


def _report(request: Request, db: Session, request_id: int) -> tuple[InzageRequest, InzageReport]:
    inzage = db.get(InzageRequest, request_id)
    if inzage is None:
        raise NotFound()
    state = app_state(request)
    try:
        key = state.lookups.key()
    except PseudonymKeyError:
        key = None
    report = build_report(
        db,
        _projection(request, db),
        inzage,
        state.departments,
        today=state.today(),
        settings=state.lookups.settings.inzage,
        pseudonym_key=key,
        followup_terms=state.followup.bewaartermijnen,
        actions=state.followup.acties,
    )
    return inzage, report


@router.get("/inzage/{request_id}")
def inzage_page(
    request_id: RowId,
    request: Request,
    viewer: Viewer = Depends(compliance),
    db: Session = Depends(db_session),
) -> Response:
    inzage, report = _report(request, db, request_id)
    record_view(db, inzage, viewer.username)
    db.commit()
    return render(request, "inzage_rapport.html", {"report": report, "data": report.as_dict()})


@router.get("/inzage/{request_id}/rapport.pdf")
def inzage_pdf(
    request_id: RowId,
    request: Request,
    viewer: Viewer = Depends(compliance),
    db: Session = Depends(db_session),
) -> Response:
    inzage, report = _report(request, db, request_id)
    settings = app_state(request).settings
    content = render_pdf(
        report, organisation=settings.organisation, contact=settings.register_contact
    )
    mark_delivered(db, inzage, "pdf", viewer.username)
    db.commit()
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="inzage-{request_id}.pdf"'},
    )


@router.get("/inzage/{request_id}/rapport.json")
def inzage_json(
    request_id: RowId,
    request: Request,
    viewer: Viewer = Depends(compliance),
    db: Session = Depends(db_session),
) -> Response:
    inzage, report = _report(request, db, request_id)
    mark_delivered(db, inzage, "json", viewer.username)
    db.commit()
    return Response(
        json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str),
        media_type="application/json; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="inzage-{request_id}.json"'},
    )
