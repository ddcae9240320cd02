"""What rules are checked against: the sources, the fields a rule may name, the departments.

    >>> context = load_context(Path("config"))  # doctest: +SKIP
    >>> source_fields(context.schemas["bag"])["oppervlakte"]
    'number'
    >>> linked_entities(context.schemas["kvk"])
    ('adres', 'bedrijf')

This is the one module of vik/rules that reads which entity types a source is
linked to (the source registry, vik/connectors/schemas.py) and which column holds
each entity's key (vik/resolve/links.py); the compiler, the engine and the
evaluators take them from here or from the compiled rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vik.connectors.model import Kind, SourceSchema
from vik.connectors.schemas import SOURCES
from vik.resolve.links import entity_key
from vik.rules.approvals import Approvals
from vik.rules.governance import Governance

__all__ = ["UNREADABLE", "Context", "entity_key", "linked_entities", "source_fields"]

# Keys and pseudonyms are for linking, not for rules: rules read resolved entities.
UNREADABLE = ("record_id", "record_key", "row_number")

# The expression kind (vik/rules/expressions.py) of a column of each extract kind.
_KIND = {
    Kind.INTEGER: "number",
    Kind.DECIMAL: "number",
    Kind.DATE: "date",
    Kind.PARTIAL_DATE: "date",
    Kind.LIST: "list",
}


def linked_entities(schema: SourceSchema) -> tuple[str, ...]:
    """The entity types (adres, persoon, bedrijf) a source's records are linked to."""
    return tuple(str(entity) for entity in schema.links)


def source_fields(schema: SourceSchema) -> dict[str, str]:
    """Fields a rule may name for a source, with their expression kind."""
    fields = {
        c.stored_name: _KIND.get(c.kind, "text")
        for c in schema.columns
        if c.kind is not Kind.BSN and c.name not in UNREADABLE
    }
    for entity in linked_entities(schema):
        fields[entity_key(entity)] = "text"
    return fields


@dataclass
class Context:
    """What rules are checked against: the sources (with configured extras) and departments."""

    schemas: Mapping[str, SourceSchema] = field(default_factory=lambda: dict(SOURCES))
    departments: Mapping[str, object] | None = None
    # The approvals of rule versions (from the database); None: none known, so no
    # rule may run (fixtures and dry-runs do not ask).
    approvals: Approvals | None = None
    governance: Governance = field(default_factory=Governance)
