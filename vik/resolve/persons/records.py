"""The record side prepared for matching: name parts, name and birth-date keys, address columns.

    >>> prepared(with_names(records)).columns  # doctest: +SKIP
    [..., 'given', 'initials', 'surname', ..., 'glued', 'dob', 'dob_full', 'dob_year', 'dob_num']

Both sides derive the same keys from their name parts (``GIVEN_KEYS``,
``SURNAME_KEYS``, ``glued``), so that blocks and comparisons see a record and a
person alike.
"""

from __future__ import annotations

import polars as pl

from vik.resolve.bag import street_key
from vik.resolve.names import brp_name_parts, parse_person_names

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

# Keys both sides derive from their name parts: the first initial, whether there are more
# initials, the first given name; the surname without spaces and its first letter.
GIVEN_KEYS = {
    "initial": pl.col("initials").str.slice(0, 1),
    "initials_long": pl.col("initials").str.len_chars() >= 2,
    "first_given": pl.col("given").str.split(" ").list.first(),
}
SURNAME_KEYS = {
    "surname_nospace": pl.col("surname").str.replace_all(r"[\s'\-]", ""),
    "surname_initial": pl.col("surname").str.slice(0, 1),
}


def with_address_columns(frame: pl.DataFrame) -> pl.DataFrame:
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


def record_names(rest: pl.DataFrame) -> pl.DataFrame:
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


def glued(voorvoegsel: pl.Expr, surname: pl.Expr) -> pl.Expr:
    """The surname glued to its voorvoegsel ('vanderberg'); null when empty."""
    joined = pl.concat_str([voorvoegsel, surname], ignore_nulls=True).str.replace_all(
        r"[\s'\-]", ""
    )
    return pl.when(joined == "").then(None).otherwise(joined)


def name_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Name keys both sides share (GIVEN_KEYS, SURNAME_KEYS) and the surname glued to
    its voorvoegsel."""
    return frame.with_columns(
        *[key.alias(name) for name, key in (GIVEN_KEYS | SURNAME_KEYS).items()],
        glued(pl.col("voorvoegsel"), pl.col("surname")).alias("glued"),
    )


def dob_keys(frame: pl.DataFrame) -> pl.DataFrame:
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


def prepared(records: pl.DataFrame) -> pl.DataFrame:
    """Records to match (with a name) with their name parts and keys; ``geboortedatum``
    becomes ``dob``."""
    records = pl.concat(
        [records.drop(STRUCTURED_NAME, strict=False), record_names(records)], how="horizontal"
    ).rename({"geboortedatum": "dob"})
    return dob_keys(name_keys(records))


def has_name(columns: list[str]) -> pl.Expr:
    """Whether a record (of a frame with `columns`) names a person at all: a free-text
    name or any structured name part."""
    named = pl.col("naam").is_not_null()
    for column in STRUCTURED_NAME:
        if column in columns:
            named = named | pl.col(column).is_not_null()
    return named
