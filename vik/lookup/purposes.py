"""Purposes (doelen) of a lookup: config/purposes.yaml, checked as strictly as a rule file.

A purpose says which departments may look a subject up for it, which kinds of subject
(adres, persoon, bedrijf), on which legal basis, and which data it covers: ``inputs``
as ``bron.kolom``, exactly like a rule's inputs. The same checks as for rules apply:
every column must exist in the extract contract (with the configured extra columns),
keys and BSN pseudonyms are not readable, profiling columns are refused unless the
purpose carries an explicit exception, criminal data needs an art. 10 AVG basis and tax
data the art. 67 AWR disclosure decision, and every source is explained under
``gegevenscategorieen``.

    >>> purposes = load_purposes(Path("config"), load_context(Path("config")))
    >>> purposes.require("burgerzaken", "adresonderzoek").fields_of("bag")
    ('gebruiksdoel', 'oppervlakte')
    >>> purposes.require("handhaving", "adresonderzoek")
    LookupRefusedError: De afdeling handhaving mag niet zoeken voor het doel 'adresonderzoek'. ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints

from vik.configfiles import parse_model, read_yaml
from vik.connectors.model import EntityType
from vik.connectors.schemas import SOURCES
from vik.errors import ConfigError, LookupRefusedError
from vik.rules.context import UNREADABLE, Context, source_fields
from vik.rules.model import FieldRef, Identifier, ProfilingException, Text
from vik.rules.profiling import profiling_problem

CONFIG_FILE = "purposes.yaml"


class Grondslag(BaseModel):
    """As a rule's grondslag, but both parts are required: a lookup always has a basis."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    avg: Text = Field(description="Grondslag uit art. 6 lid 1 AVG, bijvoorbeeld sub e.")
    wettelijke_taak: Text = Field(description="De specifieke wettelijke taak.")
    links: list[str] = Field(
        default_factory=list, description="Vindplaatsen op wetten.overheid.nl."
    )


class Purpose(BaseModel):
    """One doel: who may look up what for it, why that is lawful, and which data it shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    description: Text
    afdelingen: list[Identifier] = Field(
        min_length=1, description="Afdelingen (ids uit config/departments.yaml) met dit doel."
    )
    entity: list[EntityType] = Field(
        min_length=1, description="Wat met dit doel opgezocht mag worden: adres, persoon, bedrijf."
    )
    grondslag: Grondslag
    inputs: list[FieldRef] = Field(
        min_length=1, description="De gegevens die stap 2 toont, als bron.kolom."
    )
    gegevenscategorieen: dict[Identifier, Text] = Field(
        description="Per bron uit inputs: welke gegevens en waarom."
    )
    strafrechtelijke_gegevens: Text | None = Field(
        default=None,
        description="Grondslag uit art. 10 AVG / art. 33 UAVG; verplicht bij handhaving of meldingen.",
    )
    awr_ontheffing: Text | None = Field(
        default=None, description="Besluit dat art. 67 AWR opheft; verplicht bij belastingen."
    )
    bijzondere_persoonsgegevens: Text | None = None
    profilering_uitzondering: ProfilingException | None = None

    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(e.value for e in self.entity)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(ref.split(".", 1)[0] for ref in self.inputs))

    def fields_of(self, source: str) -> tuple[str, ...]:
        return tuple(ref.split(".", 1)[1] for ref in self.inputs if ref.startswith(f"{source}."))

    def sources_for(self, entity_type: str) -> tuple[str, ...]:
        """The sources of this purpose that can be linked to this kind of subject."""
        return tuple(s for s in self.sources if s in SOURCES and SOURCES[s].links_to(entity_type))


PurposeId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Purposes(RootModel[dict[PurposeId, Purpose]], Mapping[str, Purpose]):
    """Purpose id → purpose."""

    def __getitem__(self, key: str) -> Purpose:
        return self.root[key]

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def of_department(self, department: str | None) -> dict[str, Purpose]:
        return {key: p for key, p in self.root.items() if department in p.afdelingen}

    def require(
        self, department: str | None, purpose_id: str, entity_type: str | None = None
    ) -> Purpose:
        """The purpose if this department has it (for this kind of subject); otherwise a
        refusal that names the purposes the department does have."""
        allowed = self.of_department(department)
        if entity_type is not None:
            allowed = {k: p for k, p in allowed.items() if entity_type in p.entity_types}
        names = ", ".join(sorted(allowed)) or "geen"
        kind = f" voor een {entity_type}" if entity_type else ""
        if not department:
            raise LookupRefusedError(
                "Zoeken kan alleen namens een afdeling; uw account heeft geen afdeling."
            )
        if purpose_id not in allowed:
            raise LookupRefusedError(
                f"De afdeling {department} mag niet zoeken{kind} voor het doel '{purpose_id}'. "
                f"Toegestane doelen{kind}: {names} (config/{CONFIG_FILE})."
            )
        return allowed[purpose_id]

    def columns(self) -> dict[str, tuple[str, ...]]:
        """Per source, every column some purpose covers: what the nightly projection keeps."""
        result: dict[str, dict[str, None]] = {}
        for purpose in self.root.values():
            for source in purpose.sources:
                result.setdefault(source, {}).update(dict.fromkeys(purpose.fields_of(source)))
        return {source: tuple(columns) for source, columns in result.items()}


def check_purpose(purpose_id: str, purpose: Purpose, context: Context, where: str) -> list[str]:
    """Every problem with one purpose, as Dutch sentences that name the key."""
    problems = []
    at = f"{where}: {purpose_id}"
    if context.departments is not None:
        for department in purpose.afdelingen:
            if department not in context.departments:
                problems.append(
                    f"{at}.afdelingen: '{department}' is geen afdeling; afdelingen: "
                    f"{', '.join(context.departments)} (config/departments.yaml)"
                )
    exempt = (
        set(purpose.profilering_uitzondering.velden) if purpose.profilering_uitzondering else set()
    )
    for ref in purpose.inputs:
        source, name = ref.split(".", 1)
        if source not in context.schemas:
            problems.append(
                f"{at}.inputs: {ref}: '{source}' is geen bron; bronnen: "
                f"{', '.join(context.schemas)}"
            )
            continue
        fields = source_fields(context.schemas[source])
        if name not in fields:
            hint = (
                " Sleutels en BSN-pseudoniemen zijn niet op te vragen."
                if name in UNREADABLE or name.endswith(("_pseudoniem", "bsn"))
                else f" Kolommen van {source}: {', '.join(sorted(fields))}."
            )
            problems.append(f"{at}.inputs: {source} heeft geen kolom '{name}'.{hint}")
        elif (problem := profiling_problem(context.schemas[source], name)) and ref not in exempt:
            problems.append(
                f"{at}.inputs: {ref} profileert mensen ({problem}) en is niet toegestaan, "
                "tenzij met een onderbouwde profilering_uitzondering."
            )
        if not any(context.schemas[source].links_to(e) for e in purpose.entity_types):
            problems.append(
                f"{at}.inputs: {source} is niet te koppelen aan "
                f"{' of '.join(purpose.entity_types)}; haal {ref} weg of voeg een entity toe."
            )
    if len(set(purpose.inputs)) != len(purpose.inputs):
        problems.append(f"{at}.inputs noemt een kolom twee keer")
    sources = set(purpose.sources)
    explained = set(purpose.gegevenscategorieen)
    for source in sorted(sources - explained):
        problems.append(
            f"{at}.gegevenscategorieen noemt {source} niet, maar het doel toont {source}; "
            "zeg welke gegevens en waarom"
        )
    for source in sorted(explained - sources):
        problems.append(
            f"{at}.gegevenscategorieen noemt {source}, maar inputs noemt geen kolom van {source}"
        )
    schemas = [context.schemas[s] for s in sources if s in context.schemas]
    if any(s.criminal_data for s in schemas) and not purpose.strafrechtelijke_gegevens:
        problems.append(
            f"{at}.strafrechtelijke_gegevens ontbreekt: het doel toont gegevens over strafbare "
            "feiten (handhaving of meldingen) en heeft een grondslag uit art. 10 AVG nodig"
        )
    if any(s.tax_secrecy for s in schemas) and not purpose.awr_ontheffing:
        problems.append(
            f"{at}.awr_ontheffing ontbreekt: het doel toont belastinggegevens en moet het "
            "besluit noemen dat de geheimhouding van art. 67 AWR opheft"
        )
    return problems


def load_purposes(config_dir: Path, context: Context) -> Purposes:
    """Read and check config/purposes.yaml; a ConfigError lists every problem. Without the
    file there are no purposes, and every lookup is refused with a message saying so."""
    path = config_dir / CONFIG_FILE
    if not path.is_file():
        return Purposes({})
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: een tabel van doelen (id: titel, afdelingen, ...) verwacht")
    purposes = parse_model(Purposes, data, str(path))
    problems = [
        problem
        for purpose_id, purpose in purposes.root.items()
        for problem in check_purpose(purpose_id, purpose, context, str(path))
    ]
    if problems:
        raise ConfigError("\n".join(problems))
    return purposes
