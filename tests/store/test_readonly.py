"""Read-only for real: every write the Desk offers, tried through a supervisor's session.

Each write is tried twice: through the read-only Desk (refused at once, in words), and through
a Desk whose read-only flag has been lifted while its database session stays read-only — so
it is the database, not only our own check, that refuses (SQLite `mode=ro` + `query_only`,
PostgreSQL `default_transaction_read_only`). Afterwards every table holds exactly what it held.
And a lead who may only read the file (a folder they cannot write to) still gets the figures.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlmodel import SQLModel

from supportdesk.clock import FrozenClock
from supportdesk.core.templates import TemplateDef
from supportdesk.store import dto
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database, StoreError, open_database
from supportdesk.store.desk import Desk, DeskError
from supportdesk.store.models import Message, OutboxItem
from supportdesk.store.teamsettings import default_settings

# Everything public on the Desk that only reads (or, like save_attachment, copies a file out).
READS = {
    "acting_as",
    "readonly",
    "list_agents",
    "whoami",
    "get_draft",
    "channel_state",
    "channel_health",
    "attachment_file",
    "save_attachment",
    "team_settings",
    "list_queue",
    "view_counts",
    "get_ticket",
    "latest_event_id",
    "events_after",
    "queue_health",
    "report_period",
    "team_report",
    "report_tickets",
    "health_tickets",
    "tickets_by_number",
    "feature_requests",
    "unreachable_reason",
    "rating_requests",
    "check_reply",
    # Trainee review: what waits, one item, a ticket's reviews, the lead's figures.
    "pending_reviews",
    "review_item",
    "review_history",
    "review_stats",
    # Incidents.
    "list_incidents",
    "get_incident",
    "incident_of_ticket",
    "incident_groups",
    "incident_queue",
    # The knowledge base and templates (export_articles only hands the articles back).
    "list_articles",
    "get_article",
    "kb_links",
    "search_kb",
    "export_articles",
    "list_team_templates",
    "template_usage",
    "similar_tickets",
    # Agent groups and escalations.
    "agent_groups",
    "escalation_setup",
    "escalations",
    "escalation_stats",
    # Locks between pollers and runners (advisory locks, lock files), not data; a supervisor
    # never polls.
    "channel_lock",
    "exclusive",
}


@dataclass
class World:
    """Numbers and ids of a small history every write can be aimed at."""

    first: int
    second: int
    split_message: int
    failed_reply: int
    outbox: int
    sent_external_id: str
    review_message: int


def inbound(who: str, clock: FrozenClock, **kw: Any) -> dto.InboundItem:
    fields: dict[str, Any] = {
        "channel": "email",
        "account": "support",
        "identity_kind": "email",
        "identity_value": who,
        "sender_name": who,
        "subject": "Calls drop after a minute",
        "text": "Hello, every call drops after a minute.",
        "at": clock.now(),
    }
    fields.update(kw)
    return dto.InboundItem(**fields)


def build_world(desk: Desk, clock: FrozenClock) -> World:
    channel = desk.acting_as(None)
    first = channel.receive_batch([inbound("jan@example.pl", clock)])[0].ticket_number
    channel.receive_batch([inbound("jan@example.pl", clock, ticket_number=first)])
    second = channel.receive_batch([inbound("eva@example.com", clock)])[0].ticket_number
    desk.queue_reply(first, "We are looking into it.")
    clock.advance(minutes=5)
    desk.queue_reply(second, "Which number do you call from?")
    claimed = channel.claim_outgoing("test", channel="email")
    by_ticket = {reply.ticket_number: reply for reply in claimed}
    channel.finish_delivery(by_ticket[first].outbox_id, "failed", error="550 no such user")
    channel.finish_delivery(by_ticket[second].outbox_id, "sent")
    clock.advance(minutes=5)
    desk.queue_reply(second, "And from which device?")
    messages = desk.get_ticket(first).messages
    split = next(m.id for m in messages if m.direction == "in" and m is not messages[0])
    failed = next(m.id for m in messages if m.delivery_state == "failed")
    with desk.database.read_session() as session:
        outbox = session.scalars(
            select(OutboxItem.id).where(OutboxItem.state == "queued").order_by(OutboxItem.id)
        ).first()
        sent = session.scalars(
            select(Message.external_id).where(Message.delivery_state == "sent")
        ).first()
    assert outbox is not None and sent is not None
    desk.save_draft(second, "reply", "half a thought")
    # An escalation waiting on the second line: what a return or a hand-back is aimed at.
    desk.acting_as("marta").set_group_members("second-line", add=["marta"])
    desk.escalate(
        first,
        {
            "What was checked": "the mailbox and the bounce from the customer's server",
            "Steps to reproduce": "reply to the customer's address from the console",
            "Customer impact": "the customer gets none of our answers",
        },
    )
    third = channel.receive_batch([inbound("ola@example.com", clock)])[0].ticket_number
    review = desk.acting_as("kasia").queue_reply(third, "Dzień dobry,\n\nsprawdzę to.\n\nKasia")
    desk.declare_incident("Calls drop everywhere", "We are on it.", tickets=[first])
    return World(first, second, split, failed, outbox, sent, review.id)


def writes(world: World, clock: FrozenClock) -> dict[str, Callable[[Desk], object]]:
    """One plausible call of every Desk write, aimed at the world above."""
    w = world
    return {
        "add_agent": lambda d: d.add_agent("zoe", "Zoe", "agent"),
        "take": lambda d: d.take(w.second),
        "take_next": lambda d: d.take_next(),
        "assign": lambda d: d.assign(w.first, "pavel"),
        "set_status": lambda d: d.set_status(w.first, "pending"),
        "set_priority": lambda d: d.set_priority(w.first, "urgent", reason="all calls drop"),
        "set_category": lambda d: d.set_category(w.first, "blocking"),
        "set_tags": lambda d: d.set_tags(w.first, add=["telephony"]),
        "add_note": lambda d: d.add_note(w.first, "@pavel can you look?"),
        "queue_reply": lambda d: d.queue_reply(w.first, "Fixed, please try again."),
        "save_draft": lambda d: d.save_draft(w.first, "note", "thinking"),
        "discard_draft": lambda d: d.discard_draft(w.second, "reply"),
        "receive": lambda d: d.receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="new@example.com",
            sender_name="New",
            subject="Hello",
            text="Hi",
            at=clock.now(),
        ),
        "receive_batch": lambda d: d.receive_batch(
            [
                inbound(
                    "file@example.com",
                    clock,
                    attachments=(dto.NewAttachment("a.txt", "text/plain", b"data"),),
                )
            ]
        ),
        "save_channel_state": lambda d: d.save_channel_state(
            dto.ChannelStateUpdate("email", "support", "INBOX", {"uid": 7})
        ),
        "record_channel_health": lambda d: d.record_channel_health(
            "email", "support", "INBOX", error="timeout", warning="folder reset"
        ),
        "mark_bounced": lambda d: d.mark_bounced("support", [w.sent_external_id], "550 gone"),
        "claim_outgoing": lambda d: d.claim_outgoing("supervisor", channel="email"),
        "finish_delivery": lambda d: d.finish_delivery(w.outbox, "sent"),
        "merge_customers": lambda d: d.merge_customers("jan@example.pl", "eva@example.com"),
        "merge_tickets": lambda d: d.merge_tickets(w.second, w.first),
        "split_message": lambda d: d.split_message(w.first, w.split_message),
        "retry_delivery": lambda d: d.retry_delivery(w.failed_reply),
        "discard_delivery": lambda d: d.discard_delivery(w.failed_reply),
        "store_attachment": lambda d: d.store_attachment(
            w.split_message, "b.txt", "text/plain", b"more"
        ),
        "rate": lambda d: d.rate(w.first, 1, channel="email"),
        "save_team_settings": lambda d: d.save_team_settings(default_settings()),
        "recompute_sla": lambda d: d.recompute_sla(),
        "close_quiet_solved": lambda d: d.close_quiet_solved(),
        "mark_unreachable": lambda d: d.mark_unreachable("email", "jan@example.pl", "blocked"),
        "record_rating_request": lambda d: d.record_rating_request(w.first),
        "save_article": lambda d: d.save_article(
            dto.ArticleDoc("reset-router", "Reset the router", "Hold the button 10 s.")
        ),
        "delete_article": lambda d: d.delete_article("reset-router"),
        "import_articles": lambda d: d.import_articles(
            [dto.ArticleDoc("voicemail", "Voicemail", "Dial *86.", internal=True)]
        ),
        "draft_article_from_reply": lambda d: d.draft_article_from_reply(
            next(m.id for m in d.get_ticket(w.second).messages if m.delivery_state == "sent")
        ),
        "approve_reply": lambda d: d.approve_reply(w.review_message),
        "return_reply": lambda d: d.return_reply(w.review_message, "ask for the number first"),
        "graduate": lambda d: d.graduate("kasia", date(2026, 12, 1)),
        "record_template_use": lambda d: d.record_template_use("shipped:en:greeting"),
        "declare_incident": lambda d: d.declare_incident("Outage", "Fixing.", tickets=[w.second]),
        "update_incident": lambda d: d.update_incident(1, message="Still fixing."),
        "link_tickets": lambda d: d.link_tickets(1, [w.second]),
        "unlink_tickets": lambda d: d.unlink_tickets(1, [w.first]),
        "incident_reply": lambda d: d.incident_reply(1),
        "resolve_incident": lambda d: d.resolve_incident(1, "Fixed.", solve=True),
        "import_team_templates": lambda d: d.import_team_templates(
            [TemplateDef(key="team:hello", source="team", name="Hello", body="Hello!")]
        ),
        "set_group_members": lambda d: d.set_group_members("second-line", add=["ann"]),
        "escalate": lambda d: d.escalate(
            w.second,
            {
                "What was checked": "the SIP trunk registration and the call log",
                "Steps to reproduce": "call the main number from a mobile phone",
                "Customer impact": "no incoming calls for the whole sales team",
            },
        ),
        "return_escalation": lambda d: d.return_escalation(w.first, "Which number was called?"),
        "hand_back": lambda d: d.hand_back(w.first, "Trunk re-registered; calls work again."),
    }


def dump(database: Database) -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    tables: dict[str, list[str]] = {}
    with database.read_engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            tables[table.name] = sorted(repr(tuple(row)) for row in rows)
        tables["alembic_version"] = [
            repr(r) for r in connection.execute(text("SELECT version_num FROM alembic_version"))
        ]
    return tables


def files_under(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def world(desk: Desk, clock: FrozenClock) -> World:
    return build_world(desk, clock)


def read_only_twin(desk: Desk, database_url: str, clock: FrozenClock) -> Desk:
    return Desk(
        open_database(database_url, readonly=True),
        clock,
        agent="marta",
        attachments=desk.attachments,
    )


def test_every_public_desk_method_is_a_read_or_a_tried_write(
    world: World, clock: FrozenClock
) -> None:
    public = {name for name, _value in inspect.getmembers(Desk) if not name.startswith("_")}
    tried = set(writes(world, clock))
    assert public - READS == tried, "a new Desk method must be listed as a read or tried here"


def test_every_write_is_refused_and_nothing_changes(
    desk: Desk, world: World, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    database = desk.database
    clock.advance(minutes=30)
    before, files_before = dump(database), files_under(tmp_path / "attachments")
    supervisor = read_only_twin(desk, database_url, clock)
    # The database's own refusal: the same read-only session, our flag lifted.
    ro = supervisor.database
    lifted = Desk(
        Database(ro.url, ro.write_engine, ro.read_engine, readonly=False),
        clock,
        agent="marta",
        attachments=AttachmentStore(tmp_path / "lifted-attachments"),
    )
    try:
        for name, call in writes(world, clock).items():
            with pytest.raises(DeskError) as refused:
                call(supervisor)
            assert "read-only" in str(refused.value), name
            with pytest.raises((DeskError, StoreError)) as failed:
                call(lifted)
            assert str(failed.value), name
            assert "Traceback" not in str(failed.value)
        # The reads all work on the same session.
        health = supervisor.queue_health()
        assert (health.total.open, health.awaiting_review) == (3, 1)
        assert [i.message_id for i in supervisor.pending_reviews()] == [world.review_message]
        today = supervisor.report_period("today")
        total = supervisor.team_report(today).total
        assert total.replies == 2
        assert len(supervisor.report_tickets(today, "answered")) == total.answered > 0
        assert supervisor.get_ticket(world.first).number == world.first
        assert supervisor.escalation_stats(supervisor.report_period("today")).total.made == 1
    finally:
        supervisor.database.dispose()
    assert dump(database) == before
    assert files_under(tmp_path / "attachments") == files_before


def test_lifted_writes_are_refused_by_the_database_itself(
    desk: Desk, world: World, database_url: str, clock: FrozenClock
) -> None:
    supervisor = read_only_twin(desk, database_url, clock)
    ro = supervisor.database
    lifted = Desk(
        Database(ro.url, ro.write_engine, ro.read_engine, readonly=False), clock, agent="marta"
    )
    try:
        with pytest.raises(StoreError, match=r"read-only|readonly"):
            lifted.set_status(world.first, "pending")
        with pytest.raises(StoreError, match=r"read-only|readonly"):
            lifted.add_agent("zoe", "Zoe", "agent")
    finally:
        ro.dispose()


def test_a_supervisor_session_cannot_migrate_either(desk: Desk, database_url: str) -> None:
    from supportdesk.store.db import upgrade

    ro = open_database(database_url, readonly=True)
    try:
        with pytest.raises(StoreError, match="read-only"):
            upgrade(ro)
        with pytest.raises(StoreError, match="read-only"):
            ro.write_session()
    finally:
        ro.dispose()


# -- a lead who may only read the file ------------------------------------------------------


@pytest.fixture
def readable(
    sqlite_template: Path, clock: FrozenClock, tmp_path: Path
) -> Iterator[tuple[Path, World]]:
    """A SQLite database with the world in it, 0444 in a 0555 folder anyone may enter."""
    source = tmp_path / "team.db"
    shutil.copyfile(sqlite_template, source)
    database = open_database(source)
    base = Desk(database, clock)
    base.add_agent("marta", "Marta Kowalska", "lead")
    base.acting_as("marta").add_agent("ann", "Ann Novak", "agent")
    base.acting_as("marta").add_agent("kasia", "Kasia Wiśniewska", "trainee", mentor="marta")
    world = build_world(base.acting_as("ann"), clock)
    database.dispose()  # checkpoints the write-ahead log into the file
    folder = Path(tempfile.mkdtemp(prefix="sd-readonly-"))
    folder.chmod(0o755)
    copy = folder / "team.db"
    shutil.copyfile(source, copy)
    copy.chmod(0o444)
    folder.chmod(0o555)
    yield copy, world
    folder.chmod(0o755)
    shutil.rmtree(folder)


def _figures_as(
    path: Path, clock: FrozenClock, user: int | None, number: int, scratch: Path
) -> dict[str, Any]:
    """Open `path` read-only, read the figures and try a write — as `user` (a forked child
    that gives up root) or as ourselves; the outcome as JSON-able data."""

    def attempt(path: Path = path) -> dict[str, Any]:
        ro = open_database(path, readonly=True)
        try:
            supervisor = Desk(ro, clock, agent="marta")
            health = supervisor.queue_health()
            report = supervisor.team_report(supervisor.report_period("today"), "agent")
            try:
                supervisor.set_status(number, "pending")
                refused = None
            except DeskError as exc:
                refused = str(exc)
            lifted = Desk(Database(ro.url, ro.write_engine, ro.read_engine, readonly=False), clock)
            try:
                lifted.rate(number, 5, channel="email")
                lifted_refused = None
            except (DeskError, StoreError) as exc:
                lifted_refused = str(exc)
            return {
                "uid": os.geteuid(),
                "open": health.total.open,
                "replies": report.total.replies,
                "refused": refused,
                "lifted_refused": lifted_refused,
            }
        finally:
            ro.dispose()

    if user is None:
        return attempt()
    # Once as ourselves on a copy, so every module the child needs is imported already (it
    # may not read our Python installation) and nothing is created next to the real file.
    shutil.copyfile(path, scratch)
    attempt(scratch)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.close(read)
            os.setgid(user)
            os.setuid(user)
            os.write(write, json.dumps(attempt()).encode())
        except BaseException as exc:
            os.write(write, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    os.waitpid(child, 0)
    return json.loads(data)


def test_a_lead_who_may_only_read_the_file_gets_the_figures(
    readable: tuple[Path, World], clock: FrozenClock, tmp_path: Path
) -> None:
    path, world = readable
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    # As root every file is writable; give the reading to an ordinary user instead.
    user = 65534 if os.geteuid() == 0 else None
    outcome = _figures_as(path, clock, user, world.first, tmp_path / "scratch.db")
    assert "error" not in outcome, outcome
    if user is not None:
        assert outcome["uid"] == user
    # Two tickets answered, a third waiting for the mentor's review of the trainee's reply.
    assert outcome["open"] == 3 and outcome["replies"] == 2
    assert "read-only" in outcome["refused"]
    assert "read" in outcome["lifted_refused"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    # Nothing was created next to it either.
    assert sorted(p.name for p in path.parent.iterdir()) == ["team.db"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
