"""A team as it starts out: a lead sets up PostgreSQL, a server runs `supportdesk poll`, and
agents work one queue from their own terminals (tmux windows running the real program).
Nobody answers a customer twice; nobody misses a change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing_server

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


class Terminals:
    """tmux sessions by name, on a private server."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.socket = str(folder / "tmux.sock")
        self.env = env

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        ).stdout

    def open(self, name: str, command: str) -> None:
        self.tmux("new-session", "-d", "-x", "130", "-y", "36", "-s", name, command)

    def screen(self, name: str) -> str:
        return self.tmux("capture-pane", "-p", "-t", name)

    def wait_for(self, name: str, text: str, seconds: float = 30) -> str:
        deadline = time.monotonic() + seconds
        shown = ""
        while time.monotonic() < deadline:
            shown = self.screen(name)
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{name}: {text!r} never appeared; the terminal shows:\n{shown}")

    def keys(self, name: str, *pressed: str) -> None:
        for key in pressed:
            self.tmux("send-keys", "-t", name, key)
            time.sleep(0.15)

    def type(self, name: str, text: str) -> None:
        self.tmux("send-keys", "-t", name, "-l", text)


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[Terminals]:
    if shutil.which("tmux") is None:
        missing_server("tmux")
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
    terminals = Terminals(tmp_path, env)
    yield terminals
    terminals.tmux("kill-server")


def customer_mail(sender: str, subject: str, text: str, **headers: str) -> bytes:
    extra = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: {sender}\r\nTo: support@telvio.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {make_msgid(domain='example.com')}\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


def test_a_lead_two_agents_and_a_server_work_one_queue(
    terminals: Terminals,
    fresh_pg_url: str,
    imap_server: Any,
    smtp_server: Any,
    tmp_path: Path,
) -> None:
    smtp_server.require_auth(imap_server.user, imap_server.password)
    config = tmp_path / "team.toml"
    config.write_text(
        f'database_url = "{fresh_pg_url}"\npoll_in_console = false\n\n'
        '[[email]]\nname = "support"\naddress = "support@telvio.example"\n'
        f'imap_host = "127.0.0.1"\nimap_port = {imap_server.port}\nimap_tls = "none"\n'
        f'imap_user = "{imap_server.user}"\nsmtp_host = "127.0.0.1"\n'
        f'smtp_port = {smtp_server.port}\nsmtp_tls = "none"\n'
        'password_secret = "support-mail"\npoll_seconds = 5\n',
        encoding="utf-8",
    )
    env = terminals.env | {"SUPPORTDESK_CONFIG": str(config)}
    secret_env = env | {"SUPPORTDESK_SECRET_SUPPORT_MAIL": imap_server.password}

    def cli(*args: str) -> Any:
        result = subprocess.run(
            [SUPPORTDESK, *args], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if "--json" in args else result.stdout

    # The lead sets up the team.
    cli("agents", "add", "marta", "--display-name", "Marta Lead", "--role", "lead")
    cli("--agent", "marta", "agents", "add", "ann", "--display-name", "Ann Novak")
    cli("--agent", "marta", "agents", "add", "pavel", "--display-name", "Pavel Smirnov")
    assert {a["name"] for a in cli("agents", "list", "--json")} == {"marta", "ann", "pavel"}

    # The server: one poller, with the mail password in its environment only.
    terminals.env = secret_env
    terminals.open("server", f"{SUPPORTDESK} poll")
    terminals.env = env
    terminals.wait_for("server", "stop with Ctrl+C")
    for number, (who, subject) in enumerate(
        [
            ("Jan Kowalski <jan@firma.pl>", "Nie działają połączenia"),
            ("Olga Petrova <olga@example.ru>", "Не приходят SMS"),
            ("Tom Baker <tom@example.com>", "Invoice copy"),
        ]
    ):
        imap_server.append("INBOX", customer_mail(who, subject, f"Message {number}."))

    for agent in ("marta", "ann", "pavel"):
        terminals.open(agent, f"{SUPPORTDESK} --agent {agent}")
    for agent in ("marta", "ann", "pavel"):
        terminals.wait_for(agent, "Invoice copy")  # the poller's mail reached every console

    # Ann and Pavel both take the next most urgent ticket: two different tickets.
    terminals.keys("ann", "n")
    ann_head = terminals.wait_for("ann", "Where I stopped")
    terminals.keys("pavel", "n")
    pavel_head = terminals.wait_for("pavel", "Where I stopped")
    ann_ticket = int(ann_head.split("#", 1)[1].split()[0].rstrip("·"))
    pavel_ticket = int(pavel_head.split("#", 1)[1].split()[0].rstrip("·"))
    assert ann_ticket != pavel_ticket

    # Ann answers; the server sends it; the lead's console shows the ticket as Ann's.
    terminals.keys("ann", "r")
    terminals.wait_for("ann", "after sending")
    terminals.type("ann", "We are checking your line right now.")
    terminals.keys("ann", "C-s")
    terminals.wait_for("ann", "queued for sending")
    deadline = time.monotonic() + 30
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(smtp_server.messages) == 1
    assert "ann" in terminals.wait_for("marta", "paused").split(f" {ann_ticket} ")[1].split("\n")[0]

    # Pavel tries to take Ann's ticket from the command line: refused, told who has it.
    taken = subprocess.run(
        [SUPPORTDESK, "--agent", "pavel", "ticket", "take", str(ann_ticket)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert taken.returncode == 1 and "Ann Novak" in taken.stderr

    for agent in ("marta", "ann", "pavel"):
        terminals.keys(agent, "Escape", "q")
    terminals.keys("server", "C-c")
    time.sleep(1)
    shown = cli("ticket", "show", str(ann_ticket), "--json")
    replies = [m for m in shown["messages"] if m["direction"] == "out"]
    assert len(replies) == 1 and replies[0]["delivery_state"] == "sent"
    assert len(cli("tickets", "--view", "all", "--json")) == 3
    assert len(smtp_server.messages) == 1  # nobody answered the customer twice
