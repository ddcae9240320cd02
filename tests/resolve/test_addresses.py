"""The address parser reads every form clerks and citizens write, and says why when it cannot."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from vik.cli import app
from vik.resolve.addresses import parse_address

# text → (straatnaam, huisnummer, huisletter, huisnummertoevoeging, postcode, woonplaats)
FORMS = [
    ("Kerkstraat 12a", ("Kerkstraat", 12, "A", None, None, None)),
    ("Kerkstraat 12-A", ("Kerkstraat", 12, "A", None, None, None)),
    ("Kerkstraat 12 A", ("Kerkstraat", 12, "A", None, None, None)),
    ("Kerkstraat 12-1", ("Kerkstraat", 12, None, "1", None, None)),
    ("Kerkstraat 12/1", ("Kerkstraat", 12, None, "1", None, None)),
    ("Kerkstraat 12 II", ("Kerkstraat", 12, None, "II", None, None)),
    ("Kerkstraat 12-III", ("Kerkstraat", 12, None, "III", None, None)),
    ("Kerkstraat 12 hs", ("Kerkstraat", 12, None, "hs", None, None)),
    ("Kerkstraat 12-H", ("Kerkstraat", 12, "H", None, None, None)),
    ("Kerkstraat 12bis", ("Kerkstraat", 12, None, "bis", None, None)),
    ("Kerkstraat 12a-1", ("Kerkstraat", 12, "A", "1", None, None)),
    ("Kerkstraat 17 - 2", ("Kerkstraat", 17, None, "2", None, None)),
    ("Kerkstr. 12", ("Kerkstr.", 12, None, None, None, None)),
    ("KERKSTRAAT 12", ("KERKSTRAAT", 12, None, None, None, None)),
    ("Kerkstraat 12, 3811AB Amersfoort", ("Kerkstraat", 12, None, None, "3811AB", "Amersfoort")),
    ("Kerkstraat 12 3811 ab Amersfoort", ("Kerkstraat", 12, None, None, "3811AB", "Amersfoort")),
    ("3811AB Kerkstraat 12", ("Kerkstraat", 12, None, None, "3811AB", None)),
    ("Kerkstraat 12 Amersfoort", ("Kerkstraat", 12, None, None, None, "Amersfoort")),
    ("Kerkstraat 12a Amersfoort", ("Kerkstraat", 12, "A", None, None, "Amersfoort")),
    ("KERKSTRAAT 12 te AMERSFOORT", ("KERKSTRAAT", 12, None, None, None, "AMERSFOORT")),
    ("Kerkstraat 12, Oud Beijerland", ("Kerkstraat", 12, None, None, None, "Oud Beijerland")),
    ("Molenweg 3 B Oud Beijerland", ("Molenweg", 3, "B", None, None, "Oud Beijerland")),
    ("Plein 1945 1", ("Plein 1945", 1, None, None, None, None)),
    ("18 Septemberplein 12", ("18 Septemberplein", 12, None, None, None, None)),
    (
        "1e Jan van der Heijdenstraat 77-2",
        ("1e Jan van der Heijdenstraat", 77, None, "2", None, None),
    ),
    ("Rijksweg A20 50 A", ("Rijksweg A20", 50, "A", None, None, None)),
    ("Van 't Hoffstraat 3", ("Van 't Hoffstraat", 3, None, None, None, None)),
    ("t/o Kerkstraat 12", ("Kerkstraat", 12, None, None, None, None)),
    # Any toevoeging the BAG allows: up to four letters or digits (issue 11.19).
    ("Kerkstraat 14-3b", ("Kerkstraat", 14, None, "3b", None, None)),
    ("Kerkstraat 7-AB12", ("Kerkstraat", 7, None, "AB12", None, None)),
    ("Kerkstraat 1/1hg", ("Kerkstraat", 1, None, "1hg", None, None)),
    ("Kerkstraat 88 (1)", ("Kerkstraat", 88, None, "1", None, None)),
    ("Kerkstraat 88(A)", ("Kerkstraat", 88, "A", None, None, None)),
    ("Kerkstraat 88 (2a), Amersfoort", ("Kerkstraat", 88, None, "2a", None, "Amersfoort")),
    ("Kerkstraat 7 AB12", ("Kerkstraat", 7, None, "AB12", None, None)),
    (
        "Kerkstraat 14-3b, 3811 AB Amersfoort",
        ("Kerkstraat", 14, None, "3b", "3811AB", "Amersfoort"),
    ),
    # Letters only after a space are a woonplaats, not an addition.
    ("Kerkstraat 12 Ede", ("Kerkstraat", 12, None, None, None, "Ede")),
]


@pytest.mark.parametrize(("text", "expected"), FORMS, ids=[f[0] for f in FORMS])
def test_every_form_clerks_write_parses(text, expected):
    parsed = parse_address(text)
    got = (
        parsed.straatnaam,
        parsed.huisnummer,
        parsed.huisletter,
        parsed.huisnummertoevoeging,
        parsed.postcode,
        parsed.woonplaats,
    )
    assert got == expected
    assert parsed.reason is None


def test_a_street_name_with_a_number_keeps_the_other_reading_for_the_bag():
    parsed = parse_address("Plein 1945 1")
    assert parsed.alternative == "straat 'Plein', huisnummer 1945, huisletter/toevoeging '1'"


def test_an_addition_after_a_space_keeps_both_readings_for_the_bag():
    # Kerkstraat 14 addition 3b, or a street "Kerkstraat 14" number 3 letter b:
    # the parser does not choose; the BAG resolver does.
    parsed = parse_address("Kerkstraat 14 3b")
    assert (parsed.straatnaam, parsed.huisnummer, parsed.huisletter) == ("Kerkstraat 14", 3, "B")
    assert parsed.alternative == "straat 'Kerkstraat', huisnummer 14, huisletter/toevoeging '3b'"
    assert parsed.reason is None


def test_tegenover_is_marked():
    assert parse_address("t/o Kerkstraat 12").tegenover
    assert not parse_address("Kerkstraat 12").tegenover


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Kerkstraat", "geen huisnummer in 'Kerkstraat'"),
        ("12a", "adres niet te ontleden: '12a'"),
        ("", "geen adres opgegeven"),
    ],
)
def test_unparseable_text_gives_a_reason_not_a_wrong_answer(text, reason):
    parsed = parse_address(text)
    assert parsed.reason == reason
    assert parsed.huisnummer is None


def test_cli_prints_the_parts_as_json():
    result = CliRunner().invoke(
        app, ["address", "parse", "--json", "Kerkstr. 12-a, 3811 AB Amersfoort"]
    )
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["straatnaam"] == "Kerkstr."
    assert (parsed["huisnummer"], parsed["huisletter"], parsed["postcode"]) == (12, "A", "3811AB")


def test_cli_prints_a_dutch_table_per_address():
    result = CliRunner().invoke(app, ["address", "parse", "Plein 1945 1", "12a"])
    assert result.exit_code == 0, result.output
    assert "andere lezing" in result.output
    assert "niet te ontleden" in result.output
