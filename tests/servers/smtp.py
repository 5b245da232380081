"""An SMTP sink for tests: aiosmtpd in a thread, recording what it accepts, with switchable
behaviours.

    server = SmtpServer(); server.start()          # 127.0.0.1, a free port
    smtplib.SMTP(server.host, server.port)         # ... send ...
    server.messages                                # [ReceivedMessage(mail_from, rcpt_tos, raw)]
    server.tempfail()    # 451 after DATA            server.reject()    # 554 after DATA
    server.delay(5)      # wait 5 s before DATA's final reply (the client has sent everything)
    server.accept()      # 250 again, no delay
    server.require_auth("bot", "pw")              # AUTH PLAIN/LOGIN without TLS; 530 otherwise
    server.enable_starttls()                      # STARTTLS with a self-signed cert, see cafile
    server.stop()

Behaviours apply to the next DATA (for auth and STARTTLS: to the next connection's EHLO, and
every MAIL). `attempts` records every complete DATA with the reply it got, including replies
the client never saw because it hung up during a delay ("disconnected").
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import shutil
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HOST = "127.0.0.1"


class _DropLoginDataWarning(logging.Filter):
    """aiosmtpd 1.4 logs a deprecation warning about its own Session.login_data on every AUTH."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_DropLoginDataWarning())


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    auth_user: str | None  # who authenticated on that connection, if anybody
    tls: bool  # whether the connection had switched to TLS


@dataclass(frozen=True)
class DataAttempt:
    message: ReceivedMessage
    reply: str  # the final reply sent for DATA, or "disconnected"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def make_self_signed_cert(directory: Path, hostname: str = "localhost") -> tuple[Path, Path]:
    """Write cert.pem and key.pem (EC P-256, valid for `hostname` and 127.0.0.1, one day).

    The certificate is its own CA: pass cert.pem as `cafile` to verify it.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(hostname), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        if self.owner._auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        owner = self.owner
        auth = session.auth_data
        message = ReceivedMessage(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=envelope.original_content or b"",
            auth_user=auth.login.decode() if isinstance(auth, LoginPassword) else None,
            tls=session.ssl is not None,
        )
        with owner._lock:
            reply, delay = owner._reply, owner._delay
        try:
            if delay:
                await asyncio.sleep(delay)
        except asyncio.CancelledError:  # the client hung up while we waited
            owner._record(DataAttempt(message, "disconnected"), accepted=False)
            raise
        owner._record(DataAttempt(message, reply), accepted=reply.startswith("250"))
        return reply


class _Controller(Controller):
    """Builds each connection's SMTP object from the owner's current settings."""

    def __init__(self, owner: SmtpServer, port: int) -> None:
        super().__init__(_Handler(owner), hostname=HOST, port=port)
        self.owner = owner

    def factory(self) -> SMTP:
        owner = self.owner
        return SMTP(
            self.handler,
            hostname="supportdesk-test-smtp",  # socket.getfqdn() can be slow
            enable_SMTPUTF8=True,
            tls_context=owner._tls_context,
            require_starttls=owner._require_starttls,
            authenticator=owner._authenticate if owner._auth is not None else None,
            auth_require_tls=False,
        )


class SmtpServer:
    ACCEPT = "250 2.0.0 OK: queued"
    TEMPFAIL = "451 4.3.0 Temporary failure, try again later"
    REJECT = "554 5.7.1 Message rejected"

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._attempts: list[DataAttempt] = []
        self._reply = self.ACCEPT
        self._delay = 0.0
        self._auth: tuple[str, str] | None = None
        self._tls_context: ssl.SSLContext | None = None
        self._require_starttls = False
        self._dir: Path | None = None
        self.cafile: Path | None = None
        self._port: int | None = None
        self._controller: _Controller | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the SMTP server has no port before start()")
        return self._port

    def start(self) -> None:
        if self._controller is not None:
            return
        last: Exception | None = None
        for _ in range(3):  # the free port may be taken between asking and binding
            port = self._port or free_port()
            controller = _Controller(self, port)
            try:
                controller.start()
            except Exception as error:
                last = error
                if self._port is not None:
                    break
                continue
            self._port, self._controller = port, controller
            return
        raise RuntimeError(f"the SMTP server did not start: {last!r}")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        """Stop and start on the same port; messages and behaviours are kept."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- behaviours --------------------------------------------------------------------------
    def accept(self) -> None:
        """250 after DATA, without delay (the default)."""
        with self._lock:
            self._reply, self._delay = self.ACCEPT, 0.0

    def tempfail(self, reply: str = TEMPFAIL) -> None:
        """451 after DATA: the client should retry later."""
        with self._lock:
            self._reply = reply

    def reject(self, reply: str = REJECT) -> None:
        """554 after DATA: a permanent failure."""
        with self._lock:
            self._reply = reply

    def delay(self, seconds: float) -> None:
        """Wait this long after the whole message arrived before the final reply (which is
        whatever accept/tempfail/reject chose). delay(0) ends it."""
        with self._lock:
            self._delay = float(seconds)

    def require_auth(self, user: str, password: str) -> None:
        """Offer AUTH PLAIN and LOGIN (no TLS needed) and refuse MAIL before it (530)."""
        with self._lock:
            self._auth = (user, password)

    def no_auth(self) -> None:
        with self._lock:
            self._auth = None

    def enable_starttls(self, required: bool = False) -> Path:
        """Offer STARTTLS with a self-signed certificate for localhost and 127.0.0.1; returns
        the certificate to trust (also `cafile`). `required` refuses commands before it."""
        if self._tls_context is None:
            self._dir = Path(tempfile.mkdtemp(prefix="sd-smtp-"))
            cert, key = make_self_signed_cert(self._dir)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            self._tls_context, self.cafile = context, cert
        self._require_starttls = required
        assert self.cafile is not None
        return self.cafile

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and nothing else)."""
        if self.cafile is None:
            raise RuntimeError("call enable_starttls() first")
        return ssl.create_default_context(cafile=str(self.cafile))

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        with self._lock:
            expected = self._auth
        ok = (
            expected is not None
            and isinstance(data, LoginPassword)
            and (data.login.decode(), data.password.decode()) == expected
        )
        # handled=False: aiosmtpd then answers 535 itself.
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    # -- what arrived ------------------------------------------------------------------------
    def _record(self, attempt: DataAttempt, accepted: bool) -> None:
        with self._lock:
            self._attempts.append(attempt)
            if accepted:
                self._messages.append(attempt.message)
            self._lock.notify_all()

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message answered with 250, oldest first (a copy)."""
        with self._lock:
            return list(self._messages)

    @property
    def attempts(self) -> list[DataAttempt]:
        """Every complete DATA with its final reply, oldest first (a copy)."""
        with self._lock:
            return list(self._attempts)

    def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages were accepted; AssertionError on timeout."""
        return self._wait(lambda: self._messages, count, timeout, "accepted messages")

    def wait_for_attempts(self, count: int, timeout: float = 5.0) -> list[DataAttempt]:
        return self._wait(lambda: self._attempts, count, timeout, "DATA attempts")

    def _wait(self, items: Any, count: int, timeout: float, what: str) -> list:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(items()) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(items())} {what} after {timeout}s, wanted {count}")
                self._lock.wait(left)
            return list(items())

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._attempts.clear()

    def __repr__(self) -> str:
        return f"<SmtpServer {HOST}:{self._port} reply={self._reply[:3]} delay={self._delay}>"
