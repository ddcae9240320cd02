"""Persisting flags: idempotent, vervallen with history kept, untouched when a rule did not run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlmodel import select

from tests.approvals import approved
from vik.rules import evaluate_rules, load_context, load_rule
from vik.rules.approvals import manifest_approvals
from vik.rules.loader import RuleSet
from vik.store.db import connect, migrate, session_scope
from vik.store.flags import persist_evaluation, record_rules
from vik.store.models import Flag, FlagEvidence, Review, RuleEvaluation, RuleVersion, Run
from vik.store.queries import open_flags_with_evidence
from vik.store.retention import expiry

CONFIG = Path(__file__).resolve().parents[2] / "config"
CONTEXT = load_context(CONFIG)
CONTEXT.approvals = manifest_approvals(CONFIG)
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
    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    night(engine, rules, 12)
    # An edit without a new approval: the rule does not run; not evaluated is not "gone".
    edited = tmp_path / "overbewoning.yaml"
    edited.write_text(
        (CONFIG / "rules" / "overbewoning.yaml")
        .read_text(encoding="utf-8")
        .replace("min_inschrijvingen: 12", "min_inschrijvingen: 10"),
        encoding="utf-8",
    )
    counts = night(engine, RuleSet(valid=[load_rule(edited, CONTEXT)]), 0, date(2026, 11, 2))
    assert counts["vervallen"] == 0 and counts["open"] == 1
    with session_scope(engine) as session:
        evaluations = session.exec(select(RuleEvaluation).order_by(RuleEvaluation.id)).all()
        assert [e.ran for e in evaluations] == [True, False]
        assert "niet goedgekeurd" in evaluations[1].reasons[0]
        assert "gewijzigd sinds de goedgekeurde versie" in evaluations[1].reasons[0]
        assert len(session.exec(select(RuleVersion)).all()) == 2  # two versions of the file


@pytest.mark.parametrize("ending", ["ingetrokken", "verlopen"])
def test_ending_a_rule_closes_its_open_flags_and_keeps_decided_history(
    database_url, tmp_path, ending
):
    import yaml

    engine = connect(database_url)
    migrate(engine)
    rules = RuleSet(valid=[load_rule(CONFIG / "rules" / "overbewoning.yaml", CONTEXT)])
    night(engine, rules, 12)
    with session_scope(engine) as session:
        (flag,) = session.exec(select(Flag)).all()
        session.add(
            Review(
                flag_id=flag.id,
                department="burgerzaken",
                decision="in_behandeling",
                reason="loopt",
                reviewer="a",
            )
        )
    data = yaml.safe_load((CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8"))
    peil = date(2026, 11, 2)
    if ending == "ingetrokken":
        data["status"] = "ingetrokken"
    else:
        peil = date(2027, 9, 16)  # the day after its herbeoordeling
    (tmp_path / "overbewoning.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    ended = RuleSet(valid=[load_rule(tmp_path / "overbewoning.yaml", CONTEXT)])
    counts = night(engine, ended, 12, peil)
    assert counts["regel_beeindigd"] == 1 and counts["open"] == 0
    with session_scope(engine) as session:
        (flag,) = session.exec(select(Flag)).all()
        assert (flag.status, flag.closed_reason, flag.vervallen_on) == (
            "vervallen",
            "regel beëindigd",
            peil,
        )
        # Retention runs from the day the rule ended (P1Y from laatste_signalering).
        assert expiry(flag) == date(peil.year + 1, peil.month, peil.day)
        assert len(session.exec(select(Review)).all()) == 1  # the decision's history stays
    # Exports read open flags only: the ended rule's flag is no longer exported.
    with session_scope(engine) as session:
        assert open_flags_with_evidence(session).height == 0


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
    version_2 = approved(CONTEXT, load_rule(changed, CONTEXT))
    night(engine, RuleSet(valid=[version_2]), 12, date(2026, 11, 2))
    with session_scope(engine) as session:
        (flag,) = session.exec(select(Flag)).all()
        assert (flag.rule_version, flag.recipients) == (2, ["burgerzaken", "ondermijning"])
