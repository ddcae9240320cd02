"""Weak inputs: trivial passwords are refused by `vik users`, and a purpose that is not
words is refused on the dossier page, each with a Dutch reason."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.conftest import upgraded
from tests.web.browser import BROWSER_MARKS, live_server, new_page, sign_in
from tests.web.conftest import dossier_of, flags_where, make_app
from tests.web.test_cli import vik
from vik.store.db import connect, session_scope
from vik.store.models import AuditLog, WebUser


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("0612345678", "alleen uit cijfers"),
        ("aaaaaaaaaaaa", "herhaalt steeds dezelfde tekens"),
        ("abababababab", "herhaalt steeds dezelfde tekens"),
        ("wachtwachtwacht", "herhaalt steeds dezelfde tekens"),
        ("abcdefghijkl", "reeks tekens op een rij"),
        ("qwertyuiop", "reeks tekens op een rij"),
        ("Wachtwoord2024!", "veelgebruikte wachtwoorden"),
        ("Welkom123456", "veelgebruikte wachtwoorden"),
        ("analist.zorg.2026", "bevat de gebruikersnaam"),
        ("kort", "te kort"),
    ],
)
def test_trivially_weak_passwords_are_refused_with_the_reason(tmp_path, password, reason):
    db = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")
    result = vik(
        "users", "add", "analist.zorg", "--rol", "analist", "--afdeling", "zorg",
        "--naam", "Z. Analist", "--db", db, env={"VIK_WACHTWOORD": password},
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert reason in result.output
    assert "Traceback" not in result.output
    with session_scope(connect(db)) as session:
        assert session.exec(select(WebUser)).all() == []


def test_a_phrase_is_accepted_and_passwd_checks_the_same(tmp_path):
    db = upgraded(f"sqlite:///{tmp_path / 'vik.db'}")
    added = vik(
        "users", "add", "analist.zorg", "--rol", "analist", "--afdeling", "zorg",
        "--naam", "Z. Analist", "--db", db, env={"VIK_WACHTWOORD": "fietsen langs de Vecht"},
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    weak = vik("users", "passwd", "analist.zorg", "--db", db, env={"VIK_WACHTWOORD": "1234567890"})
    assert weak.exit_code == 1 and "alleen uit cijfers" in weak.output


@BROWSER_MARKS[0]
@BROWSER_MARKS[1]
def test_a_purpose_that_is_not_words_is_refused_in_the_browser(browser, web_db):
    """The analist types "aaaaaaaaaa" as the purpose of opening a person's details: the
    page says why, shows no details, and nothing is logged as seen; a real purpose works."""
    flag = flags_where(web_db, rule_id="veelverhuizer")[0]
    dossier = dossier_of(web_db, flag)
    with live_server(make_app(web_db)) as base:
        page = new_page(browser)
        sign_in(page, base, "analist.burgerzaken")
        page.goto(f"{base}/dossiers/{dossier}")
        for nonsense in ("aaaaaaaaaa", "asdf asdf asdf", "1234567890 xx"):
            page.fill("#doel", nonsense)
            page.click("text=Persoonsgegevens tonen")
            page.wait_for_load_state()
            error = page.locator("section.person p.error").inner_text()
            assert "Beschrijf het doel in woorden" in error, nonsense
            assert page.locator("section.person table").count() == 0
        page.fill("#doel", "Adresonderzoek na vier verhuizingen")
        page.click("text=Persoonsgegevens tonen")
        page.wait_for_load_state()
        assert page.locator("section.person table").count() == 1
        page.context.close()
    with session_scope(connect(web_db)) as session:
        seen = session.exec(
            select(AuditLog).where(AuditLog.action == "persoonsgegevens_ingezien")
        ).all()
    assert [e.purpose for e in seen] == ["Adresonderzoek na vier verhuizingen"]
