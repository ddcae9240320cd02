"""Sign-in sessions, roles, CSRF and the HTTP hardening every response gets.

The session cookie (``vik_sessie``) holds a random token; the database holds only its
SHA-256, with the user and the CSRF token of the session. The cookie is HttpOnly and
SameSite=Strict (and Secure behind HTTPS). Every route depends on ``require_role``,
which refuses a missing session (to the sign-in page), a wrong role (403) and, on
POST, a missing or wrong CSRF token (403). A flag or dossier of another department is
not found (404), never "forbidden": the answer must not confirm that it exists.

Exceptions raised here, turned into pages by vik.web._app::

    WebError
    ├── NotSignedIn     no (valid) session: redirect to /aanmelden
    ├── Forbidden       signed in, but this role may not use this page: 403
    ├── NotFound        no such object, or not visible to this department: 404
    └── CsrfFailed      a form without this session's CSRF token: 403
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, Request
from sqlalchemy import delete
from sqlmodel import Session, col
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vik.store.db import session_scope
from vik.store.models import WebSession, WebUser, utcnow

SESSION_COOKIE = "vik_sessie"
LOGIN_COOKIE = "vik_aanmelden"  # double-submit CSRF token of the sign-in form
TOUCH_EVERY = timedelta(seconds=60)

access_log = logging.getLogger("vik.web.access")


class WebError(Exception):
    pass


class NotSignedIn(WebError):
    pass


class Forbidden(WebError):
    pass


class NotFound(WebError):
    pass


class CsrfFailed(WebError):
    pass


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of this request."""

    user_id: int
    username: str
    display_name: str
    role: str
    department: str | None
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(session: Session, user: WebUser) -> str:
    """A new session for this user; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32)
        )
    )
    return token


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(col(WebSession.token_hash) == token_hash(token)))


def resolve_session(
    session: Session, token: str | None, idle: timedelta, maximum: timedelta
) -> Viewer | None:
    if not token:
        return None
    row = session.get(WebSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    user = session.get(WebUser, row.user_id)
    if (
        user is None
        or not user.active
        or now - row.last_seen_at > idle
        or now - row.created_at > maximum
    ):
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return Viewer(
        user.id, user.username, user.display_name, user.role, user.department, row.csrf_token
    )


# --- FastAPI dependencies -----------------------------------------------------------------


def db_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.vik.engine) as session:
        yield session


def current_viewer(request: Request, db: Session = Depends(db_session)) -> Viewer:
    state = request.app.state.vik
    viewer = resolve_session(
        db,
        request.cookies.get(SESSION_COOKIE),
        timedelta(minutes=state.settings.session_idle_minutes),
        timedelta(hours=state.settings.session_max_hours),
    )
    if viewer is None:
        raise NotSignedIn()
    request.state.viewer = viewer
    return viewer


def require_role(*roles: str) -> Callable[..., object]:
    """A dependency: the viewer if their role is one of `roles` (and, on POST, the CSRF
    token of the form matches the session's)."""

    async def dependency(request: Request, viewer: Viewer = Depends(current_viewer)) -> Viewer:
        if viewer.role not in roles:
            raise Forbidden()
        if request.method not in ("GET", "HEAD"):
            form = await request.form()
            sent = str(form.get("csrf_token") or "")
            if not hmac.compare_digest(sent.encode(), viewer.csrf_token.encode()):
                raise CsrfFailed()
        return viewer

    dependency.roles = roles  # type: ignore[attr-defined]  # read by the route-coverage test
    return dependency


analist = require_role("analist")
compliance = require_role("compliance")
beheer = require_role("beheer")


# --- middleware ---------------------------------------------------------------------------

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


class HardeningMiddleware:
    """Security headers on every response, a same-origin check on every unsafe request,
    and an access log line per request that names the route, never the path or query
    (so that nothing a user typed into a URL reaches the server log)."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        if secure:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in self.headers}
                ]
                headers.extend(self.headers)
                if not scope["path"].startswith("/static/"):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not _same_origin(scope):
                await _refuse_cross_origin(send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "%s %s %s %.0fms",
                scope["method"],
                route_name(scope),
                status["code"],
                (time.perf_counter() - started) * 1000,
            )


def route_name(scope: Scope) -> str:
    """The route template (/dossiers/{dossier_id}), never the concrete path or query."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return str(path)
    if scope["path"].startswith("/static/"):
        return "/static/{bestand}"
    return "(onbekende route)"


def _same_origin(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    origin = headers.get(b"origin")
    if origin is None:
        return True  # not a browser cross-site form post (browsers send Origin on POST)
    host = headers.get(b"host", b"").decode("latin-1")
    origin_host = origin.decode("latin-1").split("://", 1)[-1]
    return bool(host) and origin_host == host


async def _refuse_cross_origin(send: Send) -> None:
    body = b"Verzoek geweigerd: het formulier komt niet van deze site."
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
