"""Runs the channels: one poller per mail account and one thread per Telegram bot (it polls
and sends, in its own asyncio loop), plus the mail outbox.

Used by `supportdesk poll` (a service, or `--once` for one pass) and by the console, which
starts the same runner in the background.

Each account is polled by one process at a time, whoever holds its channel lock (see
store/locks.py): with a team on one database, a second `poll` (or a console) waits as a hot
standby and takes over within seconds of the first one's death. The outbox needs no lock:
replies are claimed one by one with leases.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from supportdesk.channels.imap import FolderPass, ImapPoller, ImapTrouble
from supportdesk.channels.outbox import Delivery, OutboxWorker
from supportdesk.channels.parsers import InlineParser, MailParser, WorkerParser
from supportdesk.config import Settings
from supportdesk.secrets import SecretError, get_secret
from supportdesk.store.desk import ChannelLock, Desk, DeskError, StoreError

if TYPE_CHECKING:
    from supportdesk.channels.telegram import BotPass, TelegramChannel

# How often a standby asks for the lock, and the holder checks it still has it.
STANDBY_SECONDS = 5.0
# How often solved tickets whose customer stayed quiet are closed.
HOUSEKEEPING_SECONDS = 600.0


@dataclass
class AccountReport:
    account: str
    passes: list[FolderPass]
    error: str | None = None
    standby: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BotReport:
    bot: str
    result: BotPass | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Runner:
    def __init__(
        self,
        desk: Desk,
        settings: Settings,
        *,
        secret: Callable[[str], str] = get_secret,
        parse_in_worker: bool = False,
    ) -> None:
        """`parse_in_worker`: parse mail in a worker process beside each poller (the `poll`
        command); the console parses in its own threads."""
        self.desk = desk.acting_as(None)
        self.settings = settings
        self._secret = secret
        self._parse_in_worker = parse_in_worker
        self._parsers: list[MailParser] = []
        self._threads: list[threading.Thread] = []
        self.stop_event = threading.Event()
        # Accounts another process is polling right now; this runner waits for their locks.
        self.standby: set[str] = set()

    def _pollers(self) -> tuple[list[ImapPoller], list[AccountReport]]:
        pollers, problems = [], []
        for account in self.settings.email:
            try:
                password = self._secret(account.password_secret)
            except SecretError as exc:
                problems.append(
                    AccountReport(account.name, [], f"mail account {account.name}: {exc}")
                )
                continue
            # The worker starts with the first batch it is given (an empty poll needs none).
            parser: MailParser = WorkerParser() if self._parse_in_worker else InlineParser()
            self._parsers.append(parser)
            pollers.append(ImapPoller(self.desk, account, password, parser=parser))
        return pollers, problems

    def _close_parsers(self) -> None:
        parsers, self._parsers = self._parsers, []
        for parser in parsers:
            parser.close()

    def run_once(self) -> list[AccountReport]:
        """One pass over every account; each account's trouble is reported, not raised."""
        pollers, reports = self._pollers()
        try:
            for poller in pollers:
                reports.append(self._poll_account_once(poller))
        finally:
            self._close_parsers()
        return reports

    def _poll_account_once(self, poller: ImapPoller) -> AccountReport:
        lock = self.desk.channel_lock("email", poller.account.name)
        if not lock.try_acquire():
            return AccountReport(poller.account.name, [], None, standby=True)
        try:
            return AccountReport(poller.account.name, poller.poll_once())
        except ImapTrouble as trouble:
            with contextlib.suppress(DeskError, StoreError):  # the database may be what failed
                self.desk.record_channel_health(
                    "email",
                    poller.account.name,
                    f"imap:{poller.account.folders[0]}",
                    error=str(trouble),
                )
            return AccountReport(poller.account.name, [], str(trouble))
        finally:
            poller.close()
            lock.release()

    def _bots(self) -> tuple[list[TelegramChannel], list[tuple[str, str]]]:
        if not self.settings.telegram:
            # The Bot API library costs most of a second to import: only when there are bots.
            return [], []
        from supportdesk.channels.telegram import every_bot

        return every_bot(self.desk, self.settings.telegram, self._secret)

    def run_bots_once(self) -> list[BotReport]:
        """Every waiting Telegram update of every bot; each bot's trouble reported, not raised."""
        channels, problems = self._bots()
        reports = [BotReport(name, None, problem) for name, problem in problems]
        if not channels:
            return reports
        from supportdesk.channels.telegram import HEALTH_KEY, TelegramTrouble

        for channel in channels:
            try:
                reports.append(BotReport(channel.name, channel.poll_once()))
            except TelegramTrouble as trouble:
                reports.append(BotReport(channel.name, None, str(trouble)))
                self.desk.record_channel_health(
                    "telegram", channel.name, HEALTH_KEY, error=str(trouble)
                )
        return reports

    def send_once(self) -> list[Delivery]:
        done = OutboxWorker(self.desk, self.settings, secret=self._secret).run_once()
        channels, _problems = self._bots()
        if not channels:
            return done
        from supportdesk.channels.telegram import HEALTH_KEY, TelegramTrouble

        for channel in channels:
            try:
                done += channel.send_once()
            except TelegramTrouble as trouble:
                self.desk.record_channel_health(
                    "telegram", channel.name, HEALTH_KEY, error=str(trouble)
                )
        return done

    def housekeeping_once(self) -> list[int]:
        """Close solved tickets whose customer stayed quiet (the team's closing rules);
        returns their numbers. The database being away is not news here: the pollers say so."""
        try:
            return self.desk.close_quiet_solved()
        except (DeskError, StoreError):
            return []

    def _housekeeping(self) -> None:
        while not self.stop_event.is_set():
            self.housekeeping_once()
            self.stop_event.wait(HOUSEKEEPING_SECONDS)

    def start(self) -> list[str]:
        """Start a thread per account and one for the outbox; returns what could not start,
        in words."""
        pollers, problems = self._pollers()
        keeper = threading.Thread(target=self._housekeeping, name="housekeeping", daemon=True)
        keeper.start()
        self._threads.append(keeper)
        bots, bot_problems = self._bots()
        for channel in bots:
            thread = threading.Thread(
                target=channel.run,
                args=(self.stop_event,),
                name=f"telegram-{channel.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        outbox = OutboxWorker(self.desk, self.settings, secret=self._secret)
        sender = threading.Thread(
            target=outbox.run, args=(self.stop_event,), name="outbox", daemon=True
        )
        sender.start()
        self._threads.append(sender)
        for poller in pollers:
            thread = threading.Thread(
                target=self._while_holding_lock,
                args=("email", poller.account.name, poller.run),
                name=f"imap-{poller.account.name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return [problem.error or problem.account for problem in problems] + [
            problem for _name, problem in bot_problems
        ]

    def _while_holding_lock(
        self, channel: str, account: str, run: Callable[[threading.Event], None]
    ) -> None:
        """Wait as a standby until the account's lock is ours, then poll until stopped or
        until the lock is lost (then back to standby: someone else polls now)."""
        lock = self.desk.channel_lock(channel, account)
        stop = self.stop_event
        try:
            while not stop.is_set():
                if not lock.try_acquire():
                    self.standby.add(account)
                    stop.wait(STANDBY_SECONDS)
                    continue
                self.standby.discard(account)
                polling = threading.Event()
                watcher = threading.Thread(
                    target=self._watch_lock,
                    args=(lock, polling),
                    name=f"lock-{channel}-{account}",
                    daemon=True,
                )
                watcher.start()
                run(polling)
                polling.set()
                watcher.join()
        finally:
            lock.release()

    def _watch_lock(self, lock: ChannelLock, polling: threading.Event) -> None:
        """Ends a poller's run when the runner stops or the lock is lost."""
        while not polling.is_set():
            if self.stop_event.wait(STANDBY_SECONDS) or not lock.held():
                polling.set()

    def stop(self, timeout: float = 10) -> None:
        self.stop_event.set()
        for thread in self._threads:
            thread.join(timeout)
        self._close_parsers()
