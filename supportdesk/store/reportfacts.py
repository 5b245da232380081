"""Each ticket's part of the supervisor's figures, stored whenever its clocks are recomputed.

A report over a month used to replay every SLA clock of the month's tickets from their messages
and status changes. The same replay now runs once per ticket change, where the Desk (and the
demo builder) already recompute the ticket's live clocks from its history, and its outcome is
kept in `report_fact`: the ticket arriving as new work, each counted reply, each solve, and
every clock run (first response, each next-response cycle, resolution) with its business time,
whoever stopped it and when its target passed or will pass. A report then selects the period's
rows by two indexed columns and counts them with `core/metrics.py`, as before.

Facts depend on the SLA settings (calendars, policies, paused statuses), so each ticket records
which settings they were computed under (`ticket.report_key`). A ticket whose key is not the
current one — from before facts were stored, or after the lead changed the SLA settings — is
replayed from its history by the report, as before, until `Desk.recompute_sla()` or its next
change stores it again. Figures are the same either way (`tests/store/test_reportfacts.py`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from supportdesk.core import metrics
from supportdesk.core.enums import FINISHED_STATUSES, Status
from supportdesk.core.sla import ClockKind, ClockRun
from supportdesk.store.models import ReportFact, Ticket
from supportdesk.store.rowsql import values_insert, values_parameters
from supportdesk.store.teamsettings import TeamSettings

NEW = "new"
REPLY = "reply"
SOLVE = "solve"
CLOCKS = {kind.value: kind for kind in ClockKind}
RESPONSES = frozenset({ClockKind.FIRST_RESPONSE.value, ClockKind.NEXT_RESPONSE.value})
# Above this many tickets, their old facts are deleted by ticket id in several statements.
DELETE_CHUNK = 2000


def facts_key(settings: TeamSettings) -> str:
    """A short fingerprint of the settings that clocks depend on: calendars and SLA policy."""
    # Every write asks, mostly with the same (frozen, cached) settings object: the last
    # answer is kept for it rather than serialised and hashed again each time.
    last = _last_facts_key
    if last is not None and last[0] is settings:
        return last[1]
    document = settings.document
    relevant = {"calendars": document.get("calendars"), "sla": document.get("sla")}
    text = json.dumps(relevant, sort_keys=True, ensure_ascii=True, default=str)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    _remember_facts_key(settings, key)
    return key


_last_facts_key: tuple[TeamSettings, str] | None = None


def _remember_facts_key(settings: TeamSettings, key: str) -> None:
    global _last_facts_key
    _last_facts_key = (settings, key)


def stale(key: str) -> ColumnElement[bool]:
    """Tickets whose stored facts are missing or were computed under other settings (three
    index ranges rather than a scan for `!=`)."""
    return or_(*_stale_ranges(key))


def _stale_ranges(key: str) -> tuple[ColumnElement[bool], ...]:
    column = Ticket.report_key
    return (column.is_(None), column < key, column > key)  # type: ignore[union-attr,operator]


def any_stale(session: Session, key: str) -> bool:
    """Whether any ticket is stale: one index probe per range (SQLite would rather walk the
    whole index for the three ranges OR-ed together)."""
    return bool(
        session.execute(
            # Only the id: the index covers it, so SQLite does not weigh a scan of the table.
            select(or_(*(select(Ticket.id).where(c).exists() for c in _stale_ranges(key))))
        ).scalar()
    )


@dataclass(frozen=True)
class TicketRecord:
    """What a ticket's facts are computed from besides its SLA clock runs, in stored order."""

    created_at: datetime
    # Automatic messages and imported history are filed closed at once: not new work.
    new_work: bool
    # Public agent replies that count (not automatic, sent or on their way): (at, agent id).
    replies: Sequence[tuple[datetime, int | None]]
    # The status entries of the event log: (at, to, initial, agent id).
    statuses: Sequence[tuple[datetime, str, bool, int | None]]


def is_new_work(status: str, created_at: datetime, closed_at: datetime | None) -> bool:
    return not (status == Status.CLOSED and closed_at == created_at)


def fact_rows(
    ticket_id: int, record: TicketRecord, runs: Iterable[ClockRun]
) -> list[dict[str, Any]]:
    """The `report_fact` rows of one ticket (the same reading of its history as
    `metrics.ticket_log`: a response belongs to whoever sent the reply that stopped it, a
    resolution to whoever finished the ticket at that moment)."""
    rows: list[dict[str, Any]] = []

    def row(kind: str, at: datetime | None, agent_id: int | None, **extra: Any) -> None:
        rows.append(
            {
                "ticket_id": ticket_id,
                "kind": kind,
                "at": at,
                "agent_id": agent_id,
                "seconds": extra.get("seconds"),
                "due_at": extra.get("due_at"),
            }
        )

    if record.new_work:
        row(NEW, record.created_at, None)
    repliers: dict[datetime, int | None] = {}
    for at, agent_id in sorted(record.replies, key=_first):
        repliers.setdefault(at, agent_id)
        if agent_id is not None:
            row(REPLY, at, agent_id)
    solvers: dict[datetime, int | None] = {}
    for at, to, initial, agent_id in record.statuses:
        if to in FINISHED_STATUSES:
            solvers[at] = agent_id
        if to == Status.SOLVED and not initial:
            row(SOLVE, at, agent_id)
    for run in runs:
        stopper: int | None = None
        if run.stopped_at is not None:
            stopper = (
                repliers.get(run.stopped_at)
                if run.kind.value in RESPONSES
                else solvers.get(run.stopped_at)
            )
        row(
            run.kind.value,
            run.stopped_at,
            stopper,
            seconds=run.used_seconds if run.stopped_at is not None else None,
            due_at=run.due_at,
        )
    return rows


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


FACT_COLUMNS = ("ticket_id", "kind", "at", "agent_id", "seconds", "due_at")
# One ticket's facts are a handful; a batch's go the general way.
REPLACE_IN_ONE_MAX_ROWS = 40


@functools.cache
def _replace_in_one(count: int) -> TextClause:
    insert_facts, binds = values_insert(ReportFact.__table__, FACT_COLUMNS, count)  # type: ignore[attr-defined]
    return text(
        "WITH old_facts AS (DELETE FROM report_fact WHERE ticket_id = ANY(:ticket_ids)) "
        + insert_facts
    ).bindparams(bindparam("ticket_ids", type_=ARRAY(Integer)), *binds)


def replace_facts(session: Session, ticket_ids: Sequence[int], rows: list[dict[str, Any]]) -> None:
    """Drop the tickets' old facts and store the new ones (in the caller's transaction)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and 0 < len(rows) <= REPLACE_IN_ONE_MAX_ROWS:
        # One round trip: the DELETE in a CTE sees the snapshot from before the INSERT, so it
        # removes exactly the old rows.
        connection.execute(
            _replace_in_one(len(rows)),
            {"ticket_ids": list(ticket_ids), **values_parameters(FACT_COLUMNS, rows)},
        )
        return
    for start in range(0, len(ticket_ids), DELETE_CHUNK):
        session.execute(
            delete(ReportFact).where(
                ReportFact.ticket_id.in_(ticket_ids[start : start + DELETE_CHUNK])  # type: ignore[attr-defined]
            )
        )
    if rows:
        # Through the table, not the ORM: the ORM splits the rows into one INSERT per set of
        # non-empty columns, which is a round trip each for a single ticket's few facts.
        session.execute(insert(ReportFact.__table__), rows)  # type: ignore[attr-defined]


# -- reading --------------------------------------------------------------------------------


def _instant(column: Any, dialect: str) -> Any:
    """Read a timestamp as the driver gives it; `_utc` makes it UTC (faster than the column
    type for tens of thousands of rows)."""
    return type_coerce(column, String() if dialect == "sqlite" else DateTime(timezone=True))


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        # SQLite's naive UTC text; parsed with its offset: several times faster than replace().
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@dataclass
class StoredFacts:
    new: list[metrics.TicketFacts]
    replies: list[metrics.Reply]
    solves: list[metrics.Solve]
    responses: list[metrics.Response]
    outcomes: list[metrics.Outcome]


def stored_facts(
    session: Session,
    key: str,
    period: metrics.Period,
    now: datetime,
    names: dict[int, str],
) -> StoredFacts:
    """What the period holds of the facts stored under settings `key`: one indexed query for
    the rows that happened in the period (or whose target passed in it)."""
    connection = session.connection()
    dialect = connection.dialect.name
    start, end = period.start, period.end
    at = ReportFact.at
    due = ReportFact.due_at
    query = (
        select(
            ReportFact.ticket_id,
            ReportFact.kind,
            _instant(at, dialect).label("at"),
            ReportFact.agent_id,
            ReportFact.seconds,
            _instant(due, dialect).label("due_at"),
            Ticket.number,
            Ticket.channel,
            Ticket.priority,
            _instant(Ticket.created_at, dialect).label("created_at"),
            Ticket.assignee_id,
        )
        .join(Ticket, Ticket.id == ReportFact.ticket_id)  # type: ignore[arg-type]
        .where(
            or_(
                and_(at >= start, at < end),  # type: ignore[operator]
                and_(due >= start, due < end),  # type: ignore[operator]
            ),
            Ticket.report_key == key,
        )
    )
    found = StoredFacts([], [], [], [], [])
    inside = period.contains
    tickets: dict[int, metrics.TicketFacts] = {}
    for (
        ticket_id,
        kind,
        raw_at,
        agent_id,
        seconds,
        raw_due,
        number,
        channel,
        priority,
        created_at,
        assignee_id,
    ) in connection.execute(query).all():
        ticket = tickets.get(ticket_id)
        if ticket is None:
            assignee = names.get(assignee_id) if assignee_id else None
            ticket = tickets[ticket_id] = metrics.TicketFacts(
                number, channel, priority, _utc(created_at), assignee
            )
        moment = _utc(raw_at) if raw_at is not None else None
        if kind == NEW:
            found.new.append(ticket)
            continue
        agent = names.get(agent_id, "?") if agent_id is not None else None
        if kind == REPLY:
            assert moment is not None and agent is not None
            found.replies.append(metrics.Reply(ticket, agent, moment))
            continue
        if kind == SOLVE:
            assert moment is not None
            found.solves.append(metrics.Solve(ticket, agent, moment))
            continue
        clock = CLOCKS[kind]
        due_at = _utc(raw_due) if raw_due is not None else None
        if moment is not None:
            # Stopped: met unless its target passed first.
            if kind in RESPONSES and inside(moment):
                found.responses.append(
                    metrics.Response(ticket, agent, clock, moment, float(seconds), due_at is None)
                )
            decided = due_at or moment
            if inside(decided):
                found.outcomes.append(
                    metrics.Outcome(
                        ticket, agent or ticket.assignee, clock, decided, due_at is None
                    )
                )
        elif due_at is not None and due_at <= now and inside(due_at):
            # Still running, and its target has passed: a miss, the assignee's.
            found.outcomes.append(metrics.Outcome(ticket, ticket.assignee, clock, due_at, False))
    return found
