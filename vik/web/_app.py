"""Assembling the application: state, routers, error pages and the hardening middleware."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from vik.connectors.pseudonyms import PseudonymKey, load_key
from vik.departments import Departments, load_departments
from vik.flags.priority import PriorityWeights, load_weights
from vik.followup import FollowUp, load_followup
from vik.lookup.service import Lookups
from vik.rules import Context, load_context
from vik.settings import Settings
from vik.store.db import connect
from vik.web._oversight import LOCAL
from vik.web._security import CsrfFailed, Forbidden, HardeningMiddleware, NotFound, NotSignedIn
from vik.web._templates import make_environment, render
from vik.web._visibility import RuleTexts
from vik.web.settings import WebSettings

STATIC = Path(__file__).with_name("static")


@dataclass
class AppState:
    engine: Engine
    settings: WebSettings
    config_dir: Path
    departments: Departments
    context: Context
    weights: PriorityWeights
    followup: FollowUp
    rules: RuleTexts
    templates: Environment
    today: Callable[[], date]
    lookups: Lookups
    zone: Any = LOCAL


def _local_today() -> date:
    return datetime.now(LOCAL).date()


def create_app(
    database_url: str | None = None,
    *,
    engine: Engine | None = None,
    config_dir: Path = Path("config"),
    settings: WebSettings | None = None,
    today: Callable[[], date] = _local_today,
    data_dir: Path | None = None,
    key: PseudonymKey | None = None,
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
    app = FastAPI(
        title="VIK",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.vik = AppState(
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
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _error_pages(app)
    app.add_middleware(HardeningMiddleware, secure=settings.secure_cookies)
    return app


def _error(request: Request, status: int, title: str, text: str) -> Response:
    return render(request, "fout.html", {"title": title, "text": text}, status=status)


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, _: Exception) -> Response:
        return RedirectResponse("/aanmelden", status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, _: Exception) -> Response:
        return _error(
            request,
            403,
            "Geen toegang",
            "Deze pagina hoort niet bij uw rol. Gebruik het menu bovenaan.",
        )

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _: Exception) -> Response:
        return _error(
            request,
            403,
            "Formulier geweigerd",
            "Het formulier is verlopen of komt niet van deze pagina. Laad de pagina opnieuw "
            "en probeer het nog eens.",
        )

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _: Exception) -> Response:
        return _error(
            request,
            404,
            "Niet gevonden",
            "Dit signaal of dossier bestaat niet of hoort niet bij uw afdeling.",
        )

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
        # Path parameters that are not numbers: treated as "not found", never echoed back.
        return _error(request, 404, "Niet gevonden", "Deze pagina bestaat niet.")
