"""Resolving: each record's readings, their candidate BAG addresses, and the one address left.

    >>> resolve_addresses(records, index).columns  # doctest: +SKIP
    ['key', 'nummeraanduiding_id', 'confidence', 'method', 'reason', 'straat']

See the package docstring (vik.resolve.bag) for the method.
"""

from __future__ import annotations

import polars as pl
from rapidfuzz import fuzz, process

from vik.resolve.addresses import normalise_suffix, parse_addresses
from vik.resolve.bag.index import (
    RECORD_COLUMNS,
    AddressMatchSettings,
    BagIndex,
    place_key,
    place_matches,
    street_key,
    street_matches,
)
from vik.resolve.bag.reasons import reasons as open_reasons

RESULT_SCHEMA = pl.Schema(
    {
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


# --- resolving ---------------------------------------------------------------------------


def _candidates(readings: pl.DataFrame, index: BagIndex, matches: pl.DataFrame) -> pl.DataFrame:
    """Every (reading, BAG address) pair either route proposes, before letter and toevoeging;
    `matches` are the readings' streets matched to BAG streets (``street_matches``)."""
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
    rest: pl.DataFrame, index: BagIndex, settings: AddressMatchSettings
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Readings of the records, their street matches, and every candidate address with
    whether its letter/addition (``suffix_ok``) and its street, postcode and place
    (``agrees``) agree with the record, and its confidence."""
    # 2-3. Readings and their candidates.
    readings = _readings(rest)
    places = place_matches(readings, index, settings)
    readings = readings.join(places, on="place", how="left")
    matches = street_matches(readings, index, settings)
    candidates = _candidates(readings, index, matches).join(
        readings.select("rec", "reading", "b_place_typed", "place"),
        on=["rec", "reading"],
        how="left",
    )

    # 4. Letter and toevoeging among what the BAG has; postcode, street and place must agree.
    suffix_ok = pl.col("suffix") == pl.col("b_suffix")
    street_agrees = pl.col("street").is_null() | (pl.col("street_score") >= settings.street_agrees)
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


def _typed_records(records: pl.DataFrame) -> pl.DataFrame:
    return records.with_row_index("rec").with_columns(
        pl.col("rec").cast(pl.Int64),
        *[
            (pl.col(c) if c in records.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in RECORD_COLUMNS.items()
        ],
    )


def address_candidates(
    records: pl.DataFrame, index: BagIndex, settings: AddressMatchSettings | None = None
) -> pl.DataFrame:
    """Per record (``key``), the BAG addresses the resolver weighs for it: those it would
    accept (``accepted``; exactly one means resolved) and, when it accepts none, those
    whose street, number, postcode and place agree but not the letter or addition (the
    variants an analist has to choose from). For lookups, where an address that cannot be
    pinned down gives its candidates, never a guess.

        >>> address_candidates(pl.DataFrame({"key": ["q"], "adres": ["Kerkstraat 12"]}), index)
        key  nummeraanduiding_id  accepted  confidence
    """
    records = _typed_records(records)
    readings, _, candidates = _scored_candidates(records, index, settings or AddressMatchSettings())
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


def resolve_addresses(
    records: pl.DataFrame, index: BagIndex, settings: AddressMatchSettings | None = None
) -> pl.DataFrame:
    """One row per record: the nummeraanduiding_id, confidence, method, or the reason it is open."""
    settings = settings or AddressMatchSettings()
    records = _typed_records(records)

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
    readings, matches, candidates = _scored_candidates(rest, index, settings)
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
    reasons = open_reasons(open_, readings, candidates, per_record, tegenover, unknown_id, matches)
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
