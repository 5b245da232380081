"""Sending replies by SMTP, and saying exactly what happened.

- connection trouble and 4xx answers: try again later;
- 5xx answers: failed, with the server's words;
- no answer after the message itself went out: unknown — the server may have taken it, so it
  is never sent again on a guess; the agent decides.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from supportdesk.config import EmailAccount
from supportdesk.core.plaintext import one_line
from supportdesk.store.dto import OutgoingReply


@dataclass(frozen=True)
class SendOutcome:
    outcome: str  # "sent" | "retry" | "failed" | "unknown"
    error: str | None = None
    message_id: str | None = None
    raw: bytes | None = None  # what went out, when it did


def build_message(reply: OutgoingReply, account: EmailAccount, now: datetime) -> EmailMessage:
    message = EmailMessage()
    display = reply.sender_name or account.display_name
    if account.display_name and reply.sender_name:
        display = f"{reply.sender_name} ({account.display_name})"
    message["From"] = formataddr((display or "", account.address))
    message["To"] = ", ".join(reply.recipients)
    message["Subject"] = reply.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = reply.external_id or make_msgid(domain=account.address.split("@")[-1])
    if reply.in_reply_to:
        message["In-Reply-To"] = reply.in_reply_to
    references = [r for r in reply.references if r]
    if references:
        # RFC 5322: the thread's ids; long threads keep the first and the latest ones.
        kept = references if len(references) <= 20 else [references[0], *references[-19:]]
        message["References"] = " ".join(kept)
    # We answer people; our replies are not auto-replies, but they should not start loops.
    message["Auto-Submitted"] = "no"
    message.set_content(reply.text)
    for attachment in reply.attachments:
        if attachment.path is None:
            continue
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            Path(attachment.path).read_bytes(),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def send(reply: OutgoingReply, account: EmailAccount, password: str, now: datetime) -> SendOutcome:
    if not reply.recipients:
        return SendOutcome("failed", "the ticket's customer has no email address to reply to")
    try:
        message = build_message(reply, account, now)
    except OSError as exc:
        return SendOutcome(
            "failed", f"an attachment could not be read: {exc.strerror or exc} ({exc.filename})"
        )
    # SMTP lines end in CRLF. smtplib fixes line endings only for text, never for bytes, so
    # a bare-LF payload would reach the server as one giant line.
    payload = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    where = f"{account.smtp_host}:{account.smtp_port}"
    try:
        client = _connect(account)
    except (OSError, smtplib.SMTPException) as exc:
        return SendOutcome("retry", f"cannot connect to {where}: {_words(exc)}")
    try:
        try:
            _log_in(client, account, password)
            code, answer = client.mail(account.address)
            if code >= 300:
                return _refused(code, answer, "MAIL FROM")
            for recipient in reply.recipients:
                code, answer = client.rcpt(recipient)
                if code >= 300:
                    return _refused(code, answer, f"recipient {recipient}")
        except smtplib.SMTPAuthenticationError as exc:
            return SendOutcome(
                "failed",
                f"{where} refused the login of {account.smtp_login}: {_words(exc)} — check the "
                f"password (secret {account.password_secret!r})",
            )
        except (OSError, smtplib.SMTPException) as exc:
            return SendOutcome("retry", f"{where}: {_words(exc)}")
        # From here on the message may be on its way: a lost answer means "unknown".
        try:
            code, answer = client.data(payload)
        except smtplib.SMTPDataError as exc:
            return _refused(exc.smtp_code, exc.smtp_error, "the message")
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            return SendOutcome(
                "unknown",
                f"{where} did not confirm the message ({_words(exc)}); it may have been "
                "delivered — check with the customer before sending again",
            )
        if code >= 300:
            return _refused(code, answer, "the message")
        return SendOutcome("sent", None, message["Message-ID"], payload)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()


def check_login(account: EmailAccount, password: str) -> str | None:
    """For `doctor`: None when the server takes our login, else why not, in words."""
    where = f"{account.smtp_host}:{account.smtp_port}"
    try:
        client = _connect(account)
    except (OSError, smtplib.SMTPException) as exc:
        return f"cannot connect to {where}: {_words(exc)}"
    try:
        _log_in(client, account, password)
    except smtplib.SMTPAuthenticationError as exc:
        return f"{where} refused the login of {account.smtp_login}: {_words(exc)}"
    except (OSError, smtplib.SMTPException) as exc:
        return f"{where}: {_words(exc)}"
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return None


def _connect(account: EmailAccount) -> smtplib.SMTP:
    if account.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(
            account.smtp_host,
            account.smtp_port,
            timeout=account.timeout_seconds,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=account.timeout_seconds)


def _log_in(client: smtplib.SMTP, account: EmailAccount, password: str) -> None:
    """EHLO, STARTTLS where configured, and AUTH where the server offers it."""
    client.ehlo()
    if account.smtp_tls == "starttls":
        client.starttls(context=ssl.create_default_context())
        client.ehlo()
    if client.has_extn("auth"):
        client.login(account.smtp_login, password)


def _refused(code: int, answer: bytes | str, what: str) -> SendOutcome:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    words = f"{code} {one_line(text, 300)}"
    if 400 <= code < 500:
        return SendOutcome("retry", f"the server deferred {what}: {words}")
    return SendOutcome("failed", f"the server refused {what}: {words}")


def _words(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {one_line(text, 300)}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return one_line(str(exc) or type(exc).__name__, 300)
