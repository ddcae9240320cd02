"""Approvals through accounts: bound to content, refused for the author, seeded once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from vik.errors import ApprovalError
from vik.rules import load_context, load_rule, run_gate
from vik.rules.approvals import Scope
from vik.store.approvals import approve, load_approvals, seed_shipped_approvals
from vik.store.db import connect, migrate, session_scope
from vik.store.models import AuditLog, RuleApproval
from vik.web.users import add_user

CONFIG = Path(__file__).resolve().parents[2] / "config"
PASSWORD = "correct paard batterij niet"


def _accounts(session) -> dict:
    return {
        name: add_user(session, name, PASSWORD, role, dept, name.title(), actor="test")
        for name, role, dept in (
            ("s.yilmaz", "analist", "ondermijning"),
            ("m.deboer", "eigenaar", None),
            ("fg", "compliance", None),
        )
    }


def _edited(tmp_path: Path, author: str = "s.yilmaz", threshold: int = 12) -> Path:
    text = (CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8")
    path = tmp_path / "overbewoning.yaml"
    path.write_text(
        text.replace("Signaleert woningen", "Signaleert woonruimten")
        .replace("min_inschrijvingen: 12", f"min_inschrijvingen: {threshold}")
        .replace("author: s.yilmaz", f"author: {author}"),
        encoding="utf-8",
    )
    return path


def test_a_version_whose_own_tests_fail_is_not_approved(database_url, tmp_path):
    engine = connect(database_url)
    migrate(engine)
    context = load_context(CONFIG)
    loaded = load_rule(_edited(tmp_path, threshold=10), context)
    with session_scope(engine) as session:
        accounts = _accounts(session)
        with pytest.raises(ApprovalError, match="de eigen tests van deze versie slagen niet"):
            approve(session, loaded, accounts["m.deboer"], besluit="Besluit 2026-12", on=date(2026, 12, 1), context=context)  # fmt: skip


def test_an_approval_by_the_authors_own_account_is_refused(database_url, tmp_path):
    engine = connect(database_url)
    migrate(engine)
    context = load_context(CONFIG)
    loaded = load_rule(_edited(tmp_path, author="m.deboer"), context)
    with session_scope(engine) as session:
        accounts = _accounts(session)
        with pytest.raises(ApprovalError, match=r"m\.deboer is de auteur van overbewoning"):
            approve(session, loaded, accounts["m.deboer"], besluit="Besluit 2026-12", on=date(2026, 12, 1), context=context)  # fmt: skip


@pytest.mark.parametrize(
    ("who", "besluit", "message"),
    [
        ("s.yilmaz", "Besluit 2026-12", "alleen de rol eigenaar"),
        ("fg", "Besluit 2026-12", "alleen de rol eigenaar"),
        ("m.deboer", "goedgekeurd", "noemt geen besluit"),
        ("m.deboer", "n.v.t.", "zegt niets"),
    ],
)
def test_only_the_approving_role_approves_and_names_a_besluit(database_url, tmp_path, who, besluit, message):  # fmt: skip
    engine = connect(database_url)
    migrate(engine)
    context = load_context(CONFIG)
    loaded = load_rule(_edited(tmp_path), context)
    with session_scope(engine) as session:
        accounts = _accounts(session)
        with pytest.raises(ApprovalError, match=message):
            approve(session, loaded, accounts[who], besluit=besluit, on=date(2026, 12, 1), context=context)  # fmt: skip


def test_an_approval_binds_this_content_and_lets_it_run(database_url, tmp_path):
    engine = connect(database_url)
    migrate(engine)
    context = load_context(CONFIG)
    path = _edited(tmp_path)
    loaded = load_rule(path, context)
    with session_scope(engine) as session:
        accounts = _accounts(session)
        seed_shipped_approvals(session, CONFIG, actor="test")
    with session_scope(engine) as session:
        context.approvals = load_approvals(session)
    assert any("niet goedgekeurd" in r for r in run_gate(loaded, context, date(2026, 12, 2)))
    with session_scope(engine) as session:
        approve(session, loaded, accounts["m.deboer"], besluit="Besluit college 2026-1201-03", on=date(2026, 12, 1), context=context)  # fmt: skip
    with session_scope(engine) as session:
        context.approvals = load_approvals(session)
        (row,) = session.exec(select(RuleApproval).where(RuleApproval.origin == "account")).all()
        assert (row.content_hash, row.approver, row.author) == (
            loaded.content_hash,
            "m.deboer",
            "s.yilmaz",
        )
        entry = session.exec(select(AuditLog).where(AuditLog.action == "regel_goedgekeurd")).one()
        assert entry.actor == "m.deboer" and entry.details["sha256"] == loaded.content_hash
    assert run_gate(loaded, context, date(2026, 12, 2)) == []
    # One more character and the approval no longer applies.
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert any("niet goedgekeurd" in r for r in run_gate(load_rule(path, context), context, date(2026, 12, 2)))  # fmt: skip


def test_a_profiling_exception_is_approved_by_the_guarding_role_only(database_url, tmp_path):
    engine = connect(database_url)
    migrate(engine)
    context = load_context(CONFIG)
    text = _edited(tmp_path).read_text(encoding="utf-8")
    path = tmp_path / "overbewoning.yaml"
    path.write_text(
        text + "profilering_uitzondering:\n  velden: [brp.functie_adres]\n  onderbouwing: "
        "Alleen om te laten zien dat de FG een uitzondering goedkeurt, niet de eigenaar.\n",
        encoding="utf-8",
    )
    loaded = load_rule(path, context)
    with session_scope(engine) as session:
        accounts = _accounts(session)
        with pytest.raises(ApprovalError, match="alleen de rol compliance"):
            approve(session, loaded, accounts["m.deboer"], besluit="FG-ADV 2026-9", on=date(2026, 12, 1), context=context, scope=Scope.PROFILERING)  # fmt: skip
        approve(session, loaded, accounts["fg"], besluit="FG-ADV 2026-9", on=date(2026, 12, 1), context=context, scope=Scope.PROFILERING)  # fmt: skip


def test_the_shipped_approvals_are_seeded_once(database_url, tmp_path):
    engine = connect(database_url)
    migrate(engine)
    with session_scope(engine) as session:
        assert seed_shipped_approvals(session, CONFIG, actor="test") == 8
    with session_scope(engine) as session:
        assert seed_shipped_approvals(session, CONFIG, actor="test") == 0
        origins = {r.origin for r in session.exec(select(RuleApproval)).all()}
        assert origins == {"meegeleverd (approvals.yaml)"}


def test_every_shipped_rule_has_its_shipped_approval():
    from vik.rules import load_rules
    from vik.rules.approvals import manifest_approvals

    approvals = manifest_approvals(CONFIG)
    for loaded in load_rules(CONFIG / "rules", load_context(CONFIG)).valid:
        assert approvals.of(loaded.id, loaded.content_hash) is not None, (
            f"{loaded.id}: the shipped file changed; its approval in config/approvals.yaml "
            "must be renewed (sha256) by whoever approved the change"
        )
