"""The tables. Only `store/` imports this module; everyone else gets `dto` dataclasses.

A new database is made by the Alembic migrations in `store/migrations/`, never by
`create_all`; `tests/store/test_migrations.py` checks the two agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from supportdesk.store.types import UtcDateTime

# Named constraints, so later migrations (SQLite batch mode above all) can find them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


ROLES = ("agent", "trainee", "lead")
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
CATEGORIES = ("blocking", "question", "onboarding", "feature_request")
DIRECTIONS = ("in", "out")


class Agent(SQLModel, table=True):
    __tablename__ = "agent"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: str = Field(max_length=16)
    mentor_id: int | None = Field(default=None, foreign_key="agent.id")
    language: str = Field(default="en", max_length=16)
    signature: str = Field(default="", sa_type=Text)
    active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UtcDateTime)
    # A trainee graduated by a lead: from this day (team time zone) their replies go out
    # without review.
    sends_directly_from: date | None = Field(default=None)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    language: str | None = Field(default=None, max_length=16)
    company: str | None = Field(default=None, max_length=300)
    # Two records of one person merged: the loser points at the survivor and keeps nothing.
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    created_at: datetime = Field(sa_type=UtcDateTime)


class Identity(SQLModel, table=True):
    """One way to reach a customer: an email address or a Telegram user id."""

    __tablename__ = "identity"
    __table_args__ = (
        UniqueConstraint("kind", "value"),
        CheckConstraint(_in("kind", ("email", "telegram")), name="kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    kind: str = Field(max_length=16)
    # Normalised: lower-cased email address, or the Telegram user id as decimal text.
    value: str = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=300)
    username: str | None = Field(default=None, max_length=100)
    unreachable_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UtcDateTime)


# Tickets nobody has taken yet. Written out, not bound: a query must state it literally for
# PostgreSQL's generic plans and for SQLite to see that the partial index below covers it.
WAITING_FOR_AGENT = "assignee_id IS NULL AND status IN ('new', 'open')"


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(_in("category", CATEGORIES), name="category"),
        CheckConstraint("priority <> 'urgent' OR urgent_reason IS NOT NULL", name="urgent_reason"),
        # The queue's order, as an index: see core/ranking.py.
        Index("ix_ticket_queue", "rank_group", "rank_due", "category_rank", "created_at", "id"),
        Index(
            "ix_ticket_assignee_queue",
            "assignee_id",
            "rank_group",
            "rank_due",
            "category_rank",
            "created_at",
            "id",
        ),
        # Take next: the queue's order over the tickets waiting for someone, so the first
        # free one is at the front of this index rather than found by sorting them all or
        # walking past every assigned ticket (whatever the planner's statistics say).
        Index(
            "ix_ticket_waiting_queue",
            "rank_group",
            "rank_due",
            "category_rank",
            "created_at",
            "id",
            postgresql_where=text(WAITING_FOR_AGENT),
            sqlite_where=text(WAITING_FOR_AGENT),
        ),
        Index("ix_ticket_customer", "customer_id", "created_at"),
        Index("ix_ticket_status", "status"),
        Index("ix_ticket_warn", "sla_warn_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    subject: str = Field(max_length=500)
    status: str = Field(default="new", max_length=16)
    priority: str = Field(default="normal", max_length=16)
    urgent_reason: str | None = Field(default=None, max_length=500)
    category: str = Field(default="question", max_length=32)
    channel: str = Field(max_length=16)
    # The configured account ('support' mailbox, 'bot'); None for tickets typed in by an agent.
    channel_account: str | None = Field(default=None, max_length=64)
    customer_id: int = Field(foreign_key="customer.id")
    assignee_id: int | None = Field(default=None, foreign_key="agent.id")
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    status_changed_at: datetime = Field(sa_type=UtcDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    solved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_customer_message_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_agent_reply_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    message_count: int = Field(default=0)
    merged_into_id: int | None = Field(default=None, foreign_key="ticket.id")
    follow_up_of_id: int | None = Field(default=None, foreign_key="ticket.id")
    # Optimistic concurrency: every change adds one; a change based on an older view fails.
    version: int = Field(default=1)
    # The stored SLA: clocks as JSON for display, and the columns the queue sorts on.
    sla_policy: str | None = Field(default=None, max_length=64)
    sla_clocks: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    sla_due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sla_warn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    sla_paused: bool = Field(default=False)
    rank_group: int = Field(default=1)
    rank_due: datetime = Field(sa_type=UtcDateTime)
    category_rank: int = Field(default=1)
    # Who is working on it right now (a lease, renewed while they type).
    claimed_by_id: int | None = Field(default=None, foreign_key="agent.id")
    claim_expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Which SLA settings its report facts were computed under (store/reportfacts.py); None:
    # never computed (a ticket from before they were stored).
    report_key: str | None = Field(default=None, max_length=16, index=True)


class TicketTag(SQLModel, table=True):
    __tablename__ = "ticket_tag"

    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True)
    tag: str = Field(max_length=64, primary_key=True, index=True)


class RawOriginal(SQLModel, table=True):
    """Every inbound original, byte for byte: parsing can be redone, a lost original cannot."""

    __tablename__ = "raw_original"
    __table_args__ = (UniqueConstraint("channel_account", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    channel_account: str = Field(max_length=64)
    # Message-ID (or a hash of the bytes) for email; the update id for Telegram.
    dedupe_key: str = Field(max_length=500)
    data: bytes = Field(sa_type=LargeBinary)
    size: int
    received_at: datetime = Field(sa_type=UtcDateTime)


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        CheckConstraint(_in("direction", DIRECTIONS), name="direction"),
        UniqueConstraint("channel_account", "external_id"),
        Index("ix_message_ticket", "ticket_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    direction: str = Field(max_length=4)
    channel: str = Field(max_length=16)
    channel_account: str | None = Field(default=None, max_length=64)
    # Message-ID for email, "chat_id:message_id" for Telegram; unique per account.
    external_id: str | None = Field(default=None, max_length=500)
    in_reply_to: str | None = Field(default=None, max_length=1000)
    references: str | None = Field(default=None, sa_type=Text)
    subject: str | None = Field(default=None, max_length=1000)
    sender_name: str | None = Field(default=None, max_length=300)
    sender_address: str | None = Field(default=None, max_length=320)
    identity_id: int | None = Field(default=None, foreign_key="identity.id")
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    text: str = Field(default="", sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)
    # Auto-replies, bounces and the like: stored, never counted as the customer speaking.
    automatic: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UtcDateTime)
    stored_at: datetime = Field(sa_type=UtcDateTime)
    delivery_state: str = Field(max_length=16)
    delivery_error: str | None = Field(default=None, sa_type=Text)
    raw_id: int | None = Field(default=None, foreign_key="raw_original.id")
    # Why an inbound message joined this ticket (which threading rule matched).
    thread_rule: str | None = Field(default=None, max_length=64)
    thread_note: str | None = Field(default=None, max_length=1000)
    reply_to_message_id: int | None = Field(default=None, foreign_key="message.id")
    revision_of_id: int | None = Field(default=None, foreign_key="message.id")
    approved_by_id: int | None = Field(default=None, foreign_key="agent.id")


REVIEW_OUTCOMES = ("approved", "edited", "returned")


class ReplyReview(SQLModel, table=True):
    """A trainee's reply waiting for (outcome None) or decided by their mentor or a lead.

    One row per reply: a returned reply that the trainee fixes and sends again is a new reply
    and a new request. `original_text` keeps the trainee's words when the mentor edited them.
    """

    __tablename__ = "reply_review"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR " + _in("outcome", REVIEW_OUTCOMES), name="outcome"),
        CheckConstraint("outcome <> 'returned' OR comment IS NOT NULL", name="returned_comment"),
        Index("ix_reply_review_pending", "outcome", "requested_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    trainee_id: int = Field(foreign_key="agent.id", index=True)
    requested_at: datetime = Field(sa_type=UtcDateTime)
    # The status the trainee chose for after sending: applied when the reply is approved.
    status_after: str | None = Field(default=None, max_length=16)
    outcome: str | None = Field(default=None, max_length=16)
    reviewer_id: int | None = Field(default=None, foreign_key="agent.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    comment: str | None = Field(default=None, sa_type=Text)
    original_text: str | None = Field(default=None, sa_type=Text)
    note_id: int | None = Field(default=None, foreign_key="note.id")


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    # Content lives on disk under attachments/<sha256[:2]>/<sha256>; None when not stored.
    sha256: str | None = Field(default=None, max_length=64, index=True)
    filename: str = Field(max_length=255)
    size: int
    content_type: str = Field(max_length=200)
    inline: bool = Field(default=False)
    content_id: str | None = Field(default=None, max_length=500)
    note: str | None = Field(default=None, max_length=500)


class Note(SQLModel, table=True):
    """Internal notes: between colleagues, never shown to the customer."""

    __tablename__ = "note"
    __table_args__ = (Index("ix_note_ticket", "ticket_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    author_id: int = Field(foreign_key="agent.id")
    # 'note', or 'handover' for "where I stopped" notes.
    kind: str = Field(default="note", max_length=16)
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)


class NoteMention(SQLModel, table=True):
    __tablename__ = "note_mention"

    note_id: int = Field(foreign_key="note.id", primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True)
    seen_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Template(SQLModel, table=True):
    __tablename__ = "template"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    shortcut: str | None = Field(default=None, max_length=64, index=True)
    language: str = Field(default="en", max_length=16)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    category: str | None = Field(default=None, max_length=32)
    set_status: str | None = Field(default=None, max_length=16)
    body: str = Field(sa_type=Text)
    # 'team' (shared, in the database) or 'personal' (owner_id set).
    scope: str = Field(default="team", max_length=16)
    owner_id: int | None = Field(default=None, foreign_key="agent.id")
    usage_count: int = Field(default=0)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class TemplateUsage(SQLModel, table=True):
    """How often each agent used each template: the picker lists one's most used first.

    `template_key` names shipped and personal templates too (they live in files, not here):
    'shipped:en-ask-details', 'personal:my-intro', 'team:12'.
    """

    __tablename__ = "template_usage"

    agent_id: int = Field(foreign_key="agent.id", primary_key=True)
    template_key: str = Field(max_length=300, primary_key=True)
    uses: int = Field(default=0)
    last_used_at: datetime = Field(sa_type=UtcDateTime)


class KbArticle(SQLModel, table=True):
    """A knowledge-base article. Its full-text index is kept by the database itself (migration
    0003): an FTS5 table filled by triggers on SQLite, a generated tsvector column with a GIN
    index on PostgreSQL — so every way of writing an article keeps search current."""

    __tablename__ = "kb_article"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=200, unique=True)
    title: str = Field(max_length=500)
    body: str = Field(sa_type=Text)
    language: str = Field(default="en", max_length=16)
    tags: list[str] = Field(default_factory=list, sa_type=JSON)
    internal: bool = Field(default=False)
    author_id: int | None = Field(default=None, foreign_key="agent.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class Rating(SQLModel, table=True):
    """Customer satisfaction for a ticket; a second rating replaces the first."""

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_rating_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", unique=True)
    score: int
    comment: str | None = Field(default=None, sa_type=Text)
    channel: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ReportFact(SQLModel, table=True):
    """One thing a ticket contributes to the supervisor's figures, stored whenever its clocks
    are recomputed (store/reportfacts.py): it arrived as new work, a reply, a solve, or one run
    of an SLA clock. The report then only selects the period's rows."""

    __tablename__ = "report_fact"
    __table_args__ = (
        Index("ix_report_fact_at", "at"),
        Index("ix_report_fact_due_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    # new, reply, solve, or a clock: first_response, next_response, resolution.
    kind: str = Field(max_length=16)
    # When it happened; for a clock, when it stopped (None while it runs).
    at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Who replied or solved; for a clock, whoever stopped it (None: nobody, or no agent).
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    # A stopped clock's business seconds.
    seconds: float | None = None
    # A clock's target passing: when it was breached, or, for one still running, when it will
    # be if nothing happens (None: met, or paused within its target).
    due_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Event(SQLModel, table=True):
    """Append-only: who did what to which ticket, when. Also the change feed's truth."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_ticket", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UtcDateTime, index=True)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    kind: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class ChannelState(SQLModel, table=True):
    """Where a channel is up to (IMAP UIDVALIDITY and last UID, Telegram offset) and its health."""

    __tablename__ = "channel_state"
    __table_args__ = (UniqueConstraint("account", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    account: str = Field(max_length=64)
    key: str = Field(max_length=300)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_success_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    last_error_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    next_retry_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class OutboxItem(SQLModel, table=True):
    """One outbound message's delivery: queued -> sending -> sent | failed | unknown."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    channel: str = Field(max_length=16)
    channel_account: str | None = Field(default=None, max_length=64)
    state: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    locked_by: str | None = Field(default=None, max_length=200)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class TeamSetting(SQLModel, table=True):
    """Team-wide settings (SLA, calendars, categories), one JSON document per key."""

    __tablename__ = "team_setting"

    key: str = Field(max_length=64, primary_key=True)
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="agent.id")


class Counter(SQLModel, table=True):
    """Named counters (ticket numbers): one UPDATE ... RETURNING hands out the next value."""

    __tablename__ = "counter"

    name: str = Field(max_length=64, primary_key=True)
    value: int


class Draft(SQLModel, table=True):
    """Text being typed, saved as it is typed: a crash or a closed terminal loses nothing."""

    __tablename__ = "draft"
    __table_args__ = (UniqueConstraint("ticket_id", "agent_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    agent_id: int = Field(foreign_key="agent.id", index=True)
    # 'reply' or 'note'.
    kind: str = Field(max_length=16)
    body: str = Field(default="", sa_type=Text)
    # The ticket's version when the draft was started: what "new since you began" means.
    base_version: int
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


ESCALATION_STATES = ("open", "returned", "handed_back")


class AgentGroupMember(SQLModel, table=True):
    """Named groups of agents; the second line is one (the team settings name which)."""

    __tablename__ = "agent_group_member"

    group_name: str = Field(max_length=64, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", primary_key=True, index=True)
    added_at: datetime = Field(sa_type=UtcDateTime)


class Escalation(SQLModel, table=True):
    """One round of handing a ticket to the second line, with what the first line found.

    A round ends handed back (done) or returned as incomplete (with the second line's comment);
    the first-line agent then re-escalates as a new round, so every round stays on record."""

    __tablename__ = "escalation"
    __table_args__ = (
        CheckConstraint(_in("state", ESCALATION_STATES), name="state"),
        UniqueConstraint("ticket_id", "round"),
        Index("ix_escalation_state", "state", "ticket_id"),
        Index("ix_escalation_by", "escalated_by_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    round: int
    group_name: str = Field(max_length=64)
    escalated_by_id: int = Field(foreign_key="agent.id")
    # A chosen member of the group, or None: anyone of the group may take it.
    target_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    # [{"name": "What was checked", "value": "…"}, …] in the order the team settings list them.
    fields: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)
    state: str = Field(default="open", max_length=16)
    created_at: datetime = Field(sa_type=UtcDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="agent.id")
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The second line's comment (returned) or note (handed back).
    comment: str | None = Field(default=None, sa_type=Text)


INCIDENT_STATUSES = ("open", "resolved")


class Incident(SQLModel, table=True):
    """One outage many customers write about: answered together, told together when fixed."""

    __tablename__ = "incident"
    __table_args__ = (CheckConstraint(_in("status", INCIDENT_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=300)
    # What customers are told while it lasts (the text of a bulk reply).
    message: str = Field(sa_type=Text)
    status: str = Field(default="open", max_length=16, index=True)
    resolution: str | None = Field(default=None, sa_type=Text)
    declared_by_id: int = Field(foreign_key="agent.id")
    declared_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    resolved_by_id: int | None = Field(default=None, foreign_key="agent.id")
    resolved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    version: int = Field(default=1)


class IncidentTicket(SQLModel, table=True):
    """A ticket linked to an incident (kept after the incident is resolved, for history)."""

    __tablename__ = "incident_ticket"

    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, index=True)
    linked_by_id: int | None = Field(default=None, foreign_key="agent.id")
    linked_at: datetime = Field(sa_type=UtcDateTime)
