"""A new user's set-up, as the command-line end-to-end tests need it: a config file with one
mail account on the test's IMAP and SMTP servers, the password in the environment (the file
names only the secret), and a database initialised with its first lead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import sd


def one_mail_account(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    imap_server: Any,
    smtp_server: Any,
    *,
    lead_display_name: str = "Marta",
    display_name: str | None = None,
) -> tuple[str, ...]:
    """Write the config, set the secret, `init` with lead marta; the CLI's `--config` args."""
    config = tmp_path / "config.toml"
    shown = f'display_name = "{display_name}"\n' if display_name else ""
    config.write_text(
        f"""agent = "marta"
database_url = "{tmp_path / "desk.db"}"
poll_in_console = false

[[email]]
name = "support"
address = "support@telvio.example"
{shown}imap_host = "127.0.0.1"
imap_port = {imap_server.port}
imap_tls = "none"
imap_user = "{imap_server.user}"
smtp_host = "127.0.0.1"
smtp_port = {smtp_server.port}
smtp_tls = "none"
smtp_user = "support"
password_secret = "support-mail"
timeout_seconds = 5
""",
        encoding="utf-8",
    )
    # One secret name in the config file; the value comes from the environment.
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_MAIL", imap_server.password)
    smtp_server.require_auth("support", imap_server.password)
    base = ("--config", str(config))
    assert sd(*base, "init", "--lead", "marta", "--display-name", lead_display_name).code == 0
    return base
