"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 09:57:07.170610
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('agent', 'trainee', 'lead')", name=op.f("ck_agent_role")),
        sa.ForeignKeyConstraint(["mentor_id"], ["agent.id"], name=op.f("fk_agent_mentor_id_agent")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent")),
        sa.UniqueConstraint("name", name=op.f("uq_agent_name")),
    )
    op.create_table(
        "channel_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "last_success_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "last_error_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "next_retry_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_state")),
        sa.UniqueConstraint("account", "key", name=op.f("uq_channel_state_account_key")),
    )
    op.create_table(
        "counter",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("company", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["customer.id"], name=op.f("fk_customer_merged_into_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_merged_into_id"), ["merged_into_id"], unique=False
        )

    op.create_table(
        "raw_original",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column(
            "received_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_original")),
        sa.UniqueConstraint(
            "channel_account", "dedupe_key", name=op.f("uq_raw_original_channel_account_dedupe_key")
        ),
    )
    op.create_table(
        "identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column(
            "unreachable_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('email', 'telegram')", name=op.f("ck_identity_kind")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_identity_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_identity_kind_value")),
    )
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "kb_article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["agent.id"], name=op.f("fk_kb_article_author_id_agent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_article_slug")),
    )
    op.create_table(
        "team_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["agent.id"], name=op.f("fk_team_setting_updated_by_id_agent")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_team_setting")),
    )
    op.create_table(
        "template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("shortcut", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("set_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("usage_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["agent.id"], name=op.f("fk_template_owner_id_agent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template")),
    )
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_template_shortcut"), ["shortcut"], unique=False)

    op.create_table(
        "ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("urgent_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "status_changed_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "first_response_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("solved_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column(
            "last_customer_message_at",
            supportdesk.store.types.UtcDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_agent_reply_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_of_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sla_policy", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("sla_clocks", sa.JSON(), nullable=False),
        sa.Column("sla_due_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sla_warn_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("sla_paused", sa.Boolean(), nullable=False),
        sa.Column("rank_group", sa.Integer(), nullable=False),
        sa.Column("rank_due", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("category_rank", sa.Integer(), nullable=False),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "claim_expires_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint(
            "category IN ('blocking', 'question', 'onboarding', 'feature_request')",
            name=op.f("ck_ticket_category"),
        ),
        sa.CheckConstraint(
            "priority <> 'urgent' OR urgent_reason IS NOT NULL",
            name=op.f("ck_ticket_urgent_reason"),
        ),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal', 'low')", name=op.f("ck_ticket_priority")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')",
            name=op.f("ck_ticket_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["agent.id"], name=op.f("fk_ticket_assignee_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"], ["agent.id"], name=op.f("fk_ticket_claimed_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["agent.id"], name=op.f("fk_ticket_created_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_ticket_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_of_id"], ["ticket.id"], name=op.f("fk_ticket_follow_up_of_id_ticket")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["ticket.id"], name=op.f("fk_ticket_merged_into_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket")),
        sa.UniqueConstraint("number", name=op.f("uq_ticket_number")),
    )
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_assignee_queue",
            ["assignee_id", "rank_group", "rank_due", "category_rank", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_ticket_customer", ["customer_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_ticket_queue",
            ["rank_group", "rank_due", "category_rank", "created_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_ticket_status", ["status"], unique=False)
        batch_op.create_index("ix_ticket_warn", ["sla_warn_at"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], name=op.f("fk_event_agent_id_agent")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_event_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_event_ticket", ["ticket_id", "id"], unique=False)

    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("in_reply_to", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("sender_name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("sender_address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("automatic", sa.Boolean(), nullable=False),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("stored_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("delivery_state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
        sa.Column("raw_id", sa.Integer(), nullable=True),
        sa.Column("thread_rule", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("thread_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("reply_to_message_id", sa.Integer(), nullable=True),
        sa.Column("revision_of_id", sa.Integer(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_message_direction")),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"], name=op.f("fk_message_agent_id_agent")),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["agent.id"], name=op.f("fk_message_approved_by_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"], ["identity.id"], name=op.f("fk_message_identity_id_identity")
        ),
        sa.ForeignKeyConstraint(
            ["raw_id"], ["raw_original.id"], name=op.f("fk_message_raw_id_raw_original")
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_message_id"],
            ["message.id"],
            name=op.f("fk_message_reply_to_message_id_message"),
        ),
        sa.ForeignKeyConstraint(
            ["revision_of_id"], ["message.id"], name=op.f("fk_message_revision_of_id_message")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_message_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message")),
        sa.UniqueConstraint(
            "channel_account", "external_id", name=op.f("uq_message_channel_account_external_id")
        ),
    )
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_ticket", ["ticket_id", "created_at"], unique=False)

    op.create_table(
        "note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["agent.id"], name=op.f("fk_note_author_id_agent")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_note_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note")),
    )
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index("ix_note_ticket", ["ticket_id", "created_at"], unique=False)

    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_rating_score")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_rating_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_rating_ticket_id")),
    )
    op.create_table(
        "ticket_tag",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_tag_ticket_id_ticket")
        ),
        sa.PrimaryKeyConstraint("ticket_id", "tag", name=op.f("pk_ticket_tag")),
    )
    with op.batch_alter_table("ticket_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_tag_tag"), ["tag"], unique=False)

    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("content_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_attachment_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)

    op.create_table(
        "note_mention",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_note_mention_agent_id_agent")
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["note.id"], name=op.f("fk_note_mention_note_id_note")
        ),
        sa.PrimaryKeyConstraint("note_id", "agent_id", name=op.f("pk_note_mention")),
    )
    with op.batch_alter_table("note_mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_mention_agent_id"), ["agent_id"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_account", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column(
            "locked_until", supportdesk.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message.id"], name=op.f("fk_outbox_message_id_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("message_id", name=op.f("uq_outbox_message_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_due", ["state", "next_attempt_at"], unique=False)

    # Ticket numbers people see start at 1001.
    counter = sa.table("counter", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counter, [{"name": "ticket_number", "value": 1000}])


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_due")

    op.drop_table("outbox")
    with op.batch_alter_table("note_mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_mention_agent_id"))

    op.drop_table("note_mention")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachment_message_id"))

    op.drop_table("attachment")
    with op.batch_alter_table("ticket_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_tag_tag"))

    op.drop_table("ticket_tag")
    op.drop_table("rating")
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index("ix_note_ticket")

    op.drop_table("note")
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_ticket")

    op.drop_table("message")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_ticket")
        batch_op.drop_index(batch_op.f("ix_event_at"))

    op.drop_table("event")
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_warn")
        batch_op.drop_index("ix_ticket_status")
        batch_op.drop_index("ix_ticket_queue")
        batch_op.drop_index("ix_ticket_customer")
        batch_op.drop_index("ix_ticket_assignee_queue")

    op.drop_table("ticket")
    with op.batch_alter_table("template", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_template_shortcut"))

    op.drop_table("template")
    op.drop_table("team_setting")
    op.drop_table("kb_article")
    with op.batch_alter_table("identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_customer_id"))

    op.drop_table("identity")
    op.drop_table("raw_original")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_merged_into_id"))

    op.drop_table("customer")
    op.drop_table("counter")
    op.drop_table("channel_state")
    op.drop_table("agent")
