"""The issue's "review loop end to end": a trainee drafts, the mentor returns it with a
comment, the trainee sees it and fixes it, the mentor approves — and the customer receives
the approved reply exactly once, through the real outbox and a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from supportdesk.clock import SystemClock
from supportdesk.store.db import open_database
from supportdesk.store.desk import Desk

# The CLI tests' clean environment (no SUPPORTDESK_* from the developer's shell) and runner.
from tests.channels.mailaccount import one_mail_account
from tests.cli.test_cli import clean_environment, sd  # noqa: F401

FIRST = "Dzień dobry,\n\nproszę zrestartować router.\n\nKasia"
COMMENT = "Najpierw zapytaj, od kiedy brakuje nagrań i na którym numerze."
FIXED = (
    "Dzień dobry,\n\nod kiedy brakuje nagrań i na którym numerze? Sprawdzę to od razu.\n\n"
    "Pozdrawiam,\nKasia"
)


def test_trainee_drafts_mentor_returns_trainee_fixes_mentor_approves_sent_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, imap_server: Any, smtp_server: Any
) -> None:
    base = one_mail_account(tmp_path, monkeypatch, imap_server, smtp_server)
    trainee = (*base, "--agent", "kasia")
    added = sd(*base, "agents", "add", "kasia", "--role", "trainee", "--mentor", "marta")
    assert added.code == 0, added.err

    first_id = make_msgid(domain="firma.pl")
    imap_server.append(
        "INBOX",
        (
            "From: Jan Kowalski <jan@firma.pl>\r\nTo: support@telvio.example\r\n"
            f"Subject: Brak nagrań rozmów\r\nMessage-ID: {first_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nOd wczoraj nie ma nagrań.\r\n"
        ).encode(),
    )
    assert sd(*base, "poll", "--once").code == 0
    [ticket] = sd(*base, "tickets", "--json").json()  # type: ignore[misc]
    number = str(ticket["number"])

    def deliveries() -> list[Any]:
        result = sd(*base, "poll", "--once", "--json")
        assert result.code == 0, result.err
        return result.json()["deliveries"]  # type: ignore[index,no-any-return]

    # 1. The trainee drafts: it waits for the mentor, and the outbox sends nothing.
    drafted = sd(*trainee, "ticket", "reply", number, FIRST)
    assert drafted.code == 0 and "mentor for review" in drafted.out
    assert deliveries() == [] and smtp_server.messages == []

    # 2. The mentor returns it with a comment.
    [waiting] = sd(*base, "review", "list", "--json").json()  # type: ignore[misc]
    assert waiting["text"] == FIRST
    returned = sd(*base, "review", "return", str(waiting["message_id"]), "--comment", COMMENT)
    assert returned.code == 0, returned.err
    assert deliveries() == [] and smtp_server.messages == []

    # 3. The trainee sees the comment on the ticket and has her text back as a draft.
    shown = sd(*trainee, "ticket", "show", number, "--json").json()
    [note] = [n for n in shown["notes"] if n["kind"] == "review"]  # type: ignore[index]
    assert note["body"] == COMMENT and note["mentions"] == ["kasia"]
    database = open_database(tmp_path / "desk.db")
    try:
        draft = Desk(database, SystemClock(), agent="kasia").get_draft(int(number), "reply")
        assert draft is not None and draft.body == FIRST
    finally:
        database.dispose()
    plain = sd(*trainee, "ticket", "show", number).out
    assert COMMENT in plain

    # 4. She fixes it and sends again: a new review request, still nothing goes out.
    fixed = sd(*trainee, "ticket", "reply", number, FIXED)
    assert fixed.code == 0
    assert deliveries() == [] and smtp_server.messages == []

    # 5. The mentor approves; the outbox sends it, exactly as written, once.
    [again] = sd(*base, "review", "list", "--json").json()  # type: ignore[misc]
    assert again["text"] == FIXED and again["message_id"] != waiting["message_id"]
    assert sd(*base, "review", "approve", str(again["message_id"])).code == 0
    [delivery] = deliveries()
    assert delivery["outcome"] == "sent"
    assert deliveries() == []
    [sent] = smtp_server.messages
    assert sent.rcpt_tos == ("jan@firma.pl",)
    mail = email.message_from_bytes(sent.raw, policy=email.policy.default)
    assert mail.get_content().replace("\r\n", "\n").strip() == FIXED
    assert mail["In-Reply-To"] == first_id
    assert "zrestartować router" not in sent.raw.decode("utf-8", "replace")
    shown = sd(*base, "ticket", "show", number, "--json").json()
    states = [m["delivery_state"] for m in shown["messages"] if m["direction"] == "out"]  # type: ignore[index]
    assert states == ["returned", "sent"]
