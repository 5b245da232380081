"""The scratch databases a store benchmark runs on: a fresh SQLite file, then a fresh
PostgreSQL database made (and dropped again) on the server the benchmark is pointed at."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from supportdesk.store.db import Database, open_database, upgrade

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def sqlite_database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as folder:
        database = open_database(Path(folder) / "bench.db")
        try:
            upgrade(database)
            yield database
        finally:
            database.dispose()


@contextmanager
def postgres_database(pg_url: str, name: str) -> Iterator[Database]:
    """`name`: the scratch database, dropped first if an earlier run left it behind."""
    admin_url = make_url(pg_url).set(drivername="postgresql")
    admin = admin_url.render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        database = open_database(
            admin_url.set(drivername="postgresql+psycopg", database=name).render_as_string(
                hide_password=False
            )
        )
        try:
            upgrade(database)
            yield database
        finally:
            database.dispose()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
