"""The analist's pages: the flag queue, dossiers, decisions, snoozes, outcomes, links and
what a decider saw (the LOO cycle is in _loo_pages and _action_pages)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from vik.errors import FilterError, ReviewError
from vik.followup import Decision
from vik.store.audit import record, subject_ref
from vik.store.models import DecisionSnapshot, Dossier, Flag, Link, WebUser, stored_id
from vik.store.notices import record_notice
from vik.store.outcomes import SignalRef, record_decision, record_outcome
from vik.store.reviews import (
    DECISIONS,
    FORUMS,
    check_reason,
    decision_of,
    judge_link,
    snooze_flag,
)
from vik.store.snapshots import verify
from vik.web._dossiers import (
    DossierView,
    find_dossier_of,
    flag_views,
    link_in_dossier,
    load_dossier,
    load_flag,
)
from vik.web._queue import QueueFilters, filter_options, flag_queue
from vik.web._security import NotFound, RowId, Viewer, analist, db_session, redirect
from vik.web._state import app_state
from vik.web._templates import render
from vik.web._visibility import RuleText, rule_of
from vik.web.inputs import check_purpose

router = APIRouter()

# Ids in paths: whole numbers that a database row can have; anything else is not found.

MESSAGES = {
    "besluit": "Besluit vastgelegd.",
    "informatieplicht": "Vastgelegd dat de betrokkene is geïnformeerd.",
    "uitstel": "Signaal uitgesteld.",
    "koppeling": "Oordeel over de koppeling vastgelegd; het geldt vanaf de volgende nachtelijke run.",
    "uitkomst": "Uitkomst vastgelegd.",
}
# Why an analist opens what a decider saw, for the access log.
PURPOSE_SNAPSHOT = "Besluit reconstrueren: wat zag de beslisser"


def _targets(department: str | None, request: Request, rule: RuleText | None) -> dict[str, str]:
    """Where a flag can be passed on to: the LOO, the DTO/RIEC, and the other departments
    the rule's doelbinding names as ontvangers (no one else may receive its signals)."""
    departments = app_state(request).departments
    targets = dict(FORUMS)
    recipients = sorted(rule.ontvangers) if rule else []
    targets.update(
        {
            key: departments[key].name if key in departments else key
            for key in recipients
            if key != department
        }
    )
    return targets


def _names(db: Session) -> dict[str, str]:
    return {u.username: u.display_name for u in db.exec(select(WebUser)).all()}


@router.get("/signalen")
def queue_page(
    request: Request, viewer: Viewer = Depends(analist), db: Session = Depends(db_session)
) -> Response:
    state = app_state(request)
    rules = state.rules.load(db)
    error = None
    try:
        filters = QueueFilters.from_query(request.query_params)
    except FilterError as problem:
        error, filters = str(problem), QueueFilters()
    queue = flag_queue(db, rules, viewer.department, filters, state.weights, state.today())
    rule_options, themes = filter_options(rules, viewer.department)
    # The queue shows addresses and company names: a view of personal data.
    record(
        db,
        actor=viewer.username,
        action="signalen_bekeken",
        object_type="signalenlijst",
        details={
            "afdeling": viewer.department,
            "status": filters.status,
            "pagina": queue.page,
            "signalen": [row.flag.id for row in queue.rows],
        },
    )
    db.commit()
    return render(
        request,
        "signalen.html",
        {
            "queue": queue,
            "filters": filters,
            "rule_options": rule_options,
            "themes": themes,
            "error": error,
        },
        status=400 if error else 200,
    )


def _dossier_response(
    request: Request,
    db: Session,
    viewer: Viewer,
    view: DossierView,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "dossier.html",
        {
            "view": view,
            "targets": {
                item.flag.id: _targets(viewer.department, request, item.rule) for item in view.flags
            },
            "names": _names(db),
            "errors": errors or {},
            "form": form or {},
            "details": details,
            "melding": MESSAGES.get(request.query_params.get("melding", "")),
            "today": app_state(request).today(),
            "followup": app_state(request).followup,
        },
        status=status,
    )


def _load_dossier(request: Request, db: Session, viewer: Viewer, dossier_id: int) -> DossierView:
    state = app_state(request)
    view = load_dossier(
        db, state.rules.load(db), viewer.department, dossier_id, state.weights, state.today()
    )
    if view is None:
        raise NotFound("dossier", dossier_id, exists=db.get(Dossier, dossier_id) is not None)
    return view


@router.get("/dossiers/{dossier_id}")
def dossier_page(
    dossier_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    view = _load_dossier(request, db, viewer, dossier_id)
    record(
        db,
        actor=viewer.username,
        action="persoonsdossier_bekeken" if view.is_person else "dossier_bekeken",
        object_type="dossier",
        object_id=dossier_id,
        details={"afdeling": viewer.department},
        subject=subject_ref(view.dossier.entity_type, view.dossier.entity_key),
    )
    db.commit()
    return _dossier_response(request, db, viewer, view)


@router.post("/dossiers/{dossier_id}/persoonsgegevens")
def person_details(
    dossier_id: RowId,
    request: Request,
    doel: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    view = _load_dossier(request, db, viewer, dossier_id)
    if not view.is_person:
        raise NotFound("dossier", dossier_id, exists=True)
    try:
        purpose = check_reason(doel, "doel")
        check_purpose(purpose)
    except ReviewError as problem:
        return _dossier_response(
            request,
            db,
            viewer,
            view,
            errors={"doel": str(problem)},
            form={"doel": doel},
            status=400,
        )
    record(
        db,
        actor=viewer.username,
        action="persoonsgegevens_ingezien",
        object_type="dossier",
        object_id=dossier_id,
        purpose=purpose,
        details={"afdeling": viewer.department},
        subject=subject_ref(view.dossier.entity_type, view.dossier.entity_key),
    )
    db.commit()
    return _dossier_response(
        request, db, viewer, view, details=view.dossier.details or {}, form={"doel": purpose}
    )


@router.post("/dossiers/{dossier_id}/koppelingen/{link_id}")
def link_judgement(
    dossier_id: RowId,
    link_id: RowId,
    request: Request,
    oordeel: str = Form(""),
    reden: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    view = _load_dossier(request, db, viewer, dossier_id)
    link = link_in_dossier(view, link_id)
    if link is None:
        raise NotFound("koppeling", link_id, exists=db.get(Link, link_id) is not None)
    try:
        judge_link(
            db, link, verdict=oordeel, reason=reden, by=viewer.username, dossier_id=dossier_id
        )
    except ReviewError as problem:
        return _dossier_response(
            request,
            db,
            viewer,
            view,
            errors={f"koppeling-{link_id}": str(problem)},
            form={f"koppeling-{link_id}": reden},
            status=400,
        )
    db.commit()
    return redirect(request, f"/dossiers/{dossier_id}?melding=koppeling#koppelingen")


def _flag_or_404(request: Request, db: Session, viewer: Viewer, flag_id: int) -> Flag:
    flag = load_flag(db, app_state(request).rules.load(db), viewer.department, flag_id)
    if flag is None:
        raise NotFound("signaal", flag_id, exists=db.get(Flag, flag_id) is not None)
    return flag


@router.get("/signalen/{flag_id}")
def flag_page(
    flag_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    flag = _flag_or_404(request, db, viewer, flag_id)
    dossier = find_dossier_of(db, flag)
    if dossier is not None:
        return redirect(request, f"/dossiers/{dossier.id}#signaal-{flag.id}")
    record(
        db,
        actor=viewer.username,
        action="signaal_bekeken",
        object_type="signaal",
        object_id=flag.id,
        details={"afdeling": viewer.department},
    )
    db.commit()
    return _flag_response(request, db, viewer, flag)


def _flag_response(
    request: Request,
    db: Session,
    viewer: Viewer,
    flag: Flag,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = app_state(request)
    (item,) = flag_views(db, [flag], state.rules.load(db), state.today(), viewer.department)
    return render(
        request,
        "signaal.html",
        {
            "item": item,
            "targets": {flag.id: _targets(viewer.department, request, item.rule)},
            "names": _names(db),
            "errors": errors or {},
            "form": form or {},
            "melding": MESSAGES.get(request.query_params.get("melding", "")),
            "today": state.today(),
            "followup": state.followup,
        },
        status=status,
    )


def _after_flag_post(
    request: Request,
    db: Session,
    viewer: Viewer,
    flag: Flag,
    message: str,
    problem: ReviewError | None,
    form: dict[str, str],
) -> Response:
    dossier = find_dossier_of(db, flag)
    if problem is None:
        db.commit()
        if dossier is not None:
            return redirect(request, f"/dossiers/{dossier.id}?melding={message}#signaal-{flag.id}")
        return redirect(request, f"/signalen/{flag.id}?melding={message}")
    db.rollback()
    errors = {f"{message}-{flag.id}": str(problem)}
    form = {f"{key}-{flag.id}": value for key, value in form.items()}
    if dossier is not None:
        view = _load_dossier(request, db, viewer, stored_id(dossier))
        return _dossier_response(request, db, viewer, view, errors=errors, form=form, status=400)
    return _flag_response(request, db, viewer, flag, errors=errors, form=form, status=400)


@router.post("/signalen/{flag_id}/besluit")
def decide(
    flag_id: RowId,
    request: Request,
    besluit: str = Form(""),
    naar: str = Form(""),
    reden: str = Form(""),
    uitkomst: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    """This department's decision; it neither changes nor ends another department's."""
    state = app_state(request)
    flag = _flag_or_404(request, db, viewer, flag_id)
    rule = rule_of(flag, state.rules.load(db))
    problem = None
    try:
        record_decision(
            db,
            flag,
            department=viewer.department or "",
            decision=besluit,
            target=naar if besluit == Decision.DOORZETTEN else None,
            reason=reden,
            reviewer=viewer.username,
            targets=_targets(viewer.department, request, rule),
            today=state.today(),
            trial=bool(rule and rule.proef),
            result=uitkomst,
            categories=state.followup.categories(flag.theme),
        )
    except ReviewError as error:
        problem = error
    return _after_flag_post(
        request,
        db,
        viewer,
        flag,
        "besluit",
        problem,
        {
            "besluit": besluit if besluit in DECISIONS else "",
            "naar": naar,
            "reden": reden,
            "besluit_uitkomst": uitkomst,
        },
    )


@router.post("/signalen/{flag_id}/uitkomst")
def outcome(
    flag_id: RowId,
    request: Request,
    uitkomst: str = Form(""),
    categorie: str = Form(""),
    datum: str = Form(""),
    reden: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    """The outcome of this department's own handling of a flag (not through the LOO)."""
    state = app_state(request)
    flag = _flag_or_404(request, db, viewer, flag_id)
    problem = None
    try:
        if decision_of(db, flag.id, viewer.department or "") is None:
            raise ReviewError(
                "Leg eerst een besluit vast: een uitkomst volgt op wat uw afdeling met het "
                "signaal deed."
            )
        record_outcome(
            db,
            SignalRef.of(db, flag),
            department=viewer.department or "",
            result=uitkomst,
            category=categorie,
            decided_on=_parse_day(datum),
            reason=reden,
            by=viewer.username,
            categories=state.followup.categories(flag.theme),
            today=state.today(),
        )
    except ReviewError as error:
        problem = error
    return _after_flag_post(
        request,
        db,
        viewer,
        flag,
        "uitkomst",
        problem,
        {
            "uitkomst": uitkomst,
            "uitkomst_categorie": categorie,
            "uitkomst_datum": datum,
            "uitkomst_reden": reden,
        },
    )


@router.post("/signalen/{flag_id}/uitstel")
def snooze(
    flag_id: RowId,
    request: Request,
    tot: str = Form(""),
    reden: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    flag = _flag_or_404(request, db, viewer, flag_id)
    problem = None
    try:
        until = _parse_day(tot)
        snooze_flag(
            db,
            flag,
            until=until,
            reason=reden,
            by=viewer.username,
            department=viewer.department or "",
            today=app_state(request).today(),
        )
    except ReviewError as error:
        problem = error
    return _after_flag_post(
        request, db, viewer, flag, "uitstel", problem, {"uitstel_tot": tot, "uitstel_reden": reden}
    )


@router.post("/signalen/{flag_id}/informatieplicht")
def inform(
    flag_id: RowId,
    request: Request,
    op: str = Form(""),
    hoe: str = Form(""),
    kenmerk: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    """Informatieplicht: the person concerned was told about this flag (shown in inzage)."""
    flag = _flag_or_404(request, db, viewer, flag_id)
    problem = None
    try:
        record_notice(
            db,
            flag,
            informed_on=_parse_day(op),
            channel=hoe,
            reference=kenmerk,
            by=viewer.username,
            department=viewer.department,
            today=app_state(request).today(),
        )
    except ReviewError as error:
        problem = error
    return _after_flag_post(
        request,
        db,
        viewer,
        flag,
        "informatieplicht",
        problem,
        {"informatieplicht_op": op, "informatieplicht_kenmerk": kenmerk},
    )


def _parse_day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ReviewError(f"De einddatum {text!r} is niet te lezen; gebruik jjjj-mm-dd.") from None


# --- what the decider saw -----------------------------------------------------------------


@router.get("/momentopnamen/{snapshot_id}")
def snapshot_page(
    snapshot_id: RowId,
    request: Request,
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    """A decision of this department as it was made, with its hash checked: for a bezwaar.

    Of another department's decision nothing is shown (404, as if it did not exist)."""
    snapshot = db.get(DecisionSnapshot, snapshot_id)
    if snapshot is None or snapshot.department != viewer.department:
        raise NotFound("momentopname", snapshot_id, exists=snapshot is not None)
    record(
        db,
        actor=viewer.username,
        action="momentopname_bekeken",
        object_type="momentopname",
        object_id=snapshot.id,
        purpose=PURPOSE_SNAPSHOT,
        details={"afdeling": viewer.department, "signaal": snapshot.flag_id},
        subject=subject_ref(
            snapshot.content["entiteit"]["soort"], snapshot.content["entiteit"]["sleutel"]
        ),
    )
    db.commit()
    flag = load_flag(db, app_state(request).rules.load(db), viewer.department, snapshot.flag_id)
    return render(
        request,
        "momentopname.html",
        {
            "snapshot": snapshot,
            "content": snapshot.content,
            "verified": verify(snapshot),
            "flag": flag,
            "names": _names(db),
        },
    )
