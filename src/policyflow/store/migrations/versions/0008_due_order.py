"""The due-timer index in tick's page order: ``(status, expires_at, case_id, position)``.

tick reads the due timers a page at a time in ``(expires_at, case_id, position)`` order,
each page after the last row of the one before. With ``ix_timers_status_expires_at`` alone
the rows of one instant (a day's deadlines all expire at the same midnight) came off the
index in no useful order, so on PostgreSQL every page read and sorted every due timer
left: 100,000 due at one instant cost 200 pages × 100,000 rows. This index replaces it:
each page is an index range scan that stops at the page's size, on both databases.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the (status, expires_at) index with (status, expires_at, case_id, position)."""
    op.create_index(
        "ix_timers_due", "timers", ["status", "expires_at", "case_id", "position"], unique=False
    )
    op.drop_index("ix_timers_status_expires_at", table_name="timers")


def downgrade() -> None:
    """Put the (status, expires_at) index back."""
    op.create_index("ix_timers_status_expires_at", "timers", ["status", "expires_at"], unique=False)
    op.drop_index("ix_timers_due", table_name="timers")
