"""An analist's judgements on links, applied the same way to addresses, persons and companies."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tests.extracts import TEST_KEY
from tests.resolve.crafted import records
from vik.connectors.pseudonyms import PseudonymKey
from vik.pipeline import ingest_and_resolve
from vik.resolve.judgements import Verdicts, apply_judgements
from vik.resolve.links import CERTAIN, NONE
from vik.resolve.persons import resolve_persons

CONFIG = Path(__file__).resolve().parents[2] / "config"


def judgements(*rows: tuple[str, str, str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["source", "record_key", "entity_type", "entity_id", "verdict"], orient="row"
    )


LINKS = pl.DataFrame(
    {
        "source": ["meldingen"] * 3,
        "record_key": ["m1", "m2", "m3"],
        "nummeraanduiding_id": ["A1", "A2", None],
        "confidence": [0.95, 0.9, 0.0],
        "method": ["straat_huisnummer", "postcode_huisnummer", "geen"],
        "status": [CERTAIN, CERTAIN, NONE],
        "reason": [None, None, "straat 'X' niet gevonden in de BAG"],
    }
)


def applied(*rows: tuple[str, str, str, str, str]) -> list[dict]:
    verdicts = Verdicts.of(judgements(*rows), "adres")
    return apply_judgements(
        LINKS, verdicts, id_column="nummeraanduiding_id", label="dit adres"
    ).to_dicts()


def test_is_wins_and_is_niet_undoes_only_the_link_it_names():
    m1, m2, m3 = applied(
        ("meldingen", "m1", "adres", "A1", "is_niet"),
        ("meldingen", "m2", "adres", "A9", "is_niet"),  # not the address m2 links to
        ("meldingen", "m3", "adres", "A3", "is"),
        ("meldingen", "m3", "persoon", "P1", "is_niet"),  # another entity type
    )
    assert (m1["nummeraanduiding_id"], m1["status"], m1["method"]) == (None, NONE, "oordeel")
    assert m1["reason"] == "de analist wees dit adres af"
    assert m2 == LINKS.row(1, named=True)
    assert (m3["nummeraanduiding_id"], m3["status"], m3["confidence"], m3["reason"]) == (
        "A3",
        CERTAIN,
        1.0,
        None,
    )


def test_every_rejection_counts_not_only_the_last():
    # Rejected on one night, another address rejected on the next: both hold.
    (m1, *_) = applied(
        ("meldingen", "m1", "adres", "A1", "is_niet"),
        ("meldingen", "m1", "adres", "A7", "is_niet"),
    )
    assert m1["nummeraanduiding_id"] is None


def test_an_address_judgement_holds_in_the_night(demo_extracts):
    _, first = ingest_and_resolve(demo_extracts, CONFIG, PseudonymKey(TEST_KEY))
    linked = first.links.filter(
        (pl.col("entity_type") == "adres")
        & (pl.col("source") == "meldingen")
        & (pl.col("status") == CERTAIN)
    ).row(0, named=True)
    key = (linked["source"], linked["record_key"], "adres")
    _, again = ingest_and_resolve(
        demo_extracts,
        CONFIG,
        PseudonymKey(TEST_KEY),
        judgements=judgements((*key, linked["entity_id"], "is_niet"), (*key, "X", "is_niet")),
    )
    row = again.links.filter(
        (pl.col("source") == key[0])
        & (pl.col("record_key") == key[1])
        & (pl.col("entity_type") == "adres")
    ).row(0, named=True)
    assert (row["entity_id"], row["status"], row["reason"]) == (
        None,
        NONE,
        "de analist wees dit adres af",
    )
    assert (
        again.frames["meldingen"]
        .filter(pl.col("record_key") == key[1])["nummeraanduiding_id"]
        .item()
        is None
    )


def test_a_rejected_person_outside_the_brp_is_no_longer_linked(brp):
    night = records({"naam": "Zbigniew Wójcik", "geboortedatum": "1971-02-03"})
    outside = resolve_persons(brp, night).row(0, named=True)
    assert outside["persoon_id"].startswith("PX")
    rejected = resolve_persons(
        brp,
        night,
        judgements=judgements(("vergunningen", "r0", "persoon", outside["persoon_id"], "is_niet")),
    ).row(0, named=True)
    assert (rejected["persoon_id"], rejected["status"]) == (None, NONE)
    assert rejected["reason"] == "de analist wees deze persoon af"


@pytest.mark.parametrize("entity_type", ["persoon", "bedrijf", "adres"])
def test_judgements_of_every_entity_type_are_read_the_same_way(entity_type):
    verdicts = Verdicts.of(
        judgements(
            ("s", "r", entity_type, "X1", "is"),
            ("s", "r", entity_type, "X2", "is"),
            ("s", "r", entity_type, "X3", "is_niet"),
            ("s", "r", "other", "X4", "is"),
        ),
        entity_type,
    )
    assert verdicts.forced.rows() == [("s", "r", "X2")]  # the last 'is'
    assert verdicts.rejected.rows() == [("s", "r", "X3")]
