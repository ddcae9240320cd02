"""The signaal rule: measures per entity, a condition, and a flag where the condition holds.

    measures: {inschrijvingen: {count: brp, where: ...}, oppervlakte: {value: bag.oppervlakte}}
    condition: inschrijvingen >= min_inschrijvingen and oppervlakte <= max_oppervlakte

Per entity type of the rule, every measure is aggregated over the entity's
linked records and the condition evaluated. True is a hit (with its values,
explanation and the records as evidence); unknown (a measure the condition
needs is missing) is onbeslist, with the measure's ``unknown`` text as reason.
Records that pass a measure's filter but are tied to none of the rule's
entities are counted per source, as onbeslist for the run report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from vik.rules.kinds import (
    EVIDENCE_TYPE,
    RuleKind,
    Verdicts,
    evidence,
    measure_values,
    rule_kind,
)

if TYPE_CHECKING:
    from vik.rules.compiler import CompiledRule
    from vik.rules.model import Rule


@rule_kind
class Signaal(RuleKind):
    name = "signaal"

    def check_shape(self, rule: Rule) -> None:
        if not rule.measures or not rule.condition:
            raise ValueError("een signaalregel heeft measures en een condition")
        if rule.matters:
            raise ValueError("matters horen alleen bij een betrokkenheidsregel")

    def evaluate(self, compiled: CompiledRule, frames: Mapping[str, pl.DataFrame]) -> Verdicts:
        rule, measures = compiled.rule, compiled.measures
        assert compiled.condition is not None  # check_shape: a signaal rule has one
        reasons = [
            pl.when(pl.col(name).is_null()).then(pl.lit(measure.unknown))
            for name, measure in measures.items()
            if name in compiled.condition_names
        ]
        reason = (
            pl.concat_str(reasons, separator="; ", ignore_nulls=True)
            if reasons
            else pl.lit("onbekende waarde")
        )
        # Measures and the condition for every entity first; the costly parts (evidence
        # lists, values, explanations) only for the few entities that are hits.
        plans = [
            measure_values(compiled, frames, entity)
            .with_columns(compiled.condition.alias("__hit"))
            .filter(pl.col("__hit") | pl.col("__hit").is_null())
            for entity in rule.entity_types
        ]
        decided = pl.collect_all(plans)

        values = {name: (pl.col(name), measure.kind) for name, measure in measures.items()}
        values.update({name: (pl.col(name), kind) for name, (_, kind) in compiled.derived.items()})
        hits, undecided = [], []
        for entity, frame in zip(rule.entity_types, decided, strict=True):
            key = compiled.keys[entity]
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
            for name, measure in measures.items():
                records = (
                    measure.records(frames, key)
                    .filter(pl.col(key).is_in(hit_keys))
                    .group_by(key)
                    .agg(evidence(measure.source, entity).alias(f"__ev_{name}"))
                )
                with_evidence = with_evidence.join(records, on=key, how="left")
            hits.append(
                with_evidence.with_columns(
                    pl.col(f"__ev_{n}").fill_null(pl.lit([], dtype=EVIDENCE_TYPE)) for n in measures
                ).select(
                    pl.lit(rule.id).alias("rule_id"),
                    pl.lit(entity).alias("entity_type"),
                    pl.col(key).alias("entity_key"),
                    pl.lit(None, dtype=pl.String).alias("department"),
                    pl.struct(
                        [
                            *measures,
                            *compiled.derived,
                            *[pl.lit(v).alias(p) for p, v in rule.params.items()],
                        ]
                    )
                    .struct.json_encode()
                    .alias("values"),
                    compiled.explanation.render(values).alias("explanation"),
                    pl.concat_list([pl.col(f"__ev_{n}") for n in measures])
                    .list.unique(maintain_order=True)
                    .alias("evidence"),
                )
            )
        unlinked = _count_unlinked(compiled, frames)
        collected = pl.collect_all(hits + undecided)
        return Verdicts(
            hits=pl.concat(collected[: len(hits)]).sort("entity_type", "entity_key"),
            undecided=pl.concat(collected[len(hits) :]).sort("entity_type", "entity_key"),
            unlinked=unlinked,
        )


def _count_unlinked(compiled: CompiledRule, frames: Mapping[str, pl.DataFrame]) -> dict[str, int]:
    """Records a measure would count but that are tied to none of the rule's entities:
    the rule cannot decide about them, so the run report counts them as onbeslist."""
    keys = list(compiled.keys.values())
    unlinked: dict[str, int] = {}
    for measure in compiled.measures.values():
        count = (
            measure.matching(frames)
            .filter(pl.all_horizontal(pl.col(k).is_null() for k in keys))
            .select(pl.len())
            .collect()
            .item()
        )
        if count:
            unlinked[measure.source] = max(unlinked.get(measure.source, 0), count)
    return unlinked
