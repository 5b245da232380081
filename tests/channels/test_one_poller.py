"""One poller per account: the rest wait as hot standbys and take over when it dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from supportdesk.channels.runner import Runner
from supportdesk.clock import SystemClock
from supportdesk.store.db import open_database
from supportdesk.store.desk import Desk
from tests.channels.test_smtp import settings_for

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def mail(number: int) -> bytes:
    return (
        f"From: Customer {number} <c{number}@firma.pl>\r\nTo: support@telvio.example\r\n"
        f"Subject: Question {number}\r\nMessage-ID: {make_msgid(domain='firma.pl')}\r\n\r\n"
        f"Question number {number}.\r\n"
    ).encode()


def test_a_lock_has_one_holder_at_a_time(desk: Desk) -> None:
    first = desk.channel_lock("email", "support")
    second = desk.channel_lock("email", "support")
    other_account = desk.channel_lock("email", "sales")
    assert first.try_acquire()
    assert first.held()
    assert not second.try_acquire()
    assert other_account.try_acquire()
    first.release()
    assert not first.held()
    assert second.try_acquire()
    assert not first.try_acquire()
    second.release()
    other_account.release()


def test_poll_once_skips_an_account_another_process_polls(
    desk: Desk, smtp_server: Any, imap_server: Any, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, smtp_server, imap_server)
    imap_server.append("INBOX", mail(1))
    holder = desk.channel_lock("email", "support")
    assert holder.try_acquire()
    runner = Runner(desk, settings, secret=lambda _name: imap_server.password)
    [report] = runner.run_once()
    assert report.standby and report.ok and report.passes == []
    assert not desk.list_queue("all").tickets
    holder.release()
    [report] = runner.run_once()
    assert not report.standby and report.passes[0].stored == 1


def _poll_process(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SUPPORTDESK, "--config", str(config), "poll"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _stored(config: Path, env: dict[str, str]) -> list[str]:
    out = subprocess.run(
        [SUPPORTDESK, "--config", str(config), "tickets", "--view", "all", "--json"],
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    return sorted(t["subject"] for t in json.loads(out))


def _wait_for(condition: Any, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def test_standby_takes_over_when_the_active_poller_is_killed(
    database_url: str, imap_server: Any, smtp_server: Any, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'agent = "marta"\ndatabase_url = "{database_url}"\n\n[[email]]\nname = "support"\n'
        f'address = "support@telvio.example"\nimap_host = "127.0.0.1"\n'
        f'imap_port = {imap_server.port}\nimap_tls = "none"\nimap_user = "{imap_server.user}"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_server.port}\nsmtp_tls = "none"\n'
        'password_secret = "support-mail"\npoll_seconds = 5\ntimeout_seconds = 5\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {
        "SUPPORTDESK_SECRET_SUPPORT_MAIL": imap_server.password,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    imap_server.append("INBOX", mail(1))
    active = _poll_process(config, env, tmp_path / "active.log")
    standby = None
    try:
        _wait_for(lambda: _stored(config, env) == ["Question 1"], 20)
        standby = _poll_process(config, env, tmp_path / "standby.log")
        # The standby is up and waiting: it stores nothing while the active one polls.
        database = open_database(database_url)
        try:
            lock = Desk(database, SystemClock()).channel_lock("email", "support")
            assert not lock.try_acquire()
        finally:
            database.dispose()
        imap_server.append("INBOX", mail(2))
        _wait_for(lambda: _stored(config, env) == ["Question 1", "Question 2"], 20)

        active.send_signal(signal.SIGKILL)
        active.wait(10)
        imap_server.append("INBOX", mail(3))
        imap_server.append("INBOX", mail(4))
        _wait_for(
            lambda: _stored(config, env) == [f"Question {n}" for n in range(1, 5)],
            30,  # the promise: a standby takes over within 30 seconds
        )
        assert standby.poll() is None
    finally:
        for process in (active, standby):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
    # Stopped cleanly on SIGTERM, and nothing was stored twice.
    assert standby is not None and standby.returncode == 0
    assert _stored(config, env) == [f"Question {n}" for n in range(1, 5)]


def test_the_poller_rides_out_a_database_outage(
    fresh_pg_url: str, imap_server: Any, smtp_server: Any, tmp_path: Path, tcp_proxy: Any
) -> None:
    """PostgreSQL goes away under a running poller and comes back: it keeps going by
    itself, and every message is stored exactly once."""
    url = make_url(fresh_pg_url)
    proxy = tcp_proxy(url.host or "127.0.0.1", url.port or 5432)
    database = open_database(
        url.set(host=proxy.host, port=proxy.port).render_as_string(hide_password=False)
    )
    desk = Desk(database, SystemClock())
    settings = settings_for(tmp_path, smtp_server, imap_server, poll_seconds=5)
    runner = Runner(desk, settings, secret=lambda _name: imap_server.password)
    imap_server.append("INBOX", mail(1))
    try:
        assert runner.start() == []
        _wait_for(lambda: len(desk.list_queue("all").tickets) == 1, 20)
        proxy.refuse()
        imap_server.append("INBOX", mail(2))
        imap_server.append("INBOX", mail(3))
        time.sleep(3)  # the poller meets the outage (IDLE wakes it for the new mail)
        proxy.allow()
        _wait_for(lambda: len(desk.list_queue("all").tickets) == 3, 30)
        assert all(thread.is_alive() for thread in runner._threads)
    finally:
        runner.stop()
    subjects = sorted(t.subject for t in desk.list_queue("all").tickets)
    assert subjects == ["Question 1", "Question 2", "Question 3"]
    database.dispose()
