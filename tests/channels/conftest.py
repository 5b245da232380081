"""Real servers for the channel tests (see tests/servers)."""

from tests.servers.conftest_fixtures import imap_server, smtp_server, tcp_proxy  # noqa: F401
