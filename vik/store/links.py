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
JUDGEMENTS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_key": pl.String,
        "entity_type": pl.String,
        "entity_id": pl.String,
        "verdict": pl.String,
    }
)


def load_links(session: Session) -> pl.DataFrame:
    columns = ", ".join(LINKS_SCHEMA)
    return read_frame(session, f"SELECT {columns} FROM link", LINKS_SCHEMA)


def _comparable(frame: pl.DataFrame) -> pl.DataFrame:
    # Confidences are compared at 4 decimals: float noise is not a change.
    return frame.with_columns(pl.col("confidence").round(4))


def sync_links(session: Session, links: pl.DataFrame, run_id: int) -> dict[str, int]:
    """Make the link table equal to `links`; only changed rows are written.

    Millions of rows a night: the two sides are joined on their keys alone, as row
    numbers, and the values compared column by column through those row numbers,
    so no frame as wide as both sides together is ever built."""
    schema = pl.Schema({"id": pl.Int64(), **LINKS_SCHEMA})
    previous = read_frame(session, f"SELECT {', '.join(schema)} FROM link", schema)
    new = links.select(list(LINKS_SCHEMA))
    pairs = (
        previous.lazy()
        .select(*KEY, pl.int_range(pl.len(), dtype=pl.UInt32).alias("old"))
        .join(
            new.lazy().select(*KEY, pl.int_range(pl.len(), dtype=pl.UInt32).alias("new")),
            on=KEY,
            how="full",
            coalesce=True,
        )
        .select("old", "new")
        .collect()
    )
    both = pairs.drop_nulls()
    old_rows, new_rows = both["old"], both["new"]
    old_values, new_values = _comparable(previous), _comparable(new)
    differs = pl.repeat(False, both.height, dtype=pl.Boolean, eager=True)
    for column in VALUE:
        differs |= (
            old_values[column].gather(old_rows).ne_missing(new_values[column].gather(new_rows))
        )
    gone = pairs.filter(pl.col("new").is_null())["old"]
    added = pairs.filter(pl.col("old").is_null())["new"]
    stale = previous["id"].gather(pl.concat([gone, old_rows.filter(differs)]))
    delete_ids(session, "link", stale.to_list())
    # A first night writes every link; later nights only what is new or changed.
    fresh = (
        new_values
        if previous.is_empty()
        else new_values[pl.concat([added, new_rows.filter(differs)])]
    )
    write_frame(session, "link", fresh.with_columns(pl.lit(run_id, dtype=pl.Int64).alias("run_id")))
    changed = int(differs.sum())
    return {
        "inserted": added.len(),
        "changed": changed,
        "deleted": gone.len(),
        "unchanged": both.height - changed,
    }


def load_judgements(session: Session) -> pl.DataFrame:
    """The latest human judgement per (record, entity): input for the matcher every night."""
    query = (
        "SELECT source, record_key, entity_type, entity_id, verdict FROM link_judgement "
        "ORDER BY at, id"
    )
    frame = read_frame(session, query, JUDGEMENTS_SCHEMA)
    return frame.unique(["source", "record_key", "entity_type", "entity_id"], keep="last")
