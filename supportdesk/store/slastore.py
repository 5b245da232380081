"""From stored rows to a ticket's SLA history, and from computed clocks back to stored columns.

Shared by the Desk (one ticket per write, or every open ticket after a settings change) and
the demo generator, so both store exactly the same thing.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CompoundSelect,
    String,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_attribute

from supportdesk.core.enums import DeliveryState, Direction, Status
from supportdesk.core.ranking import rank_columns
from supportdesk.core.sla import (
    SlaClocks,
    SlaSettings,
    TicketHistory,
    clock_runs,
    compute_clocks,
)
from supportdesk.store.models import Event, Message, ReplyReview, Ticket
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


def load_histories(
    session: Session,
    tickets: Sequence[Ticket],
    pending_events: Sequence[dict[str, Any]] = (),
) -> dict[int, TicketHistory]:
    """The SLA history of each ticket, read with one query for the whole batch."""
    loaded = _load(session, tickets, pending_events)
    return {ticket_id: history for ticket_id, (history, _record) in loaded.items()}


def _load(
    session: Session,
    tickets: Sequence[Ticket],
    pending_events: Sequence[dict[str, Any]] = (),
) -> dict[int, tuple[TicketHistory, TicketRecord]]:
    """Each ticket's SLA history and what its report facts need besides (who replied, who
    changed the status), read with one query for the whole batch.

    `pending_events` are event rows of this transaction not written yet (they go out with the
    transaction's last statement); their status changes count, after every stored one.
    """
    ids = [t.id for t in tickets]
    messages: dict[int, list[tuple[str, datetime, bool, str]]] = defaultdict(list)
    replies: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    statuses: dict[int, list[tuple[datetime, dict[str, object]]]] = defaultdict(list)
    changes: dict[int, list[tuple[datetime, str, bool, int | None]]] = defaultdict(list)

    def status_change(ticket_id: int, at: datetime, data: Any, agent_id: int | None) -> None:
        statuses[ticket_id].append((at, data))
        changes[ticket_id].append((at, str(data["to"]), bool(data.get("initial")), agent_id))

    for row in session.connection().execute(_history_query(), {"ids": ids}):
        source, _position, ticket_id, at, data, agent_id, direction, automatic, state = row
        if source == 0:
            status_change(ticket_id, at, data, agent_id)
            continue
        automatic = bool(automatic)
        messages[ticket_id].append((direction, at, automatic, state))
        if direction == Direction.OUTBOUND and not automatic and state in COUNTING_DELIVERY:
            replies[ticket_id].append((at, agent_id))
    wanted = set(ids)
    for event in pending_events:
        if event["kind"] == "status" and event["ticket_id"] in wanted:
            status_change(event["ticket_id"], event["at"], event["data"], event["agent_id"])
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


@functools.cache
def _history_query() -> CompoundSelect:
    """The status events and the messages of the tickets `ids`, each in the order they were
    made: one round trip. Built once; SQLAlchemy then reuses its compiled form."""
    tickets = bindparam("ids", expanding=True)
    stored_events = select(
        literal(0).label("source"),
        Event.id.label("position"),  # type: ignore[union-attr]
        Event.ticket_id,
        Event.at,
        Event.data,
        Event.agent_id,
        cast(null(), String).label("direction"),
        cast(null(), Boolean).label("automatic"),
        cast(null(), String).label("delivery_state"),
    ).where(Event.ticket_id.in_(tickets), Event.kind == "status")  # type: ignore[union-attr]
    # A trainee's reply answers the customer when it was approved, not when it was written.
    stored_messages = (
        select(
            literal(1),
            Message.id,
            Message.ticket_id,
            func.coalesce(ReplyReview.reviewed_at, Message.stored_at),
            cast(null(), JSON),
            Message.agent_id,
            Message.direction,
            Message.automatic,
            Message.delivery_state,
        )
        .outerjoin(ReplyReview, ReplyReview.message_id == Message.id)  # type: ignore[arg-type]
        .where(Message.ticket_id.in_(tickets))  # type: ignore[attr-defined]
    )
    return union_all(stored_events, stored_messages).order_by(
        literal_column("source"), literal_column("position")
    )


def recompute_tickets(
    session: Session,
    tickets: Sequence[Ticket],
    settings: TeamSettings,
    now: datetime,
    pending_events: Sequence[dict[str, Any]] = (),
    facts_out: dict[int, list[dict[str, Any]]] | None = None,
) -> None:
    """Recompute and store the clocks of `tickets` and their report facts, loading their
    histories in batches. With `facts_out` the facts are not written but handed back per
    ticket (they replace the ticket's stored ones), for the caller to write with its other
    rows in one statement."""
    sla = settings.sla
    key = facts_key(settings)
    for start in range(0, len(tickets), BATCH):
        batch = tickets[start : start + BATCH]
        loaded = _load(session, batch, pending_events)
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
            # Through SQLAlchemy's instrumentation alone: SQLModel's own __setattr__ (pydantic
            # bookkeeping on top) was a visible part of an agent's action.
            for name, value in columns.items():
                set_attribute(ticket, name, value)
            set_attribute(ticket, "report_key", key)
            rows.extend(fact_rows(ticket.id, record, clock_runs(history, sla, now)))  # type: ignore[arg-type]
        if facts_out is None:
            replace_facts(session, [t.id for t in batch], rows)  # type: ignore[misc]
            continue
        for ticket in batch:
            facts_out[ticket.id] = [row for row in rows if row["ticket_id"] == ticket.id]  # type: ignore[index]
