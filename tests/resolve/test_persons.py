"""Person matching: the BSN decides, judgements win, namesakes and twins are never guessed,
and a person keeps the same entity id night after night."""

from __future__ import annotations

import polars as pl
import pytest

from tests.resolve.crafted import (
    AMRANI,
    ASTRID,
    BOOTH,
    LE,
    VRIES,
    records,
    with_resident,
)
from vik.resolve.links import CERTAIN, NONE, POSSIBLE
from vik.resolve.persons import (
    BirthDateLevel,
    PersonMatchSettings,
    birth_date_level,
    record_probability,
    resolve_persons,
)


def link(brp: pl.DataFrame, row: dict, judgements: pl.DataFrame | None = None) -> dict:
    return resolve_persons(brp, records(row), judgements=judgements).row(0, named=True)


TYPED_AS_CLERKS_DO = [
    # naam, geboortedatum, nummeraanduiding_id
    ("Vries, P.J. de", "1975-03-14", None),
    ("P.J. DE VRIES", "1975-03-14", None),
    ("Pieter de Vries", "1975-03-14", None),
    ("Pieter de Fries", "1975-03-14", None),  # a typo in the surname
    ("Pieter de Vries", "1975-03-41", "ADDR-VRIES"),  # a typo in the birth date
    ("Vries, P.J. de", None, "ADDR-VRIES"),  # no birth date, but the address agrees
]


def test_a_person_typed_the_way_clerks_type_is_linked_for_certain(brp):
    night = records(
        *[
            {"naam": n, "geboortedatum": d, "nummeraanduiding_id": a}
            for n, d, a in TYPED_AS_CLERKS_DO
        ]
    )
    for typed, result in zip(
        TYPED_AS_CLERKS_DO, resolve_persons(brp, night).iter_rows(named=True), strict=True
    ):
        assert (result["persoon_id"], result["status"]) == (VRIES, CERTAIN), (
            typed,
            result["reason"],
        )
        assert 0.99 <= result["confidence"] <= 1.0


def test_the_bsn_decides_whatever_the_name_says(brp):
    result = link(brp, {"bsn_pseudoniem": "d" * 64, "naam": "Iemand Anders"})
    assert (result["persoon_id"], result["method"], result["status"]) == (AMRANI, "bsn", CERTAIN)


def test_twins_at_one_address_are_never_guessed(brp):
    result = link(
        brp,
        {"naam": "A. Kuipers", "geboortedatum": "1990-06-01", "nummeraanduiding_id": "ADDR-TWINS"},
    )
    assert result["status"] == POSSIBLE
    assert "meer personen" in result["reason"]
    # With the full first name the twin is known.
    named = link(brp, {"naam": "Astrid Kuipers", "geboortedatum": "1990-06-01"})
    assert (named["persoon_id"], named["status"]) == (ASTRID, CERTAIN)


def test_a_name_alone_is_never_certain(brp):
    result = link(brp, {"naam": "Johanna Boothroyd"})
    assert result["status"] != CERTAIN
    assert result["persoon_id"] in (BOOTH, None)


def test_a_voorvoegsel_the_brp_writes_with_a_capital_still_links(brp):
    # BRP's table writes voorvoegsels in lower case; an export may not ('Van der').
    register = with_resident(
        brp,
        "9",
        voornamen="Gerrit",
        voorvoegsel="Van der",
        geslachtsnaam="Zwaluwstaart",
        geboortedatum="1970-05-05",
        nummeraanduiding_id="ADDR-GERRIT",
    )
    result = link(register, {"naam": "G. van der Zwaluwstaart", "geboortedatum": "1970-05-05"})
    assert (result["persoon_id"], result["status"]) == ("P" + "9" * 20, CERTAIN)


@pytest.mark.parametrize("typed", ["Le, T.T.", "T.T. LE", "Thanh Tuan Le"])
def test_a_surname_that_is_a_voorvoegsel_word_still_links(brp, typed):
    result = link(brp, {"naam": typed, "geboortedatum": "1988-02-02"})
    assert (result["persoon_id"], result["status"]) == (LE, CERTAIN), result["reason"]


def test_given_name_and_surname_swapped_still_link(brp):
    result = link(brp, {"naam": "Amrani, Mohamed El", "geboortedatum": "1982-11-30"})
    assert (result["persoon_id"], result["status"]) == (AMRANI, CERTAIN)
    swapped = resolve_persons(
        brp,
        records({"geboortedatum": "1982-11-30"}).with_columns(
            pl.lit("El Amrani").alias("voornamen"),
            pl.lit(None, dtype=pl.String).alias("voorvoegsel"),
            pl.lit("Mohamed").alias("geslachtsnaam"),
        ),
    ).row(0, named=True)
    assert (swapped["persoon_id"], swapped["status"]) == (AMRANI, CERTAIN)
    assert "omgedraaid" in swapped["method"]


def test_judgements_win_over_the_matcher(brp):
    row = {"naam": "Pieter de Vries", "geboortedatum": "1975-03-14"}
    judgement = pl.DataFrame(
        {
            "source": ["vergunningen"],
            "record_key": ["r0"],
            "entity_type": ["persoon"],
            "entity_id": [BOOTH],
            "verdict": ["is"],
        }
    )
    forced = link(brp, row, judgement)
    assert (forced["persoon_id"], forced["method"], forced["confidence"]) == (BOOTH, "oordeel", 1.0)

    rejected = link(
        brp,
        row,
        judgement.with_columns(
            pl.lit(VRIES).alias("entity_id"), pl.lit("is_niet").alias("verdict")
        ),
    )
    assert rejected["persoon_id"] != VRIES
    assert rejected["status"] != CERTAIN or rejected["persoon_id"].startswith("PX")


def test_a_non_resident_gets_one_id_across_records(brp):
    result = resolve_persons(
        brp,
        records(
            {"naam": "Zbigniew Wójcik", "geboortedatum": "1971-02-03"},
            {"naam": "WOJCIK, Z.", "geboortedatum": "1971-02-03", "source": "handhaving"},
            {"naam": "Zbigniew Wójcik"},  # without a birth date: nothing to go on
        ),
    )
    first, second, third = result.iter_rows(named=True)
    assert first["persoon_id"].startswith("PX")
    assert first["persoon_id"] == second["persoon_id"]
    assert first["method"] == "naam_geboortedatum_buiten_brp"
    assert (third["persoon_id"], third["status"]) == (None, NONE)
    assert third["reason"]


def test_ids_are_stable_when_records_come_and_go(brp):
    night_one = records(
        {"naam": "Pieter de Vries", "geboortedatum": "1975-03-14"},
        {"naam": "Astrid Kuipers", "geboortedatum": "1990-06-01"},
        {"naam": "Mohamed El Amrani", "geboortedatum": "1982-11-30"},
    )
    # Night two: the Kuipers record is gone, a new record came in, order changed.
    night_two = pl.concat(
        [
            night_one.filter(pl.col("record_key") == "r2"),
            records({"naam": "Johanna Boothroyd", "geboortedatum": "1960-09-04"}).with_columns(
                pl.lit("r9").alias("record_key")
            ),
            night_one.filter(pl.col("record_key") == "r0"),
        ]
    )
    brp_two = brp.filter(~pl.col("bsn_pseudoniem").is_in(["c" * 64]))  # Astrid moved away
    one = dict(resolve_persons(brp, night_one).select("record_key", "persoon_id").iter_rows())
    two = dict(resolve_persons(brp_two, night_two).select("record_key", "persoon_id").iter_rows())
    assert one["r0"] == two["r0"] == VRIES
    assert one["r2"] == two["r2"] == AMRANI
    assert two["r9"] == BOOTH


def test_the_same_input_gives_exactly_the_same_links_whatever_the_row_order(brp):
    night = records(
        *[
            {"naam": n, "geboortedatum": d}
            for n, d in [("P. de Vries", "1975-03-14"), ("A. Kuipers", "1990-06-01")]
        ]
    )
    forward = resolve_persons(brp, night)
    backward = resolve_persons(brp, night.reverse())
    assert backward["record_key"].to_list() == ["r1", "r0"]  # one row per record, input order
    assert forward.equals(backward.reverse())


def night_of_weights(weights: dict[int, list[float]]) -> pl.DataFrame:
    rows = [(rec, f"P{rec}-{i}", w) for rec, ws in weights.items() for i, w in enumerate(ws)]
    return pl.DataFrame(rows, schema=["rec", "persoon_id", "weight"], orient="row")


def sources(**counts: int) -> pl.DataFrame:
    """Records numbered from 0, in runs per source: sources(meldingen=10, vergunningen=5)."""
    names = [name for name, count in counts.items() for _ in range(count)]
    return pl.DataFrame({"rec": range(len(names)), "source": names})


def test_evidence_counts_for_more_when_nearly_every_record_concerns_a_resident():
    # Record 0 has one candidate whose evidence is even (weight 0 bits: pairwise 50%).
    strong = {rec: [30.0] for rec in range(1, 200)}
    residents = record_probability(night_of_weights({0: [0.0], **strong}), sources(meldingen=200))
    assert residents.filter(pl.col("rec") == 0)["probability"].item() >= 0.98
    # The same evidence in a night where most records name no resident at all.
    few = {rec: [30.0] for rec in range(1, 10)}
    outsiders = record_probability(night_of_weights({0: [0.0], **few}), sources(meldingen=200))
    assert outsiders.filter(pl.col("rec") == 0)["probability"].item() < 0.5


def test_equally_good_candidates_share_the_probability():
    night = night_of_weights({0: [20.0, 20.0, -5.0], **{rec: [30.0] for rec in range(1, 50)}})
    shares = record_probability(night, sources(meldingen=50)).filter(pl.col("rec") == 0)[
        "probability"
    ]
    assert shares[0] == pytest.approx(shares[1])
    assert 0.49 < shares[0] <= 0.5
    assert shares.sum() <= 1.0


def test_each_source_has_its_own_share_of_residents():
    # Vergunningen (records 0-999) nearly all name a resident, meldingen (1000-1999) hardly.
    strong = [*range(1, 1000), *range(1001, 1050)]
    night = night_of_weights({0: [0.0], 1000: [0.0], **{rec: [30.0] for rec in strong}})
    linked = record_probability(night, sources(vergunningen=1000, meldingen=1000))
    probability = dict(zip(linked["rec"], linked["probability"], strict=True))
    assert probability[0] >= 0.95
    assert probability[1000] < 0.5


def unknown_bsn(i: int) -> str:
    """A pseudonym the BRP does not know."""
    return f"{i:x}".ljust(64, "f")


def living_elsewhere(count: int) -> list[dict]:
    """A night's permit applicants who live elsewhere: valid BSNs the BRP does not know."""
    return [
        {
            "bsn_pseudoniem": unknown_bsn(i + 1),
            "naam": "Lars Nyström",
            "geboortedatum": f"19{40 + i % 50}-0{1 + i % 9}-1{i % 10}",
        }
        for i in range(count)
    ]


def residents(brp: pl.DataFrame, count: int) -> list[dict]:
    """Records without a BSN about residents, named as the BRP names them."""
    people = brp.filter(pl.col("voorvoegsel").is_null()).head(count)
    return [
        {
            "naam": f"{row['voornamen']} {row['geslachtsnaam']}",
            "geboortedatum": row["geboortedatum"],
        }
        for row in people.iter_rows(named=True)
    ]


def test_an_unknown_bsn_is_someone_living_elsewhere_even_with_a_namesake_resident(brp):
    # Records without a BSN nearly all name residents; those with a BSN the BRP does not
    # know name people living elsewhere. A namesake is no reason to doubt such a BSN.
    namesake = {
        "bsn_pseudoniem": unknown_bsn(999),
        "naam": "Pieter Jan de Vries",
        "geboortedatum": "1975-03-14",
    }
    night = records(*residents(brp, 300), *living_elsewhere(200), namesake)
    result = resolve_persons(brp, night).row(-1, named=True)
    assert result["persoon_id"] == "P" + unknown_bsn(999)[:20]
    assert (result["method"], result["status"]) == ("bsn_buiten_brp", CERTAIN)


def test_a_mistyped_bsn_gives_way_when_name_birth_date_and_address_all_fit(brp):
    mistyped = {
        "bsn_pseudoniem": unknown_bsn(999),
        "naam": "Pieter de Vries",
        "geboortedatum": "1975-03-14",
        "nummeraanduiding_id": "ADDR-VRIES",
    }
    night = records(*residents(brp, 300), *living_elsewhere(200), mistyped)
    result = resolve_persons(brp, night).row(-1, named=True)
    assert (result["persoon_id"], result["status"]) == (VRIES, CERTAIN), result
    assert result["method"].startswith("bsn_onbekend_")


@pytest.mark.parametrize(
    ("typed", "level"),
    [
        ("1975-03-14", "gelijk"),
        ("1975-03-00", "deels bekend"),  # BRP knows year and month only
        ("1975-03-15", "een cijfer, cijfers of dag/maand verwisseld"),
        ("1975-03-41", "een cijfer, cijfers of dag/maand verwisseld"),  # neighbours swapped
        ("1957-03-14", "een cijfer, cijfers of dag/maand verwisseld"),
        ("1975-14-03", "een cijfer, cijfers of dag/maand verwisseld"),  # day and month
        ("1975-03-25", "jaar of twee cijfers"),  # two digits wrong, not a swap
        ("1975-08-19", "jaar of twee cijfers"),
        ("1980-01-01", "anders"),
    ],
)
def test_birth_dates_agree_as_far_as_a_typo_explains(typed, level):
    number = pl.lit(int(typed.replace("-", "")), dtype=pl.Int32)
    found = pl.select(birth_date_level(number, pl.lit(19750314, dtype=pl.Int32))).item()
    assert BirthDateLevel(found).label == level


def zandpad(brp: pl.DataFrame) -> pl.DataFrame:
    """The register with Wilhelmina Oosterhuis at Zandpad 17, 9999XA (id P999...)."""
    return with_resident(
        brp,
        "9",
        voornamen="Wilhelmina",
        geslachtsnaam="Oosterhuis",
        geboortedatum="1944-05-05",
        nummeraanduiding_id="ADDR-ZAND",
        straatnaam="Zandpad",
        huisnummer=17,
        postcode="9999XA",
    )


def test_the_bag_street_of_an_address_left_open_still_counts(brp):
    register = zandpad(brp)
    # Typed 'Zandpd 17, 9999XB': the postcode contradicts, so the address stays open, but
    # the resolver knows the street is Zandpad (column straat).
    typed = records({"naam": "W. Oosterhuis"}).with_columns(
        pl.lit("Zandpd").alias("straatnaam"),
        pl.lit(17).alias("huisnummer"),
        pl.lit("9999XB").alias("postcode"),
    )
    with_street = resolve_persons(register, typed.with_columns(pl.lit("zandpad").alias("straat")))
    assert with_street.select("persoon_id", "status").row(0) == ("P" + "9" * 20, CERTAIN)
    assert with_street["method"].item() == "naam_adres"
    assert resolve_persons(register, typed)["status"].item() != CERTAIN


def test_a_house_on_the_same_street_is_nearer_than_one_elsewhere(brp):
    # Where the source's address is where people live, another address counts against
    # a person; another house on her own street counts against her less.
    settings = PersonMatchSettings.model_validate({"address": {"disagreement_counts": True}})
    register = with_resident(
        zandpad(brp),
        "7",
        voornamen="Willem",
        geslachtsnaam="Oosterhuis",
        geboortedatum="1950-01-01",
        nummeraanduiding_id="ADDR-DIJK",
        straatnaam="Dijkweg",
        huisnummer=4,
        postcode="9999XD",
    )

    def best(street: str) -> dict:
        typed = records({"naam": "W. Oosterhuis"}).with_columns(
            pl.lit(street).alias("straatnaam"), pl.lit(21).alias("huisnummer")
        )
        return resolve_persons(register, typed, settings=settings).row(0, named=True)

    # W. Oosterhuis at Heideweg 21: Wilhelmina and Willem fit equally.
    elsewhere, same_street = best("Heideweg"), best("Zandpad")
    assert same_street["persoon_id"] == "P" + "9" * 20
    assert same_street["confidence"] > elsewhere["confidence"]
