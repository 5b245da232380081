"""The change feed: what changed since a console last looked, from the event log.

The event log is the truth; its ids are the high-water mark. On SQLite writes are serialised,
so ids become visible in order. On PostgreSQL they need not: a transaction that took id 41
can commit after one that took id 42, and a reader that has already moved its mark to 42 would
never see 41. So each poll also re-reads the events of the last couple of minutes and reports
those it has not seen yet. (LISTEN/NOTIFY, sent with every event, is the wake-up for team
mode; the log stays the truth after a reconnect.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from supportdesk.store import dto
from supportdesk.store.desk import NOTIFY_CHANNEL, Desk

# A transaction that stays open longer than this before committing could still be missed.
LOOKBACK = timedelta(minutes=2)
# Seconds between attempts to listen again after the database went away.
LISTEN_RETRY_SECONDS = 2.0
# How long the listener waits for a notification before it looks whether it should stop:
# what a console's exit waits for it at most.
LISTEN_WAIT_SECONDS = 0.2


class ChangeFeed:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.high_water = 0
        self.seen: dict[int, datetime] = {}

    def start(self) -> None:
        """Begin from now: what is already in the log is not news."""
        self.high_water = self.desk.latest_event_id()
        for event in self.desk.events_after(self.high_water, self.desk.clock.now() - LOOKBACK):
            self.seen[event.id] = event.at

    def poll(self) -> dto.Changes:
        now = self.desk.clock.now()
        events = self.desk.events_after(self.high_water, now - LOOKBACK)
        fresh = [e for e in events if e.id not in self.seen]
        for event in fresh:
            self.seen[event.id] = event.at
            self.high_water = max(self.high_water, event.id)
        horizon = now - 2 * LOOKBACK
        self.seen = {i: at for i, at in self.seen.items() if at >= horizon}
        return dto.Changes(
            high_water=self.high_water,
            ticket_numbers=frozenset(e.ticket_number for e in fresh if e.ticket_number),
            kinds=frozenset(e.kind for e in fresh),
            assignments=tuple(
                dto.Assignment(e.ticket_number, e.data.get("to"), e.agent_id)
                for e in fresh
                if e.kind == "assigned" and e.ticket_number is not None
            ),
            mentions=tuple(
                dto.Mention(e.ticket_number, tuple(e.data["mentions"]), e.agent_id)
                for e in fresh
                if e.kind == "note" and e.ticket_number is not None and e.data.get("mentions")
            ),
        )


class ChangeListener:
    """PostgreSQL's LISTEN as the wake-up: a change committed on any machine reaches this
    console at once instead of at its next poll. Only a wake-up — the feed then reads the
    event log — so a notification lost in a reconnect costs nothing but a second."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    @property
    def available(self) -> bool:
        return self.desk.database.dialect == "postgresql"

    def run(self, wake: Callable[[], None], stopped: Callable[[], bool]) -> None:
        """Call `wake` after each burst of changes until `stopped()`; reconnect with a
        pause after the database goes away (the feed's own polls report that)."""
        import psycopg  # only PostgreSQL consoles pay for importing the driver

        while not stopped():
            try:
                self._listen(wake, stopped)
            except (psycopg.Error, SQLAlchemyError, OSError):
                pause = time.monotonic() + LISTEN_RETRY_SECONDS
                while not stopped() and time.monotonic() < pause:
                    time.sleep(0.1)

    def _listen(self, wake: Callable[[], None], stopped: Callable[[], bool]) -> None:
        pooled = self.desk.database.write_engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # its own connection, closed for real when done
        if connection is None:
            raise OSError("no database connection to listen on")
        try:
            connection.rollback()
            connection.autocommit = True
            connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            wake()  # whatever happened while we were not listening
            while not stopped():
                if any(
                    True for _ in connection.notifies(timeout=LISTEN_WAIT_SECONDS, stop_after=1)
                ):
                    # Let a burst (a batch of mail, a merge) arrive, then wake once.
                    for _ in connection.notifies(timeout=0.05):
                        pass
                    wake()
        finally:
            # Closed here, without the pool's rollback-on-return: after the database went
            # away (or was dropped under us) that rollback would only fail and log it.
            connection.close()
            pooled.invalidate()
