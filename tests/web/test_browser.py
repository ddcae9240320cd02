"""End to end in headless Chromium: an analist reviews the top dossier; the audit log shows it."""

from __future__ import annotations

import struct

import polars as pl
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


def test_screenshots_of_queue_dossier_loo_and_register(browser, base_url, tmp_path):
    paths = take_screenshots(base_url, browser, tmp_path)
    assert [p.name for p in paths] == [
        "queue.png",
        "dossier.png",
        "loo.png",
        "rules.png",
        "feedback.png",
    ]
    for path in paths:
        width, height = png_size(path)
        # The feedback is a part of the rule page; the others are at least a screen high.
        assert width == 1280 and height >= (400 if path.name == "feedback.png" else 900)


def test_the_life_of_a_signal_from_two_departments_to_the_precision_of_its_rule(
    browser, base_url, web_db
):
    """Two departments receive a flag; Handhaving refers it to the LOO; the LOO agrees an
    integrale controle that Handhaving and Burgerzaken carry out; its outcome is bevestigd;
    the register's precision for the rule goes from no data to 1 of 1 with its interval."""
    from datetime import date, timedelta

    from tests.web.conftest import dossier_of, flags_where

    flag = flags_where(web_db, rule_id="overbewoning")[0]
    dossier = f"{base_url}/dossiers/{dossier_of(web_db, flag)}"
    today = date.today()
    page = new_page(browser)

    sign_in(page, base_url, "compliance")
    page.goto(f"{base_url}/register")
    row = page.locator("table.register tr", has=page.locator('a[href="/register/overbewoning"]'))
    assert row.locator("td.precision").inner_text() == "geen uitkomsten"
    sign_out(page)

    sign_in(page, base_url, "analist.handhaving")
    page.goto(dossier)
    card = page.locator(f"#signaal-{flag.id}")
    card.locator("form.decide input[name=besluit][value=doorzetten]").check()
    card.locator("form.decide select[name=naar]").select_option("LOO")
    reason = "Twaalf inschrijvingen op 100 m²: integraal bespreken in het LOO (browsertest)."
    card.locator("form.decide textarea[name=reden]").fill(reason)
    card.locator("button", has_text="Besluit vastleggen").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Besluit vastgelegd."
    sign_out(page)

    # The other receiving department: its own decision still open, Handhaving's unseen.
    sign_in(page, base_url, "analist.burgerzaken")
    page.goto(dossier)
    card = page.locator(f"#signaal-{flag.id}")
    assert "Nog geen besluit van uw afdeling." in card.locator("ul.history").inner_text()
    assert reason not in page.content()
    sign_out(page)

    # The secretariat plans the meeting and puts the referred dossier on its agenda.
    sign_in(page, base_url, "analist.ondermijning")
    page.goto(f"{base_url}/loo")
    plan = page.locator("form.plan")
    plan.locator("input[name=datum]").fill(today.isoformat())
    plan.locator("input[name=voorzitter]").fill("J. van Dijk, burgemeester")
    plan.locator("input[value=handhaving]").check()
    plan.locator("input[value=burgerzaken]").check()
    plan.locator("button", has_text="Overleg plannen").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Overleg gepland."
    page.goto(f"{base_url}/loo")
    inbox = page.locator("#inbox")
    assert reason in inbox.inner_text()
    inbox.locator("button", has_text="Agenderen").first.click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Dossier op de agenda gezet."
    agreement = page.locator("form.agreement").first
    agreement.locator("select[name=actie]").select_option("integrale_controle")
    agreement.locator("select[name=eigenaar]").select_option("handhaving")
    agreement.locator("input[name=uiterlijk]").fill((today + timedelta(days=14)).isoformat())
    agreement.locator("button", has_text="Afspraak vastleggen").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Afspraak vastgelegd."
    sign_out(page)

    # Handhaving carries out the integrale controle with Burgerzaken and closes it.
    sign_in(page, base_url, "analist.handhaving")
    page.goto(f"{base_url}/loo")
    page.locator("#acties a", has_text="Integrale controle").click()
    page.wait_for_load_state()
    check = page.locator("form.check")
    check.locator("input[name=datum]").fill(today.isoformat())
    check.locator("input[value=burgerzaken]").check()
    findings = "Veertien bewoners aangetroffen; brandveiligheid onvoldoende (browsertest)."
    check.locator("textarea[name=bevindingen]").fill(findings)
    check.locator("button", has_text="Controle vastleggen").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Integrale controle vastgelegd."
    done = page.locator("#controle").inner_text()
    assert "Burgerzaken (BRP en adresonderzoek), Toezicht en Handhaving" in done
    assert findings in done
    close = page.locator("form.close")
    close.locator("input[name=uitkomst][value=bevestigd]").check()
    close.locator("select[name=categorie]").select_option("overtreding vastgesteld")
    close.locator("textarea[name=reden]").fill("Overbewoning vastgesteld; last onder dwangsom.")
    close.locator("button", has_text="Actie afronden").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").inner_text() == "Actie afgerond met haar uitkomst."
    sign_out(page)

    sign_in(page, base_url, "compliance")
    page.goto(f"{base_url}/register")
    row = page.locator("table.register tr", has=page.locator('a[href="/register/overbewoning"]'))
    cell = row.locator("td.precision").inner_text()
    assert "100%" in cell and "1 van 1 bevestigd · 95%: 21–100%" in cell
    page.context.close()


def test_lookup_hit_no_hit_content_and_the_inzage_pdf_in_chromium(
    browser, web_db, web_data_dir, demo_extracts, tmp_path
):
    """An analist looks an address up (step 1, then step 2); the compliance officer
    registers an inzageverzoek and downloads its PDF."""
    from sqlmodel import select

    from tests.extracts import TEST_KEY
    from vik.connectors.pseudonyms import PseudonymKey
    from vik.lookup.subjects import person_of_bsn
    from vik.store.db import connect, session_scope
    from vik.store.models import Flag
    from vik.web import create_app

    with session_scope(connect(web_db)) as session:
        address = session.exec(
            select(Flag.entity_key).where(Flag.rule_id == "overbewoning", Flag.status == "open")
        ).first()
        person = session.exec(
            select(Flag.entity_key).where(Flag.rule_id == "veelverhuizer")
        ).first()
    app = create_app(web_db, config_dir=CONFIG, data_dir=web_data_dir, key=PseudonymKey(TEST_KEY))
    with live_server(app) as base_url:
        page = new_page(browser)
        sign_in(page, base_url, "analist.burgerzaken")
        page.click("text=Zoeken")
        page.wait_for_load_state()
        page.fill("#adres", address)
        page.select_option("#doel", "adresonderzoek")
        page.fill("#reden", "Melding over bewoning, zaak BZ-2026-9001 (browsertest)")
        page.click("button:has-text('Zoeken (hit/no-hit)')")
        page.wait_for_load_state()
        assert page.locator("h2#stap1").inner_text() == "Stap 1 · hit/no-hit"
        assert page.locator("tr[data-bron=brp] td").nth(1).inner_text() == "ja"
        assert page.locator("tr[data-afdeling=burgerzaken] td").nth(1).inner_text() == "ja"
        assert page.locator("table.content").count() == 0  # no content before step 2
        page.click("button:has-text('Stap 2')")
        page.wait_for_load_state()
        brp = page.locator("table.content[data-bron=brp]")
        headers = brp.locator("thead th").all_inner_texts()
        assert headers[:3] == ["geslachtsnaam", "voorvoegsel", "voornamen"]
        assert brp.locator("tbody tr").count() >= 12
        assert page.locator("table.content[data-bron=belastingen]").count() == 0
        sign_out(page)

        brp_csv = pl.read_csv(demo_extracts / "brp.csv", infer_schema=False)
        key = PseudonymKey(TEST_KEY)
        bsn = next(b for b in brp_csv["bsn"].unique().to_list() if person_of_bsn(b, key) == person)
        sign_in(page, base_url, "compliance")
        page.click("text=Inzageverzoeken")
        page.wait_for_load_state()
        page.fill("#bsn", bsn)
        page.click("button:has-text('Verzoek registreren')")
        page.wait_for_load_state()
        assert "Inzageverzoek" in page.locator("h1").inner_text()
        assert bsn not in page.content()
        with page.expect_download() as download_info:
            page.click("text=Rapport als PDF")
        target = tmp_path / "inzage.pdf"
        download_info.value.save_as(target)
        assert target.read_bytes().startswith(b"%PDF-")
        from pypdf import PdfReader

        text = " ".join(p.extract_text() for p in PdfReader(target).pages)
        assert "Signalen over u" in " ".join(text.split())
        page.context.close()
