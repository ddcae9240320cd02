"""Accessibility (WCAG 2.1 AA, which a municipality's own applications must meet):
axe-core on every page type in the real browser, with no serious or critical
violation; a skip link and visible focus; the review form used with the keyboard only."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.web.browser import BROWSER_MARKS, live_server, new_page, sign_in, sign_out
from tests.web.conftest import dossier_of, flags_where, make_app
from vik.store.db import connect, session_scope
from vik.store.models import Review

pytestmark = BROWSER_MARKS
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def base(web_db):  # type: ignore[no-untyped-def]
    with live_server(make_app(web_db)) as url:
        yield url


def test_every_page_type_has_no_serious_accessibility_violation(browser, base, web_db):
    person = flags_where(web_db, rule_id="veelverhuizer")[0]
    address = flags_where(web_db, rule_id="overbewoning")[0]
    page = new_page(browser)
    found: dict[str, list[str]] = {}

    def check(name: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(base + path)
        found[name] = serious_violations(page)

    check("aanmelden", "/aanmelden")
    sign_in(page, base, "analist.ondermijning", "fout")
    check("aanmelden met fout")
    sign_in(page, base, "analist.ondermijning")
    check("signalen", "/signalen")
    check("signalen met fout", "/signalen?vanaf=gisteren")
    check("dossier adres", f"/dossiers/{dossier_of(web_db, address)}")
    check("dossier persoon", f"/dossiers/{dossier_of(web_db, person)}")
    page.fill("#doel", "Adresonderzoek na vier verhuizingen")
    page.click("text=Persoonsgegevens tonen")
    page.wait_for_load_state()
    check("persoonsgegevens")
    check("loo", "/loo")
    check("loo afdrukken", "/loo/afdrukken")
    check("niet gevonden", "/dossiers/999999")
    check("geen toegang", "/register")
    sign_out(page)
    sign_in(page, base, "compliance")
    check("register", "/register")
    check("regel", "/register/overbewoning")
    check("bewaartermijnen", "/bewaartermijnen")
    check("toegangslog", "/toegangslog")
    sign_out(page)
    sign_in(page, base, "beheer")
    check("beheer", "/beheer")
    page.context.close()
    assert {name: v for name, v in found.items() if v} == {}
    assert len(found) == 16


def test_a_skip_link_leads_past_the_menu_and_focus_is_visible(browser, base):
    page = new_page(browser)
    sign_in(page, base, "analist.handhaving")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Naar de inhoud"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), outline
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    page.keyboard.press("Tab")  # the first control inside the content
    tag = page.evaluate("document.activeElement.closest('header') === null")
    assert tag, "focus went back to the menu"
    page.context.close()


def test_the_review_form_works_with_the_keyboard_only(browser, base, web_db):
    """Sign in, open the top dossier, choose a decision, type a reason and submit it,
    without the mouse."""
    page = new_page(browser)
    page.goto(f"{base}/aanmelden")
    # The name field has focus on arrival (autofocus); on a loaded machine, wait for it.
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'gebruikersnaam'"
    )
    page.keyboard.type("analist.handhaving")
    page.keyboard.press("Tab")
    page.keyboard.type("analist.handhaving-demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/signalen")
    first = page.locator("table.queue tbody tr td a").first
    first.focus()  # reaching it by Tab is the skip link's test; here: Enter opens it
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/dossiers/" in page.url
    radio = page.locator("form.decide input[name=besluit][value=in_behandeling]").first
    form = page.locator("form.decide").first
    # Tab from the top of the page to the first decision radio button.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(200):
        page.keyboard.press("Tab")
        if radio.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("the decision form cannot be reached with Tab")
    page.keyboard.press("Space")
    assert radio.is_checked()
    page.keyboard.press("Tab")  # leaves the radio group: the "doorzetten naar" list
    page.keyboard.press("Tab")  # the reason
    reason = "Met het toetsenbord vastgelegd: huisbezoek wordt gepland."
    page.keyboard.type(reason)
    assert form.locator("textarea[name=reden]").input_value() == reason
    page.keyboard.press("Tab")  # the submit button
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("p.notice").inner_text() == "Besluit vastgelegd."
    with session_scope(connect(web_db)) as session:
        reasons = [r.reason for r in session.exec(select(Review)).all()]
    assert reasons == [reason]
    assert re.search(r"/dossiers/\d+", page.url)
    page.context.close()
