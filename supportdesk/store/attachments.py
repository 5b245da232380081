"""Attachment contents on disk, by content hash: the same file sent twice is stored once, and
a name from outside never becomes a path."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from supportdesk.core.filenames import safe_filename


class AttachmentStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
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
