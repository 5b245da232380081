"""The Desk: every read and write the console, the CLI and the channels perform.

Each write is one transaction that checks who acts (role) and, when the caller says which
version of a ticket it looked at, that nobody changed it since; it appends to the event log,
recomputes the ticket's SLA clocks and returns frozen dataclasses from `dto`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import mimetypes
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Integer,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, TextClause

from supportdesk.clock import Clock
from supportdesk.core import metrics
from supportdesk.core.csat import rating_request, score_only
from supportdesk.core.enums import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    Category,
    Channel,
    DeliveryState,
    Direction,
    IdentityKind,
    Priority,
    Role,
    Status,
)
from supportdesk.core.filenames import safe_filename
from supportdesk.core.plaintext import find_mentions, one_line, strip_controls
from supportdesk.core.ranking import FINISHED_GROUP
from supportdesk.core.sla import (
    BusinessCalendar,
    ClockState,
    SlaClock,
    business_seconds_left,
    explain,
)
from supportdesk.core.templates import unfilled
from supportdesk.core.threading import Candidate, ChatTicket, decide_chat, with_token
from supportdesk.core.threading import decide as decide_thread
from supportdesk.store import dto, replychecks, reportfacts, reports
from supportdesk.store.attachments import AttachmentStore
from supportdesk.store.db import Database, StoreError, explain_db_error
from supportdesk.store.escalation import (
    EscalationDesk,
    escalations_of,
    groups_by_agent,
    open_escalations,
)
from supportdesk.store.incidents import IncidentDesk
from supportdesk.store.intake import InboundBatch, insert_rows, stamp_status
from supportdesk.store.library import LibraryDesk
from supportdesk.store.locks import ChannelLock, FileChannelLock, PostgresChannelLock
from supportdesk.store.models import (
    WAITING_FOR_AGENT,
    Agent,
    Attachment,
    ChannelState,
    Counter,
    Customer,
    Draft,
    Event,
    Identity,
    Message,
    Note,
    NoteMention,
    OutboxItem,
    Rating,
    RawOriginal,
    ReplyReview,
    ReportFact,
    TeamSetting,
    Ticket,
    TicketTag,
)
from supportdesk.store.review import ReviewDesk, review_tab_count
from supportdesk.store.rowsql import values_insert, values_parameters
from supportdesk.store.slastore import SUMMARY_SOURCES, recompute_tickets, summary_parts
from supportdesk.store.teamsettings import (
    SETTINGS_KEY,
    TeamSettings,
    default_settings,
    parse_document,
)

_T = TypeVar("_T")
CLAIM_MINUTES = 5
# What a mail server takes in one message, give or take the encoding.
MAX_OUTGOING_ATTACHMENT_MB = 20
# Ticket numbers are 32-bit integers in the database; anything larger is no ticket.
MAX_TICKET_NUMBER = 2**31 - 1
NOTIFY_CHANNEL = "supportdesk_changes"
_TAG_RE = re.compile(r"^[\w][\w.+-]{0,63}$")
# Any character str.isspace() calls space (the regular expression engine asks the same).
_WHITESPACE = re.compile(r"\s")


class DeskError(Exception):
    """A refusal or failure told in words a person can act on."""


class NotFound(DeskError):
    pass


class NotPermitted(DeskError):
    pass


class InvalidInput(DeskError):
    pass


class EscalationIncomplete(InvalidInput):
    """A required escalation field is missing or too short; `problems` by field name."""

    def __init__(self, message: str, problems: dict[str, str]) -> None:
        super().__init__(message)
        self.problems = problems


class StaleTicket(DeskError):
    """The ticket changed after the caller looked at it."""

    def __init__(self, message: str, changes: Sequence[dto.EventInfo]) -> None:
        super().__init__(message)
        self.changes = tuple(changes)


class StaleIncident(DeskError):
    """The incident (its title, message or state) changed after the caller looked at it."""


class ConversationMoved(StaleTicket):
    """The customer wrote again, or a colleague answered, after a reply was begun."""


class Conflict(DeskError):
    """The database refused a write that collided with another (a unique key)."""


class ReplyRefused(DeskError):
    """The reply checker found errors; `check` holds every finding, to show and highlight."""

    def __init__(self, message: str, check: dto.ReplyCheck) -> None:
        super().__init__(message)
        self.check = check


class AlreadyReviewed(DeskError):
    """A mentor or lead decided on this trainee reply first."""


class AlreadyTaken(DeskError):
    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


# Which roles may do what, beyond the basics every agent can do (note, take, reply).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "assign_others": frozenset({Role.AGENT, Role.LEAD}),
    "set_urgent": frozenset({Role.AGENT, Role.LEAD}),
    "close": frozenset({Role.AGENT, Role.LEAD}),
    "manage_agents": frozenset({Role.LEAD}),
    "team_settings": frozenset({Role.LEAD}),
    "incidents": frozenset({Role.AGENT, Role.LEAD}),
}
PERMISSION_WORDS: dict[str, str] = {
    "assign_others": "assign tickets to colleagues",
    "set_urgent": "mark tickets urgent",
    "close": "close tickets",
    "manage_agents": "manage agents",
    "team_settings": "change team settings",
    "incidents": "declare or work on incidents (their replies go out to many customers at once)",
}


def refusal_for(role: str, display_name: str, permission: str) -> str | None:
    """The sentence refusing `permission` to someone in `role`, or None when it is theirs.
    The console asks before a dialog opens, so nobody types a reason only to be refused."""
    if Role(role) in PERMISSIONS[permission]:
        return None
    a = "an" if role[:1] in ("a", "e", "i", "o", "u") else "a"
    return f"{display_name} is {a} {role}; {a} {role} may not {PERMISSION_WORDS[permission]}"


VIEWS: dict[str, str] = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "open": "All open",
    "urgent": "Urgent",
    "at_risk": "At risk + breached",
    "breached": "Breached",
    "pending": "Pending",
    "mentions": "Mentions",
    "second_line": "Second line",
    "feature_requests": "Feature requests",
    "email": "Email",
    "telegram": "Telegram",
    "solved": "Solved",
    "closed": "Closed",
    "all": "All",
}


_INSERTS: dict[type, Any] = {}
# A single action writes a few events; they go out with the wake-up in one statement. A bulk
# write's many go by executemany.
NOTIFY_WITH_EVENTS_MAX = 50


_EVENT_COLUMNS = ("at", "agent_id", "ticket_id", "kind", "data")
_EVENT_TABLE = cast(Table, Event.__table__)


@functools.cache
def _events_with_wakeup(count: int) -> TextClause:
    """`count` events in, and one wake-up for other consoles, in one statement."""
    insert_events, binds = values_insert(Event.__table__, _EVENT_COLUMNS, count)  # type: ignore[attr-defined]
    return text(
        f"WITH new_events AS ({insert_events} RETURNING id) "
        f"SELECT pg_notify('{NOTIFY_CHANNEL}', 'changed') FROM new_events LIMIT 1"
    ).bindparams(*binds)


@functools.cache
def _ticket_write(columns: tuple[str, ...], facts: int, events: int, wake: bool) -> TextClause:
    """One ticket's changed `columns`, its report facts replaced by `facts` rows, `events`
    events in and (`wake`) the wake-up for other consoles: one PostgreSQL statement, where
    the ORM's flush, the facts and the events took three round trips. The facts' DELETE in a
    CTE sees the snapshot from before the INSERT, so it removes exactly the old rows."""
    table = Ticket.__table__  # type: ignore[attr-defined]
    parts: list[str] = []
    binds: list[Any] = []
    if columns:
        sets = ", ".join(f'"{column}" = :t_{column}' for column in columns)
        parts.append(f"ticket_update AS (UPDATE ticket SET {sets} WHERE id = :t_id)")
        binds.extend(bindparam(f"t_{column}", type_=table.c[column].type) for column in columns)
    binds.append(bindparam("t_id", type_=Integer))
    parts.append("old_facts AS (DELETE FROM report_fact WHERE ticket_id = :t_id)")
    if facts:
        insert_facts, fact_binds = values_insert(
            ReportFact.__table__,  # type: ignore[attr-defined]
            reportfacts.FACT_COLUMNS,
            facts,
            "f_",
        )
        parts.append(f"new_facts AS ({insert_facts})")
        binds.extend(fact_binds)
    if events:
        insert_events, event_binds = values_insert(
            Event.__table__,  # type: ignore[attr-defined]
            _EVENT_COLUMNS,
            events,
            "e_",
        )
        parts.append(f"new_events AS ({insert_events})")
        binds.extend(event_binds)
    last = f"SELECT pg_notify('{NOTIFY_CHANNEL}', 'changed')" if wake else "SELECT 1"
    return text(f"WITH {', '.join(parts)} {last}").bindparams(*binds)


_MESSAGE_COLUMNS = tuple(c.name for c in Message.__table__.c if c.name != "id")  # type: ignore[attr-defined]
_OUTBOX_COLUMNS = tuple(
    c.name
    for c in OutboxItem.__table__.c  # type: ignore[attr-defined]
    if c.name not in ("id", "message_id")
)


def _model_defaults(model: Any, columns: Sequence[str]) -> dict[str, Callable[[], Any]]:
    """Per column, what makes the model's default value for a row written without the
    model (a factory's fresh value each time); a required column has none and raises."""

    def required(name: str) -> Callable[[], Any]:
        def missing() -> Any:
            raise TypeError(f"{model.__name__}.{name} has no default and was not given")

        return missing

    defaults: dict[str, Callable[[], Any]] = {}
    for name in columns:
        info = model.model_fields[name]
        if info.default_factory is not None:
            defaults[name] = info.default_factory
        elif info.is_required():
            defaults[name] = required(name)
        else:
            defaults[name] = functools.partial(lambda value: value, info.default)
    return defaults


_MESSAGE_DEFAULTS = _model_defaults(Message, _MESSAGE_COLUMNS)
_OUTBOX_DEFAULTS = _model_defaults(OutboxItem, _OUTBOX_COLUMNS)


class _StoredReply(SimpleNamespace):
    """A reply written without an ORM object (`Desk._insert_queued_reply`): its id and
    columns as attributes, as a Message has them."""

    id: int


@functools.cache
def _queued_reply_insert() -> TextClause:
    """A reply's message (`m_` parameters) and its outbox row (`o_`) in, the writer's reply
    draft on that ticket gone; the message's id back."""
    messages = Message.__table__.c  # type: ignore[attr-defined]
    outbox = OutboxItem.__table__.c  # type: ignore[attr-defined]
    message_names = ", ".join(f'"{column}"' for column in _MESSAGE_COLUMNS)
    message_values = ", ".join(f":m_{column}" for column in _MESSAGE_COLUMNS)
    outbox_names = ", ".join(f'"{column}"' for column in _OUTBOX_COLUMNS)
    outbox_values = ", ".join(f":o_{column}" for column in _OUTBOX_COLUMNS)
    return text(
        f"WITH new_message AS (INSERT INTO message ({message_names}) VALUES ({message_values}) "
        "RETURNING id), "
        f"new_outbox AS (INSERT INTO outbox (message_id, {outbox_names}) "
        f"SELECT id, {outbox_values} FROM new_message), "
        "old_draft AS (DELETE FROM draft WHERE ticket_id = :m_ticket_id "
        "AND agent_id = :m_agent_id AND kind = 'reply') "
        "SELECT id FROM new_message"
    ).bindparams(
        *(bindparam(f"m_{column}", type_=messages[column].type) for column in _MESSAGE_COLUMNS),
        *(bindparam(f"o_{column}", type_=outbox[column].type) for column in _OUTBOX_COLUMNS),
    )


def _insert_returning_id(session: Session, model: type, **values: Any) -> int:
    """One row through Core, in the session's transaction; its new id."""
    statement = _INSERTS.get(model)
    if statement is None:
        table = model.__table__  # type: ignore[attr-defined]
        statement = _INSERTS[model] = insert(table).returning(table.c.id)
    return int(session.connection().execute(statement, values).scalar_one())


def _retry_once_on_conflict(method: Callable[..., _T]) -> Callable[..., _T]:
    """Run a write again when it collided on a unique key: the same message delivered twice
    at once (two pollers, a retry racing the first try) — the other delivery won, and the
    second run finds it and becomes the no-op it should be."""

    @functools.wraps(method)
    def retrying(*args: Any, **kwargs: Any) -> _T:
        try:
            return method(*args, **kwargs)
        except Conflict:
            return method(*args, **kwargs)

    return retrying


@dataclass
class _SettingsCache:
    """The parsed team settings and the stored document they came from, shared by a Desk and
    the Desks made from it with acting_as(): parsing builds calendars, whose caches should
    live, and comparing the small stored document is cheaper than parsing it."""

    stored: dict[str, Any] | None = None
    settings: TeamSettings | None = None


@dataclass
class _Write:
    """What one write transaction carries around."""

    session: Session
    actor: Agent | None
    now: datetime
    settings: TeamSettings
    # Event rows written together (one executemany), before clocks are recomputed.
    events: list[dict[str, Any]] = field(default_factory=list)
    # In a batch, tickets whose clocks are recomputed once, at the end.
    touched: dict[int, Ticket] = field(default_factory=dict)
    batch: bool = False
    notify: bool = False
    # On PostgreSQL, outside a batch: report facts recomputed but not written yet, per ticket
    # (they go out with the ticket's row and the events, in one statement).
    facts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    changed_tickets: dict[int, Ticket] = field(default_factory=dict)
    # The ticket a write began by locking (`Desk._writing(lock=…)`), None when there was none.
    locked: Ticket | None = None
    # The customer, identity and tag rows of the ticket whose summary ends this write, read
    # with its SLA history (`Desk._touch(…, summary=True)`); None when not read.
    summary_rows: list[Any] | None = None


@dataclass(frozen=True)
class _ReplyContext:
    recipient: str | None
    in_reply_to: str | None
    customer_language: str | None
    articles_stamp: tuple[Any, ...]
    # The customer's latest replies, for the checker; None when not read with the rest.
    previous_replies: list[str] | None = None


class Desk(LibraryDesk, EscalationDesk, ReviewDesk, IncidentDesk):
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        agent: str | None = None,
        mail_domain: str = "supportdesk.invalid",
        attachments: AttachmentStore | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.agent_name = agent
        self.mail_domain = mail_domain
        self.attachments = attachments
        self._settings_cache = _SettingsCache()
        self._report_cache = reports.LogCache()
        self._article_cache = replychecks.ArticleCache()

    def acting_as(self, agent: str | None) -> Desk:
        desk = Desk(
            self.database,
            self.clock,
            agent=agent,
            mail_domain=self.mail_domain,
            attachments=self.attachments,
        )
        desk._settings_cache = self._settings_cache
        desk._report_cache = self._report_cache
        desk._article_cache = self._article_cache
        return desk

    @property
    def readonly(self) -> bool:
        return self.database.readonly

    # -- transactions -----------------------------------------------------------------------

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with self.database.read_session() as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(explain_db_error(self.database, exc)) from None

    def _refuse_if_readonly(self) -> None:
        if self.database.readonly:
            raise NotPermitted("read-only session (supervisor mode): nothing can be changed here")

    @contextlib.contextmanager
    def _writing(
        self, *, needs_agent: bool = True, lock: int | None = None, lock_next: bool = False
    ) -> Iterator[_Write]:
        """A write transaction as the acting agent (checked) with the team settings. `lock`:
        begin by locking the ticket of that number, `lock_next`: the most urgent one waiting
        for an agent (None in `write.locked` when there is none) — the ticket read with the
        agent and the settings in one statement instead of two."""
        # Refused here already; and were this check gone, the database session itself would
        # refuse (SQLite mode=ro and query_only, PostgreSQL default_transaction_read_only).
        self._refuse_if_readonly()
        try:
            with self.database.write_session() as session, session.begin():
                now = self.clock.now()
                locked = None
                if lock is not None or lock_next:
                    actor, settings, locked = self._lock_with_actor(session, now, lock)
                elif needs_agent:
                    actor, settings = self._load_actor_and_settings(session)
                else:
                    actor, settings = None, self._settings(session)
                write = _Write(session, actor, now, settings, locked=locked)
                yield write
                self._finish(write)
        except IntegrityError as exc:
            raise Conflict(f"refused by the database: {_first_line(exc)}") from None
        except OperationalError as exc:
            raise StoreError(explain_db_error(self.database, exc)) from None
        except SQLAlchemyError as exc:
            raise StoreError(explain_db_error(self.database, exc)) from None

    def _load_actor(self, session: Session) -> Agent:
        return self._load_actor_and_settings(session)[0]

    def _load_actor_and_settings(self, session: Session) -> tuple[Agent, TeamSettings]:
        """The acting agent, checked, and the team settings: one round trip, as every write
        starts with both."""
        if not self.agent_name:
            raise NotPermitted(
                "who are you? Set your agent name with --agent NAME, SUPPORTDESK_AGENT or "
                '`agent = "NAME"` in the config file'
            )
        row = session.execute(_actor_and_settings(), {"name": self.agent_name}).one_or_none()
        agent = self._checked_actor(row[0] if row else None)
        assert row is not None
        return agent, self._parsed_settings(row[1])

    def _checked_actor(self, agent: Agent | None) -> Agent:
        """The agent read under this Desk's agent name, refused when missing or deactivated."""
        if agent is None:
            raise NotPermitted(
                f"no agent named {self.agent_name!r} in {self.database.description}; a lead adds "
                f'one with: supportdesk agents add {self.agent_name} --display-name "…"'
            )
        if not agent.active:
            raise NotPermitted(f"agent {agent.name!r} is deactivated")
        return agent

    def _lock_with_actor(
        self, session: Session, now: datetime, number: int | None
    ) -> tuple[Agent, TeamSettings, Ticket | None]:
        """The acting agent (checked), the team settings and a ticket locked for this write:
        ticket `number`, or with None the most urgent one waiting (`take_next`), None when
        there is none. One statement: the agent's row is read the same, before or with the
        lock. Errors come in the order of a separate check: who you are first, then the
        ticket."""
        if not self.agent_name:
            self._load_actor_and_settings(session)  # raises: who are you?
        row = None
        if number is None:
            row = session.execute(
                _next_waiting_with_actor(self.database.dialect == "postgresql"),
                {"name": self.agent_name, "now": now},
            ).first()
        elif 0 < number <= MAX_TICKET_NUMBER:
            row = session.execute(
                _ticket_with_actor_for_update(), {"name": self.agent_name, "number": number}
            ).one_or_none()
        if row is None:
            actor, settings = self._load_actor_and_settings(session)
            if number is not None:
                raise NotFound(f"there is no ticket #{number}")
            return actor, settings, None
        return self._checked_actor(row[1]), self._parsed_settings(row[2]), row[0]

    @staticmethod
    def _require(write: _Write, permission: str) -> Agent:
        actor = write.actor
        assert actor is not None
        refusal = refusal_for(actor.role, actor.display_name, permission)
        if refusal is not None:
            raise NotPermitted(refusal)
        return actor

    def _settings(self, session: Session) -> TeamSettings:
        stored = session.scalar(select(TeamSetting.value).where(TeamSetting.key == SETTINGS_KEY))
        return self._parsed_settings(stored)

    def _parsed_settings(self, stored: Any) -> TeamSettings:
        cache = self._settings_cache
        if cache.settings is not None and cache.stored == stored:
            return cache.settings
        if stored is None:
            settings = default_settings()
        else:
            settings = parse_document(stored, "team settings stored in the database")
        cache.stored, cache.settings = stored, settings
        return settings

    def _event(
        self,
        write: _Write,
        kind: str,
        ticket: Ticket | None = None,
        *,
        when: datetime | None = None,
        **data: Any,
    ) -> None:
        """Append to the event log (written with the transaction's other events)."""
        if ticket is not None:
            data.setdefault("version", ticket.version)
        write.events.append(
            {
                "at": when or write.now,
                "agent_id": write.actor.id if write.actor else None,
                "ticket_id": ticket.id if ticket else None,
                "kind": kind,
                "data": data,
            }
        )
        write.notify = True

    def _write_events(self, write: _Write) -> None:
        if write.events:
            write.session.flush()
            # Core, not the ORM's bulk insert: a mailbox batch writes hundreds of events.
            insert_rows(write.session.connection(), _EVENT_TABLE, write.events)
            write.events = []

    def _finish(self, write: _Write) -> None:
        """The end of every write: clocks of batched tickets recomputed once, then the events
        out, and on PostgreSQL one wake-up for other consoles in the same statement (delivered
        at commit; they then read the event log, which stays the truth)."""
        if write.touched:
            write.session.flush()
            recompute_tickets(
                write.session,
                list(write.touched.values()),
                write.settings,
                write.now,
                write.events,
            )
            write.touched = {}
        wake = write.notify and self.database.dialect == "postgresql"
        if write.facts and self._write_ticket_in_one(write, wake):
            return
        for ticket_id, rows in write.facts.items():
            reportfacts.replace_facts(write.session, [ticket_id], rows)
        write.facts = {}
        write.session.flush()
        if write.events and wake and len(write.events) <= NOTIFY_WITH_EVENTS_MAX:
            write.session.execute(
                _events_with_wakeup(len(write.events)),
                values_parameters(_EVENT_COLUMNS, write.events),
            )
            write.events = []
            return
        self._write_events(write)
        if wake:
            write.session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": "changed"},
            )

    def _write_ticket_in_one(self, write: _Write, wake: bool) -> bool:
        """The end of a write that changed one ticket, on PostgreSQL: the ticket's row, its
        report facts and the events in one statement (`_ticket_write`), everything else the
        session holds flushed before. False, having written nothing, when this write is not
        of that shape."""
        if len(write.facts) != 1 or len(write.events) > NOTIFY_WITH_EVENTS_MAX:
            return False
        ((ticket_id, facts),) = write.facts.items()
        if len(facts) > reportfacts.REPLACE_IN_ONE_MAX_ROWS:
            return False
        ticket = write.changed_tickets[ticket_id]
        state = inspect(ticket)
        columns = Ticket.__table__.c  # type: ignore[attr-defined]
        if not state.persistent or any(key not in columns for key in state.committed_state):
            return False
        changed = tuple(state.committed_state)
        values = {f"t_{key}": state.dict[key] for key in changed}
        session = write.session
        # Out of the session: no flush writes the row again (the statement below does), and
        # the commit's flush need not walk its state to find that out. The models have no
        # relationships, so nothing else in the session refers to the object.
        session.expunge(ticket)
        # A flush costs even with nothing to write; mostly there is nothing else.
        if session.new or session.deleted or session.dirty:
            session.flush()
        write.session.connection().execute(
            _ticket_write(changed, len(facts), len(write.events), wake),
            {
                "t_id": ticket_id,
                **values,
                **values_parameters(reportfacts.FACT_COLUMNS, facts, "f_"),
                **values_parameters(_EVENT_COLUMNS, write.events, "e_"),
            },
        )
        write.facts = {}
        write.events = []
        return True

    def _ticket_for_update(self, write: _Write, number: int) -> Ticket:
        if not 0 < number <= MAX_TICKET_NUMBER:
            raise NotFound(f"there is no ticket #{number}")
        ticket = write.session.scalars(_ticket_for_update(), {"number": number}).one_or_none()
        if ticket is None:
            raise NotFound(f"there is no ticket #{number}")
        return ticket

    def _check_version(self, write: _Write, ticket: Ticket, expected: int | None) -> None:
        if expected is None or ticket.version == expected:
            return
        events = self._events_of(write.session, ticket, after_version=expected)
        told = "; ".join(_describe_event(e) for e in events[-5:]) or "it was changed"
        raise StaleTicket(
            f"ticket #{ticket.number} changed since you opened it: {told}. "
            "Look at it again, then repeat your change.",
            events,
        )

    def _touch(self, write: _Write, ticket: Ticket, *, summary: bool = False) -> None:
        """Bump the version and recompute the clocks: every change to a ticket ends here (in a
        batch, the clocks are recomputed once for all tickets at the end). `summary`: the
        write ends with the ticket's summary and changes nothing more its summary shows
        (customer, identities, tags); their rows are read with the clocks' history, into
        `write.summary_rows`."""
        ticket.version += 1
        ticket.updated_at = write.now
        if write.batch:
            write.touched[ticket.id] = ticket  # type: ignore[index]
            return
        # The ticket's own changes need no flush (its history is read from the other tables);
        # a message added or changed in this transaction must be in the rows read back.
        session = write.session
        if any(isinstance(obj, Message | ReplyReview) for obj in (*session.new, *session.dirty)):
            session.flush()
        rows: list[Any] | None = [] if summary else None
        # On PostgreSQL the facts are written with the ticket's row (`_write_ticket_in_one`).
        postgresql = self.database.dialect == "postgresql"
        recompute_tickets(
            session,
            [ticket],
            write.settings,
            write.now,
            write.events,
            facts_out=write.facts if postgresql else None,
            summary_rows=rows,
        )
        if postgresql:
            write.changed_tickets[ticket.id] = ticket  # type: ignore[index]
        write.summary_rows = rows

    def _set_status(
        self,
        write: _Write,
        ticket: Ticket,
        status: Status,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """`at`: when it happened, if not now (imported history)."""
        previous = ticket.status
        if previous == status:
            return
        when = at or write.now
        stamp_status(ticket, status, when)
        data: dict[str, Any] = {"from": previous, "to": status.value}
        if reason:
            data["reason"] = reason
        # The status event is written with the version this change produces.
        self._event(write, "status", ticket, version=ticket.version + 1, when=when, **data)

    def _new_ticket(
        self,
        write: _Write,
        *,
        subject: str | None,
        channel: str,
        account: str | None,
        customer_id: int,
        created_at: datetime,
        follow_up_of: int | None = None,
        category: str = Category.QUESTION,
        **origin: Any,
    ) -> Ticket:
        """A new ticket, numbered, with its 'created' and initial 'status' events (`origin`
        goes into the first)."""
        # INSERT ... RETURNING the entity: the row comes back as a loaded ORM object without
        # SQLModel's per-instance validation, which dominated bulk mail ingest.
        values = {
            "number": self._next_number(write.session),
            "subject": (subject or "").strip()[:500] or "(no subject)",
            "channel": channel,
            "channel_account": account,
            "customer_id": customer_id,
            "category": category,
            "created_at": created_at,
            "updated_at": write.now,
            "status_changed_at": created_at,
            "follow_up_of_id": follow_up_of,
            "rank_due": created_at,
        }
        ticket = write.session.scalars(insert(Ticket).returning(Ticket), [values]).one()
        self._event(write, "created", ticket, channel=str(channel), **origin)
        self._event(write, "status", ticket, to=Status.NEW.value, initial=True)
        return ticket

    def _next_number(self, session: Session) -> int:
        return (
            session.connection()
            .execute(
                update(Counter)
                .where(Counter.name == "ticket_number")  # type: ignore[arg-type]
                .values(value=Counter.value + 1)
                .returning(Counter.value)
            )
            .scalar_one()
        )

    # -- agents -----------------------------------------------------------------------------

    def add_agent(
        self,
        name: str,
        display_name: str,
        role: str = Role.AGENT,
        *,
        mentor: str | None = None,
        email: str | None = None,
        language: str = "en",
    ) -> dto.AgentInfo:
        """Add an agent. The very first agent of a new database may be added by anyone (it
        must be a lead); after that only a lead adds agents."""
        name = name.strip()
        if not re.fullmatch(r"[a-z][a-z0-9._-]{0,63}", name):
            raise InvalidInput(
                f"agent name {name!r}: use lower-case letters, digits, '.', '_' or '-', "
                "starting with a letter (it is what colleagues type after @)"
            )
        try:
            role_value = Role(role)
        except ValueError:
            raise InvalidInput(f"role {role!r}: expected one of agent, trainee, lead") from None
        if not display_name.strip():
            raise InvalidInput("display name is empty; give the name colleagues know you by")
        with self._writing(needs_agent=False) as write:
            first = write.session.scalar(select(func.count()).select_from(Agent)) == 0
            if first:
                if role_value != Role.LEAD:
                    raise InvalidInput(
                        "the first agent of a new database must be a lead (--role lead), "
                        "so someone can manage the team"
                    )
            else:
                write.actor = self._load_actor(write.session)
                self._require(write, "manage_agents")
            if write.session.scalars(select(Agent).where(Agent.name == name)).first():
                raise InvalidInput(f"there is already an agent named {name!r}")
            mentor_row = None
            if mentor:
                mentor_row = write.session.scalars(
                    select(Agent).where(Agent.name == mentor)
                ).one_or_none()
                if mentor_row is None:
                    raise InvalidInput(f"mentor {mentor!r} is not an agent here")
            elif role_value == Role.TRAINEE:
                raise InvalidInput("a trainee needs a mentor (--mentor NAME) to review replies")
            agent = Agent(
                name=name,
                display_name=display_name.strip(),
                role=role_value,
                mentor_id=mentor_row.id if mentor_row else None,
                email=email,
                language=language,
                created_at=write.now,
            )
            write.session.add(agent)
            write.session.flush()
            self._event(write, "agent_added", None, name=name, role=role_value.value)
            return _agent_info(agent, {mentor_row.id: mentor_row.name} if mentor_row else {})

    def list_agents(self) -> list[dto.AgentInfo]:
        with self._reading() as session:
            agents = session.scalars(select(Agent).order_by(Agent.name)).all()
            names = {a.id: a.name for a in agents}
            groups = groups_by_agent(session)
            return [
                dataclasses.replace(_agent_info(a, names), groups=groups.get(a.id, ()))  # type: ignore[arg-type]
                for a in agents
            ]

    def whoami(self) -> dto.AgentInfo | None:
        if not self.agent_name:
            return None
        with self._reading() as session:
            agent = session.scalars(select(Agent).where(Agent.name == self.agent_name)).first()
            if agent is None:
                return None
            mentor = session.get(Agent, agent.mentor_id) if agent.mentor_id else None
            return _agent_info(agent, {mentor.id: mentor.name} if mentor else {})

    # -- ticket actions ---------------------------------------------------------------------

    def take(self, number: int, *, expected_version: int | None = None) -> dto.TicketSummary:
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            actor = write.actor
            assert actor is not None
            if ticket.assignee_id not in (None, actor.id):
                holder = write.session.get(Agent, ticket.assignee_id)
                holder_name = holder.display_name if holder else "someone else"
                raise AlreadyTaken(
                    f"#{number} is already {holder_name}'s; ask them, or a lead can reassign it",
                    holder.name if holder else "",
                )
            if ticket.status in FINISHED_STATUSES:
                raise InvalidInput(
                    f"#{number} is {ticket.status}; reopen it first (status open) to work on it"
                )
            if ticket.assignee_id != actor.id:
                self._refuse_unless_second_line(write.session, ticket, actor)
            if ticket.assignee_id != actor.id:
                ticket.assignee_id = actor.id
                self._event(write, "assigned", ticket, version=ticket.version + 1, to=actor.name)
            self._claim(write, ticket, actor)
            if ticket.status == Status.NEW:
                self._set_status(write, ticket, Status.OPEN)
            self._touch(write, ticket)
            return self._summary(write.session, ticket, write.settings, write.now)

    def take_next(self) -> dto.TicketSummary | None:
        """Take the most urgent unassigned ticket nobody is working on; None when there is none.

        On PostgreSQL `SKIP LOCKED` lets ten agents press the key at once and each get a
        different ticket; on SQLite the write lock already serialises them.
        """
        with self._writing(lock_next=True) as write:
            actor = write.actor
            assert actor is not None
            ticket = write.locked
            if ticket is None:
                return None
            ticket.assignee_id = actor.id
            self._event(write, "assigned", ticket, version=ticket.version + 1, to=actor.name)
            self._claim(write, ticket, actor)
            if ticket.status == Status.NEW:
                self._set_status(write, ticket, Status.OPEN)
            self._touch(write, ticket, summary=True)
            return self._summary(
                write.session, ticket, write.settings, write.now, rows=write.summary_rows
            )

    def _claim(self, write: _Write, ticket: Ticket, actor: Agent) -> None:
        ticket.claimed_by_id = actor.id
        ticket.claim_expires_at = write.now + timedelta(minutes=CLAIM_MINUTES)

    def assign(
        self, number: int, agent: str | None, *, expected_version: int | None = None
    ) -> dto.TicketSummary:
        """Give the ticket to a colleague (or to nobody, with None)."""
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            actor = write.actor
            assert actor is not None
            target = None
            if agent is not None:
                target = write.session.scalars(select(Agent).where(Agent.name == agent)).first()
                if target is None:
                    raise NotFound(f"there is no agent named {agent!r}")
                if not target.active:
                    raise InvalidInput(f"{target.display_name} is deactivated")
            if target is None or target.id != actor.id:
                self._require(write, "assign_others")
            if ticket.assignee_id == (target.id if target else None):
                return self._summary(write.session, ticket, write.settings, write.now)
            ticket.assignee_id = target.id if target else None
            if target is None or ticket.claimed_by_id != target.id:
                ticket.claimed_by_id = None
                ticket.claim_expires_at = None
            self._event(
                write,
                "assigned",
                ticket,
                version=ticket.version + 1,
                to=target.name if target else None,
            )
            if ticket.status == Status.NEW and target is not None:
                self._set_status(write, ticket, Status.OPEN)
            self._touch(write, ticket)
            return self._summary(write.session, ticket, write.settings, write.now)

    def set_status(
        self,
        number: int,
        status: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> dto.TicketSummary:
        new_status = _parse(Status, status, "status")
        with self._writing(lock=number) as write:
            ticket = write.locked
            assert ticket is not None
            self._check_version(write, ticket, expected_version)
            if new_status == Status.NEW and ticket.status != Status.NEW:
                raise InvalidInput("a ticket cannot go back to new; use open")
            if new_status == Status.CLOSED:
                self._require(write, "close")
                if ticket.status != Status.SOLVED and not (reason and reason.strip()):
                    raise InvalidInput(
                        'closing a ticket that is not solved needs a reason (--reason "…"), '
                        "e.g. spam or a duplicate; otherwise mark it solved and let the customer "
                        "confirm"
                    )
            if ticket.status == new_status:
                return self._summary(write.session, ticket, write.settings, write.now)
            self._set_status(write, ticket, new_status, reason.strip() if reason else None)
            self._touch(write, ticket, summary=True)
            return self._summary(
                write.session, ticket, write.settings, write.now, rows=write.summary_rows
            )

    def set_priority(
        self,
        number: int,
        priority: str,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
    ) -> dto.TicketSummary:
        new_priority = _parse(Priority, priority, "priority")
        reason = reason.strip() if reason else None
        if new_priority == Priority.URGENT and not reason:
            raise InvalidInput(
                'urgent needs a stated reason (--reason "…"), e.g. "telephony down for the '
                'whole sales team"; urgent goes ahead of everything else in every queue'
            )
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            if new_priority == Priority.URGENT:
                self._require(write, "set_urgent")
            if ticket.priority == new_priority and ticket.urgent_reason == reason:
                return self._summary(write.session, ticket, write.settings, write.now)
            previous = ticket.priority
            ticket.priority = new_priority
            ticket.urgent_reason = reason if new_priority == Priority.URGENT else None
            self._event(
                write,
                "priority",
                ticket,
                version=ticket.version + 1,
                **{"from": previous, "to": new_priority.value, "reason": reason},
            )
            self._touch(write, ticket)
            return self._summary(write.session, ticket, write.settings, write.now)

    def set_category(
        self, number: int, category: str, *, expected_version: int | None = None
    ) -> dto.TicketSummary:
        new_category = _parse(Category, category, "category")
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            if ticket.category != new_category:
                self._event(
                    write,
                    "category",
                    ticket,
                    version=ticket.version + 1,
                    **{"from": ticket.category, "to": new_category.value},
                )
                ticket.category = new_category
                self._touch(write, ticket)
            return self._summary(write.session, ticket, write.settings, write.now)

    def set_tags(
        self,
        number: int,
        *,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        expected_version: int | None = None,
    ) -> dto.TicketSummary:
        to_add = {_normalize_tag(t) for t in add}
        to_remove = {_normalize_tag(t) for t in remove}
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            self._check_version(write, ticket, expected_version)
            current = set(
                write.session.scalars(select(TicketTag.tag).where(TicketTag.ticket_id == ticket.id))
            )
            added = sorted(to_add - current)
            removed = sorted(to_remove & current)
            if added or removed:
                for tag in added:
                    write.session.add(TicketTag(ticket_id=ticket.id, tag=tag))  # type: ignore[arg-type]
                if removed:
                    write.session.execute(
                        delete(TicketTag).where(
                            TicketTag.ticket_id == ticket.id,  # type: ignore[arg-type]
                            TicketTag.tag.in_(removed),  # type: ignore[attr-defined]
                        )
                    )
                self._event(
                    write, "tags", ticket, version=ticket.version + 1, added=added, removed=removed
                )
                self._touch(write, ticket)
            return self._summary(write.session, ticket, write.settings, write.now)

    def add_note(self, number: int, body: str, *, kind: str = "note") -> dto.NoteInfo:
        """An internal note; @name mentions a colleague, who then sees it under Mentions.

        Notes never touch the SLA clocks and need no version check: they only add.
        """
        body = body.strip()
        if not body:
            raise InvalidInput("the note is empty")
        if kind not in ("note", "handover"):
            raise InvalidInput(f"note kind {kind!r}: expected note or handover")
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            actor = write.actor
            assert actor is not None
            agents = write.session.scalars(select(Agent).where(Agent.active)).all()  # type: ignore[arg-type]
            mentioned = find_mentions(body, [a.name for a in agents])
            note = Note(
                ticket_id=ticket.id,
                author_id=actor.id,
                kind=kind,
                body=body,
                created_at=write.now,  # type: ignore[arg-type]
            )
            write.session.add(note)
            write.session.flush()
            by_name = {a.name: a for a in agents}
            for name in mentioned:
                write.session.add(NoteMention(note_id=note.id, agent_id=by_name[name].id))  # type: ignore[arg-type]
            ticket.version += 1
            ticket.updated_at = write.now
            self._event(write, "note", ticket, note_id=note.id, mentions=mentioned, note_kind=kind)
            self._delete_draft(write, ticket, actor, "note")
            return dto.NoteInfo(
                id=note.id,  # type: ignore[arg-type]
                author=actor.name,
                author_display=actor.display_name,
                kind=kind,
                body=body,
                created_at=write.now,
                mentions=tuple(mentioned),
            )

    def queue_reply(
        self,
        number: int,
        body: str,
        *,
        status_after: str | None = None,
        expected_version: int | None = None,
        conversation_since: int | None = None,
        attachments: Sequence[Path] = (),
        override_checks: bool = False,
        category_after: str | None = None,
    ) -> dto.MessageInfo:
        """Queue a public reply in the outbox (a trainee's goes to the mentor for review).

        Replying claims an unassigned ticket for the one who answers. `conversation_since`
        (the version the reply was begun at) refuses the reply only when the conversation
        moved on since — the customer wrote again or a colleague answered — so a stale answer
        is never sent silently, while a colleague's tag change does not get in the way.
        The reply draft is discarded once the reply is queued. The reply checker runs first:
        an error-level finding refuses the reply (ReplyRefused) unless `override_checks`,
        which a trainee may not use. A reply that still holds a template placeholder
        (`{{ customer.first_name }}`) is refused outright: it would go out unfilled.
        `category_after` sets the category with the reply (a template may say which).
        """
        body = body.strip("\n")
        if not body.strip():
            raise InvalidInput("the reply is empty")
        left = unfilled(body)
        if left:
            raise InvalidInput(
                "the reply still has placeholders to fill in: "
                + ", ".join("{{ " + name + " }}" for name in dict.fromkeys(left))
            )
        category = _parse(Category, category_after, "category") if category_after else None
        after = _parse(Status, status_after, "status") if status_after else None
        if after in (Status.NEW, Status.CLOSED):
            raise InvalidInput("after a reply a ticket can be open, pending, on_hold or solved")
        # Files first, outside the transaction: a refused reply leaves an unused file at most.
        files = [self._keep_outgoing_file(Path(path)) for path in attachments]
        with self._writing(lock=number) as write:
            ticket = write.locked
            assert ticket is not None
            self._check_version(write, ticket, expected_version)
            actor = write.actor
            assert actor is not None
            if conversation_since is not None:
                self._check_conversation(write, ticket, conversation_since, actor)
            message = self._write_reply(
                write, ticket, actor, body, after, category, files, override_checks
            )
            return _message_info(message, {actor.id: actor.name}, ())

    def _write_reply(
        self,
        write: _Write,
        ticket: Ticket,
        actor: Agent,
        body: str,
        after: Status | None,
        category: Category | None,
        files: Sequence[tuple[str, str, int, str]] = (),
        override_checks: bool = False,
        *,
        bulk: bool = False,
        **event_data: Any,
    ) -> Message | _StoredReply:
        """A reply inside a write already under way: checked, stored, queued (or held for
        review), the ticket updated. Raises before writing anything when refused. A `bulk`
        reply (one answer to an incident's many tickets) neither takes the ticket nor holds
        it for the sender, and leaves their draft alone."""
        number = ticket.number
        if ticket.channel == Channel.INTERNAL:
            raise InvalidInput(
                f"#{number} came in by no channel (typed in by an agent); there is no way "
                "to send a reply — add a note instead"
            )
        if ticket.assignee_id not in (None, actor.id) and actor.role == Role.TRAINEE:
            raise NotPermitted("a trainee replies only on their own or unassigned tickets")
        context = self._reply_context(write.session, ticket)
        overridden = self._checked_reply(
            write, ticket, actor, body, override_checks, [name for name, *_ in files], context
        )
        recipient = context.recipient
        review = self._needs_review(write, actor)
        if (
            after == Status.SOLVED
            and ticket.channel == Channel.EMAIL
            and write.settings.closing.ask_rating_by_email
        ):
            body = f"{body}\n\n{rating_request(context.customer_language)}"
        fields: dict[str, Any] = dict(
            ticket_id=ticket.id,
            direction=Direction.OUTBOUND,
            channel=ticket.channel,
            channel_account=ticket.channel_account,
            external_id=(
                f"<{uuid.uuid4().hex}@{self.mail_domain}>"
                if ticket.channel == Channel.EMAIL
                else None
            ),
            in_reply_to=context.in_reply_to,
            subject=_reply_subject(ticket),
            sender_name=actor.display_name,
            agent_id=actor.id,
            recipients=[recipient] if recipient else [],
            text=body,
            created_at=write.now,
            stored_at=write.now,
            delivery_state=DeliveryState.AWAITING_REVIEW if review else DeliveryState.QUEUED,
        )
        # On PostgreSQL a reply that goes straight out takes one statement for its message, its
        # outbox row and the discarded draft.
        in_one = self.database.dialect == "postgresql" and not review and not files and not bulk
        message: Message | _StoredReply
        if in_one:
            message = self._insert_queued_reply(write, ticket, fields)
        else:
            message = Message(**fields)
            write.session.add(message)
            write.session.flush()
        if review:
            self._request_review(write, ticket, message, actor, after.value if after else None)
        for filename, sha256, size, content_type in files:
            write.session.add(
                Attachment(
                    message_id=message.id,  # type: ignore[arg-type]
                    sha256=sha256,
                    filename=filename,
                    size=size,
                    content_type=content_type,
                )
            )
        if in_one:
            self._mark_answered(write, ticket)
        elif not review:
            self._queue_for_delivery(write, ticket, message)
        ticket.message_count += 1
        if ticket.assignee_id is None and not bulk:
            ticket.assignee_id = actor.id
            self._event(write, "assigned", ticket, version=ticket.version + 1, to=actor.name)
        if not bulk:
            self._claim(write, ticket, actor)
        self._event(
            write,
            "reply_for_review" if review else "reply",
            ticket,
            version=ticket.version + 1,
            message_id=message.id,
            **({"checks_overridden": overridden} if overridden else {}),
            **event_data,
        )
        # A trainee's reply has not gone out: the ticket must not look answered (pending,
        # solved) while it waits for the mentor.
        target = None if review else after
        if target is None and ticket.status == Status.NEW:
            target = Status.OPEN
        if target is not None and target != ticket.status:
            self._set_status(write, ticket, target)
        if category is not None and category != ticket.category:
            self._event(
                write,
                "category",
                ticket,
                version=ticket.version + 1,
                **{"from": ticket.category, "to": category.value},
            )
            ticket.category = category
        if not bulk and not in_one:
            self._delete_draft(write, ticket, actor, "reply")
        self._touch(write, ticket)
        return message

    def _insert_queued_reply(
        self, write: _Write, ticket: Ticket, fields: dict[str, Any]
    ) -> _StoredReply:
        """A message of `fields` in, with its outbox row and without its writer's reply
        draft: one PostgreSQL statement (`_queued_reply_insert`). No ORM objects: building
        a Message and an OutboxItem only to read their columns back cost a tenth of the
        reply's Python."""
        columns = {
            column: fields[column] if column in fields else _MESSAGE_DEFAULTS[column]()
            for column in _MESSAGE_COLUMNS
        }
        values = {f"m_{column}": value for column, value in columns.items()}
        outbox = self._outbox_fields(write, ticket)
        values.update(
            {
                f"o_{column}": outbox[column] if column in outbox else _OUTBOX_DEFAULTS[column]()
                for column in _OUTBOX_COLUMNS
            }
        )
        stored = write.session.connection().execute(_queued_reply_insert(), values).scalar_one()
        return _StoredReply(id=stored, **columns)

    def _queue_for_delivery(self, write: _Write, ticket: Ticket, message: Message) -> None:
        """A reply that goes out now (queued, or a trainee's once approved): into the outbox,
        and the ticket answered."""
        write.session.add(self._outbox_item(write, ticket, message))
        self._mark_answered(write, ticket)

    @staticmethod
    def _outbox_item(write: _Write, ticket: Ticket, message: Message) -> OutboxItem:
        return OutboxItem(
            message_id=message.id,  # type: ignore[arg-type]
            **Desk._outbox_fields(write, ticket),
        )

    @staticmethod
    def _outbox_fields(write: _Write, ticket: Ticket) -> dict[str, Any]:
        """A queued reply's outbox row but its message: what differs from the defaults."""
        return {
            "channel": ticket.channel,
            "channel_account": ticket.channel_account,
            "state": "queued",
            "next_attempt_at": write.now,
            "created_at": write.now,
            "updated_at": write.now,
        }

    @staticmethod
    def _mark_answered(write: _Write, ticket: Ticket) -> None:
        ticket.last_agent_reply_at = write.now
        ticket.first_response_at = ticket.first_response_at or write.now

    def _keep_outgoing_file(self, path: Path) -> tuple[str, str, int, str]:
        """A file an agent attaches: checked, copied into the attachment store; (name, hash,
        size, content type)."""
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise InvalidInput(f"cannot attach {path}: not a file")
            if size > MAX_OUTGOING_ATTACHMENT_MB * 1024 * 1024:
                raise InvalidInput(
                    f"cannot attach {path}: {size / 1024 / 1024:.1f} MB is more than "
                    f"{MAX_OUTGOING_ATTACHMENT_MB} MB (mail servers refuse bigger messages); "
                    "share a link instead"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"cannot attach {path}: {exc.strerror or exc}") from None
        sha256 = self._attachment_store().put(data)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return safe_filename(path.name), sha256, len(data), content_type

    # -- reply checker ----------------------------------------------------------------------

    def check_reply(
        self, number: int, body: str, *, attachments: Sequence[str] = ()
    ) -> dto.ReplyCheck:
        """What the reply checker finds in `body` as a reply on ticket `number` (attachments:
        the names of files going with it), under the team's checker settings."""
        if not 0 < number <= MAX_TICKET_NUMBER:
            raise NotFound(f"there is no ticket #{number}")
        with self._reading() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()
            if ticket is None:
                raise NotFound(f"there is no ticket #{number}")
            agent = self._maybe_agent(session)
            policy = self._settings(session).checks
            return replychecks.run(session, ticket, agent, body, policy, attachments)

    def _checked_reply(
        self,
        write: _Write,
        ticket: Ticket,
        actor: Agent,
        body: str,
        override: bool,
        attachments: Sequence[str] = (),
        context: _ReplyContext | None = None,
    ) -> list[str]:
        """Refuse a reply with errors unless overridden (never for a trainee); the rules
        overridden, for the event log."""
        if context is None:
            context = self._reply_context(write.session, ticket)
        check = replychecks.run(
            write.session,
            ticket,
            actor,
            body,
            write.settings.checks,
            attachments,
            customer_language=context.customer_language,
            articles=self._article_cache.get(write.session, context.articles_stamp),
            previous=context.previous_replies,
        )
        if not check.errors:
            return []
        trainee = self._needs_review(write, actor)
        if trainee or not override:
            raise ReplyRefused(
                replychecks.refusal_text(ticket.number, check, trainee=trainee), check
            )
        return sorted({f.rule for f in check.errors})

    def _check_conversation(
        self, write: _Write, ticket: Ticket, since_version: int, actor: Agent
    ) -> None:
        changes = [
            event
            for event in self._events_of(write.session, ticket, after_version=since_version)
            if event.kind == "received"
            or (event.kind in ("reply", "reply_for_review") and event.agent != actor.name)
        ]
        if changes:
            told = "; ".join(_describe_event(e) for e in changes[-5:])
            raise ConversationMoved(
                f"#{ticket.number}: the conversation moved on since you started this reply: "
                f"{told}. Read it first, then send again or adjust your reply.",
                changes,
            )

    # -- drafts -----------------------------------------------------------------------------

    def save_draft(
        self, number: int, kind: str, body: str, *, base_version: int | None = None
    ) -> dto.DraftInfo:
        """Save what is being typed. A reply draft also holds the ticket for its writer for a
        few minutes, so colleagues see who is replying."""
        if kind not in ("reply", "note"):
            raise InvalidInput(f"draft kind {kind!r}: expected reply or note")
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            actor = write.actor
            assert actor is not None
            draft = write.session.scalars(
                select(Draft).where(
                    Draft.ticket_id == ticket.id, Draft.agent_id == actor.id, Draft.kind == kind
                )
            ).one_or_none()
            if draft is None:
                draft = Draft(
                    ticket_id=ticket.id,  # type: ignore[arg-type]
                    agent_id=actor.id,  # type: ignore[arg-type]
                    kind=kind,
                    base_version=base_version if base_version is not None else ticket.version,
                    created_at=write.now,
                    updated_at=write.now,
                )
                write.session.add(draft)
            draft.body = body
            draft.updated_at = write.now
            if kind == "reply":
                held = (
                    ticket.claimed_by_id == actor.id
                    and ticket.claim_expires_at is not None
                    and ticket.claim_expires_at > write.now
                )
                self._claim(write, ticket, actor)
                if not held:
                    # Only the start of a claim is news for other consoles, not each keystroke.
                    self._event(write, "claimed", ticket)
            write.session.flush()
            return _draft_info(draft, ticket.number)

    def get_draft(self, number: int, kind: str) -> dto.DraftInfo | None:
        with self._reading() as session:
            me = self._maybe_agent(session)
            if me is None:
                return None
            row = session.execute(
                select(Draft)
                .join(Ticket, Ticket.id == Draft.ticket_id)  # type: ignore[arg-type]
                .where(Ticket.number == number, Draft.agent_id == me.id, Draft.kind == kind)
            ).scalar_one_or_none()
            return _draft_info(row, number) if row else None

    def discard_draft(self, number: int, kind: str) -> None:
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            assert write.actor is not None
            self._delete_draft(write, ticket, write.actor, kind)

    def _delete_draft(self, write: _Write, ticket: Ticket, actor: Agent, kind: str) -> None:
        write.session.connection().execute(
            _draft_deletion(), {"ticket": ticket.id, "agent": actor.id, "kind": kind}
        )

    def _reply_context(self, session: Session, ticket: Ticket) -> _ReplyContext:
        """What a reply needs to know about its ticket, in one round trip."""
        kind = IdentityKind.EMAIL if ticket.channel == Channel.EMAIL else IdentityKind.TELEGRAM
        row = (
            session.connection()
            .execute(
                _reply_context_query(self.database.dialect == "postgresql"),
                {"ticket": ticket.id, "customer": ticket.customer_id, "kind": kind},
            )
            .one()
        )
        return _ReplyContext(
            recipient=row[0],
            in_reply_to=row[1],
            customer_language=row[2],
            articles_stamp=tuple(row[3:6]),
            previous_replies=list(row[6]) if len(row) > 6 else None,
        )

    # -- inbound (channels) -----------------------------------------------------------------

    def receive(
        self,
        *,
        channel: str,
        account: str,
        identity_kind: str,
        identity_value: str,
        sender_name: str | None,
        subject: str,
        text: str,
        at: datetime,
        external_id: str | None = None,
        ticket_number: int | None = None,
        automatic: bool = False,
        html: str | None = None,
        language: str | None = None,
        username: str | None = None,
        raw: bytes | None = None,
        raw_key: str | None = None,
        thread_rule: str | None = None,
        thread_note: str | None = None,
        attachments: Sequence[dto.NewAttachment] = (),
        channel_state: dto.ChannelStateUpdate | None = None,
    ) -> dto.ReceiveResult:
        """Store one inbound message: join `ticket_number` (reopening it when solved; a closed
        one gets a linked follow-up) or start a new ticket. A repeated external id is a no-op.

        Everything happens in one transaction: the raw original, the message, its attachments'
        rows and, when given, the channel's new position (`channel_state`, e.g. the IMAP
        folder's last UID) — so a crash either stores the message and moves on, or does
        neither and the message comes again. An automatic message (auto-reply, bounce) that
        starts no conversation is filed in a ticket that is closed at once."""
        item = dto.InboundItem(
            channel=channel,
            account=account,
            identity_kind=identity_kind,
            identity_value=identity_value,
            sender_name=sender_name,
            subject=subject,
            text=text,
            at=at,
            external_id=external_id,
            ticket_number=ticket_number,
            automatic=automatic,
            html=html,
            language=language,
            username=username,
            raw=raw,
            raw_key=raw_key,
            thread_rule=thread_rule,
            thread_note=thread_note,
            attachments=tuple(attachments),
        )
        return self.receive_batch([item], channel_state=channel_state)[0]

    @_retry_once_on_conflict
    def receive_batch(
        self,
        items: Sequence[dto.InboundItem],
        *,
        channel_state: dto.ChannelStateUpdate | None = None,
    ) -> list[dto.ReceiveResult]:
        """Store several inbound messages in one transaction, with the channel's new position.

        Threading clues (`item.thread`) are judged inside the transaction, so a message that
        answers another of the same batch finds it.
        """
        self._refuse_if_readonly()
        prepared = [(item, self._validated_sender(item)) for item in items]
        # Files first: they are written while the rows are prepared, and the rows committed
        # only once the files are on disk, so a crash leaves an unused file, never a row that
        # points at nothing.
        blobs = [a.data for item in items for a in item.attachments if a.data is not None]
        files = self._attachment_store().start_put_many(blobs) if blobs else None
        hashes = iter(files.digests if files is not None else ())
        kept = [
            [
                (attachment, next(hashes) if attachment.data is not None else None)
                for attachment in item.attachments
            ]
            for item in items
        ]
        with self._writing(needs_agent=False) as write:
            write.batch = True
            if channel_state is not None:
                self._save_channel_state(write, channel_state)
            # Read and written a batch at a time (store/intake.py); a message for a solved or
            # closed ticket goes through _receive_one, in order.
            batch = InboundBatch(
                write,
                fallback=functools.partial(self._receive_one, write),
                survivor=_survivor,
            )
            results = batch.run(
                [
                    (item, kind, value, item_files)
                    for (item, (kind, value)), item_files in zip(prepared, kept, strict=True)
                ]
            )
            if files is not None:
                files.wait()
            return results

    @staticmethod
    def _validated_sender(item: dto.InboundItem) -> tuple[IdentityKind, str]:
        _parse(Channel, item.channel, "channel")
        kind = _parse(IdentityKind, item.identity_kind, "identity kind")
        raw = item.identity_value.strip()
        value = raw.lower() if kind == IdentityKind.EMAIL else raw
        if not value:
            raise InvalidInput("the sender has no address or id")
        if strip_controls(value) != value or _WHITESPACE.search(value):
            raise InvalidInput(f"the sender's address {one_line(value)!r} is not an address")
        return kind, value

    def _thread(
        self, write: _Write, item: dto.InboundItem, sender: str, customer_id: int
    ) -> tuple[int | None, str | None, str | None]:
        """(ticket number, rule, note) from the item's clues; see core/threading.py."""
        clues = item.thread
        if item.chat is not None:
            return self._thread_chat(write, item, item.chat, customer_id)
        if clues is None:
            return item.ticket_number, item.thread_rule, item.thread_note
        session = write.session

        def by_numbers(numbers: Sequence[int]) -> list[Candidate]:
            found = []
            for number in numbers:
                if 0 < number <= MAX_TICKET_NUMBER:
                    ticket = session.scalars(
                        select(Ticket).where(Ticket.number == number)
                    ).one_or_none()
                    if ticket is not None:
                        found.append(self._core_candidate(session, ticket, None))
            return found

        def by_message_ids(ids: Sequence[str]) -> list[Candidate]:
            if not ids:
                return []
            rows = session.execute(
                select(Message.external_id, Ticket)
                .join(Ticket, Ticket.id == Message.ticket_id)  # type: ignore[arg-type]
                .where(
                    Message.channel_account == item.account,
                    Message.external_id.in_(list(ids)),  # type: ignore[union-attr]
                )
            ).all()
            order = {message_id: index for index, message_id in enumerate(ids)}
            rows = sorted(rows, key=lambda r: -order.get(r[0], 0))  # the newest reference first
            return [
                self._core_candidate(session, ticket, message_id) for message_id, ticket in rows
            ]

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
        self, write: _Write, item: dto.InboundItem, clues: dto.ChatClues, customer_id: int
    ) -> tuple[int | None, str | None, str | None]:
        """A chat message: the ticket it edits or answers, or the customer's current one."""
        session = write.session
        edited = self._ticket_of_external(session, item.account, clues.revision_of)
        replied = self._ticket_of_external(session, item.account, clues.reply_to)
        latest = (
            session.connection()
            .execute(
                _LATEST_CHAT_TICKET,
                {"customer": customer_id, "channel": item.channel, "account": item.account},
            )
            .first()
        )
        decision = decide_chat(
            edited=edited,
            replied=replied,
            latest=ChatTicket(latest.number, latest.status, latest.solved_at) if latest else None,
            now=write.now,
            reopen_solved_within=timedelta(seconds=clues.reopen_solved_seconds),
        )
        return decision.ticket_number, decision.rule, decision.note

    @staticmethod
    def _ticket_of_external(session: Session, account: str, external_id: str | None) -> int | None:
        if not external_id:
            return None
        ticket_id = session.scalar(
            select(Message.ticket_id).where(
                Message.channel_account == account, Message.external_id == external_id
            )
        )
        if ticket_id is None:
            return None
        # A merged ticket's conversation goes on in the ticket it was merged into.
        ticket = session.get(Ticket, ticket_id)
        while ticket is not None and ticket.merged_into_id is not None:
            ticket = session.get(Ticket, ticket.merged_into_id)
        return ticket.number if ticket is not None else None

    @staticmethod
    def _message_of_external(session: Session, account: str, external_id: str | None) -> int | None:
        if not external_id:
            return None
        return session.scalar(
            select(Message.id).where(
                Message.channel_account == account, Message.external_id == external_id
            )
        )

    def _core_candidate(
        self, session: Session, ticket: Ticket, message_id: str | None
    ) -> Candidate:
        addresses = session.scalars(
            select(Identity.value).where(
                Identity.customer_id == ticket.customer_id, Identity.kind == IdentityKind.EMAIL
            )
        ).all()
        return Candidate(ticket.number, ticket.subject, frozenset(addresses), message_id)

    def _receive_one(
        self,
        write: _Write,
        item: dto.InboundItem,
        kind: IdentityKind,
        value: str,
        kept: Sequence[tuple[dto.NewAttachment, str | None]],
    ) -> dto.ReceiveResult:
        channel_value = Channel(item.channel)
        account, external_id = item.account, item.external_id
        sender_name, username, subject = item.sender_name, item.username, item.subject
        automatic, at = item.automatic, item.at
        session = write.session
        connection = session.connection()
        if external_id is not None:
            existing = connection.execute(
                _STORED_MESSAGE, {"account": account, "external_id": external_id}
            ).first()
            if existing:
                return dto.ReceiveResult(existing.number, existing.id, False, True)
        # Inserts below go through Core (insert ... returning id) rather than ORM objects: a
        # mailbox of thousands of messages would otherwise spend most of its time building them.
        known = connection.execute(_KNOWN_IDENTITY, {"kind": kind.value, "value": value}).first()
        if known is None:
            new_customer = _insert_returning_id(
                session,
                Customer,
                name=(sender_name or username or value).strip() or value,
                language=item.language,
                created_at=write.now,
            )
            identity_id = _insert_returning_id(
                session,
                Identity,
                customer_id=new_customer,
                kind=kind.value,
                value=value,
                display_name=sender_name,
                username=username,
                created_at=write.now,
            )
            customer_id = new_customer
        else:
            identity_id = known.id
            customer_id = (
                known.customer_id
                if known.merged_into_id is None
                else _survivor(session, known.customer_id)
            )
            if known.unreachable_reason is not None:
                # They wrote to us: whatever blocked delivery (a blocked bot) is over.
                session.execute(
                    update(Identity)
                    .where(Identity.id == identity_id)  # type: ignore[arg-type]
                    .values(unreachable_reason=None)
                )
        ticket_number, thread_rule, thread_note = self._thread(write, item, value, customer_id)
        # SLA time runs from when we received the message, not from the sender's clock
        # (a mail's Date header can be hours off); `at` stays for display. Imported history
        # keeps its own times: it was received long ago, elsewhere.
        received = min(item.at, write.now) if item.imported else write.now
        ticket = None
        follow_up_of = None
        if ticket_number is not None:
            ticket = session.scalars(_TICKET_FOR_UPDATE, {"number": ticket_number}).one_or_none()
            if (
                ticket is not None
                and ticket.status == Status.CLOSED
                and not item.imported
                and score_only(item.text) is None  # a late rating stays with its ticket
            ):
                follow_up_of, ticket = ticket.id, None
        created = ticket is None
        reopened = False
        if ticket is not None and ticket.customer_id != customer_id and thread_note is None:
            thread_note = (
                f"sent by {one_line(sender_name or value, 60)}, who is not this ticket's "
                "customer; check it belongs here"
            )
        if ticket is None:
            ticket = self._new_ticket(
                write,
                subject=subject,
                channel=channel_value,
                account=account,
                customer_id=customer_id,
                created_at=received,
                follow_up_of=follow_up_of,
            )
        raw_id = None
        if item.raw is not None:
            raw_id = _insert_returning_id(
                session,
                RawOriginal,
                channel=channel_value.value,
                channel_account=account,
                dedupe_key=item.raw_key or external_id or uuid.uuid4().hex,
                data=item.raw,
                size=len(item.raw),
                received_at=write.now,
            )
        message_id = _insert_returning_id(
            session,
            Message,
            ticket_id=ticket.id,
            direction=Direction.INBOUND.value,
            channel=channel_value.value,
            channel_account=account,
            external_id=external_id,
            subject=subject,
            sender_name=sender_name,
            sender_address=value,
            identity_id=identity_id,
            recipients=[],
            text=item.text,
            html=item.html,
            automatic=automatic,
            created_at=at,
            stored_at=received,
            delivery_state=DeliveryState.RECEIVED.value,
            raw_id=raw_id,
            thread_rule=thread_rule or ("new_ticket" if created else "ticket_number"),
            thread_note=thread_note,
            reply_to_message_id=self._message_of_external(
                session, account, item.chat.reply_to if item.chat else None
            ),
            revision_of_id=self._message_of_external(
                session, account, item.chat.revision_of if item.chat else None
            ),
        )
        if kept:
            session.execute(
                insert(Attachment),
                [
                    {
                        "message_id": message_id,
                        "sha256": sha256,
                        "filename": safe_filename(attachment.filename),
                        "size": len(attachment.data)
                        if attachment.data is not None
                        else attachment.size,
                        "content_type": one_line(
                            attachment.content_type or "application/octet-stream", 200
                        ),
                        "inline": attachment.inline,
                        "content_id": attachment.content_id,
                        "note": attachment.note,
                    }
                    for attachment, sha256 in kept
                ],
            )
        ticket.message_count += 1
        if automatic and created:
            # Nobody is waiting for an answer to an out-of-office note.
            self._set_status(write, ticket, Status.CLOSED, "automatic message, no conversation")
        elif item.imported and created:
            self._set_status(write, ticket, Status.CLOSED, "imported history", at=received)
        score = None
        if not (automatic or created or item.imported) and ticket.status in FINISHED_STATUSES:
            score = score_only(item.text)
        if score is not None:
            # "5" in answer to our request for a score: a rating, not a reason to reopen.
            self._record_rating(write, ticket, score, None, channel_value.value)
        elif not automatic:
            ticket.last_customer_message_at = received
            reopening = ticket.status in (Status.SOLVED, Status.PENDING, Status.ON_HOLD)
            if reopening and not created and not item.imported:
                reopened = ticket.status == Status.SOLVED
                self._set_status(write, ticket, Status.OPEN, "customer replied")
        self._event(
            write,
            "received",
            ticket,
            version=ticket.version + 1,
            message_id=message_id,
            automatic=automatic,
        )
        self._touch(write, ticket)
        return dto.ReceiveResult(ticket.number, message_id, created, False, reopened)

    def _save_channel_state(self, write: _Write, update_: dto.ChannelStateUpdate) -> None:
        row = write.session.scalars(
            select(ChannelState)
            .where(ChannelState.account == update_.account, ChannelState.key == update_.key)
            .with_for_update()
        ).one_or_none()
        if row is None:
            row = ChannelState(
                channel=update_.channel,
                account=update_.account,
                key=update_.key,
                updated_at=write.now,
            )
            write.session.add(row)
        # The channel's position is replaced; warnings recorded beside it stay until read.
        kept = {"warnings": row.data["warnings"]} if row.data and "warnings" in row.data else {}
        row.data = {**dict(update_.data), **kept}
        row.updated_at = write.now

    def save_channel_state(self, update_: dto.ChannelStateUpdate) -> None:
        """Move a channel's position without a message (an empty batch, a UIDVALIDITY reset)."""
        with self._writing(needs_agent=False) as write:
            self._save_channel_state(write, update_)

    def channel_state(self, account: str, key: str) -> dict[str, Any] | None:
        with self._reading() as session:
            row = session.scalars(
                select(ChannelState).where(ChannelState.account == account, ChannelState.key == key)
            ).one_or_none()
            return dict(row.data) if row is not None else None

    def channel_lock(self, channel: str, account: str) -> ChannelLock:
        """The lock whose holder polls this account (see store/locks.py); not yet taken."""
        return self._named_lock(f"{channel}:{account}")

    def _named_lock(self, name: str) -> ChannelLock:
        if self.database.is_sqlite:
            path = Path(self.database.write_engine.url.database or "supportdesk.db").resolve()
            return FileChannelLock(path.parent, path.name, name)
        return PostgresChannelLock(self.database.write_engine, name)

    def record_channel_health(
        self,
        channel: str,
        account: str,
        key: str,
        *,
        error: str | None = None,
        next_retry_at: datetime | None = None,
        warning: str | None = None,
    ) -> None:
        """How the last attempt went, for the status bar and `doctor`. A warning (e.g. the
        folder was reset) is kept until it is read."""
        with self._writing(needs_agent=False) as write:
            row = write.session.scalars(
                select(ChannelState)
                .where(ChannelState.account == account, ChannelState.key == key)
                .with_for_update()
            ).one_or_none()
            if row is None:
                row = ChannelState(channel=channel, account=account, key=key, updated_at=write.now)
                write.session.add(row)
            if error is None:
                row.last_success_at = write.now
                row.last_error = None
            else:
                row.last_error = error
                row.last_error_at = write.now
            row.next_retry_at = next_retry_at
            row.updated_at = write.now
            if warning:
                data = dict(row.data or {})
                data["warnings"] = [
                    *data.get("warnings", []),
                    f"{write.now:%Y-%m-%d %H:%M} {warning}",
                ][-20:]
                row.data = data
                self._event(
                    write, "channel_warning", None, account=account, key=key, warning=warning
                )

    def channel_health(self) -> list[dto.ChannelHealth]:
        with self._reading() as session:
            rows = session.scalars(
                select(ChannelState).order_by(ChannelState.account, ChannelState.key)
            ).all()
            return [
                dto.ChannelHealth(
                    channel=r.channel,
                    account=r.account,
                    key=r.key,
                    last_success_at=r.last_success_at,
                    last_error=r.last_error,
                    last_error_at=r.last_error_at,
                    next_retry_at=r.next_retry_at,
                    warnings=tuple((r.data or {}).get("warnings", [])),
                )
                for r in rows
            ]

    def mark_bounced(self, account: str, message_ids: Sequence[str], reason: str) -> list[int]:
        """A delivery report says these replies did not arrive: mark them failed, with the
        mail server's words. Returns the tickets concerned."""
        if not message_ids:
            return []
        with self._writing(needs_agent=False) as write:
            messages = write.session.scalars(
                select(Message).where(
                    Message.channel_account == account,
                    Message.direction == Direction.OUTBOUND,
                    Message.external_id.in_(list(message_ids)),  # type: ignore[union-attr]
                )
            ).all()
            numbers = []
            for message in messages:
                ticket = write.session.get(Ticket, message.ticket_id)
                assert ticket is not None
                message.delivery_state = DeliveryState.FAILED
                message.delivery_error = f"bounced: {one_line(reason, 400)}"
                outbox = write.session.scalars(
                    select(OutboxItem).where(OutboxItem.message_id == message.id)
                ).one_or_none()
                if outbox is not None:
                    outbox.state = "failed"
                    outbox.last_error = message.delivery_error
                    outbox.updated_at = write.now
                self._event(
                    write,
                    "bounced",
                    ticket,
                    version=ticket.version + 1,
                    message_id=message.id,
                    reason=reason,
                )
                self._touch(write, ticket)
                numbers.append(ticket.number)
            return numbers

    # -- outbox -----------------------------------------------------------------------------

    def claim_outgoing(
        self,
        worker: str,
        *,
        channel: str,
        account: str | None = None,
        limit: int = 20,
        lease_seconds: int = 300,
    ) -> list[dto.OutgoingReply]:
        """Take due replies for sending: each becomes 'sending', held by `worker`.

        A reply found 'sending' with its lease run out was being sent when its worker died;
        whether it left is unknown, so it becomes 'unknown' for the agent to decide — it is
        never sent twice on a guess.
        """
        with self._writing(needs_agent=False) as write:
            session = write.session
            # One sender per account (a Telegram bot sends only its own chats' replies).
            mine = [OutboxItem.channel == channel]
            if account is not None:
                mine.append(OutboxItem.channel_account == account)
            stale = session.scalars(
                select(OutboxItem)
                .where(
                    *mine,
                    OutboxItem.state == "sending",
                    OutboxItem.locked_until < write.now,  # type: ignore[operator]
                )
                .with_for_update()
            ).all()
            for item in stale:
                self._finish_delivery(
                    write,
                    item,
                    "unknown",
                    "the sender stopped while sending; it may or may not have arrived",
                )
            query = (
                select(OutboxItem)
                .where(
                    *mine,
                    OutboxItem.state == "queued",
                    OutboxItem.next_attempt_at <= write.now,  # type: ignore[operator]
                )
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(limit)
            )
            if self.database.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for item in session.scalars(query).all():
                item.state = "sending"
                item.attempts += 1
                item.locked_by = worker
                item.locked_until = write.now + timedelta(seconds=lease_seconds)
                item.updated_at = write.now
                message = session.get(Message, item.message_id)
                assert message is not None
                message.delivery_state = DeliveryState.SENDING
                ticket = session.get(Ticket, message.ticket_id)
                assert ticket is not None
                references = session.scalars(
                    select(Message.external_id)
                    .where(
                        Message.ticket_id == ticket.id,
                        Message.external_id.is_not(None),  # type: ignore[union-attr]
                        Message.id != message.id,
                    )
                    .order_by(Message.created_at, Message.id)
                ).all()
                claimed.append(
                    dto.OutgoingReply(
                        outbox_id=item.id,  # type: ignore[arg-type]
                        message_id=message.id,  # type: ignore[arg-type]
                        ticket_number=ticket.number,
                        channel=item.channel,
                        account=item.channel_account,
                        recipients=tuple(message.recipients),
                        subject=message.subject or ticket.subject,
                        text=message.text,
                        external_id=message.external_id,
                        in_reply_to=message.in_reply_to,
                        references=tuple(r for r in references if r),
                        sender_name=message.sender_name,
                        attempts=item.attempts,
                        attachments=self._outgoing_attachments(session, message.id),  # type: ignore[arg-type]
                    )
                )
            return claimed

    def _outgoing_attachments(
        self, session: Session, message_id: int
    ) -> tuple[dto.OutgoingAttachment, ...]:
        rows = session.scalars(
            select(Attachment).where(Attachment.message_id == message_id).order_by(Attachment.id)
        ).all()
        return tuple(
            dto.OutgoingAttachment(
                row.filename,
                row.content_type,
                str(self._attachment_store().path_for(row.sha256))
                if row.sha256 and self.attachments is not None
                else None,
            )
            for row in rows
        )

    def mark_unreachable(self, kind: str, value: str, reason: str | None) -> None:
        """The customer cannot be reached this way (they blocked the bot): said on the
        identity, cleared when they write again or with `reason` None (they unblocked it)."""
        with self._writing(needs_agent=False) as write:
            write.session.execute(
                update(Identity)
                .where(Identity.kind == kind, Identity.value == value)  # type: ignore[arg-type]
                .values(unreachable_reason=one_line(reason, 500) if reason else None)
            )

    def unreachable_reason(self, kind: str, value: str) -> str | None:
        with self._reading() as session:
            return session.scalar(
                select(Identity.unreachable_reason).where(
                    Identity.kind == kind, Identity.value == value
                )
            )

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Hold the team-wide lock `name` (see store/locks.py) while the block runs: True when
        this process holds it, False when another does (then do not do the work)."""
        lock = self._named_lock(name)
        held = lock.try_acquire()
        try:
            yield held
        finally:
            if held:
                lock.release()

    # -- ratings (CSAT) ---------------------------------------------------------------------

    def rating_requests(
        self, channel: str, account: str, after_event_id: int, *, scan: int = 500
    ) -> tuple[list[dto.RatingRequest], int]:
        """Tickets of `account` solved after event `after_event_id`, whose customers are to be
        asked for a rating; and the event id scanned up to (the next call's start)."""
        with self._reading() as session:
            rows = session.execute(
                select(Event.id, Event.data, Ticket)
                .join(Ticket, Ticket.id == Event.ticket_id)  # type: ignore[arg-type]
                .where(
                    Event.id > after_event_id,
                    Event.kind == "status",
                    Ticket.channel == channel,
                    Ticket.channel_account == account,
                )
                .order_by(Event.id)
                .limit(scan)
            ).all()
            high_water = max([after_event_id, *(r[0] for r in rows)])
            if len(rows) < scan:
                # Nothing more to find up to the log's end: move the mark there.
                high_water = max(high_water, session.scalar(select(func.max(Event.id))) or 0)
            requests = []
            for event_id, data, ticket in rows:
                if (data or {}).get("to") != Status.SOLVED.value or ticket.status != Status.SOLVED:
                    continue
                last = session.execute(
                    select(Message.external_id, Identity.value)
                    .join(Identity, Identity.id == Message.identity_id)  # type: ignore[arg-type]
                    .where(
                        Message.ticket_id == ticket.id,
                        Message.direction == Direction.INBOUND,
                        Identity.customer_id == ticket.customer_id,
                    )
                    .order_by(Message.created_at.desc(), Message.id.desc())  # type: ignore[attr-defined]
                    .limit(1)
                ).first()
                customer = session.get(Customer, ticket.customer_id)
                requests.append(
                    dto.RatingRequest(
                        event_id=event_id,
                        ticket_number=ticket.number,
                        recipient=last.value if last else None,
                        chat=last.external_id if last else None,
                        language=customer.language if customer else None,
                    )
                )
            return requests, high_water

    def record_rating_request(
        self, number: int, channel_state: dto.ChannelStateUpdate | None = None
    ) -> None:
        """The customer was asked for a rating (logged on the ticket), with where the asking
        is up to, in one transaction."""
        with self._writing(needs_agent=False) as write:
            ticket = self._ticket_for_update(write, number)
            self._event(write, "rating_requested", ticket)
            if channel_state is not None:
                self._save_channel_state(write, channel_state)

    def finish_delivery(
        self,
        outbox_id: int,
        outcome: str,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
        external_id: str | None = None,
    ) -> None:
        """Record how sending went: 'sent', 'retry' (with `retry_at`), 'failed' (the server
        refused for good) or 'unknown' (it may have arrived; never re-sent automatically)."""
        if outcome not in ("sent", "retry", "failed", "unknown"):
            raise InvalidInput(
                f"delivery outcome {outcome!r}: expected sent, retry, failed, unknown"
            )
        with self._writing(needs_agent=False) as write:
            item = write.session.scalars(
                select(OutboxItem).where(OutboxItem.id == outbox_id).with_for_update()
            ).one_or_none()
            if item is None:
                raise NotFound(f"there is no outbox item {outbox_id}")
            self._finish_delivery(write, item, outcome, error, retry_at, external_id)

    def _finish_delivery(
        self,
        write: _Write,
        item: OutboxItem,
        outcome: str,
        error: str | None = None,
        retry_at: datetime | None = None,
        external_id: str | None = None,
    ) -> None:
        message = write.session.get(Message, item.message_id)
        assert message is not None
        ticket = write.session.get(Ticket, message.ticket_id)
        assert ticket is not None
        item.locked_by = None
        item.locked_until = None
        item.updated_at = write.now
        item.last_error = one_line(error, 1000) if error else None
        if outcome == "retry":
            item.state = "queued"
            item.next_attempt_at = retry_at or write.now
            message.delivery_state = DeliveryState.QUEUED
            message.delivery_error = item.last_error
        else:
            item.state = outcome
            message.delivery_state = outcome
            message.delivery_error = item.last_error
            if outcome == "sent":
                item.sent_at = write.now
                if external_id:
                    message.external_id = external_id
        self._event(
            write,
            f"delivery_{outcome}",
            ticket,
            version=ticket.version + 1,
            message_id=message.id,
            error=item.last_error,
        )
        # A failed reply no longer counts as an answer; the clocks say so.
        self._touch(write, ticket)

    def merge_customers(self, keep: str, other: str) -> dto.CustomerInfo:
        """Two records of one person become one: `other`'s addresses and tickets move to
        `keep`, and `other` points at `keep` from then on. Each side is named by one of its
        identities: an email address, or a Telegram user id (digits, or 'tg:123')."""
        with self._writing() as write:
            survivor = self._customer_by_identity(write.session, keep)
            loser = self._customer_by_identity(write.session, other)
            if survivor.id == loser.id:
                raise InvalidInput(f"{keep!r} and {other!r} are already the same customer")
            moved_identities = write.session.execute(
                update(Identity)
                .where(Identity.customer_id == loser.id)  # type: ignore[arg-type]
                .values(customer_id=survivor.id)
            ).rowcount
            tickets = write.session.scalars(
                select(Ticket).where(Ticket.customer_id == loser.id).with_for_update()
            ).all()
            for ticket in tickets:
                ticket.customer_id = survivor.id  # type: ignore[assignment]
                ticket.version += 1
                ticket.updated_at = write.now
            loser.merged_into_id = survivor.id
            survivor.language = survivor.language or loser.language
            survivor.company = survivor.company or loser.company
            for ticket in tickets:
                self._event(write, "customer_merged", ticket, into=survivor.name)
            self._event(
                write,
                "customers_merged",
                None,
                kept=survivor.id,
                merged=loser.id,
                identities=moved_identities,
                tickets=len(tickets),
            )
            write.session.flush()
            identities = write.session.scalars(
                select(Identity).where(Identity.customer_id == survivor.id).order_by(Identity.id)
            ).all()
            return _customer_info(survivor, list(identities))

    def _customer_by_identity(self, session: Session, text: str) -> Customer:
        raw = text.strip()
        if raw.lower().startswith(("tg:", "telegram:")):
            kind, value = IdentityKind.TELEGRAM, raw.split(":", 1)[1].strip()
        elif raw.isdigit():
            kind, value = IdentityKind.TELEGRAM, raw
        else:
            kind, value = IdentityKind.EMAIL, raw.lower()
        identity = session.scalars(
            select(Identity).where(Identity.kind == kind, Identity.value == value)
        ).one_or_none()
        if identity is None:
            raise NotFound(f"no customer has the {kind.value} identity {value!r}")
        customer = session.get(Customer, _survivor(session, identity.customer_id))
        assert customer is not None
        return customer

    def merge_tickets(
        self, number: int, into: int, *, expected_version: int | None = None
    ) -> dto.TicketSummary:
        """Ticket `number` was about the same thing as `into`: its messages and notes move to
        `into`, and it is closed pointing at the survivor."""
        if number == into:
            raise InvalidInput("a ticket cannot be merged into itself")
        with self._writing() as write:
            self._require(write, "close")
            # Lock both in a fixed order, so two merges cannot deadlock each other.
            first, second = sorted((number, into))
            locked = {n: self._ticket_for_update(write, n) for n in (first, second)}
            source, target = locked[number], locked[into]
            self._check_version(write, source, expected_version)
            if target.status == Status.CLOSED:
                raise InvalidInput(f"#{into} is closed; merge into an open ticket")
            if source.merged_into_id is not None:
                raise InvalidInput(f"#{number} was already merged")
            moved = write.session.execute(
                update(Message)
                .where(Message.ticket_id == source.id)  # type: ignore[arg-type]
                .values(ticket_id=target.id)
            ).rowcount
            write.session.execute(
                update(Note).where(Note.ticket_id == source.id).values(ticket_id=target.id)  # type: ignore[arg-type]
            )
            # A trainee's reply waiting for review moved with the messages: its approval
            # answers the survivor, and must not reopen the merged ticket.
            write.session.execute(
                update(ReplyReview)
                .where(ReplyReview.ticket_id == source.id)  # type: ignore[arg-type]
                .values(ticket_id=target.id)
            )
            source.merged_into_id = target.id
            source.message_count = 0
            target.message_count += moved
            for stamp in ("last_customer_message_at", "last_agent_reply_at"):
                mine, theirs = getattr(source, stamp), getattr(target, stamp)
                if mine and (theirs is None or mine > theirs):
                    setattr(target, stamp, mine)
            self._set_status(write, source, Status.CLOSED, f"merged into #{into}")
            self._event(write, "merged_into", source, version=source.version + 1, into=into)
            self._event(
                write,
                "merged_from",
                target,
                version=target.version + 1,
                source=number,
                messages=moved,
            )
            self._touch(write, target)
            self._touch(write, source)
            return self._summary(write.session, target, write.settings, write.now)

    def split_message(self, number: int, message_id: int) -> dto.TicketSummary:
        """A customer message that is a different question becomes a ticket of its own."""
        with self._writing() as write:
            ticket = self._ticket_for_update(write, number)
            message = write.session.get(Message, message_id)
            if message is None or message.ticket_id != ticket.id:
                raise NotFound(f"#{number} has no message {message_id}")
            if message.direction != Direction.INBOUND:
                raise InvalidInput("only a customer's message can start a ticket of its own")
            if ticket.message_count <= 1:
                raise InvalidInput(f"it is the only message of #{number}; nothing to split")
            new = self._new_ticket(
                write,
                subject=message.subject or ticket.subject,
                channel=ticket.channel,
                account=ticket.channel_account,
                customer_id=ticket.customer_id,
                created_at=message.stored_at,
                follow_up_of=ticket.id,
                category=ticket.category,
                split_from=number,
            )
            message.ticket_id = new.id  # type: ignore[assignment]
            message.thread_rule = "split"
            message.thread_note = f"split out of #{number}"
            ticket.message_count -= 1
            new.message_count = 1
            new.last_customer_message_at = message.stored_at
            self._event(write, "split", ticket, version=ticket.version + 1, into=new.number)
            self._touch(write, ticket)
            self._touch(write, new)
            return self._summary(write.session, new, write.settings, write.now)

    def retry_delivery(self, message_id: int) -> dto.MessageInfo:
        """Send a failed reply again — or one whose fate is unknown, once the agent decided
        that the customer did not get it."""
        return self._decide_delivery(message_id, retry=True)

    def discard_delivery(self, message_id: int) -> dto.MessageInfo:
        """Give up on a failed or unknown reply; it no longer counts as an answer."""
        return self._decide_delivery(message_id, retry=False)

    def _decide_delivery(self, message_id: int, *, retry: bool) -> dto.MessageInfo:
        with self._writing() as write:
            message = write.session.get(Message, message_id)
            if message is None or message.direction != Direction.OUTBOUND:
                raise NotFound(f"there is no reply {message_id}")
            ticket = write.session.get(Ticket, message.ticket_id)
            assert ticket is not None
            self._ticket_for_update(write, ticket.number)
            if message.delivery_state not in (DeliveryState.FAILED, DeliveryState.UNKNOWN):
                raise InvalidInput(
                    f"this reply is {message.delivery_state}; only failed or unknown replies can "
                    "be sent again or discarded"
                )
            outbox = write.session.scalars(
                select(OutboxItem).where(OutboxItem.message_id == message.id)
            ).one_or_none()
            if retry:
                message.delivery_state = DeliveryState.QUEUED
                message.delivery_error = None
                if outbox is None:
                    outbox = OutboxItem(
                        message_id=message.id,  # type: ignore[arg-type]
                        channel=message.channel,
                        channel_account=message.channel_account,
                        created_at=write.now,
                        updated_at=write.now,
                        next_attempt_at=write.now,
                    )
                    write.session.add(outbox)
                outbox.state = "queued"
                outbox.next_attempt_at = write.now
                outbox.updated_at = write.now
                outbox.last_error = None
            else:
                message.delivery_state = DeliveryState.DISCARDED
                if outbox is not None:
                    outbox.state = "discarded"
                    outbox.updated_at = write.now
            self._event(
                write,
                "delivery_retried" if retry else "delivery_discarded",
                ticket,
                version=ticket.version + 1,
                message_id=message.id,
            )
            self._touch(write, ticket)
            actor = write.actor
            names = {actor.id: actor.name} if actor else {}
            return _message_info(message, names, ())  # type: ignore[arg-type]

    def store_attachment(
        self,
        message_id: int,
        filename: str | None,
        content_type: str,
        data: bytes | None,
        *,
        inline: bool = False,
        content_id: str | None = None,
        note: str | None = None,
    ) -> dto.AttachmentInfo:
        """Keep a file that came with a message. `data` None records one that was not kept
        (too large, say), with `note` saying why. The name is made safe to show and save."""
        self._refuse_if_readonly()
        store = self._attachment_store()
        # The file first: a crash after it leaves an unreferenced file, never a row
        # pointing at nothing.
        sha256 = store.put(data) if data is not None else None
        with self._writing(needs_agent=False) as write:
            message = write.session.get(Message, message_id)
            if message is None:
                raise NotFound(f"there is no message {message_id}")
            row = Attachment(
                message_id=message_id,
                sha256=sha256,
                filename=safe_filename(filename),
                size=len(data) if data is not None else 0,
                content_type=one_line(content_type or "application/octet-stream", 200),
                inline=inline,
                content_id=content_id,
                note=note,
            )
            write.session.add(row)
            write.session.flush()
            return _attachment_info(row)

    def attachment_file(self, attachment_id: int) -> tuple[dto.AttachmentInfo, Path]:
        """Where an attachment's content is, to save or open it."""
        with self._reading() as session:
            row = session.get(Attachment, attachment_id)
            if row is None:
                raise NotFound(f"there is no attachment {attachment_id}")
            info = _attachment_info(row)
        if row.sha256 is None:
            raise NotFound(
                f"{info.filename} was not kept" + (f": {info.note}" if info.note else "")
            )
        path = self._attachment_store().path_for(row.sha256)
        if not path.exists():
            raise NotFound(f"the content of {info.filename} is missing from {path.parent}")
        return info, path

    def save_attachment(self, attachment_id: int, folder: Path) -> Path:
        """Save a copy of an attachment into `folder` (made if missing); returns the file."""
        info, _path = self.attachment_file(attachment_id)
        assert info.sha256 is not None
        try:
            return self._attachment_store().copy_out(
                info.sha256, folder.expanduser(), info.filename
            )
        except OSError as exc:
            raise DeskError(
                f"could not save {info.filename} to {folder}: {exc.strerror or exc}"
            ) from None

    def _attachment_store(self) -> AttachmentStore:
        if self.attachments is None:
            raise DeskError("no attachment folder is set up for this desk")
        return self.attachments

    def rate(
        self,
        number: int,
        score: int,
        *,
        comment: str | None = None,
        channel: str,
        by: tuple[str, str] | None = None,
    ) -> None:
        """Store the customer's rating; a second one replaces the first. `by` (identity kind
        and value): refuse unless that is the ticket's customer (a button pressed by anyone
        else, say in a group)."""
        if not 1 <= score <= 5:
            raise InvalidInput(f"a rating is 1 to 5, not {score}")
        with self._writing(needs_agent=False) as write:
            ticket = self._ticket_for_update(write, number)
            if by is not None:
                owner = write.session.scalar(
                    select(Identity.customer_id).where(
                        Identity.kind == by[0], Identity.value == by[1]
                    )
                )
                if owner is None or _survivor(write.session, owner) != ticket.customer_id:
                    raise NotPermitted(f"#{number} is not this person's ticket to rate")
            self._record_rating(write, ticket, score, comment, channel)
            ticket.version += 1

    def _record_rating(
        self, write: _Write, ticket: Ticket, score: int, comment: str | None, channel: str
    ) -> None:
        """A second rating replaces the first."""
        rating = write.session.scalars(
            select(Rating).where(Rating.ticket_id == ticket.id)
        ).one_or_none()
        if rating is None:
            rating = Rating(
                ticket_id=ticket.id,  # type: ignore[arg-type]
                score=score,
                comment=comment,
                channel=channel,
                created_at=write.now,
                updated_at=write.now,
            )
            write.session.add(rating)
        else:
            rating.score, rating.comment, rating.updated_at = score, comment, write.now
        self._event(write, "rated", ticket, score=score)

    # -- team settings ----------------------------------------------------------------------

    def team_settings(self) -> TeamSettings:
        with self._reading() as session:
            return self._settings(session)

    def save_team_settings(self, settings: TeamSettings) -> int:
        """Store validated settings and recompute every active ticket's clocks under them, in
        the same transaction. Returns how many tickets were recomputed."""
        with self._writing() as write:
            self._require(write, "team_settings")
            row = write.session.get(TeamSetting, SETTINGS_KEY)
            if row is None:
                row = TeamSetting(key=SETTINGS_KEY, updated_at=write.now)
                write.session.add(row)
            row.value = settings.document
            row.updated_at = write.now
            row.updated_by_id = write.actor.id if write.actor else None
            write.settings = settings
            count = self._recompute_all(write)
            self._event(write, "team_settings", None, recomputed=count)
            return count

    def close_quiet_solved(self) -> list[int]:
        """Close the solved tickets whose customer stayed quiet for the team's quiet period
        (business days of the team's calendar); returns their numbers. Housekeeping that any
        number of runners may do at once: tickets an agent is changing are skipped for now."""
        with self._writing(needs_agent=False) as write:
            write.batch = True
            days = write.settings.closing.quiet_business_days
            calendar = write.settings.calendar
            query = select(Ticket).where(
                Ticket.status == Status.SOLVED,
                # No quiet period is shorter in calendar days than in business days.
                Ticket.status_changed_at <= write.now - timedelta(days=days),  # type: ignore[operator]
            )
            if self.database.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            closed = []
            for ticket in write.session.scalars(query):
                if calendar.after_business_days(ticket.status_changed_at, days) > write.now:
                    continue
                self._set_status(write, ticket, Status.CLOSED, f"no reply for {days} business days")
                self._touch(write, ticket)
                closed.append(ticket.number)
            return closed

    def recompute_sla(self) -> int:
        """Recompute the clocks of every active ticket (after a calendar change, say), and the
        report facts of every ticket whose facts are missing or were computed under other SLA
        settings (so that reports need not work them out from history)."""
        with self._writing(needs_agent=False) as write:
            count = self._recompute_all(write, stale_facts=True)
            self._event(write, "sla_recomputed", None, recomputed=count)
            return count

    def _recompute_all(self, write: _Write, *, stale_facts: bool = False) -> int:
        wanted = Ticket.status.in_(ACTIVE_STATUSES)  # type: ignore[attr-defined]
        if stale_facts:
            wanted = or_(wanted, reportfacts.stale(reportfacts.facts_key(write.settings)))
        ids = list(write.session.scalars(select(Ticket.id).where(wanted).order_by(Ticket.id)))
        for start in range(0, len(ids), 2000):
            chunk = write.session.scalars(
                select(Ticket)
                .where(Ticket.id.in_(ids[start : start + 2000]))  # type: ignore[union-attr]
                .order_by(Ticket.id)
                .with_for_update()
            ).all()
            recompute_tickets(write.session, chunk, write.settings, write.now)
            write.session.flush()
            write.session.expunge_all()
        return len(ids)

    # -- reads ------------------------------------------------------------------------------

    def list_queue(
        self,
        view: str = "open",
        *,
        search: str | None = None,
        statuses: Sequence[str] | None = None,
        limit: int = 50,
        offset: int = 0,
        with_total: bool = True,
        group_incidents: bool = False,
    ) -> dto.QueuePage:
        """`group_incidents`: leave out the tickets of open incidents (the queue shows them
        under one row per incident, from incident_groups())."""
        if view not in VIEWS:
            raise InvalidInput(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        status_values = [_parse(Status, s, "status").value for s in statuses] if statuses else None
        now = self.clock.now()
        with self._reading() as session:
            settings = self._settings(session)
            me = self._maybe_agent(session)
            condition, counted = (
                self._view_condition(session, view, me, now, status_values, counting=counting)
                for counting in (False, True)
            )
            if search and search.strip():
                condition = and_(condition, self._search_condition(search.strip()))
                counted = and_(counted, self._search_condition(search.strip()))
            if group_incidents:
                condition = and_(condition, self._not_in_open_incident())
                counted = and_(counted, self._not_in_open_incident())
            rows = session.scalars(
                select(Ticket)
                .where(condition)
                .order_by(*_queue_order())
                .limit(limit)
                .offset(offset)
            ).all()
            total = (
                session.scalar(select(func.count()).select_from(Ticket).where(counted)) or 0
                if with_total
                else len(rows)
            )
            summaries = self._summaries(session, rows, settings, now)
            return dto.QueuePage(tuple(summaries), total, offset, view)

    def feature_requests(self) -> list[dto.FeatureRequestGroup]:
        """Every feature request ever filed, grouped by tag, most asked-for first — for the
        product team: which wishes come back, and from whom."""
        with self._reading() as session:
            rows = session.execute(
                select(Ticket.number, Ticket.status, Customer.name, TicketTag.tag)
                .join(Customer, Customer.id == Ticket.customer_id)  # type: ignore[arg-type]
                .outerjoin(TicketTag, TicketTag.ticket_id == Ticket.id)  # type: ignore[arg-type]
                .where(Ticket.category == Category.FEATURE_REQUEST)
                .order_by(Ticket.number)
            ).all()
        groups: dict[str, dict[int, tuple[str, str]]] = defaultdict(dict)
        for number, status, customer, tag in rows:
            groups[tag or "untagged"][number] = (status, customer)
        result = [
            dto.FeatureRequestGroup(
                tag=tag,
                tickets=tuple(tickets),
                customers=tuple(dict.fromkeys(customer for _, customer in tickets.values())),
                open_count=sum(status not in FINISHED_STATUSES for status, _ in tickets.values()),
            )
            for tag, tickets in groups.items()
        ]
        return sorted(result, key=lambda g: (-len(g.customers), -len(g.tickets), g.tag))

    def view_counts(self) -> dict[str, int]:
        now = self.clock.now()
        with self._reading() as session:
            me = self._maybe_agent(session)
            counts = {}
            for view in VIEWS:
                if view in ("all", "closed", "solved"):
                    continue
                if view in ("mine", "mentions") and me is None:
                    continue
                condition = self._view_condition(session, view, me, now, None, counting=True)
                counts[view] = (
                    session.scalar(select(func.count()).select_from(Ticket).where(condition)) or 0
                )
            review = review_tab_count(session, me)
            if review is not None:
                counts["review"] = review
            return counts

    def _maybe_agent(self, session: Session) -> Agent | None:
        if not self.agent_name:
            return None
        return session.scalars(select(Agent).where(Agent.name == self.agent_name)).first()

    def _view_condition(
        self,
        session: Session,
        view: str,
        me: Agent | None,
        now: datetime,
        statuses: list[str] | None,
        *,
        counting: bool = False,
    ) -> ColumnElement[bool]:
        active = Ticket.status.in_(statuses or [s.value for s in ACTIVE_STATUSES])  # type: ignore[attr-defined]
        if counting and not statuses:
            # Few tickets are active, but after ANALYZE SQLite guesses two thirds of the table
            # and counts by scanning it (100-160 ms at 100,000 tickets) unless told (see
            # reports.Rare).
            active = reports.Rare(active)
        elif not statuses:
            # A page walks the queue's index in order and stops when it is full; bounded by
            # the active tickets' groups, it also stops when fewer match (urgent, say) instead
            # of walking on through every finished ticket.
            active = and_(active, Ticket.rank_group < FINISHED_GROUP)  # type: ignore[operator]
        if view in ("mine", "mentions") and me is None:
            raise InvalidInput(f"the {VIEWS[view]} view needs to know who you are (--agent NAME)")
        if view == "mine":
            return and_(active, Ticket.assignee_id == me.id)  # type: ignore[union-attr]
        if view == "unassigned":
            # Escalated tickets nobody took yet are the second line's, not everyone's.
            return and_(
                active,
                Ticket.assignee_id.is_(None),  # type: ignore[union-attr]
                Ticket.id.not_in(open_escalations()),  # type: ignore[union-attr]
            )
        if view == "second_line":
            return and_(active, Ticket.id.in_(open_escalations()))  # type: ignore[union-attr]
        if view == "open":
            return active
        if view == "urgent":
            return and_(active, Ticket.priority == Priority.URGENT)
        if view == "at_risk":
            return and_(active, Ticket.sla_warn_at <= now)  # type: ignore[operator]
        if view == "breached":
            # Running past the deadline, or paused after it was already over the target.
            over = or_(
                Ticket.sla_due_at <= now,  # type: ignore[operator]
                and_(Ticket.sla_paused, Ticket.sla_warn_at.is_not(None)),  # type: ignore[union-attr]
            )
            return and_(active, over)
        if view == "pending":
            return Ticket.status.in_(statuses or [Status.PENDING, Status.ON_HOLD])  # type: ignore[attr-defined]
        if view == "mentions":
            mentioned = (
                select(Note.ticket_id)
                .join(NoteMention, NoteMention.note_id == Note.id)  # type: ignore[arg-type]
                .where(NoteMention.agent_id == me.id)  # type: ignore[union-attr]
            )
            return and_(active, Ticket.id.in_(mentioned))  # type: ignore[union-attr]
        if view == "feature_requests":
            return and_(active, Ticket.category == Category.FEATURE_REQUEST)
        if view in ("email", "telegram"):
            return and_(active, Ticket.channel == view)
        if view == "solved":
            return Ticket.status.in_(statuses or [Status.SOLVED])  # type: ignore[attr-defined]
        if view == "closed":
            return Ticket.status.in_(statuses or [Status.CLOSED])  # type: ignore[attr-defined]
        # "all"
        return Ticket.status.in_(statuses) if statuses else Ticket.id.is_not(None)  # type: ignore[attr-defined,union-attr]

    def _fold(self, column: Any) -> Any:
        # SQLite's lower() only folds ASCII; sd_fold (registered per connection) does Unicode.
        return func.sd_fold(column) if self.database.is_sqlite else func.lower(column)

    def _search_condition(self, search: str) -> ColumnElement[bool]:
        # Fold the needle the way the column is folded: casefold() on SQLite (sd_fold),
        # lower() on PostgreSQL ('ß' stays 'ß' there).
        needle = search.casefold() if self.database.is_sqlite else search.lower()
        # By name or by address: an email address is often all an agent has. Identity values
        # are stored lower-cased; a Telegram id is digits, found the same way.
        customers = select(Customer.id).where(
            self._fold(Customer.name).contains(needle, autoescape=True)
        )
        reached = select(Identity.customer_id).where(
            Identity.value.contains(needle, autoescape=True)  # type: ignore[attr-defined]
        )
        tagged = select(TicketTag.ticket_id).where(TicketTag.tag == needle.lstrip("#"))
        parts: list[ColumnElement[bool]] = [
            self._fold(Ticket.subject).contains(needle, autoescape=True),
            Ticket.customer_id.in_(customers),  # type: ignore[attr-defined]
            Ticket.customer_id.in_(reached),  # type: ignore[attr-defined]
            Ticket.id.in_(tagged),  # type: ignore[union-attr]
        ]
        digits = needle.lstrip("#")
        if digits.isdigit() and int(digits) <= MAX_TICKET_NUMBER:
            parts.append(Ticket.number == int(digits))
        return or_(*parts)

    def get_ticket(self, number: int) -> dto.TicketDetail:
        if not 0 < number <= MAX_TICKET_NUMBER:
            raise NotFound(f"there is no ticket #{number}")
        now = self.clock.now()
        with self._reading() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one_or_none()
            if ticket is None:
                raise NotFound(f"there is no ticket #{number}")
            settings = self._settings(session)
            summary = self._summaries(session, [ticket], settings, now, explain=True)[0]
            agents = {a.id: a for a in session.scalars(select(Agent)).all()}
            names = {agent_id: a.name for agent_id, a in agents.items()}
            messages = session.scalars(
                select(Message)
                .where(Message.ticket_id == ticket.id)
                .order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
            ).all()
            attachments: dict[int, list[dto.AttachmentInfo]] = defaultdict(list)
            if messages:
                for att in session.scalars(
                    select(Attachment)
                    .where(Attachment.message_id.in_([m.id for m in messages]))  # type: ignore[attr-defined]
                    .order_by(Attachment.id)
                ):
                    attachments[att.message_id].append(_attachment_info(att))
            notes = session.scalars(
                select(Note).where(Note.ticket_id == ticket.id).order_by(Note.created_at, Note.id)  # type: ignore[arg-type]
            ).all()
            mentions: dict[int, list[str]] = defaultdict(list)
            if notes:
                for note_id, agent_id in session.execute(
                    select(NoteMention.note_id, NoteMention.agent_id).where(
                        NoteMention.note_id.in_([n.id for n in notes])  # type: ignore[attr-defined]
                    )
                ):
                    mentions[note_id].append(names.get(agent_id, "?"))
            events = session.scalars(
                select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id)  # type: ignore[arg-type]
            ).all()
            rating = session.scalars(select(Rating).where(Rating.ticket_id == ticket.id)).first()
            others = session.execute(
                select(
                    Ticket.id,
                    Ticket.number,
                    Ticket.subject,
                    Ticket.status,
                    Ticket.created_at,
                    Rating.score,
                )
                .outerjoin(Rating, Rating.ticket_id == Ticket.id)  # type: ignore[arg-type]
                .where(Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id)
                .order_by(Ticket.created_at.desc())  # type: ignore[attr-defined]
                .limit(50)
            ).all()
            merged_into = (
                session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
            )
            follow_up = (
                session.get(Ticket, ticket.follow_up_of_id) if ticket.follow_up_of_id else None
            )
            return dto.TicketDetail(
                summary=summary,
                messages=tuple(
                    _message_info(m, names, tuple(attachments.get(m.id, ())))  # type: ignore[arg-type]
                    for m in messages
                ),
                notes=tuple(
                    dto.NoteInfo(
                        id=n.id,  # type: ignore[arg-type]
                        author=names.get(n.author_id, "?"),
                        author_display=agents[n.author_id].display_name
                        if n.author_id in agents
                        else "?",
                        kind=n.kind,
                        body=n.body,
                        created_at=n.created_at,
                        mentions=tuple(sorted(mentions.get(n.id, ()))),  # type: ignore[arg-type]
                    )
                    for n in notes
                ),
                events=tuple(_event_info(e, names) for e in events),
                rating=(
                    dto.RatingInfo(rating.score, rating.comment, rating.channel, rating.created_at)
                    if rating
                    else None
                ),
                customer_tickets=tuple(
                    dto.TicketBrief(o.number, o.subject, o.status, o.created_at, o.score)
                    for o in others
                ),
                merged_into=merged_into.number if merged_into else None,
                follow_up_of=follow_up.number if follow_up else None,
                escalations=tuple(escalations_of(session, ticket)),
            )

    def _events_of(
        self, session: Session, ticket: Ticket, *, after_version: int
    ) -> list[dto.EventInfo]:
        names = {a.id: a.name for a in session.scalars(select(Agent)).all()}
        events = session.scalars(
            select(Event).where(Event.ticket_id == ticket.id).order_by(Event.id)  # type: ignore[arg-type]
        ).all()
        return [
            _event_info(e, names)
            for e in events
            if int(e.data.get("version", 0) or 0) > after_version
        ]

    def _summary(
        self,
        session: Session,
        ticket: Ticket,
        settings: TeamSettings,
        now: datetime,
        *,
        rows: Sequence[Any] | None = None,
    ) -> dto.TicketSummary:
        return self._summaries(session, [ticket], settings, now, rows=rows)[0]

    def _summaries(
        self,
        session: Session,
        tickets: Sequence[Ticket],
        settings: TeamSettings,
        now: datetime,
        *,
        explain: bool = False,
        rows: Sequence[Any] | None = None,
    ) -> list[dto.TicketSummary]:
        """`rows`: the tickets' customer, identity and tag rows, already read with their SLA
        history (slastore.SUMMARY_SOURCES); read here when None."""
        if not tickets:
            return []
        # Customers, their identities and the tickets' tags: one round trip, read as rows.
        customers: dict[int, Any] = {}
        identities: dict[int, list[Any]] = defaultdict(list)
        tags: dict[int, list[str]] = defaultdict(list)
        first = SUMMARY_SOURCES
        if rows is None:
            first = 0
            rows = session.connection().execute(
                _customers_identities_tags(),
                {
                    "customers": list({t.customer_id for t in tickets}),
                    "ids": [t.id for t in tickets],
                },
            )
        for row in rows:
            if row.source == first:
                customers[row.owner] = row
            elif row.source == first + 1:
                identities[row.owner].append(row)
            else:
                tags[row.owner].append(row.name)
        agent_ids = {t.assignee_id for t in tickets} | {t.claimed_by_id for t in tickets}
        agent_ids.discard(None)
        # Agents this session holds already (the one acting, mostly) need no query.
        agents: dict[int, Agent] = {}
        for agent_id in agent_ids:
            held = session.identity_map.get(session.identity_key(Agent, agent_id))
            if held is not None:
                agents[agent_id] = held  # type: ignore[index]
        if missing := agent_ids - agents.keys():
            for agent in session.scalars(select(Agent).where(Agent.id.in_(missing))):  # type: ignore[union-attr]
                agents[agent.id] = agent  # type: ignore[index]
        calendars = settings.sla.calendars
        result = []
        for ticket in tickets:
            customer = customers[ticket.customer_id]
            clocks = [SlaClock.from_json(data) for data in ticket.sla_clocks or []]
            infos = tuple(_clock_info(c, calendars.get(c.calendar), now, explain) for c in clocks)
            worst = _worst(infos)
            claimed = None
            if (
                ticket.claimed_by_id is not None
                and ticket.claim_expires_at is not None
                and ticket.claim_expires_at > now
            ):
                claimed_agent = agents.get(ticket.claimed_by_id)
                claimed = claimed_agent.name if claimed_agent else None
            assignee = agents.get(ticket.assignee_id) if ticket.assignee_id else None
            result.append(
                dto.TicketSummary(
                    id=ticket.id,  # type: ignore[arg-type]
                    number=ticket.number,
                    subject=ticket.subject,
                    status=ticket.status,
                    priority=ticket.priority,
                    urgent_reason=ticket.urgent_reason,
                    category=ticket.category,
                    channel=ticket.channel,
                    customer=_customer_info_of(
                        customer.owner,
                        customer.name,
                        customer.language,
                        customer.company,
                        identities.get(customer.owner, []),
                    ),
                    assignee=assignee.name if assignee else None,
                    assignee_display=assignee.display_name if assignee else None,
                    created_at=ticket.created_at,
                    updated_at=ticket.updated_at,
                    first_response_at=ticket.first_response_at,
                    version=ticket.version,
                    tags=tuple(tags.get(ticket.id, ())),  # type: ignore[arg-type]
                    sla_state=worst,
                    sla_due_at=ticket.sla_due_at,
                    sla_paused=ticket.sla_paused,
                    clocks=infos,
                    claimed_by=claimed,
                    message_count=ticket.message_count,
                )
            )
        return result

    # -- the supervisor's figures (read-only) ----------------------------------------------

    def queue_health(self) -> dto.QueueHealth:
        """Active tickets now, per channel and priority; the breach forecast."""
        now = self.clock.now()
        with self._reading() as session:
            return reports.queue_health(session, self._settings(session), now)

    def report_period(
        self,
        kind: str = metrics.PeriodKind.WEEK,
        *,
        first_day: date | None = None,
        last_day: date | None = None,
    ) -> metrics.Period:
        """Today, the last 7 or 30 days, or whole days from `first_day` to `last_day`, in the
        team's time zone."""
        period_kind = _parse(metrics.PeriodKind, kind, "period")
        try:
            return metrics.make_period(
                period_kind,
                self.clock.now(),
                self.team_settings().zone,
                first_day=first_day,
                last_day=last_day,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None

    def team_report(
        self, period: metrics.Period, by: str = metrics.GroupBy.AGENT, *, extras: bool = False
    ) -> dto.TeamReport:
        """The figures of `period` per agent, channel, day or hour of the day; with `extras`
        also the daily trend and the weekday x hour load (what the dashboard shows)."""
        group = _parse(metrics.GroupBy, by, "grouping")
        now = self.clock.now()
        with self._reading() as session:
            return reports.team_report(
                session,
                self._settings(session),
                period,
                now,
                group,
                extras=extras,
                cache=self._report_cache,
            )

    def report_tickets(
        self,
        period: metrics.Period,
        what: str,
        *,
        by: str = metrics.GroupBy.AGENT,
        row: str | None = None,
        weekday: int | None = None,
        hour: int | None = None,
    ) -> tuple[int, ...]:
        """The numbers of the tickets behind one figure of `team_report(period, by)`: `what`
        (answered, solved, first_response, next_response, sla_met, sla_missed, ratings,
        negative, new; backlog and claimed are as of now) of `row`, or of the whole team when
        `row` is None; with `weekday` (0 = Monday) and `hour`, the new tickets of that cell of
        the load grid. Read when a figure is opened, not with the report."""
        group = _parse(metrics.GroupBy, by, "grouping")
        if what not in reports.DRILL_FIGURES:
            raise InvalidInput(
                f"unknown figure {what!r}; figures: {', '.join(reports.DRILL_FIGURES)}"
            )
        if (weekday is None) != (hour is None) or (
            weekday is not None and not (0 <= weekday <= 6 and 0 <= (hour or 0) <= 23)
        ):
            raise InvalidInput("a cell of the load grid is a weekday 0-6 and an hour 0-23")
        now = self.clock.now()
        with self._reading() as session:
            return reports.drill_tickets(
                session,
                self._settings(session),
                period,
                now,
                what,
                by=group,
                row=row,
                weekday=weekday,
                hour=hour,
                cache=self._report_cache,
            )

    def health_tickets(
        self,
        measure: str,
        *,
        channel: str | None = None,
        priority: str | None = None,
        limit: int = 200,
    ) -> dto.QueuePage:
        """The tickets behind a figure of the queue health: `measure` is open, unassigned,
        pending, at_risk, breached, waiting or forecast_15 / forecast_60."""
        if measure not in reports.HEALTH_MEASURES and measure not in (
            f"forecast_{m}" for m in reports.FORECAST_MINUTES
        ):
            raise InvalidInput(f"unknown queue figure {measure!r}")
        now = self.clock.now()
        with self._reading() as session:
            settings = self._settings(session)
            condition = reports.health_condition(
                measure, settings, now, channel=channel, priority=priority
            )
            rows = session.scalars(
                select(Ticket).where(condition).order_by(*_queue_order()).limit(limit)
            ).all()
            total = session.scalar(select(func.count()).select_from(Ticket).where(condition)) or 0
            return dto.QueuePage(
                tuple(self._summaries(session, rows, settings, now)), total, 0, "open"
            )

    def tickets_by_number(
        self, numbers: Iterable[int], *, limit: int = 500
    ) -> list[dto.TicketSummary]:
        """Tickets by their numbers, newest first (the tickets behind a report figure)."""
        wanted = sorted({n for n in numbers if 0 < n <= MAX_TICKET_NUMBER}, reverse=True)[:limit]
        if not wanted:
            return []
        now = self.clock.now()
        with self._reading() as session:
            rows = session.scalars(
                select(Ticket)
                .where(Ticket.number.in_(wanted))  # type: ignore[attr-defined]
                .order_by(Ticket.number.desc())  # type: ignore[attr-defined]
            ).all()
            return self._summaries(session, rows, self._settings(session), now)

    # -- change feed ------------------------------------------------------------------------

    def latest_event_id(self) -> int:
        with self._reading() as session:
            return session.scalar(select(func.max(Event.id))) or 0

    def events_after(
        self, after_id: int, since: datetime, *, limit: int = 5000
    ) -> list[dto.EventRef]:
        """Events with an id above `after_id`, and every event written since `since` (see
        store/changes.py for why the second half is needed)."""
        # The data of the events a console tells about (see EventRef); the rest is not read.
        told_data = case(
            (Event.kind.in_(("assigned", "note")), Event.data),  # type: ignore[attr-defined]
            else_=None,
        ).label("told_data")
        columns = select(
            Event.id, Event.kind, Ticket.number, Event.at, Event.agent_id, told_data
        ).outerjoin(
            Ticket,
            Ticket.id == Event.ticket_id,  # type: ignore[arg-type]
        )
        with self._reading() as session:
            # Two index ranges, not one OR (for which SQLite walks the whole log in id order),
            # each read in its own index's order: the last minutes by time. (Were more than
            # `limit` events written in them, the ids above the mark still come in order.)
            rows = {
                row.id: row
                for query in (
                    columns.where(Event.id > after_id).order_by(Event.id),  # type: ignore[operator]
                    columns.where(Event.at >= since).order_by(Event.at),  # type: ignore[operator]
                )
                for row in session.execute(query.limit(limit)).all()
            }
            return [
                dto.EventRef(r.id, r.kind, r.number, r.at, r.agent_id, r.told_data or {})
                for r in sorted(rows.values(), key=_event_id)[:limit]
            ]


# -- small pure helpers ---------------------------------------------------------------------


def _event_id(row: Any) -> int:
    return int(row.id)


# Statements run for every inbound message, built once: building them is most of their cost.
_TICKET_FOR_UPDATE = select(Ticket).where(Ticket.number == bindparam("number")).with_for_update()
_STORED_MESSAGE = (
    select(Message.id, Ticket.number)
    .join(Ticket, Ticket.id == Message.ticket_id)  # type: ignore[arg-type]
    .where(
        Message.channel_account == bindparam("account"),
        Message.external_id == bindparam("external_id"),
    )
)
_KNOWN_IDENTITY = (
    select(Identity.id, Identity.customer_id, Identity.unreachable_reason, Customer.merged_into_id)
    .join(Customer, Customer.id == Identity.customer_id)  # type: ignore[arg-type]
    .where(Identity.kind == bindparam("kind"), Identity.value == bindparam("value"))
)
_LATEST_CHAT_TICKET = (
    select(Ticket.number, Ticket.status, Ticket.solved_at)
    .where(
        Ticket.customer_id == bindparam("customer"),
        Ticket.channel == bindparam("channel"),
        Ticket.channel_account == bindparam("account"),
        Ticket.merged_into_id.is_(None),  # type: ignore[union-attr]
    )
    .order_by(Ticket.id.desc())  # type: ignore[union-attr]
    .limit(1)
)


# The statements every action runs, built once: SQLAlchemy then finds their compiled form by
# a cache key instead of building and compiling the expression again for each action.


def _stored_settings() -> Any:
    return select(TeamSetting.value).where(TeamSetting.key == SETTINGS_KEY).scalar_subquery()


@functools.cache
def _actor_and_settings() -> Any:
    """The acting agent (by `name`) with the stored team settings."""
    return select(Agent, _stored_settings()).where(Agent.name == bindparam("name"))


@functools.cache
def _ticket_with_actor_for_update() -> Any:
    """Ticket `number`, locked, with the acting agent (by `name`; None when there is no such
    agent) and the stored team settings."""
    return (
        select(Ticket, Agent, _stored_settings())
        .select_from(Ticket)
        .outerjoin(Agent, Agent.name == bindparam("name"))  # type: ignore[arg-type]
        .where(Ticket.number == bindparam("number"))
        .with_for_update(of=Ticket)  # type: ignore[arg-type]
    )


@functools.cache
def _next_waiting_with_actor(skip_locked: bool) -> Any:
    """The most urgent ticket waiting for someone that nobody else holds a claim on, for the
    agent named `name` at `now`, read with that agent (None when there is
    no such agent) and the stored team settings."""
    query = (
        select(Ticket, Agent, _stored_settings())
        .select_from(Ticket)
        .outerjoin(Agent, Agent.name == bindparam("name"))  # type: ignore[arg-type]
        .where(
            # Literally as the partial index states it, so both databases use it (agent has
            # no column of these names).
            text(WAITING_FOR_AGENT),
            Ticket.id.not_in(open_escalations()),  # type: ignore[union-attr]
            or_(
                Ticket.claimed_by_id.is_(None),  # type: ignore[union-attr]
                Ticket.claimed_by_id == Agent.id,
                Ticket.claim_expires_at < bindparam("now"),  # type: ignore[operator]
            ),
        )
        .order_by(*_queue_order())
        .limit(1)
    )
    return query.with_for_update(of=Ticket, skip_locked=True) if skip_locked else query  # type: ignore[arg-type]


@functools.cache
def _ticket_for_update() -> Any:
    return select(Ticket).where(Ticket.number == bindparam("number")).with_for_update()


@functools.cache
def _draft_deletion() -> Any:
    return delete(Draft).where(
        Draft.ticket_id == bindparam("ticket"),  # type: ignore[arg-type]
        Draft.agent_id == bindparam("agent"),  # type: ignore[arg-type]
        Draft.kind == bindparam("kind"),  # type: ignore[arg-type]
    )


@functools.cache
def _customers_identities_tags() -> Any:
    """The rows of slastore.summary_parts (sources 0, 1, 2) for the `customers` and the
    tickets `ids`, alone: for summaries whose SLA history was not read with them."""
    return union_all(
        *summary_parts(lambda column, name: column.in_(bindparam(name, expanding=True)), 0)
    ).order_by(literal_column("source"), literal_column("position"), literal_column("name"))


@functools.cache
def _reply_context_query(postgresql: bool) -> Any:
    """What a reply needs to know about ticket `ticket` of customer `customer`, whose
    identities of kind `kind` it may go to."""
    # The address the customer last wrote from here; else their first of the kind. Never
    # a stranger who wrote into this ticket: only the ticket's customer.
    last_used = (
        select(Identity.value)
        .join(Message, Message.identity_id == Identity.id)  # type: ignore[arg-type]
        .where(
            Message.ticket_id == bindparam("ticket"),
            Identity.kind == bindparam("kind"),
            Identity.customer_id == bindparam("customer"),
        )
        .order_by(Message.created_at.desc())  # type: ignore[attr-defined]
        .limit(1)
        .scalar_subquery()
    )
    first_known = (
        select(Identity.value)
        .where(Identity.customer_id == bindparam("customer"), Identity.kind == bindparam("kind"))
        .order_by(Identity.id)
        .limit(1)
        .scalar_subquery()
    )
    in_reply_to = (
        select(Message.external_id)
        .where(
            Message.ticket_id == bindparam("ticket"),
            Message.direction == Direction.INBOUND,
            Message.external_id.is_not(None),  # type: ignore[union-attr]
        )
        .order_by(Message.created_at.desc())  # type: ignore[attr-defined]
        .limit(1)
        .scalar_subquery()
    )
    language = (
        select(Customer.language).where(Customer.id == bindparam("customer")).scalar_subquery()
    )
    stamp = replychecks.articles_stamp().subquery()
    # On PostgreSQL also the customer's latest replies, which the checker compares the new
    # one with: as an array, in their order (ARRAY(subquery) keeps it).
    previous = (
        [func.array(replychecks.previous_replies_query().scalar_subquery())] if postgresql else []
    )
    return select(
        func.coalesce(last_used, first_known),
        in_reply_to,
        language,
        stamp.c.articles,
        stamp.c.articles_updated,
        stamp.c.articles_ids,
        *previous,
    ).select_from(stamp)


def _queue_order() -> tuple[Any, ...]:
    return (
        Ticket.rank_group,
        Ticket.rank_due,
        Ticket.category_rank,
        Ticket.created_at,
        Ticket.id,
    )


def _parse(enum: Any, value: str, what: str) -> Any:
    try:
        return enum(value.strip().lower().replace("-", "_"))
    except (ValueError, AttributeError):
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} {value!r}: expected one of {allowed}") from None


def _normalize_tag(tag: str) -> str:
    cleaned = tag.strip().lstrip("#").casefold()
    if not _TAG_RE.match(cleaned):
        raise InvalidInput(
            f"tag {tag!r}: one word of letters, digits, '.', '_', '+' or '-', up to 64 characters"
        )
    return cleaned


def _survivor(session: Session, customer_id: int) -> int:
    """Follow merges to the customer record that survived."""
    seen = set()
    while customer_id not in seen:
        seen.add(customer_id)
        customer = session.get(Customer, customer_id)
        if customer is None or customer.merged_into_id is None:
            return customer_id
        customer_id = customer.merged_into_id
    return customer_id


def _reply_subject(ticket: Ticket) -> str:
    """'Re: <subject> [#1042]': the token lets the answer find its ticket again."""
    return with_token(ticket.subject, ticket.number)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(exc).__name__


def _attachment_info(row: Attachment) -> dto.AttachmentInfo:
    return dto.AttachmentInfo(
        id=row.id,  # type: ignore[arg-type]
        filename=row.filename,
        size=row.size,
        content_type=row.content_type,
        sha256=row.sha256,
        inline=row.inline,
        note=row.note,
    )


def _draft_info(draft: Draft, number: int) -> dto.DraftInfo:
    return dto.DraftInfo(
        ticket_number=number,
        kind=draft.kind,
        body=draft.body,
        base_version=draft.base_version,
        updated_at=draft.updated_at,
    )


def _agent_info(agent: Agent, names: dict[int, str]) -> dto.AgentInfo:
    return dto.AgentInfo(
        id=agent.id,  # type: ignore[arg-type]
        name=agent.name,
        display_name=agent.display_name,
        role=agent.role,
        mentor=names.get(agent.mentor_id) if agent.mentor_id else None,
        email=agent.email,
        language=agent.language,
        active=agent.active,
        signature=agent.signature,
        sends_directly_from=agent.sends_directly_from,
    )


def _customer_info(customer: Customer, identities: list[Identity]) -> dto.CustomerInfo:
    return _customer_info_of(
        customer.id,  # type: ignore[arg-type]
        customer.name,
        customer.language,
        customer.company,
        identities,
    )


def _customer_info_of(
    customer_id: int,
    name: str | None,
    language: str | None,
    company: str | None,
    identities: Sequence[Any],
) -> dto.CustomerInfo:
    """`identities`: Identity objects or rows with their kind, value, username and
    unreachable_reason."""
    return dto.CustomerInfo(
        id=customer_id,
        name=name,
        language=language,
        company=company,
        emails=tuple(i.value for i in identities if i.kind == IdentityKind.EMAIL),
        telegram_ids=tuple(i.value for i in identities if i.kind == IdentityKind.TELEGRAM),
        telegram_usernames=tuple(
            i.username for i in identities if i.kind == IdentityKind.TELEGRAM and i.username
        ),
        unreachable=tuple(
            (_address(i.kind, i.value), i.unreachable_reason)
            for i in identities
            if i.unreachable_reason
        ),
    )


def _address(kind: str, value: str) -> str:
    return f"tg {value}" if kind == IdentityKind.TELEGRAM else value


def _message_info(
    message: Message | _StoredReply,
    names: dict[int, str],
    attachments: tuple[dto.AttachmentInfo, ...],
) -> dto.MessageInfo:
    return dto.MessageInfo(
        id=message.id,  # type: ignore[arg-type]
        direction=message.direction,
        channel=message.channel,
        sender_name=message.sender_name,
        sender_address=message.sender_address,
        agent=names.get(message.agent_id) if message.agent_id else None,
        subject=message.subject,
        text=message.text,
        created_at=message.created_at,
        delivery_state=message.delivery_state,
        delivery_error=message.delivery_error,
        automatic=message.automatic,
        external_id=message.external_id,
        thread_rule=message.thread_rule,
        thread_note=message.thread_note,
        attachments=attachments,
    )


def _event_info(event: Event, names: dict[int, str]) -> dto.EventInfo:
    return dto.EventInfo(
        id=event.id,  # type: ignore[arg-type]
        at=event.at,
        agent=names.get(event.agent_id) if event.agent_id else None,
        kind=event.kind,
        data=dict(event.data or {}),
    )


def _describe_event(event: dto.EventInfo) -> str:
    who = event.agent or "a channel"
    data = event.data
    at = event.at.strftime("%H:%M")
    match event.kind:
        case "status":
            return f"{who} set status {data.get('to')} at {at}"
        case "priority":
            return f"{who} set priority {data.get('to')} at {at}"
        case "assigned":
            return f"{who} assigned it to {data.get('to') or 'nobody'} at {at}"
        case "reply" | "reply_for_review":
            return f"{who} replied at {at}"
        case "reply_approved":
            edited = " with edits" if data.get("edited") else ""
            return f"{who} approved {data.get('trainee')}'s reply{edited} at {at}"
        case "reply_returned":
            return f"{who} returned {data.get('trainee')}'s reply at {at}"
        case "note":
            return f"{who} added a note at {at}"
        case "bounced":
            return f"a reply bounced at {at}"
        case "received":
            return f"the customer wrote again at {at}"
        case "claimed":
            return f"{who} started replying at {at}"
        case "merged_from":
            return f"{who} merged #{data.get('source')} into it at {at}"
        case "split":
            return f"{who} split a message out to #{data.get('into')} at {at}"
        case "tags":
            return f"{who} changed tags at {at}"
        case "category":
            return f"{who} set category {data.get('to')} at {at}"
        case "escalated":
            return f"{who} escalated it to {data.get('group')} at {at}"
        case "escalation_returned":
            return f"{who} returned the escalation as incomplete at {at}"
        case "escalation_handed_back":
            return f"{who} handed it back to the first line at {at}"
        case _:
            return f"{who}: {event.kind} at {at}"


def _clock_info(
    clock: SlaClock, calendar: BusinessCalendar | None, now: datetime, with_explanation: bool
) -> dto.ClockInfo:
    """A clock as of `now`; the explanation in words only when asked (a whole queue page of
    explanations nobody reads would cost more than the page itself)."""
    state = clock.state_at(now)
    if calendar is None:
        left = clock.remaining_seconds
        explanation = f"calendar {clock.calendar!r} is no longer defined; recompute the SLA"
    else:
        left = business_seconds_left(clock, calendar, now)
        explanation = explain(clock, calendar, now) if with_explanation else ""
    return dto.ClockInfo(
        kind=clock.kind.value,
        calendar=clock.calendar,
        state=state.value,
        target_seconds=clock.target_seconds,
        started_at=clock.started_at,
        due_at=clock.due_at,
        warn_at=clock.warn_at,
        stopped_at=clock.stopped_at,
        paused=clock.paused,
        breached=clock.breached,
        used_seconds=clock.used_seconds,
        left_seconds=left,
        explanation=explanation,
    )


_STATE_ORDER = [
    ClockState.BREACHED,
    ClockState.WARNING,
    ClockState.OK,
    ClockState.PAUSED,
    ClockState.MET,
]


def _worst(infos: Sequence[dto.ClockInfo]) -> str | None:
    states = {info.state for info in infos}
    for state in _STATE_ORDER:
        if state.value in states:
            return state.value
    return None
