"""The planted cases satisfy their rule, the controls and the background do not."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from tests.demo.reference import (
    Demo,
    _with_truth,
    active_kvk,
    flagged,
    months_back,
    occupancy,
    open_matters,
    parse_date,
)
from vik.demo.plans import RULES
from vik.demo.population import months_back as generator_months_back


def test_every_rule_has_planted_cases_and_controls(demo: Demo):
    counts = demo.planted.group_by("rule_id", "kind").len()
    for rule in RULES:
        for kind in ("planted", "control"):
            found = counts.filter((pl.col("rule_id") == rule) & (pl.col("kind") == kind))
            assert found.height == 1 and found["len"][0] >= (3 if kind == "planted" else 1), (
                rule,
                kind,
            )


def test_rules_find_exactly_the_planted_cases(any_demo: Demo):
    """Computed from the files: planted cases are found, controls and background are not."""
    found = flagged(any_demo)
    for rule in RULES:
        expected = any_demo.expected(rule)
        controls = any_demo.expected(rule, "control")
        assert found[rule] - expected == set(), f"{rule}: unplanted hits"
        assert expected - found[rule] == set(), f"{rule}: planted cases not found"
        assert not (found[rule] & controls), f"{rule}: a control is found"


def test_betrokkenheid_lists_the_departments_with_open_matters(any_demo: Demo):
    matters = open_matters(any_demo)
    planted = any_demo.planted.filter(
        (pl.col("rule_id") == "betrokkenheid") & (pl.col("kind") == "planted")
    )
    for entity_type, ref, departments in planted.select(
        "entity_type", "entity_ref", "departments"
    ).iter_rows():
        mine = matters.filter(
            (pl.col("entity_type") == entity_type) & (pl.col("entity_ref") == ref)
        )
        assert ";".join(sorted(mine["department"].unique().to_list())) == departments


def test_planted_levels_of_betrokkenheid(demo: Demo):
    planted = demo.planted.filter(
        (pl.col("rule_id") == "betrokkenheid") & (pl.col("kind") == "planted")
    )
    assert set(planted["entity_type"]) == {"adres", "persoon", "bedrijf"}


def test_planted_records_exist_are_valid_and_resolvable(any_demo: Demo):
    keys = {
        (source, key)
        for source, frame in any_demo.sources.items()
        for key in frame["record_key"].to_list()
    }
    invalid = set(any_demo.quarantine.select("source", "record_key").iter_rows())
    unresolvable = set(
        any_demo.addresses.filter(pl.col("resolvable") == "false")
        .select("source", "record_key")
        .iter_rows()
    )
    for records in any_demo.planted["records"].to_list():
        for record in records.split(";"):
            source, key = record.split(":")
            assert (source, key) in keys
            assert (source, key) not in invalid
            assert (source, key) not in unresolvable


def test_damocles_names_are_typed_differently_in_the_two_records(demo: Demo):
    cases = demo.planted.filter(
        (pl.col("rule_id") == "damocles-vergunning") & (pl.col("entity_type") == "persoon")
    )
    handhaving = demo.source("handhaving").select("record_key", "betrokkene_naam", "betrokkene_bsn")
    vergunningen = demo.source("vergunningen").select("record_key", "aanvrager_naam")
    for records in cases["records"].to_list():
        keys = dict(r.split(":") for r in records.split(";"))
        case = handhaving.filter(pl.col("record_key") == keys["handhaving"]).row(0, named=True)
        app = vergunningen.filter(pl.col("record_key") == keys["vergunningen"]).row(0, named=True)
        assert case["betrokkene_naam"] != app["aanvrager_naam"]


def test_meldingen_cluster_addresses_are_typed_differently(demo: Demo):
    meldingen = demo.source("meldingen")
    typed = pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("") for c in meldingen.columns[5:12]], separator="|"
    )
    planted = demo.planted.filter(pl.col("rule_id") == "meldingen-cluster")
    for records in planted["records"].to_list():
        keys = [r.split(":")[1] for r in records.split(";")]
        forms = meldingen.filter(pl.col("record_key").is_in(keys)).select(typed).to_series()
        assert forms.n_unique() >= 2


def test_background_occupancy_stays_below_the_thresholds(any_demo: Demo):
    planted = {ref for _, ref in any_demo.expected("overbewoning-per-persoon")} | {
        ref for _, ref in any_demo.expected("overbewoning-per-persoon", "control")
    }
    background = occupancy(any_demo).filter(~pl.col("nummeraanduiding_id").is_in(list(planted)))
    assert background["len"].max() <= 8
    crowded = background.filter(pl.col("len") >= 4)
    assert (
        crowded["oppervlakte"].drop_nulls() / crowded.drop_nulls("oppervlakte")["len"]
    ).min() >= 12


def test_background_movers_start_at_most_two_periods_within_12_months(any_demo: Demo):
    movers = {ref for _, ref in any_demo.expected("veelverhuizer")} | {
        ref for _, ref in any_demo.expected("veelverhuizer", "control")
    }
    brp = _with_truth(any_demo, "brp", any_demo.source("brp"), who=True)
    starts = (
        brp.filter(~pl.col("person").is_in(list(movers)))
        .select("person", start=parse_date("datum_aanvang_adreshouding"))
        .sort("person", "start")
        .with_columns(third=pl.col("start").shift(-2).over("person"))
        .drop_nulls("third")
    )
    too_fast = [
        (s, t) for s, t in starts.select("start", "third").iter_rows() if t <= _plus_12_months(s)
    ]
    assert too_fast == []


def _plus_12_months(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def test_background_meldingen_never_come_from_two_bronnen_within_90_days(any_demo: Demo):
    planted = {ref for _, ref in any_demo.expected("meldingen-cluster")} | {
        ref for _, ref in any_demo.expected("meldingen-cluster", "control")
    }
    meldingen = (
        _with_truth(any_demo, "meldingen", any_demo.source("meldingen"))
        .filter(~pl.col("nummeraanduiding_id").is_in(list(planted)))
        .select("nummeraanduiding_id", "bron", day=parse_date("datum"))
    )
    pairs = meldingen.join(meldingen, on="nummeraanduiding_id", suffix="_2").filter(
        (pl.col("bron") != pl.col("bron_2"))
        & ((pl.col("day") - pl.col("day_2")).abs() <= timedelta(days=90))
    )
    assert pairs.height == 0


def test_background_companies_per_address(any_demo: Demo):
    planted = {
        ref
        for rule in ("briefbusfirma", "thuiszorg-cluster")
        for kind in ("planted", "control")
        for _, ref in any_demo.expected(rule, kind)
    }
    kvk = _with_truth(any_demo, "kvk", any_demo.source("kvk")).filter(
        ~pl.col("nummeraanduiding_id").is_in(list(planted))
    )
    bag = any_demo.source("bag").select("nummeraanduiding_id", "gebruiksdoel")
    per_address = kvk.group_by("nummeraanduiding_id").agg(
        companies=pl.col("kvk_nummer").n_unique(),
        care=pl.col("kvk_nummer")
        .filter(pl.col("sbi_codes").str.contains("88101|88102|86942"))
        .n_unique(),
    )
    dwellings = per_address.join(bag, on="nummeraanduiding_id").filter(
        pl.col("gebruiksdoel") == "woonfunctie"
    )
    assert dwellings["companies"].max() <= 3
    assert per_address["care"].max() <= 1
    assert active_kvk(any_demo).height < any_demo.source("kvk").height  # some deregistered


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 31), date(2025, 3, 31)),
        (date(2028, 2, 29), date(2027, 2, 28)),
        (date(2026, 1, 15), date(2025, 1, 15)),
    ],
)
def test_twelve_months_back(day, expected):
    assert generator_months_back(day, 12) == expected == months_back(day, 12)
