"""Fusion: per entity, its open flags and the reports about it become one dossier.

    >>> dossiers = build_dossiers(open_flags, reports, weights)  # doctest: +SKIP
    >>> dossiers.select("entity_key", "priority").row(0)
    ('0307200000000001', 9.0)

Input frames:
- ``flags``: rule_id, entity_type, entity_key, severity, theme (one row per open
  flag; a betrokkenheid flag per department counts once per entity);
- ``reports``: entity_type, entity_key, record_key (meldingen within the window).
"""

from __future__ import annotations

import polars as pl

from vik.flags.priority import PriorityWeights

DOSSIER_SCHEMA = pl.Schema(
    {
        "entity_type": pl.String(),
        "entity_key": pl.String(),
        "priority": pl.Float64(),
        "breakdown": pl.String(),  # JSON list of {signaal, aantal, gewicht, punten}
        "rule_ids": pl.List(pl.String),
        "themes": pl.List(pl.String),
        "reports": pl.Int64(),
    }
)


def build_dossiers(
    flags: pl.DataFrame, reports: pl.DataFrame, weights: PriorityWeights
) -> pl.DataFrame:
    """One row per entity with at least one open flag; reports alone make no dossier."""
    if flags.height == 0:
        return pl.DataFrame(schema=DOSSIER_SCHEMA)
    per_rule = (
        flags.unique(["rule_id", "entity_type", "entity_key"])
        .with_columns(
            pl.coalesce(
                pl.col("rule_id").replace_strict(
                    weights.regels, default=None, return_dtype=pl.Float64
                ),
                pl.col("severity").replace_strict(
                    weights.ernst, default=1.0, return_dtype=pl.Float64
                ),
            ).alias("gewicht")
        )
        .select(
            "entity_type",
            "entity_key",
            "theme",
            pl.col("rule_id").alias("signaal"),
            pl.lit(1, dtype=pl.Int64).alias("aantal"),
            "gewicht",
            pl.col("gewicht").alias("punten"),
        )
    )
    keys = per_rule.select("entity_type", "entity_key").unique()
    report_rows = (
        reports.join(keys, on=["entity_type", "entity_key"], how="semi")
        .group_by("entity_type", "entity_key")
        .agg(pl.len().cast(pl.Int64).alias("aantal"))
        .with_columns(
            pl.lit("meldingen").alias("signaal"),
            pl.lit(None, dtype=pl.String).alias("theme"),
            pl.lit(float(weights.meldingen.punten)).alias("gewicht"),
            pl.min_horizontal(
                pl.col("aantal").cast(pl.Float64) * weights.meldingen.punten,
                pl.lit(float(weights.meldingen.maximum)),
            ).alias("punten"),
        )
        .select(per_rule.columns)
    )
    themes = per_rule.group_by("entity_type", "entity_key").agg(
        pl.col("theme").unique().sort().alias("themes")
    )
    bonus_rows = (
        themes.filter(pl.col("themes").list.len() > 1)
        .with_columns(
            pl.lit("themabonus").alias("signaal"),
            pl.lit(None, dtype=pl.String).alias("theme"),
            (pl.col("themes").list.len() - 1).cast(pl.Int64).alias("aantal"),
            pl.lit(float(weights.themabonus)).alias("gewicht"),
        )
        .with_columns((pl.col("aantal") * pl.col("gewicht")).alias("punten"))
        .select(per_rule.columns)
    )
    lines = pl.concat([per_rule, report_rows, bonus_rows]).sort(
        "entity_type", "entity_key", "punten", "signaal", descending=[False, False, True, False]
    )
    dossiers = lines.group_by("entity_type", "entity_key", maintain_order=True).agg(
        pl.col("punten").sum().alias("priority"),
        pl.struct("signaal", "aantal", "gewicht", "punten").alias("__lines"),
        pl.col("signaal")
        .filter(~pl.col("signaal").is_in(["meldingen", "themabonus"]))
        .sort()
        .alias("rule_ids"),
        pl.col("aantal")
        .filter(pl.col("signaal") == "meldingen")
        .sum()
        .cast(pl.Int64)
        .alias("reports"),
    )
    return (
        dossiers.join(themes, on=["entity_type", "entity_key"], how="left")
        .with_columns(
            pl.col("__lines")
            .list.eval(pl.element().struct.json_encode())
            .list.join(",")
            .alias("breakdown")
        )
        .with_columns(("[" + pl.col("breakdown") + "]").alias("breakdown"))
        .select(list(DOSSIER_SCHEMA))
        .sort("priority", "entity_type", "entity_key", descending=[True, False, False])
    )
