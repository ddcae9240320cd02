"""Sign-in sessions, roles, CSRF and the HTTP hardening every response gets.

The session cookie (``vik_sessie``) holds a random token; the database holds only its
SHA-256, with the user and the CSRF token of the session. The cookie is HttpOnly and
SameSite=Strict (and Secure behind HTTPS). Every route depends on ``require_role``,
which refuses a missing session (to the sign-in page), a wrong role (403) and, on
POST, a missing or wrong CSRF token (403). A flag or dossier of another department is
not found (404), never "forbidden": the answer must not confirm that it exists.

Exceptions raised here, turned into pages by vik.web._app (WebError is a VikError,
vik.errors)::

    WebError
    ├── NotSignedIn     no (valid) session: redirect to /aanmelden
    ├── Forbidden       signed in, but this role may not use this page: 403
    ├── NotFound        no such object, or not visible to this department: 404
    ├── CsrfFailed      a form without this session's CSRF token: 403
    └── BodyTooLarge    a request body over the limit: 413
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Annotated, Literal, TypedDict
from urllib.parse import urlsplit

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import delete
from sqlmodel import Session, col
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vik.errors import WebError
from vik.roles import Role
from vik.store.db import session_scope
from vik.store.models import WebSession, WebUser, stored_id, utcnow
from vik.web._state import app_state

if TYPE_CHECKING:
    from vik.web._state import VikState

SESSION_COOKIE = "vik_sessie"
LOGIN_COOKIE = "vik_aanmelden"  # double-submit CSRF token of the sign-in form
TOUCH_EVERY = timedelta(seconds=60)

access_log = logging.getLogger("vik.web.access")


class NotSignedIn(WebError):
    pass


class Forbidden(WebError):
    pass


class NotFound(WebError):
    """Not there, or not this department's: one answer, but the audit log tells them apart."""

    def __init__(
        self,
        object_type: str | None = None,
        object_id: str | int | None = None,
        exists: bool = False,
    ) -> None:
        super().__init__(object_type or "")
        self.object_type = object_type
        self.object_id = object_id
        self.exists = exists


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
            token_hash=token_hash(token),
            user_id=stored_id(user),
            csrf_token=secrets.token_urlsafe(32),
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
        stored_id(user),
        user.username,
        user.display_name,
        user.role,
        user.department,
        row.csrf_token,
    )


def root(request: Request) -> str:
    """The path under which the proxy publishes VIK ("" at the root); every link has it."""
    return str(request.scope.get("root_path", ""))


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 to a path of this application, under its root path."""
    return RedirectResponse(root(request) + path, status_code=303)


class CookieFlags(TypedDict):
    httponly: bool
    samesite: Literal["lax", "strict", "none"]
    secure: bool
    path: str


def cookie_flags(request: Request, path: str = "/") -> CookieFlags:
    """HttpOnly, SameSite=Strict, the root path, and Secure behind HTTPS (configured, or
    a request a trusted proxy says came in over HTTPS)."""
    settings = app_state(request).settings
    return {
        "httponly": True,
        "samesite": "strict",
        "secure": settings.secure_cookies or request.url.scheme == "https",
        "path": root(request) + path,
    }


# --- FastAPI dependencies -----------------------------------------------------------------


def db_session(request: Request) -> Iterator[Session]:
    with session_scope(app_state(request).engine) as session:
        yield session


def current_viewer(request: Request, db: Session = Depends(db_session)) -> Viewer:
    state = app_state(request)
    viewer = resolve_session(
        db,
        request.cookies.get(SESSION_COOKIE),
        timedelta(minutes=state.settings.session_idle_minutes),
        timedelta(hours=state.settings.session_max_hours),
    )
    if viewer is None:
        raise NotSignedIn()
    request.state.viewer = viewer
    request.state.stale = stale_run_notice(db, state)
    return viewer


def stale_run_notice(db: Session, state: VikState) -> str | None:
    """The banner when the last good nightly run is older than VIK_WEB_STALE_RUN_HOURS:
    nobody should review signals without knowing they may be stale."""
    from vik.store.runs import last_good_run
    from vik.web._oversight import LOCAL
    from vik.web._probes import run_age_hours

    run = last_good_run(db)
    finished = run.finished_at if run else None
    age = run_age_hours(finished, state.clock())
    limit = state.settings.stale_run_hours
    if age is None:
        return (
            "Er is nog geen geslaagde nachtelijke run: de signalen zijn niet actueel. "
            "Functioneel beheer ziet in `vik runs` waarom."
        )
    if age <= limit:
        return None
    assert finished is not None
    moment = finished if finished.tzinfo else finished.replace(tzinfo=UTC)
    when = moment.astimezone(LOCAL)
    return (
        f"Let op: de laatste geslaagde nachtelijke run is van {when:%d-%m-%Y %H:%M}, "
        f"{int(age)} uur geleden (grens: {limit} uur). De signalen kunnen verouderd zijn; "
        "functioneel beheer ziet in `vik runs` waarom."
    )


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


analist = require_role(Role.ANALIST)
compliance = require_role(Role.COMPLIANCE)
beheer = require_role(Role.BEHEER)


# --- middleware ---------------------------------------------------------------------------

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Ids are PostgreSQL `integer` columns: anything above cannot exist (and would overflow).
MAX_ID = 2**31 - 1
# A row id in a path (/signalen/{flag_id}, ...): out of range is a 422, never a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
# A URL longer than this (path and query) is refused: no page needs more.
MAX_URL = 2048
# Answer on any Host: they show nothing, and a load balancer probes them by IP address.
PROBES = ("/health", "/ready")

error_log = logging.getLogger("vik.web.error")


class HardeningMiddleware:
    """The outermost layer of the application (vik.web._app puts it outside Starlette's
    own error handling, so that the 500 page gets the same treatment as every page):

    - the root path under which a reverse proxy publishes VIK (``VIK_WEB_ROOT_PATH``);
    - a Host allow-list (``VIK_WEB_ALLOWED_HOSTS``), against DNS rebinding;
    - a same-origin check (scheme, host and port) on every unsafe request;
    - bounds on the URL and the request body;
    - security headers on every response, errors included;
    - an access log line per request that names the route, never the path or query
      (so that nothing a user typed into a URL reaches the server log), and for an
      unexpected error only its type and where it happened, never its message (which
      may quote values from the database).

    Starlette's TrustedHostMiddleware would do the Host check, with an English answer
    and without the scheme and port the Origin check needs; both live here instead."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        secure: bool = False,
        allowed_hosts: list[str] | None = None,
        root_path: str = "",
        max_body: int = 64 * 1024,
    ) -> None:
        self.app = app
        self.secure = secure
        self.allowed_hosts = [h.lower() for h in (allowed_hosts or ["*"])]
        self.root_path = root_path
        self.max_body = max_body
        self.headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
        ]
        self.names = {name for name, _ in self.headers} | {b"strict-transport-security"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        if self.root_path:
            # Whether or not the proxy strips the prefix, the app sees the full path and
            # the root path (as the ASGI specification has it), and writes links with it.
            scope["root_path"] = self.root_path
            if scope["path"] != self.root_path and not scope["path"].startswith(
                self.root_path + "/"
            ):
                scope["path"] = self.root_path + scope["path"]
        https = scope.get("scheme") == "https"
        extra = (
            [(b"strict-transport-security", b"max-age=31536000")] if (self.secure or https) else []
        )
        static = _route_path(scope).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in self.names
                ]
                headers.extend(self.headers + extra)
                if not static:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await _plain(send_with_headers, *refusal)
                return
            await self.app(scope, self._bounded(receive), send_with_headers)
        except BodyTooLarge:
            if not status["sent"]:
                await _plain(send_with_headers, 413, TOO_LARGE)
        except Exception as error:
            # Starlette has sent the 500 page already (vik.web._app); what remains is
            # to keep the traceback's message, which may quote personal data, out of
            # the log, and not to hand the error to the server, which would print it.
            error_log.error(
                "Onverwachte fout bij %s %s: %s\n%s",
                scope["method"],
                route_name(scope),
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)).rstrip(),
            )
            if not status["sent"]:
                await _plain(send_with_headers, 500, "Er ging iets mis in VIK.")
        finally:
            access_log.info(
                "%s %s %s %.0fms",
                scope["method"],
                route_name(scope),
                status["code"],
                (time.perf_counter() - started) * 1000,
            )

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        """Why this request is refused before the application sees it, or None."""
        headers = Headers(scope=scope)
        path = _route_path(scope)
        if len(scope.get("raw_path") or scope["path"]) + len(scope.get("query_string", b"")) > (
            MAX_URL
        ):
            return 414, "Verzoek geweigerd: het webadres is te lang."
        if path not in PROBES and not host_allowed(headers.get("host", ""), self.allowed_hosts):
            return 400, (
                "Verzoek geweigerd: VIK is niet bereikbaar onder deze naam. Gebruik het adres "
                "dat functioneel beheer heeft gegeven (VIK_WEB_ALLOWED_HOSTS)."
            )
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not same_origin(
            headers.get("origin"), scope.get("scheme", "http"), headers.get("host", "")
        ):
            return 403, "Verzoek geweigerd: het formulier komt niet van deze site."
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            return 413, TOO_LARGE
        return None

    def _bounded(self, receive: Receive) -> Receive:
        """`receive`, stopping a body (also one without Content-Length) above the limit."""
        seen = {"bytes": 0}

        async def bounded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > self.max_body:
                    raise BodyTooLarge()
            return message

        return bounded


TOO_LARGE = "Verzoek geweigerd: het formulier is te groot."


class BodyTooLarge(WebError):
    pass


def _route_path(scope: Scope) -> str:
    """The path within the application (without the root path)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root) :] or "/"
    return path


def route_name(scope: Scope) -> str:
    """The route template (/dossiers/{dossier_id}), never the concrete path or query."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path:
        return str(path)
    if _route_path(scope).startswith("/static/"):
        return "/static/{bestand}"
    return "(onbekende route)"


DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_port(authority: str, scheme: str) -> tuple[str, int] | None:
    """("vik.gemeente.nl", 443) from "vik.gemeente.nl" and "https"; None if unreadable."""
    try:
        parts = urlsplit(f"//{authority}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path or parts.query:
        return None
    return host.lower(), port or DEFAULT_PORTS.get(scheme, 0)


def host_allowed(host_header: str, allowed: list[str]) -> bool:
    """Is the Host header one of the allowed names (a "*." entry allows subdomains)?"""
    parsed = _host_port(host_header, "http")
    if parsed is None:
        return False
    host = parsed[0].strip("[]")
    for name in allowed:
        if name == "*" or host == name:
            return True
        if name.startswith("*.") and host.endswith(name[1:]):
            return True
    return False


def same_origin(origin: str | None, scheme: str, host_header: str) -> bool:
    """Does the form come from this site: the same scheme, host and port?

    Without an Origin header it is not a browser's cross-site form post (browsers send
    Origin on every POST); the CSRF token still guards the form."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file) or something stranger
    theirs = _host_port(parts.netloc, parts.scheme)
    ours = _host_port(host_header, scheme)
    return theirs is not None and ours is not None and (parts.scheme, *theirs) == (scheme, *ours)


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
