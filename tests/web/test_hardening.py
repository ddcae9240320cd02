"""Bounds on every path and query parameter, the 500 page, Host allow-list and the
same-origin check: every answer, errors included, carries the same security headers."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.web.conftest import csrf_of, make_app, sign_in
from vik.store.db import connect

SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
)


def assert_hardened(response) -> None:  # type: ignore[no-untyped-def]
    for name in SECURITY_HEADERS:
        assert name in response.headers, (response.status_code, name)
    assert response.headers["cache-control"] == "no-store"
    assert "Traceback" not in response.text
    assert "server" not in response.headers


def test_ids_beyond_the_database_and_far_dates_are_answered_not_crashed(any_web_db):
    """An id beyond 64 bits (or beyond PostgreSQL's integer), zero or negative, and dates
    like 0001-01-01 or 9999-12-31 in every filter: a Dutch answer, never a 500."""
    app = make_app(any_web_db)
    with TestClient(app) as analist, TestClient(app) as officer:
        sign_in(analist, "analist.handhaving")
        sign_in(officer, "compliance")
        csrf = csrf_of(analist.get("/signalen").text)
        for number in (2**64, 2**63, 2**31, 0, -1):
            for path in (f"/dossiers/{number}", f"/signalen/{number}"):
                response = analist.get(path)
                assert response.status_code == 404, (path, response.status_code)
                assert "Niet gevonden" in response.text
                assert_hardened(response)
            posted = analist.post(
                f"/signalen/{number}/besluit",
                data={"csrf_token": csrf, "besluit": "geen_actie", "reden": "Te groot nummer."},
            )
            assert posted.status_code == 404
            judged = analist.post(
                f"/dossiers/1/koppelingen/{number}",
                data={"csrf_token": csrf, "oordeel": "is", "reden": "Te groot nummer."},
            )
            assert judged.status_code == 404
        for query in ("vanaf=0001-01-01", "tot=9999-12-31", "pagina=99999999999999999999"):
            response = analist.get(f"/signalen?{query}")
            assert response.status_code in (200, 400), query
            assert_hardened(response)
        far = analist.get("/signalen?vanaf=0001-01-01")
        assert far.status_code == 400 and "ligt buiten 1900" in far.text
        for query in ("vanaf=0001-01-01", "tot=9999-12-31"):
            response = officer.get(f"/toegangslog?{query}")
            assert response.status_code == 400, query
            assert "ligt buiten" in response.text
            assert_hardened(response)
        assert officer.get("/register/" + "x" * 65).status_code == 404
        assert officer.get("/register/Kerkstraat 12").status_code == 404


def test_an_unexpected_error_gets_a_dutch_500_page_with_the_same_headers(web_db, caplog):
    """A database that lost a table: the page says something went wrong, in Dutch, with
    every security header; the log names the route and the error type, not its message."""
    app = make_app(web_db)
    with TestClient(app, raise_server_exceptions=False) as client:
        sign_in(client, "analist.handhaving")
        engine = connect(web_db)
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE flag RENAME TO flag_weg"))
        engine.dispose()
        with caplog.at_level(logging.ERROR, logger="vik.web.error"):
            response = client.get("/signalen?regel=Kerkstraat")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.text
    assert "functioneel beheer" in response.text
    assert_hardened(response)
    logged = caplog.text
    assert "GET /signalen" in logged and "OperationalError" in logged
    assert "no such table" not in logged and "Kerkstraat" not in logged


def test_a_long_url_or_a_large_form_is_refused_before_it_is_read(signed_in):
    client = signed_in("analist.handhaving")
    long = client.get("/signalen?regel=" + "a" * 3000)
    assert long.status_code == 414
    assert_hardened(long)
    csrf = csrf_of(client.get("/signalen").text)
    big = client.post(
        "/signalen/1/besluit",
        data={"csrf_token": csrf, "besluit": "geen_actie", "reden": "x" * 100_000},
    )
    assert big.status_code == 413
    assert "te groot" in big.text
    assert_hardened(big)


def test_only_the_configured_host_names_are_answered(web_db):
    """Against DNS rebinding: a page on another name that resolves to VIK gets nothing."""
    app = make_app(web_db, allowed_hosts=["vik.gemeente.nl", "*.intern.gemeente.nl"])
    with TestClient(app, base_url="http://vik.gemeente.nl") as client:
        assert client.get("/aanmelden").status_code == 200
        assert client.get("/aanmelden", headers={"host": "a.intern.gemeente.nl"}).status_code == 200
        for host in ("kwaadwillend.example", "127.0.0.1", "vik.gemeente.nl.example", ""):
            response = client.get("/aanmelden", headers={"host": host})
            assert response.status_code == 400, host
            assert "VIK_WEB_ALLOWED_HOSTS" in response.text
            assert_hardened(response)


@pytest.mark.parametrize(
    "origin",
    [
        "https://kwaadwillend.example",
        "http://testserver:8080",  # another port
        "https://testserver",  # another scheme
        "http://testserver.example",
        "null",
    ],
)
def test_a_form_from_another_scheme_host_or_port_is_refused(signed_in, origin):
    client = signed_in("analist.handhaving")
    csrf = csrf_of(client.get("/signalen").text)
    response = client.post("/afmelden", data={"csrf_token": csrf}, headers={"origin": origin})
    assert response.status_code == 403
    assert "komt niet van deze site" in response.text
    assert_hardened(response)
    assert client.get("/signalen", follow_redirects=False).status_code == 200  # still signed in


def test_a_form_from_the_same_origin_is_accepted(signed_in):
    client = signed_in("analist.handhaving")
    csrf = csrf_of(client.get("/signalen").text)
    for origin in ("http://testserver", "http://testserver:80"):
        response = client.post(
            "/afmelden",
            data={"csrf_token": csrf},
            headers={"origin": origin},
            follow_redirects=False,
        )
        assert response.status_code == 303, origin
        client = sign_in_again(client)
        csrf = csrf_of(client.get("/signalen").text)


def sign_in_again(client: TestClient) -> TestClient:
    assert sign_in(client, "analist.handhaving").status_code == 303
    return client
