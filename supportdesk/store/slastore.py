"""From stored rows to a ticket's SLA history, and from computed clocks back to stored columns.

Shared by the Desk (one ticket per write, or every open ticket after a settings change) and
the demo generator, so both store exactly the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportdesk.core.enums import DeliveryState, Direction, Status
from supportdesk.core.ranking import rank_columns
from supportdesk.core.sla import (
    SlaClocks,
    SlaSettings,
    TicketHistory,
    clock_runs,
    compute_clocks,
)
from supportdesk.store.models import Event, Message, Ticket
from supportdesk.store.reportfacts import (
    TicketRecord,
    fact_rows,
    facts_key,
    is_new_work,
    replace_facts,
)
from supportdesk.store.teamsettings import TeamSettings

# Outbound messages that count as the agent having answered. A failed or discarded reply never
# reached the customer; a trainee's draft counts only once a mentor approves it.
COUNTING_DELIVERY: frozenset[str] = frozenset(
    {DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT, DeliveryState.UNKNOWN}
)
BATCH = 500


def build_history(
    *,
    created_at: datetime,
    channel: str,
    priority: str,
    created_by_agent: bool,
    messages: Iterable[tuple[str, datetime, bool, str]],
    status_events: Iterable[tuple[datetime, dict[str, object]]],
) -> TicketHistory:
    """`messages` are (direction, when, automatic, delivery_state) tuples — `when` is the time
    we received an inbound message or queued an outbound one; status events are the `status`
    entries of the event log as (at, data)."""
    customer: list[datetime] = []
    replies: list[datetime] = []
    for direction, at, automatic, delivery_state in messages:
        if automatic:
            continue
        if direction == Direction.INBOUND:
            customer.append(at)
        elif delivery_state in COUNTING_DELIVERY:
            replies.append(at)
    initial = Status.NEW.value
    changes: list[tuple[datetime, str]] = []
    for at, data in status_events:
        if data.get("initial"):
            initial = str(data["to"])
        else:
            changes.append((at, str(data["to"])))
    return TicketHistory(
        created_at=created_at,
        channel=channel,
        priority=priority,
        created_by_agent=created_by_agent,
        initial_status=initial,
        status_changes=tuple(changes),
        customer_messages=tuple(sorted(customer)),
        agent_replies=tuple(sorted(replies)),
    )


def sla_columns(
    *, status: str, priority: str, category: str, clocks: SlaClocks, settings: SlaSettings
) -> dict[str, Any]:
    """The ticket columns that store its clocks and its place in the queue."""
    paused = status in settings.paused_statuses
    due_at = clocks.next_due_at
    rank = rank_columns(
        priority=priority, status=status, paused=paused, due_at=due_at, category=category
    )
    return {
        "sla_policy": clocks.policy,
        "sla_clocks": [clock.to_json() for clock in clocks.clocks],
        "sla_due_at": due_at,
        "sla_warn_at": clocks.next_warn_at,
        "sla_paused": paused,
        "rank_group": rank.rank_group,
        "rank_due": rank.rank_due,
        "category_rank": rank.category_rank,
    }


def load_histories(session: Session, tickets: Sequence[Ticket]) -> dict[int, TicketHistory]:
    """The SLA history of each ticket, read with two queries for the whole batch."""
    return {ticket_id: history for ticket_id, (history, _record) in _load(session, tickets).items()}


def _load(
    session: Session, tickets: Sequence[Ticket]
) -> dict[int, tuple[TicketHistory, TicketRecord]]:
    """Each ticket's SLA history and what its report facts need besides (who replied, who
    changed the status), read with two queries for the whole batch."""
    ids = [t.id for t in tickets]
    messages: dict[int, list[tuple[str, datetime, bool, str]]] = defaultdict(list)
    replies: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    for ticket_id, direction, created_at, automatic, state, agent_id in session.execute(
        select(
            Message.ticket_id,
            Message.direction,
            Message.stored_at,
            Message.automatic,
            Message.delivery_state,
            Message.agent_id,
        )
        .where(Message.ticket_id.in_(ids))  # type: ignore[attr-defined]
        .order_by(Message.id)
    ):
        messages[ticket_id].append((direction, created_at, automatic, state))
        if direction == Direction.OUTBOUND and not automatic and state in COUNTING_DELIVERY:
            replies[ticket_id].append((created_at, agent_id))
    statuses: dict[int, list[tuple[datetime, dict[str, object]]]] = defaultdict(list)
    changes: dict[int, list[tuple[datetime, str, bool, int | None]]] = defaultdict(list)
    for ticket_id, at, data, agent_id in session.execute(
        select(Event.ticket_id, Event.at, Event.data, Event.agent_id)
        .where(Event.ticket_id.in_(ids), Event.kind == "status")  # type: ignore[union-attr]
        .order_by(Event.id)
    ):
        statuses[ticket_id].append((at, data))
        changes[ticket_id].append((at, str(data["to"]), bool(data.get("initial")), agent_id))
    return {
        ticket.id: (  # type: ignore[misc]
            build_history(
                created_at=ticket.created_at,
                channel=ticket.channel,
                priority=ticket.priority,
                created_by_agent=ticket.created_by_id is not None,
                messages=messages[ticket.id],  # type: ignore[index]
                status_events=statuses[ticket.id],  # type: ignore[index]
            ),
            TicketRecord(
                created_at=ticket.created_at,
                new_work=is_new_work(ticket.status, ticket.created_at, ticket.closed_at),
                replies=replies[ticket.id],  # type: ignore[index]
                statuses=changes[ticket.id],  # type: ignore[index]
            ),
        )
        for ticket in tickets
    }


def recompute_tickets(
    session: Session, tickets: Sequence[Ticket], settings: TeamSettings, now: datetime
) -> None:
    """Recompute and store the clocks of `tickets` and their report facts, loading their
    histories in batches."""
    sla = settings.sla
    key = facts_key(settings)
    for start in range(0, len(tickets), BATCH):
        batch = tickets[start : start + BATCH]
        loaded = _load(session, batch)
        rows: list[dict[str, Any]] = []
        for ticket in batch:
            history, record = loaded[ticket.id]  # type: ignore[index]
            columns = sla_columns(
                status=ticket.status,
                priority=ticket.priority,
                category=ticket.category,
                clocks=compute_clocks(history, sla, now),
                settings=sla,
            )
            for name, value in columns.items():
                setattr(ticket, name, value)
            ticket.report_key = key
            rows.extend(fact_rows(ticket.id, record, clock_runs(history, sla, now)))  # type: ignore[arg-type]
        replace_facts(session, [t.id for t in batch], rows)  # type: ignore[misc]
