"""The SLA engine with a frozen clock: every expected instant worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportdesk.core.sla import (
    HOUR,
    MINUTE,
    BusinessCalendar,
    ClockKind,
    ClockState,
    PolicyRule,
    SlaConfigError,
    SlaSettings,
    Targets,
    TicketHistory,
    business_seconds_left,
    compute_clocks,
    explain,
    format_duration,
)

WARSAW = ZoneInfo("Europe/Warsaw")
KYIV = ZoneInfo("Europe/Kyiv")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def local(text: str, zone: ZoneInfo = WARSAW) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def office(zone: str = "Europe/Warsaw", holidays: tuple[date, ...] = ()) -> BusinessCalendar:
    return BusinessCalendar.weekly("office", zone, {d: ["09:00-18:00"] for d in WEEKDAYS}, holidays)


def settings_with(calendar: BusinessCalendar, targets: Targets) -> SlaSettings:
    return SlaSettings(
        calendars={"office": calendar},
        rules=(PolicyRule("*", "*", targets, calendar="office"),),
    )


def history(created: datetime, **kwargs: object) -> TicketHistory:
    return TicketHistory(created_at=created, channel="email", priority="normal", **kwargs)  # type: ignore[arg-type]


# -- calendar arithmetic --------------------------------------------------------------------


def test_overnight_span_resumes_next_morning() -> None:
    cal = office()
    due = cal.add_business_seconds(local("2026-11-23 17:30"), HOUR)  # a Monday
    assert due == local("2026-11-24 09:30")
    assert cal.business_seconds(local("2026-11-23 17:30"), due) == HOUR


def test_weekend_is_skipped() -> None:
    cal = office()
    due = cal.add_business_seconds(local("2026-11-27 17:45"), HOUR)  # Friday evening
    assert due == local("2026-11-30 09:45")
    assert cal.business_seconds(local("2026-11-28 10:00"), local("2026-11-29 20:00")) == 0


def test_holiday_is_skipped() -> None:
    cal = office(holidays=(date(2026, 12, 25),))
    due = cal.add_business_seconds(local("2026-12-24 17:30"), HOUR)  # Thursday before Christmas
    assert due == local("2026-12-28 09:30")


def test_target_longer_than_a_day() -> None:
    cal = office()
    # 24 business hours from Monday 10:00: 8h Monday, 9h Tuesday, 7h Wednesday.
    due = cal.add_business_seconds(local("2026-11-23 10:00"), 24 * HOUR)
    assert due == local("2026-11-25 16:00")


def test_several_ranges_a_day_with_a_lunch_break() -> None:
    cal = BusinessCalendar.weekly(
        "split", "Europe/Warsaw", {d: ["09:00-13:00", "14:00-18:00"] for d in WEEKDAYS}
    )
    due = cal.add_business_seconds(local("2026-11-23 12:30"), HOUR)
    assert due == local("2026-11-23 14:30")
    assert cal.is_open(local("2026-11-23 12:59"))
    assert not cal.is_open(local("2026-11-23 13:30"))


def test_dst_spring_forward_warsaw_round_the_clock() -> None:
    cal = BusinessCalendar.round_the_clock("24x7", "Europe/Warsaw")
    # Saturday noon + 24 real hours lands at 13:00 local: the night lost an hour.
    assert cal.add_business_seconds(local("2026-03-28 12:00"), 24 * HOUR) == local(
        "2026-03-29 13:00"
    )


def test_dst_working_hours_stay_local_warsaw() -> None:
    cal = office()
    # Friday 17:00 CET, 2h: one hour on Friday, one on Monday after the change to CEST.
    due = cal.add_business_seconds(local("2026-03-27 17:00"), 2 * HOUR)
    assert due == local("2026-03-30 10:00")
    assert due.astimezone(WARSAW).utcoffset() == timedelta(hours=2)
    assert due.astimezone(UTC) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_dst_day_length_follows_the_clock_change() -> None:
    sundays = BusinessCalendar.weekly("sun", "Europe/Warsaw", {"sun": ["00:00-24:00"]})
    spring = sundays.business_seconds(local("2026-03-29 00:00"), local("2026-03-30 00:00"))
    autumn = sundays.business_seconds(local("2026-10-25 00:00"), local("2026-10-26 00:00"))
    assert spring == 23 * HOUR
    assert autumn == 25 * HOUR


def test_dst_autumn_kyiv() -> None:
    cal = office("Europe/Kyiv")
    due = cal.add_business_seconds(local("2026-10-23 17:30", KYIV), HOUR)  # Friday, summer time
    assert due.astimezone(KYIV).replace(tzinfo=None) == datetime(2026, 10, 26, 9, 30)
    assert cal.business_seconds(local("2026-10-23 17:30", KYIV), due) == HOUR


def test_dst_spring_kyiv_range_over_the_skipped_hour() -> None:
    # Kyiv jumps 03:00 -> 04:00 on 29 March 2026; a 02:00-06:00 shift that night lasts 3 hours.
    night = BusinessCalendar.weekly("night", "Europe/Kyiv", {"sun": ["02:00-06:00"]})
    assert (
        night.business_seconds(local("2026-03-29 00:00", KYIV), local("2026-03-30 00:00", KYIV))
        == 3 * HOUR
    )


def test_dst_gap_inside_a_range_starts_when_the_clocks_jump() -> None:
    # Warsaw jumps 02:00 -> 03:00 on 29 March 2026: a shift "02:30-04:00" that night works
    # from the jump (03:00 summer time) to 04:00, one hour, not from a shifted 03:30.
    night = BusinessCalendar.weekly("night", "Europe/Warsaw", {"sun": ["02:30-04:00"]})
    intervals = night.day_intervals(date(2026, 3, 29))
    assert intervals == ((local("2026-03-29 03:00"), local("2026-03-29 04:00")),)
    assert intervals[0][0] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_bad_calendars_are_refused_with_reasons() -> None:
    with pytest.raises(SlaConfigError, match="no working hours"):
        BusinessCalendar.weekly("empty", "Europe/Warsaw", {})
    with pytest.raises(SlaConfigError, match="unknown time zone"):
        BusinessCalendar.weekly("x", "Mars/Olympus", {"mon": ["09:00-17:00"]})
    with pytest.raises(SlaConfigError, match="ends before it starts"):
        BusinessCalendar.weekly("x", "UTC", {"mon": ["18:00-09:00"]})
    with pytest.raises(SlaConfigError, match="unknown day"):
        BusinessCalendar.weekly("x", "UTC", {"monday": ["09:00-17:00"]})


# -- clocks ---------------------------------------------------------------------------------


TARGETS = Targets(first_response=HOUR, next_response=4 * HOUR, resolution=24 * HOUR)


def clocks_at(hist: TicketHistory, now: datetime, targets: Targets = TARGETS):
    return compute_clocks(hist, settings_with(office(), targets), now)


def test_first_response_running_warning_and_breached() -> None:
    hist = history(local("2026-11-23 10:00"))
    result = clocks_at(hist, local("2026-11-23 10:10"))
    first = result.get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    assert first.due_at == local("2026-11-23 11:00")
    assert first.warn_at == local("2026-11-23 10:45")
    assert first.state_at(local("2026-11-23 10:10")) is ClockState.OK
    assert first.state_at(local("2026-11-23 10:50")) is ClockState.WARNING
    assert first.state_at(local("2026-11-23 11:00")) is ClockState.BREACHED
    assert result.next_due_at == first.due_at


def test_first_response_met_by_the_first_reply() -> None:
    hist = history(local("2026-11-23 10:00"), agent_replies=(local("2026-11-23 10:40"),))
    first = clocks_at(hist, local("2026-11-23 12:00")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    assert first.state_at(local("2026-11-23 12:00")) is ClockState.MET
    assert not first.breached
    assert first.used_seconds == 40 * MINUTE


def test_late_first_reply_is_met_but_breached() -> None:
    hist = history(local("2026-11-23 10:00"), agent_replies=(local("2026-11-23 11:30"),))
    first = clocks_at(hist, local("2026-11-23 12:00")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None and first.breached
    assert first.state_at(local("2026-11-23 12:00")) is ClockState.MET


def test_agent_created_ticket_has_no_first_response_clock() -> None:
    hist = history(
        local("2026-11-23 10:00"), created_by_agent=True, agent_replies=(local("2026-11-23 10:00"),)
    )
    result = clocks_at(hist, local("2026-11-23 10:05"))
    assert result.get(ClockKind.FIRST_RESPONSE) is None
    assert result.get(ClockKind.RESOLUTION) is not None


def test_pending_pauses_and_reopening_resumes_with_time_used() -> None:
    hist = history(
        local("2026-11-23 10:00"),
        status_changes=(
            (local("2026-11-23 10:20"), "pending"),
            (local("2026-11-23 14:00"), "open"),
        ),
    )
    first = clocks_at(hist, local("2026-11-23 14:05")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    assert first.due_at == local("2026-11-23 14:40")
    assert first.paused_seconds == pytest.approx(3 * HOUR + 40 * MINUTE)

    paused_hist = history(
        local("2026-11-23 10:00"), status_changes=((local("2026-11-23 10:20"), "pending"),)
    )
    paused = clocks_at(paused_hist, local("2026-11-23 12:00")).get(ClockKind.FIRST_RESPONSE)
    assert paused is not None
    assert paused.state_at(local("2026-11-24 12:00")) is ClockState.PAUSED
    assert paused.due_at is None
    assert paused.remaining_seconds == 40 * MINUTE


def test_out_of_hours_pause_is_not_double_counted() -> None:
    # Pending over the night: neither the night nor the pending time count.
    hist = history(
        local("2026-11-23 17:00"),
        status_changes=(
            (local("2026-11-23 17:30"), "on_hold"),
            (local("2026-11-24 10:00"), "open"),
        ),
    )
    first = clocks_at(hist, local("2026-11-24 10:00")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    assert first.due_at == local("2026-11-24 10:30")


def test_reopen_after_solved_resumes_resolution_clock() -> None:
    hist = history(
        local("2026-11-23 10:00"),
        agent_replies=(local("2026-11-23 10:30"),),
        customer_messages=(local("2026-11-23 10:00"), local("2026-11-24 09:00")),
        status_changes=(
            (local("2026-11-23 12:00"), "solved"),
            (local("2026-11-24 09:00"), "open"),
        ),
    )
    result = clocks_at(hist, local("2026-11-24 09:01"))
    resolution = result.get(ClockKind.RESOLUTION)
    assert resolution is not None and resolution.stopped_at is None
    # 2h used on Monday; 22h more from Tuesday 09:00: Tue 9h, Wed 9h, Thu 4h.
    assert resolution.due_at == local("2026-11-26 13:00")
    nxt = result.get(ClockKind.NEXT_RESPONSE)
    assert nxt is not None and nxt.started_at == local("2026-11-24 09:00")


def test_solved_stops_resolution_and_closed_keeps_the_solved_time() -> None:
    hist = history(
        local("2026-11-23 10:00"),
        agent_replies=(local("2026-11-23 10:30"),),
        status_changes=(
            (local("2026-11-23 12:00"), "solved"),
            (local("2026-11-26 12:00"), "closed"),
        ),
    )
    resolution = clocks_at(hist, local("2026-11-27 09:00")).get(ClockKind.RESOLUTION)
    assert resolution is not None
    assert resolution.stopped_at == local("2026-11-23 12:00")
    assert resolution.state_at(local("2026-11-27 09:00")) is ClockState.MET
    assert resolution.used_seconds == 2 * HOUR


def test_several_customer_messages_in_a_row_do_not_move_next_response() -> None:
    hist = history(
        local("2026-11-23 10:00"),
        customer_messages=(
            local("2026-11-23 10:00"),
            local("2026-11-23 11:00"),
            local("2026-11-23 11:10"),
            local("2026-11-23 11:20"),
        ),
        agent_replies=(local("2026-11-23 10:30"),),
    )
    nxt = clocks_at(hist, local("2026-11-23 11:30")).get(ClockKind.NEXT_RESPONSE)
    assert nxt is not None
    assert nxt.started_at == local("2026-11-23 11:00")
    assert nxt.due_at == local("2026-11-23 15:00")

    answered = history(
        hist.created_at,
        customer_messages=hist.customer_messages,
        agent_replies=(local("2026-11-23 10:30"), local("2026-11-23 12:00")),
    )
    met = clocks_at(answered, local("2026-11-23 12:05")).get(ClockKind.NEXT_RESPONSE)
    assert met is not None and met.stopped_at == local("2026-11-23 12:00") and not met.breached


def test_no_next_response_before_the_first_reply() -> None:
    hist = history(
        local("2026-11-23 10:00"),
        customer_messages=(local("2026-11-23 10:00"), local("2026-11-23 10:05")),
    )
    assert clocks_at(hist, local("2026-11-23 10:10")).get(ClockKind.NEXT_RESPONSE) is None


def test_paused_clock_already_over_target_reports_breached() -> None:
    hist = history(
        local("2026-11-23 09:00"), status_changes=((local("2026-11-23 11:00"), "pending"),)
    )
    first = clocks_at(hist, local("2026-11-23 12:00")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None and first.paused
    assert first.state_at(local("2026-11-23 12:00")) is ClockState.BREACHED


def test_policy_precedence_urgent_beats_channel_rules() -> None:
    settings = SlaSettings()
    assert settings.policy_for("email", "normal").targets.first_response == HOUR  # type: ignore[union-attr]
    assert settings.policy_for("telegram", "normal").targets.first_response == 5 * MINUTE  # type: ignore[union-attr]
    assert settings.policy_for("email", "urgent").targets.first_response == 5 * MINUTE  # type: ignore[union-attr]
    assert settings.policy_for("telegram", "urgent").rule.label == "*/urgent"  # type: ignore[union-attr]


def test_settings_refuse_unknown_calendar_and_bad_share() -> None:
    with pytest.raises(SlaConfigError, match="calendar 'nope'"):
        SlaSettings(rules=(PolicyRule("*", "*", TARGETS, calendar="nope"),))
    with pytest.raises(SlaConfigError, match="warning_share"):
        SlaSettings(warning_share=1.5)


def test_business_time_left_counts_only_working_time() -> None:
    cal = office()
    hist = history(local("2026-11-23 17:30"))
    first = compute_clocks(hist, settings_with(cal, TARGETS), local("2026-11-23 17:40")).get(
        ClockKind.FIRST_RESPONSE
    )
    assert first is not None
    # At 20:00 the 20 minutes left are tomorrow's first 20 minutes.
    assert business_seconds_left(first, cal, local("2026-11-23 20:00")) == 50 * MINUTE - 20 * MINUTE
    assert business_seconds_left(first, cal, local("2026-11-24 10:00")) == -30 * MINUTE


def test_explain_says_when_why_and_how_much() -> None:
    cal = office()
    hist = history(
        local("2026-11-23 10:00"),
        status_changes=(
            (local("2026-11-23 10:20"), "pending"),
            (local("2026-11-23 14:00"), "open"),
        ),
    )
    now = local("2026-11-23 14:10")
    first = compute_clocks(hist, settings_with(cal, TARGETS), now).get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    text = explain(first, cal, now)
    assert "First response: ok" in text
    assert "Target 1h 00m" in text
    assert "Started Mon 23 Nov 10:00" in text
    assert "Paused 3h 40m" in text
    assert "30m 00s left; due Mon 23 Nov 14:40" in text

    night = explain(first, cal, local("2026-11-23 19:00"))
    assert "Breached" in night and "resumes Tue 24 Nov 09:00" in night


def test_clock_json_round_trip() -> None:
    hist = history(local("2026-11-23 10:00"))
    first = clocks_at(hist, local("2026-11-23 10:10")).get(ClockKind.FIRST_RESPONSE)
    assert first is not None
    from supportdesk.core.sla import SlaClock

    assert SlaClock.from_json(first.to_json()) == first


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (5, "5s"),
        (200, "3m 20s"),
        (3900, "1h 05m"),
        (2 * 86400 + 4 * 3600, "2d 4h"),
        (86400, "24h 00m"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
