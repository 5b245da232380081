"""pytest fixtures for the real test servers (tests/servers/).

Not a conftest itself: a conftest.py (or a test module) that wants them imports them by name,

    from tests.servers.conftest_fixtures import imap_server, smtp_server, tcp_proxy  # noqa: F401

Fixtures (all function scope: a fresh server per test, stopped and deleted afterwards):

imap_server -> DovecotServer | PymapServer
    Started, with one mailbox owner (`.user` / `.password`) at `.host` / `.port`. Dovecot when
    installed, else pymap; SUPPORTDESK_TEST_IMAP=pymap|dovecot forces one. Neither available:
    skipped, or failed under SUPPORTDESK_REQUIRE_SERVERS=1. Check `.persistent` before relying
    on mail surviving kill()/restart() (pymap keeps mail in memory). The server log is printed
    when the test failed; `imap_server.logs()` gives it for assertion messages.
smtp_server -> SmtpServer
    Started aiosmtpd sink at `.host` / `.port`, accepting everything until told otherwise.
telegram_server -> TelegramServer
    A started local Bot API server (tests/servers/telegram.py) at `.api_url`, token `.token`.
tcp_proxy -> make(target, port=None) -> TcpProxy
    `make(imap_server)` (anything with .host and .port), `make("127.0.0.1", 1143)` or
    `make(1143)` (a port on 127.0.0.1) returns a started proxy; every proxy made is closed
    after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import pytest

from tests.conftest import missing_server
from tests.servers.imap import DovecotServer, PymapServer, imap_server_factory
from tests.servers.proxy import TcpProxy
from tests.servers.smtp import SmtpServer
from tests.servers.telegram import TelegramServer

_LOG_TAIL = 200  # lines of server log printed for a failed test


class _Address(Protocol):
    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...


@pytest.fixture
def imap_server(request: pytest.FixtureRequest) -> Iterator[DovecotServer | PymapServer]:
    """A started private IMAP server (Dovecot, else pymap) for this test only."""
    factory = imap_server_factory()
    if factory is None:
        missing_server("IMAP server (Dovecot or pymap)")
    assert factory is not None
    server = factory()
    failed_before = request.session.testsfailed
    try:
        server.start()
        yield server
    finally:
        if request.session.testsfailed > failed_before:
            # pytest shows a failed test's teardown output under its failure.
            tail = "\n".join(server.logs().splitlines()[-_LOG_TAIL:])
            print(f"{server!r} log (last {_LOG_TAIL} lines):\n{tail}")
        server.close()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A started SMTP sink (aiosmtpd in a thread) for this test only."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[..., TcpProxy]]:
    """A factory of started TCP proxies: make(server), make(host, port) or make(port)."""
    proxies: list[TcpProxy] = []

    def make(target: str | int | _Address, port: int | None = None) -> TcpProxy:
        if isinstance(target, int):
            host, port = "127.0.0.1", target
        elif isinstance(target, str):
            if port is None:
                raise TypeError("make(host, port) needs the port")
            host = target
        else:
            host, port = target.host, target.port
        proxy = TcpProxy(host, port)
        proxy.start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def telegram_server() -> Iterator[TelegramServer]:
    """A started local Telegram Bot API server for this test only."""
    server = TelegramServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
