"""Personal settings: sources and their order, and error messages people can act on."""

from __future__ import annotations

import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
import pytest

import supportdesk.config as config_module
from supportdesk.config import (
    ConfigError,
    EmailAccount,
    Settings,
    TelegramBot,
    default_config_path,
    load_settings,
    resolve_config_path,
    settings_template,
)

ACCOUNT = """\
[[email]]
name = "support"
address = "support@example.com"
imap_host = "imap.example.com"
smtp_host = "smtp.example.com"
password_secret = "support-mail"
"""


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the default location somewhere empty, so the developer's own file is never read."""
    path = tmp_path / "user-config" / "config.toml"
    monkeypatch.setattr(config_module, "default_config_path", lambda: path)
    return path


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    return load_settings(path, overrides=overrides, environ=environ or {})


def error_of(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(path, environ, overrides)
    return caught.value


def email_with(**changes: object) -> str:
    """ACCOUNT with keys replaced or added (values written as TOML via repr of str/int)."""
    lines = [line for line in ACCOUNT.splitlines() if line.split(" = ")[0] not in changes]
    for key, value in changes.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    return "\n".join(lines) + "\n"


# -- sources --------------------------------------------------------------------------------


def test_defaults_without_a_file(no_user_config: Path) -> None:
    assert not no_user_config.exists()
    settings = load()
    assert settings.database_url is None
    assert settings.agent is None
    assert settings.data_dir == platformdirs.user_data_path("supportdesk")
    assert settings.theme == "textual-dark"
    assert settings.keymap == {}
    assert settings.language == "en"
    assert settings.email == []
    assert settings.telegram == []


def test_default_config_path_is_the_platform_config_dir() -> None:
    expected = platformdirs.user_config_path("supportdesk") / "config.toml"
    assert default_config_path() == expected


def test_the_default_file_is_read_when_present(no_user_config: Path) -> None:
    no_user_config.parent.mkdir()
    no_user_config.write_text('agent = "ann"\n')
    assert load().agent == "ann"
    assert resolve_config_path(environ={}) == no_user_config


def test_file_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
database_url = "postgresql+psycopg://desk@db.example.com/support"
agent = "ann"
data_dir = "~/desk-data"
theme = "gruvbox"
language = "pt-BR"

[keymap]
quit = "ctrl+q"
"queue.reply" = "r,R"

[[email]]
name = "support"
address = "support@example.com"
display_name = "Example Support"
imap_host = "imap.example.com"
imap_tls = "starttls"
imap_port = 143
folders = ["INBOX", "Escalations"]
smtp_host = "smtp.example.com"
smtp_port = 465
smtp_tls = "ssl"
smtp_user = "mailer"
password_secret = "support-mail"

[[telegram]]
name = "helpbot"
token_secret = "helpbot-token"
api_url = "http://127.0.0.1:8081"
greeting = "Hi!"
""",
    )
    settings = load(path)
    assert settings.database_url == "postgresql+psycopg://desk@db.example.com/support"
    assert settings.agent == "ann"
    assert settings.data_dir == Path("~/desk-data").expanduser()
    assert settings.theme == "gruvbox"
    assert settings.language == "pt-BR"
    assert settings.keymap == {"quit": "ctrl+q", "queue.reply": "r,R"}
    assert settings.email == [
        EmailAccount(
            name="support",
            address="support@example.com",
            display_name="Example Support",
            imap_host="imap.example.com",
            imap_port=143,
            imap_tls="starttls",
            folders=["INBOX", "Escalations"],
            smtp_host="smtp.example.com",
            smtp_port=465,
            smtp_tls="ssl",
            smtp_user="mailer",
            password_secret="support-mail",
        )
    ]
    assert settings.email[0].imap_login == "support@example.com"
    assert settings.email[0].smtp_login == "mailer"
    assert settings.telegram == [
        TelegramBot(
            name="helpbot",
            token_secret="helpbot-token",
            api_url="http://127.0.0.1:8081",
            greeting="Hi!",
        )
    ]


def test_account_defaults(tmp_path: Path) -> None:
    account = load(write(tmp_path, ACCOUNT)).email[0]
    assert (account.imap_port, account.imap_tls, account.folders) == (993, "ssl", ["INBOX"])
    assert (account.smtp_port, account.smtp_tls) == (587, "starttls")
    assert account.display_name is None
    assert account.imap_login == account.smtp_login == "support@example.com"


def test_config_env_var_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "from-env-file"\n', "other.toml")
    settings = load(environ={"SUPPORTDESK_CONFIG": str(path)})
    assert settings.agent == "from-env-file"
    assert resolve_config_path(environ={"SUPPORTDESK_CONFIG": str(path)}) == path


def test_config_argument_beats_the_config_env_var(tmp_path: Path) -> None:
    argument = write(tmp_path, 'agent = "argument"\n', "a.toml")
    from_env = write(tmp_path, 'agent = "env"\n', "b.toml")
    assert load(argument, {"SUPPORTDESK_CONFIG": str(from_env)}).agent == "argument"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "ann"\ntheme = "gruvbox"\n')
    settings = load(path, {"SUPPORTDESK_AGENT": "pavel", "SUPPORTDESK_DATABASE_URL": "desk.db"})
    assert settings.agent == "pavel"
    assert settings.database_url == "desk.db"
    assert settings.theme == "gruvbox"


def test_overrides_beat_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "ann"\n')
    settings = load(
        path,
        {"SUPPORTDESK_AGENT": "pavel", "SUPPORTDESK_THEME": "nord"},
        overrides={"agent": "kasia", "database_url": None},
    )
    assert settings.agent == "kasia"
    assert settings.theme == "nord"
    assert settings.database_url is None


def test_a_path_override_is_kept_as_text(tmp_path: Path) -> None:
    settings = load(overrides={"database_url": tmp_path / "desk.db"})
    assert settings.database_url == str(tmp_path / "desk.db")


def test_nested_environment_variables_merge_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[keymap]\nquit = "ctrl+q"\nhelp = "f1"\n')
    settings = load(path, {"SUPPORTDESK_KEYMAP__HELP": "f2", "SUPPORTDESK_KEYMAP__FIND": "/"})
    assert settings.keymap == {"quit": "ctrl+q", "help": "f2", "find": "/"}


def test_lists_come_from_the_environment_as_json() -> None:
    accounts = (
        '[{"name": "support", "address": "s@example.com", "imap_host": "127.0.0.1",'
        ' "imap_tls": "none", "smtp_host": "localhost", "smtp_tls": "none",'
        ' "password_secret": "support-mail"}]'
    )
    settings = load(environ={"SUPPORTDESK_EMAIL": accounts})
    assert [(a.name, a.imap_tls, a.smtp_tls) for a in settings.email] == [
        ("support", "none", "none")
    ]


def test_the_given_environ_replaces_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTDESK_AGENT", "from-os")
    assert load_settings(environ={}).agent is None
    assert load_settings().agent == "from-os"


def test_empty_environment_variables_count_as_unset(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "ann"\n')
    assert load(path, {"SUPPORTDESK_AGENT": ""}).agent == "ann"


def test_other_supportdesk_variables_are_not_settings() -> None:
    settings = load(
        environ={"SUPPORTDESK_SECRET_SUPPORT_MAIL": "x", "SUPPORTDESK_TEST_PG_URL": "y"}
    )
    assert settings.agent is None


# -- the file itself ------------------------------------------------------------------------


def test_toml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "ann"\ntheme = "nord"\nlanguage = en\n')
    message = str(error_of(path))
    assert message.startswith(f"{path}, line 3, column 12: invalid TOML: ")
    assert "Invalid value" in message
    assert "(at line" not in message


def test_toml_error_at_the_end_of_the_file_still_has_a_position(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = "ann"\n[keymap')
    assert str(error_of(path)) == (
        f"{path}, line 2, column 8 (end of file): invalid TOML: "
        "Expected ']' at the end of a table declaration"
    )


def test_explicitly_named_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert str(error_of(missing)) == f"{missing}: config file not found (named by --config)"
    message = str(error_of(environ={"SUPPORTDESK_CONFIG": str(missing)}))
    assert message == f"{missing}: config file not found (named by SUPPORTDESK_CONFIG)"


def test_a_directory_is_not_a_config_file(tmp_path: Path, no_user_config: Path) -> None:
    assert str(error_of(tmp_path)) == f"{tmp_path}: is a directory, not a config file"
    no_user_config.mkdir(parents=True)
    assert "is a directory" in str(error_of())


def test_unreadable_file_names_the_os_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'agent = "ann"\n')
    real_read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert str(error_of(path)) == f"{path}: cannot read config file: Permission denied"


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'agent = "\xff"\n')
    assert str(error_of(path)) == f"{path}: not UTF-8 text (bad byte at offset 9)"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'\xef\xbb\xbfagent = "ann"\n')
    assert load(path).agent == "ann"


# -- validation messages --------------------------------------------------------------------


def test_bad_choice_names_file_key_value_and_choices(tmp_path: Path) -> None:
    path = write(tmp_path, email_with(imap_tls="tls"))
    assert str(error_of(path)) == (
        f"{path}: email[0].imap_tls = 'tls' — expected one of 'ssl', 'starttls', 'none'"
    )


def test_unknown_top_level_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, 'databse_url = "desk.db"\n')
    assert str(error_of(path)) == f"{path}: databse_url — unknown key; did you mean 'database_url'?"


def test_unknown_key_without_a_close_match_lists_known_keys(tmp_path: Path) -> None:
    path = write(tmp_path, 'colour = "red"\n')
    message = str(error_of(path))
    assert message.startswith(
        f"{path}: colour — unknown key; known keys: database_url, database_password_secret, agent,"
    )


def test_unknown_account_key_is_caught(tmp_path: Path) -> None:
    path = write(tmp_path, email_with(imap_prot=993))
    assert (
        str(error_of(path))
        == f"{path}: email[0].imap_prot — unknown key; did you mean 'imap_port'?"
    )


@pytest.mark.parametrize("side", ["imap", "smtp"])
def test_no_tls_is_refused_for_a_remote_host(tmp_path: Path, side: str) -> None:
    path = write(tmp_path, email_with(**{f"{side}_tls": "none"}))
    message = str(error_of(path))
    assert message.startswith(f"{path}: email[0].{side}_tls = 'none' — 'none' (no encryption)")
    assert f"only when {side}_host is a loopback host" in message
    assert f"not '{side}.example.com'" in message


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "LOCALHOST", "127.0.0.2"])
def test_no_tls_is_accepted_for_a_loopback_host(tmp_path: Path, host: str) -> None:
    text = email_with(imap_host=host, imap_tls="none", smtp_host=host, smtp_tls="none")
    account = load(write(tmp_path, text)).email[0]
    assert (account.imap_host, account.imap_tls, account.smtp_tls) == (host, "none", "none")


def test_a_password_in_the_file_is_refused_and_not_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, email_with(password="hunter2-in-the-file"))
    error = error_of(path)
    message = str(error)
    assert message.startswith(f"{path}: email[0].password — secrets do not go in the config file")
    assert 'password_secret = "support-mail"' in message
    assert "SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE" in message
    assert "supportdesk secrets set support-mail" in message
    assert "hunter2-in-the-file" not in "".join(traceback.format_exception(error))


def test_a_bot_token_in_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[[telegram]]\nname = "helpbot"\ntoken = "123:ABC-secret"\n')
    error = error_of(path)
    message = str(error)
    assert message.startswith(f"{path}: telegram[0].token — secrets do not go in the config file")
    assert 'token_secret = "helpbot"' in message
    assert "SUPPORTDESK_SECRET_HELPBOT" in message
    assert "123:ABC-secret" not in "".join(traceback.format_exception(error))


def test_a_password_pasted_as_the_secret_name_is_not_repeated(tmp_path: Path) -> None:
    path = write(tmp_path, email_with(password_secret="p@ss w0rd!"))
    message = str(error_of(path))
    assert message.startswith(f"{path}: email[0].password_secret — expected the NAME of a secret")
    assert "p@ss w0rd!" not in message


def test_duplicate_account_names(tmp_path: Path) -> None:
    path = write(tmp_path, ACCOUNT + ACCOUNT.replace("support@", "other@"))
    assert str(error_of(path)) == (
        f"{path}: email — name 'support' is used by email[0] and email[1]; "
        "each entry needs its own name"
    )


def test_bad_account_name(tmp_path: Path) -> None:
    path = write(tmp_path, email_with(name="Support Desk"))
    assert str(error_of(path)) == (
        f"{path}: email[0].name = 'Support Desk' — expected a name of lowercase letters, "
        "digits, '-' and '_' (like 'support')"
    )


def test_missing_required_account_key(tmp_path: Path) -> None:
    text = "\n".join(line for line in ACCOUNT.splitlines() if not line.startswith("smtp_host"))
    path = write(tmp_path, text)
    assert str(error_of(path)) == f"{path}: email[0].smtp_host — required, but not set"


def test_a_table_where_a_list_of_tables_belongs(tmp_path: Path) -> None:
    path = write(tmp_path, ACCOUNT.replace("[[email]]", "[email]"))
    assert str(error_of(path)) == (
        f"{path}: email — expected a list of tables: write [[email]] (double brackets) "
        "for each entry"
    )


def test_several_errors_one_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'agent = 5\nlanguage = "?"\ndatabse_url = "x"\n')
    lines = str(error_of(path)).splitlines()
    assert lines == [
        f"{path}: agent = 5 — expected a string (in quotes)",
        f"{path}: language = '?' — expected a language code, like 'en' or 'pt-BR'",
        f"{path}: databse_url — unknown key; did you mean 'database_url'?",
    ]


def test_long_values_are_cut_to_sixty_characters(tmp_path: Path) -> None:
    path = write(tmp_path, f'language = "{"x" * 200}"\n')
    message = str(error_of(path))
    shown = re.search(r"language = (.*?) — ", message)
    assert shown is not None
    assert len(shown.group(1)) == 60
    assert shown.group(1).startswith("'xxx")
    assert shown.group(1).endswith("…")


def test_errors_from_the_environment_name_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, 'language = "en"\n')
    message = str(error_of(path, {"SUPPORTDESK_LANGUAGE": "??"}))
    assert message == (
        "environment variable SUPPORTDESK_LANGUAGE: language = '??' — "
        "expected a language code, like 'en' or 'pt-BR'"
    )


def test_errors_inside_json_from_the_environment_name_the_variable() -> None:
    accounts = (
        '[{"name": "support", "address": "s@example.com", "imap_host": "imap.example.com",'
        ' "imap_tls": "tls", "smtp_host": "smtp.example.com", "password_secret": "x"}]'
    )
    message = str(error_of(environ={"SUPPORTDESK_EMAIL": accounts}))
    assert message == (
        "environment variable SUPPORTDESK_EMAIL: email[0].imap_tls = 'tls' — "
        "expected one of 'ssl', 'starttls', 'none'"
    )


def test_invalid_json_in_the_environment() -> None:
    message = str(error_of(environ={"SUPPORTDESK_KEYMAP": "{quit: q}"}))
    assert message.startswith(
        "environment variable SUPPORTDESK_KEYMAP: expected a JSON value for keymap (Expecting"
    )


def test_errors_from_overrides_name_the_command_line() -> None:
    message = str(error_of(overrides={"agent": 7}))
    assert message == "command line: agent = 7 — expected a string (in quotes)"


# -- the template ---------------------------------------------------------------------------


def test_template_as_written_gives_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, settings_template())
    assert load(path) == load()


def test_template_mentions_every_setting() -> None:
    template = settings_template()
    for model in (Settings, EmailAccount, TelegramBot):
        for key in model.model_fields:
            assert re.search(rf"^# ({key} = |\[{key}\]|\[\[{key}\]\])", template, re.M), key


def test_template_examples_are_valid_when_uncommented(tmp_path: Path) -> None:
    setting_line = re.compile(r'^# (\[\[?[a-z_]+\]\]?|[a-z_]+ = .+|"[a-z_.]+" = .+)$')
    uncommented = "\n".join(
        line[2:] if setting_line.match(line) else line for line in settings_template().splitlines()
    )
    settings = load(write(tmp_path, uncommented))
    assert settings.agent == "ann"
    assert settings.data_dir == Path("~/supportdesk-data").expanduser()
    assert settings.keymap == {"app.quit": "ctrl+q"}
    assert [account.name for account in settings.email] == ["support"]
    assert settings.email[0].password_secret == "support-mail"
    assert [bot.name for bot in settings.telegram] == ["helpbot"]


def test_a_password_in_the_database_url_is_refused_without_repeating_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'database_url = "postgresql://ann:hunter2@db.example/desk"\n')
    error = str(error_of(path))
    assert "database_password_secret" in error and "hunter2" not in error
    # A user without a password is fine; so is a SQLite path with a colon in it.
    assert load(overrides={"database_url": "postgresql://ann@db.example/desk"}).database_url
    assert load(overrides={"database_url": "/data/a:b/desk.db"}).database_url


def test_the_database_password_comes_from_its_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from supportdesk.__main__ import Context

    monkeypatch.setenv("SUPPORTDESK_SECRET_TEAM_DB", "s3cr3t")
    settings = load(
        overrides={
            "database_url": "postgresql://ann@db.example/desk",
            "database_password_secret": "team-db",
        }
    )
    target = Context(argparse.Namespace(), settings).database_target()
    assert "ann:s3cr3t@db.example" in target
