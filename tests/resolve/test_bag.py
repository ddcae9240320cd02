"""Resolving addresses to BAG nummeraanduidingen: the right one, or none with the reason; never a guess."""

from __future__ import annotations

import polars as pl
import pytest

from vik.resolve.bag import build_index, resolve_addresses

# id, straatnaam, huisnummer, huisletter, toevoeging, postcode, woonplaats
BAG_ROWS = [
    ("K12", "Kerkstraat", 12, None, None, "3811AB", "Amersfoort"),
    ("K12A", "Kerkstraat", 12, "A", None, "3811AB", "Amersfoort"),
    ("K14-1", "Kerkstraat", 14, None, "1", "3811AB", "Amersfoort"),
    ("K14-2", "Kerkstraat", 14, None, "2", "3811AB", "Amersfoort"),
    ("K16H", "Kerkstraat", 16, None, "H", "3811AC", "Amersfoort"),
    ("K16II", "Kerkstraat", 16, None, "II", "3811AC", "Amersfoort"),
    ("K20", "Kerkstraat", 20, None, None, "3811AD", "Amersfoort"),
    ("KE20", "Kerkestraat", 20, None, None, "3811AE", "Amersfoort"),
    ("L3A", "Lindenlaan", 3, "A", None, "3812CD", "Amersfoort"),
    ("L3B", "Lindenlaan", 3, "B", None, "3812CD", "Amersfoort"),
    ("D5A", "Dorpsstraat", 5, None, None, "3811EF", "Amersfoort"),
    ("D5H", "Dorpsstraat", 5, None, None, "3828GG", "Hoogland"),
    ("B7", "Burgemeester de Withstraat", 7, None, None, "3813AA", "Amersfoort"),
    ("P1945", "Plein 1945", 1, None, None, "3814AA", "Amersfoort"),
    ("P1944", "Plein 1944", 1, None, None, "3814AB", "Amersfoort"),
    ("J77-2", "1e Jan van der Heijdenstraat", 77, None, "2", "3815AA", "Amersfoort"),
    ("R50A", "Rijksweg A20", 50, "A", None, "3816AA", "Amersfoort"),
    ("S12", "18 Septemberplein", 12, None, None, "3817AA", "Amersfoort"),
]
BAG = pl.DataFrame(
    BAG_ROWS,
    schema={
        "nummeraanduiding_id": pl.String,
        "straatnaam": pl.String,
        "huisnummer": pl.Int64,
        "huisletter": pl.String,
        "huisnummertoevoeging": pl.String,
        "postcode": pl.String,
        "woonplaats": pl.String,
    },
    orient="row",
)
INDEX = build_index(BAG)


def resolve_text(*texts: str) -> pl.DataFrame:
    records = pl.DataFrame({"key": [str(i) for i in range(len(texts))], "adres": list(texts)})
    return resolve_addresses(records, INDEX)


def one(text: str) -> dict:
    return resolve_text(text).row(0, named=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kerkstraat 12, 3811AB Amersfoort", "K12"),
        ("Kerkstraat 12", "K12"),  # the bare number exists beside 12A: it is 12
        ("Kerkstraat 12a", "K12A"),
        ("kerkstr. 12-A Amersfoort", "K12A"),
        ("KERKSTRAAT 12 A, 3811 ab", "K12A"),
        ("Kerkstraat 14-1", "K14-1"),
        ("Kerkstraat 14/2", "K14-2"),
        ("Kerkstraat 16 hs", "K16H"),
        ("Kerkstraat 16-2", "K16II"),  # II and 2 are the same floor
        ("Kerkstraat 16 II", "K16II"),
        ("Kerstraat 12a", "K12A"),  # a typo in the street, no postcode
        ("Burg. de Withstraat 7", "B7"),
        ("Burgemeester de Withstr 7", "B7"),
        ("Dorpsstraat 5, Hoogland", "D5H"),
        ("Dorpsstraat 5, 3811EF", "D5A"),
        ("Dorpsstraat 5 te AMERSFOORT", "D5A"),
        ("Plein 1945 1", "P1945"),  # Plein 1944 1 exists too, but 1944 is not 1945
        ("1e Jan v.d. Heijdenstraat 77-2", "J77-2"),
        ("Eerste Jan van der Heijdenstraat 77 - 2", "J77-2"),
        ("Rijksweg A20 50 A", "R50A"),
        ("18 Septemberplein 12", "S12"),
        ("3811AB Kerkstraat 12", "K12"),
    ],
)
def test_resolves_to_the_right_nummeraanduiding(text, expected):
    row = one(text)
    assert row["nummeraanduiding_id"] == expected, row["reason"]
    assert row["reason"] is None
    assert 0.8 <= row["confidence"] <= 1.0


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Dorpsstraat 5", "2 BAG-adressen mogelijk"),  # the street exists in two woonplaatsen
        ("Kerckstraat 20", "2 BAG-adressen mogelijk"),  # Kerkstraat or Kerkestraat: not guessed
        ("Kerkstraat 14", "alleen met huisletter of toevoeging (1, 2)"),
        ("Lindenlaan 3", "alleen met huisletter of toevoeging (A, B)"),
        ("Kerkstraat 14-3", "bestaat niet bij Kerkstraat 14 (wel: 1, 2)"),
        ("Kerkstraat 99", "huisnummer 99 bestaat niet aan Kerkstraat"),
        ("Nergensstraat 1", "straat 'Nergensstraat' niet gevonden in de BAG"),
        ("Kerkstraat 12, Utrecht", "woonplaats 'Utrecht' ligt niet in de gemeente"),
        ("Kerkstraat 12, 1234AB", "wijzen niet naar hetzelfde BAG-adres"),
        ("Molenweg 12, 3811AB", "wijzen niet naar hetzelfde BAG-adres"),
        ("t/o Kerkstraat 12", "locatie tegenover Kerkstraat 12"),
        ("12a", "adres niet te ontleden"),
    ],
)
def test_leaves_it_open_with_the_reason_rather_than_guess(text, reason):
    row = one(text)
    assert row["nummeraanduiding_id"] is None
    assert row["method"] == "geen"
    assert reason in row["reason"]


def test_a_postcode_typo_in_the_letters_still_resolves_but_with_less_confidence():
    row = one("Kerkstraat 12, 3811ZZ")
    assert row["nummeraanduiding_id"] == "K12"
    assert row["confidence"] < one("Kerkstraat 12, 3811AB")["confidence"]


def test_both_readings_existing_is_ambiguous():
    bag = pl.concat(
        [
            BAG,
            pl.DataFrame(
                [("PL1945-1", "Plein", 1945, None, "1", "3814AC", "Amersfoort")],
                schema=BAG.schema,
                orient="row",
            ),
        ]
    )
    records = pl.DataFrame({"key": ["x"], "adres": ["Plein 1945 1"]})
    row = resolve_addresses(records, build_index(bag)).row(0, named=True)
    assert row["nummeraanduiding_id"] is None
    assert "2 BAG-adressen mogelijk" in row["reason"]


def _bag_with(*rows: tuple) -> pl.DataFrame:
    return pl.concat([BAG, pl.DataFrame(list(rows), schema=BAG.schema, orient="row")])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kerkstraat 30-3b", "K30-3B"),
        ("Kerkstraat 30 3b", "K30-3B"),  # or street "Kerkstraat 30" nr 3 B: not in the BAG
        ("Kerkstraat 30 (3b)", "K30-3B"),
        ("Kerkstraat 31-AB12", "K31-AB12"),
        ("Kerkstraat 31/ab12, 3811AB", "K31-AB12"),
        ("Kerkstraat 32 (1)", "K32-1"),
        ("Kerkstraat 32-1, Amersfoort", "K32-1"),
    ],
)
def test_longer_toevoegingen_resolve(text, expected):
    bag = _bag_with(
        ("K30-3B", "Kerkstraat", 30, None, "3b", "3811AB", "Amersfoort"),
        ("K31-AB12", "Kerkstraat", 31, None, "AB12", "3811AB", "Amersfoort"),
        ("K32-1", "Kerkstraat", 32, None, "1", "3811AB", "Amersfoort"),
        ("K32-2", "Kerkstraat", 32, None, "2", "3811AB", "Amersfoort"),
    )
    records = pl.DataFrame({"key": ["x"], "adres": [text]})
    row = resolve_addresses(records, build_index(bag)).row(0, named=True)
    assert row["nummeraanduiding_id"] == expected, row["reason"]


def test_the_bag_decides_between_two_readings_of_an_addition_after_a_space():
    records = pl.DataFrame({"key": ["x"], "adres": ["Dorpsweg 14 3b"]})
    toevoeging = ("DW14-3B", "Dorpsweg", 14, None, "3b", "3811XA", "Amersfoort")
    street = ("DW14/3B", "Dorpsweg 14", 3, "B", None, "3811XB", "Amersfoort")
    for only, expected in ((toevoeging, "DW14-3B"), (street, "DW14/3B")):
        row = resolve_addresses(records, build_index(_bag_with(only))).row(0, named=True)
        assert row["nummeraanduiding_id"] == expected, row["reason"]
    both = resolve_addresses(records, build_index(_bag_with(toevoeging, street))).row(0, named=True)
    assert both["nummeraanduiding_id"] is None
    assert "2 BAG-adressen mogelijk" in both["reason"]


def test_parts_are_used_as_given_and_a_known_bag_id_decides():
    records = pl.DataFrame(
        {
            "key": ["parts", "brp", "stale-id"],
            "straatnaam": ["Kerkstr", None, "Lindenlaan"],
            "huisnummer": [14, None, 3],
            "huisletter": [None, None, "b"],
            "huisnummertoevoeging": ["2", None, None],
            "postcode": [None, None, "3812CD"],
            "woonplaats": [None, None, None],
            "nummeraanduiding_id": [None, "B7", "0000000000000000"],
        }
    )
    rows = {r["key"]: r for r in resolve_addresses(records, INDEX).iter_rows(named=True)}
    assert rows["parts"]["nummeraanduiding_id"] == "K14-2"
    assert (rows["brp"]["nummeraanduiding_id"], rows["brp"]["method"]) == (
        "B7",
        "nummeraanduiding_id",
    )
    # an id the BAG does not know falls back to the parts
    assert rows["stale-id"]["nummeraanduiding_id"] == "L3B"
    assert rows["stale-id"]["method"] == "postcode_huisnummer"


def test_a_letter_typed_in_the_toevoeging_field_still_matches():
    records = pl.DataFrame(
        {
            "key": ["k"],
            "straatnaam": ["Kerkstraat"],
            "huisnummer": [12],
            "huisnummertoevoeging": ["a"],
        }
    )
    assert resolve_addresses(records, INDEX)["nummeraanduiding_id"].to_list() == ["K12A"]


def test_one_row_per_record_in_input_order():
    texts = ["Lindenlaan 3", "Kerkstraat 12a", "Plein 1945 1", "Nergensstraat 1"]
    result = resolve_text(*texts)
    assert result["key"].to_list() == ["0", "1", "2", "3"]
    assert result["nummeraanduiding_id"].to_list() == [None, "K12A", "P1945", None]


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Kerstraat 12a", "kerkstraat"),  # resolved: its address's street
        ("Lindelaan 3B, 1234AB", "lindenlaan"),  # open (the postcode contradicts)
        ("Kerkstraat 99", "kerkstraat"),  # open: no such number
        ("Burgemeester de Withstr 70", "burgemeesterdewithstraat"),
        ("Kerckstraat 20", None),  # Kerkstraat or Kerkestraat: not guessed
        ("Nergensstraat 1", None),
    ],
)
def test_the_street_is_known_even_where_the_address_stays_open(text, street):
    assert one(text)["straat"] == street
