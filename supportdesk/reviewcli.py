"""`supportdesk review …` and `supportdesk agents graduate`: the mentor's review of trainee
replies from the command line (text, or JSON with --json), for scripts and for leads."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from supportdesk.core.plaintext import one_line
from supportdesk.store.reviewdto import ReviewItem, ReviewStats

if TYPE_CHECKING:
    from supportdesk.__main__ import Context

EXIT_OK = 0


def _message_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a message id (a number)") from None
    if not 0 < number < 2**31:
        raise argparse.ArgumentTypeError(f"{value} is not a message id")
    return number


def graduation_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; expected YYYY-MM-DD") from None


def format_items(items: list[ReviewItem], ctx: Context) -> None:
    if not items:
        ctx.print("Nothing waits for review.")
        return
    zone = ctx.desk().team_settings().zone
    ctx.print(f"{'MESSAGE':>7}  {'TICKET':>6}  {'TRAINEE':<10} {'WAITING SINCE':<16} SUBJECT")
    for item in items:
        ctx.print(
            f"{item.message_id:>7}  #{item.ticket_number:<5}  {one_line(item.trainee, 10):<10} "
            f"{item.requested_at.astimezone(zone):%Y-%m-%d %H:%M} {one_line(item.subject, 60)}"
        )
        for line in item.text.splitlines()[:6]:
            ctx.print(f"{'':>17}| {one_line(line, 100)}")


def format_stats(stats: ReviewStats, ctx: Context) -> None:
    zone = ctx.desk().team_settings().zone
    if not stats.weeks and not stats.pending:
        ctx.print("No trainee reply has been reviewed yet.")
        return
    ctx.print(
        f"{'TRAINEE':<10} {'WEEK OF':<10} {'AS WRITTEN':>10} {'EDITED':>6} {'RETURNED':>8} "
        f"{'APPROVAL':>8}"
    )
    for week in stats.weeks:
        ctx.print(
            f"{one_line(week.trainee, 10):<10} {week.week.isoformat():<10} {week.approved:>10} "
            f"{week.edited:>6} {week.returned:>8} {week.approval_rate:>8.0%}"
        )
    for trainee, waiting in stats.pending:
        ctx.print(f"{trainee}: {waiting} repl{'y' if waiting == 1 else 'ies'} waiting for review")
    if stats.comments:
        ctx.print("")
        ctx.print("Returned with comments:")
        for c in stats.comments:
            ctx.print(
                f"  {c.at.astimezone(zone):%Y-%m-%d %H:%M} #{c.ticket_number} {c.trainee} "
                f"(by {c.reviewer}): {one_line(c.comment, 200)}"
            )


def cmd_review(ctx: Context) -> int:
    desk = ctx.desk()
    action = ctx.args.review_command
    if action == "list":
        items = desk.pending_reviews()
        if ctx.args.json:
            ctx.json([item.to_json() for item in items])
        else:
            format_items(items, ctx)
        return EXIT_OK
    if action == "stats":
        stats = desk.review_stats(ctx.args.trainee)
        if ctx.args.json:
            ctx.json(stats.to_json())
        else:
            format_stats(stats, ctx)
        return EXIT_OK
    if action == "approve":
        from supportdesk.__main__ import _read_reply_file

        body = _read_reply_file(ctx.args.text_file) if ctx.args.text_file else None
        item = desk.approve_reply(
            ctx.args.message,
            body=body,
            expected_version=ctx.args.version,
            override_checks=ctx.args.override_checks,
        )
        done = (
            f"#{item.ticket_number}: {item.trainee}'s reply "
            + ("edited and approved" if item.outcome == "edited" else "approved")
            + "; queued for sending."
        )
    else:
        item = desk.return_reply(
            ctx.args.message, ctx.args.comment, expected_version=ctx.args.version
        )
        done = f"#{item.ticket_number}: returned to {item.trainee} with your comment."
    if ctx.args.json:
        ctx.json(item.to_json())
    else:
        ctx.print(done)
    return EXIT_OK


def add_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Register `review` on the main parser (`add(name, handler, help)`)."""
    review = add("review", cmd_review, "trainee replies waiting for their mentor's review")
    sub = review.add_subparsers(dest="review_command", required=True)
    listing = sub.add_parser(
        "list", help="replies waiting for you to review, oldest first (a lead sees all)"
    )
    listing.add_argument("--json", action="store_true")
    approve = sub.add_parser("approve", help="approve a trainee's reply: it is sent")
    approve.add_argument("message", type=_message_id, help="MESSAGE_ID from `review list`")
    approve.add_argument(
        "--text-file",
        metavar="FILE",
        help="send this edited text instead (UTF-8; - reads standard input); the trainee's "
        "own words are kept for the record",
    )
    approve.add_argument(
        "--override-checks",
        action="store_true",
        help="send the edited text although the reply checker found errors",
    )
    approve.add_argument("--version", type=int, help="refuse if the ticket changed since then")
    approve.add_argument("--json", action="store_true")
    returning = sub.add_parser(
        "return", help="send a reply back to the trainee with a private comment (not sent)"
    )
    returning.add_argument("message", type=_message_id, help="MESSAGE_ID from `review list`")
    returning.add_argument("--comment", required=True, help="what to fix (required)")
    returning.add_argument("--version", type=int, help="refuse if the ticket changed since then")
    returning.add_argument("--json", action="store_true")
    stats = sub.add_parser(
        "stats", help="per trainee and week: approved as written, edited, returned; comments"
    )
    stats.add_argument("--agent", dest="trainee", metavar="NAME", help="only this trainee")
    stats.add_argument("--json", action="store_true")
