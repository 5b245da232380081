"""What every channel hands the ingest pipeline, and what a sender reports back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ParsedAttachment:
    # The name as the sender gave it (made safe only when stored).
    filename: str | None
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedMail:
    """One email, parsed. Produced by channels.mime.parse_message for any bytes at all."""

    message_id: str | None  # "<id@host>", as in the header, or None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    sender_name: str | None
    sender_address: str | None  # lower-cased addr-spec
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None  # aware, from the Date header, None when missing or unreadable
    text: str  # what a person reads: text/plain, or HTML made readable
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    # Decoded header values by lower-cased name (first occurrence), for loop detection.
    headers: dict[str, str] = field(default_factory=dict)
    # Message-IDs of the messages a delivery report (bounce) is about.
    bounced_message_ids: tuple[str, ...] = ()
    bounce_reason: str | None = None
    # What could not be parsed cleanly, in words; the message is still stored.
    defects: tuple[str, ...] = ()
    is_delivery_report: bool = False


@dataclass(frozen=True)
class Automatic:
    """Why a message is not a person writing: an auto-reply, bulk mail, or a bounce."""

    kind: str  # "auto_reply" | "bulk" | "bounce"
    reason: str
