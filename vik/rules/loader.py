"""Loading rule files and enforcing what they may read and whether they may run.

Two kinds of verdict, kept apart on purpose:

* a rule *file* can be wrong (unknown key, bad expression, a field it reads but
  did not declare, a profiling input): ``load_rule`` raises and the rule is
  listed as invalid. The schema is vik/rules/model.py, everything that compiling
  finds is vik/rules/compiler.py; the profiling ban is checked here;
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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from vik.configfiles import describe_validation_error
from vik.connectors.schemas import SOURCES
from vik.errors import DoelbindingError, ForbiddenInputError, RuleError, RuleSchemaError
from vik.rules.compiler import CompiledRule, compile_rule
from vik.rules.context import Context
from vik.rules.model import Rule, Status

__all__ = [
    "Context",
    "LoadedRule",
    "RuleSet",
    "check_rule",
    "doelbinding_gaps",
    "ensure_may_run",
    "is_profiling",
    "load_context",
    "load_rule",
    "load_rules",
    "run_gate",
]

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


def is_profiling(field_name: str) -> bool:
    return any(
        field_name == word or field_name.startswith(f"{word}_") or field_name.endswith(f"_{word}")
        for word in PROFILING_WORDS
    )


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


def _check_profiling(rule: Rule) -> None:
    exempt = set(rule.profilering_uitzondering.velden) if rule.profilering_uitzondering else set()
    for ref in rule.inputs:
        if is_profiling(ref.split(".", 1)[1]) and ref not in exempt:
            raise ForbiddenInputError(
                f"{rule.id}: input {ref} profileert mensen naar herkomst of identiteit en is "
                "daarom niet toegestaan. Alleen met een expliciete, onderbouwde uitzondering "
                "(profilering_uitzondering met velden, onderbouwing en besluit) mag een regel "
                "zo'n gegeven lezen."
            )


def check_rule(rule: Rule, context: Context, peildatum: date | None = None) -> CompiledRule:
    """Every static check on a valid-schema rule; raises the first problem found.

    Policy first (no profiling inputs), then everything compiling checks (fields,
    expressions, links, unused inputs, the explanation), then the departments."""
    _check_profiling(rule)
    compiled = compile_rule(rule, context, peildatum or date.today())
    for department in rule.matters:
        if context.departments is not None and department not in context.departments:
            raise RuleSchemaError(
                f"{rule.id}: matters.{department}: onbekende afdeling; afdelingen staan in "
                "config/departments.yaml"
            )
    return compiled


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
    gaps: list[str] = []
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
    if d.ontvangers:  # a department with matters (betrokkenheid) gets flags
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
