"""Crafted residents on top of the demo municipality's BRP, and records to match against them."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from tests.extracts import TEST_KEY
from vik.connectors.config import SourcesConfig
from vik.connectors.ingest import ingest_source
from vik.connectors.pseudonyms import PseudonymKey

# Crafted residents on top of the demo municipality's BRP (which gives the matcher a
# realistic population to learn from). Pseudonyms are 64 hex characters, as ingest makes.
CRAFTED = [
    # pseudonym, voornamen, voorvoegsel, geslachtsnaam, geboortedatum, nummeraanduiding_id
    ("a" * 64, "Pieter Jan", "de", "Vries", "1975-03-14", "ADDR-VRIES"),
    ("b" * 64, "Anna", None, "Kuipers", "1990-06-01", "ADDR-TWINS"),  # twins: same address,
    ("c" * 64, "Astrid", None, "Kuipers", "1990-06-01", "ADDR-TWINS"),  # same birth date
    ("d" * 64, "Mohamed", None, "El Amrani", "1982-11-30", "ADDR-AMRANI"),
    ("e" * 64, "Johanna", None, "Boothroyd", "1960-09-04", "ADDR-BOOTH"),
    ("f" * 64, "Thanh Tuan", None, "Le", "1988-02-02", "ADDR-LE"),  # a surname that is a
]  # voorvoegsel word
PERSON = {row[0]: "P" + row[0][:20] for row in CRAFTED}
VRIES, ANNA, ASTRID, AMRANI, BOOTH, LE = (
    PERSON[p] for p in ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64, "f" * 64)
)


def crafted_brp(demo_extracts: Path) -> pl.DataFrame:
    """The demo municipality's BRP (a realistic population to learn from) with CRAFTED."""
    demo = ingest_source(
        "brp", demo_extracts, SourcesConfig().source("brp"), PseudonymKey(TEST_KEY)
    ).frame
    crafted = pl.DataFrame(
        [(f"crafted-{i}", *row) for i, row in enumerate(CRAFTED)],
        schema={
            "record_key": pl.String,
            "bsn_pseudoniem": pl.String,
            "voornamen": pl.String,
            "voorvoegsel": pl.String,
            "geslachtsnaam": pl.String,
            "geboortedatum": pl.String,
            "nummeraanduiding_id": pl.String,
        },
        orient="row",
    ).with_columns(pl.lit("2020-01-01").alias("datum_aanvang_adreshouding"))
    columns = [*crafted.columns]
    return pl.concat([demo.select(columns), crafted.select(columns)])


def records(*rows: dict) -> pl.DataFrame:
    base = {
        "source": "vergunningen",
        "bsn_pseudoniem": None,
        "naam": None,
        "geboortedatum": None,
        "nummeraanduiding_id": None,
    }
    data = [{**base, "record_key": f"r{i}", **row} for i, row in enumerate(rows)]
    return pl.DataFrame(
        data,
        schema={
            "source": pl.String,
            "record_key": pl.String,
            "bsn_pseudoniem": pl.String,
            "naam": pl.String,
            "geboortedatum": pl.String,
            "nummeraanduiding_id": pl.String,
        },
    )


def with_resident(brp: pl.DataFrame, digit: str, **person: object) -> pl.DataFrame:
    """The register with one more resident (pseudonym digit * 64, so persoon_id 'P' +
    digit * 20): voornamen, geslachtsnaam, geboortedatum, nummeraanduiding_id and any
    other BRP columns given."""
    row = {
        "record_key": f"crafted-{digit}",
        "bsn_pseudoniem": digit * 64,
        "datum_aanvang_adreshouding": "2001-01-01",
        **person,
    }
    return pl.concat([brp, pl.DataFrame([row])], how="diagonal_relaxed")
