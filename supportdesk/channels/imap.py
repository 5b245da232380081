"""The IMAP poller: no mail lost, none duplicated.

For each watched folder the store keeps UIDVALIDITY and the last stored UID. A pass searches
`UID last+1:*` (and drops UIDs <= last: servers return the newest message even when nothing
is new), fetches with BODY.PEEK[] (never setting \\Seen as a side effect, never relying on it),
and stores each batch of messages together with the folder's new last UID in one transaction.
A crash before the commit fetches the batch again; Message-IDs make the repeat a no-op.

When UIDVALIDITY changes, everything already stored stays; the folder is rescanned from the
start, duplicates are skipped by Message-ID (or by the raw bytes' hash), and a warning is
recorded where the console and `doctor` show it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from supportdesk.channels.ingest import store_mail
from supportdesk.channels.parsers import InlineParser, MailParser, Parsed, ParseJob, RawMail
from supportdesk.config import EmailAccount
from supportdesk.core.plaintext import one_line
from supportdesk.store import dto
from supportdesk.store.desk import Desk, DeskError, StoreError

BATCH = 100
# Batches handed to the parser and not stored yet, beyond the one being stored.
PIPELINE_DEPTH = 1
# Backoff after a failure, with jitter; a wrong password waits long and says so once.
BACKOFF = (2, 5, 15, 30, 60, 120, 300)
AUTH_BACKOFF = 600
# Servers drop IDLE after about 30 minutes; renew well before (RFC 2177 asks for < 29 min).
IDLE_RENEW_SECONDS = 540


class ImapTrouble(Exception):
    """A problem talking to the mail server, in words, with whether retrying can help."""

    def __init__(self, message: str, *, auth: bool = False) -> None:
        super().__init__(message)
        self.auth = auth


@dataclass
class FolderPass:
    folder: str
    found: int = 0
    stored: int = 0
    duplicates: int = 0
    too_large: int = 0
    warnings: list[str] = field(default_factory=list)


def state_key(folder: str) -> str:
    return f"imap:{folder}"


def describe_error(account: EmailAccount, exc: BaseException) -> ImapTrouble:
    where = f"{account.imap_host}:{account.imap_port}"
    if isinstance(exc, ImapTrouble):
        return exc
    if isinstance(exc, (DeskError, StoreError)):
        # The mail is still on the server: the next pass fetches it again.
        return ImapTrouble(f"mail account {account.name}: could not store mail: {exc}")
    if isinstance(exc, LoginError):
        said = str(exc)
        if said[:2] in ("b'", 'b"') and said[-1:] == said[1]:
            # imapclient words the server's answer as a bytes literal: b'[AUTH…] failed.'
            said = said[2:-1]
        return ImapTrouble(
            f"mail account {account.name}: the server at {where} refused the login of "
            f"{account.imap_login}: {one_line(said, 200)} — check the password "
            f"(secret {account.password_secret!r})",
            auth=True,
        )
    if isinstance(exc, socket.gaierror):
        return ImapTrouble(f"mail account {account.name}: unknown host {account.imap_host}")
    if isinstance(exc, ConnectionRefusedError):
        return ImapTrouble(f"mail account {account.name}: {where} refused the connection")
    if isinstance(exc, TimeoutError):
        return ImapTrouble(f"mail account {account.name}: {where} did not answer in time")
    if isinstance(exc, ssl.SSLError):
        return ImapTrouble(
            f"mail account {account.name}: TLS with {where} failed: {one_line(str(exc), 200)} "
            f"(imap_tls is {account.imap_tls!r})"
        )
    if isinstance(exc, OSError):
        return ImapTrouble(
            f"mail account {account.name}: connection to {where} failed: "
            f"{one_line(exc.strerror or str(exc), 200)}"
        )
    if isinstance(exc, IMAPClientError):
        return ImapTrouble(
            f"mail account {account.name}: the server said: {one_line(str(exc), 200)}"
        )
    return ImapTrouble(f"mail account {account.name}: {type(exc).__name__}: {exc}")


def connect(account: EmailAccount, password: str) -> IMAPClient:
    """Logged in, over the account's TLS mode."""
    context = ssl.create_default_context()
    client = IMAPClient(
        account.imap_host,
        port=account.imap_port,
        ssl=account.imap_tls == "ssl",
        ssl_context=context if account.imap_tls == "ssl" else None,
        timeout=account.timeout_seconds,
    )
    if account.imap_tls == "starttls":
        client.starttls(context)
    client.login(account.imap_login, password)
    return client


def save_sent_copy(account: EmailAccount, password: str, raw: bytes, when: datetime) -> None:
    """Put a sent reply into the account's Sent folder (made when missing), marked read, so
    colleagues' mail programs show it. Raises ImapTrouble; the reply is sent either way."""
    folder = account.sent_folder
    if not folder:
        return
    try:
        client = connect(account, password)
        try:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=[b"\\Seen"], msg_time=when)
        finally:
            with contextlib.suppress(Exception):
                client.logout()
    except Exception as exc:  # every failure becomes a sentence
        trouble = describe_error(account, exc)
        raise ImapTrouble(f"{trouble} (copying a sent reply to {folder!r})") from None


class ImapPoller:
    def __init__(
        self,
        desk: Desk,
        account: EmailAccount,
        password: str,
        *,
        connect: Callable[[], IMAPClient] | None = None,
        parser: MailParser | None = None,
    ) -> None:
        self.desk = desk
        self.account = account
        self._password = password
        self._connect = connect or self._default_connect
        # Where fetched mail is parsed (channels/parsers.py); closed by whoever made it.
        self.parser: MailParser = parser or InlineParser()
        self._inline = InlineParser()
        self.client: IMAPClient | None = None

    # -- connection -------------------------------------------------------------------------

    def _default_connect(self) -> IMAPClient:
        return connect(self.account, self._password)

    def connect(self) -> IMAPClient:
        try:
            self.client = self._connect()
        except Exception as exc:  # every failure becomes a sentence; see describe_error
            raise describe_error(self.account, exc) from None
        return self.client

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # a dead connection cannot log out; make sure the socket is gone
            with contextlib.suppress(Exception):
                client.shutdown()

    # -- one pass ---------------------------------------------------------------------------

    def poll_once(self) -> list[FolderPass]:
        """Fetch and store what is new in every folder; raise ImapTrouble on failure."""
        client = self.client or self.connect()
        passes = []
        try:
            for folder in self.account.folders:
                passes.append(self._poll_folder(client, folder))
        except ImapTrouble:
            self.close()
            raise
        except Exception as exc:  # a dropped connection mid-pass: reconnect next time
            self.close()
            raise describe_error(self.account, exc) from None
        for result in passes:
            self._record_health(
                state_key(result.folder), warning="; ".join(result.warnings) or None
            )
        return passes

    def _record_health(self, key: str, **how: Any) -> None:
        """For the status bar; when the database is what failed, there is nowhere to write
        it, and the poll goes on regardless."""
        with contextlib.suppress(DeskError, StoreError):
            self.desk.acting_as(None).record_channel_health("email", self.account.name, key, **how)

    def _poll_folder(self, client: IMAPClient, folder: str) -> FolderPass:
        result = FolderPass(folder)
        key = state_key(folder)
        state = self.desk.channel_state(self.account.name, key) or {}
        info = client.select_folder(folder, readonly=self.account.after_store == "none")
        uidvalidity = int(info[b"UIDVALIDITY"])
        last = int(state.get("last_uid", 0))
        if state and int(state.get("uidvalidity", 0)) != uidvalidity:
            result.warnings.append(
                f"{folder}: UIDVALIDITY changed from {state.get('uidvalidity')} to {uidvalidity} "
                "(the folder was rebuilt); rescanned it, already stored mail was skipped"
            )
            last = 0
        uids = sorted(u for u in client.search(["UID", f"{last + 1}:*"]) if u > last)
        result.found = len(uids)
        if not uids:
            if not state or int(state.get("uidvalidity", 0)) != uidvalidity:
                self.desk.acting_as(None).save_channel_state(self._state(key, uidvalidity, last))
            return result
        limit = self.account.max_message_mb * 1024 * 1024
        # One search finds the messages too large to fetch (instead of asking every
        # message's size); their headers are fetched instead.
        large = set(client.search(["UID", f"{last + 1}:*", "LARGER", str(limit)]))
        # A pipeline: batch N+1 is fetched and handed to the parser before batch N is stored,
        # so a parse worker works while this thread fetches and stores. Batches are stored
        # in order, each with its own last UID, so the position never passes unstored mail.
        # One batch has nothing to overlap with: it is parsed here (cheaper than starting a
        # worker).
        parser = self.parser if len(uids) > BATCH else self._inline
        jobs = self._parse_jobs(client, folder, uids, large, result, parser)
        waiting: deque[tuple[list[int], Parsed]] = deque()
        for job in jobs:
            waiting.append(job)
            if len(waiting) > PIPELINE_DEPTH:
                self._store(client, key, uidvalidity, result, *waiting.popleft())
        while waiting:
            self._store(client, key, uidvalidity, result, *waiting.popleft())
        for trouble in self.parser_troubles():
            result.warnings.append(f"{folder}: {trouble}")
        return result

    def _parse_jobs(
        self,
        client: IMAPClient,
        folder: str,
        uids: list[int],
        large: set[int],
        result: FolderPass,
        parser: MailParser,
    ) -> Iterator[tuple[list[int], Parsed]]:
        """Batch after batch, fetched and handed to the parser (which may work on it while
        the next one is fetched); stored in this order, each with its own last UID, so the
        position never passes unstored mail."""
        for chunk in _chunks(uids, BATCH):
            mails = self._fetch(client, folder, chunk, large, result)
            job = ParseJob(
                self.account.name,
                tuple(mails),
                received=self.desk.clock.now(),
                token_prefix=self.account.ticket_token,
            )
            yield chunk, parser.submit(job)

    def _fetch(
        self, client: IMAPClient, folder: str, chunk: list[int], large: set[int], result: FolderPass
    ) -> list[RawMail]:
        """The chunk's messages in UID order; of one in `large`, only its headers (the mail
        stays on the server)."""
        small = [u for u in chunk if u not in large]
        too_large = [u for u in chunk if u in large]
        fetched = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        headers = client.fetch(too_large, ["RFC822.SIZE", "BODY.PEEK[HEADER]"]) if too_large else {}
        mails: list[RawMail] = []
        for uid in chunk:
            if uid in fetched:
                mails.append(RawMail(fetched[uid].get(b"BODY[]") or b""))
            elif uid in headers:
                size = int(headers[uid].get(b"RFC822.SIZE", 0))
                note = (
                    f"too large to fetch ({size / 1024 / 1024:.1f} MB, the limit is "
                    f"{self.account.max_message_mb} MB); it is left on the server in {folder}"
                )
                mails.append(RawMail(headers[uid].get(b"BODY[HEADER]") or b"", too_large=note))
                result.too_large += 1
            # A UID that vanished between search and fetch (expunged) is simply gone.
        return mails

    def _store(
        self,
        client: IMAPClient,
        key: str,
        uidvalidity: int,
        result: FolderPass,
        chunk: list[int],
        parsed: Parsed,
    ) -> None:
        stored = store_mail(
            self.desk, parsed.result(), channel_state=self._state(key, uidvalidity, max(chunk))
        )
        result.stored += sum(1 for r in stored if not r.duplicate)
        result.duplicates += sum(1 for r in stored if r.duplicate)
        self._after_store(client, chunk)

    def parser_troubles(self) -> list[str]:
        """What went wrong with the parse worker since the last call, in words."""
        taken = list(self.parser.troubles)
        self.parser.troubles.clear()
        return taken

    def _state(self, key: str, uidvalidity: int, last_uid: int) -> dto.ChannelStateUpdate:
        return dto.ChannelStateUpdate(
            "email", self.account.name, key, {"uidvalidity": uidvalidity, "last_uid": last_uid}
        )

    def _after_store(self, client: IMAPClient, uids: Sequence[int]) -> None:
        """Only after the messages are safely stored."""
        if self.account.after_store == "seen":
            client.add_flags(uids, [b"\\Seen"])
        elif self.account.after_store == "move" and self.account.move_to:
            # Made when missing, as sent_folder is: a MOVE to a folder that is not there fails
            # after the mail is stored, and the pass after it has no new mail to move.
            if not client.folder_exists(self.account.move_to):
                client.create_folder(self.account.move_to)
            client.move(uids, self.account.move_to)

    # -- running ----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll until `stop` is set: IDLE where the server offers it (one folder), a periodic
        pass as the safety net, reconnecting with backoff after failures."""
        failures = 0
        told_auth = False
        while not stop.is_set():
            try:
                self.poll_once()
                failures = 0
                told_auth = False
                self._wait_for_mail(stop)
            except ImapTrouble as trouble:
                failures += 1
                if trouble.auth:
                    delay = AUTH_BACKOFF
                else:
                    base = BACKOFF[min(failures, len(BACKOFF)) - 1]
                    delay = base * random.uniform(0.8, 1.2)
                if not (trouble.auth and told_auth):
                    self._record_health(
                        state_key(self.account.folders[0]),
                        error=str(trouble),
                        next_retry_at=self.desk.clock.now() + timedelta(seconds=delay),
                    )
                told_auth = told_auth or trouble.auth
                stop.wait(delay)
        self.close()

    def _wait_for_mail(self, stop: threading.Event) -> None:
        client = self.client
        seconds = self.account.poll_seconds
        can_idle = (
            client is not None
            and self.account.idle
            and len(self.account.folders) == 1
            and client.has_capability("IDLE")
        )
        if not can_idle:
            stop.wait(seconds)
            return
        assert client is not None
        client.select_folder(self.account.folders[0], readonly=True)
        client.idle()
        try:
            waited = 0.0
            # Short checks so that `stop` is noticed; the server wakes us when mail arrives.
            while not stop.is_set() and waited < min(seconds, IDLE_RENEW_SECONDS):
                responses = client.idle_check(timeout=1)
                waited += 1
                if any(_is_news(r) for r in responses):
                    break
        finally:
            client.idle_done()


def _is_news(response: Any) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )


def _chunks(items: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
