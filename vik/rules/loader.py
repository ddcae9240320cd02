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
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import ValidationError

from vik.configfiles import describe_validation_error
from vik.connectors.schemas import SOURCES
from vik.errors import DoelbindingError, ForbiddenInputError, RuleError, RuleSchemaError
from vik.rules.approvals import APPROVING_ROLE, GUARDING_ROLE, Approvals, Scope
from vik.rules.compiler import CompiledRule, compile_rule
from vik.rules.context import Context
from vik.rules.doelbinding import link_problem, reference_problem, substance_problem
from vik.rules.explanations import placeholders
from vik.rules.governance import load_governance
from vik.rules.model import Rule, Status
from vik.rules.profiling import is_profiling, profiling_problem

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
    "profiling_inputs",
    "rule_from_text",
    "rule_warnings",
    "run_gate",
]


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


def profiling_inputs(rule: Rule, context: Context) -> dict[str, str]:
    """The rule's inputs that profile people, with why (exempted or not)."""
    found = {}
    for ref in rule.inputs:
        source, name = ref.split(".", 1)
        schema = context.schemas.get(source)
        problem = profiling_problem(schema, name) if schema is not None else None
        if problem:
            found[ref] = problem
    return found


def _check_profiling(rule: Rule, context: Context) -> None:
    exempt = set(rule.profilering_uitzondering.velden) if rule.profilering_uitzondering else set()
    for ref, problem in profiling_inputs(rule, context).items():
        if ref not in exempt:
            raise ForbiddenInputError(
                f"{rule.id}: input {ref} profileert mensen ({problem}) en is daarom niet "
                "toegestaan, hoe de kolom ook heet. Alleen met een onderbouwde uitzondering "
                "(profilering_uitzondering met velden en onderbouwing), goedgekeurd door de "
                f"rol {GUARDING_ROLE} (vik rules approve --profilering), mag een regel zo'n "
                "gegeven lezen."
            )


def check_rule(rule: Rule, context: Context, peildatum: date | None = None) -> CompiledRule:
    """Every static check on a valid-schema rule; raises the first problem found.

    Policy first (no profiling inputs), then everything compiling checks (fields,
    expressions, links, unused inputs, the explanation), then the departments."""
    _check_profiling(rule, context)
    for name in placeholders(rule.description):
        if name not in rule.params:
            raise RuleSchemaError(
                f"{rule.id}: description noemt {{{name}}}, maar dat is geen param; in de "
                f"beschrijving staan alleen params (params: {', '.join(rule.params) or 'geen'})"
            )
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuleSchemaError(
            f"Het regelbestand {path} bestaat niet; controleer de naam."
        ) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise RuleSchemaError(
            f"Het regelbestand {path} is niet te lezen ({type(error).__name__}); geef een "
            "YAML-bestand in UTF-8 op."
        ) from None
    loaded = rule_from_text(text, path, context)
    if path.stem != loaded.id:
        raise RuleSchemaError(f"{path}: id '{loaded.id}' hoort in een bestand {loaded.id}.yaml")
    return loaded


def rule_from_text(text: str, path: Path, context: Context | None = None) -> LoadedRule:
    """Validate and check a rule file's text (a stored version, or a file's content); `path`
    names it in messages."""
    context = context or Context()
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
        raise RuleSchemaError(describe_validation_error(error, str(path), Rule)) from None
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


# Free-text fields of the doelbinding that must say something, and the words each needs.
_PROSE = {"doel": 5, "proportionaliteit": 5, "subsidiariteit": 5, "eigenaar": 1}
_OPTIONAL_PROSE = ("strafrechtelijke_gegevens", "bijzondere_persoonsgegevens", "awr_ontheffing")


def _substance_gaps(rule: Rule) -> list[str]:
    """Fields that are filled in but say nothing, references that are none, bad links."""
    d = rule.doelbinding
    gaps = []
    for name, words in _PROSE.items():
        value = getattr(d, name)
        if value and (problem := substance_problem(value, min_words=words)):
            gaps.append(f"doelbinding.{name} {problem}")
    for name in _OPTIONAL_PROSE:
        value = getattr(d, name)
        if value and (problem := substance_problem(value, min_words=2)):
            gaps.append(f"doelbinding.{name} {problem}")
    for name in ("dpia", "fg_advies"):
        value = getattr(d, name)
        if value and (problem := reference_problem(value)):
            gaps.append(f"doelbinding.{name}: {problem}")
    for name in ("dpia_link", "fg_advies_link"):
        value = getattr(d, name)
        if value and (problem := link_problem(value)):
            gaps.append(f"doelbinding.{name}: {problem}")
    for index, text in enumerate(d.betrokkenen or []):
        if problem := substance_problem(text):
            gaps.append(f"doelbinding.betrokkenen[{index + 1}] {problem}")
    for source, text in (d.gegevenscategorieen or {}).items():
        if problem := substance_problem(text, min_words=2):
            gaps.append(f"doelbinding.gegevenscategorieen.{source} {problem}")
    if d.grondslag is not None:
        for name in ("avg", "wettelijke_taak"):
            value = getattr(d.grondslag, name)
            if value and (problem := substance_problem(value, min_words=2)):
                gaps.append(f"doelbinding.grondslag.{name} {problem}")
        for link in d.grondslag.links:
            if problem := link_problem(link):
                gaps.append(f"doelbinding.grondslag.links: {problem}")
    return gaps


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
    gaps.extend(_substance_gaps(rule))
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


def approval_reasons(loaded: LoadedRule, context: Context, peildatum: date) -> list[str]:
    """Why this content has no approval that lets it run (empty: it has one)."""
    rule = loaded.rule
    approvals = context.approvals or Approvals()
    reasons = []
    approval = approvals.of(rule.id, loaded.content_hash)
    if approval is None:
        latest = approvals.latest(rule.id)
        changed = (
            "; de inhoud is gewijzigd sinds de goedgekeurde versie "
            + (f"{latest.version} " if latest.version else "")
            + f"({latest.content_hash[:12]}, {latest.approved_on.isoformat()})"
            if latest is not None
            else ""
        )
        reasons.append(
            f"niet goedgekeurd: deze inhoud (sha256 {loaded.content_hash[:12]}) heeft geen "
            f"goedkeuring{changed}. Een account met de rol {APPROVING_ROLE} (niet de auteur) "
            "keurt goed met `vik rules approve` of in het regelregister"
        )
    elif approval.approver == rule.author:
        reasons.append(
            f"zelf goedgekeurd: {approval.approver} is ook de auteur; een ander moet goedkeuren"
        )
    elif approval.approved_on > peildatum:
        reasons.append(f"goedkeuring geldt pas vanaf {approval.approved_on.isoformat()}")
    if rule.profilering_uitzondering is not None and (
        approvals.of(rule.id, loaded.content_hash, Scope.PROFILERING) is None
    ):
        reasons.append(
            "profilering_uitzondering niet goedgekeurd: de rol "
            f"{GUARDING_ROLE} (FG) keurt de uitzondering van deze inhoud goed met "
            "`vik rules approve --profilering`"
        )
    return reasons


def run_gate(loaded: LoadedRule, context: Context, peildatum: date) -> list[str]:
    """Why this rule may not run on this peildatum (empty list: it may). The rule's own
    fixtures are the runner's part of the gate (vik/rules/runner.py ``night_gate``)."""
    rule = loaded.rule
    reasons = []
    if rule.status not in (Status.ACTIEF, Status.PROEF):
        reasons.append(f"status is {rule.status.value}, niet actief")
    if rule.status in (Status.GOEDGEKEURD, Status.ACTIEF, Status.PROEF):
        reasons.extend(approval_reasons(loaded, context, peildatum))
    gaps = doelbinding_gaps(rule, context)
    if gaps:
        reasons.append("doelbinding onvolledig: " + "; ".join(gaps))
    review = rule.doelbinding.herbeoordeling
    if review is not None and review < peildatum:
        reasons.append(
            f"herbeoordeling was uiterlijk {review.isoformat()}; na herbeoordeling en een nieuwe "
            "datum draait de regel weer"
        )
    limit = context.governance.herbeoordeling_max_jaren
    if review is not None and review > _years_after(peildatum, limit):
        reasons.append(
            f"herbeoordeling {review.isoformat()} ligt meer dan {limit} jaar vooruit; kies een "
            f"datum tot uiterlijk {_years_after(peildatum, limit).isoformat()} "
            "(config/governance.yaml, herbeoordeling_max_jaren)"
        )
    return reasons


def rule_warnings(loaded: LoadedRule, context: Context, peildatum: date) -> list[str]:
    """What a compliance officer should know even when the rule may run: a herbeoordeling
    that falls due soon, a profiling exception."""
    rule = loaded.rule
    warnings = []
    review = rule.doelbinding.herbeoordeling
    days = context.governance.herbeoordeling_waarschuwing_dagen
    if review is not None and peildatum <= review <= peildatum + timedelta(days=days):
        warnings.append(
            f"herbeoordeling uiterlijk {review.isoformat()} (over {(review - peildatum).days} "
            "dagen); daarna draait de regel niet meer"
        )
    exception = rule.profilering_uitzondering
    if exception is not None:
        approval = (context.approvals or Approvals()).of(
            rule.id, loaded.content_hash, Scope.PROFILERING
        )
        by = (
            f"goedgekeurd door {approval.approver_name} op {approval.approved_on.isoformat()} "
            f"({approval.besluit})"
            if approval
            else "nog niet goedgekeurd"
        )
        warnings.append(
            f"profileringsuitzondering voor {', '.join(exception.velden)}: "
            f"{' '.join(exception.onderbouwing.split())} ({by})"
        )
    return warnings


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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
        governance=load_governance(config_dir),
    )
