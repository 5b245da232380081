"""The mentor's Review view and the trainee's side, driven by key presses on the demo; the
database is checked afterwards."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import TextArea

from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.modals import ChoiceModal, PromptModal
from supportdesk.screens.queue import QueueScreen
from supportdesk.screens.review import ReviewPanel
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database
from supportdesk.store.models import Draft, Message, OutboxItem, ReplyReview, Ticket
from tests.ui.conftest import AppFactory, settle
from tests.ui.test_console import until


def review_of(database: Database, message_id: int) -> tuple[Message, ReplyReview]:
    with database.read_session() as session:
        message = session.get(Message, message_id)
        review = session.scalars(
            select(ReplyReview).where(ReplyReview.message_id == message_id)
        ).one()
        session.expunge_all()
        return message, review  # type: ignore[return-value]


def outbox_count(database: Database, message_id: int) -> int:
    with database.read_session() as session:
        return len(
            session.scalars(select(OutboxItem).where(OutboxItem.message_id == message_id)).all()
        )


async def open_review_tab(pilot: Pilot[Any]) -> ReviewPanel:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    for _ in range(len(screen.views)):
        if screen.view == "review":
            break
        await pilot.press("l")
        await pilot.pause()
    assert screen.view == "review"
    await settle(pilot)
    panel = screen.query_one(ReviewPanel)
    assert panel.display and not screen.table.display
    return panel


async def test_mentor_approves_and_returns_from_the_review_view(
    console: AppFactory, demo_db: Database
) -> None:
    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        panel = await open_review_tab(pilot)
        waiting = list(panel.items)
        assert len(waiting) == 2 and all(i.trainee == "kasia" for i in waiting)
        assert waiting[0].requested_at < waiting[1].requested_at  # oldest first
        assert pilot.app.screen.counts.get("review") == 2  # type: ignore[attr-defined]
        first, second = waiting
        await pilot.press("a")
        await settle(pilot)
        message, review = review_of(demo_db, first.message_id)
        assert (message.delivery_state, review.outcome) == ("queued", "approved")
        assert message.text == first.text and outbox_count(demo_db, first.message_id) == 1
        await until(pilot, lambda: [i.message_id for i in panel.items] == [second.message_id])
        # Return: a comment is required; an empty one is not taken.
        await pilot.press("b")
        await settle(pilot)
        prompt = pilot.app.screen
        assert isinstance(prompt, PromptModal)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PromptModal)
        await pilot.press(*"Napisz najpierw, co sprawdziłaś.")
        await pilot.press("enter")
        await settle(pilot)
        message, review = review_of(demo_db, second.message_id)
        assert (message.delivery_state, review.outcome) == ("returned", "returned")
        assert review.comment == "Napisz najpierw, co sprawdziłaś."
        assert outbox_count(demo_db, second.message_id) == 0
        with demo_db.read_session() as session:
            draft = session.scalars(
                select(Draft)
                .join(Ticket, Ticket.id == Draft.ticket_id)
                .where(Ticket.number == second.ticket_number, Draft.kind == "reply")
            ).one()
            assert draft.body == second.text
        await until(pilot, lambda: panel.items == [])


async def test_mentor_edits_then_approves(console: AppFactory, demo_db: Database) -> None:
    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        panel = await open_review_tab(pilot)
        item = panel.items[0]
        await pilot.press("e")
        await settle(pilot)
        compose = pilot.app.screen
        assert isinstance(compose, ComposeScreen) and compose.review == item
        area = compose.query_one(TextArea)
        assert area.text == item.text
        await pilot.press("end")
        await pilot.press(*" Dziękuję za cierpliwość.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        message, review = review_of(demo_db, item.message_id)
        assert review.outcome == "edited" and review.original_text == item.text
        assert message.text.splitlines()[0] == "Dzień dobry, Dziękuję za cierpliwość."
        assert message.delivery_state == "queued"
        assert outbox_count(demo_db, item.message_id) == 1
        # The mentor's edit is no draft of hers.
        with demo_db.read_session() as session:
            assert session.scalars(select(Draft).where(Draft.body == message.text)).first() is None
        assert isinstance(pilot.app.screen, QueueScreen)


async def test_mentor_reviews_from_the_ticket_screen(
    console: AppFactory, demo_db: Database
) -> None:
    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        panel = await open_review_tab(pilot)
        item = panel.items[0]
        await pilot.press("o")
        await settle(pilot)
        ticket = pilot.app.screen
        assert isinstance(ticket, TicketScreen) and ticket.number == item.ticket_number
        # The waiting reply is marked on the ticket.
        shown = " ".join(str(s.render()) for s in ticket.query(".awaiting-review"))
        assert "AWAITING REVIEW" in shown
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChoiceModal)
        await pilot.press("enter")  # the first choice: approve as written
        await settle(pilot)
        message, review = review_of(demo_db, item.message_id)
        assert (message.delivery_state, review.outcome) == ("queued", "approved")
        assert review.reviewer_id is not None and outbox_count(demo_db, item.message_id) == 1
        assert not ticket.query(".awaiting-review")


async def test_no_review_tab_or_key_for_an_agent_who_mentors_nobody(
    console: AppFactory, demo_db: Database
) -> None:
    app = console("ann")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, QueueScreen) and "review" not in screen.views
        assert "review" not in screen.counts


async def test_trainee_sees_the_comment_fixes_the_draft_and_asks_again(
    console: AppFactory, demo_db: Database
) -> None:
    with demo_db.read_session() as session:
        returned = session.scalars(
            select(ReplyReview).where(ReplyReview.outcome == "returned")
        ).one()
        number = session.get(Ticket, returned.ticket_id).number  # type: ignore[union-attr]
    app = console("kasia")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press(*str(number), "enter")
        await settle(pilot)
        ticket = pilot.app.screen
        assert isinstance(ticket, TicketScreen) and ticket.number == number
        note = " ".join(str(s.render()) for s in ticket.query(".review"))
        assert "REPLY RETURNED" in note and "@kasia" in note and returned.comment in note
        # The review key is not hers.
        assert ticket.check_action("review", ()) is False
        await pilot.press("r")
        await settle(pilot)
        compose = pilot.app.screen
        assert isinstance(compose, ComposeScreen)
        area = compose.query_one(TextArea)
        assert area.text.startswith("Dzień dobry") and "odłączyć integrację" in area.text
        await pilot.press("end")
        await pilot.press(*" Opcja jest w Ustawienia → Integracje; historia połączeń zostaje.")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with demo_db.read_session() as session:
        reviews = session.scalars(
            select(ReplyReview)
            .where(ReplyReview.ticket_id == returned.ticket_id)
            .order_by(ReplyReview.id)
        ).all()
        assert [r.outcome for r in reviews][-2:] == ["returned", None]
        fresh = session.get(Message, reviews[-1].message_id)
        assert fresh is not None and fresh.delivery_state == "awaiting_review"
        assert "historia połączeń zostaje" in fresh.text


async def test_trainee_reads_a_closed_colleague_ticket_and_is_told_what_not_to_do(
    console: AppFactory, demo_db: Database
) -> None:
    with demo_db.read_session() as session:
        closed = session.scalars(
            select(Ticket.number).where(Ticket.status == "closed").order_by(Ticket.number)
        ).first()
    assert closed is not None
    app = console("kasia")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press(*"#", *str(closed), "enter")
        await settle(pilot)
        ticket = pilot.app.screen
        assert isinstance(ticket, TicketScreen) and ticket.number == closed
        assert ticket.detail is not None and ticket.detail.messages
        await pilot.press("A")  # assign to a colleague: not a trainee's
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        told = [n.message for n in pilot.app._notifications]
        assert any("trainee may not assign tickets to colleagues" in m for m in told), told
        assert isinstance(pilot.app.screen, TicketScreen)
        # A wrong number is told, and no screen opens.
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        await pilot.press(*"999999", "enter")
        await settle(pilot)
        told = [n.message for n in pilot.app._notifications]
        assert any("there is no ticket #999999" in m for m in told), told
        assert isinstance(pilot.app.screen, QueueScreen)


async def test_the_supervisor_shows_each_trainees_review_figures(
    supervisor: AppFactory, demo_db: Database, clock: Any
) -> None:
    from supportdesk.screens.supervisor import SupervisorScreen
    from supportdesk.store.desk import Desk

    stats = Desk(demo_db, clock).review_stats()
    latest = stats.weeks[-1]
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, SupervisorScreen)
        shown = str(screen.query_one("#sv-review").render())
        assert "Trainee review" in shown and "Kasia Zielińska" in shown
        assert (
            f"w/c {latest.week:%d %b} {latest.approved}·{latest.edited}·{latest.returned} "
            f"({latest.approval_rate:.0%})" in shown
        )
        assert "2 waiting" in shown
        assert stats.comments[-1].comment[:40] in shown


async def test_help_lists_the_review_keys_for_a_mentor(console: AppFactory) -> None:
    from supportdesk.screens.help import HelpScreen

    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        help_screen = pilot.app.screen
        assert isinstance(help_screen, HelpScreen)
        sections = dict(help_screen.sections)
        ids = {b.id for b in sections["Review tab"]}  # type: ignore[union-attr]
        assert {"review.approve", "review.edit", "review.return"} <= ids
        assert "ticket.review" in {b.id for b in sections["Ticket"]}  # type: ignore[union-attr]


async def test_a_lead_graduates_a_trainee_from_the_command_palette(
    console: AppFactory, demo_db: Database
) -> None:
    from datetime import date

    from supportdesk.store.models import Agent

    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Graduate trainee")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChoiceModal)
        await pilot.press("enter")  # kasia, the only trainee
        await settle(pilot)
        prompt = pilot.app.screen
        assert isinstance(prompt, PromptModal)
        # Today in the team's time zone is offered; a bad date is told, nothing changes.
        await pilot.press("end", *"x", "enter")
        await settle(pilot)
        told = [n.message for n in pilot.app._notifications]
        assert any("is not a date" in m for m in told), told
        with demo_db.read_session() as session:
            kasia = session.scalars(select(Agent).where(Agent.name == "kasia")).one()
            assert kasia.sends_directly_from is None
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Graduate trainee")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    with demo_db.read_session() as session:
        kasia = session.scalars(select(Agent).where(Agent.name == "kasia")).one()
        assert kasia.sends_directly_from == date(2026, 11, 24)
    assert [a.sends_directly_from for a in app.agents if a.name == "kasia"] == [date(2026, 11, 24)]


async def test_a_trainee_is_told_at_once_that_closing_and_urgent_are_not_theirs(
    console: AppFactory, demo_db: Database
) -> None:
    """Choosing "closed" or "urgent" refuses straight away, without first asking a trainee
    for a reason that could only be refused after it was typed."""
    app = console("kasia")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, QueueScreen)
        number = next(
            int(key)
            for key in screen.order
            if screen.rows[key].ticket is not None
            and screen.rows[key].ticket.status not in ("solved", "closed")
            and screen.rows[key].ticket.priority != "urgent"
        )
        screen.table.move_cursor(row=screen.order.index(str(number)))
        await pilot.pause()
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("end", "enter")  # closed
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)
        await pilot.press("p")
        await settle(pilot)
        await pilot.press("home", "enter")  # urgent
        await settle(pilot)
        assert isinstance(pilot.app.screen, QueueScreen)
        told = [n.message for n in pilot.app._notifications]
        assert any("a trainee may not close tickets" in m for m in told), told
        assert any("a trainee may not mark tickets urgent" in m for m in told), told
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TicketScreen)
        await pilot.press("m")  # merging closes the ticket: not a trainee's either
        await settle(pilot)
        assert isinstance(pilot.app.screen, TicketScreen)
    with demo_db.read_session() as session:
        row = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        assert row.status != "closed" and row.priority != "urgent"
