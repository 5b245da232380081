"""One ticket: the conversation on the left, the customer and the SLA clocks on the right."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from supportdesk.core.plaintext import one_line
from supportdesk.screens.actions import ActionFinished, TicketActions
from supportdesk.screens.incidents import IncidentActions
from supportdesk.screens.kb import ArticleEditor, SimilarTicketsModal
from supportdesk.screens.modals import ChoiceModal, PromptModal
from supportdesk.screens.review import (
    approve,
    edit_then_approve,
    may_review,
    return_with_comment,
    waiting_reply,
)
from supportdesk.store.desk import Desk, DeskError, StoreError
from supportdesk.store.dto import TicketDetail, TicketSummary
from supportdesk.store.incidents import IncidentInfo
from supportdesk.widgets.conversation import Conversation, clock_lines
from supportdesk.widgets.footer import KeyFooter

RULE_WORDS = {
    "new_ticket": "started this ticket",
    "ticket_number": "the ticket number was in the subject",
    "subject_token": "the ticket number was in the subject",
    "in_reply_to": "it answers a message of this ticket",
    "references": "it refers to a message of this ticket",
    "telegram_chat": "the customer's open ticket in this Telegram chat",
    "telegram_reply": "it answers a Telegram message of this ticket",
    "telegram_edit": "the customer edited a message of this ticket",
    "recently_solved": "the customer wrote again soon after it was solved",
}


class TicketLoaded(Message):
    def __init__(self, detail: TicketDetail, incident: IncidentInfo | None = None) -> None:
        super().__init__()
        self.detail = detail
        self.incident = incident


class TicketFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class TicketScreen(IncidentActions, TicketActions):
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="ticket.back", tooltip="Back to the queue"),
        Binding("r", "reply", "Reply", id="ticket.reply", tooltip="Reply to the customer"),
        Binding("N", "note", "Note", id="ticket.note", tooltip="Add an internal note"),
        Binding(
            "w",
            "handover",
            "Where I stopped",
            id="ticket.handover",
            tooltip="A hand-over note so a colleague can take over",
        ),
        Binding("a", "take", "Take", id="ticket.take", tooltip="Assign the ticket to yourself"),
        Binding(
            "v",
            "review",
            "Review reply",
            id="ticket.review",
            tooltip="Mentors: approve, edit then approve, or return the trainee's reply",
        ),
        Binding("s", "status", "Status", id="ticket.status", tooltip="Change the status"),
        Binding("p", "priority", "Priority", id="ticket.priority", tooltip="Change the priority"),
        Binding("c", "category", "Category", id="ticket.category", tooltip="Change the category"),
        Binding("t", "tags", "Tags", id="ticket.tags", tooltip="Add or remove tags"),
        Binding("A", "assign", "Assign", id="ticket.assign", tooltip="Assign to a colleague"),
        Binding(
            "o",
            "open_other",
            "Earlier tickets",
            id="ticket.open_other",
            tooltip="Open another ticket of this customer",
        ),
        Binding("m", "merge", "Merge", id="ticket.merge", tooltip="Merge this ticket into another"),
        Binding(
            "x",
            "split",
            "Split",
            id="ticket.split",
            tooltip="Make a customer message a ticket of its own",
        ),
        Binding(
            "d",
            "delivery",
            "Failed replies",
            id="ticket.delivery",
            tooltip="Send a failed reply again, or discard it",
        ),
        Binding(
            "f",
            "fold",
            "Quotes",
            id="ticket.fold",
            tooltip="Show or fold quoted history and signatures",
        ),
        Binding(
            "S",
            "save_attachment",
            "Save attachment",
            id="ticket.save_attachment",
            tooltip="Save an attachment to a folder",
        ),
        Binding(
            "equals_sign",
            "similar",
            "Similar",
            id="ticket.similar",
            tooltip="Solved tickets like this one, and how a colleague answered",
        ),
        Binding(
            "K",
            "article_from_reply",
            "Reply → KB",
            id="ticket.article_from_reply",
            tooltip="Make a sent reply a draft knowledge-base article",
        ),
        Binding(
            "E",
            "escalate",
            "Escalate",
            id="ticket.escalate",
            tooltip="Escalate to the second line with what it needs",
        ),
        Binding(
            "b",
            "send_back",
            "Back to 1st line",
            id="ticket.send_back",
            tooltip="Second line: return the escalation as incomplete, or hand it back done",
        ),
        Binding(
            "L",
            "incident",
            "Incident",
            id="ticket.incident",
            tooltip="Link the ticket to an incident, or unlink it",
        ),
        Binding(
            "j", "scroll_down", "Scroll down", show=False, id="ticket.down", tooltip="Scroll down"
        ),
        Binding("k", "scroll_up", "Scroll up", show=False, id="ticket.up", tooltip="Scroll up"),
    ]

    def __init__(self, number: int, *, desk: Desk | None = None) -> None:
        super().__init__(classes="ticket-screen")
        self._desk = desk
        self.number = number
        self.detail: TicketDetail | None = None
        self.incident: IncidentInfo | None = None
        self.unfold = False
        # What was typed into the escalation form or a send-back comment, kept until it
        # is sent: closing the form or a refusal loses nothing.
        self.escalation_text: dict[str, str] = {}
        self.send_back_text = ""
        # An action whose key was pressed while the ticket was still loading (an agent who
        # presses `n` then `r` at once): run when the ticket is here, not dropped.
        self._after_load: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"#{self.number}", style="bold"), id="ticket-head")
        with Horizontal(id="ticket-body"):
            yield Conversation(id="conversation")
            with VerticalScroll(id="side"):
                yield Static(id="side-panel")
        yield KeyFooter()

    def on_mount(self) -> None:
        # No load here: Textual sends ScreenResume when the screen is pushed too, and
        # on_screen_resume loads (loading in both read every ticket twice as it opened).
        self.query_one(Conversation).focus()

    def load(self) -> None:
        self._load(self.number)

    @work(thread=True, exclusive=True, group="ticket-load")
    def _load(self, number: int) -> None:
        try:
            detail = self.desk.get_ticket(number)
            incident = self.desk.incident_of_ticket(number)
        except (DeskError, StoreError) as exc:
            self.post_message(TicketFailed(str(exc)))
            return
        self.post_message(TicketLoaded(detail, incident))

    def on_ticket_loaded(self, message: TicketLoaded) -> None:
        first = self.detail is None
        changed = (
            self.detail is None
            or self.detail != message.detail
            or self.incident != message.incident
        )
        self.detail = message.detail
        self.refresh_bindings()
        self.incident = message.incident
        if changed:
            self.show_head(message.detail.summary)
            self.query_one(Conversation).show(
                message.detail, self.desk_app.team.zone, unfold=self.unfold
            )
            self.query_one("#side-panel", Static).update(self.side_text(message.detail))
        if first:
            self.title = f"#{self.number}"
            waiting, self._after_load = self._after_load, None
            if waiting is not None:
                waiting()

    def on_ticket_failed(self, message: TicketFailed) -> None:
        self._after_load = None
        self.query_one("#ticket-head", Static).update(Text(message.error, style="bold red"))

    def on_tickets_changed(self, message: Message) -> None:
        numbers = getattr(message, "numbers", frozenset())
        if self.number in numbers:
            self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def current_ticket(self) -> TicketSummary | None:
        return self.detail.summary if self.detail else None

    def _ticket_or_tell(self, retry: Callable[[], None] | None = None) -> TicketSummary | None:
        if self.detail is None and retry is not None:
            self._after_load = retry
            return None
        return super()._ticket_or_tell(retry)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":
            # Shown only with a trainee reply waiting that I may decide.
            return not self.readonly and self.reviewable() is not None
        return super().check_action(action, parameters)

    def reviewable(self) -> int | None:
        """The waiting trainee reply on this ticket that I may review, if any."""
        if self.detail is None:
            return None
        message_id = waiting_reply(self.detail)
        if message_id is None:
            return None
        trainee = next(m.agent for m in self.detail.messages if m.id == message_id)
        app = self.desk_app
        return message_id if may_review(app.me, trainee, app.agents) else None

    def action_review(self) -> None:
        message_id = self.reviewable()
        if message_id is None:
            self.notify("No trainee reply here waits for your review.", severity="warning")
            return
        decisions = {"approve": approve, "edit": edit_then_approve, "return": return_with_comment}

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            self.perform(
                "",
                lambda desk: desk.review_item(message_id),
                self.number,
                then=lambda item: decisions[choice](self, item),
            )

        self.app.push_screen(
            ChoiceModal(
                f"The trainee's reply on #{self.number} (awaiting review)",
                [
                    ("approve", "Approve — send it exactly as written"),
                    ("edit", "Edit, then approve — your version goes out"),
                    ("return", "Return with a comment — not sent; back to the trainee"),
                ],
            ),
            chosen,
        )

    def action_finished(self, message: ActionFinished) -> None:
        self.load()

    def action_fold(self) -> None:
        self.unfold = not self.unfold
        if self.detail is not None:
            self.query_one(Conversation).show(
                self.detail, self.desk_app.team.zone, unfold=self.unfold
            )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll_down(self) -> None:
        self.query_one(Conversation).scroll_down()

    def action_scroll_up(self) -> None:
        self.query_one(Conversation).scroll_up()

    def action_open_other(self) -> None:
        if self.detail is None or not self.detail.customer_tickets:
            self.notify("This customer has no other tickets.")
            return
        options = [
            (str(b.number), f"#{b.number}  {b.status:<8} {one_line(b.subject, 60)}")
            for b in self.detail.customer_tickets
        ]

        def chosen(value: str | None) -> None:
            if value:
                self.app.push_screen(TicketScreen(int(value), desk=self._desk))

        self.app.push_screen(ChoiceModal("Other tickets of this customer", options), chosen)

    def action_merge(self) -> None:
        if (t := self._ticket_or_tell(self.action_merge)) is None:
            return
        if self._refused("close"):  # merging closes this ticket
            return

        def entered(value: str | None) -> None:
            if not value:
                return
            digits = value.strip().lstrip("#")
            if not digits.isdigit():
                self.notify(f"{value!r} is not a ticket number.", severity="error", markup=False)
                return
            into = int(digits)

            def opened(_summary: object) -> None:
                self.app.switch_screen(TicketScreen(into, desk=self._desk))

            self.perform(
                f"#{t.number} merged into #{into}.",
                lambda desk: desk.merge_tickets(t.number, into, expected_version=t.version),
                t.number,
                then=opened,
            )

        self.app.push_screen(
            PromptModal(
                f"Merge #{t.number} into which ticket?",
                placeholder="#1234",
                required=True,
                explanation="Its messages and notes move there; this ticket is closed and "
                "points to that one.",
            ),
            entered,
        )

    def action_split(self) -> None:
        detail = self.detail
        if detail is None:
            return
        inbound = [m for m in detail.messages if m.direction == "in"]
        if len(detail.messages) < 2 or not inbound:
            self.notify("There is only one message here; nothing to split.")
            return
        options = [
            (str(m.id), f"{m.created_at:%d %b %H:%M}  {one_line(m.text, 70)}") for m in inbound
        ]

        def chosen(value: str | None) -> None:
            if value:
                self.perform(
                    "Message split out into a new ticket.",
                    lambda desk: desk.split_message(self.number, int(value)),
                    self.number,
                    then=lambda new: self.notify(f"It is #{new.number} now."),
                )

        self.app.push_screen(
            ChoiceModal("Which message starts a ticket of its own?", options), chosen
        )

    def action_delivery(self) -> None:
        detail = self.detail
        if detail is None:
            return
        stuck = [m for m in detail.messages if m.delivery_state in ("failed", "unknown")]
        if not stuck:
            self.notify("No reply here failed or has an unknown fate.")
            return
        options: list[tuple[str, str]] = []
        for m in stuck:
            preview = one_line(m.text, 50)
            why = one_line(m.delivery_error or m.delivery_state, 40)
            options.append((f"retry:{m.id}", f"Send again: {preview} ({why})"))
            options.append((f"discard:{m.id}", f"Discard: {preview}"))

        def chosen(value: str | None) -> None:
            if not value:
                return
            what, message_id = value.split(":")
            if what == "retry":
                self.perform(
                    "Reply queued again.",
                    lambda desk: desk.retry_delivery(int(message_id)),
                    self.number,
                )
            else:
                self.perform(
                    "Reply discarded.",
                    lambda desk: desk.discard_delivery(int(message_id)),
                    self.number,
                )

        self.app.push_screen(ChoiceModal("Replies that did not go out", options), chosen)

    def action_similar(self) -> None:
        number = self.number

        def show(similar: object) -> None:
            def chosen(other: int | None) -> None:
                if other:
                    self.app.push_screen(TicketScreen(other))

            self.app.push_screen(SimilarTicketsModal(number, similar), chosen)  # type: ignore[arg-type]

        self.perform("", lambda desk: desk.similar_tickets(number), None, then=show)

    def action_article_from_reply(self) -> None:
        detail = self.detail
        replies = [
            m
            for m in (detail.messages if detail else ())
            if m.direction == "out" and m.agent and not m.automatic
        ]
        if not replies:
            self.notify("No reply here yet to turn into an article.")
            return

        def make(message_id: int) -> None:
            self.perform(
                "Draft article made (internal until you publish it).",
                lambda desk: desk.draft_article_from_reply(message_id),
                None,
                then=lambda article: self.app.push_screen(ArticleEditor(article)),
            )

        if len(replies) == 1:
            make(replies[0].id)
            return
        options = [
            (str(m.id), f"{m.created_at:%d %b %H:%M} {m.agent}: {one_line(m.text, 60)}")
            for m in reversed(replies)
        ]
        self.app.push_screen(
            ChoiceModal("Which reply becomes an article?", options),
            lambda value: value and make(int(value)),
        )

    def action_escalate(self) -> None:
        from supportdesk.screens.escalation import EscalationForm

        detail = self.detail
        if detail is None:
            return
        current = detail.open_escalation
        if current is not None:
            self.notify(
                f"#{self.number} is with {current.group} already (round {current.round}).",
                severity="warning",
            )
            return
        last = detail.escalations[-1] if detail.escalations else None
        comment = last.comment if last is not None and last.state == "returned" else None

        def escalated(info: object) -> None:
            if info is not None:
                self.notify(f"#{self.number} escalated (round {getattr(info, 'round', '?')}).")
                self.load()

        def ask(setup: object) -> None:
            self.app.push_screen(
                EscalationForm(
                    detail.summary,
                    setup,  # type: ignore[arg-type]
                    self.escalation_text,
                    returned_comment=comment,
                ),
                escalated,
            )

        self.perform("", lambda desk: desk.escalation_setup(), None, then=ask)

    def action_send_back(self) -> None:
        detail = self.detail
        current = detail.open_escalation if detail else None
        if current is None:
            self.notify("This ticket is not with the second line.", severity="warning")
            return
        owner = current.escalated_by_display
        options = [
            ("returned", f"Return to {owner} as incomplete — say what is missing"),
            ("handed_back", f"Hand back to {owner} — done, with a note"),
        ]
        version = detail.version  # type: ignore[union-attr]

        def chosen(kind: str | None) -> None:
            if kind is None:
                return
            returned = kind == "returned"

            def entered(text: str | None) -> None:
                if not text:
                    return
                self.send_back_text = text

                def sent(_info: object) -> None:
                    self.send_back_text = ""

                self.perform(
                    f"#{self.number} "
                    + ("returned as incomplete." if returned else "handed back.")
                    + f" It is {owner}'s again.",
                    lambda desk: (
                        desk.return_escalation(self.number, text, expected_version=version)
                        if returned
                        else desk.hand_back(self.number, text, expected_version=version)
                    ),
                    self.number,
                    then=sent,
                )

            self.app.push_screen(
                PromptModal(
                    "What is missing?" if returned else "What was done?",
                    value=self.send_back_text,
                    placeholder="e.g. the Call ID and the time of the failed call"
                    if returned
                    else "e.g. the trunk was re-registered; calls come in again",
                    required=True,
                    explanation=f"{owner} sees this on the ticket"
                    + (" and escalates again with what is missing." if returned else "."),
                ),
                entered,
            )

        self.app.push_screen(
            ChoiceModal(f"Send #{self.number} back to the first line", options), chosen
        )

    def action_save_attachment(self) -> None:
        detail = self.detail
        files = [a for m in detail.messages for a in m.attachments] if detail else []
        if not files:
            self.notify("This ticket has no attachments.")
            return
        options = [(str(a.id), f"{a.filename}  ({a.size:,} B, {a.content_type})") for a in files]

        def chosen(value: str | None) -> None:
            if not value:
                return
            self.app.push_screen(
                PromptModal(
                    "Save to which folder?",
                    value=str(Path.home() / "Downloads"),
                    required=True,
                ),
                lambda folder: folder and self._save_attachment(int(value), Path(folder)),
            )

        self.app.push_screen(ChoiceModal("Save which attachment?", options), chosen)

    def _save_attachment(self, attachment_id: int, folder: Path) -> None:
        self.perform(
            "",
            lambda desk: desk.save_attachment(attachment_id, folder),
            self.number,
            then=lambda saved: self.notify(f"Saved {saved}", markup=False),
        )

    # -- rendering --------------------------------------------------------------------------

    def show_head(self, t: TicketSummary) -> None:
        head = Text.assemble(
            Text(f"#{t.number} ", style="bold"),
            Text(one_line(t.subject, 200), style="bold"),
            "\n",
            Text(f"{t.status.replace('_', ' ')}", style="bold cyan"),
            Text(f" · {t.priority}", style="bold red" if t.priority == "urgent" else ""),
            Text(f" ({one_line(t.urgent_reason, 80)})" if t.urgent_reason else "", style="red"),
            Text(f" · {t.category.replace('_', ' ')} · {t.channel}"),
            Text(f" · {t.assignee_display or 'unassigned'}"),
            # A colleague's hold on it (mine needs no telling: I know what I am doing).
            Text(
                f" · ✎ {t.claimed_by} is replying"
                if t.claimed_by and t.claimed_by != self.desk.agent_name
                else "",
                style="italic cyan",
            ),
            Text(" · read-only" if self.readonly else "", style="bold magenta"),
        )
        self.query_one("#ticket-head", Static).update(head)

    def action_incident(self) -> None:
        if self.detail is None:
            return
        if self.incident is not None:
            self.unlink_from_incident(self.incident, self.number)
        else:
            self.link_to_incident([self.number])

    def incidents_changed(self) -> None:
        self.load()

    def side_text(self, detail: TicketDetail) -> Text:
        t = detail.summary
        c = t.customer
        out = Text()
        if self.incident is not None:
            out.append("⚠ Part of an incident\n", style="bold yellow")
            out.append(one_line(self.incident.title, 60) + "\n", style="bold")
            out.append(f"{self.incident.active_count} active tickets · L unlinks\n\n", style="dim")
        out.append("Customer\n", style="bold underline")
        out.append(one_line(c.name, 60) + "\n", style="bold")
        if c.company:
            out.append(one_line(c.company, 60) + "\n")
        for email in c.emails:
            out.append(f"✉ {one_line(email, 60)}\n")
        for tg_id in c.telegram_ids:
            out.append(f"tg {tg_id}\n")
        for username in c.telegram_usernames:
            out.append(f"@{one_line(username, 40)}\n")
        for address, reason in c.unreachable:
            out.append(
                f"⚠ {one_line(address, 60)} unreachable: {one_line(reason, 80)}\n",
                style="bold red",
            )
        if c.language:
            out.append(f"language {c.language}\n", style="dim")
        if detail.rating:
            out.append(f"rated this ticket {detail.rating.score}/5\n", style="yellow")
        if detail.customer_tickets:
            rated = [b.rating for b in detail.customer_tickets if b.rating]
            out.append(f"\n{len(detail.customer_tickets)} earlier tickets", style="bold")
            if rated:
                out.append(f" · ratings {', '.join(str(r) for r in rated[:8])}")
            out.append("  (o opens)\n", style="dim")
            for brief in detail.customer_tickets[:5]:
                out.append(f"#{brief.number} {brief.status:<8} {one_line(brief.subject, 30)}\n")
        out.append("\nSLA\n", style="bold underline")
        if not t.clocks:
            out.append("no SLA policy applies\n", style="dim")
        for clock in t.clocks:
            out.append_text(clock_lines(clock))
            out.append("\n")
            if clock.explanation:
                out.append(clock.explanation + "\n", style="dim")
        out.append_text(self.escalation_text_for(detail))
        out.append("\nTicket\n", style="bold underline")
        out.append(f"tags {' '.join(t.tags) if t.tags else '—'}\n")
        if detail.follow_up_of:
            out.append(f"follow-up of #{detail.follow_up_of}\n")
        if detail.merged_into:
            out.append(f"merged into #{detail.merged_into}\n")
        reasons = [m for m in detail.messages if m.direction == "in" and m.thread_rule]
        if reasons:
            last = reasons[-1]
            words = RULE_WORDS.get(last.thread_rule or "", last.thread_rule or "")
            out.append(f"last message joined: {words}\n", style="dim")
            if last.thread_note:
                out.append(f"⚠ {one_line(last.thread_note, 120)}\n", style="yellow")
        return out

    def escalation_text_for(self, detail: TicketDetail) -> Text:
        """The side panel's second-line section: where the ticket is, who owns it."""
        out = Text()
        if not detail.escalations:
            return out
        last = detail.escalations[-1]
        out.append("\nSecond line\n", style="bold underline")
        if last.open:
            out.append(f"with {last.group} · round {last.round}\n", style="bold magenta")
            out.append(f"first line: {one_line(last.escalated_by_display, 40)}\n")
            taker = detail.summary.assignee_display or f"anyone of {last.group}"
            out.append(f"second line: {one_line(taker, 40)}\n")
            out.append("b returns it or hands it back\n", style="dim")
        elif last.state == "returned":
            out.append(f"returned as incomplete · round {last.round}\n", style="bold red")
            out.append(f"by {one_line(last.closed_by_display or '?', 40)}: ", style="bold")
            out.append(one_line(last.comment or "", 300) + "\n")
            out.append("E escalates again with what is missing\n", style="dim")
        else:
            out.append(f"handed back · round {last.round}\n", style="bold green")
            out.append(f"by {one_line(last.closed_by_display or '?', 40)}: ", style="bold")
            out.append(one_line(last.comment or "", 300) + "\n")
        return out
