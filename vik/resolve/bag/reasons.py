"""Why an address stays open: the most specific reason, in Dutch, from what its readings and candidates show.

    >>> reasons(open_, readings, candidates, per_record, tegenover, unknown_id, matches)  # doctest: +SKIP

"straat 'Nergensstraat' niet gevonden in de BAG", "2 BAG-adressen mogelijk (...);
niet gegokt: geef postcode of woonplaats", "huisletter/toevoeging bestaat niet bij
Kerkstraat 12 (wel: A, B)": each says what a clerk can fix.
"""

from __future__ import annotations

import polars as pl


def reasons(
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
