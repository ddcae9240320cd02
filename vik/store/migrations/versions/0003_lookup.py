"""lookup and inzage: audit subjects, informatieplicht, purged-flag counts, inzage requests

Revision ID: 0003_lookup
Revises: 0002
Create Date: 2026-12-02 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_lookup"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy): the append-only triggers of audit_log stay.
    op.add_column("audit_log", sa.Column("subject", sa.String(), nullable=True))
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"], unique=False)

    op.create_table(
        "flag_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("informed_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["flag_id"], ["flag.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_flag_notice_flag_id"), "flag_notice", ["flag_id"], unique=False)

    op.create_table(
        "purged_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("entity_key", sa.String(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("purged_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_purged_flag_entity", "purged_flag", ["entity_type", "entity_key"], unique=False
    )

    op.create_table(
        "inzage_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("identified_by", sa.String(), nullable=False),
        sa.Column("registered_by", sa.String(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_by", sa.String(), nullable=True),
        sa.Column("delivered_formats", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_inzage_request_subject"), "inzage_request", ["subject"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_inzage_request_subject"), table_name="inzage_request")
    op.drop_table("inzage_request")
    op.drop_index("ix_purged_flag_entity", table_name="purged_flag")
    op.drop_table("purged_flag")
    op.drop_index(op.f("ix_flag_notice_flag_id"), table_name="flag_notice")
    op.drop_table("flag_notice")
    op.drop_index(op.f("ix_audit_log_subject"), table_name="audit_log")
    with op.batch_alter_table("audit_log", recreate="never") as batch_op:
        batch_op.drop_column("subject")
