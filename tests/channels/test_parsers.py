"""Parsing in a worker process (channels/parsers.py): the same results as parsing here, and
nothing lost when the worker crashes, hangs, fails or cannot start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from supportdesk.channels.imap import ImapPoller
from supportdesk.channels.mime import UNREADABLE_SUBJECT
from supportdesk.channels.parsers import (
    InlineParser,
    ParseJob,
    RawMail,
    WorkerParser,
    parse_job,
)
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk
from supportdesk.store.models import Message, RawOriginal
from tests.channels.parseworkers import CRASH, FAIL, HANG
from tests.channels.test_imap import account, count, mail

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
RECEIVED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def job(*raws: bytes, too_large: dict[int, str] | None = None) -> ParseJob:
    notes = too_large or {}
    return ParseJob(
        "support",
        tuple(RawMail(raw, notes.get(index)) for index, raw in enumerate(raws)),
        received=RECEIVED,
        token_prefix="#",
    )


def corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]


def marked(marker: bytes, subject: str = "poison") -> bytes:
    return mail(subject=subject).replace(b"\nSubject:", b"\n" + marker + b"\nSubject:", 1)


@pytest.fixture
def worker() -> Any:
    made: list[WorkerParser] = []

    def make(parse: str | None = None, **options: Any) -> WorkerParser:
        parser = WorkerParser(parse, **options) if parse else WorkerParser(**options)
        made.append(parser)
        return parser

    yield make
    for parser in made:
        parser.close()


def test_the_worker_parses_exactly_as_this_process_does(worker: Any) -> None:
    raws = corpus()
    assert len(raws) > 50
    batch = job(*raws, too_large={3: "too large to fetch (30.0 MB)"})
    parser = worker()
    # Two batches in flight at once, as the poller's pipeline has them.
    first, second = parser.submit(batch), parser.submit(job(*raws[:5]))
    expected = InlineParser().submit(batch).result()
    assert first.result() == expected
    assert second.result() == parse_job(job(*raws[:5]))
    assert [m.item.raw for m in first.result()] == raws
    assert parser.troubles == [] and parser.unparsed == 0


def test_a_message_that_kills_the_worker_is_stored_raw_and_the_rest_parsed(
    worker: Any,
) -> None:
    poison = marked(CRASH)
    raws = [mail(subject=f"Sprawa {n}") for n in range(4)]
    batch = job(raws[0], raws[1], poison, raws[2], raws[3])
    parser = worker("tests.channels.parseworkers:misbehaving")
    results = parser.submit(batch).result()
    assert [r.item.raw for r in results] == [m.raw for m in batch.mails]
    assert [r.item.subject for r in results] == [
        "Sprawa 0", "Sprawa 1", UNREADABLE_SUBJECT, "Sprawa 2", "Sprawa 3"
    ]  # fmt: skip
    assert results[:2] + results[3:] == [r for i, r in enumerate(parse_job(batch)) if i != 2]
    assert any("made the parser fail" in d for d in results[2].defects)
    assert "Nie działają" not in results[2].item.text and "poison" in results[2].item.text
    assert parser.unparsed == 1
    assert any("parse worker failed" in t for t in parser.troubles)
    # The next batch goes to a new worker.
    assert parser.submit(job(raws[0])).result() == parse_job(job(raws[0]))


@pytest.mark.parametrize("marker", [HANG, FAIL])
def test_a_hung_or_failing_worker_costs_only_that_message(worker: Any, marker: bytes) -> None:
    raws = [mail(subject="first"), marked(marker), mail(subject="last")]
    parser = worker("tests.channels.parseworkers:misbehaving", timeout=3)
    results = parser.submit(job(*raws)).result()
    assert [r.item.subject for r in results] == ["first", UNREADABLE_SUBJECT, "last"]
    assert [r.item.raw for r in results] == raws
    assert parser.unparsed == 1


def test_a_worker_killed_from_outside_loses_nothing(worker: Any) -> None:
    raws = [mail(subject=f"Sprawa {n}") for n in range(3)]
    parser = worker("tests.channels.parseworkers:slow")
    pending = parser.submit(job(*raws))
    assert parser._worker is not None
    time.sleep(0.5)
    os.kill(parser._worker.process.pid, signal.SIGKILL)
    # Killed while it held the batch: parsed again, every message, none unparsed.
    results = pending.result()
    assert [r.item.subject for r in results] == ["Sprawa 0", "Sprawa 1", "Sprawa 2"]
    assert parser.unparsed == 0
    assert any("parse worker failed" in t for t in parser.troubles)


def test_a_worker_that_cannot_start_means_parsing_here(worker: Any) -> None:
    raws = [mail(subject="one"), mail(subject="two")]
    parser = worker("tests.channels.no_such_module:parse")
    results = parser.submit(job(*raws)).result()
    assert results == parse_job(job(*raws))
    assert parser.unparsed == 0
    assert any("parsed in the poller itself" in t for t in parser.troubles)
    # From then on, without trying a worker again for every batch.
    assert parser.submit(job(raws[0])).result() == parse_job(job(raws[0]))


def test_the_worker_ends_when_the_poller_is_killed(tmp_path: Path) -> None:
    script = (
        "import time\n"
        "from datetime import UTC, datetime\n"
        "from supportdesk.channels.parsers import ParseJob, RawMail, WorkerParser\n"
        "parser = WorkerParser()\n"
        "job = ParseJob('a', (RawMail(b'Subject: x\\n\\nhi\\n'),), datetime.now(UTC), '#')\n"
        "assert parser.submit(job).result()[0].item.subject == 'x'\n"
        "print(parser._worker.process.pid, flush=True)\n"
        "time.sleep(3600)\n"
    )
    poller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert poller.stdout is not None
    worker_pid = int(poller.stdout.readline())
    os.kill(poller.pid, signal.SIGKILL)
    poller.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _running(worker_pid):
        time.sleep(0.1)
    assert not _running(worker_pid), "the parse worker outlived the poller"


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_poller_with_a_crashing_worker_stores_every_message_once(
    imap_server: Any, desk: Desk, database: Database
) -> None:
    sent = []
    for index in range(250):
        raw = marked(CRASH, f"Sprawa {index}") if index in (7, 130) else None
        raw = raw or mail(sender=f"c{index % 17}@firma.pl", subject=f"Sprawa {index}")
        imap_server.append("INBOX", raw)
        sent.append(raw)
    parser = WorkerParser("tests.channels.parseworkers:misbehaving")
    try:
        poller = ImapPoller(desk, account(imap_server), imap_server.password, parser=parser)
        result = poller.poll_once()[0]
        poller.close()
    finally:
        parser.close()
    assert (result.found, result.stored, result.duplicates) == (250, 250, 0)
    assert any("parse worker failed" in w for w in result.warnings)
    assert count(database, Message) == 250
    state = desk.channel_state("support", "imap:INBOX")
    assert state is not None and state["last_uid"] == max(imap_server.uids("INBOX"))
    with database.read_session() as session:
        stored = {
            bytes(raw).replace(b"\r\n", b"\n") for raw in session.scalars(select(RawOriginal.data))
        }
        unread = session.scalars(
            select(Message.subject).where(Message.subject == UNREADABLE_SUBJECT)
        ).all()
    # Every original byte for byte (Dovecot may store line ends as CRLF).
    assert stored == {raw.replace(b"\r\n", b"\n") for raw in sent}
    assert len(unread) == 2


def test_a_single_batch_is_parsed_without_starting_a_worker(
    imap_server: Any, desk: Desk, database: Database
) -> None:
    for index in range(3):
        imap_server.append("INBOX", mail(subject=f"Sprawa {index}"))
    parser = WorkerParser()
    try:
        poller = ImapPoller(desk, account(imap_server), imap_server.password, parser=parser)
        assert poller.poll_once()[0].stored == 3
        poller.close()
        assert parser._worker is None
    finally:
        parser.close()
    assert count(database, Message) == 3
