"""Who acted in which role.

* ``journal.role``: the role an act was taken in (``enforcement_dept``; ``system`` for the
  law acting by itself), checked against the roles the transition allows; NULL for an act
  by an unidentified actor, and for every row written before this revision (hashed only
  when not NULL, so those rows keep their hash).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable column; rows already stored read as acts by unidentified actors."""
    with op.batch_alter_table("journal") as batch:
        batch.add_column(sa.Column("role", sa.String(length=200), nullable=True))


def downgrade() -> None:
    """Drop the column."""
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("role")
