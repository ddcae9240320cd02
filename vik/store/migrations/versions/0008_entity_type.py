"""entity_type: links and link judgements name entity types as flags do (adres, persoon, bedrijf)

Revision ID: 0008_entity_type
Revises: 0007_gov
Create Date: 2027-01-05 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_entity_type"
down_revision = "0007_gov"
branch_labels = None
depends_on = None

# The words links used before this revision, and the one vocabulary of vik.connectors.schemas.
ENGLISH = {"address": "adres", "person": "persoon", "company": "bedrijf"}
TABLES = ("link", "link_judgement")


def _rename(words: dict[str, str]) -> None:
    # One statement per table: the mapping is one to one, so (source, record_key,
    # entity_type) stays unique in link.
    for name in TABLES:
        table = sa.table(name, sa.column("entity_type", sa.String()))
        column = table.c.entity_type
        op.execute(
            table.update()
            .where(column.in_(list(words)))
            .values(entity_type=sa.case(words, value=column, else_=column))
        )


def upgrade() -> None:
    _rename(ENGLISH)


def downgrade() -> None:
    _rename({new: old for old, new in ENGLISH.items()})
