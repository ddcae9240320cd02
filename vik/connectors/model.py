"""What a source schema is made of: columns, their kinds and data categories, entity types.

The vocabulary the entries of the source registry (``SOURCES`` in
vik.connectors.schemas) are written in. A ``Column`` says how its values are validated
(``Kind``) and what they say about a person (``Category``); a ``SourceSchema`` adds the
source's key, its address and subject columns and the entity types its records link
to, and checks that declaration when it is built: every column has a data category,
the columns it names exist, and a link to an entity type has the columns the resolver
needs for it.

    >>> Column("bsn", Kind.BSN, "Burgerservicenummer.").stored_name
    'bsn_pseudoniem'
    >>> ENTITIES[EntityType.PERSOON].key
    'persoon_id'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

# Years a date or a year column may hold: older is a typing error, not history.
MIN_YEAR, MAX_YEAR = 1850, 2200


class Kind(StrEnum):
    """How a column's values are validated and normalised."""

    TEXT = "text"  # trimmed; empty is empty (null)
    CODE = "code"  # trimmed, lower case, inner spaces become "_"
    INTEGER = "integer"
    DECIMAL = "decimal"  # "82,5" and "82.5" both read as 82.5
    DATE = "date"  # jjjj-mm-dd, dd-mm-jjjj or jjjjmmdd; stored as "jjjj-mm-dd"
    PARTIAL_DATE = "partial_date"  # as DATE, but month and/or day may be 00 (BRP)
    BSN = "bsn"  # 9 digits passing the elfproef; replaced by a keyed pseudonym
    POSTCODE = "postcode"  # 1234AB; "1234 ab" normalised
    KVK_NUMMER = "kvk_nummer"  # 8 digits
    VESTIGINGSNUMMER = "vestigingsnummer"  # 12 digits
    BAG_ID = "bag_id"  # 16 digits
    LIST = "list"  # ";"-separated values, stored as a list of strings
    CHOICE = "choice"  # one of Column.choices


class Category(StrEnum):
    """The data category of a column: what it says about a person, whatever it is called.

    Rules and lookup purposes may not read a column of a FORBIDDEN category (special
    categories of art. 9 AVG, and what profiles people by origin or identity) unless the
    guarding role approved an exception (docs/rules.md, "Profiling ban")."""

    IDENTIFICATIE = "identificatie"  # keys and numbers: BSN, KvK number, BAG id, case id
    NAAM = "naam"
    GEBOORTEDATUM = "geboortedatum"
    ADRES = "adres"
    INSCHRIJVING = "inschrijving"  # the BRP address period: function, start, end
    WONING = "woning"  # BAG object data: use, floor area
    BEDRIJF = "bedrijf"  # Handelsregister data: trade name, legal form, activities, dates
    BELASTING = "belasting"  # assessments, WOZ value
    ZAAK = "zaak"  # a permit or enforcement case: type, status, dates
    MELDING = "melding"  # a report: source, category, date
    OVERIG = "overig"  # anything else that is none of the forbidden categories
    # Special categories of personal data (art. 9 AVG).
    RAS_ETNICITEIT = "ras_etniciteit"
    POLITIEKE_OPVATTING = "politieke_opvatting"
    RELIGIE = "religie"  # religious or philosophical beliefs
    VAKBOND = "vakbond"
    GENETISCH = "genetisch"
    BIOMETRISCH = "biometrisch"
    GEZONDHEID = "gezondheid"
    SEKSUEEL = "seksueel"  # sex life or sexual orientation
    # Profile people by origin or identity.
    NATIONALITEIT = "nationaliteit"
    GEBOORTELAND = "geboorteland"
    TAAL = "taal"  # mother tongue, language proficiency
    GESLACHT = "geslacht"
    VERBLIJFSSTATUS = "verblijfsstatus"


# Special categories of personal data (art. 9 AVG).
ARTICLE_9_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.RAS_ETNICITEIT,
        Category.POLITIEKE_OPVATTING,
        Category.RELIGIE,
        Category.VAKBOND,
        Category.GENETISCH,
        Category.BIOMETRISCH,
        Category.GEZONDHEID,
        Category.SEKSUEEL,
    }
)

# Categories no rule or lookup purpose may read without an approved exception: art. 9,
# and what profiles people by origin or identity.
FORBIDDEN_CATEGORIES: frozenset[Category] = ARTICLE_9_CATEGORIES | {
    Category.NATIONALITEIT,
    Category.GEBOORTELAND,
    Category.TAAL,
    Category.GESLACHT,
    Category.VERBLIJFSSTATUS,
}


class EntityType(StrEnum):
    """What records are linked to; rules count per entity of one of these types."""

    ADRES = "adres"
    PERSOON = "persoon"
    BEDRIJF = "bedrijf"


@dataclass(frozen=True)
class Entity:
    """One entity type and the key column linked records carry."""

    type: EntityType
    key: str  # the column a linked record carries (only for certain links): rules read it


ENTITIES: dict[EntityType, Entity] = {
    e.type: e
    for e in (
        Entity(EntityType.ADRES, "nummeraanduiding_id"),
        Entity(EntityType.PERSOON, "persoon_id"),
        Entity(EntityType.BEDRIJF, "bedrijf_id"),
    )
}

# The parts of a Dutch address, in the order a clerk writes them; the place
# column follows (its name differs per source: kvk calls it `plaats`).
ADDRESS_PARTS: tuple[str, ...] = (
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
)
ADDRESS_TEXT = "adres"  # the free-text address column of process sources


@dataclass(frozen=True)
class Column:
    """One canonical column of a source.

    ``minimum``/``maximum`` bound a number (inclusive): a value outside goes to
    quarantine with its reason, as does NaN or infinity in a decimal column.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False  # the column must be present in the file
    nullable: bool = True  # a value may be empty
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # What the column says about a person (see Category); every column declares one.
    category: Category | None = None

    @property
    def forbidden(self) -> bool:
        """A special category or one that profiles by origin or identity."""
        return self.category in FORBIDDEN_CATEGORIES

    @property
    def stored_name(self) -> str:
        """Name of the column after ingest: BSN columns hold a pseudonym."""
        return f"{self.name}_pseudoniem" if self.kind is Kind.BSN else self.name


@dataclass(frozen=True)
class Subject:
    """The columns (canonical names) that name who a record is about.

    The resolver links a record with a BSN or a person's name to a person, and one
    with a KvK number or a company's name to a company (vik.resolve)."""

    naam: str | None = None
    bsn: str | None = None
    geboortedatum: str | None = None
    kvk: str | None = None

    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.naam, self.bsn, self.geboortedatum, self.kvk) if c)


@dataclass(frozen=True)
class SourceSchema:
    """A source of the extract contract, with everything later stages need to know of it."""

    name: str
    title: str
    natural_key: str | None
    columns: tuple[Column, ...]
    # The entity types this source's records are linked to (rules count per these).
    links: tuple[EntityType, ...] = ()
    # The source *is* the register of this entity type (bag, brp, kvk): its records
    # define the entities instead of being linked to them by matching.
    register_of: EntityType | None = None
    # Columns naming the person or company a record is about (process sources).
    subject: Subject | None = None
    # Columns whose stable hash is the record key when neither record_id nor
    # the natural key is delivered. Empty means all columns.
    identity_columns: tuple[str, ...] = ()
    # Either the address parts or one free-text `adres` column is required.
    address_parts_or_text: bool = False
    # Name of the woonplaats column (kvk calls it `plaats`).
    place_column: str = "woonplaats"
    # Columns that identify people; used by the privacy tests and docs.
    personal: tuple[str, ...] = field(default=())
    # Data about (suspected) offences: a rule reading it needs an art. 10 AVG basis.
    criminal_data: bool = False
    # Covered by the tax secrecy of art. 67 AWR: a rule reading it needs a disclosure decision.
    tax_secrecy: bool = False
    # How the public algorithm register names the source (Dutch), and where it is described.
    public_name: str = ""
    public_link: str = ""

    def __post_init__(self) -> None:
        names = {c.name for c in self.columns}
        undeclared = [c.name for c in self.columns if c.category is None]
        if undeclared:
            raise ValueError(f"{self.name}: columns without a data category: {undeclared}")
        declared = [
            *(self.subject.columns() if self.subject else ()),
            *self.identity_columns,
            *([self.natural_key] if self.natural_key else []),
        ]
        unknown = [c for c in declared if c not in names]
        if unknown:
            raise ValueError(f"{self.name}: declares unknown columns {unknown}")
        for entity in self.links:
            if entity is self.register_of:
                continue
            if entity is EntityType.ADRES and not {"straatnaam", "huisnummer"} <= names:
                raise ValueError(f"{self.name}: links to adres but has no address columns")
            subject = self.subject or Subject()
            if entity is EntityType.PERSOON and not (subject.bsn or subject.naam):
                raise ValueError(f"{self.name}: links to persoon but names no bsn or naam column")
            if entity is EntityType.BEDRIJF and not (subject.kvk or subject.naam):
                raise ValueError(f"{self.name}: links to bedrijf but names no kvk or naam column")
        if self.subject is not None and EntityType.ADRES not in self.links:
            # The person and company matchers weigh the address a record names.
            raise ValueError(f"{self.name}: a source with a subject must link to adres too")
        if self.register_of is not None and self.register_of not in self.links:
            raise ValueError(f"{self.name}: the register of {self.register_of} must link to it")

    def extended(self, extra: Mapping[str, tuple[Kind, Category]]) -> SourceSchema:
        """This schema plus extra columns a municipality configured on purpose, each with
        its kind and data category."""
        if not extra:
            return self
        added = tuple(
            Column(name, kind, "Extra column configured in config/sources.yaml.", category=category)
            for name, (kind, category) in extra.items()
        )
        return replace(self, columns=(*self.columns, *added))

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        return tuple(c.stored_name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def address_columns(self) -> tuple[str, ...]:
        return (*ADDRESS_PARTS, self.place_column)

    def address_record(self) -> dict[str, str | None]:
        """How this source's columns read as an address record of the resolver:
        the parts, ``woonplaats``, the free text ``adres`` and a delivered
        ``nummeraanduiding_id``, each the source's column or None."""
        names = set(self.column_names)
        record: dict[str, str | None] = {part: part for part in ADDRESS_PARTS}
        record["woonplaats"] = self.place_column
        record[ADDRESS_TEXT] = ADDRESS_TEXT if ADDRESS_TEXT in names else None
        key = ENTITIES[EntityType.ADRES].key
        record[key] = key if key in names else None
        return record

    def stored(self, name: str | None) -> str | None:
        """The stored name of a column (BSN columns hold a pseudonym), None for None."""
        return None if name is None else self.column(name).stored_name

    def links_to(self, entity: EntityType | str) -> bool:
        return EntityType(entity) in self.links

    @property
    def resolves(self) -> tuple[EntityType, ...]:
        """The entity types this source's records are linked to by matching (not registers)."""
        return tuple(e for e in self.links if e is not self.register_of)
