"""Evaluating a compiled rule on resolved frames: projection, then the kind's evaluator.

    >>> outcome = evaluate_compiled(compile_rule(rule, context, peildatum), frames)  # doctest: +SKIP
    >>> outcome.hits.select("entity_key", "explanation").row(0)
    ('0307200000000001', '14 inschrijvingen op 82 m² woonoppervlak (...)')

A rule sees a projection of the frames that holds only its declared inputs
(plus the record keys and link confidences evidence needs): what it did not
declare is not there to read. Everything is polars; no row is visited in Python.
The engine knows nothing of rule files or policy: it gets a ``CompiledRule``
(vik/rules/compiler.py); whether a rule may run is the loader's ``run_gate``,
applied by vik/rules/runner.py.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from vik.resolve.links import confidence_column, method_column
from vik.rules.compiler import CompiledRule
from vik.rules.kinds import EVIDENCE_TYPE, HITS_SCHEMA, UNDECIDED_SCHEMA

__all__ = [
    "EVIDENCE_TYPE",
    "HITS_SCHEMA",
    "UNDECIDED_SCHEMA",
    "Evaluation",
    "RuleOutcome",
    "evaluate_compiled",
    "project",
]


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

    def counts(self) -> dict[str, Any]:
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


def project(compiled: CompiledRule, frames: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Per source, only the declared inputs plus record_key and link confidences."""
    projected = {}
    for source, fields in compiled.projection.items():
        frame = frames[source]
        columns = []
        for name, kind in fields.items():
            if name in frame.columns:
                columns.append(pl.col(name))
            else:  # absent in this extract (an optional column): empty, typed
                columns.append(pl.lit(None, dtype=_dtype(kind)).alias(name))
        for entity in compiled.links[source]:
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


def evaluate_compiled(
    compiled: CompiledRule,
    frames: Mapping[str, pl.DataFrame],
    *,
    content_hash: str | None = None,
) -> RuleOutcome:
    """Evaluate a compiled rule on resolved frames (no gate: see vik/rules/runner.py)."""
    rule = compiled.rule
    started = time.perf_counter()
    projected = project(compiled, frames)
    verdicts = compiled.kind.evaluate(compiled, projected)
    return RuleOutcome(
        rule.id,
        rule.version,
        content_hash,
        ran=True,
        columns_read=list(rule.inputs),
        rows_in={source: frame.height for source, frame in projected.items()},
        unlinked=verdicts.unlinked,
        hits=verdicts.hits,
        undecided=verdicts.undecided,
        seconds=time.perf_counter() - started,
    )
