"""The escalation form: every field the second line needs, refused beside the field when it is
empty or too short, and nothing typed is lost — a refusal keeps the form open, and closing it
keeps the text for the next time it is opened on this ticket."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static, TextArea

from supportdesk.core.escalation import field_problems
from supportdesk.core.plaintext import one_line
from supportdesk.store.desk import DeskError, EscalationIncomplete, StoreError
from supportdesk.store.dto import TicketSummary
from supportdesk.store.escalationdto import EscalationInfo, EscalationSetup

if TYPE_CHECKING:
    from supportdesk.app import SupportDeskApp

ANYONE = "*"


class EscalationRefused(Message):
    def __init__(self, error: str, problems: dict[str, str]) -> None:
        super().__init__()
        self.error = error
        self.problems = problems


class EscalationDone(Message):
    def __init__(self, info: EscalationInfo) -> None:
        super().__init__()
        self.info = info


class EscalationForm(ModalScreen[EscalationInfo | None]):
    """Returns the new escalation round, or None when closed without escalating."""

    BINDINGS = [
        Binding(
            "ctrl+s",
            "send",
            "Escalate",
            id="escalation.send",
            tooltip="Escalate with these fields (each is checked first)",
        ),
        Binding(
            "escape",
            "cancel",
            "Close",
            id="escalation.cancel",
            tooltip="Close without escalating; what you typed is kept for next time",
        ),
    ]

    def __init__(
        self,
        ticket: TicketSummary,
        setup: EscalationSetup,
        kept: dict[str, str],
        *,
        returned_comment: str | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.ticket = ticket
        self.setup = setup
        # Shared with the ticket screen: the text survives closing the form.
        self.kept = kept
        self.returned_comment = returned_comment
        self.sending = False

    def compose(self) -> ComposeResult:
        setup = self.setup
        with VerticalScroll(classes="dialog escalation", id="escalation-form"):
            yield Label(
                Text(f"Escalate #{self.ticket.number} to {setup.group}"), classes="dialog-title"
            )
            yield Static(
                Text(
                    f"{one_line(self.ticket.subject, 80)}\nWhat the second line needs so it does "
                    f"not come back: every field, at least {setup.min_length} characters. "
                    "ctrl+s escalates, esc closes (your text is kept)."
                ),
                classes="dialog-explanation",
            )
            if self.returned_comment:
                yield Static(
                    Text.assemble(
                        Text("Returned as incomplete: ", style="bold"),
                        Text(one_line(self.returned_comment, 400)),
                    ),
                    classes="escalation-returned",
                )
            for index, name in enumerate(setup.fields):
                area = TextArea(
                    self.kept.get(name, ""),
                    id=f"field-{index}",
                    classes="escalation-field",
                    soft_wrap=True,
                    show_line_numbers=False,
                )
                area.border_title = name
                yield area
                yield Static("", id=f"error-{index}", classes="dialog-error")
            options = [(f"Anyone of {setup.group}", ANYONE)] + [
                (f"{display} ({name})", name) for name, display in setup.members
            ]
            yield Label(Text("Send to", style="bold"), classes="escalation-label")
            kept_to = self.kept.get("\0to", ANYONE)
            yield Select(
                options,
                # A member kept from last time may have left the group since.
                value=kept_to if kept_to in {value for _label, value in options} else ANYONE,
                allow_blank=False,
                id="escalation-to",
            )
            yield Static("", id="form-error", classes="dialog-error")

    def on_mount(self) -> None:
        self.query_one("#field-0", TextArea).focus()

    def values(self) -> dict[str, str]:
        return {
            name: self.query_one(f"#field-{index}", TextArea).text
            for index, name in enumerate(self.setup.fields)
        }

    def keep(self) -> None:
        self.kept.clear()
        self.kept.update(self.values())
        self.kept["\0to"] = str(self.query_one("#escalation-to", Select).value)

    def show_problems(self, problems: dict[str, str], error: str = "") -> None:
        for index, name in enumerate(self.setup.fields):
            self.query_one(f"#error-{index}", Static).update(Text(problems.get(name, "")))
        self.query_one("#form-error", Static).update(Text(error))
        first = next((i for i, name in enumerate(self.setup.fields) if name in problems), None)
        if first is not None:
            self.query_one(f"#field-{first}", TextArea).focus()

    def action_send(self) -> None:
        if self.sending:
            return
        self.keep()
        values = self.values()
        problems = field_problems(values, self.setup.fields, self.setup.min_length)
        if problems:
            self.show_problems(problems, "Not escalated yet: fill in what is marked.")
            return
        target = self.query_one("#escalation-to", Select).value
        to = None if target == ANYONE else str(target)
        app: SupportDeskApp = self.app  # type: ignore[assignment]
        desk, number, version = app.desk, self.ticket.number, self.ticket.version
        self.sending = True
        self.query_one("#form-error", Static).update(Text("Escalating…"))

        def work() -> None:
            try:
                info = desk.escalate(number, values, to=to, expected_version=version)
            except EscalationIncomplete as exc:
                self.post_message(EscalationRefused(str(exc), exc.problems))
                return
            except (DeskError, StoreError) as exc:
                self.post_message(EscalationRefused(str(exc), {}))
                return
            self.post_message(EscalationDone(info))

        self.run_worker(work, thread=True, group="escalate")

    def on_escalation_refused(self, message: EscalationRefused) -> None:
        self.sending = False
        self.show_problems(message.problems, message.error)

    def on_escalation_done(self, message: EscalationDone) -> None:
        self.kept.clear()
        self.dismiss(message.info)

    def action_cancel(self) -> None:
        self.keep()
        self.dismiss(None)
