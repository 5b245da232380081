"""Writing a reply or an internal note. What is typed is saved as it is typed."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.widgets.text_area import Selection

from supportdesk.core.greetings import greeting
from supportdesk.core.plaintext import one_line, strip_controls
from supportdesk.core.quoting import split_quoted
from supportdesk.core.templates import TemplateDef, unfilled
from supportdesk.localdrafts import LocalDrafts
from supportdesk.screens.kb import KbInsert
from supportdesk.screens.modals import ConfirmModal, PromptModal
from supportdesk.screens.templates import TemplateChoice, TemplatePicker
from supportdesk.store.desk import ConversationMoved, DeskError, ReplyRefused, StoreError
from supportdesk.store.dto import DraftInfo, MessageInfo, TicketSummary
from supportdesk.store.libraryfiles import LoadedTemplates, ticket_context
from supportdesk.store.reviewdto import ReviewItem
from supportdesk.widgets.footer import KeyFooter
from supportdesk.widgets.replyarea import ReplyArea

SAVE_AFTER_SECONDS = 0.4
# Lines of the customer's message shown above a reply's editor (its quoted history folded).
ANSWERING_LINES = 6
# (what the agent reads, the status): Select's order.
AFTER_SEND = [
    ("pending — wait for the customer", "pending"),
    ("open — I keep working on it", "open"),
    ("solved — ask the customer to confirm", "solved"),
    ("on hold — waiting for a third party", "on_hold"),
]
MENTION_PREFIX = re.compile(r"(?:^|[^\w@.])@([\w.-]*)$")
# ';' at the start of a word opens the template picker (';details' finds the shortcut).
SHORTCUT_TRIGGER = re.compile(r"(?:^|\s)(;[\w.-]*)$")
SHORTCUT_TYPED = re.compile(r";[\w.-]*")
TITLES = {"reply": "Reply", "note": "Internal note", "handover": "Where I stopped"}


class DraftNotSaved(Exception):
    """Neither the database nor this machine's disk took the draft."""


class SendFinished(Message):
    def __init__(
        self,
        error: str | None,
        moved: ConversationMoved | None = None,
        refused: ReplyRefused | None = None,
    ) -> None:
        super().__init__()
        self.error = error
        self.moved = moved
        self.refused = refused


class TemplatesLoaded(Message):
    def __init__(self, loaded: LoadedTemplates | None, links: dict, error: str | None) -> None:
        super().__init__()
        self.loaded = loaded
        self.links = links
        self.error = error


class ComposeScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="compose.send", tooltip="Send (a note: save it)"),
        Binding(
            "escape",
            "close",
            "Close (keep draft)",
            id="compose.close",
            tooltip="Close; the draft stays and comes back next time",
        ),
        Binding(
            "ctrl+d",
            "discard",
            "Discard draft",
            id="compose.discard",
            # The text area has the focus and binds ctrl+d to delete-right; without priority
            # the key would eat a character instead of discarding. Priority would also put it
            # first in the footer, ahead of Send: it is listed under ? instead.
            priority=True,
            show=False,
            tooltip="Throw the draft away",
        ),
        Binding(
            "ctrl+t",
            "template",
            "Template",
            id="compose.template",
            tooltip="Insert a template (or type ;shortcut)",
        ),
        Binding(
            "ctrl+o",
            "attach",
            "Attach file",
            id="compose.attach",
            show=False,
            tooltip="Attach a file to the reply (up to 20 MB)",
        ),
        Binding(
            "f3",
            "next_placeholder",
            "Next {{ }}",
            id="compose.next_placeholder",
            tooltip="Select the next placeholder still to fill in",
        ),
        Binding(
            "tab",
            "complete",
            "Complete @name",
            id="compose.complete",
            priority=True,
            show=False,
            tooltip="Complete the colleague's name after @ (else: next field)",
        ),
    ]

    def __init__(
        self,
        ticket: TicketSummary,
        kind: str,
        *,
        draft: DraftInfo | None,
        version: int,
        review: ReviewItem | None = None,
        answering: MessageInfo | None = None,
    ) -> None:
        """`review`: a mentor edits a trainee's reply; sending approves the edited text
        (nothing is saved as the mentor's own draft). `answering`: the customer's latest
        message, shown above a reply's editor (the editor fills the screen)."""
        super().__init__(classes="compose-screen")
        self.ticket = ticket
        self.answering = answering
        self.review = review
        self.kind = kind
        self.draft_kind = "reply" if kind == "reply" else "note"
        self.draft = draft
        self.base_version = version
        # Files going with the reply (kept until it is sent; not part of the draft).
        self.attachments: list[Path] = []
        self._save_timer: Timer | None = None
        self._loaded = False
        self._saved_text: str | None = ""
        # Saving runs in a thread and so does sending: a save still in flight when the reply
        # goes out must not bring the sent draft back.
        self._desk_lock = threading.Lock()
        self._sent = False
        # (what is still to type, the agent) while the cursor is after '@' + a known prefix.
        self._completion: tuple[str, str] | None = None
        # Templates, loaded in the background when the screen opens, and kb("slug") links.
        self._templates: LoadedTemplates | None = None
        self._kb_links: dict = {}
        self._picker_open = False
        # Where the ';' was that opened a picker the agent closed: not opened again for it.
        self._declined: tuple[int, int] | None = None
        # The text a new reply started with: a template replaces it while it is untouched.
        self._starting_text: str | None = None
        # The category the last inserted template sets when the reply is sent.
        self._category_after: str | None = None

    @property
    def desk_app(self):  # noqa: ANN201 - the SupportDeskApp; typed loosely to avoid a cycle
        return self.app

    def compose(self) -> ComposeResult:
        t = self.ticket
        who = t.customer
        address = ", ".join([*who.emails[:1], *(f"tg {i}" for i in who.telegram_ids[:1])])
        head = Text.assemble(
            Text(
                f"Edit {one_line(self.review.trainee_display, 40)}'s reply, then approve · "
                f"#{t.number} "
                if self.review
                else f"{TITLES[self.kind]} · #{t.number} ",
                style="bold",
            ),
            Text(one_line(t.subject, 80)),
            "\n",
            Text(
                f"to {one_line(who.name, 40)} <{one_line(address, 60)}> · {t.channel}"
                + (f" · writes in {who.language}" if who.language else ""),
                style="dim",
            )
            if self.kind == "reply"
            else Text("only colleagues see this · @name mentions a colleague", style="dim"),
            *(
                Text(
                    f"\n⚠ {one_line(where, 60)} cannot be reached now: {one_line(reason, 80)}",
                    style="bold red",
                )
                for where, reason in (who.unreachable if self.kind == "reply" else ())
            ),
        )
        yield Static(head, id="compose-head")
        if self.kind == "reply" and self.answering is not None:
            yield Static(self.answering_text(self.answering), id="compose-answering")
        yield ReplyArea(id="body", soft_wrap=True, show_line_numbers=False)
        with Horizontal(id="compose-bar"):
            if self.kind == "reply" and self.review is None:
                yield Label("after sending: ")
                yield Select(AFTER_SEND, value="pending", allow_blank=False, id="after")
            yield Static(id="compose-info")
        yield KeyFooter()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        # A draft kept on this machine is newer than the database's: it is only written when
        # a save to the database failed, and removed by the next one that gets through.
        local = (
            None
            if self.review is not None
            else self._local_drafts().load(self.ticket.number, self.draft_kind)
        )
        if self.review is not None:
            area.load_text(self.review.text)
            self._saved_text = self.review.text
            self.set_info(
                "ctrl+s approves and sends your version (the trainee's own words are kept for "
                "the record); esc leaves the reply waiting for review."
            )
        elif local is not None and local.body.strip():
            self.base_version = local.base_version
            area.load_text(local.body)
            area.cursor_location = self.resume_location(local.body)
            self._saved_text = None
            self.set_info("Your draft is back (kept on this machine while offline).")
        elif self.draft is not None and self.draft.body.strip():
            self.base_version = self.draft.base_version
            area.load_text(self.draft.body)
            area.cursor_location = self.resume_location(self.draft.body)
            self._saved_text = self.draft.body
            self.set_info("Your draft is back.")
        else:
            text, row = self.starting_text()
            area.load_text(text)
            self._saved_text = text
            self._starting_text = text
            area.cursor_location = (row, 0)
        self._loaded = True
        area.focus()
        if self.kind == "reply":
            self.load_templates()
            self.show_placeholders()

    def starting_text(self) -> tuple[str, int]:
        """The text a new reply starts with (greeting and signature) and where to type."""
        if self.kind == "handover":
            return "Where I stopped:\n- checked: \n- told the customer: \n- next step: \n", 1
        if self.kind != "reply":
            return "", 0
        me = self.desk_app.me
        first = one_line(self.ticket.customer.name, 60).split(" ")[0]
        opening = greeting(self.ticket.customer.language, first)
        signature = (me.signature or me.display_name) if me else ""
        return f"{opening}\n\n\n\n{signature}\n", 2

    def resume_location(self, text: str) -> tuple[int, int]:
        """Where typing goes on in a draft that comes back: after the last words written,
        above the signature of a reply (the cursor's place is not stored with the draft)."""
        end = len(text.rstrip())
        me = self.desk_app.me
        signature = ((me.signature or me.display_name) if me else "").strip()
        if self.kind == "reply" and signature and text[:end].endswith(signature):
            end = len(text[: end - len(signature)].rstrip())
        return _location(text, end)

    def untouched(self, text: str) -> bool:
        """True when the text is still what a new reply or hand-over note starts with (give
        or take blank lines). A reply carrying a file may well say no more than that."""
        if self.review is not None or self.kind not in ("reply", "handover"):
            return False
        if self.attachments:
            return False
        return text.split() == self.starting_text()[0].split()

    def answering_text(self, message: MessageInfo) -> Text:
        """The customer's words being answered: plain text (customer text is never markup),
        control characters out, quoted history and signature folded, the first lines."""
        zone = self.desk_app.team.zone
        who = one_line(message.sender_name or message.sender_address or "The customer", 60)
        when = message.created_at.astimezone(zone).strftime("%a %d %b %H:%M")
        lines = split_quoted(strip_controls(message.text)).body.strip().splitlines()
        shown = "\n".join(line[:500] for line in lines[:ANSWERING_LINES])
        more = len(lines) - ANSWERING_LINES
        return Text.assemble(
            Text(f"{who} wrote, {when}:", style="bold"),
            "\n",
            Text(shown),
            Text(f"\n… {more} more lines on the ticket", style="dim italic") if more > 0 else "",
        )

    def set_info(self, text: str, style: str = "dim") -> None:
        self._info_style = style
        self.query_one("#compose-info", Static).update(Text(text, style=style))

    def note_saved(self) -> None:
        # Routine news never hides a warning (a refusal, placeholders still to fill in).
        if getattr(self, "_info_style", "dim") == "dim":
            self.set_info("Draft saved.")

    # -- @mentions --------------------------------------------------------------------------

    def offer_completion(self) -> None:
        area = self.query_one(TextArea)
        row, column = area.cursor_location
        before = area.document.get_line(row)[:column]
        match = MENTION_PREFIX.search(before)
        self._completion = None
        if match is None:
            return
        prefix = match.group(1).casefold()
        colleagues = [
            a
            for a in self.desk_app.agents
            if a.active and a.name.casefold().startswith(prefix) and a.name.casefold() != prefix
        ]
        if not colleagues:
            if prefix:
                self.set_info("no colleague by that name", "yellow")
            return
        first = colleagues[0]
        self._completion = (first.name[len(prefix) :], first.name)
        others = ", ".join(f"@{a.name}" for a in colleagues[1:4])
        self.set_info(
            f"tab → @{first.name} ({one_line(first.display_name, 30)})"
            + (f"   also {others}" if others else "")
        )

    def action_complete(self) -> None:
        if self._completion is None:
            self.focus_next()
            return
        rest, name = self._completion
        self.query_one(TextArea).insert(rest + " ")
        self._completion = None
        self.set_info(f"@{name} will see this note under Mentions.")

    # -- saving -----------------------------------------------------------------------------

    @on(TextArea.Changed)
    def typed(self) -> None:
        if not self._loaded:
            return
        if self.kind != "reply":
            self.offer_completion()
        else:
            self.offer_templates()
            self.show_placeholders()
        if self.review is not None:
            return  # a mentor's edit is no draft of theirs: it is sent or left
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(SAVE_AFTER_SECONDS, self.save_in_background)

    def save_in_background(self) -> None:
        text = self.query_one(TextArea).text
        if text != self._saved_text:
            self._save(text)

    def _local_drafts(self) -> LocalDrafts:
        return self.desk_app.local_drafts  # type: ignore[no-any-return]

    def _store_draft(self, text: str) -> str | None:
        """Into the database, else onto this machine's disk. None when the draft is safe in
        the database; a sentence when it is kept locally; raises DraftNotSaved when neither
        took it."""
        local = self._local_drafts()
        try:
            with self._desk_lock:
                if self._sent:
                    return None
                self.desk_app.desk.save_draft(
                    self.ticket.number, self.draft_kind, text, base_version=self.base_version
                )
        except (DeskError, StoreError) as exc:
            try:
                local.save(self.ticket.number, self.draft_kind, text, self.base_version)
            except OSError as disk:
                raise DraftNotSaved(
                    f"Draft not saved: {exc}; nor on this machine: {disk}"
                ) from None
            return f"Draft kept on this machine ({exc})."
        local.remove(self.ticket.number, self.draft_kind)
        return None

    @work(thread=True, group="compose-save")
    def _save(self, text: str, quiet: bool = False) -> None:
        try:
            kept_locally = self._store_draft(text)
        except DraftNotSaved as failure:
            self.app.call_from_thread(self.set_info, str(failure), "bold red")
            return
        self._saved_text = text
        if kept_locally:
            self.app.call_from_thread(self.set_info, kept_locally, "yellow")
        elif not quiet:
            self.app.call_from_thread(self.note_saved)

    def save_now(self) -> bool:
        """Save synchronously (closing the screen): returns whether the draft is safe."""
        text = self.query_one(TextArea).text
        if not self._loaded or text == self._saved_text:
            return True
        try:
            kept_locally = self._store_draft(text)
        except DraftNotSaved as failure:
            self.notify(str(failure), severity="error", markup=False)
            return False
        if kept_locally:
            self.notify(kept_locally, severity="warning", markup=False)
        self._saved_text = text
        return True

    async def save_before_quit(self) -> None:
        """The console is closing: keep what was typed since the last save (a mentor's edit
        of a trainee's reply is no draft, as on esc)."""
        if self.review is not None:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        # Keys that came in one burst with the quit (a paste, a slow SSH link) may still wait
        # in the text area's queue: a callback queued behind them runs once they are typed.
        typed = asyncio.Event()
        if self.query_one(TextArea).call_later(typed.set):
            await typed.wait()
        self.save_now()

    # -- actions ----------------------------------------------------------------------------

    def action_close(self) -> None:
        if self.review is not None:
            self.app.pop_screen()
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        if self.save_now():
            self.app.pop_screen()

    def action_discard(self) -> None:
        if self.review is not None:
            self.app.pop_screen()
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk_app.desk.discard_draft(self.ticket.number, self.draft_kind)
            except (DeskError, StoreError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._local_drafts().remove(self.ticket.number, self.draft_kind)
            self._saved_text = self.query_one(TextArea).text
            self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal("Discard this draft?", "The text you typed will be gone.", yes="Discard"),
            answered,
        )

    def action_send(self, force: bool = False, override_checks: bool = False) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.set_info("Nothing to send yet.", "bold yellow")
            return
        if self.untouched(text):
            # One stray ctrl+s would otherwise send the customer a bare greeting and sign-off
            # (and stop their SLA clock), or file an empty hand-over note.
            self.set_info("Nothing written yet: only the pre-filled text is here.", "bold yellow")
            return
        if self.kind == "reply" and unfilled(text):
            # Saved now and quietly: a save pending from the last keystroke would otherwise
            # land after this and put "Draft saved." where the refusal is.
            if self._save_timer is not None:
                self._save_timer.stop()
            if self.review is None and text != self._saved_text:
                self._save(text, quiet=True)
            # The Desk refuses it too; saying so here also shows where.
            self.show_placeholders()
            self.query_one(ReplyArea).select_next_placeholder()
            self.set_info(
                "Not sent: fill in the highlighted placeholders first (F3 jumps to the next).",
                "bold red",
            )
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        after = None
        if self.kind == "reply" and self.review is None:
            after = str(self.query_one("#after", Select).value)
        self.set_info("Sending…")
        self._send(text, after, None if force else self.base_version, override_checks)

    @work(thread=True, exclusive=True, group="compose-send")
    def _send(
        self, text: str, after: str | None, since: int | None, override_checks: bool = False
    ) -> None:
        desk = self.desk_app.desk
        try:
            with self._desk_lock:
                if self.review is not None:
                    desk.approve_reply(
                        self.review.message_id,
                        body=text,
                        expected_version=self.review.ticket_version,
                        override_checks=override_checks,
                    )
                elif self.kind == "reply":
                    desk.queue_reply(
                        self.ticket.number,
                        text,
                        status_after=after,
                        conversation_since=since,
                        category_after=self._category_after,
                        override_checks=override_checks,
                        attachments=list(self.attachments),
                    )
                else:
                    desk.add_note(
                        self.ticket.number,
                        text,
                        kind="handover" if self.kind == "handover" else "note",
                    )
                self._sent = True
        except ConversationMoved as moved:
            self.post_message(SendFinished(str(moved), moved))
            return
        except ReplyRefused as refused:
            self.post_message(SendFinished(str(refused), refused=refused))
            return
        except (DeskError, StoreError) as exc:
            self.post_message(SendFinished(str(exc)))
            return
        self.post_message(SendFinished(None))

    def on_send_finished(self, message: SendFinished) -> None:
        if message.moved is not None:
            self.ask_after_conversation_moved(message.moved)
            return
        if message.refused is not None:
            self.show_check_findings(message.refused)
            return
        if message.error:
            self.set_info(message.error, "bold red")
            self.notify(message.error, severity="error", timeout=8, markup=False)
            return
        self._saved_text = self.query_one(TextArea).text
        if self.review is None:
            self._local_drafts().remove(self.ticket.number, self.draft_kind)
        if self.kind == "reply":
            if self.review is not None:
                self.notify(
                    f"#{self.ticket.number}: {self.review.trainee_display}'s reply approved "
                    "with your edits; it is being sent.",
                    markup=False,
                )
            else:
                self.notify(f"Reply to #{self.ticket.number} queued for sending.", markup=False)
            # Back to the queue at once: the next customer is waiting.
            from supportdesk.screens.queue import QueueScreen

            stack = self.app.screen_stack
            home = next(
                (i for i in range(len(stack) - 1, -1, -1) if isinstance(stack[i], QueueScreen)), 0
            )
            for _ in range(len(stack) - 1 - home):
                self.app.pop_screen()
        else:
            self.notify("Note added.")
            self.app.pop_screen()

    def action_attach(self) -> None:
        if self.kind != "reply":
            self.set_info("Notes carry no files; attach them to a reply.", "yellow")
            return

        def chosen(value: str | None) -> None:
            if not value:
                return
            path = Path(value).expanduser()
            if not path.is_file():
                self.set_info(f"Not attached: there is no file {one_line(str(path), 120)}", "red")
                return
            self.attachments.append(path)
            names = ", ".join(one_line(p.name, 60) for p in self.attachments)
            self.set_info(f"Attached: {names}")

        self.app.push_screen(
            PromptModal(
                "Attach which file?",
                value=str(Path.home()) + "/",
                required=True,
                explanation="The path of a file on this computer, up to 20 MB.",
            ),
            chosen,
        )

    def show_check_findings(self, refused: ReplyRefused) -> None:
        """The reply checker stopped the reply: select what it found, say why, and let an
        agent (not a trainee) send anyway."""
        findings = refused.check.findings
        errors = refused.check.errors
        first = (errors or findings)[0] if findings else None
        area = self.query_one(TextArea)
        if first is not None and first.spans:
            start, end = first.spans[0]
            area.selection = Selection(_location(area.text, start), _location(area.text, end))
            area.focus()
        lines = [
            f"{f.line}:{f.column} {'error' if f.severity == 'error' else 'warning'}: "
            f"«{one_line(f.excerpt, 60)}» — {one_line(f.message, 200)}"
            for f in findings
        ]
        summary = "\n".join(lines[:6]) + (
            f"\n… and {len(lines) - 6} more" if len(lines) > 6 else ""
        )
        self.set_info(f"Not sent — the reply checker found:\n{summary}", "bold red")
        me = self.desk_app.me
        today = self.desk_app.now().astimezone(self.desk_app.team.zone).date()
        graduated = me is not None and me.sends_directly_from is not None
        if (
            me is not None
            and me.role == "trainee"
            and not (graduated and today >= me.sends_directly_from)
        ):
            return  # a trainee fixes the reply; there is no sending past an error

        def answered(send_anyway: bool | None) -> None:
            if send_anyway:
                self.action_send(force=False, override_checks=True)

        self.app.push_screen(
            ConfirmModal(
                "The reply checker found problems",
                summary,
                yes="Send anyway",
                no="Fix it",
            ),
            answered,
        )

    def ask_after_conversation_moved(self, moved: ConversationMoved) -> None:
        def answered(send_anyway: bool | None) -> None:
            if send_anyway:
                self.action_send(force=True)
            else:
                # The agent has now seen what changed; a later send compares with this.
                latest = [e.data.get("version") for e in moved.changes if e.data.get("version")]
                if latest:
                    self.base_version = max(int(v) for v in latest)  # type: ignore[call-overload]
                self.set_info("Not sent. Read the new messages (esc keeps your draft).", "yellow")

        self.app.push_screen(
            ConfirmModal(
                "The conversation moved on",
                str(moved),
                yes="Send anyway",
                no="Don't send yet",
            ),
            answered,
        )

    # -- templates and the knowledge base ---------------------------------------------------

    @work(thread=True, exclusive=True, group="compose-templates")
    def load_templates(self) -> None:
        library = getattr(self.desk_app, "templates", None)
        if library is None:
            self.post_message(TemplatesLoaded(None, {}, "no templates are set up"))
            return
        try:
            loaded = library.load()
            links = self.desk_app.desk.kb_links()
        except (DeskError, StoreError) as exc:
            self.post_message(TemplatesLoaded(None, {}, str(exc)))
            return
        self.post_message(TemplatesLoaded(loaded, links, None))

    def on_templates_loaded(self, message: TemplatesLoaded) -> None:
        if message.error:
            self.set_info(f"Templates not available: {message.error}", "yellow")
            return
        self._templates = message.loaded
        self._kb_links = message.links

    def offer_templates(self) -> None:
        """Typing ';' at the start of a word opens the picker; what follows searches it."""
        if self._picker_open:
            return
        area = self.query_one(ReplyArea)
        row, column = area.cursor_location
        before = area.document.get_line(row)[:column]
        match = SHORTCUT_TRIGGER.search(before)
        if match is None:
            return
        # Keys typed fast may already be in the text: they become the picker's query.
        typed = match.group(1)
        trigger = (row, column - len(typed))
        if trigger != self._declined:
            self.action_template(trigger=trigger, query=typed[1:])

    def show_placeholders(self) -> None:
        left = unfilled(self.query_one(ReplyArea).text)
        if left:
            names = ", ".join("{{ " + n + " }}" for n in list(dict.fromkeys(left))[:3])
            self.set_info(f"{len(left)} to fill in before sending: {names} — F3 jumps", "yellow")

    def action_next_placeholder(self) -> None:
        if not self.query_one(ReplyArea).select_next_placeholder():
            self.set_info("No placeholder left to fill in.")

    def action_template(self, trigger: tuple[int, int] | None = None, query: str = "") -> None:
        if self.kind != "reply":
            self.set_info("Templates are for replies to the customer.")
            return
        if self._templates is None:
            self.set_info("Templates are still loading…", "yellow")
            self.load_templates()
            return
        context = ticket_context(self.ticket, self.desk_app.me, self._kb_links)
        self._picker_open = True

        def chosen(choice: TemplateChoice | None) -> None:
            self._picker_open = False
            if choice is None and trigger is not None:
                self._declined = trigger
                # What was typed into the picker stays typed (';-)' is not a template).
                typed = picker.query_one("#template-query", Input).value
                area = self.query_one(ReplyArea)
                row, column = area.cursor_location
                before = area.document.get_line(row)[:column]
                if typed and not before.endswith(typed):
                    area.insert(typed)
            self.insert_template(choice, trigger)

        picker = TemplatePicker(
            self._templates.templates,
            context,
            language=self.ticket.customer.language,
            query=query,
            problems=[str(e) for e in self._templates.errors],
        )
        self.app.push_screen(picker, chosen)

    def insert_template(
        self, choice: TemplateChoice | None, trigger: tuple[int, int] | None
    ) -> None:
        area = self.query_one(ReplyArea)
        if trigger is not None and choice is not None:
            # Take back the ';shortcut' typed into the reply: from the ';' to the cursor.
            row, column = trigger
            cursor_row, cursor_column = area.cursor_location
            typed = area.document.get_line(row)[column:cursor_column]
            if cursor_row == row and SHORTCUT_TYPED.fullmatch(typed):
                area.delete((row, column), (row, cursor_column))
                area.cursor_location = (row, column)
        if choice is None:
            area.focus()
            return
        text = choice.rendered.text.strip("\n")
        if self._starting_text is not None and area.text == self._starting_text:
            # Nothing typed yet: the template brings its own greeting and sign-off.
            area.load_text(text + "\n")
            area.cursor_location = (min(2, area.document.line_count - 1), 0)
        else:
            area.insert(text)
        self._starting_text = None
        template = choice.template
        if template.set_status:
            self.query_one("#after", Select).value = template.set_status
        self._category_after = template.category
        for warning in choice.rendered.warnings:
            self.notify(warning, severity="warning", timeout=8, markup=False)
        area.focus()
        if choice.rendered.unfilled:
            area.select_next_placeholder()
            self.show_placeholders()
        else:
            self.set_info(f"Template “{one_line(template.name, 50)}” inserted.")
        self._record_use(template)

    @work(thread=True, group="compose-templates-use")
    def _record_use(self, template: TemplateDef) -> None:
        try:
            self.desk_app.desk.record_template_use(template.key)
        except (DeskError, StoreError):
            return  # a lost count is no reason to bother the agent
        self.load_templates()

    def insert_kb(self, insert: KbInsert) -> None:
        """Put a knowledge-base link or text at the cursor; an internal article needs a yes."""
        if self.kind == "reply" and insert.article.internal:

            def answered(yes: bool | None) -> None:
                if yes:
                    self._insert_kb_text(insert)

            self.app.push_screen(
                ConfirmModal(
                    "Internal article",
                    f"“{insert.article.title}” is for the team only (pricing rules, processes). "
                    "Put it into a reply the customer will read?",
                    yes="Insert anyway",
                    no="Don't insert",
                ),
                answered,
            )
            return
        self._insert_kb_text(insert)

    def _insert_kb_text(self, insert: KbInsert) -> None:
        area = self.query_one(ReplyArea)
        area.insert(insert.text())
        area.focus()
        self.set_info(f"Inserted {insert.what} of “{one_line(insert.article.title, 50)}”.")


def _location(text: str, offset: int) -> tuple[int, int]:
    """A character offset as the TextArea's (row, column)."""
    before = text[:offset]
    row = before.count("\n")
    return row, offset - (before.rfind("\n") + 1)
