"""The package's public face, and the error pages a user may meet."""

from __future__ import annotations

import vik.web


def test_public_names_are_all_importable():
    assert sorted(vik.web.__all__) == ["WebSettings", "create_app", "serve"]
    for name in vik.web.__all__:
        assert getattr(vik.web, name) is not None


def test_importing_the_package_does_not_load_the_web_framework():
    import subprocess
    import sys

    code = (
        "import sys, vik.web, vik.web.users, vik.web.algoritmeregister; "
        "print('fastapi' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # `vik users` and `vik export` stay quick


def test_unknown_pages_get_a_dutch_404(signed_in):
    response = signed_in("compliance").get("/bestaat-niet")
    assert response.status_code == 404
    assert "Deze pagina bestaat niet." in response.text


def inzage_request(database_url: str) -> int:
    from datetime import date

    from sqlmodel import select

    from vik.store.db import connect, session_scope
    from vik.store.models import Flag, InzageRequest

    engine = connect(database_url)
    with session_scope(engine) as session:
        person = session.exec(select(Flag).where(Flag.entity_type == "persoon")).first()
        request = InzageRequest(
            received_on=date(2026, 11, 20),
            due_on=date(2026, 12, 20),
            subject=f"persoon:{person.entity_key}",
            identified_by="bsn",
            registered_by="compliance",
        )
        session.add(request)
        session.flush()
        request_id = request.id
    engine.dispose()
    return request_id


def test_every_page_works_on_both_databases(any_web_db):
    """Each role opens each of its pages (with real ids) on SQLite and on PostgreSQL."""
    from fastapi.testclient import TestClient

    from tests.web.conftest import dossier_of, flags_where, loo_example, make_app, sign_in
    from tests.web.test_security import routes

    app = make_app(any_web_db)
    flag = flags_where(any_web_db, rule_id="overbewoning")[0]
    ids = {
        **loo_example(any_web_db),  # a meeting, an agenda item, an action, a snapshot
        "flag_id": flag.id,
        "dossier_id": dossier_of(any_web_db, flag),
        "rule_id": "overbewoning",
        "request_id": inzage_request(any_web_db),
    }
    opened = 0
    for username in ("analist.handhaving", "compliance", "beheer"):
        role = username.split(".")[0]
        with TestClient(app) as client:
            sign_in(client, username)
            for method, path, roles in routes(app):
                if method != "GET" or not roles or role not in roles:
                    continue
                response = client.get(path.format(**ids))
                assert response.status_code == 200, (username, path, response.text[:300])
                opened += 1
    assert opened >= 12
