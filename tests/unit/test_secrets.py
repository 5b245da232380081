"""Secrets by name: environment, *_FILE, keyring; refusals; and no value in any error text."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.core
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked

from supportdesk.secrets import (
    SERVICE,
    SecretError,
    env_var_name,
    get_secret,
    keyring_status,
    secret_source,
    set_secret,
)

VALUE = "s3cret-Value-7f9a"


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict, with a priority keyring recommends."""

    priority = 5  # type: ignore[assignment]
    # Not offered to keyring's own backend detection elsewhere in this test process.
    viable = False  # type: ignore[assignment]

    def __init__(self, stored: dict[tuple[str, str], str] | None = None) -> None:
        super().__init__()
        self.stored: dict[tuple[str, str], str] = dict(stored or {})

    def get_password(self, service: str, username: str) -> str | None:
        return self.stored.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.stored[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.stored.pop((service, username), None)


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plaintext file backend; its high priority must not matter."""

    priority = 9  # type: ignore[assignment]


class LowPriorityKeyring(MemoryKeyring):
    """A backend keyring itself does not recommend (priority below 1)."""

    priority = 0.5  # type: ignore[assignment]


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


class LeakyKeyring(MemoryKeyring):
    """Fails to store and quotes what it was given, as a careless backend might."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"could not store {password!r} for {username}")


def chainer_of(*backends: KeyringBackend) -> ChainerBackend:
    class FixedChainer(ChainerBackend):
        viable = False  # type: ignore[assignment]

    FixedChainer.backends = list(backends)  # type: ignore[assignment, misc]
    return FixedChainer()


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> Callable[[KeyringBackend], KeyringBackend]:
    # Remember the process's backend as it is: keyring.get_keyring() would first detect one,
    # probing the real system keyring.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    return install


@pytest.fixture(autouse=True)
def memory_keyring(use_keyring: Callable[[KeyringBackend], KeyringBackend]) -> MemoryKeyring:
    """Every test runs against an in-memory keyring unless it installs another one."""
    backend = MemoryKeyring()
    use_keyring(backend)
    return backend


def assert_not_leaked(exc: BaseException, value: str = VALUE) -> None:
    """The value is in neither the message, the repr, nor anything a traceback would print."""
    printed = "".join(traceback.format_exception(exc))
    assert value not in str(exc)
    assert value not in repr(exc)
    assert value not in printed


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("support-mail", "SUPPORTDESK_SECRET_SUPPORT_MAIL"),
        ("helpbot.token", "SUPPORTDESK_SECRET_HELPBOT_TOKEN"),
        ("Bot Token 2", "SUPPORTDESK_SECRET_BOT_TOKEN_2"),
        ("mail_pw", "SUPPORTDESK_SECRET_MAIL_PW"),
    ],
)
def test_env_var_name(name: str, variable: str) -> None:
    assert env_var_name(name) == variable


@pytest.mark.parametrize("name", ["", "--", "..."])
def test_a_name_needs_a_letter_or_digit(name: str) -> None:
    with pytest.raises(SecretError, match="invalid secret name"):
        env_var_name(name)


# -- environment and files ------------------------------------------------------------------


def test_environment_variable() -> None:
    environ = {"SUPPORTDESK_SECRET_SUPPORT_MAIL": VALUE}
    assert get_secret("support-mail", environ) == VALUE
    assert secret_source("support-mail", environ) == "environment"


def test_environment_beats_file_and_keyring(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("from-file\n")
    memory_keyring.stored[(SERVICE, "support-mail")] = "from-keyring"
    environ = {
        "SUPPORTDESK_SECRET_SUPPORT_MAIL": "from-env",
        "SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file),
    }
    assert get_secret("support-mail", environ) == "from-env"
    del environ["SUPPORTDESK_SECRET_SUPPORT_MAIL"]
    assert get_secret("support-mail", environ) == "from-file"
    assert get_secret("support-mail", {}) == "from-keyring"


def test_reads_the_given_environ_not_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_MAIL", "from-os")
    assert get_secret("support-mail") == "from-os"
    with pytest.raises(SecretError, match="is not set"):
        get_secret("support-mail", {})


def test_empty_environment_variable_is_an_error() -> None:
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL": ""})
    assert "SUPPORTDESK_SECRET_SUPPORT_MAIL" in str(caught.value)
    assert "empty" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (f"{VALUE}\n", VALUE),
        (f"{VALUE}\r\n", VALUE),
        (VALUE, VALUE),
        (f"  {VALUE} x\n", f"  {VALUE} x"),
    ],
)
def test_file_strips_the_trailing_line_break(tmp_path: Path, content: str, expected: str) -> None:
    secret_file = tmp_path / "support-mail"
    secret_file.write_bytes(content.encode())
    environ = {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file)}
    assert get_secret("support-mail", environ) == expected
    assert secret_source("support-mail", environ) == f"file {secret_file}"


def test_file_that_is_a_directory(tmp_path: Path) -> None:
    environ = {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(tmp_path)}
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", environ)
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "Is a directory" in message
    assert "SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE" in message


def test_file_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(missing)})
    assert f"{missing} (from SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE)" in str(caught.value)
    assert "No such file or directory" in str(caught.value)


def test_permission_error_is_reported_with_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Faked rather than chmod 000: root (CI) reads any file, so a real one could not fail.
    secret_file = tmp_path / "pw"
    secret_file.write_text(VALUE)
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == secret_file:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file)})
    assert str(caught.value) == (
        f"cannot read secret 'support-mail' file {secret_file} "
        "(from SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE): Permission denied"
    )
    assert_not_leaked(caught.value)


def test_file_that_is_not_utf8_is_reported_without_content(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_bytes(VALUE.encode() + b"\xff\xfe")
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file)})
    assert "not UTF-8" in str(caught.value)
    assert "0xff" not in str(caught.value)
    assert_not_leaked(caught.value)


@pytest.mark.parametrize("content", [b"", b"\n", b"  \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_bytes(content)
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file)})
    assert str(caught.value).endswith(
        f"file {secret_file} (from SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE) is empty"
    )


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_bytes(VALUE.encode() * 10_000)
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(secret_file)})
    assert "larger than 64 KiB" in str(caught.value)
    assert_not_leaked(caught.value)


# -- the keyring ----------------------------------------------------------------------------


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    set_secret("support-mail", VALUE)
    assert memory_keyring.stored == {("supportdesk", "support-mail"): VALUE}
    assert get_secret("support-mail", {}) == VALUE
    assert secret_source("support-mail", {}) == "keyring"
    assert secret_source("other", {}) is None


def test_keyring_status_names_a_usable_backend() -> None:
    usable, description = keyring_status()
    assert usable is True
    assert description.endswith("MemoryKeyring (priority 5)")


def test_set_secret_refuses_an_empty_value(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretError, match="empty value"):
        set_secret("support-mail", "")
    assert memory_keyring.stored == {}


def test_plaintext_backend_is_refused(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
) -> None:
    plaintext = PlaintextKeyring({(SERVICE, "support-mail"): VALUE})
    use_keyring(plaintext)
    usable, description = keyring_status()
    assert usable is False
    assert "PlaintextKeyring" in description
    assert "unencrypted" in description
    assert secret_source("support-mail", {}) is None
    with pytest.raises(SecretError) as read:
        get_secret("support-mail", {})
    assert "is not set" in str(read.value)
    assert "unencrypted" in str(read.value)
    assert_not_leaked(read.value)
    with pytest.raises(SecretError) as write:
        set_secret("support-mail", "new-value")
    assert "unencrypted" in str(write.value)
    assert plaintext.stored == {(SERVICE, "support-mail"): VALUE}


def test_low_priority_backend_is_refused(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
) -> None:
    use_keyring(LowPriorityKeyring({(SERVICE, "support-mail"): VALUE}))
    usable, description = keyring_status()
    assert usable is False
    assert "priority 0.5 < 1" in description
    with pytest.raises(SecretError, match="is not set"):
        get_secret("support-mail", {})


@pytest.mark.parametrize(
    "backend", [keyring.backends.fail.Keyring(), keyring.backends.null.Keyring()]
)
def test_no_keyring_backends_are_refused(
    use_keyring: Callable[[KeyringBackend], KeyringBackend], backend: KeyringBackend
) -> None:
    use_keyring(backend)
    usable, description = keyring_status()
    assert usable is False
    assert "no system keyring is available" in description
    assert "SUPPORTDESK_SECRET_<NAME>_FILE" in description
    with pytest.raises(SecretError, match="no system keyring is available"):
        set_secret("support-mail", VALUE)


def test_chained_keyring_skips_the_plaintext_backend(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
) -> None:
    plaintext = PlaintextKeyring({(SERVICE, "a"): "leaked", (SERVICE, "b"): "only-here"})
    secure = MemoryKeyring({(SERVICE, "a"): "good"})
    use_keyring(chainer_of(plaintext, secure))
    assert get_secret("a", {}) == "good"
    with pytest.raises(SecretError, match="is not set"):
        get_secret("b", {})
    set_secret("c", VALUE)
    assert secure.stored[(SERVICE, "c")] == VALUE
    assert (SERVICE, "c") not in plaintext.stored
    usable, description = keyring_status()
    assert usable is True
    assert "MemoryKeyring" in description
    assert "PlaintextKeyring" not in description


def test_keyring_failure_while_reading_is_wrapped(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
) -> None:
    use_keyring(LockedKeyring())
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {})
    message = str(caught.value)
    assert "reading secret 'support-mail'" in message
    assert "KeyringLocked: the collection is locked" in message
    with pytest.raises(SecretError, match="KeyringLocked"):
        secret_source("support-mail", {})


def test_keyring_failure_while_storing_never_repeats_the_value(
    use_keyring: Callable[[KeyringBackend], KeyringBackend],
) -> None:
    use_keyring(LeakyKeyring())
    with pytest.raises(SecretError) as caught:
        set_secret("support-mail", VALUE)
    assert "could not store secret 'support-mail'" in str(caught.value)
    assert "RuntimeError: could not store '***'" in str(caught.value)
    assert_not_leaked(caught.value)


# -- the missing secret ---------------------------------------------------------------------


def test_missing_secret_lists_the_three_ways() -> None:
    with pytest.raises(SecretError) as caught:
        get_secret("support-mail", {"SUPPORTDESK_SECRET_OTHER": VALUE})
    assert str(caught.value) == (
        "secret 'support-mail' is not set. Provide it one of three ways: "
        "export SUPPORTDESK_SECRET_SUPPORT_MAIL=…; "
        "or put it in a file and export SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE=/path/to/file; "
        "or store it in the system keyring with: supportdesk secrets set support-mail"
    )
    assert secret_source("support-mail", {}) is None


def test_missing_secret_with_an_odd_name_quotes_it_for_the_shell() -> None:
    with pytest.raises(SecretError) as caught:
        get_secret("bot token", {})
    assert "supportdesk secrets set 'bot token'" in str(caught.value)
    assert "SUPPORTDESK_SECRET_BOT_TOKEN=…" in str(caught.value)
