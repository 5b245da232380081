"""Report facts: each ticket's part of the supervisor's figures, stored with its clocks

A `report_fact` table (new work, replies, solves, every SLA clock run with its business time
and deadline) written whenever a ticket's clocks are recomputed, `ticket.report_key` (the SLA
settings they were computed under), and an index on `rating.created_at`. Tickets of an older
database have no facts yet (`report_key` NULL): reports work them out from their history
until `Desk.recompute_sla()` stores them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_fact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("due_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_report_fact_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_report_fact_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_fact")),
    )
    with op.batch_alter_table("report_fact", schema=None) as batch_op:
        batch_op.create_index("ix_report_fact_at", ["at"], unique=False)
        batch_op.create_index("ix_report_fact_due_at", ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_fact_ticket_id"), ["ticket_id"], unique=False)
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_key", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_ticket_report_key"), ["report_key"], unique=False)
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.create_index("ix_rating_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rating", schema=None) as batch_op:
        batch_op.drop_index("ix_rating_created_at")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_report_key"))
        batch_op.drop_column("report_key")
    with op.batch_alter_table("report_fact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_fact_ticket_id"))
        batch_op.drop_index("ix_report_fact_due_at")
        batch_op.drop_index("ix_report_fact_at")
    op.drop_table("report_fact")
