"""What each screen looks like at 80x24 and 160x48, on the demo at a fixed moment.

Regenerate on purpose (after a look at the report) with:
    .venv/bin/python -m pytest tests/snapshots -n 0 --snapshot-update
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, settle

SIZES = [(80, 24), (160, 48)]


def keys(*pressed: str):
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        await steady_cursors(pilot)
        await pilot.pause(0.2)

    return run_before


async def steady_cursors(pilot: Pilot[Any]) -> None:
    """A blinking cursor is on or off depending on when the picture is taken. Turning the
    blink off is not enough on a busy machine: the blink timer keeps ticking while paused
    late, and its callback does not look at `cursor_blink`. So the timer is stopped and the
    cursor set to what a steady one shows — visible in the focused field only."""
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False  # type: ignore[attr-defined]
        for name in ("blink_timer", "_blink_timer"):
            timer = getattr(field, name, None)
            if timer is not None:
                timer.stop()
        field._cursor_visible = field.has_focus  # type: ignore[attr-defined]
        # TextArea's line cache key has no place for "focused, not blinking": a line painted
        # while the cursor blinked off would be reused without the cursor.
        cache = getattr(field, "_line_cache", None)
        if cache is not None:
            cache.clear()
        field.refresh()
    await pilot.pause()


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
        await steady_cursors(pilot)
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


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_review(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    # marta mentors kasia: from All open, three tabs back wraps round to Review.
    assert snap_compare(console("marta"), terminal_size=size, run_before=keys("h", "h", "h"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_ticket_awaiting_review(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:
    # The oldest waiting reply's ticket, opened from the Review view.
    assert snap_compare(console("marta"), terminal_size=size, run_before=keys("h", "h", "h", "o"))
