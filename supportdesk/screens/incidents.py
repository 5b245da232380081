"""Incidents in the console: declare one, pick one to link tickets to, answer all its tickets
at once, resolve it. The dialogs return values; `IncidentActions` (mixed into the queue and
the ticket view) runs the Desk calls in thread workers like every other action."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from supportdesk.core.incidents import translations
from supportdesk.core.plaintext import one_line
from supportdesk.core.templates import sample_context
from supportdesk.screens.modals import ChoiceModal, ConfirmModal
from supportdesk.screens.templates import TemplateChoice, TemplatePicker
from supportdesk.store.incidents import BulkReplyResult, IncidentInfo, LinkResult
from supportdesk.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from supportdesk.store.desk import Desk

# What the picker returns for "declare a new one".
NEW_INCIDENT = 0


@dataclass(frozen=True)
class IncidentText:
    title: str
    message: str


def incident_label(info: IncidentInfo, width: int = 60) -> Text:
    label = Text("⚠ ", style="bold yellow")
    label.append(one_line(info.title, width), style="bold")
    label.append(
        f"  {info.active_count} active · {info.unanswered_count} unanswered · "
        f"by {one_line(info.declared_by, 20)}",
        style="dim",
    )
    return label


class IncidentForm(ModalScreen[IncidentText | None]):
    """Title and public status message; `ctrl+s` saves, `escape` cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="incident_form.save", tooltip="Save the incident"),
        Binding(
            "escape", "cancel", "Cancel", id="incident_form.cancel", tooltip="Close, save nothing"
        ),
    ]

    def __init__(self, heading: str, *, title: str = "", message: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.heading = heading
        self.initial_title = title
        self.initial_message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog incident-form"):
            yield Label(Text(self.heading), classes="dialog-title")
            yield Input(
                value=self.initial_title,
                placeholder="what is broken, in a few words (e.g. Incoming calls fail)",
                id="incident-title",
            )
            yield Static(
                Text(
                    "Status message — what every linked customer is told (greeting and your "
                    "signature are added for each):",
                    style="dim",
                ),
                classes="dialog-explanation",
            )
            yield TextArea(self.initial_message, id="incident-message", soft_wrap=True)
            yield Static("", id="incident-error", classes="dialog-error")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#incident-title", Input).focus()

    def on_input_submitted(self) -> None:
        self.query_one("#incident-message", TextArea).focus()

    def action_save(self) -> None:
        title = " ".join(self.query_one("#incident-title", Input).value.split())
        message = self.query_one("#incident-message", TextArea).text.strip("\n")
        error = self.query_one("#incident-error", Static)
        if not title:
            error.update(Text("The incident needs a title."))
            return
        if not message.strip():
            error.update(Text("Write the status message customers will get."))
            return
        self.dismiss(IncidentText(title, message))

    def action_cancel(self) -> None:
        self.dismiss(None)


class IncidentPicker(ModalScreen[int | None]):
    """Choose an open incident (or declare a new one): its id, NEW_INCIDENT, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="incident_picker.cancel", tooltip="Close"),
    ]

    def __init__(
        self, heading: str, incidents: Sequence[IncidentInfo], *, allow_new: bool = True
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.heading = heading
        self.incidents = list(incidents)
        self.allow_new = allow_new

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog incident-picker"):
            yield Label(Text(self.heading), classes="dialog-title")
            options = [Option(incident_label(i), id=str(i.id)) for i in self.incidents]
            if self.allow_new:
                options.append(
                    Option(Text("＋ Declare a new incident…", style="italic"), id=str(NEW_INCIDENT))
                )
            yield OptionList(*options, id="incident-list")
            if not self.incidents:
                yield Static(Text("No incident is open.", style="dim"))
            yield Static(Text("enter chooses · ↑↓ move · esc closes", style="dim"))
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or NEW_INCIDENT))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ResolveForm(ModalScreen[tuple[str, bool] | None]):
    """The resolution message and whether to set the tickets solved."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Resolve", id="resolve_form.save", tooltip="Resolve and notify"),
        Binding("escape", "cancel", "Cancel", id="resolve_form.cancel", tooltip="Close"),
    ]

    def __init__(self, incident: IncidentInfo) -> None:
        super().__init__(classes="dialog-screen")
        self.incident = incident

    def compose(self) -> ComposeResult:
        i = self.incident
        with Vertical(classes="dialog incident-form"):
            yield Label(Text(f"Resolve ⚠ {one_line(i.title, 60)}"), classes="dialog-title")
            yield Static(
                Text(
                    f"Each of the {i.active_count} active linked tickets gets this message "
                    "(with a greeting and your signature); tickets that already got it are "
                    "skipped.",
                    style="dim",
                ),
                classes="dialog-explanation",
            )
            yield TextArea("", id="resolve-message", soft_wrap=True)
            yield Checkbox(
                "Set the tickets solved (the customer is asked to confirm)",
                True,
                id="resolve-solve",
            )
            yield Static("", id="resolve-error", classes="dialog-error")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#resolve-message", TextArea).focus()

    def action_save(self) -> None:
        message = self.query_one("#resolve-message", TextArea).text.strip("\n")
        if not message.strip():
            self.query_one("#resolve-error", Static).update(
                Text("Write what customers are told: what was wrong, that it works again.")
            )
            return
        self.dismiss((message, self.query_one("#resolve-solve", Checkbox).value))

    def action_cancel(self) -> None:
        self.dismiss(None)


class IncidentActions:
    """The incident flows, for a TicketActions screen (perform, notify, push_screen)."""

    if TYPE_CHECKING:
        app: Any

        def perform(
            self,
            done: str,
            call: Callable[[Desk], Any],
            number: int | None,
            *,
            then: Callable[[Any], None] | None = None,
        ) -> None: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...

    def incidents_changed(self) -> None:
        """After a link or a reply: what the screen clears or reloads."""

    def tell_result(self, result: BulkReplyResult | LinkResult, verb: str) -> None:
        if isinstance(result, BulkReplyResult):
            text = f"⚠ {one_line(result.incident.title, 40)}: {result.summary()}"
        else:
            text = (
                f"{verb} {len(result.changed)} ticket{'s' if len(result.changed) != 1 else ''}"
                f" to ⚠ {one_line(result.incident.title, 40)}"
            )
            if result.skipped:
                text += "; skipped " + "; ".join(
                    f"#{s.number} {s.reason}" for s in result.skipped[:5]
                )
        self.notify(
            text, severity="warning" if result.skipped else "information", timeout=12, markup=False
        )
        self.incidents_changed()

    def declare_incident(self, numbers: Sequence[int] = ()) -> None:
        heading = "Declare an incident"
        if numbers:
            heading += f" and link the {len(numbers)} marked tickets"

        def saved(text: IncidentText | None) -> None:
            if text is None:
                return
            self.perform(
                "",
                lambda desk: desk.declare_incident(text.title, text.message, tickets=numbers),
                None,
                then=lambda info: self._declared(info),
            )

        self.app.push_screen(IncidentForm(heading), saved)

    def _declared(self, info: IncidentInfo) -> None:
        self.notify(
            f"Declared ⚠ {one_line(info.title, 50)} ({info.ticket_count} tickets linked).",
            markup=False,
        )
        self.incidents_changed()

    def link_to_incident(self, numbers: Sequence[int]) -> None:
        """Pick an open incident (or declare one) and link `numbers` to it."""
        if not numbers:
            self.notify("No ticket to link: mark some with space.", severity="warning")
            return

        def picked(choice: int | None) -> None:
            if choice is None:
                return
            if choice == NEW_INCIDENT:
                self.declare_incident(numbers)
                return
            self.perform(
                "",
                lambda desk: desk.link_tickets(choice, numbers),
                None,
                then=lambda result: self.tell_result(result, "Linked"),
            )

        self.with_open_incidents(
            lambda incidents: self.app.push_screen(
                IncidentPicker(
                    f"Link {len(numbers)} ticket{'s' if len(numbers) != 1 else ''} to", incidents
                ),
                picked,
            )
        )

    def unlink_from_incident(self, info: IncidentInfo, number: int) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.perform(
                    "",
                    lambda desk: desk.unlink_tickets(info.id, [number]),
                    number,
                    then=lambda result: self.tell_result(result, "Unlinked"),
                )

        self.app.push_screen(
            ConfirmModal(
                f"Unlink #{number}?",
                f"#{number} is part of ⚠ {one_line(info.title, 60)}. Unlink it (it goes back to "
                "the queue on its own)?",
                yes="Unlink",
                no="Keep",
            ),
            answered,
        )

    def with_open_incidents(self, then: Callable[[list[IncidentInfo]], None]) -> None:
        self.perform("", lambda desk: desk.list_incidents("open"), None, then=then)

    def choose_incident(self, heading: str, then: Callable[[IncidentInfo], None]) -> None:
        """Pick one of the open incidents (for the command palette's incident commands)."""

        def listed(incidents: list[IncidentInfo]) -> None:
            if not incidents:
                self.notify("No incident is open.", severity="warning")
                return
            by_id = {i.id: i for i in incidents}

            def picked(choice: int | None) -> None:
                if choice in by_id:
                    then(by_id[choice])  # type: ignore[index]

            self.app.push_screen(IncidentPicker(heading, incidents, allow_new=False), picked)

        self.with_open_incidents(listed)

    def incident_reply(self, info: IncidentInfo) -> None:
        """Answer every active linked ticket: the status message, or a template."""
        preview = one_line(info.message, 50)

        def chosen(what: str | None) -> None:
            if what == "status":
                self._confirm_bulk(info, "the status message", info.message, None)
            elif what == "template":
                self._pick_template(info)

        self.app.push_screen(
            ChoiceModal(
                f"Answer the {info.active_count} active tickets of ⚠ {one_line(info.title, 40)} "
                "with",
                [
                    ("status", f"The status message: “{preview}”"),
                    ("template", "A template… (each customer in their language, where it has one)"),
                ],
            ),
            chosen,
        )

    def _pick_template(self, info: IncidentInfo) -> None:
        library = getattr(self.app, "templates", None)
        if library is None:
            self.notify("No templates are set up.", severity="warning")
            return

        def loaded(result: tuple[Any, Any]) -> None:
            templates, links = result

            def chosen(choice: TemplateChoice | None) -> None:
                if choice is None:
                    return
                self._confirm_bulk(
                    info,
                    f"“{one_line(choice.template.name, 50)}”",
                    choice.rendered.text,
                    choice,
                    translations(templates.templates, choice.template),
                )

            self.app.push_screen(
                TemplatePicker(
                    templates.templates,
                    sample_context(lambda slug: links.get(slug)),
                    language=None,
                    query="outage",
                    title=f"Answer all tickets of ⚠ {one_line(info.title, 40)} with a template",
                ),
                chosen,
            )

        self.perform("", lambda desk: (library.load(), desk.kb_links()), None, then=loaded)

    def _confirm_bulk(
        self,
        info: IncidentInfo,
        what: str,
        text: str,
        choice: TemplateChoice | None,
        table: dict[str, str] | None = None,
    ) -> None:
        def answered(yes: bool | None) -> None:
            if not yes:
                return
            template = choice.template if choice else None
            self.perform(
                "",
                lambda desk: desk.incident_reply(
                    info.id,
                    template=template.body if template else None,
                    translations=table,
                    template_name=template.name if template else None,
                    status_after=template.set_status if template else None,
                    category_after=template.category if template else None,
                    expected_version=info.version,
                ),
                None,
                then=lambda result: self.tell_result(result, "Answered"),
            )

        self.app.push_screen(
            ConfirmModal(
                f"Send {what} to the {info.active_count} active tickets?",
                f"{one_line(text, 300)}\n\nEach reply is filled in for its customer and goes "
                "through the outbox; tickets that already got this text are skipped.",
                yes="Send to all",
                no="Cancel",
            ),
            answered,
        )

    def resolve_incident(self, info: IncidentInfo) -> None:
        def saved(answer: tuple[str, bool] | None) -> None:
            if answer is None:
                return
            message, solve = answer
            self.perform(
                "",
                lambda desk: desk.resolve_incident(
                    info.id, message, solve=solve, expected_version=info.version
                ),
                None,
                then=lambda result: self.tell_result(result, "Resolved"),
            )

        self.app.push_screen(ResolveForm(info), saved)

    def update_incident(self, info: IncidentInfo) -> None:
        def saved(text: IncidentText | None) -> None:
            if text is None:
                return
            self.perform(
                f"⚠ {one_line(text.title, 50)} updated; r on its row sends the new message.",
                lambda desk: desk.update_incident(
                    info.id,
                    title=text.title,
                    message=text.message,
                    expected_version=info.version,
                ),
                None,
            )

        self.app.push_screen(
            IncidentForm("Update the incident", title=info.title, message=info.message), saved
        )
