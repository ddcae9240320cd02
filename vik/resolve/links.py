"""The columns resolution adds to every source, and the link table it produces.

After resolution every source frame carries, per entity type it can refer to,
the entity key (only for certain links) and that link's confidence and method:

    >>> LINKED_ENTITIES["vergunningen"]
    ('adres', 'persoon', 'bedrijf')
    >>> entity_key("persoon"), confidence_column("persoon")
    ('persoon_id', 'persoon_zekerheid')
"""

from __future__ import annotations

import polars as pl

ENTITY_KEYS = {"adres": "nummeraanduiding_id", "persoon": "persoon_id", "bedrijf": "bedrijf_id"}
# The entity types of the link export, as the issue names them.
ENTITY_TYPES = {"adres": "address", "persoon": "person", "bedrijf": "company"}
LINKED_ENTITIES: dict[str, tuple[str, ...]] = {
    "brp": ("adres", "persoon"),
    "bag": ("adres",),
    "kvk": ("adres", "bedrijf"),
    "belastingen": ("adres", "persoon", "bedrijf"),
    "vergunningen": ("adres", "persoon", "bedrijf"),
    "handhaving": ("adres", "persoon", "bedrijf"),
    "meldingen": ("adres",),
}

# Link status: only `zeker` links fill the entity key columns rules read.
CERTAIN, POSSIBLE, NONE = "zeker", "mogelijk", "geen"

LINKS_SCHEMA = {
    "source": pl.String,
    "record_key": pl.String,
    "entity_type": pl.String,  # address | person | company
    "entity_id": pl.String,
    "confidence": pl.Float64,
    "method": pl.String,
    "status": pl.String,  # zeker | mogelijk | geen
    "reason": pl.String,
}


def entity_key(entity: str) -> str:
    return ENTITY_KEYS[entity]


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
