"""Is this mail a person writing, or a machine? Bounces, auto-replies and bulk mail.

A help desk that answers machines starts mail loops (our auto-acknowledgement to their
out-of-office reply to our auto-acknowledgement ...), so ingest asks ``detect_automatic`` first.
The rules, in the order they are tried (the first match wins, and its header is the reason):

bounce
    a delivery report (``multipart/report; report-type=delivery-status``), an
    ``X-Failed-Recipients`` header, or a sender such as ``mailer-daemon@`` / ``postmaster@``.
auto_reply
    RFC 3834 ``Auto-Submitted`` with any value but ``no``; ``X-Autoreply``, ``X-Autorespond``;
    Microsoft's ``X-Auto-Response-Suppress`` naming ``All``, ``OOF`` or ``AutoReply``; ``X-Loop``;
    ``Precedence: junk``.
bulk
    ``Precedence: bulk`` or ``list``; ``List-Id`` or ``List-Unsubscribe``.

On ``Precedence``: ``junk`` is what vacation(1)-style responders send, so it counts as an
auto-reply; ``bulk`` and ``list`` mark mass mail and mailing lists. Auto-responders that also say
``bulk`` nearly always carry ``Auto-Submitted`` or ``X-Autoreply`` too, which are checked first,
so ``bulk`` alone is treated as bulk mail, not as an auto-reply.
"""

from __future__ import annotations

from supportdesk.channels.base import Automatic, ParsedMail

__all__ = ["detect_automatic"]

_DAEMONS = {"mailer-daemon", "mail-daemon", "mailerdaemon", "postmaster"}
_SUPPRESS_TOKENS = {"all", "oof", "autoreply"}
_REASON_LIMIT = 120


def _reason(name: str, value: str) -> str:
    value = " ".join(value.split())
    if len(value) > _REASON_LIMIT:
        value = value[: _REASON_LIMIT - 1] + "…"
    return f"{name}: {value}" if value else f"{name}:"


def _bounce(mail: ParsedMail) -> Automatic | None:
    headers = mail.headers
    if mail.is_delivery_report:
        return Automatic("bounce", "Content-Type: multipart/report; report-type=delivery-status")
    if "x-failed-recipients" in headers:
        return Automatic("bounce", _reason("X-Failed-Recipients", headers["x-failed-recipients"]))
    address = (mail.sender_address or "").lower()
    if address.split("@", 1)[0] in _DAEMONS:
        return Automatic("bounce", _reason("From", address))
    return None


def _auto_reply(mail: ParsedMail) -> Automatic | None:
    headers = mail.headers
    submitted = headers.get("auto-submitted")
    if submitted is not None:
        keyword = submitted.split(";", 1)[0].strip().lower()
        if keyword and keyword != "no":
            return Automatic("auto_reply", _reason("Auto-Submitted", submitted))
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if name in headers:
            return Automatic("auto_reply", _reason(label, headers[name]))
    suppress = headers.get("x-auto-response-suppress")
    if suppress is not None:
        tokens = {token.strip().lower() for token in suppress.replace(";", ",").split(",")}
        if tokens & _SUPPRESS_TOKENS:
            return Automatic("auto_reply", _reason("X-Auto-Response-Suppress", suppress))
    if "x-loop" in headers:
        return Automatic("auto_reply", _reason("X-Loop", headers["x-loop"]))
    precedence = headers.get("precedence", "").strip().lower()
    if precedence == "junk":
        return Automatic("auto_reply", _reason("Precedence", headers["precedence"]))
    return None


def _bulk(mail: ParsedMail) -> Automatic | None:
    headers = mail.headers
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list"):
        return Automatic("bulk", _reason("Precedence", headers["precedence"]))
    for name, label in (("list-id", "List-Id"), ("list-unsubscribe", "List-Unsubscribe")):
        if name in headers:
            return Automatic("bulk", _reason(label, headers[name]))
    return None


def detect_automatic(mail: ParsedMail) -> Automatic | None:
    """Why this mail was sent by a machine (bounce, auto_reply, bulk), or None for a person."""
    return _bounce(mail) or _auto_reply(mail) or _bulk(mail)
