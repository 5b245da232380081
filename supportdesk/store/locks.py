"""One poller per channel account, across processes and machines.

Two pollers of one mailbox would store nothing twice (channel state and unique keys see to
that), but they would fetch everything twice, fight over IMAP flags and, for a Telegram bot,
make the Bot API answer `Conflict`. So each account is polled by whoever holds its lock; the
others wait as hot standbys and take over when the holder goes away.

PostgreSQL: a session advisory lock on a connection of its own. The server frees it the moment
the holder's connection ends — a killed process closes its socket at once; a vanished machine
is noticed through TCP keepalives, set short on that connection so a standby takes over within
about half a minute.

SQLite: an exclusive `flock` on a file beside the database. The operating system frees it when
the process dies, however it dies. (SQLite is shared only by processes on one machine.)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

# Server-side keepalive on the lock's connection: a holder whose machine vanished is dropped
# after about idle + interval * count seconds.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 10, 5, 3


class ChannelLock(Protocol):
    name: str

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True when this process holds it now."""
        ...

    def held(self) -> bool:
        """Still ours? False once the connection behind a PostgreSQL lock is gone."""
        ...

    def release(self) -> None: ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock (the same on every machine)."""
    digest = hashlib.blake2b(f"supportdesk:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresChannelLock:
    def __init__(self, engine: Engine, name: str) -> None:
        self.name = name
        self.key = lock_key(name)
        self._engine = engine
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return self.held()
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError:
            return False
        try:
            for setting, value in (
                ("tcp_keepalives_idle", KEEPALIVE_IDLE),
                ("tcp_keepalives_interval", KEEPALIVE_INTERVAL),
                ("tcp_keepalives_count", KEEPALIVE_COUNT),
            ):
                connection.execute(text(f"SET {setting} = {int(value)}"))
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
                ).scalar()
            )
        except SQLAlchemyError:
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            # Asks the server, so a lock lost with a dropped connection is noticed.
            count = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND pid = pg_backend_pid() AND granted "
                    "AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": self.key},
            ).scalar()
        except SQLAlchemyError:
            self._drop()
            return False
        if not count:
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        # If the connection is gone, the lock went with it.
        with contextlib.suppress(SQLAlchemyError):
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                connection.invalidate()
                connection.close()


class FileChannelLock:
    def __init__(self, directory: Path, database_name: str, name: str) -> None:
        self.name = name
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
        self.path = directory / f".{database_name}.{safe}.lock"
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held open on purpose
        except OSError:
            return False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
