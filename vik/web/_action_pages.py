"""An LOO action (afspraak) in the browser: its owner department records the integrale
controle and closes the action with its outcome; the secretariat can read it. An action
of another department is not found (404)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from vik.errors import ReviewError
from vik.followup import RESULTS, AgreementStatus
from vik.store.loo import (
    agreement_with_context,
    categories_of,
    close_agreement,
    is_overdue,
    meeting_view,
    record_check,
)
from vik.web._loo_pages import (
    MESSAGES,
    audit_view,
    is_secretariat,
    parse_day,
    user_names,
)
from vik.web._security import NotFound, RowId, Viewer, analist, db_session, redirect
from vik.web._state import app_state
from vik.web._templates import render

router = APIRouter()


def _action_or_404(
    request: Request, db: Session, viewer: Viewer, agreement_id: int
) -> tuple[Any, ...]:
    found = agreement_with_context(db, agreement_id)
    if found is None:
        raise NotFound("loo_afspraak", agreement_id)
    agreement, item, meeting = found
    if viewer.department != agreement.owner and not is_secretariat(request, viewer):
        raise NotFound("loo_afspraak", agreement_id, exists=True)
    return agreement, item, meeting


def _action_response(
    request: Request,
    db: Session,
    viewer: Viewer,
    agreement_id: RowId,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    state = app_state(request)
    agreement, item, meeting = _action_or_404(request, db, viewer, agreement_id)
    signals = [s for s in item.signals if s["flag_id"] in set(agreement.flag_ids)]
    view = meeting_view(db, meeting)
    outcomes = next(
        (iv.outcomes.get(agreement.id, []) for iv in view.items if iv.item.id == item.id), []
    )
    return render(
        request,
        "loo_actie.html",
        {
            "agreement": agreement,
            "item": item,
            "meeting": meeting,
            "signals": signals,
            "outcomes": outcomes,
            "owner": viewer.department == agreement.owner,
            "open": agreement.status == AgreementStatus.OPEN,
            "overdue": is_overdue(agreement, state.today()),
            "categories": categories_of(signals, state.followup),
            "followup": state.followup,
            "RESULTS": RESULTS,
            "today": state.today(),
            "names": user_names(db),
            "errors": errors or {},
            "form": form or {},
            "melding": MESSAGES.get(request.query_params.get("melding", "")),
        },
        status=status,
    )


@router.get("/loo/acties/{agreement_id}")
def action_page(
    agreement_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    _action_or_404(request, db, viewer, agreement_id)
    audit_view(db, viewer, "loo_actie_bekeken", "loo_afspraak", agreement_id)
    return _action_response(request, db, viewer, agreement_id)


def _after_action_post(
    request: Request,
    db: Session,
    viewer: Viewer,
    agreement_id: RowId,
    message: str,
    problem: ReviewError | None,
    form: dict[str, Any],
) -> Response:
    if problem is None:
        db.commit()
        return redirect(request, f"/loo/acties/{agreement_id}?melding={message}")
    db.rollback()
    return _action_response(
        request, db, viewer, agreement_id, errors={message: str(problem)}, form=form, status=400
    )


@router.post("/loo/acties/{agreement_id}/controle")
async def check(
    agreement_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    state = app_state(request)
    agreement, _, _ = _action_or_404(request, db, viewer, agreement_id)
    form = await request.form()
    values: dict[str, Any] = {
        "controle_datum": str(form.get("datum", "")),
        "bevindingen": str(form.get("bevindingen", "")),
        "controle_afdelingen": [str(d) for d in form.getlist("afdelingen")],
    }
    problem = None
    try:
        if viewer.department != agreement.owner:
            raise ReviewError("Alleen de afdeling die de actie uitvoert, legt de controle vast.")
        record_check(
            db,
            agreement,
            check_on=parse_day(values["controle_datum"]),
            departments=values["controle_afdelingen"],
            findings=values["bevindingen"],
            by=viewer.username,
            known=list(state.departments),
            today=state.today(),
        )
    except ReviewError as error:
        problem = error
    return _after_action_post(request, db, viewer, agreement_id, "controle", problem, values)


@router.post("/loo/acties/{agreement_id}/uitkomst")
async def close(
    agreement_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    state = app_state(request)
    agreement, item, _ = _action_or_404(request, db, viewer, agreement_id)
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("uitkomst", "categorie", "datum", "reden")}
    problem = None
    try:
        close_agreement(
            db,
            agreement,
            item,
            department=viewer.department or "",
            result=values["uitkomst"],
            category=values["categorie"],
            decided_on=parse_day(values["datum"]),
            reason=values["reden"],
            by=viewer.username,
            followup=state.followup,
            today=state.today(),
        )
    except ReviewError as error:
        problem = error
    return _after_action_post(request, db, viewer, agreement_id, "uitkomst", problem, values)
