"""The registry of sources and entities: one definition of each canonical source.

A source's schema is everything the later stages need to know about it: its
columns (how each is validated, and its allowed range), which columns hold its
address and its place, which name the person or company a record is about, and
the entity types its records link to. Connectors validate against it, the
resolver reads the address and subject columns from it, the rule loader the
fields and entity keys a rule may read, the demo generator writes it, and
docs/extracts.md is generated from it (``python -m vik.connectors.contract``);
a test keeps that file in sync. Adding a source is one entry in ``SOURCES`` plus
its demo writer (docs/extracts.md, "How to add a source").

    >>> SOURCES["bag"].natural_key
    'nummeraanduiding_id'
    >>> SOURCES["brp"].column("bsn").kind
    <Kind.BSN: 'bsn'>
    >>> SOURCES["vergunningen"].links
    (<EntityType.ADRES: 'adres'>, <EntityType.PERSOON: 'persoon'>, <EntityType.BEDRIJF: 'bedrijf'>)
    >>> SOURCES["handhaving"].subject.bsn, ENTITIES[EntityType.PERSOON].key
    ('betrokkene_bsn', 'persoon_id')
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


# Categories no rule or lookup purpose may read without an approved exception.
FORBIDDEN_CATEGORIES: frozenset[Category] = frozenset(
    {
        Category.RAS_ETNICITEIT,
        Category.POLITIEKE_OPVATTING,
        Category.RELIGIE,
        Category.VAKBOND,
        Category.GENETISCH,
        Category.BIOMETRISCH,
        Category.GEZONDHEID,
        Category.SEKSUEEL,
        Category.NATIONALITEIT,
        Category.GEBOORTELAND,
        Category.TAAL,
        Category.GESLACHT,
        Category.VERBLIJFSSTATUS,
    }
)


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


# The BAG's range of house numbers; floor areas in whole m² (BAG: 1 to 999,999).
HUISNUMMER_RANGE = (1, 99999)
OPPERVLAKTE_RANGE = (1, 999_999)


def record_id_column() -> Column:
    """The optional `record_id` every source may deliver (a new source starts with it)."""
    return Column(
        "record_id",
        Kind.TEXT,
        "Stable identifier of the row in the source system. Optional; when absent "
        "the natural key (or a stable hash) is the record key.",
        category=Category.IDENTIFICATIE,
    )


def address_part_columns(
    *, required: bool, place: str = "woonplaats", free_text: bool = False
) -> tuple[Column, ...]:
    """The address columns of a source: the parts (straatnaam and huisnummer
    `required` or not), the place column under its name, and with `free_text` the
    `adres` column clerks type into (set ``address_parts_or_text`` then)."""
    parts = (
        Column(
            "straatnaam",
            Kind.TEXT,
            "Street name (openbare ruimte).",
            required=required,
            category=Category.ADRES,
        ),
        Column(
            "huisnummer",
            Kind.INTEGER,
            "House number.",
            required=required,
            minimum=HUISNUMMER_RANGE[0],
            maximum=HUISNUMMER_RANGE[1],
            category=Category.ADRES,
        ),
        Column("huisletter", Kind.TEXT, "House letter (A, B, ...).", category=Category.ADRES),
        Column(
            "huisnummertoevoeging",
            Kind.TEXT,
            "House number addition, up to four letters or digits (1, 2, H, hs, bis, II, 3b, AB12).",
            category=Category.ADRES,
        ),
        Column(
            "postcode",
            Kind.POSTCODE,
            "Postcode, 1234AB (a space and lower case are accepted).",
            category=Category.ADRES,
        ),
        Column(place, Kind.TEXT, "Place (woonplaats).", category=Category.ADRES),
    )
    if not free_text:
        return parts
    text = Column(
        "adres",
        Kind.TEXT,
        "Free-text address as typed by a clerk, used when the parts are absent "
        "(for example `Kerkstr. 12-a, 3811 AB`).",
        category=Category.ADRES,
    )
    return (*parts, text)


SOURCES: dict[str, SourceSchema] = {
    s.name: s
    for s in (
        SourceSchema(
            name="brp",
            title="BRP-inschrijvingen: one row per person per address period",
            natural_key="record_id",
            links=(EntityType.ADRES, EntityType.PERSOON),
            register_of=EntityType.PERSOON,
            public_name="Basisregistratie Personen (BRP)",
            public_link="https://www.rvig.nl/basisregistratie-personen",
            identity_columns=(
                "bsn",
                "functie_adres",
                "datum_aanvang_adreshouding",
                "nummeraanduiding_id",
                "postcode",
                "huisnummer",
                "huisletter",
                "huisnummertoevoeging",
            ),
            personal=("bsn", "geslachtsnaam", "voorvoegsel", "voornamen", "geboortedatum"),
            columns=(
                record_id_column(),
                Column(
                    "bsn",
                    Kind.BSN,
                    "Burgerservicenummer.",
                    required=True,
                    nullable=False,
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "geslachtsnaam",
                    Kind.TEXT,
                    "Surname without voorvoegsel.",
                    required=True,
                    nullable=False,
                    category=Category.NAAM,
                ),
                Column(
                    "voorvoegsel",
                    Kind.TEXT,
                    "Surname prefix (van, de, van der, in 't, ...).",
                    category=Category.NAAM,
                ),
                Column("voornamen", Kind.TEXT, "First names.", category=Category.NAAM),
                Column(
                    "geboortedatum",
                    Kind.PARTIAL_DATE,
                    "Date of birth; BRP's incomplete dates (19800000, month or day 00) are kept as such.",
                    required=True,
                    category=Category.GEBOORTEDATUM,
                ),
                *address_part_columns(required=True),
                Column(
                    "nummeraanduiding_id",
                    Kind.BAG_ID,
                    "BAG nummeraanduiding of the address, when the BRP extract carries it.",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "functie_adres",
                    Kind.CHOICE,
                    "W (woonadres) or B (briefadres).",
                    required=True,
                    nullable=False,
                    choices=("W", "B"),
                    category=Category.INSCHRIJVING,
                ),
                Column(
                    "datum_aanvang_adreshouding",
                    Kind.PARTIAL_DATE,
                    "Start of the address period.",
                    required=True,
                    nullable=False,
                    category=Category.INSCHRIJVING,
                ),
                Column(
                    "datum_einde_adreshouding",
                    Kind.PARTIAL_DATE,
                    "End of the address period; empty means current.",
                    category=Category.INSCHRIJVING,
                ),
            ),
        ),
        SourceSchema(
            name="bag",
            title="BAG verblijfsobjecten with their nummeraanduidingen",
            natural_key="nummeraanduiding_id",
            links=(EntityType.ADRES,),
            register_of=EntityType.ADRES,
            public_name="Basisregistratie Adressen en Gebouwen (BAG)",
            public_link="https://www.kadaster.nl/zakelijk/registraties/basisregistraties/bag",
            columns=(
                record_id_column(),
                Column(
                    "nummeraanduiding_id",
                    Kind.BAG_ID,
                    "BAG nummeraanduiding (16 digits).",
                    required=True,
                    nullable=False,
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "verblijfsobject_id",
                    Kind.BAG_ID,
                    "BAG verblijfsobject (16 digits).",
                    category=Category.IDENTIFICATIE,
                ),
                *address_part_columns(required=True),
                Column(
                    "gebruiksdoel",
                    Kind.LIST,
                    "One or more gebruiksdoelen, `;`-separated (woonfunctie, kantoorfunctie, ...).",
                    required=True,
                    category=Category.WONING,
                ),
                Column(
                    "oppervlakte",
                    Kind.DECIMAL,
                    "Floor area in m².",
                    required=True,
                    minimum=OPPERVLAKTE_RANGE[0],
                    maximum=OPPERVLAKTE_RANGE[1],
                    category=Category.WONING,
                ),
            ),
        ),
        SourceSchema(
            name="kvk",
            title="Handelsregister vestigingen",
            natural_key="vestigingsnummer",
            links=(EntityType.ADRES, EntityType.BEDRIJF),
            register_of=EntityType.BEDRIJF,
            place_column="plaats",
            public_name="Handelsregister (KvK)",
            public_link="https://www.kvk.nl/over-het-handelsregister/",
            columns=(
                record_id_column(),
                Column(
                    "vestigingsnummer",
                    Kind.VESTIGINGSNUMMER,
                    "Vestigingsnummer (12 digits).",
                    required=True,
                    nullable=False,
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "kvk_nummer",
                    Kind.KVK_NUMMER,
                    "KvK number (8 digits).",
                    required=True,
                    nullable=False,
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "handelsnaam",
                    Kind.TEXT,
                    "Trade name.",
                    required=True,
                    nullable=False,
                    category=Category.BEDRIJF,
                ),
                Column(
                    "rechtsvorm",
                    Kind.TEXT,
                    "Legal form (Eenmanszaak, B.V., ...).",
                    category=Category.BEDRIJF,
                ),
                Column(
                    "sbi_codes",
                    Kind.LIST,
                    "SBI activity codes, `;`-separated.",
                    category=Category.BEDRIJF,
                ),
                Column(
                    "datum_inschrijving", Kind.DATE, "Registration date.", category=Category.BEDRIJF
                ),
                Column(
                    "datum_uitschrijving",
                    Kind.DATE,
                    "Deregistration date; empty means active.",
                    category=Category.BEDRIJF,
                ),
                *address_part_columns(required=True, place="plaats"),
            ),
        ),
        SourceSchema(
            name="belastingen",
            title="Gemeentelijke heffingen and WOZ",
            natural_key="aanslag_id",
            links=(EntityType.ADRES, EntityType.PERSOON, EntityType.BEDRIJF),
            subject=Subject(naam="subject_naam", bsn="subject_bsn", kvk="subject_kvk"),
            tax_secrecy=True,
            public_name="Gemeentelijke belastingen en WOZ",
            personal=("subject_bsn", "subject_naam"),
            columns=(
                record_id_column(),
                Column(
                    "aanslag_id", Kind.TEXT, "Assessment number.", category=Category.IDENTIFICATIE
                ),
                Column(
                    "belastingjaar",
                    Kind.INTEGER,
                    "Tax year.",
                    required=True,
                    minimum=MIN_YEAR,
                    maximum=MAX_YEAR,
                    category=Category.BELASTING,
                ),
                Column(
                    "heffing",
                    Kind.CODE,
                    "Levy (ozb, afvalstoffenheffing, rioolheffing, ...).",
                    required=True,
                    category=Category.BELASTING,
                ),
                Column(
                    "subject_bsn",
                    Kind.BSN,
                    "BSN of the taxed person.",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "subject_kvk",
                    Kind.KVK_NUMMER,
                    "KvK number of the taxed company.",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "subject_naam", Kind.TEXT, "Name of the taxed subject.", category=Category.NAAM
                ),
                *address_part_columns(required=True),
                Column(
                    "woz_waarde",
                    Kind.INTEGER,
                    "WOZ value in euros.",
                    minimum=0,
                    category=Category.BELASTING,
                ),
                Column(
                    "aantal_personen",
                    Kind.INTEGER,
                    "Number of persons the levy counts.",
                    minimum=0,
                    category=Category.BELASTING,
                ),
                Column(
                    "status", Kind.CODE, "Status of the assessment.", category=Category.BELASTING
                ),
            ),
        ),
        SourceSchema(
            name="vergunningen",
            title="Permit cases",
            natural_key="zaak_id",
            links=(EntityType.ADRES, EntityType.PERSOON, EntityType.BEDRIJF),
            subject=Subject(
                naam="aanvrager_naam",
                bsn="aanvrager_bsn",
                geboortedatum="aanvrager_geboortedatum",
                kvk="aanvrager_kvk",
            ),
            public_name="Vergunningenregistratie van de gemeente",
            address_parts_or_text=True,
            personal=("aanvrager_bsn", "aanvrager_naam", "aanvrager_geboortedatum"),
            columns=(
                record_id_column(),
                Column("zaak_id", Kind.TEXT, "Case number.", category=Category.IDENTIFICATIE),
                Column(
                    "vergunningtype",
                    Kind.CODE,
                    "Permit type (exploitatievergunning, alcoholvergunning, omgevingsvergunning, ...).",
                    required=True,
                    nullable=False,
                    category=Category.ZAAK,
                ),
                Column(
                    "aanvrager_naam",
                    Kind.TEXT,
                    "Applicant's name as typed.",
                    category=Category.NAAM,
                ),
                Column(
                    "aanvrager_kvk",
                    Kind.KVK_NUMMER,
                    "Applicant's KvK number.",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "aanvrager_bsn",
                    Kind.BSN,
                    "Applicant's BSN (optional).",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "aanvrager_geboortedatum",
                    Kind.PARTIAL_DATE,
                    "Applicant's date of birth.",
                    category=Category.GEBOORTEDATUM,
                ),
                *address_part_columns(required=False, free_text=True),
                Column(
                    "datum_aanvraag",
                    Kind.DATE,
                    "Application date.",
                    required=True,
                    category=Category.ZAAK,
                ),
                Column("datum_besluit", Kind.DATE, "Decision date.", category=Category.ZAAK),
                Column(
                    "status",
                    Kind.CODE,
                    "Status (in_behandeling, verleend, geweigerd, ...).",
                    category=Category.ZAAK,
                ),
            ),
        ),
        SourceSchema(
            name="handhaving",
            title="Enforcement cases",
            natural_key="zaak_id",
            links=(EntityType.ADRES, EntityType.PERSOON, EntityType.BEDRIJF),
            subject=Subject(
                naam="betrokkene_naam",
                bsn="betrokkene_bsn",
                geboortedatum="betrokkene_geboortedatum",
                kvk="betrokkene_kvk",
            ),
            public_name="Handhavingszaken van de gemeente",
            address_parts_or_text=True,
            criminal_data=True,
            personal=("betrokkene_bsn", "betrokkene_naam", "betrokkene_geboortedatum"),
            columns=(
                record_id_column(),
                Column("zaak_id", Kind.TEXT, "Case number.", category=Category.IDENTIFICATIE),
                Column(
                    "zaaktype",
                    Kind.CODE,
                    "Case type (damocles_sluiting, damocles_waarschuwing, last_onder_dwangsom, "
                    "bestuursdwang, apv_overtreding, illegale_bewoning, illegale_prostitutie, ...).",
                    required=True,
                    nullable=False,
                    category=Category.ZAAK,
                ),
                Column(
                    "grondslag",
                    Kind.TEXT,
                    "Legal basis of the case (Opiumwet art. 13b, ...).",
                    category=Category.ZAAK,
                ),
                Column(
                    "betrokkene_naam",
                    Kind.TEXT,
                    "Name of the person or company involved.",
                    category=Category.NAAM,
                ),
                Column(
                    "betrokkene_geboortedatum",
                    Kind.PARTIAL_DATE,
                    "Date of birth of the person involved.",
                    category=Category.GEBOORTEDATUM,
                ),
                Column(
                    "betrokkene_kvk",
                    Kind.KVK_NUMMER,
                    "KvK number of the company involved.",
                    category=Category.IDENTIFICATIE,
                ),
                Column(
                    "betrokkene_bsn",
                    Kind.BSN,
                    "BSN of the person involved (optional).",
                    category=Category.IDENTIFICATIE,
                ),
                *address_part_columns(required=False, free_text=True),
                Column(
                    "datum_start",
                    Kind.DATE,
                    "Start of the case.",
                    required=True,
                    category=Category.ZAAK,
                ),
                Column(
                    "datum_einde",
                    Kind.DATE,
                    "End of the case; empty means open.",
                    category=Category.ZAAK,
                ),
                Column("status", Kind.CODE, "Status of the case.", category=Category.ZAAK),
            ),
        ),
        SourceSchema(
            name="meldingen",
            title="Reports: Meld Misdaad Anoniem, intern meldpunt, boa, partners",
            natural_key="melding_id",
            links=(EntityType.ADRES,),
            public_name="Meldingen openbare orde en veiligheid",
            address_parts_or_text=True,
            criminal_data=True,
            columns=(
                record_id_column(),
                Column("melding_id", Kind.TEXT, "Report number.", category=Category.IDENTIFICATIE),
                Column(
                    "bron",
                    Kind.CODE,
                    "Channel (mma, intern_meldpunt, boa, politie, woningcorporatie, ...).",
                    required=True,
                    nullable=False,
                    category=Category.MELDING,
                ),
                Column(
                    "datum",
                    Kind.DATE,
                    "Date of the report.",
                    required=True,
                    nullable=False,
                    category=Category.MELDING,
                ),
                Column(
                    "categorie",
                    Kind.CODE,
                    "Category of the report.",
                    required=True,
                    category=Category.MELDING,
                ),
                *address_part_columns(required=False, free_text=True),
            ),
        ),
    )
}

FORMATS: tuple[str, ...] = ("csv", "parquet", "jsonl")
