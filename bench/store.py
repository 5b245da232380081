"""Store benchmark: the queue's first page, a status change, and SLA recomputation.

    python bench/store.py --scale 100000 [--pg-url postgresql://postgres@127.0.0.1/test]

For SQLite and PostgreSQL it builds a demo database of --scale tickets (timed: the goal is
under a minute), then times, against a baseline measured alongside in the same process:

- first page: `Desk.list_queue()` (50 rows in ranking order, with customers, tags and SLA
  clocks) vs the bare indexed SELECT of those 50 ids — the floor. Goal: under 20 ms on SQLite.
- grouped page: what the console loads while incidents are open (their group rows, then the
  page without their tickets); again with 2,000 tickets linked to one incident.
- status change: `Desk.set_status()` (role and version checks, event, SLA recompute, one
  transaction) vs a bare UPDATE of the status column in its own transaction.
- SLA recomputation: `Desk.recompute_sla()` over every active ticket (tickets per second) vs
  the pure `compute_clocks()` on the same histories already in memory.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.databases import DEFAULT_PG_URL, postgres_database, sqlite_database  # noqa: E402
from supportdesk.clock import FrozenClock  # noqa: E402
from supportdesk.core.enums import ACTIVE_STATUSES  # noqa: E402
from supportdesk.core.sla import compute_clocks  # noqa: E402
from supportdesk.store.db import Database  # noqa: E402
from supportdesk.store.demo import build_demo  # noqa: E402
from supportdesk.store.desk import Desk, _queue_order  # noqa: E402
from supportdesk.store.models import Ticket  # noqa: E402
from supportdesk.store.slastore import load_histories  # noqa: E402
from supportdesk.store.teamsettings import default_settings  # noqa: E402

NOW = datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # a Monday afternoon in Warsaw


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(name: str, ours: list[float], floor: list[float]) -> None:
    m_ours, m_floor = statistics.median(ours), statistics.median(floor)
    print(
        f"  {name:<16} median {m_ours:8.2f} ms  p95 {p(ours, 0.95):8.2f} ms   "
        f"baseline median {m_floor:7.2f} ms   ratio {m_ours / m_floor:5.1f}x"
    )


def bench(database: Database, label: str, scale: int, repeat: int) -> None:
    print(f"\n{label}: {database.description}")
    clock = FrozenClock(NOW)
    start = time.perf_counter()
    stats = build_demo(database, now=NOW, scale=scale)
    build_seconds = time.perf_counter() - start
    print(
        f"  demo build       {build_seconds:8.1f} s for {stats.tickets} tickets, "
        f"{stats.messages} messages ({stats.tickets / build_seconds:,.0f} tickets/s)"
    )
    desk = Desk(database, clock, agent="ann")
    if database.is_sqlite:
        with database.write_engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    else:
        with database.write_engine.begin() as connection:
            connection.execute(text("ANALYZE"))

    active = [s.value for s in ACTIVE_STATUSES]

    def floor_page() -> None:
        with database.read_session() as session:
            session.execute(
                select(Ticket.id)
                .where(Ticket.status.in_(active))
                .order_by(*_queue_order())
                .limit(50)  # type: ignore[attr-defined]
            ).all()

    def desk_page() -> None:
        page = desk.list_queue("open", with_total=False)
        assert len(page.tickets) == 50

    desk_page(), floor_page()  # warm caches and the statement cache
    report("first page", timed(desk_page, repeat), timed(floor_page, repeat))

    def desk_page_total() -> None:
        desk.list_queue("open", with_total=True)

    report("page + count", timed(desk_page_total, repeat), timed(floor_page, repeat))

    def console_page() -> None:
        # What the console loads: the open incidents' group rows, then the page without
        # their tickets.
        groups = desk.incident_groups("open")
        desk.list_queue("open", with_total=False, group_incidents=bool(groups))

    console_page()
    report("grouped page", timed(console_page, repeat), timed(floor_page, repeat))

    numbers = [
        t.number for t in desk.list_queue("open", limit=repeat * 2, with_total=False).tickets
    ]
    statuses = iter(["pending", "open"] * repeat * 2)
    targets = iter(numbers * 4)

    def desk_change() -> None:
        desk.set_status(next(targets), next(statuses))

    ids = iter(
        [t.id for t in desk.list_queue("open", limit=repeat * 2, with_total=False).tickets] * 4
    )
    floor_statuses = iter(["pending", "open"] * repeat * 2)

    def floor_change() -> None:
        with database.write_session() as session, session.begin():
            session.execute(
                update(Ticket).where(Ticket.id == next(ids)).values(status=next(floor_statuses))  # type: ignore[arg-type]
            )

    report("status change", timed(desk_change, repeat), timed(floor_change, repeat))

    start = time.perf_counter()
    count = Desk(database, clock).recompute_sla()
    recompute_seconds = time.perf_counter() - start
    settings = default_settings().sla
    with database.read_session() as session:
        tickets = session.scalars(select(Ticket).where(Ticket.status.in_(active))).all()  # type: ignore[attr-defined]
        histories = list(load_histories(session, tickets).values())
    start = time.perf_counter()
    for history in histories:
        compute_clocks(history, settings, NOW)
    pure_seconds = time.perf_counter() - start
    # A big outage: 2,000 of the open tickets linked to the open incident.
    [incident] = desk.list_incidents("open") or [desk.declare_incident("Outage", "Down.")]
    with database.read_session() as session:
        wanted = session.scalars(
            select(Ticket.number).where(Ticket.status.in_(active)).limit(2000)  # type: ignore[attr-defined]
        ).all()
    desk.link_tickets(incident.id, wanted)
    console_page()
    report("grouped, 2k in", timed(console_page, repeat), timed(floor_page, repeat))
    ours_rate = count / recompute_seconds
    pure_rate = len(histories) / pure_seconds
    print(
        f"  SLA recompute    {ours_rate:8,.0f} tickets/s ({count} active tickets in "
        f"{recompute_seconds:.1f} s)   pure compute {pure_rate:,.0f} tickets/s   "
        f"ratio {pure_rate / ours_rate:4.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    print(f"supportdesk store benchmark, scale {args.scale}, {args.repeat} repetitions")
    with sqlite_database() as database:
        bench(database, "SQLite", args.scale, args.repeat)
    if not args.skip_pg:
        with postgres_database(args.pg_url, "supportdesk_bench") as database:
            bench(database, "PostgreSQL", args.scale, args.repeat)


if __name__ == "__main__":
    main()
