"""Text from outside (customers, colleagues) made safe to show and easy to scan.

Customer text is hostile input: it is rendered as plain text only, never as markup, and the
characters that could drive a terminal or disguise text are removed first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# C0 and C1 controls except tab and newline (ESC starts terminal escape sequences), plus
# bidirectional overrides/isolates that can make text read differently from what it is.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# A whole ANSI/VT escape sequence (CSI, OSC, and two-character escapes): drop it entirely,
# not just its ESC, so no "[31m" debris is left behind.
_ESCAPE_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[@-Z\\-_]"  # two-character sequences
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_MENTION_RE = re.compile(r"(?<![\w@.])@([a-z][a-z0-9._-]*[a-z0-9]|[a-z])", re.IGNORECASE)


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences, control characters and direction overrides.

    Newlines and tabs stay; carriage returns become newlines (so "\\r" cannot overwrite a line).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPE_RE.sub("", text)
    return _CONTROL_RE.sub("", text)


def one_line(text: str, limit: int = 200) -> str:
    """Safe single-line form for lists: controls stripped, whitespace collapsed, truncated."""
    flat = " ".join(strip_controls(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return flat


def find_mentions(body: str, agent_names: Iterable[str]) -> list[str]:
    """The known agents named as @name in `body`, in order of first mention, without repeats."""
    known = {name.casefold(): name for name in agent_names}
    found: list[str] = []
    for match in _MENTION_RE.finditer(body):
        name = known.get(match.group(1).casefold())
        if name and name not in found:
            found.append(name)
    return found
