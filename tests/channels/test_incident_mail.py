"""The issue's "incident bulk reply", end to end: customers mail about one outage (real IMAP),
an agent links their tickets to an incident and answers all at once from the command line,
the real outbox sends through a real SMTP server — every linked customer receives exactly one
message, in their language; a second bulk reply sends nothing; resolving tells each once more."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from tests.channels.mailaccount import one_mail_account
from tests.cli.test_cli import clean_environment, sd  # noqa: F401

CUSTOMERS = [
    ("jan@firma.pl", "Jan Kowalski", "Nie działają połączenia", "Od rana nikt się nie dodzwoni."),
    ("eva@shop.example", "Eva Smith", "Phones silent", "None of our phones ring since 10:00."),
    ("ivan@zavod.example", "Иван Петров", "Не проходят звонки", "Входящие звонки не проходят."),
    ("olga@zavod.example", "Ольга Орлова", "Звонки", "У нас тоже тишина, звонков нет."),
]


def test_every_linked_customer_gets_exactly_one_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imap_server: Any, smtp_server: Any
) -> None:
    base = one_mail_account(
        tmp_path, monkeypatch, imap_server, smtp_server, lead_display_name="Marta Kowalska"
    )
    for address, name, subject, text in CUSTOMERS:
        imap_server.append(
            "INBOX",
            (
                f"From: {name} <{address}>\r\nTo: support@telvio.example\r\n"
                f"Subject: {subject}\r\nMessage-ID: {make_msgid(domain='example')}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                f"{text}\r\n"
            ).encode(),
        )
    # And one customer with an unrelated question, not linked: they must hear nothing.
    imap_server.append(
        "INBOX",
        (
            "From: Zoe <zoe@other.example>\r\nTo: support@telvio.example\r\n"
            f"Subject: Invoice copy\r\nMessage-ID: {make_msgid(domain='other.example')}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease send the invoice again.\r\n"
        ).encode(),
    )
    assert sd(*base, "poll", "--once").code == 0
    tickets = sd(*base, "tickets", "--json").json()
    outage = [t["number"] for t in tickets if t["subject"] != "Invoice copy"]  # type: ignore[index]
    assert len(outage) == 4

    declared = sd(
        *base,
        "incident",
        "declare",
        "Incoming calls fail",
        "--message",
        "Our SIP provider has an outage; we are on it.",
        "--link",
        *map(str, outage),
        "--json",
    )
    assert declared.code == 0, declared.err
    incident = str(declared.json()["id"])  # type: ignore[index]
    # The shipped "outage" template, each customer in their own language.
    replied = sd(*base, "incident", "reply", incident, "--template", "outage", "--json")
    assert replied.code == 0, replied.err
    assert sorted(replied.json()["queued"]) == sorted(outage)  # type: ignore[index]
    delivered = sd(*base, "poll", "--once", "--json")
    assert delivered.code == 0, delivered.err
    assert {d["outcome"] for d in delivered.json()["deliveries"]} == {"sent"}  # type: ignore[index]

    received = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert received == Counter(address for address, *_ in CUSTOMERS)
    bodies = {
        m.rcpt_tos[0]: email.message_from_bytes(m.raw, policy=email.policy.default)
        for m in smtp_server.messages
    }
    assert bodies["ivan@zavod.example"].get_content().startswith("Здравствуйте, Иван")
    assert bodies["eva@shop.example"].get_content().startswith("Hello Eva")
    assert "[#" in bodies["jan@firma.pl"]["Subject"]

    # Answering again with the same text sends nothing more.
    again = sd(*base, "incident", "reply", incident, "--template", "outage", "--json")
    assert again.json()["queued"] == []  # type: ignore[index]
    assert sd(*base, "poll", "--once").code == 0
    assert len(smtp_server.messages) == 4

    # Resolved: each hears once more, and the tickets wait for their confirmation.
    resolved = sd(*base, "incident", "resolve", incident, "--message", "Fixed.", "--solve")
    assert resolved.code == 0, resolved.err
    assert sd(*base, "poll", "--once").code == 0
    received = Counter(rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos)
    assert received == Counter({address: 2 for address, *_ in CUSTOMERS})
    statuses = {
        t["number"]: t["status"] for t in sd(*base, "tickets", "--view", "all", "--json").json()
    }  # type: ignore[index,union-attr]
    assert all(statuses[n] == "solved" for n in outage)
