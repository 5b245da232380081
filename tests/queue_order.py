"""The documented queue order, computed in Python, for tests to compare the database's with."""

from __future__ import annotations

from collections.abc import Iterable

from supportdesk.core.ranking import rank_columns, rank_key
from supportdesk.store.dto import TicketSummary


def expected_order(tickets: Iterable[TicketSummary]) -> list[int]:
    """Ticket numbers sorted by core.ranking's rule."""
    ordered = sorted(
        tickets,
        key=lambda t: rank_key(
            rank_columns(
                priority=t.priority,
                status=t.status,
                paused=t.sla_paused,
                due_at=t.sla_due_at,
                category=t.category,
            ),
            t.created_at,
            t.id,
        ),
    )
    return [t.number for t in ordered]
