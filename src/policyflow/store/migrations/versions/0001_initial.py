"""The first schema: definitions, cases, journal and timers.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables and their indexes."""
    op.create_table(
        "definitions",
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("process_id", "version"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("process_version", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=200), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["cases.id"], name="fk_cases_parent"),
        sa.ForeignKeyConstraint(
            ["process_id", "process_version"],
            ["definitions.process_id", "definitions.version"],
            name="fk_cases_definition",
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cases_parent_id", "cases", ["parent_id"], unique=False)
    op.create_index("ix_cases_process_state", "cases", ["process_id", "state"], unique=False)
    op.create_table(
        "journal",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("from_state", sa.String(length=200), nullable=True),
        sa.Column("to_state", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("timer_changes", sa.Text(), nullable=False),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_journal_case"),
        sa.PrimaryKeyConstraint("case_id", "sequence"),
    )
    op.create_table(
        "timers",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("deadline", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=200), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("suspensions", sa.Text(), nullable=False),
        sa.Column("extensions", sa.Text(), nullable=False),
        sa.Column("extensions_used", sa.Integer(), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("rollover", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_timers_case"),
        sa.PrimaryKeyConstraint("case_id", "position"),
    )
    op.create_index("ix_timers_status_expires_at", "timers", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    """Drop everything the upgrade created."""
    op.drop_index("ix_timers_status_expires_at", table_name="timers")
    op.drop_table("timers")
    op.drop_table("journal")
    op.drop_index("ix_cases_process_state", table_name="cases")
    op.drop_index("ix_cases_parent_id", table_name="cases")
    op.drop_table("cases")
    op.drop_table("definitions")
