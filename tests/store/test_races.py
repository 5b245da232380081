"""Ten agents' processes at once, on PostgreSQL and on a shared SQLite file: every ticket is
taken by exactly one of them, and whoever loses is told who won."""

from __future__ import annotations

import multiprocessing
from multiprocessing.synchronize import Barrier
from typing import Any

from supportdesk.clock import FrozenClock, SystemClock
from supportdesk.store.db import open_database
from supportdesk.store.desk import AlreadyTaken, Desk

AGENTS = [f"agent{n}" for n in range(10)]


def _team(desk: Desk, tickets: int, clock: FrozenClock) -> list[int]:
    lead = desk.acting_as("marta")
    for name in AGENTS:
        lead.add_agent(name, name.title(), "agent")
    inbound = desk.acting_as(None)
    numbers = []
    for n in range(tickets):
        clock.advance(seconds=1)
        numbers.append(
            inbound.receive(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value=f"customer{n}@example.com",
                sender_name=f"Customer {n}",
                subject=f"Question {n}",
                text="Hello",
                at=clock.now(),
            ).ticket_number
        )
    return numbers


def _take_next_until_empty(url: str, agent: str, start: Barrier, out: Any) -> None:
    database = open_database(url)
    desk = Desk(database, SystemClock()).acting_as(agent)
    start.wait()
    taken = []
    while (summary := desk.take_next()) is not None:
        taken.append(summary.number)
    out.put((agent, taken))
    database.dispose()


def _take_one(url: str, agent: str, number: int, start: Barrier, out: Any) -> None:
    database = open_database(url)
    desk = Desk(database, SystemClock()).acting_as(agent)
    start.wait()
    try:
        desk.take(number)
        out.put((agent, "won", None))
    except AlreadyTaken as refused:
        out.put((agent, "refused", refused.holder))
    database.dispose()


def _race(target: Any, args_for: Any) -> list[Any]:
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(AGENTS))
    out = context.Queue()
    processes = [
        context.Process(target=target, args=(*args_for(agent), start, out)) for agent in AGENTS
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    return results


def test_ten_agents_take_next_over_200_tickets(
    desk: Desk, database_url: str, clock: FrozenClock
) -> None:
    numbers = _team(desk, 200, clock)
    results = _race(_take_next_until_empty, lambda agent: (database_url, agent))
    taken = [number for _agent, numbers_taken in results for number in numbers_taken]
    assert sorted(taken) == sorted(numbers)  # every ticket once: none twice, none missed
    assert sum(1 for _agent, got in results if got) >= 2  # they really raced
    owners = {t.number: t.assignee for t in desk.list_queue("all", limit=500).tickets}
    for agent, numbers_taken in results:
        assert all(owners[number] == agent for number in numbers_taken)


def test_ten_agents_take_one_ticket_exactly_one_wins(
    desk: Desk, database_url: str, clock: FrozenClock
) -> None:
    [number] = _team(desk, 1, clock)
    results = _race(_take_one, lambda agent: (database_url, agent, number))
    winners = [agent for agent, outcome, _holder in results if outcome == "won"]
    assert len(winners) == 1
    assert all(holder == winners[0] for _agent, outcome, holder in results if outcome != "won")
    assert desk.get_ticket(number).summary.assignee == winners[0]
