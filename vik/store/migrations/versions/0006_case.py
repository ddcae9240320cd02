"""the life of a signal: decisions per department, snapshots, the LOO cycle, outcomes

Every department that receives a flag gets its own decision (flag_decision), history
(review.department) and snoozes (snooze.department). Today's decisions are carried over
to the department of the reviewer's account (web_user.department); a reviewer without
one keeps the flag's own department (betrokkenheid) or none. flag.decision, shared by
every department, goes.

Revision ID: 0006_case
Revises: 0005_ops
Create Date: 2026-12-05 09:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_case"
down_revision = "0005_ops"
branch_labels = None
depends_on = None

FROZEN = "decision_snapshot is onveranderlijk: een momentopname wijzigen is niet toegestaan"


def _department_of(table: str, user_column: str) -> str:
    """SQL that fills `department` from the account of whoever wrote the row."""
    flag_department = (
        f"(SELECT NULLIF(flag.department, '') FROM flag WHERE flag.id = {table}.flag_id)"
        if table == "review"
        else "NULL"
    )
    return (
        f"UPDATE {table} SET department = COALESCE("
        f"(SELECT web_user.department FROM web_user WHERE web_user.username = {table}.{user_column}), "
        f"{flag_department}, '')"
    )


def upgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(), nullable=True))
    op.execute(_department_of("review", "reviewer"))
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.alter_column("department", existing_type=sa.String(), nullable=False)

    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(), nullable=True))
    op.execute(_department_of("snooze", "by"))
    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.alter_column("department", existing_type=sa.String(), nullable=False)

    decision = op.create_table(
        "flag_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=True),
        sa.Column("target", sa.String(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("reopened_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["flag_id"], ["flag.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flag_id", "department"),
    )
    with op.batch_alter_table("flag_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_decision_flag_id"), ["flag_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_flag_decision_department"), ["department"], unique=False
        )
    _carry_over_decisions(decision)
    # Not in batch mode: on SQLite that would copy the flag table, which the tables that
    # refer to it forbid; SQLite drops an unindexed column in place.
    op.drop_column("flag", "decision")

    op.create_table(
        "decision_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("decision_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_snapshot_review_id"), ["review_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decision_snapshot_flag_id"), ["flag_id"], unique=False)
    _snapshots_frozen()

    op.create_table(
        "loo_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("chair", sa.String(), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loo_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loo_meeting_held_on"), ["held_on"], unique=False)

    op.create_table(
        "loo_agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("entity_type", sa.String(), nullable=False),
        sa.Column("entity_key", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("wijk", sa.String(), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("referred_by", sa.JSON(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["loo_meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "entity_type", "entity_key"),
    )
    with op.batch_alter_table("loo_agenda_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loo_agenda_item_meeting_id"), ["meeting_id"], unique=False
        )

    op.create_table(
        "loo_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("flag_ids", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_on", sa.Date(), nullable=True),
        sa.Column("check_departments", sa.JSON(), nullable=True),
        sa.Column("check_findings", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["loo_agenda_item.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loo_agreement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loo_agreement_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_loo_agreement_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_loo_agreement_status"), ["status"], unique=False)

    op.create_table(
        "outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("rule_hash", sa.String(), nullable=False),
        sa.Column("wijk", sa.String(), nullable=True),
        sa.Column("department", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outcome", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcome_flag_id"), ["flag_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcome_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outcome_agreement_id"), ["agreement_id"], unique=False)


def _carry_over_decisions(table: sa.Table) -> None:
    """Per flag and department, the latest of its reviews becomes its decision."""
    bind = op.get_bind()
    reviews = bind.execute(
        sa.text(
            "SELECT id, flag_id, department, decision, target, reviewer, at FROM review "
            "ORDER BY at, id"
        )
    ).all()
    latest: dict[tuple[int, str], sa.Row[Any]] = {}
    for row in reviews:
        latest[(row.flag_id, row.department)] = row
    rows = [
        {
            "flag_id": row.flag_id,
            "department": row.department,
            "decision": row.decision,
            "target": row.target,
            # A date, as the column is: SQLite hands the timestamp back as text.
            "decided_on": row.at.date() if hasattr(row.at, "date") else _day(row.at),
            "decided_by": row.reviewer,
            "review_id": row.id,
        }
        for row in latest.values()
    ]
    if rows:
        op.bulk_insert(table, rows)


def _day(value: object) -> object:
    from datetime import date

    return date.fromisoformat(str(value)[:10])


def _snapshots_frozen() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION decision_snapshot_frozen() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{FROZEN}'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER decision_snapshot_frozen BEFORE UPDATE ON decision_snapshot "
            "FOR EACH ROW EXECUTE FUNCTION decision_snapshot_frozen()"
        )
    else:
        op.execute(
            "CREATE TRIGGER decision_snapshot_no_update BEFORE UPDATE ON decision_snapshot "
            f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_snapshot_frozen ON decision_snapshot")
        op.execute("DROP FUNCTION IF EXISTS decision_snapshot_frozen()")
    for table, indexes in (
        ("outcome", ("ix_outcome_agreement_id", "ix_outcome_rule_id", "ix_outcome_flag_id")),
        ("loo_agreement", ("ix_loo_agreement_status", "ix_loo_agreement_owner")),
        ("loo_agreement", ("ix_loo_agreement_item_id",)),
        ("loo_agenda_item", ("ix_loo_agenda_item_meeting_id",)),
        ("loo_meeting", ("ix_loo_meeting_held_on",)),
        ("decision_snapshot", ("ix_decision_snapshot_flag_id", "ix_decision_snapshot_review_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
    for table in ("outcome", "loo_agreement", "loo_agenda_item", "loo_meeting"):
        op.drop_table(table)
    op.drop_table("decision_snapshot")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision", sa.String(), nullable=True))
    # Back to one shared decision: the latest of any department's.
    op.execute(
        "UPDATE flag SET decision = (SELECT d.decision FROM flag_decision d "
        "WHERE d.flag_id = flag.id ORDER BY d.decided_on DESC, d.review_id DESC LIMIT 1)"
    )
    with op.batch_alter_table("flag_decision", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_decision_department")
        batch_op.drop_index("ix_flag_decision_flag_id")
    op.drop_table("flag_decision")
    with op.batch_alter_table("snooze", schema=None) as batch_op:
        batch_op.drop_column("department")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_column("department")
