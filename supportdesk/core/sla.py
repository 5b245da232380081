"""Business calendars, SLA policies and the clocks of one ticket.

Everything here is pure: time comes in as arguments (aware datetimes), nothing reads the wall
clock, nothing touches a database. All instants are handled in UTC; local time only exists
inside a calendar, where weekly hours and holidays are defined.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportdesk.core.enums import FINISHED_STATUSES, Priority, Status

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# Ten years without a working day (holidays covering every one) is a configuration mistake;
# stop searching instead of looping forever. Long spans with working time are fine.
MAX_SEARCH_DAYS = 3660

_RANGE_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class SlaConfigError(ValueError):
    """A calendar or policy definition that cannot work; the message says what to fix."""


def ensure_utc(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: SLA arithmetic needs aware datetimes")
    return moment.astimezone(UTC)


def parse_range(text: str) -> tuple[int, int]:
    """'09:00-13:00' -> (540, 780) minutes of the day; '24:00' is allowed as an end."""
    match = _RANGE_RE.match(text)
    if not match:
        raise SlaConfigError(f"{text!r} is not a time range like '09:00-17:30'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if m1 >= 60 or m2 >= 60 or start >= MINUTES_PER_DAY or end > MINUTES_PER_DAY:
        raise SlaConfigError(f"{text!r} has a time outside 00:00-24:00")
    if end <= start:
        raise SlaConfigError(
            f"{text!r} ends before it starts; split ranges that cross midnight in two days"
        )
    return start, end


def format_range(start: int, end: int) -> str:
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """Working time: weekly hours in a time zone, minus holidays; or round the clock."""

    name: str
    timezone: str = "UTC"
    # Seven entries, Monday first; each a tuple of (start, end) minutes of the local day.
    week: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    # Working intervals per local day, computed once: SLA arithmetic asks for the same days
    # over and over, and hashing the whole calendar for an lru_cache lookup costs more.
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SlaConfigError(
                f"calendar {self.name!r}: unknown time zone {self.timezone!r} "
                "(use an IANA name such as 'Europe/Warsaw')"
            ) from exc
        if len(self.week) != 7:
            raise SlaConfigError(f"calendar {self.name!r}: a week needs seven days")
        for day_name, ranges in zip(WEEKDAYS, self.week, strict=True):
            previous_end = -1
            for start, end in ranges:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise SlaConfigError(f"calendar {self.name!r}: bad range on {day_name}")
                if start < previous_end:
                    raise SlaConfigError(
                        f"calendar {self.name!r}: ranges on {day_name} overlap or are not in order"
                    )
                previous_end = end
        if not self.always_open and not any(self.week):
            raise SlaConfigError(
                f"calendar {self.name!r} has no working hours; give hours for at least one "
                "day or set always_open = true"
            )

    @classmethod
    def round_the_clock(cls, name: str = "24x7", timezone: str = "UTC") -> BusinessCalendar:
        return cls(name=name, timezone=timezone, always_open=True)

    @classmethod
    def weekly(
        cls,
        name: str,
        timezone: str,
        hours: Mapping[str, Sequence[str]],
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        """Build from {'mon': ['09:00-13:00', '14:00-18:00'], ...}; missing days are closed."""
        unknown = set(hours) - set(WEEKDAYS)
        if unknown:
            raise SlaConfigError(
                f"calendar {name!r}: unknown day(s) {sorted(unknown)}; use {', '.join(WEEKDAYS)}"
            )
        week = tuple(
            tuple(sorted(parse_range(text) for text in hours.get(day, ()))) for day in WEEKDAYS
        )
        return cls(name=name, timezone=timezone, week=week, holidays=frozenset(holidays))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches instances by key

    def hours_text(self) -> dict[str, list[str]]:
        return {
            day: [format_range(s, e) for s, e in ranges]
            for day, ranges in zip(WEEKDAYS, self.week, strict=True)
            if ranges
        }

    def describe(self) -> str:
        """'default (Mon-Fri 09:00-18:00, Europe/Warsaw)': runs of days with the same hours."""
        if self.always_open:
            return f"{self.name} (24/7, {self.timezone})"
        runs: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
        for index, ranges in enumerate(self.week):
            if runs and runs[-1][2] == ranges and runs[-1][1] == index - 1:
                runs[-1] = (runs[-1][0], index, ranges)
            else:
                runs.append((index, index, ranges))
        parts = []
        for first, last, ranges in runs:
            if not ranges:
                continue
            days = WEEKDAYS[first].capitalize()
            if last != first:
                days += f"-{WEEKDAYS[last].capitalize()}"
            parts.append(f"{days} {', '.join(format_range(s, e) for s, e in ranges)}")
        holidays = f", {len(self.holidays)} holidays" if self.holidays else ""
        return f"{self.name} ({'; '.join(parts)}, {self.timezone}{holidays})"

    # -- the arithmetic -------------------------------------------------------------------

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals (UTC) from `start` on, clipped to begin no earlier than it."""
        start = ensure_utc(start)
        if self.always_open:
            yield start, datetime.max.replace(tzinfo=UTC)
            return
        day = start.astimezone(self.zone).date()
        empty_days = 0
        while empty_days < MAX_SEARCH_DAYS:
            intervals = self.day_intervals(day)
            empty_days = 0 if intervals else empty_days + 1
            for a, b in intervals:
                if b > start:
                    yield max(a, start), b
            day += timedelta(days=1)
        raise SlaConfigError(
            f"calendar {self.name!r} has no working time in {MAX_SEARCH_DAYS} days after {start}"
        )

    def is_open(self, moment: datetime) -> bool:
        moment = ensure_utc(moment)
        if self.always_open:
            return True
        day = moment.astimezone(self.zone).date()
        return any(a <= moment < b for a, b in self.day_intervals(day))

    def next_open(self, moment: datetime) -> datetime:
        """The moment itself when open, else the next opening."""
        return next(self.open_intervals(moment))[0]

    def business_seconds(self, start: datetime, end: datetime) -> float:
        start, end = ensure_utc(start), ensure_utc(end)
        if end <= start:
            return 0.0
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        for a, b in self.open_intervals(start):
            if a >= end:
                break
            total += (min(b, end) - a).total_seconds()
        return total

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when `seconds` of working time have passed since `start`."""
        start = ensure_utc(start)
        if seconds <= 0:
            return start
        if self.always_open:
            return start + timedelta(seconds=seconds)
        remaining = seconds
        for a, b in self.open_intervals(start):
            length = (b - a).total_seconds()
            if remaining <= length:
                return a + timedelta(seconds=remaining)
            remaining -= length
        raise AssertionError("open_intervals never ends without raising")

    def after_business_days(self, start: datetime, days: int) -> datetime:
        """The end of the `days`-th business day after the day of `start` (a day with any
        working time counts): "solved on Friday, closes after 3 quiet business days" is the
        end of Wednesday's hours. Round the clock, every day counts, to its midnight."""
        start = ensure_utc(start)
        day = start.astimezone(self.zone).date()
        if self.always_open:
            following = day + timedelta(days=days + 1)
            return _local_to_utc(following, 0, self.zone)
        counted = searched = 0
        while searched < MAX_SEARCH_DAYS:
            day += timedelta(days=1)
            searched += 1
            intervals = self.day_intervals(day)
            if intervals:
                counted += 1
                if counted == days:
                    return intervals[-1][1]
        raise SlaConfigError(
            f"calendar {self.name!r} has no {days} working days in {MAX_SEARCH_DAYS} days"
        )

    def day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of one local day, as UTC instants.

        Built from wall-clock times in the calendar's zone, so a 09:00-17:00 day stays
        09:00-17:00 on both sides of a DST change (the day of the change is an hour shorter or
        longer only when its ranges cover the skipped or repeated hour).
        """
        cached = self._days.get(day)
        if cached is not None:
            return cached
        result: list[tuple[datetime, datetime]] = []
        if day not in self.holidays:
            zone = self.zone
            for start, end in self.week[day.weekday()]:
                a = _local_to_utc(day, start, zone)
                b = _local_to_utc(day, end, zone)
                if b > a:
                    result.append((a, b))
        self._days[day] = intervals = tuple(result)
        return intervals


def _local_to_utc(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    if minutes >= MINUTES_PER_DAY:
        day, minutes = day + timedelta(days=1), minutes - MINUTES_PER_DAY
    local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return moment
    # The wall time falls in a spring-forward gap and does not exist: working time begins (or
    # ends) when the clocks jump. The jump lies between the two readings of the wall time.
    earliest = local.replace(fold=1).astimezone(UTC)
    before = earliest.astimezone(zone).utcoffset()
    jump = earliest
    while jump < moment and jump.astimezone(zone).utcoffset() == before:
        jump += timedelta(minutes=1)
    return jump


# -- policies -------------------------------------------------------------------------------


class ClockKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


CLOCK_TITLES: dict[ClockKind, str] = {
    ClockKind.FIRST_RESPONSE: "First response",
    ClockKind.NEXT_RESPONSE: "Next response",
    ClockKind.RESOLUTION: "Resolution",
}


@dataclass(frozen=True)
class Targets:
    """Targets in seconds of business time; None means no target for that clock."""

    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None

    def for_kind(self, kind: ClockKind) -> int | None:
        return getattr(self, kind.value)


@dataclass(frozen=True)
class PolicyRule:
    """Targets for tickets on `channel` with `priority`; '*' matches any."""

    channel: str
    priority: str
    targets: Targets
    calendar: str = "default"

    @property
    def label(self) -> str:
        return f"{self.channel}/{self.priority}"

    def specificity(self, channel: str, priority: str) -> int | None:
        """How well the rule fits, or None when it does not apply.

        Priority outranks channel, so an urgent rule for every channel beats a channel's
        general rule (urgent is urgent on email too).
        """
        if self.channel not in ("*", channel) or self.priority not in ("*", priority):
            return None
        return (2 if self.priority != "*" else 0) + (1 if self.channel != "*" else 0)


@dataclass(frozen=True)
class ResolvedPolicy:
    rule: PolicyRule
    calendar: BusinessCalendar

    @property
    def targets(self) -> Targets:
        return self.rule.targets


DEFAULT_PAUSED_STATUSES: frozenset[str] = frozenset({Status.PENDING, Status.ON_HOLD})
DEFAULT_WARNING_SHARE = 0.25

MINUTE = 60
HOUR = 3600


def default_calendars() -> dict[str, BusinessCalendar]:
    weekdays = ["09:00-18:00"]
    return {
        "default": BusinessCalendar.weekly(
            "default",
            "Europe/Warsaw",
            {day: weekdays for day in ("mon", "tue", "wed", "thu", "fri")},
        ),
        "24x7": BusinessCalendar.round_the_clock("24x7", "Europe/Warsaw"),
    }


def default_rules() -> tuple[PolicyRule, ...]:
    """The seed articles' numbers: email within a business hour, chat in minutes, urgent in 5."""
    return (
        PolicyRule("*", "*", Targets(1 * HOUR, 4 * HOUR, 24 * HOUR)),
        PolicyRule("email", "*", Targets(1 * HOUR, 4 * HOUR, 24 * HOUR)),
        PolicyRule("email", Priority.LOW, Targets(4 * HOUR, 8 * HOUR, 40 * HOUR)),
        PolicyRule("telegram", "*", Targets(5 * MINUTE, 15 * MINUTE, 8 * HOUR)),
        PolicyRule("*", Priority.URGENT, Targets(5 * MINUTE, 30 * MINUTE, 4 * HOUR)),
    )


@dataclass(frozen=True)
class SlaSettings:
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=default_calendars)
    rules: tuple[PolicyRule, ...] = field(default_factory=default_rules)
    paused_statuses: frozenset[str] = DEFAULT_PAUSED_STATUSES
    warning_share: float = DEFAULT_WARNING_SHARE

    def __post_init__(self) -> None:
        if not 0 <= self.warning_share < 1:
            raise SlaConfigError(
                f"warning_share {self.warning_share} must be at least 0 and below 1 "
                "(0.25 warns when a quarter of the target is left)"
            )
        for rule in self.rules:
            if rule.calendar not in self.calendars:
                raise SlaConfigError(
                    f"SLA rule {rule.label} uses calendar {rule.calendar!r}, which is not defined "
                    f"(defined: {', '.join(sorted(self.calendars)) or 'none'})"
                )
            for kind in ClockKind:
                target = rule.targets.for_kind(kind)
                if target is not None and target <= 0:
                    raise SlaConfigError(f"SLA rule {rule.label}: {kind.value} must be positive")
        bad = set(self.paused_statuses) - {s.value for s in Status} | (
            set(self.paused_statuses) & set(FINISHED_STATUSES)
        )
        if bad:
            raise SlaConfigError(
                f"paused_statuses may only name pending, on_hold, open or new; got {sorted(bad)}"
            )

    def policy_for(self, channel: str, priority: str) -> ResolvedPolicy | None:
        best: tuple[int, PolicyRule] | None = None
        for rule in self.rules:
            score = rule.specificity(channel, priority)
            # Later rules win ties, so an imported file can override a built-in line.
            if score is not None and (best is None or score >= best[0]):
                best = (score, rule)
        if best is None:
            return None
        return ResolvedPolicy(best[1], self.calendars[best[1].calendar])

    def counts(self, status: str) -> bool:
        """Whether SLA time runs while a ticket has this status."""
        return status not in self.paused_statuses and status not in FINISHED_STATUSES


# -- a ticket's history and its clocks ------------------------------------------------------


@dataclass(frozen=True)
class TicketHistory:
    """The facts the clocks are computed from.

    `customer_messages` are the customer's own messages (auto-replies left out by the caller);
    `agent_replies` are public replies that count: sent or queued by an agent, or a trainee
    draft at the moment a mentor approved it. Notes never appear here.
    """

    created_at: datetime
    channel: str
    priority: str
    created_by_agent: bool = False
    initial_status: str = Status.NEW
    status_changes: tuple[tuple[datetime, str], ...] = ()
    customer_messages: tuple[datetime, ...] = ()
    agent_replies: tuple[datetime, ...] = ()


class ClockState(StrEnum):
    MET = "met"
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"


START_REASONS: dict[ClockKind, str] = {
    ClockKind.FIRST_RESPONSE: "when the ticket was created",
    ClockKind.NEXT_RESPONSE: "at the oldest customer message not yet answered",
    ClockKind.RESOLUTION: "when the ticket was created",
}


@dataclass(frozen=True)
class SlaClock:
    kind: ClockKind
    target_seconds: int
    policy: str
    calendar: str
    started_at: datetime
    computed_at: datetime
    # When the clock stopped for good (first reply sent, ticket solved).
    stopped_at: datetime | None
    # Unknown (None) while paused: the due time depends on when the pause ends.
    due_at: datetime | None
    warn_at: datetime | None
    paused: bool
    used_seconds: float
    paused_seconds: float
    breached: bool

    @property
    def remaining_seconds(self) -> float:
        return self.target_seconds - self.used_seconds

    def state_at(self, now: datetime) -> ClockState:
        if self.stopped_at is not None:
            return ClockState.MET
        if self.paused:
            return ClockState.BREACHED if self.breached else ClockState.PAUSED
        if self.due_at is not None and now >= self.due_at:
            return ClockState.BREACHED
        if self.warn_at is not None and now >= self.warn_at:
            return ClockState.WARNING
        return ClockState.OK

    def to_json(self) -> dict[str, object]:
        def iso(moment: datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {
            "kind": self.kind.value,
            "target_seconds": self.target_seconds,
            "policy": self.policy,
            "calendar": self.calendar,
            "started_at": iso(self.started_at),
            "computed_at": iso(self.computed_at),
            "stopped_at": iso(self.stopped_at),
            "due_at": iso(self.due_at),
            "warn_at": iso(self.warn_at),
            "paused": self.paused,
            "used_seconds": round(self.used_seconds, 3),
            "paused_seconds": round(self.paused_seconds, 3),
            "breached": self.breached,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SlaClock:
        def moment(key: str) -> datetime | None:
            value = data.get(key)
            return datetime.fromisoformat(str(value)) if value else None

        return cls(
            kind=ClockKind(str(data["kind"])),
            target_seconds=int(data["target_seconds"]),  # type: ignore[call-overload]
            policy=str(data["policy"]),
            calendar=str(data["calendar"]),
            started_at=moment("started_at") or datetime.min.replace(tzinfo=UTC),
            computed_at=moment("computed_at") or datetime.min.replace(tzinfo=UTC),
            stopped_at=moment("stopped_at"),
            due_at=moment("due_at"),
            warn_at=moment("warn_at"),
            paused=bool(data["paused"]),
            used_seconds=float(data["used_seconds"]),  # type: ignore[arg-type]
            paused_seconds=float(data["paused_seconds"]),  # type: ignore[arg-type]
            breached=bool(data["breached"]),
        )


@dataclass(frozen=True)
class SlaClocks:
    """The clocks of one ticket plus what the queue needs to rank it."""

    clocks: tuple[SlaClock, ...]
    policy: str | None

    def get(self, kind: ClockKind) -> SlaClock | None:
        return next((c for c in self.clocks if c.kind == kind), None)

    @property
    def running(self) -> tuple[SlaClock, ...]:
        return tuple(c for c in self.clocks if c.stopped_at is None and not c.paused)

    @property
    def next_due_at(self) -> datetime | None:
        """The earliest deadline of a clock that is counting now."""
        dues = [c.due_at for c in self.running if c.due_at is not None]
        return min(dues) if dues else None

    @property
    def next_warn_at(self) -> datetime | None:
        """When the ticket becomes at risk: the earliest warning of a counting clock, or, for a
        paused clock already over its target, the moment it was computed."""
        moments = [c.warn_at for c in self.running if c.warn_at is not None]
        moments += [c.computed_at for c in self.clocks if c.paused and c.breached]
        return min(moments) if moments else None

    def worst_state(self, now: datetime) -> ClockState | None:
        order = [ClockState.BREACHED, ClockState.WARNING, ClockState.OK, ClockState.PAUSED]
        states = {c.state_at(now) for c in self.clocks}
        for state in order:
            if state in states:
                return state
        return ClockState.MET if states else None


def _at(change: tuple[datetime, str]) -> datetime:
    return change[0]


def _status_segments(
    history: TicketHistory, settings: SlaSettings, start: datetime, stop: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """Stretches of wall time from `start` (to `stop`) during which SLA time may count.

    The last stretch is open-ended (None) when the ticket's status counts now and the clock has
    not stopped. Calendar hours are applied later.
    """
    timeline = [
        (history.created_at, history.initial_status),
        *sorted(history.status_changes, key=_at),
    ]
    segments: list[tuple[datetime, datetime | None]] = []
    for index, (at, status) in enumerate(timeline):
        if not settings.counts(status):
            continue
        end = timeline[index + 1][0] if index + 1 < len(timeline) else None
        a = max(at, start)
        b = end
        if stop is not None:
            b = stop if b is None else min(b, stop)
        if b is not None and b <= a:
            continue
        segments.append((a, b))
    return segments


def _walk_to(
    calendar: BusinessCalendar,
    segments: list[tuple[datetime, datetime | None]],
    lengths: list[float | None],
    seconds: float,
) -> datetime | None:
    """The instant at which `seconds` of counting business time are reached, if they are."""
    remaining = seconds
    for (a, b), length in zip(segments, lengths, strict=True):
        if b is None or length is None:
            return calendar.add_business_seconds(a, remaining)
        if remaining <= length:
            return calendar.add_business_seconds(a, remaining)
        remaining -= length
    return None


def _compute_clock(
    kind: ClockKind,
    history: TicketHistory,
    settings: SlaSettings,
    policy: ResolvedPolicy,
    start: datetime,
    stop: datetime | None,
    now: datetime,
) -> SlaClock | None:
    target = policy.targets.for_kind(kind)
    if target is None:
        return None
    calendar = policy.calendar
    segments = _status_segments(history, settings, start, stop)
    limit = stop if stop is not None else max(now, start)
    # Each closed stretch's business length is computed once and used three times.
    lengths: list[float | None] = [
        calendar.business_seconds(a, b) if b is not None else None for a, b in segments
    ]
    used = counted_wall = 0.0
    for (a, b), length in zip(segments, lengths, strict=True):
        if a >= limit:
            continue
        if b is not None and b <= limit and length is not None:
            used += length
            counted_wall += (b - a).total_seconds()
        else:
            used += calendar.business_seconds(a, limit)
            counted_wall += (limit - a).total_seconds()
    paused_seconds = max(0.0, (limit - start).total_seconds() - counted_wall)
    paused = stop is None and not (segments and segments[-1][1] is None)
    due_at = _walk_to(calendar, segments, lengths, target)
    warn_at = _walk_to(calendar, segments, lengths, target * (1 - settings.warning_share))
    if stop is not None:
        breached = due_at is not None and due_at < stop
    elif paused:
        breached = used >= target
    else:
        breached = due_at is not None and due_at <= now
    return SlaClock(
        kind=kind,
        target_seconds=target,
        policy=policy.rule.label,
        calendar=calendar.name,
        started_at=start,
        computed_at=now,
        stopped_at=stop,
        due_at=None if paused else due_at,
        warn_at=None if paused else warn_at,
        paused=paused,
        used_seconds=used,
        paused_seconds=paused_seconds,
        breached=breached,
    )


def next_response_windows(history: TicketHistory) -> list[tuple[datetime, datetime | None]]:
    """(start, stop) of every next-response cycle, oldest first.

    A cycle starts at the first customer message after an agent reply and stops at the next
    agent reply; customer messages in between do not move its start.
    """
    replies = sorted(history.agent_replies)
    windows: list[tuple[datetime, datetime | None]] = []
    customer = sorted(history.customer_messages)
    for index, reply in enumerate(replies):
        following = replies[index + 1] if index + 1 < len(replies) else None
        waiting = [m for m in customer if m > reply and (following is None or m <= following)]
        if waiting:
            windows.append((waiting[0], following))
    return windows


def _next_response_window(history: TicketHistory) -> tuple[datetime, datetime | None] | None:
    """(start, stop) of the latest next-response cycle, or None when there is none."""
    windows = next_response_windows(history)
    return windows[-1] if windows else None


def _solved_at(history: TicketHistory) -> datetime | None:
    """When a finished ticket last became finished (solved -> closed keeps the solved time);
    None while it is not finished."""
    timeline = [
        (history.created_at, history.initial_status),
        *sorted(history.status_changes, key=_at),
    ]
    solved_at: datetime | None = None
    if timeline[-1][1] in FINISHED_STATUSES:
        for at, status in reversed(timeline):
            if status not in FINISHED_STATUSES:
                break
            solved_at = at
    return solved_at


def compute_clocks(history: TicketHistory, settings: SlaSettings, now: datetime) -> SlaClocks:
    now = ensure_utc(now)
    policy = settings.policy_for(history.channel, history.priority)
    if policy is None:
        return SlaClocks((), None)
    clocks: list[SlaClock] = []
    if not history.created_by_agent:
        first_reply = min(history.agent_replies, default=None)
        clock = _compute_clock(
            ClockKind.FIRST_RESPONSE,
            history,
            settings,
            policy,
            history.created_at,
            first_reply,
            now,
        )
        if clock:
            clocks.append(clock)
    window = _next_response_window(history)
    if window is not None:
        clock = _compute_clock(
            ClockKind.NEXT_RESPONSE, history, settings, policy, window[0], window[1], now
        )
        if clock:
            clocks.append(clock)
    clock = _compute_clock(
        ClockKind.RESOLUTION,
        history,
        settings,
        policy,
        history.created_at,
        _solved_at(history),
        now,
    )
    if clock:
        clocks.append(clock)
    return SlaClocks(tuple(clocks), policy.rule.label)


# -- every run of every clock, for reports -------------------------------------------------


@dataclass(frozen=True)
class ClockRun:
    """One run of an SLA clock as reports count it: the first response, each next-response
    cycle, the resolution. The same windows, business time and pauses as `compute_clocks`
    (which keeps only the latest next-response cycle); `tests/unit/test_sla.py` checks that
    the runs it shares with `compute_clocks` agree with it."""

    kind: ClockKind
    policy: str
    calendar: str
    target_seconds: int
    started_at: datetime
    # The reply that answered, or the moment the ticket was solved; None while it runs.
    stopped_at: datetime | None
    # Business seconds counted, time in paused statuses left out.
    used_seconds: float
    paused: bool
    breached: bool
    # When the target was passed (None while within it).
    breached_at: datetime | None
    # When the target passes if nothing else happens: `breached_at` once breached, else the
    # deadline of a clock that runs (None for a clock that stopped in time or is paused within
    # its target). Lets a stored run tell, at any later moment, whether it has breached since.
    due_at: datetime | None = None

    def breached_by(self, moment: datetime) -> bool:
        """Whether the run is (or, if nothing else happens, will be) breached at `moment`."""
        if self.stopped_at is not None:
            return self.breached
        return self.due_at is not None and self.due_at <= moment


def clock_runs(
    history: TicketHistory, settings: SlaSettings, now: datetime
) -> tuple[ClockRun, ...]:
    """Every clock run of one ticket's history, oldest start first (resolution last).

    Leaner than `compute_clocks` for a report over thousands of tickets: the status
    segments are found once per ticket, and deadlines are walked to only for runs that
    passed their target.
    """
    now = ensure_utc(now)
    policy = settings.policy_for(history.channel, history.priority)
    if policy is None:
        return ()
    windows: list[tuple[ClockKind, datetime, datetime | None]] = []
    if not history.created_by_agent:
        first_reply = min(history.agent_replies, default=None)
        windows.append((ClockKind.FIRST_RESPONSE, history.created_at, first_reply))
    windows.extend(
        (ClockKind.NEXT_RESPONSE, start, stop) for start, stop in next_response_windows(history)
    )
    windows.append((ClockKind.RESOLUTION, history.created_at, _solved_at(history)))
    everything = _status_segments(history, settings, history.created_at, None)
    calendar = policy.calendar
    runs: list[ClockRun] = []
    for kind, start, stop in windows:
        target = policy.targets.for_kind(kind)
        if target is None:
            continue
        segments = _clip_segments(everything, start, stop)
        limit = stop if stop is not None else max(now, start)
        used = 0.0
        for a, b in segments:
            if a >= limit:
                continue
            used += calendar.business_seconds(a, limit if b is None or b > limit else b)
        paused = stop is None and not (segments and segments[-1][1] is None)
        breached_at: datetime | None = None
        if used >= target:
            lengths: list[float | None] = [
                calendar.business_seconds(a, b) if b is not None else None for a, b in segments
            ]
            breached_at = _walk_to(calendar, segments, lengths, target)
        if stop is not None:
            breached = breached_at is not None and breached_at < stop
        else:
            breached = used >= target
        due_at = breached_at if breached else None
        if stop is None and not breached and not paused:
            lengths = [
                calendar.business_seconds(a, b) if b is not None else None for a, b in segments
            ]
            due_at = _walk_to(calendar, segments, lengths, target)
        runs.append(
            ClockRun(
                kind=kind,
                policy=policy.rule.label,
                calendar=calendar.name,
                target_seconds=target,
                started_at=start,
                stopped_at=stop,
                used_seconds=used,
                paused=paused,
                breached=breached,
                breached_at=breached_at if breached else None,
                due_at=due_at,
            )
        )
    return tuple(runs)


def _clip_segments(
    segments: list[tuple[datetime, datetime | None]], start: datetime, stop: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """The counting segments of a whole ticket cut to one clock's window (as
    `_status_segments` would have found them for that window)."""
    clipped: list[tuple[datetime, datetime | None]] = []
    for at, end in segments:
        a = max(at, start)
        b = end
        if stop is not None:
            b = stop if b is None else min(b, stop)
        if b is not None and b <= a:
            continue
        clipped.append((a, b))
    return clipped


# -- words for people -----------------------------------------------------------------------


def format_duration(seconds: float) -> str:
    """'1h 05m', '3m 20s', '3d 4h' — compact, for countdowns and explanations.

    Days only from 48 hours on: a '1d' of business time would read like a working day.
    """
    seconds = math.floor(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if seconds >= 48 * 3600:
        return f"{days}d {hours}h"
    hours += days * 24
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def business_seconds_left(clock: SlaClock, calendar: BusinessCalendar, now: datetime) -> float:
    """Business time left before the deadline; negative when overdue."""
    if clock.stopped_at is not None or clock.paused or clock.due_at is None:
        return clock.remaining_seconds
    if now <= clock.due_at:
        return calendar.business_seconds(now, clock.due_at)
    return -calendar.business_seconds(clock.due_at, now)


def _local(moment: datetime, calendar: BusinessCalendar) -> str:
    return moment.astimezone(calendar.zone).strftime("%a %d %b %H:%M")


def explain(clock: SlaClock, calendar: BusinessCalendar, now: datetime) -> str:
    """Why the clock shows what it shows, in plain sentences."""
    title = CLOCK_TITLES[clock.kind]
    state = clock.state_at(now)
    lines = [
        f"{title}: {state.value}. Target {format_duration(clock.target_seconds)} of business "
        f"time (policy {clock.policy}, calendar {calendar.describe()}).",
        f"Started {_local(clock.started_at, calendar)} {START_REASONS[clock.kind]}.",
    ]
    if clock.paused_seconds >= 1:
        lines.append(
            f"Paused {format_duration(clock.paused_seconds)} in all while waiting on the customer "
            "or on hold (paused time does not count)."
        )
    if clock.stopped_at is not None:
        verdict = "late" if clock.breached else "in time"
        what = "solved" if clock.kind is ClockKind.RESOLUTION else "answered"
        lines.append(
            f"Stopped {_local(clock.stopped_at, calendar)} when {what}, after "
            f"{format_duration(clock.used_seconds)} of business time: {verdict}."
        )
        return "\n".join(lines)
    if clock.paused:
        left = clock.remaining_seconds
        if left < 0:
            lines.append(
                f"Paused now; already {format_duration(-left)} over the target when it paused."
            )
        else:
            lines.append(
                f"Paused now with {format_duration(left)} left; the due time is set again when "
                "the ticket is reopened."
            )
        return "\n".join(lines)
    assert clock.due_at is not None
    left = business_seconds_left(clock, calendar, now)
    used = clock.target_seconds - left
    if left >= 0:
        lines.append(
            f"Used {format_duration(used)}, {format_duration(left)} left; due "
            f"{_local(clock.due_at, calendar)}."
        )
    else:
        lines.append(
            f"Breached: due {_local(clock.due_at, calendar)}, overdue by {format_duration(-left)} "
            "of business time."
        )
    if not calendar.is_open(now):
        resumes = _local(calendar.next_open(now), calendar)
        lines.append(f"Out of business hours now; the clock resumes {resumes}.")
    return "\n".join(lines)
