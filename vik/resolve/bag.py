"""BAG addresses: each record's address tied to exactly one nummeraanduiding, or left open with why.

    >>> index = build_index(bag)                       # the ingested BAG extract
    >>> resolved = resolve_addresses(records, index)   # doctest: +SKIP
    >>> resolved.columns
    ['key', 'nummeraanduiding_id', 'confidence', 'method', 'reason', 'straat']

``records`` has a ``key`` per record and the address as the extract gave it:
``straatnaam``, ``huisnummer``, ``huisletter``, ``huisnummertoevoeging``,
``postcode``, ``woonplaats``, a free-text ``adres``, and ``nummeraanduiding_id``
where the source carries it (BRP). In order:

1. A ``nummeraanduiding_id`` that the BAG knows decides (method ``nummeraanduiding_id``).
2. Otherwise the address is read: the parts as given, or the free text parsed
   (``vik.resolve.addresses``), both readings of a text such as ``Plein 1945 1``.
3. Candidates come from two routes, all in polars joins: postcode plus house
   number (the exact key), and street plus house number within the
   municipality, the street matched on a normalised key (case, diacritics,
   abbreviations such as ``Kerkstr.`` and ``Burg.``) and, for typos, with one
   batched rapidfuzz ``cdist`` over the distinct typed street names.
4. Letter and toevoeging are chosen only among the combinations the BAG has for
   that number: ``12-A``, ``12 a`` and ``12A`` all match BAG's ``12A``; a
   number typed without letter where BAG has only lettered variants matches none.
5. Exactly one candidate address left: resolved. Two or more: left open with
   the reason ("never guess"). None: left open with the most specific reason
   (street unknown, number unknown, letter missing, postcode contradicts, ...).

A postcode route candidate needs the typed street (when there is one) to agree
with the BAG street; a street route candidate needs a typed postcode (when
there is one) to agree, or at least its four digits with an exact street. A
woonplaats that is not in the BAG means the address lies outside the
municipality: it is left open, not matched to a namesake street here. A
location ``t/o`` (tegenover) an address is not that address: left open.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process

from vik.connectors.schemas import ADDRESS_PARTS, ADDRESS_TEXT
from vik.resolve.addresses import normalise_suffix, parse_addresses
from vik.resolve.names import fold

# What a record may carry about its address (all optional): the parts of the
# source registry, the place, the free text and a delivered nummeraanduiding.
RECORD_COLUMNS: dict[str, type[pl.DataType]] = {
    **{part: pl.Int64 if part == "huisnummer" else pl.String for part in ADDRESS_PARTS},
    "woonplaats": pl.String,
    ADDRESS_TEXT: pl.String,
    "nummeraanduiding_id": pl.String,
}
RESULT_SCHEMA = {
    "key": pl.String,
    "nummeraanduiding_id": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "reason": pl.String,
    # The BAG street (as street_key) the record names, also where the address stays
    # open, when its typed street is exactly one BAG street: evidence for the person
    # matcher ('Forbes treet 2' is Forbes Street 2 even with a contradicting postcode).
    "straat": pl.String,
}

# Street matching: a typed street key must reach STREET_CUTOFF (rapidfuzz ratio,
# 0-100) against a BAG street key; streets within STREET_MARGIN of the best (about
# one substitution in a ten-letter name) stay candidates, so that two near-identical
# streets make the address ambiguous rather than guessed. A postcode-route candidate needs STREET_AGREES.
STREET_CUTOFF = 85.0
STREET_MARGIN = 6.0
STREET_AGREES = 0.7
PLACE_CUTOFF = 85.0
_CHUNK = 2048  # typed streets per cdist call: bounds memory on messy extracts

# Abbreviations in street names, as whole words (folded, dot removed).
_WORDS = {
    "burg": "burgemeester",
    "st": "sint",
    "dr": "dokter",
    "prof": "professor",
    "kon": "koningin",
    "pr": "prinses",
    "pres": "president",
    "gen": "generaal",
    "past": "pastoor",
    "weth": "wethouder",
    "mr": "meester",
    "mgr": "monseigneur",
    "jhr": "jonkheer",
    "gebr": "gebroeders",
    "eerste": "1e",
    "tweede": "2e",
    "derde": "3e",
    "vierde": "4e",
}
# Abbreviated endings of the last word: Kerkstr., Beukenln, Oranjesngl.
_ENDINGS = (
    (r"str$", "straat"),
    (r"ln$", "laan"),
    (r"sngl$", "singel"),
    (r"pln$", "plein"),
    (r"gr$", "gracht"),
    (r"kd$", "kade"),
    (r"wg$", "weg"),
)


def street_key(street: pl.Expr) -> pl.Expr:
    """A street name as a comparable key: 'Burg. v.d. Kerkstr.' and
    'Burgemeester van der Kerkstraat' both become 'burgemeestervanderkerkstraat'."""
    text = fold(street).str.replace_all(r"\bv\.?\s?d\.?\s", "van der ")
    text = text.str.replace_all(r"\bv\.\s", "van ").str.replace_all(r"[.,]", " ")
    words = text.str.split(" ").list.eval(pl.element().filter(pl.element() != "").replace(_WORDS))
    key = words.list.join(" ")
    for pattern, replacement in _ENDINGS:
        key = key.str.replace(pattern, replacement)
    return key.str.replace_all(r"[^a-z0-9]", "")


def place_key(place: pl.Expr) -> pl.Expr:
    return fold(place).str.replace(r"^gemeente\s+", "").str.replace_all(r"[^a-z0-9]", "")


def _suffix_display(letter: pl.Expr, addition: pl.Expr) -> pl.Expr:
    return pl.concat_str(
        [letter.fill_null(""), addition.fill_null("")], separator="-"
    ).str.strip_chars("-")


@dataclass(frozen=True)
class BagIndex:
    """The BAG as the resolver looks it up: one row per nummeraanduiding, keyed."""

    addresses: pl.DataFrame  # nummeraanduiding_id, street, nr, suffix, postcode, place, labels
    streets: pl.Series  # distinct street keys
    places: pl.Series  # distinct place keys

    @property
    def ids(self) -> pl.Series:
        return self.addresses["nummeraanduiding_id"]


def build_index(bag: pl.DataFrame) -> BagIndex:
    """Index an ingested BAG extract (nummeraanduiding_id, straatnaam, huisnummer,
    huisletter, huisnummertoevoeging, postcode, woonplaats; letter and addition optional)."""
    bag = bag.with_columns(
        (pl.col(c) if c in bag.columns else pl.lit(None)).cast(t).alias(c)
        for c, t in RECORD_COLUMNS.items()
        if c not in ("adres",)
    )
    addresses = bag.select(
        pl.col("nummeraanduiding_id"),
        street_key(pl.col("straatnaam")).alias("b_street"),
        pl.col("huisnummer").cast(pl.Int64).alias("nr"),
        normalise_suffix(
            pl.concat_str(
                [pl.col("huisletter").fill_null(""), pl.col("huisnummertoevoeging").fill_null("")]
            )
        ).alias("b_suffix"),
        pl.col("postcode").alias("b_postcode"),
        place_key(pl.col("woonplaats")).fill_null("").alias("b_place"),
        pl.col("straatnaam").alias("b_straatnaam"),
        _suffix_display(pl.col("huisletter"), pl.col("huisnummertoevoeging")).alias("b_display"),
    ).filter(pl.col("nummeraanduiding_id").is_not_null())
    return BagIndex(
        addresses=addresses,
        streets=addresses["b_street"].drop_nulls().unique().sort(),
        places=addresses["b_place"].filter(addresses["b_place"] != "").unique().sort(),
    )


# --- readings ---------------------------------------------------------------------------


def _readings(records: pl.DataFrame) -> pl.DataFrame:
    """One row per way to read a record's address (two for texts such as 'Plein 1945 1')."""
    parts = pl.col("straatnaam").is_not_null() & pl.col("huisnummer").is_not_null()
    # Free text: the adres column, or parts that lack a house number (a street with
    # the number typed in it): read as text.
    text = pl.coalesce(
        pl.col("adres"),
        pl.when(~parts & pl.col("straatnaam").is_not_null()).then(
            pl.concat_str(
                [
                    pl.col("straatnaam"),
                    pl.col("huisletter"),
                    pl.col("huisnummertoevoeging"),
                    pl.col("postcode"),
                    pl.col("woonplaats"),
                ],
                separator=" ",
                ignore_nulls=True,
            )
        ),
    )
    base = records.select(
        "rec",
        parts.alias("has_parts"),
        pl.when(~parts).then(text).alias("text"),
        "straatnaam",
        pl.col("huisnummer").cast(pl.Int64),
        pl.concat_str(
            [pl.col("huisletter").fill_null(""), pl.col("huisnummertoevoeging").fill_null("")]
        ).alias("suffix"),
        pl.col("postcode"),
        pl.col("woonplaats"),
    )
    as_parts = base.filter(pl.col("has_parts")).select(
        "rec",
        pl.lit(0).alias("reading"),
        "straatnaam",
        "huisnummer",
        "suffix",
        "postcode",
        "woonplaats",
        pl.lit(False).alias("tegenover"),
        pl.lit(None, dtype=pl.String).alias("parse_reason"),
    )
    texts = base.filter(~pl.col("has_parts") & pl.col("text").is_not_null())
    pieces = [as_parts]
    if texts.height:
        # A postcode or woonplaats column next to the text counts where the text lacks one.
        parsed = pl.concat(
            [
                texts.select(
                    "rec",
                    pl.col("postcode").alias("given_postcode"),
                    pl.col("woonplaats").alias("given_woonplaats"),
                ),
                parse_addresses(texts["text"]),
            ],
            how="horizontal",
        )
        common = [
            pl.coalesce("postcode", "given_postcode").alias("postcode"),
            pl.coalesce("woonplaats", "given_woonplaats").alias("woonplaats"),
            pl.col("tegenover"),
            pl.col("reason").alias("parse_reason"),
        ]
        pieces.append(
            parsed.select(
                "rec",
                pl.lit(0).alias("reading"),
                "straatnaam",
                "huisnummer",
                pl.col("suffix").fill_null(""),
                *common,
            )
        )
        pieces.append(
            parsed.filter(pl.col("alternative_straatnaam").is_not_null()).select(
                "rec",
                pl.lit(1).alias("reading"),
                pl.col("alternative_straatnaam").alias("straatnaam"),
                pl.col("alternative_huisnummer").alias("huisnummer"),
                pl.col("alternative_suffix").fill_null("").alias("suffix"),
                *common,
            )
        )
    readings = pl.concat(pieces, how="vertical_relaxed")
    return readings.with_columns(
        street_key(pl.col("straatnaam")).alias("street"),
        normalise_suffix(pl.col("suffix")).alias("suffix"),
        place_key(pl.col("woonplaats")).alias("place"),
        pl.col("postcode").str.to_uppercase().str.replace_all(" ", "").alias("postcode"),
    )


# --- fuzzy matching, batched ---------------------------------------------------------------


def _best_matches(
    typed: pl.Series, choices: pl.Series, cutoff: float, margin: float
) -> pl.DataFrame:
    """typed value → every choice within `margin` of its best score (≥ cutoff), one cdist per chunk."""
    columns = {"typed": pl.String, "match": pl.String, "score": pl.Float64}
    if typed.len() == 0 or choices.len() == 0:
        return pl.DataFrame(schema=columns)
    choice_list = choices.to_list()
    frames = []
    for start in range(0, typed.len(), _CHUNK):
        chunk = typed.slice(start, _CHUNK)
        scores = process.cdist(
            chunk.to_list(),
            choice_list,
            scorer=fuzz.ratio,
            score_cutoff=cutoff,
            dtype=np.float32,
            workers=-1,
        )
        best = scores.max(axis=1, keepdims=True)
        keep = (scores >= cutoff) & (scores >= best - margin)
        rows, cols = np.nonzero(keep)
        frames.append(
            pl.DataFrame(
                {
                    "typed": chunk.gather(rows),
                    "match": choices.gather(cols),
                    "score": scores[rows, cols].astype(np.float64),
                },
                schema=columns,
            )
        )
    return pl.concat(frames)


def _street_matches(readings: pl.DataFrame, index: BagIndex) -> pl.DataFrame:
    """Typed street key → BAG street keys with a similarity in [0, 1]."""
    typed = readings["street"].drop_nulls().unique()
    known = pl.DataFrame({"street": index.streets})
    exact = pl.DataFrame({"street": typed}).join(known, on="street", how="semi")
    exact = exact.select(
        "street", pl.col("street").alias("b_street"), pl.lit(1.0).alias("street_score")
    )
    rest = typed.filter(~typed.is_in(index.streets.implode()))
    # Numbers in a street name are part of its identity: Plein 1944 is not Plein 1945.
    digits = pl.col("typed").str.replace_all(r"[^0-9]", "")
    fuzzy = (
        _best_matches(rest, index.streets, STREET_CUTOFF, STREET_MARGIN)
        .filter(digits == pl.col("match").str.replace_all(r"[^0-9]", ""))
        .select(
            pl.col("typed").alias("street"),
            pl.col("match").alias("b_street"),
            (pl.col("score") / 100).alias("street_score"),
        )
    )
    return pl.concat([exact, fuzzy])


def _place_matches(readings: pl.DataFrame, index: BagIndex) -> pl.DataFrame:
    """Typed place key → BAG place key (exact, or the single best fuzzy match)."""
    typed = readings["place"].drop_nulls().unique()
    typed = typed.filter(typed != "")
    exact = typed.filter(typed.is_in(index.places.implode()))
    fuzzy = (
        _best_matches(
            typed.filter(~typed.is_in(index.places.implode())), index.places, PLACE_CUTOFF, 0.0
        )
        .filter(pl.len().over("typed") == 1)
        .select(pl.col("typed").alias("place"), pl.col("match").alias("b_place_typed"))
    )
    return pl.concat(
        [pl.DataFrame({"place": exact, "b_place_typed": exact}), fuzzy], how="vertical_relaxed"
    )


# --- resolving ---------------------------------------------------------------------------


def _candidates(readings: pl.DataFrame, index: BagIndex, matches: pl.DataFrame) -> pl.DataFrame:
    """Every (reading, BAG address) pair either route proposes, before letter and toevoeging;
    `matches` are the readings' streets matched to BAG streets (``_street_matches``)."""
    bag = index.addresses
    by_postcode = (
        readings.filter(pl.col("postcode").is_not_null() & pl.col("huisnummer").is_not_null())
        .join(bag, left_on=["postcode", "huisnummer"], right_on=["b_postcode", "nr"])
        .with_columns(pl.col("postcode").alias("b_postcode"), pl.lit("postcode").alias("route"))
    )
    by_street = (
        readings.filter(pl.col("huisnummer").is_not_null())
        .join(matches, on="street")
        .join(bag, left_on=["b_street", "huisnummer"], right_on=["b_street", "nr"])
        .with_columns(pl.lit("straat").alias("route"))
    )
    columns = [
        "rec",
        "reading",
        "street",
        "suffix",
        "postcode",
        "nummeraanduiding_id",
        "b_street",
        "b_suffix",
        "b_postcode",
        "b_place",
        "b_straatnaam",
        "b_display",
        "huisnummer",
        "route",
    ]
    candidates = pl.concat(
        [by_postcode.select(columns), by_street.select(columns)], how="vertical_relaxed"
    )
    # The street similarity of every candidate, whichever route found it.
    candidates = candidates.join(matches, on=["street", "b_street"], how="left")
    missing = (
        candidates.filter(pl.col("street_score").is_null() & pl.col("street").is_not_null())
        .select("street", "b_street")
        .unique()
    )
    if missing.height:
        scores = process.cpdist(
            missing["street"].to_list(),
            missing["b_street"].to_list(),
            scorer=fuzz.ratio,
            workers=-1,
        )
        missing = missing.with_columns((pl.Series(scores, dtype=pl.Float64) / 100).alias("s2"))
        candidates = (
            candidates.join(missing, on=["street", "b_street"], how="left")
            .with_columns(pl.coalesce("street_score", "s2").alias("street_score"))
            .drop("s2")
        )
    # One row per (reading, address): the postcode route's row if both found it.
    return candidates.sort("route").unique(["rec", "reading", "nummeraanduiding_id"], keep="first")


def _scored_candidates(
    rest: pl.DataFrame, index: BagIndex
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Readings of the records, their street matches, and every candidate address with
    whether its letter/addition (``suffix_ok``) and its street, postcode and place
    (``agrees``) agree with the record, and its confidence."""
    # 2-3. Readings and their candidates.
    readings = _readings(rest)
    places = _place_matches(readings, index)
    readings = readings.join(places, on="place", how="left")
    matches = _street_matches(readings, index)
    candidates = _candidates(readings, index, matches).join(
        readings.select("rec", "reading", "b_place_typed", "place"),
        on=["rec", "reading"],
        how="left",
    )

    # 4. Letter and toevoeging among what the BAG has; postcode, street and place must agree.
    suffix_ok = pl.col("suffix") == pl.col("b_suffix")
    street_agrees = pl.col("street").is_null() | (pl.col("street_score") >= STREET_AGREES)
    postcode_agrees = pl.col("postcode").is_null() | (pl.col("postcode") == pl.col("b_postcode"))
    pc4_agrees = pl.col("postcode").str.slice(0, 4) == pl.col("b_postcode").str.slice(0, 4)
    place_agrees = (
        pl.col("place").is_null()
        | (pl.col("place") == "")
        | (pl.col("b_place_typed") == pl.col("b_place"))
    )
    by_postcode = (pl.col("route") == "postcode") & street_agrees
    by_street = (
        (pl.col("route") == "straat")
        & place_agrees
        & (postcode_agrees | (pc4_agrees & (pl.col("street_score") == 1.0)))
    )
    candidates = candidates.with_columns(
        suffix_ok.alias("suffix_ok"),
        (by_postcode | by_street).alias("agrees"),
        pl.when(pl.col("route") == "postcode")
        .then(0.9 + 0.1 * pl.col("street_score").fill_null(0.5))
        .otherwise(
            pl.col("street_score")
            * pl.when(postcode_agrees).then(1.0).otherwise(0.9)
            * pl.when(pl.col("place").is_null() | (pl.col("place") == "")).then(0.98).otherwise(1.0)
        )
        .round(4)
        .alias("confidence"),
    )
    return readings, matches, candidates


def address_candidates(records: pl.DataFrame, index: BagIndex) -> pl.DataFrame:
    """Per record (``key``), the BAG addresses the resolver weighs for it: those it would
    accept (``accepted``; exactly one means resolved) and, when it accepts none, those
    whose street, number, postcode and place agree but not the letter or addition (the
    variants an analist has to choose from). For lookups, where an address that cannot be
    pinned down gives its candidates, never a guess.

        >>> address_candidates(pl.DataFrame({"key": ["q"], "adres": ["Kerkstraat 12"]}), index)
        key  nummeraanduiding_id  accepted  confidence
    """
    records = records.with_row_index("rec").with_columns(
        pl.col("rec").cast(pl.Int64),
        *[
            (pl.col(c) if c in records.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in RECORD_COLUMNS.items()
        ],
    )
    readings, _, candidates = _scored_candidates(records, index)
    tegenover = readings.filter(pl.col("tegenover")).select("rec").unique()
    agreeing = candidates.filter(pl.col("agrees")).join(tegenover, on="rec", how="anti")
    per_record = (
        agreeing.group_by("rec", "nummeraanduiding_id")
        .agg(pl.col("suffix_ok").any().alias("accepted"), pl.col("confidence").max())
        .with_columns(pl.col("accepted").any().over("rec").alias("any_accepted"))
        .filter(pl.col("accepted") | ~pl.col("any_accepted"))
    )
    return (
        records.select("rec", "key")
        .join(per_record, on="rec")
        .sort("rec", "confidence", "nummeraanduiding_id", descending=[False, True, False])
        .select("key", "nummeraanduiding_id", "accepted", "confidence")
    )


def resolve_addresses(records: pl.DataFrame, index: BagIndex) -> pl.DataFrame:
    """One row per record: the nummeraanduiding_id, confidence, method, or the reason it is open."""
    records = records.with_row_index("rec").with_columns(
        pl.col("rec").cast(pl.Int64),
        *[
            (pl.col(c) if c in records.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in RECORD_COLUMNS.items()
        ],
    )

    # 1. The BAG id the source carries decides.
    known_id = pl.col("nummeraanduiding_id").is_in(index.ids.implode())
    direct = records.filter(known_id).select(
        "rec",
        "nummeraanduiding_id",
        pl.lit(1.0).alias("confidence"),
        pl.lit("nummeraanduiding_id").alias("method"),
        pl.lit(None, dtype=pl.String).alias("reason"),
    )
    rest = records.filter(~known_id.fill_null(False))
    unknown_id = rest.filter(pl.col("nummeraanduiding_id").is_not_null()).select("rec")

    # 2-4. Readings, their candidates, and which of those agree.
    readings, matches, candidates = _scored_candidates(rest, index)
    accepted = candidates.filter(pl.col("suffix_ok") & pl.col("agrees"))
    per_record = accepted.group_by("rec").agg(
        pl.col("nummeraanduiding_id").unique().alias("ids"),
        pl.col("confidence").max(),
        pl.col("route").min(),  # postcode before straat: the same method every night
        pl.col("b_straatnaam").unique().sort().alias("streets"),
        pl.col("b_place").unique().sort().alias("places"),
    )
    tegenover = readings.filter(pl.col("tegenover")).select("rec").unique()
    resolved = (
        per_record.filter(pl.col("ids").list.len() == 1)
        .join(tegenover, on="rec", how="anti")
        .select(
            "rec",
            pl.col("ids").list.first().alias("nummeraanduiding_id"),
            "confidence",
            pl.when(pl.col("route") == "postcode")
            .then(pl.lit("postcode_huisnummer"))
            .otherwise(pl.lit("straat_huisnummer"))
            .alias("method"),
            pl.lit(None, dtype=pl.String).alias("reason"),
        )
    )

    # 5. Everything else stays open, with the most specific reason.
    open_ = rest.join(resolved.select("rec"), on="rec", how="anti").select("rec")
    reasons = _reasons(open_, readings, candidates, per_record, tegenover, unknown_id, matches)
    result = pl.concat([direct, resolved, reasons], how="vertical_relaxed")
    return (
        records.select("rec", "key")
        .join(result, on="rec", how="left")
        .join(_streets(result, readings, matches, index), on="rec", how="left")
        .sort("rec")
        .with_columns(
            pl.col("confidence").fill_null(0.0),
            pl.col("method").fill_null("geen"),
        )
        .select(list(RESULT_SCHEMA))
        .cast(RESULT_SCHEMA)
    )


def _streets(
    result: pl.DataFrame, readings: pl.DataFrame, matches: pl.DataFrame, index: BagIndex
) -> pl.DataFrame:
    """Per record, its BAG street: the resolved address's, or else the one BAG street its
    readings' streets match (none where they match several: never guessed)."""
    of_address = (
        result.filter(pl.col("nummeraanduiding_id").is_not_null())
        .select("rec", "nummeraanduiding_id")
        .join(
            index.addresses.select("nummeraanduiding_id", "b_street"),
            on="nummeraanduiding_id",
            how="left",
        )
        .select("rec", pl.col("b_street").alias("straat"))
    )
    named = (
        readings.select("rec", "street")
        .join(matches.select("street", "b_street"), on="street")
        .group_by("rec")
        .agg(pl.col("b_street").unique())
        .filter(pl.col("b_street").list.len() == 1)
        .select("rec", pl.col("b_street").list.first().alias("straat"))
        .join(of_address, on="rec", how="anti")
    )
    return pl.concat([of_address, named])


def _reasons(
    open_: pl.DataFrame,
    readings: pl.DataFrame,
    candidates: pl.DataFrame,
    per_record: pl.DataFrame,
    tegenover: pl.DataFrame,
    unknown_id: pl.DataFrame,
    matches: pl.DataFrame,
) -> pl.DataFrame:
    """A Dutch reason per open record, from what its readings and candidates show."""
    first = (
        readings.sort("reading")
        .group_by("rec", maintain_order=True)
        .agg(
            pl.col("straatnaam").first(),
            pl.col("huisnummer").first(),
            pl.col("postcode").first(),
            pl.col("place").first(),
            pl.col("woonplaats").first(),
            pl.col("parse_reason").first(),
            pl.col("street").first(),
        )
    )
    known_street = (
        readings.join(matches, on="street", how="semi")
        .select("rec")
        .unique()
        .with_columns(pl.lit(True).alias("street_known"))
    )
    unknown_place = (
        readings.filter(
            (pl.col("place") != "")
            & pl.col("place").is_not_null()
            & pl.col("b_place_typed").is_null()
        )
        .select("rec")
        .unique()
        .with_columns(pl.lit(True).alias("place_unknown"))
    )
    number_found = candidates.group_by("rec").agg(
        pl.col("agrees").any().alias("any_agrees"),
        pl.col("suffix_ok").any().alias("any_suffix"),
        pl.col("b_display").filter(pl.col("agrees")).unique().sort().alias("variants"),
        pl.col("b_straatnaam").filter(pl.col("agrees")).first().alias("b_straatnaam"),
        (pl.col("suffix").first() == "").alias("no_suffix"),
    )
    ambiguous = per_record.filter(pl.col("ids").list.len() > 1).select(
        "rec", pl.col("ids").list.len().alias("n"), "streets", "places"
    )
    frame = (
        open_.join(first, on="rec", how="left")
        .join(known_street, on="rec", how="left")
        .join(unknown_place, on="rec", how="left")
        .join(number_found, on="rec", how="left")
        .join(ambiguous, on="rec", how="left")
        .join(tegenover.with_columns(pl.lit(True).alias("t_o")), on="rec", how="left")
        .join(unknown_id.with_columns(pl.lit(True).alias("bad_id")), on="rec", how="left")
    )
    street = pl.coalesce(pl.col("b_straatnaam"), pl.col("straatnaam"))
    address = pl.concat_str([street, pl.col("huisnummer").cast(pl.String)], separator=" ")
    variants = pl.col("variants").list.join(", ")
    reason = (
        pl.when(pl.col("t_o"))
        .then(
            pl.concat_str([pl.lit("locatie tegenover "), address, pl.lit(": niet het adres zelf")])
        )
        .when(pl.col("n") > 1)
        .then(
            pl.concat_str(
                [
                    pl.col("n").cast(pl.String),
                    pl.lit(" BAG-adressen mogelijk ("),
                    pl.col("streets").list.join(", "),
                    pl.lit(" in "),
                    pl.col("places").list.join(", "),
                    pl.lit("); niet gegokt: geef postcode of woonplaats"),
                ]
            )
        )
        .when(pl.col("huisnummer").is_null() & pl.col("straatnaam").is_null() & pl.col("bad_id"))
        .then(pl.lit("nummeraanduiding_id komt niet voor in de BAG en er is geen adres"))
        .when(pl.col("parse_reason").is_not_null())
        .then(pl.col("parse_reason"))
        .when(pl.col("huisnummer").is_null() & pl.col("straatnaam").is_null())
        .then(pl.lit("geen adres opgegeven"))
        .when(pl.col("place_unknown") & ~pl.col("any_agrees").fill_null(False))
        .then(
            pl.concat_str(
                [
                    pl.lit("woonplaats '"),
                    pl.col("woonplaats"),
                    pl.lit("' ligt niet in de gemeente (niet in de BAG)"),
                ]
            )
        )
        .when(pl.col("any_agrees") & pl.col("no_suffix"))
        .then(
            pl.concat_str(
                [
                    address,
                    pl.lit(" bestaat in de BAG alleen met huisletter of toevoeging ("),
                    variants,
                    pl.lit("); niet aangegeven welke"),
                ]
            )
        )
        .when(pl.col("any_agrees"))
        .then(
            pl.concat_str(
                [
                    pl.lit("huisletter/toevoeging bestaat niet bij "),
                    address,
                    pl.lit(" (wel: "),
                    variants,
                    pl.lit(")"),
                ]
            )
        )
        .when(pl.col("any_suffix"))
        .then(pl.lit("postcode, straat en woonplaats wijzen niet naar hetzelfde BAG-adres"))
        .when(pl.col("street_known").is_null() & pl.col("straatnaam").is_not_null())
        .then(
            pl.concat_str(
                [pl.lit("straat '"), pl.col("straatnaam"), pl.lit("' niet gevonden in de BAG")]
            )
        )
        .otherwise(
            pl.concat_str(
                [
                    pl.lit("huisnummer "),
                    pl.col("huisnummer").cast(pl.String),
                    pl.lit(" bestaat niet aan "),
                    street,
                ]
            )
        )
    )
    return frame.select(
        "rec",
        pl.lit(None, dtype=pl.String).alias("nummeraanduiding_id"),
        pl.lit(0.0).alias("confidence"),
        pl.lit("geen").alias("method"),
        reason.fill_null("adres niet gevonden in de BAG").alias("reason"),
    )
