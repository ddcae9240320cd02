"""Assembling the application: state, routers, error pages and the hardening middleware."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from vik.connectors.pseudonyms import PseudonymKey, load_key
from vik.departments import load_departments
from vik.flags.priority import load_weights
from vik.followup import load_followup
from vik.lookup.service import Lookups
from vik.rules import load_context
from vik.settings import Settings
from vik.store.audit import record
from vik.store.db import connect, session_scope
from vik.store.models import utcnow
from vik.web._oversight import LOCAL
from vik.web._security import (
    BodyTooLarge,
    CsrfFailed,
    Forbidden,
    HardeningMiddleware,
    NotFound,
    NotSignedIn,
    redirect,
    route_name,
)
from vik.web._state import VikState, app_state
from vik.web._templates import make_environment, render
from vik.web._visibility import RuleTexts
from vik.web.settings import WebSettings

STATIC = Path(__file__).with_name("static")


def _local_today() -> date:
    return datetime.now(LOCAL).date()


class VikApp(FastAPI):
    """FastAPI with VIK's own layers outside Starlette's error handling: trusted proxy
    headers first, then the hardening (vik.web._security), so that every response,
    the 500 page included, is checked and gets the same security headers."""

    vik_outer: Callable[[ASGIApp], ASGIApp] | None = None

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        return self.vik_outer(app) if self.vik_outer is not None else app


def _outer_layers(settings: WebSettings) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        hardened: ASGIApp = HardeningMiddleware(
            app,
            secure=settings.secure_cookies,
            allowed_hosts=settings.allowed_hosts,
            root_path=settings.root_path,
            max_body=settings.max_request_kib * 1024,
        )
        if not settings.trusted_proxies:
            return hardened
        # uvicorn's own middleware: X-Forwarded-For and -Proto, only from these addresses.
        return ProxyHeadersMiddleware(hardened, trusted_hosts=settings.trusted_proxies)

    return wrap


def create_app(
    database_url: str | None = None,
    *,
    engine: Engine | None = None,
    config_dir: Path = Path("config"),
    settings: WebSettings | None = None,
    today: Callable[[], date] = _local_today,
    data_dir: Path | None = None,
    key: PseudonymKey | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> FastAPI:
    """The web application on a migrated database (`vik web` migrates before serving).

    `data_dir` holds the last good night's lookup projection (VIK_DATA_DIR by default);
    `key` is the BSN pseudonym key, read from the settings at the first lookup if not given."""
    if engine is None:
        if database_url is None:
            raise ValueError("create_app needs a database_url or an engine")
        engine = connect(database_url)
    settings = settings or WebSettings()
    departments = load_departments(config_dir)
    context = load_context(config_dir)
    runtime = Settings()
    lookups = Lookups.from_config(
        config_dir,
        data_dir=data_dir or runtime.data_dir,
        key=key if key is not None else (lambda: load_key(runtime)),
        context=context,
    )
    app = VikApp(
        title="VIK",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.vik = VikState(
        engine=engine,
        settings=settings,
        config_dir=config_dir,
        departments=departments,
        context=context,
        weights=load_weights(config_dir),
        followup=load_followup(config_dir, departments),
        rules=RuleTexts(),
        templates=make_environment(departments),
        today=today,
        lookups=lookups,
        clock=clock,
    )
    from vik.web import (
        _account_pages,
        _action_pages,
        _analist_pages,
        _beheer_pages,
        _compliance_pages,
        _inzage_pages,
        _loo_pages,
        _lookup_pages,
        _probes,
    )

    for module in (
        _account_pages,
        _analist_pages,
        _loo_pages,
        _action_pages,
        _lookup_pages,
        _compliance_pages,
        _inzage_pages,
        _beheer_pages,
        _probes,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _error_pages(app)
    app.vik_outer = _outer_layers(settings)
    return app


def _error(request: Request, status: int, title: str, text: str) -> Response:
    return render(request, "fout.html", {"title": title, "text": text}, status=status)


def _refusal(request: Request, action: str, details: dict[str, Any], error: Any = None) -> None:
    """Write a refused or not-found request of a signed-in user to the audit log, in its
    own transaction (the request's own was rolled back), so that probing shows."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return
    details = {"route": route_name(request.scope), "methode": request.method, **details}
    if viewer.department:
        details["afdeling"] = viewer.department
    with session_scope(app_state(request).engine) as session:
        record(
            session,
            actor=viewer.username,
            action=action,
            object_type=getattr(error, "object_type", None),
            object_id=getattr(error, "object_id", None),
            details=details,
        )


NOT_HERE = "Dit signaal of dossier bestaat niet of hoort niet bij uw afdeling."


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _: Exception) -> Response:
        return redirect(request, "/aanmelden")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _: Exception) -> Response:
        _refusal(request, "toegang_geweigerd", {"reden": "rol"})
        return _error(
            request,
            403,
            "Geen toegang",
            "Deze pagina hoort niet bij uw rol. Gebruik het menu bovenaan.",
        )

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _: Exception) -> Response:
        _refusal(request, "formulier_geweigerd", {"reden": "csrf"})
        return _error(
            request,
            403,
            "Formulier geweigerd",
            "Het formulier is verlopen of komt niet van deze pagina. Laad de pagina opnieuw "
            "en probeer het nog eens.",
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: Exception) -> Response:
        exists = bool(getattr(error, "exists", False))
        _refusal(
            request,
            "toegang_geweigerd" if exists else "niet_gevonden",
            {"reden": "andere afdeling" if exists else "bestaat niet"},
            error,
        )
        # The same answer either way: it must not confirm that the object exists.
        return _error(request, 404, "Niet gevonden", NOT_HERE)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, _: Exception) -> Response:
        return _error(request, 413, "Te groot", "Het formulier is te groot. Maak de tekst korter.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return _error(request, 404, "Niet gevonden", "Deze pagina bestaat niet.")
        if error.status_code == 405:
            return _error(
                request, 405, "Niet toegestaan", "Deze pagina kan zo niet worden gebruikt."
            )
        return _error(request, error.status_code, "Fout", "Er ging iets mis.")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, _: Exception) -> Response:
        # Path parameters that are not numbers, or out of range: treated as "not found",
        # never echoed back; a signed-in user's try is in the audit log.
        _refusal(request, "niet_gevonden", {"reden": "ongeldig nummer"})
        return _error(request, 404, "Niet gevonden", "Deze pagina bestaat niet.")

    @app.exception_handler(Exception)
    async def _server_error(request: Request, _: Exception) -> Response:
        # Starlette's ServerErrorMiddleware calls this for any unexpected error; the
        # hardening layer around it logs the error without its message.
        try:
            return _error(
                request,
                500,
                "Er ging iets mis",
                "VIK kon deze pagina niet maken. Probeer het opnieuw; gaat het weer mis, "
                "meld dan aan functioneel beheer hoe laat het was.",
            )
        except Exception:
            return Response("Er ging iets mis in VIK.", status_code=500, media_type="text/plain")
