"""The demo database: realistic, complete, deterministic, and consistent with the Desk."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from supportdesk.clock import FrozenClock
from supportdesk.store.db import Database
from supportdesk.store.demo import build_demo
from supportdesk.store.desk import Desk
from supportdesk.store.models import (
    Agent,
    Customer,
    Identity,
    KbArticle,
    Message,
    Note,
    NoteMention,
    Rating,
    Template,
    Ticket,
)
from tests.queue_order import expected_order

# A Tuesday 15:10 in Warsaw: business hours, so running clocks tick.
NOW = datetime(2026, 11, 24, 14, 10, tzinfo=UTC)


@pytest.fixture
def demo(database: Database) -> Database:
    build_demo(database, now=NOW)
    return database


def scalar(database: Database, statement: object) -> int:
    with database.read_session() as session:
        return session.scalar(statement) or 0  # type: ignore[call-overload]


def test_demo_has_everything_the_issue_lists(demo: Database) -> None:
    with demo.read_session() as session:
        tickets = session.scalars(select(Ticket)).all()
        assert len(tickets) >= 300
        assert {t.status for t in tickets} == {
            "new",
            "open",
            "pending",
            "on_hold",
            "solved",
            "closed",
        }
        assert {t.priority for t in tickets} == {"urgent", "high", "normal", "low"}
        assert {t.category for t in tickets} == {
            "blocking",
            "question",
            "onboarding",
            "feature_request",
        }
        assert {t.channel for t in tickets} == {"email", "telegram"}
        assert all(t.urgent_reason for t in tickets if t.priority == "urgent")
        assert {c.language for c in session.scalars(select(Customer)).all()} == {"en", "pl", "ru"}
        roles = Counter(a.role for a in session.scalars(select(Agent)).all())
        assert sum(roles.values()) >= 5 and roles["trainee"] >= 1 and roles["lead"] >= 1
        assert session.scalar(select(func.count()).select_from(Template)) >= 20
        articles = session.scalars(select(KbArticle)).all()
        assert len(articles) >= 30
        assert {a.internal for a in articles} == {True, False}
        assert {a.language for a in articles} == {"en", "pl", "ru"}
        assert session.scalar(select(func.count()).select_from(Rating)) >= 30
        assert session.scalar(select(func.count()).select_from(Note)) >= 10
        assert session.scalar(select(func.count()).select_from(NoteMention)) >= 1
        per_ticket = Counter(session.scalars(select(Message.ticket_id)).all())
        assert sum(1 for n in per_ticket.values() if n >= 3) >= 50
        # Repeat customers: the same people write again and again.
        per_customer = Counter(t.customer_id for t in tickets)
        assert max(per_customer.values()) >= 4
        # Customers reachable both ways exist.
        kinds = Counter(i.customer_id for i in session.scalars(select(Identity)).all())
        assert any(n == 2 for n in kinds.values())
        span = max(t.created_at for t in tickets) - min(t.created_at for t in tickets)
        assert 12 <= span.days <= 15


def test_demo_queue_has_breached_and_at_risk_tickets_in_the_documented_order(
    demo: Database,
) -> None:
    desk = Desk(demo, FrozenClock(NOW), agent="ann")
    counts = desk.view_counts()
    assert counts["breached"] >= 1
    assert counts["at_risk"] > counts["breached"]
    assert counts["mine"] >= 1 and counts["unassigned"] >= 1 and counts["pending"] >= 1
    page = desk.list_queue("open", limit=500)
    assert page.total == len(page.tickets)
    states = Counter(t.sla_state for t in page.tickets)
    assert states["breached"] and states["ok"] and states["paused"]
    expected = expected_order(page.tickets)
    assert [t.number for t in page.tickets] == expected
    assert page.tickets[0].priority == "urgent"


def test_demo_history_agrees_with_the_desk(demo: Database) -> None:
    """Recomputing every open ticket from its stored history changes no stored clock."""
    with demo.read_session() as session:
        before = {
            t.number: (t.sla_clocks, t.sla_due_at, t.rank_group)
            for t in session.scalars(select(Ticket))
        }
    Desk(demo, FrozenClock(NOW)).recompute_sla()
    with demo.read_session() as session:
        after = {
            t.number: (t.sla_clocks, t.sla_due_at, t.rank_group)
            for t in session.scalars(select(Ticket))
        }
    changed = [number for number in before if before[number] != after[number]]
    assert changed == []


def test_demo_is_deterministic(tmp_path) -> None:
    from supportdesk.store.db import open_database, upgrade

    snapshots = []
    for name in ("a.db", "b.db"):
        database = open_database(tmp_path / name)
        upgrade(database)
        build_demo(database, now=NOW, scale=120, seed=3)
        with database.read_session() as session:
            snapshots.append(
                [
                    (t.number, t.subject, t.status, t.priority, t.created_at, t.customer_id)
                    for t in session.scalars(select(Ticket).order_by(Ticket.number))
                ]
            )
            snapshots.append(sorted(session.scalars(select(Message.text)).all()))
        database.dispose()
    assert snapshots[0] == snapshots[2] and snapshots[1] == snapshots[3]


def test_demo_refuses_a_database_with_tickets(demo: Database) -> None:
    with pytest.raises(ValueError, match="already has tickets"):
        build_demo(demo, now=NOW)


def test_desk_keeps_working_on_demo_data(demo: Database) -> None:
    """New tickets and actions after the demo: sequences and numbers continue."""
    clock = FrozenClock(NOW)
    desk = Desk(demo, clock, agent="ann")
    result = desk.acting_as(None).receive(
        channel="telegram",
        account="bot",
        identity_kind="telegram",
        identity_value="555",
        sender_name="Nowy Klient",
        subject="Pytanie",
        text="Dzień dobry",
        at=NOW,
    )
    highest = scalar(demo, select(func.max(Ticket.number)))
    assert result.ticket_number == highest
    taken = desk.take_next()
    assert taken is not None and taken.assignee == "ann"
    desk.add_note(taken.number, "sprawdzam @pavel")


def test_report_clock_runs_agree_with_the_stored_clocks(demo: Database) -> None:
    """Every ticket of the demo: the runs the reports count are the clocks the queue shows."""
    from supportdesk.core.sla import ClockKind, SlaClock, clock_runs
    from supportdesk.store.slastore import load_histories
    from supportdesk.store.teamsettings import default_settings

    settings = default_settings().sla
    with demo.read_session() as session:
        tickets = session.scalars(select(Ticket)).all()
        histories = load_histories(session, tickets)
    compared = 0
    for ticket in tickets:
        stored = {c["kind"]: SlaClock.from_json(c) for c in ticket.sla_clocks}
        runs = clock_runs(histories[ticket.id], settings, NOW)  # type: ignore[index]
        latest = {run.kind.value: run for run in runs}  # the last run of each kind
        assert set(latest) == set(stored), ticket.number
        for kind, clock in stored.items():
            run = latest[kind]
            assert (run.started_at, run.stopped_at, run.breached) == (
                clock.started_at,
                clock.stopped_at,
                clock.breached,
            ), (ticket.number, kind)
            assert run.used_seconds == pytest.approx(clock.used_seconds, abs=0.01)
            compared += 1
        assert [r.kind for r in runs].count(ClockKind.RESOLUTION) == 1
    assert compared > 700


def test_demo_shows_the_review_loop(demo: Database) -> None:
    """kasia's replies wait for marta; one came back with a comment and is kasia's draft."""
    mentor = Desk(demo, FrozenClock(NOW), agent="marta")
    waiting = mentor.pending_reviews()
    assert len(waiting) >= 2 and {i.trainee for i in waiting} == {"kasia"}
    assert mentor.view_counts()["review"] == len(waiting)
    stats = mentor.review_stats("kasia")
    assert len(stats.comments) == 1 and stats.comments[0].comment
    returned = stats.comments[0].ticket_number
    trainee = Desk(demo, FrozenClock(NOW), agent="kasia")
    draft = trainee.get_draft(returned, "reply")
    assert draft is not None and draft.body.startswith("Dzień dobry")
    assert any(n.kind == "review" for n in trainee.get_ticket(returned).notes)
    assert sum(w.edited for w in stats.weeks) > 0 and sum(w.approved for w in stats.weeks) > 0
