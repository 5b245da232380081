"""The supervisor dashboard driven by keys, as a team lead uses it — and the proof that no key
of it changes anything, on a SQLite file nobody may write and on PostgreSQL."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from sqlalchemy import select
from sqlmodel import SQLModel
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.screen import ModalScreen

from supportdesk.__main__ import make_app
from supportdesk.app import SupportDeskApp, TicketsChanged
from supportdesk.clock import FrozenClock
from supportdesk.config import load_settings
from supportdesk.screens.queue import QueueScreen
from supportdesk.screens.supervisor import DrillScreen, SupervisorScreen
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.db import Database, open_database, upgrade
from supportdesk.store.demo import build_demo
from supportdesk.store.desk import Desk
from supportdesk.widgets.cellgrid import CellGrid
from supportdesk.widgets.heatmap import HeatmapTable
from tests.ui.conftest import NOW, AppFactory, settle


def dashboard(pilot: Pilot[Any]) -> SupervisorScreen:
    screen = pilot.app.screen
    assert isinstance(screen, SupervisorScreen), screen
    return screen


def cell(table: CellGrid, row: str, column: str) -> str:
    value = table.get_cell(row, column)
    return value.plain if isinstance(value, Text) else str(value)


async def until(pilot: Pilot[Any], condition: Any, seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the dashboard did not get there in time")


async def select_cell(pilot: Pilot[Any], table: CellGrid, row: str, column: str) -> None:
    table.focus()
    row_index = table.get_row_index(row)
    column_index = table.get_column_index(column)
    table.cursor_coordinate = Coordinate(row_index, column_index)
    await pilot.pause()


def drill_numbers(pilot: Pilot[Any]) -> list[int]:
    screen = pilot.app.screen
    assert isinstance(screen, DrillScreen), screen
    return screen.numbers


async def test_the_dashboard_shows_what_the_desk_computes(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    desk = Desk(demo_db, clock)
    health = desk.queue_health()
    report = desk.team_report(desk.report_period("7d"), extras=True)
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = dashboard(pilot)
        queue = screen.query_one("#sv-queue", CellGrid)
        assert cell(queue, "all", "open") == str(health.total.open)
        assert cell(queue, "all", "breached") == str(health.total.breached)
        assert cell(queue, "channel:email", "due_15") == str(health.by_channel[0].due_15)
        agents = screen.query_one("#sv-agents", CellGrid)
        keys = agents.row_keys
        assert {"ann", "marta", "olena", "pavel", "tomasz", "__team__"} <= set(keys)
        assert "kasia" not in keys  # trainees are shown apart
        trainees = screen.query_one("#sv-trainees", CellGrid)
        assert trainees.row_keys == ["kasia"]
        ann = report.row("ann")
        assert ann is not None
        assert cell(agents, "ann", "answered") == str(ann.answered)
        assert cell(agents, "__team__", "solved") == str(report.total.solved)
        heat = screen.query_one(HeatmapTable)
        assert heat.heat == report.heatmap


async def test_any_number_lists_its_tickets_and_opens_one_read_only(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    desk = Desk(demo_db, clock)
    breached = [t.number for t in desk.health_tickets("breached").tickets]
    report = desk.team_report(desk.report_period("7d"), extras=True)
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = dashboard(pilot)
        await select_cell(pilot, screen.query_one("#sv-queue", CellGrid), "all", "breached")
        await pilot.press("enter")
        await settle(pilot)
        assert drill_numbers(pilot) == breached
        await pilot.press("enter")
        await settle(pilot)
        ticket = app.screen
        assert isinstance(ticket, TicketScreen) and ticket.number == breached[0]
        assert ticket.readonly and ticket.desk.readonly
        assert ticket.check_action("reply", ()) is False
        await pilot.press("r", "s", "a")
        await settle(pilot)
        assert app.screen is ticket  # no editor, no dialog: those keys do nothing here
        await pilot.press("escape", "escape")
        await settle(pilot)
        screen = dashboard(pilot)

        await select_cell(pilot, screen.query_one("#sv-agents", CellGrid), "ann", "answered")
        await pilot.press("enter")
        await settle(pilot)
        answered = desk.report_tickets(report.period, "answered", row="ann")
        assert answered and drill_numbers(pilot) == sorted(answered, reverse=True)
        await pilot.press("escape")
        await settle(pilot)

        assert report.heatmap is not None
        peak = report.heatmap.peak()
        assert peak is not None
        heat = dashboard(pilot).query_one(HeatmapTable)
        heat.focus()
        heat.cursor_coordinate = Coordinate(peak[0], peak[1] + 1)
        await pilot.press("enter")
        await settle(pilot)
        expected = desk.report_tickets(report.period, "new", weekday=peak[0], hour=peak[1])
        assert len(expected) == report.heatmap.cells[peak[0]][peak[1]].tickets
        assert drill_numbers(pilot) == sorted(expected, reverse=True)


async def test_period_keys_change_the_figures(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = dashboard(pilot)
        assert screen.report is not None and screen.report.period.kind == "7d"
        await pilot.press("1")
        await until(pilot, lambda: screen.report.period.kind == "today")  # type: ignore[union-attr]
        today = Desk(demo_db, clock).team_report(Desk(demo_db, clock).report_period("today"))
        assert screen.report.total == today.total  # type: ignore[union-attr]
        await pilot.press("3")
        await until(pilot, lambda: screen.report.period.kind == "30d")  # type: ignore[union-attr]
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"2026-11-16 2026-11-20", "enter")
        await until(pilot, lambda: screen.report.period.kind == "custom")  # type: ignore[union-attr]
        period = screen.report.period  # type: ignore[union-attr]
        assert (str(period.first_day), str(period.last_day)) == ("2026-11-16", "2026-11-20")
        await pilot.press("v")
        await settle(pilot)
        assert screen.query_one(HeatmapTable).view == "agents"


async def test_live_refresh_follows_the_change_feed_and_never_overlaps(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    app = supervisor()
    running = 0
    most = 0
    calls = 0
    lock = threading.Lock()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = dashboard(pilot)
        before = screen.health.total.open  # type: ignore[union-attr]
        desk = app.desk
        original = desk.queue_health

        def slow_health() -> Any:
            nonlocal running, most, calls
            with lock:
                running += 1
                calls += 1
                most = max(most, running)
            try:
                time.sleep(0.05)
                return original()
            finally:
                with lock:
                    running -= 1

        desk.queue_health = slow_health  # type: ignore[method-assign]
        # A burst of news: every message asks for a refresh.
        for _ in range(30):
            screen.post_message(TicketsChanged(frozenset({1001}), frozenset({"status"})))
        writer = Desk(demo_db, clock).acting_as(None)
        for index in range(3):
            writer.receive(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value=f"new{index}@example.com",
                sender_name="New",
                subject="Nothing works",
                text="Help",
                at=clock.now(),
            )
        await until(
            pilot,
            lambda: screen.health.total.open == before + 3,  # type: ignore[union-attr]
            seconds=20,
        )
        await settle(pilot)
        assert most == 1
        assert calls <= 8  # thirty requests and three changes came down to a few loads


async def test_a_lead_switches_to_the_supervisor_and_back_with_f2(
    console: AppFactory, demo_db: Database
) -> None:
    app = console("marta")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("f2")
        await settle(pilot)
        screen = dashboard(pilot)
        assert app.current_mode == "supervisor"
        readonly = screen.desk()
        assert readonly.readonly and readonly.database is not app.desk.database
        assert screen.health is not None
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen) and app.current_mode == "queue"


async def test_an_agent_has_no_supervisor_mode(console: AppFactory) -> None:
    app = console("ann")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert app.check_action("supervisor", ()) is False


def test_the_supervisor_console_refuses_a_writable_desk(
    demo_db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.touch()
    settings = load_settings(config, overrides={}, environ={})
    with pytest.raises(ValueError, match="read-only"):
        make_app(settings, Desk(demo_db, clock), supervisor=True)


# -- the read-only proof --------------------------------------------------------------------


def dump(database: Database) -> dict[str, list[str]]:
    with database.read_engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in SQLModel.metadata.sorted_tables
        }


@pytest.fixture(params=["sqlite", "postgresql"])
def locked_database(
    request: pytest.FixtureRequest, demo_template: Path, tmp_path: Path
) -> Iterator[tuple[str, Path | None]]:
    """The demo in a SQLite file nobody may write (0444), or in a PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "locked.db"
        shutil.copyfile(demo_template, path)
        path.chmod(0o444)
        yield str(path), path
        path.chmod(0o644)
        return
    url = request.getfixturevalue("fresh_pg_url")
    database = open_database(url)
    try:
        upgrade(database)
        build_demo(database, now=NOW)
    finally:
        database.dispose()
    yield url, None


ALLOWED_COMMANDS = {
    "Period: today",
    "Period: the last 7 days",
    "Period: the last 30 days",
    "Period: custom",
    "Refresh",
    "Keys",
}


async def test_no_key_or_command_changes_anything(
    locked_database: tuple[str, Path | None], clock: FrozenClock, tmp_path: Path
) -> None:
    url, path = locked_database
    checksum = hashlib.sha256(path.read_bytes()).hexdigest() if path else None
    readonly = open_database(url, readonly=True)
    before = dump(readonly)
    config = tmp_path / "config.toml"
    config.touch()
    settings = load_settings(config, overrides={"agent": "marta"}, environ={})
    app = make_app(settings, Desk(readonly, clock, agent="marta"), supervisor=True)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            await press_everything(pilot)
    finally:
        readonly.dispose()
    after_db = open_database(url, readonly=True)
    try:
        assert dump(after_db) == before
    finally:
        after_db.dispose()
    if path is not None:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == checksum


async def back_to(pilot: Pilot[Any], kind: type) -> None:
    """Close dialogs and go back until a screen of `kind` is on top."""
    for _ in range(8):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.press("escape")
        await settle(pilot)
    raise AssertionError(f"could not get back to {kind.__name__} from {pilot.app.screen}")


async def press_everything(pilot: Pilot[Any]) -> None:
    app: SupportDeskApp = pilot.app  # type: ignore[assignment]
    keys_pressed = 0
    # Every key of the dashboard and of the App (but quitting), and every palette command.
    for binding in [*SupervisorScreen.BINDINGS, *SupportDeskApp.BINDINGS]:
        if binding.action == "quit":  # type: ignore[union-attr]
            continue
        for key in binding.key.split(","):  # type: ignore[union-attr]
            await pilot.press(key.strip())
            await settle(pilot)
            keys_pressed += 1
            await back_to(pilot, SupervisorScreen)
    screen = dashboard(pilot)
    titles = {command.title for command in app.get_system_commands(screen)}
    ours = titles - {"Theme", "Quit", "Keys", "Screenshot", "Maximize", "Minimize"}
    assert ours <= ALLOWED_COMMANDS, ours - ALLOWED_COMMANDS
    for command in app.get_system_commands(screen):
        if command.title in ALLOWED_COMMANDS and command.title != "Period: custom":
            command.callback()
            await settle(pilot)
    # Into the tickets behind a number, and into one ticket: every key there too.
    for column in ("open", "breached", "waiting"):
        await select_cell(pilot, screen.query_one("#sv-queue", CellGrid), "all", column)
        await pilot.press("enter")
        await settle(pilot)
        await back_to(pilot, SupervisorScreen)

    async def into_drill() -> None:
        if isinstance(app.screen, DrillScreen):
            return
        await back_to(pilot, SupervisorScreen)
        await select_cell(pilot, dashboard(pilot).query_one("#sv-queue", CellGrid), "all", "open")
        await pilot.press("enter")
        await settle(pilot)

    for binding in DrillScreen.BINDINGS:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            await into_drill()
            await pilot.press(key.strip())
            await settle(pilot)
            keys_pressed += 1
            if isinstance(app.screen, TicketScreen):
                await pilot.press("escape")
                await settle(pilot)
    await into_drill()
    for binding in TicketScreen.BINDINGS:
        for key in binding.key.split(","):  # type: ignore[union-attr]
            if not isinstance(app.screen, TicketScreen):
                await into_drill()
                await pilot.press("enter")
                await settle(pilot)
            ticket = app.screen
            assert isinstance(ticket, TicketScreen) and ticket.readonly
            titles = {command.title for command in app.get_system_commands(ticket)}
            assert titles - {"Theme", "Quit", "Keys", "Screenshot", "Maximize", "Minimize"} == set()
            await pilot.press(key.strip())
            await settle(pilot)
            keys_pressed += 1
            while isinstance(app.screen, ModalScreen):
                await pilot.press("escape")
                await settle(pilot)
    every = [
        key
        for binding in (
            *SupervisorScreen.BINDINGS,
            *SupportDeskApp.BINDINGS,
            *DrillScreen.BINDINGS,
            *TicketScreen.BINDINGS,
        )
        if binding.action != "quit"  # type: ignore[union-attr]
        for key in binding.key.split(",")  # type: ignore[union-attr]
    ]
    assert keys_pressed == len(every)


def test_a_burst_of_requests_costs_one_more_load() -> None:
    from supportdesk.screens.supervisor import Refresher

    started: list[int] = []
    loads = Refresher(lambda: started.append(1))
    loads.request()
    loads.request()
    loads.request()
    assert len(started) == 1 and loads.running
    loads.finished()
    assert len(started) == 2
    loads.finished()
    assert len(started) == 2 and not loads.running


def test_sparklines_and_heat_cells_fit_their_space() -> None:
    from supportdesk.screens.supervisor import spark
    from supportdesk.widgets.heatmap import cell_text

    assert spark([0, 5, 10, None]) == "▁▅█ "
    assert len(spark([float(n) for n in range(365)])) <= 48
    assert [cell_text(v) for v in (None, 0, 0.4, 3.2, 12.3, 250)] == [
        "",
        "·",
        ".4",
        "3",
        "12",
        "99",
    ]


async def test_the_change_listener_stops_with_the_console(
    fresh_pg_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    """On PostgreSQL the console LISTENs in a thread of its own; leaving the console stops
    that thread and closes its connection (one left behind broke when its database went)."""
    readonly = open_database(fresh_pg_url, readonly=True)
    config = tmp_path / "config.toml"
    config.touch()
    settings = load_settings(config, overrides={}, environ={})
    app = make_app(settings, Desk(readonly, clock), supervisor=True)

    def listening() -> int:
        with readonly.read_engine.connect() as connection:
            return len(
                connection.exec_driver_sql(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                    " AND query LIKE 'LISTEN %%'"
                ).all()
            )

    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: listening() == 1)
            thread = app._listener_thread
            assert thread is not None and thread.is_alive()
        assert not thread.is_alive()
        assert "change-listener" not in {t.name for t in threading.enumerate()}
        assert listening() == 0
    finally:
        readonly.dispose()


async def test_the_cursor_stays_in_view_on_a_small_terminal(supervisor: AppFactory) -> None:
    """At 80x24 the load grid is below the fold: moving into it scrolls the dashboard."""
    app = supervisor()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard(pilot)
        body = screen.query_one("#sv-body")
        assert body.scroll_y == 0
        heat = screen.query_one(HeatmapTable)
        heat.focus()
        await settle(pilot)
        body.scroll_home(animate=False, immediate=True)
        await settle(pilot)
        assert body.scroll_y == 0
        await pilot.press("end", "right")
        await settle(pilot)
        assert body.scroll_y > 0
        row = heat.content_region.y + 1 + heat.cursor_coordinate.row
        caption = heat._wrapped_height(heat.caption, heat.content_region.width)
        assert body.content_region.y <= row + caption < body.content_region.bottom


async def test_a_click_on_a_number_lists_its_tickets(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    breached = [t.number for t in Desk(demo_db, clock).health_tickets("breached").tickets]
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        queue = dashboard(pilot).query_one("#sv-queue", CellGrid)
        column = queue.get_column_index("breached")
        x = 1 + sum(c.width + 2 for c in queue.columns[:column]) + 2  # padding, cells before
        y = queue._wrapped_height(queue.caption, queue.content_region.width) + 1
        y += queue.get_row_index("all")
        await pilot.click(queue, offset=(x, y))
        await settle(pilot)
        assert queue.cursor_keys() == ("all", "breached")
        assert isinstance(app.screen, SupervisorScreen)  # the first click only points
        await pilot.click(queue, offset=(x, y))
        await settle(pilot)
        assert drill_numbers(pilot) == breached


async def test_one_reply_awaiting_review_is_said_in_the_singular(
    supervisor: AppFactory, demo_db: Database, clock: FrozenClock
) -> None:
    lead = Desk(demo_db, clock, agent="marta")
    waiting = lead.pending_reviews()
    assert len(waiting) == 2
    lead.approve_reply(waiting[0].message_id, expected_version=waiting[0].ticket_version)
    app = supervisor()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        caption = dashboard(pilot).query_one("#sv-queue", CellGrid).caption
        assert caption is not None and "1 reply awaits review" in caption.plain
