"""Resolution: tie every record to its BAG address, person and company.

    >>> resolved = resolve_extracts(extracts.frames(), judgements=judgements)
    >>> resolved.frames["vergunningen"].select("record_key", "nummeraanduiding_id", "persoon_id")
    >>> resolved.links.columns
    ['source', 'record_key', 'entity_type', 'entity_id', 'confidence', 'method', 'status', 'reason']

Order matters: addresses first (persons and companies use address agreement),
then companies (a name that is a company's is not a person's), then persons.
Which source is the register of each entity type (bag, kvk, brp), which sources
link to which entity types, and which columns hold their address and subject,
the source registry says (vik.connectors.schemas.SOURCES): a source added there
is resolved without a change here.
Every source frame comes back with, per entity type it links to, the entity
key (only for certain links: that is all rules may use), the confidence and the
method; ``links`` holds one row per record and entity type, including the
possible and failed ones with their reason.

The thresholds of all three come from config/resolve.yaml (``vik.resolve.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from vik.connectors.model import EntityType, SourceSchema
from vik.connectors.schemas import SOURCES
from vik.resolve.bag import build_index, resolve_addresses
from vik.resolve.companies import company_id, resolve_companies
from vik.resolve.judgements import Verdicts, apply_judgements
from vik.resolve.links import (
    CERTAIN,
    LINKS_SCHEMA,
    NONE,
    certain_link,
    confidence_column,
    entity_key,
    method_column,
)
from vik.resolve.names import looks_like_company
from vik.resolve.persons import person_id, resolve_persons
from vik.resolve.settings import ResolveSettings
from vik.resolve.settings import load_resolve_settings as load_resolve_settings

ADRES, PERSOON, BEDRIJF = EntityType.ADRES, EntityType.PERSOON, EntityType.BEDRIJF


def register(entity: EntityType) -> str:
    """The source that is the register of an entity type: bag, brp or kvk."""
    return next(name for name, schema in SOURCES.items() if schema.register_of is entity)


def _matched(frames: dict[str, pl.DataFrame], entity: EntityType) -> list[tuple[str, SourceSchema]]:
    """The sources whose records are linked to this entity type by matching, in order."""
    return [(name, SOURCES[name]) for name in frames if entity in SOURCES[name].resolves]


@dataclass
class Resolved:
    frames: dict[str, pl.DataFrame]
    links: pl.DataFrame
    # source, record_key, straat: the BAG street each record's address names (see
    # vik.resolve.bag), for the person matcher.
    streets: pl.DataFrame


def _link_rows(
    frame: pl.DataFrame, source: str, entity: EntityType, id_column: str
) -> pl.DataFrame:
    return frame.select(
        pl.lit(source).alias("source"),
        "record_key",
        pl.lit(entity).alias("entity_type"),
        pl.col(id_column).alias("entity_id"),
        "confidence",
        "method",
        "status",
        "reason",
    )


def _attach(frame: pl.DataFrame, links: pl.DataFrame, entity: str, id_column: str) -> pl.DataFrame:
    """Entity key (certain links only), confidence and method as columns of a source frame."""
    key = entity_key(entity)
    attached = links.select(
        "record_key",
        pl.when(pl.col("status") == CERTAIN).then(pl.col(id_column)).alias(key),
        pl.col("confidence").alias(confidence_column(entity)),
        pl.col("method").alias(method_column(entity)),
    )
    base = frame.drop(
        [c for c in (key, confidence_column(entity), method_column(entity)) if c in frame.columns]
    )
    return base.join(attached, on="record_key", how="left")


def _address_records(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every record of a source linked to addresses, as the address resolver reads it."""
    pieces = []
    for source, schema in _matched(frames, ADRES):
        frame = frames[source]
        pieces.append(
            frame.select(
                (pl.lit(source + "\x1f") + pl.col("record_key")).alias("key"),
                *[
                    (
                        pl.col(column)
                        if column is not None and column in frame.columns
                        else pl.lit(None, dtype=pl.String)
                    ).alias(part)
                    for part, column in schema.address_record().items()
                ],
            )
        )
    return pl.concat(pieces, how="vertical_relaxed")


def subject_records(
    frames: dict[str, pl.DataFrame], streets: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The records of the process sources that name a company and those that name a person,
    in the shape resolve_companies and resolve_persons take (after address resolution).
    `streets` (source, record_key, straat: ``Resolved.streets``) gives each person record
    the BAG street its address names, also where the address itself stayed open."""
    company_records, person_records = [], []
    for source, schema in SOURCES.items():
        if source not in frames or schema.subject is None:
            continue
        frame = frames[source]

        def column(name: str | None, schema: SourceSchema = schema) -> pl.Expr:
            stored = schema.stored(name)
            return pl.col(stored) if stored else pl.lit(None, dtype=pl.String)

        subject = schema.subject
        naam, bsn, kvk = column(subject.naam), column(subject.bsn), column(subject.kvk)
        # With a BSN the name is a person's. Without, it is a company's when it reads
        # like one or when the record carries a KvK number ("DELTA HOLDIG", 66593419).
        company_like = bsn.is_null() & (
            looks_like_company(naam).fill_null(False) | kvk.is_not_null()
        )
        if schema.links_to(BEDRIJF):
            company_records.append(
                frame.filter(kvk.is_not_null() | (naam.is_not_null() & company_like)).select(
                    pl.lit(source).alias("source"),
                    "record_key",
                    kvk.alias("kvk_nummer"),
                    pl.when(company_like).then(naam).alias("naam"),
                    "nummeraanduiding_id",
                    "postcode",
                )
            )
        if schema.links_to(PERSOON):
            person_records.append(
                frame.filter(bsn.is_not_null() | (naam.is_not_null() & ~company_like)).select(
                    pl.lit(source).alias("source"),
                    "record_key",
                    bsn.alias("bsn_pseudoniem"),
                    pl.when(~company_like).then(naam).alias("naam"),
                    column(subject.geboortedatum).alias("geboortedatum"),
                    "nummeraanduiding_id",
                    "postcode",
                    "huisnummer",
                    "straatnaam",
                )
            )
    persons = pl.concat(person_records)
    if streets is not None:
        persons = persons.join(streets, on=["source", "record_key"], how="left")
    return pl.concat(company_records), persons


def resolve_extracts(
    frames: dict[str, pl.DataFrame],
    *,
    judgements: pl.DataFrame | None = None,
    settings: ResolveSettings | None = None,
) -> Resolved:
    """Resolve all ingested sources; frames keep their rows and gain link columns."""
    settings = settings or ResolveSettings()
    frames = dict(frames)
    links: list[pl.DataFrame] = []

    # Addresses: every source against the BAG, in one batch.
    bag_source, kvk_source, brp_source = register(ADRES), register(BEDRIJF), register(PERSOON)
    bag = frames[bag_source]
    index = build_index(bag)
    addressed = resolve_addresses(_address_records(frames), index, settings.addresses).with_columns(
        pl.col("key").str.split_exact("\x1f", 1).struct.field("field_0").alias("source"),
        pl.col("key").str.split_exact("\x1f", 1).struct.field("field_1").alias("record_key"),
        pl.when(pl.col("nummeraanduiding_id").is_not_null())
        .then(pl.lit(CERTAIN))
        .otherwise(pl.lit(NONE))
        .alias("status"),
    )
    addressed = apply_judgements(
        addressed,
        Verdicts.of(judgements, ADRES),
        id_column="nummeraanduiding_id",
        label="dit adres",
    )
    for source, _ in _matched(frames, ADRES):
        part = addressed.filter(pl.col("source") == source)
        frames[source] = _attach(frames[source], part, ADRES, "nummeraanduiding_id")
        links.append(_link_rows(part, source, ADRES, "nummeraanduiding_id"))
    frames[bag_source] = bag.with_columns(
        pl.lit(1.0).alias(confidence_column(ADRES)), pl.lit("bag").alias(method_column(ADRES))
    )
    links.append(
        bag.select(
            pl.lit(bag_source).alias("source"),
            "record_key",
            pl.lit(ADRES).alias("entity_type"),
            pl.col("nummeraanduiding_id").alias("entity_id"),
            *certain_link("bag"),
        )
    )

    # Companies: the KvK extract itself, then every record that names a company.
    kvk = frames[kvk_source]
    kvk_links = kvk.select(
        "record_key",
        company_id(pl.col("kvk_nummer")).alias("bedrijf_id"),
        *certain_link("kvk_nummer"),
    )
    frames[kvk_source] = _attach(kvk, kvk_links, BEDRIJF, "bedrijf_id")
    links.append(_link_rows(kvk_links, kvk_source, BEDRIJF, "bedrijf_id"))
    streets = addressed.filter(pl.col("straat").is_not_null()).select(
        "source", "record_key", "straat"
    )
    company_records, person_records = subject_records(frames, streets)
    companies = resolve_companies(
        frames[kvk_source],
        company_records,
        judgements=judgements,
        settings=settings.companies,
    )
    brp = frames[brp_source].with_columns(person_id(pl.col("bsn_pseudoniem")).alias("persoon_id"))
    brp_links = brp.select(
        "record_key",
        "persoon_id",
        *certain_link("bsn"),
    )
    frames[brp_source] = _attach(frames[brp_source], brp_links, PERSOON, "persoon_id")
    links.append(_link_rows(brp_links, brp_source, PERSOON, "persoon_id"))
    persons = resolve_persons(
        frames[brp_source], person_records, judgements=judgements, settings=settings.persons
    )
    for source, schema in SOURCES.items():
        if source not in frames or schema.subject is None:
            continue
        if schema.links_to(BEDRIJF):
            company_part = companies.filter(pl.col("source") == source)
            frames[source] = _attach(frames[source], company_part, BEDRIJF, "bedrijf_id")
            links.append(_link_rows(company_part, source, BEDRIJF, "bedrijf_id"))
        if schema.links_to(PERSOON):
            person_part = persons.filter(pl.col("source") == source)
            frames[source] = _attach(frames[source], person_part, PERSOON, "persoon_id")
            links.append(_link_rows(person_part, source, PERSOON, "persoon_id"))
    all_links = pl.concat([link.cast(LINKS_SCHEMA) for link in links])
    return Resolved(frames=frames, links=all_links, streets=streets)
