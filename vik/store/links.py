"""The link table: kept in step with each good run by a diff, so an unchanged night writes nothing.

>>> changed = sync_links(session, links, run_id=7)
>>> changed
{'inserted': 12, 'deleted': 3, 'unchanged': 3812044}
"""

from __future__ import annotations

import polars as pl
from sqlmodel import Session

from vik.resolve.links import LINKS_SCHEMA
from vik.store.bulk import delete_ids, read_frame, write_frame

KEY = ["source", "record_key", "entity_type"]
VALUE = ["entity_id", "confidence", "method", "status", "reason"]
JUDGEMENTS_SCHEMA = {
    "source": pl.String,
    "record_key": pl.String,
    "entity_type": pl.String,
    "entity_id": pl.String,
    "verdict": pl.String,
}


def load_links(session: Session) -> pl.DataFrame:
    columns = ", ".join(LINKS_SCHEMA)
    return read_frame(session, f"SELECT {columns} FROM link", LINKS_SCHEMA)


def _comparable(frame: pl.DataFrame) -> pl.DataFrame:
    # Confidences are compared at 4 decimals: float noise is not a change.
    return frame.with_columns(pl.col("confidence").round(4))


def sync_links(session: Session, links: pl.DataFrame, run_id: int) -> dict[str, int]:
    """Make the link table equal to `links`; only changed rows are written."""
    schema = {"id": pl.Int64, **LINKS_SCHEMA}
    previous = read_frame(session, f"SELECT {', '.join(schema)} FROM link", schema)
    new = _comparable(links.select(list(LINKS_SCHEMA)))
    previous = _comparable(previous)
    joined = previous.join(new, on=KEY, how="full", suffix="_new", coalesce=True)
    gone = joined.filter(pl.col("status_new").is_null())
    both = joined.filter(pl.col("id").is_not_null() & pl.col("status_new").is_not_null())
    differs = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_new")) for c in VALUE)
    changed = both.filter(differs)
    added = joined.filter(pl.col("id").is_null())
    delete_ids(session, "link", pl.concat([gone["id"], changed["id"]]).to_list())
    fresh = pl.concat(
        [
            added.select(KEY + [pl.col(f"{c}_new").alias(c) for c in VALUE]),
            changed.select(KEY + [pl.col(f"{c}_new").alias(c) for c in VALUE]),
        ]
    ).with_columns(pl.lit(run_id, dtype=pl.Int64).alias("run_id"))
    write_frame(session, "link", fresh)
    return {
        "inserted": added.height,
        "changed": changed.height,
        "deleted": gone.height,
        "unchanged": both.height - changed.height,
    }


def load_judgements(session: Session) -> pl.DataFrame:
    """The latest human judgement per (record, entity): input for the matcher every night."""
    query = (
        "SELECT source, record_key, entity_type, entity_id, verdict FROM link_judgement "
        "ORDER BY at, id"
    )
    frame = read_frame(session, query, JUDGEMENTS_SCHEMA)
    return frame.unique(["source", "record_key", "entity_type", "entity_id"], keep="last")
