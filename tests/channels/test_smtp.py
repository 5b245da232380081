"""Replies out through a real SMTP server (aiosmtpd): every outcome, and the round trip."""

from __future__ import annotations

import email
import email.policy
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest

from supportdesk.channels.imap import ImapPoller
from supportdesk.channels.outbox import OutboxWorker
from supportdesk.clock import FrozenClock
from supportdesk.config import load_settings
from supportdesk.store.desk import Desk, InvalidInput
from tests.conftest import MONDAY_MORNING


def settings_for(tmp_path: Any, smtp: Any, imap: Any | None = None, **account: Any) -> Any:
    fields = {
        "name": "support",
        "address": "support@telvio.example",
        "display_name": "Telvio Support",
        "imap_host": "127.0.0.1",
        "imap_port": imap.port if imap else 1,
        "imap_tls": "none",
        "imap_user": imap.user if imap else "support",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_tls": "none",
        "smtp_user": "support",
        "password_secret": "support-mail",
        "timeout_seconds": 5,
        **account,
    }
    # Like a real submission server: our account logs in.
    smtp.require_auth("support", "pw")
    config = tmp_path / "config.toml"
    config.touch()
    return load_settings(config, overrides={"email": [fields]}, environ={})


def secret(password: str = "pw") -> Any:
    return lambda _name: password


def ticket_with_reply(
    desk: Desk, clock: FrozenClock, text: str = "Dzień dobry, sprawdzamy."
) -> tuple[int, Any]:
    result = desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@firma.pl",
        sender_name="Jan Kowalski",
        subject="Nie działają połączenia",
        text="Pomocy",
        at=clock.now(),
        external_id="<q1@firma.pl>",
    )
    reply = desk.queue_reply(result.ticket_number, text)
    return result.ticket_number, reply


def test_a_reply_is_sent_threaded(
    desk: Desk, clock: FrozenClock, smtp_server: Any, tmp_path: Any
) -> None:
    number, reply = ticket_with_reply(desk, clock)
    worker = OutboxWorker(desk, settings_for(tmp_path, smtp_server), secret=secret())
    [delivery] = worker.run_once()
    assert delivery.outcome == "sent"
    [received] = smtp_server.messages
    assert received.rcpt_tos == ("jan@firma.pl",)
    sent = email.message_from_bytes(received.raw, policy=email.policy.default)
    assert sent["Message-ID"] == reply.external_id
    assert sent["In-Reply-To"] == "<q1@firma.pl>"
    assert "<q1@firma.pl>" in sent["References"]
    assert sent["Subject"] == f"Re: Nie działają połączenia [#{number}]"
    assert "Telvio Support" in sent["From"] and "support@telvio.example" in sent["From"]
    assert "Dzień dobry, sprawdzamy." in sent.get_content()
    assert desk.get_ticket(number).messages[-1].delivery_state == "sent"
    assert worker.run_once() == []  # nothing is sent twice


def test_temporary_and_permanent_refusals(
    desk: Desk, clock: FrozenClock, smtp_server: Any, tmp_path: Any
) -> None:
    number, _reply = ticket_with_reply(desk, clock)
    worker = OutboxWorker(desk, settings_for(tmp_path, smtp_server), secret=secret())
    smtp_server.tempfail()
    [first] = worker.run_once()
    assert first.outcome == "retry" and "451" in (first.error or "")
    message = desk.get_ticket(number).messages[-1]
    assert message.delivery_state == "queued" and "451" in (message.delivery_error or "")
    assert worker.run_once() == []  # waits for its backoff
    clock.advance(minutes=2)
    smtp_server.reject()
    [second] = worker.run_once()
    assert second.outcome == "failed" and "554" in (second.error or "")
    assert desk.get_ticket(number).messages[-1].delivery_state == "failed"
    assert smtp_server.messages == []


def test_no_answer_after_the_data_is_unknown_and_never_resent(
    desk: Desk, clock: FrozenClock, smtp_server: Any, tmp_path: Any
) -> None:
    number, _reply = ticket_with_reply(desk, clock)
    worker = OutboxWorker(desk, settings_for(tmp_path, smtp_server), secret=secret())
    smtp_server.delay(8)  # longer than the 5 s timeout
    [delivery] = worker.run_once()
    assert delivery.outcome == "unknown" and "may have been delivered" in (delivery.error or "")
    clock.advance(hours=1)
    smtp_server.accept()
    assert worker.run_once() == []
    assert desk.get_ticket(number).messages[-1].delivery_state == "unknown"


def test_wrong_password_and_server_down(
    desk: Desk, clock: FrozenClock, smtp_server: Any, tmp_path: Any
) -> None:
    number, _reply = ticket_with_reply(desk, clock)
    settings = settings_for(tmp_path, smtp_server)
    smtp_server.require_auth("support", "right")
    [delivery] = OutboxWorker(desk, settings, secret=secret("wrong")).run_once()
    assert delivery.outcome == "failed" and "refused the login" in (delivery.error or "")
    desk.retry_delivery(desk.get_ticket(number).messages[-1].id)
    smtp_server.stop()
    [down] = OutboxWorker(desk, settings, secret=secret("right")).run_once()
    assert down.outcome == "retry" and "cannot connect" in (down.error or "")


def test_round_trip_mail_in_reply_out_answer_back(
    desk: Desk, clock: FrozenClock, smtp_server: Any, imap_server: Any, tmp_path: Any
) -> None:
    settings = settings_for(tmp_path, smtp_server, imap_server)
    account = settings.email[0]
    first = make_msgid(domain="firma.pl")
    imap_server.append(
        "INBOX",
        (
            f"From: Jan Kowalski <jan@firma.pl>\r\nTo: support@telvio.example\r\n"
            f"Subject: Brak nagrań\r\nMessage-ID: {first}\r\n"
            f"Date: {format_datetime(MONDAY_MORNING)}\r\n\r\nNagrania nie działają.\r\n"
        ).encode(),
    )
    poller = ImapPoller(desk, account, imap_server.password)
    poller.poll_once()
    number = desk.list_queue("open").tickets[0].number
    desk.queue_reply(number, "Proszę sprawdzić ustawienia nagrywania.")
    OutboxWorker(desk, settings, secret=secret()).run_once()
    ours = email.message_from_bytes(smtp_server.messages[0].raw, policy=email.policy.default)
    # The customer's mail program answers our reply.
    imap_server.append(
        "INBOX",
        (
            f"From: Jan Kowalski <jan@firma.pl>\r\nTo: support@telvio.example\r\n"
            f"Subject: Re: {ours['Subject']}\r\nMessage-ID: {make_msgid(domain='firma.pl')}\r\n"
            f"In-Reply-To: {ours['Message-ID']}\r\nReferences: {first} {ours['Message-ID']}\r\n"
            f"Date: {format_datetime(MONDAY_MORNING)}\r\n\r\nDziękuję, działa!\r\n"
        ).encode(),
    )
    poller.poll_once()
    poller.close()
    detail = desk.get_ticket(number)
    assert [m.text.strip() for m in detail.messages] == [
        "Nagrania nie działają.",
        "Proszę sprawdzić ustawienia nagrywania.",
        "Dziękuję, działa!",
    ]
    assert detail.messages[-1].thread_rule == "subject_token"
    assert len(desk.list_queue("all").tickets) == 1


def test_a_reply_with_an_attachment(
    desk: Desk, clock: FrozenClock, smtp_server: Any, tmp_path: Any
) -> None:
    settings = settings_for(tmp_path, smtp_server)
    number, _reply = ticket_with_reply(desk, clock)
    invoice = tmp_path / "Faktura 11-2026.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice\n" * 100)
    desk.queue_reply(number, "Faktura w załączniku.", attachments=[invoice])
    with pytest.raises(InvalidInput, match=r"no such file|No such file"):
        desk.queue_reply(number, "Druga faktura.", attachments=[tmp_path / "missing.pdf"])
    delivered = OutboxWorker(desk, settings, secret=secret()).run_once()
    assert [(d.outcome, d.error) for d in delivered] == [("sent", None), ("sent", None)]
    sent = email.message_from_bytes(smtp_server.messages[-1].raw, policy=email.policy.default)
    [part] = list(sent.iter_attachments())
    assert part.get_filename() == "Faktura 11-2026.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == invoice.read_bytes()
    shown = desk.get_ticket(number).messages[-1]
    assert [a.filename for a in shown.attachments] == ["Faktura 11-2026.pdf"]


def test_a_sent_reply_is_copied_to_the_sent_folder(
    desk: Desk, clock: FrozenClock, smtp_server: Any, imap_server: Any, tmp_path: Any
) -> None:
    settings = settings_for(tmp_path, smtp_server, imap_server, sent_folder="Sent")
    ticket_with_reply(desk, clock)
    [delivery] = OutboxWorker(desk, settings, secret=lambda _name: "pw").run_once()
    assert delivery.outcome == "sent"
    # The mail account's password is the IMAP server's; the SMTP test server takes "pw".
    assert any("imap-sent" in h.key and h.last_error for h in desk.channel_health())
    ticket_with_reply(desk, clock, "Druga odpowiedź.")
    passwords = {"support-mail": imap_server.password}
    smtp_server.require_auth("support", imap_server.password)
    [delivery] = OutboxWorker(desk, settings, secret=passwords.__getitem__).run_once()
    assert delivery.outcome == "sent"
    [copy] = imap_server.messages("Sent")
    assert b"\\Seen" in copy.flags
    sent = email.message_from_bytes(copy.raw, policy=email.policy.default)
    assert "Druga odpowiedź." in sent.get_content()
    assert (
        sent["Message-ID"] == email.message_from_bytes(smtp_server.messages[-1].raw)["Message-ID"]
    )
