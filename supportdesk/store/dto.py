"""What the Desk hands out: frozen dataclasses, never ORM rows.

Screens, the CLI and channels may import this module (it holds no SQL and opens nothing).
`to_json()` gives the documented JSON shape with ISO 8601 timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from supportdesk.core.metrics import Figures, Heatmap, Period, Trend
from supportdesk.store.escalationdto import EscalationInfo


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class AgentInfo:
    id: int
    name: str
    display_name: str
    role: str
    mentor: str | None
    email: str | None
    language: str
    active: bool
    signature: str = ""
    groups: tuple[str, ...] = ()
    # A graduated trainee sends without review from this day on (team time zone).
    sends_directly_from: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "role": self.role,
            "mentor": self.mentor,
            "email": self.email,
            "language": self.language,
            "active": self.active,
            "groups": list(self.groups),
            "sends_directly_from": (
                self.sends_directly_from.isoformat() if self.sends_directly_from else None
            ),
        }


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    name: str
    language: str | None
    company: str | None
    emails: tuple[str, ...]
    telegram_ids: tuple[str, ...]
    telegram_usernames: tuple[str, ...] = ()
    # Addresses a reply cannot reach now, with why (a bot blocked, a mailbox gone):
    # ("tg 42", "the customer blocked the bot"), until the customer writes again.
    unreachable: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "language": self.language,
            "company": self.company,
            "emails": list(self.emails),
            "telegram_ids": list(self.telegram_ids),
            "telegram_usernames": list(self.telegram_usernames),
            "unreachable": [{"address": a, "reason": r} for a, r in self.unreachable],
        }


@dataclass(frozen=True)
class ClockInfo:
    kind: str
    calendar: str
    state: str
    target_seconds: int
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    stopped_at: datetime | None
    paused: bool
    breached: bool
    used_seconds: float
    # Business seconds left as of the read (negative when overdue).
    left_seconds: float
    # Filled in when one ticket is read (`get_ticket`), empty in queue pages.
    explanation: str

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "state": self.state,
            "due_at": iso(self.due_at),
            "target_seconds": self.target_seconds,
            "started_at": iso(self.started_at),
            "stopped_at": iso(self.stopped_at),
            "paused": self.paused,
            "breached": self.breached,
            "left_seconds": round(self.left_seconds),
        }
        if self.explanation:
            data["explanation"] = self.explanation
        return data


@dataclass(frozen=True)
class TicketSummary:
    id: int
    number: int
    subject: str
    status: str
    priority: str
    urgent_reason: str | None
    category: str
    channel: str
    customer: CustomerInfo
    assignee: str | None
    assignee_display: str | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    version: int
    tags: tuple[str, ...]
    sla_state: str | None
    sla_due_at: datetime | None
    sla_paused: bool
    clocks: tuple[ClockInfo, ...]
    claimed_by: str | None
    message_count: int

    def clock(self, kind: str) -> ClockInfo | None:
        return next((c for c in self.clocks if c.kind == kind), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "subject": self.subject,
            "status": self.status,
            "priority": self.priority,
            "urgent_reason": self.urgent_reason,
            "category": self.category,
            "channel": self.channel,
            "customer": self.customer.to_json(),
            "assignee": self.assignee,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "first_response_at": iso(self.first_response_at),
            "tags": list(self.tags),
            "version": self.version,
            "claimed_by": self.claimed_by,
            "sla": {
                "state": self.sla_state,
                "due_at": iso(self.sla_due_at),
                "paused": self.sla_paused,
                **{clock.kind: clock.to_json() for clock in self.clocks},
            },
        }


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    size: int
    content_type: str
    sha256: str | None
    inline: bool
    note: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
            "inline": self.inline,
            "note": self.note,
        }


@dataclass(frozen=True)
class MessageInfo:
    id: int
    direction: str
    channel: str
    sender_name: str | None
    sender_address: str | None
    agent: str | None
    subject: str | None
    text: str
    created_at: datetime
    delivery_state: str
    delivery_error: str | None
    automatic: bool
    external_id: str | None
    thread_rule: str | None
    thread_note: str | None
    attachments: tuple[AttachmentInfo, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "direction": self.direction,
            "channel": self.channel,
            "sender": self.sender_name,
            "sender_address": self.sender_address,
            "agent": self.agent,
            "subject": self.subject,
            "text": self.text,
            "created_at": iso(self.created_at),
            "delivery_state": self.delivery_state,
            "delivery_error": self.delivery_error,
            "automatic": self.automatic,
            "external_id": self.external_id,
            "thread_rule": self.thread_rule,
            "attachments": [a.to_json() for a in self.attachments],
        }


@dataclass(frozen=True)
class NoteInfo:
    id: int
    author: str
    author_display: str
    kind: str
    body: str
    created_at: datetime
    mentions: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "kind": self.kind,
            "body": self.body,
            "created_at": iso(self.created_at),
            "mentions": list(self.mentions),
        }


@dataclass(frozen=True)
class EventInfo:
    id: int
    at: datetime
    agent: str | None
    kind: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "agent": self.agent,
            "kind": self.kind,
            "data": self.data,
        }


@dataclass(frozen=True)
class RatingInfo:
    score: int
    comment: str | None
    channel: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "comment": self.comment,
            "channel": self.channel,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True)
class TicketBrief:
    """An earlier ticket of the same customer, for the side panel."""

    number: int
    subject: str
    status: str
    created_at: datetime
    rating: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "subject": self.subject,
            "status": self.status,
            "created_at": iso(self.created_at),
            "rating": self.rating,
        }


@dataclass(frozen=True)
class TicketDetail:
    summary: TicketSummary
    messages: tuple[MessageInfo, ...]
    notes: tuple[NoteInfo, ...]
    events: tuple[EventInfo, ...]
    rating: RatingInfo | None
    customer_tickets: tuple[TicketBrief, ...]
    merged_into: int | None = None
    follow_up_of: int | None = None
    escalations: tuple[EscalationInfo, ...] = ()

    @property
    def open_escalation(self) -> EscalationInfo | None:
        return next((e for e in self.escalations if e.open), None)

    @property
    def number(self) -> int:
        return self.summary.number

    @property
    def version(self) -> int:
        return self.summary.version

    def to_json(self) -> dict[str, Any]:
        return {
            **self.summary.to_json(),
            "messages": [m.to_json() for m in self.messages],
            "notes": [n.to_json() for n in self.notes],
            "events": [e.to_json() for e in self.events],
            "rating": self.rating.to_json() if self.rating else None,
            "customer_tickets": [t.to_json() for t in self.customer_tickets],
            "merged_into": self.merged_into,
            "follow_up_of": self.follow_up_of,
            "escalations": [e.to_json() for e in self.escalations],
        }


@dataclass(frozen=True)
class QueuePage:
    tickets: tuple[TicketSummary, ...]
    total: int
    offset: int
    view: str


@dataclass(frozen=True)
class EventRef:
    """One event of the log, as the change feed needs it."""

    id: int
    kind: str
    ticket_number: int | None
    at: datetime
    # Who did it (None: a channel or the system). The event's data for the kinds a console
    # tells its agent about ("assigned": to whom; "note": whom it mentions); else empty.
    agent_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assignment:
    """A ticket given to an agent (`to`, a name; None: unassigned) by `by_agent_id`."""

    ticket_number: int
    to: str | None
    by_agent_id: int | None


@dataclass(frozen=True)
class Mention:
    """A note on a ticket by `by_agent_id` that mentions the agents `names`."""

    ticket_number: int
    names: tuple[str, ...]
    by_agent_id: int | None


@dataclass(frozen=True)
class Changes:
    """What changed since a high-water mark of the event log."""

    high_water: int
    ticket_numbers: frozenset[int] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)
    assignments: tuple[Assignment, ...] = ()
    mentions: tuple[Mention, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.kinds


@dataclass(frozen=True)
class DraftInfo:
    ticket_number: int
    kind: str
    body: str
    base_version: int
    updated_at: datetime


@dataclass(frozen=True)
class NewAttachment:
    """A file that came with an inbound message. `data` None: not kept (too large), with
    `size` and `note` saying what and why."""

    filename: str | None
    content_type: str
    data: bytes | None
    inline: bool = False
    content_id: str | None = None
    size: int = 0
    note: str | None = None


@dataclass(frozen=True)
class ThreadClues:
    """What an email says about the conversation it belongs to (see core/threading.py)."""

    tokens: tuple[int, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    prefix: str = "#"


@dataclass(frozen=True)
class ChatClues:
    """What a chat message (Telegram) says about its conversation: the external ids of the
    message it answers and of the one it edits (see core/threading.decide_chat)."""

    reply_to: str | None = None
    revision_of: str | None = None
    # A solved ticket is reopened by a message within this window; later ones start anew.
    reopen_solved_seconds: int = 3 * 24 * 3600


@dataclass(frozen=True)
class InboundItem:
    """One inbound message as a channel hands it to the Desk."""

    channel: str
    account: str
    identity_kind: str
    identity_value: str
    sender_name: str | None
    subject: str
    text: str
    at: datetime
    external_id: str | None = None
    # Either an explicit ticket (Telegram: the chat's open ticket) or clues to judge.
    ticket_number: int | None = None
    thread: ThreadClues | None = None
    chat: ChatClues | None = None
    automatic: bool = False
    html: str | None = None
    language: str | None = None
    username: str | None = None
    raw: bytes | None = None
    raw_key: str | None = None
    thread_rule: str | None = None
    thread_note: str | None = None
    attachments: tuple[NewAttachment, ...] = ()
    # Old mail brought in by `supportdesk import`: filed closed, with its own dates.
    imported: bool = False


@dataclass(frozen=True)
class ChannelStateUpdate:
    """Where a channel is up to (IMAP: UIDVALIDITY and last UID of a folder)."""

    channel: str
    account: str
    key: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ChannelHealth:
    channel: str
    account: str
    key: str
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    next_retry_at: datetime | None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content_type: str
    path: str | None  # where the content is; None when it was not kept


@dataclass(frozen=True)
class OutgoingReply:
    """A reply claimed for sending, with what the channel needs to send it."""

    outbox_id: int
    message_id: int
    ticket_number: int
    channel: str
    account: str | None
    recipients: tuple[str, ...]
    subject: str
    text: str
    external_id: str | None  # our Message-ID, fixed when the reply was queued
    in_reply_to: str | None
    references: tuple[str, ...]
    sender_name: str | None
    attempts: int
    attachments: tuple[OutgoingAttachment, ...] = ()


@dataclass(frozen=True)
class ReceiveResult:
    ticket_number: int
    message_id: int
    created_ticket: bool
    duplicate: bool
    reopened: bool = False


@dataclass(frozen=True)
class FeatureRequestGroup:
    """Feature requests that share a tag ("untagged" for none), with who asked."""

    tag: str
    tickets: tuple[int, ...]
    customers: tuple[str, ...]
    open_count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag,
            "tickets": list(self.tickets),
            "customers": list(self.customers),
            "open": self.open_count,
        }


@dataclass(frozen=True)
class RatingRequest:
    """A chat ticket that was solved: its customer is asked for a rating."""

    event_id: int
    ticket_number: int
    recipient: str | None  # the customer's id on the channel
    chat: str | None  # external id of the customer's last message ("chat:message")
    language: str | None


@dataclass(frozen=True)
class CheckFinding:
    """One thing the reply checker underlines: `spans` are (start, end) offsets into the
    reply text, for highlighting; `line`/`column` (1-based) locate the first span."""

    rule: str
    severity: str
    message: str
    spans: tuple[tuple[int, int], ...]
    line: int
    column: int
    excerpt: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "spans": [{"start": start, "end": end} for start, end in self.spans],
            "line": self.line,
            "column": self.column,
            "excerpt": self.excerpt,
        }


@dataclass(frozen=True)
class ReplyCheck:
    language: str
    findings: tuple[CheckFinding, ...]

    @property
    def errors(self) -> tuple[CheckFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    def to_json(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "errors": len(self.errors),
            "warnings": len(self.findings) - len(self.errors),
            "findings": [f.to_json() for f in self.findings],
        }


# -- knowledge base, templates, similar tickets ----------------------------------------------


@dataclass(frozen=True)
class ArticleDoc:
    """An article as a file holds it (kb import/export, the console's editor)."""

    slug: str
    title: str
    body: str
    language: str = "en"
    tags: tuple[str, ...] = ()
    internal: bool = False


@dataclass(frozen=True)
class KbArticleInfo:
    id: int
    slug: str
    title: str
    body: str
    language: str
    tags: tuple[str, ...]
    internal: bool
    author: str | None
    created_at: datetime
    updated_at: datetime
    # The public address of the article (team setting kb.public_url).
    url: str = ""

    @property
    def draft(self) -> bool:
        return "draft" in self.tags

    def to_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "language": self.language,
            "tags": list(self.tags),
            "internal": self.internal,
            "author": self.author,
            "url": self.url,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "body": self.body,
        }


@dataclass(frozen=True)
class KbHit:
    article: KbArticleInfo
    score: float
    # A piece of the article around the hits; `hits` are (start, end) spans in `snippet`.
    snippet: str
    hits: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data = self.article.to_json()
        data.pop("body")
        return {
            **data,
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.hits],
        }


@dataclass(frozen=True)
class KbResults:
    query: str
    hits: tuple[KbHit, ...]
    # "all": every word matched; "any": nothing matched every word, these match some.
    mode: str = "all"

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "mode": self.mode, "results": [h.to_json() for h in self.hits]}


@dataclass(frozen=True)
class KbImportResult:
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "created": list(self.created),
            "updated": list(self.updated),
            "unchanged": list(self.unchanged),
        }


@dataclass(frozen=True)
class SimilarTicket:
    number: int
    subject: str
    status: str
    customer: str
    score: float
    snippet: str
    hits: tuple[tuple[int, int], ...]
    # How it was answered: the first agent reply, and who wrote it.
    answer: str | None
    answered_by: str | None
    solved_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "subject": self.subject,
            "status": self.status,
            "customer": self.customer,
            "score": round(self.score, 6),
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.hits],
            "answer": self.answer,
            "answered_by": self.answered_by,
            "solved_at": iso(self.solved_at),
        }


# -- the supervisor's figures -----------------------------------------------------------------


@dataclass(frozen=True)
class HealthRow:
    """Active tickets of one channel and priority (or "all" of either), as of now."""

    channel: str
    priority: str
    open: int
    unassigned: int
    pending: int
    at_risk: int
    breached: int
    # The oldest customer message still waiting for our answer (paused tickets left out).
    oldest_waiting_since: datetime | None
    oldest_waiting_ticket: int | None
    # Running clocks that run out within 15 / 60 minutes of business time.
    due_15: int = 0
    due_60: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "priority": self.priority,
            "open": self.open,
            "unassigned": self.unassigned,
            "pending": self.pending,
            "at_risk": self.at_risk,
            "breached": self.breached,
            "oldest_waiting_since": iso(self.oldest_waiting_since),
            "oldest_waiting_ticket": self.oldest_waiting_ticket,
            "due_in_15_minutes": self.due_15,
            "due_in_60_minutes": self.due_60,
        }


@dataclass(frozen=True)
class Forecast:
    """Tickets whose running SLA clock runs out within `minutes` of business time from now."""

    minutes: int
    tickets: int

    def to_json(self) -> dict[str, Any]:
        return {"minutes": self.minutes, "tickets": self.tickets}


@dataclass(frozen=True)
class QueueHealth:
    at: datetime
    total: HealthRow
    by_channel: tuple[HealthRow, ...]
    by_priority: tuple[HealthRow, ...]
    # Every channel x priority pair that has active tickets.
    cells: tuple[HealthRow, ...]
    forecasts: tuple[Forecast, ...]
    # Trainee replies waiting for their mentor.
    awaiting_review: int

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "total": self.total.to_json(),
            "by_channel": [r.to_json() for r in self.by_channel],
            "by_priority": [r.to_json() for r in self.by_priority],
            "cells": [r.to_json() for r in self.cells],
            "forecast": [f.to_json() for f in self.forecasts],
            "awaiting_review": self.awaiting_review,
        }


@dataclass(frozen=True)
class AgentBrief:
    """Who a row of the per-agent table is."""

    name: str
    display_name: str
    role: str
    active: bool
    # Trainee replies waiting for the mentor's review, now.
    awaiting_review: int = 0


@dataclass(frozen=True)
class TeamReport:
    """The figures of a period, grouped by agent, channel, local day or local hour.

    `trend` and `heatmap` come with the report the dashboard asks for."""

    period: Period
    by: str
    generated_at: datetime
    rows: tuple[Figures, ...]
    total: Figures
    agents: tuple[AgentBrief, ...] = ()
    trend: Trend | None = None
    heatmap: Heatmap | None = None

    def row(self, key: str) -> Figures | None:
        return next((r for r in self.rows if r.key == key), None)

    def agent(self, name: str) -> AgentBrief | None:
        return next((a for a in self.agents if a.name == name), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "period": self.period.to_json(),
            "by": self.by,
            "generated_at": iso(self.generated_at),
            "rows": [],
            "total": self.total.to_json(),
        }
        for row in self.rows:
            entry = row.to_json()
            brief = self.agent(row.key) if self.by == "agent" else None
            if brief is not None:
                entry["display_name"] = brief.display_name
                entry["role"] = brief.role
                if brief.role == "trainee":
                    entry["awaiting_review"] = brief.awaiting_review
            data["rows"].append(entry)
        if self.trend is not None:
            data["trend"] = self.trend.to_json()
        if self.heatmap is not None:
            data["heatmap"] = self.heatmap.to_json()
        return data
