"""The batched write path of inbound messages (`Desk.receive_batch`).

Storing a message one at a time costs about eight statements and as many ORM round trips:
look up the Message-ID, the sender, the threading clues, the ticket; insert the customer,
identity, ticket, original, message; count the ticket number. A mailbox of thousands of
messages spent most of its time there. Here a batch is read with a handful of queries (every
Message-ID, sender and ticket it mentions at once), threading is decided in memory by the same
rules (`core/threading.py`), and the rows are written with one multi-row INSERT … RETURNING per
table, in the order the messages came.

What the per-message path (`Desk._receive_one`) does stays the reference: a message the batch
path does not handle itself (one for a solved or closed ticket: a reopening, a follow-up, a
late rating) is handed to it, after everything before it has been written, so that it sees
exactly the database it would have seen. A later message of the batch must find an earlier
one (a reply to it, the same Message-ID again, a chat edit): what it needs is either in memory
or, when it needs a row's id, written first ("flushed").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from supportdesk.core.enums import (
    FINISHED_STATUSES,
    Category,
    Channel,
    DeliveryState,
    Direction,
    IdentityKind,
    Priority,
    Status,
)
from supportdesk.core.filenames import safe_filename
from supportdesk.core.plaintext import one_line
from supportdesk.core.sla import ClockRun, TicketHistory, clock_runs, compute_clocks
from supportdesk.core.threading import Candidate, ChatTicket, decide_chat
from supportdesk.core.threading import decide as decide_thread
from supportdesk.store import dto
from supportdesk.store.models import (
    Attachment,
    Counter,
    Customer,
    Identity,
    Message,
    RawOriginal,
    ReportFact,
    Ticket,
)
from supportdesk.store.reportfacts import TicketRecord, fact_rows, facts_key, is_new_work
from supportdesk.store.slastore import build_history, sla_columns

# An item with its validated sender (kind, value) and its attachments' stored hashes.
Kept = Sequence[tuple[dto.NewAttachment, str | None]]
Prepared = tuple[dto.InboundItem, IdentityKind, str, Kept]
# Runs one item through the per-message path, in the same transaction.
Fallback = Callable[[dto.InboundItem, IdentityKind, str, Kept], dto.ReceiveResult]

# The enums' values a batch writes for every message, looked up once.
_INBOUND = Direction.INBOUND.value
_RECEIVED = DeliveryState.RECEIVED.value
_NEW = Status.NEW.value
_QUESTION = Category.QUESTION.value
_NORMAL = Priority.NORMAL.value
# An inbound message's recipients as stored: one object, serialized once per batch.
_NO_RECIPIENTS: tuple[str, ...] = ()
# Ticket numbers are 32-bit integers in the database; anything larger is no ticket.
MAX_TICKET_NUMBER = 2**31 - 1
# Bound parameters per IN (...) list: far below SQLite's and PostgreSQL's limits.
_IN_CHUNK = 500

_MESSAGES_BY_EXTERNAL = (
    select(Message.id, Message.external_id, Message.ticket_id, Ticket.number)
    .join(Ticket, Ticket.id == Message.ticket_id)  # type: ignore[arg-type]
    .where(
        Message.channel_account == bindparam("account"),
        Message.external_id.in_(bindparam("ids", expanding=True)),  # type: ignore[union-attr]
    )
)
_IDENTITIES = (
    select(
        Identity.id,
        Identity.kind,
        Identity.value,
        Identity.customer_id,
        Identity.unreachable_reason,
        Customer.merged_into_id,
    )
    .join(Customer, Customer.id == Identity.customer_id)  # type: ignore[arg-type]
    .where(Identity.value.in_(bindparam("values", expanding=True)))  # type: ignore[attr-defined]
)
_TICKETS_BY_NUMBER = (
    select(Ticket)
    .where(Ticket.number.in_(bindparam("numbers", expanding=True)))  # type: ignore[attr-defined]
    .with_for_update()
)
_TICKETS_BY_ID = (
    select(Ticket)
    .where(Ticket.id.in_(bindparam("ids", expanding=True)))  # type: ignore[union-attr]
    .with_for_update()
)
_LATEST_CHAT_TICKETS = (
    select(Ticket.customer_id, func.max(Ticket.id))
    .where(
        Ticket.customer_id.in_(bindparam("customers", expanding=True)),  # type: ignore[attr-defined]
        Ticket.channel == bindparam("channel"),
        Ticket.channel_account == bindparam("account"),
        Ticket.merged_into_id.is_(None),  # type: ignore[union-attr]
    )
    .group_by(Ticket.customer_id)
)
_EMAIL_ADDRESSES = select(Identity.customer_id, Identity.value).where(
    Identity.customer_id.in_(bindparam("customers", expanding=True)),  # type: ignore[attr-defined]
    Identity.kind == "email",
)
# Reading the counter through an UPDATE locks its row (PostgreSQL) until the transaction ends,
# as handing out the next number one by one did.
_READ_COUNTER = (
    update(Counter)
    .where(Counter.name == "ticket_number")  # type: ignore[arg-type]
    .values(value=Counter.value)
    .returning(Counter.value)
)
_SET_COUNTER = (
    update(Counter)
    .where(Counter.name == "ticket_number")  # type: ignore[arg-type]
    .values(value=bindparam("last"))
)
_CLEAR_UNREACHABLE = (
    update(Identity)
    .where(Identity.id == bindparam("identity"))  # type: ignore[arg-type]
    .values(unreachable_reason=None)
)


def insert_ids(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert `rows` and return their new ids, in the rows' order, in a few statements.

    PostgreSQL: the ids are taken from the table's sequence with one query, then the rows
    go in with them through the driver's executemany (psycopg pipelines it). A multi-row
    INSERT … RETURNING of a hundred rows is a statement psycopg parses again every time (it
    caches only short ones): slower than the rows themselves.
    SQLite: one multi-row INSERT … RETURNING. Asked to keep the rows' order, SQLAlchemy
    would fall back to one INSERT per row; but in a write transaction (BEGIN IMMEDIATE:
    nobody else inserts) SQLite gives the rows of a multi-row INSERT consecutive ids in the
    order of its VALUES, so the ids sorted are the rows' ids. That is checked: ids that are
    not consecutive fail the transaction rather than be matched to the wrong rows.
    """
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        ids = sorted(
            connection.execute(_NEXT_IDS, {"table": table.name, "count": len(rows)}).scalars()
        )
        connection.execute(
            insert(table), [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)]
        )
        return ids
    ids = sorted(_sqlite_insert(connection, table, rows, returning=True))
    if ids != list(range(ids[0], ids[0] + len(rows))):
        raise RuntimeError(f"{table.name}: the new rows' ids are not consecutive; not stored")
    return ids


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys), as `connection.execute(insert(table), rows)`
    would; on SQLite without SQLAlchemy's per-row work (see `_SqlitePlan`)."""
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    _sqlite_insert(connection, table, rows, returning=False)


def _sqlite_insert(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], *, returning: bool
) -> list[int]:
    """`rows` in through the table's `_SqlitePlan`, as many per statement as SQLite binds;
    with `returning` their new ids (in no promised order)."""
    plan = _sqlite_plan(connection.dialect, table, tuple(rows[0]))
    ids: list[int] = []
    for start in range(0, len(rows), plan.rows_per_statement):
        part = rows[start : start + plan.rows_per_statement]
        result = connection.exec_driver_sql(
            plan.statement(len(part), returning=returning), plan.values(part)
        )
        if returning:
            ids.extend(row[0] for row in result.fetchall())
    return ids


# SQLite allows 32,766 bound values in one statement (since 3.32); well below it.
_SQLITE_VALUES_PER_STATEMENT = 30_000


@dataclass
class _SqlitePlan:
    """A multi-row INSERT for one table and one set of keys, planned once: the columns (the
    given keys, then the columns with a Python-side default), each with its type's own bind
    processor (our UTC datetimes, JSON, enums), exactly as SQLAlchemy would bind them. For a
    mailbox batch SQLAlchemy's per-row parameter work was a fifth of the poller's time."""

    table: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    defaults: tuple[Callable[[], Any], ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    # The given keys' positions whose values are JSON: a batch binds one object (its new
    # tickets' shared clock columns, the empty recipient list) many times, and it is
    # serialized once per insert instead of once per row.
    shared: tuple[int, ...] = ()
    _statements: dict[tuple[int, bool], str] = field(default_factory=dict)

    @property
    def rows_per_statement(self) -> int:
        return max(1, _SQLITE_VALUES_PER_STATEMENT // len(self.columns))

    def statement(self, count: int, *, returning: bool = False) -> str:
        made = self._statements.get((count, returning))
        if made is None:
            names = ", ".join(f'"{name}"' for name in self.columns)
            row = "(" + ", ".join("?" * len(self.columns)) + ")"
            made = f'INSERT INTO "{self.table}" ({names}) VALUES ' + ", ".join([row] * count)
            made += " RETURNING id" if returning else ""
            self._statements[(count, returning)] = made
        return made

    def values(self, rows: Sequence[dict[str, Any]]) -> tuple[Any, ...]:
        width = len(self.keys)
        processors = list(self.processors[:width])
        for index in self.shared:
            processors[index] = _once_per_object(processors[index], self.keys[index], rows)
        given = list(zip(self.keys, processors, strict=True))
        defaulted = list(zip(self.defaults, self.processors[width:], strict=True))
        flat: list[Any] = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{self.table}: rows of one insert must have the same keys")
            flat.extend(
                [row[key] if process is None else process(row[key]) for key, process in given]
            )
            for default, process in defaulted:
                value = default()
                flat.append(value if process is None else process(value))
        return tuple(flat)


def _once_per_object(
    process: Callable[[Any], Any] | None, key: str, rows: Sequence[dict[str, Any]]
) -> Callable[[Any], Any] | None:
    """`process` for the values of `key` in `rows`, run once per distinct object (they are
    alive, so their ids stay theirs, until the rows are bound)."""
    if process is None:
        return None
    distinct = {id(row[key]): row[key] for row in rows if key in row}
    done = {key: process(value) for key, value in distinct.items()}
    return lambda value: done[id(value)]


_SQLITE_PLANS: dict[tuple[str, tuple[str, ...]], _SqlitePlan] = {}


def _sqlite_plan(dialect: Any, table: Table, keys: tuple[str, ...]) -> _SqlitePlan:
    plan = _SQLITE_PLANS.get((table.name, keys))
    if plan is not None:
        return plan
    given = set(keys)
    defaulted = [c for c in table.columns if c.name not in given and c.default is not None]
    defaults: list[Callable[[], Any]] = []
    for column in defaulted:
        default: Any = column.default
        if default.is_scalar:
            defaults.append(lambda value=default.arg: value)
        elif default.is_callable:
            defaults.append(lambda make=default.arg: make(None))
        else:  # a SQL expression default: not planned here
            raise NotImplementedError(f"{table.name}.{column.name}: SQL default")
    columns = [table.columns[key] for key in keys] + defaulted
    plan = _SqlitePlan(
        table.name,
        tuple(c.name for c in columns),
        keys,
        tuple(defaults),
        tuple(c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns),
        tuple(i for i, key in enumerate(keys) if isinstance(table.columns[key].type, JSON)),
    )
    _SQLITE_PLANS[(table.name, keys)] = plan
    return plan


_NEXT_IDS = text(
    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"
)


class _Flush(Exception):
    """The item needs the id of a row that is not written yet: write, then try it again."""


class _Hand(Exception):
    """The item goes through the per-message path."""


@dataclass(eq=False)
class _NewCustomer:
    values: dict[str, Any]
    id: int | None = None


@dataclass(eq=False)
class _IdentityRef:
    """A sender already stored (id) or new in this batch (customer)."""

    id: int | None
    customer: int | _NewCustomer
    unreachable: bool = False
    new_values: dict[str, Any] | None = None


@dataclass(eq=False)
class _NewTicket:
    """A ticket started in this batch, before it is written: the attributes the rules read and
    change, named as on `Ticket` so both are handled alike."""

    number: int
    subject: str
    channel: str
    channel_account: str | None
    customer_id: int | _NewCustomer
    created_at: datetime
    updated_at: datetime
    status_changed_at: datetime
    status: str = Status.NEW.value
    version: int = 1
    message_count: int = 0
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    last_customer_message_at: datetime | None = None
    merged_into_id: int | None = None
    id: int | None = None
    # What its clocks are computed from (see slastore.build_history).
    messages: list[tuple[str, datetime, bool, str]] = field(default_factory=list)
    status_events: list[tuple[datetime, dict[str, object]]] = field(default_factory=list)
    history: TicketHistory | None = None

    def values(self) -> dict[str, Any]:
        customer = self.customer_id
        return {
            "number": self.number,
            "subject": self.subject,
            "channel": self.channel,
            "channel_account": self.channel_account,
            "customer_id": customer.id if isinstance(customer, _NewCustomer) else customer,
            "category": _QUESTION,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "status_changed_at": self.status_changed_at,
            "follow_up_of_id": None,
            "rank_due": self.created_at,
            "status": self.status,
            "version": self.version,
            "message_count": self.message_count,
            "solved_at": self.solved_at,
            "closed_at": self.closed_at,
            "last_customer_message_at": self.last_customer_message_at,
        }


AnyTicket = Ticket | _NewTicket


@dataclass(eq=False)
class _KnownMessage:
    """A message this batch may refer to: stored (id) or new in this batch (id None)."""

    id: int | None
    ticket: AnyTicket | None
    number: int


@dataclass(eq=False)
class _NewMessage:
    values: dict[str, Any]
    ticket: AnyTicket
    identity: _IdentityRef
    raw: dict[str, Any] | None
    attachments: list[dict[str, Any]]
    known: _KnownMessage
    id: int | None = None


@dataclass(eq=False)
class _Outcome:
    message: _NewMessage
    ticket: AnyTicket
    created: bool
    reopened: bool


@dataclass
class _EventSpec:
    kind: str
    ticket: AnyTicket
    at: datetime
    data: dict[str, Any]
    message: _NewMessage | None = None


@dataclass
class _Segment:
    """What is read for, and written by, a run of items between two flushes."""

    messages: dict[tuple[str, str], _KnownMessage] = field(default_factory=dict)
    identities: dict[tuple[str, str], _IdentityRef] = field(default_factory=dict)
    tickets: dict[int, AnyTicket] = field(default_factory=dict)  # by number
    tickets_by_id: dict[int, Ticket] = field(default_factory=dict)
    addresses: dict[Any, set[str]] = field(default_factory=dict)  # customer -> email addresses
    latest_chat: dict[tuple[Any, str, str], AnyTicket] = field(default_factory=dict)
    counter: int | None = None
    numbered: int = 0
    customers: list[_NewCustomer] = field(default_factory=list)
    new_identities: list[_IdentityRef] = field(default_factory=list)
    new_tickets: list[_NewTicket] = field(default_factory=list)
    new_messages: list[_NewMessage] = field(default_factory=list)
    events: list[_EventSpec] = field(default_factory=list)
    touched: dict[int, AnyTicket] = field(default_factory=dict)  # by id() of the object
    outcomes: list[tuple[int, _Outcome]] = field(default_factory=list)


def stamp_status(ticket: AnyTicket, status: Status, when: datetime) -> None:
    """The ticket's status and the moments that go with it: solved and closed are stamped,
    and cleared again when it comes back. One rule for the Desk and for a batch of mail."""
    ticket.status = status
    ticket.status_changed_at = when
    if status == Status.SOLVED:
        ticket.solved_at = when
    elif status == Status.CLOSED:
        ticket.closed_at = when
        ticket.solved_at = ticket.solved_at or when
    else:
        ticket.solved_at = None
        ticket.closed_at = None


class InboundBatch:
    """One `receive_batch` transaction: `run()` returns a result per item, in order."""

    def __init__(
        self,
        write: Any,
        *,
        fallback: Fallback,
        survivor: Callable[[Session, int], int],
    ) -> None:
        """`write` is the Desk's `_Write`: its session, its time, and the events and tickets
        whose clocks it finishes with at the commit."""
        self.write = write
        self.session: Session = write.session
        self.now: datetime = write.now
        self._fallback = fallback
        self._survivor = survivor
        self._clock_cache: dict[tuple[TicketHistory, str], dict[str, Any]] = {}
        self._runs_cache: dict[TicketHistory, tuple[ClockRun, ...]] = {}
        self.flushes = 0
        self.handed = 0

    def run(self, prepared: Sequence[Prepared]) -> list[dto.ReceiveResult]:
        results: list[dto.ReceiveResult | None] = [None] * len(prepared)
        index = 0
        while index < len(prepared):
            segment = self._read(prepared[index:])
            while index < len(prepared):
                item, kind, value, kept = prepared[index]
                try:
                    found = self._receive(segment, item, kind, value, kept)
                except _Flush:
                    break
                except _Hand:
                    self._write(segment, results)
                    results[index] = self._fallback(item, kind, value, kept)
                    self.handed += 1
                    index += 1
                    break
                if isinstance(found, dto.ReceiveResult):
                    results[index] = found
                else:
                    segment.outcomes.append((index, found))
                index += 1
            self._write(segment, results)
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    # -- reading --------------------------------------------------------------------------

    def _read(self, prepared: Sequence[Prepared]) -> _Segment:
        """Everything the items mention, with a few queries: their Message-IDs and the ones
        they refer to, their senders, the tickets their clues name, the chat customers'
        latest tickets, and the addresses of those tickets' customers."""
        segment = _Segment()
        connection = self.session.connection()
        by_account: dict[str, set[str]] = {}
        values: set[str] = set()
        numbers: set[int] = set()
        for item, _kind, value, _kept in prepared:
            wanted = by_account.setdefault(item.account, set())
            if item.external_id is not None:
                wanted.add(item.external_id)
            if item.thread is not None and item.chat is None:
                wanted.update(item.thread.in_reply_to)
                wanted.update(item.thread.references)
                numbers.update(n for n in item.thread.tokens if 0 < n <= MAX_TICKET_NUMBER)
            if item.chat is not None:
                wanted.update(x for x in (item.chat.reply_to, item.chat.revision_of) if x)
            if item.thread is None and item.chat is None and item.ticket_number is not None:
                numbers.add(item.ticket_number)
            values.add(value)
        message_tickets: dict[int, list[_KnownMessage]] = {}
        for account, ids in by_account.items():
            for chunk in _chunks(sorted(ids)):
                for row in connection.execute(
                    _MESSAGES_BY_EXTERNAL, {"account": account, "ids": chunk}
                ):
                    known = _KnownMessage(row.id, None, row.number)
                    segment.messages[(account, row.external_id)] = known
                    message_tickets.setdefault(row.ticket_id, []).append(known)
        for chunk in _chunks(sorted(values)):
            for row in connection.execute(_IDENTITIES, {"values": chunk}):
                customer = row.customer_id
                if row.merged_into_id is not None:
                    customer = self._survivor(self.session, customer)
                segment.identities[(row.kind, row.value)] = _IdentityRef(
                    row.id, customer, row.unreachable_reason is not None
                )
        chat_customers: dict[tuple[str, str], set[int]] = {}
        for item, kind, value, _kept in prepared:
            if item.chat is None:
                continue
            known_sender = segment.identities.get((kind.value, value))
            if known_sender is not None and isinstance(known_sender.customer, int):
                chat_customers.setdefault((item.channel, item.account), set()).add(
                    known_sender.customer
                )
        latest: dict[tuple[int, str, str], int] = {}
        for (channel, account), customers in chat_customers.items():
            for chunk in _chunks(sorted(customers)):
                for customer, ticket_id in connection.execute(
                    _LATEST_CHAT_TICKETS,
                    {"customers": chunk, "channel": channel, "account": account},
                ):
                    latest[(customer, channel, account)] = ticket_id
        self._load_tickets(segment, numbers, set(message_tickets) | set(latest.values()))
        for ticket_id, knowns in message_tickets.items():
            for known in knowns:
                known.ticket = segment.tickets_by_id.get(ticket_id)
        for key, ticket_id in latest.items():
            segment.latest_chat[key] = segment.tickets_by_id[ticket_id]
        # Whose addresses a threading candidate may need: the customers of the tickets found,
        # and the senders' own (a ticket they start in this batch may be answered in it).
        customers = {t.customer_id for t in segment.tickets_by_id.values()}
        customers.update(
            ref.customer for ref in segment.identities.values() if isinstance(ref.customer, int)
        )
        for chunk in _chunks(sorted(customers)):
            for customer, address in connection.execute(_EMAIL_ADDRESSES, {"customers": chunk}):
                segment.addresses.setdefault(customer, set()).add(address)
        return segment

    def _load_tickets(self, segment: _Segment, numbers: set[int], ids: set[int]) -> None:
        session = self.session
        found: list[Ticket] = []
        for chunk in _chunks(sorted(numbers)):
            found.extend(session.scalars(_TICKETS_BY_NUMBER, {"numbers": chunk}))
        for chunk in _chunks(sorted(ids)):
            found.extend(session.scalars(_TICKETS_BY_ID, {"ids": chunk}))
        for ticket in found:
            segment.tickets[ticket.number] = ticket
            segment.tickets_by_id[ticket.id] = ticket  # type: ignore[index]

    def _ticket_by_id(self, segment: _Segment, ticket_id: int) -> Ticket | None:
        ticket = segment.tickets_by_id.get(ticket_id)
        if ticket is None:
            ticket = self.session.get(Ticket, ticket_id)
            if ticket is not None:
                segment.tickets_by_id[ticket_id] = ticket
                segment.tickets.setdefault(ticket.number, ticket)
        return ticket

    # -- deciding, in memory --------------------------------------------------------------

    def _receive(
        self,
        segment: _Segment,
        item: dto.InboundItem,
        kind: IdentityKind,
        value: str,
        kept: Kept,
    ) -> dto.ReceiveResult | _Outcome:
        account, external_id = item.account, item.external_id
        if external_id is not None:
            stored = segment.messages.get((account, external_id))
            if stored is not None:
                if stored.id is None:
                    raise _Flush
                return dto.ReceiveResult(stored.number, stored.id, False, True)
        reply_to = revision_of = None
        if item.chat is not None:
            reply_to = self._message_id(segment, account, item.chat.reply_to)
            revision_of = self._message_id(segment, account, item.chat.revision_of)
        kind_name = kind.value
        sender = segment.identities.get((kind_name, value))
        new_customer: _NewCustomer | None = None
        if sender is None:
            new_customer = _NewCustomer(
                {
                    "name": (item.sender_name or item.username or value).strip() or value,
                    "language": item.language,
                    "created_at": self.now,
                }
            )
            customer: int | _NewCustomer = new_customer
        else:
            customer = sender.customer
        number, rule, note = self._thread(segment, item, value, customer)
        ticket = segment.tickets.get(number) if number is not None else None
        if ticket is not None and ticket.status in FINISHED_STATUSES:
            # Reopening a solved ticket, a follow-up of a closed one, a late rating: rare, and
            # the per-message path's to decide.
            raise _Hand
        # From here on the item is stored by this path.
        if new_customer is not None:
            sender = _IdentityRef(
                None,
                new_customer,
                new_values={
                    "kind": kind_name,
                    "value": value,
                    "display_name": item.sender_name,
                    "username": item.username,
                    "created_at": self.now,
                },
            )
            segment.customers.append(new_customer)
            segment.new_identities.append(sender)
            segment.identities[(kind_name, value)] = sender
            if kind_name == "email":
                segment.addresses.setdefault(new_customer, set()).add(value)
        assert sender is not None
        if sender.unreachable:
            # They wrote to us: whatever blocked delivery (a blocked bot) is over.
            self.session.execute(_CLEAR_UNREACHABLE, {"identity": sender.id})
            sender.unreachable = False
        return self._store(segment, item, value, kept, sender, ticket, rule, note, reply_to,
                           revision_of)  # fmt: skip

    def _message_id(self, segment: _Segment, account: str, external_id: str | None) -> int | None:
        if not external_id:
            return None
        known = segment.messages.get((account, external_id))
        if known is None:
            return None
        if known.id is None:
            raise _Flush
        return known.id

    def _thread(
        self, segment: _Segment, item: dto.InboundItem, sender: str, customer: Any
    ) -> tuple[int | None, str | None, str | None]:
        """As `Desk._thread`, from what the segment holds."""
        clues = item.thread
        if item.chat is not None:
            return self._thread_chat(segment, item, item.chat, customer)
        if clues is None:
            return item.ticket_number, item.thread_rule, item.thread_note

        def candidate(ticket: AnyTicket, message_id: str | None) -> Candidate:
            addresses = frozenset(segment.addresses.get(ticket.customer_id, ()))
            return Candidate(ticket.number, ticket.subject, addresses, message_id)

        def by_numbers(numbers: Sequence[int]) -> list[Candidate]:
            found = []
            for number in numbers:
                if 0 < number <= MAX_TICKET_NUMBER:
                    ticket = segment.tickets.get(number)
                    if ticket is not None:
                        found.append(candidate(ticket, None))
            return found

        def by_message_ids(ids: Sequence[str]) -> list[Candidate]:
            if not ids:
                return []
            order = {message_id: index for index, message_id in enumerate(ids)}
            rows = []
            for message_id in order:
                known = segment.messages.get((item.account, message_id))
                if known is not None and known.ticket is not None:
                    rows.append((message_id, known.ticket))
            rows.sort(key=lambda r: -order[r[0]])  # the newest reference first
            return [candidate(ticket, message_id) for message_id, ticket in rows]

        decision = decide_thread(
            sender=sender,
            subject=item.subject,
            token_candidates=by_numbers(clues.tokens),
            in_reply_to=by_message_ids(clues.in_reply_to),
            references=by_message_ids(clues.references),
            prefix=clues.prefix,
        )
        return decision.ticket_number, decision.rule, decision.note

    def _thread_chat(
        self, segment: _Segment, item: dto.InboundItem, clues: dto.ChatClues, customer: Any
    ) -> tuple[int | None, str | None, str | None]:
        """As `Desk._thread_chat`: a merged ticket's conversation goes on where it was merged."""
        latest = segment.latest_chat.get((customer, item.channel, item.account))
        decision = decide_chat(
            edited=self._chat_ticket(segment, item.account, clues.revision_of),
            replied=self._chat_ticket(segment, item.account, clues.reply_to),
            latest=ChatTicket(latest.number, latest.status, latest.solved_at) if latest else None,
            now=self.now,
            reopen_solved_within=timedelta(seconds=clues.reopen_solved_seconds),
        )
        return decision.ticket_number, decision.rule, decision.note

    def _chat_ticket(self, segment: _Segment, account: str, external_id: str | None) -> int | None:
        if not external_id:
            return None
        known = segment.messages.get((account, external_id))
        if known is None or known.ticket is None:
            return None
        ticket: AnyTicket | None = known.ticket
        while ticket is not None and ticket.merged_into_id is not None:
            ticket = self._ticket_by_id(segment, ticket.merged_into_id)
        return ticket.number if ticket is not None else None

    def _store(
        self,
        segment: _Segment,
        item: dto.InboundItem,
        value: str,
        kept: Kept,
        sender: _IdentityRef,
        ticket: AnyTicket | None,
        thread_rule: str | None,
        thread_note: str | None,
        reply_to: int | None,
        revision_of: int | None,
    ) -> _Outcome:
        """As `Desk._receive_one` from the ticket on, for a ticket that is neither solved nor
        closed (or a new one)."""
        channel = Channel(item.channel)
        account, external_id = item.account, item.external_id
        automatic = item.automatic
        # SLA time runs from when we received the message (see Desk._receive_one).
        received = min(item.at, self.now) if item.imported else self.now
        created = ticket is None
        reopened = False
        if ticket is not None and ticket.customer_id != sender.customer and thread_note is None:
            thread_note = (
                f"sent by {one_line(item.sender_name or value, 60)}, who is not this ticket's "
                "customer; check it belongs here"
            )
        if ticket is None:
            ticket = self._new_ticket(segment, item, channel, sender.customer, received)
        raw = None
        if item.raw is not None:
            raw = {
                "channel": channel.value,
                "channel_account": account,
                "dedupe_key": item.raw_key or external_id or uuid.uuid4().hex,
                "data": item.raw,
                "size": len(item.raw),
                "received_at": self.now,
            }
        values = {
            "direction": _INBOUND,
            "channel": channel.value,
            "channel_account": account,
            "external_id": external_id,
            "subject": item.subject,
            "sender_name": item.sender_name,
            "sender_address": value,
            "recipients": _NO_RECIPIENTS,
            "text": item.text,
            "html": item.html,
            "automatic": automatic,
            "created_at": item.at,
            "stored_at": received,
            "delivery_state": _RECEIVED,
            "thread_rule": thread_rule or ("new_ticket" if created else "ticket_number"),
            "thread_note": thread_note,
            "reply_to_message_id": reply_to,
            "revision_of_id": revision_of,
        }
        attachments = [
            {
                "sha256": sha256,
                "filename": safe_filename(attachment.filename),
                "size": len(attachment.data) if attachment.data is not None else attachment.size,
                "content_type": one_line(
                    attachment.content_type or "application/octet-stream", 200
                ),
                "inline": attachment.inline,
                "content_id": attachment.content_id,
                "note": attachment.note,
            }
            for attachment, sha256 in kept
        ]
        known = _KnownMessage(None, ticket, ticket.number)
        message = _NewMessage(values, ticket, sender, raw, attachments, known)
        segment.new_messages.append(message)
        if external_id is not None:
            segment.messages[(account, external_id)] = known
        ticket.message_count += 1
        if isinstance(ticket, _NewTicket):
            ticket.messages.append((_INBOUND, received, automatic, _RECEIVED))
        if automatic and created:
            # Nobody is waiting for an answer to an out-of-office note.
            self._set_status(segment, ticket, Status.CLOSED, "automatic message, no conversation")
        elif item.imported and created:
            self._set_status(segment, ticket, Status.CLOSED, "imported history", at=received)
        if not automatic:
            ticket.last_customer_message_at = received
            reopening = ticket.status in (Status.SOLVED, Status.PENDING, Status.ON_HOLD)
            if reopening and not created and not item.imported:
                reopened = ticket.status == Status.SOLVED
                self._set_status(segment, ticket, Status.OPEN, "customer replied")
        self._event(
            segment,
            "received",
            ticket,
            message=message,
            version=ticket.version + 1,
            automatic=automatic,
        )
        ticket.version += 1
        ticket.updated_at = self.now
        segment.touched[id(ticket)] = ticket
        return _Outcome(message, ticket, created, reopened)

    def _new_ticket(
        self,
        segment: _Segment,
        item: dto.InboundItem,
        channel: Channel,
        customer: int | _NewCustomer,
        created_at: datetime,
    ) -> _NewTicket:
        if segment.counter is None:
            segment.counter = self.session.connection().execute(_READ_COUNTER).scalar_one()
        segment.numbered += 1
        ticket = _NewTicket(
            number=segment.counter + segment.numbered,
            subject=(item.subject or "").strip()[:500] or "(no subject)",
            channel=channel.value,
            channel_account=item.account,
            customer_id=customer,
            created_at=created_at,
            updated_at=self.now,
            status_changed_at=created_at,
        )
        segment.new_tickets.append(ticket)
        segment.tickets[ticket.number] = ticket
        # The newest ticket is the customer's latest (it gets the highest id when written).
        segment.latest_chat[(customer, channel.value, item.account)] = ticket
        self._event(segment, "created", ticket, channel=str(channel))
        self._event(segment, "status", ticket, to=_NEW, initial=True)
        return ticket

    def _set_status(
        self,
        segment: _Segment,
        ticket: AnyTicket,
        status: Status,
        reason: str,
        at: datetime | None = None,
    ) -> None:
        """As `Desk._set_status`, for the statuses an inbound message sets (closed, open)."""
        previous = ticket.status
        if previous == status:
            return
        when = at or self.now
        stamp_status(ticket, status, when)
        data: dict[str, Any] = {"from": previous, "to": status.value, "reason": reason}
        self._event(segment, "status", ticket, version=ticket.version + 1, when=when, **data)

    def _event(
        self,
        segment: _Segment,
        kind: str,
        ticket: AnyTicket,
        *,
        when: datetime | None = None,
        message: _NewMessage | None = None,
        **data: Any,
    ) -> None:
        """As `Desk._event`; the ticket's and the message's ids are filled in when written."""
        data.setdefault("version", ticket.version)
        at = when or self.now
        segment.events.append(_EventSpec(kind, ticket, at, data, message))
        if kind == "status" and isinstance(ticket, _NewTicket):
            ticket.status_events.append((at, data))

    def _clocks(self, segment: _Segment, ticket: _NewTicket) -> dict[str, Any]:
        """The SLA columns of a ticket started in this batch: its whole history is here (what
        `slastore.load_histories` would read back once written), so it is not read back."""
        history = build_history(
            created_at=ticket.created_at,
            channel=ticket.channel,
            priority=_NORMAL,
            created_by_agent=False,
            messages=ticket.messages,
            status_events=ticket.status_events,
        )
        ticket.history = history
        # Tickets started by one batch mostly share their history (created now, one
        # message, new): the clocks are a function of it, computed once per distinct one.
        key = (history, ticket.status)
        columns = self._clock_cache.get(key)
        if columns is None:
            settings = self.write.settings.sla
            columns = self._clock_cache[key] = sla_columns(
                status=ticket.status,
                priority=_NORMAL,
                category=_QUESTION,
                clocks=compute_clocks(history, settings, self.now),
                settings=settings,
            )
            columns["report_key"] = facts_key(self.write.settings)
        return columns

    def _facts(self, ticket: _NewTicket) -> list[dict[str, Any]]:
        """The report facts of a ticket started in this batch (as `slastore.recompute_tickets`
        stores them for every other ticket), from the history its clocks came from."""
        assert ticket.history is not None and ticket.id is not None
        record = TicketRecord(
            created_at=ticket.created_at,
            new_work=is_new_work(ticket.status, ticket.created_at, ticket.closed_at),
            replies=(),
            statuses=[
                (at, str(data["to"]), bool(data.get("initial")), None)
                for at, data in ticket.status_events
            ],
        )
        # As with the clocks: many tickets of a batch share one history, and the runs are a
        # function of it (the settings and `now` are the batch's).
        runs = self._runs_cache.get(ticket.history)
        if runs is None:
            runs = self._runs_cache[ticket.history] = clock_runs(
                ticket.history, self.write.settings.sla, self.now
            )
        return fact_rows(ticket.id, record, runs)

    # -- writing --------------------------------------------------------------------------

    def _write(self, segment: _Segment, results: list[dto.ReceiveResult | None]) -> None:
        """Write the segment's rows, one multi-row INSERT per table, in the items' order."""
        if not (segment.new_messages or segment.touched):
            return
        self.flushes += 1
        connection = self.session.connection()
        if segment.numbered:
            assert segment.counter is not None
            connection.execute(_SET_COUNTER, {"last": segment.counter + segment.numbered})
        customers = insert_ids(connection, _table(Customer), [c.values for c in segment.customers])
        for new, customer_id in zip(segment.customers, customers, strict=True):
            new.id = customer_id
        rows = []
        for ref in segment.new_identities:
            assert ref.new_values is not None and isinstance(ref.customer, _NewCustomer)
            rows.append({**ref.new_values, "customer_id": ref.customer.id})
        for ref, identity_id in zip(
            segment.new_identities, insert_ids(connection, _table(Identity), rows), strict=True
        ):
            ref.id = identity_id
        if segment.new_tickets:
            rows = [{**t.values(), **self._clocks(segment, t)} for t in segment.new_tickets]
            for new, ticket_id in zip(
                segment.new_tickets, insert_ids(connection, _table(Ticket), rows), strict=True
            ):
                new.id = ticket_id
            facts = [fact for t in segment.new_tickets for fact in self._facts(t)]
            if facts:
                insert_rows(connection, _table(ReportFact), facts)
        messages = segment.new_messages
        raws = [m for m in messages if m.raw is not None]
        raw_ids = insert_ids(connection, _table(RawOriginal), [m.raw for m in raws])  # type: ignore[misc]
        for message, raw_id in zip(raws, raw_ids, strict=True):
            message.values["raw_id"] = raw_id
        if messages:
            rows = []
            for message in messages:
                message.values.setdefault("raw_id", None)
                rows.append(
                    {
                        **message.values,
                        "ticket_id": message.ticket.id,
                        "identity_id": message.identity.id,
                    }
                )
            for message, message_id in zip(
                messages, insert_ids(connection, _table(Message), rows), strict=True
            ):
                message.id = message.known.id = message_id
            files = [{**a, "message_id": m.id} for m in messages for a in m.attachments]
            if files:
                insert_rows(connection, _table(Attachment), files)
        if segment.events:
            # Other consoles are woken once, at the commit (see Desk._finish).
            self.write.notify = True
        for spec in segment.events:
            data = spec.data
            if spec.kind == "received":
                assert spec.message is not None
                data = {
                    "version": data["version"],
                    "message_id": spec.message.id,
                    "automatic": data["automatic"],
                }
            self.write.events.append(
                {
                    "at": spec.at,
                    "agent_id": None,
                    "ticket_id": spec.ticket.id,
                    "kind": spec.kind,
                    "data": data,
                }
            )
        for ticket in segment.touched.values():
            # A new ticket was written complete, clocks included; a stored one gets its
            # clocks from its whole history, once for the batch, at the commit.
            if isinstance(ticket, Ticket):
                self.write.touched[ticket.id] = ticket
        for index, outcome in segment.outcomes:
            message = outcome.message
            assert message.id is not None
            results[index] = dto.ReceiveResult(
                outcome.ticket.number, message.id, outcome.created, False, outcome.reopened
            )
        # Written: nothing of it may be written again.
        segment.customers, segment.new_identities, segment.new_tickets = [], [], []
        segment.new_messages, segment.events, segment.outcomes = [], [], []
        segment.touched = {}


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def _chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]
