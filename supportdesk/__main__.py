"""The `supportdesk` command: the console, and every console action as a scriptable command.

Global options come before the subcommand: `supportdesk --db team.db --agent ann tickets`.
Every action prints plain text, or JSON with `--json`. Errors are one or a few sentences on
stderr and a non-zero exit code — never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from supportdesk import __version__, launch
from supportdesk.clock import SystemClock
from supportdesk.config import (
    ConfigError,
    Settings,
    default_config_path,
    load_settings,
    resolve_config_path,
)
from supportdesk.core.plaintext import one_line, strip_controls
from supportdesk.core.sla import format_duration
from supportdesk.secrets import (
    SecretError,
    get_secret,
    keyring_status,
    secret_source,
    set_secret,
)
from supportdesk.store import dto
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import (
    Database,
    StoreError,
    current_revision,
    ensure_schema,
    head_revision,
    normalize_url,
    open_database,
    upgrade,
)
from supportdesk.store.desk import VIEWS, Desk, DeskError
from supportdesk.store.teamsettings import (
    TeamSettingsError,
    default_settings,
    load_toml_file,
    to_toml,
)

if TYPE_CHECKING:
    from supportdesk.app import ChannelRunner, SupportDeskApp

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    pass


@dataclass
class Context:
    """What a command needs: settings, and a Desk opened on first use."""

    args: argparse.Namespace
    settings: Settings
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _database: Database | None = None

    def database_target(self) -> str:
        target = self.settings.database_url or str(self.settings.data_dir / "supportdesk.db")
        secret = self.settings.database_password_secret
        if secret and "://" in target and not target.startswith("sqlite"):
            from sqlalchemy import make_url

            with_password = make_url(normalize_url(target)).set(password=get_secret(secret))
            return with_password.render_as_string(hide_password=False)
        return target

    def database(self, *, readonly: bool = False) -> Database:
        if self._database is None:
            target = self.database_target()
            created = _missing_sqlite_file(target)
            self._database = open_database(target, readonly=readonly)
            # A personal SQLite file follows the program's version by itself; a shared
            # PostgreSQL database is upgraded on purpose by whoever runs it.
            ensure_schema(self._database, auto_upgrade=self._database.is_sqlite)
            if created is not None and getattr(self.args, "handler", None) is not cmd_demo:
                # Said, because a mistyped --db would otherwise look like an empty queue.
                print(
                    f"supportdesk: created a new, empty database {created} (there was no such "
                    "file; check --db or database_url if you meant an existing one)",
                    file=self.err,
                )
        return self._database

    def desk(self, *, readonly: bool = False) -> Desk:
        return Desk(
            self.database(readonly=readonly),
            SystemClock(),
            agent=self.settings.agent,
            attachments=AttachmentStore(self.settings.data_dir / "attachments"),
        )

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def json(self, value: Any) -> None:
        json.dump(value, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")


def _missing_sqlite_file(target: str) -> Path | None:
    """The SQLite file `target` names when there is no such file yet (opening makes it)."""
    from sqlalchemy import make_url

    url = make_url(normalize_url(target))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database)
    return None if path.exists() else path


# -- formatting -----------------------------------------------------------------------------

STATE_MARK = {"breached": "!!", "warning": "! ", "ok": "  ", "paused": "||", "met": "ok"}


def _age(moment: datetime, now: datetime) -> str:
    return format_duration((now - moment).total_seconds())


def _sla_cell(ticket: dto.TicketSummary) -> str:
    if ticket.sla_state is None:
        return "-"
    running = [c for c in ticket.clocks if c.state in ("ok", "warning", "breached")]
    if ticket.sla_state == "paused" or not running:
        return "paused" if ticket.sla_state == "paused" else ticket.sla_state
    clock = min(running, key=lambda c: c.left_seconds)
    sign = "-" if clock.left_seconds < 0 else ""
    return f"{STATE_MARK.get(clock.state, '')}{sign}{format_duration(clock.left_seconds)}"


def _fit(text: str, width: int) -> str:
    text = one_line(text, 500)
    return text if len(text) <= width else text[: width - 1] + "…"


def format_queue(page: dto.QueuePage, now: datetime) -> str:
    header = (
        f"{'SLA':<10} {'PRI':<6} {'#':>6}  {'CUSTOMER':<22} {'SUBJECT':<40} {'CH':<8} "
        f"{'ASSIGNEE':<10} AGE"
    )
    lines = [header]
    for t in page.tickets:
        lines.append(
            f"{_sla_cell(t):<10} {t.priority:<6} {t.number:>6}  {_fit(t.customer.name, 22):<22} "
            f"{_fit(t.subject, 40):<40} {t.channel:<8} {(t.assignee or '-'):<10} "
            f"{_age(t.created_at, now)}"
        )
    shown = len(page.tickets)
    lines.append(
        f"{VIEWS[page.view]}: {shown} of {page.total} shown"
        + (f" (from {page.offset + 1})" if page.offset else "")
    )
    return "\n".join(lines)


def format_ticket(detail: dto.TicketDetail, zone: ZoneInfo) -> str:
    """The whole ticket as plain text, times in the team's time zone."""

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    t = detail.summary
    who = t.customer
    ids = one_line(", ".join([*who.emails, *(f"telegram {i}" for i in who.telegram_ids)]), 300)
    lines = [
        f"#{t.number}  {one_line(t.subject, 300)}",
        f"status {t.status} · priority {t.priority}"
        + (f" ({one_line(t.urgent_reason)})" if t.urgent_reason else "")
        + f" · {t.category} · {t.channel} · assignee {t.assignee or '-'} · version {t.version}",
        f"customer {one_line(who.name)}"
        + (f" <{ids}>" if ids else "")
        + (f" · {one_line(who.company)}" if who.company else ""),
    ]
    if t.tags:
        lines.append("tags " + " ".join(t.tags))
    if detail.follow_up_of:
        lines.append(f"follow-up of #{detail.follow_up_of}")
    for clock in t.clocks:
        lines.append("")
        lines.extend("  " + line for line in clock.explanation.splitlines())
    items: list[tuple[datetime, int, str]] = []
    for m in detail.messages:
        if m.direction == "in":
            sender = one_line(m.sender_name or m.sender_address or "?")
            head = f"── {local(m.created_at)}  {sender} wrote"
        else:
            head = (
                f"── {local(m.created_at)}  {m.agent or m.sender_name} replied [{m.delivery_state}]"
            )
        if m.automatic:
            head += " (automatic)"
        body = strip_controls(m.text).rstrip()
        items.append((m.created_at, 0, head + "\n" + body))
    for n in detail.notes:
        head = f"── {local(n.created_at)}  NOTE by {n.author}" + (
            " (where I stopped)" if n.kind == "handover" else ""
        )
        items.append((n.created_at, 1, head + "\n" + strip_controls(n.body).rstrip()))
    from supportdesk.escalationcli import escalation_items

    items.extend(escalation_items(detail.escalations, local))
    for _at, _order, text in sorted(items, key=lambda item: (item[0], item[1])):
        lines.append("")
        lines.append(text)
    if detail.rating:
        lines.append("")
        lines.append(
            f"rating {detail.rating.score}/5"
            + (f": {one_line(detail.rating.comment)}" if detail.rating.comment else "")
        )
    if detail.customer_tickets:
        lines.append("")
        lines.append(
            "earlier tickets of this customer: "
            + ", ".join(f"#{b.number} ({b.status})" for b in detail.customer_tickets[:10])
        )
    return "\n".join(lines)


# -- commands -------------------------------------------------------------------------------


def make_app(
    settings: Settings,
    desk: Desk,
    runner: ChannelRunner | None = None,
    *,
    supervisor: bool = False,
    period: str = "7d",
) -> SupportDeskApp:
    """The one place that wires the console together (tests build theirs the same way).

    `supervisor`: the read-only dashboard alone, on a read-only `desk`. Otherwise a lead can
    switch to it, on a read-only session of the same database opened when first needed."""
    from supportdesk.app import SupportDeskApp
    from supportdesk.localdrafts import LocalDrafts
    from supportdesk.resources import shipped_templates_dir
    from supportdesk.store.libraryfiles import TemplateLibrary

    def open_readonly() -> Desk:
        return Desk(
            open_database(desk.database.url, readonly=True),
            desk.clock,
            agent=desk.agent_name,
            mail_domain=desk.mail_domain,
            attachments=desk.attachments,
        )

    return SupportDeskApp(
        desk,
        me=desk.whoami(),
        team=desk.team_settings(),
        agents=desk.list_agents(),
        keymap=settings.keymap,
        theme=settings.theme,
        channels=[f"mail {a.name}" for a in settings.email]
        + [f"telegram {b.name}" for b in settings.telegram],
        runner=runner,
        supervisor=supervisor,
        open_readonly=None if desk.readonly else open_readonly,
        period=period,
        local_drafts=LocalDrafts(settings.data_dir, desk.database.description),
        templates=TemplateLibrary(shipped_templates_dir(), settings.data_dir / "templates", desk),
    )


def cmd_console(ctx: Context) -> int:
    desk = ctx.desk()
    if desk.agent_name and desk.whoami() is None:
        raise UsageError(
            f"there is no agent {desk.agent_name!r} in {desk.database.description}; "
            f"a lead adds one with: supportdesk agents add {desk.agent_name} --display-name …"
        )
    runner = None
    if (ctx.settings.email or ctx.settings.telegram) and ctx.settings.poll_in_console:
        from supportdesk.channels.runner import Runner

        runner = Runner(desk, ctx.settings)
    app = make_app(ctx.settings, desk, runner)
    app.run()
    return EXIT_OK


def cmd_supervisor(ctx: Context) -> int:
    # Read-only for real: the database session itself refuses writes, so this works on a
    # database file you may only read, and nothing in it can change a thing.
    desk = ctx.desk(readonly=True)
    if desk.agent_name and desk.whoami() is None:
        raise UsageError(
            f"there is no agent {desk.agent_name!r} in {desk.database.description}; "
            "leave --agent out, or give a name from `supportdesk agents list`"
        )
    app = make_app(ctx.settings, desk, supervisor=True, period=ctx.args.period)
    app.run()
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from supportdesk.store.demo import (
        DEFAULT_SCALE,
        DEFAULT_SEED,
        build_demo,
        default_demo_path,
        has_data,
    )

    path = Path(ctx.args.demo_db) if ctx.args.demo_db else default_demo_path(ctx.settings.data_dir)
    if ctx.args.fresh and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    # `demo --agent marta` as well as `--agent marta demo`: the README shows the first.
    agent = ctx.args.demo_agent or ctx.settings.agent or "ann"
    ctx.settings = ctx.settings.model_copy(update={"database_url": str(path), "agent": agent})
    database = ctx.database()
    if has_data(database):
        ctx.print(f"Using the existing demo database {path} (--fresh makes a new one).")
    else:
        launch.started()  # building makes (and drops) far more than the imports did

        def progress(message: str) -> None:
            print(f"demo: {message}", file=sys.stderr)

        stats = build_demo(
            database,
            now=SystemClock().now(),
            scale=ctx.args.scale or DEFAULT_SCALE,
            seed=DEFAULT_SEED if ctx.args.seed is None else ctx.args.seed,
            progress=progress,
        )
        for problem in stats.template_errors:
            print(f"demo: skipped {problem}", file=sys.stderr)
        statuses = ", ".join(
            f"{count} {status}" for status, count in sorted(stats.by_status.items())
        )
        ctx.print(
            f"Demo database {path}: {stats.tickets} tickets ({statuses}), {stats.customers} "
            f"customers, {stats.messages} messages, {stats.notes} notes, {stats.ratings} ratings, "
            f"{stats.templates} templates, {stats.articles} articles."
        )
    if ctx.desk().whoami() is None:
        raise UsageError(
            f"there is no agent {agent!r} in the demo; its agents are ann, tomasz, pavel, "
            "olena, kasia (trainee) and marta (lead)"
        )
    ctx.print(f"Try: supportdesk --db {path} --agent {agent} tickets")
    if ctx.args.no_ui:
        return EXIT_OK
    return cmd_console(ctx)


def cmd_init(ctx: Context) -> int:
    database = open_database(ctx.database_target())
    ctx._database = database
    before, after = upgrade(database)
    if before == after:
        ctx.print(f"Database {database.description} is up to date (schema {after}).")
    else:
        ctx.print(f"Database {database.description} migrated: {before or 'empty'} -> {after}.")
    config = resolve_config_path(Path(ctx.args.config) if ctx.args.config else None)
    if not config.exists():
        ctx.print(
            f"No config file yet; `supportdesk config example > {config}` writes a commented one."
        )
    if ctx.args.lead:
        desk = Desk(database, SystemClock(), agent=ctx.settings.agent)
        team = desk.list_agents()
        same = [a for a in team if a.name == ctx.args.lead]
        if same and same[0].role == "lead":
            # Running the README's init again (to upgrade, say) is not a mistake.
            ctx.print(f"Lead {same[0].name} is already in the team; nobody was added.")
            return EXIT_OK
        if team and not ctx.settings.agent:
            raise UsageError(
                f"the team already has agents; --lead {ctx.args.lead} adds only the first one. "
                f"A lead adds more: supportdesk --agent LEAD agents add {ctx.args.lead} "
                "--role lead --display-name …"
            )
        agent = desk.add_agent(ctx.args.lead, ctx.args.display_name or ctx.args.lead, "lead")
        ctx.print(f"Added lead {agent.name} ({agent.display_name}).")
    return EXIT_OK


def cmd_db(ctx: Context) -> int:
    if ctx.args.db_command == "recompute":
        count = ctx.desk().recompute_sla()
        ctx.print(
            f"Recomputed the SLA clocks and stored the report figures of {count} "
            f"ticket{'' if count == 1 else 's'} (the active ones, and those whose figures "
            "predated the current SLA settings)."
        )
        return EXIT_OK
    database = open_database(ctx.database_target())
    ctx._database = database
    if ctx.args.db_command == "upgrade":
        before, after = upgrade(database)
        ctx.print(
            f"Database {database.description}: "
            + ("already up to date." if before == after else f"{before or 'empty'} -> {after}.")
        )
    else:
        current = current_revision(database)
        head = head_revision()
        state = "up to date" if current == head else f"needs upgrade to {head}"
        ctx.print(f"Database {database.description}: schema {current or 'none'} ({state}).")
    return EXIT_OK


def cmd_agents(ctx: Context) -> int:
    desk = ctx.desk()
    if ctx.args.agents_command == "add":
        agent = desk.add_agent(
            ctx.args.name,
            ctx.args.display_name or ctx.args.name,
            ctx.args.role,
            mentor=ctx.args.mentor,
            email=ctx.args.email,
            language=ctx.args.language,
        )
        for group in ctx.args.group or ():
            desk.set_group_members(group, add=[agent.name])
        if ctx.args.group:
            agent = next(a for a in desk.list_agents() if a.name == agent.name)
        if ctx.args.json:
            ctx.json(agent.to_json())
        else:
            ctx.print(f"Added {agent.role} {agent.name} ({agent.display_name}).")
        return EXIT_OK
    if ctx.args.agents_command == "graduate":
        agent = desk.graduate(ctx.args.name, ctx.args.from_day)
        if ctx.args.json:
            ctx.json(agent.to_json())
        else:
            ctx.print(
                f"{agent.display_name} sends replies without review from "
                f"{ctx.args.from_day:%Y-%m-%d} (team time zone); until then they go to review."
            )
        return EXIT_OK
    agents = desk.list_agents()
    if ctx.args.json:
        ctx.json([a.to_json() for a in agents])
        return EXIT_OK
    ctx.print(f"{'NAME':<12} {'ROLE':<8} {'MENTOR':<10} {'GROUPS':<14} DISPLAY NAME")
    for a in agents:
        graduated = (
            f" (sends directly from {a.sends_directly_from:%Y-%m-%d})"
            if a.sends_directly_from
            else ""
        )
        ctx.print(
            f"{a.name:<12} {a.role:<8} {(a.mentor or '-'):<10} "
            f"{(','.join(a.groups) or '-'):<14} {a.display_name}"
            + graduated
            + ("" if a.active else " (inactive)")
        )
    return EXIT_OK


def cmd_tickets(ctx: Context) -> int:
    desk = ctx.desk()
    view = ctx.args.view or ("all" if ctx.args.status else "open")
    page = desk.list_queue(
        view,
        search=ctx.args.search,
        statuses=ctx.args.status,
        limit=ctx.args.limit,
        offset=ctx.args.offset,
    )
    if ctx.args.json:
        ctx.json([t.to_json() for t in page.tickets])
    else:
        ctx.print(format_queue(page, desk.clock.now()))
    return EXIT_OK


def _text_argument(value: str) -> str:
    if value != "-":
        return value
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # a text stream handed in by a caller (tests, embedding)
        return sys.stdin.read()
    data = raw.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"standard input is not UTF-8 text (byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}); convert it first, e.g. iconv -f cp1250 -t utf-8"
        ) from None


def cmd_ticket(ctx: Context) -> int:
    desk = ctx.desk()
    action = ctx.args.ticket_command
    version = getattr(ctx.args, "version", None)
    result: Any
    if action == "show":
        detail = desk.get_ticket(ctx.args.number)
        if ctx.args.json:
            ctx.json(detail.to_json())
        else:
            ctx.print(format_ticket(detail, desk.team_settings().zone))
        return EXIT_OK
    if action == "take":
        result = desk.take(ctx.args.number, expected_version=version)
        message = f"#{result.number} is yours."
    elif action == "take-next":
        result = desk.take_next()
        if result is None:
            ctx.json(None) if ctx.args.json else ctx.print(
                "Nothing to take: no unassigned ticket waits."
            )
            return EXIT_OK
        message = f"#{result.number} is yours: {one_line(result.subject)}"
    elif action == "assign":
        target = None if ctx.args.assignee in ("-", "none", "nobody") else ctx.args.assignee
        result = desk.assign(ctx.args.number, target, expected_version=version)
        message = f"#{result.number} assigned to {result.assignee or 'nobody'}."
    elif action == "status":
        result = desk.set_status(
            ctx.args.number, ctx.args.status, reason=ctx.args.reason, expected_version=version
        )
        message = f"#{result.number} is {result.status}."
    elif action == "priority":
        result = desk.set_priority(
            ctx.args.number, ctx.args.priority, reason=ctx.args.reason, expected_version=version
        )
        message = f"#{result.number} priority {result.priority}."
    elif action == "category":
        result = desk.set_category(ctx.args.number, ctx.args.category, expected_version=version)
        message = f"#{result.number} category {result.category}."
    elif action == "tag":
        result = desk.set_tags(
            ctx.args.number,
            add=ctx.args.add or (),
            remove=ctx.args.remove or (),
            expected_version=version,
        )
        message = f"#{result.number} tags: {' '.join(result.tags) or '(none)'}."
    elif action == "note":
        result = desk.add_note(
            ctx.args.number,
            _text_argument(ctx.args.text),
            kind="handover" if ctx.args.handover else "note",
        )
        message = "Note added." + (
            f" Mentioned: {', '.join(result.mentions)}." if result.mentions else ""
        )
    elif action == "merge":
        result = desk.merge_tickets(ctx.args.number, ctx.args.into, expected_version=version)
        message = f"#{ctx.args.number} merged into #{result.number}."
    elif action == "split":
        result = desk.split_message(ctx.args.number, ctx.args.message)
        message = f"The message is ticket #{result.number} now."
    elif action in ("retry", "discard"):
        call = desk.retry_delivery if action == "retry" else desk.discard_delivery
        result = call(ctx.args.message)
        message = "Reply queued again." if action == "retry" else "Reply discarded."
    elif action == "reply":
        result = desk.queue_reply(
            ctx.args.number,
            _text_argument(ctx.args.text),
            status_after=ctx.args.status,
            expected_version=version,
            attachments=[Path(name) for name in ctx.args.attach],
            override_checks=ctx.args.override_checks,
        )
        message = (
            "Reply sent to your mentor for review."
            if result.delivery_state == "awaiting_review"
            else "Reply queued for sending."
        )
    else:  # pragma: no cover - argparse only lets known actions through
        raise UsageError(f"unknown ticket action {action}")
    if ctx.args.json:
        ctx.json(result.to_json())
    else:
        ctx.print(message)
    return EXIT_OK


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a day like 2026-11-23") from None


def cmd_report(ctx: Context) -> int:
    from supportdesk.reporttext import format_csv, format_report

    if ctx.args.to_day and not ctx.args.from_day:
        raise UsageError("--to needs --from (the first day of the report)")
    if ctx.args.from_day and ctx.args.period:
        raise UsageError("give either --period or --from/--to, not both")
    # Reports only read: a read-only session works on a database file you may only read.
    desk = ctx.desk(readonly=True)
    if ctx.args.from_day:
        period = desk.report_period("custom", first_day=ctx.args.from_day, last_day=ctx.args.to_day)
    else:
        period = desk.report_period(ctx.args.period or "7d")
    report = desk.team_report(period, ctx.args.by)
    if ctx.args.csv:
        ctx.out.write(format_csv(report))
        return EXIT_OK
    health = desk.queue_health()
    if ctx.args.json:
        ctx.json({**report.to_json(), "queue": health.to_json()})
    else:
        ctx.print(format_report(report, desk.team_settings().zone, health))
    return EXIT_OK


def cmd_poll(ctx: Context) -> int:
    import gc
    import signal
    import threading

    from supportdesk.channels.runner import Runner

    if not ctx.settings.email and not ctx.settings.telegram:
        raise UsageError(
            "no channel is configured: add an [[email]] account or a [[telegram]] bot to the "
            "config file (supportdesk config example shows both)"
        )
    runner = Runner(ctx.desk(), ctx.settings, parse_in_worker=True)
    # What exists by now (the modules, the engine, the settings) lives as long as the process:
    # out of the collector's sight, a full collection walks only what polling made. Walking
    # it all cost a mailbox of 10,000 messages 0.4 s of CPU. And a batch of mail is
    # thousands of objects that live until it is stored: collected every 700 allocations,
    # they were walked again and again (another 0.1 s); every 7,000 they mostly are not.
    gc.freeze()
    gc.set_threshold(7000, 10, 10)
    if ctx.args.once:
        reports = runner.run_once()
        bot_reports = runner.run_bots_once()
        deliveries = runner.send_once()
        closed = runner.housekeeping_once()
        if ctx.args.json:
            ctx.json(
                {
                    "accounts": [
                        {
                            "account": r.account,
                            "error": r.error,
                            "standby": r.standby,
                            "folders": [vars(p) for p in r.passes],
                        }
                        for r in reports
                    ],
                    "bots": [
                        {
                            "bot": r.bot,
                            "error": r.error,
                            **(vars(r.result) if r.result else {}),
                        }
                        for r in bot_reports
                    ],
                    "deliveries": [vars(d) for d in deliveries],
                    "closed": closed,
                }
            )
        else:
            for report in reports:
                if report.error:
                    ctx.print(f"{report.account}: {report.error}")
                if report.standby:
                    ctx.print(
                        f"{report.account}: skipped — another supportdesk is polling this "
                        "account right now"
                    )
                for p in report.passes:
                    line = f"{report.account} {p.folder}: {p.stored} new"
                    if p.duplicates:
                        line += f", {p.duplicates} already stored"
                    if p.too_large:
                        line += f", {p.too_large} too large (headers kept)"
                    ctx.print(line)
                    for warning in p.warnings:
                        ctx.print(f"  warning: {warning}")
            for bot in bot_reports:
                if bot.error:
                    ctx.print(bot.error)
                if bot.result is not None:
                    line = f"telegram {bot.bot}: {bot.result.stored} new"
                    if bot.result.duplicates:
                        line += f", {bot.result.duplicates} already stored"
                    if bot.result.ignored:
                        line += f", {bot.result.ignored} ignored (group chats, bots, …)"
                    if bot.result.ratings:
                        line += f", {bot.result.ratings} rating(s)"
                    ctx.print(line)
                    for warning in bot.result.warnings:
                        ctx.print(f"  warning: {warning}")
            for delivery in deliveries:
                line = f"reply on #{delivery.ticket_number}: {delivery.outcome}"
                ctx.print(line + (f" ({delivery.error})" if delivery.error else ""))
            if closed:
                shown = ", ".join(f"#{n}" for n in closed[:20])
                more = f" and {len(closed) - 20} more" if len(closed) > 20 else ""
                ctx.print(f"closed after a quiet period: {shown}{more}")
        ok = all(r.ok for r in reports) and all(b.ok for b in bot_reports)
        return EXIT_OK if ok else EXIT_REFUSED
    stopped = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    for problem in runner.start():
        print(f"supportdesk: {problem}", file=sys.stderr)
    ctx.print(
        f"Polling {len(ctx.settings.email)} mail account(s) and {len(ctx.settings.telegram)} "
        "Telegram bot(s); stop with Ctrl+C."
    )
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    runner.stop()
    return EXIT_OK


def cmd_import(ctx: Context) -> int:
    from supportdesk.channels.mailfiles import import_mail

    configured = {a.name: a for a in ctx.settings.email}
    name = ctx.args.account or (ctx.settings.email[0].name if ctx.settings.email else "import")
    prefix = configured[name].ticket_token if name in configured else "#"

    def progress(report: Any) -> None:
        print(f"import: {report.found} read, {report.stored} new", file=sys.stderr)

    report = import_mail(
        ctx.desk(),
        name,
        [Path(p) for p in ctx.args.paths],
        token_prefix=prefix,
        progress=progress,
    )
    if ctx.args.json:
        ctx.json(vars(report))
    else:
        ctx.print(
            f"Imported into account {name!r}: {report.found} messages read, {report.stored} "
            f"new, {report.duplicates} already stored."
        )
        for problem in report.problems:
            ctx.print(f"  problem: {problem}")
    return EXIT_OK if not report.problems else EXIT_REFUSED


def cmd_customers(ctx: Context) -> int:
    customer = ctx.desk().merge_customers(ctx.args.keep, ctx.args.other)
    if ctx.args.json:
        ctx.json(customer.to_json())
    else:
        ways = one_line(", ".join([*customer.emails, *(f"tg:{i}" for i in customer.telegram_ids)]))
        ctx.print(f"Merged into {one_line(customer.name)} ({ways}).")
    return EXIT_OK


def cmd_features(ctx: Context) -> int:
    groups = ctx.desk().feature_requests()
    if ctx.args.json:
        ctx.json([group.to_json() for group in groups])
        return EXIT_OK
    if not groups:
        ctx.print("No feature requests yet (category feature_request).")
    for group in groups:
        asked = ", ".join(one_line(name, 40) for name in group.customers[:8])
        more = f" and {len(group.customers) - 8} more" if len(group.customers) > 8 else ""
        ctx.print(
            f"{one_line(group.tag, 40)}: {len(group.customers)} customer(s), "
            f"{len(group.tickets)} ticket(s), {group.open_count} open — {asked}{more}"
        )
    return EXIT_OK


def cmd_settings(ctx: Context) -> int:
    desk = ctx.desk()
    if ctx.args.settings_command == "export":
        text = to_toml(desk.team_settings().document)
        if ctx.args.file == "-":
            ctx.out.write(text)
        else:
            Path(ctx.args.file).write_text(text, encoding="utf-8")
            ctx.print(f"Team settings written to {ctx.args.file}.")
        return EXIT_OK
    from supportdesk.store.reportfacts import facts_key

    settings = load_toml_file(Path(ctx.args.file))
    before = facts_key(desk.team_settings())
    count = desk.save_team_settings(settings)
    ctx.print(
        f"Team settings imported from {ctx.args.file}; SLA recomputed for {count} open tickets."
    )
    if facts_key(settings) != before:
        ctx.print(
            "The calendars or SLA policies changed: until `supportdesk db recompute` stores "
            "the other tickets' figures again, reports work them out from each ticket's "
            "history (the same figures, slower on a big database)."
        )
    return EXIT_OK


def cmd_check(ctx: Context) -> int:
    from supportdesk.core.checks import check_reply, guess_language
    from supportdesk.store.replychecks import to_dto

    body = _read_reply_file(ctx.args.file)
    if ctx.args.ticket is not None:
        if ctx.args.settings:
            raise UsageError("--settings and --ticket: a ticket is checked under the team's rules")
        result = ctx.desk().check_reply(ctx.args.ticket, body, attachments=ctx.args.attach)
        if ctx.args.lang and ctx.args.lang != result.language:
            ctx.print(f"(#{ctx.args.ticket}'s customer writes {result.language}; checked as that)")
    else:
        if ctx.args.settings:
            policy = load_toml_file(Path(ctx.args.settings)).checks
        elif ctx.settings.database_url or (ctx.settings.data_dir / "supportdesk.db").exists():
            policy = ctx.desk().team_settings().checks
        else:
            # No database here yet: nothing to read team rules from, so the built-in ones.
            policy = default_settings().checks
        language = ctx.args.lang or guess_language(body)
        found = check_reply(body, language, policy, attachments=ctx.args.attach)
        result = to_dto(body, language, found)
    if ctx.args.json:
        ctx.json(result.to_json())
    else:
        name = "<stdin>" if ctx.args.file == "-" else ctx.args.file
        for finding in result.findings:
            ctx.print(
                f"{name}:{finding.line}:{finding.column}: {finding.severity} [{finding.rule}] "
                f"«{finding.excerpt}» {finding.message}"
            )
        errors = len(result.errors)
        ctx.print(
            f"{errors} error(s), {len(result.findings) - errors} warning(s) ({result.language})."
            if result.findings
            else f"No findings ({result.language})."
        )
    return EXIT_REFUSED if result.errors else EXIT_OK


def _read_reply_file(name: str) -> str:
    if name == "-":
        return _text_argument("-").replace("\r\n", "\n")
    data = Path(name).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name} is not UTF-8 text (byte "
            f"0x{data[exc.start]:02x} at position {exc.start}); convert it first, e.g. "
            "iconv -f cp1250 -t utf-8"
        ) from None
    return text.replace("\r\n", "\n")


def cmd_secrets(ctx: Context) -> int:
    name = ctx.args.name
    if ctx.args.secrets_command == "set":
        try:
            value = getpass.getpass(f"Value for secret {name!r} (not shown): ")
        except EOFError:  # stdin closed or empty, as in a script
            value = ""
        if not value:
            raise UsageError("nothing entered; the secret was not changed")
        set_secret(name, value)
        ctx.print(f"Secret {name!r} stored in the system keyring.")
        return EXIT_OK
    source = secret_source(name)
    if source is None:
        ctx.print(f"Secret {name!r}: not set.")
        return EXIT_REFUSED
    # Where it would be read from is not enough: a *_FILE may name a file that is not there.
    get_secret(name)  # SecretError says what is wrong, exit 1
    ctx.print(f"Secret {name!r}: found ({source}).")
    return EXIT_OK


def cmd_config(ctx: Context) -> int:
    from supportdesk.config import settings_template

    ctx.out.write(settings_template())
    return EXIT_OK


def cmd_doctor(ctx: Context) -> int:
    problems = 0

    def check(ok: bool, text: str, fix: str = "") -> None:
        nonlocal problems
        problems += 0 if ok else 1
        ctx.print(
            ("  ok    " if ok else "  FAIL  ")
            + text
            + ("" if ok or not fix else f"\n        fix: {fix}")
        )

    config_path = resolve_config_path(Path(ctx.args.config) if ctx.args.config else None)
    ctx.print("supportdesk doctor")
    check(
        True,
        f"config {config_path}"
        + ("" if config_path.exists() else " (not present; defaults in use)"),
    )
    try:
        database = ctx.database()
        desk = ctx.desk()
        counts = desk.view_counts() if ctx.settings.agent else {}
        check(
            True,
            f"database {database.description} "
            f"(schema {current_revision(database)}, {database.dialect})",
        )
        if counts:
            check(
                True, f"queue: {counts.get('open', 0)} open, {counts.get('breached', 0)} breached"
            )
    except SecretError as exc:
        # The database's password cannot be read: say so and go on to the other checks.
        secret = ctx.settings.database_password_secret
        check(False, f"database: {exc}", f"supportdesk secrets set {secret}")
        desk = None
    except (StoreError, DeskError) as exc:
        check(False, f"database: {exc}", "check --db / SUPPORTDESK_DATABASE_URL")
        desk = None
    problem = _data_dir_problem(ctx.settings.data_dir)
    check(
        problem is None,
        f"data folder {ctx.settings.data_dir}" + (f": {problem}" if problem else ""),
        "set data_dir in the config (or SUPPORTDESK_DATA_DIR) to a folder this user can "
        "write: attachments, drafts and logs go there",
    )
    if ctx.settings.agent and desk is not None:
        me = desk.whoami()
        check(
            me is not None,
            f"agent {ctx.settings.agent!r}"
            + (f" ({me.role})" if me else " is not in this database"),
            f'a lead runs: supportdesk agents add {ctx.settings.agent} --display-name "…"',
        )
    elif not ctx.settings.agent:
        check(
            False,
            "no agent name set",
            'set agent = "NAME" in the config file, SUPPORTDESK_AGENT or --agent',
        )
    usable, description = keyring_status()
    ctx.print(f"  {'ok  ' if usable else 'note'}  system keyring: {description}")

    def read_secret(what: str, kind: str, name: str) -> str | None:
        """The secret's value with one line saying where it came from, or a FAIL line."""
        source = secret_source(name)
        if source is None:
            check(
                False,
                f"{what}: {kind} secret {name!r} is not set",
                f"supportdesk secrets set {name}",
            )
            return None
        try:
            value = get_secret(name)
        except SecretError as exc:  # named but unreadable, e.g. a *_FILE that is not there
            check(False, f"{what}: {exc}", "make the secret readable, or set it another way")
            return None
        check(True, f"{what}: {kind} secret {name!r} from {source}")
        return value

    for account in ctx.settings.email:
        password = read_secret(f"email {account.name}", "password", account.password_secret)
        if password is not None:
            for line, ok, fix in _check_mail_account(account, password):
                check(ok, line, fix)
    for bot in ctx.settings.telegram:
        token = read_secret(f"telegram {bot.name}", "token", bot.token_secret)
        if token is not None:
            check(*_check_bot(bot, token), "check the token and api_url in the config")
    ctx.print("All good." if not problems else f"{problems} problem(s) found.")
    return EXIT_OK if not problems else EXIT_REFUSED


# -- parser ---------------------------------------------------------------------------------


def _data_dir_problem(data_dir: Path) -> str | None:
    """Why files cannot be written in the data folder, or None when they can."""
    import tempfile

    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as exc:
        return f"cannot be written: {exc.strerror or exc}"
    return None


def _check_mail_account(account: Any, password: str) -> list[tuple[str, bool, str]]:
    """Log in to the account's IMAP and SMTP servers once: (what, ok, how to fix)."""
    from supportdesk.channels.imap import ImapPoller, ImapTrouble
    from supportdesk.channels.smtp import check_login

    results: list[tuple[str, bool, str]] = []
    poller = ImapPoller(None, account, password)  # type: ignore[arg-type]
    try:
        client = poller.connect()
        counts = []
        for folder in account.folders:
            info = client.select_folder(folder, readonly=True)
            counts.append(f"{folder} {int(info.get(b'EXISTS', 0))} messages")
        idle = "IDLE" if client.has_capability("IDLE") else "no IDLE (polling)"
        results.append(
            (
                f"email {account.name}: IMAP login as {account.imap_login} ok; "
                f"{', '.join(counts)}; {idle}",
                True,
                "",
            )
        )
    except ImapTrouble as trouble:
        results.append((f"email {account.name}: {trouble}", False, "check imap_* in the config"))
    except Exception as exc:  # a folder that does not exist, say: report, do not crash
        results.append((f"email {account.name}: IMAP: {exc}", False, "check folders in the config"))
    finally:
        poller.close()
    problem = check_login(account, password)
    results.append(
        (
            f"email {account.name}: SMTP " + (problem or f"login as {account.smtp_login} ok"),
            problem is None,
            "check smtp_* in the config",
        )
    )
    return results


def _check_bot(bot: Any, token: str) -> tuple[bool, str]:
    """Ask the Bot API who the bot is (getMe): its username, or exactly what went wrong."""
    from supportdesk.channels.telegram import check_bot

    return check_bot(bot, token)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return number


def _ticket_number(value: str) -> int:
    number = int(value.lstrip("#"))
    if not 0 < number < 2**31:
        raise argparse.ArgumentTypeError(f"{value} is not a ticket number")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supportdesk",
        description="A terminal help desk: email and Telegram in one queue with live SLA timers.",
    )
    parser.add_argument(
        "--db",
        help="a SQLite file path or a postgresql+psycopg:// URL (env SUPPORTDESK_DATABASE_URL)",
    )
    parser.add_argument(
        "--config", help=f"config file (env SUPPORTDESK_CONFIG; default: {default_config_path()})"
    )
    parser.add_argument("--agent", help="who you are: your agent name (env SUPPORTDESK_AGENT)")
    parser.add_argument("--version", action="version", version=f"supportdesk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    from supportdesk import escalationcli, librarycli

    def add(
        name: str, handler: Callable[[Context], int], help_text: str
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    demo = add("demo", cmd_demo, "create or reuse a demo database and open the console")
    demo.add_argument(
        "--db",
        dest="demo_db",
        metavar="PATH",
        help="demo database file (default: demo.db in the data folder)",
    )
    demo.add_argument(
        "--scale",
        type=_positive,
        help="number of tickets (default 360)",
    )
    demo.add_argument("--seed", type=int, help="random seed (default 7)")
    demo.add_argument(
        "--agent",
        dest="demo_agent",
        metavar="NAME",
        help="who you are in the demo (default ann; marta is the lead, kasia a trainee)",
    )
    demo.add_argument("--fresh", action="store_true", help="delete an existing demo database first")
    demo.add_argument("--no-ui", action="store_true", help="only create the database")

    init = add(
        "init", cmd_init, "create or upgrade the database (and optionally add the first lead)"
    )
    init.add_argument("--lead", metavar="NAME", help="add this agent as the team's first lead")
    init.add_argument("--display-name", help="the lead's display name")

    db = add(
        "db",
        cmd_db,
        "database schema: upgrade or show the current version; recompute: store every "
        "ticket's report figures again after the SLA settings changed",
    )
    db.add_argument("db_command", choices=["upgrade", "current", "recompute"])

    add("doctor", cmd_doctor, "check config, database, secrets and channels; say what to fix")

    agents = add("agents", cmd_agents, "list, add, group or graduate agents")
    agents_sub = agents.add_subparsers(dest="agents_command", required=True)
    agents_list = agents_sub.add_parser("list", help="list agents")
    agents_list.add_argument("--json", action="store_true")
    agents_add = agents_sub.add_parser(
        "add", help="add an agent (leads only; the first agent must be a lead)"
    )
    agents_add.add_argument("name", help="login name: lower-case letters, digits, . _ -")
    agents_add.add_argument("--display-name")
    agents_add.add_argument("--role", default="agent", choices=["agent", "trainee", "lead"])
    agents_add.add_argument("--mentor", help="mentor's agent name (required for trainees)")
    agents_add.add_argument("--email")
    agents_add.add_argument("--language", default="en")
    agents_add.add_argument(
        "--group", action="append", metavar="NAME", help="also put into this group (repeatable)"
    )
    agents_add.add_argument("--json", action="store_true")
    escalationcli.add_group_command(agents_sub)
    from supportdesk import reviewcli

    graduate = agents_sub.add_parser(
        "graduate", help="let a trainee send replies without review from a date (leads only)"
    )
    graduate.add_argument("name", help="the trainee's agent name")
    graduate.add_argument(
        "--from",
        dest="from_day",
        required=True,
        type=reviewcli.graduation_day,
        metavar="YYYY-MM-DD",
        help="the first day (team time zone) their replies go out directly",
    )
    graduate.add_argument("--json", action="store_true")

    tickets = add("tickets", cmd_tickets, "the queue in ranking order")
    tickets.add_argument("--view", choices=list(VIEWS), help="which queue (default open)")
    tickets.add_argument("--status", action="append", help="only these statuses (repeatable)")
    tickets.add_argument(
        "--search", help="filter by subject, customer, email address, number or tag"
    )
    tickets.add_argument("--limit", type=_positive, default=50)
    tickets.add_argument("--offset", type=_not_negative, default=0)
    tickets.add_argument("--json", action="store_true")

    ticket = add("ticket", cmd_ticket, "show or change one ticket")
    ticket_sub = ticket.add_subparsers(dest="ticket_command", required=True)

    def ticket_action(
        name: str, help_text: str, *, versioned: bool = True
    ) -> argparse.ArgumentParser:
        sub = ticket_sub.add_parser(name, help=help_text, description=help_text)
        if name != "take-next":
            sub.add_argument("number", type=_ticket_number, help="ticket number")
        if versioned:
            sub.add_argument(
                "--version", type=int, help="refuse if the ticket changed since this version"
            )
        sub.add_argument("--json", action="store_true")
        return sub

    ticket_action("show", "the conversation, notes and SLA clocks", versioned=False)
    ticket_action("take", "assign the ticket to yourself")
    ticket_action("take-next", "take the most urgent unassigned ticket", versioned=False)
    assign = ticket_action("assign", "assign to a colleague ('none' to unassign)")
    # Not dest "agent": that is the global --agent (who acts), which it would overwrite.
    assign.add_argument("assignee", metavar="AGENT", help="the colleague's agent name, or none")
    status = ticket_action("status", "set the status")
    status.add_argument("status", choices=["open", "pending", "on_hold", "solved", "closed"])
    status.add_argument("--reason", help="why (required to close a ticket that is not solved)")
    priority = ticket_action("priority", "set the priority")
    priority.add_argument("priority", choices=["urgent", "high", "normal", "low"])
    priority.add_argument("--reason", help="why it is urgent (required for urgent)")
    category = ticket_action("category", "set the category")
    category.add_argument(
        "category", choices=["blocking", "question", "onboarding", "feature_request"]
    )
    tag = ticket_action("tag", "add or remove tags")
    tag.add_argument("--add", action="append", metavar="TAG")
    tag.add_argument("--remove", action="append", metavar="TAG")
    note = ticket_action(
        "note", "add an internal note (@name mentions a colleague)", versioned=False
    )
    note.add_argument("text", help="the note, or - to read it from standard input")
    note.add_argument(
        "--handover", action="store_true", help="a 'where I stopped' note for a colleague"
    )
    merge = ticket_action("merge", "merge the ticket into another (it closes, pointing there)")
    merge.add_argument("--into", type=_ticket_number, required=True, metavar="NUMBER")
    split = ticket_action("split", "make one customer message a ticket of its own", versioned=False)
    split.add_argument("message", type=int, help="the message's id (ticket show --json)")
    for name, what in (("retry", "send a failed reply again"), ("discard", "give up on a reply")):
        stuck = ticket_action(name, what, versioned=False)
        stuck.add_argument("message", type=int, help="the reply's id (ticket show --json)")
    escalationcli.add_ticket_commands(ticket_action)
    reply = ticket_action("reply", "queue a reply to the customer")
    reply.add_argument("text", help="the reply, or - to read it from standard input")
    reply.add_argument(
        "--status", choices=["open", "pending", "on_hold", "solved"], help="status after the reply"
    )
    reply.add_argument(
        "--attach", action="append", default=[], metavar="FILE", help="attach a file (repeatable)"
    )
    reply.add_argument(
        "--override-checks",
        action="store_true",
        help="send even when the reply checker finds errors (not for trainees)",
    )

    check = add(
        "check",
        cmd_check,
        "run the reply checker on a text file; exit code 1 when it finds an error",
    )
    check.add_argument("file", help="the reply text (UTF-8), or - for standard input")
    check.add_argument(
        "--lang",
        choices=["en", "pl", "ru"],
        help="the reply's language (default: the ticket customer's, else guessed from the text)",
    )
    check.add_argument(
        "--ticket",
        type=_ticket_number,
        metavar="NUMBER",
        help="check as a reply on this ticket: also against this customer's earlier replies "
        "and the internal articles",
    )
    check.add_argument(
        "--settings",
        metavar="TEAM.toml",
        help="use the checker rules of this team settings file instead of the database's",
    )
    check.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="NAME",
        help="a file that goes with the reply (repeatable)",
    )
    check.add_argument("--json", action="store_true")

    supervisor = add("supervisor", cmd_supervisor, "the supervisor dashboard, live and read-only")
    supervisor.add_argument(
        "--period", choices=["today", "7d", "30d"], default="7d", help="figures of (default 7d)"
    )

    report = add(
        "report",
        cmd_report,
        "the supervisor's figures for a period: per agent, channel, day or hour (read-only)",
    )
    report.add_argument(
        "--period", choices=["today", "7d", "30d"], help="a period up to now (default 7d)"
    )
    report.add_argument(
        "--from", dest="from_day", type=_day, metavar="DAY", help="first day, e.g. 2026-11-02"
    )
    report.add_argument(
        "--to", dest="to_day", type=_day, metavar="DAY", help="last day, included (default today)"
    )
    report.add_argument(
        "--by", choices=["agent", "channel", "day", "hour"], default="agent", help="one row per…"
    )
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true")

    poll = add("poll", cmd_poll, "fetch mail from every configured channel until stopped")
    poll.add_argument("--once", action="store_true", help="one pass, then exit (0 when all stored)")
    poll.add_argument("--json", action="store_true")

    importing = add(
        "import", cmd_import, "import mail history: .eml files, mbox files, Maildir folders"
    )
    importing.add_argument("paths", nargs="+", metavar="PATH")
    importing.add_argument(
        "--account", help="the mail account it belongs to (default: the first one)"
    )
    importing.add_argument("--json", action="store_true")

    features = add(
        "features", cmd_features, "feature requests grouped by tag, with the customers who asked"
    )
    features.add_argument("--json", action="store_true")

    customers = add("customers", cmd_customers, "customer records")
    customers_sub = customers.add_subparsers(dest="customers_command", required=True)
    merge = customers_sub.add_parser(
        "merge",
        help="two records of one person become one (by email address or tg:TELEGRAM_ID)",
    )
    merge.add_argument("keep", help="an email address or tg:ID of the record to keep")
    merge.add_argument("other", help="an email address or tg:ID of the record to merge into it")
    merge.add_argument("--json", action="store_true")

    settings = add("settings", cmd_settings, "team settings (SLA, calendars, categories) as TOML")
    settings_sub = settings.add_subparsers(dest="settings_command", required=True)
    settings_sub.add_parser("export", help="write the team settings").add_argument(
        "file", help="file, or - for standard output"
    )
    settings_sub.add_parser(
        "import", help="validate and load team settings (leads only)"
    ).add_argument("file")

    secrets = add(
        "secrets", cmd_secrets, "store or check a secret (mail password, bot token) by name"
    )
    secrets_sub = secrets.add_subparsers(dest="secrets_command", required=True)
    secrets_sub.add_parser(
        "set", help="store in the system keyring (asks without echo)"
    ).add_argument("name")
    secrets_sub.add_parser("check", help="say where a secret would be read from").add_argument(
        "name"
    )

    librarycli.add_commands(add, _ticket_number)
    escalationcli.add_commands(add, _day)
    reviewcli.add_commands(add)
    from supportdesk import incidentcli

    incidentcli.add_commands(add, _ticket_number)

    config = add("config", cmd_config, "configuration help")
    config.add_argument(
        "config_command", choices=["example"], help="print a commented example config file"
    )
    return parser


# The options of `supportdesk` itself, which a user may well type after the command.
GLOBAL_OPTIONS = ("--db", "--config", "--agent")


def run(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    err = err or sys.stderr
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        misplaced = [a.split("=", 1)[0] for a in extra if a.split("=", 1)[0] in GLOBAL_OPTIONS]
        hint = (
            f" ({misplaced[0]} is a global option: it goes before the command, "
            f"e.g. supportdesk {misplaced[0]} … {getattr(args, 'command', None) or 'COMMAND'} …)"
            if misplaced
            else ""
        )
        parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    overrides = {
        key: value for key, value in (("database_url", args.db), ("agent", args.agent)) if value
    }
    ctx: Context | None = None
    try:
        settings = load_settings(Path(args.config) if args.config else None, overrides=overrides)
        from supportdesk import logs

        logs.configure(settings.data_dir)
        ctx = Context(args, settings, out or sys.stdout, err)
        handler: Callable[[Context], int] = getattr(args, "handler", cmd_console)
        if handler is not cmd_console and handler is not cmd_demo:
            launch.started()  # the console says so itself, once its first screen is up
        return handler(ctx)
    except (ConfigError, UsageError, TeamSettingsError) as exc:
        print(f"supportdesk: {exc}", file=err)
        return EXIT_USAGE
    except (DeskError, StoreError, SecretError) as exc:
        print(f"supportdesk: {exc}", file=err)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("supportdesk: interrupted", file=err)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        print(
            f"supportdesk: {exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else ""),
            file=err,
        )
        return EXIT_REFUSED
    finally:
        if ctx is not None:
            ctx.close()


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
