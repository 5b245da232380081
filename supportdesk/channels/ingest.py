"""The one pipeline inbound mail goes through: parse -> loop check -> threading clues -> Desk.

Dedupe, threading and storing happen in the Desk, in one transaction per batch
(`Desk.receive_batch`), so what a channel hands over is stored exactly once or not at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from supportdesk.channels.base import Automatic, ParsedMail
from supportdesk.channels.loops import detect_automatic
from supportdesk.channels.mime import parse_message
from supportdesk.core.threading import subject_tokens
from supportdesk.store import dto

if TYPE_CHECKING:
    # Only named here: the parse worker imports this module and needs no database.
    from supportdesk.store.desk import Desk

# A sender we cannot read still gets its message stored, under this address.
UNKNOWN_SENDER = "unknown-sender@invalid"
_NOT_IN_ADDRESSES = re.compile(r"[\s\x00-\x1f\x7f-\x9f<>]+")


def usable_address(address: str | None) -> str:
    """The sender's address as an identity: never refused, so one odd header cannot stop the
    whole batch. Spaces and controls go ('power quadrant system@x' happens); no '@' at all
    means unknown."""
    cleaned = _NOT_IN_ADDRESSES.sub("", address or "").strip(".")
    return cleaned.lower() if "@" in cleaned.strip("@") else UNKNOWN_SENDER


@dataclass(frozen=True)
class MailToStore:
    """What the Desk stores of one email, and what is done after: only that, since it is
    what crosses the pipe from the parse worker (the whole parsed mail, its headers and
    parts, cost the poller a fifth of a second per 10,000 messages to unpickle)."""

    item: dto.InboundItem
    automatic: Automatic | None
    # Of a delivery report: the Message-IDs of the messages it is about, and why.
    bounced_message_ids: tuple[str, ...] = ()
    bounce_reason: str | None = None
    # What could not be parsed cleanly, in words (the message is stored all the same).
    defects: tuple[str, ...] = ()


def mail_item(
    account: str,
    raw: bytes,
    *,
    received: datetime,
    token_prefix: str = "#",
    too_large: str | None = None,
    imported: bool = False,
    parsed: ParsedMail | None = None,
) -> MailToStore:
    """Everything the Desk needs about one raw email. Never raises.

    `too_large` marks a message of which only the headers were fetched: its text becomes
    that note, and the mail stays on the server. `parsed` is the message already parsed (or
    judged unparseable), when the parser is not to run on it here.
    """
    mail = parsed if parsed is not None else parse_message(raw)
    automatic = detect_automatic(mail)
    # Without a Message-ID, the bytes themselves identify the message (a re-delivery of the
    # same mail has the same hash).
    external_id = mail.message_id or f"<sha256.{hashlib.sha256(raw).hexdigest()}@supportdesk>"
    text = mail.text
    if too_large:
        text = f"[{too_large}]\n\n{text}".rstrip()
    if mail.defects and not text.strip():
        text = "[This message could not be read as text; its original is kept.]"
    item = dto.InboundItem(
        channel="email",
        account=account,
        identity_kind="email",
        identity_value=usable_address(mail.sender_address),
        sender_name=mail.sender_name,
        subject=mail.subject,
        text=text,
        at=mail.date or received,
        external_id=external_id,
        thread=dto.ThreadClues(
            tokens=tuple(subject_tokens(mail.subject, token_prefix)),
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            prefix=token_prefix,
        ),
        automatic=automatic is not None,
        html=mail.html,
        raw=raw,
        raw_key=external_id,
        attachments=tuple(
            dto.NewAttachment(
                filename=a.filename,
                content_type=a.content_type,
                data=a.data,
                inline=a.inline,
                content_id=a.content_id,
            )
            for a in mail.attachments
        ),
        imported=imported,
    )
    return MailToStore(
        item, automatic, mail.bounced_message_ids, mail.bounce_reason, tuple(mail.defects)
    )


def store_mail(
    desk: Desk,
    batch: Sequence[MailToStore],
    *,
    channel_state: dto.ChannelStateUpdate | None = None,
) -> list[dto.ReceiveResult]:
    """Store a batch (and the channel's new position) in one transaction; then let bounces
    mark the replies they are about as failed."""
    system = desk.acting_as(None)
    results = system.receive_batch([m.item for m in batch], channel_state=channel_state)
    for stored, result in zip(batch, results, strict=True):
        automatic = stored.automatic
        if result.duplicate or automatic is None or automatic.kind != "bounce":
            continue
        if stored.bounced_message_ids:
            system.mark_bounced(
                stored.item.account,
                stored.bounced_message_ids,
                stored.bounce_reason or automatic.reason,
            )
    return results
