"""The BRP of the demo town: households, names and dates as the BRP has them."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from vik.demo.bag import build_bag
from vik.demo.identifiers import Identifiers
from vik.demo.population import build_population


@pytest.fixture(scope="module")
def population():
    ids = Identifiers(np.random.default_rng(1))
    bag = build_bag(np.random.default_rng(2), 20_000, ids)
    return build_population(
        np.random.default_rng(3), bag, ids, date(2026, 6, 1), np.zeros(bag.height, bool)
    )


def test_households_share_a_surname(population):
    heads = population.persons.filter(pl.col("_role") == 0).select(
        "_household", head="geslachtsnaam"
    )
    children = population.persons.filter(pl.col("_role") >= 2).join(heads, on="_household")
    same = children["geslachtsnaam"] == children["head"]
    feminine = children["geslachtsnaam"].str.contains("(ska|cka|ova|eva)$")
    assert (same | feminine).mean() > 0.95


def test_names_have_voorvoegsels_and_diacritics(population):
    persons = population.persons
    assert {"van", "de", "van der", "van den", "in 't", "op den", "ter"} <= set(
        persons["voorvoegsel"].drop_nulls()
    )
    assert persons["geslachtsnaam"].str.contains("[ÖöŞşÇçıśń]").any()
    assert persons["voornamen"].str.contains("[ëé]").any()
    assert persons["geslachtsnaam"].is_in(["Bijl", "Wijnands"]).any()


def test_some_birth_dates_are_incomplete(population):
    partial = population.persons["geboortedatum"].str.contains(r"(0000|\d{2}00)$")
    assert 0.0005 < partial.mean() < 0.01
    assert population.persons["geboortedatum"].str.contains(r"^\d{8}$").all()


def test_briefadressen_and_history(population):
    periods = population.periods
    assert 0.005 < (periods["functie_adres"] == "B").mean() < 0.02
    ended = periods.filter(pl.col("end").is_not_null())
    assert ended.height > 0.1 * periods.height
    assert (ended["end"] > ended["start"]).all()
    assert (periods["start"] <= date(2026, 6, 1)).all()
