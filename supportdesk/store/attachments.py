"""Attachment contents on disk, by content hash: the same file sent twice is stored once, and
a name from outside never becomes a path."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from supportdesk.core.filenames import safe_filename

_SYNCS_AT_ONCE = 16
# One pool of sync threads for the process, made when first needed and kept: a mailbox's
# batches each bring a few files, and starting their threads anew every batch cost the
# poller more than the syncs' own CPU.
_sync_pool: ThreadPoolExecutor | None = None
_sync_pool_lock = threading.Lock()
_HEX_DIGITS = frozenset("0123456789abcdef")


def _syncs() -> ThreadPoolExecutor:
    global _sync_pool
    with _sync_pool_lock:
        if _sync_pool is None:
            _sync_pool = ThreadPoolExecutor(
                max_workers=_SYNCS_AT_ONCE, thread_name_prefix="attachment-sync"
            )
        return _sync_pool


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not _HEX_DIGITS.issuperset(sha256):
            raise ValueError(f"not a content hash: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store the bytes (atomically: a crash leaves no half file) and return their hash."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if target.exists() and target.stat().st_size == len(data):
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return digest

    def put_many(self, blobs: Sequence[bytes]) -> list[str]:
        """As `put` for several files (an inbound batch's attachments), their hashes in order.

        Each file is still written to a temporary name, synced and renamed; the syncs run at
        once, so the file system can commit them together rather than one after another
        (one fsync costs milliseconds; a mailbox brings hundreds of files)."""
        digests = [hashlib.sha256(data).hexdigest() for data in blobs]
        pending: dict[str, bytes] = {}
        for digest, data in zip(digests, blobs, strict=True):
            target = self.path_for(digest)
            if digest in pending or (target.exists() and target.stat().st_size == len(data)):
                continue
            pending[digest] = data
        if len(pending) <= 1:
            for data in pending.values():
                self.put(data)
            return digests
        written: list[tuple[str, Path]] = []
        try:
            for digest, data in pending.items():
                target = self.path_for(digest)
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
                written.append((digest, Path(temporary)))
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
            list(_syncs().map(_sync, [path for _digest, path in written]))
            for digest, path in written:
                os.replace(path, self.path_for(digest))
        except BaseException:
            for _digest, path in written:
                path.unlink(missing_ok=True)
            raise
        return digests

    def copy_out(self, sha256: str, folder: Path, filename: str) -> Path:
        """Copy to `folder` under a safe name, as 'name (2).ext' when the name is taken, and
        return where it went. Never overwrites a file."""
        folder.mkdir(parents=True, exist_ok=True)
        name = safe_filename(filename)
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        target = folder / name
        counter = 2
        while target.exists():
            target = folder / (f"{stem} ({counter}).{ext}" if ext else f"{stem} ({counter})")
            counter += 1
        shutil.copyfile(self.path_for(sha256), target)
        return target
