"""What the Desk hands out about trainee review: frozen dataclasses, no SQL.

Screens and the CLI import this module; `to_json()` gives the documented JSON shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class ReviewItem:
    """A trainee's reply and what became of it (outcome None: still waiting)."""

    message_id: int
    ticket_number: int
    # The ticket's version when this was read: a review based on it is checked against it.
    ticket_version: int
    subject: str
    customer: str
    channel: str
    trainee: str
    trainee_display: str
    mentor: str | None
    text: str
    requested_at: datetime
    status_after: str | None
    outcome: str | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    comment: str | None = None
    original_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "ticket": self.ticket_number,
            "ticket_version": self.ticket_version,
            "subject": self.subject,
            "customer": self.customer,
            "channel": self.channel,
            "trainee": self.trainee,
            "mentor": self.mentor,
            "text": self.text,
            "requested_at": _iso(self.requested_at),
            "status_after": self.status_after,
            "outcome": self.outcome,
            "reviewer": self.reviewer,
            "reviewed_at": _iso(self.reviewed_at),
            "comment": self.comment,
            "original_text": self.original_text,
        }


@dataclass(frozen=True)
class ReviewWeek:
    """One trainee's review outcomes in one week (Monday to Sunday, team time zone)."""

    trainee: str
    week: date
    approved: int
    edited: int
    returned: int

    @property
    def total(self) -> int:
        return self.approved + self.edited + self.returned

    @property
    def approval_rate(self) -> float:
        """The share approved exactly as written."""
        return self.approved / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "trainee": self.trainee,
            "week": self.week.isoformat(),
            "approved": self.approved,
            "edited": self.edited,
            "returned": self.returned,
            "approval_rate": round(self.approval_rate, 4),
        }


@dataclass(frozen=True)
class ReturnComment:
    trainee: str
    reviewer: str
    at: datetime
    ticket_number: int
    comment: str

    def to_json(self) -> dict[str, Any]:
        return {
            "trainee": self.trainee,
            "reviewer": self.reviewer,
            "at": _iso(self.at),
            "ticket": self.ticket_number,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class ReviewStats:
    weeks: tuple[ReviewWeek, ...]
    comments: tuple[ReturnComment, ...]
    # Replies waiting for review now, per trainee.
    pending: tuple[tuple[str, int], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "weeks": [w.to_json() for w in self.weeks],
            "returned_comments": [c.to_json() for c in self.comments],
            "pending": dict(self.pending),
        }
