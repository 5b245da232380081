"""The issue's definition of done, as a new user does it from the command line: configure an
account, `supportdesk poll`, see the ticket, reply, and the reply lands threaded in the
customer's mailbox; the customer's answer comes back to the same ticket."""

from __future__ import annotations

import email
import email.message
import email.policy
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

# The CLI tests' clean environment (no SUPPORTDESK_* from the developer's shell) and runner.
from tests.channels.mailaccount import one_mail_account
from tests.cli.test_cli import clean_environment, sd  # noqa: F401


def test_configure_poll_reply_and_the_answer_threads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imap_server: Any, smtp_server: Any
) -> None:
    base = one_mail_account(
        tmp_path, monkeypatch, imap_server, smtp_server, display_name="Telvio Support"
    )

    first_id = make_msgid(domain="firma.pl")
    imap_server.append(
        "INBOX",
        (
            "From: Jan Kowalski <jan@firma.pl>\r\nTo: support@telvio.example\r\n"
            f"Subject: Brak nagrań rozmów\r\nMessage-ID: {first_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "Od wczoraj nie ma nagrań rozmów.\r\n"
        ).encode(),
    )
    result = sd(*base, "poll", "--once", "--json")
    assert result.code == 0, result.err
    assert result.json()["accounts"][0]["folders"][0]["stored"] == 1

    result = sd(*base, "tickets", "--json")
    [ticket] = result.json()
    assert ticket["subject"] == "Brak nagrań rozmów"
    number = ticket["number"]

    assert sd(*base, "ticket", "reply", str(number), "Sprawdzamy nagrania, Panie Janie.").code == 0
    result = sd(*base, "poll", "--once", "--json")
    assert result.code == 0, result.err
    [delivery] = result.json()["deliveries"]
    assert delivery["outcome"] == "sent"

    # The mail server delivers our reply to Jan's mailbox; his mail program shows it threaded.
    [sent] = smtp_server.messages
    assert sent.rcpt_tos == ("jan@firma.pl",) and sent.auth_user == "support"
    imap_server.append("Jan", sent.raw)
    [delivered] = imap_server.messages("Jan")
    ours = email.message_from_bytes(delivered.raw, policy=email.policy.default)
    assert ours["In-Reply-To"] == first_id
    assert first_id in ours["References"]
    assert f"[#{number}]" in ours["Subject"]
    assert "Sprawdzamy nagrania" in ours.get_content()

    # He answers from his mail program (a new subject line, no token: the references thread it).
    imap_server.append(
        "INBOX",
        (
            "From: Jan Kowalski <jan@firma.pl>\r\nTo: support@telvio.example\r\n"
            f"Subject: Odp: nagrania\r\nMessage-ID: {make_msgid(domain='firma.pl')}\r\n"
            f"In-Reply-To: {ours['Message-ID']}\r\nReferences: {first_id} {ours['Message-ID']}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nDziękuję, już działa.\r\n"
        ).encode(),
    )
    assert sd(*base, "poll", "--once").code == 0
    # A second pass finds nothing new and stores nothing twice.
    result = sd(*base, "poll", "--once", "--json")
    assert result.json()["accounts"][0]["folders"][0]["stored"] == 0

    result = sd(*base, "ticket", "show", str(number), "--json")
    shown = result.json()
    assert [m["text"].strip() for m in shown["messages"]] == [
        "Od wczoraj nie ma nagrań rozmów.",
        "Sprawdzamy nagrania, Panie Janie.",
        "Dziękuję, już działa.",
    ]
    assert len(sd(*base, "tickets", "--view", "all", "--json").json()) == 1


def test_a_data_folder_that_cannot_be_written_is_named_and_the_mail_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imap_server: Any, smtp_server: Any
) -> None:
    """An attachment the poller cannot write (data_dir under a file, say; a service whose home
    is hidden) is the data folder's trouble, not the mail server's; the mail stays on the
    server and comes in once the folder is right."""
    base = one_mail_account(tmp_path, monkeypatch, imap_server, smtp_server)
    mail = email.message.EmailMessage()
    mail["From"], mail["To"] = "Jan <jan@firma.pl>", "support@telvio.example"
    mail["Subject"], mail["Message-ID"] = "Faktura", make_msgid(domain="firma.pl")
    mail.set_content("W załączniku.")
    mail.add_attachment(b"%PDF-1.4 faktura", maintype="application", subtype="pdf")
    imap_server.append("INBOX", mail.as_bytes())
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("SUPPORTDESK_DATA_DIR", str(blocker / "data"))

    result = sd(*base, "poll", "--once")
    assert result.code == 1
    said = result.out + result.err
    assert f"cannot store an attachment in {blocker / 'data'}" in said, said
    assert "connection" not in said
    assert sd(*base, "tickets", "--json").json() == []

    monkeypatch.setenv("SUPPORTDESK_DATA_DIR", str(tmp_path / "data"))
    result = sd(*base, "poll", "--once", "--json")
    assert result.code == 0, result.err
    assert result.json()["accounts"][0]["folders"][0]["stored"] == 1
