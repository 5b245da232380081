"""The supervisor's figures on a small history built through real Desk calls with a frozen
clock, on SQLite and PostgreSQL: every number below was worked out by hand first.

The team's calendar is the default one: Monday to Friday 09:00-18:00, Europe/Warsaw (UTC+1
in November). Email: first response 1 h, next response 4 h, resolution 24 h of business time;
Telegram: 5 min, 15 min, 8 h. "Now" is Monday 23 November 2026, 15:30 in Warsaw.

    A  email     Fri 17:30 in; ann answers Mon 09:20 — 30 min on Friday + 20 min on Monday:
                 50 min of business time across the weekend (met)
    B  email     Mon 09:00 in; ann answers 09:10 and sets pending (first response 10 min); the
                 customer writes at 10:00 (reopens it); ann sets pending 10:30, open 12:30 and
                 answers 12:50, solving it: next response 30 + 20 = 50 min (paused 2 h); rated 5
    C  telegram  Mon 11:00 in; pavel answers 11:03 and solves (3 min); the customer writes again
                 at 14:00 (reopened); pavel answers 14:30 and solves: next response 30 min,
                 15 min over its target (breached at 14:15); rated 2
    D  email     Mon 13:00 in; nobody answers: first response breached at 14:00, unassigned
    E  email     Mon 14:40 in; trainee kasia's reply at 14:50 waits for review: not an answer;
                 at 15:30 50 of 60 minutes are used (at risk, due 15:40)
    F  email     Mon 09:30 in; ann answers 09:50 (20 min); at 15:28 she starts another reply
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from supportdesk.clock import FrozenClock
from supportdesk.core.metrics import NOBODY
from supportdesk.store import dto
from supportdesk.store.desk import Desk, InvalidInput

WARSAW = ZoneInfo("Europe/Warsaw")
MINUTE = 60


def at(text: str) -> datetime:
    """A Warsaw wall-clock time in the week of Friday 20 November 2026."""
    return datetime.fromisoformat(text).replace(tzinfo=WARSAW).astimezone(UTC)


def receive(
    desk: Desk, clock: FrozenClock, who: str, *, channel: str = "email", **kw: object
) -> int:
    fields: dict[str, object] = {
        "channel": channel,
        "account": "support" if channel == "email" else "bot",
        "identity_kind": "email" if channel == "email" else "telegram",
        "identity_value": who,
        "sender_name": who,
        "subject": f"question from {who}",
        "text": "Hello, something is wrong.",
        "at": clock.now(),
    }
    fields.update(kw)
    return desk.acting_as(None).receive(**fields).ticket_number  # type: ignore[arg-type]


@pytest.fixture
def history(desk: Desk, clock: FrozenClock) -> dict[str, int]:
    ann, pavel, kasia = desk.acting_as("ann"), desk.acting_as("pavel"), desk.acting_as("kasia")
    t: dict[str, int] = {}
    clock.set(at("2026-11-20 17:30"))
    t["A"] = receive(desk, clock, "a@example.com")
    clock.set(at("2026-11-23 09:00"))
    t["B"] = receive(desk, clock, "b@example.com")
    clock.set(at("2026-11-23 09:10"))
    ann.queue_reply(t["B"], "We are on it.", status_after="pending")
    clock.set(at("2026-11-23 09:20"))
    ann.queue_reply(t["A"], "Good morning, here is how.")
    clock.set(at("2026-11-23 09:30"))
    t["F"] = receive(desk, clock, "f@example.com")
    clock.set(at("2026-11-23 09:50"))
    ann.queue_reply(t["F"], "Let me check.")
    clock.set(at("2026-11-23 10:00"))
    receive(desk, clock, "b@example.com", ticket_number=t["B"])
    clock.set(at("2026-11-23 10:30"))
    ann.set_status(t["B"], "pending")
    clock.set(at("2026-11-23 11:00"))
    t["C"] = receive(desk, clock, "4242", channel="telegram")
    clock.set(at("2026-11-23 11:03"))
    pavel.queue_reply(t["C"], "Fixed.", status_after="solved")
    clock.set(at("2026-11-23 12:30"))
    ann.set_status(t["B"], "open")
    clock.set(at("2026-11-23 12:50"))
    ann.queue_reply(t["B"], "Done.", status_after="solved")
    clock.set(at("2026-11-23 13:00"))
    t["D"] = receive(desk, clock, "d@example.com")
    clock.set(at("2026-11-23 14:00"))
    receive(desk, clock, "4242", channel="telegram", ticket_number=t["C"])
    clock.set(at("2026-11-23 14:30"))
    pavel.queue_reply(t["C"], "Fixed again.", status_after="solved")
    clock.set(at("2026-11-23 14:40"))
    t["E"] = receive(desk, clock, "e@example.com")
    clock.set(at("2026-11-23 14:50"))
    kasia.queue_reply(t["E"], "Dzień dobry, sprawdzę to.")
    clock.set(at("2026-11-23 15:00"))
    desk.rate(t["B"], 5, channel="email")
    desk.rate(t["C"], 2, channel="telegram")
    clock.set(at("2026-11-23 15:28"))
    ann.save_draft(t["F"], "reply", "Still checking…")
    clock.set(at("2026-11-23 15:30"))
    return t


def test_per_agent_figures_of_today(desk: Desk, history: dict[str, int]) -> None:
    t = history
    report = desk.team_report(desk.report_period("today"), "agent", extras=True)
    assert report.period.start == at("2026-11-23 00:00")
    assert report.period.end == at("2026-11-23 15:30:01")  # now included
    ann, pavel, kasia = (report.row(name) for name in ("ann", "pavel", "kasia"))
    assert ann is not None and pavel is not None and kasia is not None

    assert (ann.answered, ann.replies, ann.solved) == (3, 4, 1)
    # A 50 min across the weekend, B 10 min, F 20 min.
    assert ann.first_count == 3
    assert ann.first_median == 20 * MINUTE
    assert ann.first_p90 == 50 * MINUTE
    # B: 10:00-10:30 and 12:30-12:50 count; the two hours pending do not.
    assert (ann.next_count, ann.next_median, ann.next_p90) == (1, 50 * MINUTE, 50 * MINUTE)
    # A, B and F first responses, B's next response, B's resolution.
    assert (ann.sla_met, ann.sla_missed, ann.sla_compliance) == (5, 0, 1.0)
    assert (ann.ratings, ann.csat_average, ann.negative_share) == (1, 5.0, 0.0)
    assert (ann.backlog, ann.claimed) == (2, 1)
    period = report.period
    assert desk.report_tickets(period, "backlog", row="ann") == tuple(sorted((t["A"], t["F"])))
    assert desk.report_tickets(period, "claimed", row="ann") == (t["F"],)
    assert desk.report_tickets(period, "answered", row="ann") == tuple(
        sorted((t["A"], t["B"], t["F"]))
    )

    # C was solved twice (reopened in between): one ticket solved.
    assert (pavel.answered, pavel.replies, pavel.solved) == (1, 2, 1)
    assert (pavel.first_count, pavel.first_median) == (1, 3 * MINUTE)
    assert (pavel.next_count, pavel.next_median, pavel.next_p90) == (1, 30 * MINUTE, 30 * MINUTE)
    # First response and resolution met; the next response 15 minutes late.
    assert (pavel.sla_met, pavel.sla_missed) == (2, 1)
    assert desk.report_tickets(period, "sla_missed", row="pavel") == (t["C"],)
    assert (pavel.ratings, pavel.csat_average, pavel.negative, pavel.negative_share) == (
        1,
        2.0,
        1,
        1.0,
    )

    # A reply waiting for review is no answer yet.
    assert (kasia.answered, kasia.replies, kasia.first_count) == (0, 0, 0)
    assert kasia.backlog == 1
    assert report.agent("kasia") == dto.AgentBrief(
        "kasia", "Kasia Wiśniewska", "trainee", True, awaiting_review=1
    )

    # D's first response ran out at 14:00 with nobody on it.
    nobody = report.row(NOBODY)
    assert nobody is not None
    assert (nobody.sla_met, nobody.sla_missed) == (0, 1)
    assert desk.report_tickets(period, "sla_missed", row=NOBODY) == (t["D"],)

    total = report.total
    assert total.new == 5  # B, C, D, E, F (A came on Friday)
    assert (total.answered, total.replies, total.solved) == (4, 6, 2)
    # First responses 3, 10, 20 and 50 minutes; next responses 30 and 50 minutes.
    assert (total.first_median, total.first_p90) == (15 * MINUTE, 50 * MINUTE)
    assert (total.next_median, total.next_p90) == (40 * MINUTE, 50 * MINUTE)
    assert (total.sla_met, total.sla_missed) == (7, 2)
    assert total.sla_compliance == pytest.approx(7 / 9)
    assert (total.ratings, total.csat_average, total.negative_share) == (2, 3.5, 0.5)


def test_the_week_includes_fridays_ticket(desk: Desk, history: dict[str, int]) -> None:
    report = desk.team_report(desk.report_period("7d"), "channel")
    assert report.period.first_day == date(2026, 11, 17)
    email, telegram = report.row("email"), report.row("telegram")
    assert email is not None and telegram is not None
    assert (email.new, telegram.new) == (5, 1)
    assert report.total.new == 6


def test_by_day_and_by_hour(desk: Desk, history: dict[str, int]) -> None:
    by_day = desk.team_report(desk.report_period("7d"), "day")
    assert [row.key for row in by_day.rows] == [f"2026-11-{d}" for d in range(17, 24)]
    friday, monday = by_day.row("2026-11-20"), by_day.row("2026-11-23")
    assert friday is not None and monday is not None
    assert (friday.new, friday.replies) == (1, 0)
    assert (monday.new, monday.replies, monday.first_count) == (5, 6, 4)

    by_hour = desk.team_report(desk.report_period("today"), "hour")
    assert len(by_hour.rows) == 24
    nine = by_hour.row("09")
    assert nine is not None
    # B and F came in, three replies went out (B, A, F) in the nine o'clock hour.
    assert (nine.new, nine.replies, nine.first_count) == (2, 3, 3)


def test_heatmap_and_trend(desk: Desk, history: dict[str, int]) -> None:
    report = desk.team_report(desk.report_period("today"), "agent", extras=True)
    heat = report.heatmap
    assert heat is not None and heat.timezone == "Europe/Warsaw"
    monday = heat.cells[0]
    assert [cell.tickets for cell in monday[8:16]] == [0, 2, 0, 1, 0, 1, 1, 0]
    # Hours 00-15 of Monday have happened once; the rest of the week not at all.
    assert [cell.hours for cell in monday] == [1] * 16 + [0] * 8
    assert all(cell.hours == 0 for day in heat.cells[1:] for cell in day)
    # ann answered at 9 and 12, pavel at 11 and 14.
    assert [monday[h].agents for h in (9, 11, 12, 14, 15)] == [1, 1, 1, 1, 0]
    assert heat.peak() == (0, 9)
    trend = report.trend
    assert trend is not None and len(trend.labels) == 24  # a single day goes by hour
    assert trend.volume[9] == 2 and sum(trend.volume) == 5
    assert trend.first_median[9] == 20 * MINUTE  # A 50, B 10, F 20 minutes
    # D missed at 14:00, C's next response at 14:15; C's resolution met at 14:30.
    assert trend.compliance[14] == pytest.approx(1 / 3)
    # Opening a cell of the grid, or a figure of the team, lists its tickets.
    t = history
    assert desk.report_tickets(report.period, "new", weekday=0, hour=9) == tuple(
        sorted((t["B"], t["F"]))
    )
    assert desk.report_tickets(report.period, "new") == tuple(
        sorted(t[k] for k in ("B", "C", "D", "E", "F"))
    )
    week = desk.report_period("7d")
    assert desk.report_tickets(week, "new", by="channel", row="telegram") == (t["C"],)
    assert desk.report_tickets(week, "sla_met", by="day", row="2026-11-20") == ()
    with pytest.raises(InvalidInput, match="unknown figure"):
        desk.report_tickets(week, "speed")
    with pytest.raises(InvalidInput, match="weekday 0-6"):
        desk.report_tickets(week, "new", weekday=7, hour=9)


def test_queue_health_now(desk: Desk, history: dict[str, int]) -> None:
    t = history
    health = desk.queue_health()
    total = health.total
    assert (total.open, total.unassigned, total.pending, total.at_risk, total.breached) == (
        4,
        1,
        0,
        1,
        1,
    )
    # D has waited since 13:00 (E since 14:40; A and F were answered).
    assert (total.oldest_waiting_since, total.oldest_waiting_ticket) == (
        at("2026-11-23 13:00"),
        t["D"],
    )
    email = next(r for r in health.by_channel if r.channel == "email")
    telegram = next(r for r in health.by_channel if r.channel == "telegram")
    assert (email.open, telegram.open) == (4, 0)
    normal = next(r for r in health.by_priority if r.priority == "normal")
    assert normal.open == 4
    # E is due at 15:40: within 15 minutes of business time, and within 60.
    assert [(f.minutes, f.tickets) for f in health.forecasts] == [(15, 1), (60, 1)]
    assert health.awaiting_review == 1
    assert [s.number for s in desk.health_tickets("breached").tickets] == [t["D"]]
    assert [s.number for s in desk.health_tickets("at_risk").tickets] == [t["E"]]
    assert [s.number for s in desk.health_tickets("forecast_15").tickets] == [t["E"]]
    assert {s.number for s in desk.health_tickets("open", channel="email").tickets} == {
        t["A"],
        t["D"],
        t["E"],
        t["F"],
    }
    assert [s.number for s in desk.health_tickets("unassigned").tickets] == [t["D"]]
    assert [s.number for s in desk.tickets_by_number([t["A"], t["C"]])] == [t["C"], t["A"]]


def test_out_of_hours_forecast_counts_business_minutes(
    desk: Desk, clock: FrozenClock, history: dict[str, int]
) -> None:
    # At 17:50 E's clock is long breached; a new email at 17:55 is due at 09:55 tomorrow,
    # and the first business hour of tomorrow holds its deadline.
    clock.set(at("2026-11-23 17:55"))
    receive(desk, clock, "late@example.com")
    health = desk.queue_health()
    assert [(f.minutes, f.tickets) for f in health.forecasts] == [(15, 0), (60, 1)]


def test_custom_period_and_refusals(desk: Desk, history: dict[str, int]) -> None:
    period = desk.report_period("custom", first_day=date(2026, 11, 20), last_day=date(2026, 11, 20))
    report = desk.team_report(period, "agent")
    assert report.total.new == 1 and report.total.replies == 0
    assert period.end == at("2026-11-21 00:00")
    with pytest.raises(InvalidInput, match="period"):
        desk.report_period("fortnight")
    with pytest.raises(InvalidInput, match="before it starts"):
        desk.report_period("custom", first_day=date(2026, 11, 20), last_day=date(2026, 11, 19))
    with pytest.raises(InvalidInput, match="grouping"):
        desk.team_report(period, "weekday")


def test_a_refresh_reuses_finished_tickets_and_sees_changes(
    desk: Desk, clock: FrozenClock, history: dict[str, int]
) -> None:
    t = history
    period = desk.report_period("today")
    first = desk.team_report(period, "agent")
    again = desk.team_report(period, "agent")
    assert first.rows == again.rows
    # C is finished (its log is kept); the customer writing again reopens it, and its
    # resolution, met at 14:30, is running again: no longer decided.
    receive(desk, clock, "4242", channel="telegram", ticket_number=t["C"])
    pavel = desk.team_report(period, "agent").row("pavel")
    assert pavel is not None and (pavel.sla_met, pavel.sla_missed) == (1, 1)
