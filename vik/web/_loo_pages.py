"""The LOO cycle in the browser: agenda, meetings, agreements, integrale controles, outcomes.

Who does what (docs/web.md):

* every analist: sees what its own department passed on to the LOO and what the LOO put
  on the agenda of a coming meeting it takes part in; opens the meetings it takes part
  in and their minutes; carries out and closes the actions its department owns;
* the secretariat (an analist of the department named in config/opvolging.yaml,
  ``loo.secretariaat``): sees every department's referrals, plans meetings, puts
  referred dossiers on the agenda, records the discussion and the agreements, and marks
  a meeting as held.

A meeting of which the department is not a participant is not found (404). The actions
(afspraken) themselves have their pages in _action_pages. Every page with addresses or
agreements is in the access log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from vik.errors import ReviewError
from vik.followup import RESULTS
from vik.store.audit import record
from vik.store.loo import (
    actions_of,
    add_agreement,
    add_to_agenda,
    is_overdue,
    mark_held,
    may_see_meeting,
    meeting_view,
    meetings_for,
    plan_meeting,
    set_discussion,
)
from vik.store.models import Dossier, LooAgendaItem, LooMeeting, WebUser
from vik.web._loo import AgendaMeta, agenda_xlsx, loo_agenda, upcoming_agendas
from vik.web._minutes import minutes_xlsx
from vik.web._security import (
    MAX_ID,
    Forbidden,
    NotFound,
    RowId,
    Viewer,
    analist,
    db_session,
    redirect,
)
from vik.web._state import app_state
from vik.web._templates import render

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Why these pages are opened, for the access log.
PURPOSE = "LOO: voorbereiden, bespreken en afspraken volgen"
# The purpose of viewing, printing or downloading the LOO agenda (exports carry a purpose).
AGENDA_PURPOSE = "voorbereiding lokaal ondermijningsoverleg (LOO)"
# Ids in paths: whole numbers that a database row can have; anything else is not found.
MESSAGES = {
    "overleg": "Overleg gepland.",
    "agenda": "Dossier op de agenda gezet.",
    "afspraak": "Afspraak vastgelegd.",
    "bespreking": "Bespreking vastgelegd.",
    "gehouden": "Overleg vastgelegd als gehouden.",
    "controle": "Integrale controle vastgelegd.",
    "uitkomst": "Actie afgerond met haar uitkomst.",
}


def user_names(db: Session) -> dict[str, str]:
    return {u.username: u.display_name for u in db.exec(select(WebUser)).all()}


def _department_names(request: Request) -> dict[str, str]:
    return {key: d.name for key, d in app_state(request).departments.items()}


def _secretariat(request: Request) -> str:
    return str(app_state(request).followup.loo.secretariaat)


def is_secretariat(request: Request, viewer: Viewer) -> bool:
    return viewer.department == _secretariat(request)


def _require_secretariat(request: Request, viewer: Viewer) -> None:
    if not is_secretariat(request, viewer):
        raise Forbidden()


def audit_view(
    db: Session, viewer: Viewer, action: str, object_type: str, object_id: Any, **details: Any
) -> None:
    record(
        db,
        actor=viewer.username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        purpose=PURPOSE,
        details={"afdeling": viewer.department, **details},
    )
    db.commit()


def parse_day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReviewError(f"De datum {text!r} is niet te lezen; gebruik jjjj-mm-dd.") from None


# --- the LOO page -------------------------------------------------------------------------


def _loo_context(request: Request, db: Session, viewer: Viewer) -> dict[str, Any]:
    state = app_state(request)
    rules = state.rules.load(db)
    today = state.today()
    secretariat = is_secretariat(request, viewer)
    return {
        "items": loo_agenda(db, rules, viewer.department, state.weights),
        "inbox": loo_agenda(db, rules, None, state.weights) if secretariat else [],
        "upcoming": upcoming_agendas(db, viewer.department, _secretariat(request), today),
        "actions": actions_of(db, viewer.department, today),
        "meetings": meetings_for(db, viewer.department, _secretariat(request)),
        "secretariat": secretariat,
        "names": user_names(db),
        "today": today,
        "followup": state.followup,
    }


def _loo_response(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    context = _loo_context(request, db, viewer)
    return _loo_render(request, context, errors=errors, form=form, status=status)


def _loo_render(
    request: Request,
    context: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "loo.html",
        {
            **context,
            "errors": errors or {},
            "form": form or {},
            "melding": MESSAGES.get(request.query_params.get("melding", "")),
        },
        status=status,
    )


def _audit_agenda(db: Session, viewer: Viewer, action: str, context: dict[str, Any]) -> None:
    """The agenda shows and exports addresses and names: which dossiers and signals."""
    items = [*context["items"], *context["inbox"]]
    coming = [item for agenda in context["upcoming"] for item in agenda.items]
    record(
        db,
        actor=viewer.username,
        action=action,
        object_type="loo_agenda",
        purpose=AGENDA_PURPOSE,
        details={
            "afdeling": viewer.department,
            "dossiers": sorted({i.dossier_id for i in items if i.dossier_id}),
            "signalen": sorted(
                {e.flag.id for i in items for e in i.flags}
                | {s["flag_id"] for i in coming for s in i.signals}
            ),
            "agendapunten": [i.id for i in coming],
        },
    )
    db.commit()


@router.get("/loo")
def loo_page(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    context = _loo_context(request, db, viewer)
    _audit_agenda(db, viewer, "loo_agenda_bekeken", context)
    return _loo_render(request, context)


@router.get("/loo/afdrukken")
def loo_print(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    context = _loo_context(request, db, viewer)
    _audit_agenda(db, viewer, "loo_agenda_afgedrukt", context)
    return render(
        request,
        "loo_afdrukken.html",
        {**context, "now": datetime.now(app_state(request).zone)},
    )


@router.get("/loo/agenda.xlsx")
def loo_xlsx(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    state = app_state(request)
    context = _loo_context(request, db, viewer)
    department = state.departments.get(viewer.department) if viewer.department else None
    now = datetime.now(state.zone)
    content = agenda_xlsx(
        context["items"],
        context["upcoming"],
        AgendaMeta(
            department_name=department.name if department else "",
            prepared_by=viewer.display_name,
            prepared_at=now,
            reviewer_names=context["names"],
            department_names=_department_names(request),
        ),
    )
    _audit_agenda(db, viewer, "loo_agenda_gedownload", context)
    return Response(
        content,
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="loo-agenda-{now:%Y-%m-%d}.xlsx"'},
    )


@router.post("/loo/overleggen")
async def plan(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    _require_secretariat(request, viewer)
    state = app_state(request)
    form = await request.form()
    departments = [str(d) for d in form.getlist("afdelingen")]
    values = {"datum": str(form.get("datum", "")), "voorzitter": str(form.get("voorzitter", ""))}
    try:
        meeting = plan_meeting(
            db,
            held_on=parse_day(values["datum"]),
            chair=values["voorzitter"],
            departments=departments,
            by=viewer.username,
            known=list(state.departments),
            today=state.today(),
        )
    except ReviewError as problem:
        db.rollback()
        return _loo_response(
            request,
            db,
            viewer,
            errors={"overleg": str(problem)},
            form={**values, "afdelingen": departments},
            status=400,
        )
    db.commit()
    return redirect(request, f"/loo/overleggen/{meeting.id}?melding=overleg")


@router.post("/loo/agenderen")
async def put_on_agenda(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    """The secretariat puts a referred dossier on a meeting's agenda (from the inbox)."""
    _require_secretariat(request, viewer)
    form = await request.form()
    try:
        meeting = _meeting_or_404(request, db, viewer, _number(form.get("overleg")))
        dossier = db.get(Dossier, _number(form.get("dossier")) or 0)
        if dossier is None:
            raise ReviewError("Kies een doorgezet dossier.")
        add_to_agenda(db, meeting, dossier.entity_type, dossier.entity_key, by=viewer.username)
    except ReviewError as problem:
        db.rollback()
        return _loo_response(request, db, viewer, errors={"agenda": str(problem)}, status=400)
    db.commit()
    return redirect(request, f"/loo/overleggen/{meeting.id}?melding=agenda")


def _number(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


# --- a meeting ----------------------------------------------------------------------------


def _meeting_or_404(
    request: Request, db: Session, viewer: Viewer, meeting_id: int | None
) -> LooMeeting:
    if meeting_id is None:
        raise ReviewError("Kies een overleg.")
    meeting = db.get(LooMeeting, meeting_id) if 1 <= meeting_id <= MAX_ID else None
    if meeting is None or not may_see_meeting(meeting, viewer.department, _secretariat(request)):
        raise NotFound("loo_overleg", meeting_id, exists=meeting is not None)
    return meeting


def _meeting_response(
    request: Request,
    db: Session,
    viewer: Viewer,
    meeting: LooMeeting,
    *,
    template: str = "loo_overleg.html",
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    state = app_state(request)
    return render(
        request,
        template,
        {
            "view": meeting_view(db, meeting),
            "secretariat": is_secretariat(request, viewer),
            "followup": state.followup,
            "today": state.today(),
            "names": user_names(db),
            "now": datetime.now(state.zone),
            "RESULTS": RESULTS,
            "overdue": is_overdue,
            "errors": errors or {},
            "form": form or {},
            "melding": MESSAGES.get(request.query_params.get("melding", "")),
        },
        status=status,
    )


@router.get("/loo/overleggen/{meeting_id}")
def meeting_page(
    meeting_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    audit_view(db, viewer, "loo_overleg_bekeken", "loo_overleg", meeting.id)
    return _meeting_response(request, db, viewer, meeting)


@router.get("/loo/overleggen/{meeting_id}/verslag")
def minutes_print(
    meeting_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    audit_view(db, viewer, "loo_verslag_afgedrukt", "loo_overleg", meeting.id)
    return _meeting_response(request, db, viewer, meeting, template="loo_verslag.html")


@router.get("/loo/overleggen/{meeting_id}/verslag.xlsx")
def minutes_download(
    meeting_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    state = app_state(request)
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    content = minutes_xlsx(
        meeting_view(db, meeting),
        department_names=_department_names(request),
        prepared_by=viewer.display_name,
        prepared_at=datetime.now(state.zone),
        followup=state.followup,
        today=state.today(),
    )
    audit_view(db, viewer, "loo_verslag_gedownload", "loo_overleg", meeting.id)
    return Response(
        content,
        media_type=XLSX,
        headers={
            "content-disposition": f'attachment; filename="loo-verslag-{meeting.held_on:%Y-%m-%d}.xlsx"'
        },
    )


def _item_or_404(db: Session, meeting: LooMeeting, item_id: int) -> LooAgendaItem:
    item = db.get(LooAgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise NotFound("loo_agendapunt", item_id, exists=item is not None)
    return item


def _after_meeting_post(
    request: Request,
    db: Session,
    viewer: Viewer,
    meeting: LooMeeting,
    message: str,
    problem: ReviewError | None,
    key: str,
    form: dict[str, Any],
) -> Response:
    if problem is None:
        db.commit()
        return redirect(request, f"/loo/overleggen/{meeting.id}?melding={message}#{key}")
    db.rollback()
    return _meeting_response(
        request, db, viewer, meeting, errors={key: str(problem)}, form={key: form}, status=400
    )


@router.post("/loo/overleggen/{meeting_id}/punten/{item_id}/bespreking")
async def discussion(
    meeting_id: RowId,
    item_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    _require_secretariat(request, viewer)
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    item = _item_or_404(db, meeting, item_id)
    form = await request.form()
    text = str(form.get("bespreking", ""))
    problem = None
    try:
        set_discussion(db, item, text, by=viewer.username)
    except ReviewError as error:
        problem = error
    return _after_meeting_post(
        request, db, viewer, meeting, "bespreking", problem, f"punt-{item.id}", {"bespreking": text}
    )


@router.post("/loo/overleggen/{meeting_id}/punten/{item_id}/afspraken")
async def agreement(
    meeting_id: RowId,
    item_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    _require_secretariat(request, viewer)
    state = app_state(request)
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    item = _item_or_404(db, meeting, item_id)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("actie", "eigenaar", "uiterlijk", "toelichting")}
    problem = None
    try:
        add_agreement(
            db,
            item,
            action=values["actie"],
            owner=values["eigenaar"],
            deadline=parse_day(values["uiterlijk"]),
            description=values["toelichting"],
            by=viewer.username,
            followup=state.followup,
            known=list(state.departments),
            today=state.today(),
        )
    except ReviewError as error:
        problem = error
    return _after_meeting_post(
        request, db, viewer, meeting, "afspraak", problem, f"punt-{item.id}", values
    )


@router.post("/loo/overleggen/{meeting_id}/gehouden")
async def held(
    meeting_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    _require_secretariat(request, viewer)
    meeting = _meeting_or_404(request, db, viewer, meeting_id)
    form = await request.form()
    notes = str(form.get("verslag", ""))
    problem = None
    try:
        mark_held(db, meeting, notes=notes, by=viewer.username, today=app_state(request).today())
    except ReviewError as error:
        problem = error
    return _after_meeting_post(
        request, db, viewer, meeting, "gehouden", problem, "gehouden", {"verslag": notes}
    )
