"""Probes for the operator's monitoring: /health (the process answers) and /ready (the
database answers, and how old the last good nightly run is). No sign-in, no personal
data, and they answer on any Host name (a load balancer probes by IP address).

    $ curl -s http://127.0.0.1:8000/ready
    {"status": "gereed", "database": "bereikbaar", "laatste_geslaagde_run": "...", ...}
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from vik.store.db import session_scope
from vik.store.runs import last_good_run
from vik.web._state import app_state

router = APIRouter()
log = logging.getLogger("vik.web.error")


@router.get("/health")
def health() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    state = app_state(request)
    try:
        with session_scope(state.engine) as session:
            session.execute(text("SELECT 1"))
            run = last_good_run(session)
    except Exception as error:  # unreachable, refused, missing tables: not ready
        log.error("/ready: database niet bereikbaar (%s)", type(error).__name__)
        return JSONResponse(
            {"status": "niet gereed", "database": "niet bereikbaar"}, status_code=503
        )
    finished = run.finished_at if run else None
    age = run_age_hours(finished, state.clock())
    body: dict[str, Any] = {
        "status": "gereed",
        "database": "bereikbaar",
        "laatste_geslaagde_run": finished.isoformat() if finished else None,
        "uren_geleden": None if age is None else round(age, 1),
        "grens_uren": state.settings.stale_run_hours,
        "verouderd": age is None or age > state.settings.stale_run_hours,
    }
    return JSONResponse(body)


def run_age_hours(finished: datetime | None, now: datetime) -> float | None:
    if finished is None:
        return None
    if finished.tzinfo is None:  # SQLite hands back naive UTC
        from datetime import UTC

        finished = finished.replace(tzinfo=UTC)
    return (now - finished).total_seconds() / 3600
