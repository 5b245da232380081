"""Team benchmark: many agents' processes working one queue as fast as they can.

    python bench/team.py [--agents 20] [--seconds 60] [--think 1.0] [--only sqlite|postgresql]

Each agent is its own process with its own Desk and database connection, looping: take the
most urgent unassigned ticket, reply to it, set it pending or solved. First one agent alone
(the baseline: no contention), then all of them at once, flat out; then all of them at a brisk
human pace (`--think` seconds between an agent's actions on average — flat out, 20 processes
on a 2-core machine mostly measure their own wait for a CPU). Prints actions per second, median
and 95th percentile latency and conflicts (a change refused because someone else got there
first) and where the machine's CPU went per action (the agents' processes, and the rest: the
database server, this script, the system), and checks the database afterwards: every ticket
taken by exactly one agent, every reply stored exactly once, nothing lost. Goal: nothing lost
or doubled; p95 under 50 ms on PostgreSQL.

PostgreSQL: SUPPORTDESK_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test) must
be allowed to create databases; the benchmark makes its own and drops it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from supportdesk.clock import SystemClock  # noqa: E402
from supportdesk.core.enums import Direction  # noqa: E402
from supportdesk.store import dto  # noqa: E402
from supportdesk.store.db import open_database, upgrade  # noqa: E402
from supportdesk.store.desk import Desk, DeskError  # noqa: E402
from supportdesk.store.models import Event, Message  # noqa: E402

PG_ADMIN = os.environ.get("SUPPORTDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def seed(url: str, agents: int, tickets: int) -> None:
    database = open_database(url)
    upgrade(database)
    desk = Desk(database, SystemClock())
    desk.add_agent("lead", "Lead", "lead")
    lead = desk.acting_as("lead")
    for n in range(agents):
        lead.add_agent(f"agent{n}", f"Agent {n}", "agent")
    inbound = desk.acting_as(None)
    now = SystemClock().now()
    batch: list[dto.InboundItem] = []
    for n in range(tickets):
        batch.append(
            dto.InboundItem(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value=f"customer{n}@example.com",
                sender_name=f"Customer {n}",
                subject=f"Question {n}",
                text="Hello, my calls drop after a minute.",
                at=now - timedelta(minutes=tickets - n),
            )
        )
        if len(batch) == 500:
            inbound.receive_batch(batch)
            batch = []
    if batch:
        inbound.receive_batch(batch)
    if database.dialect == "postgresql":
        # Statistics, as autovacuum keeps them on a database in use. Without them a prepared
        # statement's generic plan took the reply's "earlier replies" lookup for a scan of
        # every message: 6 ms of server CPU per reply at 28,000 tickets.
        with database.write_engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    database.dispose()


def agent_loop(url: str, agent: str, seconds: float, think: float, start: Any, out: Any) -> None:
    database = open_database(url)
    desk = Desk(database, SystemClock()).acting_as(agent)
    pace = random.Random(agent)

    def pause() -> None:
        # A person reads and types between actions; exponential, so arrivals are random.
        if think:
            time.sleep(min(pace.expovariate(1 / think), 4 * think))

    latencies: list[float] = []
    conflicts = 0
    replies: list[int] = []
    taken: list[int] = []
    ran_dry = False
    start.wait()
    cpu_started = time.process_time()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pause()
        began = time.perf_counter()
        try:
            summary = desk.take_next()
        except DeskError:
            conflicts += 1
            continue
        latencies.append(time.perf_counter() - began)
        if summary is None:
            ran_dry = True
            break
        taken.append(summary.number)
        for action in ("reply", "status"):
            pause()
            began = time.perf_counter()
            try:
                if action == "reply":
                    desk.queue_reply(summary.number, f"Hello, {agent} here: please restart.")
                    replies.append(summary.number)
                else:
                    status = "solved" if summary.number % 2 else "pending"
                    desk.set_status(summary.number, status)
            except DeskError:
                conflicts += 1
                continue
            latencies.append(time.perf_counter() - began)
    cpu = time.process_time() - cpu_started
    out.put((agent, latencies, conflicts, taken, replies, ran_dry, cpu))
    database.dispose()


def busy_cpu_seconds() -> float | None:
    """CPU seconds the whole machine has been busy (every core, every process), from
    /proc/stat; None where there is no such file."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def run(
    url: str, agents: int, seconds: float, think: float = 0.0
) -> tuple[list[Any], float, float | None]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(agents + 1)
    out = context.Queue()
    processes = [
        context.Process(target=agent_loop, args=(url, f"agent{n}", seconds, think, start, out))
        for n in range(agents)
    ]
    for process in processes:
        process.start()
    start.wait()
    began, busy_before = time.perf_counter(), busy_cpu_seconds()
    results = [out.get(timeout=seconds + 120) for _ in processes]
    elapsed, busy_after = time.perf_counter() - began, busy_cpu_seconds()
    for process in processes:
        process.join(30)
    busy = None if busy_before is None or busy_after is None else busy_after - busy_before
    return results, elapsed, busy


def verify(url: str, results: list[Any]) -> str:
    """Compare what the agents think they did with what the database holds."""
    taken = Counter(n for r in results for n in r[3])
    replied = Counter(n for r in results for n in r[4])
    database = open_database(url)
    with database.read_session() as session:
        assigned = Counter(
            dict(
                session.execute(
                    select(Event.ticket_id, func.count())
                    .where(Event.kind == "assigned")
                    .group_by(Event.ticket_id)
                ).all()
            )
        )
        outbound = session.execute(
            select(func.count()).select_from(Message).where(Message.direction == Direction.OUTBOUND)
        ).scalar_one()
    database.dispose()
    problems = []
    if any(count > 1 for count in taken.values()):
        problems.append(f"{sum(c > 1 for c in taken.values())} tickets taken twice")
    if sum(assigned.values()) != sum(taken.values()):
        problems.append(f"{sum(taken.values())} takes reported, {sum(assigned.values())} stored")
    if outbound != sum(replied.values()):
        problems.append(f"{sum(replied.values())} replies reported, {outbound} stored")
    return "; ".join(problems) or "ok: every ticket taken once, every reply stored once"


def report(label: str, results: list[Any], elapsed: float, busy: float | None) -> float:
    latencies = sorted(x for r in results for x in r[1])
    conflicts = sum(r[2] for r in results)
    if not latencies:
        print(f"  {label}: no actions")
        return 0.0
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    median = statistics.median(latencies) * 1000
    print(
        f"  {label}: {len(latencies) / elapsed:7.1f} actions/s, median {median:5.1f} ms, "
        f"p95 {p95:5.1f} ms, conflicts {conflicts}"
    )
    if busy is not None:
        # Where the machine's CPU went per action: the agents' own processes, and everything
        # else (the database server, this script, the system). Flat out on a small machine,
        # their sum times the agents over the cores is about what an action waits.
        agents_cpu = sum(r[6] for r in results)
        cores = os.cpu_count() or 1
        print(
            f"    CPU per action: agents {agents_cpu / len(latencies) * 1000:.2f} ms, "
            f"the rest {(busy - agents_cpu) / len(latencies) * 1000:.2f} ms; "
            f"machine busy {busy / elapsed / cores:.0%} of {cores} cores"
        )
    dry = sum(1 for r in results if r[5])
    if dry:
        # Agents that found nothing to take stopped early: fewer were busy than the label
        # says, and the figures flatter. Seed more (--tickets).
        print(f"    NOT VALID: the queue ran dry, {dry} agent(s) stopped early; raise --tickets")
    return p95


def bench(kind: str, url: str, agents: int, seconds: float, tickets: int, think: float) -> None:
    print(f"{kind}: seeding {tickets} tickets")
    seed(url, agents, tickets)
    alone, alone_elapsed, alone_busy = run(url, 1, min(seconds, 10))
    base = report("1 agent alone (baseline)", alone, alone_elapsed, alone_busy)
    together, elapsed, busy = run(url, agents, seconds)
    p95 = report(f"{agents} agents at once, flat out", together, elapsed, busy)
    print(f"  p95 ratio to one agent alone: {p95 / base:.1f}x")
    results = alone + together
    if think:
        paced, paced_elapsed, paced_busy = run(url, agents, seconds, think)
        p95 = report(
            f"{agents} agents at once, {think:g} s between actions",
            paced,
            paced_elapsed,
            paced_busy,
        )
        print(f"  p95 ratio to one agent alone: {p95 / base:.1f}x")
        results += paced
    print(f"  check: {verify(url, results)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="after the flat-out run, one more with this mean pause (s) between an agent's "
        "actions, a brisk human pace (0: skip it)",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        help="tickets in the queue at the start (default: 400 per second of all the phases)",
    )
    args = parser.parse_args()
    # Enough for every phase at up to ~1,200 actions/s (a third of them takes): an agent that
    # finds the queue empty stops, and a phase measured with fewer busy agents would flatter.
    phases = min(args.seconds, 10) + args.seconds + (args.seconds if args.think else 0)
    tickets = args.tickets or int(400 * phases)
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            bench(
                "SQLite",
                str(Path(folder) / "team.db"),
                args.agents,
                args.seconds,
                tickets,
                args.think,
            )
    if args.only != "sqlite":
        name = f"sd_bench_team_{os.getpid()}"
        try:
            admin = psycopg.connect(PG_ADMIN, autocommit=True)
        except psycopg.Error as exc:
            print(f"PostgreSQL: not run ({exc})")
            return
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            bench("PostgreSQL", f"{base}/{name}", args.agents, args.seconds, tickets, args.think)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
