"""The home screen: every ticket that needs someone, most urgent first, with live SLA timers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static, Tab, Tabs

from supportdesk.core.plaintext import one_line
from supportdesk.screens.actions import ActionFinished, TicketActions
from supportdesk.screens.incidents import IncidentActions
from supportdesk.screens.modals import PromptModal
from supportdesk.screens.review import ReviewPanel, reviews_for
from supportdesk.store.desk import VIEWS, DeskError, StoreError
from supportdesk.store.dto import QueuePage, TicketSummary
from supportdesk.store.incidents import IncidentGroup
from supportdesk.widgets.footer import KeyFooter
from supportdesk.widgets.sla_badge import sla_text

QUEUE_VIEWS = (
    "mine",
    "unassigned",
    "open",
    "urgent",
    "at_risk",
    "pending",
    "mentions",
    "second_line",
    "feature_requests",
    "email",
    "telegram",
)
# The mentor's tab: trainee replies, not tickets (shown to leads and mentors only).
REVIEW = "review"
# Ticket actions that make no sense while the Review tab (not a ticket row) is shown.
TICKET_ROW_ACTIONS = frozenset(
    {
        "take",
        "reply",
        "note",
        "status",
        "priority",
        "assign",
        "filter",
        "clear_filter",
        "open",
        "mark",
        "link",
        "declare",
    }
)
SHORT_LABELS = {
    REVIEW: "Review",
    "at_risk": "At risk",
    "feature_requests": "Features",
    "open": "All open",
}
PRIORITY_CELL = {
    "urgent": Text("URG", style="bold white on red"),
    "high": Text("high", style="bold"),
    "normal": Text("norm", style=""),
    "low": Text("low", style="dim"),
}
CHANNEL_CELL = {"email": "mail", "telegram": "tg", "internal": "—"}
# Rows loaded at a time: the table never holds the whole queue.
PAGE_SIZE = 100
# (key, title, width); the customer and subject share what the terminal has left.
COLUMNS = (
    ("mark", "", 1),
    ("sla", "SLA", 10),
    ("pri", "Pri", 4),
    ("num", "#", 5),
    ("customer", "Customer", 0),
    ("subject", "Subject", 0),
    ("ch", "Ch", 4),
    ("assignee", "Assignee", 10),
    ("age", "Age", 4),
)


GROUP_PREFIX = "incident:"
MARK = Text("●", style="bold magenta")
NO_MARK = Text("")


class QueueLoaded(Message):
    def __init__(
        self,
        page: QueuePage,
        request: int,
        groups: list[IncidentGroup] | None = None,
        opened: dict[int, list[TicketSummary]] | None = None,
    ) -> None:
        super().__init__()
        self.page = page
        self.request = request
        # Open incidents with tickets in this view, and the tickets of the groups opened.
        self.groups = groups or []
        self.opened = opened or {}


class CountsLoaded(Message):
    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts


class QueueFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


@dataclass
class _Row:
    ticket: TicketSummary | None
    cells: tuple[Text, ...]
    # A group row: one open incident, its tickets folded under it.
    group: IncidentGroup | None = None
    # A ticket row shown inside an opened group.
    in_group: bool = False


def _age(moment: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


class QueueScreen(IncidentActions, TicketActions):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="queue.down", tooltip="Next ticket"),
        Binding("k", "cursor_up", "Up", show=False, id="queue.up", tooltip="Previous ticket"),
        Binding("enter", "open", "Open", id="queue.open", tooltip="Open the ticket"),
        Binding("a", "take", "Take", id="queue.take", tooltip="Assign the ticket to yourself"),
        Binding(
            "n",
            "take_next",
            "Next",
            id="queue.take_next",
            tooltip="Take and open the most urgent unassigned ticket",
        ),
        Binding("r", "reply", "Reply", id="queue.reply", tooltip="Reply to the customer"),
        Binding("N", "note", "Note", id="queue.note", tooltip="Add an internal note"),
        Binding("s", "status", "Status", id="queue.status", tooltip="Change the status"),
        Binding("p", "priority", "Priority", id="queue.priority", tooltip="Change the priority"),
        Binding(
            "A", "assign", "Assign", show=False, id="queue.assign", tooltip="Assign to a colleague"
        ),
        Binding(
            "g",
            "goto",
            "Go to #",
            show=False,
            id="queue.goto",
            tooltip="Open any ticket by its number (solved and closed ones too, read to learn)",
        ),
        Binding(
            "slash",
            "filter",
            "Filter",
            id="queue.filter",
            tooltip="Filter by subject, customer, email address, number or tag",
        ),
        Binding(
            "space",
            "mark",
            "Mark",
            id="queue.mark",
            tooltip="Mark or unmark the ticket (to link several to an incident at once)",
        ),
        Binding(
            "L",
            "link",
            "Link",
            id="queue.link",
            tooltip="Link the marked tickets (or this one) to an incident",
        ),
        Binding(
            "I",
            "declare",
            "Incident",
            id="queue.incident",
            tooltip="Declare an incident (and link the marked tickets)",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear marks / filter",
            show=False,
            id="queue.clear_filter",
            tooltip="Clear the marks, then the filter",
        ),
        Binding(
            "right,l",
            "next_view",
            "Next view",
            show=False,
            id="queue.next_view",
            tooltip="Next view",
        ),
        Binding(
            "left,h",
            "previous_view",
            "Prev view",
            show=False,
            id="queue.previous_view",
            tooltip="Previous view",
        ),
    ]

    def __init__(self, view: str = "open") -> None:
        super().__init__(id="queue-screen")
        self.view = view
        self.search = ""
        self.limit = PAGE_SIZE
        self.total = 0
        self.rows: dict[str, _Row] = {}
        self.order: list[str] = []
        self.counts: dict[str, int] = {}
        self._request = 0
        self._filter_timer: Timer | None = None
        self._stale = False
        self._keep_place = False
        self._widths: tuple[int, int] | None = None
        # Marked tickets by number: they stay marked while rows come and go (paging, the
        # filter, live refreshes) until linked or cleared with escape.
        self.marked: set[int] = set()
        self.groups: list[IncidentGroup] = []
        self.opened: set[int] = set()
        self.loaded_tickets = 0

    # -- layout -----------------------------------------------------------------------------

    @property
    def views(self) -> tuple[str, ...]:
        app = self.desk_app
        if reviews_for(app.me, app.agents):
            return (*QUEUE_VIEWS, REVIEW)
        return QUEUE_VIEWS

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Tabs(
            *(Tab(SHORT_LABELS.get(v, VIEWS.get(v, v)), id=v) for v in self.views),
            active=self.view,
            id="views",
        )
        yield Input(placeholder="filter: subject, customer, email, #number or tag", id="filter")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield ReviewPanel(id="review-panel")
        yield Static(id="queue-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        table = self.query_one("#queue-table", DataTable)
        self.setup_columns()
        self.show_review(self.view == REVIEW)
        if self.view != REVIEW:
            table.focus()
        self.update_topbar()
        self.load()
        self.set_interval(1.0, self.tick)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#queue-table", DataTable)

    def text_widths(self) -> tuple[int, int]:
        """(customer, subject) widths for the terminal's width."""
        fixed = sum(width + 2 for _key, _title, width in COLUMNS if width)
        # Two more for the scroll bar, four for the customer and subject cells' padding. The
        # floor lets 80 columns fit exactly: a table wider than its window takes ← → to
        # scroll sideways, and the views would no longer switch.
        free = max(20, self.size.width - fixed - 2 - 4)
        customer = min(22, max(10, free // 3))
        return customer, free - customer

    def setup_columns(self) -> None:
        """Columns with explicit widths for this terminal size (auto widths would follow
        whatever rows happened to load first)."""
        customer, subject = self.text_widths()
        widths = {"customer": customer, "subject": subject}
        self._widths = (customer, subject)
        for key, label, width in COLUMNS:
            self.table.add_column(label, key=key, width=widths.get(key, width))

    def on_resize(self) -> None:
        if self.text_widths() == self._widths:
            return
        table = self.table
        cursor = table.cursor_row
        with self.app.batch_update():
            table.clear(columns=True)
            self.setup_columns()
            now = self.desk_app.now()
            for key in self.order:
                row = self.rows[key]
                row.cells = self.row_cells(row, now)
                table.add_row(*row.cells, key=key)
            if self.order:
                table.move_cursor(row=min(max(cursor, 0), len(self.order) - 1), animate=False)

    # -- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        self._request += 1
        if self.view == REVIEW:
            self.query_one(ReviewPanel).load()
        self._load(self.view, self.search, self.limit, self._request, frozenset(self.opened))

    @work(thread=True, exclusive=True, group="queue-load")
    def _load(
        self, view: str, search: str, limit: int, request: int, opened: frozenset[int]
    ) -> None:
        desk = self.desk_app.desk
        try:
            if view != REVIEW:
                # Open incidents' tickets are grouped: one row each, opened with enter.
                groups = desk.incident_groups(view, search or None)
                shown = {g.incident.id for g in groups}
                tickets = {
                    incident: desk.incident_queue(incident, view, search or None, limit=PAGE_SIZE)
                    for incident in opened & shown
                }
                page = desk.list_queue(
                    view, search=search or None, limit=limit, group_incidents=bool(groups)
                )
                # The rows first, so they are on screen while the view counts are counted.
                self.post_message(QueueLoaded(page, request, groups, tickets))
            self.post_message(CountsLoaded(desk.view_counts()))
        except (DeskError, StoreError) as exc:
            self.post_message(QueueFailed(str(exc)))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        if message.request != self._request:
            return  # an answer to an older question (the view or filter changed since)
        self.total = message.page.total
        self.groups = message.groups
        self.apply_page(message.page, message.groups, message.opened)

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        self.counts = message.counts
        self.desk_app.note_counts(message.counts)
        self.update_tabs()
        self.update_topbar()

    def on_queue_failed(self, message: QueueFailed) -> None:
        self.query_one("#queue-status", Static).update(
            Text(f"Could not load the queue: {message.error}", style="bold red")
        )

    def apply_page(
        self,
        page: QueuePage,
        groups: list[IncidentGroup] | None = None,
        opened: dict[int, list[TicketSummary]] | None = None,
    ) -> None:
        now = self.desk_app.now()
        cursor_key = self.cursor_key()
        rows: dict[str, _Row] = {}
        for group in groups or []:
            key = f"{GROUP_PREFIX}{group.incident.id}"
            rows[key] = _Row(None, (), group)
            for ticket in (opened or {}).get(group.incident.id, []):
                rows[str(ticket.number)] = _Row(ticket, (), in_group=True)
        self.opened &= {g.incident.id for g in groups or []}
        for ticket in page.tickets:
            rows[str(ticket.number)] = _Row(ticket, ())
        self.loaded_tickets = len(page.tickets)
        for row in rows.values():
            row.cells = self.row_cells(row, now)
        self.rows = rows
        new_order = list(rows)
        table = self.table
        if new_order == self.order:
            # Same tickets in the same order: repaint only the cells that changed.
            for key in new_order:
                self.update_row(key, self.rows[key].cells)
        else:
            old_index = table.cursor_row
            self.order = new_order
            keep_place = self._keep_place and cursor_key is not None and bool(new_order)
            with self.app.batch_update():
                table.clear()
                for key in new_order:
                    table.add_row(*self.rows[key].cells, key=key)
                if keep_place:
                    table.move_cursor(row=min(old_index, len(new_order) - 1), animate=False)
                elif cursor_key in self.rows:
                    table.move_cursor(row=new_order.index(cursor_key), animate=False)
                elif cursor_key is None or cursor_key.startswith(GROUP_PREFIX):
                    # A fresh list starts on the most urgent ticket, below the incidents' rows
                    # (enter still opens a ticket; k goes up to an incident).
                    table.move_cursor(row=self.first_ticket_row(), animate=False)
                elif new_order:
                    table.move_cursor(row=min(old_index, len(new_order) - 1), animate=False)
        self._keep_place = False
        self.update_status()

    def first_ticket_row(self) -> int:
        return next(
            (i for i, key in enumerate(self.order) if self.rows[key].group is None),
            0,
        )

    def update_row(self, key: str, cells: tuple[Text, ...]) -> None:
        table = self.table
        current = table.get_row(key)
        for (column, _label, _width), old, new in zip(COLUMNS, current, cells, strict=True):
            if old != new:
                table.update_cell(key, column, new)

    def render_rows(self, force: bool = False) -> None:
        if not self.rows:
            return
        now = self.desk_app.now()
        for key, row in self.rows.items():
            cells = self.row_cells(row, now)
            if force or cells != row.cells:
                row.cells = cells
                self.update_row(key, cells)

    def row_cells(self, row: _Row, now: datetime) -> tuple[Text, ...]:
        if row.group is not None:
            return self.group_cells(row.group, now)
        assert row.ticket is not None
        cells = self.cells(row.ticket, now)
        if row.in_group:
            # Indented under its incident's row.
            cells = (*cells[:4], Text("  ") + cells[4], *cells[5:])
        return cells

    def group_cells(self, group: IncidentGroup, now: datetime) -> tuple[Text, ...]:
        customer_width, subject_width = self.text_widths()
        incident = group.incident
        opened = incident.id in self.opened
        style = "bold yellow"
        count = f"{group.count} ticket{'s' if group.count != 1 else ''}"
        # The title first: on a narrow terminal it is what must show.
        title = Text("⚠ ", style=style)
        title.append(one_line(incident.title, max(8, subject_width - 2)), style=style)
        if group.unanswered:
            title.append(f" — {group.unanswered} unanswered", style="yellow")
        return (
            Text("▾" if opened else "▸", style=style),
            Text("INCIDENT", style="bold black on yellow"),
            Text("", style=""),
            Text("", style=""),
            Text(one_line(count, customer_width), style=style),
            title,
            Text(""),
            Text(one_line(incident.declared_by, 10), style="dim"),
            Text(_age(incident.declared_at, now), style="dim"),
        )

    def cells(self, t: TicketSummary, now: datetime) -> tuple[Text, ...]:
        calendars = self.desk_app.team.sla.calendars
        customer_width, subject_width = self.text_widths()
        if t.claimed_by:
            # Who is working on it right now (replying), not only whose it is.
            assignee = Text(f"✎{one_line(t.claimed_by, 9)}", style="italic cyan")
        else:
            assignee = Text(one_line(t.assignee or "—", 10), style="" if t.assignee else "dim")
        return (
            MARK if t.number in self.marked else NO_MARK,
            sla_text(t, calendars, now),
            PRIORITY_CELL.get(t.priority, Text(t.priority)),
            Text(str(t.number), style="bold"),
            Text(one_line(t.customer.name, customer_width)),
            Text(one_line(t.subject, subject_width)),
            Text(CHANNEL_CELL.get(t.channel, t.channel)),
            assignee,
            Text(_age(t.created_at, now), style="dim"),
        )

    def tick(self) -> None:
        """Once a second: countdowns from stored deadlines; no database query."""
        if not self.is_current:
            return
        self.render_rows()

    def on_tickets_changed(self, _message: Message) -> None:
        if self.is_current:
            self.load()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        self.update_topbar()
        # Back from a ticket: if what was done there moved it (answered, it sinks), the
        # cursor stays at its place, on the next ticket, as work goes down the queue.
        self._keep_place = True
        if self._stale or self.rows:
            self._stale = False
            self.load()

    # -- presentation -----------------------------------------------------------------------

    def update_tabs(self) -> None:
        tabs = self.query_one(Tabs)
        for view in self.views:
            count = self.counts.get(view)
            label = SHORT_LABELS.get(view, VIEWS.get(view, view))
            tab = tabs.query_one(f"#{view}", Tab)
            tab.label = Text(f"{label} {count}" if count is not None else label)

    def update_topbar(self) -> None:
        app = self.desk_app
        me = app.me
        who = f"{me.display_name} ({me.role})" if me else "not signed in (set --agent)"
        counts = app.counts
        parts = [
            Text("supportdesk ", style="bold"),
            Text(one_line(who, 40)),
        ]
        if counts:
            parts.append(
                Text(
                    f"  ·  mine {counts.get('mine', 0)}  ·  unassigned "
                    f"{counts.get('unassigned', 0)}  ·  ",
                )
            )
            breached = counts.get("breached", 0)
            parts.append(Text(f"breached {breached}", style="bold red" if breached else ""))
        parts.append(Text(f"  ·  {app.channel_status()}", style="dim"))
        self.query_one("#topbar", Static).update(Text.assemble(*parts))

    def update_status(self) -> None:
        if self.view == REVIEW:
            self.query_one("#queue-status", Static).update("")
            return
        shown = self.loaded_tickets
        text = f"{VIEWS[self.view]}: {self.total} ticket{'s' if self.total != 1 else ''}"
        if self.groups:
            grouped = sum(g.count for g in self.groups)
            text += (
                f" + {grouped} in {len(self.groups)} open incident"
                f"{'s' if len(self.groups) != 1 else ''} (enter opens)"
            )
        if shown < self.total:
            text += f" · first {shown} loaded (more as you scroll)"
        if self.search:
            text += f" · filter {self.search!r}"
        status = Text()
        if self.marked:
            # First, so a narrow terminal still shows it.
            status.append(
                f"{len(self.marked)} marked (L links, I declares, esc clears)  ·  ",
                style="bold magenta",
            )
        status.append(text, style="dim")
        self.query_one("#queue-status", Static).update(status)

    # -- interaction ------------------------------------------------------------------------

    def cursor_key(self) -> str | None:
        table = self.table
        if not self.order or table.cursor_row < 0 or table.cursor_row >= len(self.order):
            return None
        return self.order[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.view == REVIEW and action in TICKET_ROW_ACTIONS:
            return False
        return super().check_action(action, parameters)

    def show_review(self, shown: bool) -> None:
        self.query_one("#queue-table", DataTable).display = not shown
        panel = self.query_one(ReviewPanel)
        panel.display = shown
        if shown:
            self.query_one("#filter", Input).display = False
            panel.focus_table()
        else:
            self.table.focus()
        self.update_status()
        self.refresh_bindings()

    def current_ticket(self) -> TicketSummary | None:
        if self.view == REVIEW:
            return None
        key = self.cursor_key()
        return self.rows[key].ticket if key in self.rows else None  # type: ignore[index]

    def current_group(self) -> IncidentGroup | None:
        key = self.cursor_key()
        return self.rows[key].group if key in self.rows else None  # type: ignore[index]

    # -- incidents: marks, groups -----------------------------------------------------------

    def action_mark(self) -> None:
        ticket = self.current_ticket()
        if ticket is None:
            if self.current_group() is not None:
                self.notify("An incident's row: enter opens it; mark its tickets inside.")
            return
        self.marked ^= {ticket.number}
        key = str(ticket.number)
        row = self.rows[key]
        row.cells = self.row_cells(row, self.desk_app.now())
        self.update_row(key, row.cells)
        self.update_status()
        self.table.action_cursor_down()

    def action_link(self) -> None:
        numbers = sorted(self.marked)
        if not numbers and (ticket := self.current_ticket()) is not None:
            numbers = [ticket.number]
        self.link_to_incident(numbers)

    def action_declare(self) -> None:
        self.declare_incident(sorted(self.marked))

    def incidents_changed(self) -> None:
        if self.marked:
            self.marked.clear()
            self.render_rows(force=True)
        self.load()

    def toggle_group(self, group: IncidentGroup) -> None:
        self.opened ^= {group.incident.id}
        self.load()

    def action_reply(self) -> None:
        group = self.current_group()
        if group is not None:
            self.incident_reply(group.incident)
            return
        super().action_reply()  # type: ignore[safe-super]

    def action_status(self) -> None:
        group = self.current_group()
        if group is not None:
            self.resolve_incident(group.incident)
            return
        super().action_status()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    @on(DataTable.RowHighlighted)
    def more_when_near_the_end(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= len(self.order) - 10
        loaded = self.loaded_tickets
        if near_end and loaded < self.total and self.limit <= loaded:
            self.limit += PAGE_SIZE
            self.load()

    @on(DataTable.RowSelected)
    def open_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        group = self.current_group()
        if group is not None:
            self.toggle_group(group)
            return
        ticket = self.current_ticket()
        if ticket is not None:
            from supportdesk.screens.ticket import TicketScreen

            self.app.push_screen(TicketScreen(ticket.number))

    def action_goto(self) -> None:
        def entered(value: str | None) -> None:
            if not value:
                return
            digits = value.strip().lstrip("#")
            if not digits.isdigit():
                self.notify(f"{value!r} is not a ticket number.", severity="error", markup=False)
                return
            number = int(digits)

            def found(_detail: object) -> None:
                from supportdesk.screens.ticket import TicketScreen

                self.app.push_screen(TicketScreen(number))

            # Asked first, so a wrong number is told here and no empty screen opens.
            self.perform("", lambda desk: desk.get_ticket(number), None, then=found)

        self.app.push_screen(
            PromptModal(
                "Open ticket number",
                placeholder="#1234",
                required=True,
                explanation="Any ticket: open, solved or closed, yours or a colleague's.",
            ),
            entered,
        )

    def action_take_next(self) -> None:
        def opened(ticket: TicketSummary | None) -> None:
            if ticket is None:
                self.notify("Nothing to take: no unassigned ticket is waiting.")
                return
            from supportdesk.screens.ticket import TicketScreen

            self.app.push_screen(TicketScreen(ticket.number))

        self.perform("", lambda desk: desk.take_next(), None, then=opened)

    def action_finished(self, message: ActionFinished) -> None:
        self.load()

    @on(Tabs.TabActivated)
    def switch_view(self, event: Tabs.TabActivated) -> None:
        view = event.tab.id or "open"
        if view != self.view:
            was_review = self.view == REVIEW
            self.view = view
            self.limit = PAGE_SIZE
            if was_review or view == REVIEW:
                self.show_review(view == REVIEW)
            self.load()

    def action_next_view(self) -> None:
        self.query_one(Tabs).action_next_tab()

    def action_previous_view(self) -> None:
        self.query_one(Tabs).action_previous_tab()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#filter", Input)
        if self.marked and not field.has_focus:
            self.marked.clear()
            self.render_rows(force=True)
            self.update_status()
            return
        if field.display or self.search:
            field.value = ""
            field.display = False
            self.search = ""
            self.limit = PAGE_SIZE
            self.table.focus()
            self.load()

    @on(Input.Changed, "#filter")
    def filter_typed(self, event: Input.Changed) -> None:
        # Wait for a pause in typing instead of querying on every key.
        if self._filter_timer is not None:
            self._filter_timer.stop()
        value = event.value

        def apply() -> None:
            self.search = value.strip()
            self.limit = PAGE_SIZE
            self.load()

        self._filter_timer = self.set_timer(0.15, apply)

    @on(Input.Submitted, "#filter")
    def filter_done(self) -> None:
        self.table.focus()
