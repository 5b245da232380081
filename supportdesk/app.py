"""SupportDeskApp: thin. Screens live in their own modules; the App holds the Desk, who I am,
the team's settings, and the change feed that tells every screen what changed."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from supportdesk import launch
from supportdesk.localdrafts import LocalDrafts
from supportdesk.screens.actions import WRITE_ACTIONS, TicketActions
from supportdesk.screens.compose import ComposeScreen
from supportdesk.screens.escalation import EscalationForm
from supportdesk.screens.help import HelpScreen
from supportdesk.screens.kb import ArticleEditor, ArticleScreen, KbInsert, KbSearchScreen
from supportdesk.screens.queue import QueueScreen
from supportdesk.screens.review import ReviewPanel, reviews_for
from supportdesk.screens.supervisor import DrillScreen, SupervisorScreen
from supportdesk.screens.ticket import TicketScreen
from supportdesk.store.changes import LISTEN_WAIT_SECONDS, ChangeFeed, ChangeListener
from supportdesk.store.db import StoreError
from supportdesk.store.desk import Desk, DeskError
from supportdesk.store.dto import AgentInfo, Changes, ChannelHealth
from supportdesk.store.libraryfiles import TemplateLibrary
from supportdesk.store.teamsettings import TeamSettings


class ChannelRunner(Protocol):
    """What the console needs of the channel runner (channels/runner.py)."""

    def start(self) -> Sequence[str]: ...

    def stop(self) -> None: ...


# Retry the change feed this often (seconds) after the database stopped answering.
FEED_RETRY = (1, 2, 5, 10, 30)


class TicketsChanged(Message):
    """Tickets changed in the database (here or on another machine)."""

    def __init__(self, numbers: frozenset[int], kinds: frozenset[str]) -> None:
        super().__init__()
        self.numbers = numbers
        self.kinds = kinds


class _FeedResult(Message):
    def __init__(self, changes: Changes | None, error: str | None) -> None:
        super().__init__()
        self.changes = changes
        self.error = error


class _ChangesNotified(Message):
    """PostgreSQL said something changed (sent by the LISTEN thread)."""


class SupportDeskApp(App[None]):
    """Two modes: `queue` (the agent's console) and `supervisor` (the read-only dashboard). A
    lead switches between them with F2; `supportdesk supervisor` runs the dashboard alone."""

    CSS_PATH = "app.tcss"
    TITLE = "supportdesk"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit supportdesk"),
        Binding("question_mark,f1", "help", "Help", id="app.help", tooltip="Every key, per screen"),
        Binding(
            "ctrl+k",
            "knowledge_base",
            "Knowledge base",
            id="app.kb",
            priority=True,
            tooltip="Search the knowledge base (in a reply: insert a link or the text)",
        ),
        Binding(
            "f2",
            "supervisor",
            "Supervisor",
            id="app.supervisor",
            tooltip="Leads: the read-only supervisor dashboard, and back to the queue",
        ),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        me: AgentInfo | None,
        team: TeamSettings,
        agents: Sequence[AgentInfo] = (),
        keymap: Mapping[str, str] | None = None,
        theme: str | None = None,
        feed_seconds: float = 1.0,
        channels: Sequence[str] = (),
        runner: ChannelRunner | None = None,
        supervisor: bool = False,
        open_readonly: Callable[[], Desk] | None = None,
        period: str = "7d",
        local_drafts: LocalDrafts | None = None,
        templates: TemplateLibrary | None = None,
    ) -> None:
        """`supervisor`: the dashboard alone (the Desk must be read-only). `open_readonly`
        opens a read-only Desk on the same database, for a lead's supervisor mode."""
        super().__init__()
        self.templates = templates
        if supervisor and not desk.readonly:
            raise ValueError("the supervisor console needs a read-only Desk")
        self.desk = desk
        self.supervisor_only = supervisor
        self._open_readonly = open_readonly
        self._readonly_desk: Desk | None = desk if desk.readonly else None
        self._readonly_lock = threading.Lock()
        self.period = period
        # Where drafts go while the database cannot be reached (a temporary folder in tests
        # and one-off consoles that were given none).
        self.local_drafts = local_drafts or LocalDrafts(
            Path(tempfile.gettempdir()) / f"supportdesk-{os.getuid()}", desk.database.description
        )
        self.me = me
        self.team = team
        self.agents = list(agents)
        self.user_keymap = dict(keymap or {})
        self.wanted_theme = theme
        self.feed_seconds = feed_seconds
        self.channels = list(channels)
        self.runner = runner
        self.health: list[ChannelHealth] = []
        self.counts: dict[str, int] = {}
        self.feed = ChangeFeed(desk)
        self.feed_error: str | None = None
        self._feed_failures = 0
        # One poll at a time: a wake-up during a poll asks for another one right after it.
        self._feed_timer: Timer | None = None
        self._feed_in_flight = False
        self._feed_again = False
        self.listener = ChangeListener(desk)
        self._listen_stop = threading.Event()
        self._listener_thread: threading.Thread | None = None

    def on_mount(self) -> None:
        # Started from the command, the collector waited for the imports (see launch.py);
        # once the first screen is drawn, set-up is over.
        self.call_after_refresh(launch.started)
        if self.user_keymap:
            self.set_keymap(self.user_keymap)
        if self.wanted_theme:
            if self.wanted_theme in self.available_themes:
                self.theme = self.wanted_theme
            else:
                self.notify(
                    f"Unknown theme {self.wanted_theme!r} in the config; themes: "
                    + ", ".join(sorted(self.available_themes)),
                    severity="warning",
                    markup=False,
                )
        self.add_mode(
            "supervisor",
            lambda: SupervisorScreen(
                self.supervisor_desk, period=self.period, alone=self.supervisor_only
            ),
        )
        if self.supervisor_only:
            self.switch_mode("supervisor")
        else:
            self.add_mode("queue", QueueScreen)
            self.switch_mode("queue")
        self._feed_in_flight = True
        self.start_feed()
        if self.listener.available:
            self.listen_for_changes()
        if self.runner is not None:
            for problem in self.runner.start():
                self.notify(problem, severity="error", timeout=15, markup=False)

    def on_unmount(self) -> None:
        self.stop_listening()
        if self.runner is not None:
            self.runner.stop()
        readonly = self._readonly_desk
        if readonly is not None and readonly is not self.desk:
            readonly.database.dispose()

    # -- supervisor mode --------------------------------------------------------------------

    def supervisor_desk(self) -> Desk:
        """A Desk whose database session is read-only (opened on first use; called from
        worker threads)."""
        with self._readonly_lock:
            if self._readonly_desk is None:
                if self._open_readonly is None:
                    raise StoreError("no read-only session can be opened for this console")
                self._readonly_desk = self._open_readonly()
            return self._readonly_desk

    def may_supervise(self) -> bool:
        return self.supervisor_only or (
            self.me is not None and self.me.role == "lead" and self._open_readonly is not None
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "supervisor":
            # Alone, the dashboard is all there is; in the console only a lead has it.
            return not self.supervisor_only and self.may_supervise()
        if action == "knowledge_base":
            # The dashboard only looks: no articles to insert, write or edit from there.
            return self.current_mode != "supervisor"
        return True

    def action_supervisor(self) -> None:
        if self.supervisor_only or not self.may_supervise():
            return
        self.switch_mode("queue" if self.current_mode == "supervisor" else "supervisor")

    def now(self) -> datetime:
        return self.desk.clock.now()

    # -- the change feed --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="feed")
    def start_feed(self) -> None:
        try:
            self.feed.start()
        except (DeskError, StoreError) as exc:
            self.post_message(_FeedResult(None, str(exc)))
            return
        self.post_message(_FeedResult(None, None))

    def listen_for_changes(self) -> None:
        """A plain daemon thread, not a worker: it runs as long as the console does, and
        waiting for workers to finish must not wait for it."""

        def wake() -> None:
            # Posted, not called from the thread: call_from_thread would wait for the
            # console, and a console closing waits for this thread.
            if not self._listen_stop.is_set():
                with contextlib.suppress(RuntimeError):  # the console's loop closed meanwhile
                    self.post_message(_ChangesNotified())

        self._listener_thread = threading.Thread(
            target=self.listener.run,
            args=(wake, self._listen_stop.is_set),
            name="change-listener",
            daemon=True,
        )
        self._listener_thread.start()

    def stop_listening(self) -> None:
        """Stop the LISTEN thread and wait for it to close its connection: left running, it
        outlives the console holding a connection its database may be dropped under."""
        self._listen_stop.set()
        thread, self._listener_thread = self._listener_thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=LISTEN_WAIT_SECONDS + 2.0)

    def on__changes_notified(self, _message: _ChangesNotified) -> None:
        self.wake_feed()

    def wake_feed(self) -> None:
        """Something changed (PostgreSQL told us): read the feed now, not at the next tick."""
        if self._feed_in_flight:
            self._feed_again = True
            return
        if self._feed_timer is not None:
            self._feed_timer.stop()
        self._next_feed_poll()

    def _next_feed_poll(self) -> None:
        self._feed_in_flight = True
        self.poll_feed()

    @work(thread=True, exclusive=True, group="feed")
    def poll_feed(self) -> None:
        try:
            changes = self.feed.poll()
            if self.channels:
                self.health = self.desk.channel_health()
        except (DeskError, StoreError) as exc:
            self.post_message(_FeedResult(None, str(exc)))
            return
        self.post_message(_FeedResult(changes, None))

    def on__feed_result(self, message: _FeedResult) -> None:
        self._feed_in_flight = False
        delay = self.feed_seconds
        if message.error is not None:
            self._feed_failures += 1
            delay = FEED_RETRY[min(self._feed_failures, len(FEED_RETRY)) - 1]
            if self.feed_error != message.error:
                self.notify(
                    f"{message.error}. Retrying; your drafts are kept.",
                    severity="error",
                    timeout=10,
                    markup=False,
                )
            self.feed_error = message.error
        else:
            if self.feed_error is not None:
                self.notify("The database answers again.", markup=False)
            self.feed_error = None
            self._feed_failures = 0
            changes = message.changes
            if changes is not None and not changes.empty:
                self.tell_news(changes)
                for screen in self.screen_stack:
                    screen.post_message(TicketsChanged(changes.ticket_numbers, changes.kinds))
        if self._feed_again and message.error is None:
            self._feed_again = False
            delay = 0.01  # at once (Textual's timers need a positive interval)
        # One timer re-armed after each poll: polls never overlap.
        self._feed_timer = self.set_timer(delay, self._next_feed_poll)

    def note_counts(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)

    def tell_news(self, changes: Changes) -> None:
        """A colleague gave me a ticket or mentioned me in a note: say so, read from the
        events themselves. What I did myself, here or on another machine, is no news. (A
        growing count of Mine or Mentions told neither reliably: I solve one as a lead gives
        me one; a second mention on a ticket already under Mentions.)"""
        if self.me is None:
            return
        me = self.me
        names = {agent.id: agent.display_name for agent in self.agents}

        def by(agent_id: int | None) -> str:
            return names.get(agent_id or -1, "a colleague")

        for assignment in changes.assignments:
            if assignment.to == me.name and assignment.by_agent_id != me.id:
                self.notify(
                    f"#{assignment.ticket_number} was assigned to you by "
                    f"{by(assignment.by_agent_id)} (Mine view).",
                    markup=False,
                )
        for mention in changes.mentions:
            if me.name in mention.names and mention.by_agent_id != me.id:
                self.notify(
                    f"{by(mention.by_agent_id)} mentioned you in a note on "
                    f"#{mention.ticket_number} (Mentions view).",
                    markup=False,
                )

    def channel_status(self) -> str:
        if self.feed_error:
            return "database unreachable — retrying"
        if not self.channels:
            return "no channels configured"
        troubled = [h for h in self.health if h.last_error]
        if troubled:
            first = troubled[0]
            retry = (
                f", retry {first.next_retry_at.astimezone(self.team.zone):%H:%M}"
                if first.next_retry_at
                else ""
            )
            # Channel errors often name their account already ("telegram bot: …").
            said = first.last_error or ""
            if not said.split(":", 1)[0].split().count(first.account):
                said = f"{first.account}: {said}"
            more = f" (+{len(troubled) - 1} more)" if len(troubled) > 1 else ""
            return f"{said}{retry}{more}"
        seen = [h.last_success_at for h in self.health if h.last_success_at]
        if seen:
            ago = max(0, int((self.now() - max(seen)).total_seconds()))
            when = f"{ago}s ago" if ago < 120 else f"{ago // 60}m ago"
            return f"{', '.join(self.channels)} · checked {when}"
        return "channels: " + ", ".join(self.channels)

    # -- the knowledge base ----------------------------------------------------------------

    def action_knowledge_base(self, query: str = "") -> None:
        screen = self.screen
        if isinstance(screen, KbSearchScreen):
            return
        compose = screen if isinstance(screen, ComposeScreen) else None
        language = None
        if compose is not None and compose.kind == "reply":
            language = compose.ticket.customer.language

        def chosen(insert: KbInsert | None) -> None:
            if insert is not None and compose is not None:
                compose.insert_kb(insert)

        self.push_screen(
            KbSearchScreen(for_reply=compose is not None, language=language, query=query),
            chosen,
        )

    # -- commands ---------------------------------------------------------------------------

    async def action_quit(self) -> None:
        # A reply is saved after a pause in typing; quitting inside that pause would lose
        # the last words, so an open editor saves now (as esc does).
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                await screen.save_before_quit()
        await super().action_quit()

    def action_help(self) -> None:
        screen = self.screen
        palette = Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            id="app.palette",
            tooltip="Command palette: every action by name",
        )
        screens: tuple[tuple[str, type[Screen]], ...] = (
            ("Queue", QueueScreen),
            ("Ticket", TicketScreen),
            ("Compose", ComposeScreen),
            ("Knowledge base", KbSearchScreen),
            ("Article", ArticleScreen),
            ("Article editor", ArticleEditor),
            ("Escalation form", EscalationForm),
        )
        if self.current_mode == "supervisor":
            screens = (
                ("Supervisor", SupervisorScreen),
                ("Tickets behind a number", DrillScreen),
                ("Ticket (read-only)", TicketScreen),
                ("Knowledge base", KbSearchScreen),
                ("Article", ArticleScreen),
            )
        elif self.may_supervise():
            screens = (*screens, ("Supervisor (F2)", SupervisorScreen))
        if self.current_mode != "supervisor" and reviews_for(self.me, self.agents):
            screens = (screens[0], ("Review tab", ReviewPanel), *screens[1:])  # type: ignore[assignment]
        sections: list[tuple[str, Sequence[Binding]]] = [
            (
                title,
                [
                    b
                    for b in cls.BINDINGS
                    if isinstance(b, Binding)
                    and not (
                        self.current_mode == "supervisor"
                        and cls is TicketScreen
                        and b.action in WRITE_ACTIONS
                    )
                ],
            )
            for title, cls in screens
        ]
        everywhere = [
            b
            for b in self.BINDINGS
            if isinstance(b, Binding) and self.check_action(b.action, ()) is not False
        ]
        sections.append(("Everywhere", [*everywhere, palette]))
        if not isinstance(screen, HelpScreen):
            self.push_screen(HelpScreen(sections, self.user_keymap))

    def _incident_commands(self, screen: QueueScreen) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Incident: declare",
            "Declare an outage many customers write about (I); links the marked tickets",
            screen.action_declare,
        )
        yield SystemCommand(
            "Incident: link tickets",
            "Link the marked tickets (or the highlighted one) to an incident (L)",
            screen.action_link,
        )
        for name, help_text, method in (
            ("answer all", "Answer every linked ticket at once", screen.incident_reply),
            (
                "resolve",
                "Resolve: tell every linked ticket, optionally solve",
                screen.resolve_incident,
            ),
            ("update message", "A new title or status message", screen.update_incident),
        ):
            yield SystemCommand(
                f"Incident: {name}",
                help_text,
                lambda name=name, method=method: screen.choose_incident(
                    f"Incident: {name}", method
                ),
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, SupervisorScreen):
            for kind, title in (
                ("today", "today"),
                ("7d", "the last 7 days"),
                ("30d", "the last 30 days"),
            ):
                yield SystemCommand(
                    f"Period: {title}",
                    f"The figures of {title}",
                    lambda kind=kind: screen.action_period(kind),
                )
            yield SystemCommand(
                "Period: custom", "The figures of chosen days", screen.action_custom_period
            )
            yield SystemCommand("Refresh", "Load the dashboard again", screen.action_refresh)
        if self.may_supervise() and not self.supervisor_only:
            yield SystemCommand(
                "Supervisor" if self.current_mode != "supervisor" else "Queue",
                "Switch between the queue and the read-only supervisor dashboard",
                self.action_supervisor,
            )
        if isinstance(screen, TicketActions) and screen.readonly:
            yield SystemCommand("Keys", "Every key, per screen", self.action_help)
            return
        if isinstance(screen, QueueScreen):
            yield SystemCommand(
                "Take next",
                "Take and open the most urgent unassigned ticket",
                screen.action_take_next,
            )
            yield SystemCommand("Filter", "Filter the queue as you type", screen.action_filter)
            yield SystemCommand(
                "Go to ticket",
                "Open any ticket by its number, solved and closed ones too (g)",
                screen.action_goto,
            )
            if self.me is not None and self.me.role == "lead":
                from supportdesk.screens import review

                yield SystemCommand(
                    "Graduate trainee",
                    "Let a trainee send replies without review from a chosen day",
                    lambda: review.graduate(screen),
                )
            yield from self._incident_commands(screen)
        if isinstance(screen, QueueScreen | TicketScreen):
            for name, help_text in (
                ("reply", "Reply to the customer"),
                ("note", "Add an internal note"),
                ("status", "Change the status"),
                ("priority", "Change the priority"),
                ("category", "Change the category"),
                ("tags", "Add or remove tags"),
                ("assign", "Assign to a colleague"),
                ("take", "Assign the ticket to yourself"),
            ):
                yield SystemCommand(name.capitalize(), help_text, getattr(screen, f"action_{name}"))
        if self.current_mode == "supervisor":
            yield SystemCommand("Keys", "Every key, per screen", self.action_help)
            return
        yield SystemCommand(
            "Knowledge base", "Search the knowledge base (ctrl+k)", self.action_knowledge_base
        )
        if not isinstance(screen, ArticleEditor):
            yield SystemCommand(
                "New article",
                "Write a knowledge-base article",
                lambda: self.push_screen(ArticleEditor(None)),
            )
        if isinstance(screen, ComposeScreen) and screen.kind == "reply":
            yield SystemCommand("Template", "Insert a template (ctrl+t)", screen.action_template)
        if isinstance(screen, TicketScreen) and screen.reviewable() is not None:
            yield SystemCommand(
                "Review reply",
                "Approve, edit then approve, or return the trainee's reply (v)",
                screen.action_review,
            )
        if isinstance(screen, TicketScreen):
            yield SystemCommand(
                "Similar tickets",
                "Solved tickets like this one and how they were answered",
                screen.action_similar,
            )
            yield SystemCommand(
                "Article from reply",
                "Make a sent reply a draft knowledge-base article",
                screen.action_article_from_reply,
            )
        yield SystemCommand("Keys", "Every key, per screen", self.action_help)
