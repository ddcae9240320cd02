"""gov: approvals of rule versions bound to content and accounts; why a flag was closed

Revision ID: 0007_gov
Revises: 0006_case
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_gov"
down_revision = "0006_case"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_approval",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("approver", sa.String(), nullable=False),
        sa.Column("approver_name", sa.String(), nullable=False),
        sa.Column("approver_role", sa.String(), nullable=True),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=False),
        sa.Column("besluit", sa.Text(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "content_hash", "scope"),
    )
    with op.batch_alter_table("rule_approval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_approval_rule_id"), ["rule_id"], unique=False)
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_reason", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("closed_reason")
    with op.batch_alter_table("rule_approval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_approval_rule_id"))
    op.drop_table("rule_approval")
