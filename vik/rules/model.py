"""The rule file: a strict pydantic schema, published as JSON Schema (docs/rule.schema.json).

One YAML file per rule under config/rules/. Unknown keys are an error. What a
rule may read (``inputs``), what it computes per entity (``measures``), when it
raises a flag (``condition``) and why that is lawful (``doelbinding``) all sit
in the one file a compliance officer reads; docs/rules.md explains each key.

    >>> rule = Rule.model_validate(yaml.safe_load(Path("config/rules/overbewoning.yaml").read_text()))
    >>> rule.entity_types
    ('adres',)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from vik.connectors.model import EntityType
from vik.rules.aggregations import AGGREGATIONS, Aggregation, Reads
from vik.rules.kinds import RULE_KINDS

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
FieldRef = Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z_0-9]+$")]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
# A VIK account's username (vik/web/users.py USERNAME).
Username = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]{1,63}$")]
ParamValue = int | float | bool | str | list[str] | list[int] | list[float]

# ISO 8601 durations as bewaartermijn: P1Y, P6M, P90D, P1Y6M, P2W.
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Severity(StrEnum):
    LAAG = "laag"
    MIDDEL = "middel"
    HOOG = "hoog"


class Status(StrEnum):
    CONCEPT = "concept"
    GOEDGEKEURD = "goedgekeurd"
    PROEF = "proef"  # runs, for the pilot departments only; every flag needs an outcome
    ACTIEF = "actief"
    INGETROKKEN = "ingetrokken"


class Promotie(Strict):
    """When a proef rule has proven itself: enough outcomes and a high enough precision.

    Promotion itself is a new version with status actief, approved by someone other
    than the author; `vik rules check` and the register say whether this is met."""

    min_uitkomsten: int = Field(
        ge=1,
        description="Minimum aantal uitkomsten (bevestigd of niet bevestigd) waarop de "
        "precisie rust.",
    )
    min_precisie: float = Field(
        ge=0,
        le=1,
        description="Minimale precisie: bevestigd / (bevestigd + niet bevestigd), als fractie.",
    )


class Proef(Strict):
    """A trial: the rule runs for these pilot departments only."""

    afdelingen: list[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]] = Field(
        min_length=1,
        description="De afdelingen (uit doelbinding.ontvangers) die de signalen in de proef "
        "krijgen.",
    )
    promotie: Promotie


class Grondslag(Strict):
    avg: Text | None = Field(
        default=None, description="Grondslag uit art. 6 lid 1 AVG, bijvoorbeeld sub e."
    )
    wettelijke_taak: Text | None = Field(
        default=None,
        description="De specifieke wettelijke taak (Wet BRP, Opiumwet art. 13b, Gemeentewet "
        "art. 172, Wet Bibob, Wmo 2015, ...).",
    )
    links: list[str] = Field(
        default_factory=list, description="Vindplaatsen op wetten.overheid.nl."
    )


class Bewaartermijn(StrEnum):
    LAATSTE_SIGNALERING = "laatste_signalering"
    BESLUIT = "besluit"


class Doelbinding(Strict):
    """Purpose binding. Fields are optional in the schema so that a concept can be
    incomplete; ``doelbinding_gaps`` says what is missing before a rule may run."""

    grondslag: Grondslag | None = None
    doel: Text | None = None
    verantwoordelijk_orgaan: Literal["burgemeester", "college", "raad"] | None = None
    gegevenscategorieen: dict[str, Text] | None = Field(
        default=None,
        description="Per bron die de regel leest: welke gegevens en waarom. Elke bron uit "
        "inputs moet hier staan.",
    )
    betrokkenen: list[Text] | None = None
    ontvangers: list[Identifier] | None = Field(
        default=None,
        description="Afdelingen (ids uit config/departments.yaml) die de signalen zien.",
    )
    bewaartermijn: Text | None = Field(default=None, description="ISO 8601-duur, bv. P1Y of P6M.")
    bewaartermijn_aanvang: Bewaartermijn | None = Field(
        default=None,
        description="laatste_signalering: de termijn loopt vanaf de laatste nacht waarin het "
        "signaal nog gold; besluit: vanaf het laatste besluit van een analist (signalen zonder "
        "besluit vervallen op hun eigen termijn vanaf de laatste signalering).",
    )
    proportionaliteit: Text | None = None
    subsidiariteit: Text | None = None
    dpia: Text | None = Field(
        default=None, description="Kenmerk van de DPIA (bv. DPIA-VIK-2026-01) of een https-link."
    )
    dpia_link: Text | None = Field(
        default=None, description="Openbare https-link naar de DPIA, voor het Algoritmeregister."
    )
    fg_advies: Text | None = Field(
        default=None,
        description="Kenmerk van het advies van de FG (bv. FG-ADV-2026-007) of een https-link.",
    )
    fg_advies_link: Text | None = Field(
        default=None, description="Openbare https-link naar het advies van de FG."
    )
    eigenaar: Text | None = None
    herbeoordeling: date | None = Field(
        default=None,
        description="Uiterlijke datum van herbeoordeling; daarna draait de regel niet.",
    )
    strafrechtelijke_gegevens: Text | None = Field(
        default=None,
        description="Grondslag voor gegevens over strafbare feiten (art. 10 AVG, art. 33 UAVG); "
        "verplicht als de regel handhaving of meldingen leest.",
    )
    bijzondere_persoonsgegevens: Text | None = Field(
        default=None, description="Grondslag uit art. 9 AVG / UAVG als gezondheidsgegevens meedoen."
    )
    awr_ontheffing: Text | None = Field(
        default=None,
        description="Besluit dat de geheimhouding van art. 67 AWR opheft; verplicht als de "
        "regel belastingen leest.",
    )

    @field_validator("bewaartermijn")
    @classmethod
    def _iso_duration(cls, value: str | None) -> str | None:
        if value is not None and not ISO_DURATION.match(value):
            raise ValueError(
                f"'{value}' is geen ISO 8601-duur; schrijf bijvoorbeeld P1Y, P6M of P90D"
            )
        return value


class ProfilingException(Strict):
    """An explicit, justified exception to the ban on profiling inputs. It lets the rule run
    only once the guarding role (the FG, role compliance) approved this version's exception
    through VIK (`vik rules approve --profilering`); until then, and after, it is a warning
    in `vik rules check`, the register and the Algoritmeregister document."""

    velden: list[FieldRef] = Field(
        min_length=1, description="De velden (bron.veld) waarvoor de uitzondering geldt."
    )
    onderbouwing: Annotated[str, StringConstraints(strip_whitespace=True, min_length=40)] = Field(
        description="Waarom de regel dit gegeven nodig heeft (minstens 40 tekens)."
    )


class Measure(Strict):
    """Something counted or looked up per entity: exactly one aggregation, an optional filter.

    The aggregation keys (count, sum, value, ...) are the registered aggregations
    of vik/rules/aggregations.py: rule files are validated against
    ``measure_model()``, this class plus one optional key per aggregation, built
    from the registry as it is when the file is read."""

    if TYPE_CHECKING:  # the fields of measure_model(), for type checkers
        where: str | None
        unknown: str | None

    @model_validator(mode="after")
    def _one_aggregation(self) -> Measure:
        set_ = [name for name in AGGREGATIONS if getattr(self, name, None) is not None]
        if len(set_) != 1:
            raise ValueError(
                "geef precies één van: "
                + ", ".join(AGGREGATIONS)
                + f" (nu: {', '.join(set_) or 'geen'})"
            )
        return self

    @property
    def aggregation(self) -> str:
        return next(name for name in AGGREGATIONS if getattr(self, name, None) is not None)

    @property
    def target(self) -> str:
        target: str = getattr(self, self.aggregation)
        return target

    @property
    def source(self) -> str:
        return self.target.split(".", 1)[0]

    def __reduce__(self) -> tuple[Any, ...]:
        # Its class is built from the registry, so pickle rebuilds it from there too.
        return (_measure_from, (self.model_dump(exclude_defaults=True),))


def _measure_from(data: dict[str, Any]) -> Measure:
    return measure_model().model_validate(data)


def measure_model() -> type[Measure]:
    """The schema of a measure: one optional key per registered aggregation, then where/unknown."""
    return _measure_model(tuple(AGGREGATIONS.values()))


@lru_cache(maxsize=8)
def _measure_model(aggregations: tuple[Aggregation, ...]) -> type[Measure]:
    fields: dict[str, Any] = {
        a.name: (
            (Identifier if a.reads is Reads.SOURCE else FieldRef) | None,
            Field(default=None, description=a.description),
        )
        for a in aggregations
    }
    fields["where"] = (
        str | None,
        Field(default=None, description="Alleen records waarvoor dit waar is."),
    )
    fields["unknown"] = (
        str | None,
        Field(default=None, description="Reden bij 'onbeslist' als deze waarde ontbreekt."),
    )
    return create_model(
        "Measure",
        __base__=Measure,
        __doc__="Something counted or looked up per entity; exactly one of the aggregations is set.",
        __module__=__name__,
        **fields,
    )


class _Registered:
    """Validate (and document) a value against a registry as it is when a file is read, so
    that a kind or aggregation registered after this module was imported is known."""

    def __init__(self, registry: Mapping[str, object]):
        self.registry = registry

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Any:
            return _one_of(tuple(self.registry)).validate_python(value)

        return core_schema.no_info_plain_validator_function(validate)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {"enum": list(self.registry), "type": "string"}


@lru_cache(maxsize=8)
def _one_of(names: tuple[str, ...]) -> TypeAdapter[Any]:
    # A Literal, so that an unknown value gets pydantic's own message (and our Dutch one).
    return TypeAdapter(Literal[names])  # type: ignore[arg-type]  # a Literal built at runtime


class _RegisteredMeasure:
    """A measure validated against ``measure_model()`` when the file is read."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Measure:
            if isinstance(value, Measure):
                return value
            return measure_model().model_validate(value)

        return core_schema.no_info_plain_validator_function(
            validate, json_schema_input_schema=handler.generate_schema(measure_model())
        )


class Matter(Strict):
    """An open matter of a department, for betrokkenheid rules."""

    source: Identifier = Field(description="Bron waarin de afdeling haar zaken heeft.")
    where: str | None = Field(default=None, description="Wanneer een record een open zaak is.")


class Fixture(Strict):
    """A small given/expect example that `vik rules test` runs."""

    name: Text
    peildatum: date
    given: dict[Identifier, list[dict[str, Any]]]
    expect: FixtureExpectation


class FixtureExpectation(Strict):
    hits: list[str] = Field(description="Entiteitsleutels die een signaal moeten krijgen.")
    undecided: list[str] | None = Field(default=None, description="Sleutels die onbeslist blijven.")
    explanations: dict[str, str] | None = Field(
        default=None, description="Verwachte uitleg per sleutel."
    )
    departments: dict[str, list[str]] | None = Field(
        default=None,
        description="Betrokkenheid: per sleutel de afdelingen die een signaal krijgen.",
    )


class Rule(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    version: int = Field(ge=1)
    title: Text
    description: Text
    theme: Identifier
    kind: Annotated[str, _Registered(RULE_KINDS)] = "signaal"
    entity: EntityType | list[EntityType]
    severity: Severity
    inputs: list[FieldRef] = Field(min_length=1)
    params: dict[Identifier, ParamValue] = Field(default_factory=dict)
    measures: dict[Identifier, Annotated[Measure, _RegisteredMeasure()]] = Field(
        default_factory=dict
    )
    derived: dict[Identifier, str] = Field(
        default_factory=dict,
        description="Waarden berekend uit measures en params, per entiteit (bv. leeftijd_dagen: "
        "days_between(opgericht, aangevraagd)); te gebruiken in condition en explanation.",
    )
    condition: str | None = None
    matters: dict[Identifier, Matter] = Field(
        default_factory=dict, description="Betrokkenheid: open zaken per afdeling."
    )
    explanation: Text
    author: Username = Field(
        description="Gebruikersnaam van het VIK-account van de auteur. Goedkeuren doet een "
        "ander account met `vik rules approve` of in het register, niet dit bestand."
    )
    status: Status
    proef: Proef | None = Field(
        default=None, description="Alleen bij status proef: pilotafdelingen en promotiecriterium."
    )
    einddatum: date | None = Field(
        default=None,
        description="Datum waarop de regel is ingetrokken (bij status ingetrokken); het "
        "Algoritmeregister publiceert die als einddatum.",
    )
    doelbinding: Doelbinding
    profilering_uitzondering: ProfilingException | None = None
    tests: list[Fixture] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _no_approval_in_the_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and "approval" in data:
            raise ValueError(
                "approval: een regel wordt niet in het bestand goedgekeurd. Haal approval weg; "
                "een ander account dan de auteur keurt deze inhoud goed met `vik rules approve "
                "BESTAND` of in het regelregister (rol eigenaar)"
            )
        return data

    @model_validator(mode="after")
    def _shape_per_kind(self) -> Rule:
        RULE_KINDS[self.kind].check_shape(self)
        if self.status is Status.PROEF and self.proef is None:
            raise ValueError(
                "een regel met status proef noemt onder proef de pilotafdelingen en het "
                "promotiecriterium (promotie: min_uitkomsten, min_precisie)"
            )
        if self.proef is not None and self.status is not Status.PROEF:
            raise ValueError(
                "proef hoort alleen bij status proef; haal het weg bij promotie naar actief"
            )
        return self

    @property
    def recipients(self) -> tuple[str, ...]:
        """Who receives the flags: the pilot departments in a proef, else the ontvangers."""
        if self.status is Status.PROEF and self.proef is not None:
            return tuple(self.proef.afdelingen)
        return tuple(self.doelbinding.ontvangers or ())

    @property
    def entity_types(self) -> tuple[str, ...]:
        entities = self.entity if isinstance(self.entity, list) else [self.entity]
        return tuple(e.value for e in entities)

    @property
    def input_sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ref.split(".", 1)[0] for ref in self.inputs))

    def fields_of(self, source: str) -> tuple[str, ...]:
        return tuple(ref.split(".", 1)[1] for ref in self.inputs if ref.startswith(f"{source}."))


Fixture.model_rebuild()
