"""The demo's follow-up (`vik demo run`): a past LOO with outcomes, so the compliance pages
show real figures; and the public outcome register beside the Algoritmeregister export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.conftest import CONFIG
from tests.web.test_dossiers import audit
from vik.cli import app as cli
from vik.cli.demo_followup import seed_follow_up
from vik.store.db import connect, session_scope
from vik.store.feedback import rule_feedback
from vik.store.models import LooAgreement, LooMeeting, Outcome


def seed(web_db: str, demo_extracts) -> str | None:  # type: ignore[no-untyped-def]
    engine = connect(web_db)
    made = seed_follow_up(engine, CONFIG, demo_extracts / "truth", DEMO_AS_OF)
    engine.dispose()
    return made


def test_the_demo_leaves_a_past_loo_with_outcomes(signed_in, web_db, demo_extracts):
    made = seed(web_db, demo_extracts)
    assert made and "uitkomsten" in made
    assert seed(web_db, demo_extracts) is None  # once: a second demo run leaves it alone
    with session_scope(connect(web_db)) as session:
        meetings = session.exec(select(LooMeeting).order_by(LooMeeting.held_on)).all()
        assert [m.status for m in meetings] == ["gehouden", "gepland"]
        assert meetings[0].held_on < DEMO_AS_OF < meetings[1].held_on
        agreements = session.exec(select(LooAgreement)).all()
        assert {a.status for a in agreements} == {"open", "afgerond"}
        assert any(a.check_on for a in agreements)  # an integrale controle was recorded
        assert session.exec(select(Outcome)).all()
        judged = {k: v.total.judged for k, v in rule_feedback(session).items()}
    assert sum(judged.values()) >= 3
    assert all(entry.actor.startswith("analist.") for entry in audit(web_db, "uitkomst"))
    page = signed_in("compliance").get("/register").text
    row = page[page.index('href="/register/overbewoning"') :].split("</tr>")[0]
    assert "bevestigd · 95%:" in row
    # The owner of the action that is still open sees it as overdue.
    loo = signed_in("analist.handhaving").get("/loo").text
    assert "te laat" in loo[loo.index('id="acties"') :]


def test_the_outcome_register_is_published_beside_the_algoritmeregister(
    signed_in, web_db, demo_extracts, tmp_path
):
    seed(web_db, demo_extracts)
    out = tmp_path / "register"
    result = CliRunner().invoke(
        cli,
        ["export", "algoritmeregister", "--out", str(out), "--db", web_db],
        env={"VIK_CONFIG_DIR": str(CONFIG), "VIK_PSEUDONYM_KEY": TEST_KEY.decode()},
    )
    assert result.exit_code == 0, result.output
    assert "Uitkomstenregister geschreven" in result.output
    register = json.loads((out / "uitkomstenregister.json").read_text(encoding="utf-8"))
    rules = {r["regel"]: r for r in register["regels"]}
    overbewoning = rules["overbewoning"]["totaal"]
    assert overbewoning["n"] == overbewoning["bevestigd"] + overbewoning["niet_bevestigd"] > 0
    low, high = overbewoning["interval_95"]
    assert 0 < low <= overbewoning["precisie"] <= high <= 1
    # Fewer than five outcomes in a wijk: left out, and said so.
    assert rules["overbewoning"]["per_wijk"] == []
    assert rules["overbewoning"]["wijken_weggelaten"] >= 1
    text = (out / "uitkomstenregister.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    total = next(r for r in rows if r["regel"] == "overbewoning" and r["indeling"] == "totaal")
    assert int(total["n"]) == overbewoning["n"]
    # No personal data: no entity keys, addresses or reasons, only counts.
    for key in ("signalen", "besloten", "doorgezet"):
        assert total[key].isdigit()
    assert "Uitkomst van de demo-actie" not in text
    web = signed_in("compliance").get("/register/uitkomstenregister.csv")
    assert web.headers["content-type"].startswith("text/csv")
    assert web.text.splitlines()[0] == text.splitlines()[0]


def test_the_demo_follow_up_refuses_a_database_that_is_not_the_demos(database_url, demo_extracts):
    from vik.store.db import migrate
    from vik.store.demo import NotADemoDatabase

    engine = connect(database_url)
    migrate(engine)
    with pytest.raises(NotADemoDatabase):
        seed_follow_up(engine, CONFIG, demo_extracts / "truth", DEMO_AS_OF)
    with session_scope(engine) as session:
        assert session.exec(select(LooMeeting)).all() == []
    engine.dispose()
