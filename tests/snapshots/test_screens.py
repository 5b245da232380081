"""What each screen looks like at 80x24 and 160x48, on the demo at a fixed moment.

Regenerate on purpose (after a look at the report) with:
    .venv/bin/python -m pytest tests/snapshots --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tests.ui.conftest import AppFactory, settle

SIZES = [(80, 24), (160, 48)]


def keys(*pressed: str):
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        # A blinking cursor would make the picture differ from run to run.
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_queue(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console(), terminal_size=size, run_before=keys("enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_compose(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console(), terminal_size=size, run_before=keys("enter", "r"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console(), terminal_size=size, run_before=keys("question_mark"))


def typed(*pressed: str, text: str = ""):
    """Keys, then text typed into a search field that searches after a short pause."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await keys(*pressed)(pilot)
        if text:
            await pilot.press(*text)
            await pilot.pause(0.4)
            await settle(pilot)
        # A blinking cursor would make the picture differ from run to run.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.2)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_template_picker(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(
        console(), terminal_size=size, run_before=typed("enter", "r", "ctrl+t", text="details")
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_kb_search(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(console(), terminal_size=size, run_before=typed("ctrl+k", text="faktury"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_supervisor(snap_compare, supervisor: AppFactory, size: tuple[int, int]) -> None:
    assert snap_compare(supervisor(), terminal_size=size, run_before=keys())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_supervisor_tickets(snap_compare, supervisor: AppFactory, size: tuple[int, int]) -> None:
    # enter on the first number: the open email tickets, read-only.
    assert snap_compare(supervisor(), terminal_size=size, run_before=keys("right", "enter"))
