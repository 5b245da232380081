"""Escalation in the console, as people use it: Ann escalates from the ticket with the form
(refused first, then complete), Pavel finds it under Second line and returns it as incomplete,
Ann sees his comment and escalates again — the database checked after each step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import Static, TextArea

from supportdesk.screens.escalation import EscalationForm
from supportdesk.screens.modals import ChoiceModal, PromptModal
from supportdesk.screens.queue import QUEUE_VIEWS
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database
from supportdesk.store.models import Escalation, Ticket
from tests.ui.conftest import AppFactory, settle
from tests.ui.test_console import move_to, queue, ticket_keys, ticket_row, until

COMPLETE = (
    "Call log, SIP trunk registration, the routing of the number",
    "Call the main number from a mobile: one ring, then silence",
    "The whole sales team gets no incoming calls",
)


def escalations(database: Database, number: int) -> list[Escalation]:
    with database.read_session() as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        return list(
            session.scalars(
                select(Escalation)
                .where(Escalation.ticket_id == ticket_id)
                .order_by(Escalation.round)
            )
        )


async def type_into(pilot: Pilot[Any], index: int, text: str) -> None:
    area = pilot.app.screen.query_one(f"#field-{index}", TextArea)
    area.focus()
    await pilot.pause()
    await pilot.press(*text)


def anns_ticket(pilot: Pilot[Any]) -> int:
    screen = queue(pilot)
    return next(
        int(key)
        for key in ticket_keys(pilot)
        if screen.rows[key].ticket.assignee == "ann"  # type: ignore[union-attr]
        and screen.rows[key].ticket.status == "open"  # type: ignore[union-attr]
    )


async def open_ticket(pilot: Pilot[Any], number: int) -> TicketScreen:
    await move_to(pilot, number)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TicketScreen)
    await until(pilot, lambda: screen.detail is not None)
    return screen


async def test_escalate_return_and_escalate_again(console: AppFactory, demo_db: Database) -> None:
    async with console("ann").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = anns_ticket(pilot)
        await open_ticket(pilot, number)
        await pilot.press("E")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, EscalationForm)
        # Too short and missing: refused beside each field; nothing written.
        await type_into(pilot, 0, "n/a")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pilot.app.screen is form
        assert "too short (3 characters" in str(form.query_one("#error-0", Static).render())
        assert "“Steps to reproduce” is empty" in str(form.query_one("#error-1", Static).render())
        assert escalations(demo_db, number) == []
        # Closing keeps the text; opening again shows it.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, EscalationForm)
        assert form.query_one("#field-0", TextArea).text == "n/a"
        form.query_one("#field-0", TextArea).text = ""
        for index, text in enumerate(COMPLETE):
            await type_into(pilot, index, text)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await until(pilot, lambda: not isinstance(pilot.app.screen, EscalationForm))
        [row] = escalations(demo_db, number)
        assert row.state == "open" and row.fields[0]["value"] == COMPLETE[0]
        assert ticket_row(demo_db, number).assignee_id is None

    # Pavel, second line: the Second line view has it; he returns it as incomplete.
    async with console("pavel").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        steps = QUEUE_VIEWS.index("second_line") - QUEUE_VIEWS.index(queue(pilot).view)
        for _ in range(steps):
            await pilot.press("l")
            await settle(pilot)
        assert queue(pilot).view == "second_line"
        assert str(number) in queue(pilot).order
        screen = await open_ticket(pilot, number)
        await pilot.press("b")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChoiceModal)
        await pilot.press("enter")  # the first choice: return as incomplete
        await settle(pilot)
        assert isinstance(pilot.app.screen, PromptModal)
        await pilot.press(*"Which number was called, and when?", "enter")
        await settle(pilot)
        await until(pilot, lambda: escalations(demo_db, number)[0].state == "returned")
        assert escalations(demo_db, number)[0].comment == "Which number was called, and when?"
        assert screen is pilot.app.screen

    # Ann: the ticket is hers again, with Pavel's comment; she escalates again.
    async with console("ann").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert ticket_row(demo_db, number).assignee_id is not None
        screen = await open_ticket(pilot, number)
        side = str(screen.query_one("#side-panel", Static).render())
        assert "returned as incomplete" in side
        assert "Which number was called, and when?" in side
        blocks = [str(s.render()) for s in screen.query(".escalation-returned")]
        assert any("Which number was called" in b for b in blocks)
        await pilot.press("E")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, EscalationForm)
        assert "Which number was called" in str(
            form.query_one(".escalation-returned", Static).render()
        )
        for index, text in enumerate(COMPLETE):
            await type_into(pilot, index, text + " (+48 22 000 00 00, 14:05)")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await until(pilot, lambda: len(escalations(demo_db, number)) == 2)
        assert [(r.round, r.state) for r in escalations(demo_db, number)] == [
            (1, "returned"),
            (2, "open"),
        ]


async def test_someone_outside_the_group_cannot_send_it_back(
    console: AppFactory, demo_db: Database
) -> None:
    with demo_db.read_session() as session:
        number = session.scalars(
            select(Ticket.number)
            .join(Escalation, Escalation.ticket_id == Ticket.id)
            .where(Escalation.state == "open", Escalation.target_agent_id.is_(None))
        ).one()
    async with console("tomasz").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_ticket(pilot, number)
        await pilot.press("b", "enter")
        await settle(pilot)
        await pilot.press(*"looks fine", "enter")
        await settle(pilot)
        assert [e.state for e in escalations(demo_db, number)] == ["open"]


async def test_the_supervisor_shows_return_rates(supervisor: AppFactory) -> None:
    import io

    from rich.console import Console, Group
    from rich.table import Table

    async with supervisor().run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        figures = pilot.app.screen.query_one("#sv-escalations", Static)
        await until(
            pilot,
            lambda: (
                isinstance(figures.content, Group)
                and any(isinstance(part, Table) for part in figures.content.renderables)
            ),
        )
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(figures.content)
        text = console.export_text()
    rows = {
        line.split("(")[1].split(")")[0]: line.split() for line in text.splitlines() if "(" in line
    }
    # ann: 2 made (one returned, one open) = 50%; tomasz 1 open; kasia 1 handed back.
    assert rows["ann"][-5:] == ["2", "1", "0", "1", "50%"]
    assert rows["tomasz"][-5:] == ["1", "0", "0", "1", "0%"]
    assert rows["kasia"][-5:] == ["1", "0", "1", "0", "0%"]
    assert "Team" in text


async def test_the_second_line_sees_a_new_escalation_live(
    console: AppFactory, demo_db: Database, clock: Any
) -> None:
    from supportdesk.store.desk import Desk

    async with console("pavel").run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert queue(pilot).counts["second_line"] == 2
        ann = Desk(demo_db, clock, agent="ann")
        number = next(
            t.number for t in ann.list_queue("mine").tickets if t.status in ("open", "pending")
        )
        ann.escalate(
            number,
            dict(
                zip(
                    ("What was checked", "Steps to reproduce", "Customer impact"),
                    COMPLETE,
                    strict=True,
                )
            ),
        )
        await until(pilot, lambda: queue(pilot).counts.get("second_line") == 3, seconds=10)
