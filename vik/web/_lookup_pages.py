"""The analist's lookup (bevraging): a form, candidates, step 1 (hit/no-hit), step 2 (content).

Everything goes by POST: what was typed (a name, a BSN) never ends up in a URL, a server
log or the browser history. A BSN is pseudonymised as soon as it arrives and is never
shown back, not even in a form with an error.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import Session

from vik.errors import LookupRefusedError, NoRunError, PseudonymKeyError
from vik.lookup.bevraging import LookupRequest
from vik.lookup.service import Query
from vik.web._security import Viewer, analist, db_session
from vik.web._state import app_state
from vik.web._templates import render

router = APIRouter()

KINDS = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}


def _form_page(
    request: Request,
    viewer: Viewer,
    kind: str,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    found: Any = None,
    status: int = 200,
) -> Response:
    purposes = app_state(request).lookups.purposes.of_department(viewer.department)
    return render(
        request,
        "zoeken.html",
        {
            "kind": kind,
            "kinds": KINDS,
            "purposes": {k: p for k, p in purposes.items() if kind in p.entity_types},
            "all_purposes": purposes,
            "form": form or {},
            "error": error,
            "found": found,
        },
        status=status,
    )


@router.get("/zoeken")
def lookup_form(request: Request, viewer: Viewer = Depends(analist)) -> Response:
    kind = request.query_params.get("soort", "adres")
    return _form_page(request, viewer, kind if kind in KINDS else "adres")


@router.post("/zoeken")
def lookup(
    request: Request,
    soort: str = Form("adres"),
    adres: str = Form(""),
    naam: str = Form(""),
    geboortedatum: str = Form(""),
    bsn: str = Form(""),
    kvk: str = Form(""),
    kies: str = Form(""),
    doel: str = Form(""),
    reden: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    kind = soort if soort in KINDS else "adres"
    # Echoed back on an error or with candidates; never the BSN.
    form = {
        "adres": adres,
        "naam": naam,
        "geboortedatum": geboortedatum,
        "kvk": kvk,
        "doel": doel,
        "reden": reden,
    }
    lookups = app_state(request).lookups
    lookup_request = LookupRequest(viewer.username, viewer.department, doel, reden, "web")
    if kies:
        query = Query.chosen(kies)
    elif kind == "adres":
        query = Query.address(adres)
    elif kind == "persoon":
        query = Query.person(
            naam=naam or None, geboortedatum=geboortedatum or None, bsn=bsn or None
        )
    else:
        query = Query.company(kvk=kvk or None, naam=naam or None)
    try:
        found = lookups.find(db, lookup_request, query)
        db.commit()
        if found.subject is None:
            return _form_page(request, viewer, kind, form=form, found=found)
        step1 = lookups.hit_no_hit(db, lookup_request, found.subject)
        db.commit()
    except (LookupRefusedError, NoRunError, PseudonymKeyError) as problem:
        db.commit()  # a refusal's audit entry stays
        return _form_page(request, viewer, kind, form=form, error=str(problem), status=400)
    return render(
        request,
        "bevraging.html",
        {"step1": step1, "subject": found.subject, "doel": doel, "reden": reden, "content": None},
    )


@router.post("/zoeken/inhoud")
def lookup_content(
    request: Request,
    onderwerp: str = Form(""),
    doel: str = Form(""),
    reden: str = Form(""),
    viewer: Viewer = Depends(analist),
    db: Session = Depends(db_session),
) -> Response:
    lookups = app_state(request).lookups
    lookup_request = LookupRequest(viewer.username, viewer.department, doel, reden, "web")
    kind = onderwerp.partition(":")[0]
    try:
        found = lookups.find(db, lookup_request, Query.chosen(onderwerp))
        subject = found.subject
        if subject is None:  # pragma: no cover - a chosen reference is one subject or refused
            raise LookupRefusedError("Onbekend onderwerp; zoek opnieuw.")
        content = lookups.content(db, lookup_request, subject)
        db.commit()
    except (LookupRefusedError, NoRunError, PseudonymKeyError) as problem:
        db.commit()
        return _form_page(
            request,
            viewer,
            kind if kind in KINDS else "adres",
            form={"doel": doel, "reden": reden},
            error=str(problem),
            status=400,
        )
    purpose = lookups.purposes[doel]
    return render(
        request,
        "bevraging.html",
        {
            "step1": None,
            "subject": subject,
            "doel": doel,
            "reden": reden,
            "content": content,
            "purpose": purpose,
        },
    )
