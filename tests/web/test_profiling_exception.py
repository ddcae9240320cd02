"""A profiling exception approved by the guarding role runs, and is a warning in `vik rules
check`, the register and the Algoritmeregister document (issue 13's acceptance)."""

from __future__ import annotations

import json
import shutil

import yaml
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from tests.web.conftest import CONFIG, sign_in
from vik.cli import app as cli
from vik.connectors.pseudonyms import PseudonymKey
from vik.rules import load_context, load_rule, night_gate
from vik.rules.approvals import Scope
from vik.store.approvals import approve, load_approvals
from vik.store.db import connect, session_scope
from vik.store.models import WebUser
from vik.web import create_app
from vik.web.settings import WebSettings

EXCEPTION = "Onderzoek naar uitbuiting vraagt dit gegeven; vastgesteld na advies van de FG."


def test_an_exception_approved_by_the_fg_runs_with_a_warning_in_three_places(
    web_db, tmp_path, monkeypatch
):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    (config / "sources.yaml").write_text(
        yaml.safe_dump({"brp": {"extra_columns": {"kenmerk_g": {"kind": "code", "categorie": "geslacht"}}}}),
        encoding="utf-8",
    )  # fmt: skip
    rule = config / "rules" / "veelverhuizer.yaml"
    data = yaml.safe_load(rule.read_text(encoding="utf-8"))
    data["inputs"].append("brp.kenmerk_g")
    data["measures"]["verhuizingen"]["where"] += ' and (is_empty(kenmerk_g) or kenmerk_g != "X")'
    data["author"] = "analist.ondermijning"
    data["profilering_uitzondering"] = {"velden": ["brp.kenmerk_g"], "onderbouwing": EXCEPTION}
    rule.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    context = load_context(config)
    loaded = load_rule(rule, context)
    engine = connect(web_db)
    with session_scope(engine) as session:
        owner = session.exec(select(WebUser).where(WebUser.username == "eigenaar")).one()
        fg = session.exec(select(WebUser).where(WebUser.username == "compliance")).one()
        approve(session, loaded, owner, besluit="Besluit college 2026-1101-01", on=DEMO_AS_OF, context=context)  # fmt: skip
    with session_scope(engine) as session:
        context.approvals = load_approvals(session)
    assert any("profilering_uitzondering niet goedgekeurd" in r for r in night_gate(loaded, context, DEMO_AS_OF))  # fmt: skip
    with session_scope(engine) as session:
        approve(session, loaded, fg, besluit="FG-ADV-2026-031", on=DEMO_AS_OF, context=context, scope=Scope.PROFILERING)  # fmt: skip
    with session_scope(engine) as session:
        context.approvals = load_approvals(session)
    assert night_gate(loaded, context, DEMO_AS_OF) == []  # it runs

    # 1. vik rules check
    monkeypatch.setenv("VIK_CONFIG_DIR", str(config))
    monkeypatch.setenv("VIK_PSEUDONYM_KEY", TEST_KEY.decode())
    result = CliRunner().invoke(cli, ["rules", "check", "--db", web_db, "--as-of", DEMO_AS_OF.isoformat()])  # fmt: skip
    assert "LET OP veelverhuizer" in result.output
    assert "profileringsuitzondering voor brp.kenmerk_g" in result.output

    # 2. the register (list and rule page), for the compliance officer
    web = create_app(
        web_db,
        config_dir=config,
        settings=WebSettings(allowed_hosts=["testserver"]),
        today=lambda: DEMO_AS_OF,
        key=PseudonymKey(TEST_KEY),
    )
    client = TestClient(web)
    assert sign_in(client, "compliance").status_code == 303
    register = client.get("/register").text
    assert "let op: profileringsuitzondering voor brp.kenmerk_g" in register
    page = client.get("/register/veelverhuizer").text
    assert "goedgekeurd door Functionaris gegevensbescherming (demo)" in page
    assert EXCEPTION in page

    # 3. the Algoritmeregister document
    document = json.loads(client.get("/register/veelverhuizer/algoritmeregister.json").text)
    assert (
        "Uitzondering op het verbod op profilering: de regel leest brp.kenmerk_g"
        in document["risks"]
    )
