"""Real servers for the end-to-end tests (see tests/servers)."""

from tests.servers.conftest_fixtures import imap_server, smtp_server  # noqa: F401
