"""Parsing Dutch addresses as clerks and citizens write them, vectorised.

    >>> parse_address("1e Jan van der Heijdenstraat 77-2, 1072 TT Amsterdam")
    ParsedAddress(straatnaam='1e Jan van der Heijdenstraat', huisnummer=77, huisletter=None,
                  huisnummertoevoeging='2', postcode='1072TT', woonplaats='Amsterdam', ...)

Forms that parse: ``12a``, ``12-A``, ``12 A``, ``12-1``, ``12/1``, ``12 II``,
``12-III``, ``12 hs``, ``12-H``, ``12bis``, ``12a-1``; a huisnummertoevoeging of up
to four letters or digits after a dash or slash (``14-3b``, ``7-AB12``, ``1-1hg``),
in brackets (``88 (1)``, ``88(A)``) or, when it mixes letters and digits, after a
space (``14 3b``); ``Kerkstr. 12``, ``KERKSTRAAT 12``;
postcode ``3811AB``, ``3811 ab`` or none, before or after the street; street
names with numbers (``Plein 1945 1``, ``18 Septemberplein 12``, ``Rijksweg A20 50 A``);
``t/o`` (tegenover); with or without commas and a woonplaats.

Some texts have two readings (``Plein 1945 1``: Plein 1945 number 1, or Plein
number 1945 addition 1; ``Kerkstraat 14 3b``: Kerkstraat 14 addition 3b, or a street
"Kerkstraat 14" number 3 letter b). ``parse_addresses`` returns both as
``alternative`` columns and the BAG resolver keeps the reading that exists; when
both exist it resolves neither: the parser never picks one alone. A huisletter or
addition (``12-A``) is reported as one ``suffix``; which of the two it is, only the
BAG can tell. A word of letters only after a space is not read as an addition
(``Kerkstraat 12 Ede`` is in Ede), except the known ones (``hs``, ``bis``, ``II``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

_POSTCODE = r"(?i)(?:^|[\s,])([1-9][0-9]{3})\s?([a-z]{2})(?:$|[\s,])"
# One part of the tail after a house number: a letter, an addition, a roman floor.
_PART = r"(?:bis|hs|huis|bgg|bg|bov|boven|ben|beneden|rd|zw|[ivx]{1,4}|[a-z]|[0-9]{1,4})"
# Any huisnummertoevoeging the BAG allows (up to four letters or digits): only where
# a separator or brackets say it is one (14-3b, 7-AB12, 88 (1)).
_CODE = r"[a-z0-9]{1,4}"
# Letters and digits mixed (3b, AB12, 1hg), up to four: no woonplaats looks like that,
# so it may follow a space. Spelled out because the regex engine has no look-ahead.
_MIXED = (
    r"(?:[0-9][a-z][a-z0-9]{0,2}|[0-9]{2}[a-z][a-z0-9]?|[0-9]{3}[a-z]"
    r"|[a-z][0-9][a-z0-9]{0,2}|[a-z]{2}[0-9][a-z0-9]?|[a-z]{3}[0-9])"
)
_BRACKETS = rf"\s*\(\s*{_CODE}\s*\)"
_FIRST = rf"(?:\s*[-/]\s*(?:{_PART}|{_CODE})\.?|{_BRACKETS}|\s*(?:{_MIXED}|{_PART})\.?)"
# At most two parts; a second part is separated (12-A-1, 12 A 1), bracketed or digits
# (12a1), never a glued letter: "12 te Amersfoort" must not read as letter T, letter E.
_SECOND = (
    rf"(?:[0-9]{{1,4}}|\s*[-/]\s*(?:{_PART}|{_CODE})\.?|\s+(?:{_MIXED}|{_PART})\.?|{_BRACKETS})"
)
_TAIL = rf"(?:{_FIRST}{_SECOND}?)?"
# A woonplaats needs a separator before it (a comma, a space, "te", "in"); the regex
# engine has no look-ahead, so this is what stops "12 Lindewaard" reading as 12-L.
_PLACE = r"(?:(?:\s*,\s*|\s+(?:te\s+|in\s+)?)([a-z'][a-z' \-./()]+))?"
# Greedy street: the house number is the last number that fits; lazy: the first.
_GREEDY = rf"(?i)^(.*[a-z'.)].*)\s+([0-9]{{1,5}})({_TAIL}){_PLACE}\s*,?\s*$"
_LAZY = rf"(?i)^(.*?[a-z'.)].*?)\s+([0-9]{{1,5}})({_TAIL}){_PLACE}\s*,?\s*$"
_TEGENOVER = r"(?i)^\s*(?:t/o|t\.o\.|tegenover)\s+"

PARSED_SCHEMA = pl.Schema(
    {
        "straatnaam": pl.String,
        "huisnummer": pl.Int64,
        "suffix": pl.String,
        "postcode": pl.String,
        "woonplaats": pl.String,
        "alternative_straatnaam": pl.String,
        "alternative_huisnummer": pl.Int64,
        "alternative_suffix": pl.String,
        "tegenover": pl.Boolean,
        "reason": pl.String,
    }
)


# The parts of a parsed address with the Dutch label `vik address parse` shows.
PARTS = {
    "straatnaam": "straatnaam",
    "huisnummer": "huisnummer",
    "huisletter": "huisletter",
    "huisnummertoevoeging": "huisnummertoevoeging",
    "postcode": "postcode",
    "woonplaats": "woonplaats",
    "tegenover": "tegenover (t/o)",
    "alternative": "andere lezing",
    "reason": "niet te ontleden",
}


@dataclass(frozen=True)
class ParsedAddress:
    """One parsed address; ``huisletter``/``huisnummertoevoeging`` as read from the text."""

    straatnaam: str | None
    huisnummer: int | None
    huisletter: str | None
    huisnummertoevoeging: str | None
    postcode: str | None
    woonplaats: str | None
    tegenover: bool
    alternative: str | None
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise_suffix(suffix: pl.Expr) -> pl.Expr:
    """Letter plus addition as one comparable key: '-a 1' → 'A1', 'II' → '2', 'hs'/'huis' → 'H'."""
    key = suffix.str.to_uppercase().str.replace_all(r"[\s\-/.()]", "")
    for roman, digit in (("IV", "4"), ("III", "3"), ("II", "2")):
        key = key.str.replace(rf"{roman}$", digit)
    key = key.str.replace(r"^(.*?)I$", "${1}1")
    key = key.str.replace(r"(HUIS|HS)$", "H").str.replace(r"(BOVEN|BOV)$", "BOV")
    return key.fill_null("")


def _clean(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s+", " ").str.strip_chars(" ,")


def parse_addresses(texts: pl.Series) -> pl.DataFrame:
    """Parse free-text addresses; one row per input, unparseable ones with a Dutch reason."""
    frame = pl.DataFrame({"raw": texts.cast(pl.String)})
    text = _clean(pl.col("raw"))
    frame = frame.with_columns(
        text.str.contains(_TEGENOVER).fill_null(False).alias("tegenover"),
        text.str.replace(_TEGENOVER, "").alias("t"),
    )
    postcode = pl.col("t").str.extract_groups(_POSTCODE)
    frame = frame.with_columns(
        pl.concat_str(
            [postcode.struct.field("1"), postcode.struct.field("2").str.to_uppercase()]
        ).alias("postcode"),
    )
    # Text after a postcode is the woonplaats; the postcode itself is cut out.
    frame = frame.with_columns(
        pl.when(pl.col("postcode").is_not_null())
        .then(pl.col("t").str.replace(_POSTCODE, " | "))
        .otherwise(pl.col("t"))
        .alias("t")
    )
    parts = pl.col("t").str.split(" | ")
    frame = frame.with_columns(
        parts.list.first().alias("before"),
        parts.list.slice(1).list.join(" ").str.strip_chars(" ,").alias("after"),
    )
    # "3811AB Kerkstraat 12": nothing before the postcode, the street after it.
    street_part = (
        pl.when(pl.col("before").str.strip_chars(" ,") == "")
        .then(pl.col("after"))
        .otherwise(pl.col("before"))
    )
    place_after_postcode = (
        pl.when(pl.col("before").str.strip_chars(" ,") == "").then(None).otherwise(pl.col("after"))
    )
    frame = frame.with_columns(
        _clean(street_part).alias("s"),
        pl.when(_clean(place_after_postcode) != "")
        .then(_clean(place_after_postcode))
        .alias("place_pc"),
    )
    # A comma separates the street part from a woonplaats.
    frame = frame.with_columns(
        pl.col("s").str.split(",").list.first().str.strip_chars().alias("s"),
        pl.col("s")
        .str.split(",")
        .list.slice(1)
        .list.join(" ")
        .str.strip_chars()
        .alias("place_comma"),
    )
    greedy = pl.col("s").str.extract_groups(_GREEDY)
    lazy = pl.col("s").str.extract_groups(_LAZY)
    frame = frame.with_columns(greedy.alias("g"), lazy.alias("l"))
    # A street cannot end in a separator: "Kerkstraat 17 - 2" is number 17, addition 2,
    # never a street "Kerkstraat 17 -" with number 2.
    broken = pl.col("g").struct.field("1").str.contains(r"[\-/]\s*$").fill_null(False)
    frame = frame.with_columns(pl.when(broken).then(pl.col("l")).otherwise(pl.col("g")).alias("g"))
    g, lz = pl.col("g"), pl.col("l")
    place = pl.coalesce(
        pl.col("place_pc"),
        pl.when(pl.col("place_comma") != "").then(pl.col("place_comma")),
        g.struct.field("4"),
    )
    different = (lz.struct.field("1") != g.struct.field("1")).fill_null(False)
    frame = frame.with_columns(
        _clean(g.struct.field("1")).alias("straatnaam"),
        g.struct.field("2").cast(pl.Int64, strict=False).alias("huisnummer"),
        _clean(g.struct.field("3").str.replace_all(r"^[\s\-/]+", "")).alias("suffix"),
        _clean(place).str.replace(r"(?i)^gemeente\s+", "").alias("woonplaats"),
        pl.when(different).then(_clean(lz.struct.field("1"))).alias("alternative_straatnaam"),
        pl.when(different)
        .then(lz.struct.field("2").cast(pl.Int64, strict=False))
        .alias("alternative_huisnummer"),
        pl.when(different)
        .then(_clean(lz.struct.field("3").str.replace_all(r"^[\s\-/]+", "")))
        .alias("alternative_suffix"),
    )
    frame = frame.with_columns(
        pl.when(pl.col("suffix") == "").then(None).otherwise(pl.col("suffix")).alias("suffix"),
        pl.when(pl.col("woonplaats") == "")
        .then(None)
        .otherwise(pl.col("woonplaats"))
        .alias("woonplaats"),
    )
    reason = (
        pl.when(pl.col("raw").is_null() | (text == ""))
        .then(pl.lit("geen adres opgegeven"))
        .when(pl.col("huisnummer").is_null() & pl.col("s").str.contains(r"[0-9]"))
        .then(pl.concat_str([pl.lit("adres niet te ontleden: '"), pl.col("raw"), pl.lit("'")]))
        .when(pl.col("huisnummer").is_null())
        .then(pl.concat_str([pl.lit("geen huisnummer in '"), pl.col("raw"), pl.lit("'")]))
    )
    return (
        frame.with_columns(reason.alias("reason")).select(list(PARSED_SCHEMA)).cast(PARSED_SCHEMA)
    )


def split_suffix(suffix: str | None) -> tuple[str | None, str | None]:
    """'a-1' → ('A', '1'); 'A' → ('A', None); 'II' → (None, 'II'); as read, before BAG decides."""
    if not suffix:
        return None, None
    for separator in "/-()":
        suffix = suffix.replace(separator, " ")
    parts = [p for p in suffix.split(" ") if p]
    if len(parts) == 1 and len(parts[0]) >= 2 and parts[0][0].isalpha() and parts[0][1:].isdigit():
        parts = [parts[0][0], parts[0][1:]]
    if parts and len(parts[0]) == 1 and parts[0].isalpha():
        return parts[0].upper(), " ".join(parts[1:]) or None
    return None, " ".join(parts)


def parse_address(text: str) -> ParsedAddress:
    """One address, through the same vectorised parser."""
    row = parse_addresses(pl.Series([text])).row(0, named=True)
    letter, addition = split_suffix(row["suffix"])
    alternative = None
    if row["alternative_straatnaam"]:
        alternative = (
            f"straat '{row['alternative_straatnaam']}', huisnummer {row['alternative_huisnummer']}"
            + (
                f", huisletter/toevoeging '{row['alternative_suffix']}'"
                if row["alternative_suffix"]
                else ""
            )
        )
    return ParsedAddress(
        straatnaam=row["straatnaam"],
        huisnummer=row["huisnummer"],
        huisletter=letter,
        huisnummertoevoeging=addition,
        postcode=row["postcode"],
        woonplaats=row["woonplaats"],
        tegenover=bool(row["tegenover"]),
        alternative=alternative,
        reason=row["reason"],
    )
