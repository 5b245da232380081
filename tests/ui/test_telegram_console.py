"""A Telegram conversation end to end through the console: the customer writes to the bot (the
local Bot API server), the ticket appears in the queue, the agent replies with the keyboard, and
the reply arrives in the chat — the channel runner working in the console's background."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from supportdesk.__main__ import make_app
from supportdesk.channels.runner import Runner
from supportdesk.clock import FrozenClock
from supportdesk.config import load_settings
from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk
from tests.servers.conftest_fixtures import telegram_server  # noqa: F401
from tests.servers.telegram import TelegramServer, private_message, user
from tests.ui.conftest import settle
from tests.ui.test_console import move_to, queue, until


async def test_a_telegram_ticket_end_to_end(
    telegram_server: TelegramServer,  # noqa: F811
    demo_db: Database,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.touch()
    bot = {
        "name": "bot",
        "token_secret": "support-bot",
        "api_url": telegram_server.api_url,
        "long_poll_seconds": 1,
    }
    settings = load_settings(config, overrides={"agent": "ann", "telegram": [bot]}, environ={})
    desk = Desk(demo_db, clock, agent="ann", attachments=AttachmentStore(tmp_path / "files"))
    runner = Runner(desk, settings, secret=lambda _name: telegram_server.token)
    app = make_app(settings, desk, runner)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        telegram_server.push(
            private_message(user(424242, "Zofia", "Nowak", "zofia_n", "pl"), "Telefony milczą")
        )
        number = None

        def arrived() -> bool:
            nonlocal number
            found = [
                row.ticket.number
                for row in queue(pilot).rows.values()
                if row.ticket is not None and row.ticket.subject == "Telefony milczą"
            ]
            number = found[0] if found else None
            return number is not None

        await until(pilot, arrived, seconds=15)
        assert number is not None
        await move_to(pilot, number)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        area = app.screen.query_one(TextArea)
        area.text = ""
        await pilot.press(*"Sprawdzamy to teraz, *proszę* czekać.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        [sent] = telegram_server.wait_for("sendMessage", timeout=15)
        assert sent.chat_id == 424242
        assert sent.params["text"] == "Sprawdzamy to teraz, *proszę* czekać."
        # The reply by its direction, not its place: the customer's message carries Telegram's
        # date (today's), the reply the frozen clock's, so their order depends on the day run.
        await until(
            pilot,
            lambda: (
                [m.delivery_state for m in desk.get_ticket(number).messages if m.direction == "out"]
                == ["sent"]
            ),
            seconds=10,
        )
