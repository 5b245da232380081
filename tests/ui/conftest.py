"""The console under test: built by the same factory as `supportdesk`, on a copy of a demo
database made at a fixed moment, with a frozen clock — so what is on screen is repeatable."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from supportdesk.__main__ import make_app
from supportdesk.app import SupportDeskApp
from supportdesk.clock import FrozenClock
from supportdesk.config import load_settings
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database, open_database, upgrade
from supportdesk.store.demo import build_demo
from supportdesk.store.desk import Desk
from tests.servers.conftest_fixtures import tcp_proxy  # noqa: F401 - a fixture for test_team

# Tuesday 24 November 2026, 15:10 in Warsaw: business hours, clocks running.
NOW = datetime(2026, 11, 24, 14, 10, tzinfo=UTC)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-template") / "demo.db"
    database = open_database(path)
    upgrade(database)
    build_demo(database, now=NOW)
    database.dispose()
    return path


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Iterator[Database]:
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    database = open_database(path)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


AppFactory = Callable[..., SupportDeskApp]


@pytest.fixture
def console(demo_db: Database, clock: FrozenClock, tmp_path: Path) -> AppFactory:
    def build(agent: str = "ann", **overrides: Any) -> SupportDeskApp:
        config = tmp_path / "config.toml"
        config.touch()
        # Personal templates, drafts and the like go under tmp_path, never the home folder.
        overrides = {"agent": agent, "data_dir": str(tmp_path / "data"), **overrides}
        settings = load_settings(config, overrides=overrides, environ={})
        attachments = AttachmentStore(tmp_path / "attachments")
        return make_app(settings, Desk(demo_db, clock, agent=agent, attachments=attachments))

    return build


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until background loads have finished and the screen has caught up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture
def supervisor(demo_db: Database, clock: FrozenClock, tmp_path: Path) -> Iterator[AppFactory]:
    """`supportdesk supervisor` on the demo: the dashboard alone, on a read-only session of
    the same file the `demo_db` fixture writes to."""
    opened: list[Database] = []

    def build(agent: str | None = "marta", **overrides: Any) -> SupportDeskApp:
        config = tmp_path / "config.toml"
        config.touch()
        wanted = {"agent": agent, **overrides} if agent else overrides
        settings = load_settings(config, overrides=wanted, environ={})
        readonly = open_database(demo_db.url, readonly=True)
        opened.append(readonly)
        return make_app(settings, Desk(readonly, clock, agent=agent), supervisor=True)

    yield build
    for database in opened:
        database.dispose()
