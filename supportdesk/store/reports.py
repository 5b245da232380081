"""The read queries behind the supervisor screen and `supportdesk report`.

Counting what is true now (queue health, the breach forecast, backlogs) is done by the
database from the stored SLA columns, in a few grouped queries. The figures of a period come from
the facts each ticket stored when its clocks were last recomputed (`reportfacts`: replies,
solves, every SLA clock run with its business time), selected and counted by the database
(`reportcounts`). While some tickets' facts are missing or out of date, those tickets are read
with their messages and status changes and replayed through `core/sla.py` (the same code that
stores the facts), and the period's facts are counted by `core/metrics.py` instead — as they
are when a figure is opened, to list the tickets behind it. Used only through the Desk, inside
its read transactions.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, String, and_, case, false, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from supportdesk.core import metrics
from supportdesk.core.enums import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    DeliveryState,
    Direction,
    Priority,
    Status,
)
from supportdesk.core.sla import clock_runs
from supportdesk.store import dto, reportcounts, reportfacts
from supportdesk.store.escalation import open_escalations
from supportdesk.store.models import Agent, Event, Message, Rating, ReplyReview, Ticket
from supportdesk.store.slastore import COUNTING_DELIVERY, build_history
from supportdesk.store.teamsettings import TeamSettings
from supportdesk.store.types import UtcDateTime

FORECAST_MINUTES = (15, 60)
# What a drill-down can ask for about the queue now.
HEALTH_MEASURES = ("open", "unassigned", "pending", "at_risk", "breached", "waiting")
ID_CHUNK = 5000
PRIORITY_ORDER = [p.value for p in Priority]
CHANNEL_ORDER = ["email", "telegram", "internal"]


# -- the queue now --------------------------------------------------------------------------


class Rare(ColumnElement[bool]):
    """A condition few rows meet, said so to SQLite's planner (`likelihood`).

    After ANALYZE, SQLite knows only how many rows each status has on average, so "status is
    one of the four active ones" looks like two thirds of the table and it scans all of it;
    in fact a few percent of tickets are active and the status index finds them at once.
    PostgreSQL's statistics know the real shares; there the condition is left as it is."""

    inherit_cache = True
    type = Boolean()
    # A comparison already: never rendered as "… = 1" on SQLite.
    _is_implicitly_boolean = True
    _traverse_internals: ClassVar[list[tuple[str, Any]]] = [
        ("clause", InternalTraversal.dp_clauseelement)
    ]

    def __init__(self, clause: ColumnElement[bool]) -> None:
        self.clause = clause


@compiles(Rare)
def _rare(element: Rare, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clause, **kw))


@compiles(Rare, "sqlite")
def _rare_sqlite(element: Rare, compiler: Any, **kw: Any) -> str:
    return f"likelihood({compiler.process(element.clause, **kw)}, 0.05)"


def _active() -> ColumnElement[bool]:
    return Rare(Ticket.status.in_([s.value for s in ACTIVE_STATUSES]))  # type: ignore[attr-defined]


def _paused(settings: TeamSettings) -> ColumnElement[bool]:
    return Ticket.status.in_(sorted(settings.sla.paused_statuses))  # type: ignore[attr-defined]


def _unassigned() -> ColumnElement[bool]:
    """Nobody's yet: no assignee, and not waiting on the second line (an escalated ticket
    nobody took is in the second line's queue, as in the console's Unassigned view)."""
    return and_(
        Ticket.assignee_id.is_(None),  # type: ignore[union-attr]
        Ticket.id.not_in(open_escalations()),  # type: ignore[union-attr]
    )


def _breached(now: datetime) -> ColumnElement[bool]:
    """Running past the deadline, or paused after it was already over the target (the same
    test as the queue's Breached view)."""
    return or_(
        Ticket.sla_due_at <= now,  # type: ignore[operator]
        and_(Ticket.sla_paused, Ticket.sla_warn_at.is_not(None)),  # type: ignore[union-attr]
    )


def _at_risk(now: datetime) -> ColumnElement[bool]:
    """Less than the warning share of a target left, not yet breached."""
    return and_(
        Ticket.sla_warn_at <= now,  # type: ignore[operator]
        Ticket.sla_due_at > now,  # type: ignore[operator]
        Ticket.sla_paused.is_(false()),  # type: ignore[attr-defined]
    )


def _waiting_since(settings: TeamSettings) -> Any:
    """Since when the customer has waited for our answer: the ticket's creation when nobody
    answered yet, else the oldest customer message after the last reply. NULL when nobody
    waits on us (answered, or the ticket waits on the customer)."""
    oldest_unanswered = (
        select(func.min(Message.stored_at))
        .where(
            Message.ticket_id == Ticket.id,
            Message.direction == Direction.INBOUND.value,
            Message.automatic.is_(false()),  # type: ignore[attr-defined]
            Message.stored_at > Ticket.last_agent_reply_at,  # type: ignore[operator]
        )
        .correlate(Ticket)
        .scalar_subquery()
    )
    return type_coerce(
        case(
            (_paused(settings), None),
            (Ticket.last_customer_message_at.is_(None), None),  # type: ignore[union-attr]
            (Ticket.last_agent_reply_at.is_(None), Ticket.created_at),  # type: ignore[union-attr]
            (
                Ticket.last_customer_message_at > Ticket.last_agent_reply_at,  # type: ignore[operator]
                oldest_unanswered,
            ),
            else_=None,
        ),
        UtcDateTime(),
    )


def health_condition(
    measure: str,
    settings: TeamSettings,
    now: datetime,
    *,
    channel: str | None = None,
    priority: str | None = None,
) -> ColumnElement[bool]:
    """The tickets behind one figure of the queue health table (for drilling down)."""
    parts: list[ColumnElement[bool]] = [_active()]
    if channel is not None:
        parts.append(Ticket.channel == channel)
    if priority is not None:
        parts.append(Ticket.priority == priority)
    match measure:
        case "open":
            pass
        case "unassigned":
            parts.append(_unassigned())
        case "pending":
            parts.append(_paused(settings))
        case "at_risk":
            parts.append(_at_risk(now))
        case "breached":
            parts.append(_breached(now))
        case "waiting":
            parts.append(_waiting_since(settings).is_not(None))
        case _ if measure.startswith("forecast_"):
            parts.append(forecast_condition(int(measure.split("_")[1]), settings, now))
        case _:
            raise ValueError(f"unknown queue measure {measure!r}")
    return and_(*parts)


def forecast_condition(minutes: int, settings: TeamSettings, now: datetime) -> ColumnElement[bool]:
    """Running tickets whose deadline falls within `minutes` of business time from now — of
    each ticket's own calendar (through its policy)."""
    sla = settings.sla
    labels: dict[str, list[str]] = defaultdict(list)
    for rule in sla.rules:
        labels[rule.calendar].append(rule.label)
    known = [label for group in labels.values() for label in group]
    horizons = {
        name: calendar.add_business_seconds(now, minutes * 60)
        for name, calendar in sla.calendars.items()
    }
    default = horizons.get("default") or max(horizons.values())
    within = [
        and_(
            Ticket.sla_policy.in_(group),  # type: ignore[union-attr]
            Ticket.sla_due_at <= horizons[name],  # type: ignore[operator]
        )
        for name, group in labels.items()
    ]
    within.append(
        and_(
            or_(Ticket.sla_policy.is_(None), Ticket.sla_policy.not_in(known)),  # type: ignore[union-attr]
            Ticket.sla_due_at <= default,  # type: ignore[operator]
        )
    )
    return and_(
        _active(),
        Ticket.sla_paused.is_(false()),  # type: ignore[attr-defined]
        Ticket.sla_due_at > now,  # type: ignore[operator]
        or_(*within),
    )


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def queue_health(session: Session, settings: TeamSettings, now: datetime) -> dto.QueueHealth:
    waiting = _waiting_since(settings)
    rows = session.execute(
        select(
            Ticket.channel,
            Ticket.priority,
            func.count().label("open"),
            _count(_unassigned()).label("unassigned"),
            _count(_paused(settings)).label("pending"),
            _count(_at_risk(now)).label("at_risk"),
            _count(_breached(now)).label("breached"),
            *(
                _count(forecast_condition(minutes, settings, now)).label(f"due_{minutes}")
                for minutes in FORECAST_MINUTES
            ),
            func.min(waiting).label("oldest"),
        )
        .where(_active())
        .group_by(Ticket.channel, Ticket.priority)
    ).all()
    # The customer who has waited longest in each group: one query, ranked by the database.
    ranked = (
        select(
            Ticket.number,
            Ticket.channel,
            Ticket.priority,
            func.row_number()
            .over(partition_by=(Ticket.channel, Ticket.priority), order_by=(waiting, Ticket.id))
            .label("rank"),
        )
        .where(_active(), waiting.is_not(None))
        .subquery()
    )
    oldest_per: dict[tuple[str, str], int] = {
        (channel, priority): number
        for number, channel, priority in session.execute(
            select(ranked.c.number, ranked.c.channel, ranked.c.priority).where(ranked.c.rank == 1)
        )
    }
    cells = [
        dto.HealthRow(
            channel=row.channel,
            priority=row.priority,
            open=int(row.open),
            unassigned=int(row.unassigned),
            pending=int(row.pending),
            at_risk=int(row.at_risk),
            breached=int(row.breached),
            oldest_waiting_since=row.oldest,
            oldest_waiting_ticket=oldest_per.get((row.channel, row.priority)),
            due_15=int(row.due_15),
            due_60=int(row.due_60),
        )
        for row in rows
    ]
    cells.sort(key=lambda r: (_order(CHANNEL_ORDER, r.channel), _order(PRIORITY_ORDER, r.priority)))
    channels = sorted(
        {c.channel for c in cells} | {"email", "telegram"}, key=lambda c: _order(CHANNEL_ORDER, c)
    )
    by_channel = tuple(
        _sum_rows(channel, "all", [c for c in cells if c.channel == channel])
        for channel in channels
    )
    by_priority = tuple(
        _sum_rows("all", priority, [c for c in cells if c.priority == priority])
        for priority in PRIORITY_ORDER
    )
    total = _sum_rows("all", "all", cells)
    forecasts = (dto.Forecast(15, total.due_15), dto.Forecast(60, total.due_60))
    review = (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.ticket_id.in_(select(Ticket.id).where(_active())),  # type: ignore[attr-defined]
                Message.delivery_state == DeliveryState.AWAITING_REVIEW.value,
            )
        )
        or 0
    )
    return dto.QueueHealth(now, total, by_channel, by_priority, tuple(cells), forecasts, review)


def _order(order: list[str], value: str) -> tuple[int, str]:
    return (order.index(value) if value in order else len(order), value)


def _sum_rows(channel: str, priority: str, rows: Sequence[dto.HealthRow]) -> dto.HealthRow:
    waiting = [r for r in rows if r.oldest_waiting_since is not None]
    oldest = min(waiting, key=lambda r: r.oldest_waiting_since) if waiting else None  # type: ignore[arg-type,return-value]
    return dto.HealthRow(
        channel=channel,
        priority=priority,
        open=sum(r.open for r in rows),
        unassigned=sum(r.unassigned for r in rows),
        pending=sum(r.pending for r in rows),
        at_risk=sum(r.at_risk for r in rows),
        breached=sum(r.breached for r in rows),
        oldest_waiting_since=oldest.oldest_waiting_since if oldest else None,
        oldest_waiting_ticket=oldest.oldest_waiting_ticket if oldest else None,
        due_15=sum(r.due_15 for r in rows),
        due_60=sum(r.due_60 for r in rows),
    )


# -- the figures of a period ----------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield ids[start : start + ID_CHUNK]


class LogCache:
    """Logs of finished tickets, reused while a ticket's version and the team settings stay
    the same: a dashboard refreshing after every change reads and runs only what changed.
    (A finished ticket's clocks no longer move with time; active tickets are always run.)"""

    LIMIT = 250_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._document: dict[str, Any] | None = None
        self._logs: dict[int, tuple[int, metrics.TicketLog]] = {}

    def get(
        self, document: dict[str, Any], ticket_id: int, version: int
    ) -> metrics.TicketLog | None:
        with self._lock:
            if document != self._document:
                self._document, self._logs = document, {}
                return None
            found = self._logs.get(ticket_id)
            return found[1] if found is not None and found[0] == version else None

    def put(self, ticket_id: int, version: int, log: metrics.TicketLog) -> None:
        with self._lock:
            if len(self._logs) >= self.LIMIT:
                self._logs.clear()
            self._logs[ticket_id] = (version, log)


def _instant(column: Any, dialect: str) -> Any:
    """A timestamp column read as the driver gives it (SQLite's text, PostgreSQL's aware
    datetime) and made UTC by `_utc` below: a good deal faster than through the column type
    for a hundred thousand rows."""
    return type_coerce(column, String() if dialect == "sqlite" else DateTime(timezone=True))


def _second(item: tuple[Any, ...]) -> Any:
    return item[1]


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        # SQLite's naive UTC text; parsed with its offset: several times faster than replace().
        return datetime.fromisoformat(value + "+00:00")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _maybe_utc(value: Any) -> datetime | None:
    return None if value is None else _utc(value)


def load_facts(
    session: Session,
    settings: TeamSettings,
    period: metrics.Period,
    now: datetime,
    cache: LogCache | None = None,
    names: dict[int, str] | None = None,
) -> metrics.Facts:
    """Everything that happened in `period`: the facts stored for each ticket when its
    clocks were last recomputed (`reportfacts`), selected by the database, and for the few
    tickets whose facts are missing or out of date, the same worked out from their history."""
    connection = session.connection()
    if names is None:
        names = _agent_names(session)
    key = reportfacts.facts_key(settings)
    stored = reportfacts.stored_facts(session, key, period, now, names)
    replayed = metrics.facts_in(
        period, _replayed_logs(session, settings, period, now, names, key, cache or LogCache())
    )
    dialect = connection.dialect.name
    ratings = [
        metrics.Rated(
            metrics.TicketFacts(
                r.number,
                r.channel,
                r.priority,
                _utc(r.created_at),
                names.get(r.assignee_id) if r.assignee_id else None,
            ),
            names.get(r.assignee_id) if r.assignee_id else None,
            _utc(r.rated_at),
            r.score,
        )
        for r in connection.execute(
            select(
                Ticket.number,
                Ticket.channel,
                Ticket.priority,
                _instant(Ticket.created_at, dialect).label("created_at"),
                Ticket.assignee_id,
                _instant(Rating.created_at, dialect).label("rated_at"),
                Rating.score,
            )
            .join(Ticket, Ticket.id == Rating.ticket_id)  # type: ignore[arg-type]
            .where(
                Rating.created_at >= period.start,  # type: ignore[operator]
                Rating.created_at < period.end,  # type: ignore[operator]
            )
        )
    ]
    return metrics.Facts(
        new=(*stored.new, *replayed.new),
        replies=(*stored.replies, *replayed.replies),
        solves=(*stored.solves, *replayed.solves),
        responses=(*stored.responses, *replayed.responses),
        outcomes=(*stored.outcomes, *replayed.outcomes),
        ratings=tuple(r for r in ratings if period.contains(r.at)),
    )


def _replayed_logs(
    session: Session,
    settings: TeamSettings,
    period: metrics.Period,
    now: datetime,
    names: dict[int, str],
    key: str,
    cache: LogCache,
) -> list[metrics.TicketLog]:
    """The logs of the tickets without current stored facts, from their history.

    The tickets read are those created before the period ends that were touched since it
    began (a reply, a status change, a new message all touch a ticket) or are still active
    (their clocks may run out in it). The clocks of finished tickets solved before the period
    began are not run: everything about them was decided before.
    """
    connection = session.connection()
    # Usually none: the index says so at once, before the selection below (a scan).
    if not reportfacts.any_stale(session, key):
        return []
    dialect = connection.dialect.name
    selection = and_(
        reportfacts.stale(key),
        Ticket.created_at < period.end,  # type: ignore[operator]
        or_(Ticket.updated_at >= period.start, _active()),  # type: ignore[operator]
    )
    tickets = connection.execute(
        select(
            Ticket.id,
            Ticket.number,
            Ticket.version,
            Ticket.channel,
            Ticket.priority,
            Ticket.status,
            _instant(Ticket.created_at, dialect).label("created_at"),
            Ticket.created_by_id,
            Ticket.assignee_id,
            _instant(Ticket.solved_at, dialect).label("solved_at"),
            _instant(Ticket.closed_at, dialect).label("closed_at"),
        ).where(selection)
    ).all()
    if not tickets:
        return []
    document = settings.document
    logs: list[metrics.TicketLog] = []
    todo = []
    for t in tickets:
        finished = t.status in FINISHED_STATUSES
        solved_at = _maybe_utc(t.solved_at)
        skip_clocks = finished and solved_at is not None and solved_at < period.start
        log = cache.get(document, t.id, t.version) if finished else None
        if log is not None and (log.clocks_run or skip_clocks):
            logs.append(log)
        else:
            todo.append((t, finished, skip_clocks))
    messages: dict[int, list[Any]] = defaultdict(list)
    statuses: dict[int, list[Any]] = defaultdict(list)
    message_columns = (
        Message.ticket_id,
        Message.direction,
        # A trainee's reply counts from its approval, as in the SLA clocks (slastore).
        _instant(func.coalesce(ReplyReview.reviewed_at, Message.stored_at), dialect).label(
            "stored_at"
        ),
        Message.automatic,
        Message.delivery_state,
        Message.agent_id,
    )
    status_columns = (
        Event.ticket_id,
        _instant(Event.at, dialect).label("at"),
        Event.agent_id,
        Event.data["to"].as_string().label("to"),
        Event.data["initial"].as_boolean().label("initial"),
    )
    # Everything at once through the selection (the database finds the rows by the ticket
    # indexes), or, when most logs are known, only the tickets that changed.
    wanted: list[Any] = (
        [select(Ticket.id).where(selection)]
        if len(todo) == len(tickets)
        else list(_chunks([t.id for t, _f, _s in todo]))
    )
    for ids in wanted:
        for ticket_id, direction, stored_at, automatic, state, agent_id in connection.execute(
            select(*message_columns)
            .outerjoin(ReplyReview, ReplyReview.message_id == Message.id)  # type: ignore[arg-type]
            .where(Message.ticket_id.in_(ids))  # type: ignore[attr-defined]
        ).all():
            messages[ticket_id].append((direction, _utc(stored_at), automatic, state, agent_id))
        for ticket_id, at, agent_id, to, initial in connection.execute(
            select(*status_columns)
            .where(Event.ticket_id.in_(ids), Event.kind == "status")  # type: ignore[union-attr]
            .order_by(Event.id)
        ).all():
            statuses[ticket_id].append(
                (_utc(at), to, bool(initial), names.get(agent_id) if agent_id else None)
            )
    sla = settings.sla
    for t, finished, skip_clocks in todo:
        created_at = _utc(t.created_at)
        assignee = names.get(t.assignee_id) if t.assignee_id else None
        facts = metrics.TicketFacts(t.number, t.channel, t.priority, created_at, assignee)
        ticket_messages = messages.get(t.id, [])
        ticket_messages.sort(key=_second)
        repliers: dict[datetime, str | None] = {}
        replies: list[tuple[datetime, str]] = []
        for direction, at, automatic, state, agent_id in ticket_messages:
            if direction == "out" and not automatic and state in COUNTING_DELIVERY:
                agent = names.get(agent_id, "?") if agent_id is not None else None
                repliers.setdefault(at, agent)
                if agent is not None:
                    replies.append((at, agent))
        changes = statuses.get(t.id, [])
        solvers = {at: who for at, to, _i, who in changes if to in FINISHED_STATUSES}
        runs = None
        if not skip_clocks:
            history = build_history(
                created_at=created_at,
                channel=t.channel,
                priority=t.priority,
                created_by_agent=t.created_by_id is not None,
                messages=[m[:4] for m in ticket_messages],
                status_events=[
                    (at, {"to": to, "initial": True} if initial else {"to": to})
                    for at, to, initial, _who in changes
                ],
            )
            runs = clock_runs(history, sla, now)
        # Automatic messages and imported history are filed closed at once: not new work.
        filed_closed = t.status == Status.CLOSED and _maybe_utc(t.closed_at) == created_at
        log = metrics.ticket_log(
            facts,
            new_work=not filed_closed,
            replies=replies,
            solves=[
                (at, who) for at, to, initial, who in changes if to == Status.SOLVED and not initial
            ],
            runs=runs,
            replier_at=repliers,
            solver_at=solvers,
        )
        if finished:
            cache.put(t.id, t.version, log)
        logs.append(log)
    return logs


def team_report(
    session: Session,
    settings: TeamSettings,
    period: metrics.Period,
    now: datetime,
    by: metrics.GroupBy,
    *,
    extras: bool,
    cache: LogCache | None = None,
) -> dto.TeamReport:
    """The period's figures. Counted by the database from the stored facts
    (`reportcounts`); while some ticket's facts are out of date (after the SLA settings
    changed, until `Desk.recompute_sla()`), counted here from the facts and those tickets'
    replayed histories instead — the same figures, slower. The ticket numbers behind each
    figure are not included: `drill_tickets` finds them when a figure is opened."""
    names = _agent_names(session)
    key = reportfacts.facts_key(settings)
    zone = settings.zone
    trend: metrics.Trend | None = None
    heat: metrics.Heatmap | None = None
    if reportfacts.any_stale(session, key):
        facts = load_facts(session, settings, period, now, cache, names)
        rows = metrics.grouped(facts, by, zone)
        total = metrics.total(facts)
        if extras:
            trend = metrics.trend(facts, period)
            heat = _heatmap(facts, period)
    else:
        counter = reportcounts.Counter(session, period, now)
        counter.count(
            [by.value, reportcounts.TOTAL]
            + (
                [reportcounts.HOUR if period.hourly else reportcounts.DAY, reportcounts.LOCAL_HOUR]
                if extras
                else []
            )
        )
        rows = reportcounts.grouped(counter, by, names)
        total = reportcounts.total(counter)
        if extras:
            trend = reportcounts.trend(counter, period)
            heat = reportcounts.heatmap(counter, period)
    agents: tuple[dto.AgentBrief, ...] = ()
    if by is metrics.GroupBy.AGENT:
        agents, rows = _with_agents(session, rows, now)
    elif by is metrics.GroupBy.DAY:
        rows = {
            day.isoformat(): rows.get(day.isoformat()) or _empty(day.isoformat(), new=True)
            for day in period.days
        }
    elif by is metrics.GroupBy.HOUR:
        rows = {f"{h:02d}": rows.get(f"{h:02d}") or _empty(f"{h:02d}", new=True) for h in range(24)}
    return dto.TeamReport(
        period=period,
        by=by.value,
        generated_at=now,
        rows=tuple(rows.values()),
        total=total,
        agents=agents,
        trend=trend,
        heatmap=heat,
    )


def _agent_names(session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(Agent.id, Agent.name))}


def _heatmap(facts: metrics.Facts, period: metrics.Period) -> metrics.Heatmap:
    return metrics.heatmap(
        period,
        ((t.created_at, t.number) for t in facts.new),
        ((r.at, r.agent) for r in facts.replies),
    )


# What a figure of the report can be opened into: the tickets behind it.
DRILL_FIGURES = (
    "new",
    "answered",
    "solved",
    "first_response",
    "next_response",
    "sla_met",
    "sla_missed",
    "ratings",
    "negative",
    "backlog",
    "claimed",
)


def drill_tickets(
    session: Session,
    settings: TeamSettings,
    period: metrics.Period,
    now: datetime,
    what: str,
    *,
    by: metrics.GroupBy = metrics.GroupBy.AGENT,
    row: str | None = None,
    weekday: int | None = None,
    hour: int | None = None,
    cache: LogCache | None = None,
) -> tuple[int, ...]:
    """The numbers of the tickets behind one figure: `what` of `row` (an agent's name, a
    channel, a local day or hour; None for the whole team), or with `weekday` and `hour` the
    new tickets of that cell of the load grid. The same facts as the report, read whole and
    counted by `core/metrics.py` — the report's figures are checked against this."""
    names = _agent_names(session)
    if what in ("backlog", "claimed"):
        agent_id = next((i for i, name in names.items() if name == row), None)
        if agent_id is None:
            return ()
        return _now_numbers(session, now, what, agent_id)
    facts = load_facts(session, settings, period, now, cache, names)
    if weekday is not None and hour is not None:
        return _heatmap(facts, period).cells[weekday][hour].numbers
    if row is None:
        figures = metrics.total(facts)
    else:
        found = metrics.grouped(facts, by, settings.zone).get(row)
        if found is None:
            return ()
        figures = found
    return tuple(figures.tickets.get(what, ()))


def _now_numbers(session: Session, now: datetime, what: str, agent_id: int) -> tuple[int, ...]:
    """An agent's open tickets assigned (backlog), or being worked on this minute (claimed)."""
    condition = (
        Ticket.assignee_id == agent_id
        if what == "backlog"
        else and_(
            Ticket.claimed_by_id == agent_id,
            Ticket.claim_expires_at > now,  # type: ignore[operator]
        )
    )
    return tuple(
        session.scalars(select(Ticket.number).where(_active(), condition).order_by(Ticket.number))
    )


def _empty(key: str, *, new: bool) -> metrics.Figures:
    return metrics.figures(
        key, new=[] if new else None, replies=[], solves=[], responses=[], outcomes=[], ratings=[]
    )


def _with_agents(
    session: Session, rows: dict[str, metrics.Figures], now: datetime
) -> tuple[tuple[dto.AgentBrief, ...], dict[str, metrics.Figures]]:
    """Every agent gets a row (active ones even when idle), with what is theirs now: open
    tickets assigned, tickets being worked on, trainee replies waiting for review."""
    agents = session.execute(
        select(Agent.id, Agent.name, Agent.display_name, Agent.role, Agent.active).order_by(
            Agent.name
        )
    ).all()
    backlog: dict[int, int] = {
        agent_id: int(count)
        for agent_id, count in session.execute(
            select(Ticket.assignee_id, func.count())
            .where(_active(), Ticket.assignee_id.is_not(None))  # type: ignore[union-attr]
            .group_by(Ticket.assignee_id)
        )
    }
    claimed: dict[int, int] = {
        agent_id: int(count)
        for agent_id, count in session.execute(
            select(Ticket.claimed_by_id, func.count())
            .where(
                _active(),
                Ticket.claimed_by_id.is_not(None),  # type: ignore[union-attr]
                Ticket.claim_expires_at > now,  # type: ignore[operator]
            )
            .group_by(Ticket.claimed_by_id)
        )
    }
    review = {
        agent_id: count
        for agent_id, count in session.execute(
            select(Message.agent_id, func.count())
            .where(
                Message.ticket_id.in_(select(Ticket.id).where(_active())),  # type: ignore[attr-defined]
                Message.delivery_state == DeliveryState.AWAITING_REVIEW.value,
            )
            .group_by(Message.agent_id)
        )
    }
    briefs = []
    result: dict[str, metrics.Figures] = {}
    for agent in agents:
        row = rows.get(agent.name)
        if row is None and not agent.active:
            continue
        row = row or _empty(agent.name, new=False)
        result[agent.name] = row.with_now(backlog.get(agent.id, 0), claimed.get(agent.id, 0))
        briefs.append(
            dto.AgentBrief(
                agent.name,
                agent.display_name,
                agent.role,
                agent.active,
                int(review.get(agent.id, 0)),
            )
        )
    if metrics.NOBODY in rows:
        result[metrics.NOBODY] = rows[metrics.NOBODY]
    return tuple(briefs), result
