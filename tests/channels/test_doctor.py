"""`supportdesk doctor` logs in to each mail account and says what works."""

from __future__ import annotations

import io
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
