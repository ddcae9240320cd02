"""The person matcher's comparisons, one class each: surname, given names, birth date, address, BSN.

    >>> Surname(similar=0.85).levels_text()
    'gelijk, lijkt sterk, lijkt, anders'

Each lists its levels worst first (``Level`` members with their Dutch label),
the columns it reads, and its thresholds as fields with a Dutch description; the
defaults are what a large demo municipality taught. ``PersonMatchSettings`` holds
one of each (config/resolve.yaml, key ``persons``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import polars as pl
from pydantic import Field

from vik.resolve.persons.comparison import (
    Frequency,
    Identifier,
    Level,
    Role,
    ShareBounds,
    WeighedComparison,
)
from vik.resolve.persons.night import Night, pair_key
from vik.resolve.persons.similarity import has_given, has_surname

_NO_NAME = 2**32 - 1  # a name number no person has


def agreement_share(records: pl.Series, persons: pl.Series) -> float:
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


# --- surname ------------------------------------------------------------------------------


class SurnameLevel(Level):
    DIFFERENT = 0, "anders"
    SIMILAR = 1, "lijkt"
    VERY_SIMILAR = 2, "lijkt sterk"
    EQUAL = 3, "gelijk"


class Surname(WeighedComparison):
    """The surname: equal as written (glued to its voorvoegsel, or as the BRP writes it), or
    by the best Jaro-Winkler similarity over its forms (as written, its last part, glued,
    without spaces); in the swapped reading where that fits (SwappedNames). Null where a
    side has no surname. An equal surname weighs by how rare it is."""

    name = "surname"
    label = "achternaam"
    level = SurnameLevel
    role = Role.NAME
    record_columns = ("surname", "glued")
    person_columns = ("surname", "glued")
    reads_name_scores = True
    agrees_from = SurnameLevel.SIMILAR
    frequency = Frequency("glued", (SurnameLevel.EQUAL,))

    equal: float = Field(0.999, ge=0, le=1, description="Vanaf deze gelijkenis: gelijk.")
    very_similar: float = Field(0.92, ge=0, le=1, description="Vanaf hier: lijkt sterk.")
    similar: float = Field(0.8, ge=0, le=1, description="Vanaf hier: lijkt.")
    m_start: tuple[float, ...] = (0.01, 0.015, 0.06, 0.915)

    def expression(self) -> pl.Expr:
        s_surname = pl.col("s_surname")
        exact = ~pl.col("swapped") & (
            (pl.col("glued") == pl.col("b_glued")) | (pl.col("surname") == pl.col("b_surname"))
        )
        return (
            pl.when(~has_surname())
            .then(None)
            .when(exact | (s_surname >= self.equal))
            .then(int(SurnameLevel.EQUAL))
            .when(s_surname >= self.very_similar)
            .then(int(SurnameLevel.VERY_SIMILAR))
            .when(s_surname >= self.similar)
            .then(int(SurnameLevel.SIMILAR))
            .otherwise(int(SurnameLevel.DIFFERENT))
        )

    def exact_u(self, night: Night, prepared: object) -> Mapping[int, float]:
        persons = night.columns(["glued"])
        return {SurnameLevel.EQUAL: agreement_share(night.records["glued"], persons["glued"])}


# --- given names --------------------------------------------------------------------------


class GivenNamesLevel(Level):
    DIFFERENT = 0, "anders"
    FIRST_INITIAL = 1, "eerste letter"
    INITIALS = 2, "voorletters"
    SIMILAR = 3, "lijkt"
    FIRST_NAME_EQUAL = 4, "roepnaam gelijk"
    EQUAL = 5, "gelijk"


class GivenNames(WeighedComparison):
    """The given names: all equal, the first equal (or alike at `equal`), alike (the first
    by Jaro-Winkler), the initials where the record has no given name (equal, or the
    person's start with the record's), the first initial; read in the surname field where
    the names are swapped. Null where a side has neither given names nor initials. An
    equal first name weighs by how rare it is."""

    name = "given_names"
    label = "voornamen"
    level = GivenNamesLevel
    role = Role.NAME
    record_columns = (
        "given", "initials", "initial", "initials_long", "first_given", "surname_initial",
    )  # fmt: skip
    person_columns = ("given", "initials", "initial", "first_given")
    reads_name_scores = True
    agrees_from = GivenNamesLevel.SIMILAR
    frequency = Frequency("first_given", (GivenNamesLevel.FIRST_NAME_EQUAL, GivenNamesLevel.EQUAL))

    equal: float = Field(
        0.999, ge=0, le=1, description="Vanaf deze gelijkenis van de roepnaam: roepnaam gelijk."
    )
    similar: float = Field(0.9, ge=0, le=1, description="Vanaf hier: lijkt.")
    m_start: tuple[float, ...] = (0.01, 0.01, 0.3, 0.01, 0.28, 0.39)

    def expression(self) -> pl.Expr:
        level = GivenNamesLevel
        initials, b_initials = pl.col("initials"), pl.col("b_initials")
        s_given, swapped = pl.col("s_given"), pl.col("swapped")
        known = has_given()
        return (
            pl.when(
                initials.is_null()
                | b_initials.is_null()
                | (pl.col("given").is_null() & pl.col("first_given").is_null() & initials.is_null())
            )
            .then(None)
            .when(swapped)  # the given name sits in the surname field: compare that
            .then(
                pl.when(s_given >= self.equal)
                .then(int(level.FIRST_NAME_EQUAL))
                .when(s_given >= self.similar)
                .then(int(level.SIMILAR))
                .when(pl.col("surname_initial") == pl.col("b_initial"))
                .then(int(level.FIRST_INITIAL))
                .otherwise(int(level.DIFFERENT))
            )
            .when(known & (pl.col("given") == pl.col("b_given")))
            .then(int(level.EQUAL))
            .when(known & (s_given >= self.equal))
            .then(int(level.FIRST_NAME_EQUAL))
            .when(known & (s_given >= self.similar))
            .then(int(level.SIMILAR))
            .when(
                pl.col("given").is_null()
                & ((initials == b_initials) | (pl.col("initials_long") & pl.col("initials_start")))
            )
            .then(int(level.INITIALS))
            .when(pl.col("initial") == pl.col("b_initial"))
            .then(int(level.FIRST_INITIAL))
            .otherwise(int(level.DIFFERENT))
        )

    def exact_u(self, night: Night, prepared: object) -> Mapping[int, float]:
        records = night.records.filter(pl.col("initials").is_not_null())
        persons = night.columns(["given", "first_given"])
        full = agreement_share(records["given"].fill_null(_NO_NAME), persons["given"])
        first = agreement_share(records["first_given"].fill_null(_NO_NAME), persons["first_given"])
        return {
            GivenNamesLevel.EQUAL: full,
            GivenNamesLevel.FIRST_NAME_EQUAL: max(first - full, 0.0),
        }


# --- birth date ---------------------------------------------------------------------------


class BirthDateLevel(Level):
    DIFFERENT = 0, "anders"
    YEAR_OR_TWO_DIGITS = 1, "jaar of twee cijfers"
    ONE_DIGIT_OR_SWAPPED = 2, "een cijfer, cijfers of dag/maand verwisseld"
    PARTLY_KNOWN = 3, "deels bekend"
    EQUAL = 4, "gelijk"


def birth_date_level(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Birth dates as jjjjmmdd numbers (00 = unknown month or day): gelijk; deels bekend
    (one side partial, BRP 00, and the known parts agree); one digit apart, two
    neighbouring digits swapped, or day and month swapped; the same year or two digits
    apart; anders; null where either is unknown."""
    level = BirthDateLevel
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
        .then(int(level.EQUAL))
        .when(partial & known_equal)
        .then(int(level.PARTLY_KNOWN))
        .when(~partial & (swapped | (differing == 1) | transposed))
        .then(int(level.ONE_DIGIT_OR_SWAPPED))
        .when(same_year | (~partial & (differing == 2)))
        .then(int(level.YEAR_OR_TWO_DIGITS))
        .otherwise(int(level.DIFFERENT))
        .cast(pl.Int8)
    )


class BirthDate(WeighedComparison):
    """The birth date, digit by digit (birth_date_level): a typo is nearer than another
    date. Null where a side does not know it."""

    name = "birth_date"
    label = "geboortedatum"
    level = BirthDateLevel
    role = Role.CORROBORATES
    record_columns = ("dob_num", "dob")
    person_columns = ("dob_num", "dob")
    agrees_from = BirthDateLevel.ONE_DIGIT_OR_SWAPPED
    method_word = "geboortedatum"
    method_from = BirthDateLevel.ONE_DIGIT_OR_SWAPPED

    m_start: tuple[float, ...] = (0.05, 0.03, 0.02, 0.01, 0.89)

    def levels(self, pairs: pl.DataFrame, night: Night, prepared: object) -> pl.Series:
        # Most pairs share the birth date (a block): the digits are compared for the rest.
        dates = pl.concat(
            [
                pairs.select("dob_num"),
                night.columns(["dob_num"], pairs["pid"]).select(pl.all().name.prefix("b_")),
            ],
            how="horizontal",
        ).with_row_index("_pair")
        equal = pl.col("dob_num") == pl.col("b_dob_num")
        level = np.full(pairs.height, -1, dtype=np.int8)
        level[dates.filter(equal)["_pair"].to_numpy()] = BirthDateLevel.EQUAL
        differ = dates.filter(~equal)
        level[differ["_pair"].to_numpy()] = (
            differ.lazy()  # the digits of the dates are taken once (common subexpressions)
            .select(birth_date_level(pl.col("dob_num"), pl.col("b_dob_num")).fill_null(-1))
            .collect()
            .to_series()
            .to_numpy()
        )
        return (
            pl.DataFrame({"level": level})
            .select(pl.when(pl.col("level") >= 0).then(pl.col("level")))
            .to_series()
        )

    def exact_u(self, night: Night, prepared: object) -> Mapping[int, float]:
        persons = night.columns(["dob"])
        return {BirthDateLevel.EQUAL: agreement_share(night.records["dob"], persons["dob"])}


# --- address ------------------------------------------------------------------------------


class AddressLevel(Level):
    DIFFERENT = 0, "anders"
    STREET_OR_POSTCODE = 1, "straat of postcode"
    NUMBER = 2, "straat of postcode, en huisnummer"
    EQUAL = 3, "gelijk"


@dataclass(frozen=True)
class AddressAgreement:
    """Per person, the addresses they ever had, five ways: BAG id, postcode and number,
    street and number, postcode, street; each (person, address) pair as one integer
    (pair_key, the person in the high bits).
    Built once a night, looked up by every batch of pairs."""

    known: Mapping[str, pl.Series]

    WAYS: ClassVar[tuple[str, ...]] = (
        "nummeraanduiding_id",
        "number",
        "street",
        "postcode",
        "straat",
    )

    @classmethod
    def of(cls, addresses: pl.DataFrame) -> AddressAgreement:
        return cls(
            {
                way: addresses.select(pair_key(pl.col("pid"), pl.col(way)))
                .to_series()
                .drop_nulls()
                .unique()
                for way in cls.WAYS
            }
        )

    def agrees(self, pairs: pl.DataFrame, way: str) -> pl.Series:
        """Per pair whether its person ever had the record's address (columns pid and
        `way`): a semi join, which hashes the smaller side."""
        keys = pairs.select(pair_key(pl.col("pid"), pl.col(way)).alias("key"))
        found = keys.with_row_index("pair").join(
            self.known[way].to_frame("key"), on="key", how="semi"
        )
        agrees = np.zeros(pairs.height, dtype=bool)
        agrees[found["pair"].to_numpy()] = True
        return pl.Series(way, agrees)

    def persons_per_value(self, way: str) -> np.ndarray:
        """How many persons ever had each value, by value number."""
        return np.bincount((self.known[way] % (1 << 32)).to_numpy())


class Address(WeighedComparison):
    """The address against every address the person ever had: the same BAG address; the
    same house number with the postcode or the street (the BAG street the address resolver
    recognised in what was typed, also where the address itself stayed open); another
    house in the postcode or on the street; anders. Null where the record has no address.

    A different address is no evidence against a person unless `disagreement_counts`: a
    permit's or a report's address is a location, not where the person lives."""

    name = "address"
    label = "adres"
    level = AddressLevel
    role = Role.CORROBORATES
    record_columns = ("has_address", *AddressAgreement.WAYS)
    agrees_from = AddressLevel.STREET_OR_POSTCODE
    method_word = "adres"
    method_from = AddressLevel.NUMBER

    disagreement_counts: bool = Field(
        False,
        description="Telt een ander adres als bewijs tegen? Alleen zinvol als het adres van de "
        "bron het woonadres is.",
    )
    m_start: tuple[float, ...] = (0.3, 0.01, 0.02, 0.67)

    def prepare(self, night: Night) -> AddressAgreement:
        return AddressAgreement.of(night.addresses)

    def levels(self, pairs: pl.DataFrame, night: Night, prepared: object) -> pl.Series:
        assert isinstance(prepared, AddressAgreement)
        same, number, street, postcode, straat = (
            prepared.agrees(pairs, way) for way in AddressAgreement.WAYS
        )
        return pairs.select(
            pl.when(pl.lit(same))
            .then(int(AddressLevel.EQUAL))
            .when(pl.lit(number) | pl.lit(street))
            .then(int(AddressLevel.NUMBER))
            .when(pl.lit(postcode) | pl.lit(straat))  # another house on the street
            .then(int(AddressLevel.STREET_OR_POSTCODE))
            .when(pl.col("has_address"))
            .then(int(AddressLevel.DIFFERENT))
            .otherwise(None)
            .cast(pl.Int8)
        ).to_series()

    def exact_u(self, night: Night, prepared: object) -> Mapping[int, float]:
        assert isinstance(prepared, AddressAgreement)
        with_address = night.records.filter(pl.col("has_address"))
        n_persons = max(night.persons.height, 1)

        def person_share(way: str) -> float:
            """P(a random record's address value is one a random person ever had),
            counting each person once per value, however often they lived there."""
            if with_address.height == 0:
                return 0.0
            counts = with_address[way].drop_nulls().value_counts(name="n")
            shared = _shared(counts, prepared.persons_per_value(way))
            return shared / with_address.height / n_persons

        same_address = person_share("nummeraanduiding_id")
        same_number = max(person_share("number"), person_share("street"))
        same_number = max(same_number - same_address, 0.0)
        # Same postcode or same street (another house): counted as if the two never
        # overlapped, so that u errs on the high side and the evidence on the low.
        same_area = person_share("postcode") + person_share("straat")
        same_postcode = max(same_area - same_number - same_address, 0.0)
        return {
            AddressLevel.EQUAL: same_address,
            AddressLevel.NUMBER: same_number,
            AddressLevel.STREET_OR_POSTCODE: same_postcode,
        }

    def neutral(self) -> frozenset[int]:
        return frozenset() if self.disagreement_counts else frozenset({AddressLevel.DIFFERENT})


# --- BSN ----------------------------------------------------------------------------------


class BsnLevel(Level):
    UNKNOWN = 0, "niet in de BRP"
    EQUAL = 1, "gelijk"


class Bsn(Identifier):
    """The BSN pseudonym. One the BRP knows decides (method ``bsn``). One it does not know
    is someone living elsewhere (``bsn_buiten_brp``, that BSN's own id) unless name,
    birth date and address make a resident certain: then it was mistyped, and the record
    is that resident (``bsn_onbekend_`` and the model's method). Records with an unknown
    BSN have a share of residents of their own (`mistyped_share`), which leans on its
    lowest bound: a namesake is no reason to doubt a BSN; the night's data can be."""

    name = "bsn"
    label = "BSN"
    level = BsnLevel
    record_columns = ("bsn_pseudoniem",)
    person_columns = ("bsn_pseudoniem",)
    method_word = "bsn"
    method_elsewhere = "bsn_buiten_brp"
    method_mistyped = "bsn_onbekend_"

    mistyped_share: ShareBounds = Field(
        default_factory=lambda: ShareBounds(lowest=0.001, highest=0.99),
        description="Grenzen van het geleerde aandeel records met een BSN dat de BRP niet "
        "kent dat toch over een inwoner gaat (een tikfout).",
    )

    def record_level(self, known: pl.Series) -> pl.Expr:
        """A record's level: gelijk where the BRP knows its BSN (`known`: the BRP's
        pseudonyms), niet in de BRP where it does not, null without a BSN."""
        column = pl.col(self.record_columns[0])
        return (
            pl.when(column.is_null())
            .then(None)
            .when(column.is_in(known.implode()))
            .then(int(BsnLevel.EQUAL))
            .otherwise(int(BsnLevel.UNKNOWN))
            .cast(pl.Int8)
        )
