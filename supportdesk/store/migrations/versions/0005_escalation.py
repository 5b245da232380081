"""Escalation: agent groups (the second line) and escalation rounds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_group_member",
        sa.Column("group_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("added_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_agent_group_member_agent_id_agent")
        ),
        sa.PrimaryKeyConstraint("group_name", "agent_id", name=op.f("pk_agent_group_member")),
    )
    with op.batch_alter_table("agent_group_member", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_group_member_agent_id"), ["agent_id"], unique=False
        )

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("group_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("escalated_by_id", sa.Integer(), nullable=False),
        sa.Column("target_agent_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'returned', 'handed_back')", name=op.f("ck_escalation_state")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["agent.id"], name=op.f("fk_escalation_closed_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["escalated_by_id"], ["agent.id"], name=op.f("fk_escalation_escalated_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["target_agent_id"], ["agent.id"], name=op.f("fk_escalation_target_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_escalation_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        sa.UniqueConstraint("ticket_id", "round", name=op.f("uq_escalation_ticket_id_round")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index("ix_escalation_by", ["escalated_by_id", "created_at"], unique=False)
        batch_op.create_index("ix_escalation_state", ["state", "ticket_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_state")
        batch_op.drop_index("ix_escalation_by")
    op.drop_table("escalation")
    with op.batch_alter_table("agent_group_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_group_member_agent_id"))
    op.drop_table("agent_group_member")
