"""Trainee review: reply_review rows for each trainee reply, and graduation dates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sends_directly_from", sa.Date(), nullable=True))
    op.create_table(
        "reply_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column(
            "requested_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("status_after", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("original_text", sa.Text(), nullable=True),
        sa.Column("note_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('approved', 'edited', 'returned')",
            name=op.f("ck_reply_review_outcome"),
        ),
        sa.CheckConstraint(
            "outcome <> 'returned' OR comment IS NOT NULL",
            name=op.f("ck_reply_review_returned_comment"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_reply_review_message_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_reply_review_ticket_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["agent.id"], name=op.f("fk_reply_review_trainee_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["agent.id"], name=op.f("fk_reply_review_reviewer_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name=op.f("fk_reply_review_note_id_note")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_review")),
        sa.UniqueConstraint("message_id", name=op.f("uq_reply_review_message_id")),
    )
    with op.batch_alter_table("reply_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_review_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reply_review_trainee_id"), ["trainee_id"], unique=False
        )
        batch_op.create_index("ix_reply_review_pending", ["outcome", "requested_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reply_review", schema=None) as batch_op:
        batch_op.drop_index("ix_reply_review_pending")
        batch_op.drop_index(batch_op.f("ix_reply_review_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_reply_review_ticket_id"))
    op.drop_table("reply_review")
    with op.batch_alter_table("agent", schema=None) as batch_op:
        batch_op.drop_column("sends_directly_from")
