"""Signing in and out. The sign-in form carries its own CSRF token (double submit:
a cookie and a hidden field that must match), because there is no session yet."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from vik.roles import Role
from vik.store.audit import record
from vik.web._security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    NotSignedIn,
    Viewer,
    cookie_flags,
    current_viewer,
    db_session,
    end_session,
    redirect,
    require_role,
    resolve_session,
    start_session,
)
from vik.web._state import app_state
from vik.web._templates import render
from vik.web._throttle import (
    DEVICE_COOKIE,
    DEVICE_DAYS,
    LoginLimits,
    address_failed,
    address_wait,
    known_device,
    refused_while_waiting,
    remember_device,
    wait_text,
)
from vik.web.users import LoginError, authenticate

router = APIRouter()

HOME = {
    Role.ANALIST: "/signalen",
    Role.COMPLIANCE: "/register",
    Role.EIGENAAR: "/register",
    Role.BEHEER: "/beheer",
}
MAX_USERNAME = 64
anyone = require_role(*Role)


def _login_form(
    request: Request, error: str | None = None, username: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "aanmelden.html",
        {
            "login_token": token,
            "error": error,
            "username": username,
            "afgemeld": request.query_params.get("melding") == "afgemeld",
        },
        status=status,
    )
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, **cookie_flags(request, "/aanmelden"))
    return response


@router.get("/aanmelden")
def login_page(request: Request, db: Session = Depends(db_session)) -> Response:
    state = app_state(request)
    viewer = resolve_session(
        db,
        request.cookies.get(SESSION_COOKIE),
        timedelta(minutes=state.settings.session_idle_minutes),
        timedelta(hours=state.settings.session_max_hours),
    )
    if viewer is not None:
        return redirect(request, HOME[viewer.role])
    return _login_form(request)


@router.post("/aanmelden")
def login(
    request: Request,
    gebruikersnaam: str = Form(""),
    wachtwoord: str = Form(""),
    csrf_token: str = Form(""),
    db: Session = Depends(db_session),
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_form(
            request,
            "Het aanmeldformulier is verlopen. Probeer het opnieuw.",
            gebruikersnaam,
            status=403,
        )
    gebruikersnaam = gebruikersnaam[:MAX_USERNAME]
    if not gebruikersnaam.strip() or not wachtwoord:
        return _login_form(request, "Vul je gebruikersnaam en wachtwoord in.", gebruikersnaam, 400)
    state = app_state(request)
    now = state.clock()
    limits = LoginLimits.of(state.settings)
    address = request.client.host if request.client else "onbekend"
    wait = address_wait(db, address, now)
    if wait is not None:
        # Before any password is checked: also cheap to refuse when someone hammers.
        if refused_while_waiting(db, address):
            record(db, actor="onbekend", action="aanmelden_vertraagd", details={"adres": True})
        db.commit()
        return _login_form(
            request,
            f"Te veel mislukte aanmeldpogingen vanaf dit netwerkadres. Probeer het over "
            f"{wait_text(wait)} opnieuw.",
            gebruikersnaam,
            status=429,
        )
    device = request.cookies.get(DEVICE_COOKIE)
    try:
        user = authenticate(db, gebruikersnaam, wachtwoord, now, device=device, limits=limits)
    except LoginError as problem:
        address_failed(db, address, now, limits)
        db.commit()  # the failed attempt and its audit entry stay
        return _login_form(request, str(problem), gebruikersnaam, status=400)
    token = start_session(db, user)
    new_device = None if known_device(db, user, device) else remember_device(db, user, now)
    db.commit()
    response = redirect(request, HOME[user.role])
    response.set_cookie(SESSION_COOKIE, token, **cookie_flags(request))
    if new_device is not None:
        response.set_cookie(
            DEVICE_COOKIE,
            new_device,
            max_age=DEVICE_DAYS * 24 * 3600,
            **cookie_flags(request, "/aanmelden"),
        )
    response.delete_cookie(LOGIN_COOKIE, **cookie_flags(request, "/aanmelden"))
    return response


@router.post("/afmelden")
def logout(
    request: Request, viewer: Viewer = Depends(anyone), db: Session = Depends(db_session)
) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE))
    record(db, actor=viewer.username, action="afgemeld")
    db.commit()
    response = redirect(request, "/aanmelden?melding=afgemeld")
    response.delete_cookie(SESSION_COOKIE, **cookie_flags(request))
    return response


@router.get("/")
def home(request: Request, db: Session = Depends(db_session)) -> Response:
    try:
        viewer = current_viewer(request, db)
    except NotSignedIn:
        return redirect(request, "/aanmelden")
    return redirect(request, HOME[viewer.role])
