"""The closed vocabularies of the domain, shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"


ACTIVE_STATUSES: tuple[Status, ...] = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
FINISHED_STATUSES: tuple[Status, ...] = (Status.SOLVED, Status.CLOSED)


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Category(StrEnum):
    BLOCKING = "blocking"
    QUESTION = "question"
    ONBOARDING = "onboarding"
    FEATURE_REQUEST = "feature_request"


class Channel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
    # Tickets an agent opens by hand (a phone call written down, a follow-up).
    INTERNAL = "internal"


class Role(StrEnum):
    AGENT = "agent"
    TRAINEE = "trainee"
    LEAD = "lead"


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


class DeliveryState(StrEnum):
    RECEIVED = "received"
    AWAITING_REVIEW = "awaiting_review"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    DISCARDED = "discarded"
    # A trainee's reply the mentor sent back with a comment: it never goes out.
    RETURNED = "returned"


class IdentityKind(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"
