"""Companies: the KvK number decides; a trade name only counts at the same address or postcode."""

from __future__ import annotations

import polars as pl

from vik.resolve.companies import resolve_companies
from vik.resolve.links import CERTAIN, NONE, POSSIBLE

KVK = pl.DataFrame(
    {
        "kvk_nummer": ["11111111", "22222222", "33333333", "44444444"],
        "handelsnaam": [
            "Bakkerij De Vries B.V.",
            "Zorg Thuis Oost",
            "Zorg Thuis West",
            "Garage Noord",
        ],
        "nummeraanduiding_id": ["A1", "A2", "A2", "A3"],
        "postcode": ["1111AA", "2222BB", "2222BB", "3333CC"],
    }
)


def resolve(*rows: dict, judgements: pl.DataFrame | None = None) -> list[dict]:
    base = {
        "source": "vergunningen",
        "kvk_nummer": None,
        "naam": None,
        "nummeraanduiding_id": None,
        "postcode": None,
    }
    records = pl.DataFrame(
        [{**base, "record_key": f"r{i}", **row} for i, row in enumerate(rows)],
        schema=dict.fromkeys(
            ["source", "kvk_nummer", "naam", "nummeraanduiding_id", "postcode", "record_key"],
            pl.String,
        ),
    )
    return list(resolve_companies(KVK, records, judgements=judgements).iter_rows(named=True))


def test_the_kvk_number_decides():
    (row,) = resolve({"kvk_nummer": "44444444", "naam": "Iets Heel Anders"})
    assert (row["bedrijf_id"], row["method"], row["status"]) == ("B44444444", "kvk_nummer", CERTAIN)
    assert row["reason"] is None  # not "geen bedrijf met deze naam…" on a certain link


def test_a_trade_name_typed_differently_links_at_the_same_address():
    typed = ["BAKKERIJ DE VRIES", "Bakkerij de Vries BV", "Bakkery de Vries"]
    rows = resolve(*[{"naam": n, "nummeraanduiding_id": "A1"} for n in typed])
    assert [(r["bedrijf_id"], r["status"], r["reason"]) for r in rows] == [
        ("B11111111", CERTAIN, None)
    ] * 3


def test_a_trade_name_elsewhere_in_the_municipality_is_not_enough():
    (row,) = resolve(
        {"naam": "Bakkerij De Vries B.V.", "nummeraanduiding_id": "A3", "postcode": "3333CC"}
    )
    assert (row["bedrijf_id"], row["status"]) == (None, NONE)
    assert row["reason"]


def test_two_alike_companies_at_one_address_are_not_guessed():
    (row,) = resolve({"naam": "Zorg Thuis", "nummeraanduiding_id": "A2"})
    assert row["status"] != CERTAIN


def test_a_judgement_wins():
    judgement = pl.DataFrame(
        {
            "source": ["vergunningen"],
            "record_key": ["r0"],
            "entity_type": ["bedrijf"],
            "entity_id": ["B33333333"],
            "verdict": ["is"],
        }
    )
    (row,) = resolve({"naam": "Zorg Thuis Oost", "nummeraanduiding_id": "A2"}, judgements=judgement)
    assert (row["bedrijf_id"], row["method"]) == ("B33333333", "oordeel")
    rejected = judgement.with_columns(
        pl.lit("B22222222").alias("entity_id"), pl.lit("is_niet").alias("verdict")
    )
    (row,) = resolve({"naam": "Zorg Thuis Oost", "nummeraanduiding_id": "A2"}, judgements=rejected)
    assert row["bedrijf_id"] != "B22222222"
    assert row["status"] in (POSSIBLE, NONE, CERTAIN)


def test_a_tie_between_two_companies_gives_the_same_candidate_whatever_the_row_order():
    twins = pl.DataFrame(
        {
            "kvk_nummer": [f"5555555{i}" for i in range(6)],
            "handelsnaam": ["Zorg Thuis"] * 6,
            "nummeraanduiding_id": ["A9"] * 6,
            "postcode": ["9999ZZ"] * 6,
        }
    )
    records = pl.DataFrame(
        {
            "source": ["vergunningen"],
            "record_key": ["r0"],
            "kvk_nummer": [None],
            "naam": ["Zorg Thuis"],
            "nummeraanduiding_id": ["A9"],
            "postcode": ["9999ZZ"],
        },
        schema_overrides={"kvk_nummer": pl.String},
    )
    chosen = {
        resolve_companies(twins.sample(fraction=1.0, shuffle=True, seed=seed), records).row(
            0, named=True
        )["bedrijf_id"]
        for seed in range(8)
    }
    assert len(chosen) == 1
