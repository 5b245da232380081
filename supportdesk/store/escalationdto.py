"""What the Desk hands out about agent groups and escalations: frozen, plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class EscalationInfo:
    """One round of an escalation to the second line."""

    number: int
    round: int
    group: str
    escalated_by: str
    escalated_by_display: str
    target: str | None
    fields: tuple[tuple[str, str], ...]
    state: str
    created_at: datetime
    closed_by: str | None = None
    closed_by_display: str | None = None
    closed_at: datetime | None = None
    comment: str | None = None

    @property
    def open(self) -> bool:
        return self.state == "open"

    def to_json(self) -> dict[str, Any]:
        return {
            "ticket": self.number,
            "round": self.round,
            "group": self.group,
            "escalated_by": self.escalated_by,
            "target": self.target,
            "fields": [{"name": name, "value": value} for name, value in self.fields],
            "state": self.state,
            "created_at": self.created_at.isoformat(),
            "closed_by": self.closed_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class EscalationSetup:
    """What the escalation form asks: the team's group, its members, the required fields."""

    group: str
    fields: tuple[str, ...]
    min_length: int
    # (name, display name) of the group's active members.
    members: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class GroupInfo:
    name: str
    members: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"group": self.name, "members": list(self.members)}


@dataclass(frozen=True)
class EscalationStatsRow:
    """One first-line agent's escalations made in a period, and what became of them."""

    agent: str
    display_name: str
    role: str
    made: int
    returned: int
    handed_back: int
    open: int
    return_rate: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "display_name": self.display_name,
            "role": self.role,
            "made": self.made,
            "returned": self.returned,
            "handed_back": self.handed_back,
            "open": self.open,
            "return_rate": self.return_rate,
        }


@dataclass(frozen=True)
class EscalationStats:
    start: datetime
    end: datetime
    first_day: str
    last_day: str
    timezone: str
    rows: tuple[EscalationStatsRow, ...]
    total: EscalationStatsRow

    def to_json(self) -> dict[str, Any]:
        return {
            "period": {
                "from": self.start.isoformat(),
                "to": self.end.isoformat(),
                "first_day": self.first_day,
                "last_day": self.last_day,
                "timezone": self.timezone,
            },
            "rows": [row.to_json() for row in self.rows],
            "total": self.total.to_json(),
        }
