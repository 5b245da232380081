"""Incidents in the console, by key presses: mark rows, link them, answer all, resolve — and
the database checked afterwards. The demo has one outage going on (an open incident)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from textual.pilot import Pilot
from textual.widgets import Checkbox, TextArea

from supportdesk.clock import FrozenClock
from supportdesk.screens.incidents import IncidentForm, IncidentPicker, ResolveForm
from supportdesk.screens.modals import ChoiceModal, ConfirmModal
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk
from supportdesk.store.models import Incident, IncidentTicket, Message, OutboxItem, Ticket
from tests.ui.conftest import AppFactory, settle
from tests.ui.test_console import move_to, queue, ticket_keys, ticket_row, until


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


def linked_numbers(database: Database, incident_id: int) -> set[int]:
    with database.read_session() as session:
        return set(
            session.scalars(
                select(Ticket.number)
                .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
                .where(IncidentTicket.incident_id == incident_id)
            )
        )


def outbox_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(OutboxItem)) or 0


def replies_about(database: Database, incident_id: int) -> dict[int, int]:
    """Per linked ticket, how many outbound messages it has."""
    with database.read_session() as session:
        rows = session.execute(
            select(Ticket.number, func.count(Message.id))
            .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)
            .outerjoin(Message, (Message.ticket_id == Ticket.id) & (Message.direction == "out"))
            .where(IncidentTicket.incident_id == incident_id)
            .group_by(Ticket.number)
        ).all()
    return {number: n for number, n in rows}


def open_incident(database: Database, clock: FrozenClock) -> Any:
    [incident] = Desk(database, clock, agent="ann").list_incidents("open")
    return incident


async def test_marks_survive_refreshes_and_link_to_a_new_incident(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = queue(pilot)
        wanted = [int(key) for key in ticket_keys(pilot)[:3]]
        await move_to(pilot, wanted[0])
        await pilot.press("space", "space")  # marks and moves down: two rows marked
        await move_to(pilot, wanted[2])
        await pilot.press("space")
        assert screen.marked == set(wanted)
        mark = str(screen.table.get_row(str(wanted[0]))[0])
        assert mark == "●"
        assert "3 marked" in str(screen.query_one("#queue-status").render())
        # Space again unmarks; marking it back.
        await move_to(pilot, wanted[2])
        await pilot.press("space")
        assert screen.marked == set(wanted[:2])
        await move_to(pilot, wanted[2])
        await pilot.press("space")
        # A live refresh (a colleague changes something) and the filter keep the marks.
        Desk(demo_db, clock, agent="pavel").add_note(wanted[0], "looking")
        await pilot.pause(1.5)
        await settle(pilot)
        await pilot.press("slash", *"zzzz")
        await pilot.pause(0.3)
        await settle(pilot)
        assert screen.marked == set(wanted) and not ticket_keys(pilot)
        await pilot.press("escape")  # in the filter field: the filter goes first
        await settle(pilot)
        assert screen.search == "" and screen.marked == set(wanted)
        assert str(screen.table.get_row(str(wanted[1]))[0]) == "●"
        await pilot.press("escape")  # then the marks
        assert screen.marked == set()
        for number in wanted:
            await move_to(pilot, number)
            await pilot.press("space")
        # L: the picker lists the open incident and "declare a new one".
        await pilot.press("L")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, IncidentPicker)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert isinstance(app.screen, IncidentForm)
        await type_text(pilot, "Invoices not sent")
        await pilot.press("enter")
        await type_text(pilot, "Invoices for November are delayed.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.read_session() as session:
            incident = session.scalars(
                select(Incident).where(Incident.title == "Invoices not sent")
            ).one()
        assert incident.message == "Invoices for November are delayed."
        assert linked_numbers(demo_db, incident.id) == set(wanted)  # type: ignore[arg-type]
        assert screen.marked == set()
        # Now they are grouped under the new incident's row.
        await until(pilot, lambda: f"incident:{incident.id}" in screen.order)
        assert not set(map(str, wanted)) & set(screen.order)


async def test_group_row_opens_and_answers_all_once(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    incident = open_incident(demo_db, clock)
    before = replies_about(demo_db, incident.id)
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = queue(pilot)
        key = f"incident:{incident.id}"
        assert screen.order[0] == key
        screen.table.move_cursor(row=0)
        await pilot.press("enter")  # opens the group
        await settle(pilot)
        linked = linked_numbers(demo_db, incident.id)
        assert {str(n) for n in linked} <= set(screen.order)
        screen.table.move_cursor(row=0)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("enter")  # the status message
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        after = replies_about(demo_db, incident.id)
        assert all(after[n] == before[n] + 1 for n in linked), (before, after)
        # Once more: nobody gets the same text twice.
        outbox = outbox_count(demo_db)
        screen.table.move_cursor(row=0)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert outbox_count(demo_db) == outbox
        assert any("already got this text" in n.message for n in app._notifications)
        # Enter again folds it.
        screen.table.move_cursor(row=0)
        await pilot.press("enter")
        await settle(pilot)
        assert not {str(n) for n in linked} & set(screen.order)


async def test_resolve_from_the_group_row_notifies_and_solves(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    incident = open_incident(demo_db, clock)
    linked = linked_numbers(demo_db, incident.id)
    before = replies_about(demo_db, incident.id)
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = queue(pilot)
        screen.table.move_cursor(row=0)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ResolveForm)
        assert form.query_one(Checkbox).value is True
        await type_text(pilot, "Calls work again.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        with demo_db.read_session() as session:
            row = session.get(Incident, incident.id)
            assert row is not None and row.status == "resolved"
        after = replies_about(demo_db, incident.id)
        for number in linked:
            assert after[number] == before[number] + 1
            assert ticket_row(demo_db, number).status == "solved"
        # The group is gone; the tickets are back in the queue on their own.
        await until(pilot, lambda: f"incident:{incident.id}" not in screen.order)


async def test_ticket_view_unlinks_and_links(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    incident = open_incident(demo_db, clock)
    number = min(linked_numbers(demo_db, incident.id))
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.push_screen(TicketScreen(number))
        await settle(pilot)
        assert "Part of an incident" in str(app.screen.query_one("#side-panel").render())
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert number not in linked_numbers(demo_db, incident.id)
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, IncidentPicker)
        await pilot.press("home", "enter")
        await settle(pilot)
        assert number in linked_numbers(demo_db, incident.id)


async def test_a_trainee_is_told_no_and_nothing_changes(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    incident = open_incident(demo_db, clock)
    app = console(agent="kasia")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = queue(pilot)
        number = int(ticket_keys(pilot)[0])
        await move_to(pilot, number)
        await pilot.press("space", "L")
        await settle(pilot)
        await pilot.press("home", "enter")
        await settle(pilot)
        assert number not in linked_numbers(demo_db, incident.id)
        assert any("trainee" in n.message for n in app._notifications)
        assert screen.marked == {number}


async def test_the_command_palette_offers_the_incident_commands(console: AppFactory) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {
            "Incident: declare",
            "Incident: link tickets",
            "Incident: answer all",
            "Incident: resolve",
            "Incident: update message",
        } <= titles
        # Run one as the palette would: declare opens the form.
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Incident: declare"
        )
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, IncidentForm)
        await pilot.press("escape")
        await settle(pilot)
        # Update the open incident's message through the palette's picker.
        command = next(
            c for c in app.get_system_commands(app.screen) if c.title == "Incident: update message"
        )
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, IncidentPicker)
        await pilot.press("enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, IncidentForm)
        form.query_one("#incident-message", TextArea).text = "One more hour, says the provider."
        await pilot.press("ctrl+s")
        await settle(pilot)
    incidents = Desk(app.desk.database, app.desk.clock, agent="ann").list_incidents("open")
    assert incidents[0].message == "One more hour, says the provider."
    assert incidents[0].version == 2
