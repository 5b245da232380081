"""The supervisor's arithmetic, pure: statistics, periods, load by hour, clock runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.core import metrics
from supportdesk.core.metrics import (
    GroupBy,
    Period,
    PeriodKind,
    heatmap,
    local_hours,
    make_period,
    median,
    percentile,
)
from supportdesk.core.sla import (
    HOUR,
    MINUTE,
    BusinessCalendar,
    ClockKind,
    PolicyRule,
    SlaSettings,
    Targets,
    TicketHistory,
    clock_runs,
    compute_clocks,
    next_response_windows,
)

WARSAW = ZoneInfo("Europe/Warsaw")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(text: str, zone: ZoneInfo = WARSAW) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def office_settings(targets: Targets) -> SlaSettings:
    calendar = BusinessCalendar.weekly(
        "default",
        "Europe/Warsaw",
        {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    return SlaSettings(calendars={"default": calendar}, rules=(PolicyRule("*", "*", targets),))


# -- statistics -----------------------------------------------------------------------------


def test_median_of_odd_even_and_empty() -> None:
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None


def test_percentile_is_the_nearest_rank() -> None:
    values = list(range(1, 11))  # 1..10
    assert percentile(values, 0.9) == 9
    assert percentile(values, 0.91) == 10
    assert percentile([5], 0.9) == 5
    assert percentile([1, 2, 3], 0.9) == 3
    assert percentile([], 0.9) is None
    with pytest.raises(ValueError):
        percentile([1], 0)


# -- periods --------------------------------------------------------------------------------


def test_periods_begin_at_local_midnight_and_end_now() -> None:
    now = local("2026-11-23 15:30")
    today = make_period("today", now, WARSAW)
    assert (today.start, today.end) == (local("2026-11-23 00:00"), local("2026-11-23 15:30:01"))
    week = make_period("7d", now, WARSAW)
    assert week.first_day == date(2026, 11, 17) and len(week.days) == 7
    assert week.start == local("2026-11-17 00:00")


def test_thirty_days_across_the_autumn_clock_change() -> None:
    now = local("2026-11-05 12:00")
    month = make_period(PeriodKind.MONTH, now, WARSAW)
    assert month.first_day == date(2026, 10, 7)
    # 7 October is summer time (UTC+2): midnight there is 22:00 UTC the day before.
    assert month.start == datetime(2026, 10, 6, 22, 0, tzinfo=UTC)
    hours = local_hours(month)
    # 25 October 2026 had two 02:00 hours; 30 days in all, today up to 12:00:00 included.
    assert sum(hours.values()) == 29 * 24 + 1 + 13
    sunday = date(2026, 10, 25).weekday()
    assert hours[(sunday, 2)] == 5  # four Sundays, one of them with the hour twice


def test_custom_period_is_whole_days_cut_at_now() -> None:
    now = local("2026-11-23 15:30")
    past = make_period(
        "custom", now, WARSAW, first_day=date(2026, 11, 2), last_day=date(2026, 11, 8)
    )
    assert (past.start, past.end) == (local("2026-11-02 00:00"), local("2026-11-09 00:00"))
    running = make_period("custom", now, WARSAW, first_day=date(2026, 11, 20))
    assert running.last_day == date(2026, 11, 23) and running.end == local("2026-11-23 15:30:01")
    with pytest.raises(ValueError):
        make_period("custom", now, WARSAW)


# -- load by weekday and hour ---------------------------------------------------------------


def test_heatmap_uses_the_team_time_zone_even_at_half_hours() -> None:
    # Kolkata is UTC+05:30: a ticket at 03:40 UTC arrived at 09:10 there.
    now = local("2026-11-25 00:00", KOLKATA)
    period = make_period(
        "custom", now, KOLKATA, first_day=date(2026, 11, 23), last_day=date(2026, 11, 24)
    )
    heat = heatmap(
        period,
        [
            (datetime(2026, 11, 23, 3, 30, tzinfo=UTC), 11),
            (datetime(2026, 11, 23, 3, 35, tzinfo=UTC), 12),
            (datetime(2026, 11, 23, 3, 15, tzinfo=UTC), 10),
        ],
        [
            (datetime(2026, 11, 23, 3, 40, tzinfo=UTC), "ann"),
            (datetime(2026, 11, 23, 3, 50, tzinfo=UTC), "ann"),
            (datetime(2026, 11, 23, 3, 55, tzinfo=UTC), "pavel"),
        ],
    )
    monday = heat.cells[0]
    assert (monday[9].tickets, monday[8].tickets) == (2, 1)  # 09:00, 09:05 and 08:45 there
    assert monday[9].numbers == (11, 12)
    assert monday[9].agents == 2 and monday[9].per_agent == 1.0
    assert monday[9].hours == 1 and heat.cells[1][9].hours == 1 and heat.cells[2][9].hours == 0


def test_agents_answering_average_over_the_hours_of_the_period() -> None:
    now = local("2026-11-30 00:00")
    period = make_period(
        "custom", now, WARSAW, first_day=date(2026, 11, 16), last_day=date(2026, 11, 29)
    )
    replies = [
        (local("2026-11-16 10:05"), "ann"),
        (local("2026-11-16 10:45"), "pavel"),
        (local("2026-11-23 10:30"), "ann"),
    ]
    cell = heatmap(period, [], replies).cells[0][10]
    # Two Mondays: two agents on the first, one on the second.
    assert (cell.hours, cell.agent_hours, cell.agents) == (2, 3, 1.5)
    assert cell.per_agent == 0.0


# -- clock runs -----------------------------------------------------------------------------


def history_with_cycles() -> TicketHistory:
    return TicketHistory(
        created_at=local("2026-11-20 17:00"),
        channel="email",
        priority="normal",
        status_changes=(
            (local("2026-11-23 09:30"), "pending"),
            (local("2026-11-23 11:00"), "open"),
            (local("2026-11-23 12:00"), "solved"),
            (local("2026-11-23 14:00"), "open"),
        ),
        customer_messages=(
            local("2026-11-20 17:00"),
            local("2026-11-23 11:00"),
            local("2026-11-23 11:10"),
            local("2026-11-23 14:00"),
        ),
        agent_replies=(local("2026-11-23 09:30"), local("2026-11-23 12:00")),
    )


def test_every_next_response_cycle_is_listed() -> None:
    windows = next_response_windows(history_with_cycles())
    assert windows == [
        (local("2026-11-23 11:00"), local("2026-11-23 12:00")),
        (local("2026-11-23 14:00"), None),
    ]


def test_runs_agree_with_the_live_clocks() -> None:
    settings = office_settings(Targets(1 * HOUR, 30 * MINUTE, 8 * HOUR))
    history = history_with_cycles()
    now = local("2026-11-23 15:00")
    runs = clock_runs(history, settings, now)
    assert [r.kind for r in runs] == [
        ClockKind.FIRST_RESPONSE,
        ClockKind.NEXT_RESPONSE,
        ClockKind.NEXT_RESPONSE,
        ClockKind.RESOLUTION,
    ]
    live = compute_clocks(history, settings, now)
    for run, clock in (
        (runs[0], live.get(ClockKind.FIRST_RESPONSE)),
        (runs[2], live.get(ClockKind.NEXT_RESPONSE)),
        (runs[3], live.get(ClockKind.RESOLUTION)),
    ):
        assert clock is not None
        assert (run.started_at, run.stopped_at, run.paused, run.breached) == (
            clock.started_at,
            clock.stopped_at,
            clock.paused,
            clock.breached,
        )
        assert run.used_seconds == pytest.approx(clock.used_seconds)
    first, cycle, running, _resolution = runs
    # Friday 17:00-18:00 and Monday 09:00-09:30: 90 minutes; the hour was up on Friday.
    assert first.used_seconds == 90 * MINUTE
    assert first.breached and first.breached_at == local("2026-11-20 18:00")
    # 11:00 to 12:00: an hour against a 30-minute target.
    assert cycle.used_seconds == 60 * MINUTE and cycle.breached_at == local("2026-11-23 11:30")
    # Still running at 15:00: an hour used, breached at 14:30.
    assert running.stopped_at is None and running.breached_at == local("2026-11-23 14:30")


def test_a_paused_run_over_its_target_knows_when_it_passed() -> None:
    settings = office_settings(Targets(1 * HOUR, None, None))
    history = TicketHistory(
        created_at=local("2026-11-23 09:00"),
        channel="email",
        priority="normal",
        status_changes=((local("2026-11-23 11:00"), "pending"),),
        customer_messages=(local("2026-11-23 09:00"),),
    )
    (run,) = clock_runs(history, settings, local("2026-11-24 12:00"))
    assert run.paused and run.breached and run.breached_at == local("2026-11-23 10:00")
    assert metrics.outcome_of(run) == (local("2026-11-23 10:00"), False)


# -- figures --------------------------------------------------------------------------------


def test_grouping_files_each_fact_once() -> None:
    zone = WARSAW
    ticket = metrics.TicketFacts(7, "telegram", "high", local("2026-11-23 23:30"), "ann")
    log = metrics.ticket_log(
        ticket,
        new_work=True,
        replies=[(local("2026-11-24 00:10"), "ann")],
        solves=[],
        runs=[],
        replier_at={},
        solver_at={},
    )
    period = Period(
        PeriodKind.CUSTOM,
        local("2026-11-23 00:00"),
        local("2026-11-25 00:00"),
        date(2026, 11, 23),
        date(2026, 11, 24),
        "Europe/Warsaw",
    )
    facts = metrics.facts_in(period, [log])
    by_day = metrics.grouped(facts, GroupBy.DAY, zone)
    assert by_day["2026-11-23"].new == 1 and by_day["2026-11-23"].replies == 0
    assert by_day["2026-11-24"].replies == 1 and by_day["2026-11-24"].new == 0
    by_agent = metrics.grouped(facts, GroupBy.AGENT, zone)
    assert by_agent["ann"].new is None and by_agent["ann"].first_median is None
    outside = metrics.facts_in(
        Period(
            PeriodKind.CUSTOM,
            local("2026-11-25 00:00"),
            local("2026-11-26 00:00"),
            date(2026, 11, 25),
            date(2026, 11, 25),
            "Europe/Warsaw",
        ),
        [log],
    )
    assert metrics.total(outside).replies == 0 and metrics.total(outside).new == 0
