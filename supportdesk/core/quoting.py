"""Where a message's own words end and the quoted history or signature begins, so the console
can fold what the agent has already read."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines that introduce a quoted earlier message, in the languages our customers write.
_ATTRIBUTION = re.compile(
    r"^\s*("
    r"on .{3,200}wrote:?"  # On Mon, 23 Nov 2026 at 10:00, Jan <jan@x.pl> wrote:
    r"|w dniu .{3,200}(pisze|napisał\(a\)|napisał|napisała):?"
    r"|.{3,200} (napisał\(a\)|napisał|napisała|pisze):"
    r"|.{3,200} (пишет|написал\(а\)|написал|написала):"
    r"|-{2,}\s*(original message|oryginalna wiadomość|исходное сообщение|forwarded message)\s*-{2,}"
    r"|from:\s.+"
    r"|od:\s.+"
    r"|от:\s.+"
    r")\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- |--|__+)\s*$")


@dataclass(frozen=True)
class Parts:
    body: str
    folded: str
    folded_lines: int


def split_quoted(text: str) -> Parts:
    """The message up to its quoted history or signature, and the rest (kept, just folded)."""
    lines = text.split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        if _ATTRIBUTION.match(line) or _SIGNATURE.match(line):
            cut = index
            break
        if line.startswith(">") and all(
            not rest.strip() or rest.startswith(">") for rest in lines[index:]
        ):
            cut = index
            break
    if cut == 0 or cut == len(lines):
        return Parts(text, "", 0)
    body = "\n".join(lines[:cut]).rstrip()
    folded = "\n".join(lines[cut:]).strip("\n")
    return Parts(body, folded, folded.count("\n") + 1)
