"""Importing mail history from files, through the same pipeline as IMAP."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from supportdesk.channels.mailfiles import import_mail
from supportdesk.clock import FrozenClock
from supportdesk.store.desk import Desk
from tests.conftest import MONDAY_MORNING

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail"


def message(number: int, *, reply_to: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"Klient {number} <k{number % 3}@firma.pl>"
    mail["To"] = "support@telvio.example"
    mail["Subject"] = f"Sprawa {number}"
    mail["Date"] = format_datetime(MONDAY_MORNING)
    mail["Message-ID"] = f"<m{number}@firma.pl>"
    if reply_to:
        mail["In-Reply-To"] = reply_to
    mail.set_content(f"Treść {number}")
    return mail


def test_mbox_maildir_and_eml_import_once(desk: Desk, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for number in range(5):
        box.add(message(number, reply_to="<m0@firma.pl>" if number == 4 else None))
    box.flush()
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for number in range(5, 8):
        maildir.add(message(number))
    single = tmp_path / "one.eml"
    single.write_bytes(message(8).as_bytes())
    paths = [tmp_path / "archive.mbox", tmp_path / "Maildir", single]
    report = import_mail(desk, "support", paths)
    assert (report.found, report.stored, report.duplicates, report.problems) == (9, 9, 0, [])
    tickets = desk.list_queue("all", limit=100).tickets
    assert len(tickets) == 8  # message 4 answers message 0
    assert {t.status for t in tickets} == {"closed"}
    assert all(t.created_at == MONDAY_MORNING for t in tickets)
    again = import_mail(desk, "support", paths)
    assert (again.stored, again.duplicates) == (0, 9)


def test_every_corpus_message_goes_through_the_pipeline(desk: Desk, clock: FrozenClock) -> None:
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) >= 40
    report = import_mail(desk, "support", [CORPUS])
    assert report.problems == []
    assert report.found == len(files)
    assert report.stored + report.duplicates == report.found
    assert report.stored >= len(files) - 5


def test_missing_path_is_a_problem_not_a_crash(desk: Desk, tmp_path: Path) -> None:
    report = import_mail(desk, "support", [tmp_path / "nope.mbox"])
    assert report.problems == [f"{tmp_path / 'nope.mbox'} does not exist"]


def test_a_folder_with_nothing_to_import_is_a_problem(desk: Desk, tmp_path: Path) -> None:
    """Thunderbird's mail folder: mbox files named 'Inbox', no extension. Importing the folder
    read nothing and said so as a success; the file itself imports."""
    folder = tmp_path / "Mail"
    folder.mkdir()
    box = mailbox.mbox(folder / "Inbox")
    box.add(message(1))
    box.flush()
    (folder / "Inbox.msf").write_text("// index\n", encoding="utf-8")
    report = import_mail(desk, "support", [folder])
    assert report.found == 0
    [problem] = report.problems
    assert problem.startswith(f"{folder}: no .eml or .mbox files in it")
    assert import_mail(desk, "support", [folder / "Inbox"]).stored == 1
