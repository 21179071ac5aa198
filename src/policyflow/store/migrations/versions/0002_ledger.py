"""The ledger: one row per case ever started, so that verify finds a deleted case.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``ledger`` and record in it every case already stored, by its first entry."""
    op.create_table(
        "ledger",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("first_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.execute(
        "INSERT INTO ledger (case_id, first_hash) "
        "SELECT case_id, hash FROM journal WHERE sequence = 1"
    )


def downgrade() -> None:
    """Drop ``ledger``."""
    op.drop_table("ledger")
