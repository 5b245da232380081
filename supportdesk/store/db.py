"""Opening databases: SQLite (embedded default) and PostgreSQL (a team).

No engine exists at import time. `open_database()` returns a `Database` holding two engines
on SQLite — one whose transactions begin IMMEDIATE (writes: two processes queue for the lock
instead of failing with "database is locked" halfway through) and one that begins deferred
(reads) — and one engine on PostgreSQL, where row locks do that job.
"""

from __future__ import annotations

import contextlib
import sqlite3
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from supportdesk.core.textsearch import index_text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration. Checked against Alembic's own idea of the head by a test; knowing it
# here lets a console start without importing Alembic (a third of a second) when the schema is
# already current.
SCHEMA_HEAD = "0008"
SQLITE_BUSY_TIMEOUT_MS = 15_000


class StoreError(Exception):
    """A database problem told in words: which database, what went wrong, what to do."""


def normalize_url(target: str | Path) -> str:
    """A SQLAlchemy URL from a URL or a plain file path (which means SQLite)."""
    raw = str(target).strip()
    if not raw:
        raise StoreError("empty database location; give a file path or a postgresql+psycopg:// URL")
    if "://" not in raw:
        return URL.create(
            "sqlite+pysqlite", database=str(Path(raw).expanduser().resolve())
        ).render_as_string()
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise StoreError(f"cannot understand database URL {_redact(raw)!r}: {exc}") from None
    backend = url.get_backend_name()
    if backend == "postgresql" and url.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain postgresql:// would look for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite" and url.drivername == "sqlite":
        url = url.set(drivername="sqlite+pysqlite")
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {backend!r}: supportdesk runs on SQLite (a file path) "
            "or PostgreSQL (postgresql+psycopg://user@host/db)"
        )
    return url.render_as_string(hide_password=False)


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw.split("@")[-1]


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return _redact(url)


@dataclass
class Database:
    url: str
    write_engine: Engine
    read_engine: Engine
    readonly: bool

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def description(self) -> str:
        return describe_url(self.url)

    def write_session(self) -> Session:
        if self.readonly:
            raise StoreError("this session is read-only (supervisor mode): nothing can be changed")
        return Session(self.write_engine, expire_on_commit=False, autoflush=False)

    def read_session(self) -> Session:
        return Session(self.read_engine, expire_on_commit=False, autoflush=False)

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


def _sqlite_engine(url: str, begin: str, readonly: bool) -> Engine:
    sa_url = make_url(url)
    path = sa_url.database or ""
    connect_args: dict[str, Any] = {
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        "check_same_thread": False,
    }
    if readonly:
        # A URI: '#', '?' and '%' in the path would otherwise end or change it.
        sa_url = sa_url.set(
            database=f"file:{urllib.parse.quote(path)}", query={"uri": "true", "mode": "ro"}
        )
        # A fresh connection for every session: each one decides anew whether a writer is
        # about (see _readonly_connect), and each sees the newest committed state.
        engine = create_engine(
            sa_url,
            creator=lambda: _readonly_connect(path, connect_args),
            poolclass=NullPool,
        )
    else:
        engine = create_engine(sa_url, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how a transaction begins.
        dbapi_connection.isolation_level = None
        # Unicode case folding for searches: SQLite's own lower() only knows ASCII.
        dbapi_connection.create_function("sd_fold", 1, _fold, deterministic=True)
        # What the full-text triggers index (migration 0003): the folded text of its arguments.
        dbapi_connection.create_function("sd_search_text", -1, _search_text, deterministic=True)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            else:
                cursor.execute("PRAGMA query_only = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _search_text(*values: object) -> str:
    return index_text(*(v for v in values if isinstance(v, str)))


def _readonly_connect(path: str, connect_args: dict[str, Any]) -> sqlite3.Connection:
    """Open a SQLite file read-only (`mode=ro`), even from a folder one may not write to.

    A database in WAL mode is read through its shared-memory index, the `-shm` file next to
    it. While a writer has the database open, that file exists and a reader only needs to
    read it. When no writer is about it may be missing, and a reader who may not create it
    (a folder only readable to them) cannot read at all. Then nobody is writing, and there
    is no write-ahead log to read either: the file alone is the database, and it is opened
    `immutable` — for this session only; the next one looks again.
    """
    base = f"file:{urllib.parse.quote(path)}?mode=ro"
    connection = sqlite3.connect(base, uri=True, **connect_args)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return connection
    except sqlite3.OperationalError as exc:
        wal = Path(f"{path}-wal")
        cannot_index = "readonly" in str(exc).lower() or "unable to open" in str(exc).lower()
        if not cannot_index or (wal.exists() and wal.stat().st_size > 0):
            connection.close()
            raise
    connection.close()
    return sqlite3.connect(f"{base}&immutable=1", uri=True, **connect_args)


def _fold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _postgres_engine(url: str, readonly: bool) -> Engine:
    connect_args: dict[str, Any] = {"connect_timeout": 10, "application_name": "supportdesk"}
    if readonly:
        # Read-only for real: the server refuses writes, whatever the client does.
        connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def open_database(target: str | Path, *, readonly: bool = False) -> Database:
    url = normalize_url(target)
    sa_url = make_url(url)
    try:
        if sa_url.get_backend_name() == "sqlite":
            path = Path(sa_url.database or "")
            if readonly:
                if not path.exists():
                    raise StoreError(f"database file {path} does not exist")
            else:
                _prepare_sqlite_dir(path)
            write = _sqlite_engine(url, "BEGIN IMMEDIATE", readonly)
            read = _sqlite_engine(url, "BEGIN", readonly)
            database = Database(url, write, read, readonly)
        else:
            engine = _postgres_engine(url, readonly)
            database = Database(url, engine, engine, readonly)
    except NoSuchModuleError as exc:
        raise StoreError(f"no driver for {describe_url(url)}: {exc}") from None
    check_connection(database)
    return database


def _prepare_sqlite_dir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder for database {path}: {exc.strerror or exc}"
        ) from None
    if path.is_dir():
        raise StoreError(
            f"database path {path} is a folder; give a file name such as {path}/supportdesk.db"
        )


def check_connection(database: Database) -> None:
    try:
        with database.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StoreError(explain_db_error(database, exc)) from None


def explain_db_error(database: Database, exc: BaseException) -> str:
    """One sentence for a person: where, what, and what to try."""
    where = database.description
    original = getattr(exc, "orig", None) or exc
    detail = (
        str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    )
    lowered = detail.lower()
    if "unable to open database" in lowered:
        hint = "check that the file and its folder exist and that you may read and write them"
    elif "database is locked" in lowered:
        hint = "another program holds a long write lock on it; try again in a moment"
    elif "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        hint = "this session or file is read-only"
    elif "disk" in lowered and ("full" in lowered or "space" in lowered):
        hint = "the disk is full; free some space, nothing was saved"
    elif "connection refused" in lowered or "could not connect" in lowered or "timeout" in lowered:
        hint = "is the PostgreSQL server running and reachable from here?"
    elif "password authentication failed" in lowered or "authentication" in lowered:
        hint = "the database user or password is wrong"
    elif "does not exist" in lowered:
        hint = "create it first (createdb) or check the name in the URL"
    elif "file is not a database" in lowered or "malformed" in lowered:
        hint = "the file is not a supportdesk database, or it is damaged"
    else:
        hint = ""
    return f"database {where}: {detail}" + (f" — {hint}" if hint else "")


# -- migrations -----------------------------------------------------------------------------


def _alembic_config(connection: Any) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration, as Alembic reads it from the migration scripts."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    """The schema version recorded in the database (None for a database never migrated)."""
    try:
        with database.read_engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        raise StoreError(explain_db_error(database, exc)) from None


def is_empty(database: Database) -> bool:
    with database.read_engine.connect() as connection:
        return not inspect(connection).get_table_names()


def upgrade(database: Database, revision: str = "head") -> tuple[str | None, str]:
    """Run the migrations; returns (revision before, revision after)."""
    if database.readonly:
        raise StoreError("a read-only session cannot upgrade the database")
    before = current_revision(database)
    try:
        with database.write_engine.begin() as connection:
            from alembic import command

            command.upgrade(_alembic_config(connection), revision)
    except DBAPIError as exc:
        raise StoreError(explain_db_error(database, exc)) from None
    return before, current_revision(database) or ""


def downgrade(database: Database, revision: str) -> tuple[str | None, str | None]:
    """Undo migrations down to `revision` ('base' removes every table)."""
    if database.readonly:
        raise StoreError("a read-only session cannot change the schema")
    before = current_revision(database)
    try:
        with database.write_engine.begin() as connection:
            from alembic import command

            command.downgrade(_alembic_config(connection), revision)
    except DBAPIError as exc:
        raise StoreError(explain_db_error(database, exc)) from None
    return before, current_revision(database)


def ensure_schema(database: Database, *, auto_upgrade: bool) -> None:
    """Make sure the schema is current: migrate an empty database always; an older one only
    when `auto_upgrade` (a personal SQLite file), otherwise say how."""
    current = current_revision(database)
    if current == SCHEMA_HEAD:
        return
    head = head_revision()
    if database.readonly:
        raise StoreError(
            f"database {database.description} is at schema {current or 'none'}, this supportdesk "
            f"needs {head}; ask whoever runs it to run: supportdesk db upgrade"
        )
    if current is None and not is_empty(database):
        raise StoreError(
            f"database {database.description} has tables but no supportdesk schema version; "
            "it is not a supportdesk database (point --db at another file or database)"
        )
    if current is not None and not auto_upgrade:
        raise StoreError(
            f"database {database.description} is at schema {current}, this supportdesk needs "
            f"{head}; run: supportdesk --db {database.description} db upgrade"
        )
    upgrade(database)


@contextlib.contextmanager
def translated_errors(database: Database) -> Iterator[None]:
    """Turn driver exceptions into StoreError with a sentence a person can act on."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise StoreError(explain_db_error(database, exc)) from None
