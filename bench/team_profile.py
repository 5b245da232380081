"""Where one agent's action spends its CPU: the client (Python) and the database server.

    python bench/team_profile.py [--only sqlite|postgresql] [--rounds 300] [--tickets 9000]
                                 [--cprofile N]

One agent, alone, loops take next, reply, set status (the actions of bench/team.py) over a
queue of `--tickets` tickets. Measured per action kind: client CPU (this process's CPU
time), on PostgreSQL the server CPU of its backend process (read from /proc, so only when
the server runs on this machine), wall time, and statements sent. CPU time is far less
disturbed by other programs on a shared machine than wall time; with 20 agents always
busy the machine does (client + server CPU) per action, so that sum sets what
bench/team.py can reach. `--cprofile N` prints the N costliest functions of the client.

The baseline, in the same run: a bare psycopg loop sending as many trivial statements per
transaction as each action sends (`SELECT $1`, then COMMIT) — the least any action of that
many round trips can cost. The ratio against it says how much the Desk adds over the round
trips themselves, and is far steadier than absolute times on a busy machine.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from team import PG_ADMIN, seed  # noqa: E402

from supportdesk.clock import SystemClock  # noqa: E402
from supportdesk.store.db import open_database  # noqa: E402
from supportdesk.store.desk import Desk  # noqa: E402

ACTIONS = ("take_next", "queue_reply", "set_status")


def _server_cpu(pid: int | None) -> float:
    """CPU seconds the server process has used (user + system), 0 when unreadable."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bare_round_trips(url: str, per_action: dict[str, int], rounds: int) -> tuple[float, float]:
    """Client and server CPU seconds per action of a bare psycopg loop that sends each
    action's number of statements in one transaction: the baseline."""
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        backend = connection.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        connection.commit()
        cpu0, srv0 = time.process_time(), _server_cpu(backend)
        for _ in range(rounds):
            for kind in ACTIONS:
                for n in range(per_action[kind]):
                    connection.execute("SELECT %s::int", (n,), prepare=True).fetchall()
                connection.commit()
        actions = rounds * len(ACTIONS)
        return (
            (time.process_time() - cpu0) / actions,
            (_server_cpu(backend) - srv0) / actions,
        )


def measure(url: str, rounds: int, top: int) -> None:
    database = open_database(url)
    desk = Desk(database, SystemClock()).acting_as("agent0")
    statements: Counter[str] = Counter()
    current = ["setup"]

    @event.listens_for(database.write_engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        statements[current[0]] += 1

    backend: int | None = None
    if database.dialect == "postgresql":
        with database.write_engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()

    def one_round() -> None:
        current[0] = "take_next"
        summary = desk.take_next()
        assert summary is not None, "the queue ran dry: seed more tickets"
        current[0] = "queue_reply"
        desk.queue_reply(summary.number, "Hello, agent0 here: please restart.")
        current[0] = "set_status"
        desk.set_status(summary.number, "solved" if summary.number % 2 else "pending")

    for _ in range(20):  # warm caches, compiled statements, the connection pool
        one_round()
    statements.clear()
    client: Counter[str] = Counter()
    server: Counter[str] = Counter()
    wall: Counter[str] = Counter()
    # CPU time, not wall time: waits for the server are not the client's cost.
    profile = cProfile.Profile(time.process_time) if top else None
    for _ in range(rounds):
        number = 0
        for kind in ACTIONS:
            current[0] = kind
            cpu0, srv0, wall0 = time.process_time(), _server_cpu(backend), time.perf_counter()
            if profile:
                profile.enable()
            if kind == "take_next":
                summary = desk.take_next()
                assert summary is not None, "the queue ran dry: seed more tickets"
                number = summary.number
            elif kind == "queue_reply":
                desk.queue_reply(number, "Hello, agent0 here: please restart.")
            else:
                desk.set_status(number, "solved" if number % 2 else "pending")
            if profile:
                profile.disable()
            client[kind] += time.process_time() - cpu0
            server[kind] += _server_cpu(backend) - srv0
            wall[kind] += time.perf_counter() - wall0
    print(f"  {database.dialect}, {rounds} rounds, per action (ms):")
    print("    action        client CPU  server CPU   wall   statements")
    for kind in ACTIONS:
        print(
            f"    {kind:12} {client[kind] / rounds * 1000:10.2f} "
            f"{server[kind] / rounds * 1000:11.2f} {wall[kind] / rounds * 1000:7.2f} "
            f"{statements[kind] / rounds:10.1f}"
        )
    total_client = sum(client.values()) / rounds / 3 * 1000
    total_server = sum(server.values()) / rounds / 3 * 1000
    print(
        f"    mean         {total_client:10.2f} {total_server:11.2f} "
        f"{sum(wall.values()) / rounds / 3 * 1000:7.2f} "
        f"{sum(statements.values()) / rounds / 3:10.1f}"
    )
    if database.dialect == "postgresql" and backend is not None:
        print(f"    client + server CPU per action: {total_client + total_server:.2f} ms")
        per_action = {kind: round(statements[kind] / rounds) for kind in ACTIONS}
        base_client, base_server = bare_round_trips(url, per_action, rounds)
        base_total = (base_client + base_server) * 1000
        print(
            f"    baseline, bare psycopg with the same statements per transaction: client "
            f"{base_client * 1000:.2f}, server {base_server * 1000:.2f}, total "
            f"{base_total:.2f} ms per action"
        )
        print(
            f"    ratio to the baseline: client {total_client / (base_client * 1000):.2f}x, "
            f"server {total_server / (base_server * 1000):.2f}x, "
            f"total {(total_client + total_server) / base_total:.2f}x"
        )
    if profile:
        stats = pstats.Stats(profile)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--tickets", type=int, default=9000)
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--url", help="an already seeded database (agent0 must exist)")
    args = parser.parse_args()
    if args.url:
        measure(args.url, args.rounds, args.cprofile)
        return
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            url = str(Path(folder) / "team.db")
            seed(url, 1, args.tickets)
            measure(url, args.rounds, args.cprofile)
    if args.only != "sqlite":
        name = f"sd_bench_profile_{os.getpid()}"
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            url = f"{base}/{name}"
            seed(url, 1, args.tickets)
            measure(url, args.rounds, args.cprofile)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


if __name__ == "__main__":
    main()
