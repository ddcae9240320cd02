"""Aggregations: what a measure computes over the records of one entity, one function each.

A measure in a rule file names exactly one aggregation and what it reads::

    measures:
      inschrijvingen: {count: brp, where: functie_adres == "W"}
      oppervlakte: {value: bag.oppervlakte}

Each aggregation is a function from the column it reads to a polars expression
evaluated per entity (in a ``group_by(entity key).agg(...)``), registered with
``@aggregation``. The registration is the whole declaration: the key in the rule
file, whether it reads a source (``count: brp``) or a field (``sum:
bag.oppervlakte``), the kind of value the condition sees, what an entity
without records gets, and the help text of the rule file schema. The rule file
schema (``vik.rules.model.Measure``), the compiler, the evaluators and
docs/rules.md all take the list from ``AGGREGATIONS``; a test checks the docs.

    >>> @aggregation("median", reads=Reads.FIELD, description="De middelste waarde.")
    ... def median(column: pl.Expr) -> pl.Expr:
    ...     return column.median()
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import polars as pl

__all__ = ["AGGREGATIONS", "Aggregation", "Reads", "aggregation"]


class Reads(StrEnum):
    """What the value of an aggregation key in a rule file names."""

    SOURCE = "source"  # count: brp; the function gets the source's record_key column
    FIELD = "field"  # sum: bag.oppervlakte; the function gets that column


@dataclass(frozen=True)
class Aggregation:
    name: str
    reads: Reads
    function: Callable[[pl.Expr], pl.Expr]
    # Kind of the result as the condition sees it ("number", "list"); None: the kind of
    # the field it reads (min of a date is a date).
    kind: str | None = None
    # What an entity without matching records gets; None: unknown, as any missing value.
    no_records: int | None = None
    # Help text of this key in the rule file schema (docs/rule.schema.json).
    description: str | None = None


AGGREGATIONS: dict[str, Aggregation] = {}


def aggregation(
    name: str,
    *,
    reads: Reads,
    kind: str | None = None,
    no_records: int | None = None,
    description: str | None = None,
) -> Callable[[Callable[[pl.Expr], pl.Expr]], Callable[[pl.Expr], pl.Expr]]:
    """Register an aggregation under the key rule files use for it."""

    def register(function: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
        AGGREGATIONS[name] = Aggregation(name, reads, function, kind, no_records, description)
        return function

    return register


# The built-in aggregations, in the order the rule file schema lists them.


@aggregation(
    "count",
    reads=Reads.SOURCE,
    kind="number",
    no_records=0,
    description="Aantal records van deze bron.",
)
def count(column: pl.Expr) -> pl.Expr:
    return pl.len().cast(pl.Int64)


@aggregation(
    "count_distinct",
    reads=Reads.FIELD,
    kind="number",
    no_records=0,
    description="Aantal verschillende waarden.",
)
def count_distinct(column: pl.Expr) -> pl.Expr:
    return column.drop_nulls().n_unique().cast(pl.Int64)


@aggregation(
    "distinct", reads=Reads.FIELD, kind="list", description="De verschillende waarden, als lijst."
)
def distinct(column: pl.Expr) -> pl.Expr:
    return column.drop_nulls().unique().sort()


@aggregation("min", reads=Reads.FIELD)
def minimum(column: pl.Expr) -> pl.Expr:
    return column.min()


@aggregation("max", reads=Reads.FIELD)
def maximum(column: pl.Expr) -> pl.Expr:
    return column.max()


@aggregation("sum", reads=Reads.FIELD, kind="number")
def total(column: pl.Expr) -> pl.Expr:
    return column.sum()


@aggregation(
    "value",
    reads=Reads.FIELD,
    description="De waarde van de entiteit (bv. bag.oppervlakte); onbekend als records "
    "verschillende waarden geven.",
)
def value(column: pl.Expr) -> pl.Expr:
    # The entity's one value; records that disagree make it unknown.
    known = column.drop_nulls()
    return pl.when(known.n_unique() == 1).then(known.first())
