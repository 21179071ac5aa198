"""The holiday notices added after a release: ``calendar_years``, one row per year.

``policyflow calendar add FILE --db URL`` stores a year's notice here; every engine on the
database counts on the shipped calendar with these years, each from its ``stored_at``.

Revision ID: 0006
Revises: 0004 (to become 0005 when the relations migration is merged before it)
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``calendar_years``."""
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("notice", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )


def downgrade() -> None:
    """Drop ``calendar_years``."""
    op.drop_table("calendar_years")
