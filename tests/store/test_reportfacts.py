"""Stored report facts agree with a full recompute from each ticket's history, and reports from
them agree figure for figure (and ticket for ticket) with reports that replay every history —
on the demo database, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from supportdesk.clock import FrozenClock
from supportdesk.core import metrics
from supportdesk.core.sla import clock_runs
from supportdesk.store import dto
from supportdesk.store.db import Database
from supportdesk.store.demo import build_demo
from supportdesk.store.desk import Desk
from supportdesk.store.models import ReportFact, Ticket
from supportdesk.store.reportcounts import utc_offsets
from supportdesk.store.reportfacts import fact_rows, facts_key
from supportdesk.store.reports import DRILL_FIGURES
from supportdesk.store.slastore import _load
from supportdesk.store.teamsettings import default_settings

# A Tuesday 15:10 in Warsaw: business hours, so running clocks tick.
NOW = datetime(2026, 11, 24, 14, 10, tzinfo=UTC)


@pytest.fixture
def demo(database: Database) -> Database:
    build_demo(database, now=NOW)
    return database


Row = tuple[Any, ...]


def _order(row: Row) -> tuple[Any, ...]:
    return tuple((value is None, value) for value in row)


def _same(rows: list[Row]) -> list[Row]:
    """Sorted, with business seconds to the millisecond (PostgreSQL and SQLite both keep
    doubles, but a recompute may add the same seconds up in another order)."""
    return sorted(
        ((*row[:4], None if row[4] is None else round(row[4], 3), row[5]) for row in rows),
        key=_order,
    )


def stored_rows(database: Database) -> list[Row]:
    """(ticket id, kind, at, agent id, seconds, due at) of every stored fact."""
    with database.read_session() as session:
        return _same(
            [
                (f.ticket_id, f.kind, f.at, f.agent_id, f.seconds, f.due_at)
                for f in session.scalars(select(ReportFact))
            ]
        )


def recomputed_rows(database: Database, now: datetime) -> list[Row]:
    """Every ticket's facts worked out afresh from its stored history."""
    sla = default_settings().sla
    fields = ("ticket_id", "kind", "at", "agent_id", "seconds", "due_at")
    rows = []
    with database.read_session() as session:
        tickets = session.scalars(select(Ticket)).all()
        for ticket_id, (history, record) in _load(session, tickets).items():
            for fact in fact_rows(ticket_id, record, clock_runs(history, sla, now)):
                rows.append(tuple(fact[name] for name in fields))
    return _same(rows)


def test_demo_facts_agree_with_a_full_recompute(demo: Database) -> None:
    stored = stored_rows(demo)
    assert len(stored) > 2000
    assert {row[1] for row in stored} == {
        "new",
        "reply",
        "solve",
        "first_response",
        "next_response",
        "resolution",
    }
    # Running clocks know when they will breach; some have, by now.
    assert any(row[2] is None and row[5] is not None and row[5] <= NOW for row in stored)
    assert any(row[2] is None and row[5] is not None and row[5] > NOW for row in stored)
    assert stored == recomputed_rows(demo, NOW)
    with demo.read_session() as session:
        keys = set(session.scalars(select(Ticket.report_key)))
    assert keys == {facts_key(default_settings())}


def test_recompute_sla_stores_the_same_facts_again(demo: Database) -> None:
    """The Desk's own recompute (every ticket, once their facts are marked out of date)
    writes exactly what the demo builder wrote."""
    before = stored_rows(demo)
    with demo.write_engine.begin() as connection:
        connection.execute(update(Ticket).values(report_key=None))
    count = Desk(demo, FrozenClock(NOW)).recompute_sla()
    with demo.read_session() as session:
        assert count == session.scalar(select(func.count()).select_from(Ticket))
        assert set(session.scalars(select(Ticket.report_key))) == {facts_key(default_settings())}
    assert stored_rows(demo) == before


def figures(report: dto.TeamReport) -> list[Any]:
    return [*report.rows, report.total, report.trend, report.heatmap, report.agents]


def drills(desk: Desk, report: dto.TeamReport) -> list[Any]:
    """The tickets behind every figure of every row, and behind every cell of the grid."""
    keys = [*(row.key for row in report.rows), None]
    found: list[Any] = [
        (key, what, desk.report_tickets(report.period, what, by=report.by, row=key))
        for key in keys
        for what in DRILL_FIGURES
    ]
    heat = report.heatmap
    assert heat is not None
    found += [
        (day, hour, desk.report_tickets(report.period, "new", weekday=day, hour=hour))
        for day in range(7)
        for hour in range(24)
        if heat.cells[day][hour].tickets
    ]
    return found


def counted(figures: Any) -> dict[str, int]:
    """How many tickets each figure's drill-down must list, from the figures themselves."""
    return {
        "new": figures.new,
        "answered": figures.answered,
        "solved": figures.solved,
        "backlog": figures.backlog,
        "claimed": figures.claimed,
    }


@pytest.mark.parametrize(
    ("later", "every"),
    [(timedelta(0), 1), (timedelta(hours=3, minutes=20), 2)],
    ids=["now-all-replayed", "later-half-replayed"],
)
def test_reports_from_stored_facts_equal_reports_replayed_from_history(
    demo: Database, later: timedelta, every: int
) -> None:
    """Every grouping and period, now and later the same day (running clocks breach
    meanwhile), with the stored facts and with every ticket (or every other one) replayed
    from its history."""
    clock = FrozenClock(NOW + later)
    desk = Desk(demo, clock)
    periods = [
        desk.report_period("today"),
        desk.report_period("7d"),
        desk.report_period("30d"),
        desk.report_period(
            "custom",
            first_day=datetime(2026, 11, 16).date(),
            last_day=datetime(2026, 11, 18).date(),
        ),
        # Across the end of summer time (Sunday 25 October, 03:00 -> 02:00 in Warsaw).
        desk.report_period(
            "custom",
            first_day=datetime(2026, 10, 20).date(),
            last_day=datetime(2026, 11, 24).date(),
        ),
    ]
    groupings = ("agent", "channel", "day", "hour")
    stored = [
        figures(desk.team_report(period, by, extras=True)) for period in periods for by in groupings
    ]
    with demo.write_engine.begin() as connection:
        connection.execute(
            update(Ticket).where(Ticket.id % every == 0).values(report_key="out-of-date")
        )
    replayed_desk = Desk(demo, clock)
    replayed = [
        figures(replayed_desk.team_report(period, by, extras=True))
        for period in periods
        for by in groupings
    ]
    assert stored == replayed
    total = stored[8][-4]  # 30 days by agent (each list: rows, total, trend, heatmap, agents)
    assert total.first_count > 100 and total.sla_missed > 0 and total.ratings > 10


def test_the_tickets_behind_each_figure_are_as_many_as_it_says_and_the_same_replayed(
    demo: Database,
) -> None:
    """A figure opened lists the tickets it counts (stored facts and replayed histories
    alike), and every ticket count of the report equals the length of its list."""
    desk = Desk(demo, FrozenClock(NOW))
    reports = [
        desk.team_report(desk.report_period(kind), by, extras=True)
        for kind, by in (("7d", "agent"), ("30d", "channel"), ("today", "day"))
    ]
    stored = [drills(desk, report) for report in reports]
    for report, lists in zip(reports, stored, strict=True):
        rows = {row.key: row for row in report.rows} | {None: report.total}
        heat = report.heatmap
        assert heat is not None
        for first, second, numbers in lists:
            if isinstance(first, int) and isinstance(second, int):
                assert len(numbers) == heat.cells[first][second].tickets
                continue
            expected = counted(rows[first]).get(second)
            if expected is not None:
                assert len(numbers) == expected, (report.by, first, second)
    assert any(numbers for report in stored for *_key, numbers in report)
    with demo.write_engine.begin() as connection:
        connection.execute(update(Ticket).values(report_key="out-of-date"))
    replayed_desk = Desk(demo, FrozenClock(NOW))
    assert [drills(replayed_desk, report) for report in reports] == stored


def test_a_change_refreshes_the_tickets_facts(demo: Database) -> None:
    clock = FrozenClock(NOW)
    desk = Desk(demo, clock, agent="ann")
    with demo.read_session() as session:
        ticket = session.scalars(
            select(Ticket).where(Ticket.status == "new").order_by(Ticket.number)
        ).first()
        assert ticket is not None
        number, ticket_id = ticket.number, ticket.id
    desk.queue_reply(number, "Hello, we are looking into it.")
    with demo.read_session() as session:
        facts = session.scalars(select(ReportFact).where(ReportFact.ticket_id == ticket_id)).all()
    replies = [f for f in facts if f.kind == "reply"]
    (first,) = [f for f in facts if f.kind == "first_response"]
    assert [f.at for f in replies] == [NOW] and first.at == NOW
    assert first.seconds is not None and first.seconds > 0
    today = desk.team_report(desk.report_period("today"), "agent")
    assert number in desk.report_tickets(today.period, "first_response", row="ann")


def test_the_team_zones_offsets_over_a_period_change_at_the_second_summer_time_ends() -> None:
    desk_period = metrics.make_period(
        "custom",
        datetime(2026, 11, 24, 14, 10, tzinfo=UTC),
        ZoneInfo("Europe/Warsaw"),
        first_day=datetime(2026, 10, 20).date(),
        last_day=datetime(2026, 11, 1).date(),
    )
    assert utc_offsets(desk_period) == [
        (datetime(2026, 10, 19, 22, 0, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 3600),
    ]
    november = metrics.make_period(
        "custom",
        datetime(2026, 11, 24, 14, 10, tzinfo=UTC),
        ZoneInfo("Europe/Warsaw"),
        first_day=datetime(2026, 11, 2).date(),
        last_day=datetime(2026, 11, 8).date(),
    )
    assert utc_offsets(november) == [(datetime(2026, 11, 1, 23, 0, tzinfo=UTC), 3600)]


def test_figures_across_the_end_of_summer_time_counted_by_the_database_and_replayed(
    database: Database,
) -> None:
    """Two weeks of demo history around Sunday 25 October (a 25-hour day in Warsaw): days,
    hours, the trend and the load grid the same counted by the database as replayed."""
    now = datetime(2026, 10, 27, 14, 10, tzinfo=UTC)
    build_demo(database, now=now)
    desk = Desk(database, FrozenClock(now))
    sunday = datetime(2026, 10, 25).date()
    periods = [
        desk.report_period("7d"),
        desk.report_period("custom", first_day=sunday, last_day=sunday),
    ]
    asked = [(period, by) for period in periods for by in ("day", "hour", "agent")]
    stored = [figures(desk.team_report(period, by, extras=True)) for period, by in asked]
    with database.write_engine.begin() as connection:
        connection.execute(update(Ticket).values(report_key="out-of-date"))
    replayed_desk = Desk(database, FrozenClock(now))
    replayed = [figures(replayed_desk.team_report(p, by, extras=True)) for p, by in asked]
    assert stored == replayed
    week_by_day = stored[0]
    trend = week_by_day[-3]
    assert trend.labels[4] == "2026-10-25" and trend.volume[4] > 0  # new on the Sunday
    assert week_by_day[-4].sla_met > 0 and week_by_day[-4].first_count > 0
