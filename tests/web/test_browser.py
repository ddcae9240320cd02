"""End to end in headless Chromium: an analist reviews the top dossier; the audit log shows it."""

from __future__ import annotations

import struct

import pytest

from tests.web.browser import (
    BROWSER_MARKS,
    live_server,
    new_page,
    sign_in,
    sign_out,
    take_screenshots,
)
from tests.web.conftest import CONFIG

pytestmark = BROWSER_MARKS


@pytest.fixture
def base_url(web_db):  # type: ignore[no-untyped-def]
    from vik.web import create_app

    # The real clock: the access log is read for today, when the decision is made.
    with live_server(create_app(web_db, config_dir=CONFIG)) as url:
        yield url


def test_analist_records_a_decision_and_the_audit_log_shows_it(browser, base_url):
    page = new_page(browser)
    sign_in(page, base_url, "analist.handhaving")
    assert page.url == f"{base_url}/signalen"
    assert page.locator("h1").inner_text() == "Signalen · Toezicht en Handhaving"

    top = page.locator("table.queue tbody tr").first
    label = top.locator("td a").inner_text()
    top.locator("td a").click()
    page.wait_for_load_state()
    assert "/dossiers/" in page.url
    assert page.locator("h1").inner_text() == label

    card = page.locator("article.flag").first
    card.locator("form.decide input[name=besluit][value=geen_actie]").check()
    reason = "Adres is bekend bij de wijkagent; geen aanwijzing voor overbewoning (browsertest)."
    card.locator("form.decide textarea[name=reden]").fill(reason)
    card.locator("button", has_text="Besluit vastleggen").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Besluit vastgelegd."
    history = page.locator("article.flag ul.history").first.inner_text()
    assert "Analist Toezicht en Handhaving (demo)" in history and reason in history
    assert "Geen actie" in history

    sign_out(page)
    assert page.url.endswith("/aanmelden?melding=afgemeld")
    sign_in(page, base_url, "compliance")
    page.click("text=Toegangslog")
    page.wait_for_load_state()
    row = page.locator("table.log tbody tr", has_text=reason)
    assert row.count() == 1
    text = row.inner_text()
    assert "Besluit" in text and "Analist Toezicht en Handhaving (demo)" in text
    page.context.close()


def test_a_decision_without_reason_is_refused_in_the_browser_too(browser, base_url):
    """Even when the browser's own check is bypassed, the server refuses and says why."""
    page = new_page(browser)
    sign_in(page, base_url, "analist.handhaving")
    page.locator("table.queue tbody tr td a").first.click()
    page.wait_for_load_state()
    card = page.locator("article.flag").first
    card.locator("form.decide textarea[name=reden]").evaluate("e => e.removeAttribute('minlength')")
    card.locator("form.decide input[name=besluit][value=geen_actie]").check()
    card.locator("form.decide textarea[name=reden]").fill("nee")
    card.locator("button", has_text="Besluit vastleggen").click()
    page.wait_for_load_state()
    assert "Geef een reden van minstens 10 tekens" in page.locator("p.error").first.inner_text()
    page.context.close()


def png_size(path) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_screenshots_of_queue_dossier_and_register(browser, base_url, tmp_path):
    paths = take_screenshots(base_url, browser, tmp_path)
    assert [p.name for p in paths] == ["queue.png", "dossier.png", "rules.png"]
    for path in paths:
        width, height = png_size(path)
        assert width == 1280 and height >= 900
