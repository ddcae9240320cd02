"""The night's two sides as numbers: the BRP's persons and the records to match.

    >>> night = build_night(brp, prepared_records, comparisons, u_sample=30_000)  # doctest: +SKIP
    >>> night.columns(["surname", "dob"]).height == night.persons.height
    True

Numbers last one night. Persons are numbered 0, 1, ... in the order of their
persoon_id (a hexadecimal pseudonym's first 20 digits read as a 128-bit
integer), found with their latest address period in one sort of the BRP; a person
is then three numbers into tables of distinct given names, surnames and birth
dates. Every name, birth date and address value is numbered once, so that blocks,
comparisons and the model join, group and sort integers. A name is text again only
where it is compared (``Night.names``), a persoon_id only in the links that come out.

Columns a comparison reads that are not numbered here are carried as they are: a
record's from the records, a person's from their latest BRP row.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from vik.resolve.bag import street_key
from vik.resolve.names import brp_given_names, brp_surnames, brp_voorvoegsels
from vik.resolve.persons.comparison import WeighedComparison
from vik.resolve.persons.records import GIVEN_KEYS, STRUCTURED_NAME, SURNAME_KEYS, dob_keys, glued

# Up to this many distinct values, a value is numbered by an Enum cast (quicker than a
# join, and without a joined copy of a million strings); beyond it a join is quicker. Both
# give the same numbers: a matter of speed only.
ENUM_LOOKUP = 30_000

# Name columns both sides carry as numbers (one numbering for all of them: a name is the
# same number in every column), birth-date columns, and the address columns of a record.
NAMES = (
    "given", "initials", "initial", "first_given", "surname", "surname_last",
    "surname_nospace", "surname_initial", "glued", "phonetic",
)  # fmt: skip
DATES = ("dob", "dob_full", "dob_year", "dob_num")
ADDRESSES = ("nummeraanduiding_id", "postcode", "straat", "number", "street")
# Addresses compared as a pair of columns: postcode and number, street and number.
NUMBERED = {"number": "postcode", "street": "straat"}
# What the night numbers of a record itself; other columns a comparison reads are carried.
RECORD_NUMBERED = ("rec", *NAMES, *DATES, "initials_long", "has_address", *ADDRESSES)


def person_id(pseudonym: pl.Expr) -> pl.Expr:
    """A BRP person's entity id: ``P`` + the first 20 hex characters of the BSN pseudonym
    (a keyed HMAC), stable from night to night."""
    return pl.lit("P") + pseudonym.str.slice(0, 20)


def pair_key(high: pl.Expr, low: pl.Expr) -> pl.Expr:
    """Two numbers below 2**32 as one integer, `high` in the high 32 bits: a pair is then
    one value to make unique, sort or look up."""
    return high.cast(pl.UInt64) * (1 << 32) + low.cast(pl.UInt64)


# --- numbering ----------------------------------------------------------------------------


def lookup(values: pl.Series, distinct: pl.Series) -> pl.Series:
    """The number of each value in `distinct` (its position; UInt32), null where a value
    is null or not among them."""
    if distinct.len() <= ENUM_LOOKUP:
        numbers = values.cast(pl.String).cast(pl.Enum(distinct), strict=False).to_physical()
        return numbers.cast(pl.UInt32).rename(values.name)
    numbered = distinct.rename("value").to_frame().with_row_index("code")
    joined = (
        values.rename("value")
        .to_frame()
        .join(numbered, on="value", how="left", maintain_order="left")
    )
    return joined["code"].rename(values.name)


def codes(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each value as a number (UInt32; null stays null) and the distinct values, value i
    numbered i. Sorted: numbers order as the values do, and the numbering does not depend
    on the order of the rows."""
    distinct = values.drop_nulls().unique().sort()
    return lookup(values, distinct), distinct


def shared_codes(columns: list[pl.Series]) -> tuple[list[pl.Series], pl.Series]:
    """Several columns numbered as one: a value has the same number in each of them."""
    numbers, distinct = codes(pl.concat([c.rename("value") for c in columns]))
    parts, start = [], 0
    for column in columns:
        parts.append(numbers.slice(start, column.len()).rename(column.name))
        start += column.len()
    return parts, distinct


def _all_digits(texts: pl.Series, length: int, digits: str) -> bool:
    """Whether every text (nulls aside) is `length` characters out of `digits` (a regex
    character range such as 0-9a-f)."""
    lengths = texts.str.len_bytes()
    if lengths.null_count() == lengths.len():
        return True
    if lengths.min() != length or lengths.max() != length:
        return False
    return not texts.str.contains(f"[^{digits}]").any()


def person_rows(brp: pl.DataFrame) -> tuple[pl.Series, pl.Series]:
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
        start, _ = codes(start.fill_null("") if start.null_count() else start)
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
    numbers = pl.Series(persons)
    if key.null_count():
        numbers = numbers.set(key.is_null(), None)
    return numbers, pl.Series(named)


# --- the night ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PersonNumbers:
    """From person numbers to persoon_ids and back."""

    pseudonyms: pl.Series  # the BRP's column
    rows: pl.Series  # per person, the BRP row their name comes from
    row_persons: pl.Series  # per BRP row, the person number

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


@dataclass(frozen=True, kw_only=True)
class Night:
    """The night's two sides as numbers.

    ``records``: rec, the NAMES and DATES numbers, initials_long, has_address and the
    ADDRESSES numbers (RECORD_NUMBERED), and the other columns comparisons read; one
    row per record to match, in rec order.
    ``persons``: per person (row i is person i) the row of their given names in
    ``given_names``, of their voorvoegsel and geslachtsnaam in ``surnames`` and of their
    birth date in ``dates``, which hold the name and date columns once per distinct
    value (``columns`` gathers them); per comparison with a Frequency ``tf_<name>``, the
    share of persons with the person's value; and the other columns comparisons read.
    ``addresses``: pid and the ADDRESSES numbers of every BRP row with an address.
    ``names``: the text of each name number.
    """

    records: pl.DataFrame
    persons: pl.DataFrame
    given_names: pl.DataFrame
    surnames: pl.DataFrame
    dates: pl.DataFrame
    addresses: pl.DataFrame
    names: pl.Series
    numbers: PersonNumbers

    def columns(self, columns: Sequence[str], persons: pl.Series | None = None) -> pl.DataFrame:
        """Name, date and carried columns of every person (row i is person i), or of
        `persons`."""
        rows = self.persons if persons is None else self.persons[persons]
        return _gathered(rows, (self.given_names, self.surnames, self.dates), columns)

    def has_person_column(self, column: str) -> bool:
        return any(
            column in table.columns
            for table in (self.persons, self.given_names, self.surnames, self.dates)
        )


# Per person, the column of `persons` that is their row in each value table.
_TABLE_KEYS = ("given_names", "surnames", "dates")


def _gathered(
    rows: pl.DataFrame, tables: Sequence[pl.DataFrame], columns: Sequence[str]
) -> pl.DataFrame:
    """`columns` of persons (`rows` of Night.persons): from the value tables, or carried."""
    gathered = {
        column: table[column].gather(rows[key])
        for key, table in zip(_TABLE_KEYS, tables, strict=True)
        for column in columns
        if column in table.columns
    }
    return pl.DataFrame(
        [gathered[column] if column in gathered else rows[column] for column in columns]
    )


def build_night(
    brp: pl.DataFrame,
    rest: pl.DataFrame,
    comparisons: Sequence[WeighedComparison],
    *,
    u_sample: int,
) -> Night:
    """Number the BRP and the records to match (``rest``: prepared, with address columns),
    with what `comparisons` read."""
    row_persons, latest = person_rows(brp)
    # Persons stand in for records when a night has too few records (random pairs):
    # then the BRP's addresses are numbered as a record's are.
    persons = 0
    if row_persons.null_count() < brp.height:
        persons = int(row_persons.max()) + 1  # type: ignore[arg-type]
    as_records: bool = rest.height * persons < u_sample
    # The addresses are numbered on a second thread while the names are: both mostly
    # wait on polars, which runs without the GIL, and one string column at a time keeps
    # only one core busy.
    with ThreadPoolExecutor(max_workers=1) as second:
        numbered = second.submit(_addresses, rest, brp, row_persons, as_records)
        names = _NamesAndDates.of(brp, rest, row_persons, latest)
        record_addresses, addresses = numbered.result()
    tables = (names.given_names, names.surnames, names.dates)
    carried = _carried(comparisons, {column for table in tables for column in table.columns})
    persons_table = names.persons
    if carried.person:
        missing = [c for c in carried.person if c not in brp.columns]
        if missing:
            raise ValueError(f"vergelijking leest {', '.join(missing)}, maar de BRP heeft die niet")
        persons_table = persons_table.with_columns(
            brp[c].filter(latest).gather(names.order) for c in carried.person
        )
    # Per comparison with a Frequency, the share of persons with the person's value.
    frequencies = {c.name: c.frequency.column for c in comparisons if c.frequency}
    if frequencies:
        values = _gathered(persons_table, tables, list(dict.fromkeys(frequencies.values())))
        persons_table = pl.concat(
            [
                persons_table,
                values.select(
                    (pl.len().over(column) / pl.len()).alias(f"tf_{name}")
                    for name, column in frequencies.items()
                ),
            ],
            how="horizontal",
        )
    return Night(
        records=pl.concat(
            [names.records, pl.DataFrame(record_addresses), rest.select(carried.record)],
            how="horizontal",
        ),
        persons=persons_table,
        given_names=names.given_names,
        surnames=names.surnames,
        dates=names.dates,
        addresses=addresses,
        names=names.names,
        numbers=PersonNumbers(
            pseudonyms=brp["bsn_pseudoniem"], rows=names.rows, row_persons=row_persons
        ),
    )


@dataclass(frozen=True)
class _Carried:
    record: list[str]
    person: list[str]


def _carried(comparisons: Sequence[WeighedComparison], person_numbered: set[str]) -> _Carried:
    """Columns comparisons read that the night does not number: carried as they are."""
    record = [
        column for c in comparisons for column in c.record_columns if column not in RECORD_NUMBERED
    ]
    person = [
        column for c in comparisons for column in c.person_columns if column not in person_numbered
    ]
    return _Carried(list(dict.fromkeys(record)), list(dict.fromkeys(person)))


@dataclass(frozen=True, kw_only=True)
class _NamesAndDates:
    """The night's names and dates as numbers."""

    records: pl.DataFrame  # rec, NAMES and DATES numbers, initials_long
    persons: pl.DataFrame  # given_names, surnames, dates: rows in the tables below
    given_names: pl.DataFrame
    surnames: pl.DataFrame
    dates: pl.DataFrame
    names: pl.Series
    rows: pl.Series  # per person, the BRP row their name comes from
    order: pl.Series  # the latest rows in person order

    @classmethod
    def of(
        cls, brp: pl.DataFrame, rest: pl.DataFrame, row_persons: pl.Series, latest: pl.Series
    ) -> _NamesAndDates:
        # Names once per distinct value: a million BRP rows have some hundred thousand
        # first-name strings and far fewer surnames. Numbered in the BRP's row order, then
        # put in person order (position i is person i).
        v, voornamen = codes(brp["voornamen"].cast(pl.String).filter(latest))
        p, voorvoegsels = codes(brp["voorvoegsel"].cast(pl.String).filter(latest))
        g, geslachtsnamen = codes(brp["geslachtsnaam"].cast(pl.String).filter(latest))
        d, dobs = codes(brp["geboortedatum"].cast(pl.String).filter(latest))
        order = row_persons.filter(latest).arg_sort()
        v, p, g, d = (column.gather(order) for column in (v, p, g, d))
        # Per person the BRP row their name comes from, for their persoon_id.
        rows = pl.Series(np.flatnonzero(latest.to_numpy()), dtype=pl.UInt32).gather(order)

        given_names = brp_given_names(voornamen).with_columns(
            key.alias(name) for name, key in GIVEN_KEYS.items()
        )
        # A surname is a voorvoegsel with a geslachtsnaam: its parts come from the latter,
        # the glued surname from both.
        surname_of = pl.DataFrame({"p": p, "g": g})
        surnames = surname_of.unique().sort("p", "g").with_row_index("surname")
        surname_of = surname_of.join(
            surnames, on=["p", "g"], how="left", nulls_equal=True, maintain_order="left"
        )
        parts = brp_surnames(geslachtsnamen).with_columns(
            key.alias(name) for name, key in SURNAME_KEYS.items()
        )
        surnames = pl.concat(
            [
                pl.DataFrame([parts[c].gather(surnames["g"]) for c in NAMES if c in parts.columns]),
                surnames.select(
                    glued(
                        pl.lit(brp_voorvoegsels(voorvoegsels)).gather(pl.col("p")),
                        pl.lit(parts["surname"]).gather(pl.col("g")),
                    ).alias("glued")
                ),
            ],
            how="horizontal",
        )
        given_columns = [c for c in NAMES if c in given_names.columns]
        numbered, names = shared_codes(
            [
                *[given_names[c] for c in given_columns],
                *[surnames[c] for c in surnames.columns],
                *[rest[c] for c in NAMES],
                pl.Series([""]),  # a missing name, as Jaro-Winkler sees it
            ]
        )
        given_names = given_names.select(*numbered[: len(given_columns)], "initials_long")
        numbered = numbered[len(given_columns) :]
        surnames = pl.DataFrame(numbered[: surnames.width])
        record_names = numbered[surnames.width : surnames.width + len(NAMES)]

        # Birth dates numbered once, their keys (dob_keys) made once per distinct date.
        (dobs, record_dates), distinct_dates = shared_codes([dobs.rename("dob"), rest["dob"]])
        dates = dob_keys(pl.DataFrame({"dob": distinct_dates})).with_row_index("code")
        dates = dates.select(
            pl.when(pl.col("dob").is_not_null()).then(pl.col("code")).alias("dob"),
            pl.when(pl.col("dob_full").is_not_null()).then(pl.col("code")).alias("dob_full"),
            codes(dates["dob_year"])[0].alias("dob_year"),
            "dob_num",
        )
        persons = pl.DataFrame(
            {"given_names": v, "surnames": surname_of["surname"], "dates": dobs.gather(d)}
        )
        records = pl.DataFrame(
            [
                rest["rec"],
                *record_names,
                *[dates[c].gather(record_dates) for c in DATES],
                rest["initials_long"],
            ]
        )
        return cls(
            records=records,
            persons=persons,
            given_names=given_names,
            surnames=surnames,
            dates=dates,
            names=names,
            rows=rows,
            order=order,
        )


def has_address() -> pl.Expr:
    """Whether a record has an address at all (values or their numbers)."""
    return (
        pl.col("nummeraanduiding_id").is_not_null()
        | pl.col("postcode").is_not_null()
        | pl.col("straat").is_not_null()
    ).alias("has_address")


def _addresses(
    rest: pl.DataFrame, brp: pl.DataFrame, row_persons: pl.Series, include_brp: bool
) -> tuple[list[pl.Series], pl.DataFrame]:
    """The records' addresses (has_address and the ADDRESSES numbers, record for record)
    and the persons' (pid and the numbers, one row per BRP row that has any).

    The numbering is the records' values: a BRP address that no record has can agree
    with no record, and a million BRP rows are only looked up, never numbered. With
    `include_brp` the BRP's own values are numbered too."""

    def brp_column(name: str, dtype: type[pl.DataType]) -> pl.Series:
        if name in brp.columns:
            return brp[name].cast(dtype)
        return pl.repeat(None, brp.height, dtype=dtype, eager=True)

    records = rest.select("nummeraanduiding_id", "postcode", "straat", "huisnummer", has_address())
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
        written, streets = codes(brp["straatnaam"].cast(pl.String))
        columns["straat"] = pl.select(street_key(pl.lit(streets))).to_series()
    for column in ("nummeraanduiding_id", "postcode", "straat"):
        values = [records[column], *([columns[column]] if include_brp else [])]
        distinct = pl.concat(values).drop_nulls().unique().sort()
        records = records.with_columns(lookup(records[column], distinct))
        columns[column] = lookup(columns[column], distinct).rename(column)
    if written is not None:
        columns["straat"] = columns["straat"].gather(written)
    register = pl.DataFrame(columns)
    for name, first in NUMBERED.items():
        pair = [first, "huisnummer"]
        sides = [records.select(pair), *([register.select(pair)] if include_brp else [])]
        numbers = pl.concat(sides).drop_nulls().unique().sort(pair).with_row_index(name)
        records = records.join(numbers, on=pair, how="left", maintain_order="left")
        register = register.join(numbers, on=pair, how="left", maintain_order="left")
    # Not made unique: whoever reads them (blocks, agreement) takes each value once.
    addresses = register.select("pid", *ADDRESSES).filter(
        pl.col("pid").is_not_null() & pl.any_horizontal(pl.col(ADDRESSES).is_not_null())
    )
    return [records[c] for c in ("has_address", *ADDRESSES)], addresses
