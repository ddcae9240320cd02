"""Security: every route checks role and department, CSRF on every form, cookies,
headers, no personal data in URLs or server logs."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, decisions_on, dossier_of, flags_where, make_app, sign_in

ROLES = ("analist", "compliance", "eigenaar", "beheer")
PUBLIC = {
    ("GET", "/aanmelden"),
    ("POST", "/aanmelden"),
    ("GET", "/"),
    ("GET", "/health"),  # probes: no personal data (test_probes.py)
    ("GET", "/ready"),
}
SAMPLE = {
    "flag_id": "1",
    "dossier_id": "1",
    "link_id": "1",
    "rule_id": "overbewoning",
    "meeting_id": "1",
    "item_id": "1",
    "agreement_id": "1",
    "snapshot_id": "1",
    "request_id": "1",
}


def api_routes(routes) -> list[APIRoute]:  # type: ignore[no-untyped-def]
    """The APIRoutes of a route list, looking inside included routers (which this FastAPI
    keeps as wrappers around the original router)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(api_routes(route.original_router.routes))
    return found


def routes(app) -> list[tuple[str, str, tuple[str, ...] | None]]:  # type: ignore[no-untyped-def]
    """Every (method, path, roles) of the app; roles from its require_role dependency."""
    found = []
    for route in api_routes(app.routes):
        roles = None
        for dependant in route.dependant.dependencies:
            roles = getattr(dependant.call, "roles", roles)
        for method in route.methods:
            found.append((method, route.path, roles))
    # Every page of docs/web.md; if this fails, the walk above misses routes.
    assert len(found) >= 20, found
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE[m.group(1)], path)


def test_every_route_but_sign_in_requires_a_role(app):
    for method, path, roles in routes(app):
        if (method, path) in PUBLIC:
            assert roles is None
        else:
            assert roles, f"{method} {path} has no require_role dependency"


def test_signed_out_every_page_sends_you_to_the_sign_in_page(client, app):
    for method, path, roles in routes(app):
        if roles is None:
            continue
        response = client.request(method, concrete(path), follow_redirects=False)
        assert response.status_code == 303, (method, path)
        assert response.headers["location"] == "/aanmelden"


@pytest.mark.parametrize("username", ["analist.handhaving", "compliance", "eigenaar", "beheer"])
def test_every_page_of_another_role_is_refused(signed_in, app, username):
    client = signed_in(username)
    role = username.split(".")[0]
    csrf = csrf_of(client.get("/").text)
    for method, path, roles in routes(app):
        if roles is None or role in roles:
            continue
        data = {"csrf_token": csrf} if method == "POST" else None
        response = client.request(method, concrete(path), data=data, follow_redirects=False)
        assert response.status_code == 403, (username, method, path)
        assert "Geen toegang" in response.text


def test_every_form_needs_the_csrf_token_of_the_session(signed_in, app, web_db):
    """A POST without the token, or with another session's token, changes nothing."""
    analist = signed_in("analist.handhaving")
    other = signed_in("analist.ondermijning")
    flag = flags_where(web_db, rule_id="overbewoning")[0]
    stolen = csrf_of(other.get("/signalen").text)
    for method, path, roles in routes(app):
        if method != "POST" or roles is None or "analist" not in roles:
            continue
        url = concrete(path).replace("/signalen/1/", f"/signalen/{flag.id}/")
        for data in ({}, {"csrf_token": "fout"}, {"csrf_token": stolen}):
            response = analist.post(
                url, data={**data, "besluit": "geen_actie", "reden": "x" * 20, "doel": "y" * 20}
            )
            assert response.status_code == 403, (path, data)
            assert "Formulier geweigerd" in response.text
    assert decisions_on(web_db, flags_where(web_db, rule_id="overbewoning")[0].id) == {}


def test_sign_in_form_has_its_own_csrf_token(client):
    client.get("/aanmelden")
    response = client.post(
        "/aanmelden",
        data={"gebruikersnaam": "compliance", "wachtwoord": "compliance-demo", "csrf_token": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "verlopen" in response.text
    assert "vik_sessie" not in response.headers.get("set-cookie", "")


def test_a_form_posted_from_another_site_is_refused(signed_in):
    client = signed_in("analist.handhaving")
    csrf = csrf_of(client.get("/signalen").text)
    response = client.post(
        "/afmelden", data={"csrf_token": csrf}, headers={"origin": "https://kwaadwillend.example"}
    )
    assert response.status_code == 403
    assert client.get("/signalen", follow_redirects=False).status_code == 200  # still signed in


def test_session_cookie_is_httponly_and_samesite_strict(client):
    form_cookie = client.get("/aanmelden").headers["set-cookie"]
    assert "HttpOnly" in form_cookie and "SameSite=strict" in form_cookie
    response = sign_in(client, "analist.handhaving")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("vik_sessie="))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http on localhost


def test_secure_cookies_and_hsts_behind_https(web_db):
    with TestClient(make_app(web_db, secure_cookies=True), base_url="https://testserver") as client:
        response = sign_in(client, "compliance")
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("vik_sessie=")
        )
        assert "Secure" in cookie
        assert response.headers["strict-transport-security"].startswith("max-age=")


def test_security_headers_on_pages_errors_and_static_files(signed_in):
    client = signed_in("analist.handhaving")
    for path in ("/signalen", "/dossiers/999999", "/bestaat-niet", "/static/vik.css", "/aanmelden"):
        response = client.get(path)
        headers = response.headers
        assert "default-src 'none'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"
        if not path.startswith("/static/"):
            assert headers["cache-control"] == "no-store", path
    assert "server" not in client.get("/signalen").headers


def test_no_api_documentation_is_exposed(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404


def test_signing_out_ends_the_session_on_the_server(client):
    sign_in(client, "analist.handhaving")
    token = client.cookies.get("vik_sessie")
    csrf = csrf_of(client.get("/signalen").text)
    response = client.post("/afmelden", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.headers["location"] == "/aanmelden?melding=afgemeld"
    # Even a copy of the old cookie no longer works.
    client.cookies.set("vik_sessie", token)
    assert client.get("/signalen", follow_redirects=False).headers["location"] == "/aanmelden"


def test_another_departments_flag_is_not_found(any_web_db):
    """veelverhuizer goes to burgerzaken and ondermijning; handhaving gets a 404 for it,
    for its dossier and for a decision on it, and nothing is recorded."""
    app = make_app(any_web_db)
    flag = flags_where(any_web_db, rule_id="veelverhuizer")[0]
    dossier = dossier_of(any_web_db, flag)
    with TestClient(app) as handhaving, TestClient(app) as burgerzaken:
        sign_in(handhaving, "analist.handhaving")
        sign_in(burgerzaken, "analist.burgerzaken")
        csrf = csrf_of(handhaving.get("/signalen").text)
        for path in (f"/signalen/{flag.id}", f"/dossiers/{dossier}"):
            response = handhaving.get(path)
            assert response.status_code == 404, path
            assert "hoort niet bij uw afdeling" in response.text
        decided = handhaving.post(
            f"/signalen/{flag.id}/besluit",
            data={
                "csrf_token": csrf,
                "besluit": "geen_actie",
                "reden": "Niet onze zaak, toch proberen.",
            },
        )
        assert decided.status_code == 404
        assert burgerzaken.get(f"/dossiers/{dossier}").status_code == 200
        assert burgerzaken.get(f"/signalen/{flag.id}", follow_redirects=False).status_code == 303
    assert decisions_on(any_web_db, flag.id) == {}


def test_a_betrokkenheid_flag_of_another_department_is_not_found(signed_in, web_db):
    handhaving = signed_in("analist.handhaving")
    theirs = flags_where(web_db, rule_id="betrokkenheid", department="oov")[0]
    ours = flags_where(
        web_db, rule_id="betrokkenheid", department="handhaving", entity_key=theirs.entity_key
    )[0]
    assert handhaving.get(f"/signalen/{theirs.id}").status_code == 404
    page = handhaving.get(f"/signalen/{ours.id}")
    assert page.status_code == 200
    assert f'id="signaal-{ours.id}"' in page.text
    assert f'id="signaal-{theirs.id}"' not in page.text


def test_non_numeric_ids_are_not_found_and_not_echoed(signed_in):
    client = signed_in("analist.handhaving")
    response = client.get("/dossiers/Kerkstraat 12")
    assert response.status_code == 404
    assert "Kerkstraat" not in response.text


def _personal_data(database_url: str) -> set[str]:
    """Entity keys, labels and person details of the demo: what must never be in a URL."""
    from sqlmodel import select

    from vik.store.db import connect, session_scope
    from vik.store.models import Dossier

    values: set[str] = set()
    with session_scope(connect(database_url)) as session:
        for dossier in session.exec(select(Dossier)).all():
            values.add(dossier.entity_key)
            values.add(dossier.label.split(",")[0])
            for value in (dossier.details or {}).values():
                if isinstance(value, str) and len(value) >= 5:
                    values.add(value)
    return values


def test_no_personal_data_in_any_url_of_the_pages(signed_in, web_db):
    """Crawl every page an analist can reach (after a decision, so the LOO agenda has
    items) and check every link, form action and redirect for keys, addresses, names."""
    client = signed_in("analist.ondermijning")
    flag = flags_where(web_db, rule_id="damocles-vergunning", entity_type="persoon")[0]
    dossier = dossier_of(web_db, flag)
    csrf = csrf_of(client.get("/signalen").text)
    decided = client.post(
        f"/signalen/{flag.id}/besluit",
        data={
            "csrf_token": csrf,
            "besluit": "doorzetten",
            "naar": "LOO",
            "reden": "Damocles en een nieuwe vergunning: bespreken.",
        },
        follow_redirects=False,
    )
    urls = [decided.headers["location"]]
    details = client.post(
        f"/dossiers/{dossier}/persoonsgegevens",
        data={"csrf_token": csrf, "doel": "Voorbereiding LOO van deze week"},
    )
    pages = [details.text]
    queue = client.get("/signalen?status=alle")
    pages.append(queue.text)
    for target in sorted(set(re.findall(r'href="(/(?:dossiers|signalen)/\d+)', queue.text))):
        response = client.get(target)
        urls.extend(r.headers.get("location", "") for r in response.history)
        pages.append(response.text)
    pages.append(client.get("/loo").text)
    pages.append(client.get("/loo/afdrukken").text)
    for page in pages:
        urls.extend(re.findall(r'(?:href|action|src)="([^"]*)"', page))
    secrets = _personal_data(web_db)
    assert len(urls) > 50
    for url in urls:
        if url.startswith("https://wetten.overheid.nl"):
            continue
        for secret in secrets:
            assert secret not in url, f"{secret!r} in URL {url!r}"
