"""Dutch name normalisation: the way a clerk types a name and the BRP's parts meet in one shape."""

from __future__ import annotations

import polars as pl
import pytest

from vik.resolve.names import (
    brp_name_parts,
    company_key,
    fold,
    looks_like_company,
    parse_person_names,
    phonetic,
)

# typed → (given, initials, voorvoegsel, surname)
TYPED = [
    ("Vries, P.J. de", (None, "pj", "de", "vries")),
    ("P.J. DE VRIES", (None, "pj", "de", "vries")),
    ("Pieter de Vries", ("pieter", "p", "de", "vries")),
    ("Berg, Jan van der", ("jan", "j", "van der", "berg")),
    ("Jan van der Berg", ("jan", "j", "van der", "berg")),
    ("J. v.d. Berg", (None, "j", "van de", "berg")),
    ("Ahmet in 't Veld", ("ahmet", "a", "in 't", "veld")),
    ("Veld, A. in 't", (None, "a", "in 't", "veld")),
    ("Kees op den Kamp", ("kees", "k", "op den", "kamp")),
    ("Mehmet Öztürk", ("mehmet", "m", None, "ozturk")),
    ("YILMAZ, H.", (None, "h", None, "yilmaz")),
    ("Hüseyin Yılmaz", ("huseyin", "h", None, "yilmaz")),
    ("Meijer, Anna", ("anna", "a", None, "meyer")),
    ("Anna Meyer", ("anna", "a", None, "meyer")),
    ("Mevr. A. Jansen", (None, "a", None, "jansen")),
    ("Dhr. Pieter Jan Bakker", ("pieter jan", "pj", None, "bakker")),
    # A surname that is itself a voorvoegsel word is the surname, not an empty one.
    ("Le, T.", (None, "t", None, "le")),
    ("S.L. LE", (None, "sl", None, "le")),
    ("Tuan Le", ("tuan", "t", None, "le")),
    ("De, A.", (None, "a", None, "de")),
    # Initials I.T. are not the voorvoegsel "in 't"; after initials i.t. still is.
    ("I.T. Jansen", (None, "it", None, "jansen")),
    ("A. i.t. Veld", (None, "a", "in 't", "veld")),
]


@pytest.mark.parametrize(("typed", "expected"), TYPED, ids=[t for t, _ in TYPED])
def test_typed_names_split_into_comparable_parts(typed, expected):
    row = parse_person_names(pl.Series([typed])).row(0, named=True)
    assert (row["given"], row["initials"], row["voorvoegsel"], row["surname"]) == expected


def test_brp_parts_meet_the_typed_parts():
    brp = pl.DataFrame(
        {"voornamen": ["Pieter Jan"], "voorvoegsel": ["de"], "geslachtsnaam": ["Vries"]}
    )
    parts = brp_name_parts(brp).row(0, named=True)
    typed = parse_person_names(pl.Series(["VRIES, P.J. DE"])).row(0, named=True)
    assert parts["surname"] == typed["surname"] == "vries"
    assert parts["voorvoegsel"] == typed["voorvoegsel"] == "de"
    assert parts["initials"] == typed["initials"] == "pj"
    assert parts["phonetic"] == typed["phonetic"]


def test_an_empty_voorvoegsel_column_is_accepted():
    brp = pl.DataFrame({"voornamen": ["Anna"], "voorvoegsel": [None], "geslachtsnaam": ["Smit"]})
    assert brp_name_parts(brp)["voorvoegsel"].to_list() == [None]


def test_folding_drops_diacritics_and_reads_ij_as_y():
    folded = pl.select(fold(pl.lit(pl.Series(["Öztürk", "Yılmaz", "Bijl", "Dąbrowska", "Łukasz"]))))
    assert folded.to_series().to_list() == ["ozturk", "yilmaz", "byl", "dabrowska", "lukasz"]


@pytest.mark.parametrize(
    "group",
    [["jansen", "janssen"], ["vries", "fries"], ["meijer", "meyer", "mijer"], ["smit", "schmidt"]],
)
def test_close_spellings_share_a_sound_key(group):
    keys = pl.select(phonetic(fold(pl.lit(pl.Series(group))))).to_series().to_list()
    assert len(set(keys)) == 1, keys


def test_different_surnames_have_different_sound_keys():
    keys = pl.select(phonetic(fold(pl.lit(pl.Series(["jansen", "bakker", "visser"]))))).to_series()
    assert keys.n_unique() == 3


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("Bakkerij de Vries B.V.", True),
        ("Jansen B.V.", True),
        ("Cafetaria Istanbul", True),
        ("Alfa Schildersbedrijf", True),
        ("Van der Zee Belwinkel", True),
        ("Zenith Administratiekantoor", True),
        ("Stichting Thuiszorg Oost", True),
        # persons, also those with a surname that is a trade or initials like a legal form
        ("Jan Bakker", False),
        ("Piet de Winkel", False),
        ("Schilder, J.", False),
        ("M. Winkelman", False),
        ("Visser, W.A.", False),
        ("Jansen, B.V.", False),
        ("Berg, W.A.G. van den", False),
        # Initials with dots are not the legal forms they spell (issue 11.19).
        ("A. O. de Vries", False),
        ("I. O. de Vries", False),
        ("A. I. O. de Vries", False),
        ("de Vries A. I. O.", False),
        ("W.A. de Vries", False),
        ("C. V. Jansen", False),
        # ... while a legal form after the name still is one.
        ("Bakkerij Jansen i.o.", True),
        ("Jansen B.V. i.o.", True),
        ("Jansen Holding B. V.", True),
        ("Jansen V.O.F.", True),
    ],
)
def test_company_names_are_told_from_person_names(name, company):
    assert looks_like_company(pl.Series([name])).item() is company


def test_company_key_strips_the_legal_form_and_case():
    keys = pl.select(
        company_key(
            pl.lit(
                pl.Series(["Bakkerij De Vries B.V.", "BAKKERIJ DE VRIES", "Bakkerij de Vries BV"])
            )
        )
    ).to_series()
    assert keys.n_unique() == 1
    assert keys[0] == "bakkery de vries"
