"""Shared fixtures: real databases (SQLite files and PostgreSQL), frozen clocks.

Every store and Desk test takes `database`, which is parametrized over SQLite and PostgreSQL.
PostgreSQL is found at SUPPORTDESK_TEST_PG_URL (default: postgres or root on 127.0.0.1:5432,
database `test`). Where no server answers the PostgreSQL cases are skipped — unless
SUPPORTDESK_REQUIRE_SERVERS=1 (CI), where a missing server is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from supportdesk.clock import FrozenClock
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database, open_database, upgrade
from supportdesk.store.desk import Desk

REQUIRE_SERVERS = os.environ.get("SUPPORTDESK_REQUIRE_SERVERS") == "1"
# A Monday morning in Warsaw (09:00 CET): inside the default business hours.
MONDAY_MORNING = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
_counter = itertools.count()


def missing_server(what: str) -> None:
    if REQUIRE_SERVERS:
        pytest.fail(f"{what} is required here (SUPPORTDESK_REQUIRE_SERVERS=1) but unavailable")
    pytest.skip(f"{what} not available")


def _pg_candidates() -> list[str]:
    explicit = os.environ.get("SUPPORTDESK_TEST_PG_URL")
    if explicit:
        return [explicit]
    return [
        "postgresql://postgres@127.0.0.1:5432/test",
        "postgresql://root@127.0.0.1:5432/test",
    ]


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server_url() -> str | None:
    """A URL of a reachable PostgreSQL database we may create databases from, or None."""
    for url in _pg_candidates():
        try:
            with psycopg.connect(_plain(url), connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


def _with_database(url: str, name: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(_plain(url), autocommit=True)


@pytest.fixture(scope="session")
def pg_template(pg_server_url: str | None) -> Iterator[str | None]:
    """A migrated PostgreSQL database that test databases are copied from."""
    if pg_server_url is None:
        yield None
        return
    name = f"sd_tpl_{os.getpid()}"
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    database = open_database(_with_database(pg_server_url, name))
    upgrade(database)
    database.dispose()
    yield name
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = open_database(path)
    upgrade(database)
    # Closing the last connection checkpoints the WAL into the file, so a plain copy is whole.
    database.dispose()
    return path


@pytest.fixture
def fresh_pg_url(pg_server_url: str | None, pg_template: str | None) -> Iterator[str]:
    """A new, migrated PostgreSQL database for one test, dropped afterwards."""
    if pg_server_url is None or pg_template is None:
        missing_server("PostgreSQL")
    assert pg_server_url is not None
    name = f"sd_t_{os.getpid()}_{next(_counter)}"
    with _admin(pg_server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _with_database(pg_server_url, name)
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def empty_pg_url(pg_server_url: str | None) -> Iterator[str]:
    """A new, empty PostgreSQL database (no schema) for one test."""
    if pg_server_url is None:
        missing_server("PostgreSQL")
    assert pg_server_url is not None
    name = f"sd_e_{os.getpid()}_{next(_counter)}"
    with _admin(pg_server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _with_database(pg_server_url, name)
    with _admin(pg_server_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated database of each kind: a SQLite file under tmp_path, or a new PG database."""
    if request.param == "sqlite":
        path = tmp_path / "desk.db"
        shutil.copyfile(sqlite_template, path)
        return str(path)
    return request.getfixturevalue("fresh_pg_url")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_MORNING)


@pytest.fixture
def desk(database: Database, clock: FrozenClock, tmp_path: Path) -> Desk:
    """A Desk with a small team: lead marta, agents ann and pavel, trainee kasia (mentor marta)."""
    base = Desk(database, clock, attachments=AttachmentStore(tmp_path / "attachments"))
    base.add_agent("marta", "Marta Kowalska", "lead")
    lead = base.acting_as("marta")
    lead.add_agent("ann", "Ann Novak", "agent")
    lead.add_agent("pavel", "Павел Смирнов", "agent")
    lead.add_agent("kasia", "Kasia Wiśniewska", "trainee", mentor="marta")
    return base.acting_as("ann")


# Tests that start many processes or a real terminal each load both cores on their own; they
# run one after another on one pytest-xdist worker (`--dist loadgroup`), beside the light ones.
PROCESS_HEAVY_PREFIXES = ("test_sigkill_", "test_ten_agents_")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        heavy = "e2e" in item.path.parts or item.name.startswith(PROCESS_HEAVY_PREFIXES)
        if heavy:
            item.add_marker(pytest.mark.xdist_group("process_heavy"))
