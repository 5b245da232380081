"""Incidents, the pure part: what a customer is told, and when two replies say the same.

An incident's status message and its resolution are plain text an agent writes once for
everybody; each customer gets it inside a greeting in their language and the sender's
signature, like every reply that starts in the compose screen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from supportdesk.core.greetings import greeting
from supportdesk.core.templates import TemplateDef

TITLE_LIMIT = 300
_SPACE = re.compile(r"\s+")


def personal_reply(
    message: str, *, language: str | None, first_name: str | None, signature: str
) -> str:
    """The status message as one customer reads it: greeting, the message, the signature."""
    parts = [greeting(language, first_name), message.strip("\n")]
    if signature.strip():
        parts.append(signature.strip("\n"))
    return "\n\n".join(parts)


def comparable(text: str) -> str:
    """A reply's words, for comparing: case and spacing do not make a different answer."""
    return _SPACE.sub(" ", text).strip().casefold()


def already_said(new: str, sent: str) -> bool:
    """Whether a sent reply already says `new` (a solving reply carries a rating line after
    the text, so a sent text that begins with the new one counts)."""
    wanted, said = comparable(new), comparable(sent)
    return bool(wanted) and (said == wanted or said.startswith(wanted))


def clean_title(title: str) -> str:
    return " ".join(title.split())


def translations(templates: Sequence[TemplateDef], chosen: TemplateDef) -> dict[str, str]:
    """The chosen template's body by language: the same template (same shortcut) in the other
    languages there is one for, so each customer of an incident is answered in theirs."""
    same = {chosen.language: chosen.body}
    if chosen.shortcut:
        for t in templates:
            if t.shortcut == chosen.shortcut and t.language not in same:
                same[t.language] = t.body
    return same
