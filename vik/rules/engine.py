"""Evaluating rules on resolved frames: per entity, measures → condition → hits and onbeslist.

    >>> outcome = evaluate_rule(loaded, frames, peildatum=date(2026, 11, 1), context=context)  # doctest: +SKIP
    >>> outcome.hits.select("entity_key", "explanation").row(0)
    ('0307200000000001', '14 inschrijvingen op 82 m² woonoppervlak (...)')

A rule sees a projection of the frames that holds only its declared inputs
(plus the record keys and link confidences evidence needs): what it did not
declare is not there to read. Everything is polars; no row is visited in Python.
"""

from __future__ import annotations

import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import reduce

import polars as pl

from vik.resolve.links import confidence_column, entity_key, method_column
from vik.rules.expressions import compile_expression, constant
from vik.rules.loader import (
    Context,
    LoadedRule,
    RuleSet,
    condition_scope,
    entities_of,
    fields_scope,
    measure_kind,
    run_gate,
    source_fields,
)
from vik.rules.model import Measure, Rule

EVIDENCE_TYPE = pl.List(
    pl.Struct(
        {
            "source": pl.String,
            "record_key": pl.String,
            "confidence": pl.Float64,
            "method": pl.String,
        }
    )
)
HITS_SCHEMA = {
    "rule_id": pl.String,
    "entity_type": pl.String,
    "entity_key": pl.String,
    "department": pl.String,
    "values": pl.String,
    "explanation": pl.String,
    "evidence": EVIDENCE_TYPE,
}
UNDECIDED_SCHEMA = {
    "rule_id": pl.String,
    "entity_type": pl.String,
    "entity_key": pl.String,
    "reason": pl.String,
}
ENTITY_NL = {"adres": "dit adres", "persoon": "deze persoon", "bedrijf": "dit bedrijf"}


@dataclass
class RuleOutcome:
    """What one rule did (or why it did not run) in one evaluation; stored per run."""

    rule_id: str
    version: int | None
    content_hash: str | None
    ran: bool
    reasons: list[str] = field(default_factory=list)
    columns_read: list[str] = field(default_factory=list)
    rows_in: dict[str, int] = field(default_factory=dict)
    unlinked: dict[str, int] = field(default_factory=dict)
    hits: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HITS_SCHEMA))
    undecided: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNDECIDED_SCHEMA))
    seconds: float = 0.0

    def counts(self) -> dict:
        """Counts only: safe for logs and the run report."""
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "content_hash": self.content_hash,
            "ran": self.ran,
            "reasons": self.reasons,
            "columns_read": self.columns_read,
            "rows_in": self.rows_in,
            "hits": self.hits.height,
            "undecided": self.undecided.height,
            "unlinked": self.unlinked,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Evaluation:
    peildatum: date
    outcomes: list[RuleOutcome]

    def hits(self) -> pl.DataFrame:
        frames = [o.hits for o in self.outcomes if o.ran]
        return pl.concat(frames) if frames else pl.DataFrame(schema=HITS_SCHEMA)

    def undecided(self) -> pl.DataFrame:
        frames = [o.undecided for o in self.outcomes if o.ran]
        return pl.concat(frames) if frames else pl.DataFrame(schema=UNDECIDED_SCHEMA)

    def outcome(self, rule_id: str) -> RuleOutcome:
        return next(o for o in self.outcomes if o.rule_id == rule_id)


# --- projection -------------------------------------------------------------------------


def project(
    rule: Rule, frames: Mapping[str, pl.DataFrame], context: Context
) -> dict[str, pl.DataFrame]:
    """Per source, only the declared inputs plus record_key and link confidences."""
    projected = {}
    for source in rule.input_sources:
        frame = frames[source]
        kinds = source_fields(context.schemas[source])
        columns = []
        for name in rule.fields_of(source):
            if name in frame.columns:
                columns.append(pl.col(name))
            else:  # absent in this extract (an optional column): empty, typed
                columns.append(pl.lit(None, dtype=_dtype(kinds[name])).alias(name))
        for entity in entities_of(rule, source):
            for extra, default in (
                (confidence_column(entity), pl.lit(1.0)),
                (method_column(entity), pl.lit("sleutel")),
            ):
                columns.append(pl.col(extra) if extra in frame.columns else default.alias(extra))
        columns.append(pl.col("record_key"))
        projected[source] = frame.select(columns)
    return projected


def _dtype(kind: str) -> pl.DataType:
    return {"number": pl.Float64(), "list": pl.List(pl.String)}.get(kind, pl.String())


# --- formatting of explanations ---------------------------------------------------------


def _format(expr: pl.Expr, kind: str) -> pl.Expr:
    """A value as a Dutch reader expects it: 82 or 82,5; 01-11-2026; a, b, c; onbekend."""
    if kind == "number":
        as_float = expr.cast(pl.Float64)
        text = (
            pl.when(as_float == as_float.round(0))
            .then(as_float.cast(pl.Int64).cast(pl.String))
            .otherwise(as_float.round(1).cast(pl.String).str.replace(".", ",", literal=True))
        )
    elif kind == "date":
        text = pl.concat_str(
            [expr.str.slice(8, 2), expr.str.slice(5, 2), expr.str.slice(0, 4)], separator="-"
        )
    elif kind in ("list", "values"):
        text = expr.cast(pl.List(pl.String)).list.sort().list.join(", ")
    elif kind == "bool":
        text = pl.when(expr).then(pl.lit("ja")).otherwise(pl.lit("nee"))
    else:
        text = expr.cast(pl.String)
    return text.fill_null("onbekend")


def render(template: str, values: Mapping[str, tuple[pl.Expr, str]]) -> pl.Expr:
    parts: list[pl.Expr] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal))
        if name is not None:
            expr, kind = values[name]
            parts.append(_format(expr, kind))
    return pl.concat_str(parts) if parts else pl.lit("")


def _param_values(rule: Rule, peildatum: date) -> dict[str, tuple[pl.Expr, str]]:
    values = {}
    for name, value in rule.params.items():
        typed = constant(value)
        literal = pl.lit(pl.Series([value])).first() if typed.kind == "values" else pl.lit(value)
        values[name] = (literal, typed.kind)
    values["peildatum"] = (pl.lit(peildatum.isoformat()), "date")
    return values


# --- signaal rules ----------------------------------------------------------------------


def _evidence(source: str, entity: str) -> pl.Expr:
    return pl.struct(
        pl.lit(source).alias("source"),
        pl.col("record_key"),
        pl.col(confidence_column(entity)).cast(pl.Float64).alias("confidence"),
        pl.col(method_column(entity)).cast(pl.String).alias("method"),
    )


def _aggregate(aggregation: str, field_name: str | None) -> pl.Expr:
    if aggregation == "count":
        return pl.len().cast(pl.Int64)
    column = pl.col(field_name)
    if aggregation == "count_distinct":
        return column.drop_nulls().n_unique().cast(pl.Int64)
    if aggregation == "distinct":
        return column.drop_nulls().unique().sort()
    if aggregation == "min":
        return column.min()
    if aggregation == "max":
        return column.max()
    if aggregation == "sum":
        return column.sum()
    # value: the entity's one value; records that disagree make it unknown.
    known = column.drop_nulls()
    return pl.when(known.n_unique() == 1).then(known.first())


def _measure_records(
    rule: Rule,
    name: str,
    projected: dict[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    key: str,
) -> pl.LazyFrame:
    """The records a measure aggregates for one entity type: its where, linked ones only."""
    measure = rule.measures[name]
    frame = projected[measure.source].lazy()
    if measure.where:
        where_scope = fields_scope(rule, measure.source, context, name, peildatum)
        frame = frame.filter(
            compile_expression(measure.where, where_scope, f"{rule.id}: {name}").expr
        )
    return frame.filter(pl.col(key).is_not_null())


def _evaluate_signal(
    loaded: LoadedRule,
    projected: dict[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    outcome: RuleOutcome,
) -> None:
    rule = loaded.rule
    scope = condition_scope(rule, context, peildatum)
    condition = compile_expression(rule.condition or "", scope, f"{rule.id}: condition")
    condition_names = scope.used
    counts = [n for n, m in rule.measures.items() if m.aggregation in ("count", "count_distinct")]
    values = {n: (pl.col(n), measure_kind(rule, n, context)) for n in rule.measures}
    values.update(_param_values(rule, peildatum))
    reasons = [
        pl.when(pl.col(n).is_null()).then(pl.lit(rule.measures[n].unknown or f"{n} is onbekend"))
        for n in rule.measures
        if n in condition_names
    ]
    reason = (
        pl.concat_str(reasons, separator="; ", ignore_nulls=True)
        if reasons
        else pl.lit("onbekende waarde")
    )
    # Measures and the condition for every entity first; the costly parts (evidence
    # lists, values, explanations) only for the few entities that are hits.
    records, plans = {}, []
    for entity in rule.entity_types:
        key = entity_key(entity)
        records[entity] = {
            name: _measure_records(rule, name, projected, peildatum, context, key)
            for name in rule.measures
        }
        pieces = [
            records[entity][name]
            .group_by(key)
            .agg(_aggregate(measure.aggregation, _field_of(measure)).alias(name))
            for name, measure in rule.measures.items()
        ]
        joined = reduce(
            lambda left, right: left.join(right, on=key, how="full", coalesce=True), pieces
        )
        plans.append(
            joined.with_columns(*[pl.col(n).fill_null(0) for n in counts])
            .with_columns(condition.expr.alias("__hit"))
            .filter(pl.col("__hit") | pl.col("__hit").is_null())
        )
    decided = pl.collect_all(plans)

    hits, undecided = [], []
    for entity, frame in zip(rule.entity_types, decided, strict=True):
        key = entity_key(entity)
        undecided.append(
            frame.lazy()
            .filter(pl.col("__hit").is_null())
            .select(
                pl.lit(rule.id).alias("rule_id"),
                pl.lit(entity).alias("entity_type"),
                pl.col(key).alias("entity_key"),
                reason.alias("reason"),
            )
        )
        hit = frame.filter(pl.col("__hit"))
        hit_keys = hit[key].implode()
        with_evidence = hit.lazy()
        for name, measure in rule.measures.items():
            evidence = (
                records[entity][name]
                .filter(pl.col(key).is_in(hit_keys))
                .group_by(key)
                .agg(_evidence(measure.source, entity).alias(f"__ev_{name}"))
            )
            with_evidence = with_evidence.join(evidence, on=key, how="left")
        hits.append(
            with_evidence.with_columns(
                pl.col(f"__ev_{n}").fill_null(pl.lit([], dtype=EVIDENCE_TYPE))
                for n in rule.measures
            ).select(
                pl.lit(rule.id).alias("rule_id"),
                pl.lit(entity).alias("entity_type"),
                pl.col(key).alias("entity_key"),
                pl.lit(None, dtype=pl.String).alias("department"),
                pl.struct([*rule.measures, *[pl.lit(v).alias(p) for p, v in rule.params.items()]])
                .struct.json_encode()
                .alias("values"),
                render(rule.explanation, values).alias("explanation"),
                pl.concat_list([pl.col(f"__ev_{n}") for n in rule.measures])
                .list.unique(maintain_order=True)
                .alias("evidence"),
            )
        )
    _count_unlinked(rule, projected, peildatum, context, outcome)
    collected = pl.collect_all(hits + undecided)
    outcome.hits = pl.concat(collected[: len(hits)]).sort("entity_type", "entity_key")
    outcome.undecided = pl.concat(collected[len(hits) :]).sort("entity_type", "entity_key")


def _field_of(measure: Measure) -> str | None:
    return measure.target.split(".", 1)[1] if measure.aggregation != "count" else None


def _count_unlinked(
    rule: Rule,
    projected: dict[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    outcome: RuleOutcome,
) -> None:
    """Records a measure would count but that are tied to none of the rule's entities:
    the rule cannot decide about them, so the run report counts them as onbeslist."""
    keys = [entity_key(e) for e in rule.entity_types]
    for name, measure in rule.measures.items():
        frame = projected[measure.source].lazy()
        if measure.where:
            scope = fields_scope(rule, measure.source, context, name, peildatum)
            frame = frame.filter(
                compile_expression(measure.where, scope, f"{rule.id}: {name}").expr
            )
        unlinked = (
            frame.filter(pl.all_horizontal(pl.col(k).is_null() for k in keys))
            .select(pl.len())
            .collect()
            .item()
        )
        if unlinked:
            outcome.unlinked[measure.source] = max(
                outcome.unlinked.get(measure.source, 0), unlinked
            )


# --- betrokkenheid ------------------------------------------------------------------------


def _evaluate_betrokkenheid(
    loaded: LoadedRule,
    projected: dict[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    outcome: RuleOutcome,
) -> None:
    """Hit/no-hit: each department with an open matter learns that others are involved too,
    and whom to call, never what the others have."""
    rule = loaded.rule
    minimum = int(rule.params.get("min_afdelingen", 2))
    departments = context.departments or {}
    names = {d: getattr(departments.get(d), "name", d) for d in rule.matters}
    contacts = {
        d: f"{names[d]}: {getattr(departments.get(d), 'contact', 'contactpunt onbekend')}"
        for d in rule.matters
    }
    hits = []
    for entity in rule.entity_types:
        key = entity_key(entity)
        parts = []
        for department, matter in rule.matters.items():
            if entity not in entities_of(rule, matter.source):
                continue
            frame = projected[matter.source].lazy()
            if matter.where:
                scope = fields_scope(rule, matter.source, context, department, peildatum)
                frame = frame.filter(
                    compile_expression(matter.where, scope, f"{rule.id}: {department}").expr
                )
            parts.append(
                frame.filter(pl.col(key).is_not_null())
                .group_by(key)
                .agg(_evidence(matter.source, entity).alias("evidence"))
                .with_columns(pl.lit(department).alias("department"))
            )
        long = pl.concat(parts)
        involved = long.group_by(key).agg(pl.col("department").unique().sort().alias("__all"))
        long = long.join(involved, on=key).filter(pl.col("__all").list.len() >= minimum)
        others = pl.col("__all").list.set_difference(pl.concat_list(pl.col("department")))
        long = long.with_columns(others.list.sort().alias("__others"))
        name_of = pl.element().replace_strict(names, return_dtype=pl.String)
        contact_of = pl.element().replace_strict(contacts, return_dtype=pl.String)
        values = {
            "afdeling": (
                pl.col("department").replace_strict(names, return_dtype=pl.String),
                "text",
            ),
            "andere_afdelingen": (pl.col("__others").list.eval(name_of), "list"),
            "contactpunten": (pl.col("__others").list.eval(contact_of).list.join("; "), "text"),
            "aantal_afdelingen": (pl.col("__all").list.len(), "number"),
            "entiteit": (pl.lit(ENTITY_NL[entity]), "text"),
        }
        values.update(_param_values(rule, peildatum))
        hits.append(
            long.select(
                pl.lit(rule.id).alias("rule_id"),
                pl.lit(entity).alias("entity_type"),
                pl.col(key).alias("entity_key"),
                pl.col("department"),
                pl.struct(
                    pl.col("__others").alias("andere_afdelingen"),
                    pl.col("__others").list.eval(contact_of).alias("contactpunten"),
                )
                .struct.json_encode()
                .alias("values"),
                render(rule.explanation, values).alias("explanation"),
                pl.col("evidence"),
            )
        )
    outcome.hits = pl.concat(pl.collect_all(hits)).sort("entity_type", "entity_key", "department")


# --- running ------------------------------------------------------------------------------


def evaluate_rule(
    loaded: LoadedRule,
    frames: Mapping[str, pl.DataFrame],
    peildatum: date,
    context: Context,
    *,
    gate: bool = True,
) -> RuleOutcome:
    """Evaluate one rule; with gate=False (fixtures, dry-run) status and doelbinding are not asked."""
    rule = loaded.rule
    outcome = RuleOutcome(rule.id, rule.version, loaded.content_hash, ran=False)
    if gate:
        outcome.reasons = run_gate(loaded, context, peildatum)
        if outcome.reasons:
            return outcome
    started = time.perf_counter()
    projected = project(rule, frames, context)
    outcome.columns_read = list(rule.inputs)
    outcome.rows_in = {source: frame.height for source, frame in projected.items()}
    if rule.kind == "betrokkenheid":
        _evaluate_betrokkenheid(loaded, projected, peildatum, context, outcome)
    else:
        _evaluate_signal(loaded, projected, peildatum, context, outcome)
    outcome.ran = True
    outcome.seconds = time.perf_counter() - started
    return outcome


def evaluate_rules(
    rules: RuleSet,
    frames: Mapping[str, pl.DataFrame],
    peildatum: date,
    context: Context,
) -> Evaluation:
    """Every rule of the set; invalid files and gated rules are reported, not run."""
    outcomes = [
        RuleOutcome(path.stem, None, None, ran=False, reasons=[f"ongeldig regelbestand: {message}"])
        for path, message in rules.invalid.items()
    ]
    outcomes.extend(evaluate_rule(loaded, frames, peildatum, context) for loaded in rules.valid)
    return Evaluation(peildatum, sorted(outcomes, key=lambda o: o.rule_id))
