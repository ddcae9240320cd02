"""In headless Chromium: the rule owner approves a pending rule version in the register, and
the next night runs it (issue 13's acceptance)."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.browser import BROWSER_MARKS, live_server, new_page, sign_in, sign_out
from tests.web.conftest import CONFIG
from vik.connectors.pseudonyms import PseudonymKey
from vik.nightly import NightlyConfig, run_nightly
from vik.store.db import connect, session_scope
from vik.store.models import RuleApproval, RuleEvaluation

pytestmark = BROWSER_MARKS


@pytest.fixture
def config(tmp_path):  # type: ignore[no-untyped-def]
    """The demo configuration with a new version of overbewoning, written by an analist."""
    copy = tmp_path / "config"
    shutil.copytree(CONFIG, copy)
    rule = copy / "rules" / "overbewoning.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8")
        .replace("version: 1", "version: 2")
        .replace("Signaleert woningen", "Signaleert woonruimten")
        .replace("author: s.yilmaz", "author: analist.ondermijning"),
        encoding="utf-8",
    )
    return copy


def run_night(web_db: str, config, data_dir, extracts, days: int) -> RuleEvaluation:  # type: ignore[no-untyped-def]
    result = run_nightly(
        NightlyConfig(
            extracts_dir=extracts,
            database_url=web_db,
            config_dir=config,
            data_dir=data_dir,
            peildatum=DEMO_AS_OF + timedelta(days=days),
            key=PseudonymKey(TEST_KEY),
            accept_shrink=("all",),
        )
    )
    with session_scope(connect(web_db)) as session:
        return session.exec(
            select(RuleEvaluation).where(
                RuleEvaluation.run_id == result.run_id, RuleEvaluation.rule_id == "overbewoning"
            )
        ).one()


def test_the_rule_owner_approves_a_pending_version_and_the_next_night_runs_it(
    browser, web_db, config, demo_extracts, tmp_path
):
    from vik.web import create_app

    before = run_night(web_db, config, tmp_path / "data", demo_extracts, 1)
    assert not before.ran and "niet goedgekeurd" in before.reasons[0]

    with live_server(create_app(web_db, config_dir=config, today=lambda: DEMO_AS_OF)) as url:
        page = new_page(browser)
        # The author sees the pending version but cannot approve it.
        sign_in(page, url, "compliance")
        page.goto(f"{url}/register/overbewoning")
        assert page.locator("form.approve").count() == 0  # compliance approves exceptions only
        sign_out(page)

        sign_in(page, url, "eigenaar")
        assert page.url == f"{url}/register"
        row = page.locator("table.register tr", has_text="Veel inschrijvingen op een kleine woning")
        assert "wacht op goedkeuring" in row.inner_text()
        row.locator("a").first.click()
        page.wait_for_load_state()
        approvals = page.locator("#goedkeuringen").inner_text()
        assert "wacht op goedkeuring" in approvals
        assert "Laatst goedgekeurde versie" in approvals  # the approved one beside it
        page.fill("#besluit", "Besluit college 2026-1201-03")
        page.click("text=Deze versie goedkeuren")
        page.wait_for_load_state()
        assert page.locator("p.notice").first.inner_text().startswith("Goedgekeurd")
        assert (
            "goedgekeurd door Regeleigenaar (demo)" in page.locator("#goedkeuringen").inner_text()
        )
        assert page.locator("form.approve").count() == 0

    with session_scope(connect(web_db)) as session:
        approval = session.exec(select(RuleApproval).where(RuleApproval.origin == "account")).one()
        assert (approval.approver, approval.author, approval.version) == (
            "eigenaar",
            "analist.ondermijning",
            2,
        )
    after = run_night(web_db, config, tmp_path / "data", demo_extracts, 2)
    assert after.ran and after.version == 2 and after.hits > 0
