"""An analist's judgements on links, one way for addresses, persons and companies.

    >>> verdicts = Verdicts.of(judgements, EntityType.PERSOON)
    >>> links = apply_judgements(links, verdicts, id_column="persoon_id", label="deze persoon")

A judgement (vik.store.reviews.judge_link) says of a record's link ``is`` (this
record is that entity) or ``is_niet`` (it is not). Every night:

- the last ``is`` of a record wins over whatever resolution found: certain,
  confidence 1, method ``oordeel``;
- every ``is_niet`` rules its entity out for that record. A matcher that can look
  further (persons, companies) leaves the entity out of the candidates
  (``Verdicts.rejected``); whatever a link still names of a ruled-out entity is
  undone here, with the reason that the analist rejected it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl

from vik.connectors.model import EntityType
from vik.resolve.links import CERTAIN, NONE


class Verdict(StrEnum):
    """An analist's judgement of a record's link to an entity."""

    IS = "is"  # this record is that entity
    IS_NIET = "is_niet"  # it is not


IS, IS_NOT = Verdict.IS, Verdict.IS_NIET
JUDGED_METHOD = "oordeel"
_KEY = ["source", "record_key"]


@dataclass(frozen=True)
class Verdicts:
    """The judgements on one entity type: ``forced`` (source, record_key, entity_id: the
    last ``is`` of each record) and ``rejected`` (the same columns: every ``is_niet``)."""

    forced: pl.DataFrame
    rejected: pl.DataFrame

    @classmethod
    def of(cls, judgements: pl.DataFrame | None, entity_type: EntityType) -> Verdicts:
        schema = {"source": pl.String, "record_key": pl.String, "entity_id": pl.String}
        if judgements is None or judgements.height == 0:
            empty = pl.DataFrame(schema=schema)
            return cls(empty, empty)
        mine = judgements.filter(pl.col("entity_type") == entity_type)
        forced = (
            mine.filter(pl.col("verdict") == IS)
            .unique(_KEY, keep="last", maintain_order=True)
            .select(list(schema))
        )
        rejected = mine.filter(pl.col("verdict") == IS_NOT).select(list(schema))
        return cls(forced, rejected)

    def of_records(self, records: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """forced and rejected as (rec, entity_id) of `records` (rec, source, record_key)."""
        keys = records.select("rec", *_KEY)
        return tuple(  # type: ignore[return-value]
            frame.join(keys, on=_KEY).select("rec", "entity_id")
            for frame in (self.forced, self.rejected)
        )


def apply_judgements(
    links: pl.DataFrame, verdicts: Verdicts, *, id_column: str, label: str
) -> pl.DataFrame:
    """`links` (source, record_key, `id_column`, confidence, method, status, reason) with
    the analist's verdicts applied: a record's ``is`` wins; a link to an entity the analist
    rejected for that record is undone (`label` names the entity in the reason: 'dit
    adres')."""
    if verdicts.forced.height == 0 and verdicts.rejected.height == 0:
        return links
    forced = verdicts.forced.rename({"entity_id": "_judged_is"})
    rejected = verdicts.rejected.rename({"entity_id": id_column}).with_columns(
        pl.lit(True).alias("_judged_is_niet")
    )
    joined = links.join(forced, on=_KEY, how="left", maintain_order="left").join(
        rejected.unique(), on=[*_KEY, id_column], how="left", maintain_order="left"
    )
    is_it = pl.col("_judged_is").is_not_null()
    is_not = ~is_it & pl.col("_judged_is_niet").fill_null(False)
    return joined.with_columns(
        pl.when(is_it)
        .then(pl.col("_judged_is"))
        .when(is_not)
        .then(None)
        .otherwise(pl.col(id_column))
        .alias(id_column),
        pl.when(is_it)
        .then(1.0)
        .when(is_not)
        .then(0.0)
        .otherwise(pl.col("confidence"))
        .alias("confidence"),
        pl.when(is_it | is_not)
        .then(pl.lit(JUDGED_METHOD))
        .otherwise(pl.col("method"))
        .alias("method"),
        pl.when(is_it)
        .then(pl.lit(CERTAIN))
        .when(is_not)
        .then(pl.lit(NONE))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(is_it)
        .then(pl.lit(None, dtype=pl.String))
        .when(is_not)
        .then(pl.lit(f"de analist wees {label} af"))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    ).drop("_judged_is", "_judged_is_niet")
