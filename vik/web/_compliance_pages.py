"""The compliance officer's pages: rule register, practice per rule, retention, access log."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from sqlmodel import Session, select

from vik.errors import ApprovalError, FilterError, RuleError
from vik.roles import Role
from vik.rules import load_rule, load_rules
from vik.rules.approvals import Scope
from vik.store.approvals import approve
from vik.store.audit import record
from vik.store.followup_retention import followup_retention_status
from vik.store.models import WebUser
from vik.web import outcome_register as outcomes
from vik.web._oversight import ACTIONS, access_log, purge_history, retention_status
from vik.web._queue import parse_day
from vik.web._register import rule_detail, rule_register
from vik.web._security import NotFound, Viewer, compliance, db_session, redirect, require_role
from vik.web._state import app_state
from vik.web._templates import render
from vik.web.algoritmeregister import dumps, register_documents

router = APIRouter()

# The register is read by the compliance officer and by rule owners (eigenaar), who approve
# rule versions there; the compliance officer (the FG) approves profiling exceptions.
register_readers = require_role(Role.COMPLIANCE, Role.EIGENAAR)

# A rule id as the rule files have them; anything else is not found (and not echoed).
RuleId = Annotated[str, PathParam(max_length=64, pattern=r"^[a-z][a-z0-9-]*$")]


@router.get("/register")
def register_page(
    request: Request, viewer: Viewer = Depends(register_readers), db: Session = Depends(db_session)
) -> Response:
    state = app_state(request)
    entries = rule_register(db, state.config_dir, state.context, state.today())
    return render(
        request, "register.html", {"entries": entries, "purposes": state.lookups.purposes}
    )


def _documents(request: Request, db: Session) -> dict[str, dict]:
    from vik.store.approvals import load_approvals

    state = app_state(request)
    rules = load_rules(state.config_dir / "rules", state.context)
    return register_documents(
        rules.valid,
        state.departments,
        organisation=state.settings.organisation,
        contact=state.settings.register_contact,
        governance=state.context.governance,
        approvals=load_approvals(db),
        today=state.today(),
    )


def _outcomes(request: Request, db: Session) -> dict:
    state = app_state(request)
    return outcomes.outcome_register(
        db,
        load_rules(state.config_dir / "rules", state.context).valid,
        organisation=state.settings.organisation,
        min_per_wijk=state.followup.openbaar_min_per_wijk,
        today=state.today(),
    )


def _download(db: Session, viewer: Viewer, what: str) -> None:
    record(
        db,
        actor=viewer.username,
        action="algoritmeregister_gedownload",
        object_type="regel",
        object_id=what,
    )
    db.commit()


@router.get("/register/algoritmeregister.zip")
def register_zip(
    request: Request, viewer: Viewer = Depends(register_readers), db: Session = Depends(db_session)
) -> Response:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, document in _documents(request, db).items():
            archive.writestr(name, dumps(document))
        register = _outcomes(request, db)
        archive.writestr("uitkomstenregister.json", outcomes.register_json(register))
        archive.writestr("uitkomstenregister.csv", outcomes.register_csv(register))
    _download(db, viewer, "alle")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"content-disposition": 'attachment; filename="algoritmeregister.zip"'},
    )


@router.get("/register/uitkomstenregister.json")
def outcomes_json(
    request: Request, viewer: Viewer = Depends(compliance), db: Session = Depends(db_session)
) -> Response:
    content = outcomes.register_json(_outcomes(request, db))
    _download(db, viewer, "uitkomstenregister")
    return Response(
        content,
        media_type="application/json; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="uitkomstenregister.json"'},
    )


@router.get("/register/uitkomstenregister.csv")
def outcomes_csv(
    request: Request, viewer: Viewer = Depends(compliance), db: Session = Depends(db_session)
) -> Response:
    content = outcomes.register_csv(_outcomes(request, db))
    _download(db, viewer, "uitkomstenregister")
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="uitkomstenregister.csv"'},
    )


@router.get("/register/{rule_id}/algoritmeregister.json")
def register_json(
    rule_id: RuleId,
    request: Request,
    viewer: Viewer = Depends(register_readers),
    db: Session = Depends(db_session),
) -> Response:
    document = _documents(request, db).get(f"{rule_id}.json")
    if document is None:
        raise NotFound("regel", rule_id)
    _download(db, viewer, rule_id)
    return Response(
        dumps(document),
        media_type="application/json; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{rule_id}.json"'},
    )


@router.get("/register/{rule_id}")
def rule_page(
    rule_id: RuleId,
    request: Request,
    viewer: Viewer = Depends(register_readers),
    db: Session = Depends(db_session),
) -> Response:
    return _rule_response(request, db, rule_id)


def _rule_response(
    request: Request,
    db: Session,
    rule_id: str,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    state = app_state(request)
    detail = rule_detail(db, rule_id, state.config_dir, state.context, state.today())
    if detail is None:
        raise NotFound("regel", rule_id)
    melding = (
        "Goedgekeurd: deze versie draait vanaf de volgende nacht."
        if request.query_params.get("goedgekeurd") == "regel"
        else "Profileringsuitzondering goedgekeurd."
        if request.query_params.get("goedgekeurd") == "profilering"
        else None
    )
    return render(
        request,
        "regel.html",
        {
            "detail": detail,
            "entry": detail.entry,
            "approve_error": error,
            "approve_form": form or {},
            "melding": melding,
        },
        status=status,
    )


@router.post("/register/{rule_id}/goedkeuren")
def approve_version(
    rule_id: RuleId,
    request: Request,
    sha256: str = Form(""),
    besluit: str = Form(""),
    soort: str = Form("regel"),
    viewer: Viewer = Depends(register_readers),
    db: Session = Depends(db_session),
) -> Response:
    """Approve the version of the rule file shown on the page, as the signed-in account."""
    state = app_state(request)
    path = state.config_dir / "rules" / f"{rule_id}.yaml"
    if not path.is_file():
        raise NotFound("regel", rule_id)
    scope = Scope.PROFILERING if soort == "profilering" else Scope.REGEL
    form = {"besluit": besluit[:500], "soort": scope.value}
    try:
        loaded = load_rule(path, state.context)
        if loaded.content_hash != sha256:
            raise ApprovalError(
                "Het regelbestand is gewijzigd sinds u deze pagina opende; bekijk de nieuwe "
                "inhoud en keur die goed."
            )
        approve(
            db,
            loaded,
            viewer,
            besluit=besluit[:500],
            on=state.today(),
            context=state.context,
            scope=scope,
        )
        db.commit()
    except (ApprovalError, RuleError) as problem:
        db.rollback()
        return _rule_response(request, db, rule_id, error=str(problem), form=form, status=400)
    return redirect(request, f"/register/{rule_id}?goedgekeurd={scope.value}")


@router.get("/bewaartermijnen")
def retention_page(
    request: Request, viewer: Viewer = Depends(compliance), db: Session = Depends(db_session)
) -> Response:
    state = app_state(request)
    today = state.today()
    return render(
        request,
        "bewaartermijnen.html",
        {
            "rows": retention_status(db, today),
            "followup_rows": followup_retention_status(db, today, state.followup.bewaartermijnen),
            "nights": purge_history(db),
            "today": today,
        },
    )


@router.get("/toegangslog")
def access_page(
    request: Request, viewer: Viewer = Depends(compliance), db: Session = Depends(db_session)
) -> Response:
    state = app_state(request)
    today = state.today()
    error = None
    params = request.query_params
    try:
        since = parse_day(params.get("vanaf"), "vanaf") or today - timedelta(days=6)
        until = parse_day(params.get("tot"), "tot") or today
    except FilterError as problem:
        error = str(problem)
        since, until = today - timedelta(days=6), today
    action = params.get("actie") or None
    if action is not None and action not in ACTIONS:
        error, action = "Onbekende actie; kies er een uit de lijst.", None
    log = access_log(db, since, until, action, state.settings.unusual_views_per_day)
    # The log shows purposes and reasons about people: reading it is logged too.
    record(
        db,
        actor=viewer.username,
        action="toegangslog_bekeken",
        object_type="toegangslog",
        details={
            "vanaf": since.isoformat(),
            "tot": until.isoformat(),
            "actie": action,
            "regels": len(log.entries),
        },
    )
    db.commit()
    names = {u.username: u.display_name for u in db.exec(select(WebUser)).all()}
    return render(
        request,
        "toegangslog.html",
        {
            "log": log,
            "since": since,
            "until": until,
            "action": action or "",
            "actions": ACTIONS,
            "names": names,
            "threshold": state.settings.unusual_views_per_day,
            "error": error,
        },
        status=400 if error else 200,
    )
