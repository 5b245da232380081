"""The IMAP poller against a real IMAP server (Dovecot; pymap where it is absent)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from supportdesk.channels.imap import ImapPoller, ImapTrouble
from supportdesk.config import EmailAccount
from supportdesk.store.db import Database, open_database
from supportdesk.store.desk import Desk
from supportdesk.store.models import Message, Ticket
from tests.conftest import MONDAY_MORNING

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def account(server: Any, **overrides: Any) -> EmailAccount:
    fields: dict[str, Any] = {
        "name": "support",
        "address": "support@telvio.example",
        "imap_host": "127.0.0.1",
        "imap_port": server.port,
        "imap_tls": "none",
        "imap_user": server.user,
        "smtp_host": "127.0.0.1",
        "smtp_tls": "none",
        "password_secret": "support-mail",
        "timeout_seconds": 5,
    }
    fields.update(overrides)
    return EmailAccount(**fields)


def mail(
    sender: str = "jan@firma.pl",
    subject: str = "Nie działają połączenia",
    body: str = "Od rana nikt nie może się dodzwonić.",
    *,
    with_message_id: bool = True,
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan Kowalski <{sender}>"
    message["To"] = "support@telvio.example"
    message["Subject"] = subject
    message["Date"] = format_datetime(MONDAY_MORNING)
    if with_message_id:
        message["Message-ID"] = make_msgid(domain="firma.pl")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def count(database: Database, model: type, *where: Any) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_new_mail_is_stored_once_and_threads_replies(
    imap_server: Any, desk: Desk, database: Database
) -> None:
    for index in range(3):
        imap_server.append("INBOX", mail(sender=f"c{index}@firma.pl", subject=f"Sprawa {index}"))
    poller = ImapPoller(desk, account(imap_server), imap_server.password)
    first = poller.poll_once()
    assert (first[0].found, first[0].stored) == (3, 3)
    assert count(database, Ticket) == 3
    again = poller.poll_once()
    assert (again[0].found, again[0].stored) == (0, 0)
    # The customer answers our reply: In-Reply-To finds the ticket.
    number = desk.list_queue("open").tickets[0].number
    reply = desk.queue_reply(number, "Dzień dobry, sprawdzamy.")
    customer = desk.get_ticket(number).summary.customer.emails[0]
    imap_server.append(
        "INBOX",
        mail(sender=customer, subject="Re: ...", body="Dziękuję", In_Reply_To=reply.external_id),
    )
    third = poller.poll_once()
    assert third[0].stored == 1
    assert count(database, Ticket) == 3
    assert desk.get_ticket(number).messages[-1].thread_rule == "in_reply_to"
    poller.close()


def test_uidvalidity_reset_adds_nothing_and_warns(
    imap_server: Any, desk: Desk, database: Database
) -> None:
    for index in range(4):
        imap_server.append("INBOX", mail(sender=f"c{index}@firma.pl"))
    imap_server.append("INBOX", mail(sender="anon@firma.pl", with_message_id=False))
    poller = ImapPoller(desk, account(imap_server), imap_server.password)
    assert poller.poll_once()[0].stored == 5
    try:
        imap_server.recreate_folder_with_same_mail("INBOX")
    except NotImplementedError as exc:
        pytest.skip(str(exc))
    result = poller.poll_once()[0]
    assert result.stored == 0 and result.duplicates == 5
    assert result.warnings and "UIDVALIDITY changed" in result.warnings[0]
    assert count(database, Ticket) == 5
    health = desk.channel_health()
    assert any("UIDVALIDITY changed" in w for h in health for w in h.warnings)
    # New mail moves the folder's position on; the warning stays until someone reads it.
    imap_server.append("INBOX", mail(sender="later@firma.pl"))
    assert poller.poll_once()[0].stored == 1
    health = desk.channel_health()
    assert any("UIDVALIDITY changed" in w for h in health for w in h.warnings)
    poller.close()


def test_too_large_mail_is_kept_as_headers_with_a_note(imap_server: Any, desk: Desk) -> None:
    imap_server.append("INBOX", mail(subject="Nagranie", body="x" * (1_200_000)))
    imap_server.append("INBOX", mail(subject="Mała sprawa"))
    poller = ImapPoller(desk, account(imap_server, max_message_mb=1), imap_server.password)
    result = poller.poll_once()[0]
    assert (result.stored, result.too_large) == (2, 1)
    texts = [desk.get_ticket(t.number).messages[0].text for t in desk.list_queue("open").tickets]
    assert any("too large to fetch" in text and "left on the server" in text for text in texts)
    poller.close()


def test_wrong_password_and_unreachable_server_are_explained(imap_server: Any, desk: Desk) -> None:
    with pytest.raises(ImapTrouble, match="refused the login") as info:
        ImapPoller(desk, account(imap_server), "wrong password").poll_once()
    assert info.value.auth
    closed = account(imap_server, imap_port=1)
    with pytest.raises(ImapTrouble, match="refused the connection"):
        ImapPoller(desk, closed, "x").poll_once()


def test_after_store_marks_seen_only_after_storing(imap_server: Any, desk: Desk) -> None:
    imap_server.append("INBOX", mail())
    poller = ImapPoller(desk, account(imap_server, after_store="seen"), imap_server.password)
    poller.poll_once()
    flags = imap_server.fetch_flags("INBOX")
    assert all(b"\\Seen" in f for f in flags.values())
    poller.close()


def test_after_store_moves_to_a_folder_made_when_missing(imap_server: Any, desk: Desk) -> None:
    """move_to names a folder the mailbox does not have yet: the first pass stored the mail,
    failed to move it and every later pass, with no new mail, left it in the inbox, quietly."""
    imap_server.append("INBOX", mail())
    poller = ImapPoller(
        desk,
        account(imap_server, after_store="move", move_to="Archive"),
        imap_server.password,
    )
    [result] = poller.poll_once()
    assert result.stored == 1
    assert imap_server.uids("INBOX") == []
    assert len(imap_server.uids("Archive")) == 1
    poller.close()


def test_a_bounce_marks_our_reply_failed(imap_server: Any, desk: Desk) -> None:
    imap_server.append("INBOX", mail())
    poller = ImapPoller(desk, account(imap_server), imap_server.password)
    poller.poll_once()
    number = desk.list_queue("open").tickets[0].number
    reply = desk.queue_reply(number, "Dzień dobry")
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.firma.pl>\r\n"
        "To: support@telvio.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <bounce1@mx.firma.pl>\r\nDate: {format_datetime(MONDAY_MORNING)}\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.firma.pl\r\n\r\nFinal-Recipient: rfc822; jan@firma.pl\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {reply.external_id}\r\nSubject: Re: Nie działają połączenia\r\n"
        "--B--\r\n"
    ).encode()
    imap_server.append("INBOX", bounce)
    poller.poll_once()
    shown = desk.get_ticket(number).messages
    ours = next(m for m in shown if m.external_id == reply.external_id)
    assert ours.delivery_state == "failed" and "550 5.1.1" in (ours.delivery_error or "")
    others = [t for t in desk.list_queue("all").tickets if t.number != number]
    assert [t.status for t in others] == ["closed"]  # the bounce, filed and closed
    poller.close()


def test_cut_connection_mid_fetch_loses_and_duplicates_nothing(
    imap_server: Any, tcp_proxy: Any, desk: Desk, database: Database
) -> None:
    for index in range(40):
        imap_server.append("INBOX", mail(sender=f"c{index}@firma.pl", body="treść " * 4000))
    proxy = tcp_proxy(imap_server.port)
    proxy.cut_after(bytes_from_server=200_000)
    poller = ImapPoller(desk, account(imap_server, imap_port=proxy.port), imap_server.password)
    with pytest.raises(ImapTrouble):
        poller.poll_once()
    stored_before = count(database, Message)
    assert stored_before < 40
    proxy.cut_after(bytes_from_server=None)
    for _ in range(3):
        try:
            poller.poll_once()
            break
        except ImapTrouble:
            continue
    assert count(database, Message) == 40
    assert count(database, Ticket) == 40
    poller.close()


def test_a_stalled_server_times_out_and_the_next_pass_recovers(
    imap_server: Any, tcp_proxy: Any, desk: Desk, database: Database
) -> None:
    imap_server.append("INBOX", mail())
    proxy = tcp_proxy(imap_server.port)
    poller = ImapPoller(desk, account(imap_server, imap_port=proxy.port), imap_server.password)
    poller.connect()
    proxy.stall()
    started = time.monotonic()
    with pytest.raises(ImapTrouble, match="did not answer in time"):
        poller.poll_once()
    assert time.monotonic() - started < 15
    proxy.resume()
    poller.poll_once()
    assert count(database, Message) == 1
    poller.close()


def test_sigkill_at_random_moments_stores_every_message_exactly_once(
    imap_server: Any, database_url: str, tmp_path: Path
) -> None:
    total = 300
    for index in range(total):
        imap_server.append(
            "INBOX", mail(sender=f"c{index % 37}@firma.pl", subject=f"Sprawa {index}")
        )
    config = tmp_path / "config.toml"
    config.write_text(
        "[[email]]\n"
        'name = "support"\naddress = "support@telvio.example"\n'
        f'imap_host = "127.0.0.1"\nimap_port = {imap_server.port}\nimap_tls = "none"\n'
        f'imap_user = "{imap_server.user}"\n'
        'smtp_host = "127.0.0.1"\nsmtp_tls = "none"\npassword_secret = "support-mail"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {
        "SUPPORTDESK_SECRET_SUPPORT_MAIL": imap_server.password,
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    command = [SUPPORTDESK, "--config", str(config), "--db", database_url, "poll", "--once"]
    # How long polling this mailbox takes here, uninterrupted, into a scratch database: the
    # kills are spread over that. (Fixed delays let a faster poller, or machine, finish
    # before the first kill, and then the test proves nothing.)
    scratch = [*command[:4], str(tmp_path / "scratch.db"), *command[5:]]
    subprocess.run([*scratch[:5], "db", "upgrade"], env=env, capture_output=True, check=True)
    started = time.monotonic()
    subprocess.run(scratch, env=env, capture_output=True, check=True)
    whole = time.monotonic() - started
    rng = random.Random(7)
    kills = 0
    for attempt in range(40):
        # Killed at a random moment, again and again (the first time half-way); the last
        # tries are let finish, because on a busy machine the start alone can outlast the
        # longest delay before a kill.
        if attempt == 0:
            limit = whole / 2
        else:
            limit = rng.uniform(0.3, max(whole, 0.6)) if attempt < 30 else 120.0
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            process.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
            continue
        if process.returncode == 0:
            break
    else:
        pytest.fail("poll --once never finished")
    assert kills >= 1, "the poller was never interrupted; the test proved nothing"
    database = open_database(database_url)
    try:
        assert count(database, Message) == total
        with database.read_session() as session:
            ids = session.scalars(select(Message.external_id)).all()
        assert len(set(ids)) == total
    finally:
        database.dispose()
