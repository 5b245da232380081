"""From stored rows to a ticket's SLA history, and from computed clocks back to stored columns.

Shared by the Desk (one ticket per write, or every open ticket after a settings change) and
the demo generator, so both store exactly the same thing.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CompoundSelect,
    DateTime,
    Integer,
    Select,
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
from supportdesk.store.models import (
    Customer,
    Event,
    Identity,
    Message,
    ReplyReview,
    Ticket,
    TicketTag,
)
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
    summary_rows: list[Any] | None = None,
) -> dict[int, tuple[TicketHistory, TicketRecord]]:
    """Each ticket's SLA history and what its report facts need besides (who replied, who
    changed the status), read with one query for the whole batch.

    `pending_events` are event rows of this transaction not written yet (they go out with the
    transaction's last statement); their status changes count, after every stored one.
    With a `summary_rows` list the same query also reads the tickets' customers, their
    identities and the tickets' tags, for a summary that follows (see SUMMARY_SOURCES); those
    rows are appended to the list.
    """
    ids = [t.id for t in tickets]
    customers = list({t.customer_id for t in tickets})
    # One ticket (every agent's action): plain parameters, not lists SQLAlchemy splices
    # into the statement's text on every execution.
    single = len(ids) == 1
    parameters: dict[str, Any] = {"ids": ids[0] if single else ids}
    if summary_rows is not None:
        parameters["customers"] = customers[0] if single else customers
    rows = session.connection().execute(
        _history_query(with_summary=summary_rows is not None, single=single), parameters
    )
    messages: dict[int, list[tuple[str, datetime, bool, str]]] = defaultdict(list)
    replies: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    statuses: dict[int, list[tuple[datetime, dict[str, object]]]] = defaultdict(list)
    changes: dict[int, list[tuple[datetime, str, bool, int | None]]] = defaultdict(list)

    def status_change(ticket_id: int, at: datetime, data: Any, agent_id: int | None) -> None:
        statuses[ticket_id].append((at, data))
        changes[ticket_id].append((at, str(data["to"]), bool(data.get("initial")), agent_id))

    for row in rows:
        source, _position, ticket_id, at, data, agent_id, direction, automatic, state = row[:9]
        if source >= SUMMARY_SOURCES:
            summary_rows.append(row)  # type: ignore[union-attr]
            continue
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


# In the history query with a summary's rows: sources from here on are the customers (2),
# their identities (3) and the tickets' tags (4), each row under the id it belongs to in
# `owner`, the customer's or tag's name in `name`; ordered as Desk._summaries reads them.
SUMMARY_SOURCES = 2


@functools.cache
def _history_query(*, with_summary: bool = False, single: bool = False) -> CompoundSelect:
    """The status events and the messages of the tickets `ids`, each in the order they were
    made: one round trip. Built once; SQLAlchemy then reuses its compiled form. With
    `with_summary`, also the rows a summary of the tickets needs (SUMMARY_SOURCES) of the
    customers `customers`: one round trip less for a write that ends with a summary.
    `single`: `ids` and `customers` are one id each, not lists."""

    def among(column: Any, name: str) -> Any:
        if single:
            return column == bindparam(name)
        return column.in_(bindparam(name, expanding=True))

    no_text = cast(null(), String)
    # The summary's columns, empty in the history's rows.
    blank = [no_text] * 7 if with_summary else []
    stored_events = select(
        literal(0).label("source"),
        Event.id.label("position"),  # type: ignore[union-attr]
        Event.ticket_id.label("owner"),  # type: ignore[attr-defined]
        Event.at,
        Event.data,
        Event.agent_id,
        no_text.label("direction"),
        cast(null(), Boolean).label("automatic"),
        no_text.label("delivery_state"),
        *(column.label(name) for column, name in zip(blank, _SUMMARY_COLUMNS, strict=False)),
    ).where(among(Event.ticket_id, "ids"), Event.kind == "status")
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
            *blank,
        )
        .outerjoin(ReplyReview, ReplyReview.message_id == Message.id)  # type: ignore[arg-type]
        .where(among(Message.ticket_id, "ids"))
    )
    parts = [stored_events, stored_messages]
    if with_summary:
        no_history = (
            cast(null(), DateTime(timezone=True)),
            cast(null(), JSON),
            cast(null(), Integer),
            no_text,
            cast(null(), Boolean),
            no_text,
        )
        parts += summary_parts(among, SUMMARY_SOURCES, no_history)
    order = [literal_column("source"), literal_column("position")]
    if with_summary:
        order.append(literal_column("name"))
    return union_all(*parts).order_by(*order)


def summary_parts(
    among: Callable[[Any, str], Any], first: int, padding: Sequence[Any] = ()
) -> list[Select[Any]]:
    """The rows a ticket summary needs besides the ticket's own: the customers `customers`
    (source `first`), their identities (`first` + 1, in their order) and the tags of the
    tickets `ids` (`first` + 2). Each row: source, position, owner, the `padding` columns
    of the query they are joined to, then _SUMMARY_COLUMNS (a tag in `name`). `among(column,
    name)` is the condition that `column` is in the parameter `name`."""
    no_text = cast(null(), String)
    return [
        select(
            literal(first).label("source"),
            cast(null(), Integer).label("position"),
            Customer.id.label("owner"),  # type: ignore[union-attr]
            *padding,
            Customer.name.label("name"),  # type: ignore[attr-defined]
            Customer.language.label("language"),  # type: ignore[attr-defined]
            Customer.company.label("company"),  # type: ignore[attr-defined]
            *(no_text.label(name) for name in _SUMMARY_COLUMNS[3:]),
        ).where(among(Customer.id, "customers")),
        select(
            literal(first + 1),
            Identity.id,
            Identity.customer_id,
            *padding,
            *[no_text] * 3,
            Identity.kind,
            Identity.value,
            Identity.username,
            Identity.unreachable_reason,
        ).where(among(Identity.customer_id, "customers")),
        select(
            literal(first + 2),
            cast(null(), Integer),
            TicketTag.ticket_id,
            *padding,
            TicketTag.tag,
            *[no_text] * 6,
        ).where(among(TicketTag.ticket_id, "ids")),
    ]


_SUMMARY_COLUMNS = (
    "name",
    "language",
    "company",
    "kind",
    "value",
    "username",
    "unreachable_reason",
)


def recompute_tickets(
    session: Session,
    tickets: Sequence[Ticket],
    settings: TeamSettings,
    now: datetime,
    pending_events: Sequence[dict[str, Any]] = (),
    facts_out: dict[int, list[dict[str, Any]]] | None = None,
    summary_rows: list[Any] | None = None,
) -> None:
    """Recompute and store the clocks of `tickets` and their report facts, loading their
    histories in batches. With `facts_out` the facts are not written but handed back per
    ticket (they replace the ticket's stored ones), for the caller to write with its other
    rows in one statement. With `summary_rows` the rows a summary of the tickets needs are
    read with the histories and appended to it (see `_load`)."""
    sla = settings.sla
    key = facts_key(settings)
    for start in range(0, len(tickets), BATCH):
        batch = tickets[start : start + BATCH]
        loaded = _load(session, batch, pending_events, summary_rows)
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
