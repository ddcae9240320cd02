"""Functioneel beheer: the recent runs and the accounts (managed with `vik users`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from vik.store.runs import recent_runs
from vik.web._security import Viewer, beheer, db_session
from vik.web._templates import render
from vik.web.users import list_users

router = APIRouter()


@router.get("/beheer")
def beheer_page(
    request: Request, viewer: Viewer = Depends(beheer), db: Session = Depends(db_session)
) -> Response:
    return render(request, "beheer.html", {"runs": recent_runs(db, 30), "users": list_users(db)})
