"""Dry-run: a candidate rule version against the active one on the same data, without flags.

>>> diff = compare_hits(active_outcome.hits, candidate_outcome.hits)
>>> diff.group_by("verschil").len()   # nieuw, verdwenen, ongewijzigd
"""

from __future__ import annotations

import polars as pl

KEY = ["entity_type", "entity_key", "department"]


def compare_hits(active: pl.DataFrame, candidate: pl.DataFrame) -> pl.DataFrame:
    """One row per hit of either version: nieuw (only candidate), verdwenen (only active),
    ongewijzigd (both), with the explanation of the version that has it."""
    old = active.select(*KEY, pl.col("explanation").alias("uitleg_actief"))
    new = candidate.select(*KEY, pl.col("explanation").alias("uitleg_kandidaat"))
    joined = old.join(new, on=KEY, how="full", coalesce=True, nulls_equal=True)
    return joined.with_columns(
        pl.when(pl.col("uitleg_actief").is_null())
        .then(pl.lit("nieuw"))
        .when(pl.col("uitleg_kandidaat").is_null())
        .then(pl.lit("verdwenen"))
        .otherwise(pl.lit("ongewijzigd"))
        .alias("verschil")
    ).sort("verschil", *KEY)
