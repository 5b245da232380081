"""Personal settings: who I am, which database, theme, keymap, mailboxes and bots.

Sources, lowest to highest priority: defaults < the TOML file < SUPPORTDESK_* environment
variables < explicit overrides from the command line. The file is the --config argument, else
$SUPPORTDESK_CONFIG, else config.toml in the platform's user config directory.

Team-wide settings (SLA policies, calendars, checker rules) live in the database, and secrets
live in neither place: accounts name a secret, and supportdesk.secrets finds its value.

Every problem comes out as a ConfigError whose message names the file or environment variable,
the key and what was expected — never a traceback, and never a secret's value.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from pydantic_settings.sources.utils import parse_env_vars

from supportdesk.secrets import env_var_name

APP_NAME = "supportdesk"
ENV_PREFIX = "SUPPORTDESK_"
ENV_NESTED_DELIMITER = "__"
CONFIG_ENV_VAR = "SUPPORTDESK_CONFIG"
# Where overrides come from, as error messages name it.
OVERRIDES_ORIGIN = "command line"
# Longest repr of a bad value quoted in an error message.
MAX_VALUE_REPR = 60

TlsMode = Literal["ssl", "starttls", "none"]


class ConfigError(Exception):
    """The settings could not be loaded; str(error) is the human message, one problem a line."""


# -- field types ----------------------------------------------------------------------------

_ACCOUNT_NAME = re.compile(r"[a-z0-9_-]{1,64}")
# user:password@ in a URL (user@ alone is fine).
_URL_PASSWORD = re.compile(r"^[a-z0-9+]+://[^/@:\s]*:[^/@\s]*@", re.IGNORECASE)
_SECRET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# Deliberately loose: the mail server is the judge of addresses; this catches a missing @ or
# a pasted display name. "support@localhost" is fine for test servers.
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")
_LOOPBACK_NAMES = frozenset({"localhost"})


def _account_name(value: str) -> str:
    if not _ACCOUNT_NAME.fullmatch(value):
        raise ValueError(
            "expected a name of lowercase letters, digits, '-' and '_' (like 'support')"
        )
    return value


def _secret_name(value: str) -> str:
    if not _SECRET_NAME.fullmatch(value):
        raise ValueError(
            "expected the NAME of a secret (letters, digits, '.', '-', '_', like 'support-mail'), "
            "not the secret itself"
        )
    return value


def _host(value: str) -> str:
    if not value or "/" in value or any(char.isspace() for char in value):
        raise ValueError("expected a host name or IP address, like 'mail.example.com' (no scheme)")
    return value


def _address(value: str) -> str:
    if not _ADDRESS.fullmatch(value):
        raise ValueError("expected an email address, like 'support@example.com'")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError("expected a language code, like 'en' or 'pt-BR'")
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("expected an http(s) URL, like 'https://api.telegram.org'")
    return value


AccountName = Annotated[str, AfterValidator(_account_name)]
SecretName = Annotated[str, AfterValidator(_secret_name)]
Host = Annotated[str, AfterValidator(_host)]
Port = Annotated[int, Field(ge=1, le=65535)]


def is_loopback_host(host: str) -> bool:
    """True for hosts whose traffic never leaves this machine (where TLS adds nothing)."""
    bare = host.strip().strip("[]").lower()
    if bare in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(bare).is_loopback
    except ValueError:
        return False


def _refuse_inline_secrets(data: Any, secret_key: str) -> Any:
    """Stop `password = ...` / `token = ...` with a message saying where secrets go instead."""
    if not isinstance(data, Mapping):
        return data
    for key in ("password", "token"):
        if key in data:
            # Name the secret in the advice when the entry says which; anything that does not
            # look like a name might be the secret itself and is not repeated.
            candidates = (data.get(secret_key), data.get("name"))
            name = next(
                (c for c in candidates if isinstance(c, str) and _SECRET_NAME.fullmatch(c)),
                "<name>",
            )
            variable = env_var_name(name) if name != "<name>" else "SUPPORTDESK_SECRET_<NAME>"
            raise PydanticCustomError(
                "inline_secret",
                'secrets do not go in the config file; set {secret_key} = "{name}" and provide '
                "the value in the environment ({variable}), in a file named by {variable}_FILE, "
                "or in the system keyring (supportdesk secrets set {name})",
                {"key": key, "secret_key": secret_key, "name": name, "variable": variable},
            )
    return data


def _no_plaintext_unless_local(mode: str, info: ValidationInfo, host_key: str) -> str:
    # Runs after the host field (declared earlier); a host that failed is reported on its own.
    host = info.data.get(host_key)
    if mode == "none" and isinstance(host, str) and not is_loopback_host(host):
        raise ValueError(
            f"'none' (no encryption) is allowed only when {host_key} is a loopback host "
            f"(127.0.0.1, ::1, localhost), not {host!r}; expected 'ssl' or 'starttls'"
        )
    return mode


# -- the models -----------------------------------------------------------------------------


class EmailAccount(BaseModel):
    """One mailbox: read over IMAP, replied to over SMTP."""

    # Unknown keys are errors so that a typo (imap_prot) is not silently a default.
    model_config = ConfigDict(extra="forbid")

    name: AccountName
    address: Annotated[str, AfterValidator(_address)]
    display_name: str | None = None
    imap_host: Host
    imap_port: Port = 993
    imap_tls: TlsMode = "ssl"
    imap_user: str | None = None
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    smtp_host: Host
    smtp_port: Port = 587
    smtp_tls: TlsMode = "starttls"
    smtp_user: str | None = None
    password_secret: SecretName
    # Subject token of our replies, '[#1042]'; the answer finds its ticket by it.
    ticket_token: str = "#"
    # Larger messages are stored as their headers plus a note; the mail stays on the server.
    max_message_mb: Annotated[int, Field(ge=1, le=1024)] = 25
    # After a message is stored: leave it alone, mark it \Seen, or move it to `move_to`.
    after_store: Literal["none", "seen", "move"] = "none"
    move_to: str | None = None
    # A copy of each sent reply goes to this IMAP folder (e.g. "Sent"), for mail programs.
    sent_folder: str | None = None
    # The safety-net poll; IDLE brings mail sooner where the server has it.
    poll_seconds: Annotated[int, Field(ge=5, le=3600)] = 60
    idle: bool = True
    timeout_seconds: Annotated[int, Field(ge=5, le=600)] = 60

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        return _refuse_inline_secrets(data, "password_secret")

    @field_validator("imap_tls")
    @classmethod
    def _imap_tls(cls, mode: str, info: ValidationInfo) -> str:
        return _no_plaintext_unless_local(mode, info, "imap_host")

    @field_validator("smtp_tls")
    @classmethod
    def _smtp_tls(cls, mode: str, info: ValidationInfo) -> str:
        return _no_plaintext_unless_local(mode, info, "smtp_host")

    @model_validator(mode="after")
    def _move_needs_a_folder(self) -> EmailAccount:
        if self.after_store == "move" and not self.move_to:
            raise PydanticCustomError(
                "move_to_missing",
                "after_store = 'move' needs move_to = \"FOLDER\" (where stored mail goes)",
            )
        return self

    @property
    def imap_login(self) -> str:
        return self.imap_user or self.address

    @property
    def smtp_login(self) -> str:
        return self.smtp_user or self.imap_login


class TelegramBot(BaseModel):
    """One Telegram bot, polled through the Bot API."""

    model_config = ConfigDict(extra="forbid")

    name: AccountName
    token_secret: SecretName
    # python-telegram-bot's base_url: the token goes after it ("http://127.0.0.1:8081/bot").
    api_url: Annotated[str, AfterValidator(_http_url)] | None = None
    # The answer to /start; a default in the customer's language when unset.
    greeting: str | None = None
    # Group chats whose messages become tickets (by chat id); others are ignored.
    groups: list[int] = Field(default_factory=list)
    # A message within this many hours of a solve reopens the ticket; later, a new one starts.
    reopen_solved_hours: Annotated[int, Field(ge=0, le=24 * 90)] = 72
    # After a solve, ask for a rating with 1-5 buttons; the texts by language code.
    csat: bool = True
    csat_question: dict[str, str] = Field(default_factory=dict)
    csat_thanks: dict[str, str] = Field(default_factory=dict)
    # How long one getUpdates waits for news (Telegram's long poll).
    long_poll_seconds: Annotated[int, Field(ge=0, le=50)] = 25
    timeout_seconds: Annotated[int, Field(ge=2, le=600)] = 30

    @model_validator(mode="before")
    @classmethod
    def _no_token(cls, data: Any) -> Any:
        return _refuse_inline_secrets(data, "token_secret")


def _unique_names(accounts: list[Any], section: str) -> list[Any]:
    first_index: dict[str, int] = {}
    for index, account in enumerate(accounts):
        if account.name in first_index:
            raise PydanticCustomError(
                "duplicate_name",
                "name '{name}' is used by {section}[{first}] and {section}[{second}]; "
                "each entry needs its own name",
                {
                    "name": account.name,
                    "section": section,
                    "first": first_index[account.name],
                    "second": index,
                },
            )
        first_index[account.name] = index
    return accounts


class Settings(BaseSettings):
    """Personal settings. Build with load_settings(); Settings(...) skips the TOML file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        # `SUPPORTDESK_AGENT= supportdesk` means "not set", as it does for most tools.
        env_ignore_empty=True,
        extra="forbid",
    )

    # A file path or a SQLAlchemy URL, kept as given; the store normalises it.
    # None: supportdesk.db in data_dir.
    database_url: str | None = None
    # The PostgreSQL password, by secret name (libpq's PGPASSWORD and ~/.pgpass work too).
    database_password_secret: SecretName | None = None
    agent: str | None = None
    data_dir: Annotated[Path, AfterValidator(Path.expanduser)] = Field(
        default_factory=lambda: platformdirs.user_data_path(APP_NAME)
    )
    theme: str = "textual-dark"
    # Binding id -> keys, handed to Textual's App.set_keymap.
    keymap: dict[str, str] = Field(default_factory=dict)
    language: Annotated[str, AfterValidator(_language)] = "en"
    # The console fetches mail itself; turn off where a `supportdesk poll` service does it.
    poll_in_console: bool = True
    email: list[EmailAccount] = Field(default_factory=list)
    telegram: list[TelegramBot] = Field(default_factory=list)

    @field_validator("database_url", mode="before")
    @classmethod
    def _path_as_text(cls, value: Any) -> Any:
        # The CLI may hand over a Path; the field keeps text either way.
        value = os.fspath(value) if isinstance(value, os.PathLike) else value
        if isinstance(value, str) and _URL_PASSWORD.search(value):
            raise PydanticCustomError(
                "inline_secret",
                "the database URL holds a password; passwords never go in settings — drop it "
                'from the URL and set database_password_secret = "team-db" '
                "(then SUPPORTDESK_SECRET_TEAM_DB, …_FILE or the keyring), or use "
                "PGPASSWORD / ~/.pgpass",
            )
        return value

    @field_validator("email")
    @classmethod
    def _unique_email_names(cls, accounts: list[EmailAccount]) -> list[EmailAccount]:
        return _unique_names(accounts, "email")

    @field_validator("telegram")
    @classmethod
    def _unique_bot_names(cls, bots: list[TelegramBot]) -> list[TelegramBot]:
        return _unique_names(bots, "telegram")


# Which model a key path (without list indexes) leads to; used to suggest known keys.
_MODELS_BY_PATH: dict[tuple[str, ...], type[BaseModel]] = {
    (): Settings,
    ("email",): EmailAccount,
    ("telegram",): TelegramBot,
}


# -- loading --------------------------------------------------------------------------------


def default_config_path() -> Path:
    """config.toml in the platform's user config directory (~/.config/supportdesk on Linux)."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def resolve_config_path(
    config_path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The file load_settings reads: config_path, else $SUPPORTDESK_CONFIG, else the default."""
    return _choose_config_path(config_path, os.environ if environ is None else environ)[0]


def load_settings(
    config_path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from defaults, the TOML file, the environment and `overrides`, in rising priority.

    `overrides` are explicit values (from command-line options); None values mean "not given".
    `environ` defaults to os.environ. Raises ConfigError with a message for people.
    """
    env = os.environ if environ is None else environ
    path, named_by = _choose_config_path(config_path, env)
    file_data = _read_toml(path, named_by)
    given = {key: value for key, value in (overrides or {}).items() if value is not None}

    override_source = InitSettingsSource(Settings, init_kwargs=given)
    env_source = _EnvironSource(Settings, env)
    # The same source class pydantic-settings' TomlConfigSettingsSource builds on; the file is
    # read here instead because that class skips missing files and directories silently and
    # lets tomllib's errors through without the file's name.
    file_source = InitSettingsSource(Settings, init_kwargs=file_data)
    sources: tuple[PydanticBaseSettingsSource, ...] = (override_source, env_source, file_source)
    try:
        # _build_sources hands BaseSettings sources made for this call; the class-level
        # settings_customise_sources hook never sees the file path or the environ mapping.
        return Settings(_build_sources=(sources, {}))
    except SettingsError as exc:
        raise ConfigError(f"environment: {exc}") from None
    except ValidationError as exc:
        layers = [
            (OVERRIDES_ORIGIN, given),
            (_ENV_ORIGIN, env_source()),
            (str(path), file_data),
        ]
        lines = [_describe_error(error, layers, env, str(path)) for error in exc.errors()]
        # `from None`: pydantic's own text quotes every input, a mistyped password included.
        raise ConfigError("\n".join(lines)) from None


def _choose_config_path(
    config_path: Path | None, environ: Mapping[str, str]
) -> tuple[Path, str | None]:
    """The file to read, and what named it (None for the default location)."""
    if config_path is not None:
        return Path(config_path).expanduser(), "--config"
    named = environ.get(CONFIG_ENV_VAR)
    if named:
        return Path(named).expanduser(), CONFIG_ENV_VAR
    return default_config_path(), None


def _read_toml(path: Path, named_by: str | None) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if named_by is None:
            return {}
        raise ConfigError(f"{path}: config file not found (named by {named_by})") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"{path}: cannot read config file: {reason}") from None
    try:
        # utf-8-sig: Windows editors like to start the file with a byte order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}{_toml_position(exc, text)}: invalid TOML: {_toml_reason(exc)}"
        ) from None


_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)$")


def _toml_position(exc: tomllib.TOMLDecodeError, text: str) -> str:
    # Python 3.14 has lineno/colno attributes; 3.11 only says it in the message, and says
    # "end of document" rather than where that is.
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if line is not None:
        return f", line {line}, column {column}"
    found = _TOML_POSITION.search(str(exc))
    if found is not None:
        return f", line {found[1]}, column {found[2]}"
    if _TOML_AT_END.search(str(exc)):
        lines = text.split("\n")
        return f", line {len(lines)}, column {len(lines[-1]) + 1} (end of file)"
    return ""


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    reason = getattr(exc, "msg", None) or str(exc)
    return _TOML_AT_END.sub("", _TOML_POSITION.sub("", reason))


class _EnvironSource(EnvSettingsSource):
    """The environment source, reading a given mapping instead of os.environ (for tests)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        # Set before super().__init__(), which calls _load_env_vars().
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )

    def prepare_field_value(
        self, field_name: str, field: Any, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as exc:
            # A table or list setting given as an environment variable must be JSON.
            variable = self.env_prefix + field_name.upper()
            raise ConfigError(
                f"environment variable {variable}: expected a JSON value for {field_name} ({exc})"
            ) from None


# -- error messages -------------------------------------------------------------------------

_ENV_ORIGIN = "environment"
_SCALARS = (str, int, float, bool, date, datetime, time)
_EXPECTED_BY_TYPE = {
    "string_type": "expected a string (in quotes)",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "path_type": "expected a path (in quotes)",
}


def _describe_error(
    error: ErrorDetails,
    layers: list[tuple[str, Mapping[str, Any]]],
    environ: Mapping[str, str],
    fallback_origin: str,
) -> str:
    """One line: `<origin>: <key path> = <value> — <what was expected>`."""
    loc = tuple(error["loc"])
    kind = error["type"]
    origin = _origin(loc, layers, environ, fallback_origin)
    if kind == "inline_secret":
        loc = (*loc, str((error.get("ctx") or {}).get("key", "password")))
    path = _key_path(loc)
    subject = f"{origin}: {path}" if path else origin
    value = error.get("input")
    shown = (
        kind not in ("missing", "extra_forbidden", "inline_secret")
        and not _holds_secret(loc)
        and (value is None or isinstance(value, _SCALARS))
    )
    if shown:
        subject += f" = {_short_repr(value)}"
    return f"{subject} — {_expected(error, loc)}"


def _expected(error: ErrorDetails, loc: tuple[int | str, ...]) -> str:
    kind, message = error["type"], error["msg"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "required, but not set"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind == "literal_error":
        return "expected one of " + str(ctx.get("expected", "")).replace("' or '", "', '")
    if kind == "list_type":
        if isinstance(error.get("input"), Mapping):
            name = _key_path(loc)
            return f"expected a list of tables: write [[{name}]] (double brackets) for each entry"
        return "expected a list"
    if kind in _EXPECTED_BY_TYPE:
        return _EXPECTED_BY_TYPE[kind]
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if message.startswith("Input should be "):
        return "expected " + message.removeprefix("Input should be ")
    return message[:1].lower() + message[1:]


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    parent = tuple(part for part in loc[:-1] if isinstance(part, str))
    model = _MODELS_BY_PATH.get(parent)
    known = list(model.model_fields) if model is not None else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    if known:
        return "unknown key; known keys: " + ", ".join(known)
    return "unknown key"


def _origin(
    loc: tuple[int | str, ...],
    layers: list[tuple[str, Mapping[str, Any]]],
    environ: Mapping[str, str],
    fallback: str,
) -> str:
    """Which source gave the value at `loc`: the highest-priority one holding the longest prefix."""
    for depth in range(len(loc), 0, -1):
        for label, data in layers:
            if _holds(data, loc[:depth]):
                if label == _ENV_ORIGIN:
                    return f"environment variable {_env_variable(loc[:depth], environ)}"
                return label
    return fallback


def _holds(data: Any, loc: tuple[int | str, ...]) -> bool:
    for part in loc:
        if isinstance(data, Mapping) and isinstance(part, str):
            matches = [key for key in data if isinstance(key, str) and key.lower() == part.lower()]
            if not matches:
                return False
            data = data[matches[0]]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False
    return True


def _env_variable(loc: tuple[int | str, ...], environ: Mapping[str, str]) -> str:
    names = {name.upper(): name for name in environ}
    for depth in range(len(loc), 0, -1):
        candidate = ENV_PREFIX + ENV_NESTED_DELIMITER.join(str(p) for p in loc[:depth]).upper()
        if candidate in names:
            return names[candidate]
        nested = sorted(n for n in names if n.startswith(candidate + ENV_NESTED_DELIMITER))
        if nested:
            return names[nested[0]]
    return ENV_PREFIX + str(loc[0]).upper()


def _key_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _holds_secret(loc: tuple[int | str, ...]) -> bool:
    # A value put where a secret's name belongs may be the secret itself: never echo it.
    last = str(loc[-1]) if loc else ""
    return last.endswith("_secret") or last in ("password", "token")


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_VALUE_REPR else text[: MAX_VALUE_REPR - 1] + "…"


# -- the example file -----------------------------------------------------------------------


def settings_template() -> str:
    """A commented example config.toml: every setting, with defaults or examples."""
    return _TEMPLATE


_TEMPLATE = """\
# supportdesk personal settings (TOML).
#
# This file is read from the --config option, else $SUPPORTDESK_CONFIG, else config.toml in
# your user config directory (~/.config/supportdesk/ on Linux; `supportdesk doctor` shows it).
# Every setting is optional. Environment variables override this file: SUPPORTDESK_<KEY>, with
# "__" for nested keys (SUPPORTDESK_AGENT=ann, SUPPORTDESK_KEYMAP__QUIT=ctrl+q, or JSON as in
# SUPPORTDESK_EMAIL='[...]'); command-line options override both.
#
# Secrets (mail passwords, bot tokens) never go in this file. Each account names its secret,
# and supportdesk reads the value from the environment variable SUPPORTDESK_SECRET_<NAME>, from
# the file named by SUPPORTDESK_SECRET_<NAME>_FILE, or from the system keyring, where
# `supportdesk secrets set <name>` puts it.

# Your login name on the desk.
# agent = "ann"

# The database: a SQLite file path or a SQLAlchemy URL.
# Default: supportdesk.db in data_dir.
# database_url = "postgresql+psycopg://desk@db.example.com/support"
# Its password, by secret name (never in the URL); PGPASSWORD and ~/.pgpass work too.
# database_password_secret = "team-db"   # SUPPORTDESK_SECRET_TEAM_DB, …_FILE, or the keyring

# Attachments and the default SQLite database live here.
# Default: your user data directory (~/.local/share/supportdesk on Linux).
# data_dir = "~/supportdesk-data"

# theme = "textual-dark"
# language = "en"
# poll_in_console = true              # false where a `supportdesk poll` service fetches the mail

# Your own key bindings: binding id = keys (comma-separated for several).
# The help screen (F1) lists the binding ids.
# [keymap]
# "app.quit" = "ctrl+q"

# One [[email]] block per mailbox.
# [[email]]
# name = "support"                     # an id: lowercase letters, digits, - and _
# address = "support@example.com"
# display_name = "Example Support"
# imap_host = "imap.example.com"
# imap_port = 993
# imap_tls = "ssl"                     # "ssl", "starttls", or "none" (loopback hosts only)
# imap_user = "support@example.com"    # default: address
# folders = ["INBOX"]
# smtp_host = "smtp.example.com"
# smtp_port = 587
# smtp_tls = "starttls"                # "ssl", "starttls", or "none" (loopback hosts only)
# smtp_user = "support@example.com"    # default: imap_user
# password_secret = "support-mail"     # SUPPORTDESK_SECRET_SUPPORT_MAIL, or the keyring
# ticket_token = "#"                  # our replies' subjects carry "[#1042]"
# max_message_mb = 25                  # larger mail: headers and a note; it stays on the server
# after_store = "none"                 # "none", "seen" (mark as read), or "move" (to move_to)
# move_to = "Archive/supportdesk"
# sent_folder = "Sent"                # a copy of each sent reply goes here
# poll_seconds = 60                    # the safety-net poll; IDLE is faster where offered
# idle = true
# timeout_seconds = 60

# One [[telegram]] block per bot.
# [[telegram]]
# name = "helpbot"
# token_secret = "helpbot-token"       # SUPPORTDESK_SECRET_HELPBOT_TOKEN, or the keyring
# api_url = "https://api.telegram.org/bot"  # only for a self-hosted Bot API server
# greeting = "Hello! Tell us what happened and we will answer right here."
# groups = [-1001234567890]            # group chats whose messages become tickets
# reopen_solved_hours = 72             # a message this soon after a solve reopens the ticket
# csat = true                          # ask for a 1-5 rating with buttons after a solve
# csat_question = { en = "How did we do?", pl = "Jak nam poszło?" }
# csat_thanks = { en = "Thank you!", pl = "Dziękujemy!" }
# long_poll_seconds = 25
# timeout_seconds = 30
"""
