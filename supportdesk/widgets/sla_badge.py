"""The SLA cell of the queue: business time left, coloured by state, recomputed every second
from stored deadlines (no database query per tick)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text

from supportdesk.core.sla import BusinessCalendar, format_duration
from supportdesk.store.dto import ClockInfo, TicketSummary

STYLES = {
    "breached": "bold white on red",
    "warning": "bold black on yellow",
    "ok": "green",
    "paused": "dim",
    "met": "dim green",
}
KIND_LETTER = {"first_response": "F", "next_response": "N", "resolution": "R"}


def live_state(clock: ClockInfo, now: datetime) -> str:
    """The clock's state at `now`, from its stored deadlines."""
    if clock.stopped_at is not None:
        return "met"
    if clock.paused:
        return "breached" if clock.breached else "paused"
    if clock.due_at is not None and now >= clock.due_at:
        return "breached"
    if clock.warn_at is not None and now >= clock.warn_at:
        return "warning"
    return "ok"


def seconds_left(clock: ClockInfo, calendar: BusinessCalendar | None, now: datetime) -> float:
    if clock.due_at is None or calendar is None or clock.paused or clock.stopped_at:
        return clock.left_seconds
    if now <= clock.due_at:
        return calendar.business_seconds(now, clock.due_at)
    return -calendar.business_seconds(clock.due_at, now)


def urgent_clock(ticket: TicketSummary, now: datetime) -> ClockInfo | None:
    """The clock that matters most now: the running one with the earliest deadline."""
    running = [c for c in ticket.clocks if live_state(c, now) in ("ok", "warning", "breached")]
    running = [c for c in running if c.due_at is not None]
    if running:
        return min(running, key=lambda c: c.due_at)  # type: ignore[arg-type, return-value]
    return None


def sla_text(
    ticket: TicketSummary, calendars: Mapping[str, BusinessCalendar], now: datetime
) -> Text:
    clock = urgent_clock(ticket, now)
    if clock is None:
        if any(live_state(c, now) == "breached" for c in ticket.clocks):
            return Text("breached", style=STYLES["breached"])
        if ticket.sla_paused or any(c.paused for c in ticket.clocks):
            return Text("paused", style=STYLES["paused"])
        if ticket.clocks:
            return Text("met", style=STYLES["met"])
        return Text("–", style="dim")
    state = live_state(clock, now)
    left = seconds_left(clock, calendars.get(clock.calendar), now)
    letter = KIND_LETTER.get(clock.kind, "")
    if left < 0:
        return Text(f"{letter} -{format_duration(-left)}", style=STYLES["breached"])
    return Text(f"{letter} {format_duration(left)}", style=STYLES[state])
