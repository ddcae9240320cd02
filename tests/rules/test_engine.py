"""Evaluation: projection, hits with evidence and explanation, onbeslist, betrokkenheid."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from vik.rules import (
    compile_rule,
    evaluate_rule,
    evaluate_rules,
    load_context,
    load_rule,
    load_rules,
)
from vik.rules.approvals import manifest_approvals
from vik.rules.engine import project
from vik.rules.fixtures import fixture_frames

CONFIG = Path(__file__).resolve().parents[2] / "config"
PEILDATUM = date(2026, 11, 1)


@pytest.fixture(scope="module")
def context():
    context = load_context(CONFIG)
    context.approvals = manifest_approvals(CONFIG)
    return context


@pytest.fixture(scope="module")
def overbewoning(context):
    return load_rule(CONFIG / "rules" / "overbewoning.yaml", context)


def brp_frame(rows: list[tuple[str | None, str, str | None]]) -> pl.DataFrame:
    """(nummeraanduiding_id, functie_adres, datum_einde) per row, plus columns a rule must not see."""
    return pl.DataFrame(
        {
            "nummeraanduiding_id": [r[0] for r in rows],
            "functie_adres": [r[1] for r in rows],
            "datum_aanvang_adreshouding": ["2024-01-01"] * len(rows),
            "datum_einde_adreshouding": [r[2] for r in rows],
            "geslachtsnaam": ["Jansen"] * len(rows),
            "bsn_pseudoniem": ["abc"] * len(rows),
            "adres_zekerheid": [0.97] * len(rows),
            "adres_methode": ["postcode_huisnummer"] * len(rows),
            "record_key": [f"r{i}" for i in range(len(rows))],
        }
    )


def bag_frame(rows: list[tuple[str, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "nummeraanduiding_id": [r[0] for r in rows],
            "oppervlakte": [r[1] for r in rows],
            "gebruiksdoel": [["woonfunctie"]] * len(rows),
            "record_key": [r[0] for r in rows],
        },
        schema_overrides={"oppervlakte": pl.Float64},
    )


def test_rule_sees_only_its_declared_inputs(overbewoning, context):
    frames = {"brp": brp_frame([("A", "W", None)]), "bag": bag_frame([("A", 50.0)])}
    projected = project(compile_rule(overbewoning.rule, context, PEILDATUM), frames)
    assert "geslachtsnaam" not in projected["brp"].columns
    assert "bsn_pseudoniem" not in projected["brp"].columns
    assert set(projected["brp"].columns) == {
        "nummeraanduiding_id",
        "functie_adres",
        "datum_aanvang_adreshouding",
        "datum_einde_adreshouding",
        "adres_zekerheid",
        "adres_methode",
        "record_key",
    }


def test_hit_carries_values_explanation_and_evidence(overbewoning, context):
    frames = {
        "brp": brp_frame([("A", "W", None)] * 13 + [("A", "W", "2025-01-01")] + [("B", "W", None)]),
        "bag": bag_frame([("A", 82.5), ("B", 40.0)]),
    }
    outcome = evaluate_rule(overbewoning, frames, PEILDATUM, context)
    assert outcome.ran and outcome.hits.height == 1
    hit = outcome.hits.row(0, named=True)
    assert hit["entity_type"] == "adres" and hit["entity_key"] == "A"
    assert hit["explanation"].startswith("13 inschrijvingen op 82,5 m² woonoppervlak")
    assert json.loads(hit["values"])["inschrijvingen"] == 13
    evidence = {(e["source"], e["record_key"]) for e in hit["evidence"]}
    assert ("bag", "A") in evidence
    assert {k for s, k in evidence if s == "brp"} == {f"r{i}" for i in range(13)}
    assert {e["confidence"] for e in hit["evidence"] if e["source"] == "brp"} == {0.97}
    counts = outcome.counts()
    assert counts["rows_in"] == {"brp": 15, "bag": 2}
    assert counts["hits"] == 1
    assert counts["content_hash"] == overbewoning.content_hash
    assert "brp.functie_adres" in counts["columns_read"]


def test_unknown_floor_area_is_onbeslist_with_reason(overbewoning, context):
    frames = {"brp": brp_frame([("A", "W", None)] * 12), "bag": bag_frame([("A", None)])}
    outcome = evaluate_rule(overbewoning, frames, PEILDATUM, context)
    assert outcome.hits.height == 0
    assert outcome.undecided.rows() == [
        ("overbewoning", "adres", "A", "oppervlakte van het verblijfsobject is onbekend in de BAG")
    ]


def test_unresolved_addresses_are_counted_not_flagged(overbewoning, context):
    frames = {
        "brp": brp_frame([(None, "W", None)] * 20 + [("A", "W", None)]),
        "bag": bag_frame([("A", 40.0)]),
    }
    outcome = evaluate_rule(overbewoning, frames, PEILDATUM, context)
    assert outcome.hits.height == 0
    assert outcome.unlinked == {"brp": 20}


def test_gated_rule_does_not_run_and_says_why(tmp_path, context):
    data = yaml.safe_load((CONFIG / "rules" / "overbewoning.yaml").read_text(encoding="utf-8"))
    data["status"] = "concept"
    (tmp_path / "overbewoning.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    rules = load_rules(tmp_path, context)
    frames = {"brp": brp_frame([("A", "W", None)] * 12), "bag": bag_frame([("A", 40.0)])}
    evaluation = evaluate_rules(rules, frames, PEILDATUM, context)
    outcome = evaluation.outcome("overbewoning")
    assert not outcome.ran
    assert outcome.reasons == ["status is concept, niet actief"]
    assert evaluation.hits().height == 0


def test_betrokkenheid_shares_only_that_another_department_is_involved(context):
    loaded = load_rule(CONFIG / "rules" / "betrokkenheid.yaml", context)
    fixture = loaded.rule.tests[0]
    frames = fixture_frames(loaded, fixture, context)
    outcome = evaluate_rule(loaded, frames, fixture.peildatum, context)
    handhaving = outcome.hits.filter(
        (pl.col("entity_key") == "p1") & (pl.col("department") == "handhaving")
    ).row(0, named=True)
    # Own records only as evidence; the other department appears by name and contact.
    assert {e["source"] for e in handhaving["evidence"]} == {"handhaving"}
    assert json.loads(handhaving["values"]) == {
        "andere_afdelingen": ["vergunningen"],
        "contactpunten": ["Vergunningen (APV, Bibob, exploitatie): bibob@demogemeente.nl"],
    }
    assert "in_behandeling" not in handhaving["explanation"]
    assert "Vergunningen (APV, Bibob, exploitatie)" in handhaving["explanation"]


def test_value_measure_with_disagreeing_records_is_unknown(context):
    loaded = load_rule(CONFIG / "rules" / "overbewoning.yaml", context)
    frames = {
        "brp": brp_frame([("A", "W", None)] * 12),
        "bag": pl.concat([bag_frame([("A", 40.0)]), bag_frame([("A", 400.0)])]),
    }
    outcome = evaluate_rule(loaded, frames, PEILDATUM, context)
    assert outcome.hits.height == 0
    assert outcome.undecided["entity_key"].to_list() == ["A"]
