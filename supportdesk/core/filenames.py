"""File names that came from outside (attachments) made safe to write to a disk."""

from __future__ import annotations

import re
import unicodedata

from supportdesk.core.plaintext import strip_controls

MAX_NAME = 150
_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def safe_filename(name: str | None, fallback: str = "attachment") -> str:
    """A single path component: no directories, no control characters, no leading dots, not a
    reserved device name, at most 150 characters with the extension kept."""
    text = unicodedata.normalize("NFC", strip_controls(name or ""))
    # Only the last component of whatever path the sender put in.
    text = re.split(r"[\\/]", text)[-1]
    text = _UNSAFE.sub("_", text).strip().strip(".").strip()
    text = " ".join(text.split())
    if not text or text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = f"{fallback}{'_' + text if text else ''}"
    if len(text) > MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 12:
            text = stem[: MAX_NAME - len(ext) - 1] + "." + ext
        else:
            text = text[:MAX_NAME]
    return text
