"""Compiling a rule file once: what every evaluator of every kind consumes.

    >>> compiled = compile_rule(rule, context, peildatum=date(2026, 11, 1))  # doctest: +SKIP
    >>> compiled.measures["inschrijvingen"].aggregation.name, compiled.measures["inschrijvingen"].source
    ('count', 'brp')

``compile_rule`` checks the rule against the sources (every input exists, every
expression compiles to the right kind and names only declared inputs and
params, every source it counts is linked to the entities it counts it for,
nothing is declared that is not read, the explanation names only what exists)
and raises ``RuleSchemaError`` / ``UndeclaredInputError`` with the first
problem; the loader calls it when a file is loaded, the engine once per
evaluation (expressions such as ``within_days`` depend on the peildatum). The
result holds, per measure, its source, filter, aggregation and kind; the
condition; per matter its source, filter and department; the explanation; the
projection (which columns of which source the rule sees). Policy (profiling,
doelbinding, the run gate) is the loader's, not the compiler's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from vik.errors import RuleSchemaError, UndeclaredInputError
from vik.rules.aggregations import AGGREGATIONS, Aggregation, Reads
from vik.rules.context import UNREADABLE, Context, entity_key, linked_entities, source_fields
from vik.rules.explanations import Explanation, compile_explanation
from vik.rules.expressions import Scope, Typed, as_expr, compile_expression, constant
from vik.rules.kinds import RULE_KINDS, RuleKind
from vik.rules.model import Rule

__all__ = [
    "CompiledMatter",
    "CompiledMeasure",
    "CompiledRule",
    "compile_rule",
    "condition_scope",
    "fields_scope",
]


@dataclass(frozen=True)
class CompiledMeasure:
    """One measure: which records of which source, aggregated how, seen as which kind."""

    name: str
    source: str
    filter: pl.Expr | None  # the compiled `where`; None: every record
    aggregation: Aggregation
    field: str | None  # the column aggregated; None when the aggregation reads the source
    kind: str  # the expression kind the condition sees (number, text, date, list)
    unknown: str  # the onbeslist reason when the condition needs this value and it is unknown

    def matching(self, frames: Mapping[str, pl.DataFrame]) -> pl.LazyFrame:
        """The source's records that pass the filter, linked or not."""
        frame = frames[self.source].lazy()
        return frame if self.filter is None else frame.filter(self.filter)

    def records(self, frames: Mapping[str, pl.DataFrame], key: str) -> pl.LazyFrame:
        """The records this measure aggregates for one entity type: filtered, linked ones."""
        return self.matching(frames).filter(pl.col(key).is_not_null())

    def value(self) -> pl.Expr:
        """The aggregation, as an expression inside ``group_by(key).agg``."""
        return self.aggregation.function(pl.col(self.field or "record_key"))


@dataclass(frozen=True)
class CompiledMatter:
    """A department's open matters (betrokkenheid): which records, for which entity types."""

    department: str
    name: str  # the department's name as analists read it
    contact: str  # "name: contact point", shared with the other departments involved
    source: str
    filter: pl.Expr | None
    entities: tuple[str, ...]

    def records(self, frames: Mapping[str, pl.DataFrame], key: str) -> pl.LazyFrame:
        frame = frames[self.source].lazy()
        if self.filter is not None:
            frame = frame.filter(self.filter)
        return frame.filter(pl.col(key).is_not_null())


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to evaluate on one peildatum."""

    rule: Rule
    kind: RuleKind
    peildatum: date
    keys: dict[str, str]  # per entity type of the rule: the column holding its key
    projection: dict[str, dict[str, str]]  # per source read: declared field -> expression kind
    links: dict[str, tuple[str, ...]]  # per source read: the entity types it is read for
    measures: dict[str, CompiledMeasure]
    derived: dict[str, tuple[pl.Expr, str]]  # name -> (expression over measures, kind)
    condition: pl.Expr | None
    condition_names: frozenset[str]  # the measures and params the condition uses
    matters: dict[str, CompiledMatter]
    explanation: Explanation
    fields_read: frozenset[str]  # source.field: everything the rule's logic reads

    @property
    def id(self) -> str:
        return self.rule.id


def fields_scope(rule: Rule, source: str, context: Context, where: str, peildatum: date) -> Scope:
    """The names a `where` on a source may use: its declared fields and the params."""
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


def condition_scope(rule: Rule, kinds: Mapping[str, str], peildatum: date) -> Scope:
    """The names the condition may use: the measures and derived values (with their kinds)
    and the params."""
    names: dict[str, Typed] = {name: Typed(pl.col(name), kind) for name, kind in kinds.items()}
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


class _Compilation:
    """One rule being compiled: what it reads so far, and the checks that say where."""

    def __init__(self, rule: Rule, context: Context, peildatum: date):
        self.rule, self.context, self.peildatum = rule, context, peildatum
        self.kind = RULE_KINDS[rule.kind]
        self.used: set[str] = set()

    def source(self, source: str, where: str) -> tuple[str, ...]:
        """Check that the rule may count this source per entity; the entity types it serves."""
        rule = self.rule
        if source not in self.context.schemas:
            raise RuleSchemaError(f"{rule.id}: {where}: '{source}' is geen bron")
        linked = linked_entities(self.context.schemas[source])
        entities = self.kind.entities(rule, linked)
        if not entities:
            raise RuleSchemaError(
                f"{rule.id}: {where}: {source} is niet te koppelen aan "
                + " of ".join(rule.entity_types)
            )
        for entity in entities:
            if entity not in linked:
                raise RuleSchemaError(
                    f"{rule.id}: {where}: {source} is niet te koppelen aan een {entity}"
                )
            ref = f"{source}.{entity_key(entity)}"
            if ref not in rule.inputs:
                raise UndeclaredInputError(
                    f"{rule.id}: {where} telt {source} per {entity} en leest daarvoor {ref}, "
                    "maar dat veld staat niet onder inputs. Voeg het toe aan inputs."
                )
        self.used.update(f"{source}.{entity_key(e)}" for e in entities)
        return entities

    def filter(self, source: str, text: str | None, where: str) -> pl.Expr | None:
        if not text:
            return None
        rule = self.rule
        scope = fields_scope(rule, source, self.context, where, self.peildatum)
        compiled = compile_expression(text, scope, f"{rule.id}: {where}")
        if compiled.kind != "bool":
            raise RuleSchemaError(f"{rule.id}: {where} is geen ja/nee-uitdrukking")
        self.used.update(f"{source}.{n}" for n in scope.used if n not in rule.params)
        return as_expr(compiled)

    def measure(self, name: str) -> CompiledMeasure:
        rule, measure = self.rule, self.rule.measures[name]
        where = f"measures.{name}"
        source = measure.source
        self.source(source, where)
        aggregation = AGGREGATIONS[measure.aggregation]
        field_name = None
        kinds = source_fields(self.context.schemas[source])
        if aggregation.reads is Reads.FIELD:
            field_name = measure.target.split(".", 1)[1]
            scope = fields_scope(rule, source, self.context, where, self.peildatum)
            if field_name not in scope.names:
                raise scope.unknown_name(field_name)
            self.used.add(measure.target)
        return CompiledMeasure(
            name=name,
            source=source,
            filter=self.filter(source, measure.where, f"{where}.where"),
            aggregation=aggregation,
            field=field_name,
            kind=aggregation.kind or kinds.get(field_name or "", "text"),
            unknown=measure.unknown or f"{name} is onbekend",
        )

    def matter(self, department: str) -> CompiledMatter:
        matter = self.rule.matters[department]
        where = f"matters.{department}"
        entities = self.source(matter.source, where)
        known = self.context.departments or {}
        name = getattr(known.get(department), "name", department)
        contact = getattr(known.get(department), "contact", "contactpunt onbekend")
        return CompiledMatter(
            department=department,
            name=name,
            contact=f"{name}: {contact}",
            source=matter.source,
            filter=self.filter(matter.source, matter.where, f"{where}.where"),
            entities=entities,
        )

    def check_all_inputs_used(self) -> None:
        unused = [ref for ref in self.rule.inputs if ref not in self.used]
        if unused:
            raise RuleSchemaError(
                f"{self.rule.id}: inputs {', '.join(unused)} worden door de regel niet "
                "gebruikt. Haal ze weg: een regel leest alleen wat hij nodig heeft."
            )

    def projection(self) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
        rule = self.rule
        fields, links = {}, {}
        for source in rule.input_sources:
            schema = self.context.schemas[source]
            kinds = source_fields(schema)
            fields[source] = {name: kinds[name] for name in rule.fields_of(source)}
            links[source] = self.kind.entities(rule, linked_entities(schema))
        return fields, links


def compile_rule(rule: Rule, context: Context, peildatum: date) -> CompiledRule:
    """Check the rule against the sources and compile every part of it once."""
    _check_inputs(rule, context)
    compilation = _Compilation(rule, context, peildatum)
    measures = {name: compilation.measure(name) for name in rule.measures}
    kinds = {n: m.kind for n, m in measures.items()}
    derived: dict[str, tuple[pl.Expr, str]] = {}
    for name, text in rule.derived.items():
        if name in kinds or name in rule.params:
            raise RuleSchemaError(
                f"{rule.id}: derived.{name} heeft dezelfde naam als een measure of param"
            )
        typed = compile_expression(
            text, condition_scope(rule, kinds, peildatum), f"{rule.id}: derived.{name}"
        )
        if typed.kind not in ("number", "text", "date", "bool"):
            raise RuleSchemaError(
                f"{rule.id}: derived.{name} is {typed.kind}; een berekende waarde is een getal, "
                "tekst, datum of ja/nee"
            )
        derived[name] = (as_expr(typed), typed.kind)
        kinds[name] = typed.kind
    condition, condition_names = None, frozenset[str]()
    if rule.condition:
        scope = condition_scope(rule, kinds, peildatum)
        compiled = compile_expression(rule.condition, scope, f"{rule.id}: condition")
        if compiled.kind != "bool":
            raise RuleSchemaError(f"{rule.id}: condition is geen ja/nee-uitdrukking")
        condition, condition_names = as_expr(compiled), frozenset(scope.used)
    matters = {department: compilation.matter(department) for department in rule.matters}
    compilation.check_all_inputs_used()
    explanation = compile_explanation(rule, compilation.kind.placeholders(rule), peildatum, kinds)
    projection, links = compilation.projection()
    return CompiledRule(
        rule=rule,
        kind=compilation.kind,
        peildatum=peildatum,
        keys={entity: entity_key(entity) for entity in rule.entity_types},
        projection=projection,
        links=links,
        measures=measures,
        derived=derived,
        condition=condition,
        condition_names=condition_names,
        matters=matters,
        explanation=explanation,
        fields_read=frozenset(compilation.used),
    )
