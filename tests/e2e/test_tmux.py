"""The real program in a real terminal (tmux): take the most urgent ticket, reply, quit; start
again after a half-typed draft was cut off, and find the draft."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from supportdesk.store.db import open_database
from supportdesk.store.models import Draft, Message, OutboxItem, Ticket
from tests.conftest import missing_server

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., str]]:
    if shutil.which("tmux") is None:
        missing_server("tmux")
    socket = str(tmp_path / "tmux.sock")
    # pytest-xdist's workers carry COLUMNS=80 and LINES=24, which Textual would believe over
    # the terminal tmux gives it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SUPPORTDESK_") and k not in ("COLUMNS", "LINES")
    }
    env |= {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
    }

    def run(*args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", socket, *args], capture_output=True, text=True, env=env, timeout=30
        )
        return result.stdout

    yield run
    run("kill-server")


def start(tmux: Callable[..., str], database: Path) -> None:
    tmux(
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "36",
        "-s",
        "desk",
        f"{SUPPORTDESK} demo --db {database}",
    )


def screen(tmux: Callable[..., str]) -> str:
    return tmux("capture-pane", "-p", "-t", "desk")


def wait_for(tmux: Callable[..., str], text: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(tmux)
        # A line the terminal wrapped still counts: a ticket's head line ends in
        # "· read-only", which a long assignee name pushes onto the next row.
        if text in shown or text in " ".join(shown.split()):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the terminal shows:\n{shown}")


def keys(tmux: Callable[..., str], *pressed: str) -> None:
    for key in pressed:
        tmux("send-keys", "-t", "desk", key)
        time.sleep(0.15)


def test_a_shift_in_a_real_terminal(tmux: Callable[..., str], tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    start(tmux, database)
    wait_for(tmux, "All open")
    keys(tmux, "n")  # take and open the most urgent unassigned ticket
    head = wait_for(tmux, "Where I stopped")
    number = int(head.split("#", 1)[1].split()[0].rstrip("·"))
    keys(tmux, "r")
    wait_for(tmux, "after sending")
    tmux("send-keys", "-t", "desk", "-l", "We are on it, the line is back in 10 minutes.")
    keys(tmux, "C-s")
    wait_for(tmux, "queued for sending")
    db = open_database(database)
    try:
        with db.read_session() as session:
            reply = session.scalars(
                select(Message)
                .join(Ticket, Ticket.id == Message.ticket_id)
                .where(Ticket.number == number, Message.direction == "out")
                .order_by(Message.id.desc())
            ).first()
            assert reply is not None and "the line is back in 10 minutes" in reply.text
            outbox = session.scalars(
                select(OutboxItem).where(OutboxItem.message_id == reply.id)
            ).one()
            assert outbox.state == "queued"
    finally:
        db.dispose()

    # Half a reply, then the terminal goes away without warning.
    keys(tmux, "enter")
    head = wait_for(tmux, "Where I stopped")
    draft_number = head.split("#", 1)[1].split()[0].rstrip("·")
    keys(tmux, "r")
    wait_for(tmux, "after sending")
    tmux("send-keys", "-t", "desk", "-l", "Half-typed answer about the invoice")
    time.sleep(1.5)  # the draft is saved while typing, not only on close
    tmux("kill-session", "-t", "desk")
    # The tmux server exits with its last session; start again only once it is gone.
    deadline = time.monotonic() + 10
    while tmux("list-sessions") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.3)
    db = open_database(database)
    try:
        with db.read_session() as session:
            assert any(
                "Half-typed answer about the invoice" in d.body
                for d in session.scalars(select(Draft))
            )
    finally:
        db.dispose()
    start(tmux, database)
    wait_for(tmux, "All open")
    keys(tmux, "/")
    # Type only once the filter is there: keys sent while it opens could go elsewhere.
    wait_for(tmux, "filter: subject")
    time.sleep(0.2)
    tmux("send-keys", "-t", "desk", "-l", f"#{draft_number}")
    wait_for(tmux, "1 ticket · filter '#")
    keys(tmux, "Enter")  # leave the filter box, the one row stays
    time.sleep(0.5)  # a loaded machine may still be repainting the table
    keys(tmux, "Enter")
    wait_for(tmux, "Where I stopped")
    keys(tmux, "r")
    wait_for(tmux, "Half-typed answer about the invoice")
    keys(tmux, "Escape")  # keep the draft, back to the ticket
    wait_for(tmux, "Where I stopped")
    keys(tmux, "Escape")
    wait_for(tmux, "All open")
    keys(tmux, "q")
    deadline = time.monotonic() + 10
    while tmux("list-sessions") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux("list-sessions"), "q did not quit the console"


def test_a_lead_watches_a_file_they_may_only_read(tmux: Callable[..., str], tmp_path: Path) -> None:
    import hashlib

    database = tmp_path / "team.db"
    made = subprocess.run(
        [SUPPORTDESK, "demo", "--db", str(database), "--no-ui"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert made.returncode == 0, made.stderr
    database.chmod(0o444)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    tmux(
        "new-session",
        "-d",
        "-x",
        "120",
        "-y",
        "50",  # the trainees come after six agents, below a smaller screen's fold
        "-s",
        "desk",
        f"{SUPPORTDESK} --db {database} --agent marta supervisor",
    )
    wait_for(tmux, "Queue now")
    shown = wait_for(tmux, "Kasia")  # the trainees, shown apart
    assert "read-only" in shown and "Trainees" in shown
    keys(tmux, "Enter")  # the tickets behind the first number
    wait_for(tmux, "enter opens one, read-only")
    keys(tmux, "Enter")
    wait_for(tmux, "· read-only")
    keys(tmux, "r", "s", "a", "N")  # an agent's keys: nothing happens here
    shown = screen(tmux)
    assert "after sending" not in shown and "Status of" not in shown
    keys(tmux, "Escape")
    wait_for(tmux, "enter opens one, read-only")
    keys(tmux, "Escape")
    wait_for(tmux, "Queue now")
    time.sleep(0.3)  # an escape followed at once by q would read as alt+q
    keys(tmux, "q")
    deadline = time.monotonic() + 10
    while tmux("list-sessions") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux("list-sessions"), "q did not quit the supervisor"
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
