"""The BAG of the demo town looks like a real BAG."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from vik.demo.bag import build_bag
from vik.demo.identifiers import Identifiers
from vik.demo.names import SPECIAL_STREETS


@pytest.fixture(scope="module")
def bag() -> pl.DataFrame:
    return build_bag(np.random.default_rng(1), 20_000, Identifiers(np.random.default_rng(2)))


def test_every_address_is_unique_by_postcode_and_by_street(bag):
    house = ["huisnummer", "huisletter", "huisnummertoevoeging"]
    assert bag.select(pl.struct("postcode", *house).is_unique().all()).item()
    assert bag.select(pl.struct("straatnaam", "woonplaats", *house).is_unique().all()).item()
    assert bag["nummeraanduiding_id"].is_unique().all()


def test_postcodes_cover_short_stretches_of_one_street(bag):
    per_postcode = bag.group_by("postcode").agg(pl.len(), pl.col("straatnaam").n_unique())
    assert per_postcode["straatnaam"].max() == 1
    assert 10 <= per_postcode["len"].mean() <= 25
    assert bag["postcode"].str.contains(r"^[1-9]\d{3}[A-Z]{2}$").all()


def test_streets_include_the_hard_ones_and_repeat_across_kernen(bag):
    streets = set(bag["straatnaam"])
    assert set(SPECIAL_STREETS) <= streets
    kerkstraat = bag.filter(pl.col("straatnaam") == "Kerkstraat")
    assert kerkstraat["woonplaats"].n_unique() > 1


def test_house_letters_and_additions_as_in_a_real_bag(bag):
    assert {"A", "B"} <= set(bag["huisletter"].drop_nulls())
    assert {"1", "2", "H", "bis", "II"} <= set(bag["huisnummertoevoeging"].drop_nulls())
    only_lettered = bag.filter(pl.col("huisletter").is_not_null() & ~pl.col("_bare_exists"))
    assert only_lettered.height > 0


def test_gebruiksdoel_and_oppervlakte(bag):
    doel = bag["gebruiksdoel"].value_counts(normalize=True)
    share = dict(zip(doel["gebruiksdoel"], doel["proportion"], strict=True))
    assert share["woonfunctie"] > 0.8
    for other in (
        "kantoorfunctie",
        "winkelfunctie",
        "industriefunctie",
        "woonfunctie;winkelfunctie",
    ):
        assert other in share
    unknown = bag["oppervlakte"].null_count() / bag.height
    assert 0.0005 < unknown < 0.01
    dwellings = bag.filter(pl.col("gebruiksdoel") == "woonfunctie")["oppervlakte"].drop_nulls()
    assert 60 < dwellings.median() < 130
