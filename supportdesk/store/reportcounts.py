"""The figures of a period counted by the database, from the stored report facts.

`reportfacts` stores what each ticket contributes to the figures (new work, replies, solves,
every SLA clock run); `core/metrics.py` says how they are counted. Here the database does the
counting for a whole period: it selects the period's facts and ratings as one list of items
(what was measured, for which ticket, whose, when, and the value), groups them by agent,
channel, local day or local hour, and returns per group the counts, sums and — by ranking the
response times of each group — the two middle values and the 90th-percentile rank. Python then
only turns a few hundred numbers into `metrics.Figures`, with the same arithmetic as
`metrics.figures`, so the figures are the same to the last bit (tests/store/test_reportfacts.py
compares both ways on both engines).

Local days and hours: the team's time zone offsets in the period are worked out here, with
Python's zoneinfo (as `core/metrics.py` does), and added to each moment by the database; SQLite
has no time zones, and PostgreSQL's own tz data could in principle disagree with Python's.

What it does not give: the ticket numbers behind each figure (asked for when a figure is
opened, from `reports.drill_tickets`), and figures over tickets whose stored facts are out of
date (the report then counts in Python after replaying them, `reports.load_facts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    distinct,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from supportdesk.core import metrics
from supportdesk.core.sla import ClockKind
from supportdesk.store import reportfacts
from supportdesk.store.models import Rating, ReportFact, Ticket
from supportdesk.store.types import UtcDateTime

# What an item measures.
NEW, REPLY, SOLVE, FIRST, NEXT, OUTCOME, RATING = (
    "new",
    "reply",
    "solve",
    "first",
    "next",
    "outcome",
    "rating",
)
RESPONSE_MEASURES = (FIRST, NEXT)
# Local "YYYY-MM-DD HH": its day is the first 10 characters, its hour the two after the space.
DAY, HOUR, LOCAL_HOUR, TOTAL = "day", "hour", "local_hour", "total"
# What a grouping counts, when not everything: agents have no new tickets (new work is
# nobody's); the load grid counts new tickets and who was answering.
MEASURES_OF = {
    metrics.GroupBy.AGENT.value: (NEXT, FIRST, REPLY, SOLVE, OUTCOME, RATING),
    LOCAL_HOUR: (NEW, REPLY),
}


@dataclass(frozen=True)
class Counted:
    """One measure of one group: how many items, of how many tickets and agents; how many
    met; the sum of their values; values at or below NEGATIVE_MAX, at or above GOOD_MIN."""

    items: int
    tickets: int
    agents: int
    met: int
    total: float
    low: int
    high: int


@dataclass(frozen=True)
class Ranked:
    """The values at the middle ranks and the 90th-percentile rank of one group's responses."""

    count: int
    values: dict[int, float]

    def median(self) -> float | None:
        n = self.count
        if not n:
            return None
        if n % 2:
            return float(self.values[n // 2 + 1])
        return (self.values[n // 2] + self.values[n // 2 + 1]) / 2

    def p90(self) -> float | None:
        n = self.count
        return float(self.values[(9 * n + 9) // 10]) if n else None


@dataclass
class Group:
    counted: dict[str, Counted]
    ranked: dict[str, Ranked]

    def count(self, measure: str) -> Counted:
        return self.counted.get(measure) or Counted(0, 0, 0, 0, 0.0, 0, 0)


def utc_offsets(period: metrics.Period) -> list[tuple[datetime, int]]:
    """[(from, seconds east of UTC)] for the team's zone over the period, in order: the first
    from the period's start, each next from a change of offset (DST), to the second."""
    zone = period.zone

    def offset(seconds: int) -> int:
        shift = datetime.fromtimestamp(seconds, UTC).astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    first = int(period.start.timestamp())
    spans = [(period.start, offset(first))]
    last = int(period.end.timestamp()) + 1
    for moment in range(first, last, 3600):
        following = moment + 3600
        if offset(following) != spans[-1][1]:
            # Changes are hours apart at least, and fall on a whole second: the first second
            # of the new offset lies within (moment, following].
            low, high = moment, following
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == spans[-1][1]:
                    low = middle
                else:
                    high = middle
            spans.append((datetime.fromtimestamp(high, UTC), offset(high)))
    return spans


def _by_offset(typed: Any, spans: list[tuple[datetime, int]], value: Any) -> Any:
    """`value(offset)` of the span a moment falls in."""
    if len(spans) == 1:
        return value(spans[0][1])
    return case(
        *((typed < spans[i + 1][0], value(spans[i][1])) for i in range(len(spans) - 1)),
        else_=value(spans[-1][1]),
    )


def _local_hour(moment: Any, period: metrics.Period, dialect: str) -> Any:
    """'YYYY-MM-DD HH' of the team's zone for a UTC moment of the period."""
    spans = utc_offsets(period)
    typed = type_coerce(moment, UtcDateTime())
    if dialect == "sqlite":
        modifier = _by_offset(typed, spans, lambda s: literal_column(f"'{s:+d} seconds'"))
        return func.strftime("%Y-%m-%d %H", moment, modifier)
    seconds = _by_offset(typed, spans, lambda s: literal_column(str(s)))
    local = func.timezone("UTC", moment) + seconds * literal_column("interval '1 second'")
    return func.to_char(local, "YYYY-MM-DD HH24")


def _items(
    period: metrics.Period,
    now: datetime,
    dialect: str,
    *,
    channels: bool,
    responses_only: bool = False,
) -> Any:
    """The period's items as a subquery: measure, ticket_id, agent_id (whose it is: the
    replier, solver or stopper; for a clock that ran out, and for a rating, the assignee),
    channel (None unless `channels`), moment (when it counts), value (business seconds; a
    rating's score), met, and local: the moment's local 'YYYY-MM-DD HH'. `responses_only`:
    only first and next responses (all that is ranked).

    Only for a database where every ticket's facts are current (the caller makes sure), so
    the facts are read without their tickets — but for the channel when it is asked for, and
    the assignee of the few clocks that ran out with nobody's reply."""
    start, end = period.start, period.end
    f = ReportFact
    at, due = f.at, f.due_at

    def facts(*columns: Any) -> Any:
        query = select(*columns)
        if channels:
            query = query.join(Ticket, Ticket.id == f.ticket_id)  # type: ignore[arg-type]
        return query

    channel = Ticket.channel if channels else null()
    measure = case(
        (f.kind == ClockKind.FIRST_RESPONSE.value, literal_column(f"'{FIRST}'")),
        (f.kind == ClockKind.NEXT_RESPONSE.value, literal_column(f"'{NEXT}'")),
        else_=f.kind,
    )
    happened = facts(
        measure.label("measure"),
        f.ticket_id,
        f.agent_id,
        channel.label("channel"),
        at.label("moment"),
        f.seconds.label("value"),
        literal_column("0").label("met"),
    ).where(
        f.kind.in_(  # type: ignore[attr-defined]
            [ClockKind.FIRST_RESPONSE.value, ClockKind.NEXT_RESPONSE.value]
            if responses_only
            else [
                reportfacts.NEW,
                reportfacts.REPLY,
                reportfacts.SOLVE,
                ClockKind.FIRST_RESPONSE.value,
                ClockKind.NEXT_RESPONSE.value,
            ]
        ),
        at >= start,  # type: ignore[operator]
        at < end,  # type: ignore[operator]
    )
    if responses_only:
        items = happened.subquery("measured")
    else:
        # A stopped clock is decided when it stopped, or, if it was late, when its target
        # passed; a running one when its target passes (a miss).
        decided = type_coerce(
            case((at.is_not(None), func.coalesce(due, at)), else_=due),  # type: ignore[union-attr]
            UtcDateTime(),
        )
        assignee = (
            Ticket.assignee_id
            if channels
            else select(Ticket.assignee_id).where(Ticket.id == f.ticket_id).scalar_subquery()
        )
        decided_items = facts(
            literal_column(f"'{OUTCOME}'"),
            f.ticket_id,
            func.coalesce(f.agent_id, assignee),
            channel,
            decided,
            null(),
            case((and_(at.is_not(None), due.is_(None)), 1), else_=0),  # type: ignore[union-attr]
        ).where(
            f.kind.in_(list(reportfacts.CLOCKS)),  # type: ignore[attr-defined]
            or_(
                and_(at >= start, at < end),  # type: ignore[operator]
                and_(due >= start, due < end),  # type: ignore[operator]
            ),
            or_(at.is_not(None), due <= now),  # type: ignore[union-attr,operator]
            decided >= start,
            decided < end,
        )
        rated = (
            select(
                literal_column(f"'{RATING}'"),
                Rating.ticket_id,
                Ticket.assignee_id,
                Ticket.channel if channels else null(),
                Rating.created_at,
                Rating.score,
                literal_column("0"),
            )
            .join(Ticket, Ticket.id == Rating.ticket_id)  # type: ignore[arg-type]
            .where(
                Rating.created_at >= start,  # type: ignore[operator]
                Rating.created_at < end,  # type: ignore[operator]
            )
        )
        items = union_all(happened, decided_items, rated).subquery("measured")
    return (
        select(*items.c, _local_hour(items.c.moment, period, dialect).label("local"))
        # Computed once for every grouping of the statement that reads it.
        .cte("item")
        .prefix_with("MATERIALIZED")
    )


class Counter:
    """Groups the items of one period in the database (every ticket's facts current: the
    caller checks with `reportfacts.any_stale` in the same transaction): every grouping
    asked for at once, in one statement that counts and one that ranks the response times,
    each reading the period's facts once."""

    def __init__(self, session: Session, period: metrics.Period, now: datetime) -> None:
        self.session = session
        self.period = period
        self.now = now
        self.dialect = session.connection().dialect.name
        self._groups: dict[str, dict[Any, Group]] = {}

    def _group_key(self, item: Any, by: str) -> Any:
        """The grouping's key of an item, as text (one column for every grouping). Constants
        are written out, not bound: PostgreSQL must see the same expression in GROUP BY."""
        c = item.c
        if by == metrics.GroupBy.AGENT:
            return cast(c.agent_id, String)
        if by == metrics.GroupBy.CHANNEL:
            return cast(c.channel, String)
        if by in (metrics.GroupBy.DAY, DAY):
            return func.substr(c.local, literal_column("1"), literal_column("10"))
        if by in (metrics.GroupBy.HOUR, HOUR):
            return func.substr(c.local, literal_column("12"), literal_column("2"))
        if by == LOCAL_HOUR:
            return c.local
        return cast(null(), String)

    def _partition(self, item: Any, by: str) -> tuple[Any, ...]:
        # PostgreSQL groups by no constant: the whole period is grouped by measure alone.
        c = item.c
        return (c.measure,) if by == TOTAL else (c.measure, self._group_key(item, by))

    def count(self, groupings: Sequence[str]) -> None:
        """Count (and rank) the items for each grouping (agent, channel, day, hour, total,
        local_hour) not counted yet."""
        wanted = [
            (by, MEASURES_OF.get(by)) for by in dict.fromkeys(groupings) if by not in self._groups
        ]
        if not wanted:
            return
        item = _items(self.period, self.now, self.dialect, channels=self._channels(wanted))
        c = item.c
        value = c.value
        counting = []
        for by, measures in wanted:
            self._groups[by] = {}
            query = select(
                literal_column(f"'{by}'").label("grouping"),
                c.measure,
                self._group_key(item, by).label("grp"),
                func.count().label("items"),
                func.count(distinct(c.ticket_id)).label("tickets"),
                func.count(distinct(c.agent_id)).label("agents"),
                func.coalesce(func.sum(c.met), 0).label("met"),
                func.coalesce(func.sum(value), 0).label("total"),
                func.coalesce(func.sum(case((value <= metrics.NEGATIVE_MAX, 1), else_=0)), 0).label(
                    "low"
                ),
                func.coalesce(func.sum(case((value >= metrics.GOOD_MIN, 1), else_=0)), 0).label(
                    "high"
                ),
            ).group_by(*self._partition(item, by))
            if measures is not None:
                query = query.where(c.measure.in_(list(measures)))
            counting.append(query)
        for by, measure, grp, items, tickets, agents, met, total, low, high in self.session.execute(
            union_all(*counting) if len(counting) > 1 else counting[0]
        ):
            group = self._groups[by].setdefault(grp, Group({}, {}))
            group.counted[measure] = Counted(
                int(items), int(tickets), int(agents), int(met), float(total), int(low), int(high)
            )
        ranking = [
            by
            for by, measures in wanted
            if measures is None or any(m in RESPONSE_MEASURES for m in measures)
        ]
        if ranking:
            self._rank(ranking)

    @staticmethod
    def _channels(groupings: Sequence[tuple[str, Any]]) -> bool:
        return any(by == metrics.GroupBy.CHANNEL for by, _measures in groupings)

    def _rank(self, groupings: Sequence[str]) -> None:
        """The middle values and the nearest-rank 90th percentile of each group's first and
        next response times: the database ranks the values; only those ranks come back."""
        item = _items(
            self.period,
            self.now,
            self.dialect,
            channels=self._channels([(by, None) for by in groupings]),
            responses_only=True,
        )
        c = item.c
        parts = []
        for by in groupings:
            partition = self._partition(item, by)
            parts.append(
                select(
                    literal_column(f"'{by}'").label("grouping"),
                    c.measure,
                    self._group_key(item, by).label("grp"),
                    c.value,
                    func.row_number().over(partition_by=partition, order_by=c.value).label("rank"),
                    func.count().over(partition_by=partition).label("n"),
                ).where(c.measure.in_(RESPONSE_MEASURES))
            )
        ranked = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("ranked")
        r = ranked.c
        for by, measure, grp, value, rank, n in self.session.execute(
            select(r.grouping, r.measure, r.grp, r.value, r.rank, r.n).where(
                or_(
                    r.rank == (r.n + 1) // 2,
                    r.rank == r.n // 2 + 1,
                    r.rank == (r.n * 9 + 9) // 10,
                )
            )
        ):
            group = self._groups[by].setdefault(grp, Group({}, {}))
            found = group.ranked.setdefault(measure, Ranked(int(n), {}))
            found.values[int(rank)] = float(value)

    def groups(self, by: str) -> dict[Any, Group]:
        """Per group key (text; None for the whole period): each measure counted, and the
        responses ranked."""
        self.count([by])
        return self._groups[by]


def figures(name: str, group: Group, *, with_new: bool) -> metrics.Figures:
    """A group's figures, with the arithmetic of `metrics.figures`."""
    new = group.count(NEW)
    replies = group.count(REPLY)
    solves = group.count(SOLVE)
    outcomes = group.count(OUTCOME)
    ratings = group.count(RATING)
    first = group.ranked.get(FIRST) or Ranked(0, {})
    following = group.ranked.get(NEXT) or Ranked(0, {})
    return metrics.Figures(
        key=name,
        new=new.tickets if with_new else None,
        answered=replies.tickets,
        replies=replies.items,
        solved=solves.tickets,
        first_count=first.count,
        first_median=first.median(),
        first_p90=first.p90(),
        next_count=following.count,
        next_median=following.median(),
        next_p90=following.p90(),
        sla_met=outcomes.met,
        sla_missed=outcomes.items - outcomes.met,
        ratings=ratings.items,
        # Scores are whole numbers: their sum is exact whichever way it was added up.
        csat_average=(int(ratings.total) / ratings.items) if ratings.items else None,
        negative=ratings.low,
        good=ratings.high,
    )


def grouped(
    counter: Counter, by: metrics.GroupBy, names: dict[int, str]
) -> dict[str, metrics.Figures]:
    """As `metrics.grouped`: one row per agent, channel, local day or local hour that has
    anything in the period, by name."""
    agent = by is metrics.GroupBy.AGENT
    rows: dict[str, metrics.Figures] = {}
    for grp, group in counter.groups(by).items():
        name = (
            str(grp) if not agent else metrics.NOBODY if grp is None else names.get(int(grp), "?")
        )
        rows[name] = figures(name, group, with_new=not agent)
    return dict(sorted(rows.items()))


def total(counter: Counter) -> metrics.Figures:
    group = counter.groups(TOTAL).get(None) or Group({}, {})
    return figures("total", group, with_new=True)


def trend(counter: Counter, period: metrics.Period) -> metrics.Trend:
    """As `metrics.trend`: per local day (per hour for a single day)."""
    if period.hourly:
        slots = [f"{hour:02d}" for hour in range(24)]
        groups = counter.groups(HOUR)
        labels = tuple(slots)
    else:
        slots = [day.isoformat() for day in period.days]
        groups = counter.groups(DAY)
        labels = tuple(slots)
    empty = Group({}, {})
    volume, first, compliance = [], [], []
    for slot in slots:
        group = groups.get(slot, empty)
        volume.append(group.count(NEW).items)
        first.append((group.ranked.get(FIRST) or Ranked(0, {})).median())
        outcomes = group.count(OUTCOME)
        compliance.append(metrics.ratio(outcomes.met, outcomes.items))
    return metrics.Trend(labels, tuple(volume), tuple(first), tuple(compliance))


def heatmap(counter: Counter, period: metrics.Period) -> metrics.Heatmap:
    """As `metrics.heatmap` (without the ticket numbers of each cell: those are read when a
    cell is opened): new tickets per weekday and hour, and agents answering in those hours."""
    tickets: dict[tuple[int, int], int] = defaultdict(int)
    agent_hours: dict[tuple[int, int], int] = defaultdict(int)
    for local, group in counter.groups(LOCAL_HOUR).items():
        slot = (date.fromisoformat(local[:10]).weekday(), int(local[11:13]))
        tickets[slot] += group.count(NEW).items
        agent_hours[slot] += group.count(REPLY).agents
    hours = metrics.local_hours(period)
    return metrics.Heatmap(
        cells=tuple(
            tuple(
                metrics.HeatCell(
                    tickets.get((day, hour), 0),
                    hours.get((day, hour), 0),
                    agent_hours.get((day, hour), 0),
                )
                for hour in range(24)
            )
            for day in range(7)
        ),
        timezone=period.zone.key,
    )
