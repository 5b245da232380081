"""`supportdesk doctor` logs in to each mail account and says what works."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest

from supportdesk.__main__ import run


def test_doctor_logs_in_to_imap_and_smtp(
    imap_server: Any, smtp_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp_server.require_auth("support", "pw-smtp")
    config = tmp_path / "config.toml"
    config.write_text(
        'agent = "marta"\n[[email]]\nname = "support"\naddress = "support@telvio.example"\n'
        f'imap_host = "127.0.0.1"\nimap_port = {imap_server.port}\nimap_tls = "none"\n'
        f'imap_user = "{imap_server.user}"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_server.port}\nsmtp_tls = "none"\n'
        'smtp_user = "support"\npassword_secret = "support-mail"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_MAIL", imap_server.password)
    db = str(tmp_path / "desk.db")
    assert (
        run(
            ["--config", str(config), "--db", db, "agents", "add", "marta", "--role", "lead"],
            out=io.StringIO(),
            err=io.StringIO(),
        )
        == 0
    )
    out = io.StringIO()
    code = run(["--config", str(config), "--db", db, "doctor"], out=out, err=io.StringIO())
    text = out.getvalue()
    assert f"IMAP login as {imap_server.user} ok; INBOX 0 messages" in text
    # The same password does not open the SMTP server here: said plainly, exit 1.
    assert "SMTP 127.0.0.1" in text and "refused the login of support" in text
    assert code == 1
    smtp_server.require_auth("support", imap_server.password)
    out = io.StringIO()
    assert run(["--config", str(config), "--db", db, "doctor"], out=out, err=io.StringIO()) == 0
    assert "SMTP login as support ok" in out.getvalue()


def test_doctor_reports_what_it_cannot_read_and_checks_the_rest(
    imap_server: Any,
    smtp_server: Any,
    fresh_pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A secret file that is not there (the database's or the mailbox's) and a data folder that
    cannot be written are each one FAIL line; the checks after them still run."""
    for key in list(os.environ):
        if key.startswith("SUPPORTDESK_SECRET_"):
            monkeypatch.delenv(key)
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(
        f'agent = "marta"\ndatabase_url = "{fresh_pg_url}"\ndatabase_password_secret = "team-db"\n'
        f'data_dir = "{not_a_folder / "data"}"\n'
        '[[email]]\nname = "support"\naddress = "support@telvio.example"\n'
        f'imap_host = "127.0.0.1"\nimap_port = {imap_server.port}\nimap_tls = "none"\n'
        f'imap_user = "{imap_server.user}"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_server.port}\nsmtp_tls = "none"\n'
        'password_secret = "support-mail"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORTDESK_SECRET_TEAM_DB_FILE", str(tmp_path / "no-db-password"))
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE", str(tmp_path / "no-mail-password"))
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), "doctor"], out=out, err=err)
    text = out.getvalue()
    assert code == 1, text + err.getvalue()
    assert err.getvalue() == ""
    assert "FAIL  database: cannot read secret 'team-db' file" in text
    assert f"FAIL  data folder {not_a_folder / 'data'}: cannot be written" in text
    assert "FAIL  email support: cannot read secret 'support-mail' file" in text
    assert "ok    email support: password secret" not in text
    assert "3 problem(s) found." in text

    # The password readable but wrong: the server's words, not a Python bytes literal.
    monkeypatch.delenv("SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE")
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_MAIL", "not-the-password")
    out = io.StringIO()
    assert run(["--config", str(config), "doctor"], out=out, err=io.StringIO()) == 1
    text = out.getvalue()
    assert f"refused the login of {imap_server.user}: " in text
    assert ": b'" not in text and ': b"' not in text
