"""Drafts kept on this machine while the database cannot be reached.

Drafts normally live in the database, so they follow the agent to another workstation. In
team mode the database is across a network; when it is down, what the agent is typing is
written here instead (atomically, fsynced), comes back when the compose screen opens again,
and is moved into the database by the next save that gets through.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class LocalDraft:
    body: str
    base_version: int | None
    saved_at: datetime


class LocalDrafts:
    def __init__(self, data_dir: Path, database: str) -> None:
        # One folder per database, so two databases' ticket numbers never mix.
        digest = hashlib.sha256(database.encode()).hexdigest()[:16]
        self.folder = data_dir / "drafts" / digest

    def _path(self, ticket: int, kind: str) -> Path:
        return self.folder / f"{int(ticket)}-{kind}.json"

    def save(self, ticket: int, kind: str, body: str, base_version: int | None) -> None:
        """Raises OSError when even the local disk refuses (full, read-only)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {
            "body": body,
            "base_version": base_version,
            "saved_at": datetime.now(UTC).isoformat(),
        }
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(record, file, ensure_ascii=False)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self._path(ticket, kind))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def load(self, ticket: int, kind: str) -> LocalDraft | None:
        try:
            record = json.loads(self._path(ticket, kind).read_text(encoding="utf-8"))
            return LocalDraft(
                str(record["body"]),
                record.get("base_version"),
                datetime.fromisoformat(record["saved_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remove(self, ticket: int, kind: str) -> None:
        with contextlib.suppress(OSError):
            self._path(ticket, kind).unlink()
