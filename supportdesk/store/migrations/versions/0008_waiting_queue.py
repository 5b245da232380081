"""Waiting queue index: take next finds the most urgent free ticket at an index's front

A partial index in the queue's order over the tickets nobody has taken yet (unassigned, new
or open). Without it, "take next" on PostgreSQL sorted every waiting ticket (or walked the
queue past every assigned one) whenever the planner's statistics were stale: 20 ms and more
of server time per take at 9,000 tickets.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["rank_group", "rank_due", "category_rank", "created_at", "id"]
# As models.WAITING_FOR_AGENT; a migration keeps its own copy, the models may change later.
WAITING_FOR_AGENT = sa.text("assignee_id IS NULL AND status IN ('new', 'open')")


def upgrade() -> None:
    op.create_index(
        "ix_ticket_waiting_queue",
        "ticket",
        COLUMNS,
        unique=False,
        postgresql_where=WAITING_FOR_AGENT,
        sqlite_where=WAITING_FOR_AGENT,
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_waiting_queue", table_name="ticket")
