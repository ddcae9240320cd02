"""Clerks type names, dates and addresses messily, yet every address stays findable."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from tests.demo.reference import CarefulReader, Demo
from vik.demo.bag import build_bag
from vik.demo.clerks import type_addresses, type_company_names, type_dates, type_person_names
from vik.demo.identifiers import Identifiers
from vik.demo.population import build_population


@pytest.fixture(scope="module")
def town():
    ids = Identifiers(np.random.default_rng(1))
    bag = build_bag(np.random.default_rng(2), 5000, ids)
    population = build_population(
        np.random.default_rng(3), bag, ids, date(2026, 1, 1), np.zeros(bag.height, bool)
    )
    return bag, population.persons


def test_every_resolvable_process_address_is_found_by_a_careful_reader(larger_demo: Demo):
    reader = CarefulReader(larger_demo.sources["bag"])
    checked = 0
    for source in ("vergunningen", "handhaving", "meldingen"):
        truth = larger_demo.addresses.filter(pl.col("source") == source)
        rows = larger_demo.source(source).join(truth, on="record_key")
        for row in rows.filter(pl.col("resolvable") == "true").iter_rows(named=True):
            assert reader.read(row) == {row["nummeraanduiding_id"]}, row
            checked += 1
    assert checked > 150


def test_addresses_come_as_parts_and_as_free_text(larger_demo: Demo):
    meldingen = larger_demo.source("meldingen")
    text = meldingen.filter(pl.col("adres").is_not_null())
    parts = meldingen.filter(pl.col("straatnaam").is_not_null())
    assert text.height and parts.height
    assert text["adres"].str.contains(r"^[A-Z0-9 .'\-]+[, ]").any()  # upper case
    assert text["adres"].str.contains(r"\d{4} ?[A-Za-z]{2}").any()  # with postcode
    assert (~text["adres"].str.contains(r"\d{4} ?[A-Za-z]{2}")).any()  # without


def test_unresolvable_addresses_cannot_be_found(town):
    bag, _ = town
    reader = CarefulReader(bag.select(*[c for c in bag.columns if not c.startswith("_")]))
    rows = pl.DataFrame({"_a": np.arange(0, bag.height, 7), "_unresolvable": True})
    typed = type_addresses(rows, bag, np.random.default_rng(4))
    assert not typed["_resolvable"].any()
    truth = bag["nummeraanduiding_id"].gather(rows["_a"])
    for row, nid in zip(typed.iter_rows(named=True), truth, strict=True):
        found = reader.read(row)
        assert found != {nid} and len(found) != 1


def test_typed_addresses_are_found_whatever_the_style(town):
    bag, _ = town
    reader = CarefulReader(bag.select(*[c for c in bag.columns if not c.startswith("_")]))
    rows = pl.DataFrame({"_a": np.arange(bag.height)})
    typed = type_addresses(rows, bag, np.random.default_rng(5), street_typo_share=0.2)
    truth = bag["nummeraanduiding_id"]
    missed = [
        row for row, nid in zip(typed.iter_rows(named=True), truth, strict=True)
        if reader.read(row) != {nid}
    ]  # fmt: skip
    assert missed == []


def test_names_are_typed_the_way_clerks_type_them(town):
    _, persons = town
    typed = type_person_names(persons, np.random.default_rng(6))
    assert typed.null_count() == 0
    assert typed.str.contains(r"^[^,]+, ").mean() > 0.2  # Achternaam, Voornaam
    assert typed.str.contains(r"^([A-Z]\.)+ ").mean() > 0.1  # P.J. de Vries
    assert (typed == typed.str.to_uppercase()).mean() > 0.1
    plain = persons["geslachtsnaam"].str.contains("[öüçşıéë]")
    dropped = ~typed.filter(plain).str.contains("[öüçşıéëÖÜÇŞİÉË]")
    assert 0.2 < dropped.mean() < 0.9
    dutch_ij = persons["geslachtsnaam"].str.contains("ij")
    assert typed.filter(dutch_ij).str.contains("(?i)y").any()
    plain_form = persons.select(
        pl.concat_str(
            pl.col("voornamen").str.split(" ").list.first(),
            "voorvoegsel",
            "geslachtsnaam",
            separator=" ",
            ignore_nulls=True,
        )
    ).to_series()
    untouched = typed == plain_form
    assert 0.05 < untouched.mean() < 0.5


def test_a_fixed_name_style_is_respected(town):
    _, persons = town
    sample = persons.head(50).with_columns(_name_style=pl.lit(1, dtype=pl.Int64))
    typed = type_person_names(sample, np.random.default_rng(7), typo_share=0.0)
    assert typed.str.contains(",").all()


def test_company_names_lose_or_shorten_their_legal_form():
    names = pl.Series(["Bakkerij De Vries B.V."] * 400)
    typed = type_company_names(names, np.random.default_rng(8))
    assert typed.is_in(["Bakkerij De Vries", "BAKKERIJ DE VRIES"]).any()
    assert typed.str.contains("BV$").any()
    assert typed.str.contains(r"B\.V\.$").any()


def test_dates_are_typed_in_three_formats_and_partial_dates_stay_partial():
    values = pl.Series(["19800315"] * 300 + ["19800000", "19800300"])
    typed = type_dates(values, np.random.default_rng(9))
    assert set(typed.head(300)) == {"1980-03-15", "15-03-1980", "19800315"}
    first, second = typed.tail(2).to_list()
    assert first in ("1980-00-00", "19800000")  # never 00-00-1980
    assert second in ("1980-03-00", "19800300")
