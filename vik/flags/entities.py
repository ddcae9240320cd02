"""What a dossier shows about its entity: a label for lists, and details behind a purpose.

    >>> details = entity_details(resolved.frames, keys)  # doctest: +SKIP
    >>> details.filter(pl.col("entity_type") == "adres")["label"][0]
    'Kerkstraat 12A, 3811AB Amersfoort'

Addresses and companies get a readable label (BAG address, trade name). A person
gets only a neutral label ("Persoon 7f3a2c"); name, birth date and address sit in
``details``, which the web application shows after the analist states a purpose.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

DETAILS_SCHEMA = pl.Schema(
    {
        "entity_type": pl.String,
        "entity_key": pl.String,
        "label": pl.String,
        "wijk": pl.String,
        "details": pl.String,
    }
)
REPORTS_SCHEMA = pl.Schema(
    {"entity_type": pl.String, "entity_key": pl.String, "record_key": pl.String}
)


def address_label(prefix: str = "") -> pl.Expr:
    """'Kerkstraat 12A-2, 3811AB Amersfoort' from address part columns."""

    def c(name: str) -> pl.Expr:
        return pl.col(f"{prefix}{name}")

    number = pl.concat_str(
        [
            c("huisnummer").cast(pl.String),
            c("huisletter").fill_null(""),
            pl.when(c("huisnummertoevoeging").is_not_null())
            .then(pl.lit("-") + c("huisnummertoevoeging"))
            .otherwise(pl.lit("")),
        ]
    )
    return pl.concat_str(
        [
            c("straatnaam"),
            pl.lit(" "),
            number,
            pl.lit(", "),
            c("postcode").fill_null(""),
            pl.lit(" "),
            c("woonplaats").fill_null(""),
        ]
    ).str.strip_chars(", ")


def _wijk(postcode: pl.Expr) -> pl.Expr:
    # The 4-digit postcode area stands in for the wijk: every municipality has it,
    # and it is coarse enough to compare the spread of hits with that of dwellings.
    return postcode.str.slice(0, 4)


def _restrict(
    frame: pl.DataFrame, keys: pl.DataFrame | None, entity: str, column: str
) -> pl.DataFrame:
    if keys is None:
        return frame
    wanted = keys.filter(pl.col("entity_type") == entity).select(pl.col("entity_key").alias(column))
    return frame.join(wanted, on=column, how="semi")


def entity_details(
    frames: dict[str, pl.DataFrame], keys: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Labels and details for entities (all, or those in `keys`: entity_type, entity_key)."""
    parts = []
    bag = _restrict(frames["bag"], keys, "adres", "nummeraanduiding_id")
    parts.append(
        bag.select(
            pl.lit("adres").alias("entity_type"),
            pl.col("nummeraanduiding_id").alias("entity_key"),
            address_label().alias("label"),
            _wijk(pl.col("postcode")).alias("wijk"),
            pl.struct("gebruiksdoel", "oppervlakte").struct.json_encode().alias("details"),
        )
    )
    brp = _restrict(
        frames["brp"].filter(pl.col("persoon_id").is_not_null()), keys, "persoon", "persoon_id"
    )
    latest = brp.sort("datum_aanvang_adreshouding", descending=True).unique(
        "persoon_id", keep="first"
    )
    name = pl.concat_str(
        [pl.col("voornamen"), pl.col("voorvoegsel"), pl.col("geslachtsnaam")],
        separator=" ",
        ignore_nulls=True,
    )
    parts.append(
        latest.select(
            pl.lit("persoon").alias("entity_type"),
            pl.col("persoon_id").alias("entity_key"),
            (pl.lit("Persoon ") + pl.col("persoon_id").str.slice(0, 8)).alias("label"),
            _wijk(pl.col("postcode")).alias("wijk"),
            pl.struct(
                name.alias("naam"),
                pl.col("geboortedatum"),
                address_label().alias("adres"),
                pl.col("datum_aanvang_adreshouding").alias("ingeschreven_sinds"),
            )
            .struct.json_encode()
            .alias("details"),
        )
    )
    kvk = _restrict(
        frames["kvk"].filter(pl.col("bedrijf_id").is_not_null()), keys, "bedrijf", "bedrijf_id"
    )
    kvk = kvk.rename({"plaats": "woonplaats"})
    first = (
        kvk.sort("vestigingsnummer")
        .group_by("bedrijf_id")
        .agg(pl.all().first(), pl.len().alias("vestigingen"))
    )
    parts.append(
        first.select(
            pl.lit("bedrijf").alias("entity_type"),
            pl.col("bedrijf_id").alias("entity_key"),
            (pl.col("handelsnaam") + pl.lit(" (KvK ") + pl.col("kvk_nummer") + pl.lit(")")).alias(
                "label"
            ),
            _wijk(pl.col("postcode")).alias("wijk"),
            pl.struct(
                "rechtsvorm",
                "sbi_codes",
                "vestigingen",
                address_label().alias("adres"),
            )
            .struct.json_encode()
            .alias("details"),
        )
    )
    return pl.concat([p.cast(DETAILS_SCHEMA) for p in parts])


def reports_per_address(
    frames: dict[str, pl.DataFrame], peildatum: date, days: int
) -> pl.DataFrame:
    """Meldingen within the window, by the address they are about."""
    start = (peildatum - timedelta(days=days)).isoformat()
    meldingen = frames["meldingen"]
    return meldingen.filter(
        pl.col("nummeraanduiding_id").is_not_null()
        & (pl.col("datum") > start)
        & (pl.col("datum") <= peildatum.isoformat())
    ).select(
        pl.lit("adres").alias("entity_type"),
        pl.col("nummeraanduiding_id").alias("entity_key"),
        pl.col("record_key"),
    )


def dwellings_per_wijk(bag: pl.DataFrame) -> dict[str, int]:
    """Dwellings (gebruiksdoel woonfunctie) per wijk: the baseline for where a rule's hits fall."""
    counts = (
        bag.filter(pl.col("gebruiksdoel").list.contains("woonfunctie"))
        .group_by(_wijk(pl.col("postcode")).alias("wijk"))
        .len()
        .drop_nulls("wijk")
        .sort("wijk")
    )
    return dict(zip(counts["wijk"].to_list(), counts["len"].to_list(), strict=True))
