"""Persons: every record that names a person is tied to a BRP person, or says why not.

    >>> links = resolve_persons(brp, records, judgements=judgements)  # doctest: +SKIP
    >>> links.columns
    ['source', 'record_key', 'persoon_id', 'confidence', 'method', 'status', 'reason']

How, in order:

1. A human judgement wins: ``is`` links (confidence 1, method ``oordeel``),
   ``is_niet`` removes that person from the candidates.
2. A BSN pseudonym the BRP knows decides (method ``bsn``). A BSN it does not
   know is someone living elsewhere (``bsn_buiten_brp``, that BSN's id), unless
   steps 3-5 find a resident certain: then the BSN was mistyped, and the record
   is that resident (method ``bsn_onbekend_`` and the matcher's method). Such
   records have a share of residents of their own, which leans on "hardly ever":
   a namesake is no reason to doubt a BSN; name, birth date and address together
   can be.
3. Otherwise candidates come from blocks, joined in polars: the same birth
   date; the same sound key of the surname, birth year and first initial; the same
   first given name and surname; every person ever registered at the record's resolved
   address; and, for records with neither birth date nor address, the sound
   key and first initial.
4. Each candidate pair is compared per feature into an agreement level
   (surname, given names, birth date, address): names with one rapidfuzz
   ``process.cpdist`` batch call per feature, never a Python loop per record;
   an address agrees by its BAG id, or by house number with the postcode or the
   street (the BAG street the address resolver recognised in what was typed,
   also where the address itself stayed open), and a little by the postcode or
   the street alone.
   A Fellegi-Sunter model turns levels into evidence. For every level,
   ``u`` (how often it occurs between different persons) is counted on random
   record-person pairs and ``m`` (how often between records of the same person)
   is estimated by expectation maximisation on the candidate pairs, each night
   on that night's data, so the model fits the municipality's own registers.
   A pair's match weight is the prior plus the sum of ``log2(m/u)`` over the
   features the record has, in bits. Its confidence is the probability that the
   record is this person rather than another candidate or someone outside the
   BRP: a record is one person at most, and the share of records that concern a
   resident is learned each night too, per source.
5. The best candidate is ``zeker`` when its probability reaches
   ``settings.certain``, the runner-up is at least ``settings.margin_bits``
   weaker, the link rests on more than a name (birth date or address agrees)
   and a name agrees (or else birth date and address both agree exactly). When
   the candidates as good as the best together reach ``settings.possible``, it is
   ``mogelijk``: kept for the analist, never used by a rule. Namesakes and twins
   therefore never become certain by guess.

An address that differs is no evidence against a person by default: a permit's
or a report's address is a location, not where the person lives
(``settings.address_disagreement_counts`` turns that on for sources whose
address is the residence).

Inside, the matcher works on numbers that last one night: persons are numbered
in the order of their persoon_id, and every name, birth date and address value is
numbered once, so that blocks, comparisons and the model join, group and sort
integers. A name is text again only where it is compared (Jaro-Winkler, once per
distinct pair of names), a persoon_id only in the links that come out.

Entity ids are derived, not numbered, so they are stable from night to night: a
BRP person is ``P`` + the first 20 hex characters of the BSN pseudonym (the
pseudonym itself is a keyed HMAC); a person known only from process records,
with a full birth date and no BRP candidate, is ``PX`` + a hash of the folded
surname, first initial and birth date (status ``zeker``, method
``naam_geboortedatum_buiten_brp``), so two records of the same non-resident meet.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from vik.connectors.keys import stable_hashes
from vik.resolve.bag import street_key
from vik.resolve.links import CERTAIN, NONE, POSSIBLE, certain_link
from vik.resolve.names import (
    brp_given_names,
    brp_name_parts,
    brp_surnames,
    brp_voorvoegsels,
    parse_person_names,
)

RESULT_SCHEMA = {
    "source": pl.String,
    "record_key": pl.String,
    "persoon_id": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "status": pl.String,
    "reason": pl.String,
}

# A person's addresses, and a record's: the BAG id where resolved, and the parts as
# typed, so that an address left unresolved still counts when postcode and number agree.
ADDRESS_COLUMNS = {
    "nummeraanduiding_id": pl.String,
    "postcode": pl.String,
    "huisnummer": pl.Int64,
    "straat": pl.String,  # the street as a comparable key (vik.resolve.bag.street_key)
}

# Name columns a source may deliver instead of (or beside) one free-text name.
STRUCTURED_NAME = ("voornamen", "voorvoegsel", "geslachtsnaam")

# Agreement levels per feature, best first; null means the record lacks the feature.
FEATURES: Mapping[str, tuple[str, ...]] = {
    "surname": ("anders", "lijkt", "lijkt sterk", "gelijk"),
    "given": ("anders", "eerste letter", "voorletters", "lijkt", "roepnaam gelijk", "gelijk"),
    "dob": (
        "anders",
        "jaar of twee cijfers",
        "een cijfer, cijfers of dag/maand verwisseld",
        "deels bekend",
        "gelijk",
    ),
    "address": ("anders", "straat of postcode", "straat of postcode, en huisnummer", "gelijk"),
}
# m per level to start from, and the prior EM weighs the data against (as if
# _M_PRIOR_PAIRS matches had been seen): what a large demo municipality taught EM.
# A small municipality or a quiet night then still has a sensible model.
_M_DEFAULT = {
    "surname": (0.01, 0.015, 0.06, 0.915),
    "given": (0.01, 0.01, 0.3, 0.01, 0.28, 0.39),
    "dob": (0.05, 0.03, 0.02, 0.01, 0.89),
    "address": (0.3, 0.01, 0.02, 0.67),
}
_M_PRIOR_PAIRS = 20.0
_EM_ITERATIONS = 25
_EM_SAMPLE = 400_000  # candidate pairs EM learns from; all pairs are scored
_EM_MINIMUM = 50  # fewer pairs than this in a session: keep the starting values
_U_SAMPLE = 30_000  # random pairs that estimate u of the common levels (the rare ones are exact)
_U_FLOOR = 1e-7  # u of an agreement no random pair can have: very rare, not impossible
_RESIDENT_SHARE = (0.05, 0.99)  # bounds of the learned share of records about a resident
# Records whose BSN the BRP does not know are about a non-resident unless the BSN was
# mistyped: their share of residents is learned apart, may fall much lower, and leans on
# "hardly ever" rather than on the records without a BSN.
_MISTYPED_SHARE = (0.001, 0.99)
_SHARE_ITERATIONS = 100
_SHARE_PRIOR_RECORDS = 50.0  # a source's share leans on all sources' as if this many
_SEED = 20_201  # fixed: the same data gives the same model, night after night
# Up to this many distinct values, a value is numbered by an Enum cast (quicker than a
# join, and without a joined copy of a million strings); beyond it a join is quicker.
_ENUM_LOOKUP = 30_000
_NAME_BATCH = 250_000  # pairs whose names are compared at once: bounds the peak memory


class PersonMatchSettings(BaseModel):
    """Thresholds of the person matcher (config/resolve.yaml, key persons)."""

    model_config = ConfigDict(extra="forbid")

    certain: float = Field(
        0.99, ge=0, le=1, description="Vanaf deze kans op dezelfde persoon is een koppeling zeker."
    )
    possible: float = Field(0.5, ge=0, le=1, description="Vanaf hier is een koppeling mogelijk.")
    margin_bits: float = Field(
        4.0,
        ge=0,
        description="Zoveel bits (factor 2 per bit) moet de beste kandidaat sterker zijn dan "
        "de op één na beste.",
    )
    address_disagreement_counts: bool = Field(
        False,
        description="Telt een ander adres als bewijs tegen? Alleen zinvol als het adres van de "
        "bron het woonadres is.",
    )


def person_id(pseudonym: pl.Expr) -> pl.Expr:
    return pl.lit("P") + pseudonym.str.slice(0, 20)


# --- numbering ----------------------------------------------------------------------------


def _lookup(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """The number of each value in `distinct` (its position; UInt32), null where a value
    is null or not among them."""
    if distinct.len() <= _ENUM_LOOKUP:
        numbers = values.cast(pl.String).cast(pl.Enum(distinct), strict=False).to_physical()
        return numbers.cast(pl.UInt32).rename(values.name)
    numbered = distinct.rename("value").to_frame().with_row_index("code")
    joined = (
        values.rename("value")
        .to_frame()
        .join(numbered, on="value", how="left", maintain_order="left")
    )
    return joined["code"].rename(values.name)


def _codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each value as a number (UInt32; null stays null) and the distinct values, value i
    numbered i. Sorted: numbers order as the values do, and the numbering does not depend
    on the order of the rows."""
    distinct = values.drop_nulls().unique().sort()
    return _lookup(values, distinct), distinct


def _shared_codes(columns: list[pl.Series]) -> tuple[list[pl.Series], pl.Series]:
    """Several columns numbered as one: a value has the same number in each of them."""
    codes, distinct = _codes(pl.concat([c.rename("value") for c in columns]))
    parts, start = [], 0
    for column in columns:
        parts.append(codes.slice(start, column.len()).rename(column.name))
        start += column.len()
    return parts, distinct


# --- the two sides ------------------------------------------------------------------------


def _with_address_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with its ADDRESS_COLUMNS: absent ones empty, the street as a key (made
    once per distinct street name: a million BRP rows have some thousands). A ``straat``
    the frame carries (the BAG street the address resolver found) wins over the typed
    ``straatnaam``."""
    if "straatnaam" in frame.columns:
        streets = (
            frame.select(pl.col("straatnaam").cast(pl.String))
            .unique()
            .with_columns(street_key(pl.col("straatnaam")).alias("_straat"))
        )
        frame = frame.with_columns(pl.col("straatnaam").cast(pl.String)).join(
            streets, on="straatnaam", how="left", nulls_equal=True, maintain_order="left"
        )
        if "straat" in frame.columns:
            frame = frame.with_columns(pl.coalesce("straat", "_straat").alias("_straat"))
        frame = frame.drop("straat", strict=False).rename({"_straat": "straat"})
    return frame.with_columns(
        (pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in ADDRESS_COLUMNS.items()
    )


def _all_digits(texts: pl.Series, length: int, digits: str) -> bool:
    """Whether every text (nulls aside) is `length` characters out of `digits` (a regex
    character range such as 0-9a-f)."""
    lengths = texts.str.len_bytes()
    if lengths.null_count() == lengths.len():
        return True
    if lengths.min() != length or lengths.max() != length:
        return False
    return not texts.str.contains(f"[^{digits}]").any()


def _person_rows(brp: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
    """Per BRP row the number of its person (UInt32), and whether it is the row whose name
    counts for the person: the one of their latest address period.

    Persons are numbered 0, 1, ... in the order of their persoon_id, so that ordering by
    number is ordering by persoon_id."""
    key = brp["bsn_pseudoniem"].str.slice(0, 20)
    # A keyed-hash pseudonym is hexadecimal: read as a number it sorts as its persoon_id
    # does, and a million numbers sort many times faster than strings. (Lower-case hex
    # digits of one length: anything else is sorted as text.)
    number = key.str.to_integer(base=16, dtype=pl.Int128, strict=False)
    if number.null_count() == key.null_count() and _all_digits(key, 20, "0-9a-f"):
        key = number
    start = brp["datum_aanvang_adreshouding"].cast(pl.String)
    start = start.str.replace_all("-", "", literal=True)
    if _all_digits(start, 8, "0-9"):
        # Dates as jjjj-mm-dd: as numbers they order as the text does.
        start = start.cast(pl.UInt32).fill_null(0)
    else:
        start = brp["datum_aanvang_adreshouding"].cast(pl.String)
        start, _ = _codes(start.fill_null("") if start.null_count() else start)
    # Sorted by person and start: each person's rows in a run, the latest last.
    last_of_run = (pl.col("pid") != pl.col("pid").shift(-1)).fill_null(True)
    rows = (
        pl.DataFrame({"key": key, "start": start})
        .with_row_index("row")
        .filter(pl.col("key").is_not_null())
        .sort("key", "start")
        .select(
            "row",
            "start",
            ((pl.col("key") != pl.col("key").shift(1)).fill_null(True).cum_sum() - 1)
            .cast(pl.UInt32)
            .alias("pid"),
        )
    )
    latest = rows.filter(
        pl.col("start") == pl.when(last_of_run).then(pl.col("start")).backward_fill()
    ).select("row", "pid")
    # Sorted by person: a person with two latest rows has them next to each other.
    tied = latest.filter(
        (pl.col("pid") == pl.col("pid").shift(1)) | (pl.col("pid") == pl.col("pid").shift(-1))
    )
    if tied.height:
        # Two periods starting on one day: the same choice every night, whatever the order.
        names = brp.select(pl.col(c).cast(pl.String) for c in (*STRUCTURED_NAME, "geboortedatum"))
        chosen = (
            pl.concat([tied, names[tied["row"]]], how="horizontal")
            .sort("pid", *STRUCTURED_NAME, "geboortedatum", nulls_last=True)
            .unique("pid", keep="first", maintain_order=True)
        )
        latest = pl.concat([latest.join(tied, on="row", how="anti"), chosen.select(latest.columns)])
    persons = np.zeros(brp.height, dtype=np.uint32)
    persons[rows["row"].to_numpy()] = rows["pid"].to_numpy()
    named = np.zeros(brp.height, dtype=bool)
    named[latest["row"].to_numpy()] = True
    persons = pl.Series(persons)
    if key.null_count():
        persons = persons.set(key.is_null(), None)
    return persons, pl.Series(named)


def _record_names(rest: pl.DataFrame) -> pl.DataFrame:
    """Name parts of process records: parsed from free text, or taken from structured
    columns (voornamen, voorvoegsel, geslachtsnaam) where a source delivers those."""
    structured = "geslachtsnaam" in rest.columns
    if not structured:
        return parse_person_names(rest["naam"])
    given = rest.select(
        *[
            (pl.col(c) if c in rest.columns else pl.lit(None, dtype=pl.String)).alias(c)
            for c in STRUCTURED_NAME
        ]
    )
    parts = brp_name_parts(given).select(
        "given", "initials", "voorvoegsel", "surname", "surname_last", "phonetic"
    )
    if rest["naam"].is_null().all():
        return parts  # no free text to parse (and the parts of no name are empty too)
    parsed = parse_person_names(rest["naam"])
    use_parts = rest.select(
        (
            pl.col("naam").is_null()
            & pl.any_horizontal(pl.col(c).is_not_null() for c in given.columns)
        ).alias("_s")
    ).to_series()
    return pl.select(
        [
            pl.when(pl.lit(use_parts)).then(pl.lit(parts[c])).otherwise(pl.lit(parsed[c])).alias(c)
            for c in parsed.columns
        ]
    )


def _glued(voorvoegsel: pl.Expr, surname: pl.Expr) -> pl.Expr:
    """The surname glued to its voorvoegsel ('vanderberg'); null when empty."""
    glued = pl.concat_str([voorvoegsel, surname], ignore_nulls=True).str.replace_all(r"[\s'\-]", "")
    return pl.when(glued == "").then(None).otherwise(glued)


# Keys both sides derive from their name parts: the first initial, whether there are more
# initials, the first given name; the surname without spaces and its first letter.
_GIVEN_KEYS = {
    "initial": pl.col("initials").str.slice(0, 1),
    "initials_long": pl.col("initials").str.len_chars() >= 2,
    "first_given": pl.col("given").str.split(" ").list.first(),
}
_SURNAME_KEYS = {
    "surname_nospace": pl.col("surname").str.replace_all(r"[\s'\-]", ""),
    "surname_initial": pl.col("surname").str.slice(0, 1),
}


def _name_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Name keys both sides share (_GIVEN_KEYS, _SURNAME_KEYS) and the surname glued to
    its voorvoegsel."""
    return frame.with_columns(
        *[key.alias(name) for name, key in (_GIVEN_KEYS | _SURNAME_KEYS).items()],
        _glued(pl.col("voorvoegsel"), pl.col("surname")).alias("glued"),
    )


def _dob_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Birth-date keys: the date when known, the full date, the year."""
    dob = pl.col("dob")
    known = dob.is_not_null() & (dob != "0000-00-00")
    complete = known & ~dob.str.contains("-00")
    return frame.with_columns(
        pl.when(known).then(dob).alias("dob"),
        pl.when(complete).then(dob).alias("dob_full"),
        pl.when(known & (dob.str.slice(0, 4) != "0000"))
        .then(dob.str.slice(0, 4))
        .alias("dob_year"),
        # jjjjmmdd as a number (00 where BRP does not know): compared arithmetically.
        pl.when(known)
        .then(dob.str.replace_all("-", "").cast(pl.Int32, strict=False))
        .alias("dob_num"),
    )


def _prepared(frame: pl.DataFrame) -> pl.DataFrame:
    return _dob_keys(_name_keys(frame))


# Name columns both sides carry as numbers (one numbering for all of them: a name is the
# same number in every column), birth-date columns, and the address columns of a record.
_NAMES = (
    "given", "initials", "initial", "first_given", "surname", "surname_last",
    "surname_nospace", "surname_initial", "glued", "phonetic",
)  # fmt: skip
_DATES = ("dob", "dob_full", "dob_year", "dob_num")
_ADDRESSES = ("nummeraanduiding_id", "postcode", "straat", "number", "street")
# Addresses compared as a pair of columns: postcode and number, street and number.
_NUMBERED = {"number": "postcode", "street": "straat"}


@dataclass(frozen=True)
class _Night:
    """The night's two sides as numbers.

    ``records``: rec, the _NAMES and _DATES numbers, initials_long, has_address and the
    _ADDRESSES numbers, one row per record to match, in rec order.
    ``persons``: per person (row i is person i) the row of their given names in
    ``given_names``, of their voorvoegsel and geslachtsnaam in ``surnames`` and of their
    birth date in ``dates``, which hold the name and date columns once per distinct
    value (``columns`` gathers them); and tf_surname and tf_given, the share of persons
    with the person's glued surname, first given name.
    ``addresses``: pid and the _ADDRESSES numbers of every BRP row with an address.
    ``names``: the text of each name number.
    """

    records: pl.DataFrame
    persons: pl.DataFrame
    given_names: pl.DataFrame
    surnames: pl.DataFrame
    dates: pl.DataFrame
    addresses: pl.DataFrame
    names: pl.Series
    pseudonyms: pl.Series  # the BRP's column
    rows: pl.Series  # per person, the BRP row their name comes from
    row_persons: pl.Series  # per BRP row, the person number

    def columns(self, columns: Sequence[str], persons: pl.Series | None = None) -> pl.DataFrame:
        """Name and date columns of every person (row i is person i), or of `persons`."""
        rows = self.persons if persons is None else self.persons[persons]
        gathered = {
            column: table[column].gather(rows[key])
            for key, table in (
                ("given_names", self.given_names),
                ("surnames", self.surnames),
                ("dates", self.dates),
            )
            for column in columns
            if column in table.columns
        }
        return pl.DataFrame([gathered[column] for column in columns])

    def ids(self, persons: pl.Series) -> pl.Series:
        """persoon_id of person numbers."""
        pseudonyms = self.pseudonyms.gather(self.rows.gather(persons))
        return pl.select(person_id(pl.lit(pseudonyms))).to_series().rename("persoon_id")

    def numbers(self, ids: pl.Series) -> pl.DataFrame:
        """persoon_id → pid, for the ids among the BRP's."""
        every = pl.select(person_id(pl.lit(self.pseudonyms))).to_series()
        found = every.is_in(ids.implode())
        return (
            pl.DataFrame({"persoon_id": every.filter(found), "pid": self.row_persons.filter(found)})
            .drop_nulls()
            .unique()
        )


def _night(brp: pl.DataFrame, rest: pl.DataFrame) -> _Night:
    """Number the BRP and the records to match (``rest``: _prepared, with address columns)."""
    row_persons, latest = _person_rows(brp)
    # Persons stand in for records when a night has too few records (_random_levels):
    # then the BRP's addresses are numbered as a record's are.
    persons = 0 if row_persons.null_count() == brp.height else row_persons.max() + 1
    as_records = rest.height * persons < _U_SAMPLE
    # The addresses are numbered on a second thread while the names are: both mostly
    # wait on polars, which runs without the GIL, and one string column at a time keeps
    # only one core busy.
    with ThreadPoolExecutor(max_workers=1) as second:
        numbered = second.submit(_addresses, rest, brp, row_persons, as_records)
        night = _named(brp, rest, row_persons, latest)
        record_addresses, addresses = numbered.result()
    return replace(
        night,
        records=pl.concat([night.records, pl.DataFrame(record_addresses)], how="horizontal"),
        addresses=addresses,
    )


def _named(
    brp: pl.DataFrame, rest: pl.DataFrame, row_persons: pl.Series, latest: pl.Series
) -> _Night:
    """The night's names and dates as numbers (a _Night without addresses)."""
    # Names once per distinct value: a million BRP rows have some hundred thousand
    # first-name strings and far fewer surnames. Numbered in the BRP's row order, then
    # put in person order (position i is person i).
    v, voornamen = _codes(brp["voornamen"].cast(pl.String).filter(latest))
    p, voorvoegsels = _codes(brp["voorvoegsel"].cast(pl.String).filter(latest))
    g, geslachtsnamen = _codes(brp["geslachtsnaam"].cast(pl.String).filter(latest))
    d, dobs = _codes(brp["geboortedatum"].cast(pl.String).filter(latest))
    order = row_persons.filter(latest).arg_sort()
    v, p, g, d = (column.gather(order) for column in (v, p, g, d))
    # Per person the BRP row their name comes from, for their persoon_id.
    rows = pl.Series(np.flatnonzero(latest.to_numpy()), dtype=pl.UInt32).gather(order)

    given_names = brp_given_names(voornamen).with_columns(
        key.alias(name) for name, key in _GIVEN_KEYS.items()
    )
    # A surname is a voorvoegsel with a geslachtsnaam: its parts come from the latter,
    # the glued surname from both.
    surname_of = pl.DataFrame({"p": p, "g": g})
    surnames = surname_of.unique().sort("p", "g").with_row_index("surname")
    surname_of = surname_of.join(
        surnames, on=["p", "g"], how="left", nulls_equal=True, maintain_order="left"
    )
    parts = brp_surnames(geslachtsnamen).with_columns(
        key.alias(name) for name, key in _SURNAME_KEYS.items()
    )
    surnames = pl.concat(
        [
            pl.DataFrame([parts[c].gather(surnames["g"]) for c in _NAMES if c in parts.columns]),
            surnames.select(
                _glued(
                    pl.lit(brp_voorvoegsels(voorvoegsels)).gather(pl.col("p")),
                    pl.lit(parts["surname"]).gather(pl.col("g")),
                ).alias("glued")
            ),
        ],
        how="horizontal",
    )
    given_columns = [c for c in _NAMES if c in given_names.columns]
    numbered, names = _shared_codes(
        [
            *[given_names[c] for c in given_columns],
            *[surnames[c] for c in surnames.columns],
            *[rest[c] for c in _NAMES],
            pl.Series([""]),  # a missing name, as Jaro-Winkler sees it
        ]
    )
    given_names = given_names.select(*numbered[: len(given_columns)], "initials_long")
    numbered = numbered[len(given_columns) :]
    surnames = pl.DataFrame(numbered[: surnames.width])
    record_names = numbered[surnames.width : surnames.width + len(_NAMES)]

    # Birth dates numbered once, their keys (_dob_keys) made once per distinct date.
    (dobs, record_dates), dates = _shared_codes([dobs.rename("dob"), rest["dob"]])
    dates = _dob_keys(pl.DataFrame({"dob": dates})).with_row_index("code")
    dates = dates.select(
        pl.when(pl.col("dob").is_not_null()).then(pl.col("code")).alias("dob"),
        pl.when(pl.col("dob_full").is_not_null()).then(pl.col("code")).alias("dob_full"),
        _codes(dates["dob_year"])[0].alias("dob_year"),
        "dob_num",
    )

    persons = pl.DataFrame(
        {"given_names": v, "surnames": surname_of["surname"], "dates": dobs.gather(d)}
    )
    tf = pl.DataFrame(
        {
            "glued": surnames["glued"].gather(persons["surnames"]),
            "first_given": given_names["first_given"].gather(persons["given_names"]),
        }
    ).select(
        (pl.len().over("glued") / pl.len()).alias("tf_surname"),
        (pl.len().over("first_given") / pl.len()).alias("tf_given"),
    )
    persons = pl.concat([persons, tf], how="horizontal")
    records = pl.DataFrame(
        [
            rest["rec"],
            *record_names,
            *[dates[c].gather(record_dates) for c in _DATES],
            rest["initials_long"],
        ]
    )
    return _Night(
        records,
        persons,
        given_names,
        surnames,
        dates,
        pl.DataFrame(),
        names,
        brp["bsn_pseudoniem"],
        rows,
        row_persons,
    )


def _has_address() -> pl.Expr:
    """Whether a record has an address at all (values or their numbers)."""
    return (
        pl.col("nummeraanduiding_id").is_not_null()
        | pl.col("postcode").is_not_null()
        | pl.col("straat").is_not_null()
    ).alias("has_address")


def _addresses(
    rest: pl.DataFrame, brp: pl.DataFrame, row_persons: pl.Series, include_brp: bool
) -> tuple[list[pl.Series], pl.DataFrame]:
    """The records' addresses (has_address and the _ADDRESSES numbers, record for record)
    and the persons' (pid and the numbers, one row per BRP row that has any).

    The numbering is the records' values: a BRP address that no record has can agree
    with no record, and a million BRP rows are only looked up, never numbered. With
    `include_brp` the BRP's own values are numbered too."""

    def brp_column(name: str, dtype: type[pl.DataType]) -> pl.Series:
        if name in brp.columns:
            return brp[name].cast(dtype)
        return pl.repeat(None, brp.height, dtype=dtype, eager=True)

    records = rest.select("nummeraanduiding_id", "postcode", "straat", "huisnummer", _has_address())
    columns = {
        "pid": row_persons,
        "nummeraanduiding_id": brp_column("nummeraanduiding_id", pl.String),
        "postcode": brp_column("postcode", pl.String),
        "straat": brp_column("straat", pl.String),
        "huisnummer": brp_column("huisnummer", pl.Int64),
    }
    written = None
    if "straatnaam" in brp.columns:
        # The street as a key, made once per distinct street name.
        written, streets = _codes(brp["straatnaam"].cast(pl.String))
        columns["straat"] = pl.select(street_key(pl.lit(streets))).to_series()
    for column in ("nummeraanduiding_id", "postcode", "straat"):
        values = [records[column], *([columns[column]] if include_brp else [])]
        distinct = pl.concat(values).drop_nulls().unique().sort()
        records = records.with_columns(_lookup(records[column], distinct))
        columns[column] = _lookup(columns[column], distinct).rename(column)
    if written is not None:
        columns["straat"] = columns["straat"].gather(written)
    register = pl.DataFrame(columns)
    for name, first in _NUMBERED.items():
        pair = [first, "huisnummer"]
        sides = [records.select(pair), *([register.select(pair)] if include_brp else [])]
        distinct = pl.concat(sides).drop_nulls().unique().sort(pair).with_row_index(name)
        records = records.join(distinct, on=pair, how="left", maintain_order="left")
        register = register.join(distinct, on=pair, how="left", maintain_order="left")
    # Not made unique: whoever reads them (blocks, agreement) takes each value once.
    addresses = register.select("pid", *_ADDRESSES).filter(
        pl.col("pid").is_not_null() & pl.any_horizontal(pl.col(_ADDRESSES).is_not_null())
    )
    return [records[c] for c in ("has_address", *_ADDRESSES)], addresses


# --- blocking -----------------------------------------------------------------------------


def _candidates(night: _Night) -> pl.DataFrame:
    """Record-person pairs worth comparing (rec, pid): the union of the blocks."""
    records, addresses = night.records, night.addresses
    persons = night.columns(
        ["dob_full", "phonetic", "dob_year", "initial", "first_given", "surname_last"]
    ).with_row_index("pid")

    def block(left: pl.DataFrame, right: pl.DataFrame, on: list[str]) -> pl.DataFrame:
        return (
            left.select("rec", *on)
            .drop_nulls()
            .join(right.select("pid", *on).drop_nulls(), on=on)
            .select(_pair_key(pl.col("rec"), pl.col("pid")).alias("pair"))
        )

    no_dob_no_address = records.filter(
        pl.col("dob").is_null() & pl.col("nummeraanduiding_id").is_null()
    )
    pairs = (
        pl.concat(
            [
                block(records, persons, ["dob_full"]),
                block(records, persons, ["phonetic", "dob_year", "initial"]),
                block(records, persons, ["first_given", "surname_last"]),
                block(no_dob_no_address, persons, ["phonetic", "initial"]),
                block(records, addresses, ["nummeraanduiding_id"]),
                block(records, addresses, ["number"]),
                block(records, addresses, ["street"]),
            ]
        )
        .to_series()
        .unique()
        .sort()
    )
    return pl.DataFrame(
        {"rec": (pairs // (1 << 32)).cast(pl.Int64), "pid": (pairs % (1 << 32)).cast(pl.UInt32)}
    )


# --- comparison ---------------------------------------------------------------------------


def _distinct_pairs(
    pairs: pl.DataFrame, columns: Sequence[tuple[str, str]]
) -> tuple[pl.Series, pl.Series, list[pl.Series]]:
    """The distinct name-number pairs of several (left, right) column pairs of aligned
    pairs, a missing name as the empty one (number 0: '' sorts first), and per column
    pair where each row's pair is among them."""
    key = pl.concat(
        [
            pairs.select(_pair_key(pl.col(left).fill_null(0), pl.col(right).fill_null(0)))
            .to_series()
            .rename("key")
            for left, right in columns
        ]
    )
    distinct = key.unique().to_frame().with_row_index("where")
    where = key.to_frame().join(distinct, on="key", how="left", maintain_order="left")["where"]
    distinct = distinct["key"]
    return (
        distinct // (1 << 32),
        distinct % (1 << 32),
        [where.slice(i * pairs.height, pairs.height) for i in range(len(columns))],
    )


def _similarity(
    pairs: pl.DataFrame, columns: Sequence[tuple[str, str]], names: pl.Series
) -> list[pl.Series]:
    """Jaro-Winkler similarity of (left, right) name columns of aligned pairs: one batched
    call over the distinct pairs of names in all of them (blocks repeat the same names
    many times, and a surname is mostly its own last part and glued form too)."""
    a, b, where = _distinct_pairs(pairs, columns)
    scores = pl.Series(
        process.cpdist(
            names.gather(a).to_list(),
            names.gather(b).to_list(),
            scorer=JaroWinkler.normalized_similarity,
            workers=-1,
        ),
        dtype=pl.Float64,
    )
    return [scores.gather(w) for w in where]


def _starts_with(pairs: pl.DataFrame, left: str, right: str, names: pl.Series) -> pl.Series:
    """Whether the right name starts with the left one, per aligned pair."""
    a, b, (where,) = _distinct_pairs(pairs, [(left, right)])
    starts = names.gather(b).str.starts_with(names.gather(a))
    return starts.gather(where)


def _name_levels(pairs: pl.DataFrame, names: pl.Series) -> pl.DataFrame:
    """Surname and given-name levels (columns surname, given, swapped), in the orientation
    that fits best (given name and surname swapped is a common clerk's error)."""
    *surnames, given = _similarity(
        pairs,
        [
            ("surname", "b_surname"),
            ("surname_last", "b_surname_last"),
            ("glued", "b_glued"),
            ("surname_nospace", "b_glued"),
            ("first_given", "b_first_given"),
        ],
        names,
    )
    surname = pl.max_horizontal(surnames)
    pairs = pairs.with_columns(
        surname.alias("s_surname"),
        given.alias("s_given"),
        _starts_with(pairs, "initials", "b_initials", names).alias("initials_start"),
    )
    has_surname = pl.col("surname").is_not_null() & pl.col("b_surname").is_not_null()
    has_given = pl.col("first_given").is_not_null() & pl.col("b_first_given").is_not_null()
    # Swapped: the record's given name holds the surname, and its surname the given name.
    # Two similarities add up to 2 at most, so a swap can only fit clearly better (below)
    # where the names as written add up to less than 1.7: elsewhere they stay 0.
    could_swap = pairs.select(
        has_surname & has_given & (pl.col("s_surname") + pl.col("s_given") + 0.3 < 2.0)
    ).to_series()
    swapped_pairs = {
        "s_swapped_surname": ("given", "b_surname"),
        "s_swapped_given": ("surname", "b_given"),
    }
    scores = _similarity(pairs.filter(could_swap), list(swapped_pairs.values()), names)
    for name, score in zip(swapped_pairs, scores, strict=True):
        similarity = np.zeros(pairs.height)
        similarity[could_swap.to_numpy()] = score.to_numpy()
        pairs = pairs.with_columns(pl.Series(name, similarity))
    # Read swapped when that fits clearly better and at least one name then agrees
    # ('Stronach Ethan' for Emily Stronach: the surname sits in the given-name field).
    swapped = (
        has_surname
        & has_given
        & (
            pl.col("s_swapped_surname") + pl.col("s_swapped_given")
            > pl.col("s_surname") + pl.col("s_given") + 0.3
        )
        & (pl.max_horizontal("s_swapped_surname", "s_swapped_given") >= 0.92)
    )
    # Made once as columns: the levels below read them many times over.
    pairs = pairs.with_columns(swapped.alias("swapped"))
    swapped = pl.col("swapped")
    pairs = pairs.with_columns(
        pl.when(swapped)
        .then(pl.col("s_swapped_surname"))
        .otherwise(pl.col("s_surname"))
        .alias("s_surname"),
        pl.when(swapped)
        .then(pl.col("s_swapped_given"))
        .otherwise(pl.col("s_given"))
        .alias("s_given"),
    )
    s_surname, s_given = pl.col("s_surname"), pl.col("s_given")
    exact_surname = ~swapped & (
        (pl.col("glued") == pl.col("b_glued")) | (pl.col("surname") == pl.col("b_surname"))
    )
    surname_level = (
        pl.when(~has_surname)
        .then(None)
        .when(exact_surname | (s_surname >= 0.999))
        .then(3)
        .when(s_surname >= 0.92)
        .then(2)
        .when(s_surname >= 0.8)
        .then(1)
        .otherwise(0)
    )
    initials = pl.col("initials")
    b_initials = pl.col("b_initials")
    given_level = (
        pl.when(
            initials.is_null()
            | b_initials.is_null()
            | (pl.col("given").is_null() & pl.col("first_given").is_null() & initials.is_null())
        )
        .then(None)
        .when(swapped)  # the given name sits in the surname field: compare that
        .then(
            pl.when(s_given >= 0.999)
            .then(4)
            .when(s_given >= 0.9)
            .then(3)
            .when(pl.col("surname_initial") == pl.col("b_initial"))
            .then(1)
            .otherwise(0)
        )
        .when(has_given & (pl.col("given") == pl.col("b_given")))
        .then(5)
        .when(has_given & (s_given >= 0.999))
        .then(4)
        .when(has_given & (s_given >= 0.9))
        .then(3)
        .when(
            pl.col("given").is_null()
            & ((initials == b_initials) | (pl.col("initials_long") & pl.col("initials_start")))
        )
        .then(2)
        .when(pl.col("initial") == pl.col("b_initial"))
        .then(1)
        .otherwise(0)
    )
    # Lazily: polars then evaluates the conditions the levels share once (eager select
    # does not eliminate common subexpressions).
    return (
        pairs.lazy()
        .select(
            surname_level.cast(pl.Int8).alias("surname"),
            given_level.cast(pl.Int8).alias("given"),
            swapped.alias("swapped"),
        )
        .collect()
    )


def _dob_level(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Birth dates as jjjjmmdd numbers (00 = unknown month or day): 4 equal; 3 one side
    partial (BRP 00) and the known parts agree; 2 one digit apart, two neighbouring
    digits swapped, or day and month swapped; 1 same year or two digits apart; 0
    different; null unknown."""
    year_a, year_b = a // 10_000, b // 10_000
    month_a, month_b = (a // 100) % 100, (b // 100) % 100
    day_a, day_b = a % 100, b % 100
    partial = (month_a == 0) | (day_a == 0) | (month_b == 0) | (day_b == 0)
    same_year = year_a == year_b
    known_equal = same_year & (
        (month_a == 0) | (month_b == 0) | ((month_a == month_b) & ((day_a == 0) | (day_b == 0)))
    )
    swapped = same_year & (month_a == day_b) & (day_a == month_b)
    digits_a = [(a // 10**i) % 10 for i in range(8)]
    digits_b = [(b // 10**i) % 10 for i in range(8)]
    differing = pl.sum_horizontal(
        [(da != db).cast(pl.Int8) for da, db in zip(digits_a, digits_b, strict=True)]
    )
    # Two neighbouring digits typed in the wrong order (1910-01-20 as 1910-02-10).
    transposed = (differing == 2) & pl.any_horizontal(
        (digits_a[i] != digits_b[i])
        & (digits_a[i] == digits_b[i + 1])
        & (digits_a[i + 1] == digits_b[i])
        for i in range(7)
    )
    return (
        pl.when(a.is_null() | b.is_null())
        .then(None)
        .when(a == b)
        .then(4)
        .when(partial & known_equal)
        .then(3)
        .when(~partial & (swapped | (differing == 1) | transposed))
        .then(2)
        .when(same_year | (~partial & (differing == 2)))
        .then(1)
        .otherwise(0)
        .cast(pl.Int8)
    )


def _pair_key(high: pl.Expr, low: pl.Expr) -> pl.Expr:
    """Two numbers below 2**32 as one integer, `high` in the high 32 bits: a pair is then
    one value to make unique, sort or look up."""
    return high.cast(pl.UInt64) * (1 << 32) + low.cast(pl.UInt64)


@dataclass(frozen=True)
class _AddressAgreement:
    """Per person, the addresses they ever had, five ways: BAG id, postcode and number,
    street and number, postcode, street; each (person, address) pair as one integer
    (_pair_key, the person in the high bits).
    Built once a night, looked up by every batch of pairs."""

    known: Mapping[str, pl.Series]

    WAYS = ("nummeraanduiding_id", "number", "street", "postcode", "straat")

    @classmethod
    def of(cls, addresses: pl.DataFrame) -> _AddressAgreement:
        return cls(
            {
                way: addresses.select(_pair_key(pl.col("pid"), pl.col(way)))
                .to_series()
                .drop_nulls()
                .unique()
                for way in cls.WAYS
            }
        )

    def agrees(self, pairs: pl.DataFrame, way: str) -> pl.Series:
        """Per pair whether its person ever had the record's address (columns pid and
        `way`): a semi join, which hashes the smaller side."""
        keys = pairs.select(_pair_key(pl.col("pid"), pl.col(way)).alias("key"))
        found = keys.with_row_index("pair").join(
            self.known[way].to_frame("key"), on="key", how="semi"
        )
        agrees = np.zeros(pairs.height, dtype=bool)
        agrees[found["pair"].to_numpy()] = True
        return pl.Series(way, agrees)

    def persons_per_value(self, way: str) -> np.ndarray:
        """How many persons ever had each value, by value number."""
        return np.bincount((self.known[way] % (1 << 32)).to_numpy())


# The columns a comparison reads: the names of record and person (b_ in a pair), and the
# record's side as a whole (persons standing in for records carry the same).
_NAME_RECORD = (
    "given", "initials", "initial", "initials_long", "first_given", "surname", "surname_last",
    "surname_nospace", "surname_initial", "glued",
)  # fmt: skip
_NAME_PERSON = ("given", "initials", "initial", "surname", "surname_last", "glued", "first_given")
_RECORD_SIDE = ("rec", *_NAME_RECORD, "dob_num", "has_address", *_AddressAgreement.WAYS)


def _levels(
    pairs: pl.DataFrame, records: pl.DataFrame, night: _Night, agreement: _AddressAgreement
) -> pl.DataFrame:
    """Agreement levels of (record, person) pairs (rec, pid); columns rec, pid, the
    FEATURES and swapped. `records` has the _RECORD_SIDE of every rec in the pairs.

    Each feature gathers the columns it reads for the pairs, no more: a wide frame of
    every column for a million pairs would be the night's largest."""
    at = pairs.join(
        records.select("rec").with_row_index("_at"), on="rec", how="left", maintain_order="left"
    )["_at"]

    def compared(
        record: tuple[str, ...], person: tuple[str, ...], part: slice = slice(None)
    ) -> pl.DataFrame:
        return pl.concat(
            [
                records.select(record)[at[part]],
                night.columns(person, pairs["pid"][part]).select(pl.all().name.prefix("b_")),
            ],
            how="horizontal",
        )

    # Names in batches: their comparison holds some twenty columns per pair at once.
    name_levels = pl.concat(
        [
            _name_levels(
                compared(_NAME_RECORD, _NAME_PERSON, slice(start, start + _NAME_BATCH)),
                night.names,
            )
            for start in range(0, max(pairs.height, 1), _NAME_BATCH)
        ]
    )
    # Most pairs share the birth date (a block): the digits are compared for the rest.
    dates = compared(("dob_num",), ("dob_num",)).with_row_index("_pair")
    equal = pl.col("dob_num") == pl.col("b_dob_num")
    level = np.full(pairs.height, -1, dtype=np.int8)
    level[dates.filter(equal)["_pair"].to_numpy()] = len(FEATURES["dob"]) - 1
    differ = dates.filter(~equal)
    level[differ["_pair"].to_numpy()] = (
        differ.lazy()  # the digits of the dates are taken once (see _name_levels)
        .select(_dob_level(pl.col("dob_num"), pl.col("b_dob_num")).fill_null(-1))
        .collect()
        .to_series()
        .to_numpy()
    )
    dob = pl.DataFrame({"dob": level}).select(
        pl.when(pl.col("dob") >= 0).then(pl.col("dob")).alias("dob")
    )
    addresses = pl.concat(
        [pairs.select("pid"), records.select("has_address", *agreement.WAYS)[at]],
        how="horizontal",
    )
    same, number, street, postcode, straat = (
        agreement.agrees(addresses, way) for way in agreement.WAYS
    )
    address = addresses.select(
        pl.when(pl.lit(same))
        .then(3)
        .when(pl.lit(number) | pl.lit(street))
        .then(2)
        .when(pl.lit(postcode) | pl.lit(straat))  # another house on the street
        .then(1)
        .when(pl.col("has_address"))
        .then(0)
        .otherwise(None)
        .cast(pl.Int8)
        .alias("address"),
    )
    return pl.concat(
        [
            pairs.select("rec", "pid"),
            name_levels.select("surname", "given"),
            dob,
            address,
            name_levels.select("swapped"),
        ],
        how="horizontal",
    )


# --- the Fellegi-Sunter model -------------------------------------------------------------


def _weight(prior: float, bits: Mapping[str, list[float]]) -> pl.Expr:
    """A pair's match weight in bits: the prior's log-odds plus, per feature, the bits of
    the pair's level (a feature the record lacks adds nothing)."""
    parts = [pl.lit(math.log2(prior / (1 - prior)))]
    for feature, per_level in bits.items():
        mapping = dict(enumerate(per_level))
        parts.append(pl.col(feature).replace_strict(mapping, default=0.0, return_dtype=pl.Float64))
    return pl.sum_horizontal(parts)


def _probability(weight: pl.Expr) -> pl.Expr:
    """Match weight in bits → match probability."""
    return 1 / (1 + pl.lit(2.0).pow(-weight))


class MatchModel:
    """m and u per feature level, and the prior; weights in bits.

    >>> model = MatchModel.estimate(candidate_levels, random_levels)  # doctest: +SKIP
    >>> model.weight_expr()   # polars expression: match weight of a pair
    """

    def __init__(
        self,
        m: dict[str, list[float]],
        u: dict[str, list[float]],
        prior: float,
        neutral: frozenset[tuple[str, int]] = frozenset(),
    ):
        self.m, self.u, self.prior = m, u, prior
        # (feature, level) pairs that carry no evidence, such as a different address
        # where the source's address is a location rather than a residence.
        self.neutral = neutral

    def bits(self, feature: str) -> list[float]:
        return [
            0.0 if (feature, level) in self.neutral else math.log2(m / u)
            for level, (m, u) in enumerate(zip(self.m[feature], self.u[feature], strict=True))
        ]

    def weight_expr(self, frequencies: bool = False) -> pl.Expr:
        """The match weight of a pair in bits. With `frequencies`, an exact name agreement
        weighs by how rare the name is (columns b_tf_surname, b_tf_given: the share of
        persons with the person's name), as Splink's term-frequency adjustment does:
        sharing 'Boothroyd' says more than sharing 'Jansen'."""
        parts = [_weight(self.prior, {feature: self.bits(feature) for feature in FEATURES})]
        if frequencies:
            for feature, levels, share in (
                ("surname", (FEATURES["surname"].index("gelijk"),), "b_tf_surname"),
                ("given", (FEATURES["given"].index("roepnaam gelijk"),
                           FEATURES["given"].index("gelijk")), "b_tf_given"),
            ):  # fmt: skip
                for level in levels:
                    u = self.u[feature][level]
                    parts.append(
                        pl.when(pl.col(feature) == level)
                        .then(math.log2(u) - pl.col(share).clip(lower_bound=u / 20).log(2))
                        .otherwise(0.0)
                    )
        return pl.sum_horizontal(parts)

    @staticmethod
    def u_from(
        random_levels: pl.DataFrame, exact: Mapping[str, Mapping[int, float]] | None = None
    ) -> dict[str, list[float]]:
        """u per level. Levels in `exact` (the rare agreements: same birth date, surname,
        address) are computed from value frequencies; the rest is their share among random
        pairs, smoothed so that no level has u = 0."""
        exact = exact or {}
        u = {}
        for feature, names in FEATURES.items():
            known = {level: max(value, _U_FLOOR) for level, value in exact.get(feature, {}).items()}
            sampled = random_levels[feature].drop_nulls()
            counts = sampled.filter(~sampled.is_in(list(known))).value_counts()
            count = dict(zip(counts[feature].to_list(), counts["count"].to_list(), strict=True))
            rest = [i for i in range(len(names)) if i not in known]
            total = sum(count.values()) + 0.5 * len(rest)
            share = max(1 - sum(known.values()), 0.5)
            u[feature] = [
                known[i] if i in known else share * (count.get(i, 0) + 0.5) / total
                for i in range(len(names))
            ]
        return u

    @classmethod
    def estimate(
        cls,
        levels: pl.DataFrame,
        random_levels: pl.DataFrame,
        persons: int,
        neutral: frozenset[tuple[str, int]] = frozenset(),
        exact: Mapping[str, Mapping[int, float]] | None = None,
    ) -> MatchModel:
        """u from random pairs; m by EM in sessions; the prior from the number of persons.

        As Splink does, each EM session learns from candidate pairs of one block and
        leaves the feature that block fixes alone: pairs with the same birth date teach
        the name and address levels, pairs with the same name (and address) teach the
        birth-date levels. Learning from all candidates at once degenerates: most of them are
        true matches or housemates, and EM would blur the two.
        """
        u = cls.u_from(random_levels, exact)
        m = {feature: list(_M_DEFAULT[feature]) for feature in FEATURES}
        # A record is one person at most: of all record-person pairs, 1 in `persons` matches.
        model = cls(m, u, 1 / max(persons, 2), neutral)
        # EM may sample: the same pairs every night.
        levels = levels.select("rec", "pid", *FEATURES).sort("rec", "pid")
        same_dob = levels.filter(pl.col("dob") == len(FEATURES["dob"]) - 1)
        same_name = levels.filter(
            (pl.col("surname") == len(FEATURES["surname"]) - 1)
            & (pl.col("given") >= FEATURES["given"].index("roepnaam gelijk"))
        )
        # Where names are common, namesakes crowd the same-name pairs and EM would learn
        # that a true match often has another birth date; pairs that also share the
        # address are (nearly) all true matches.
        at_address = same_name.filter(pl.col("address") >= 2)
        if at_address.height >= _EM_MINIMUM:
            same_name = at_address
        for sample, learned in ((same_dob, ("surname", "given", "address")), (same_name, ("dob",))):
            estimated = _em(sample.select(learned), {f: m[f] for f in learned}, u)
            model.m.update(estimated)
        return model


def _em(
    sample: pl.DataFrame, m: dict[str, list[float]], u: dict[str, list[float]]
) -> dict[str, list[float]]:
    """m of the features in `sample` by expectation maximisation, u fixed."""
    if sample.height < _EM_MINIMUM:
        return m  # too little to learn from: keep the starting values
    if sample.height > _EM_SAMPLE:
        sample = sample.sample(_EM_SAMPLE, seed=_SEED)
    # A pair's weight depends on its levels alone: EM goes over the distinct combinations
    # of levels (a few hundred at most), each counted as often as pairs have it, with the
    # weight of scoring (_weight, _probability).
    pairs = sample.height
    combinations = sample.group_by(sample.columns).len("_pairs")
    level = {f: combinations[f].fill_null(-1).to_numpy().astype(np.int64) for f in m}
    m = {f: list(v) for f, v in m.items()}
    prior = 0.5
    for _ in range(_EM_ITERATIONS):
        bits = {
            feature: [math.log2(a / b) for a, b in zip(levels, u[feature], strict=True)]
            for feature, levels in m.items()
        }
        matched = (
            combinations.select(pl.col("_pairs") * _probability(_weight(prior, bits)))
            .to_series()
            .to_numpy()
        )
        new_prior = min(max(matched.sum() / pairs, 1e-6), 1 - 1e-6)
        for feature, levels in m.items():
            known = level[feature] >= 0
            by_level = np.bincount(
                level[feature][known], weights=matched[known], minlength=len(levels)
            )
            # Weighed against the defaults: a level EM has hardly seen among matches is
            # unlikely, not impossible (a clerk can replace a first name altogether).
            total = by_level.sum() + _M_PRIOR_PAIRS
            default = _M_DEFAULT[feature]
            m[feature] = [
                (by_level[i] + _M_PRIOR_PAIRS * default[i]) / total for i in range(len(levels))
            ]
        converged = abs(new_prior - prior) < 1e-5
        prior = new_prior
        if converged:
            break
    return m


def _agreement_share(records: pl.Series, persons: pl.Series) -> float:
    """P(a random record and a random person share the value): sum over values of the
    product of their shares on both sides, over the non-empty values of each side."""
    left = records.drop_nulls()
    right = persons.drop_nulls()
    if left.len() == 0 or right.len() == 0:
        return 0.0
    return _shared(left.value_counts(name="n"), np.bincount(right.to_numpy())) / (
        left.len() * right.len()
    )


def _shared(counts: pl.DataFrame, per_value: np.ndarray) -> float:
    """Sum over values of `counts` (value number, n) of n times `per_value` of the value
    (a count by value number; numbers beyond it have none)."""
    counts = counts.filter(pl.col(counts.columns[0]) < per_value.size)
    n = counts["n"].to_numpy().astype(np.float64)
    return float(np.sum(n * per_value[counts[counts.columns[0]].to_numpy()]))


_NO_NAME = 2**32 - 1  # a name number no person has


def _exact_u(night: _Night, agreement: _AddressAgreement) -> dict[str, dict[int, float]]:
    """u of the rare agreement levels, exactly rather than by sampling (an exact birth
    date agrees in about 1 of 30,000 random pairs: a sample would hardly see it)."""
    records = night.records
    persons = night.columns(["given", "first_given", "glued", "dob"])
    given = FEATURES["given"]
    has_initials = records["initials"].is_not_null()
    full_given = _agreement_share(
        records.filter(has_initials)["given"].fill_null(_NO_NAME), persons["given"]
    )
    first_given = _agreement_share(
        records.filter(has_initials)["first_given"].fill_null(_NO_NAME), persons["first_given"]
    )

    with_address = records.filter(pl.col("has_address"))
    n_persons = max(persons.height, 1)

    def person_share(way: str) -> float:
        """P(a random record's address value is one a random person ever had), counting
        each person once per value, however often they lived there."""
        if with_address.height == 0:
            return 0.0
        counts = with_address[way].drop_nulls().value_counts(name="n")
        return _shared(counts, agreement.persons_per_value(way)) / with_address.height / n_persons

    same_address = person_share("nummeraanduiding_id")
    same_number = max(person_share("number"), person_share("street"))
    same_number = max(same_number - same_address, 0.0)
    # Same postcode or same street (another house): counted as if the two never
    # overlapped, so that u errs on the high side and the evidence on the low.
    same_area = person_share("postcode") + person_share("straat")
    same_postcode = max(same_area - same_number - same_address, 0.0)
    return {
        "surname": {
            len(FEATURES["surname"]) - 1: _agreement_share(records["glued"], persons["glued"])
        },
        "given": {
            given.index("gelijk"): full_given,
            given.index("roepnaam gelijk"): max(first_given - full_given, 0.0),
        },
        "dob": {len(FEATURES["dob"]) - 1: _agreement_share(records["dob"], persons["dob"])},
        "address": {3: same_address, 2: same_number, 1: same_postcode},
    }


def _random_pairs(night: _Night) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random pairs (rec, pid) of different people, to count u on: records against
    persons, topped up with persons against persons (as the BRP writes them) when a night
    has so few records that u would otherwise rest on too few pairs; and the record side
    (_RECORD_SIDE) of those persons."""
    records, persons = night.records, night.persons
    rng = np.random.default_rng(_SEED)
    from_records = min(_U_SAMPLE, records.height * persons.height)
    pairs = [
        pl.DataFrame(
            {
                "rec": records["rec"].gather(rng.integers(0, records.height, from_records)),
                "pid": pl.Series(rng.integers(0, persons.height, from_records), dtype=pl.UInt32),
            }
        )
    ]
    stand_ins = records.select(_RECORD_SIDE).clear()
    top_up = _U_SAMPLE - from_records
    if top_up > 0 and persons.height > 1:
        # Numbers order as the values do (_codes): a person's first address is the one
        # with the smallest BAG id (then postcode, street), whatever the BRP's row order.
        first_address = night.addresses.sort("pid", *_ADDRESSES, nulls_last=True).unique(
            "pid", keep="first", maintain_order=True
        )
        # Person i stands in as record -1 - i.
        stand_ins = (
            night.columns([*_NAME_RECORD, "dob_num"])
            .with_row_index("pid")
            .join(first_address, on="pid", how="left", maintain_order="left")
            .with_columns(_has_address(), (-1 - pl.col("pid").cast(pl.Int64)).alias("rec"))
            .select(_RECORD_SIDE)
        )
        pairs.append(
            pl.DataFrame(
                {
                    "rec": stand_ins["rec"].gather(rng.integers(0, stand_ins.height, top_up)),
                    "pid": pl.Series(rng.integers(0, persons.height, top_up), dtype=pl.UInt32),
                }
            )
        )
    different = (pl.col("rec") >= 0) | (-1 - pl.col("rec") != pl.col("pid").cast(pl.Int64))
    return pl.concat(pairs).filter(different), stand_ins


# --- resolving ----------------------------------------------------------------------------


def _outside_brp_id(records: pl.DataFrame) -> pl.Series:
    material = records.select(
        pl.concat_str(
            [pl.col("glued"), pl.col("initial").fill_null(""), pl.col("dob")], separator="|"
        )
    ).to_series()
    return stable_hashes(material, "PX", 8)


def _score(
    night: _Night,
    sources: pl.DataFrame,
    rejected: pl.DataFrame,
    settings: PersonMatchSettings,
) -> pl.DataFrame:
    """Every candidate pair (rec, pid) with its levels, match weight and probability;
    `sources`: rec, source and (optional) bsn_onbekend of the records."""
    candidates = _candidates(night).join(rejected, on=["rec", "pid"], how="anti")
    if candidates.height == 0:
        return pl.DataFrame(schema={"rec": pl.Int64, "pid": pl.UInt32})
    # The candidates' levels and the random pairs' in one go: each distinct pair of
    # names is compared once, and the address lookups hash their tables once.
    random, stand_ins = _random_pairs(night)
    agreement = _AddressAgreement.of(night.addresses)
    levels = _levels(
        pl.concat([candidates, random]),
        pl.concat([night.records.select(_RECORD_SIDE), stand_ins], how="vertical_relaxed"),
        night,
        agreement,
    )
    levels, random_levels = levels.head(candidates.height), levels.slice(candidates.height)
    # The person's name frequencies, for the weights (MatchModel.weight_expr).
    levels = pl.concat(
        [
            levels,
            night.persons.select(
                pl.col("tf_surname").alias("b_tf_surname"), pl.col("tf_given").alias("b_tf_given")
            )[levels["pid"]],
        ],
        how="horizontal",
    )
    neutral = frozenset() if settings.address_disagreement_counts else frozenset({("address", 0)})
    exact = _exact_u(night, agreement)
    model = MatchModel.estimate(levels, random_levels, night.persons.height, neutral, exact)
    weighted = levels.with_columns(model.weight_expr(frequencies=True).alias("weight"))
    return _record_probability(weighted, sources)


def _record_probability(weighted: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Each pair's probability that the record is this person, rather than another
    candidate or someone outside the BRP.

    A record is one person at most. With ``o`` a pair's odds from its weight (prior 1 in
    the number of persons) and ``share`` the share of a group's records that concern
    someone in the BRP, candidate j is the person with probability
    ``share * o_j / ((1 - share) + share * sum(o))``. A group is a source, apart for the
    records whose BSN the BRP does not know (column ``bsn_onbekend``, optional). The
    share is learned each night per group (`records`: rec, source), by expectation
    maximisation over all its records, those without a candidate included; a small
    group leans on the share of all groups of its kind (as if it had
    ``_SHARE_PRIOR_RECORDS`` records more), and the share is bounded (``_RESIDENT_SHARE``):
    it is never certain that a record concerns a resident. A lone strong candidate thus
    counts for more where nearly every record has its person in the BRP, and a close
    runner-up takes its share of the probability. For records with an unknown BSN the
    kind's share itself leans on the lower bound (``_MISTYPED_SHARE``): an unknown BSN is
    a non-resident's unless the night shows that this source's BSNs are often mistyped.
    """
    # log2(sum(o)) per record, from the best weight so that 2**weight cannot overflow.
    best = pl.col("weight").max().over("rec")
    per_record = (
        weighted.select(
            "rec", best.alias("_best"), pl.lit(2.0).pow(pl.col("weight") - best).alias("_odds")
        )
        .group_by("rec")
        .agg(pl.col("_best").first(), pl.col("_odds").sum())
        .select(
            "rec", (pl.col("_best") + pl.col("_odds").log(2)).clip(-1000, 1000).alias("_log_odds")
        )
    )
    unknown_bsn = (
        pl.col("bsn_onbekend").fill_null(False)
        if "bsn_onbekend" in records.columns
        else pl.lit(False)
    )
    table = records.select(
        "rec",
        (pl.col("source") + pl.when(unknown_bsn).then(pl.lit("\x1f?")).otherwise(pl.lit("")))
        .rank("dense")
        .sub(1)
        .cast(pl.Int64)
        .alias("_group"),
        unknown_bsn.alias("_unknown"),
    ).join(per_record, on="rec", how="left")
    group = table["_group"].to_numpy()
    log_odds = table["_log_odds"].fill_null(-1000.0).to_numpy()
    odds = np.exp2(log_odds)
    counts = np.bincount(group).astype(float)
    # Per group its kind (0: no BSN, 1: a BSN the BRP does not know) and bounds.
    kind = np.zeros(counts.size, dtype=np.int64)
    kind[group] = table["_unknown"].to_numpy().astype(np.int64)
    bounds = np.array([_RESIDENT_SHARE, _MISTYPED_SHARE])
    lower, upper = bounds[kind, 0], bounds[kind, 1]
    share = np.where(kind == 1, _MISTYPED_SHARE[0], 0.5)
    record_kind = kind[group]
    for _ in range(_SHARE_ITERATIONS):
        own = share[group]
        found = own * odds / ((1 - own) + own * odds)
        pooled = np.empty(2)
        for k, (floor, ceiling) in enumerate(bounds):
            mine = found[record_kind == k]
            lean = _SHARE_PRIOR_RECORDS if k == 1 else 0.0  # unknown BSN: "hardly ever"
            pooled[k] = np.clip(
                (mine.sum() + lean * floor) / max(mine.size + lean, 1), floor, ceiling
            )
        by_group = np.bincount(group, weights=found, minlength=counts.size)
        updated = np.clip(
            (by_group + _SHARE_PRIOR_RECORDS * pooled[kind]) / (counts + _SHARE_PRIOR_RECORDS),
            lower,
            upper,
        )
        converged = np.abs(updated - share).max(initial=0.0) < 1e-6
        share = updated
        if converged:
            break
    own = share[group]
    norm = table.select(
        "rec",
        pl.Series("_share", np.log2(own)),
        pl.Series("_norm", np.logaddexp2(np.log2(1 - own), np.log2(own) + log_odds)),
    )
    per_pair = weighted.select("rec", "weight").join(
        norm, on="rec", how="left", maintain_order="left"
    )
    return weighted.with_columns(
        per_pair.select(
            pl.lit(2.0)
            .pow(pl.col("_share") + pl.col("weight") - pl.col("_norm"))
            .clip(upper_bound=1.0)
            .alias("probability")
        ).to_series()
    )


def _decide(scored: pl.DataFrame, settings: PersonMatchSettings, night: _Night) -> pl.DataFrame:
    """Per record: the best candidate, and whether it is certain, possible or none."""
    # Only a record's candidates about as good as its best are ranked; of the others the
    # best weight is kept, the runner-up where no other candidate is close.
    close = pl.col("weight") >= pl.col("weight").max().over("rec") - settings.margin_bits
    ranked = (
        scored.with_columns(close.alias("_close"))
        .with_columns(
            pl.when(~pl.col("_close")).then(pl.col("weight")).max().over("rec").alias("_below")
        )
        .filter("_close")
        .sort(["rec", "weight", "pid"], descending=[False, True, False])
        .group_by("rec", maintain_order=True)
        .agg(
            pl.col("pid").first(),
            pl.col("probability").first(),
            pl.col("weight").first(),
            pl.coalesce(pl.col("weight").slice(1, 1).first(), pl.col("_below").first()).alias(
                "runner_up"
            ),
            # The chance that the record is one of the candidates as good as the best.
            pl.col("probability").sum().alias("close"),
            pl.col("dob").first(),
            pl.col("address").first(),
            pl.col("surname").first(),
            pl.col("given").first(),
            pl.col("swapped").first(),
        )
    )
    corroborated = (pl.col("dob").fill_null(0) >= 2) | (pl.col("address").fill_null(0) >= 1)
    distinct = (pl.col("weight") - pl.col("runner_up")).fill_null(float("inf")) >= (
        settings.margin_bits
    )
    # A name must agree too: the surname, or else the first given name (a woman known by
    # her partner's surname, with birth date and address agreeing, is still herself). Only
    # where the birth date and the address both agree exactly may the name differ: two of
    # the three always agree in a certain link.
    name_fits = (
        (pl.col("surname").fill_null(0) >= 1)
        | (pl.col("given").fill_null(0) >= FEATURES["given"].index("lijkt"))
        | (
            (pl.col("dob") == len(FEATURES["dob"]) - 1)
            & (pl.col("address") == len(FEATURES["address"]) - 1)
        )
    )
    probable = pl.col("probability") >= settings.certain
    certain = probable & distinct & corroborated & name_fits
    method = pl.concat_str(
        [
            pl.lit("naam"),
            pl.when(pl.col("swapped")).then(pl.lit("_omgedraaid")).otherwise(pl.lit("")),
            pl.when(pl.col("dob").fill_null(0) >= 2)
            .then(pl.lit("_geboortedatum"))
            .otherwise(pl.lit("")),
            pl.when(pl.col("address") >= 2).then(pl.lit("_adres")).otherwise(pl.lit("")),
        ]
    )
    possible = pl.col("close") >= settings.possible
    matched = ranked.select(
        "rec",
        night.ids(ranked["pid"]),
        pl.col("probability").round(4).alias("confidence"),
        method.alias("method"),
        pl.when(certain)
        .then(pl.lit(CERTAIN))
        .when(possible)
        .then(pl.lit(POSSIBLE))
        .otherwise(pl.lit(NONE))
        .alias("status"),
        pl.when(certain)
        .then(pl.lit(None, dtype=pl.String))
        .when(~distinct & possible)
        .then(pl.lit("meer personen komen (bijna) even goed in aanmerking"))
        .when(probable & ~corroborated)
        .then(pl.lit("alleen de naam komt overeen; geboortedatum of adres ontbreekt of verschilt"))
        .when(probable & ~name_fits)
        .then(pl.lit("geboortedatum of adres komt overeen, maar de naam niet"))
        .when(possible)
        .then(pl.lit("overeenkomst onder de drempel voor een zekere koppeling"))
        .otherwise(pl.lit("geen persoon in de BRP gevonden met deze naam en geboortedatum"))
        .alias("reason"),
    )
    return matched.with_columns(
        pl.when(pl.col("status") == NONE)
        .then(None)
        .otherwise(pl.col("persoon_id"))
        .alias("persoon_id")
    )


def resolve_persons(
    brp: pl.DataFrame,
    records: pl.DataFrame,
    *,
    judgements: pl.DataFrame | None = None,
    settings: PersonMatchSettings | None = None,
) -> pl.DataFrame:
    """Tie each record (source, record_key, bsn_pseudoniem, naam, geboortedatum,
    nummeraanduiding_id; optionally structured voornamen, voorvoegsel, geslachtsnaam)
    to a BRP person; one output row per record."""
    settings = settings or PersonMatchSettings()
    # Records are numbered in a canonical order, so that the model (which samples by
    # number) does not depend on the order in which an export delivers its rows.
    records = (
        records.with_row_index("_order")
        .sort("source", "record_key", "_order")
        .with_row_index("rec")
    ).with_columns(pl.col("rec").cast(pl.Int64))
    records = _with_address_columns(records)
    pseudonyms = brp["bsn_pseudoniem"]
    known_pseudonyms = pseudonyms.filter(
        pseudonyms.is_in(records["bsn_pseudoniem"].drop_nulls().implode())
    )

    judged = _judgements(judgements, records)
    forced = judged.filter(pl.col("verdict") == "is").unique(["rec"], keep="last")
    rejected = judged.filter(pl.col("verdict") == "is_niet").select("rec", "persoon_id")

    # 2. The BSN decides: a BSN the BRP knows is that resident. A BSN it does not know is
    # a non-resident's, unless name, birth date and address show that it was mistyped.
    known_bsn = pl.col("bsn_pseudoniem").is_in(known_pseudonyms.implode())
    with_bsn = records.filter(pl.col("bsn_pseudoniem").is_not_null()).select(
        "rec",
        person_id(pl.col("bsn_pseudoniem")).alias("persoon_id"),
        *certain_link(pl.when(known_bsn).then(pl.lit("bsn")).otherwise(pl.lit("bsn_buiten_brp"))),
    )
    by_bsn = with_bsn.filter(pl.col("method") == "bsn").join(
        rejected, on=["rec", "persoon_id"], how="anti"
    )
    outside_by_bsn = with_bsn.filter(pl.col("method") != "bsn").join(
        rejected, on=["rec", "persoon_id"], how="anti"
    )

    # 3-5. Name, birth date and address for the rest.
    rest = records.join(by_bsn.select("rec"), on="rec", how="anti").with_columns(
        pl.col("bsn_pseudoniem").is_not_null().alias("bsn_onbekend")
    )
    named = pl.col("naam").is_not_null()
    for column in STRUCTURED_NAME:
        if column in rest.columns:
            named = named | pl.col(column).is_not_null()
    rest = rest.filter(named).sort("rec")
    rest = _prepared(
        pl.concat(
            [rest.drop(STRUCTURED_NAME, strict=False), _record_names(rest)], how="horizontal"
        ).rename({"geboortedatum": "dob"})
    )
    matched = _empty_matches()
    if rest.height:
        night = _night(brp, rest)
        excluded = pl.DataFrame(schema={"rec": pl.Int64, "pid": pl.UInt32})
        if rejected.height:
            excluded = rejected.join(night.numbers(rejected["persoon_id"]), on="persoon_id")
        scored = _score(
            night,
            rest.select("rec", "source", "bsn_onbekend"),
            excluded.select("rec", "pid"),
            settings,
        )
        if scored.height:
            matched = _decide(scored, settings, night)

    # A record with an unknown BSN that no resident certainly fits is that non-resident.
    mistyped = matched.filter(pl.col("status") == CERTAIN).join(
        outside_by_bsn.select("rec"), on="rec", how="semi"
    )
    matched = pl.concat(
        [
            matched.join(outside_by_bsn.select("rec"), on="rec", how="anti"),
            mistyped.with_columns((pl.lit("bsn_onbekend_") + pl.col("method")).alias("method")),
            outside_by_bsn.join(mistyped.select("rec"), on="rec", how="anti"),
        ]
    )

    # Records with a full birth date and no BRP candidate at all: a person outside the BRP.
    unmatched = rest.join(
        matched.filter(pl.col("status") != NONE).select("rec"), on="rec", how="anti"
    )
    outside = unmatched.filter(pl.col("dob_full").is_not_null() & pl.col("glued").is_not_null())
    outside = outside.select("rec").with_columns(
        _outside_brp_id(outside).alias("persoon_id"),
        *certain_link(
            "naam_geboortedatum_buiten_brp",
            confidence=0.9,
            reason="geen persoon in de BRP; herkend aan naam en geboortedatum",
        ),
    )
    matched = pl.concat([matched.join(outside.select("rec"), on="rec", how="anti"), outside])

    # 1. Judgements win.
    from_judgement = forced.select(
        "rec",
        "persoon_id",
        *certain_link("oordeel"),
    )
    decided = pl.concat(
        [from_judgement, by_bsn.join(from_judgement.select("rec"), on="rec", how="anti")]
    )
    decided = pl.concat([decided, matched.join(decided.select("rec"), on="rec", how="anti")])
    result = records.select("rec", "_order", "source", "record_key").join(
        decided, on="rec", how="left"
    )
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
    return result.sort("_order").select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


def _empty_matches() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "rec": pl.Int64,
            "persoon_id": pl.String,
            "confidence": pl.Float64,
            "method": pl.String,
            "status": pl.String,
            "reason": pl.String,
        }
    )


def _judgements(judgements: pl.DataFrame | None, records: pl.DataFrame) -> pl.DataFrame:
    if judgements is None or judgements.height == 0:
        return pl.DataFrame(schema={"rec": pl.Int64, "persoon_id": pl.String, "verdict": pl.String})
    person = judgements.filter(pl.col("entity_type") == "person")
    return person.join(
        records.select("rec", "source", "record_key"), on=["source", "record_key"]
    ).select("rec", pl.col("entity_id").alias("persoon_id"), "verdict")
