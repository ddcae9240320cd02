"""Persisting flags: idempotent, vervallen with history kept, untouched when a rule did not run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlmodel import select

from vik.rules import evaluate_rules, load_context, load_rule
from vik.rules.loader import RuleSet
from vik.store.db import connect, migrate, session_scope
from vik.store.flags import persist_evaluation, record_rules
from vik.store.models import Flag, FlagEvidence, Review, RuleEvaluation, RuleVersion, Run

CONFIG = Path(__file__).resolve().parents[2] / "config"
CONTEXT = load_context(CONFIG)
PEIL = date(2026, 11, 1)
DATES = {"brp": date(2026, 10, 31), "bag": date(2026, 10, 30)}


def frames(registrations: int) -> dict[str, pl.DataFrame]:
    brp = pl.DataFrame(
        {
            "nummeraanduiding_id": ["A"] * registrations,
            "functie_adres": ["W"] * registrations,
            "datum_aanvang_adreshouding": ["2024-01-01"] * registrations,
            "datum_einde_adreshouding": [None] * registrations,
            "record_key": [f"brp-{i}" for i in range(registrations)],
        },
        schema_overrides={"datum_einde_adreshouding": pl.String},
    )
    bag = pl.DataFrame(
        {
            "nummeraanduiding_id": ["A"],
            "oppervlakte": [60.0],
            "gebruiksdoel": [["woonfunctie"]],
            "record_key": ["A"],
        }
    )
    return {"brp": brp, "bag": bag}


def night(engine, rules: RuleSet, registrations: int, peildatum: date = PEIL) -> dict:
    evaluation = evaluate_rules(rules, frames(registrations), peildatum, CONTEXT)
    with session_scope(engine) as session:
        run = Run(peildatum=peildatum, extracts_dir="x", status="geslaagd")
        session.add(run)
        session.flush()
        record_rules(session, run, rules, evaluation)
        return persist_evaluation(session, run, evaluation, rules, DATES)


def test_same_data_twice_gives_the_same_flag_not_a_duplicate(database_url):
    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    assert night(engine, rules, 12)["nieuw"] == 1
    second = night(engine, rules, 12, date(2026, 11, 2))
    assert second == {"nieuw": 0, "bevestigd": 1, "heropend": 0, "vervallen": 0, "open": 1}
    with session_scope(engine) as session:
        (flag,) = session.exec(select(Flag)).all()
        assert (flag.first_seen_on, flag.last_seen_on) == (PEIL, date(2026, 11, 2))
        assert flag.recipients == ["burgerzaken", "handhaving", "ondermijning"]
        assert flag.bewaartermijn == "P1Y"
        evidence = session.exec(select(FlagEvidence)).all()
        assert len(evidence) == 13  # 12 BRP rows and the BAG object, not doubled
        assert {(e.source, e.extract_date) for e in evidence} == {
            ("brp", date(2026, 10, 31)),
            ("bag", date(2026, 10, 30)),
        }
        assert len(session.exec(select(RuleVersion)).all()) == 1
        assert len(session.exec(select(RuleEvaluation)).all()) == 2


def test_flag_that_no_longer_holds_becomes_vervallen_and_keeps_its_reviews(database_url):
    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    night(engine, rules, 12)
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        session.add(
            Review(
                flag_id=flag.id,
                department="burgerzaken",
                decision="in_behandeling",
                reason="onderzoek",
                reviewer="A",
            )
        )
    counts = night(engine, rules, 11, date(2026, 11, 2))
    assert counts["vervallen"] == 1 and counts["open"] == 0
    with session_scope(engine) as session:
        flag = session.exec(select(Flag)).one()
        assert flag.status == "vervallen" and flag.vervallen_on == date(2026, 11, 2)
        assert len(session.exec(select(Review)).all()) == 1
    assert night(engine, rules, 13, date(2026, 11, 3))["heropend"] == 1


def test_flags_of_a_rule_that_did_not_run_are_left_alone(database_url, tmp_path):
    import yaml

    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    night(engine, rules, 12)
    data = yaml.safe_load((CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8"))
    data["status"] = "ingetrokken"
    (tmp_path / "overbewoning.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    withdrawn = RuleSet(valid=[load_rule(tmp_path / "overbewoning.yaml", CONTEXT)])
    counts = night(engine, withdrawn, 0, date(2026, 11, 2))
    assert counts["vervallen"] == 0 and counts["open"] == 1
    with session_scope(engine) as session:
        evaluations = session.exec(select(RuleEvaluation).order_by(RuleEvaluation.id)).all()
        assert [e.ran for e in evaluations] == [True, False]
        assert evaluations[1].reasons == ["status is ingetrokken, niet actief"]
        assert len(session.exec(select(RuleVersion)).all()) == 2  # two versions of the file


def test_a_new_rule_version_with_other_ontvangers_reaches_the_new_recipients(
    database_url, tmp_path
):
    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    night(engine, rules, 12)
    changed = tmp_path / "overbewoning.yaml"
    changed.write_text(
        (CONFIG / "rules" / "overbewoning.yaml")
        .read_text(encoding="utf-8")
        .replace("version: 1", "version: 2")
        .replace("    - handhaving\n", ""),
        encoding="utf-8",
    )
    night(engine, RuleSet(valid=[load_rule(changed, CONTEXT)]), 12, date(2026, 11, 2))
    with session_scope(engine) as session:
        (flag,) = session.exec(select(Flag)).all()
        assert (flag.rule_version, flag.recipients) == (2, ["burgerzaken", "ondermijning"])
