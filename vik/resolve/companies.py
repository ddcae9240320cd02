"""Companies: a KvK number decides; otherwise the trade name, matched at the same address.

    >>> links = resolve_companies(kvk, records)  # doctest: +SKIP
    >>> links.columns
    ['source', 'record_key', 'bedrijf_id', 'confidence', 'method', 'status', 'reason']

The company entity is the onderneming (KvK number), not the vestiging: two
vestigingen of one company are one company. Its id is ``B`` + the KvK number:
public, stable, and readable. A record without a KvK number is matched on its
trade name with the legal form stripped and normalised (``company_key``) against
the vestigingen at the same resolved address, or else in the same postcode; a
name match elsewhere in the municipality is never enough.
"""

from __future__ import annotations

import polars as pl
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from vik.connectors.model import EntityType
from vik.resolve.judgements import Verdicts, apply_judgements
from vik.resolve.links import CERTAIN, NONE, POSSIBLE, certain_link
from vik.resolve.names import company_key

RESULT_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_key": pl.String,
        "bedrijf_id": pl.String,
        "confidence": pl.Float64,
        "method": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
)


class CompanyMatchSettings(BaseModel):
    """Thresholds of the company matcher (config/resolve.yaml, key companies)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    certain: float = Field(
        0.9,
        ge=0,
        le=1,
        description="Vanaf deze gelijkenis van de handelsnaam (0-1) is een koppeling zeker.",
    )
    possible: float = Field(0.75, ge=0, le=1, description="Vanaf hier is een koppeling mogelijk.")
    margin: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Zoveel moet de beste kandidaat beter lijken dan de op één na beste.",
    )
    postcode_penalty: float = Field(
        0.05, ge=0, le=1, description="Aftrek als alleen de postcode, niet het adres, overeenkomt."
    )


def company_id(kvk_nummer: pl.Expr) -> pl.Expr:
    return pl.lit("B") + kvk_nummer


def resolve_companies(
    kvk: pl.DataFrame,
    records: pl.DataFrame,
    *,
    judgements: pl.DataFrame | None = None,
    settings: CompanyMatchSettings | None = None,
) -> pl.DataFrame:
    """Tie records (source, record_key, kvk_nummer, naam, nummeraanduiding_id, postcode)
    to companies; kvk needs kvk_nummer, handelsnaam, postcode and a resolved nummeraanduiding_id."""
    settings = settings or CompanyMatchSettings()
    records = records.with_row_index("rec").with_columns(pl.col("rec").cast(pl.Int64))
    known = kvk["kvk_nummer"].unique()
    verdicts = Verdicts.of(judgements, EntityType.BEDRIJF)
    _, rejected = verdicts.of_records(records)
    rejected = rejected.rename({"entity_id": "bedrijf_id"})

    by_number = (
        records.filter(pl.col("kvk_nummer").is_not_null())
        .select(
            "rec",
            company_id(pl.col("kvk_nummer")).alias("bedrijf_id"),
            *certain_link(
                pl.when(pl.col("kvk_nummer").is_in(known.implode()))
                .then(pl.lit("kvk_nummer"))
                .otherwise(pl.lit("kvk_nummer_buiten_extract"))
            ),
        )
        .join(rejected, on=["rec", "bedrijf_id"], how="anti")
    )

    by_name = (
        records.join(by_number.select("rec"), on="rec", how="anti")
        .filter(pl.col("naam").is_not_null())
        .with_columns(company_key(pl.col("naam")).alias("key"))
    )
    establishments = kvk.select(
        company_id(pl.col("kvk_nummer")).alias("bedrijf_id"),
        company_key(pl.col("handelsnaam")).alias("b_key"),
        pl.col("nummeraanduiding_id").alias("b_address"),
        pl.col("postcode").alias("b_postcode"),
    ).unique()
    same_address = (
        by_name.filter(pl.col("nummeraanduiding_id").is_not_null())
        .join(
            establishments.filter(pl.col("b_address").is_not_null()),
            left_on="nummeraanduiding_id",
            right_on="b_address",
        )
        .with_columns(pl.lit("handelsnaam_adres").alias("method"), pl.lit(0.0).alias("penalty"))
    )
    same_postcode = (
        by_name.filter(pl.col("postcode").is_not_null())
        .join(
            establishments.filter(pl.col("b_postcode").is_not_null()),
            left_on="postcode",
            right_on="b_postcode",
        )
        .with_columns(
            pl.lit("handelsnaam_postcode").alias("method"),
            pl.lit(settings.postcode_penalty).alias("penalty"),
        )
    )
    columns = ["rec", "bedrijf_id", "key", "b_key", "method", "penalty"]
    pairs = (
        pl.concat([same_address.select(columns), same_postcode.select(columns)])
        .sort("rec", "bedrijf_id", "penalty")
        .unique(["rec", "bedrijf_id"], keep="first", maintain_order=True)
        .join(rejected, on=["rec", "bedrijf_id"], how="anti")
    )
    scores = process.cpdist(
        pairs["key"].fill_null("").to_list(),
        pairs["b_key"].fill_null("").to_list(),
        scorer=fuzz.token_sort_ratio,
        workers=-1,
    )
    pairs = pairs.with_columns(
        (pl.Series(scores, dtype=pl.Float64) / 100 - pl.col("penalty"))
        .clip(0, 1)
        .alias("confidence")
    )
    ranked = (
        # Ties broken by id: an unchanged night must give the same link.
        pairs.sort(["rec", "confidence", "bedrijf_id"], descending=[False, True, False])
        .group_by("rec", maintain_order=True)
        .agg(
            pl.col("bedrijf_id").first(),
            pl.col("confidence").first(),
            pl.col("method").first(),
            pl.col("confidence").slice(1, 1).first().alias("runner_up"),
        )
    )
    margin = pl.col("confidence") - pl.col("runner_up").fill_null(0)
    certain = (pl.col("confidence") >= settings.certain) & (margin >= settings.margin)
    matched = ranked.select(
        "rec",
        pl.when(pl.col("confidence") >= settings.possible)
        .then(pl.col("bedrijf_id"))
        .alias("bedrijf_id"),
        pl.col("confidence").round(4),
        "method",
        pl.when(certain)
        .then(pl.lit(CERTAIN))
        .when(pl.col("confidence") >= settings.possible)
        .then(pl.lit(POSSIBLE))
        .otherwise(pl.lit(NONE))
        .alias("status"),
        pl.when(certain)
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("confidence") >= settings.possible)
        .then(
            pl.when(margin < settings.margin)
            .then(pl.lit("meer bedrijven met een gelijkende naam op dit adres"))
            .otherwise(pl.lit("handelsnaam lijkt, maar niet genoeg voor een zekere koppeling"))
        )
        .otherwise(pl.lit("geen bedrijf met deze naam op dit adres of in deze postcode"))
        .alias("reason"),
    )
    decided = pl.concat([by_number, matched.join(by_number.select("rec"), on="rec", how="anti")])
    result = records.select("rec", "source", "record_key").join(decided, on="rec", how="left")
    # The analist's judgements win.
    result = apply_judgements(result, verdicts, id_column="bedrijf_id", label="dit bedrijf")
    return (
        result.with_columns(
            pl.col("status").fill_null(NONE),
            pl.col("confidence").fill_null(0.0),
            pl.col("method").fill_null("geen"),
            # Only a record nothing was decided for lacks a reason; a certain link has none.
            pl.when(pl.col("status").is_null())
            .then(pl.lit("geen bedrijf met deze naam op dit adres of in deze postcode"))
            .otherwise(pl.col("reason"))
            .alias("reason"),
        )
        .sort("rec")
        .select(list(RESULT_SCHEMA))
        .cast(RESULT_SCHEMA)
    )
