"""The batched inbound write path (store/intake.py) against the per-message one it replaced.

The same mail and chat messages go, batch by batch, through `Desk.receive_batch` into one
database and through `Desk._receive_one`, one message at a time in the same transactions,
into another; both databases must then hold the same customers, tickets (numbers, statuses,
versions, SLA clocks), messages (threading rules and notes, originals byte for byte,
attachments) and events. The batches mix what the batch path decides in memory with what it
hands on (a solved ticket reopened, a closed one followed up, a late rating) and with what
makes it write early (the same Message-ID twice, a chat edit of a message of the same batch).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import insert, select

from supportdesk.clock import FrozenClock
from supportdesk.store import dto
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database, StoreError, open_database
from supportdesk.store.desk import NOTIFY_CHANNEL, Desk
from supportdesk.store.intake import InboundBatch, insert_ids, insert_rows
from supportdesk.store.models import (
    Attachment,
    ChannelState,
    Counter,
    Customer,
    Event,
    Identity,
    Message,
    Rating,
    RawOriginal,
    ReportFact,
    Ticket,
)
from tests.conftest import MONDAY_MORNING, _admin, _plain, _with_database


@pytest.fixture
def reference_url(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[str]:
    """A second migrated database of the same kind as `database_url`."""
    if database_url.startswith("postgresql"):
        server = request.getfixturevalue("pg_server_url")
        template = request.getfixturevalue("pg_template")
        name = f"sd_ref_{os.getpid()}_{tmp_path.name[-20:]}".replace("-", "_")
        with _admin(server) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield _with_database(server, name)
        with _admin(server) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    path = tmp_path / "reference.db"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    yield str(path)


def one_by_one(
    desk: Desk, items: Sequence[dto.InboundItem], state: dto.ChannelStateUpdate | None
) -> list[dto.ReceiveResult]:
    """What receive_batch did before it was batched: each item through _receive_one."""
    desk._refuse_if_readonly()
    kept = [
        [
            (a, desk._attachment_store().put(a.data) if a.data is not None else None)
            for a in item.attachments
        ]
        for item in items
    ]
    with desk._writing(needs_agent=False) as write:
        write.batch = True
        if state is not None:
            desk._save_channel_state(write, state)
        return [
            desk._receive_one(write, item, *desk._validated_sender(item), files)
            for item, files in zip(items, kept, strict=True)
        ]


def mail(
    who: str, message_id: str | None, subject: str, text: str = "Nie działa.", **more: Any
) -> dto.InboundItem:
    clues = {k: more.pop(k) for k in ("tokens", "in_reply_to", "references") if k in more}
    return dto.InboundItem(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value=who,
        sender_name=who.split("@")[0].title(),
        subject=subject,
        text=text,
        at=MONDAY_MORNING - timedelta(minutes=5),
        external_id=message_id,
        thread=dto.ThreadClues(**clues),
        raw=f"Message-ID: {message_id}\r\nSubject: {subject}\r\n\r\n{text}".encode(),
        raw_key=message_id or f"hash-{subject}",
        **more,
    )


def chat(user: int, message: int, text: str, **clues: Any) -> dto.InboundItem:
    return dto.InboundItem(
        channel="telegram",
        account="bot",
        identity_kind="telegram",
        identity_value=str(user),
        sender_name=f"Klient {user}",
        username=f"klient{user}",
        language="pl",
        subject=text[:40],
        text=text,
        at=MONDAY_MORNING,
        external_id=f"{user}:{message}" + (":edit:1" if clues.get("revision_of") else ""),
        chat=dto.ChatClues(**clues),
        raw=f'{{"update": {user * 1000 + message}}}'.encode(),
        raw_key=f"update:{user * 1000 + message}:{bool(clues.get('revision_of'))}",
    )


def snapshot(database: Database) -> dict[str, list[Any]]:
    """Every row the inbound path writes, ids replaced by what they stand for."""
    with database.read_session() as session:
        numbers = dict(session.execute(select(Ticket.id, Ticket.number)).all())
        customers = dict(session.execute(select(Customer.id, Customer.name)).all())
        externals = dict(session.execute(select(Message.id, Message.external_id)).all())
        raws = dict(session.execute(select(RawOriginal.id, RawOriginal.data)).all())
        skip = {"id", "customer_id", "follow_up_of_id", "merged_into_id"}
        tickets = [
            {
                **{k: v for k, v in t.model_dump().items() if k not in skip},
                "customer": customers[t.customer_id],
                "follow_up_of": numbers.get(t.follow_up_of_id),
            }
            for t in session.scalars(select(Ticket).order_by(Ticket.number))
        ]
        messages = [
            {
                **{
                    k: v
                    for k, v in m.model_dump().items()
                    if k
                    not in {"id", "ticket_id", "raw_id", "identity_id", "reply_to_message_id"}
                    | {"revision_of_id", "search"}
                },
                "ticket": numbers[m.ticket_id],
                "raw": raws.get(m.raw_id),
                "reply_to": externals.get(m.reply_to_message_id),
                "revision_of": externals.get(m.revision_of_id),
            }
            for m in session.scalars(select(Message).order_by(Message.id))
        ]
        events = []
        for e in session.scalars(select(Event).order_by(Event.id)):
            data = dict(e.data)
            if "message_id" in data:
                data["message_id"] = externals.get(data["message_id"], "?")
            events.append((e.kind, numbers.get(e.ticket_id), e.at, data))
        identities = [
            (i.kind, i.value, customers[i.customer_id], i.display_name, i.unreachable_reason)
            for i in session.scalars(select(Identity).order_by(Identity.id))
        ]
        attachments = [
            (externals[a.message_id], a.sha256, a.filename, a.size, a.inline)
            for a in session.scalars(select(Attachment).order_by(Attachment.id))
        ]
        ratings = [(numbers[r.ticket_id], r.score) for r in session.scalars(select(Rating))]
        states = [(s.key, s.data) for s in session.scalars(select(ChannelState))]
        facts = sorted(
            (
                (numbers[f.ticket_id], f.kind, f.at, f.agent_id, f.seconds, f.due_at)
                for f in session.scalars(select(ReportFact))
            ),
            key=repr,
        )
    return {
        "facts": facts,
        "customers": sorted(customers.values()),
        "identities": identities,
        "tickets": tickets,
        "messages": messages,
        "events": events,
        "attachments": attachments,
        "ratings": ratings,
        "states": states,
    }


def test_batches_store_exactly_what_one_message_at_a_time_stored(
    database: Database, reference_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed: list[int] = []
    run = InboundBatch.run

    def counting(self: InboundBatch, prepared: Any) -> list[dto.ReceiveResult]:
        try:
            return run(self, prepared)
        finally:
            handed.append(self.handed)

    monkeypatch.setattr(InboundBatch, "run", counting)
    reference = open_database(reference_url)
    try:
        desks = []
        for name, db in (("batched", database), ("reference", reference)):
            clock = FrozenClock(MONDAY_MORNING)
            base = Desk(db, clock, attachments=AttachmentStore(tmp_path / name))
            base.add_agent("marta", "Marta Kowalska", "lead")
            desks.append((base, clock))

        with database.read_session() as session:
            # Ticket numbers go on from the counter: start + n is the n-th ticket received.
            start = session.scalar(select(Counter.value).where(Counter.name == "ticket_number"))
        assert start is not None

        def both(items: list[dto.InboundItem], state: dto.ChannelStateUpdate | None = None) -> None:
            (batched, clock_a), (single, clock_b) = desks
            got = batched.acting_as(None).receive_batch(items, channel_state=state)
            want = one_by_one(single.acting_as(None), items, state)
            assert got == want
            clock_a.advance(minutes=7)
            clock_b.advance(minutes=7)
            return got

        def as_lead(action: str, *args: Any, **kwargs: Any) -> None:
            for base, _clock in desks:
                getattr(base.acting_as("marta"), action)(*args, **kwargs)

        both(
            [
                mail("jan@firma.pl", "<1@firma.pl>", "Brak nagrań"),
                mail(
                    "jan@firma.pl", "<2@firma.pl>", "Re: Brak nagrań", in_reply_to=("<1@firma.pl>",)
                ),
                mail("ola@sklep.pl", "<3@sklep.pl>", "Faktura"),
                # The same Message-ID again, in the same batch: a duplicate of the first.
                mail("jan@firma.pl", "<1@firma.pl>", "Brak nagrań"),
                mail("bot@firma.pl", "<4@firma.pl>", "Out of office", automatic=True),
                # Someone else answers Ola's mail, about something else: joined, flagged.
                mail(
                    "piotr@inna.pl",
                    "<5@inna.pl>",
                    "Zupełnie inny temat",
                    references=("<0@nowhere>", "<3@sklep.pl>"),
                ),
                mail("ewa@dom.pl", None, "Bez identyfikatora"),
                mail(
                    "ewa@dom.pl",
                    "<6@dom.pl>",
                    f"Re: Faktura [#{start + 3}]",
                    tokens=(start + 3,),
                    attachments=(
                        dto.NewAttachment("skan.pdf", "application/pdf", b"%PDF-1 skan"),
                        dto.NewAttachment("skan.pdf", "application/pdf", b"%PDF-1 skan"),
                        dto.NewAttachment("logo.png", "image/png", b"\x89PNG", inline=True),
                    ),
                ),
                mail("stary@archiwum.pl", "<7@archiwum.pl>", "Dawna sprawa", imported=True),
            ],
            dto.ChannelStateUpdate(
                "email", "support", "imap:INBOX", {"uidvalidity": 1, "last_uid": 9}
            ),
        )
        as_lead("set_status", start + 1, "solved")
        as_lead("set_status", start + 2, "pending")
        as_lead("set_status", start + 4, "closed", reason="spam")
        both(
            [
                # Solved: reopened (the per-message path), then answered again in the batch.
                mail(
                    "jan@firma.pl",
                    "<10@firma.pl>",
                    "Re: Brak nagrań",
                    in_reply_to=("<2@firma.pl>",),
                ),
                mail(
                    "jan@firma.pl",
                    "<11@firma.pl>",
                    "Re: Brak nagrań",
                    in_reply_to=("<10@firma.pl>",),
                ),
                # Pending: the customer's answer opens it again.
                mail("ola@sklep.pl", "<12@sklep.pl>", "Re: Faktura", in_reply_to=("<3@sklep.pl>",)),
                # Closed: a follow-up ticket, linked.
                mail(
                    "ewa@dom.pl",
                    "<13@dom.pl>",
                    f"Re: Bez identyfikatora [#{start + 4}]",
                    tokens=(start + 4,),
                ),
                mail("nowy@firma.pl", "<14@firma.pl>", "Pierwszy raz"),
                mail("nowy@firma.pl", "<15@firma.pl>", "Drugi raz"),
                # A channel that names the ticket itself.
                replace(
                    mail("ewa@dom.pl", "<17@dom.pl>", "Dopisek"),
                    thread=None,
                    ticket_number=start + 3,
                ),
                # A token of a ticket that does not exist: a new ticket.
                mail("ewa@dom.pl", "<16@dom.pl>", "Numer", tokens=(999999,)),
            ]
        )
        as_lead("set_status", start + 1, "solved")
        for base, _clock in desks:
            base.acting_as("marta").mark_unreachable("telegram", "101", "the bot was blocked")
        chats = both(
            [
                # A late rating for a solved ticket: stays with it.
                mail(
                    "jan@firma.pl",
                    "<20@firma.pl>",
                    "Re: Brak nagrań",
                    "5",
                    in_reply_to=("<11@firma.pl>",),
                ),
                # A known customer's new ticket, answered by them under another subject.
                mail("ola@sklep.pl", "<21@sklep.pl>", "Nowe zamówienie"),
                mail("ola@sklep.pl", "<22@sklep.pl>", "Cennik", in_reply_to=("<21@sklep.pl>",)),
                chat(101, 1, "Nie mogę się zalogować"),
                chat(101, 2, "Dalej nie działa"),
                # An edit of a message of this very batch.
                chat(101, 1, "Nie mogę się zalogować do panelu", revision_of="101:1"),
                chat(102, 1, "Pytanie o fakturę", reply_to="101:2"),
                chat(102, 2, "Halo?"),
            ],
            dto.ChannelStateUpdate("telegram", "bot", "offset", {"offset": 42}),
        )
        as_lead("set_status", chats[3].ticket_number, "solved")
        both([chat(101, 3, "Jednak nadal nie działa"), chat(102, 3, "Dziękuję")])
        assert snapshot(database) == snapshot(reference)
        # Handed to the per-message path: a follow-up of the closed auto-reply ticket (#3);
        # Jan's solved ticket reopened, Ewa's closed one followed up, a message for #3 again;
        # the late rating; the chat ticket solved a moment ago, reopened.
        assert handed == [1, 3, 1, 1]
        tickets = snapshot(database)["tickets"]
        assert len(tickets) >= 10 and any(t["follow_up_of"] for t in tickets)
    finally:
        reference.dispose()


def test_a_stored_batch_wakes_listening_consoles_once(fresh_pg_url: str, tmp_path: Path) -> None:
    """PostgreSQL: one NOTIFY per transaction, however many messages it stored."""
    database = open_database(fresh_pg_url)
    listener = psycopg.connect(_plain(fresh_pg_url), autocommit=True)
    try:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        desk = Desk(database, FrozenClock(MONDAY_MORNING), attachments=AttachmentStore(tmp_path))
        results = desk.acting_as(None).receive_batch(
            [mail(f"k{n}@firma.pl", f"<{n}@firma.pl>", f"Sprawa {n}") for n in range(5)]
        )
        assert all(r.created_ticket for r in results)
        woken = list(listener.notifies(timeout=3))
        assert [n.payload for n in woken] == ["changed"]
    finally:
        listener.close()
        database.dispose()


def test_fast_inserts_store_what_sqlalchemy_would(database: Database) -> None:
    """`insert_rows`/`insert_ids` bind values themselves on SQLite: the stored bytes (dates,
    JSON, enums, defaults filled in) must be what SQLAlchemy's own INSERT stores."""
    at = MONDAY_MORNING + timedelta(microseconds=123)
    events = [
        {"at": at, "agent_id": None, "ticket_id": None, "kind": "received", "data": {"ą": [1]}},
        {"at": at, "agent_id": None, "ticket_id": None, "kind": "noted", "data": None},
    ]
    customers = [{"name": "Anna Nowak", "language": "pl", "created_at": at}] * 3
    table, customer_table = Event.__table__, Customer.__table__
    with database.write_engine.begin() as connection:
        insert_rows(
            connection, table, [{k: v for k, v in e.items() if k != "data"} for e in events]
        )
        insert_rows(connection, table, events)
        connection.execute(
            insert(table), [{k: v for k, v in e.items() if k != "data"} for e in events]
        )
        connection.execute(insert(table), events)
        ours = insert_ids(connection, customer_table, customers)
        theirs = [
            connection.execute(insert(customer_table), c).inserted_primary_key[0] for c in customers
        ]
        assert ours == list(range(ours[0], ours[0] + 3))
        columns = [c.name for c in table.columns if c.name != "id"]
        stored = connection.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM event ORDER BY id"
        ).fetchall()
        assert stored[:4] == stored[4:], "a value is bound differently"
        assert stored[0][columns.index("data")] == stored[4][columns.index("data")]
        names = [c.name for c in customer_table.columns if c.name != "id"]
        rows = connection.exec_driver_sql(
            f"SELECT {', '.join(names)} FROM customer WHERE id IN "
            f"({', '.join(str(i) for i in ours + theirs)}) ORDER BY id"
        ).fetchall()
        assert rows[:3] == rows[3:]


def test_a_batch_whose_files_cannot_be_written_stores_nothing(
    database: Database, tmp_path: Path
) -> None:
    """The files are written while the rows are prepared; the rows are committed only once
    the files are on disk. Where they cannot be written (here the folder for them is a
    file), neither the messages nor the channel's new position are stored."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    desk = Desk(database, FrozenClock(MONDAY_MORNING), attachments=AttachmentStore(blocked))
    attachment = dto.NewAttachment("faktura.pdf", "application/pdf", b"%PDF-1.4 " * 50)
    items = [
        mail("anna@firma.pl", "<a1@firma.pl>", "Faktura", attachments=(attachment,)),
        mail("jan@firma.pl", "<j1@firma.pl>", "Druga faktura", attachments=(attachment,)),
        mail("ewa@firma.pl", "<e1@firma.pl>", "Bez załącznika"),
    ]
    state = dto.ChannelStateUpdate("email", "support", "imap:INBOX", {"last_uid": 3})
    with pytest.raises(StoreError, match=f"cannot store an attachment in {blocked}"):
        desk.acting_as(None).receive_batch(items, channel_state=state)
    with database.write_engine.connect() as connection:
        assert connection.execute(select(Message.id)).all() == []
        assert connection.execute(select(ChannelState.id)).all() == []
    # Where they can be, the files are in place when receive_batch returns.
    files = AttachmentStore(tmp_path / "attachments")
    desk = Desk(database, FrozenClock(MONDAY_MORNING), attachments=files)
    desk.acting_as(None).receive_batch(items, channel_state=state)
    with database.write_engine.connect() as connection:
        hashes = connection.execute(select(Attachment.sha256)).scalars().all()
    assert len(hashes) == 2 and len(set(hashes)) == 1
    assert files.path_for(hashes[0]).read_bytes() == attachment.data
