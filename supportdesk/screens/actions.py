"""Acting on a ticket from any screen: the same dialogs and Desk calls from the queue and the
ticket view. Desk calls run in thread workers; their outcome comes back as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message
from textual.screen import Screen

from supportdesk.core.enums import Direction
from supportdesk.screens.modals import ChoiceModal, PromptModal
from supportdesk.store.desk import Desk, DeskError, StoreError, refusal_for
from supportdesk.store.dto import DraftInfo, TicketDetail, TicketSummary

if TYPE_CHECKING:
    from supportdesk.app import SupportDeskApp

STATUS_CHOICES = [
    ("open", "Open — we are working on it"),
    ("pending", "Pending — waiting for the customer (SLA paused)"),
    ("on_hold", "On hold — waiting for a third party (SLA paused)"),
    ("solved", "Solved — waits for the customer's confirmation"),
    ("closed", "Closed — needs a reason unless solved"),
]
PRIORITY_CHOICES = [
    ("urgent", "Urgent — goes above everything; needs a reason"),
    ("high", "High"),
    ("normal", "Normal"),
    ("low", "Low"),
]
CATEGORY_CHOICES = [
    ("blocking", "Blocking — something does not work"),
    ("question", "Question"),
    ("onboarding", "Onboarding — learning the product"),
    ("feature_request", "Feature request — collected for the product team"),
]


class ActionFinished(Message):
    """A Desk write finished (`error` is the refusal or failure in words)."""

    def __init__(
        self,
        done: str,
        result: Any,
        error: str | None,
        number: int | None,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.done = done
        self.result = result
        self.error = error
        self.number = number
        self.then = then


# Actions that change data: on a read-only desk (the supervisor's) they are neither shown
# nor run — and were one to run, the read-only database session would refuse it.
WRITE_ACTIONS = frozenset(
    {
        "take",
        "take_next",
        "reply",
        "note",
        "handover",
        "status",
        "priority",
        "category",
        "tags",
        "assign",
        "merge",
        "split",
        "delivery",
        "escalate",
        "send_back",
        "mark",
        "link",
        "declare",
        "incident",
    }
)


class TicketActions(Screen[None]):
    """A screen that acts on "the current ticket" (the highlighted row, or the open one).

    It works with the App's Desk unless given one of its own (`_desk`): the supervisor opens
    tickets with its read-only Desk."""

    _desk: Desk | None = None

    @property
    def desk_app(self) -> SupportDeskApp:
        return self.app  # type: ignore[return-value]

    @property
    def desk(self) -> Desk:
        return self._desk or self.desk_app.desk

    @property
    def readonly(self) -> bool:
        return self.desk.readonly

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action in WRITE_ACTIONS and self.readonly)

    def current_ticket(self) -> TicketSummary | None:
        raise NotImplementedError

    def perform(
        self,
        done: str,
        call: Callable[[Desk], Any],
        number: int | None,
        *,
        then: Callable[[Any], None] | None = None,
    ) -> None:
        """Run `call` with the Desk in a thread; post ActionFinished with what happened.
        `done` is told to the user on success; `then` gets the result."""

        def work() -> None:
            try:
                result = call(self.desk)
            except (DeskError, StoreError) as exc:
                self.post_message(ActionFinished(done, None, str(exc), number))
                return
            self.post_message(ActionFinished(done, result, None, number, then))

        self.run_worker(work, thread=True, group="actions", name=done)

    def on_action_finished(self, message: ActionFinished) -> None:
        if message.error:
            self.notify(message.error, severity="error", timeout=8, markup=False)
        else:
            if message.done:
                self.notify(message.done, markup=False)
            if message.then is not None:
                message.then(message.result)
        self.action_finished(message)

    def action_finished(self, message: ActionFinished) -> None:
        """What the screen does after any action (reload, usually)."""

    # -- the actions ------------------------------------------------------------------------

    def _refused(self, permission: str) -> bool:
        """Tell at once what the Desk would refuse (a trainee closing, marking urgent), before
        a dialog asks for a reason that could only be refused once typed."""
        me = self.desk_app.me
        refusal = refusal_for(me.role, me.display_name, permission) if me is not None else None
        if refusal is not None:
            self.notify(refusal, severity="error", timeout=8, markup=False)
        return refusal is not None

    def _ticket_or_tell(self, retry: Callable[[], None] | None = None) -> TicketSummary | None:
        """The ticket an action is for, or None after telling why there is none. `retry` is
        the action itself, for a screen whose ticket is still on its way to run it later."""
        ticket = self.current_ticket()
        if ticket is None:
            self.notify("No ticket selected.", severity="warning")
        return ticket

    def action_take(self) -> None:
        if (t := self._ticket_or_tell(self.action_take)) is None:
            return
        self.perform(
            f"#{t.number} is yours.",
            lambda desk: desk.take(t.number, expected_version=t.version),
            t.number,
        )

    def action_status(self) -> None:
        if (t := self._ticket_or_tell(self.action_status)) is None:
            return

        def chosen(status: str | None) -> None:
            if status is None:
                return
            if status == "closed" and self._refused("close"):
                return
            if status == "closed" and t.status != "solved":
                self.app.push_screen(
                    PromptModal(
                        f"Close #{t.number} without solving: why?",
                        placeholder="spam, duplicate of #…, sent by mistake",
                        required=True,
                    ),
                    lambda reason: reason and self._set_status(t, status, reason),
                )
                return
            self._set_status(t, status, None)

        self.app.push_screen(
            ChoiceModal(f"Status of #{t.number}", STATUS_CHOICES, t.status), chosen
        )

    def _set_status(self, t: TicketSummary, status: str, reason: str | None) -> None:
        self.perform(
            f"#{t.number} is {status.replace('_', ' ')}.",
            lambda desk: desk.set_status(
                t.number, status, reason=reason, expected_version=t.version
            ),
            t.number,
        )

    def action_priority(self) -> None:
        if (t := self._ticket_or_tell(self.action_priority)) is None:
            return

        def chosen(priority: str | None) -> None:
            if priority is None:
                return
            if priority == "urgent" and self._refused("set_urgent"):
                return
            if priority == "urgent":
                self.app.push_screen(
                    PromptModal(
                        f"Why is #{t.number} urgent?",
                        placeholder="e.g. telephony down for the whole sales team",
                        value=t.urgent_reason or "",
                        required=True,
                        explanation="Urgent goes above every other ticket in every queue, "
                        "so it always carries its reason.",
                    ),
                    lambda reason: reason and self._set_priority(t, priority, reason),
                )
                return
            self._set_priority(t, priority, None)

        self.app.push_screen(
            ChoiceModal(f"Priority of #{t.number}", PRIORITY_CHOICES, t.priority), chosen
        )

    def _set_priority(self, t: TicketSummary, priority: str, reason: str | None) -> None:
        self.perform(
            f"#{t.number} priority {priority}.",
            lambda desk: desk.set_priority(
                t.number, priority, reason=reason, expected_version=t.version
            ),
            t.number,
        )

    def action_category(self) -> None:
        if (t := self._ticket_or_tell(self.action_category)) is None:
            return

        def chosen(category: str | None) -> None:
            if category:
                self.perform(
                    f"#{t.number} category {category.replace('_', ' ')}.",
                    lambda desk: desk.set_category(t.number, category, expected_version=t.version),
                    t.number,
                )

        self.app.push_screen(
            ChoiceModal(f"Category of #{t.number}", CATEGORY_CHOICES, t.category), chosen
        )

    def action_assign(self) -> None:
        if (t := self._ticket_or_tell(self.action_assign)) is None:
            return
        options = [("-", "Nobody (unassign)")] + [
            (a.name, f"{a.display_name} ({a.name}, {a.role})")
            for a in self.desk_app.agents
            if a.active
        ]

        def chosen(name: str | None) -> None:
            if name is None:
                return
            agent = None if name == "-" else name
            self.perform(
                f"#{t.number} assigned to {agent or 'nobody'}.",
                lambda desk: desk.assign(t.number, agent, expected_version=t.version),
                t.number,
            )

        self.app.push_screen(ChoiceModal(f"Assign #{t.number} to", options, t.assignee), chosen)

    def action_tags(self) -> None:
        if (t := self._ticket_or_tell(self.action_tags)) is None:
            return

        def entered(text: str | None) -> None:
            if not text:
                return
            words = text.split()
            add = [w for w in words if not w.startswith("-")]
            remove = [w[1:] for w in words if w.startswith("-") and len(w) > 1]
            self.perform(
                f"#{t.number} tags updated.",
                lambda desk: desk.set_tags(
                    t.number, add=add, remove=remove, expected_version=t.version
                ),
                t.number,
            )

        self.app.push_screen(
            PromptModal(
                f"Tags of #{t.number}: {' '.join(t.tags) or '(none)'}",
                placeholder="billing vat   (-billing removes a tag)",
            ),
            entered,
        )

    def open_compose(self, kind: str) -> None:
        """Read the saved draft first, then open the editor with it: typing can never start
        before the draft is there (and be overwritten by it)."""
        if (t := self._ticket_or_tell(lambda: self.open_compose(kind))) is None:
            return
        draft_kind = "reply" if kind == "reply" else "note"

        def opened(found: tuple[DraftInfo | None, TicketDetail]) -> None:
            from supportdesk.screens.compose import ComposeScreen

            draft, detail = found
            answering = next(
                (m for m in reversed(detail.messages) if m.direction == Direction.INBOUND), None
            )
            self.app.push_screen(
                ComposeScreen(t, kind, draft=draft, version=detail.version, answering=answering)
            )

        self.perform(
            "",
            lambda desk: (desk.get_draft(t.number, draft_kind), desk.get_ticket(t.number)),
            t.number,
            then=opened,
        )

    def action_reply(self) -> None:
        self.open_compose("reply")

    def action_note(self) -> None:
        self.open_compose("note")

    def action_handover(self) -> None:
        self.open_compose("handover")
