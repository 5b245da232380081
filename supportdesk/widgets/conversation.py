"""A ticket's conversation: customer messages, replies and internal notes, as plain text.

Customer text is hostile input. It is shown through `rich.text.Text` objects (never parsed as
markup) after terminal control sequences are stripped, and very long messages are cut for the
screen (the full text stays in the database).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from supportdesk.core.plaintext import one_line, strip_controls
from supportdesk.core.quoting import split_quoted
from supportdesk.core.sla import format_duration
from supportdesk.store.dto import ClockInfo, MessageInfo, NoteInfo, TicketDetail
from supportdesk.store.escalationdto import EscalationInfo

# Beyond this a message is cut on screen, with a note saying how much is hidden.
SHOWN_CHARACTERS = 20_000
DELIVERY_WORDS = {
    "queued": ("queued", "yellow"),
    "sending": ("sending…", "yellow"),
    "sent": ("sent", "green"),
    "failed": ("FAILED", "bold red"),
    "unknown": ("delivery unknown", "bold magenta"),
    "awaiting_review": (" AWAITING REVIEW · not sent yet ", "bold black on cyan"),
    "returned": ("returned by the mentor · never sent", "bold magenta"),
    "discarded": ("discarded", "dim"),
}


def body_text(raw: str) -> Text:
    text = strip_controls(raw).rstrip()
    if len(text) > SHOWN_CHARACTERS:
        hidden = len(text) - SHOWN_CHARACTERS
        return Text.assemble(
            Text(text[:SHOWN_CHARACTERS]),
            Text(f"\n… {hidden:,} more characters not shown", style="dim italic"),
        )
    return Text(text)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def message_block(message: MessageInfo, zone: ZoneInfo, unfold: bool = False) -> Static:
    if message.direction == "in":
        who = one_line(message.sender_name or message.sender_address or "customer", 60)
        head = Text.assemble(
            Text(who, style="bold"),
            Text(f"  {one_line(message.sender_address or '', 80)}  ", style="dim"),
            Text(_when(message.created_at, zone), style="dim"),
        )
        classes = "message inbound"
    else:
        word, style = DELIVERY_WORDS.get(message.delivery_state, (message.delivery_state, ""))
        head = Text.assemble(
            Text(one_line(message.sender_name or message.agent or "agent", 60), style="bold"),
            Text(f"  {_when(message.created_at, zone)}  ", style="dim"),
            Text(word, style=style),
        )
        if message.delivery_error:
            head.append(Text(f"  {one_line(message.delivery_error, 120)}", style="red"))
        classes = "message outbound"
        if message.delivery_state == "awaiting_review":
            classes += " awaiting-review"
    if message.automatic:
        head.append(Text("  automatic", style="italic dim"))
        classes += " automatic"
    text = strip_controls(message.text)
    parts = split_quoted(text)
    shown = [head, Text("\n"), body_text(text if unfold else parts.body)]
    if parts.folded_lines and not unfold:
        shown.append(
            Text(
                f"\n▸ {parts.folded_lines} lines of quoted history or signature (f shows them)",
                style="dim italic",
            )
        )
    if message.attachments:
        names = ", ".join(f"{one_line(a.filename, 80)} ({a.size:,} B)" for a in message.attachments)
        shown.append(Text(f"\n📎 {names}  (S saves)", style="dim"))
    return Static(Text.assemble(*shown), classes=classes)


def note_block(note: NoteInfo, zone: ZoneInfo) -> Static:
    if note.kind == "review":
        # A mentor returned a trainee's reply: the comment is for the trainee.
        to = ", ".join(f"@{name}" for name in note.mentions) or "the trainee"
        head = Text.assemble(
            Text(" REPLY RETURNED ", style="bold white on magenta"),
            Text(f" {one_line(note.author_display, 60)} → {one_line(to, 60)}  ", style="bold"),
            Text(_when(note.created_at, zone), style="dim"),
            Text("  not sent; fix your draft and send again", style="italic dim"),
        )
        return Static(
            Text.assemble(head, Text("\n"), body_text(note.body)), classes="message note review"
        )
    label = "WHERE I STOPPED" if note.kind == "handover" else "INTERNAL NOTE"
    head = Text.assemble(
        Text(f"{label} ", style="bold black on yellow"),
        Text(f" {one_line(note.author_display, 60)}  ", style="bold"),
        Text(_when(note.created_at, zone), style="dim"),
        Text("  only colleagues see this", style="italic dim"),
    )
    return Static(Text.assemble(head, Text("\n"), body_text(note.body)), classes="message note")


def escalation_blocks(escalation: EscalationInfo, zone: ZoneInfo) -> list[tuple[datetime, Static]]:
    """A round as the conversation shows it: the fields the first line gave, then how the
    second line ended it (returned with what is missing, or handed back)."""
    e = escalation
    to = f" → {e.target}" if e.target else f" (anyone of {e.group})"
    head = Text.assemble(
        Text(f"ESCALATED TO {e.group.upper()} ", style="bold white on dark_magenta"),
        Text(f" round {e.round} · by {one_line(e.escalated_by_display, 60)}{to}  ", style="bold"),
        Text(_when(e.created_at, zone), style="dim"),
        Text("  internal", style="italic dim"),
    )
    parts: list[Text] = [head]
    for name, value in e.fields:
        parts.append(Text(f"\n{name}", style="bold"))
        parts.append(Text("\n"))
        parts.append(body_text(value))
    blocks = [(e.created_at, Static(Text.assemble(*parts), classes="message escalation"))]
    if e.closed_at is not None:
        returned = e.state == "returned"
        label = "RETURNED AS INCOMPLETE" if returned else "HANDED BACK TO FIRST LINE"
        style = "bold white on red" if returned else "bold black on green"
        closing = Text.assemble(
            Text(f"{label} ", style=style),
            Text(
                f" round {e.round} · by {one_line(e.closed_by_display or '?', 60)}  ", style="bold"
            ),
            Text(_when(e.closed_at, zone), style="dim"),
            Text(
                f"  back to {one_line(e.escalated_by_display, 60)}"
                + ("; E escalates again with what is missing" if returned else ""),
                style="italic dim",
            ),
            Text("\n"),
            body_text(e.comment or ""),
        )
        kind = "escalation-returned" if returned else "escalation-handed-back"
        blocks.append((e.closed_at, Static(closing, classes=f"message {kind}")))
    return blocks


class Conversation(VerticalScroll):
    """Messages and notes in time order, newest at the bottom."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.can_focus = True

    def show(self, detail: TicketDetail, zone: ZoneInfo, *, unfold: bool = False) -> None:
        items: list[tuple[datetime, int, Static]] = []
        for message in detail.messages:
            items.append((message.created_at, 0, message_block(message, zone, unfold)))
        for note in detail.notes:
            items.append((note.created_at, 1, note_block(note, zone)))
        for escalation in detail.escalations:
            items.extend((at, 2, block) for at, block in escalation_blocks(escalation, zone))
        items.sort(key=lambda item: (item[0], item[1]))
        with self.app.batch_update():
            self.remove_children()
            self.mount_all([block for _at, _order, block in items])
        self.call_after_refresh(self.scroll_end, animate=False)

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…", style="dim"))


def clock_lines(clock: ClockInfo) -> Text:
    titles = {
        "first_response": "First response",
        "next_response": "Next response",
        "resolution": "Resolution",
    }
    styles = {"breached": "bold red", "warning": "bold yellow", "ok": "green", "met": "dim green"}
    left = clock.left_seconds
    head = Text.assemble(
        Text(f"{titles.get(clock.kind, clock.kind)}: ", style="bold"),
        Text(clock.state, style=styles.get(clock.state, "dim")),
    )
    if clock.state == "met" and clock.breached:
        head.append(Text("  (late)", style="red"))
    if clock.state in ("ok", "warning"):
        head.append(Text(f"  {format_duration(left)} left", style="dim"))
    elif clock.state == "breached" and left < 0:
        head.append(Text(f"  over by {format_duration(-left)}", style="red"))
    return head
