"""The mentor's Review view: trainee replies waiting for review, oldest first, and the three
decisions — approve as written, edit then approve, return with a comment — shared by the
queue's Review tab and the ticket screen."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from supportdesk.core.plaintext import one_line, strip_controls
from supportdesk.screens.actions import TicketActions
from supportdesk.screens.modals import PromptModal
from supportdesk.store.desk import DeskError, StoreError
from supportdesk.store.dto import AgentInfo, TicketDetail
from supportdesk.store.reviewdto import ReviewItem

# (key, title, width); the subject takes what the terminal has left.
COLUMNS = (
    ("waiting", "Waiting", 8),
    ("num", "#", 5),
    ("trainee", "Trainee", 12),
    ("customer", "Customer", 16),
    ("subject", "Subject", 0),
)


def reviews_for(me: AgentInfo | None, agents: list[AgentInfo]) -> bool:
    """Whether `me` reviews anyone's replies: a lead everyone's, a mentor their trainees'."""
    if me is None:
        return False
    return me.role == "lead" or any(a.mentor == me.name for a in agents if a.role == "trainee")


def may_review(me: AgentInfo | None, trainee: str | None, agents: list[AgentInfo]) -> bool:
    if me is None or trainee is None:
        return False
    if me.role == "lead":
        return True
    return any(a.name == trainee and a.mentor == me.name for a in agents)


def waiting_reply(detail: TicketDetail) -> int | None:
    """The id of the oldest reply on this ticket that waits for review."""
    return next(
        (m.id for m in detail.messages if m.delivery_state == "awaiting_review"),
        None,
    )


def _waited(moment: datetime, now: datetime) -> str:
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h {int(seconds % 3600 // 60)}m"
    return f"{int(seconds // 86400)}d"


# -- the three decisions ----------------------------------------------------------------------


def approve(screen: TicketActions, item: ReviewItem) -> None:
    screen.perform(
        f"#{item.ticket_number}: {item.trainee_display}'s reply approved; it is being sent.",
        lambda desk: desk.approve_reply(item.message_id, expected_version=item.ticket_version),
        item.ticket_number,
    )


def edit_then_approve(screen: TicketActions, item: ReviewItem) -> None:
    """The reply editor with the trainee's text; sending it approves the edited version."""

    def opened(detail: TicketDetail) -> None:
        from supportdesk.screens.compose import ComposeScreen

        screen.app.push_screen(
            ComposeScreen(
                detail.summary, "reply", draft=None, version=item.ticket_version, review=item
            )
        )

    screen.perform("", lambda desk: desk.get_ticket(item.ticket_number), None, then=opened)


def return_with_comment(screen: TicketActions, item: ReviewItem) -> None:
    def entered(comment: str | None) -> None:
        if not comment or not comment.strip():
            return
        screen.perform(
            f"#{item.ticket_number}: returned to {item.trainee_display} with your comment.",
            lambda desk: desk.return_reply(
                item.message_id, comment, expected_version=item.ticket_version
            ),
            item.ticket_number,
        )

    screen.app.push_screen(
        PromptModal(
            f"Return {item.trainee_display}'s reply on #{item.ticket_number}: what to fix?",
            placeholder="e.g. ask which number they call from before suggesting a reset",
            required=True,
            explanation=f"Not sent to the customer. Only colleagues see the comment; "
            f"{item.trainee_display} gets the reply back as a draft to fix and send again.",
        ),
        entered,
    )


# -- the view ---------------------------------------------------------------------------------


class ReviewLoaded(Message):
    def __init__(self, items: list[ReviewItem] | None, error: str | None) -> None:
        super().__init__()
        self.items = items
        self.error = error


class ReviewPanel(Vertical):
    """The Review tab's content: the waiting replies, and the highlighted one in full."""

    BINDINGS = [
        Binding(
            "a",
            "approve",
            "Approve",
            id="review.approve",
            tooltip="Approve: the reply is sent exactly as the trainee wrote it",
        ),
        Binding(
            "e",
            "edit",
            "Edit + approve",
            id="review.edit",
            tooltip="Open the trainee's text in the editor; sending approves your version",
        ),
        Binding(
            "b",
            "return",
            "Return",
            id="review.return",
            tooltip="Send it back to the trainee with a private comment (not sent)",
        ),
        Binding("o", "open", "Open ticket", id="review.open", tooltip="Open the ticket"),
        Binding("j", "down", "Down", show=False, id="review.down", tooltip="Next reply"),
        Binding("k", "up", "Up", show=False, id="review.up", tooltip="Previous reply"),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.items: list[ReviewItem] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="review-preview-box"):
            yield Static(id="review-preview")
        yield Static(id="review-status")

    def on_mount(self) -> None:
        self.setup_columns()

    def subject_width(self) -> int:
        # The screen's width: this panel has none while the tab is not shown.
        fixed = sum(width + 2 for _key, _label, width in COLUMNS if width)
        return max(10, self.screen.size.width - fixed - 2 - 2)

    def setup_columns(self) -> None:
        table = self.table
        table.clear(columns=True)
        for key, label, width in COLUMNS:
            table.add_column(label, key=key, width=width or self.subject_width())

    def on_resize(self) -> None:
        if self.items:
            self.show_items(self.items)

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#review-table", DataTable)

    @property
    def actions(self) -> TicketActions:
        return self.screen  # type: ignore[return-value]

    def focus_table(self) -> None:
        self.table.focus()

    def load(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="review-load")
    def _load(self) -> None:
        try:
            items = self.actions.desk.pending_reviews()
        except (DeskError, StoreError) as exc:
            self.post_message(ReviewLoaded(None, str(exc)))
            return
        self.post_message(ReviewLoaded(items, None))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        message.stop()
        status = self.query_one("#review-status", Static)
        if message.error is not None:
            status.update(Text(f"Could not load the replies: {message.error}", style="bold red"))
            return
        assert message.items is not None
        self.show_items(message.items)

    def show_items(self, items: list[ReviewItem]) -> None:
        status = self.query_one("#review-status", Static)
        current = self.current()
        self.items = items
        now = self.actions.desk_app.now()
        table = self.table
        subject_width = self.subject_width()
        with self.app.batch_update():
            self.setup_columns()
            for item in self.items:
                table.add_row(
                    Text(_waited(item.requested_at, now), style="bold"),
                    Text(str(item.ticket_number)),
                    Text(one_line(item.trainee_display, 12)),
                    Text(one_line(item.customer, 16)),
                    Text(one_line(item.subject, subject_width)),
                    key=str(item.message_id),
                )
            keys = [i.message_id for i in self.items]
            if current is not None and current.message_id in keys:
                table.move_cursor(row=keys.index(current.message_id), animate=False)
        count = len(self.items)
        status.update(
            Text(
                f"Review: {count} trainee repl{'y' if count == 1 else 'ies'} waiting, oldest first",
                style="dim",
            )
        )
        self.show_preview()

    def current(self) -> ReviewItem | None:
        row = self.table.cursor_row
        if not self.items or row < 0 or row >= len(self.items):
            return None
        return self.items[row]

    @on(DataTable.RowHighlighted, "#review-table")
    def highlighted(self) -> None:
        self.show_preview()

    @on(DataTable.RowSelected, "#review-table")
    def selected(self) -> None:
        self.action_open()

    def show_preview(self) -> None:
        item = self.current()
        preview = self.query_one("#review-preview", Static)
        if item is None:
            preview.update(Text("Nothing waits for review.", style="dim"))
            return
        zone = self.actions.desk_app.team.zone
        head = Text.assemble(
            Text(" AWAITING REVIEW ", style="bold black on cyan"),
            Text(
                f" {one_line(item.trainee_display, 40)} → {one_line(item.customer, 40)}"
                f" · #{item.ticket_number} · written "
                f"{item.requested_at.astimezone(zone):%a %H:%M}",
                style="bold",
            ),
        )
        if item.status_after:
            head.append(Text(f" · then {item.status_after}", style="dim"))
        preview.update(Text.assemble(head, "\n", Text(strip_controls(item.text).rstrip())))

    def _item_or_tell(self) -> ReviewItem | None:
        item = self.current()
        if item is None:
            self.notify("Nothing waits for review.", severity="warning")
        return item

    def action_approve(self) -> None:
        if (item := self._item_or_tell()) is not None:
            approve(self.actions, item)

    def action_edit(self) -> None:
        if (item := self._item_or_tell()) is not None:
            edit_then_approve(self.actions, item)

    def action_return(self) -> None:
        if (item := self._item_or_tell()) is not None:
            return_with_comment(self.actions, item)

    def action_open(self) -> None:
        if (item := self._item_or_tell()) is not None:
            from supportdesk.screens.ticket import TicketScreen

            self.app.push_screen(TicketScreen(item.ticket_number))

    def action_down(self) -> None:
        self.table.action_cursor_down()

    def action_up(self) -> None:
        self.table.action_cursor_up()


def graduate(screen: TicketActions) -> None:
    """A lead lets a trainee send without review from a chosen day (team time zone)."""
    from datetime import date

    from supportdesk.screens.modals import ChoiceModal

    app = screen.desk_app
    trainees = [a for a in app.agents if a.role == "trainee" and a.active]
    if not trainees:
        screen.notify("There is no trainee to graduate.", severity="warning")
        return
    today = app.now().astimezone(app.team.zone).date()

    def chosen_day(name: str, value: str | None) -> None:
        if not value:
            return
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            screen.notify(
                f"{value!r} is not a date; type it as YYYY-MM-DD.", severity="error", markup=False
            )
            return

        def done(agents: list[AgentInfo]) -> None:
            app.agents = agents

        screen.perform(
            f"{name} sends replies without review from {day:%Y-%m-%d}.",
            lambda desk: (desk.graduate(name, day), desk.list_agents())[1],
            None,
            then=done,
        )

    def chosen(name: str | None) -> None:
        if name is None:
            return
        screen.app.push_screen(
            PromptModal(
                f"From which day may {name} send without review?",
                value=today.isoformat(),
                required=True,
                explanation="YYYY-MM-DD, in the team's time zone. Until that day their replies "
                "still go to review; from it they are sent at once and the reply checker "
                "may be overridden.",
            ),
            lambda value: chosen_day(name, value),
        )

    screen.app.push_screen(
        ChoiceModal(
            "Graduate which trainee?",
            [
                (
                    a.name,
                    f"{a.display_name} ({a.name}, mentor {a.mentor or '-'})"
                    + (
                        f" · already from {a.sends_directly_from:%Y-%m-%d}"
                        if a.sends_directly_from
                        else ""
                    ),
                )
                for a in trainees
            ],
        ),
        chosen,
    )
