"""A new database is made by migrating; the migrations must build exactly the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import supportdesk.store.models  # noqa: F401
from supportdesk.store.db import (
    Database,
    StoreError,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    open_database,
    upgrade,
)
from supportdesk.store.search import include_in_autogenerate


def test_migrated_schema_matches_the_models(database: Database) -> None:
    with database.write_engine.connect() as connection:
        # The full-text indexes (FTS5 tables, tsvector columns) are the migrations' own.
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": include_in_autogenerate},
        )
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []
    assert current_revision(database) == head_revision()


def test_schema_head_constant_is_alembics_head() -> None:
    from supportdesk.store.db import SCHEMA_HEAD

    assert head_revision() == SCHEMA_HEAD


def test_queue_index_exists(database: Database) -> None:
    with database.read_engine.connect() as connection:
        names = {index["name"] for index in inspect(connection).get_indexes("ticket")}
    assert {"ix_ticket_queue", "ix_ticket_assignee_queue", "ix_ticket_warn"} <= names


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_empty_database_is_migrated_and_downgrade_round_trips(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = str(tmp_path / "new.db") if kind == "sqlite" else request.getfixturevalue("empty_pg_url")
    database = open_database(url)
    try:
        assert current_revision(database) is None
        ensure_schema(database, auto_upgrade=False)
        assert current_revision(database) == head_revision()
        downgrade(database, "base")
        assert inspect(database.write_engine).get_table_names() in ([], ["alembic_version"])
        assert current_revision(database) is None
        before, after = upgrade(database)
        assert (before, after) == (None, head_revision())
    finally:
        database.dispose()


def test_foreign_database_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    database = open_database(path)
    try:
        with pytest.raises(StoreError, match="not a supportdesk database"):
            ensure_schema(database, auto_upgrade=True)
    finally:
        database.dispose()


def test_readable_errors_for_bad_locations(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder"):
        open_database(tmp_path)
    with pytest.raises(StoreError, match="does not exist"):
        open_database(tmp_path / "missing.db", readonly=True)
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        open_database("mysql://root@localhost/x")
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a database"):
        open_database(not_a_db)
    with pytest.raises(StoreError, match="is the PostgreSQL server running"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_read_only_open_of_a_path_with_uri_characters(tmp_path: Path) -> None:
    folder = tmp_path / "team#1 50%"
    folder.mkdir()
    database = open_database(folder / "desk.db")
    upgrade(database)
    database.dispose()
    readonly = open_database(folder / "desk.db", readonly=True)
    try:
        assert current_revision(readonly) == head_revision()
    finally:
        readonly.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["team#1 50%"]
