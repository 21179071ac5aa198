"""Delegations on the record: every grant chained by hash, so verify finds one edited or deleted.

* ``delegations.sequence``: the grant's place in the one chain of all grants (from 1;
  unique), ``prev_hash`` the hash of the grant before (64 zeros for the first) and ``hash``
  its own (:func:`policyflow.store.delegations.grant_hash`). The grants already stored are
  chained in the order they were granted (``granted_at``, then ``id``).

Revision ID: 0007
Revises: 0004 (0005 and 0006 are written beside it; the chain is set when they are merged)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The hash is the store's own: a grant chained here hashes as one granted afterwards.
from policyflow.store.delegations import grant_hash
from policyflow.store.journal import GENESIS

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_GRANTS = sa.table(
    "delegations",
    sa.column("id", sa.String),
    sa.column("grantee_id", sa.String),
    sa.column("role", sa.String),
    sa.column("case_id", sa.String),
    sa.column("until", sa.Date),
    sa.column("basis", sa.Text),
    sa.column("granted_at", sa.DateTime),
    sa.column("sequence", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    """Add the columns, chain the grants already stored, then make the columns required."""
    with op.batch_alter_table("delegations") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_GRANTS).order_by(_GRANTS.c.granted_at, _GRANTS.c.id)
    ).mappings()
    link = GENESIS
    for sequence, row in enumerate(list(rows), start=1):
        values = {**row, "sequence": sequence, "prev_hash": link}
        link = grant_hash(values)
        connection.execute(
            _GRANTS.update()
            .where(_GRANTS.c.id == row["id"])
            .values(sequence=sequence, prev_hash=values["prev_hash"], hash=link)
        )
    with op.batch_alter_table("delegations") as batch:
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    op.create_index("ux_delegations_sequence", "delegations", ["sequence"], unique=True)


def downgrade() -> None:
    """Drop the chain (the grants stay)."""
    op.drop_index("ux_delegations_sequence", table_name="delegations")
    with op.batch_alter_table("delegations") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("sequence")
