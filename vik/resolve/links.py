"""The columns resolution adds to every source, and the link table it produces.

After resolution every source frame carries, per entity type it links to (its
schema's ``links``, vik.connectors.schemas), the entity key (only for certain
links) and that link's confidence and method:

    >>> SOURCES["vergunningen"].links
    (<EntityType.ADRES: 'adres'>, <EntityType.PERSOON: 'persoon'>, <EntityType.BEDRIJF: 'bedrijf'>)
    >>> entity_key("persoon"), confidence_column("persoon")
    ('persoon_id', 'persoon_zekerheid')
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from vik.connectors.model import ENTITIES, EntityType


class LinkStatus(StrEnum):
    """How sure a link is: only ``zeker`` links fill the entity key columns rules read."""

    ZEKER = "zeker"
    MOGELIJK = "mogelijk"  # an analist may judge it (vik.resolve.judgements)
    GEEN = "geen"  # no link, with its reason


CERTAIN, POSSIBLE, NONE = LinkStatus.ZEKER, LinkStatus.MOGELIJK, LinkStatus.GEEN

LINKS_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_key": pl.String,
        "entity_type": pl.String,  # an EntityType: adres | persoon | bedrijf
        "entity_id": pl.String,
        "confidence": pl.Float64,
        "method": pl.String,
        "status": pl.String,  # a LinkStatus
        "reason": pl.String,
    }
)


def entity_key(entity: str) -> str:
    """The column that holds a record's (certain) link to an entity of this type."""
    return ENTITIES[EntityType(entity)].key


def confidence_column(entity: str) -> str:
    return f"{entity}_zekerheid"


def method_column(entity: str) -> str:
    return f"{entity}_methode"


def certain_link(
    method: str | pl.Expr, confidence: float = 1.0, reason: str | None = None
) -> list[pl.Expr]:
    """The confidence, method, status and reason columns of a certain link.

    >>> frame.select("rec", "persoon_id", *certain_link("oordeel"))  # doctest: +SKIP
    """
    return [
        pl.lit(confidence).alias("confidence"),
        (method if isinstance(method, pl.Expr) else pl.lit(method)).alias("method"),
        pl.lit(CERTAIN).alias("status"),
        pl.lit(reason, dtype=pl.String).alias("reason"),
    ]
