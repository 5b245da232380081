"""The demo's trainee review loop: kasia's past replies reviewed by her mentor marta, two
replies waiting for review now and one returned with a comment — written through the Desk, so
they are exactly what the console makes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from supportdesk.clock import FrozenClock
from supportdesk.core.enums import ACTIVE_STATUSES, DeliveryState, Direction
from supportdesk.store.db import Database
from supportdesk.store.models import Agent, Message, ReplyReview, Ticket
from supportdesk.store.slastore import recompute_tickets
from supportdesk.store.teamsettings import default_settings

TRAINEE = "kasia"
MENTOR = "marta"
# (reply, comment when the mentor returns it) — the last one is returned.
WAITING = (
    (
        "Dzień dobry,\n\n"
        "uprzejmie informuję, że nadal czekamy na odpowiedź operatora w tej sprawie. Gdy tylko "
        "ją dostaniemy, napiszę, co dalej — najpóźniej jutro do południa.\n\n"
        "Pozdrawiam,\nKasia Zielińska",
        None,
    ),
    (
        "Dzień dobry,\n\n"
        "czy udało się sprawdzić ustawienia integracji, o których pisaliśmy? Jeśli coś nadal "
        "nie działa, proszę o zrzut ekranu z zakładki Integracje — sprawdzę go od razu.\n\n"
        "Pozdrawiam,\nKasia Zielińska",
        None,
    ),
    (
        "Dzień dobry,\n\nproszę odłączyć integrację i podłączyć ją jeszcze raz.\n\n"
        "Pozdrawiam,\nKasia Zielińska",
        "Za krótko: klient nie wie, gdzie to zrobić ani czy straci dane. Napisz, gdzie jest "
        "ta opcja, że historia połączeń zostaje, i dodaj link do artykułu o integracji (ctrl+k).",
    ),
)
# Every fifth of the trainee's earlier replies was edited by the mentor before it went out.
EDITED_EVERY = 5


def add_review_loop(database: Database, now: datetime) -> int:
    """Add the review history and the waiting replies; returns how many replies wait."""
    from supportdesk.store.desk import Desk, DeskError

    with database.write_session() as session, session.begin():
        _past_reviews(session)
    with database.read_session() as session:
        trainee = session.scalars(select(Agent).where(Agent.name == TRAINEE)).first()
        if trainee is None:
            return 0
        found = session.execute(
            select(Ticket.number, Ticket.status).where(
                Ticket.assignee_id == trainee.id,
                Ticket.status.in_([s.value for s in ACTIVE_STATUSES]),  # type: ignore[attr-defined]
                Ticket.channel != "internal",
            )
        ).all()
    # The first text suits a ticket on hold (waiting for the operator), the others follow-ups.
    numbers = [
        number for number, _status in sorted(found, key=lambda row: (row[1] != "on_hold", row[0]))
    ][: len(WAITING)]
    clock = FrozenClock(now - timedelta(minutes=40))
    desk = Desk(database, clock)
    waiting = 0
    for number, (text, comment) in zip(numbers, WAITING, strict=False):
        clock.advance(minutes=10)
        try:
            message = desk.acting_as(TRAINEE).queue_reply(number, text)
            if comment:
                clock.advance(minutes=3)
                desk.acting_as(MENTOR).return_reply(message.id, comment)
            else:
                waiting += 1
        except DeskError:  # a small demo without such a ticket: fewer examples, no failure
            continue
    # The writes above computed clocks as of their own moments; the rest of the demo is as of
    # `now`, and so are these tickets now (claims made while writing have run out by then).
    with database.write_session() as session, session.begin():
        tickets = session.scalars(select(Ticket).where(Ticket.number.in_(numbers))).all()  # type: ignore[attr-defined]
        for ticket in tickets:
            ticket.claimed_by_id = None
            ticket.claim_expires_at = None
        recompute_tickets(session, list(tickets), default_settings(), now)
    return waiting


def _past_reviews(session: Session) -> None:
    """The trainee's replies so far were each approved by the mentor: their review rows."""
    trainee = session.scalars(select(Agent).where(Agent.name == TRAINEE)).first()
    mentor = session.scalars(select(Agent).where(Agent.name == MENTOR)).first()
    if trainee is None or mentor is None:
        return
    rows = session.execute(
        select(Message.id, Message.ticket_id, Message.stored_at, Message.text)
        .where(
            Message.agent_id == trainee.id,
            Message.direction == Direction.OUTBOUND,
            Message.delivery_state == DeliveryState.SENT,
        )
        .order_by(Message.stored_at, Message.id)
    ).all()
    reviews = []
    for index, (message_id, ticket_id, at, text) in enumerate(rows):
        edited = index % EDITED_EVERY == EDITED_EVERY - 1
        reviews.append(
            {
                "message_id": message_id,
                "ticket_id": ticket_id,
                "trainee_id": trainee.id,
                "requested_at": at - timedelta(minutes=4 + index % 7),
                "status_after": None,
                "outcome": "edited" if edited else "approved",
                "reviewer_id": mentor.id,
                "reviewed_at": at,
                "comment": None,
                # What the mentor changed: the trainee had left out the greeting.
                "original_text": text.split("\n\n", 1)[-1] if edited else None,
                "note_id": None,
            }
        )
    if reviews:
        session.execute(insert(ReplyReview), reviews)
