"""Incidents on real SQLite and PostgreSQL: declare, link, answer all at once, resolve."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from supportdesk.clock import FrozenClock
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk, InvalidInput, NotFound, NotPermitted, StaleIncident
from supportdesk.store.models import Event, IncidentTicket, Message, OutboxItem, Ticket
from tests.store.test_desk import count, receive, ticket_row

CUSTOMERS = [
    ("jan@firma.pl", "Jan Kowalski", "pl"),
    ("eva@example.com", "Eva Smith", "en"),
    ("ivan@example.ru", "Иван Петров", "ru"),
    ("olga@example.ru", "Ольга Орлова", "ru"),
]


def outage(desk: Desk, clock: FrozenClock) -> list[int]:
    numbers = []
    for address, name, language in CUSTOMERS:
        numbers.append(
            receive(
                desk,
                clock,
                who=address,
                sender_name=name,
                language=language,
                subject="Calls do not connect",
            )
        )
        clock.advance(minutes=1)
    return numbers


def outbound(database: Database, number: int) -> list[Message]:
    with database.read_session() as session:
        return list(
            session.scalars(
                select(Message)
                .join(Ticket, Ticket.id == Message.ticket_id)
                .where(Ticket.number == number, Message.direction == "out")
                .order_by(Message.id)
            )
        )


def test_declare_link_and_list(desk: Desk, clock: FrozenClock, database: Database) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident(
        "  Calls   do not connect ", "Our SIP provider is down; we are on it.", tickets=numbers[:2]
    )
    assert incident.title == "Calls do not connect" and incident.status == "open"
    assert incident.declared_by == "ann" and incident.ticket_count == 2
    assert incident.unanswered_count == 2
    result = desk.link_tickets(incident.id, [numbers[1], numbers[2], numbers[3], 99999])
    assert result.changed == (numbers[2], numbers[3])
    reasons = {s.number: s.reason for s in result.skipped}
    assert "already linked" in reasons[numbers[1]] and reasons[99999] == "no such ticket"
    assert count(database, IncidentTicket) == 4
    assert [i.id for i in desk.list_incidents()] == [incident.id]
    assert desk.incident_of_ticket(numbers[0]).id == incident.id  # type: ignore[union-attr]
    detail = desk.get_incident(incident.id)
    assert sorted(t.number for t in detail.tickets) == sorted(numbers)
    # Every link is in the event log, on the ticket, for other consoles to see.
    assert count(database, Event, Event.kind == "incident_linked") == 4
    assert count(database, Event, Event.kind == "incident_declared") == 1


def test_a_ticket_is_in_one_open_incident_and_unlinks(desk: Desk, clock: FrozenClock) -> None:
    numbers = outage(desk, clock)
    first = desk.declare_incident("Calls", "Down.", tickets=numbers)
    second = desk.declare_incident("Billing", "Invoices late.")
    result = desk.link_tickets(second.id, [numbers[0]])
    assert result.changed == ()
    assert f"open incident {first.id}" in result.skipped[0].reason
    unlinked = desk.unlink_tickets(first.id, [numbers[0], numbers[0]])
    assert unlinked.changed == (numbers[0],)
    assert desk.link_tickets(second.id, [numbers[0]]).changed == (numbers[0],)
    assert desk.incident_of_ticket(numbers[0]).id == second.id  # type: ignore[union-attr]
    assert "not linked" in desk.unlink_tickets(first.id, [numbers[0]]).skipped[0].reason


def test_bad_input_is_refused_in_words(desk: Desk, clock: FrozenClock) -> None:
    with pytest.raises(InvalidInput, match="needs a title"):
        desk.declare_incident("   ", "x")
    with pytest.raises(InvalidInput, match="status message is empty"):
        desk.declare_incident("Outage", "  \n")
    with pytest.raises(NotFound, match="no incident 42"):
        desk.link_tickets(42, [1])
    incident = desk.declare_incident("Outage", "Down.")
    with pytest.raises(InvalidInput, match="no tickets given"):
        desk.link_tickets(incident.id, [])
    with pytest.raises(InvalidInput, match="nothing to change"):
        desk.update_incident(incident.id)


def test_trainees_may_not_declare_or_answer(desk: Desk, clock: FrozenClock) -> None:
    numbers = outage(desk, clock)
    trainee = desk.acting_as("kasia")
    with pytest.raises(NotPermitted, match="trainee"):
        trainee.declare_incident("Outage", "Down.")
    incident = desk.declare_incident("Outage", "Down.", tickets=numbers)
    for attempt in (
        lambda: trainee.link_tickets(incident.id, numbers),
        lambda: trainee.incident_reply(incident.id),
        lambda: trainee.resolve_incident(incident.id, "Fixed."),
        lambda: trainee.update_incident(incident.id, message="x"),
    ):
        with pytest.raises(NotPermitted):
            attempt()
    # A lead may.
    assert desk.acting_as("marta").incident_reply(incident.id).queued


def test_version_check_refuses_a_stale_change(desk: Desk, clock: FrozenClock) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident("Outage", "Down.", tickets=numbers)
    updated = desk.acting_as("pavel").update_incident(incident.id, message="Still down.")
    assert updated.version == incident.version + 1
    with pytest.raises(StaleIncident, match="changed since you looked"):
        desk.incident_reply(incident.id, expected_version=incident.version)
    with pytest.raises(StaleIncident):
        desk.resolve_incident(incident.id, "Fixed.", expected_version=incident.version)
    assert desk.incident_reply(incident.id, expected_version=updated.version).queued


def test_bulk_reply_queues_one_per_open_ticket_and_never_twice(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident("Calls do not connect", "We are fixing it.", tickets=numbers)
    desk.set_status(numbers[3], "solved")
    before = count(database, OutboxItem)
    result = desk.incident_reply(incident.id)
    assert result.queued == tuple(numbers[:3])
    assert [(s.number, s.reason) for s in result.skipped] == [(numbers[3], "is solved already")]
    assert count(database, OutboxItem) == before + 3
    # Each is personal: the customer's language and name, the sender's signature.
    polish, english, russian = (outbound(database, n)[-1].text for n in numbers[:3])
    assert polish.startswith("Dzień dobry,\n\nWe are fixing it.")
    assert english.startswith("Hello Eva,\n\nWe are fixing it.") and english.endswith("Ann Novak")
    assert russian.startswith("Здравствуйте, Иван!")
    # Not assigned to the sender, not held: the queue stays as it was, answered.
    row = ticket_row(database, numbers[0])
    assert row.assignee_id is None and row.claimed_by_id is None
    assert row.first_response_at == clock.now() and row.status == "open"
    # Again: nobody gets the same text twice.
    again = desk.incident_reply(incident.id)
    assert again.queued == ()
    assert {s.number for s in again.skipped if s.reason == "already got this text"} == set(
        numbers[:3]
    )
    assert count(database, OutboxItem) == before + 3
    # A new status message goes to everybody once more.
    desk.update_incident(incident.id, message="The provider says one more hour.")
    assert desk.incident_reply(incident.id).queued == tuple(numbers[:3])
    assert count(database, Event, Event.kind == "incident_replied") == 3
    replies = [e for e in events(database, "reply") if e.data.get("incident") == incident.id]
    assert len(replies) == 6


def events(database: Database, kind: str) -> list[Event]:
    with database.read_session() as session:
        return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_bulk_reply_with_a_template_rendered_per_ticket(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident("Calls", "Down.", tickets=numbers[:2])
    template = (
        "Hello {{ customer.first_name }},\n\nticket #{{ ticket.number }} is part of an outage."
        "\n\n{{ agent.name }}"
    )
    result = desk.incident_reply(
        incident.id, template=template, template_name="Outage", status_after="pending"
    )
    assert result.queued == tuple(numbers[:2])
    eva = outbound(database, numbers[1])[-1].text
    assert eva == f"Hello Eva,\n\nticket #{numbers[1]} is part of an outage.\n\nAnn Novak"
    assert ticket_row(database, numbers[1]).status == "pending"
    # A placeholder without a value is never sent blank: that ticket is skipped, with why.
    company = desk.incident_reply(incident.id, template="Dear {{ customer.company }} team")
    assert company.queued == ()
    assert "{{ customer.company }} unfilled" in company.skipped[0].reason
    assert "unfilled" in company.summary()


def test_resolve_notifies_open_tickets_and_optionally_solves(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident("Calls", "Down.", tickets=numbers)
    desk.set_status(numbers[3], "closed", reason="duplicate")
    result = desk.acting_as("marta").resolve_incident(
        incident.id, "Calls work again since 10:40.", solve=True
    )
    assert result.queued == tuple(numbers[:3]) and result.solved == tuple(numbers[:3])
    assert result.incident.status == "resolved" and result.incident.resolved_by == "marta"
    for number in numbers[:3]:
        assert ticket_row(database, number).status == "solved"
        assert "Calls work again since 10:40." in outbound(database, number)[-1].text
    # The email ticket's solving reply asks for a score, like every solving reply.
    assert "1" in outbound(database, numbers[0])[-1].text.split("Calls work again")[1]
    assert outbound(database, numbers[3]) == []
    resolved = events(database, "incident_resolved")
    assert resolved[0].data["solved"] == list(numbers[:3])
    assert resolved[0].data["skipped"] == {str(numbers[3]): "is closed already"}
    # A resolved incident groups nothing and takes no more changes.
    assert desk.incident_groups("open") == []
    assert desk.incident_of_ticket(numbers[0]) is None
    with pytest.raises(InvalidInput, match="resolved already"):
        desk.incident_reply(incident.id)
    assert [i.id for i in desk.list_incidents("resolved")] == [incident.id]


def test_resolve_without_solving_keeps_status(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    numbers = outage(desk, clock)
    incident = desk.declare_incident("Calls", "Down.", tickets=numbers[:2])
    desk.set_status(numbers[0], "pending")
    result = desk.resolve_incident(incident.id, "Fixed.")
    assert result.queued == tuple(numbers[:2]) and result.solved == ()
    assert ticket_row(database, numbers[0]).status == "pending"
    assert ticket_row(database, numbers[1]).status == "open"


def test_queue_groups_open_incidents(desk: Desk, clock: FrozenClock) -> None:
    numbers = outage(desk, clock)
    other = receive(desk, clock, who="zoe@example.com", subject="Invoice question")
    incident = desk.declare_incident("Calls", "Down.", tickets=numbers[:3])
    page = desk.list_queue("open", group_incidents=True)
    assert {t.number for t in page.tickets} == {numbers[3], other}
    assert page.total == 2
    groups = desk.incident_groups("open")
    assert [(g.incident.id, g.count, g.unanswered) for g in groups] == [(incident.id, 3, 3)]
    inside = desk.incident_queue(incident.id, "open")
    assert sorted(t.number for t in inside) == sorted(numbers[:3])
    # The filter narrows the groups too.
    assert desk.incident_groups("open", search="Kowalski")[0].count == 1
    assert desk.incident_groups("open", search="Invoice") == []
    # Without grouping the queue is whole.
    assert desk.list_queue("open").total == 5


def test_the_demo_has_an_ongoing_and_a_resolved_incident(database: Database) -> None:
    from supportdesk.store.demo import build_demo
    from tests.store.test_demo import NOW

    build_demo(database, now=NOW)
    desk = Desk(database, FrozenClock(NOW), agent="ann")
    [ongoing] = desk.list_incidents("open")
    [past] = desk.list_incidents("resolved")
    assert ongoing.ticket_count == 5 and ongoing.unanswered_count >= 1
    assert ongoing.unanswered_count < ongoing.active_count  # partly answered
    assert past.ticket_count >= 10 and past.resolved_at is not None
    assert 5 <= (NOW - past.declared_at).days <= 7
    tickets = desk.get_incident(ongoing.id).tickets
    assert {t.priority for t in tickets} == {"urgent"}
    # The queue shows the ongoing one as a group of its five tickets.
    [group] = desk.incident_groups("open")
    assert group.incident.id == ongoing.id and group.count == 5
    grouped = desk.list_queue("open", group_incidents=True, limit=1000)
    assert not {t.number for t in grouped.tickets} & {t.number for t in tickets}
    # And it can be answered and resolved like any other (sequences moved past demo ids).
    assert desk.incident_reply(ongoing.id).queued
    assert desk.declare_incident("Another", "Second outage.").id > ongoing.id
