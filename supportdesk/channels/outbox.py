"""Delivery of queued replies: queued -> sending -> sent | failed | unknown.

Each reply is claimed (state 'sending', with a lease) in one transaction, sent, and its
outcome recorded in another. A crash between the two leaves it 'sending'; when the lease runs
out it becomes 'unknown' — it may have gone — and only an agent sends it again. So a reply is
never sent twice by the machine, and never forgotten.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from supportdesk.channels import smtp
from supportdesk.channels.imap import ImapTrouble, save_sent_copy
from supportdesk.config import EmailAccount, Settings
from supportdesk.secrets import SecretError, get_secret
from supportdesk.store.desk import Desk

# Seconds before the next try after a temporary failure, with jitter; then it fails for good.
RETRY_AFTER = (30, 60, 300, 900, 1800, 3600)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Delivery:
    ticket_number: int
    message_id: int
    outcome: str
    error: str | None


class OutboxWorker:
    def __init__(
        self,
        desk: Desk,
        settings: Settings,
        *,
        secret: Callable[[str], str] = get_secret,
        name: str | None = None,
    ) -> None:
        self.desk = desk.acting_as(None)
        self.accounts = {account.name: account for account in settings.email}
        self._secret = secret
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"

    def run_once(self) -> list[Delivery]:
        done = []
        for reply in self.desk.claim_outgoing(self.name, channel="email"):
            account = self.accounts.get(reply.account or "")
            if account is None:
                outcome = smtp.SendOutcome(
                    "failed", f"no mail account named {reply.account!r} in the config file"
                )
            else:
                try:
                    password = self._secret(account.password_secret)
                except SecretError as exc:
                    outcome = smtp.SendOutcome("retry", str(exc))
                else:
                    outcome = smtp.send(reply, account, password, self.desk.clock.now())
            result = outcome.outcome
            error = outcome.error
            retry_at = None
            if result == "retry":
                if reply.attempts >= MAX_ATTEMPTS:
                    result = "failed"
                    error = f"gave up after {reply.attempts} attempts; the last: {error}"
                else:
                    delay = RETRY_AFTER[min(reply.attempts, len(RETRY_AFTER)) - 1]
                    retry_at = self.desk.clock.now() + timedelta(
                        seconds=delay * random.uniform(0.8, 1.2)
                    )
            self.desk.finish_delivery(
                reply.outbox_id,
                result,
                error=error,
                retry_at=retry_at,
                external_id=outcome.message_id,
            )
            done.append(Delivery(reply.ticket_number, reply.message_id, result, error))
            if result == "sent" and account is not None and outcome.raw is not None:
                self._save_sent_copy(account, outcome.raw)
        return done

    def _save_sent_copy(self, account: EmailAccount, raw: bytes) -> None:
        """After the delivery is recorded: a copy that cannot be saved is said in the
        account's health, never a reason to send again."""
        if not account.sent_folder:
            return
        try:
            save_sent_copy(
                account, self._secret(account.password_secret), raw, self.desk.clock.now()
            )
        except (ImapTrouble, SecretError) as trouble:
            with contextlib.suppress(Exception):
                self.desk.record_channel_health(
                    "email", account.name, "imap-sent", error=str(trouble)
                )

    def run(self, stop: threading.Event, every: float = 3.0) -> None:
        while not stop.is_set():
            try:
                self.run_once()
            except Exception as exc:  # the database went away: say so, try again later
                # Saying so needs the database too; when it is down, the console shows that.
                with contextlib.suppress(Exception):
                    self.desk.record_channel_health("email", "outbox", "smtp", error=str(exc))
            stop.wait(every)
