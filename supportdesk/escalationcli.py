"""`supportdesk ticket escalate|return|hand-back N`, `supportdesk agents group NAME` and
`supportdesk escalations stats`: the second line from the command line (text, or --json)."""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportdesk.core.escalation import parse_assignments
from supportdesk.core.plaintext import one_line, strip_controls
from supportdesk.store.escalationdto import EscalationInfo, EscalationStats

if TYPE_CHECKING:
    from supportdesk.__main__ import Context

EXIT_OK = 0
STATE_WORDS = {
    "open": "waiting on the second line",
    "returned": "returned as incomplete",
    "handed_back": "handed back",
}


def _usage(message: str) -> Exception:
    from supportdesk.__main__ import UsageError

    return UsageError(message)


def read_fields(args: argparse.Namespace) -> dict[str, str]:
    """--fields-file (a TOML table: "What was checked" = \"\"\"…\"\"\") then --field NAME=VALUE."""
    values: dict[str, str] = {}
    if args.fields_file:
        path = Path(args.fields_file)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise _usage(f"{path}: cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise _usage(f"{path}: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise _usage(f"{path}: not valid TOML: {exc}") from None
        for name, value in data.items():
            if not isinstance(value, str):
                raise _usage(f'{path}: {name!r} must be text, e.g. {name!r} = "…"')
            values[name] = value
    try:
        values.update(parse_assignments(args.field or ()))
    except ValueError as exc:
        raise _usage(str(exc)) from None
    if not values:
        raise _usage(
            'give the fields with --field "NAME=VALUE" (repeatable) or --fields-file FILE.toml; '
            "`supportdesk escalations fields` lists them"
        )
    return values


def _text(value: str) -> str:
    from supportdesk.__main__ import _text_argument

    return _text_argument(value)


def cmd_escalation_ticket(ctx: Context) -> int:
    desk = ctx.desk()
    action = ctx.args.ticket_command
    version = ctx.args.version
    info: EscalationInfo
    if action == "escalate":
        info = desk.escalate(
            ctx.args.number, read_fields(ctx.args), to=ctx.args.to, expected_version=version
        )
        message = f"#{info.number} escalated to {info.group}" + (
            f" ({info.target})" if info.target else ""
        )
        message += f", round {info.round}."
    elif action == "return":
        info = desk.return_escalation(
            ctx.args.number, _text(ctx.args.comment), expected_version=version
        )
        message = f"#{info.number} returned to {info.escalated_by} as incomplete."
    else:
        info = desk.hand_back(ctx.args.number, _text(ctx.args.note), expected_version=version)
        message = f"#{info.number} handed back to {info.escalated_by}."
    if ctx.args.json:
        ctx.json(info.to_json())
    else:
        ctx.print(message)
    return EXIT_OK


def cmd_escalations(ctx: Context) -> int:
    if ctx.args.escalations_command == "fields":
        setup = ctx.desk(readonly=True).escalation_setup()
        if ctx.args.json:
            ctx.json(
                {
                    "group": setup.group,
                    "members": [name for name, _ in setup.members],
                    "fields": list(setup.fields),
                    "min_length": setup.min_length,
                }
            )
        else:
            members = ", ".join(name for name, _ in setup.members) or "(no members yet)"
            ctx.print(f"Escalations go to {setup.group}: {members}")
            ctx.print(f"Required fields (at least {setup.min_length} characters each):")
            for name in setup.fields:
                ctx.print(f"  {name}")
        return EXIT_OK
    if ctx.args.to_day and not ctx.args.from_day:
        raise _usage("--to needs --from (the first day)")
    if ctx.args.from_day and ctx.args.period:
        raise _usage("give either --period or --from/--to, not both")
    desk = ctx.desk(readonly=True)
    if ctx.args.from_day:
        period = desk.report_period("custom", first_day=ctx.args.from_day, last_day=ctx.args.to_day)
    else:
        period = desk.report_period(ctx.args.period or "7d")
    stats = desk.escalation_stats(period)
    if ctx.args.json:
        ctx.json(stats.to_json())
    else:
        ctx.print(format_stats(stats))
    return EXIT_OK


def rate_text(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def format_stats(stats: EscalationStats) -> str:
    lines = [
        f"Escalations made {stats.first_day} – {stats.last_day} ({stats.timezone}), "
        "by the agent who escalated",
        "",
        f"{'Agent':<28} {'made':>5} {'returned':>9} {'handed back':>12} {'open':>5} "
        f"{'return rate':>12}",
    ]
    for row in (*stats.rows, stats.total):
        name = row.display_name if row.agent == "(team)" else f"{row.display_name} ({row.agent})"
        if row.role == "trainee":
            name += " *"
        lines.append(
            f"{one_line(name, 28):<28} {row.made:>5} {row.returned:>9} {row.handed_back:>12} "
            f"{row.open:>5} {rate_text(row.return_rate):>12}"
        )
    lines.append("")
    lines.append(
        "Return rate: escalations returned as incomplete / escalations made in the period."
        + (" * trainee." if any(r.role == "trainee" for r in stats.rows) else "")
    )
    return "\n".join(lines)


def cmd_group(ctx: Context) -> int:
    group = ctx.desk().set_group_members(
        ctx.args.group, add=ctx.args.add or (), remove=ctx.args.remove or ()
    )
    if ctx.args.json:
        ctx.json(group.to_json())
    else:
        ctx.print(f"{group.name}: {', '.join(group.members) or '(no members)'}")
    return EXIT_OK


def escalation_items(
    escalations: Sequence[EscalationInfo], local: Callable[[datetime], str]
) -> list[tuple[datetime, int, str]]:
    """Each round as plain text for `ticket show`: the fields, then how it ended."""
    items: list[tuple[datetime, int, str]] = []
    for e in escalations:
        head = f"── {local(e.created_at)}  ESCALATED by {e.escalated_by} to {e.group}" + (
            f" ({e.target})" if e.target else ""
        )
        body = "\n".join(f"  {name}: {strip_controls(value).rstrip()}" for name, value in e.fields)
        items.append((e.created_at, 2, f"{head} · round {e.round}\n{body}"))
        if e.closed_at is not None:
            word = "RETURNED AS INCOMPLETE" if e.state == "returned" else "HANDED BACK"
            text = f"── {local(e.closed_at)}  {word} by {e.closed_by} (round {e.round})"
            items.append((e.closed_at, 3, text + "\n" + strip_controls(e.comment or "").rstrip()))
    return items


def add_ticket_commands(
    ticket_action: Callable[..., argparse.ArgumentParser],
) -> None:
    escalate = ticket_action(
        "escalate", "escalate to the second line with every required field filled in"
    )
    escalate.add_argument(
        "--field",
        action="append",
        metavar="NAME=VALUE",
        help='one required field, e.g. --field "Customer impact=no calls" (repeatable)',
    )
    escalate.add_argument(
        "--fields-file", metavar="FILE.toml", help='the fields as TOML: "What was checked" = "…"'
    )
    escalate.add_argument("--to", metavar="AGENT", help="a member of the group (default: anyone)")
    returning = ticket_action("return", "second line: return an escalation as incomplete")
    returning.add_argument(
        "--comment", required=True, help="what is missing (or - to read it from standard input)"
    )
    hand_back = ticket_action("hand-back", "second line: done; back to the first-line agent")
    hand_back.add_argument(
        "--note", required=True, help="what was done (or - to read it from standard input)"
    )
    for sub in (escalate, returning, hand_back):
        sub.set_defaults(handler=cmd_escalation_ticket)


def add_group_command(agents_sub: Any) -> None:
    group = agents_sub.add_parser(
        "group", help="put agents into a named group or take them out (leads only)"
    )
    group.add_argument("group", help="the group's name, e.g. second-line")
    group.add_argument("--add", action="append", metavar="AGENT")
    group.add_argument("--remove", action="append", metavar="AGENT")
    group.add_argument("--json", action="store_true")
    group.set_defaults(handler=cmd_group)


def add_commands(add: Callable[..., argparse.ArgumentParser], day: Callable[[str], Any]) -> None:
    escalations = add(
        "escalations", cmd_escalations, "escalations to the second line: fields, return rates"
    )
    sub = escalations.add_subparsers(dest="escalations_command", required=True)
    fields = sub.add_parser("fields", help="the escalation group and the required fields")
    fields.add_argument("--json", action="store_true")
    stats = sub.add_parser(
        "stats",
        help="per agent: escalations made, returned as incomplete, return rate (read-only)",
    )
    stats.add_argument("--period", choices=["today", "7d", "30d"], help="default 7d")
    stats.add_argument("--from", dest="from_day", type=day, metavar="DAY")
    stats.add_argument("--to", dest="to_day", type=day, metavar="DAY")
    stats.add_argument("--json", action="store_true")
