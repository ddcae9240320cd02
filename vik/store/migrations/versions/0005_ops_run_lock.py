"""run lock: who holds it (host, pid, process start, run)

Revision ID: 0005_ops
Revises: 0004_web
Create Date: 2026-12-03 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ops"
down_revision = "0004_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (nullable): SQLite and PostgreSQL both do it in place.
    op.add_column("run_lock", sa.Column("host", sa.String(), nullable=True))
    op.add_column("run_lock", sa.Column("pid", sa.Integer(), nullable=True))
    op.add_column(
        "run_lock", sa.Column("process_started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("run_lock", sa.Column("run_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_lock", schema=None) as batch_op:
        batch_op.drop_column("run_id")
        batch_op.drop_column("process_started_at")
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
