"""Who acted in which role, and who may act for whom.

* ``journal.role``: the role an act was taken in (``enforcement_dept``; ``system`` for the
  law acting by itself), checked against the roles the transition allows; NULL for an act
  by an unidentified actor, and for every row written before this revision (hashed only
  when not NULL, so those rows keep their hash).
* ``delegations``: grants of a role to a person or body (a 委托书, 第七条), for one case or
  for every case (``case_id`` NULL), in force up to and including ``until``.

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
    """Add the column (rows already stored read as by unidentified actors) and the table."""
    with op.batch_alter_table("journal") as batch:
        batch.add_column(sa.Column("role", sa.String(length=200), nullable=True))
    op.create_table(
        "delegations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("grantee_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delegations_grantee_id", "delegations", ["grantee_id"])


def downgrade() -> None:
    """Drop the table and the column."""
    op.drop_index("ix_delegations_grantee_id", table_name="delegations")
    op.drop_table("delegations")
    with op.batch_alter_table("journal") as batch:
        batch.drop_column("role")
