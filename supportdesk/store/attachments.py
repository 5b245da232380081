"""Attachment contents on disk, by content hash: the same file sent twice is stored once, and
a name from outside never becomes a path."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from supportdesk.core.filenames import safe_filename
from supportdesk.store.db import StoreError

_SYNCS_AT_ONCE = 16
# One pool of sync threads for the process, made when first needed and kept: a mailbox's
# batches each bring a few files, and starting their threads anew every batch cost the
# poller more than the syncs' own CPU.
# Beside them, the threads that write a batch's files while its rows are being prepared.
_WRITERS = 2
_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_HEX_DIGITS = frozenset("0123456789abcdef")


def _pool(name: str, workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            pool = _pools[name] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        return pool


@dataclass
class PendingFiles:
    """Files being written: their hashes at once, and `wait()`, which returns when every one
    is on disk (synced and in place) or raises what went wrong. Whatever names them may be
    prepared meanwhile, and is committed only after `wait()`."""

    digests: list[str]
    _written: Future[None] | None = None
    root: Path | None = None

    def wait(self) -> list[str]:
        if self._written is not None:
            try:
                self._written.result()
            except OSError as exc:
                raise _cannot_write(self.root, exc) from exc
        return self.digests


def _cannot_write(root: Path | None, exc: OSError) -> StoreError:
    # Said as the store's trouble: a bare OSError reads, in a mail poller's report, as
    # trouble with the connection to the mail server.
    return StoreError(
        f"cannot store an attachment in {root}: {exc.strerror or exc} — data_dir must be a "
        "folder this user can write"
    )


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
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        except OSError as exc:
            raise _cannot_write(self.root, exc) from exc
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):  # a full disk, say
                raise _cannot_write(self.root, exc) from exc
            raise
        return digest

    def put_many(self, blobs: Sequence[bytes]) -> list[str]:
        """As `put` for several files (an inbound batch's attachments), their hashes in order.

        Each file is still written to a temporary name, synced and renamed; the syncs run at
        once, so the file system can commit them together rather than one after another
        (one fsync costs milliseconds; a mailbox brings hundreds of files)."""
        return self.start_put_many(blobs).wait()

    def start_put_many(self, blobs: Sequence[bytes]) -> PendingFiles:
        """As `put_many`, the files written in the background: a mailbox batch's rows are
        prepared and written while its files are synced, instead of after (the syncs' waits
        were a sixth of the time the poller spent storing)."""
        digests = [hashlib.sha256(data).hexdigest() for data in blobs]
        if not digests:
            return PendingFiles(digests)
        written = _pool("attachment-writer", _WRITERS).submit(self._write, digests, list(blobs))
        return PendingFiles(digests, written, self.root)

    def _write(self, digests: list[str], blobs: list[bytes]) -> None:
        pending: dict[str, bytes] = {}
        for digest, data in zip(digests, blobs, strict=True):
            target = self.path_for(digest)
            if digest in pending or (target.exists() and target.stat().st_size == len(data)):
                continue
            pending[digest] = data
        if len(pending) <= 1:
            for data in pending.values():
                self.put(data)
            return
        written: list[tuple[str, Path]] = []
        try:
            for digest, data in pending.items():
                target = self.path_for(digest)
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
                written.append((digest, Path(temporary)))
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
            syncs = _pool("attachment-sync", _SYNCS_AT_ONCE)
            list(syncs.map(_sync, [path for _digest, path in written]))
            for digest, path in written:
                os.replace(path, self.path_for(digest))
        except BaseException:
            for _digest, path in written:
                path.unlink(missing_ok=True)
            raise

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
