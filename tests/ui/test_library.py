"""Templates and the knowledge base, driven from the keyboard as an agent uses them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select

from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.kb import ArticleEditor, ArticleScreen, KbSearchScreen, SimilarTicketsModal
from supportdesk.screens.modals import ConfirmModal
from supportdesk.screens.queue import QueueScreen
from supportdesk.screens.templates import TemplatePicker
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk
from supportdesk.store.models import Message, TemplateUsage, Ticket
from supportdesk.widgets.replyarea import PLACEHOLDER_HIGHLIGHT, ReplyArea
from tests.ui.conftest import AppFactory, settle
from tests.ui.test_console import until


def open_ticket_of_language(demo_db: Database, language: str) -> int:
    """An open email ticket whose customer writes in `language` and has a first name."""
    from supportdesk.store.models import Customer

    with demo_db.read_session() as session:
        stmt = (
            select(Ticket.number)
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(
                Customer.language == language,
                Ticket.channel == "email",
                Ticket.status.in_(["new", "open", "pending"]),
                Customer.name.not_like("%@%"),
            )
            .order_by(Ticket.number)
        )
        number = session.execute(stmt).scalars().first()
        assert number is not None
        return number


async def open_reply(pilot: Pilot[Any], number: int) -> ComposeScreen:
    app = pilot.app
    queue = app.screen
    assert isinstance(queue, QueueScreen)
    app.push_screen(TicketScreen(number))
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    compose = app.screen
    assert isinstance(compose, ComposeScreen)
    await until(pilot, lambda: compose._templates is not None)
    return compose


async def test_semicolon_shortcut_inserts_a_personal_template_in_the_customers_language(
    console: AppFactory, demo_db: Database
) -> None:
    number = open_ticket_of_language(demo_db, "pl")
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        compose = await open_reply(pilot, number)
        await pilot.press("semicolon")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        # The customer's language comes first even with an empty query.
        assert picker.matches[0].template.language == "pl"
        await pilot.press(*"details")
        await settle(pilot)
        first = picker.matches[0].template
        assert (first.shortcut, first.language) == ("details", "pl")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is compose
        area = compose.query_one(ReplyArea)
        # The template replaced the untouched greeting; no ';' left behind.
        assert ";" not in area.text.splitlines()[0]
        assert area.text.startswith("Dzień dobry")
        assert "{{" not in area.text  # every placeholder had a value for this ticket
        assert str(compose.query_one("#after", Select).value) == "pending"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with demo_db.read_session() as session:
        uses = session.scalars(select(TemplateUsage)).all()
        assert [(u.template_key.split(":")[0], u.uses) for u in uses] == [("team", 1)]


async def test_unfilled_placeholder_is_highlighted_and_blocks_sending(
    console: AppFactory, demo_db: Database, tmp_path
) -> None:
    mine = tmp_path / "data" / "templates"
    mine.mkdir(parents=True)
    (mine / "company.md").write_text(
        "---\nname: Company welcome\nshortcut: welcome-co\nlanguage: en\n---\n"
        "Welcome, {{ customer.company }} team! I'm {{ agent.first_name }}.\n",
        encoding="utf-8",
    )
    (mine / "broken.md").write_text("---\nname: Broken\n---\n{% if %}\n", encoding="utf-8")
    number = open_ticket_of_language(demo_db, "en")
    with demo_db.write_engine.begin() as connection:  # a customer whose company we don't know
        connection.execute(
            text(
                "UPDATE customer SET company = NULL WHERE id = "
                "(SELECT customer_id FROM ticket WHERE number = :n)"
            ),
            {"n": number},
        )
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        compose = await open_reply(pilot, number)
        area = compose.query_one(ReplyArea)
        await pilot.press("end", *"P.S. ")
        await pilot.press("ctrl+t")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        assert picker.problems and "broken.md:4" in picker.problems[0]
        await pilot.press(*"welcome co")
        await settle(pilot)
        assert picker.matches[0].template.source == "personal"
        await pilot.press("enter")
        await settle(pilot)
        # Inserted at the cursor (the reply was already touched), company left to fill in.
        assert "P.S. Welcome, {{ customer.company }} team! I'm Ann." in area.text
        highlighted = [h for row in area._highlights.values() for h in row]
        assert any(name == PLACEHOLDER_HIGHLIGHT for _s, _e, name in highlighted)
        assert area.selected_text == "{{ customer.company }}"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is compose  # refused
        assert "fill in" in str(compose.query_one("#compose-info").render())
        await pilot.press(*"Acme")  # typing replaces the selected placeholder
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
    with demo_db.read_session() as session:
        last = session.scalars(
            select(Message).where(Message.direction == "out").order_by(Message.id.desc())
        ).first()
        assert last is not None and "Welcome, Acme team!" in last.text


async def test_ctrl_k_in_a_reply_inserts_a_link_and_asks_for_internal_articles(
    console: AppFactory, demo_db: Database
) -> None:
    number = open_ticket_of_language(demo_db, "en")
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        compose = await open_reply(pilot, number)
        area = compose.query_one(ReplyArea)
        await pilot.press("ctrl+k")
        await settle(pilot)
        kb = app.screen
        assert isinstance(kb, KbSearchScreen) and kb.for_reply
        assert kb.language == "en"
        await pilot.press(*"recording")
        await until(pilot, lambda: kb.hits and kb.hits[0].article.slug == "call-recording")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is compose
        assert "https://help.telvio.example/kb/call-recording" in area.text
        # An internal article asks first; "no" inserts nothing.
        await pilot.press("ctrl+k")
        await settle(pilot)
        kb = app.screen
        assert isinstance(kb, KbSearchScreen)
        await pilot.press(*"discount")
        await until(pilot, lambda: kb.hits and kb.hits[0].article.internal)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        before = area.text
        await pilot.press("escape")
        await settle(pilot)
        assert area.text == before


async def test_quick_search_from_the_queue_opens_and_edits_an_article(
    console: AppFactory, demo_db: Database
) -> None:
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+k")
        await settle(pilot)
        kb = app.screen
        assert isinstance(kb, KbSearchScreen) and not kb.for_reply
        await until(pilot, lambda: len(kb.hits) > 30)  # empty query: every article
        await pilot.press(*'"AND" faktur* -')  # hostile syntax is just words
        await until(pilot, lambda: bool(kb.hits))
        await pilot.press("ctrl+u", *"zwrot pieniedzy")
        await until(pilot, lambda: kb.hits and kb.hits[0].article.language == "pl")
        await pilot.press("ctrl+l")  # language filter: en
        await until(pilot, lambda: kb.language == "en")
        await pilot.press("ctrl+u", *"scorm")
        await until(pilot, lambda: kb.hits and kb.hits[0].article.slug == "academy-scorm-upload")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ArticleEditor)
        editor.query_one("#editor-title", Input).value = "Uploading SCORM packages (updated)"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
    desk = Desk(demo_db, app.desk.clock)
    assert desk.get_article("academy-scorm-upload").title == "Uploading SCORM packages (updated)"


async def test_a_trainee_cannot_save_an_article(console: AppFactory) -> None:
    app = console("kasia")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.push_screen(ArticleEditor(None))
        await settle(pilot)
        editor = app.screen
        editor.query_one("#editor-title", Input).value = "My notes"
        editor.query_one("#editor-body").load_text("Text")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert "trainee" in str(editor.query_one("#editor-info").render())


async def test_similar_tickets_from_the_ticket_view(console: AppFactory, demo_db: Database) -> None:
    number = open_ticket_of_language(demo_db, "en")
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        app.push_screen(TicketScreen(number))
        await settle(pilot)
        await pilot.press("equals_sign")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, SimilarTicketsModal)
        assert modal.similar, "the demo has solved tickets like every open one"
        assert all(s.status in ("solved", "closed") for s in modal.similar)
        assert modal.query_one(OptionList).option_count == len(modal.similar)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.number == modal.similar[0].number


async def test_shortcut_typed_fast_still_finds_its_template(
    console: AppFactory, demo_db: Database
) -> None:
    """';outage-fi' typed faster than the picker opens: the typed word becomes its query, and
    the ';outage-fi' typed into the reply is taken back when the template goes in."""
    number = open_ticket_of_language(demo_db, "en")
    app = console()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        compose = await open_reply(pilot, number)
        area = compose.query_one(ReplyArea)
        await pilot.press("down", "down", *";outage-fi")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TemplatePicker)
        assert picker.matches[0].template.shortcut == "outage-fixed"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is compose
        assert ";" not in area.text
        assert area.text.startswith("Hello ")
        assert "resolved" in area.text or "fixed" in area.text or "back" in area.text
        assert str(compose.query_one("#after", Select).value) == "solved"
        # Closing the picker leaves what was typed, and does not reopen for it.
        await pilot.press("enter", *";zzz")
        await settle(pilot)
        assert isinstance(app.screen, TemplatePicker)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is compose
        assert ";zzzq" in area.text
