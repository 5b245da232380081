"""The console driven by key presses, as an agent uses it; the database checked afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import func, select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static, TextArea

from supportdesk.clock import FrozenClock
from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.help import HelpScreen
from supportdesk.screens.modals import ConfirmModal
from supportdesk.screens.queue import COLUMNS, QueueScreen
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk
from supportdesk.store.dto import ChannelHealth
from supportdesk.store.models import Draft, Message, Note, NoteMention, OutboxItem, Ticket
from tests.ui.conftest import NOW, AppFactory, settle


def queue(pilot: Pilot[Any]) -> QueueScreen:
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen), screen
    return screen


def ticket_keys(pilot: Pilot[Any]) -> list[str]:
    """The rows that are tickets (not an open incident's group row), in order."""
    screen = queue(pilot)
    return [key for key in screen.order if screen.rows[key].ticket is not None]


def row_numbers(pilot: Pilot[Any]) -> list[int]:
    return [int(key) for key in ticket_keys(pilot)]


def latest_reply(database: Database, number: int) -> Message | None:
    with database.read_session() as session:
        return session.scalars(
            select(Message)
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(Ticket.number == number, Message.direction == "out")
            .order_by(Message.id.desc())
        ).first()


def ticket_row(database: Database, number: int) -> Ticket:
    with database.read_session() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def english_ticket(pilot: Pilot[Any]) -> int:
    """The first ticket of an English-speaking customer (the checker's English rules)."""
    rows = queue(pilot).rows
    return next(
        int(key) for key in ticket_keys(pilot) if rows[key].ticket.customer.language == "en"
    )


async def move_to(pilot: Pilot[Any], number: int) -> None:
    screen = queue(pilot)
    screen.table.move_cursor(row=screen.order.index(str(number)))
    await pilot.pause()


async def open_reply(pilot: Pilot[Any]) -> ComposeScreen:
    """Open the ticket under the cursor and start a reply."""
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    compose = pilot.app.screen
    assert isinstance(compose, ComposeScreen)
    return compose


def customer_writes(demo_db: Database, clock: FrozenClock, number: int, text: str) -> None:
    """The ticket's customer writes again, on its channel, as of NOW."""
    detail = Desk(demo_db, clock).get_ticket(number)
    customer = detail.summary.customer
    kind, value = (
        ("email", customer.emails[0]) if customer.emails else ("telegram", customer.telegram_ids[0])
    )
    Desk(demo_db, clock).receive(
        channel=detail.summary.channel,
        account="support",
        identity_kind=kind,
        identity_value=value,
        sender_name=customer.name,
        subject="Re",
        text=text,
        at=NOW,
        ticket_number=number,
    )


def told(app: Any, words: str) -> list[str]:
    """The notifications shown so far that say `words`."""
    return [n.message for n in app._notifications if words in n.message]


async def until(pilot: Pilot[Any], condition: Any, seconds: float = 4.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the console did not get there in time")


async def test_queue_shows_the_desk_order_with_live_countdowns(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        desk = Desk(demo_db, clock, agent="ann")
        # An open incident's tickets are grouped under its row (tests/ui/test_incidents.py).
        expected = [t.number for t in desk.list_queue("open", group_incidents=True).tickets]
        assert row_numbers(pilot) == expected
        screen = queue(pilot)
        first = ticket_keys(pilot)[0]
        sla = [key for key, *_ in COLUMNS].index("sla")
        before = str(screen.table.get_row(first)[sla])
        clock.advance(minutes=5)
        await pilot.pause(1.2)  # one tick of the second timer
        after = str(screen.table.get_row(first)[sla])
        assert before != after


async def test_the_ticket_head_tells_a_colleagues_hold_not_my_own(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("n")  # take next: the ticket is held for me a few minutes
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail)
        head = str(app.screen.query_one("#ticket-head", Static).render())
        assert "Ann Novak" in head and "is replying" not in head
        await pilot.press("escape")
        await settle(pilot)
        held = Desk(demo_db, clock, agent="pavel").take_next()
        assert held is not None
        await move_to(pilot, held.number)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TicketScreen) and app.screen.detail)
        head = str(app.screen.query_one("#ticket-head", Static).render())
        assert "✎ pavel is replying" in head


async def test_take_status_and_priority_from_the_keyboard(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        unassigned = next(
            key
            for key in ticket_keys(pilot)
            if queue(pilot).rows[key].ticket.assignee is None
            and queue(pilot).rows[key].ticket.priority != "urgent"
        )
        number = int(unassigned)
        await move_to(pilot, number)
        await pilot.press("a")
        await settle(pilot)
        assert ticket_row(demo_db, number).assignee_id is not None
        await move_to(pilot, number)
        await pilot.press("s")
        await pilot.pause()
        # The choices: open, pending, on_hold, solved, closed — pick pending.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert ticket_row(demo_db, number).status == "pending"
        await move_to(pilot, number)
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("home", "enter")  # urgent asks for the reason
        await pilot.pause()
        await pilot.press("enter")  # an empty reason is refused
        await pilot.pause()
        assert ticket_row(demo_db, number).priority != "urgent"
        await pilot.press(*"all calls fail")
        await pilot.press("enter")
        await settle(pilot)
        row = ticket_row(demo_db, number)
        assert row.priority == "urgent" and row.urgent_reason == "all calls fail"


async def test_take_next_opens_the_most_urgent_unassigned(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    desk = Desk(demo_db, clock, agent="ann")
    unassigned = desk.list_queue("unassigned").tickets
    most_urgent = next(t for t in unassigned if t.status in ("new", "open")).number
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.number == most_urgent
        assert desk.get_ticket(most_urgent).summary.assignee == "ann"


async def test_a_key_pressed_while_the_ticket_loads_is_run_when_it_is_here(
    console: AppFactory, demo_db: Database
) -> None:
    """`n` then `r` at once (the end-to-end test did this on a busy machine): the reply
    editor opens when the ticket has loaded; the key is not dropped."""
    import threading

    app = console()
    loaded = threading.Event()
    real_get_ticket = app.desk.get_ticket

    def slow_get_ticket(number: int) -> Any:
        loaded.wait(10)
        return real_get_ticket(number)

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        app.desk.get_ticket = slow_get_ticket  # type: ignore[method-assign]
        app.push_screen(TicketScreen(number))
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen) and app.screen.detail is None
        loaded.set()
        await until(pilot, lambda: isinstance(app.screen, ComposeScreen))
        assert isinstance(app.screen, ComposeScreen) and app.screen.ticket.number == number


async def test_reply_is_queued_and_returns_to_the_queue(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        compose = await open_reply(pilot)
        area = compose.query_one(TextArea)
        assert area.text.strip() != ""  # greeting and signature are pre-filled
        await pilot.press(*"We found the cause and are fixing it now.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    reply = latest_reply(demo_db, number)
    assert reply is not None and "We found the cause and are fixing it now." in reply.text
    with demo_db.read_session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.message_id == reply.id)
            )
            == 1
        )
        assert ticket_row(demo_db, number).status == "pending"


async def test_the_reply_editor_shows_the_customers_words_it_answers(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    """The editor fills the screen: the customer's latest message stays in sight above it,
    as plain text (markup and control characters are the customer's, not ours), its quoted
    history folded away."""
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        customer_writes(
            demo_db,
            clock,
            number,
            "Is [b]this[/b] fixed yet?\x1b[31m\n\n> On Monday you wrote:\n> old words",
        )
        compose = await open_reply(pilot)
        shown = str(compose.query_one("#compose-answering", Static).render())
        assert "Is [b]this[/b] fixed yet?" in shown
        assert "\x1b" not in shown and "old words" not in shown
        assert compose.query_one(TextArea).has_focus


async def test_note_with_mention(console: AppFactory, demo_db: Database) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[3])
        await move_to(pilot, number)
        await pilot.press("N")
        await settle(pilot)
        await pilot.press(*"@pavel can you check the SIP trunk?")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with demo_db.read_session() as session:
        note = session.scalars(
            select(Note)
            .join(Ticket, Ticket.id == Note.ticket_id)
            .where(Ticket.number == number)
            .order_by(Note.id.desc())
        ).first()
        assert note is not None and note.body == "@pavel can you check the SIP trunk?"
        assert (
            session.scalar(
                select(func.count()).select_from(NoteMention).where(NoteMention.note_id == note.id)
            )
            == 1
        )


async def test_draft_survives_closing_and_comes_back(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[1])
        await move_to(pilot, number)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"half-typed thought")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with demo_db.read_session() as session:
        # The demo's only other draft is the trainee's returned reply, on another ticket.
        draft = session.scalars(
            select(Draft).join(Ticket, Ticket.id == Draft.ticket_id).where(Ticket.number == number)
        ).one()
        assert "half-typed thought" in draft.body
    # A new console (as after a crash or a closed terminal) brings the draft back.
    again = console()
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await move_to(pilot, number)
        await pilot.press("r")
        await settle(pilot)
        area = again.screen.query_one(TextArea)
        assert "half-typed thought" in area.text
        # Typing goes on where the words stopped, not into the greeting at the top.
        await pilot.press(*" and the rest")
        assert "half-typed thought and the rest" in area.text


async def test_new_customer_message_before_sending_asks_first(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Answer to the first question")
        customer_writes(demo_db, clock, number, "And one more thing!")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # don't send yet
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press("ctrl+s")  # now the agent has seen it
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)


async def test_filter_as_you_type(console: AppFactory, demo_db: Database) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        all_rows = len(ticket_keys(pilot))
        await pilot.press("slash", *"GA4")
        await pilot.pause(0.3)
        await settle(pilot)
        rows = [r.ticket for r in queue(pilot).rows.values() if r.ticket is not None]
        assert 0 < len(rows) < all_rows
        assert all("ga4" in t.subject.casefold() or "ga4" in t.tags for t in rows)
        await pilot.press("escape")
        await settle(pilot)
        assert len(ticket_keys(pilot)) == all_rows


async def test_views_switch_and_count(console: AppFactory) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("left", "left")  # open -> unassigned -> mine
        await settle(pilot)
        screen = queue(pilot)
        assert screen.view == "mine"
        tickets = [r.ticket for r in screen.rows.values() if r.ticket is not None]
        assert all(t.assignee == "ann" for t in tickets)
        grouped = sum(g.count for g in screen.groups)
        assert len(tickets) + grouped == screen.counts["mine"]


async def test_changes_from_another_console_appear_within_two_seconds(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        cursor_before = queue(pilot).cursor_key()
        new = (
            Desk(demo_db, clock)
            .receive(
                channel="telegram",
                account="bot",
                identity_kind="telegram",
                identity_value="424242",
                sender_name="Nowy Klient",
                subject="Wszystkie telefony milczą",
                text="Pomocy!",
                at=NOW,
            )
            .ticket_number
        )
        await until(pilot, lambda: str(new) in queue(pilot).rows, seconds=2.5)
        assert queue(pilot).cursor_key() == cursor_before


async def test_hostile_customer_text_is_shown_literally(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    hostile_subject = "[@click=app.quit]quit[/] [b]bold?[/b] \x1b[31mred"
    body = "line one\x1b[2J\x1b]0;owned\x07\n[@click=app.quit]click me[/]\u202eevil" + "x" * 100_000
    number = (
        Desk(demo_db, clock)
        .receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="attacker@example.com",
            sender_name="[red]Mallory[/red]",
            subject=hostile_subject,
            text=body,
            at=NOW,
        )
        .ticket_number
    )
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        row = queue(pilot).rows[str(number)]
        cells = dict(zip([key for key, *_ in COLUMNS], [c.plain for c in row.cells], strict=True))
        subject = cells["subject"]
        assert "[@click=app.quit]quit[/] [b]bold?[/b] red" in subject or subject.startswith(
            "[@click=app.quit]quit[/] [b]bold?[/b]"
        )
        assert cells["customer"] == "[red]Mallory[/red]"
        await move_to(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        texts = [
            static.render().plain if isinstance(static.render(), Text) else str(static.render())
            for static in app.screen.query(".message").results(Static)
        ]
        shown = "\n".join(texts)
        assert "[@click=app.quit]click me[/]" in shown
        assert "\x1b" not in shown and "\u202e" not in shown
        assert "more characters not shown" in shown
        await pilot.click("#conversation")
        await pilot.pause()
        assert app.is_running  # no markup action ran


async def test_help_lists_every_binding_and_keymap_remaps(
    console: AppFactory, demo_db: Database
) -> None:
    app = console(keymap={"queue.take": "t"})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {b.id for _t, section in app.screen.sections for b in section}
        assert {"queue.take", "queue.take_next", "ticket.reply", "compose.send", "app.quit"} <= ids
        await pilot.press("escape")
        await pilot.pause()
        unassigned = next(
            key for key in ticket_keys(pilot) if queue(pilot).rows[key].ticket.assignee is None
        )
        await move_to(pilot, int(unassigned))
        await pilot.press("t")
        await settle(pilot)
        assert ticket_row(demo_db, int(unassigned)).assignee_id is not None


async def test_news_of_a_ticket_given_to_me_but_not_of_the_ones_i_took(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    """Mine growing because I pressed `n` is no news; a lead giving me a ticket is."""
    app = console()

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        mine_before = app.counts["mine"]
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("escape")  # back to the queue, which counts again
        await until(pilot, lambda: app.counts["mine"] == mine_before + 1)
        assert told(app, "assigned to you") == []
        lead = Desk(demo_db, clock, agent="marta")
        number = next(t.number for t in lead.list_queue("unassigned").tickets)
        lead.assign(number, "ann")
        await until(pilot, lambda: told(app, "assigned to you") != [], seconds=8)
        assert told(app, "assigned to you") == [
            f"#{number} was assigned to you by Marta Kowalska (Mine view)."
        ]
        await until(pilot, lambda: app.counts["mine"] == mine_before + 2)


async def test_news_of_every_mention_by_a_colleague_and_none_of_my_own(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    """A second mention on a ticket already under Mentions leaves the count as it was; it is
    news all the same. A note of mine that names me is not."""
    app = console()

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pavel = Desk(demo_db, clock, agent="pavel")
        number = next(t.number for t in pavel.list_queue("open").tickets)
        Desk(demo_db, clock, agent="ann").add_note(number, "@ann reminder to self")
        pavel.add_note(number, "@ann can you look at this?")
        await until(pilot, lambda: len(told(app, "mentioned you")) == 1, seconds=8)
        pavel.add_note(number, "@ann the customer called again")
        await until(pilot, lambda: len(told(app, "mentioned you")) == 2, seconds=8)
        assert set(told(app, "mentioned you")) == {
            f"Павел Смирнов mentioned you in a note on #{number} (Mentions view)."
        }


async def test_news_of_a_ticket_given_to_me_while_i_solve_another(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    """Mine's count stays the same when I solve one of mine as a lead gives me another: the
    news still comes (it is read from the assignment, not from the count)."""
    app = console()

    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        ann = Desk(demo_db, clock, agent="ann")
        lead = Desk(demo_db, clock, agent="marta")
        mine = ann.list_queue("mine").tickets[0].number
        waiting = next(t.number for t in lead.list_queue("unassigned").tickets)
        ann.set_status(mine, "solved")
        lead.assign(waiting, "ann")
        await until(pilot, lambda: told(app, "assigned to you") != [], seconds=8)
        assert told(app, "assigned to you") == [
            f"#{waiting} was assigned to you by Marta Kowalska (Mine view)."
        ]


async def test_errors_are_told_not_raised(console: AppFactory, demo_db: Database) -> None:
    """A refusal from the Desk shows as a notification; the console keeps working."""
    app = console(agent="kasia")  # a trainee may not mark tickets urgent
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[-1])
        await move_to(pilot, number)
        await pilot.press("p", "home", "enter")
        await pilot.pause()
        await pilot.press(*"because")
        await pilot.press("enter")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("may not mark tickets urgent" in m for m in messages)
        assert ticket_row(demo_db, number).priority != "urgent"
        assert isinstance(app.screen, QueueScreen)
        await asyncio.sleep(0)


async def test_split_and_merge_from_the_ticket_screen(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    desk = Desk(demo_db, clock, agent="ann")
    candidates = [
        t.number
        for t in desk.list_queue("open", limit=500).tickets
        if sum(m.direction == "in" for m in desk.get_ticket(t.number).messages) >= 2
    ]
    number = candidates[0]
    other = next(t.number for t in desk.list_queue("open").tickets if t.number != number)
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await move_to(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        before = len(desk.get_ticket(number).messages)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")  # the first customer message
        await settle(pilot)
        assert len(desk.get_ticket(number).messages) == before - 1
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*f"#{other}", "enter")
        await settle(pilot)
        assert desk.get_ticket(number).merged_into == other
        assert isinstance(app.screen, TicketScreen) and app.screen.number == other


async def test_save_an_attachment_from_the_ticket_screen(
    console: AppFactory, demo_db: Database, clock: FrozenClock, tmp_path
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        message_id = app.desk.get_ticket(number).messages[0].id
        app.desk.acting_as(None).store_attachment(
            message_id, "screenshot.png", "image/png", b"\x89PNG"
        )
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("S")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        field = app.screen.query_one("Input")
        field.value = str(tmp_path / "saved")
        await pilot.press("enter")
        await settle(pilot)
    assert (tmp_path / "saved" / "screenshot.png").read_bytes() == b"\x89PNG"


async def test_mention_completion_in_a_note(console: AppFactory, demo_db: Database) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("N")
        await settle(pilot)
        await pilot.press(*"Can @pa", "tab")
        await pilot.press(*"check the trunk?")
        area = app.screen.query_one(TextArea)
        assert area.text == "Can @pavel check the trunk?"
        await pilot.press("tab")  # nothing to complete: tab moves on, typing nothing
        assert app.screen.query_one(TextArea).text == "Can @pavel check the trunk?"


async def test_quoted_history_is_folded_and_unfolds(
    console: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    number = (
        Desk(demo_db, clock)
        .receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="jan@firma.pl",
            sender_name="Jan",
            subject="Re: nagrania",
            text=(
                "Nadal brak nagrań.\n\nW dniu 23.11.2026 Telvio napisał(a):\n"
                "> Proszę sprawdzić\n> ustawienia"
            ),
            at=NOW,
        )
        .ticket_number
    )
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await move_to(pilot, number)
        await pilot.press("enter")
        await settle(pilot)

        def shown() -> str:
            return "\n".join(
                str(block.render()) for block in app.screen.query(".message").results(Static)
            )

        assert "Nadal brak nagrań." in shown() and "Proszę sprawdzić" not in shown()
        assert "3 lines of quoted history" in shown()
        await pilot.press("f")
        await pilot.pause()
        assert "Proszę sprawdzić" in shown()


async def test_the_reply_checker_stops_a_bad_reply_and_an_agent_may_send_anyway(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    bad = "You made a mistake in the settings. You must restart the router."
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = english_ticket(pilot)
        await move_to(pilot, number)
        messages_before = ticket_row(demo_db, number).message_count
        compose = await open_reply(pilot)
        area = compose.query_one(TextArea)
        area.text = bad
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)  # stopped, with "send anyway" offered
        await pilot.press("escape")  # fix it instead
        await settle(pilot)
        assert app.screen is compose
        info = str(compose.query_one("#compose-info", Static).render())
        assert "blame" in info.lower() or "mistake" in info
        assert area.selected_text.lower().startswith("you made a mistake")
        assert ticket_row(demo_db, number).message_count == messages_before  # none sent
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")  # send anyway
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    reply = latest_reply(demo_db, number)
    assert reply is not None and reply.text.startswith(bad)


async def test_a_trainee_cannot_send_past_the_checker(
    console: AppFactory, demo_db: Database
) -> None:
    trainees = [a for a in Desk(demo_db, FrozenClock(NOW)).list_agents() if a.role == "trainee"]
    app = console(trainees[0].name)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await move_to(pilot, english_ticket(pilot))
        compose = await open_reply(pilot)
        compose.query_one(TextArea).text = "You made a mistake in the settings, you must redo it."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is compose  # no "send anyway" for a trainee
        info = str(compose.query_one("#compose-info", Static).render())
        assert "Not sent" in info


async def test_a_reply_with_a_file_attached(
    console: AppFactory, demo_db: Database, tmp_path: Path
) -> None:
    invoice = tmp_path / "faktura-11.pdf"
    invoice.write_bytes(b"%PDF-1.4 " + b"x" * 2000)
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        compose = await open_reply(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        prompt = app.screen.query_one(Input)
        prompt.value = str(tmp_path / "missing.pdf")
        await pilot.press("enter")
        await settle(pilot)
        assert "no file" in str(compose.query_one("#compose-info", Static).render())
        await pilot.press("ctrl+o")
        await settle(pilot)
        app.screen.query_one(Input).value = str(invoice)
        await pilot.press("enter")
        await settle(pilot)
        assert "faktura-11.pdf" in str(compose.query_one("#compose-info", Static).render())
        compose.query_one(TextArea).text = "Hello, the invoice is attached."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    detail = Desk(demo_db, FrozenClock(NOW)).get_ticket(number)
    [attached] = detail.messages[-1].attachments
    assert attached.filename == "faktura-11.pdf" and attached.size == invoice.stat().st_size


async def test_an_unreachable_customer_is_shown_on_the_ticket_and_in_the_reply_editor(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        number = next(
            int(key)
            for key, row in queue(pilot).rows.items()
            if row.ticket is not None and row.ticket.customer.emails
        )
        desk: Desk = app.desk  # type: ignore[attr-defined]
        [email, *_] = desk.get_ticket(number).summary.customer.emails
        desk.acting_as(None).mark_unreachable("email", email, "550 mailbox does not exist")
        await move_to(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        side = str(app.screen.query_one("#side-panel", Static).render())
        assert f"{email} unreachable: 550 mailbox does not exist" in side
        await pilot.press("r")
        await settle(pilot)
        head = str(app.screen.query_one("#compose-head", Static).render())
        assert f"{email} cannot be reached now: 550 mailbox does not exist" in head


async def test_the_status_line_names_a_troubled_channel_once(console: AppFactory) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.channels = ["support", "bot"]

        def trouble(account: str, error: str) -> ChannelHealth:
            return ChannelHealth("x", account, "k", None, error, NOW, None)

        app.health = [trouble("bot", "telegram bot: Telegram cannot be reached")]
        assert app.channel_status() == "telegram bot: Telegram cannot be reached"
        app.health = [
            trouble("support", "IMAP imap.example.com: timed out"),
            trouble("bot", "telegram bot: Telegram cannot be reached"),
        ]
        assert app.channel_status() == "support: IMAP imap.example.com: timed out (+1 more)"


async def test_ctrl_d_in_the_reply_editor_discards_the_draft(
    console: AppFactory, demo_db: Database
) -> None:
    """ctrl+d is the editor's discard key, not TextArea's own delete-right, which would
    otherwise take it first because the text area has the focus."""
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[1])
        await move_to(pilot, number)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"half-typed thought")
        await pilot.press("home")  # a character right of the cursor that delete-right would eat
        await pilot.press("ctrl+d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)
    with demo_db.read_session() as session:
        drafts = session.scalars(
            select(Draft).join(Ticket, Ticket.id == Draft.ticket_id).where(Ticket.number == number)
        ).all()
        assert drafts == []


async def test_arrows_switch_views_at_80_columns(console: AppFactory) -> None:
    """At 80x24 the queue's columns fit the screen: were the table wider than its window,
    the table would take ← → to scroll itself sideways and the views would not switch."""
    app = console()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = queue(pilot).table
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("right")
        await settle(pilot)
        assert queue(pilot).view == "urgent"
        await pilot.press("left", "left")
        await settle(pilot)
        assert queue(pilot).view == "unassigned"


async def test_an_untouched_reply_or_handover_note_is_not_sent(
    console: AppFactory, demo_db: Database
) -> None:
    """ctrl+s on a reply holding only the pre-filled greeting and signature sends nothing
    (the customer would get an empty answer and the SLA clock would stop); the same for the
    bare hand-over skeleton. Once something is written, it goes."""
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[0])
        before = latest_reply(demo_db, number)
        compose = await open_reply(pilot)
        await pilot.press("enter")  # a blank line is not writing anything
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is compose
        assert "Nothing written yet" in str(compose.query_one("#compose-info", Static).render())
        after = latest_reply(demo_db, number)
        assert (after.id if after else None) == (before.id if before else None)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("w")
        await settle(pilot)
        handover = app.screen
        assert isinstance(handover, ComposeScreen)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is handover
        await pilot.press(*"asked billing to unblock")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    with demo_db.read_session() as session:
        notes = session.scalars(
            select(Note.body)
            .join(Ticket, Ticket.id == Note.ticket_id)
            .where(Ticket.number == number, Note.kind == "handover")
        ).all()
        assert len(notes) == 1 and "asked billing to unblock" in notes[0]


async def test_quitting_right_after_typing_keeps_the_draft(
    console: AppFactory, demo_db: Database, monkeypatch: Any
) -> None:
    """The draft is saved after a pause in typing; quitting inside that pause (here made
    long, so it cannot pass by luck) still keeps the last words."""
    monkeypatch.setattr("supportdesk.screens.compose.SAVE_AFTER_SECONDS", 600.0)
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        number = int(ticket_keys(pilot)[1])
        await move_to(pilot, number)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"last words ")
        # Keys that come in one burst with ctrl+q (a paste, a slow SSH link) still wait in
        # the text area's queue when the App runs the quit: they are part of the draft too.
        area = app.screen.query_one(TextArea)
        for character in "before the bus":
            key = "space" if character == " " else character
            area.post_message(events.Key(key, character))
        await app.run_action("quit")
        await pilot.pause()
    with demo_db.read_session() as session:
        body = session.scalars(
            select(Draft.body)
            .join(Ticket, Ticket.id == Draft.ticket_id)
            .where(Ticket.number == number, Draft.kind == "reply")
        ).one_or_none()
    assert body is not None and "last words before the bus" in body


async def test_after_answering_a_ticket_the_cursor_keeps_its_place_in_the_queue(
    console: AppFactory, demo_db: Database
) -> None:
    """Work goes down the queue: the answered ticket waits on the customer now and sinks to
    the bottom; back in the queue the cursor stays where it was, on the next ticket, instead
    of following the answered one down."""
    app = console()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        keys = ticket_keys(pilot)
        answered, following = int(keys[1]), int(keys[2])
        await move_to(pilot, answered)
        row = queue(pilot).table.cursor_row
        await open_reply(pilot)
        await pilot.press(*"We are on it.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = queue(pilot)
        assert screen.order.index(str(answered)) > row  # it did move down
        assert screen.table.cursor_row == row
        assert screen.cursor_key() == str(following)


async def test_the_collector_held_for_start_up_resumes_once_the_console_is_up(
    console: AppFactory,
) -> None:
    """The command holds garbage collection while it imports (supportdesk/launch.py); the
    console must resume it once its first screen is drawn, or a day's work never collects."""
    import gc

    from supportdesk import launch

    frozen_before = gc.get_freeze_count()
    launch.hold_collection()
    try:
        app = console()
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, QueueScreen) and app.screen.order)
            await until(pilot, gc.isenabled)
            assert gc.get_freeze_count() > frozen_before
    finally:
        gc.enable()
        gc.unfreeze()
