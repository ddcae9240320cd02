"""On demo data, every planted case is flagged by its rule and no near-miss control is."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.demo_data import DEMO_AS_OF
from tests.extracts import TEST_KEY
from vik.connectors.pseudonyms import PseudonymKey
from vik.pipeline import ingest_and_resolve
from vik.rules import evaluate_rules, load_context, load_rules
from vik.rules.approvals import manifest_approvals

CONFIG = Path(__file__).resolve().parents[2] / "config"
RULE_IDS = [
    "overbewoning",
    "overbewoning-per-persoon",
    "thuiszorg-cluster",
    "veelverhuizer",
    "damocles-vergunning",
    "meldingen-cluster",
    "briefbusfirma",
    "betrokkenheid",
]


@pytest.fixture(scope="module")
def outcome(demo_extracts):
    _, resolved = ingest_and_resolve(demo_extracts, CONFIG, PseudonymKey(TEST_KEY))
    context = load_context(CONFIG)
    context.approvals = manifest_approvals(CONFIG)
    evaluation = evaluate_rules(
        load_rules(CONFIG / "rules", context), resolved.frames, DEMO_AS_OF, context
    )
    truth = pl.read_csv(demo_extracts / "truth" / "planted.csv", infer_schema=False)
    persons = pl.read_csv(demo_extracts / "truth" / "persons.csv", infer_schema=False)
    # Truth names persons by a truth id and companies by KvK number; VIK by entity ids.
    person_ids = (
        persons.filter(pl.col("source") == "brp")
        .join(resolved.frames["brp"].select("record_key", "persoon_id"), on="record_key")
        .select(pl.col("person").alias("entity_ref"), pl.col("persoon_id").alias("key"))
        .unique()
    )
    company_ids = (
        resolved.frames["kvk"]
        .select(pl.col("kvk_nummer").alias("entity_ref"), pl.col("bedrijf_id").alias("key"))
        .unique()
    )
    keys = pl.concat(
        [
            truth.filter(pl.col("entity_type") == "adres").with_columns(
                pl.col("entity_ref").alias("key")
            ),
            truth.filter(pl.col("entity_type") == "persoon").join(
                person_ids, on="entity_ref", how="left"
            ),
            truth.filter(pl.col("entity_type") == "bedrijf").join(
                company_ids, on="entity_ref", how="left"
            ),
        ]
    )
    return evaluation, keys


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_planted_cases_are_flagged_and_controls_are_not(outcome, rule_id):
    evaluation, truth = outcome
    result = evaluation.outcome(rule_id)
    assert result.ran, result.reasons
    hits = result.hits.select("entity_type", "entity_key", "department")
    cases = truth.filter(pl.col("rule_id") == rule_id)
    planted = cases.filter(pl.col("kind") == "planted")
    controls = cases.filter(pl.col("kind") == "control")
    assert planted.height >= 1 and controls.height >= 1
    assert planted["key"].null_count() == 0, "a planted entity was not resolved at all"
    flagged = set(zip(hits["entity_type"], hits["entity_key"], strict=True))
    missed = [
        r for r in planted.iter_rows(named=True) if (r["entity_type"], r["key"]) not in flagged
    ]
    assert missed == [], f"planted cases not flagged: {[m['description'] for m in missed]}"
    wrongly = [r for r in controls.iter_rows(named=True) if (r["entity_type"], r["key"]) in flagged]
    assert wrongly == [], f"controls flagged: {[w['description'] for w in wrongly]}"
    if rule_id == "betrokkenheid":
        for row in planted.iter_rows(named=True):
            departments = sorted(
                hits.filter(
                    (pl.col("entity_type") == row["entity_type"])
                    & (pl.col("entity_key") == row["key"])
                )["department"].to_list()
            )
            assert departments == sorted(row["departments"].split(";"))


def test_flags_are_exactly_the_planted_cases(outcome):
    """The demo's background triggers nothing by accident: every flag is a planted case."""
    evaluation, truth = outcome
    hits = evaluation.hits().select("rule_id", "entity_type", "entity_key").unique()
    planted = truth.filter(pl.col("kind") == "planted").select(
        "rule_id", "entity_type", pl.col("key").alias("entity_key")
    )
    unexpected = hits.join(planted, on=["rule_id", "entity_type", "entity_key"], how="anti")
    assert unexpected.height == 0, unexpected.rows()
