"""The test servers work with real clients: imaplib, imapclient, smtplib."""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import time
from collections.abc import Callable, Iterator

import pytest
from imapclient import IMAPClient

from tests.conftest import missing_server
from tests.servers import conftest_fixtures
from tests.servers.imap import (
    DovecotServer,
    PymapServer,
    find_dovecot,
    pymap_available,
)
from tests.servers.proxy import TcpProxy
from tests.servers.smtp import SmtpServer

ImapServer = DovecotServer | PymapServer

# A conftest.py would import these names (see conftest_fixtures); a test module that also takes
# them as parameters binds them like this, which pyflakes does not call a redefinition.
imap_server = conftest_fixtures.imap_server
smtp_server = conftest_fixtures.smtp_server
tcp_proxy = conftest_fixtures.tcp_proxy


def message(subject: str, body: bytes = b"Hello.\r\n") -> bytes:
    return (
        b"From: Customer <customer@example.com>\r\n"
        b"To: support@example.com\r\n"
        b"Subject: " + subject.encode() + b"\r\n"
        b"Message-ID: <" + subject.replace(" ", ".").encode() + b"@example.com>\r\n"
        b"\r\n" + body
    )


@pytest.fixture(params=["dovecot", "pymap"])
def each_imap(request: pytest.FixtureRequest) -> Iterator[ImapServer]:
    """Each kind of IMAP server this harness can run. Dovecot counts as a required server;
    pymap is only a fallback, so its cases just skip when it is not installed."""
    server: ImapServer
    if request.param == "dovecot":
        if find_dovecot() is None:
            missing_server("Dovecot")
        server = DovecotServer()
    else:
        if not pymap_available():
            pytest.skip("pymap is not installed (an optional fallback)")
        server = PymapServer()
    try:
        server.start()
        yield server
    finally:
        server.close()


def client(server: ImapServer | TcpProxy, timeout: float = 10) -> IMAPClient:
    return IMAPClient(server.host, port=server.port, ssl=False, timeout=timeout)


def abandon(imap: IMAPClient) -> None:
    """Close the socket of a client whose connection broke."""
    with contextlib.suppress(OSError):
        imap.shutdown()


# -- IMAP ----------------------------------------------------------------------------------


def test_the_fixture_serves_a_mailbox_its_owner_can_log_into(imap_server: ImapServer) -> None:
    with client(imap_server) as imap:
        imap.login(imap_server.user, imap_server.password)
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    with client(imap_server) as imap, pytest.raises(imaplib.IMAP4.error):
        imap.login(imap_server.user, "wrong")


def test_append_then_fetch_by_uid_without_setting_seen(each_imap: ImapServer) -> None:
    raw = message("first", "Zażółć gęślą jaźń.\r\n".encode())
    uid = each_imap.append("INBOX", raw, flags=(r"\Flagged",))
    assert each_imap.uids("INBOX") == [uid]
    with client(each_imap) as imap:
        imap.login(each_imap.user, each_imap.password)
        imap.select_folder("INBOX")
        fetched = imap.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
    assert fetched[uid][b"BODY[]"] == raw
    assert each_imap.fetch_flags("INBOX") == {uid: frozenset({rb"\Flagged"})}


def test_recreating_a_folder_changes_uidvalidity_and_keeps_the_mail(each_imap: ImapServer) -> None:
    each_imap.create_folder("Support")
    each_imap.append("Support", message("one"))
    each_imap.append("Support", message("two"), flags=(r"\Seen",))
    before = each_imap.uidvalidity("Support")
    kept = [m.raw for m in each_imap.messages("Support")]

    new_uids = each_imap.recreate_folder_with_same_mail("Support")

    assert each_imap.uidvalidity("Support") != before
    assert each_imap.uids("Support") == new_uids
    assert [m.raw for m in each_imap.messages("Support")] == kept
    assert sorted(each_imap.fetch_flags("Support").values(), key=len) == [
        frozenset(),
        frozenset({rb"\Seen"}),
    ]
    each_imap.delete_folder("Support")
    assert "Support" not in each_imap.folders()


def started_dovecot() -> DovecotServer:
    if find_dovecot() is None:
        missing_server("Dovecot")
    server = DovecotServer()
    server.start()
    return server


def logged_in(server: ImapServer, folder: str | None = "INBOX") -> IMAPClient:
    imap = client(server)
    imap.login(server.user, server.password)
    if folder:
        imap.select_folder(folder, readonly=True)
    return imap


def test_recreating_inbox_on_dovecot_keeps_connections_but_ends_idle() -> None:
    server = started_dovecot()
    try:
        old_uids = [server.append("INBOX", message(f"inbox {n}")) for n in range(3)]
        before = server.uidvalidity("INBOX")
        between_polls, idling = logged_in(server), logged_in(server)
        idling.idle()

        new_uids = server.recreate_folder_with_same_mail("INBOX")

        assert min(new_uids) > max(old_uids)
        assert between_polls.select_folder("INBOX")[b"UIDVALIDITY"] == server.uidvalidity("INBOX")
        assert server.uidvalidity("INBOX") != before
        assert between_polls.search() == new_uids
        assert any(r[0] == b"BYE" for r in idling.idle_check(timeout=5))
        between_polls.logout()
        abandon(idling)
        server.restart()
        assert server.uids("INBOX") == new_uids  # the new UIDVALIDITY is on disk
    finally:
        server.close()


def test_recreating_inbox_on_dovecot_with_renumbering_starts_uids_again() -> None:
    server = started_dovecot()
    try:
        for n in range(3):
            server.append("INBOX", message(f"inbox {n}"), flags=(r"\Seen",) if n else ())
        before = server.uidvalidity("INBOX")
        connected = logged_in(server)

        assert server.recreate_folder_with_same_mail("INBOX", renumber=True) == [1, 2, 3]

        assert server.uidvalidity("INBOX") != before
        assert sorted(map(len, server.fetch_flags("INBOX").values())) == [0, 1, 1]
        with pytest.raises((IMAPClient.AbortError, OSError)):
            connected.noop()
        abandon(connected)
    finally:
        server.close()


def test_pymap_says_it_cannot_recreate_inbox() -> None:
    if not pymap_available():
        pytest.skip("pymap is not installed (an optional fallback)")
    with PymapServer() as server, pytest.raises(NotImplementedError, match="INBOX"):
        server.recreate_folder_with_same_mail("INBOX")


def test_idle_wakes_up_when_another_connection_appends(each_imap: ImapServer) -> None:
    with client(each_imap) as imap:
        imap.login(each_imap.user, each_imap.password)
        imap.select_folder("INBOX")
        imap.idle()
        started = time.monotonic()
        uid = each_imap.append("INBOX", message("while idling"))
        responses = imap.idle_check(timeout=5)
        waited = time.monotonic() - started
        imap.idle_done()
    assert (1, b"EXISTS") in responses, responses
    assert waited < 4, f"IDLE took {waited:.1f}s"
    assert uid in each_imap.uids("INBOX")


def test_kill_and_restart_keep_the_port_and_the_mail(each_imap: ImapServer) -> None:
    uid = each_imap.append("INBOX", message("before the crash"))
    uidvalidity, port = each_imap.uidvalidity("INBOX"), each_imap.port
    connected = client(each_imap)
    connected.login(each_imap.user, each_imap.password)
    connected.select_folder("INBOX")

    each_imap.kill()

    assert not each_imap.running
    with pytest.raises((IMAPClient.AbortError, OSError)):
        connected.noop()
    abandon(connected)
    with pytest.raises(OSError):
        client(each_imap, timeout=2)

    each_imap.restart()

    assert each_imap.port == port
    if each_imap.persistent:
        assert each_imap.uids("INBOX") == [uid]
        assert each_imap.uidvalidity("INBOX") == uidvalidity
    else:
        assert each_imap.uids("INBOX") == []


# -- SMTP ----------------------------------------------------------------------------------


def send(server: SmtpServer, raw: bytes, timeout: float = 5) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=timeout) as smtp:
        smtp.sendmail("support@example.com", ["customer@example.com"], raw)


def test_smtp_accepts_then_tempfails_then_rejects(smtp_server: SmtpServer) -> None:
    send(smtp_server, message("accepted"))
    [received] = smtp_server.messages
    assert received.raw == message("accepted")
    assert received.mail_from == "support@example.com"
    assert received.rcpt_tos == ("customer@example.com",)

    smtp_server.tempfail()
    with pytest.raises(smtplib.SMTPDataError) as tempfail:
        send(smtp_server, message("later"))
    assert tempfail.value.smtp_code == 451

    smtp_server.reject()
    with pytest.raises(smtplib.SMTPDataError) as rejected:
        send(smtp_server, message("never"))
    assert rejected.value.smtp_code == 554

    assert len(smtp_server.messages) == 1
    assert [a.reply[:3] for a in smtp_server.attempts] == ["250", "451", "554"]


def test_smtp_delay_outlasts_a_client_timeout_after_the_data_was_sent(
    smtp_server: SmtpServer,
) -> None:
    smtp_server.delay(1.5)
    started = time.monotonic()
    with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
        send(smtp_server, message("slow"), timeout=0.5)
    assert time.monotonic() - started < 1.4
    [attempt] = smtp_server.wait_for_attempts(1)
    assert attempt.message.raw == message("slow")  # it had all arrived
    assert attempt.reply == "disconnected"
    assert smtp_server.messages == []

    send(smtp_server, message("patient"), timeout=5)  # waits out the delay
    assert [m.raw for m in smtp_server.messages] == [message("patient")]


def test_smtp_auth_plain_and_login_over_plaintext(smtp_server: SmtpServer) -> None:
    smtp_server.require_auth("bot", "s3cret")
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(smtp_server, message("anonymous"))
    assert refused.value.smtp_code == 530
    for mechanism in ("PLAIN", "LOGIN"):
        with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
            smtp.ehlo()
            smtp.user, smtp.password = "bot", "s3cret"
            smtp.auth(mechanism, getattr(smtp, f"auth_{mechanism.lower()}"))
            smtp.sendmail("support@example.com", ["c@example.com"], message(mechanism))
    with (
        pytest.raises(smtplib.SMTPAuthenticationError),
        smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp,
    ):
        smtp.login("bot", "wrong")
    assert [m.auth_user for m in smtp_server.messages] == ["bot", "bot"]


def test_smtp_starttls_with_a_self_signed_certificate(smtp_server: SmtpServer) -> None:
    smtp_server.enable_starttls()
    with smtplib.SMTP("localhost", smtp_server.port, timeout=5) as smtp:
        smtp.starttls(context=smtp_server.client_tls_context())
        smtp.sendmail("support@example.com", ["c@example.com"], message("secret"))
    [received] = smtp_server.messages
    assert received.tls


# -- proxy ---------------------------------------------------------------------------------


def test_proxy_cut_interrupts_a_large_fetch(
    imap_server: ImapServer, tcp_proxy: Callable[..., TcpProxy]
) -> None:
    big = message("attachment", b"x" * 76 + b"\r\n") + b"y" * 76 * 30_000  # ~2.3 MB
    uid = imap_server.append("INBOX", big)
    proxy = tcp_proxy(imap_server)
    with client(proxy) as imap:
        imap.login(imap_server.user, imap_server.password)
        imap.select_folder("INBOX")
        proxy.cut_after(bytes_from_server=200_000)
        with pytest.raises((IMAPClient.AbortError, OSError)):
            imap.fetch([uid], ["BODY.PEEK[]"])
    assert proxy.cuts == 1
    # One cut only: the next connection gets everything.
    with client(proxy) as imap:
        imap.login(imap_server.user, imap_server.password)
        imap.select_folder("INBOX")
        assert imap.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"] == big


def test_proxy_stall_makes_a_client_time_out(
    imap_server: ImapServer, tcp_proxy: Callable[..., TcpProxy]
) -> None:
    proxy = tcp_proxy(imap_server.port)  # a port on 127.0.0.1 will do too
    imap = client(proxy, timeout=2)
    imap.login(imap_server.user, imap_server.password)
    proxy.stall()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        imap.noop()
    assert 1.5 < time.monotonic() - started < 5
    abandon(imap)
    proxy.resume()
    proxy.close_all()
    assert proxy.open_connections == 0
    with client(proxy) as fresh:  # the proxy still listens
        fresh.login(imap_server.user, imap_server.password)
