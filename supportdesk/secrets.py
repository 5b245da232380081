"""Secrets by name: mail passwords and bot tokens, never stored in config, database or logs.

A secret is looked up, in this order, in
1. the environment variable ``SUPPORTDESK_SECRET_<NAME>``;
2. the file named by ``SUPPORTDESK_SECRET_<NAME>_FILE`` (container and systemd credentials);
3. the system keyring (service ``supportdesk``, username = the secret's name).

The keyring is used only when its backend actually protects what it stores: plaintext files
and the null/fail backends are refused, so a secret never silently lands on disk in the clear.

No message, repr or chained exception built here contains a secret's value.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

SERVICE = "supportdesk"
ENV_PREFIX = "SUPPORTDESK_SECRET_"
FILE_SUFFIX = "_FILE"
# A secret is a password or a token; anything bigger is the wrong file (or /dev/zero).
MAX_FILE_BYTES = 64 * 1024
# keyring.core.recommended() draws the line at 1: lower priorities are backends keyring
# itself does not recommend (keyrings.alt's plaintext and "encrypted" files, for instance).
RECOMMENDED_PRIORITY = 1.0
# The backends that store nothing: selecting them means "there is no keyring here".
_NO_KEYRING_CLASSES = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})


class SecretError(Exception):
    """A secret could not be found, read or stored. The message never holds the value."""


def env_var_name(name: str) -> str:
    """The variable holding secret `name`: "support-mail" -> SUPPORTDESK_SECRET_SUPPORT_MAIL."""
    _check_name(name)
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", name.upper())


def get_secret(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The value of secret `name` from the environment, a *_FILE, or the keyring.

    Raises SecretError when it is set nowhere, or set but unusable (empty, unreadable file,
    failing keyring); the message says which source and why.
    """
    env = os.environ if environ is None else environ
    variable = env_var_name(name)
    if variable in env:
        value = env[variable]
        if not value:
            raise SecretError(
                f"environment variable {variable} (secret {name!r}) is set but empty; "
                "give it the secret's value or unset it"
            )
        return value
    file_variable = variable + FILE_SUFFIX
    if file_variable in env:
        return _read_secret_file(name, file_variable, env[file_variable])
    backends, why_not = _usable_backends()
    for backend in backends:
        value = _keyring_get(backend, name)
        if value:
            return value
    raise SecretError(_missing_message(name, variable, None if backends else why_not))


def set_secret(name: str, value: str) -> None:
    """Store secret `name` in the system keyring (the only store we write to)."""
    _check_name(name)
    if not value:
        raise SecretError(f"refusing to store an empty value for secret {name!r}")
    backends, why_not = _usable_backends()
    if not backends:
        variable = env_var_name(name)
        raise SecretError(
            f"cannot store secret {name!r} in the system keyring: {why_not}. "
            f"Provide it as {variable} or {variable}{FILE_SUFFIX} instead"
        )
    backend = backends[0]
    try:
        backend.set_password(SERVICE, name, value)
    except Exception as exc:
        # Chaining is dropped on purpose: a backend's exception could quote what it was given.
        reason = _exception_text(exc).replace(value, "***")
        raise SecretError(
            f"the system keyring ({_describe(backend)}) could not store secret {name!r}: {reason}"
        ) from None


def secret_source(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Where get_secret would take `name` from: "environment", "file /path", "keyring" or None.

    Only says where the secret is looked up; get_secret still decides whether it is usable.
    Raises SecretError when the keyring has to be asked and fails.
    """
    env = os.environ if environ is None else environ
    variable = env_var_name(name)
    if variable in env:
        return "environment"
    if variable + FILE_SUFFIX in env:
        return f"file {Path(env[variable + FILE_SUFFIX]).expanduser()}"
    backends, _ = _usable_backends()
    if any(_keyring_get(backend, name) for backend in backends):
        return "keyring"
    return None


def keyring_status() -> tuple[bool, str]:
    """Whether secrets can be kept in the system keyring, and which backend that is (or why not)."""
    backends, description = _usable_backends()
    if not backends:
        description += (
            "; use SUPPORTDESK_SECRET_<NAME> or SUPPORTDESK_SECRET_<NAME>_FILE instead, "
            "or configure a secure keyring backend (see `keyring --list-backends`)"
        )
    return bool(backends), description


# -- the file source ------------------------------------------------------------------------


def _read_secret_file(name: str, variable: str, path_text: str) -> str:
    if not path_text:
        raise SecretError(f"environment variable {variable} (secret {name!r}) is set but empty")
    path = Path(path_text).expanduser()
    where = f"secret {name!r} file {path} (from {variable})"
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SecretError(f"cannot read {where}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SecretError(
            f"{where} is larger than {MAX_FILE_BYTES // 1024} KiB; is it the right file?"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # The decoder's message quotes the offending byte, which is part of the secret.
        raise SecretError(f"{where} is not UTF-8 text") from None
    # Editors and `echo >` end the file with a line break that is not part of the secret;
    # other whitespace is kept, since it may be.
    text = text.rstrip("\r\n")
    if not text.strip():
        raise SecretError(f"{where} is empty")
    return text


# -- the keyring source ---------------------------------------------------------------------


def _usable_backends() -> tuple[list[KeyringBackend], str]:
    """The keyring backends we may read and write, and a description for doctor (or why none)."""
    # Imported here: keyring takes ~0.1 s to import, and most runs never ask it (every
    # command reads the config, which names secrets; only the pollers and doctor read them).
    import keyring
    import keyring.backends.chainer

    try:
        active = keyring.get_keyring()
    except Exception as exc:
        return [], f"the system keyring could not be set up: {_exception_text(exc)}"
    if isinstance(active, keyring.backends.chainer.ChainerBackend):
        # The chainer asks every installed backend in turn, plaintext files included, so
        # we ask only the acceptable ones ourselves.
        try:
            chained = list(active.backends)
        except Exception as exc:
            return [], f"the system keyring could not be set up: {_exception_text(exc)}"
        usable = [backend for backend in chained if _refusal(backend) is None]
        if usable:
            return usable, ", ".join(_describe(backend) for backend in usable)
        refused = "; ".join(f"{_describe(b)}: {_refusal(b)}" for b in chained)
        return [], refused or "no keyring backend is installed"
    refusal = _refusal(active)
    if refusal is not None:
        return [], f"{_describe(active)}: {refusal}"
    return [active], _describe(active)


def _refusal(backend: KeyringBackend) -> str | None:
    """Why `backend` must not hold our secrets, or None when it may."""
    cls = type(backend)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if qualified in _NO_KEYRING_CLASSES:
        return "no system keyring is available"
    if "plaintext" in qualified.lower():
        return "it stores secrets unencrypted in a file, so supportdesk does not use it"
    try:
        priority = float(backend.priority)
    except Exception as exc:
        return f"it cannot run here ({_exception_text(exc)})"
    if priority < RECOMMENDED_PRIORITY:
        return (
            f"keyring does not recommend it (priority {priority:g} < {RECOMMENDED_PRIORITY:g}), "
            "so supportdesk does not use it"
        )
    return None


def _keyring_get(backend: KeyringBackend, name: str) -> str | None:
    try:
        return backend.get_password(SERVICE, name)
    except Exception as exc:
        raise SecretError(
            f"the system keyring ({_describe(backend)}) failed while reading secret {name!r}: "
            f"{_exception_text(exc)}"
        ) from exc


def _describe(backend: KeyringBackend) -> str:
    cls = type(backend)
    try:
        priority = f" (priority {float(backend.priority):g})"
    except Exception:
        priority = ""
    return f"{cls.__module__}.{cls.__qualname__}{priority}"


# -- messages -------------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not re.search(r"[A-Za-z0-9]", name):
        raise SecretError(f"invalid secret name {name!r}: it needs at least one letter or digit")


def _missing_message(name: str, variable: str, keyring_problem: str | None) -> str:
    message = (
        f"secret {name!r} is not set. Provide it one of three ways: "
        f"export {variable}=…; "
        f"or put it in a file and export {variable}{FILE_SUFFIX}=/path/to/file; "
        f"or store it in the system keyring with: supportdesk secrets set {shlex.quote(name)}"
    )
    if keyring_problem:
        message += f" (note: the keyring is not used here: {keyring_problem})"
    return message


def _exception_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
