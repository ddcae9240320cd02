"""web: sign-in throttle per address and per browser, the demo database marker

Revision ID: 0004_web
Revises: 0003_lookup
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_web"
down_revision = "0003_lookup"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_device",
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["web_user.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_device_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refusals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    op.create_table(
        "demo_marker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extracts_dir", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("demo_marker")
    op.drop_table("login_throttle")
    with op.batch_alter_table("web_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_device_user_id"))
    op.drop_table("web_device")
