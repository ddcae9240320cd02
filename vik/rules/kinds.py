"""Rule kinds: what a rule does with what it reads, one registered class each.

``signaal`` (vik/rules/signaal.py) aggregates measures per entity and raises a
flag where the condition holds; ``betrokkenheid`` (vik/rules/betrokkenheid.py)
tells each department with an open matter that another department is involved.
A kind is a subclass of ``RuleKind`` registered with ``@rule_kind``; it says

* which keys of the rule file it needs (``check_shape``, at validation);
* which of the rule's entity types a source is counted for (``entities``);
* which placeholders it fills in the explanation (``placeholders``);
* how it evaluates a compiled rule on the rule's projection (``evaluate``),
  returning its ``Verdicts``.

Compiling (vik/rules/compiler.py) is the same for every kind: whatever measures,
condition and matters the file has are compiled once, and the evaluator reads
them from the ``CompiledRule``. The rule file schema, the compiler, the engine
and docs/rules.md take the list of kinds from ``RULE_KINDS``.

    >>> RULE_KINDS["signaal"].placeholders(rule)  # doctest: +SKIP
    ('inschrijvingen', 'oppervlakte', 'gebruiksdoel')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, ClassVar, TypeVar

import polars as pl

from vik.resolve.links import confidence_column, method_column

if TYPE_CHECKING:
    from vik.rules.compiler import CompiledRule
    from vik.rules.model import Rule

__all__ = [
    "EVIDENCE_TYPE",
    "HITS_SCHEMA",
    "RULE_KINDS",
    "UNDECIDED_SCHEMA",
    "RuleKind",
    "Verdicts",
    "evidence",
    "measure_values",
    "rule_kind",
]

EVIDENCE_TYPE = pl.List(
    pl.Struct(
        {
            "source": pl.String(),
            "record_key": pl.String(),
            "confidence": pl.Float64(),
            "method": pl.String(),
        }
    )
)
HITS_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "entity_type": pl.String(),
    "entity_key": pl.String(),
    "department": pl.String(),
    "values": pl.String(),
    "explanation": pl.String(),
    "evidence": EVIDENCE_TYPE,
}
UNDECIDED_SCHEMA: dict[str, pl.DataType] = {
    "rule_id": pl.String(),
    "entity_type": pl.String(),
    "entity_key": pl.String(),
    "reason": pl.String(),
}


@dataclass(frozen=True)
class Verdicts:
    """What evaluating one rule decided: hits (HITS_SCHEMA), onbeslist outcomes
    (UNDECIDED_SCHEMA) and, per source, records tied to none of the rule's entities."""

    hits: pl.DataFrame
    undecided: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNDECIDED_SCHEMA))
    unlinked: dict[str, int] = field(default_factory=dict)


class RuleKind:
    """A kind of rule; subclass, set ``name`` and register with ``@rule_kind``."""

    name: ClassVar[str]

    def check_shape(self, rule: Rule) -> None:
        """Raise ValueError (in Dutch) when the file lacks a key this kind needs, or has one
        it does not use. Runs when the rule file is validated."""

    def entities(self, rule: Rule, linked: tuple[str, ...]) -> tuple[str, ...]:
        """The rule's entity types a source linked to ``linked`` is read for. By default a
        source serves every entity type of the rule (the compiler refuses a source that
        cannot be linked to one of them)."""
        return rule.entity_types

    def placeholders(self, rule: Rule) -> tuple[str, ...]:
        """Names this kind fills in the explanation, besides params and peildatum."""
        return (*rule.measures, *rule.derived)

    def evaluate(self, compiled: CompiledRule, frames: Mapping[str, pl.DataFrame]) -> Verdicts:
        """Evaluate the compiled rule on its projection (only its declared inputs)."""
        raise NotImplementedError


RULE_KINDS: dict[str, RuleKind] = {}

K = TypeVar("K", bound=type[RuleKind])


def rule_kind(cls: K) -> K:
    """Register a rule kind under its name (the ``kind:`` of a rule file)."""
    RULE_KINDS[cls.name] = cls()
    return cls


# --- building blocks for evaluators ----------------------------------------------------------


def evidence(source: str, entity: str) -> pl.Expr:
    """One record as evidence: its source, record key, and the confidence and method of
    its link to the entity."""
    return pl.struct(
        pl.lit(source).alias("source"),
        pl.col("record_key"),
        pl.col(confidence_column(entity)).cast(pl.Float64).alias("confidence"),
        pl.col(method_column(entity)).cast(pl.String).alias("method"),
    )


def measure_values(
    compiled: CompiledRule, frames: Mapping[str, pl.DataFrame], entity: str
) -> pl.LazyFrame:
    """Per entity of this type that any measure has records for: its key, one column per
    measure (an entity without records gets the aggregation's ``no_records`` value) and one
    per derived value."""
    key = compiled.keys[entity]
    pieces = [
        measure.records(frames, key).group_by(key).agg(measure.value().alias(name))
        for name, measure in compiled.measures.items()
    ]
    joined = reduce(lambda left, right: left.join(right, on=key, how="full", coalesce=True), pieces)
    joined = joined.with_columns(
        *[
            pl.col(name).fill_null(measure.aggregation.no_records)
            for name, measure in compiled.measures.items()
            if measure.aggregation.no_records is not None
        ]
    )
    for name, (expr, _) in compiled.derived.items():  # in order: one may use another
        joined = joined.with_columns(expr.alias(name))
    return joined


# The built-in kinds register themselves on import, in the order the schema lists them.
from vik.rules import signaal  # noqa: E402, F401

# isort: split
from vik.rules import betrokkenheid  # noqa: E402, F401
