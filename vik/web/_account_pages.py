"""Signing in and out. The sign-in form carries its own CSRF token (double submit:
a cookie and a hidden field that must match), because there is no session yet."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

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
from vik.web._templates import render
from vik.web.users import LoginError, authenticate

router = APIRouter()

HOME = {"analist": "/signalen", "compliance": "/register", "beheer": "/beheer"}
anyone = require_role("analist", "compliance", "beheer")


def _state(request: Request) -> Any:
    return request.app.state.vik


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
    state = _state(request)
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
    if not gebruikersnaam.strip() or not wachtwoord:
        return _login_form(request, "Vul je gebruikersnaam en wachtwoord in.", gebruikersnaam, 400)
    try:
        user = authenticate(db, gebruikersnaam, wachtwoord)
    except LoginError as problem:
        db.commit()  # the failed attempt and its audit entry stay
        return _login_form(request, str(problem), gebruikersnaam, status=400)
    token = start_session(db, user)
    db.commit()
    response = redirect(request, HOME[user.role])
    response.set_cookie(SESSION_COOKIE, token, **cookie_flags(request))
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
