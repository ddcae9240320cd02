"""The betrokkenheid rule (hit/no-hit): departments learn that others are involved too.

    matters:
      handhaving: {source: handhaving, where: is_empty(datum_einde)}
      vergunningen: {source: vergunningen, where: status in ["aangevraagd", "in_behandeling"]}

Where two or more departments (``min_afdelingen``) have an open matter on the
same person, company or address, each of them gets its own flag saying which
other departments are involved and whom to call, never what the others have:
its evidence holds only its own records. A source is used for the entity types
it can be linked to (meldingen only have an address).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import polars as pl

from vik.rules.kinds import RuleKind, Verdicts, evidence, rule_kind

if TYPE_CHECKING:
    from vik.rules.compiler import CompiledRule
    from vik.rules.model import Rule

ENTITY_NL = {"adres": "dit adres", "persoon": "deze persoon", "bedrijf": "dit bedrijf"}
PLACEHOLDERS = ("afdeling", "andere_afdelingen", "contactpunten", "aantal_afdelingen", "entiteit")


@rule_kind
class Betrokkenheid(RuleKind):
    name = "betrokkenheid"

    def check_shape(self, rule: Rule) -> None:
        if len(rule.matters) < 2:
            raise ValueError(
                "een betrokkenheidsregel noemt ten minste twee afdelingen onder matters"
            )
        if rule.measures or rule.condition or rule.derived:
            raise ValueError("een betrokkenheidsregel heeft geen measures, derived of condition")

    def entities(self, rule: Rule, linked: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(e for e in rule.entity_types if e in linked)

    def placeholders(self, rule: Rule) -> tuple[str, ...]:
        return PLACEHOLDERS

    def evaluate(self, compiled: CompiledRule, frames: Mapping[str, pl.DataFrame]) -> Verdicts:
        rule = compiled.rule
        minimum = int(rule.params.get("min_afdelingen", 2))  # type: ignore[arg-type]
        names = {d: matter.name for d, matter in compiled.matters.items()}
        contacts = {d: matter.contact for d, matter in compiled.matters.items()}
        hits = []
        for entity in rule.entity_types:
            key = compiled.keys[entity]
            parts = [
                matter.records(frames, key)
                .group_by(key)
                .agg(evidence(matter.source, entity).alias("evidence"))
                .with_columns(pl.lit(department).alias("department"))
                for department, matter in compiled.matters.items()
                if entity in matter.entities
            ]
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
                "contactpunten": (
                    pl.col("__others").list.eval(contact_of).list.join("; "),
                    "text",
                ),
                "aantal_afdelingen": (pl.col("__all").list.len(), "number"),
                "entiteit": (pl.lit(ENTITY_NL[entity]), "text"),
            }
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
                    compiled.explanation.render(values).alias("explanation"),
                    pl.col("evidence"),
                )
            )
        collected = pl.concat(pl.collect_all(hits))
        return Verdicts(hits=collected.sort("entity_type", "entity_key", "department"))
