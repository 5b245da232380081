"""Supervisor benchmark: a 30-day report and the dashboard's first paint on a big database.

    python bench/report.py --scale 100000 [--pg-url postgresql://postgres@127.0.0.1/test]

For SQLite and PostgreSQL it builds a demo database of --scale tickets (a year of history)
and times, on a read-only session as the supervisor uses it:

- report 30 days: `Desk.team_report()` per agent for the last 30 days, from nothing (a new
  Desk each time), against three baselines measured alongside — a bare COUNT of the period's
  tickets (what a figure "computed in SQL" costs at the least); the bare read of the period's
  stored report facts (`report_fact` rows joined to their tickets: what the report reads);
  and the bare read of the rows a replay of every SLA clock would need (the period's tickets
  with their messages and status changes: the floor of the way reports were made before
  facts were stored). Goal: under 1 second.
- report again: the same report once more on the same Desk (a live refresh).
- queue now: `Desk.queue_health()` against a bare COUNT of the active tickets.
- first paint: headless, from creating the app to the dashboard showing the queue now, and
  to showing the period's figures too (7 days, the default; and 30 days). Goal: under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import DEFAULT_PG_URL, postgres_database, sqlite_database  # noqa: E402
from supportdesk.__main__ import make_app  # noqa: E402
from supportdesk.clock import FrozenClock  # noqa: E402
from supportdesk.config import load_settings  # noqa: E402
from supportdesk.core.enums import ACTIVE_STATUSES  # noqa: E402
from supportdesk.screens.supervisor import SupervisorScreen  # noqa: E402
from supportdesk.store.db import Database, open_database  # noqa: E402
from supportdesk.store.demo import build_demo  # noqa: E402
from supportdesk.store.desk import Desk  # noqa: E402
from supportdesk.store.models import Event, Message, ReportFact, Ticket  # noqa: E402

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # a Monday afternoon in Warsaw


@dataclass
class Samples:
    """Milliseconds per run: wall clock, and this process's CPU time (on a busy shared
    machine the wall clock mostly measures the others; CPU time does not count waiting for a
    core — nor, on PostgreSQL, the server's own work)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def timed(fn: Callable[[], object], repeat: int) -> Samples:
    samples = Samples()
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.wall.append((time.perf_counter() - start) * 1000)
        samples.cpu.append((time.process_time() - start_cpu) * 1000)
    return samples


def line(name: str, ours: Samples, *floors: tuple[str, Samples]) -> None:
    median = statistics.median(ours.wall)
    print(
        f"  {name:<18} median {median:8.1f} ms  max {max(ours.wall):8.1f} ms"
        f"  (CPU median {statistics.median(ours.cpu):7.1f} ms)"
    )
    for label, floor in floors:
        m_floor = statistics.median(floor.wall)
        print(f"    vs {label:<16} median {m_floor:8.1f} ms   ratio {median / m_floor:6.2f}x")


def first_paint(database: Database, period: str, config: Path) -> tuple[float, float, float]:
    """Seconds from creating the app to the queue shown, and to the period's figures shown;
    and this process's CPU seconds until then.

    "Shown" is the end of the screen update after the data arrived (as bench/console.py
    times the queue): the screen's own handlers are wrapped to note when the next refresh
    is done. (Polling the screen every few milliseconds instead sent every widget a message
    each time, which cost the app a fifth of a second of CPU in this very measurement.)"""
    settings = load_settings(config, overrides={"agent": "marta"}, environ={})

    async def run() -> tuple[float, float, float]:
        shown: dict[str, float] = {}
        figures_shown = asyncio.Event()
        on_health, on_report = SupervisorScreen.on_health_loaded, SupervisorScreen.on_report_loaded

        def mark(what: str) -> None:
            shown.setdefault(what, time.perf_counter())
            if what == "figures":
                figures_shown.set()

        def health_loaded(screen: SupervisorScreen, message: Any) -> None:
            on_health(screen, message)
            screen.app.call_after_refresh(mark, "queue")

        def report_loaded(screen: SupervisorScreen, message: Any) -> None:
            on_report(screen, message)
            if screen.report is not None:
                screen.app.call_after_refresh(mark, "figures")

        SupervisorScreen.on_health_loaded = health_loaded  # type: ignore[method-assign]
        SupervisorScreen.on_report_loaded = report_loaded  # type: ignore[method-assign]
        try:
            start, start_cpu = time.perf_counter(), time.process_time()
            app = make_app(
                settings,
                Desk(database, FrozenClock(NOW), agent="marta"),
                supervisor=True,
                period=period,
            )
            async with app.run_test(size=(160, 48)):
                await asyncio.wait_for(figures_shown.wait(), timeout=120)
                cpu = time.process_time() - start_cpu
        finally:
            SupervisorScreen.on_health_loaded = on_health  # type: ignore[method-assign]
            SupervisorScreen.on_report_loaded = on_report  # type: ignore[method-assign]
        return shown["queue"] - start, shown["figures"] - start, cpu

    return asyncio.run(run())


def bench(database: Database, label: str, scale: int, repeat: int, config: Path) -> None:
    print(f"\n{label}: {database.description}")
    start = time.perf_counter()
    stats = build_demo(database, now=NOW, scale=scale)
    print(
        f"  demo build         {time.perf_counter() - start:8.1f} s for {stats.tickets} tickets, "
        f"{stats.messages} messages"
    )
    with database.write_engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    readonly = open_database(database.url, readonly=True)
    try:
        clock = FrozenClock(NOW)
        desk = Desk(readonly, clock)
        period = desk.report_period("30d")
        active = [s.value for s in ACTIVE_STATUSES]
        selection = (
            (Ticket.created_at < period.end)
            & or_(Ticket.updated_at >= period.start, Ticket.status.in_(active))  # type: ignore[attr-defined]
        )

        def count_period() -> None:
            with readonly.read_session() as session:
                session.scalar(
                    select(func.count())
                    .select_from(Ticket)
                    .where(Ticket.created_at >= period.start, Ticket.created_at < period.end)  # type: ignore[operator]
                )

        def read_rows() -> None:
            with readonly.read_session() as session:
                connection = session.connection()
                ids = select(Ticket.id).where(selection)
                connection.execute(select(Ticket.id, Ticket.created_at).where(selection)).all()
                connection.execute(
                    select(Message.ticket_id, Message.stored_at, Message.direction).where(
                        Message.ticket_id.in_(ids)  # type: ignore[attr-defined]
                    )
                ).all()
                connection.execute(
                    select(Event.ticket_id, Event.at, Event.data).where(
                        Event.ticket_id.in_(ids),
                        Event.kind == "status",  # type: ignore[union-attr]
                    )
                ).all()

        def read_facts() -> None:
            with readonly.read_session() as session:
                session.connection().execute(
                    select(
                        ReportFact.kind,
                        ReportFact.at,
                        ReportFact.agent_id,
                        ReportFact.seconds,
                        ReportFact.due_at,
                        Ticket.number,
                        Ticket.channel,
                        Ticket.assignee_id,
                    )
                    .join(Ticket, Ticket.id == ReportFact.ticket_id)  # type: ignore[arg-type]
                    .where(
                        or_(
                            and_(ReportFact.at >= period.start, ReportFact.at < period.end),  # type: ignore[operator]
                            and_(
                                ReportFact.due_at >= period.start,  # type: ignore[operator]
                                ReportFact.due_at < period.end,  # type: ignore[operator]
                            ),
                        )
                    )
                ).all()

        def fresh_report() -> None:
            Desk(readonly, clock).team_report(period, "agent")

        fresh_report()  # warm the page cache and the statement caches
        ours = timed(fresh_report, repeat)
        line(
            "report 30 days",
            ours,
            ("bare COUNT", timed(count_period, repeat)),
            ("bare facts", timed(read_facts, repeat)),
            ("bare replay rows", timed(read_rows, repeat)),
        )
        kept = Desk(readonly, clock)
        kept.team_report(period, "agent")
        line(
            "report again",
            timed(lambda: kept.team_report(period, "agent"), repeat),
            ("bare COUNT", timed(count_period, repeat)),
        )

        def count_active() -> None:
            with readonly.read_session() as session:
                session.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.status.in_(active))  # type: ignore[attr-defined]
                )

        line(
            "queue now",
            timed(desk.queue_health, repeat * 4),
            ("bare COUNT", timed(count_active, repeat * 4)),
        )
        for kind in ("7d", "30d"):
            paints = [first_paint(readonly, kind, config) for _ in range(max(2, repeat // 2))]
            health = statistics.median(p[0] for p in paints) * 1000
            figures = statistics.median(p[1] for p in paints) * 1000
            cpu = statistics.median(p[2] for p in paints) * 1000
            print(
                f"  first paint {kind:<4}   queue now {health:7.0f} ms   period figures "
                f"{figures:7.0f} ms (CPU {cpu:5.0f} ms; median of {len(paints)})"
            )
    finally:
        readonly.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument(
        "--pg-name",
        default="supportdesk_bench_report",
        help="the scratch database to create (and drop) on that server",
    )
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"supportdesk supervisor benchmark, scale {args.scale}, {args.repeat} repetitions")
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.touch()
        with sqlite_database() as database:
            bench(database, "SQLite", args.scale, args.repeat, config)
        if not args.skip_pg:
            with postgres_database(args.pg_url, args.pg_name) as database:
                bench(database, "PostgreSQL", args.scale, args.repeat, config)


if __name__ == "__main__":
    main()
