"""The supervisor's dashboard: are we on time, who is overloaded, when do we need more people.

Read-only: it is given a Desk whose database session cannot write (SQLite `mode=ro`,
PostgreSQL `default_transaction_read_only`), and it has no key that would try.

Two loads feed it, each in a thread worker that never overlaps itself: the queue now (cheap,
after every change the change feed reports) and the figures of the chosen period (heavier, at
most every few seconds). Any number can be selected (`enter`) to list the tickets behind it,
and any of those opened, read-only.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Static

from supportdesk.core.metrics import NOBODY, Figures, Heatmap, PeriodKind, Trend
from supportdesk.core.plaintext import one_line
from supportdesk.core.sla import format_duration
from supportdesk.screens.modals import PromptModal
from supportdesk.store.desk import Desk, DeskError, StoreError
from supportdesk.store.dto import HealthRow, QueueHealth, QueuePage, TeamReport, TicketSummary
from supportdesk.store.escalationdto import EscalationStats
from supportdesk.store.reviewdto import ReviewStats
from supportdesk.widgets.cellgrid import CellGrid, GridColumn
from supportdesk.widgets.escalation_stats import escalation_table
from supportdesk.widgets.footer import KeyFooter
from supportdesk.widgets.heatmap import VIEW_TITLES, VIEWS, WEEKDAY_NAMES, HeatmapTable
from supportdesk.widgets.sla_badge import sla_text

if TYPE_CHECKING:
    from supportdesk.app import SupportDeskApp

# Period figures are recomputed at most this often (seconds) however busy the feed is.
REPORT_MIN_INTERVAL = 10.0
# Time moves clocks without any event (at risk, breached): look again this often.
IDLE_REFRESH = 30.0
WIDE = 120

# (key, title, width, narrow title, narrow width)
QUEUE_COLUMNS = (
    ("group", "", 10, "", 8),
    ("open", "Open", 5, "Open", 4),
    ("unassigned", "Unassigned", 10, "Unasg", 5),
    ("pending", "Pending", 7, "Pend", 4),
    ("at_risk", "At risk", 7, "Risk", 4),
    ("breached", "Breached", 8, "Brch", 4),
    ("due_15", "≤15m", 5, "≤15m", 4),
    ("due_60", "≤60m", 5, "≤60m", 4),
    ("waiting", "Oldest waiting", 15, "Oldest", 13),
)
QUEUE_TITLES = {
    "open": "Open",
    "unassigned": "Unassigned",
    "pending": "Pending or on hold",
    "at_risk": "At risk",
    "breached": "Breached",
    "due_15": "Will breach within 15 business minutes",
    "due_60": "Will breach within 60 business minutes",
    "waiting": "Waiting for our answer",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    width: int
    # On terminals narrower than WIDE: a shorter title and width, or left out.
    short: str
    narrow: int
    wide_only: bool = False
    # Which ticket list of the row's figures a cell drills into.
    drill: str | None = None


AGENT_COLUMNS = (
    Column("agent", "Agent", 24, "Agent", 14),
    Column("answered", "Answered", 8, "Answ", 5, drill="answered"),
    Column("solved", "Solved", 6, "Solv", 5, drill="solved"),
    Column("first", "1st resp", 8, "1st", 7, drill="first_response"),
    Column("first_p90", "1st p90", 8, "", 0, wide_only=True, drill="first_response"),
    Column("next", "Next resp", 9, "Next", 7, drill="next_response"),
    Column("next_p90", "Next p90", 8, "", 0, wide_only=True, drill="next_response"),
    Column("sla", "SLA", 5, "SLA", 4, drill="sla_missed"),
    Column("csat", "CSAT", 5, "CSAT", 4, drill="ratings"),
    Column("negative", "Neg", 4, "", 0, wide_only=True, drill="negative"),
    Column("backlog", "Open", 5, "Open", 4, drill="backlog"),
    Column("claimed", "Now", 4, "Now", 3, drill="claimed"),
)
DRILL_TITLES = {
    "answered": "answered",
    "solved": "solved",
    "first_response": "first responses",
    "next_response": "next responses",
    "sla_missed": "SLA missed",
    "ratings": "rated",
    "negative": "rated 1-2",
    "backlog": "open, assigned now",
    "claimed": "being worked on now",
}
SPARKS = "▁▂▃▄▅▆▇█"


class HealthLoaded(Message):
    def __init__(self, health: QueueHealth) -> None:
        super().__init__()
        self.health = health


class ReportLoaded(Message):
    def __init__(self, report: TeamReport, request: int) -> None:
        super().__init__()
        self.report = report
        self.request = request


class EscalationsLoaded(Message):
    def __init__(self, stats: EscalationStats, request: int) -> None:
        super().__init__()
        self.stats = stats
        self.request = request


class ReportLoadDone(Message):
    """The period's load has ended (loaded or failed): the next may start."""


class ReviewStatsLoaded(Message):
    def __init__(self, stats: ReviewStats) -> None:
        super().__init__()
        self.stats = stats


# The trainee review section: this many recent weeks, this many latest returned comments.
REVIEW_WEEKS = 4
REVIEW_COMMENTS = 3


class LoadFailed(Message):
    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what = what
        self.error = error


class Refresher:
    """One load at a time: asked again while one runs, it runs once more when that ends —
    so bursts of changes cost one extra load, and loads never overlap."""

    def __init__(self, start: Callable[[], None]) -> None:
        self._start = start
        self.running = False
        self.again = False

    def request(self) -> None:
        if self.running:
            self.again = True
            return
        self.running = True
        self._start()

    def finished(self) -> None:
        self.running = False
        if self.again:
            self.again = False
            self.request()


def _age(seconds: float) -> str:
    return format_duration(max(0.0, seconds))


def _duration(seconds: float | None) -> Text:
    return Text("—", style="dim") if seconds is None else Text(format_duration(seconds))


def _percent(share: float | None, *, good: float = 0.9, poor: float = 0.8) -> Text:
    if share is None:
        return Text("—", style="dim")
    style = "green" if share >= good else ("red bold" if share < poor else "yellow")
    return Text(f"{share * 100:.0f}%", style=style)


def _number(value: int | None, style: str = "") -> Text:
    if value is None:
        return Text("")
    return Text(str(value), style=style if value else "dim")


def spark(values: Sequence[float | None], width: int = 48) -> str:
    """One block character per value, scaled to the largest; a space where there is none.
    More values than `width` are averaged in runs, so a long period still fits a line."""
    if len(values) > width:
        size = -(-len(values) // width)
        runs = [values[i : i + size] for i in range(0, len(values), size)]
        values = [
            sum(present) / len(present) if (present := [v for v in run if v is not None]) else None
            for run in runs
        ]
    present = [v for v in values if v is not None]
    top = max(present, default=0.0)
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif top <= 0:
            out.append(SPARKS[0])
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int(value / top * (len(SPARKS) - 1) + 0.5))])
    return "".join(out)


class SupervisorScreen(Screen[None]):
    BINDINGS = [
        Binding(
            "enter",
            "drill",
            "Tickets",
            id="supervisor.drill",
            tooltip="List the tickets behind the selected number",
        ),
        Binding("1", "period('today')", "Today", id="supervisor.today", tooltip="Figures of today"),
        Binding(
            "7",
            "period('7d')",
            "7 days",
            id="supervisor.week",
            tooltip="Figures of the last 7 days",
        ),
        Binding(
            "3",
            "period('30d')",
            "30 days",
            id="supervisor.month",
            tooltip="Figures of the last 30 days",
        ),
        Binding(
            "c",
            "custom_period",
            "Custom",
            id="supervisor.custom",
            tooltip="Figures of chosen days (from, to)",
        ),
        Binding(
            "v",
            "heat_view",
            "Load view",
            id="supervisor.heat_view",
            tooltip="Load grid: new tickets / agents answering / tickets per agent",
        ),
        Binding(
            "r", "refresh", "Refresh", id="supervisor.refresh", tooltip="Load everything again"
        ),
        Binding("j", "cursor_down", "Down", show=False, id="supervisor.down", tooltip="Move down"),
        Binding("k", "cursor_up", "Up", show=False, id="supervisor.up", tooltip="Move up"),
    ]

    def __init__(
        self,
        desk: Desk | Callable[[], Desk],
        *,
        period: str = PeriodKind.WEEK,
        alone: bool = True,
    ) -> None:
        """`desk`: the read-only Desk, or how to get it (opened on first use, in a worker).
        `alone`: the whole console is the supervisor (q quits); else a lead's mode."""
        super().__init__(id="supervisor-screen")
        self._desk_source = desk
        self._desk: Desk | None = desk if isinstance(desk, Desk) else None
        self.period_kind = period
        self.custom_days: tuple[date, date | None] | None = None
        self.alone = alone
        self.health: QueueHealth | None = None
        self.report: TeamReport | None = None
        self.heat_view = VIEWS[0]
        self.errors: dict[str, str] = {}
        self.updated_at: datetime | None = None
        self._request = 0
        self._stale = False
        self._wide: bool | None = None
        self._report_at = 0.0
        self._report_timer: Timer | None = None
        self._report_after_health = False
        self.health_loads = Refresher(self._load_health)
        self.report_loads = Refresher(lambda: self._load_report(self._request))

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # One widget per section (a title is the first lines of its section): the fewer
        # widgets, the less Textual styles, lays out and walks on every paint.
        yield Static(id="sv-topbar")
        with VerticalScroll(id="sv-body"):
            with Horizontal(classes="sv-row", id="sv-row-now"):
                yield CellGrid(id="sv-queue", classes="sv-part")
                yield Static(id="sv-trends", classes="sv-part")
            yield CellGrid(id="sv-agents", classes="sv-part")
            yield CellGrid(id="sv-trainees", classes="sv-part")
            yield Static(id="sv-review")
            yield Static(id="sv-escalations", classes="sv-part")
            yield HeatmapTable(id="sv-heatmap", classes="sv-part")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.apply_width()
        self.update_topbar()
        self.query_one("#sv-queue", CellGrid).focus()
        self.refresh_all()
        self.set_interval(IDLE_REFRESH, self.idle_refresh)

    def on_resize(self) -> None:
        self.apply_width()

    def apply_width(self) -> None:
        wide = self.size.width >= WIDE
        if wide == self._wide:
            return
        self._wide = wide
        self.set_class(wide, "wide")
        self.query_one("#sv-queue", CellGrid).set_columns(
            [
                GridColumn(key, title if wide else short, width if wide else narrow)
                for key, title, width, short, narrow in QUEUE_COLUMNS
            ]
        )
        agent_columns = [
            GridColumn(
                column.key,
                column.title if wide else column.short,
                column.width if wide else column.narrow,
            )
            for column in self.agent_columns()
        ]
        self.query_one("#sv-agents", CellGrid).set_columns(agent_columns)
        self.query_one("#sv-trainees", CellGrid).set_columns(
            [*agent_columns, GridColumn("review", "Review" if wide else "Rev", 6 if wide else 3)]
        )
        if self.health is not None:
            self.show_health(self.health)
        if self.report is not None:
            self.show_report(self.report)

    def agent_columns(self) -> list[Column]:
        return [c for c in AGENT_COLUMNS if self._wide or not c.wide_only]

    # -- loading ----------------------------------------------------------------------------

    @property
    def desk_app(self) -> SupportDeskApp:
        return self.app  # type: ignore[return-value]

    def desk(self) -> Desk:
        """The read-only Desk (opened now if it was given as a way to open it)."""
        if self._desk is None:
            assert callable(self._desk_source)
            self._desk = self._desk_source()
        return self._desk

    def refresh_all(self) -> None:
        """The queue first, then the period's figures: the quick answer is on screen before
        the slower one starts (two loads at once would only share one interpreter)."""
        self._report_after_health = True
        self.health_loads.request()

    def request_report(self, *, now: bool = False) -> None:
        """Period figures after a change: at once when asked, else at most every
        REPORT_MIN_INTERVAL seconds (one pending timer gathers the changes meanwhile)."""
        if now:
            self._request += 1
            self.report_loads.request()
            return
        if self._report_timer is not None:
            return
        # Textual's timers need a positive interval: one of 0 late under load divides by it.
        wait = max(0.01, self._report_at + REPORT_MIN_INTERVAL - self.app_time())

        def due() -> None:
            self._report_timer = None
            self.report_loads.request()

        self._report_timer = self.set_timer(wait, due)

    def app_time(self) -> float:
        return time.monotonic()

    def _load_health(self) -> None:
        def work() -> None:
            try:
                self.post_message(HealthLoaded(self.desk().queue_health()))
            except (DeskError, StoreError) as exc:
                self.post_message(LoadFailed("health", str(exc)))

        # Not `exclusive`: the Refresher starts a load only once the last one said it has
        # ended, and cancelling a thread that is returning would only mark it failed.
        self.run_worker(work, thread=True, group="supervisor-health")

    def _load_report(self, request: int) -> None:
        kind, days = self.period_kind, self.custom_days

        def work() -> None:
            try:
                desk = self.desk()
                if kind == PeriodKind.CUSTOM and days is not None:
                    period = desk.report_period(kind, first_day=days[0], last_day=days[1])
                else:
                    period = desk.report_period(kind)
                # The agents' figures first, on screen while the sections below them load.
                self.post_message(
                    ReportLoaded(desk.team_report(period, "agent", extras=True), request)
                )
                self.post_message(EscalationsLoaded(desk.escalation_stats(period), request))
                # Mentors' and leads' figures; anyone else simply has no such section.
                with contextlib.suppress(DeskError):
                    self.post_message(ReviewStatsLoaded(desk.review_stats()))
            except (DeskError, StoreError) as exc:
                self.post_message(LoadFailed("report", str(exc)))
            finally:
                # Only now may the next load start: loads never overlap.
                self.post_message(ReportLoadDone())

        # Not `exclusive`: the Refresher starts a load only once the last one said it has
        # ended, and cancelling a thread that is returning would only mark it failed.
        self.run_worker(work, thread=True, group="supervisor-report")

    def on_health_loaded(self, message: HealthLoaded) -> None:
        self.errors.pop("health", None)
        self.health = message.health
        self.updated_at = message.health.at
        self.show_health(message.health)
        self.update_topbar()
        self.health_loads.finished()
        self.report_after_health()

    def report_after_health(self) -> None:
        if self._report_after_health:
            self._report_after_health = False
            self.request_report(now=True)

    def on_report_loaded(self, message: ReportLoaded) -> None:
        self.errors.pop("report", None)
        self._report_at = self.app_time()
        if message.request == self._request:
            self.report = message.report
            self.show_report(message.report)
            self.update_topbar()

    def on_escalations_loaded(self, message: EscalationsLoaded) -> None:
        if message.request == self._request:
            self.show_escalations(message.stats)

    def on_report_load_done(self, _message: ReportLoadDone) -> None:
        self.report_loads.finished()

    def on_load_failed(self, message: LoadFailed) -> None:
        self.errors[message.what] = message.error
        self.update_topbar()
        if message.what == "health":
            self.health_loads.finished()
            self.report_after_health()

    def on_tickets_changed(self, _message: Message) -> None:
        if not self.is_current:
            self._stale = True
            return
        self.health_loads.request()
        self.request_report()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh_all()

    def idle_refresh(self) -> None:
        if self.is_current:
            self.health_loads.request()
            self.request_report()

    # -- showing ----------------------------------------------------------------------------

    def update_topbar(self) -> None:
        app = self.desk_app
        me = app.me
        parts = [
            Text("supervisor ", style="bold"),
            Text("read-only", style="bold magenta"),
        ]
        if me is not None:
            parts.append(Text(f" · {one_line(me.display_name, 24)} ({me.role})"))
        period = self.report.period.title if self.report else self.period_title()
        parts.append(Text(f" · {period}"))
        if self.updated_at is not None:
            local = self.updated_at.astimezone(app.team.zone)
            parts.append(Text(f" · {local:%H:%M:%S}", style="dim"))
        if not self.alone:
            parts.append(Text(" · F2 back to the queue", style="dim"))
        problem = next(iter(self.errors.values()), None) or app.feed_error
        if problem:
            parts.append(Text(f" · {one_line(problem, 120)}", style="bold red"))
        self.query_one("#sv-topbar", Static).update(Text.assemble(*parts))

    def period_title(self) -> str:
        return {
            PeriodKind.TODAY: "today",
            PeriodKind.WEEK: "last 7 days",
            PeriodKind.MONTH: "last 30 days",
        }.get(PeriodKind(self.period_kind), "custom")

    def show_health(self, health: QueueHealth) -> None:
        rows: list[tuple[str, str, HealthRow]] = [
            *((f"channel:{r.channel}", r.channel, r) for r in health.by_channel),
            *((f"priority:{r.priority}", r.priority, r) for r in health.by_priority),
            ("all", "all", health.total),
        ]
        self.query_one("#sv-queue", CellGrid).set_rows(
            [(key, self.health_cells(label, row, health.at)) for key, label, row in rows]
        )
        total = health.total
        title = Text("Queue now", style="bold")
        title.append(
            f"  will breach: {total.due_15} in 15 min, {total.due_60} in 60 (business time)"
        )
        if health.awaiting_review:
            waiting = health.awaiting_review
            said = "1 reply awaits" if waiting == 1 else f"{waiting} replies await"
            title.append(f" · {said} review", style="yellow")
        self.query_one("#sv-queue", CellGrid).set_caption(title)

    def health_cells(self, label: str, row: HealthRow, now: datetime) -> tuple[Text, ...]:
        waiting = Text("—", style="dim")
        if row.oldest_waiting_since is not None:
            waited = _age((now - row.oldest_waiting_since).total_seconds())
            waiting = Text(f"{waited} #{row.oldest_waiting_ticket}")
        return (
            Text(label.replace("_", " "), style="bold" if label == "all" else ""),
            _number(row.open),
            _number(row.unassigned, "yellow"),
            _number(row.pending),
            _number(row.at_risk, "bold black on yellow"),
            _number(row.breached, "bold white on red"),
            _number(row.due_15, "yellow"),
            _number(row.due_60),
            waiting,
        )

    def show_report(self, report: TeamReport) -> None:
        zone = self.desk_app.team.zone
        period = report.period
        start = period.start.astimezone(zone)
        self.query_one("#sv-agents", CellGrid).set_caption(
            Text.assemble(
                Text("Agents", style="bold"),
                Text(
                    f"  {period.title} from {start:%a %d %b} · business time · "
                    "enter lists the tickets",
                    style="dim",
                ),
            )
        )
        team = [r for r in report.rows if self.role_of(report, r.key) != "trainee"]
        learners = [r for r in report.rows if self.role_of(report, r.key) == "trainee"]
        self.fill_agents(
            self.query_one("#sv-agents", CellGrid),
            [(r.key, self.label_of(report, r.key), r) for r in team]
            + [("__team__", "Team", report.total)],
            report,
        )
        trainees = self.query_one("#sv-trainees", CellGrid)
        trainees.display = bool(learners)
        trainees.set_caption(
            Text.assemble(
                Text("Trainees", style="bold"),
                Text("  learning: not compared with the team", style="dim"),
            )
        )
        self.fill_agents(
            trainees, [(r.key, self.label_of(report, r.key), r) for r in learners], report
        )
        if report.heatmap is not None:
            self.show_heatmap(report.heatmap)
        if report.trend is not None:
            self.show_trend(report.trend, report)

    def show_escalations(self, stats: EscalationStats) -> None:
        title = Text.assemble(
            Text("Escalations to the second line", style="bold"),
            Text(
                "  made in the period, by the agent who escalated · return rate: "
                "returned as incomplete / made",
                style="dim",
            ),
        )
        self.query_one("#sv-escalations", Static).update(Group(title, escalation_table(stats)))

    def on_review_stats_loaded(self, message: ReviewStatsLoaded) -> None:
        self.query_one("#sv-review", Static).update(self.review_text(message.stats))

    def review_text(self, stats: ReviewStats) -> Text:
        """Per trainee: the last weeks' review outcomes and approval rate, what waits now,
        and the latest comments of returned replies."""
        if not stats.weeks and not stats.pending:
            return Text()
        names = {a.name: a.display_name for a in self.desk_app.agents}
        zone = self.desk_app.team.zone
        width = max(40, self.size.width - 6)
        lines = [
            Text.assemble(
                Text("Trainee review", style="bold"),
                Text(
                    "  per week: as written · edited · returned (approved as written)", style="dim"
                ),
            )
        ]
        pending = dict(stats.pending)
        trainees = list(dict.fromkeys([w.trainee for w in stats.weeks] + list(pending)))
        for trainee in trainees:
            weeks = [w for w in stats.weeks if w.trainee == trainee][-REVIEW_WEEKS:]
            parts = [
                f"w/c {w.week:%d %b} {w.approved}·{w.edited}·{w.returned} ({w.approval_rate:.0%})"
                for w in weeks
            ]
            line = Text(f" {one_line(names.get(trainee, trainee), 24)}: ", style="bold")
            line.append(" | ".join(parts) or "nothing reviewed yet")
            if pending.get(trainee):
                line.append(f"  · {pending[trainee]} waiting", style="yellow")
            lines.append(line)
        for comment in stats.comments[-REVIEW_COMMENTS:][::-1]:
            head = (
                f" {comment.at.astimezone(zone):%a %d %b %H:%M} #{comment.ticket_number} "
                f"{names.get(comment.reviewer, comment.reviewer)} → "
                f"{names.get(comment.trainee, comment.trainee)}: "
            )
            lines.append(
                Text.assemble(
                    Text(head, style="dim"),
                    Text(one_line(comment.comment, max(10, width - len(head)))),
                )
            )
        return Text("\n").join(lines)

    @staticmethod
    def role_of(report: TeamReport, key: str) -> str | None:
        brief = report.agent(key)
        return brief.role if brief else None

    @staticmethod
    def label_of(report: TeamReport, key: str) -> str:
        if key == NOBODY:
            return "(unassigned)"
        brief = report.agent(key)
        return brief.display_name if brief else key

    def fill_agents(
        self, table: CellGrid, rows: list[tuple[str, str, Figures]], report: TeamReport
    ) -> None:
        trainee_table = table.id == "sv-trainees"
        table.set_rows(
            [
                (key, self.agent_cells(label, row, report if trainee_table else None))
                for key, label, row in rows
            ]
        )

    def agent_cells(self, label: str, row: Figures, report: TeamReport | None) -> tuple[Text, ...]:
        width = AGENT_COLUMNS[0].width if self._wide else AGENT_COLUMNS[0].narrow
        values: dict[str, Text] = {
            "agent": Text(one_line(label, width), style="bold" if label == "Team" else ""),
            "answered": _number(row.answered),
            "solved": _number(row.solved),
            "first": _duration(row.first_median),
            "first_p90": _duration(row.first_p90),
            "next": _duration(row.next_median),
            "next_p90": _duration(row.next_p90),
            "sla": _percent(row.sla_compliance),
            "csat": Text("—", style="dim")
            if row.csat_average is None
            else Text(
                f"{row.csat_average:.1f}",
                style="green"
                if row.csat_average >= 4.5
                else ("red" if row.csat_average < 4 else ""),
            ),
            "negative": Text("—", style="dim")
            if row.negative_share is None
            else Text(
                f"{row.negative_share * 100:.0f}%",
                style="red" if row.negative_share > 0.1 else "",
            ),
            "backlog": _number(row.backlog),
            "claimed": _number(row.claimed, "cyan"),
        }
        cells = [values[c.key] for c in self.agent_columns()]
        if report is not None:
            brief = report.agent(row.key)
            cells.append(_number(brief.awaiting_review if brief else 0, "yellow"))
        return tuple(cells)

    def show_heatmap(self, heat: Heatmap) -> None:
        grid = self.query_one(HeatmapTable)
        grid.show(heat, self.heat_view)
        peak = heat.peak()
        peak_text = (
            f" · busiest: {WEEKDAY_NAMES[peak[0]]} {peak[1]:02d}:00"
            f" ({heat.cells[peak[0]][peak[1]].tickets_per_hour:.1f} new/h)"
            if peak
            else ""
        )
        grid.set_caption(
            Text.assemble(
                Text("Load by weekday and hour", style="bold"),
                Text(
                    f"  {VIEW_TITLES[self.heat_view]} ({heat.timezone}){peak_text} · v switches",
                    style="dim",
                ),
            ),
            Text(
                "Per hour of the period: new tickets on average, agents who answered in it, "
                "and new tickets per answering agent (high = thinly staffed).",
                style="dim",
            ),
        )

    def show_trend(self, trend: Trend, report: TeamReport) -> None:
        unit = "hour" if report.period.hourly else "day"
        first = [v for v in trend.first_median if v is not None]
        compliance = [v for v in trend.compliance if v is not None]
        lines = Text.assemble(Text("Trends", style="bold"), Text(f"  per {unit}\n", style="dim"))
        lines.append("Volume      ", style="bold")
        lines.append(spark([float(v) for v in trend.volume]), style="cyan")
        lines.append(f"  {sum(trend.volume)} new, max {max(trend.volume, default=0)}\n")
        lines.append("1st resp    ", style="bold")
        lines.append(spark(trend.first_median), style="yellow")
        lines.append(f"  median {format_duration(first[-1])} last" if first else "  —", style="")
        lines.append("\n")
        lines.append("SLA         ", style="bold")
        lines.append(spark(trend.compliance), style="green")
        lines.append(
            f"  {compliance[-1] * 100:.0f}% last, lowest {min(compliance) * 100:.0f}%"
            if compliance
            else "  —"
        )
        self.query_one("#sv-trends", Static).update(lines)

    # -- interaction ------------------------------------------------------------------------

    def action_period(self, kind: str) -> None:
        if kind == self.period_kind and self.report is not None:
            return
        self.period_kind = kind
        self.update_topbar()
        self.request_report(now=True)

    def action_custom_period(self) -> None:
        today = self.desk_app.now().astimezone(self.desk_app.team.zone).date()

        def entered(value: str | None) -> None:
            if not value:
                return
            words = value.replace("..", " ").replace(",", " ").split()
            try:
                first = date.fromisoformat(words[0])
                last = date.fromisoformat(words[1]) if len(words) > 1 else None
            except (ValueError, IndexError):
                self.notify(
                    f"{value!r}: give a first day and optionally a last one, "
                    "like 2026-11-02 2026-11-08",
                    severity="error",
                    markup=False,
                )
                return
            self.custom_days = (first, last)
            self.period_kind = PeriodKind.CUSTOM
            self.request_report(now=True)

        self.app.push_screen(
            PromptModal(
                "Figures of which days? (first and last, both included)",
                placeholder=f"{today.replace(day=1)} {today}",
                explanation="Days of the team's time zone; leave out the last day for 'up to now'.",
            ),
            entered,
        )

    def action_heat_view(self) -> None:
        self.heat_view = VIEWS[(VIEWS.index(self.heat_view) + 1) % len(VIEWS)]
        if self.report is not None and self.report.heatmap is not None:
            self.show_heatmap(self.report.heatmap)

    def action_refresh(self) -> None:
        self.refresh_all()

    def focused_table(self) -> CellGrid | None:
        focused = self.focused
        return focused if isinstance(focused, CellGrid) else None

    def action_cursor_down(self) -> None:
        if (table := self.focused_table()) is not None:
            table.action_cursor_down()

    def action_cursor_up(self) -> None:
        if (table := self.focused_table()) is not None:
            table.action_cursor_up()

    @on(CellGrid.CellSelected)
    def selected(self, event: CellGrid.CellSelected) -> None:
        event.stop()
        self.drill(event.grid)

    def action_drill(self) -> None:
        if (table := self.focused_table()) is not None:
            self.drill(table)

    def drill(self, table: CellGrid) -> None:
        """Open the tickets behind the number under the table's cursor."""
        keys = table.cursor_keys()
        if keys is None:
            return
        row, column = keys
        if table.id == "sv-queue":
            self.drill_queue(row, column)
        elif table.id in ("sv-agents", "sv-trainees"):
            self.drill_agent(row, column)
        elif isinstance(table, HeatmapTable):
            self.drill_heat(table)

    def drill_queue(self, row: str, column: str) -> None:
        if column == "group":
            column = "open"
        channel = row.split(":", 1)[1] if row.startswith("channel:") else None
        priority = row.split(":", 1)[1] if row.startswith("priority:") else None
        if column == "waiting" and self.health is not None:
            found = self.health_row(row)
            if found is not None and found.oldest_waiting_ticket is not None:
                self.open_ticket(found.oldest_waiting_ticket)
                return
        measure = {"due_15": "forecast_15", "due_60": "forecast_60"}.get(column, column)
        scope = " · ".join(x for x in (channel, priority) if x) or "all"
        self.app.push_screen(
            DrillScreen(
                f"{QUEUE_TITLES.get(column, column)} · {scope} · now",
                lambda desk: desk.health_tickets(measure, channel=channel, priority=priority),
                self.desk(),
            )
        )

    def health_row(self, key: str) -> HealthRow | None:
        health = self.health
        if health is None:
            return None
        if key == "all":
            return health.total
        kind, value = key.split(":", 1)
        rows = health.by_channel if kind == "channel" else health.by_priority
        return next(
            (r for r in rows if (r.channel if kind == "channel" else r.priority) == value), None
        )

    def drill_agent(self, row: str, column: str) -> None:
        report = self.report
        if report is None:
            return
        figures = report.total if row == "__team__" else report.row(row)
        spec = next((c for c in AGENT_COLUMNS if c.key == column), None)
        what = spec.drill if spec is not None and spec.drill else "answered"
        if figures is None:
            return
        who = "the team" if row == "__team__" else self.label_of(report, row)
        key = None if row == "__team__" else row
        self.app.push_screen(
            DrillScreen(
                f"{DRILL_TITLES.get(what, what).capitalize()} · {who} · {report.period.title}",
                lambda desk: _tickets_of(
                    desk, desk.report_tickets(report.period, what, by=report.by, row=key)
                ),
                self.desk(),
            )
        )

    def drill_heat(self, table: HeatmapTable) -> None:
        slot = table.cell_at_cursor()
        if slot is None or table.heat is None or self.report is None:
            return
        day, hour = slot
        period = self.report.period
        self.app.push_screen(
            DrillScreen(
                f"New tickets · {WEEKDAY_NAMES[day]} {hour:02d}:00-{hour + 1:02d}:00 · "
                f"{period.title}",
                lambda desk: _tickets_of(
                    desk, desk.report_tickets(period, "new", weekday=day, hour=hour)
                ),
                self.desk(),
            )
        )

    def open_ticket(self, number: int) -> None:
        from supportdesk.screens.ticket import TicketScreen

        self.app.push_screen(TicketScreen(number, desk=self.desk()))


# -- the tickets behind a number ------------------------------------------------------------


def _tickets_of(desk: Desk, numbers: Sequence[int]) -> QueuePage:
    """The tickets of a figure (the newest, as many as a list shows), and how many it has."""
    return QueuePage(tuple(desk.tickets_by_number(numbers)), len(numbers), 0, "report")


class DrillLoaded(Message):
    def __init__(self, tickets: Sequence[TicketSummary], total: int) -> None:
        super().__init__()
        self.tickets = tuple(tickets)
        self.total = total


class DrillScreen(Screen[None]):
    """The tickets behind one number of the dashboard; `enter` opens one, read-only."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="drill.back", tooltip="Back to the dashboard"),
        Binding("enter", "open", "Open", id="drill.open", tooltip="Open the ticket (read-only)"),
        Binding("j", "cursor_down", "Down", show=False, id="drill.down", tooltip="Next ticket"),
        Binding("k", "cursor_up", "Up", show=False, id="drill.up", tooltip="Previous ticket"),
    ]

    def __init__(
        self,
        title: str,
        load: Callable[[Desk], QueuePage | Sequence[TicketSummary]],
        desk: Desk,
    ) -> None:
        super().__init__(classes="drill-screen")
        self.title_text = title
        self.load_tickets = load
        self.desk = desk
        self.numbers: list[int] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(self.title_text, style="bold"), id="drill-head")
        yield DataTable(id="drill-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="drill-status")
        yield KeyFooter()

    def columns(self) -> list[tuple[str, str, int]]:
        """(key, title, width) for this terminal: the subject takes what is left."""
        wide = self.size.width >= WIDE
        fixed = [
            ("sla", "SLA", 10),
            ("num", "#", 5),
            ("status", "Status", 8),
            *((("pri", "Pri", 6), ("ch", "Ch", 4)) if wide else ()),
            ("customer", "Customer", 16 if wide else 12),
            ("assignee", "Assignee", 10 if wide else 8),
        ]
        # Two cells of padding per column, two for the scroll bar.
        subject = max(12, self.size.width - sum(w for *_k, w in fixed) - 2 * (len(fixed) + 1) - 2)
        return [*fixed[:-1], ("subject", "Subject", subject), fixed[-1]]

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, title, width in self.columns():
            table.add_column(title, key=key, width=width)
        table.focus()
        self.query_one("#drill-status", Static).update(Text("Loading…", style="dim"))
        self.run_worker(self._load, thread=True, exclusive=True, group="drill")

    def _load(self) -> None:
        try:
            found = self.load_tickets(self.desk)
        except (DeskError, StoreError) as exc:
            self.post_message(LoadFailed("drill", str(exc)))
            return
        if isinstance(found, QueuePage):
            self.post_message(DrillLoaded(found.tickets, found.total))
        else:
            self.post_message(DrillLoaded(found, len(found)))

    def on_drill_loaded(self, message: DrillLoaded) -> None:
        app: SupportDeskApp = self.app  # type: ignore[assignment]
        now = app.now()
        calendars = app.team.sla.calendars
        table = self.query_one(DataTable)
        table.clear()
        self.numbers = []
        widths = {key: width for key, _title, width in self.columns()}
        for t in message.tickets:
            self.numbers.append(t.number)
            cells = {
                "sla": sla_text(t, calendars, now),
                "num": Text(str(t.number), style="bold"),
                "status": Text(t.status.replace("_", " ")),
                "pri": Text(t.priority),
                "ch": Text({"email": "mail", "telegram": "tg"}.get(t.channel, t.channel)),
                "customer": Text(one_line(t.customer.name, widths["customer"])),
                "subject": Text(one_line(t.subject, widths["subject"])),
                "assignee": Text(
                    one_line(t.assignee or "—", widths["assignee"]),
                    style="" if t.assignee else "dim",
                ),
            }
            table.add_row(*(cells[key] for key in widths), key=str(t.number))
        shown = len(message.tickets)
        text = f"{shown} ticket{'s' if shown != 1 else ''}"
        if message.total > shown:
            text += f" of {message.total} (the first {shown})"
        text += " · enter opens one, read-only · esc goes back"
        self.query_one("#drill-status", Static).update(Text(text, style="dim"))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#drill-status", Static).update(Text(message.error, style="bold red"))

    @on(DataTable.RowSelected)
    def selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        table = self.query_one(DataTable)
        if not self.numbers or not 0 <= table.cursor_row < len(self.numbers):
            return
        from supportdesk.screens.ticket import TicketScreen

        self.app.push_screen(TicketScreen(self.numbers[table.cursor_row], desk=self.desk))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()
