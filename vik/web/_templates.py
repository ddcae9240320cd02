"""Jinja2 templates (autoescaped) with Dutch formatting of dates, numbers and codes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from vik.followup import RESULTS, Decision
from vik.resolve.links import LinkStatus
from vik.roles import Role
from vik.store.notices import CHANNELS
from vik.store.reviews import DECISIONS, FORUMS, VERDICTS
from vik.web._oversight import ACTIONS, LOCAL
from vik.web._queue import STATUSES
from vik.web._state import app_state
from vik.web.users import ROLES

TEMPLATES = Path(__file__).with_name("templates")
DECIDED = {
    Decision.IN_BEHANDELING: "In behandeling",
    Decision.DOORZETTEN: "Doorgezet",
    Decision.GEEN_ACTIE: "Geen actie",
    Decision.HEROPEND: "Heropend: opnieuw te beoordelen",
}
ENTITY_TYPES = {"adres": "Adres", "persoon": "Persoon", "bedrijf": "Bedrijf"}
LINK_STATUS = {
    LinkStatus.ZEKER: "zeker",
    LinkStatus.MOGELIJK: "mogelijk",
    LinkStatus.GEEN: "geen koppeling",
}
DOELBINDING_LABELS = {
    "doel": "Doel",
    "verantwoordelijk_orgaan": "Verantwoordelijk orgaan",
    "gegevenscategorieen": "Gegevens per bron",
    "betrokkenen": "Betrokkenen",
    "ontvangers": "Ontvangers",
    "bewaartermijn": "Bewaartermijn",
    "bewaartermijn_aanvang": "Termijn loopt vanaf",
    "proportionaliteit": "Proportionaliteit",
    "subsidiariteit": "Subsidiariteit",
    "dpia": "DPIA",
    "fg_advies": "Advies FG",
    "eigenaar": "Eigenaar",
    "herbeoordeling": "Herbeoordeling uiterlijk",
    "strafrechtelijke_gegevens": "Strafrechtelijke gegevens",
    "bijzondere_persoonsgegevens": "Bijzondere persoonsgegevens",
    "awr_ontheffing": "Ontheffing geheimhouding (AWR)",
}


def fmt_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL).date() if value.tzinfo else value.date()
    return value.strftime("%d-%m-%Y")


def fmt_time(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO timestamp, as a snapshot keeps it
        value = datetime.fromisoformat(value)
    return value.astimezone(LOCAL).strftime("%d-%m-%Y %H:%M")


def fmt_number(value: float | int | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def fmt_percent(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100):d}%"


def fmt_interval(value: tuple[float, float] | None) -> str:
    """A 95% interval as percentages: 21–100%."""
    if value is None:
        return ""
    low, high = value
    return f"{round(low * 100):d}–{round(high * 100):d}%"


def fmt_value(value: Any) -> str:
    if value is None:
        return "onbekend"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        return fmt_number(value)
    if isinstance(value, list | tuple):
        return ", ".join(fmt_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {fmt_value(v)}" for k, v in value.items() if v is not None)
    return str(value)


def make_environment(departments: Mapping[str, Any]) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def department_name(key: str | None) -> str:
        if not key:
            return ""
        found = departments.get(key)
        return getattr(found, "name", key) if found is not None else key

    env.filters.update(
        datum=fmt_date,
        tijd=fmt_time,
        getal=fmt_number,
        procent=fmt_percent,
        waarde=fmt_value,
        afdeling=department_name,
        besluit=lambda code: DECIDED.get(code or "", "Nog geen besluit"),
        actie=lambda code: ACTIONS.get(code, code),
        rol=lambda code: ROLES.get(code, code),
        soort=lambda code: ENTITY_TYPES.get(code, code),
        koppeling=lambda code: LINK_STATUS.get(code, code),
        oordeel=lambda code: VERDICTS.get(code, code),
        uitkomst=lambda code: RESULTS.get(code, code),
        interval=fmt_interval,
        doelbinding=lambda key: DOELBINDING_LABELS.get(key, key),
    )
    env.globals.update(
        DECISIONS=DECISIONS,
        FORUMS=FORUMS,
        STATUSES=STATUSES,
        VERDICTS=VERDICTS,
        RESULTS=RESULTS,
        CHANNELS={str(k): v for k, v in CHANNELS.items()},
        DEPARTMENTS=departments,
    )
    return env


NAVIGATION = {
    Role.ANALIST: [("/signalen", "Signalen"), ("/loo", "LOO"), ("/zoeken", "Zoeken")],
    Role.COMPLIANCE: [
        ("/register", "Regelregister"),
        ("/inzage", "Inzageverzoeken"),
        ("/bewaartermijnen", "Bewaartermijnen"),
        ("/toegangslog", "Toegangslog"),
    ],
    Role.EIGENAAR: [("/register", "Regelregister")],
    Role.BEHEER: [("/beheer", "Runs en gebruikers")],
}


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    env = app_state(request).templates
    viewer = getattr(request.state, "viewer", None)
    values = {
        "viewer": viewer,
        "csrf_token": viewer.csrf_token if viewer else "",
        "navigation": NAVIGATION.get(viewer.role, []) if viewer else [],
        "current_path": request.url.path,
        "root": request.scope.get("root_path", ""),
        "stale": getattr(request.state, "stale", None),
        "melding": None,
        **(context or {}),
    }
    html = env.get_template(name).render(values)
    return HTMLResponse(html, status_code=status)
