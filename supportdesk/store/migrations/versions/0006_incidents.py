"""Incidents: one outage, many tickets linked to it, answered and resolved together

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("declared_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "declared_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_incident_status")),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["agent.id"], name=op.f("fk_incident_declared_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["agent.id"], name=op.f("fk_incident_resolved_by_id_agent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_status"), ["status"], unique=False)

    op.create_table(
        "incident_ticket",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=True),
        sa.Column("linked_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_ticket_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["linked_by_id"], ["agent.id"], name=op.f("fk_incident_ticket_linked_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_incident_ticket_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("incident_id", "ticket_id", name=op.f("pk_incident_ticket")),
    )
    with op.batch_alter_table("incident_ticket", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_ticket_ticket_id"), ["ticket_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incident_ticket", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_ticket_ticket_id"))
    op.drop_table("incident_ticket")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_status"))
    op.drop_table("incident")
