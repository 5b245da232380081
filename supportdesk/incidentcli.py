"""`supportdesk incident …`: declare an outage, link its tickets, answer them all at once and
tell them all when it is fixed (text, or JSON with --json)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from supportdesk.core.incidents import translations
from supportdesk.core.plaintext import one_line
from supportdesk.core.templates import TemplateDef
from supportdesk.core.textsearch import fold
from supportdesk.store.desk import NotFound
from supportdesk.store.incidents import BulkReplyResult, IncidentInfo, LinkResult

if TYPE_CHECKING:
    from supportdesk.__main__ import Context

EXIT_OK = 0
EXIT_REFUSED = 1


def _when(info: IncidentInfo) -> str:
    return info.declared_at.astimezone().strftime("%a %d %b %H:%M")


def describe(info: IncidentInfo) -> str:
    state = "OPEN" if info.is_open else "resolved"
    return (
        f"{info.id}  [{state}] {one_line(info.title, 70)} — {info.ticket_count} ticket"
        f"{'s' if info.ticket_count != 1 else ''} ({info.active_count} active, "
        f"{info.unanswered_count} unanswered); declared by {info.declared_by} {_when(info)}"
    )


def find_template(templates: Sequence[TemplateDef], wanted: str) -> TemplateDef | None:
    """By key, shortcut or name (case and accents ignored); English first among equals."""
    needle = fold(wanted.strip().lstrip(";"))
    found = [
        t
        for t in templates
        if wanted == t.key or fold(t.shortcut or "") == needle or fold(t.name) == needle
    ]
    found.sort(key=lambda t: (t.language != "en", t.key))
    return found[0] if found else None


def _print_link(ctx: Context, result: LinkResult, verb: str) -> None:
    numbers = ", ".join(f"#{n}" for n in result.changed) or "nothing"
    ctx.print(f"Incident {result.incident.id}: {verb} {numbers}.")
    for s in result.skipped:
        ctx.print(f"  #{s.number} skipped: {s.reason}")


def _print_bulk(ctx: Context, result: BulkReplyResult) -> None:
    ctx.print(f"Incident {result.incident.id} ({one_line(result.incident.title, 60)}):")
    ctx.print(f"  {len(result.queued)} queued: {', '.join(f'#{n}' for n in result.queued) or '—'}")
    if result.solved:
        ctx.print(f"  {len(result.solved)} set solved")
    for s in result.skipped:
        ctx.print(f"  #{s.number} skipped: {s.reason}")


def cmd_incident(ctx: Context) -> int:
    args = ctx.args
    command = args.incident_command
    desk = ctx.desk(readonly=True) if command in ("list", "show") else ctx.desk()
    if command == "declare":
        info = desk.declare_incident(args.title, args.message, tickets=args.link or ())
        if args.json:
            ctx.json(info.to_json())
        else:
            ctx.print(f"Declared incident {info.id}: {one_line(info.title, 70)}")
            if info.ticket_count:
                ctx.print(f"  {info.ticket_count} tickets linked")
        return EXIT_OK
    if command == "list":
        status = None if args.all else ("resolved" if args.resolved else "open")
        incidents = desk.list_incidents(status)
        if args.json:
            ctx.json([i.to_json() for i in incidents])
        elif not incidents:
            ctx.print("No open incidents." if status == "open" else "No incidents.")
        for info in incidents if not args.json else ():
            ctx.print(describe(info))
        return EXIT_OK
    if command == "show":
        detail = desk.get_incident(args.id)
        if args.json:
            ctx.json(detail.to_json())
            return EXIT_OK
        info = detail.incident
        ctx.print(describe(info))
        ctx.print(f"Version {info.version}. Status message:")
        for line in info.message.splitlines():
            ctx.print(f"  {one_line(line, 200)}")
        if info.resolution:
            ctx.print(f"Resolved by {info.resolved_by}:")
            for line in info.resolution.splitlines():
                ctx.print(f"  {one_line(line, 200)}")
        for t in detail.tickets:
            ctx.print(
                f"  #{t.number} [{t.status}] {one_line(t.customer.name, 24)} — "
                f"{one_line(t.subject, 60)}"
            )
        return EXIT_OK
    if command == "update":
        info = desk.update_incident(
            args.id, title=args.title, message=args.message, expected_version=args.version
        )
        if args.json:
            ctx.json(info.to_json())
        else:
            ctx.print(f"Incident {info.id} is at version {info.version}.")
        return EXIT_OK
    if command in ("link", "unlink"):
        method = desk.link_tickets if command == "link" else desk.unlink_tickets
        result = method(args.id, args.numbers, expected_version=args.version)
        if args.json:
            ctx.json(result.to_json())
        else:
            _print_link(ctx, result, "linked" if command == "link" else "unlinked")
        return EXIT_OK if result.changed or not result.skipped else EXIT_REFUSED
    if command == "reply":
        template = body = None
        table: dict[str, str] = {}
        if args.template:
            from supportdesk.librarycli import library

            loaded = library(ctx).load().templates
            chosen = find_template(loaded, args.template)
            if chosen is None:
                raise NotFound(
                    f"no template {args.template!r}; `supportdesk templates list` shows them"
                )
            template, body, table = chosen, chosen.body, translations(loaded, chosen)
        result = desk.incident_reply(
            args.id,
            template=body,
            translations=table,
            template_name=template.name if template else None,
            status_after=args.status or (template.set_status if template else None),
            category_after=template.category if template else None,
            expected_version=args.version,
            override_checks=args.override_checks,
        )
        if args.json:
            ctx.json(result.to_json())
        else:
            _print_bulk(ctx, result)
        return EXIT_OK
    # resolve
    result = desk.resolve_incident(
        args.id,
        args.message,
        solve=args.solve,
        expected_version=args.version,
        override_checks=args.override_checks,
    )
    if args.json:
        ctx.json(result.to_json())
    else:
        ctx.print(f"Resolved incident {result.incident.id}.")
        _print_bulk(ctx, result)
    return EXIT_OK


def _incident_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an incident id") from None
    if not 0 < number < 2**31:
        raise argparse.ArgumentTypeError(f"{value} is not an incident id")
    return number


def add_commands(add: Callable[..., argparse.ArgumentParser], ticket_number: Callable) -> None:
    """Register `incident …` on the main parser (`add(name, handler, help)`)."""
    incident = add(
        "incident", cmd_incident, "incidents: declare, list, show, update, link, reply, resolve"
    )
    sub = incident.add_subparsers(dest="incident_command", required=True)
    declare = sub.add_parser("declare", help="declare an outage many customers write about")
    declare.add_argument("title")
    declare.add_argument("--message", required=True, help="the status message customers get")
    declare.add_argument(
        "--link", nargs="+", type=ticket_number, metavar="N", help="link these tickets at once"
    )
    declare.add_argument("--json", action="store_true")
    listing = sub.add_parser("list", help="open incidents (--resolved, --all)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--resolved", action="store_true")
    which.add_argument("--all", action="store_true")
    listing.add_argument("--json", action="store_true")
    show = sub.add_parser("show", help="one incident with its linked tickets")
    show.add_argument("id", type=_incident_id)
    show.add_argument("--json", action="store_true")
    update = sub.add_parser("update", help="a new status message or title")
    update.add_argument("id", type=_incident_id)
    update.add_argument("--message")
    update.add_argument("--title")
    for name, help_text in (("link", "link tickets"), ("unlink", "unlink tickets")):
        parser = sub.add_parser(name, help=help_text)
        parser.add_argument("id", type=_incident_id)
        parser.add_argument("numbers", nargs="+", type=ticket_number, metavar="N")
    reply = sub.add_parser(
        "reply",
        help="answer every active linked ticket: the status message, or --template",
    )
    reply.add_argument("id", type=_incident_id)
    reply.add_argument(
        "--template", help="a template's shortcut, name or key (each customer's language used)"
    )
    reply.add_argument("--status", help="the tickets' status after the reply (pending, solved…)")
    resolve = sub.add_parser(
        "resolve", help="resolve: tell every active linked ticket, optionally set them solved"
    )
    resolve.add_argument("id", type=_incident_id)
    resolve.add_argument("--message", required=True, help="what customers are told")
    resolve.add_argument("--solve", action="store_true", help="set the tickets solved")
    for parser in (update, reply, resolve, *[sub.choices["link"], sub.choices["unlink"]]):
        parser.add_argument(
            "--version", type=int, help="refuse if the incident changed since this version"
        )
        parser.add_argument("--json", action="store_true")
    for parser in (reply, resolve):
        parser.add_argument(
            "--override-checks", action="store_true", help="send despite reply-checker errors"
        )
