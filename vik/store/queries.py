"""Reads of stored results for exports and the command line (the web app has its own,
visibility-filtered reads in vik/web)."""

from __future__ import annotations

import polars as pl
from sqlmodel import Session

from vik.rules.engine import EVIDENCE_TYPE
from vik.store.bulk import read_frame

_FLAGS = pl.Schema(
    {
        "id": pl.Int64,
        "rule_id": pl.String,
        "entity_type": pl.String,
        "entity_key": pl.String,
        "department": pl.String,
        "explanation": pl.String,
    }
)
_EVIDENCE = pl.Schema(
    {
        "flag_id": pl.Int64,
        "source": pl.String,
        "record_key": pl.String,
        "link_confidence": pl.Float64,
        "link_method": pl.String,
    }
)


def open_flags_with_evidence(session: Session) -> pl.DataFrame:
    """Open flags with their evidence list, shaped like an evaluation's hits."""
    flags = read_frame(
        session,
        "SELECT id, rule_id, entity_type, entity_key, department, explanation FROM flag "
        "WHERE status = 'open'",
        _FLAGS,
    )
    evidence = read_frame(
        session,
        "SELECT e.flag_id, e.source, e.record_key, e.link_confidence, e.link_method "
        "FROM flag_evidence e JOIN flag f ON f.id = e.flag_id WHERE f.status = 'open'",
        _EVIDENCE,
    )
    grouped = (
        evidence.group_by("flag_id")
        .agg(
            pl.struct(
                "source",
                "record_key",
                pl.col("link_confidence").alias("confidence"),
                pl.col("link_method").alias("method"),
            ).alias("evidence")
        )
        .with_columns(pl.col("evidence").cast(EVIDENCE_TYPE))
    )
    return flags.join(grouped, left_on="id", right_on="flag_id", how="left").with_columns(
        pl.col("department").replace("", None)
    )
