"""The supervisor's figures, computed from plain facts.

Pure, like the rest of `core/`: the store reads the facts of a period (replies, SLA clock runs,
solves, ratings, new tickets) and hands them in; nothing here reads a clock or a database.
The definitions, which the README repeats for people:

- A **response** is a public agent reply that stops an SLA clock: the first response (from the
  ticket's creation) or a next response (from the oldest customer message not yet answered).
  Its time is the clock's own: business time of the policy's calendar, time in paused statuses
  left out (`core/sla.py`, `clock_runs`). It belongs to the agent who sent the reply and to the
  period in which it was sent.
- **SLA compliance** is the share of SLA clocks decided in the period that were met. A clock is
  decided when it stops (the reply is sent, the ticket is solved) — met or late — or, while it
  still runs, at the moment its target passes (a miss). A clock counts for whoever stopped it,
  and a clock that passed its target unanswered for the ticket's assignee.
- **CSAT**: ratings 1–5 given in the period, credited to the ticket's assignee; negative is 1–2,
  good is 4–5.
- **Medians** are the middle value (the mean of the two middle values for an even count); the
  **90th percentile** is the nearest rank: the smallest value at or above which 10% remain.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from supportdesk.core.sla import ClockKind, ClockRun

NEGATIVE_MAX = 2
GOOD_MIN = 4
RESPONSE_KINDS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE)


# -- statistics -----------------------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Iterable[float], share: float) -> float | None:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    if not 0 < share <= 1:
        raise ValueError(f"a percentile share is above 0 and at most 1, not {share}")
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(share * len(ordered))
    return float(ordered[rank - 1])


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- periods --------------------------------------------------------------------------------


class PeriodKind(StrEnum):
    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"
    CUSTOM = "custom"


PERIOD_DAYS = {PeriodKind.TODAY: 1, PeriodKind.WEEK: 7, PeriodKind.MONTH: 30}
PERIOD_TITLES = {
    PeriodKind.TODAY: "today",
    PeriodKind.WEEK: "last 7 days",
    PeriodKind.MONTH: "last 30 days",
    PeriodKind.CUSTOM: "custom",
}


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; `first_day` and `last_day` are local dates in the team's zone."""

    kind: PeriodKind
    start: datetime
    end: datetime
    first_day: date
    last_day: date
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def days(self) -> list[date]:
        return [
            self.first_day + timedelta(days=n)
            for n in range((self.last_day - self.first_day).days + 1)
        ]

    @property
    def hourly(self) -> bool:
        """Trends of a single day go by hour, longer ones by day."""
        return self.first_day == self.last_day

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def title(self) -> str:
        if self.kind is PeriodKind.CUSTOM:
            if self.first_day == self.last_day:
                return f"{self.first_day:%d %b %Y}"
            return f"{self.first_day:%d %b} – {self.last_day:%d %b %Y}"
        return PERIOD_TITLES[self.kind]

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "timezone": self.timezone,
        }


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (DST-aware: a day can be 23 or 25 hours long)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def make_period(
    kind: PeriodKind | str,
    now: datetime,
    zone: ZoneInfo,
    *,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Period:
    """Today (local midnight to now), the last 7 or 30 local days including today (to now), or
    whole local days from `first_day` to `last_day` (both included; the end is cut at `now`).

    "Now" is included: a period that runs to now ends at the end of the current second."""
    kind = PeriodKind(kind)
    today = now.astimezone(zone).date()
    now = now.replace(microsecond=0) + timedelta(seconds=1)
    if kind is PeriodKind.CUSTOM:
        if first_day is None:
            raise ValueError("a custom period needs its first day")
        last_day = last_day or today
        if last_day < first_day:
            raise ValueError(f"the period ends ({last_day}) before it starts ({first_day})")
        end = min(
            local_midnight(last_day + timedelta(days=1), zone),
            max(now, local_midnight(first_day, zone)),
        )
        return Period(kind, local_midnight(first_day, zone), end, first_day, last_day, zone.key)
    first = today - timedelta(days=PERIOD_DAYS[kind] - 1)
    return Period(kind, local_midnight(first, zone), now, first, today, zone.key)


# -- facts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFacts:
    """What reports need of one ticket, besides its history."""

    number: int
    channel: str
    priority: str
    created_at: datetime
    assignee: str | None


@dataclass(frozen=True)
class Reply:
    """A public agent reply that counts (sent, or on its way)."""

    ticket: TicketFacts
    agent: str
    at: datetime


@dataclass(frozen=True)
class Solve:
    """A ticket marked solved (by `agent`, or None for an automatic change)."""

    ticket: TicketFacts
    agent: str | None
    at: datetime


@dataclass(frozen=True)
class Response:
    """A reply that stopped a first- or next-response clock, with the clock's business time."""

    ticket: TicketFacts
    agent: str | None
    kind: ClockKind
    at: datetime
    seconds: float
    met: bool


@dataclass(frozen=True)
class Outcome:
    """An SLA clock decided: met when it stopped in time, missed when its target passed."""

    ticket: TicketFacts
    agent: str | None
    kind: ClockKind
    at: datetime
    met: bool


@dataclass(frozen=True)
class Rated:
    ticket: TicketFacts
    agent: str | None
    at: datetime
    score: int


@dataclass(frozen=True)
class Facts:
    """Everything that happened in a period, as the figures count it."""

    new: tuple[TicketFacts, ...] = ()
    replies: tuple[Reply, ...] = ()
    solves: tuple[Solve, ...] = ()
    responses: tuple[Response, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    ratings: tuple[Rated, ...] = ()


@dataclass(frozen=True)
class TicketLog:
    """What one ticket contributes to reports, at any time: filtered by period afterwards, so
    the log of a finished ticket can be kept and reused while the ticket does not change."""

    ticket: TicketFacts
    # Counts as new work when created (automatic messages and imported history do not).
    new_work: bool
    replies: tuple[Reply, ...]
    solves: tuple[Solve, ...]
    responses: tuple[Response, ...]
    outcomes: tuple[Outcome, ...]
    # False when the clocks were not run (nothing of them could fall in the period asked for).
    clocks_run: bool = True


def ticket_log(
    ticket: TicketFacts,
    *,
    new_work: bool,
    replies: Sequence[tuple[datetime, str]],
    solves: Sequence[tuple[datetime, str | None]],
    runs: Sequence[ClockRun] | None,
    replier_at: Mapping[datetime, str | None],
    solver_at: Mapping[datetime, str | None],
) -> TicketLog:
    """The log of one ticket. `replier_at` names the agent whose reply went out at a moment;
    `solver_at` who made the ticket finished at a moment (None: nobody, e.g. automatically).
    `runs` None: the clocks were not run."""
    responses: list[Response] = []
    outcomes: list[Outcome] = []
    for run in runs or ():
        stopper: str | None = None
        if run.stopped_at is not None:
            if run.kind in RESPONSE_KINDS:
                stopper = replier_at.get(run.stopped_at)
                responses.append(
                    Response(
                        ticket,
                        stopper,
                        run.kind,
                        run.stopped_at,
                        run.used_seconds,
                        not run.breached,
                    )
                )
            else:
                stopper = solver_at.get(run.stopped_at)
        decided = outcome_of(run)
        if decided is not None:
            outcomes.append(
                Outcome(ticket, stopper or ticket.assignee, run.kind, decided[0], decided[1])
            )
    return TicketLog(
        ticket,
        new_work,
        tuple(Reply(ticket, agent, at) for at, agent in replies),
        tuple(Solve(ticket, agent, at) for at, agent in solves),
        tuple(responses),
        tuple(outcomes),
        runs is not None,
    )


def facts_in(period: Period, logs: Iterable[TicketLog], ratings: Iterable[Rated] = ()) -> Facts:
    """What of the logs (and ratings) happened within the period."""
    inside = period.contains
    new: list[TicketFacts] = []
    replies: list[Reply] = []
    solves: list[Solve] = []
    responses: list[Response] = []
    outcomes: list[Outcome] = []
    for log in logs:
        if log.new_work and inside(log.ticket.created_at):
            new.append(log.ticket)
        replies.extend(r for r in log.replies if inside(r.at))
        solves.extend(s for s in log.solves if inside(s.at))
        responses.extend(r for r in log.responses if inside(r.at))
        outcomes.extend(o for o in log.outcomes if inside(o.at))
    return Facts(
        new=tuple(new),
        replies=tuple(replies),
        solves=tuple(solves),
        responses=tuple(responses),
        outcomes=tuple(outcomes),
        ratings=tuple(r for r in ratings if inside(r.at)),
    )


def outcome_of(run: ClockRun) -> tuple[datetime, bool] | None:
    """(when, met) once a clock run is decided; None while it runs within its target."""
    if run.breached:
        assert run.breached_at is not None
        return run.breached_at, False
    if run.stopped_at is not None:
        return run.stopped_at, True
    return None


# -- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One row of the per-agent (or per-channel, -day, -hour) table.

    `tickets` holds the ticket numbers behind each figure when the figures were counted here
    from whole facts (the store's drill-down does); a report counted by the database leaves it
    empty. It is left out of comparisons, JSON and CSV.
    """

    key: str
    new: int | None
    answered: int
    replies: int
    solved: int
    first_count: int
    first_median: float | None
    first_p90: float | None
    next_count: int
    next_median: float | None
    next_p90: float | None
    sla_met: int
    sla_missed: int
    ratings: int
    csat_average: float | None
    negative: int
    good: int
    # Now, not for the period: open tickets assigned, tickets being worked on (claimed).
    backlog: int | None = None
    claimed: int | None = None
    tickets: Mapping[str, tuple[int, ...]] = field(default_factory=dict, compare=False)

    @property
    def sla_compliance(self) -> float | None:
        return ratio(self.sla_met, self.sla_met + self.sla_missed)

    @property
    def negative_share(self) -> float | None:
        return ratio(self.negative, self.ratings)

    @property
    def good_share(self) -> float | None:
        return ratio(self.good, self.ratings)

    def with_now(self, backlog: int, claimed: int) -> Figures:
        return Figures(
            **{
                **{name: getattr(self, name) for name in _FIELDS},
                "backlog": backlog,
                "claimed": claimed,
                "tickets": self.tickets,
            }
        )

    def to_json(self) -> dict[str, object]:
        def rounded(value: float | None, digits: int = 0) -> float | None:
            if value is None:
                return None
            return round(value) if digits == 0 else round(value, digits)

        data: dict[str, object] = {
            "key": self.key,
            "new": self.new,
            "answered": self.answered,
            "replies": self.replies,
            "solved": self.solved,
            "first_response": {
                "count": self.first_count,
                "median_seconds": rounded(self.first_median),
                "p90_seconds": rounded(self.first_p90),
            },
            "next_response": {
                "count": self.next_count,
                "median_seconds": rounded(self.next_median),
                "p90_seconds": rounded(self.next_p90),
            },
            "sla": {
                "met": self.sla_met,
                "missed": self.sla_missed,
                "compliance": rounded(self.sla_compliance, 4),
            },
            "csat": {
                "ratings": self.ratings,
                "average": rounded(self.csat_average, 2),
                "negative": self.negative,
                "negative_share": rounded(self.negative_share, 4),
                "good_share": rounded(self.good_share, 4),
            },
        }
        if self.backlog is not None:
            data["backlog"] = self.backlog
        if self.claimed is not None:
            data["claimed"] = self.claimed
        return data


_FIELDS = [
    name for name in Figures.__dataclass_fields__ if name not in ("backlog", "claimed", "tickets")
]


def _numbers(items: Iterable[object]) -> tuple[int, ...]:
    return tuple(sorted({item.ticket.number for item in items}))  # type: ignore[attr-defined]


def figures(
    key: str,
    *,
    new: Sequence[TicketFacts] | None,
    replies: Sequence[Reply],
    solves: Sequence[Solve],
    responses: Sequence[Response],
    outcomes: Sequence[Outcome],
    ratings: Sequence[Rated],
) -> Figures:
    first = [r for r in responses if r.kind is ClockKind.FIRST_RESPONSE]
    following = [r for r in responses if r.kind is ClockKind.NEXT_RESPONSE]
    met = [o for o in outcomes if o.met]
    missed = [o for o in outcomes if not o.met]
    negative = [r for r in ratings if r.score <= NEGATIVE_MAX]
    good = [r for r in ratings if r.score >= GOOD_MIN]
    tickets = {
        "answered": _numbers(replies),
        "solved": _numbers(solves),
        "first_response": _numbers(first),
        "next_response": _numbers(following),
        "sla_met": _numbers(met),
        "sla_missed": _numbers(missed),
        "ratings": _numbers(ratings),
        "negative": _numbers(negative),
    }
    if new is not None:
        tickets["new"] = tuple(sorted({t.number for t in new}))
    return Figures(
        key=key,
        new=len({t.number for t in new}) if new is not None else None,
        answered=len(tickets["answered"]),
        replies=len(replies),
        solved=len(tickets["solved"]),
        first_count=len(first),
        first_median=median(r.seconds for r in first),
        first_p90=percentile((r.seconds for r in first), 0.9),
        next_count=len(following),
        next_median=median(r.seconds for r in following),
        next_p90=percentile((r.seconds for r in following), 0.9),
        sla_met=len(met),
        sla_missed=len(missed),
        ratings=len(ratings),
        csat_average=(sum(r.score for r in ratings) / len(ratings)) if ratings else None,
        negative=len(negative),
        good=len(good),
        tickets=tickets,
    )


class GroupBy(StrEnum):
    AGENT = "agent"
    CHANNEL = "channel"
    DAY = "day"
    HOUR = "hour"


NOBODY = "(unassigned)"


def group_key(by: GroupBy, zone: ZoneInfo) -> Callable[[TicketFacts, str | None, datetime], str]:
    """How a fact (its ticket, its agent, its moment) is filed under a row."""
    if by is GroupBy.AGENT:
        return lambda _ticket, agent, _at: agent or NOBODY
    if by is GroupBy.CHANNEL:
        return lambda ticket, _agent, _at: ticket.channel
    if by is GroupBy.DAY:
        return lambda _ticket, _agent, at: at.astimezone(zone).date().isoformat()
    return lambda _ticket, _agent, at: f"{at.astimezone(zone).hour:02d}"


def grouped(facts: Facts, by: GroupBy, zone: ZoneInfo) -> dict[str, Figures]:
    """The figures per agent, channel, local day or local hour of the day (0-23)."""
    key = group_key(by, zone)
    buckets: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    if by is not GroupBy.AGENT:
        for ticket in facts.new:
            buckets[key(ticket, None, ticket.created_at)]["new"].append(ticket)
    for name, items in (
        ("replies", facts.replies),
        ("solves", facts.solves),
        ("responses", facts.responses),
        ("outcomes", facts.outcomes),
        ("ratings", facts.ratings),
    ):
        for item in items:
            buckets[key(item.ticket, item.agent, item.at)][name].append(item)  # type: ignore[attr-defined]
    return {
        name: figures(
            name,
            new=None if by is GroupBy.AGENT else bucket.get("new", []),  # type: ignore[arg-type]
            replies=bucket.get("replies", []),  # type: ignore[arg-type]
            solves=bucket.get("solves", []),  # type: ignore[arg-type]
            responses=bucket.get("responses", []),  # type: ignore[arg-type]
            outcomes=bucket.get("outcomes", []),  # type: ignore[arg-type]
            ratings=bucket.get("ratings", []),  # type: ignore[arg-type]
        )
        for name, bucket in sorted(buckets.items())
    }


def total(facts: Facts) -> Figures:
    return figures(
        "total",
        new=facts.new,
        replies=facts.replies,
        solves=facts.solves,
        responses=facts.responses,
        outcomes=facts.outcomes,
        ratings=facts.ratings,
    )


# -- trends ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """Per day of the period (per hour for a single day): volume, median first response, SLA
    compliance. None where there is nothing to measure."""

    labels: tuple[str, ...]
    volume: tuple[int, ...]
    first_median: tuple[float | None, ...]
    compliance: tuple[float | None, ...]

    def to_json(self) -> dict[str, object]:
        return {
            "labels": list(self.labels),
            "volume": list(self.volume),
            "first_response_median_seconds": [
                None if v is None else round(v) for v in self.first_median
            ],
            "sla_compliance": [None if v is None else round(v, 4) for v in self.compliance],
        }


def trend(facts: Facts, period: Period) -> Trend:
    zone = period.zone
    if period.hourly:
        slots: list[Hashable] = list(range(24))

        def slot(at: datetime) -> Hashable:
            return at.astimezone(zone).hour

        labels = tuple(f"{hour:02d}" for hour in range(24))
    else:
        slots = list(period.days)

        def slot(at: datetime) -> Hashable:
            return at.astimezone(zone).date()

        labels = tuple(day.isoformat() for day in period.days)
    volume: dict[Hashable, int] = defaultdict(int)
    firsts: dict[Hashable, list[float]] = defaultdict(list)
    met: dict[Hashable, int] = defaultdict(int)
    decided: dict[Hashable, int] = defaultdict(int)
    for ticket in facts.new:
        volume[slot(ticket.created_at)] += 1
    for response in facts.responses:
        if response.kind is ClockKind.FIRST_RESPONSE:
            firsts[slot(response.at)].append(response.seconds)
    for outcome in facts.outcomes:
        decided[slot(outcome.at)] += 1
        met[slot(outcome.at)] += outcome.met
    return Trend(
        labels=labels,
        volume=tuple(volume.get(s, 0) for s in slots),
        first_median=tuple(median(firsts.get(s, [])) for s in slots),
        compliance=tuple(ratio(met.get(s, 0), decided.get(s, 0)) for s in slots),
    )


# -- load by weekday and hour ---------------------------------------------------------------


@dataclass(frozen=True)
class HeatCell:
    """One weekday-hour of the period: new tickets in all, how many such hours the period
    had, and on average how many agents were answering in them."""

    tickets: int
    hours: int
    agent_hours: int
    # The new tickets themselves, for drilling down.
    numbers: tuple[int, ...] = field(default=(), compare=False)

    @property
    def tickets_per_hour(self) -> float:
        return self.tickets / self.hours if self.hours else 0.0

    @property
    def agents(self) -> float:
        """Agents answering in this hour, on average."""
        return self.agent_hours / self.hours if self.hours else 0.0

    @property
    def per_agent(self) -> float | None:
        """New tickets per answering agent in this hour (None when nobody answered)."""
        return self.tickets / self.agent_hours if self.agent_hours else None


@dataclass(frozen=True)
class Heatmap:
    """cells[weekday][hour], Monday first, hours of the team's time zone."""

    cells: tuple[tuple[HeatCell, ...], ...]
    timezone: str

    def peak(self) -> tuple[int, int] | None:
        best = max(
            (
                (cell.tickets_per_hour, day, hour)
                for day, row in enumerate(self.cells)
                for hour, cell in enumerate(row)
            ),
            default=None,
        )
        return (best[1], best[2]) if best and best[0] > 0 else None

    def to_json(self) -> dict[str, object]:
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return {
            "timezone": self.timezone,
            "weekdays": {
                names[day]: [
                    {
                        "hour": hour,
                        "tickets": cell.tickets,
                        "hours": cell.hours,
                        "tickets_per_hour": round(cell.tickets_per_hour, 2),
                        "agents": round(cell.agents, 2),
                    }
                    for hour, cell in enumerate(row)
                ]
                for day, row in enumerate(self.cells)
            },
        }


def local_hours(period: Period) -> dict[tuple[int, int], int]:
    """How many times each (weekday, hour) of the team's zone occurs in the period."""
    zone = period.zone
    counts: dict[tuple[int, int], int] = defaultdict(int)
    # The period starts at a local midnight, so whole-hour steps stay on local hour boundaries.
    moment = period.start
    while moment < period.end:
        local = moment.astimezone(zone)
        counts[(local.weekday(), local.hour)] += 1
        moment += timedelta(hours=1)
    return counts


def heatmap(
    period: Period,
    new_tickets: Iterable[tuple[datetime, int]],
    answering: Iterable[tuple[datetime, str]],
) -> Heatmap:
    """New tickets (moment, number) and replies (moment, agent) by weekday and hour of the
    team's time zone; the agents are counted once per hour they answered in."""
    zone = period.zone
    numbers: dict[tuple[int, int], list[int]] = defaultdict(list)
    for moment, number in new_tickets:
        local = moment.astimezone(zone)
        numbers[(local.weekday(), local.hour)].append(number)
    present: dict[tuple[date, int], set[str]] = defaultdict(set)
    for moment, agent in answering:
        local = moment.astimezone(zone)
        present[(local.date(), local.hour)].add(agent)
    agent_hours: dict[tuple[int, int], int] = defaultdict(int)
    for (day, hour), agents in present.items():
        agent_hours[(day.weekday(), hour)] += len(agents)
    hours = local_hours(period)
    return Heatmap(
        cells=tuple(
            tuple(
                HeatCell(
                    len(numbers.get((day, hour), ())),
                    hours.get((day, hour), 0),
                    agent_hours.get((day, hour), 0),
                    tuple(sorted(numbers.get((day, hour), ()))),
                )
                for hour in range(24)
            )
            for day in range(7)
        ),
        timezone=zone.key,
    )
