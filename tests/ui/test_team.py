"""Two agents' consoles on one database (SQLite file, PostgreSQL): what one does, the other
sees within two seconds. On PostgreSQL the wake-up is LISTEN/NOTIFY: the watching console
polls only every 30 s here, so only the notification can bring the change in time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import make_url
from textual.widgets import Static, TextArea

from supportdesk.__main__ import make_app
from supportdesk.clock import SystemClock
from supportdesk.config import load_settings
from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.queue import QueueScreen
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database, open_database
from supportdesk.store.desk import Desk
from tests.ui.conftest import settle
from tests.ui.test_console import until


def _conversation(app: Any) -> str:
    if not isinstance(app.screen, TicketScreen):
        return ""
    return "\n".join(
        s.render().plain if isinstance(s.render(), Text) else str(s.render())
        for s in app.screen.query(".message").results(Static)
    )


def team_with_a_ticket(database: Database, subject: str, text: str) -> tuple[Desk, int]:
    """Lead marta, agents ann and pavel, and one email from Jan."""
    desk = Desk(database, SystemClock())
    desk.add_agent("marta", "Marta Kowalska", "lead")
    desk.acting_as("marta").add_agent("ann", "Ann Novak", "agent")
    desk.acting_as("marta").add_agent("pavel", "Pavel Smirnov", "agent")
    received = desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@firma.pl",
        sender_name="Jan Kowalski",
        subject=subject,
        text=text,
        at=SystemClock().now(),
    )
    return desk, received.ticket_number


async def test_a_reply_on_one_console_appears_on_the_other(
    database_url: str, tmp_path: Path
) -> None:
    database = open_database(database_url)
    desk, number = team_with_a_ticket(
        database, "Nie działają połączenia", "Od rana nie mogę dzwonić."
    )
    config = tmp_path / "config.toml"
    config.touch()

    def console(agent: str) -> Any:
        settings = load_settings(config, overrides={"agent": agent}, environ={})
        return make_app(settings, Desk(database, SystemClock(), agent=agent))

    ann, pavel = console("ann"), console("pavel")
    if database.dialect == "postgresql":
        pavel.feed_seconds = 30.0
    try:
        async with (
            ann.run_test(size=(120, 40)) as ann_pilot,
            pavel.run_test(size=(120, 40)) as pavel_pilot,
        ):
            await settle(ann_pilot)
            await settle(pavel_pilot)
            # Pavel looks at the ticket; Ann answers it from her console.
            await pavel_pilot.press("enter")
            await settle(pavel_pilot)
            assert isinstance(pavel.screen, TicketScreen)
            assert "Od rana nie mogę dzwonić." in _conversation(pavel)
            await ann_pilot.press("enter")
            await settle(ann_pilot)
            await ann_pilot.press("r")
            await settle(ann_pilot)
            assert isinstance(ann.screen, ComposeScreen)
            ann.screen.query_one(TextArea).text = "Sprawdzamy to teraz, proszę chwilę poczekać."
            await ann_pilot.press("ctrl+s")
            await settle(ann_pilot)
            assert isinstance(ann.screen, QueueScreen)
            await until(
                pavel_pilot,
                lambda: "Sprawdzamy to teraz" in _conversation(pavel),
                seconds=2.0,
            )
        assert desk.get_ticket(number).summary.assignee == "ann"
    finally:
        database.dispose()


async def test_database_gone_and_back_nothing_typed_is_lost(
    fresh_pg_url: str, tmp_path: Path, tcp_proxy: Any
) -> None:
    """PostgreSQL goes away under a console (a proxy drops and refuses every connection):
    the console says so, keeps the draft on this machine, and recovers by itself."""
    url = make_url(fresh_pg_url)
    proxy = tcp_proxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
    database = open_database(through_proxy)
    desk, number = team_with_a_ticket(database, "Faktura", "Proszę o fakturę.")
    config = tmp_path / "config.toml"
    config.touch()
    settings = load_settings(
        config, overrides={"agent": "ann", "data_dir": str(tmp_path / "data")}, environ={}
    )
    app = make_app(settings, Desk(database, SystemClock(), agent="ann"))
    typed = "Dzień dobry, fakturę wyślemy dziś do 16:00."
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ComposeScreen)
            proxy.refuse()
            app.screen.query_one(TextArea).text = typed
            await pilot.press("escape")  # close, keeping the draft
            await settle(pilot)
            assert isinstance(app.screen, TicketScreen)  # the draft was safe enough to close
            local = app.local_drafts.load(number, "reply")
            assert local is not None and local.body == typed
            await until(pilot, lambda: app.feed_error is not None, seconds=5)
            assert "unreachable" in app.channel_status()

            proxy.allow()
            await until(pilot, lambda: app.feed_error is None, seconds=10)
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ComposeScreen)
            assert app.screen.query_one(TextArea).text == typed
            await pilot.press("escape")
            await settle(pilot)
        assert app.local_drafts.load(number, "reply") is None
        draft = desk.acting_as("ann").get_draft(number, "reply")
        assert draft is not None and draft.body == typed
    finally:
        database.dispose()
