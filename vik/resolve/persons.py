"""Persons: every record that names a person is tied to a BRP person, or says why not.

    >>> links = resolve_persons(brp, records, judgements=judgements)  # doctest: +SKIP
    >>> links.columns
    ['source', 'record_key', 'persoon_id', 'confidence', 'method', 'status', 'reason']

How, in order:

1. A human judgement wins: ``is`` links (confidence 1, method ``oordeel``),
   ``is_niet`` removes that person from the candidates.
2. A BSN pseudonym decides (method ``bsn``).
3. Otherwise candidates come from four blocks, joined in polars: the same birth
   date; the same phonetic surname key and birth year (typos in day or month,
   BRP's partial dates); for records without a birth date the same phonetic key
   and first initial (only when the record has no address); and every person
   ever registered at the record's resolved address.
4. Each candidate pair is scored in batch with rapidfuzz (``process.cpdist`` on
   the aligned pairs, never a Python loop per record) on surname, given names or
   initials, birth date and address agreement; the confidence is their weighted
   mean over the features the record has (address counts only when it agrees:
   a permit for a shop is not evidence that the applicant lives elsewhere).
5. The best candidate is ``zeker`` when its confidence reaches
   ``settings.certain``, it beats the runner-up by ``settings.margin`` and the
   link rests on more than a name (birth date or address agrees). Between
   ``settings.possible`` and that it is ``mogelijk``: kept for the analist, never
   used by a rule. Namesakes and twins therefore never become certain by guess.

Entity ids are derived, not numbered, so they are stable from night to night: a
BRP person is ``P`` + the first 20 hex characters of the BSN pseudonym (the
pseudonym itself is a keyed HMAC); a person known only from process records,
with a full birth date and no BRP candidate, is ``PX`` + a hash of the folded
surname, first initial and birth date (status ``zeker``, method
``naam_geboortedatum_buiten_brp``), so two records of the same non-resident meet.
"""

from __future__ import annotations

import hashlib

import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from vik.resolve.links import CERTAIN, NONE, POSSIBLE
from vik.resolve.names import brp_name_parts, parse_person_names

RESULT_SCHEMA = {
    "source": pl.String,
    "record_key": pl.String,
    "persoon_id": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "status": pl.String,
    "reason": pl.String,
}


class PersonMatchSettings(BaseModel):
    """Thresholds and weights of the person matcher (config/resolve.yaml, key persons)."""

    model_config = ConfigDict(extra="forbid")

    certain: float = Field(
        0.88, ge=0, le=1, description="Vanaf deze zekerheid is een koppeling zeker."
    )
    possible: float = Field(0.6, ge=0, le=1, description="Vanaf hier is een koppeling mogelijk.")
    margin: float = Field(
        0.06, ge=0, le=1, description="Voorsprong op de op één na beste kandidaat."
    )
    weight_surname: float = 0.4
    weight_given: float = 0.2
    weight_birth_date: float = 0.35
    weight_address: float = 0.25


def person_id(pseudonym: pl.Expr) -> pl.Expr:
    return pl.lit("P") + pseudonym.str.slice(0, 20)


def person_ids(brp: pl.DataFrame) -> pl.DataFrame:
    """record_key → persoon_id for every BRP row."""
    return brp.select("record_key", person_id(pl.col("bsn_pseudoniem")).alias("persoon_id"))


def _persons(brp: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per BRP person (name from the latest address period) and their addresses."""
    rows = brp.with_columns(person_id(pl.col("bsn_pseudoniem")).alias("persoon_id"))
    latest = rows.sort("datum_aanvang_adreshouding", descending=True).unique(
        "persoon_id", keep="first"
    )
    names = latest.select("voornamen", "voorvoegsel", "geslachtsnaam").unique()
    parts = brp_name_parts(names)
    persons = latest.select(
        "persoon_id",
        "voornamen",
        "voorvoegsel",
        "geslachtsnaam",
        pl.col("geboortedatum").alias("dob"),
    ).join(parts, on=["voornamen", "voorvoegsel", "geslachtsnaam"], how="left", nulls_equal=True)
    addresses = (
        rows.select("persoon_id", "nummeraanduiding_id").drop_nulls().unique()
        if "nummeraanduiding_id" in rows.columns
        else pl.DataFrame(schema={"persoon_id": pl.String, "nummeraanduiding_id": pl.String})
    )
    return persons.drop("voornamen", "geslachtsnaam"), addresses


def _with_dob_keys(frame: pl.DataFrame) -> pl.DataFrame:
    dob = pl.col("dob")
    complete = dob.is_not_null() & ~dob.str.contains("-00")
    year = dob.str.slice(0, 4)
    return frame.with_columns(
        pl.when(complete).then(dob).alias("dob_full"),
        pl.when(dob.is_not_null() & (year != "0000")).then(year).alias("dob_year"),
        pl.col("initials").str.slice(0, 1).alias("initial"),
    )


def _dob_similarity(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """1 equal; 0.85 one side partial but agreeing; 0.75 day and month swapped;
    0.7 one digit apart; 0 different; null when either is unknown."""
    a_digits, b_digits = a.str.replace_all("-", ""), b.str.replace_all("-", "")
    partial = a.str.contains("-00") | b.str.contains("-00")
    known_equal = (a.str.slice(0, 4) == b.str.slice(0, 4)) & (
        a.str.slice(5, 2).is_in(["00"])
        | b.str.slice(5, 2).is_in(["00"])
        | (a.str.slice(5, 2) == b.str.slice(5, 2))
    )
    swapped = (
        (a.str.slice(0, 4) == b.str.slice(0, 4))
        & (a.str.slice(5, 2) == b.str.slice(8, 2))
        & (a.str.slice(8, 2) == b.str.slice(5, 2))
    )
    differing = pl.sum_horizontal(
        [(a_digits.str.slice(i, 1) != b_digits.str.slice(i, 1)).cast(pl.Int32) for i in range(8)]
    )
    return (
        pl.when(a.is_null() | b.is_null() | (a == "0000-00-00") | (b == "0000-00-00"))
        .then(None)
        .when(a == b)
        .then(1.0)
        .when(partial & known_equal)
        .then(0.85)
        .when(swapped)
        .then(0.75)
        .when(~partial & (differing == 1))
        .then(0.7)
        .otherwise(0.0)
    )


def _scores(pairs: pl.DataFrame) -> pl.DataFrame:
    """Name similarities for aligned pairs, one rapidfuzz batch call per feature."""

    def sim(left: str, right: str) -> pl.Series:
        a = pairs[left].fill_null("").to_list()
        b = pairs[right].fill_null("").to_list()
        return (
            pl.Series(process.cpdist(a, b, scorer=fuzz.ratio, workers=-1), dtype=pl.Float64) / 100
        )

    surname = pl.max_horizontal(
        sim("surname", "b_surname"),
        sim("surname_last", "b_surname_last"),
        sim("glued", "b_glued"),
        sim("surname_nospace", "b_glued"),
    )
    given = sim("first_given", "b_first_given")
    return pairs.with_columns(
        surname.alias("s_surname"),
        given.alias("s_given_name"),
    )


def _glued(frame: pl.DataFrame, prefix: str = "") -> pl.DataFrame:
    p = prefix
    return frame.with_columns(
        pl.concat_str([pl.col(f"{p}voorvoegsel"), pl.col(f"{p}surname")], ignore_nulls=True)
        .str.replace_all(r"[\s'\-]", "")
        .alias(f"{p}glued"),
        pl.col(f"{p}given").str.split(" ").list.first().alias(f"{p}first_given"),
    )


def _candidates(
    records: pl.DataFrame, persons: pl.DataFrame, addresses: pl.DataFrame
) -> pl.DataFrame:
    key = ["rec", "persoon_id"]
    by_dob = (
        records.filter(pl.col("dob_full").is_not_null())
        .select("rec", "dob_full")
        .join(
            persons.filter(pl.col("dob_full").is_not_null()).select("persoon_id", "dob_full"),
            on="dob_full",
        )
    )
    by_sound_year = (
        records.select("rec", "phonetic", "dob_year")
        .drop_nulls()
        .join(
            persons.select("persoon_id", "phonetic", "dob_year").drop_nulls(),
            on=["phonetic", "dob_year"],
        )
    )
    no_dob_no_address = records.filter(
        pl.col("dob").is_null() & pl.col("nummeraanduiding_id").is_null()
    )
    by_sound_initial = (
        no_dob_no_address.select("rec", "phonetic", "initial")
        .drop_nulls()
        .join(
            persons.select("persoon_id", "phonetic", "initial").drop_nulls(),
            on=["phonetic", "initial"],
        )
    )
    by_address = (
        records.select("rec", "nummeraanduiding_id")
        .drop_nulls()
        .join(addresses, on="nummeraanduiding_id")
    )
    return pl.concat(
        [
            by_dob.select(key),
            by_sound_year.select(key),
            by_sound_initial.select(key),
            by_address.select(key),
        ]
    ).unique()


def _outside_brp_id(records: pl.DataFrame) -> pl.Series:
    material = records.select(
        pl.concat_str(
            [pl.col("glued"), pl.col("initial").fill_null(""), pl.col("dob")], separator="|"
        )
    ).to_series()
    return pl.Series(
        ["PX" + hashlib.blake2b(m.encode(), digest_size=8).hexdigest() for m in material.to_list()],
        dtype=pl.String,
    )


def resolve_persons(
    brp: pl.DataFrame,
    records: pl.DataFrame,
    *,
    judgements: pl.DataFrame | None = None,
    settings: PersonMatchSettings | None = None,
) -> pl.DataFrame:
    """Tie each record (source, record_key, bsn_pseudoniem, naam, geboortedatum,
    nummeraanduiding_id) to a BRP person; one output row per record."""
    settings = settings or PersonMatchSettings()
    records = records.with_row_index("rec").with_columns(pl.col("rec").cast(pl.Int64))
    persons, addresses = _persons(brp)
    persons = _glued(_with_dob_keys(persons.rename({"voorvoegsel": "voorvoegsel"})))
    known_pseudonyms = set(brp["bsn_pseudoniem"].unique().drop_nulls().to_list())

    judged = _judgements(judgements, records)
    forced = judged.filter(pl.col("verdict") == "is").unique(["rec"], keep="last")
    rejected = judged.filter(pl.col("verdict") == "is_niet").select("rec", "persoon_id")

    # 2. The BSN decides.
    with_bsn = records.filter(pl.col("bsn_pseudoniem").is_not_null())
    by_bsn = with_bsn.select(
        "rec",
        person_id(pl.col("bsn_pseudoniem")).alias("persoon_id"),
        pl.lit(1.0).alias("confidence"),
        pl.when(pl.col("bsn_pseudoniem").is_in(list(known_pseudonyms)))
        .then(pl.lit("bsn"))
        .otherwise(pl.lit("bsn_buiten_brp"))
        .alias("method"),
        pl.lit(CERTAIN).alias("status"),
        pl.lit(None, dtype=pl.String).alias("reason"),
    ).join(rejected, on=["rec", "persoon_id"], how="anti")

    # 3-5. Name, birth date and address for the rest.
    rest = records.join(by_bsn.select("rec"), on="rec", how="anti").filter(
        pl.col("naam").is_not_null()
    )
    parsed = parse_person_names(rest["naam"])
    rest = pl.concat([rest, parsed], how="horizontal").rename({"geboortedatum": "dob"})
    rest = _glued(_with_dob_keys(rest)).with_columns(
        pl.col("surname").str.replace_all(r"[\s'\-]", "").alias("surname_nospace")
    )
    candidates = _candidates(rest, persons, addresses).join(
        rejected, on=["rec", "persoon_id"], how="anti"
    )
    prefixed = persons.select(
        "persoon_id", *[pl.col(c).alias(f"b_{c}") for c in persons.columns if c != "persoon_id"]
    )
    pairs = candidates.join(rest, on="rec").join(prefixed, on="persoon_id")
    pairs = _scores(pairs)
    at_address = addresses.rename({"nummeraanduiding_id": "b_address"})
    pairs = pairs.join(
        at_address.with_columns(pl.lit(True).alias("address_agrees")),
        left_on=["persoon_id", "nummeraanduiding_id"],
        right_on=["persoon_id", "b_address"],
        how="left",
    )
    initials_agree = (
        pl.when(pl.col("initials").is_null() | pl.col("b_initials").is_null())
        .then(None)
        .when(pl.col("b_initials").str.starts_with(pl.col("initials")))
        .then(1.0)
        .when(pl.col("initials").str.slice(0, 1) == pl.col("b_initials").str.slice(0, 1))
        .then(0.85)
        .otherwise(0.1)
    )
    given = (
        pl.when(pl.col("given").is_not_null() & pl.col("b_given").is_not_null())
        .then(
            pl.max_horizontal(
                pl.col("s_given_name"),
                pl.when(pl.col("b_given").str.starts_with(pl.col("given"))).then(1.0),
            )
        )
        .otherwise(initials_agree)
    )
    dob = _dob_similarity(pl.col("dob"), pl.col("b_dob"))
    address = pl.when(pl.col("address_agrees")).then(1.0)
    w = settings
    numerator = (
        w.weight_surname * pl.col("s_surname")
        + w.weight_given * pl.col("s_given").fill_null(0)
        + w.weight_birth_date * pl.col("s_dob").fill_null(0)
        + w.weight_address * pl.col("s_address").fill_null(0)
    )
    denominator = (
        w.weight_surname
        + pl.when(pl.col("s_given").is_not_null()).then(w.weight_given).otherwise(0)
        + pl.when(pl.col("s_dob").is_not_null()).then(w.weight_birth_date).otherwise(0)
        + pl.when(pl.col("s_address").is_not_null()).then(w.weight_address).otherwise(0)
    )
    pairs = pairs.with_columns(
        given.alias("s_given"), dob.alias("s_dob"), address.alias("s_address")
    )
    pairs = pairs.with_columns((numerator / denominator).alias("confidence"))
    ranked = (
        pairs.sort(["rec", "confidence"], descending=[False, True])
        .group_by("rec", maintain_order=True)
        .agg(
            pl.col("persoon_id").first(),
            pl.col("confidence").first(),
            pl.col("confidence").slice(1, 1).first().alias("runner_up"),
            pl.col("s_dob").first(),
            pl.col("s_address").first(),
            pl.col("s_surname").first(),
        )
    )
    corroborated = (pl.col("s_dob").fill_null(0) >= 0.7) | (pl.col("s_address").fill_null(0) == 1.0)
    margin = pl.col("confidence") - pl.col("runner_up").fill_null(0)
    method = pl.concat_str(
        [
            pl.lit("naam"),
            pl.when(pl.col("s_dob").fill_null(0) >= 0.7)
            .then(pl.lit("_geboortedatum"))
            .otherwise(pl.lit("")),
            pl.when(pl.col("s_address") == 1.0).then(pl.lit("_adres")).otherwise(pl.lit("")),
        ]
    )
    certain = (
        (pl.col("confidence") >= w.certain)
        & (margin >= w.margin)
        & corroborated
        & (pl.col("s_surname") >= 0.8)
    )
    matched = ranked.select(
        "rec",
        "persoon_id",
        pl.col("confidence").round(4),
        method.alias("method"),
        pl.when(certain)
        .then(pl.lit(CERTAIN))
        .when(pl.col("confidence") >= w.possible)
        .then(pl.lit(POSSIBLE))
        .otherwise(pl.lit(NONE))
        .alias("status"),
        pl.when(certain)
        .then(pl.lit(None, dtype=pl.String))
        .when((pl.col("confidence") >= w.certain) & (margin < w.margin))
        .then(pl.lit("meer personen komen (bijna) even goed in aanmerking"))
        .when((pl.col("confidence") >= w.certain) & ~corroborated)
        .then(pl.lit("alleen de naam komt overeen; geboortedatum of adres ontbreekt of verschilt"))
        .when(pl.col("confidence") >= w.possible)
        .then(pl.lit("overeenkomst onder de drempel voor een zekere koppeling"))
        .otherwise(pl.lit("geen persoon in de BRP gevonden met deze naam en geboortedatum"))
        .alias("reason"),
    )
    matched = matched.with_columns(
        pl.when(pl.col("status") == NONE)
        .then(None)
        .otherwise(pl.col("persoon_id"))
        .alias("persoon_id")
    )

    # Records with a full birth date and no BRP candidate at all: a person outside the BRP.
    unmatched = rest.join(
        matched.filter(pl.col("status") != NONE).select("rec"), on="rec", how="anti"
    )
    outside = unmatched.filter(
        pl.col("dob_full").is_not_null() & pl.col("glued").is_not_null() & (pl.col("glued") != "")
    )
    outside = outside.select("rec").with_columns(
        _outside_brp_id(outside).alias("persoon_id"),
        pl.lit(0.9).alias("confidence"),
        pl.lit("naam_geboortedatum_buiten_brp").alias("method"),
        pl.lit(CERTAIN).alias("status"),
        pl.lit("geen persoon in de BRP; herkend aan naam en geboortedatum").alias("reason"),
    )
    matched = pl.concat([matched.join(outside.select("rec"), on="rec", how="anti"), outside])

    # 1. Judgements win.
    from_judgement = forced.select(
        "rec",
        "persoon_id",
        pl.lit(1.0).alias("confidence"),
        pl.lit("oordeel").alias("method"),
        pl.lit(CERTAIN).alias("status"),
        pl.lit(None, dtype=pl.String).alias("reason"),
    )
    decided = pl.concat(
        [from_judgement, by_bsn.join(from_judgement.select("rec"), on="rec", how="anti")]
    )
    decided = pl.concat([decided, matched.join(decided.select("rec"), on="rec", how="anti")])
    result = records.select("rec", "source", "record_key").join(decided, on="rec", how="left")
    no_data = pl.col("status").is_null()
    rejected_recs = rejected.select("rec").unique().with_columns(pl.lit(True).alias("_rejected"))
    result = result.join(rejected_recs, on="rec", how="left").with_columns(
        pl.col("status").fill_null(NONE),
        pl.when(no_data & pl.col("_rejected"))
        .then(pl.lit("de analist wees deze persoon af; geen andere kandidaat"))
        .when(no_data)
        .then(pl.lit("geen persoon in de BRP gevonden met deze naam en geboortedatum"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
        pl.col("confidence").fill_null(0.0),
        pl.col("method").fill_null("geen"),
    )
    return result.sort("rec").select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


def _judgements(judgements: pl.DataFrame | None, records: pl.DataFrame) -> pl.DataFrame:
    if judgements is None or judgements.height == 0:
        return pl.DataFrame(schema={"rec": pl.Int64, "persoon_id": pl.String, "verdict": pl.String})
    person = judgements.filter(pl.col("entity_type") == "person")
    return person.join(
        records.select("rec", "source", "record_key"), on=["source", "record_key"]
    ).select("rec", pl.col("entity_id").alias("persoon_id"), "verdict")
