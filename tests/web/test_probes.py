"""/health and /ready for the operator's monitoring, and the banner that tells every
signed-in user when the last good nightly run is older than VIK_WEB_STALE_RUN_HOURS."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.web.browser import BROWSER_MARKS, live_server, new_page, sign_in
from tests.web.conftest import make_app
from vik.store.db import connect, session_scope
from vik.store.models import Run, utcnow


def _last_run_finished(web_db: str, hours_ago: float) -> None:
    with session_scope(connect(web_db)) as session:
        session.execute(
            update(Run)
            .where(Run.status == "geslaagd")
            .values(finished_at=utcnow() - timedelta(hours=hours_ago))
        )


def test_health_and_ready_answer_without_sign_in_and_on_any_host(web_db):
    _last_run_finished(web_db, 5)
    with TestClient(make_app(web_db, allowed_hosts=["vik.gemeente.nl"])) as client:
        health = client.get("/health", headers={"host": "10.0.0.12"})
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = client.get("/ready", headers={"host": "10.0.0.12"})
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "gereed" and body["database"] == "bereikbaar"
        assert 4.9 < body["uren_geleden"] < 5.2
        assert body["verouderd"] is False and body["grens_uren"] == 36
        assert "content-security-policy" in ready.headers
        # The pages themselves still refuse an unknown host.
        assert client.get("/aanmelden", headers={"host": "10.0.0.12"}).status_code == 400


def test_ready_reports_a_stale_run_and_an_unreachable_database(web_db):
    _last_run_finished(web_db, 50)
    with TestClient(make_app(web_db)) as client:
        assert client.get("/ready").json()["verouderd"] is True
    unreachable = make_app("postgresql://vik@127.0.0.1:1/vik")
    with TestClient(unreachable) as client:
        response = client.get("/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "niet gereed", "database": "niet bereikbaar"}
    assert "127.0.0.1" not in response.text


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_a_banner_warns_when_the_last_good_run_is_stale(browser, web_db):
    _last_run_finished(web_db, 40)
    page_texts = {}
    for hours in (36, 48):
        with live_server(make_app(web_db, stale_run_hours=hours)) as base:
            page = new_page(browser)
            sign_in(page, base, "analist.handhaving")
            banner = page.locator("p.stale")
            page_texts[hours] = banner.inner_text() if banner.count() else None
            page.context.close()
    assert page_texts[36] is not None
    assert "40 uur geleden" in page_texts[36] and "verouderd" in page_texts[36]
    assert page_texts[48] is None
