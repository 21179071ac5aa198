"""Three columns the ethics format needs.

* ``timers.label``: a recurring deadline has one timer row per occurrence, each with the
  period it covers (2024年度); NULL for every other deadline.
* ``journal.overrides``: the soft guards (一般应, 原则上) an act passed, each with the
  reason recorded for it, as canonical JSON; NULL when none was passed.
* ``cases.previous_state``: the state a case was in before it entered its current one, so
  that a transition can return there (history); NULL for a case that never moved.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three nullable columns; rows already stored keep their meaning with NULL."""
    with op.batch_alter_table("timers") as batch:
        batch.add_column(sa.Column("label", sa.String(length=200), nullable=True))
    with op.batch_alter_table("journal") as batch:
        batch.add_column(sa.Column("overrides", sa.Text(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("previous_state", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("previous_state")
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("overrides")
    with op.batch_alter_table("timers") as batch:
        batch.drop_column("label")
