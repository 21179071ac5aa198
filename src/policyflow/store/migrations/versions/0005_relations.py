"""Cases that act together (issue #18): what a step read of other cases, and the keys index.

* ``journal.reads``: what a step read of other cases (its children, members, parent,
  cohort, lookups), as canonical JSON, so that replay and verify re-run the step on the
  recorded answers; NULL for a step that read none, and for every row written before this
  revision (hashed only when not NULL, so those rows keep their hash).
* ``case_keys``: one row per (case, key name, value) a process declares in ``keys`` (and
  ``@cohort`` for the cohort a case belongs to), with the instant the case entered its
  current state. A lookup and a cohort's members are found through the index on
  (process_id, name, value): an indexed query whose cost does not grow with the number
  of cases stored.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column (rows already stored read no other case) and the table."""
    with op.batch_alter_table("journal") as batch:
        batch.add_column(sa.Column("reads", sa.Text(), nullable=True))
    op.create_table(
        "case_keys",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_keys_case"),
        sa.PrimaryKeyConstraint("case_id", "name", "value"),
    )
    op.create_index("ix_case_keys_process_name_value", "case_keys", ["process_id", "name", "value"])


def downgrade() -> None:
    """Drop the table and the column."""
    op.drop_index("ix_case_keys_process_name_value", table_name="case_keys")
    op.drop_table("case_keys")
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("reads")
