"""The change feed: what changed since a console last looked, from the event log.

The event log is the truth; its ids are the high-water mark. On SQLite writes are serialised,
so ids become visible in order. On PostgreSQL they need not: a transaction that took id 41
can commit after one that took id 42, and a reader that has already moved its mark to 42 would
never see 41. So each poll also re-reads the events of the last couple of minutes and reports
those it has not seen yet. (LISTEN/NOTIFY, sent with every event, is the wake-up for team
mode; the log stays the truth after a reconnect.)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from supportdesk.store import dto
from supportdesk.store.desk import Desk

# A transaction that stays open longer than this before committing could still be missed.
LOOKBACK = timedelta(minutes=2)


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
        )
