"""The registry of sources: one definition of each canonical source.

A source's schema is everything the later stages need to know about it: its
columns (how each is validated, and its allowed range), which columns hold its
address and its place, which name the person or company a record is about, and
the entity types its records link to. Connectors validate against it, the
resolver reads the address and subject columns from it, the rule loader the
fields and entity keys a rule may read, the demo generator writes it, and
docs/extracts.md is generated from it (``python -m vik.connectors.contract``);
a test keeps that file in sync. Adding a source is one entry in ``SOURCES`` plus
its demo writer (docs/extracts.md, "How to add a source"); what an entry is made of
(``SourceSchema``, ``Column``, ``Kind``, ``Category``, ``EntityType``) is
vik.connectors.model.

    >>> SOURCES["bag"].natural_key
    'nummeraanduiding_id'
    >>> SOURCES["brp"].column("bsn").kind
    <Kind.BSN: 'bsn'>
    >>> SOURCES["vergunningen"].links
    (<EntityType.ADRES: 'adres'>, <EntityType.PERSOON: 'persoon'>, <EntityType.BEDRIJF: 'bedrijf'>)
    >>> SOURCES["handhaving"].subject.bsn
    'betrokkene_bsn'
"""

from __future__ import annotations

from vik.connectors.model import (
    MAX_YEAR,
    MIN_YEAR,
    Category,
    Column,
    EntityType,
    Kind,
    SourceSchema,
    Subject,
)

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
