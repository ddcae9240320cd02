"""A rule in trial (status proef): flags only for its pilot departments, an outcome for
every flag, and the promotion criterion in `vik rules check` and the register."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.conftest import CONFIG, csrf_of, flags_where, make_app, sign_in
from vik.cli import app as cli
from vik.cli.demo import DEMO_ACCOUNTS, demo_password
from vik.connectors.pseudonyms import PseudonymKey
from vik.nightly import NightlyConfig, run_nightly
from vik.rules import load_context, load_rule
from vik.store.approvals import approve
from vik.store.db import connect, session_scope
from vik.store.demo import claim_for_demo
from vik.store.models import WebUser
from vik.web.users import ensure_user

TRIAL = """status: proef
proef:
  afdelingen: [burgerzaken]
  promotie:
    min_uitkomsten: 2
    min_precisie: 0.5
"""


@pytest.fixture
def trial(demo_extracts, tmp_path):  # type: ignore[no-untyped-def]
    """The demo with overbewoning in trial at Burgerzaken only: (config dir, database)."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    rule = config / "rules" / "overbewoning.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8")
        .replace("status: actief\n", TRIAL)
        .replace("author: s.yilmaz", "author: analist.ondermijning")
    )
    url = f"sqlite:///{tmp_path / 'vik.db'}"
    engine = connect(url)
    claim_for_demo(engine, str(demo_extracts))  # the demo's accounts go only in its database
    engine.dispose()
    with session_scope(connect(url)) as session:
        for username, role, department, name in DEMO_ACCOUNTS:
            ensure_user(session, username, demo_password(username), role, department, name)
        # The trial is a new content: the rule owner approves it, as any other version.
        context = load_context(config)
        owner = session.exec(select(WebUser).where(WebUser.username == "eigenaar")).one()
        approve(
            session,
            load_rule(rule, context),
            owner,
            besluit="Besluit college 2026-1101-07 (proef overbewoning)",
            on=DEMO_AS_OF,
            context=context,
        )
    run_nightly(
        NightlyConfig(
            extracts_dir=demo_extracts,
            database_url=url,
            config_dir=config,
            data_dir=tmp_path / "data",
            peildatum=DEMO_AS_OF,
            key=PseudonymKey(TEST_KEY),
        )
    )
    return config, url


def test_a_proef_rule_reaches_only_its_pilot_departments(trial):
    config, url = trial
    flags = flags_where(url, rule_id="overbewoning")
    assert flags and all(f.recipients == ["burgerzaken"] for f in flags)
    app = make_app(url, config_dir=config)
    with TestClient(app) as handhaving, TestClient(app) as burgerzaken:
        sign_in(handhaving, "analist.handhaving")
        sign_in(burgerzaken, "analist.burgerzaken")
        assert f"#signaal-{flags[0].id}" not in handhaving.get("/signalen?status=alle").text
        page = burgerzaken.get(f"/signalen/{flags[0].id}", follow_redirects=True).text
        assert "proefregel: uitkomst nodig" in page
        # Passing it on goes only to the pilot departments (and the forums).
        form = page[page.index(f'action="/signalen/{flags[0].id}/besluit"') :].split("</form>")[0]
        assert '<option value="handhaving">' not in form and '<option value="LOO">' in form


def test_every_flag_of_a_proef_rule_needs_an_outcome(trial):
    config, url = trial
    flag = flags_where(url, rule_id="overbewoning")[0]
    app = make_app(url, config_dir=config)
    with TestClient(app) as burgerzaken:
        sign_in(burgerzaken, "analist.burgerzaken")
        csrf = csrf_of(burgerzaken.get("/signalen").text)
        decision = {"csrf_token": csrf, "besluit": "geen_actie", "reden": "Gezin met kinderen."}
        refused = burgerzaken.post(f"/signalen/{flag.id}/besluit", data=decision)
        assert refused.status_code == 400
        assert "proefregel: elk signaal krijgt een uitkomst" in refused.text
        done = burgerzaken.post(
            f"/signalen/{flag.id}/besluit",
            data={**decision, "uitkomst": "niet_bevestigd"},
            follow_redirects=False,
        )
        assert done.status_code == 303
    with TestClient(app) as compliance:
        sign_in(compliance, "compliance")
        register = compliance.get("/register").text
        row = register[register.index('href="/register/overbewoning"') :].split("</tr>")[0]
        assert "proef" in row and "criterium nog niet gehaald" in row
        assert "0%" in row and "0 van 1 bevestigd" in row
    result = CliRunner().invoke(
        cli, ["rules", "check", "--dir", str(config / "rules"), "--db", url], env=_env(config)
    )
    assert result.exit_code == 0, result.output
    assert "overbewoning is een proef voor burgerzaken" in result.output
    assert "minstens 2 uitkomsten en een precisie van minstens 50%" in result.output
    assert "Stand: 1 van minstens 2 uitkomsten, precisie 0% (minstens 50%): nog niet gehaald" in (
        result.output
    )


def test_a_proef_rule_names_pilot_departments_among_its_ontvangers(tmp_path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    rule = config / "rules" / "overbewoning.yaml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace(
            "status: actief\n", TRIAL.replace("[burgerzaken]", "[zorg]")
        )
    )
    result = CliRunner().invoke(cli, ["rules", "check"], env=_env(config))
    assert result.exit_code == 1
    assert "proef.afdelingen noemt 'zorg', die niet onder doelbinding.ontvangers staat" in (
        result.output
    )
    original = (CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8")
    rule.write_text(original.replace("status: actief\n", "status: proef\n"))
    result = CliRunner().invoke(cli, ["rules", "check"], env=_env(config))
    assert "status proef noemt onder proef de pilotafdelingen" in result.output


def _env(config) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "VIK_CONFIG_DIR": str(config),
        "VIK_DATA_DIR": str(config.parent / "var"),
        "VIK_PSEUDONYM_KEY": TEST_KEY.decode(),
    }
