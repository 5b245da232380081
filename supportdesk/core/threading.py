"""Which ticket an inbound message belongs to, and why.

Email (`decide`):

The rules, in order (the first that finds a ticket wins, and its name is recorded):
1. `subject_token`: the ticket's token in the subject, "[#1042]" (the prefix is configurable).
2. `in_reply_to` / `references`: the message answers or cites a stored message (ours or the
   customer's) of a ticket.
3. `new_ticket`: otherwise.

Different customers' mail is never joined by the subject's words alone. A message that finds a
ticket by token or reference but comes from someone else than the ticket's customer, with an
unrelated subject, is attached but flagged for the agent to check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportdesk.core.enums import ACTIVE_STATUSES, Status

# Reply and forward prefixes in the languages our customers write, possibly repeated.
_PREFIXES = re.compile(
    r"^\s*((re|fwd?|aw|wg|odp|pd|sv|tr|rv|отв|ответ|пересл|fw)\s*(\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    """A ticket the store found for a token or a Message-ID."""

    number: int
    subject: str
    customer_addresses: frozenset[str]
    message_id: str | None = None


@dataclass(frozen=True)
class Decision:
    ticket_number: int | None
    rule: str
    note: str | None = None


def token_pattern(prefix: str = "#") -> re.Pattern[str]:
    """'[#1042]' for prefix '#', '[Telvio #1042]' for prefix 'Telvio #'."""
    return re.compile(r"\[\s*" + re.escape(prefix.strip()) + r"\s*(\d{1,10})\s*\]")


def subject_tokens(subject: str, prefix: str = "#") -> list[int]:
    return [int(n) for n in token_pattern(prefix).findall(subject or "")]


def with_token(subject: str, number: int, prefix: str = "#") -> str:
    """The subject for our replies: 'Re: <subject> [#1042]', the token once."""
    clean = token_pattern(prefix).sub("", subject or "").strip()
    clean = _SPACES.sub(" ", clean)
    if not _PREFIXES.match(clean):
        clean = f"Re: {clean}" if clean else "Re:"
    return f"{clean} [{prefix.strip()}{number}]"


def normalized_subject(subject: str, prefix: str = "#") -> str:
    text = token_pattern(prefix).sub(" ", subject or "")
    text = _PREFIXES.sub("", text)
    return _SPACES.sub(" ", text).strip().casefold()


def related_subjects(a: str, b: str, prefix: str = "#") -> bool:
    left, right = normalized_subject(a, prefix), normalized_subject(b, prefix)
    if not left or not right:
        return False
    return left == right or left in right or right in left


def decide(
    *,
    sender: str | None,
    subject: str,
    token_candidates: Sequence[Candidate],
    in_reply_to: Sequence[Candidate],
    references: Sequence[Candidate],
    prefix: str = "#",
) -> Decision:
    """Pick the ticket; `*_candidates` are what the store found for each kind of clue."""
    sender = (sender or "").casefold()
    for rule, found in (
        ("subject_token", token_candidates),
        ("in_reply_to", in_reply_to),
        ("references", references),
    ):
        if not found:
            continue
        # The customer's own ticket first, when a clue points at several.
        ticket = next((c for c in found if sender in c.customer_addresses), found[0])
        note = None
        if sender not in ticket.customer_addresses and not related_subjects(
            subject, ticket.subject, prefix
        ):
            note = (
                f"joined by {rule.replace('_', ' ')}, but the sender is not this ticket's "
                "customer and the subject is unrelated; check it belongs here"
            )
        return Decision(ticket.number, rule, note)
    return Decision(None, "new_ticket")


# -- chats (Telegram) -----------------------------------------------------------------------


@dataclass(frozen=True)
class ChatTicket:
    """The customer's latest ticket on a chat channel account, as the store found it."""

    number: int
    status: str
    solved_at: datetime | None


def decide_chat(
    *,
    edited: int | None,
    replied: int | None,
    latest: ChatTicket | None,
    now: datetime,
    reopen_solved_within: timedelta,
) -> Decision:
    """A chat has no subjects or tokens: a message continues the conversation the customer is in.

    1. `telegram_edit`: an edit joins the ticket of the message it edits (`edited`);
    2. `telegram_chat`: else the customer's latest ticket while it is active (new, open,
       pending, on hold);
    3. `telegram_reply`: else the ticket of the message it answers (`replied`), however old —
       the store reopens it, or starts a linked follow-up when it is closed;
    4. `recently_solved`: else the latest ticket when it was solved within the window (it is
       reopened: "it still does not work" is the same problem);
    5. `new_ticket`.
    """
    if edited is not None:
        return Decision(edited, "telegram_edit")
    if latest is not None and latest.status in ACTIVE_STATUSES:
        return Decision(latest.number, "telegram_chat")
    if replied is not None:
        return Decision(replied, "telegram_reply")
    if (
        latest is not None
        and latest.status == Status.SOLVED
        and latest.solved_at is not None
        and now - latest.solved_at <= reopen_solved_within
    ):
        return Decision(latest.number, "recently_solved")
    return Decision(None, "new_ticket")
