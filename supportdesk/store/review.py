"""Trainees and their mentors: replies held for review, approved, edited or returned; graduation;
the lead's figures of how a trainee is doing.

`ReviewDesk` is a part of `Desk` (it inherits this class): the same transactions and rules —
every write is one transaction through `_writing()`, checks who acts and the ticket's version,
and appends to the event log.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from supportdesk.core.enums import Channel, DeliveryState, Role, Status
from supportdesk.store.models import (
    Agent,
    Attachment,
    Customer,
    Draft,
    Message,
    Note,
    NoteMention,
    ReplyReview,
    Ticket,
)
from supportdesk.store.reviewdto import ReturnComment, ReviewItem, ReviewStats, ReviewWeek

if TYPE_CHECKING:
    from supportdesk.store import dto
    from supportdesk.store.teamsettings import TeamSettings

MAX_COMMENT = 4000


def sends_directly(agent: Agent, today: date) -> bool:
    """Whether this agent's replies go out without a mentor's review on `today`."""
    if agent.role != Role.TRAINEE:
        return True
    return agent.sends_directly_from is not None and today >= agent.sends_directly_from


def may_review(actor: Agent, trainee: Agent) -> bool:
    return actor.role == Role.LEAD or (
        trainee.mentor_id is not None and trainee.mentor_id == actor.id
    )


class ReviewDesk:
    """Mixed into Desk; relies on its transaction helpers."""

    if TYPE_CHECKING:
        agent_name: str | None

        def _reading(self) -> AbstractContextManager[Session]: ...
        def _writing(self, *, needs_agent: bool = True) -> AbstractContextManager[Any]: ...
        def _settings(self, session: Session) -> TeamSettings: ...
        def _maybe_agent(self, session: Session) -> Agent | None: ...
        def _require(self, write: Any, permission: str) -> Agent: ...
        def _event(
            self, write: Any, kind: str, ticket: Ticket | None = None, **data: Any
        ) -> None: ...
        def _ticket_for_update(self, write: Any, number: int) -> Ticket: ...
        def _check_version(self, write: Any, ticket: Ticket, expected: int | None) -> None: ...
        def _checked_reply(
            self,
            write: Any,
            ticket: Ticket,
            actor: Agent,
            body: str,
            override: bool,
            attachments: Sequence[str] = (),
        ) -> list[str]: ...
        def _set_status(self, write: Any, ticket: Ticket, status: Status) -> None: ...
        def _touch(self, write: Any, ticket: Ticket) -> None: ...
        def _queue_for_delivery(self, write: Any, ticket: Ticket, message: Message) -> None: ...

    # -- used by queue_reply ----------------------------------------------------------------

    def _needs_review(self, write: Any, actor: Agent) -> bool:
        today = write.now.astimezone(write.settings.zone).date()
        return not sends_directly(actor, today)

    def _request_review(
        self, write: Any, ticket: Ticket, message: Message, actor: Agent, after: str | None
    ) -> None:
        write.session.add(
            ReplyReview(
                message_id=message.id,  # type: ignore[arg-type]
                ticket_id=ticket.id,  # type: ignore[arg-type]
                trainee_id=actor.id,  # type: ignore[arg-type]
                requested_at=write.now,
                status_after=after,
            )
        )

    # -- reading ----------------------------------------------------------------------------

    def pending_reviews(self) -> list[ReviewItem]:
        """Trainee replies waiting for review that I may decide, oldest first: a lead sees
        every trainee's, a mentor their own trainees'; a trainee sees their own waiting."""
        with self._reading() as session:
            me = self._maybe_agent(session)
            if me is None:
                return []
            stmt = _items_query().where(ReplyReview.outcome.is_(None))  # type: ignore[union-attr]
            if me.role == Role.TRAINEE:
                stmt = stmt.where(ReplyReview.trainee_id == me.id)
            elif me.role != Role.LEAD:
                stmt = stmt.where(Agent.mentor_id == me.id)
            return _items(session, stmt.order_by(ReplyReview.requested_at, ReplyReview.id))

    def review_item(self, message_id: int) -> ReviewItem:
        """One trainee reply and its review, as the Review view shows it."""
        from supportdesk.store.desk import NotFound

        with self._reading() as session:
            found = _items(session, _items_query().where(ReplyReview.message_id == message_id))
            if not found:
                raise NotFound(f"message {message_id} is no trainee reply waiting for review")
            return found[0]

    def review_history(self, number: int) -> list[ReviewItem]:
        """Every review request of one ticket, oldest first (returned ones with comments)."""
        with self._reading() as session:
            stmt = _items_query().where(Ticket.number == number)
            return _items(session, stmt.order_by(ReplyReview.requested_at, ReplyReview.id))

    def review_stats(self, agent: str | None = None) -> ReviewStats:
        """Per trainee and week: replies approved as written, approved after an edit,
        returned; the comments of returned replies, oldest first; and what waits now."""
        from supportdesk.store.desk import InvalidInput, NotPermitted

        with self._reading() as session:
            me = self._maybe_agent(session)
            if me is not None and me.role == Role.TRAINEE:
                raise NotPermitted(
                    f"{me.display_name} is a trainee; review figures are for mentors and leads"
                )
            zone = self._settings(session).zone
            trainee_id: int | None = None
            if agent:
                row = session.scalars(select(Agent).where(Agent.name == agent)).first()
                if row is None:
                    raise InvalidInput(f"there is no agent {agent!r}")
                trainee_id = row.id
            names = {a.id: a.name for a in session.scalars(select(Agent)).all()}
            stmt = select(
                ReplyReview.trainee_id,
                ReplyReview.outcome,
                ReplyReview.reviewer_id,
                ReplyReview.reviewed_at,
                ReplyReview.comment,
                Ticket.number,
            ).join(Ticket, Ticket.id == ReplyReview.ticket_id)  # type: ignore[arg-type]
            if trainee_id is not None:
                stmt = stmt.where(ReplyReview.trainee_id == trainee_id)
            weeks: dict[tuple[str, date], Counter[str]] = defaultdict(Counter)
            comments: list[ReturnComment] = []
            pending: Counter[str] = Counter()
            for trainee, outcome, reviewer, reviewed_at, comment, number in session.execute(
                stmt.order_by(ReplyReview.reviewed_at, ReplyReview.id)
            ):
                name = names.get(trainee, "?")
                if outcome is None:
                    pending[name] += 1
                    continue
                day = reviewed_at.astimezone(zone).date()
                weeks[(name, day - timedelta(days=day.weekday()))][outcome] += 1
                if outcome == "returned":
                    comments.append(
                        ReturnComment(name, names.get(reviewer, "?"), reviewed_at, number, comment)
                    )
        return ReviewStats(
            weeks=tuple(
                ReviewWeek(name, week, c["approved"], c["edited"], c["returned"])
                for (name, week), c in sorted(weeks.items())
            ),
            comments=tuple(comments),
            pending=tuple(sorted(pending.items())),
        )

    # -- deciding ---------------------------------------------------------------------------

    def _review_for_update(
        self, write: Any, message_id: int, expected_version: int | None
    ) -> tuple[ReplyReview, Message, Ticket, Agent]:
        """The review of `message_id`, locked through its ticket, still undecided, and the
        actor allowed to decide it."""
        from supportdesk.store.desk import AlreadyReviewed, NotFound, NotPermitted

        number = write.session.scalar(
            select(Ticket.number)
            .join(ReplyReview, ReplyReview.ticket_id == Ticket.id)  # type: ignore[arg-type]
            .where(ReplyReview.message_id == message_id)
        )
        if number is None:
            raise NotFound(f"message {message_id} is no trainee reply waiting for review")
        ticket = self._ticket_for_update(write, number)
        review = write.session.scalars(
            select(ReplyReview).where(ReplyReview.message_id == message_id)
        ).one()
        message = write.session.get(Message, message_id)
        trainee = write.session.get(Agent, review.trainee_id)
        actor: Agent = write.actor
        if not may_review(actor, trainee):
            mentor = write.session.get(Agent, trainee.mentor_id) if trainee.mentor_id else None
            raise NotPermitted(
                f"{actor.display_name} may not review {trainee.display_name}'s replies: only "
                f"their mentor ({mentor.display_name if mentor else 'none set'}) or a lead may"
            )
        # Told before the version check: "already approved by Marta" says more than "changed".
        if review.outcome is not None:
            reviewer = write.session.get(Agent, review.reviewer_id) if review.reviewer_id else None
            when = (
                review.reviewed_at.astimezone(write.settings.zone) if review.reviewed_at else None
            )
            raise AlreadyReviewed(
                f"#{ticket.number}: {trainee.display_name}'s reply was already "
                f"{_OUTCOME_WORDS[review.outcome]} by "
                f"{reviewer.display_name if reviewer else 'someone'}"
                + (f" at {when:%H:%M}" if when else "")
                + "; nothing more was done"
            )
        self._check_version(write, ticket, expected_version)
        return review, message, ticket, trainee  # type: ignore[return-value]

    def approve_reply(
        self,
        message_id: int,
        *,
        body: str | None = None,
        expected_version: int | None = None,
        override_checks: bool = False,
    ) -> ReviewItem:
        """Approve a trainee's reply: it goes to the outbox. With `body` (the mentor's edit)
        the edited text goes out instead, after the reply checker has read it, and the
        trainee's own words are kept on the review. Only their mentor or a lead approves."""
        from supportdesk.store.desk import InvalidInput

        if body is not None:
            body = body.strip("\n")
            if not body.strip():
                raise InvalidInput("the edited reply is empty")
        with self._writing() as write:
            review, message, ticket, trainee = self._review_for_update(
                write, message_id, expected_version
            )
            actor: Agent = write.actor
            edited = body is not None and body.strip() != message.text.strip()
            if edited:
                names = write.session.scalars(
                    select(Attachment.filename).where(Attachment.message_id == message.id)
                ).all()
                self._checked_reply(write, ticket, actor, body, override_checks, names)  # type: ignore[arg-type]
                review.original_text = message.text
                message.text = body  # type: ignore[assignment]
            review.outcome = "edited" if edited else "approved"
            review.reviewer_id = actor.id
            review.reviewed_at = write.now
            message.delivery_state = DeliveryState.QUEUED
            message.approved_by_id = actor.id
            self._queue_for_delivery(write, ticket, message)
            self._event(
                write,
                "reply_approved",
                ticket,
                version=ticket.version + 1,
                message_id=message.id,
                trainee=trainee.name,
                edited=edited,
            )
            if review.status_after and review.status_after != ticket.status:
                self._set_status(write, ticket, Status(review.status_after))
            self._touch(write, ticket)
            return _item_of(write.session, review)

    def return_reply(
        self, message_id: int, comment: str, *, expected_version: int | None = None
    ) -> ReviewItem:
        """Send a trainee's reply back with a private comment: it never goes out; the comment
        becomes a note on the ticket addressed to the trainee (their Mentions view shows it),
        and their text comes back as their reply draft to fix and send again."""
        from supportdesk.store.desk import InvalidInput

        comment = comment.strip()
        if not comment:
            raise InvalidInput(
                "returning a reply needs a comment: say what to fix, so the trainee can learn"
            )
        if len(comment) > MAX_COMMENT:
            raise InvalidInput(f"the comment is longer than {MAX_COMMENT} characters")
        with self._writing() as write:
            review, message, ticket, trainee = self._review_for_update(
                write, message_id, expected_version
            )
            actor: Agent = write.actor
            note = Note(
                ticket_id=ticket.id,  # type: ignore[arg-type]
                author_id=actor.id,  # type: ignore[arg-type]
                kind="review",
                body=comment,
                created_at=write.now,
            )
            write.session.add(note)
            write.session.flush()
            write.session.add(NoteMention(note_id=note.id, agent_id=trainee.id))  # type: ignore[arg-type]
            review.outcome = "returned"
            review.reviewer_id = actor.id
            review.reviewed_at = write.now
            review.comment = comment
            review.note_id = note.id
            message.delivery_state = DeliveryState.RETURNED
            # The trainee's words come back as their draft (replacing an older one).
            write.session.execute(
                delete(Draft).where(
                    Draft.ticket_id == ticket.id,  # type: ignore[arg-type]
                    Draft.agent_id == trainee.id,  # type: ignore[arg-type]
                    Draft.kind == "reply",  # type: ignore[arg-type]
                )
            )
            write.session.add(
                Draft(
                    ticket_id=ticket.id,  # type: ignore[arg-type]
                    agent_id=trainee.id,  # type: ignore[arg-type]
                    kind="reply",
                    body=message.text,
                    base_version=ticket.version + 1,
                    created_at=write.now,
                    updated_at=write.now,
                )
            )
            self._event(
                write,
                "reply_returned",
                ticket,
                version=ticket.version + 1,
                message_id=message.id,
                trainee=trainee.name,
                note_id=note.id,
                mentions=[trainee.name],
            )
            self._touch(write, ticket)
            return _item_of(write.session, review)

    def graduate(self, name: str, from_day: date) -> dto.AgentInfo:
        """Let a trainee send directly from `from_day` (team time zone): before it their
        replies still go to review. Leads only."""
        from supportdesk.store.desk import InvalidInput, _agent_info

        with self._writing() as write:
            self._require(write, "manage_agents")
            agent = write.session.scalars(select(Agent).where(Agent.name == name)).one_or_none()
            if agent is None:
                raise InvalidInput(f"there is no agent {name!r}")
            if agent.role != Role.TRAINEE:
                raise InvalidInput(
                    f"{name} is a{'n' if agent.role == 'agent' else ''} {agent.role}, not a "
                    "trainee: their replies already go out without review"
                )
            agent.sends_directly_from = from_day
            self._event(
                write, "agent_graduated", None, name=name, sends_directly_from=str(from_day)
            )
            write.session.flush()
            mentor = write.session.get(Agent, agent.mentor_id) if agent.mentor_id else None
            return _agent_info(agent, {mentor.id: mentor.name} if mentor else {})  # type: ignore[dict-item]


_OUTCOME_WORDS = {"approved": "approved", "edited": "edited and approved", "returned": "returned"}


def review_tab_count(session: Session, me: Agent | None) -> int | None:
    """How many replies wait for me to review; None when I review nobody (a lead reviews
    everyone's, a mentor their trainees'): then there is no Review tab."""
    if me is None or me.role == Role.TRAINEE:
        return None
    if me.role != Role.LEAD:
        mentors = session.scalar(select(func.count()).where(Agent.mentor_id == me.id))
        if not mentors:
            return None
    return _pending_count(session, me)


def _pending_count(session: Session, me: Agent) -> int:
    stmt = (
        select(func.count())
        .select_from(ReplyReview)
        .join(Agent, Agent.id == ReplyReview.trainee_id)  # type: ignore[arg-type]
        .where(ReplyReview.outcome.is_(None))  # type: ignore[union-attr]
    )
    if me.role != Role.LEAD:
        stmt = stmt.where(Agent.mentor_id == me.id)
    return session.scalar(stmt) or 0


def _items_query() -> Any:
    return (
        select(ReplyReview, Message, Ticket, Agent, Customer.name)
        .join(Message, Message.id == ReplyReview.message_id)  # type: ignore[arg-type]
        .join(Ticket, Ticket.id == ReplyReview.ticket_id)  # type: ignore[arg-type]
        .join(Agent, Agent.id == ReplyReview.trainee_id)  # type: ignore[arg-type]
        .join(Customer, Customer.id == Ticket.customer_id)  # type: ignore[arg-type]
    )


def _items(session: Session, stmt: Any) -> list[ReviewItem]:
    names = {a.id: a.name for a in session.scalars(select(Agent)).all()}
    return [
        _item(review, message, ticket, trainee, customer, names)
        for review, message, ticket, trainee, customer in session.execute(stmt)
    ]


def _item_of(session: Session, review: ReplyReview) -> ReviewItem:
    session.flush()
    found = _items(session, _items_query().where(ReplyReview.id == review.id))
    return found[0]


def _item(
    review: ReplyReview,
    message: Message,
    ticket: Ticket,
    trainee: Agent,
    customer: str,
    names: dict[int | None, str],
) -> ReviewItem:
    return ReviewItem(
        message_id=message.id,  # type: ignore[arg-type]
        ticket_number=ticket.number,
        ticket_version=ticket.version,
        subject=ticket.subject,
        customer=customer,
        channel=ticket.channel if ticket.channel != Channel.INTERNAL else "internal",
        trainee=trainee.name,
        trainee_display=trainee.display_name,
        mentor=names.get(trainee.mentor_id) if trainee.mentor_id else None,
        text=message.text,
        requested_at=review.requested_at,
        status_after=review.status_after,
        outcome=review.outcome,
        reviewer=names.get(review.reviewer_id) if review.reviewer_id else None,
        reviewed_at=review.reviewed_at,
        comment=review.comment,
        original_text=review.original_text,
    )
