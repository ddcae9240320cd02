"""Loading rule files and enforcing what they may read and whether they may run.

Two kinds of verdict, kept apart on purpose:

* a rule *file* can be wrong (unknown key, bad expression, a field it reads but
  did not declare, a profiling input): ``load_rule`` raises and the rule is
  listed as invalid;
* a valid rule may still not be allowed to *run* on a given night (status not
  actief, doelbinding incomplete, self-approved, review date passed):
  ``run_gate`` returns the reasons, and the run report shows them.

    >>> rules = load_rules(Path("config/rules"), departments)  # doctest: +SKIP
    >>> [r.rule.id for r in rules.valid]
    ['betrokkenheid', 'briefbusfirma', ...]
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import yaml
from pydantic import ValidationError

from vik.configfiles import describe_validation_error
from vik.connectors.schemas import SOURCES, Kind, SourceSchema
from vik.errors import (
    DoelbindingError,
    ForbiddenInputError,
    RuleError,
    RuleSchemaError,
    UndeclaredInputError,
)
from vik.resolve.links import entity_key
from vik.rules.expressions import Scope, Typed, compile_expression, constant
from vik.rules.model import Rule, Status

# Inputs that profile people by origin or identity. A field matches when it is
# the word itself or the word with a suffix/prefix after an underscore
# (nationaliteit_code), so geslachtsnaam is not geslacht.
PROFILING_WORDS = (
    "nationaliteit",
    "geboorteland",
    "geboorteplaats",
    "geslacht",
    "geslachtsaanduiding",
    "gender",
    "etniciteit",
    "afkomst",
    "herkomst",
    "migratieachtergrond",
    "taalvaardigheid",
    "taal",
    "religie",
    "geloof",
    "ras",
    "huidskleur",
    "seksuele_geaardheid",
    "verblijfstitel",
)
# Keys and pseudonyms are for linking, not for rules: rules read resolved entities.
UNREADABLE = ("record_id", "record_key", "row_number")

_KIND = {
    Kind.INTEGER: "number",
    Kind.DECIMAL: "number",
    Kind.DATE: "date",
    Kind.PARTIAL_DATE: "date",
    Kind.LIST: "list",
}

BETROKKENHEID_PLACEHOLDERS = (
    "afdeling",
    "andere_afdelingen",
    "contactpunten",
    "aantal_afdelingen",
    "entiteit",
)


def is_profiling(field_name: str) -> bool:
    return any(
        field_name == word or field_name.startswith(f"{word}_") or field_name.endswith(f"_{word}")
        for word in PROFILING_WORDS
    )


def source_fields(schema: SourceSchema) -> dict[str, str]:
    """Fields a rule may name for a source, with their expression kind."""
    fields = {
        c.stored_name: _KIND.get(c.kind, "text")
        for c in schema.columns
        if c.kind is not Kind.BSN and c.name not in UNREADABLE
    }
    for entity in schema.links:
        fields[entity_key(entity)] = "text"
    return fields


@dataclass(frozen=True)
class LoadedRule:
    """A valid rule file: the rule, its exact text and the hash that identifies this version."""

    rule: Rule
    path: Path
    text: str
    content_hash: str

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass
class RuleSet:
    valid: list[LoadedRule] = field(default_factory=list)
    invalid: dict[Path, str] = field(default_factory=dict)

    def by_id(self, rule_id: str) -> LoadedRule | None:
        return next((r for r in self.valid if r.id == rule_id), None)


@dataclass
class Context:
    """What rules are checked against: the sources (with configured extras) and departments."""

    schemas: Mapping[str, SourceSchema] = field(default_factory=lambda: dict(SOURCES))
    departments: Mapping[str, object] | None = None


def fields_scope(rule: Rule, source: str, context: Context, where: str, peildatum: date) -> Scope:
    available = source_fields(context.schemas[source])
    declared = set(rule.fields_of(source))
    names: dict[str, Typed] = {
        name: Typed(pl.col(name), kind) for name, kind in available.items() if name in declared
    }
    names.update({name: constant(value) for name, value in rule.params.items()})

    def unknown(name: str) -> Exception:
        if name in available:
            return UndeclaredInputError(
                f"{rule.id}: {where} leest {source}.{name}, maar dat veld staat niet onder "
                f"inputs. Voeg {source}.{name} toe aan inputs (en verantwoord het in de "
                "doelbinding), of gebruik het niet."
            )
        return RuleSchemaError(
            f"{rule.id}: {where}: '{name}' is geen veld van {source} en geen param. "
            f"Velden van {source}: {', '.join(sorted(available))}"
        )

    return Scope(names, peildatum, unknown)


def measure_kind(rule: Rule, name: str, context: Context) -> str:
    measure = rule.measures[name]
    if measure.aggregation in ("count", "count_distinct", "sum"):
        return "number"
    if measure.aggregation == "distinct":
        return "list"
    source, field_name = measure.target.split(".", 1)
    return source_fields(context.schemas[source]).get(field_name, "text")


def condition_scope(rule: Rule, context: Context, peildatum: date) -> Scope:
    names: dict[str, Typed] = {
        name: Typed(pl.col(name), measure_kind(rule, name, context)) for name in rule.measures
    }
    for name, value in rule.params.items():
        if name in names:
            raise RuleSchemaError(f"{rule.id}: '{name}' is zowel een measure als een param")
        names[name] = constant(value)

    def unknown(name: str) -> Exception:
        return RuleSchemaError(
            f"{rule.id}: condition noemt '{name}', maar dat is geen measure of param "
            f"(measures: {', '.join(rule.measures)}; params: {', '.join(rule.params) or 'geen'})"
        )

    return Scope(names, peildatum, unknown)


def _check_inputs(rule: Rule, context: Context) -> None:
    exempt = set(rule.profilering_uitzondering.velden) if rule.profilering_uitzondering else set()
    for ref in rule.inputs:
        source, name = ref.split(".", 1)
        if is_profiling(name) and ref not in exempt:
            raise ForbiddenInputError(
                f"{rule.id}: input {ref} profileert mensen naar herkomst of identiteit en is "
                "daarom niet toegestaan. Alleen met een expliciete, onderbouwde uitzondering "
                "(profilering_uitzondering met velden, onderbouwing en besluit) mag een regel "
                "zo'n gegeven lezen."
            )
    for ref in rule.inputs:
        source, name = ref.split(".", 1)
        if source not in context.schemas:
            raise RuleSchemaError(
                f"{rule.id}: input {ref}: '{source}' is geen bron; bronnen: {', '.join(context.schemas)}"
            )
        fields = source_fields(context.schemas[source])
        if name not in fields:
            hint = (
                " Regels lezen geen sleutels of pseudoniemen; gebruik de gekoppelde entiteit "
                "(nummeraanduiding_id, persoon_id, bedrijf_id)."
                if name in UNREADABLE or name.endswith("_pseudoniem") or name.endswith("bsn")
                else ""
            )
            raise RuleSchemaError(
                f"{rule.id}: input {ref}: {source} heeft geen veld '{name}'.{hint}"
            )
    if len(set(rule.inputs)) != len(rule.inputs):
        raise RuleSchemaError(f"{rule.id}: inputs noemt een veld twee keer")


def entities_of(rule: Rule, source: str) -> tuple[str, ...]:
    """The rule's entity types a source can be linked to.

    A signaal rule counts every measure per entity, so each measure's source must
    link to every entity type; a betrokkenheid rule uses a source for the entity
    types it can link to (meldingen only have an address)."""
    if rule.kind == "betrokkenheid":
        return tuple(e for e in rule.entity_types if e in SOURCES[source].links)
    return rule.entity_types


def _grouping_reads(rule: Rule, source: str, where: str) -> None:
    entities = entities_of(rule, source)
    if not entities:
        raise RuleSchemaError(
            f"{rule.id}: {where}: {source} is niet te koppelen aan "
            + " of ".join(rule.entity_types)
        )
    for entity in entities:
        if entity not in SOURCES[source].links:
            raise RuleSchemaError(
                f"{rule.id}: {where}: {source} is niet te koppelen aan een {entity}"
            )
        ref = f"{source}.{entity_key(entity)}"
        if ref not in rule.inputs:
            raise UndeclaredInputError(
                f"{rule.id}: {where} telt {source} per {entity} en leest daarvoor {ref}, maar "
                "dat veld staat niet onder inputs. Voeg het toe aan inputs."
            )


def placeholders(template: str) -> list[str]:
    try:
        return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise RuleSchemaError(f"explanation: ongeldige {{...}} in de tekst ({error})") from None


def used_fields(rule: Rule, context: Context, peildatum: date) -> set[str]:
    """Compile every expression of the rule (raising on any problem); return fields read."""
    used: set[str] = set()
    for name, measure in rule.measures.items():
        where = f"measures.{name}"
        source = measure.source
        if source not in context.schemas:
            raise RuleSchemaError(f"{rule.id}: {where}: '{source}' is geen bron")
        _grouping_reads(rule, source, where)
        used.update(f"{source}.{entity_key(e)}" for e in rule.entity_types)
        if measure.aggregation != "count":
            field_name = measure.target.split(".", 1)[1]
            scope = fields_scope(rule, source, context, where, peildatum)
            if field_name not in scope.names:
                raise scope.unknown_name(field_name)
            used.add(measure.target)
        elif measure.count != source:  # pragma: no cover - source is the count target
            raise RuleSchemaError(f"{rule.id}: {where}")
        if measure.where:
            scope = fields_scope(rule, source, context, f"{where}.where", peildatum)
            compiled = compile_expression(measure.where, scope, f"{rule.id}: {where}.where")
            if compiled.kind != "bool":
                raise RuleSchemaError(f"{rule.id}: {where}.where is geen ja/nee-uitdrukking")
            used.update(f"{source}.{n}" for n in scope.used if n not in rule.params)
    if rule.condition:
        scope = condition_scope(rule, context, peildatum)
        compiled = compile_expression(rule.condition, scope, f"{rule.id}: condition")
        if compiled.kind != "bool":
            raise RuleSchemaError(f"{rule.id}: condition is geen ja/nee-uitdrukking")
    for department, matter in rule.matters.items():
        where = f"matters.{department}"
        if matter.source not in context.schemas:
            raise RuleSchemaError(f"{rule.id}: {where}: '{matter.source}' is geen bron")
        _grouping_reads(rule, matter.source, where)
        used.update(f"{matter.source}.{entity_key(e)}" for e in entities_of(rule, matter.source))
        if matter.where:
            scope = fields_scope(rule, matter.source, context, f"{where}.where", peildatum)
            compiled = compile_expression(matter.where, scope, f"{rule.id}: {where}.where")
            if compiled.kind != "bool":
                raise RuleSchemaError(f"{rule.id}: {where}.where is geen ja/nee-uitdrukking")
            used.update(f"{matter.source}.{n}" for n in scope.used if n not in rule.params)
    return used


def _check_explanation(rule: Rule) -> None:
    allowed = set(rule.params) | {"peildatum"}
    allowed |= set(rule.measures) if rule.kind == "signaal" else set(BETROKKENHEID_PLACEHOLDERS)
    for name in placeholders(rule.explanation):
        if name not in allowed:
            raise RuleSchemaError(
                f"{rule.id}: explanation noemt {{{name}}}, maar dat is geen measure of param; "
                f"beschikbaar: {', '.join(sorted(allowed))}"
            )


def check_rule(rule: Rule, context: Context, peildatum: date | None = None) -> None:
    """Every static check on a valid-schema rule; raises the first problem found."""
    _check_inputs(rule, context)
    used = used_fields(rule, context, peildatum or date.today())
    unused = [ref for ref in rule.inputs if ref not in used]
    if unused:
        raise RuleSchemaError(
            f"{rule.id}: inputs {', '.join(unused)} worden door de regel niet gebruikt. Haal "
            "ze weg: een regel leest alleen wat hij nodig heeft."
        )
    _check_explanation(rule)
    for department in rule.matters:
        if context.departments is not None and department not in context.departments:
            raise RuleSchemaError(
                f"{rule.id}: matters.{department}: onbekende afdeling; afdelingen staan in "
                "config/departments.yaml"
            )


def load_rule(path: Path, context: Context | None = None) -> LoadedRule:
    """Read, validate and check one rule file."""
    context = context or Context()
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark is not None else ""
        raise RuleSchemaError(f"{path}{line}: geen geldige YAML") from None
    if not isinstance(data, dict):
        raise RuleSchemaError(
            f"{path}: een regelbestand is een tabel met sleutels (id, version, ...)"
        )
    try:
        rule = Rule.model_validate(data)
    except ValidationError as error:
        raise RuleSchemaError(describe_validation_error(error, str(path))) from None
    if path.stem != rule.id:
        raise RuleSchemaError(f"{path}: id '{rule.id}' hoort in een bestand {rule.id}.yaml")
    check_rule(rule, context)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedRule(rule, path, text, digest)


def load_rules(directory: Path, context: Context | None = None) -> RuleSet:
    """All rule files of a folder; invalid files are listed with their message, not raised."""
    context = context or Context()
    result = RuleSet()
    for path in sorted(directory.glob("*.yaml")):
        try:
            result.valid.append(load_rule(path, context))
        except RuleError as error:
            result.invalid[path] = str(error)
    ids = [r.id for r in result.valid]
    for loaded in list(result.valid):
        if ids.count(loaded.id) > 1:
            result.invalid[loaded.path] = (
                f"{loaded.path}: id '{loaded.id}' komt in meer dan één bestand voor"
            )
            result.valid.remove(loaded)
    return result


def _same_person(a: str, b: str) -> bool:
    def name(text: str) -> str:
        return re.sub(r"[^a-z]", "", text.split(",")[0].split("(")[0].casefold())

    return name(a) == name(b)


def doelbinding_gaps(rule: Rule, context: Context) -> list[str]:
    """What the doelbinding still lacks before the rule may run (empty: complete)."""
    d = rule.doelbinding
    gaps = []
    required = {
        "doel": d.doel,
        "verantwoordelijk_orgaan": d.verantwoordelijk_orgaan,
        "gegevenscategorieen": d.gegevenscategorieen,
        "betrokkenen": d.betrokkenen,
        "ontvangers": d.ontvangers,
        "bewaartermijn": d.bewaartermijn,
        "bewaartermijn_aanvang": d.bewaartermijn_aanvang,
        "proportionaliteit": d.proportionaliteit,
        "subsidiariteit": d.subsidiariteit,
        "dpia": d.dpia,
        "fg_advies": d.fg_advies,
        "eigenaar": d.eigenaar,
        "herbeoordeling": d.herbeoordeling,
    }
    gaps.extend(f"doelbinding.{name} ontbreekt" for name, value in required.items() if not value)
    if d.grondslag is None or not d.grondslag.avg:
        gaps.append("doelbinding.grondslag.avg ontbreekt (grondslag uit art. 6 AVG)")
    if d.grondslag is None or not d.grondslag.wettelijke_taak:
        gaps.append(
            "doelbinding.grondslag.wettelijke_taak ontbreekt (de specifieke wettelijke taak)"
        )
    sources = set(rule.input_sources)
    if d.gegevenscategorieen:
        for source in sorted(sources - set(d.gegevenscategorieen)):
            gaps.append(
                f"doelbinding.gegevenscategorieen noemt {source} niet, maar de regel leest {source}"
            )
        for source in sorted(set(d.gegevenscategorieen) - sources):
            gaps.append(
                f"doelbinding.gegevenscategorieen noemt {source}, maar de regel leest {source} niet"
            )
    if any(context.schemas[s].criminal_data for s in sources if s in context.schemas) and not (
        d.strafrechtelijke_gegevens
    ):
        gaps.append(
            "doelbinding.strafrechtelijke_gegevens ontbreekt: de regel leest gegevens over "
            "strafbare feiten (handhaving of meldingen) en heeft een grondslag uit art. 10 AVG nodig"
        )
    if any(context.schemas[s].tax_secrecy for s in sources if s in context.schemas) and not (
        d.awr_ontheffing
    ):
        gaps.append(
            "doelbinding.awr_ontheffing ontbreekt: de regel leest belastinggegevens en moet het "
            "besluit noemen dat de geheimhouding van art. 67 AWR opheft"
        )
    if d.ontvangers and context.departments is not None:
        for department in d.ontvangers:
            if department not in context.departments:
                gaps.append(
                    f"doelbinding.ontvangers: '{department}' is geen afdeling uit "
                    "config/departments.yaml"
                )
    if rule.proef is not None:
        for department in rule.proef.afdelingen:
            if department not in (d.ontvangers or []):
                gaps.append(
                    f"proef.afdelingen noemt '{department}', die niet onder "
                    "doelbinding.ontvangers staat"
                )
    if rule.kind == "betrokkenheid" and d.ontvangers:
        for department in rule.matters:
            if department not in d.ontvangers:
                gaps.append(
                    f"doelbinding.ontvangers mist '{department}', die onder matters staat en "
                    "dus een signaal krijgt"
                )
    return gaps


def run_gate(loaded: LoadedRule, context: Context, peildatum: date) -> list[str]:
    """Why this rule may not run on this peildatum (empty list: it may)."""
    rule = loaded.rule
    reasons = []
    if rule.status not in (Status.ACTIEF, Status.PROEF):
        reasons.append(f"status is {rule.status.value}, niet actief")
    if rule.status in (Status.GOEDGEKEURD, Status.ACTIEF, Status.PROEF):
        if rule.approval is None:
            reasons.append("niet goedgekeurd: approval (door wie en wanneer) ontbreekt")
        elif _same_person(rule.approval.by, rule.author):
            reasons.append(
                f"zelf goedgekeurd: {rule.approval.by} is ook de auteur; een ander moet goedkeuren"
            )
        elif rule.approval.date > peildatum:
            reasons.append(f"goedkeuring geldt pas vanaf {rule.approval.date.isoformat()}")
    gaps = doelbinding_gaps(rule, context)
    if gaps:
        reasons.append("doelbinding onvolledig: " + "; ".join(gaps))
    review = rule.doelbinding.herbeoordeling
    if review is not None and review < peildatum:
        reasons.append(
            f"herbeoordeling was uiterlijk {review.isoformat()}; na herbeoordeling en een nieuwe "
            "datum draait de regel weer"
        )
    return reasons


def ensure_may_run(loaded: LoadedRule, context: Context, peildatum: date) -> None:
    reasons = run_gate(loaded, context, peildatum)
    if reasons:
        raise DoelbindingError(f"{loaded.id} draait niet: " + "; ".join(reasons))


def load_context(config_dir: Path) -> Context:
    """Sources (with the extra columns of config/sources.yaml) and departments."""
    from vik.connectors.config import load_sources_config
    from vik.departments import load_departments

    sources = load_sources_config(config_dir)
    return Context(
        schemas={name: sources.schema(name) for name in SOURCES},
        departments=load_departments(config_dir),
    )
