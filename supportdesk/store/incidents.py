"""The Desk's incidents: one outage many customers write about, answered together.

`IncidentDesk` is a part of `Desk` (it inherits this class), like `LibraryDesk`: every write is
one transaction through `_writing()`, checks the actor's role (agents and leads; a trainee's
replies go to review one by one, so a trainee cannot answer a hundred customers at once) and
the incident's version, and appends to the event log so other consoles see it live.

A ticket belongs to at most one open incident at a time; links stay after a resolve, as
history. While an incident is open the queue groups its tickets under one row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from supportdesk.core.checks import guess_language
from supportdesk.core.enums import (
    ACTIVE_STATUSES,
    Category,
    Channel,
    DeliveryState,
    Direction,
    Status,
)
from supportdesk.core.incidents import TITLE_LIMIT, already_said, clean_title, personal_reply
from supportdesk.core.templates import RenderContext, render
from supportdesk.store import dto
from supportdesk.store.libraryfiles import ticket_context
from supportdesk.store.models import (
    Agent,
    Identity,
    Incident,
    IncidentTicket,
    Message,
    Ticket,
)

if TYPE_CHECKING:
    from supportdesk.clock import Clock
    from supportdesk.core.templates import KbLink
    from supportdesk.store.db import Database
    from supportdesk.store.teamsettings import TeamSettings

# What a bulk reply never counts as "already said": replies that did not go and never will.
_NOT_SAID = (DeliveryState.FAILED.value, DeliveryState.DISCARDED.value)
MESSAGE_LIMIT = 20_000
MAX_LINK = 5_000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class IncidentInfo:
    id: int
    title: str
    message: str
    status: str
    resolution: str | None
    declared_by: str
    declared_at: datetime
    updated_at: datetime
    resolved_by: str | None
    resolved_at: datetime | None
    version: int
    # Linked tickets: all of them, those still active, and those nobody has answered yet.
    ticket_count: int = 0
    active_count: int = 0
    unanswered_count: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "message": self.message,
            "status": self.status,
            "resolution": self.resolution,
            "declared_by": self.declared_by,
            "declared_at": _iso(self.declared_at),
            "updated_at": _iso(self.updated_at),
            "resolved_by": self.resolved_by,
            "resolved_at": _iso(self.resolved_at),
            "version": self.version,
            "tickets": self.ticket_count,
            "active": self.active_count,
            "unanswered": self.unanswered_count,
        }


@dataclass(frozen=True)
class IncidentDetail:
    incident: IncidentInfo
    tickets: tuple[dto.TicketSummary, ...]

    def to_json(self) -> dict[str, Any]:
        return {**self.incident.to_json(), "linked": [t.to_json() for t in self.tickets]}


@dataclass(frozen=True)
class IncidentGroup:
    """One open incident as the queue shows it: how many of its tickets are in the view."""

    incident: IncidentInfo
    count: int
    unanswered: int


@dataclass(frozen=True)
class Skipped:
    number: int
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "reason": self.reason}


@dataclass(frozen=True)
class LinkResult:
    incident: IncidentInfo
    changed: tuple[int, ...]
    skipped: tuple[Skipped, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident.to_json(),
            "changed": list(self.changed),
            "skipped": [s.to_json() for s in self.skipped],
        }


@dataclass(frozen=True)
class BulkReplyResult:
    """What one answer to an incident's tickets did: replies queued, tickets skipped and why."""

    incident: IncidentInfo
    queued: tuple[int, ...]
    skipped: tuple[Skipped, ...]
    solved: tuple[int, ...] = ()
    # Replies held for review instead of queued (never for agents and leads today).
    held: tuple[int, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        text = f"{len(self.queued)} repl{'y' if len(self.queued) == 1 else 'ies'} queued"
        if self.solved:
            text += f", {len(self.solved)} solved"
        if self.skipped:
            text += f"; {len(self.skipped)} skipped"
            reasons: dict[str, list[int]] = defaultdict(list)
            for s in self.skipped:
                reasons[s.reason].append(s.number)
            text += ": " + "; ".join(
                f"{', '.join(f'#{n}' for n in numbers[:5])}"
                f"{f' and {len(numbers) - 5} more' if len(numbers) > 5 else ''} {reason}"
                for reason, numbers in reasons.items()
            )
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "incident": self.incident.to_json(),
            "queued": list(self.queued),
            "solved": list(self.solved),
            "skipped": [s.to_json() for s in self.skipped],
        }


class IncidentDesk:
    """Mixed into Desk; relies on its transaction helpers."""

    if TYPE_CHECKING:
        database: Database
        clock: Clock

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self, *, needs_agent: bool = True) -> AbstractContextManager[Any]: ...
        def _settings(self, session: Session) -> TeamSettings: ...
        def _maybe_agent(self, session: Session) -> Agent | None: ...
        def _event(
            self, write: Any, kind: str, ticket: Ticket | None = None, **data: Any
        ) -> None: ...
        def _require(self, write: Any, permission: str) -> Agent: ...
        def _summaries(
            self, session: Session, tickets: Sequence[Ticket], settings: TeamSettings, now: Any
        ) -> list[dto.TicketSummary]: ...
        def _view_condition(
            self, session: Session, view: str, me: Agent | None, now: Any, statuses: Any
        ) -> ColumnElement[bool]: ...
        def _search_condition(self, search: str) -> ColumnElement[bool]: ...
        def _write_reply(
            self, write: Any, ticket: Ticket, actor: Agent, *a: Any, **k: Any
        ) -> Message: ...
        def kb_links(self) -> dict[str, KbLink]: ...

    # -- reads ------------------------------------------------------------------------------

    def list_incidents(self, status: str | None = "open") -> list[IncidentInfo]:
        """Incidents, newest first: `open`, `resolved`, or None for all."""
        if status not in (None, "open", "resolved"):
            from supportdesk.store.desk import InvalidInput

            raise InvalidInput(f"incident status {status!r}: expected open, resolved or all")
        with self._reading() as session:
            query = select(Incident).order_by(Incident.declared_at.desc(), Incident.id.desc())  # type: ignore[attr-defined,union-attr]
            if status:
                query = query.where(Incident.status == status)
            return _infos(session, list(session.scalars(query)))

    def get_incident(self, incident_id: int) -> IncidentDetail:
        now = self.clock.now()
        with self._reading() as session:
            incident = _incident(session, incident_id)
            tickets = list(
                session.scalars(
                    select(Ticket)
                    .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)  # type: ignore[arg-type]
                    .where(IncidentTicket.incident_id == incident.id)
                    .order_by(Ticket.number)
                )
            )
            summaries = self._summaries(session, tickets, self._settings(session), now)
            return IncidentDetail(_infos(session, [incident])[0], tuple(summaries))

    def incident_of_ticket(self, number: int) -> IncidentInfo | None:
        """The open incident a ticket is linked to, if any."""
        with self._reading() as session:
            incident = session.scalars(
                select(Incident)
                .join(IncidentTicket, IncidentTicket.incident_id == Incident.id)  # type: ignore[arg-type]
                .join(Ticket, Ticket.id == IncidentTicket.ticket_id)  # type: ignore[arg-type]
                .where(Ticket.number == number, Incident.status == "open")
            ).first()
            return _infos(session, [incident])[0] if incident else None

    def incident_groups(self, view: str = "open", search: str | None = None) -> list[IncidentGroup]:
        """The open incidents with tickets in this view (and filter), most recent first: the
        queue's group rows."""
        now = self.clock.now()
        with self._reading() as session:
            condition = self._queue_condition(session, view, search, now)
            rows = session.execute(
                select(
                    IncidentTicket.incident_id,
                    func.count(),
                    func.sum(case((Ticket.first_response_at.is_(None), 1), else_=0)),  # type: ignore[union-attr]
                )
                .join(Ticket, Ticket.id == IncidentTicket.ticket_id)  # type: ignore[arg-type]
                .join(Incident, Incident.id == IncidentTicket.incident_id)  # type: ignore[arg-type]
                .where(Incident.status == "open", condition)
                .group_by(IncidentTicket.incident_id)
            ).all()
            counts = {row[0]: (int(row[1]), int(row[2] or 0)) for row in rows}
            if not counts:
                return []
            incidents = session.scalars(
                select(Incident)
                .where(Incident.id.in_(counts))  # type: ignore[union-attr]
                .order_by(Incident.declared_at.desc(), Incident.id.desc())  # type: ignore[attr-defined,union-attr]
            ).all()
            infos = _infos(session, list(incidents))
            return [IncidentGroup(i, *counts[i.id]) for i in infos]

    def incident_queue(
        self,
        incident_id: int,
        view: str = "open",
        search: str | None = None,
        *,
        limit: int = 100,
    ) -> list[dto.TicketSummary]:
        """An incident's tickets in this view, in queue order (a group opened in the queue)."""
        from supportdesk.store.desk import _queue_order

        now = self.clock.now()
        with self._reading() as session:
            condition = self._queue_condition(session, view, search, now)
            linked = select(IncidentTicket.ticket_id).where(
                IncidentTicket.incident_id == incident_id
            )
            rows = session.scalars(
                select(Ticket)
                .where(condition, Ticket.id.in_(linked))  # type: ignore[union-attr]
                .order_by(*_queue_order())
                .limit(limit)
            ).all()
            return self._summaries(session, rows, self._settings(session), now)

    def _not_in_open_incident(self) -> ColumnElement[bool]:
        grouped = (
            select(IncidentTicket.ticket_id)
            .join(Incident, Incident.id == IncidentTicket.incident_id)  # type: ignore[arg-type]
            .where(Incident.status == "open")
        )
        return Ticket.id.not_in(grouped)  # type: ignore[union-attr]

    def _queue_condition(
        self, session: Session, view: str, search: str | None, now: datetime
    ) -> ColumnElement[bool]:
        from supportdesk.store.desk import VIEWS, InvalidInput

        if view not in VIEWS:
            raise InvalidInput(f"unknown view {view!r}; views: {', '.join(VIEWS)}")
        condition = self._view_condition(session, view, self._maybe_agent(session), now, None)
        if search and search.strip():
            condition = and_(condition, self._search_condition(search.strip()))
        return condition

    # -- writes -----------------------------------------------------------------------------

    def declare_incident(
        self, title: str, message: str, *, tickets: Sequence[int] = ()
    ) -> IncidentInfo:
        """A new open incident; `tickets` are linked to it in the same transaction."""
        title, message = _valid_title(title), _valid_message(message, "status message")
        with self._writing() as write:
            actor = self._require(write, "incidents")
            incident_id = (
                write.session.connection()
                .execute(
                    insert(Incident.__table__)  # type: ignore[attr-defined]
                    .values(
                        title=title,
                        message=message,
                        status="open",
                        declared_by_id=actor.id,
                        declared_at=write.now,
                        updated_at=write.now,
                        version=1,
                    )
                    .returning(Incident.__table__.c.id)  # type: ignore[attr-defined]
                )
                .scalar_one()
            )
            incident = write.session.get(Incident, incident_id)
            self._event(write, "incident_declared", incident=incident_id, title=title)
            if tickets:
                self._link(write, incident, tickets)
            write.session.flush()
            return _infos(write.session, [incident])[0]

    def update_incident(
        self,
        incident_id: int,
        *,
        title: str | None = None,
        message: str | None = None,
        expected_version: int | None = None,
    ) -> IncidentInfo:
        """A new title or status message (what the next bulk reply says)."""
        if title is None and message is None:
            from supportdesk.store.desk import InvalidInput

            raise InvalidInput("nothing to change: give a new title or a new message")
        new_title = _valid_title(title) if title is not None else None
        new_message = _valid_message(message, "status message") if message is not None else None
        with self._writing() as write:
            self._require(write, "incidents")
            incident = _incident_for_update(write, incident_id, expected_version, open_only=True)
            changed = {}
            if new_title is not None and new_title != incident.title:
                incident.title = changed["title"] = new_title
            if new_message is not None and new_message != incident.message:
                incident.message = new_message
                changed["message"] = "changed"
            if changed:
                incident.version += 1
                incident.updated_at = write.now
                self._event(write, "incident_updated", incident=incident.id, **changed)
            write.session.flush()
            return _infos(write.session, [incident])[0]

    def link_tickets(
        self, incident_id: int, numbers: Sequence[int], *, expected_version: int | None = None
    ) -> LinkResult:
        """Link tickets to an open incident. Tickets already linked to it are left as they
        are; those in another open incident, merged away or unknown are skipped, with why."""
        with self._writing() as write:
            self._require(write, "incidents")
            incident = _incident_for_update(write, incident_id, expected_version, open_only=True)
            changed, skipped = self._link(write, incident, numbers)
            write.session.flush()
            return LinkResult(_infos(write.session, [incident])[0], changed, skipped)

    def unlink_tickets(
        self, incident_id: int, numbers: Sequence[int], *, expected_version: int | None = None
    ) -> LinkResult:
        with self._writing() as write:
            self._require(write, "incidents")
            incident = _incident_for_update(write, incident_id, expected_version, open_only=True)
            wanted = _numbers(numbers)
            tickets = {
                t.number: t
                for t in write.session.scalars(
                    select(Ticket).where(Ticket.number.in_(wanted)).order_by(Ticket.id)  # type: ignore[attr-defined]
                )
            }
            linked = set(
                write.session.scalars(
                    select(IncidentTicket.ticket_id).where(
                        IncidentTicket.incident_id == incident.id
                    )
                )
            )
            changed, skipped = [], []
            for number in wanted:
                ticket = tickets.get(number)
                if ticket is None:
                    skipped.append(Skipped(number, "no such ticket"))
                elif ticket.id not in linked:
                    skipped.append(Skipped(number, "is not linked to this incident"))
                else:
                    write.session.execute(
                        delete(IncidentTicket).where(
                            IncidentTicket.incident_id == incident.id,  # type: ignore[arg-type]
                            IncidentTicket.ticket_id == ticket.id,  # type: ignore[arg-type]
                        )
                    )
                    self._event(write, "incident_unlinked", ticket, incident=incident.id)
                    changed.append(number)
            write.session.flush()
            return LinkResult(_infos(write.session, [incident])[0], tuple(changed), tuple(skipped))

    def _link(
        self, write: Any, incident: Incident, numbers: Sequence[int]
    ) -> tuple[tuple[int, ...], tuple[Skipped, ...]]:
        wanted = _numbers(numbers)
        tickets = {
            t.number: t
            for t in write.session.scalars(
                select(Ticket).where(Ticket.number.in_(wanted)).order_by(Ticket.id)  # type: ignore[attr-defined]
            )
        }
        # Which open incident each of them is in already.
        current = dict(
            write.session.execute(
                select(IncidentTicket.ticket_id, Incident.id)
                .join(Incident, Incident.id == IncidentTicket.incident_id)  # type: ignore[arg-type]
                .where(
                    IncidentTicket.ticket_id.in_([t.id for t in tickets.values()]),  # type: ignore[attr-defined]
                    Incident.status == "open",
                )
            ).all()
        )
        in_this = set(
            write.session.scalars(
                select(IncidentTicket.ticket_id).where(IncidentTicket.incident_id == incident.id)
            )
        )
        merged_into = {
            row[0]: row[1]
            for row in write.session.execute(
                select(Ticket.id, Ticket.number).where(
                    Ticket.id.in_([t.merged_into_id for t in tickets.values() if t.merged_into_id])  # type: ignore[union-attr]
                )
            )
        }
        changed: list[int] = []
        skipped: list[Skipped] = []
        rows = []
        for number in wanted:
            ticket = tickets.get(number)
            if ticket is None:
                skipped.append(Skipped(number, "no such ticket"))
            elif ticket.merged_into_id is not None:
                into = merged_into.get(ticket.merged_into_id)
                skipped.append(Skipped(number, f"was merged into #{into}; link that one"))
            elif ticket.id in in_this:
                skipped.append(Skipped(number, "is already linked to this incident"))
            elif ticket.id in current:
                skipped.append(
                    Skipped(number, f"is linked to open incident {current[ticket.id]}; unlink it")
                )
            else:
                rows.append(
                    {
                        "incident_id": incident.id,
                        "ticket_id": ticket.id,
                        "linked_by_id": write.actor.id,
                        "linked_at": write.now,
                    }
                )
                self._event(
                    write, "incident_linked", ticket, incident=incident.id, title=incident.title
                )
                changed.append(number)
        if rows:
            write.session.execute(insert(IncidentTicket), rows)
        return tuple(changed), tuple(skipped)

    def incident_reply(
        self,
        incident_id: int,
        *,
        template: str | None = None,
        translations: Mapping[str, str] | None = None,
        template_name: str | None = None,
        status_after: str | None = None,
        category_after: str | None = None,
        expected_version: int | None = None,
        override_checks: bool = False,
    ) -> BulkReplyResult:
        """Answer every active linked ticket at once: with `template` (Jinja2 text, rendered
        for each ticket's customer, agent and ticket; `translations` by language code are used
        for customers who write in that language — the same template in Polish, Russian…) or,
        without one, the incident's status message inside a greeting in the customer's
        language and the sender's signature.

        Each reply goes through the normal reply path (reply checker, outbox). A ticket that
        already got the same text, is solved, closed or merged, has no channel to answer on,
        or whose reply the checker refuses is skipped, and the result says why."""
        from supportdesk.store.desk import InvalidInput, _parse

        after = _parse(Status, status_after, "status") if status_after else None
        if after in (Status.NEW, Status.CLOSED):
            raise InvalidInput("after a reply a ticket can be open, pending, on_hold or solved")
        category = _parse(Category, category_after, "category") if category_after else None
        if template is not None and not template.strip():
            raise InvalidInput("the template is empty")
        kb = self.kb_links() if template is not None else {}
        with self._writing() as write:
            actor = self._require(write, "incidents")
            incident = _incident_for_update(write, incident_id, expected_version, open_only=True)
            result = self._answer_all(
                write,
                incident,
                actor,
                template=template,
                translations=dict(translations or {}),
                text=incident.message,
                after=after,
                category=category,
                kb=kb,
                override_checks=override_checks,
            )
            queued, skipped, solved = result
            self._event(
                write,
                "incident_replied",
                incident=incident.id,
                template=template_name or ("status message" if template is None else "template"),
                queued=list(queued),
                skipped={str(s.number): s.reason for s in skipped},
            )
            write.session.flush()
            info = _infos(write.session, [incident])[0]
            return BulkReplyResult(info, queued, skipped, solved)

    def resolve_incident(
        self,
        incident_id: int,
        resolution: str,
        *,
        solve: bool = False,
        expected_version: int | None = None,
        override_checks: bool = False,
    ) -> BulkReplyResult:
        """Resolve an incident: every linked ticket still active is told (`resolution` inside
        a greeting and signature) and, with `solve`, set solved (which asks for a rating).
        The grouping in the queue ends; the links stay as history."""
        resolution = _valid_message(resolution, "resolution message")
        with self._writing() as write:
            actor = self._require(write, "incidents")
            incident = _incident_for_update(write, incident_id, expected_version, open_only=True)
            queued, skipped, solved = self._answer_all(
                write,
                incident,
                actor,
                template=None,
                translations={},
                text=resolution,
                after=Status.SOLVED if solve else None,
                category=None,
                kb={},
                override_checks=override_checks,
            )
            incident.status = "resolved"
            incident.resolution = resolution
            incident.resolved_at = write.now
            incident.resolved_by_id = actor.id
            incident.updated_at = write.now
            incident.version += 1
            self._event(
                write,
                "incident_resolved",
                incident=incident.id,
                title=incident.title,
                solve=solve,
                notified=list(queued),
                solved=list(solved),
                skipped={str(s.number): s.reason for s in skipped},
            )
            write.session.flush()
            info = _infos(write.session, [incident])[0]
            return BulkReplyResult(info, queued, skipped, solved)

    def _answer_all(
        self,
        write: Any,
        incident: Incident,
        actor: Agent,
        *,
        template: str | None,
        translations: dict[str, str],
        text: str,
        after: Status | None,
        category: Category | None,
        kb: dict[str, KbLink],
        override_checks: bool,
    ) -> tuple[tuple[int, ...], tuple[Skipped, ...], tuple[int, ...]]:
        from supportdesk.store.desk import DeskError, _agent_info

        # Locked in id order, like every multi-ticket write, so two never deadlock.
        tickets = list(
            write.session.scalars(
                select(Ticket)
                .join(IncidentTicket, IncidentTicket.ticket_id == Ticket.id)  # type: ignore[arg-type]
                .where(IncidentTicket.incident_id == incident.id)
                .order_by(Ticket.id)
                .with_for_update()
            )
        )
        sent: dict[int, list[str]] = defaultdict(list)
        if tickets:
            for ticket_id, body in write.session.execute(
                select(Message.ticket_id, Message.text).where(
                    Message.ticket_id.in_([t.id for t in tickets]),  # type: ignore[attr-defined]
                    Message.direction == Direction.OUTBOUND,
                    Message.delivery_state.not_in(_NOT_SAID),  # type: ignore[attr-defined]
                )
            ):
                sent[ticket_id].append(body)
        summaries = {
            s.id: s for s in self._summaries(write.session, tickets, write.settings, write.now)
        }
        languages = _languages(write.session, tickets, summaries)
        addressable = _addressable(write.session, tickets)
        me = _agent_info(actor, {})
        signature = actor.signature or actor.display_name
        write.batch = True
        queued: list[int] = []
        solved: list[int] = []
        skipped: list[Skipped] = []
        for ticket in sorted(tickets, key=lambda t: t.number):
            number = ticket.number
            if ticket.merged_into_id is not None:
                skipped.append(Skipped(number, "was merged into another ticket"))
                continue
            if ticket.status not in ACTIVE_STATUSES:
                skipped.append(Skipped(number, f"is {ticket.status} already"))
                continue
            if ticket.channel == Channel.INTERNAL:
                skipped.append(Skipped(number, "came in by no channel (nowhere to send)"))
                continue
            if ticket.id not in addressable:
                skipped.append(Skipped(number, "has no address to reply to"))
                continue
            summary = summaries[ticket.id]
            context: RenderContext = ticket_context(summary, me, kb)
            language = languages[ticket.id]
            if template is None:
                body = personal_reply(
                    text,
                    language=language,
                    first_name=context.customer.get("first_name"),
                    signature=signature,
                )
            else:
                rendered = render(translations.get(language, template), context)
                if rendered.unfilled:
                    names = ", ".join("{{ " + n + " }}" for n in dict.fromkeys(rendered.unfilled))
                    skipped.append(Skipped(number, f"would leave {names} unfilled"))
                    continue
                if rendered.warnings:
                    skipped.append(Skipped(number, "; ".join(rendered.warnings)))
                    continue
                body = rendered.text.strip("\n")
            if any(already_said(body, earlier) for earlier in sent[ticket.id]):
                skipped.append(Skipped(number, "already got this text"))
                continue
            try:
                self._write_reply(
                    write,
                    ticket,
                    actor,
                    body,
                    after,
                    category,
                    (),
                    override_checks,
                    bulk=True,
                    incident=incident.id,
                )
            except DeskError as exc:
                skipped.append(Skipped(number, f"refused: {exc}"))
                continue
            queued.append(number)
            if after == Status.SOLVED:
                solved.append(number)
        return tuple(queued), tuple(skipped), tuple(solved)


# -- helpers --------------------------------------------------------------------------------


def _addressable(session: Session, tickets: Sequence[Ticket]) -> set[int]:
    """The tickets whose customer has an address on the ticket's channel (an email address
    for mail, a Telegram id for Telegram): the others have nowhere for a reply to go."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for customer_id, kind in session.execute(
        select(Identity.customer_id, Identity.kind).where(
            Identity.customer_id.in_({t.customer_id for t in tickets})  # type: ignore[attr-defined]
        )
    ):
        kinds[customer_id].add(kind)
    return {t.id for t in tickets if t.channel in kinds[t.customer_id]}  # type: ignore[misc]


def _languages(
    session: Session, tickets: Sequence[Ticket], summaries: dict[int, dto.TicketSummary]
) -> dict[int, str]:
    """Each ticket's language: the customer's when known, else guessed from what they wrote
    (mail carries no language; the reply checker guesses the same way)."""
    languages = {
        t.id: summaries[t.id].customer.language
        for t in tickets
        if summaries[t.id].customer.language  # type: ignore[index]
    }
    unknown = [t for t in tickets if t.id not in languages]
    if unknown:
        first: dict[int, str] = {}
        for ticket_id, body in session.execute(
            select(Message.ticket_id, Message.text)
            .where(
                Message.ticket_id.in_([t.id for t in unknown]),  # type: ignore[attr-defined]
                Message.direction == Direction.INBOUND,
            )
            .order_by(Message.id)
        ):
            first.setdefault(ticket_id, body)
        for t in unknown:
            languages[t.id] = guess_language(f"{t.subject}\n{first.get(t.id, '')}")
    return languages  # type: ignore[return-value]


def _valid_title(title: str) -> str:
    from supportdesk.store.desk import InvalidInput

    cleaned = clean_title(title or "")
    if not cleaned:
        raise InvalidInput("the incident needs a title (what is broken, in a few words)")
    if len(cleaned) > TITLE_LIMIT:
        raise InvalidInput(f"the title is longer than {TITLE_LIMIT} characters")
    return cleaned


def _valid_message(message: str, what: str) -> str:
    from supportdesk.store.desk import InvalidInput

    text = (message or "").strip("\n")
    if not text.strip():
        raise InvalidInput(f"the {what} is empty: write what customers should be told")
    if len(text) > MESSAGE_LIMIT:
        raise InvalidInput(f"the {what} is longer than {MESSAGE_LIMIT} characters")
    return text


def _numbers(numbers: Sequence[int]) -> list[int]:
    from supportdesk.store.desk import MAX_TICKET_NUMBER, InvalidInput

    wanted = list(dict.fromkeys(numbers))
    if not wanted:
        raise InvalidInput("no tickets given")
    if len(wanted) > MAX_LINK:
        raise InvalidInput(f"at most {MAX_LINK} tickets at once")
    for number in wanted:
        if not 0 < number <= MAX_TICKET_NUMBER:
            raise InvalidInput(f"#{number} is no ticket number")
    return wanted


def _incident(session: Session, incident_id: int) -> Incident:
    from supportdesk.store.desk import NotFound

    incident = session.get(Incident, incident_id) if 0 < incident_id < 2**31 else None
    if incident is None:
        raise NotFound(f"there is no incident {incident_id}")
    return incident


def _incident_for_update(
    write: Any, incident_id: int, expected_version: int | None, *, open_only: bool
) -> Incident:
    from supportdesk.store.desk import InvalidInput, NotFound, StaleIncident

    incident = (
        write.session.scalars(
            select(Incident).where(Incident.id == incident_id).with_for_update()
        ).one_or_none()
        if 0 < incident_id < 2**31
        else None
    )
    if incident is None:
        raise NotFound(f"there is no incident {incident_id}")
    if expected_version is not None and incident.version != expected_version:
        raise StaleIncident(
            f"incident {incident_id} changed since you looked at it (now version "
            f"{incident.version}, {incident.status}): look at it again, then repeat"
        )
    if open_only and incident.status != "open":
        raise InvalidInput(
            f"incident {incident_id} ({incident.title}) is resolved already; declare a new one"
        )
    return incident


def _infos(session: Session, incidents: Sequence[Incident]) -> list[IncidentInfo]:
    if not incidents:
        return []
    ids = [i.id for i in incidents]
    active = [s.value for s in ACTIVE_STATUSES]
    counts = {
        row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0))
        for row in session.execute(
            select(
                IncidentTicket.incident_id,
                func.count(),
                func.sum(case((Ticket.status.in_(active), 1), else_=0)),  # type: ignore[attr-defined]
                func.sum(
                    case(
                        (
                            and_(
                                Ticket.status.in_(active),  # type: ignore[attr-defined]
                                Ticket.first_response_at.is_(None),  # type: ignore[union-attr]
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
            )
            .join(Ticket, Ticket.id == IncidentTicket.ticket_id)  # type: ignore[arg-type]
            .where(IncidentTicket.incident_id.in_(ids))  # type: ignore[attr-defined]
            .group_by(IncidentTicket.incident_id)
        )
    }
    agent_ids = {i.declared_by_id for i in incidents} | {i.resolved_by_id for i in incidents}
    names = dict(
        session.execute(
            select(Agent.id, Agent.name).where(Agent.id.in_([a for a in agent_ids if a]))  # type: ignore[union-attr]
        ).all()
    )
    return [
        IncidentInfo(
            id=i.id,  # type: ignore[arg-type]
            title=i.title,
            message=i.message,
            status=i.status,
            resolution=i.resolution,
            declared_by=names.get(i.declared_by_id, "?"),
            declared_at=i.declared_at,
            updated_at=i.updated_at,
            resolved_by=names.get(i.resolved_by_id) if i.resolved_by_id else None,
            resolved_at=i.resolved_at,
            version=i.version,
            ticket_count=counts.get(i.id, (0, 0, 0))[0],
            active_count=counts.get(i.id, (0, 0, 0))[1],
            unanswered_count=counts.get(i.id, (0, 0, 0))[2],
        )
        for i in incidents
    ]
