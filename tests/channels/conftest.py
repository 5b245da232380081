"""Real servers for the channel tests (see tests/servers)."""

from tests.servers.conftest_fixtures import (  # noqa: F401
    imap_server,
    smtp_server,
    tcp_proxy,
    telegram_server,
)
