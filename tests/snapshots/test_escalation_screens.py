"""The escalation form and the Second line view at 80x24 and 160x48, on the demo.

Regenerate on purpose with:
    .venv/bin/python -m pytest tests/snapshots --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from supportdesk.screens.queue import QUEUE_VIEWS, QueueScreen
from tests.ui.conftest import AppFactory, settle

SIZES = [(80, 24), (160, 48)]


async def to_second_line(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    for _ in range(QUEUE_VIEWS.index("second_line") - QUEUE_VIEWS.index(screen.view)):
        await pilot.press("l")
        await settle(pilot)
    await pilot.pause(0.2)


async def escalation_form(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    # Ann's first open ticket: the one she would escalate.
    tickets = {key: row.ticket for key, row in screen.rows.items() if row.ticket is not None}
    mine = next(
        key
        for key in screen.order
        if key in tickets and tickets[key].assignee == "ann" and tickets[key].status == "open"
    )
    screen.table.move_cursor(row=screen.order.index(mine))
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("E")
    await settle(pilot)
    await pilot.press(*"n/a", "ctrl+s")
    await settle(pilot)
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_second_line_view(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console("pavel"), terminal_size=size, run_before=to_second_line)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_escalation_form(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console("ann"), terminal_size=size, run_before=escalation_form)
