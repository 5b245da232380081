"""Trainee review on real SQLite and PostgreSQL: who may review, races, versions, graduation,
the SLA clocks, and the lead's figures — every write checked in the database afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from supportdesk.clock import FrozenClock
from supportdesk.store.db import Database
from supportdesk.store.desk import (
    AlreadyReviewed,
    Desk,
    InvalidInput,
    NotPermitted,
    ReplyRefused,
    StaleTicket,
)
from supportdesk.store.models import Draft, Message, Note, NoteMention, OutboxItem, ReplyReview
from tests.store.test_desk import count, receive

GOOD = "Dzień dobry,\n\nsprawdziłam ustawienia: przekierowanie jest już włączone.\n\nKasia"


def trainee_reply(desk: Desk, clock: FrozenClock, text: str = GOOD) -> tuple[int, int]:
    """A new ticket answered by the trainee kasia: (ticket number, message id)."""
    number = receive(desk, clock)
    message = desk.acting_as("kasia").queue_reply(number, text, status_after="pending")
    return number, message.id


def row(database: Database, message_id: int) -> tuple[Message, ReplyReview]:
    with database.read_session() as session:
        message = session.get(Message, message_id)
        review = session.scalars(
            select(ReplyReview).where(ReplyReview.message_id == message_id)
        ).one()
        session.expunge_all()
        return message, review  # type: ignore[return-value]


def test_a_trainee_reply_waits_for_the_mentor_and_only_mentor_or_lead_see_it(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number, message_id = trainee_reply(desk, clock)
    message, review = row(database, message_id)
    assert message.delivery_state == "awaiting_review" and review.outcome is None
    assert review.status_after == "pending"
    assert count(database, OutboxItem) == 0
    # The ticket does not look answered while it waits.
    assert desk.get_ticket(number).summary.status == "open"
    waiting = desk.acting_as("marta").pending_reviews()
    assert [(i.ticket_number, i.trainee, i.text) for i in waiting] == [(number, "kasia", GOOD)]
    assert desk.acting_as("marta").view_counts()["review"] == 1
    # ann mentors nobody: no Review tab, nothing to review.
    assert desk.pending_reviews() == [] and "review" not in desk.view_counts()
    for who in ("ann", "pavel", "kasia"):
        with pytest.raises(NotPermitted, match="only their mentor"):
            desk.acting_as(who).approve_reply(message_id)
        with pytest.raises(NotPermitted):
            desk.acting_as(who).return_reply(message_id, "no")
    assert row(database, message_id)[1].outcome is None


def test_approve_sends_exactly_as_written_and_the_clock_stops_at_approval(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    written_at = clock.now()
    clock.advance(minutes=2)
    message_id = desk.acting_as("kasia").queue_reply(number, GOOD, status_after="pending").id
    # Awaiting review: the first-response clock is still running.
    clock.advance(minutes=30)
    first = desk.get_ticket(number).summary.clock("first_response")
    assert first is not None and first.state != "met" and first.stopped_at is None
    assert desk.get_ticket(number).summary.first_response_at is None
    approved_at = clock.now()
    item = desk.acting_as("marta").approve_reply(message_id)
    assert item.outcome == "approved" and item.reviewer == "marta" and item.original_text is None
    message, review = row(database, message_id)
    assert message.delivery_state == "queued" and message.text == GOOD
    assert review.reviewed_at == approved_at
    assert count(database, OutboxItem, OutboxItem.message_id == message_id) == 1
    detail = desk.get_ticket(number)
    first = detail.summary.clock("first_response")
    assert first is not None and first.state == "met"
    assert first.stopped_at == approved_at != written_at
    assert detail.summary.first_response_at == approved_at
    # The trainee's chosen status applies once the reply really goes out.
    assert detail.summary.status == "pending"
    assert [e.kind for e in detail.events].count("reply_approved") == 1
    assert desk.acting_as("marta").pending_reviews() == []


def test_edit_then_approve_keeps_the_original_and_runs_the_checker(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    _number, message_id = trainee_reply(desk, clock)
    mentor = desk.acting_as("marta")
    blaming = "Dzień dobry,\n\nPomylił się Pan przy konfiguracji.\n\nKasia"
    with pytest.raises(ReplyRefused):
        mentor.approve_reply(message_id, body=blaming)
    assert row(database, message_id)[0].delivery_state == "awaiting_review"
    edited = GOOD.replace("już włączone", "już włączone i sprawdzone")
    item = mentor.approve_reply(message_id, body=edited)
    assert item.outcome == "edited" and item.original_text == GOOD and item.text == edited
    message, review = row(database, message_id)
    assert message.text == edited and review.original_text == GOOD
    assert message.approved_by_id is not None
    # The same text again is no edit: approved as written.
    _number2, message2 = trainee_reply(desk, clock)
    assert mentor.approve_reply(message2, body=GOOD + "\n").outcome == "approved"


def test_return_needs_a_comment_gives_the_text_back_and_a_resend_is_a_new_request(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number, message_id = trainee_reply(desk, clock)
    mentor = desk.acting_as("marta")
    with pytest.raises(InvalidInput, match="needs a comment"):
        mentor.return_reply(message_id, "   ")
    item = mentor.return_reply(message_id, "Zapytaj najpierw, z którego numeru dzwoni klient.")
    assert item.outcome == "returned"
    message, review = row(database, message_id)
    assert message.delivery_state == "returned" and review.comment
    assert count(database, OutboxItem) == 0
    trainee = desk.acting_as("kasia")
    draft = trainee.get_draft(number, "reply")
    assert draft is not None and draft.body == GOOD
    detail = trainee.get_ticket(number)
    notes = [n for n in detail.notes if n.kind == "review"]
    assert [(n.author, n.mentions) for n in notes] == [("marta", ("kasia",))]
    assert number in [t.number for t in trainee.list_queue("mentions").tickets]
    with database.read_session() as session:
        assert session.scalar(select(NoteMention.agent_id).join(Note)) is not None
    # Fixed and sent again: a new review request; the returned one stays on record.
    fixed = trainee.queue_reply(number, GOOD.replace("Dzień dobry", "Dzień dobry Panie Janie"))
    assert fixed.delivery_state == "awaiting_review"
    assert count(database, ReplyReview) == 2
    assert count(database, Draft, Draft.kind == "reply") == 0
    assert [i.message_id for i in mentor.pending_reviews()] == [fixed.id]
    assert [i.outcome for i in mentor.review_history(number)] == ["returned", None]


def test_two_reviewers_race_one_wins_the_other_is_told(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    desk.acting_as("marta").add_agent("olga", "Olga Lis", "lead")
    _number, message_id = trainee_reply(desk, clock)
    seen_by_marta = desk.acting_as("marta").pending_reviews()[0]
    seen_by_olga = desk.acting_as("olga").pending_reviews()[0]
    desk.acting_as("marta").approve_reply(message_id, expected_version=seen_by_marta.ticket_version)
    with pytest.raises(AlreadyReviewed, match="already approved by Marta Kowalska"):
        desk.acting_as("olga").return_reply(
            message_id, "too late", expected_version=seen_by_olga.ticket_version
        )
    with pytest.raises(AlreadyReviewed):
        desk.acting_as("olga").approve_reply(message_id)
    assert count(database, OutboxItem, OutboxItem.message_id == message_id) == 1
    assert row(database, message_id)[1].outcome == "approved"
    # Anyone acting on the old view of the ticket is told what happened, in words.
    with pytest.raises(StaleTicket, match="marta approved kasia's reply"):
        desk.set_priority(
            seen_by_olga.ticket_number, "high", expected_version=seen_by_olga.ticket_version
        )


def test_a_review_based_on_an_old_view_of_the_ticket_is_refused(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number, message_id = trainee_reply(desk, clock)
    seen = desk.acting_as("marta").pending_reviews()[0]
    # The customer writes again meanwhile: the mentor must look first.
    receive(desk, clock, ticket_number=number, text="Halo? Nadal nie działa.")
    with pytest.raises(StaleTicket, match="changed since you opened it"):
        desk.acting_as("marta").approve_reply(message_id, expected_version=seen.ticket_version)
    assert row(database, message_id)[1].outcome is None
    fresh = desk.acting_as("marta").review_item(message_id)
    desk.acting_as("marta").approve_reply(message_id, expected_version=fresh.ticket_version)
    assert row(database, message_id)[0].delivery_state == "queued"


def test_graduation_starts_on_the_day_in_the_team_time_zone(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    with pytest.raises(NotPermitted, match="manage agents"):
        desk.graduate("kasia", date(2026, 11, 24))
    with pytest.raises(InvalidInput, match="not a trainee"):
        desk.acting_as("marta").graduate("pavel", date(2026, 11, 24))
    agent = desk.acting_as("marta").graduate("kasia", date(2026, 11, 24))
    assert agent.sends_directly_from == date(2026, 11, 24)
    listed = {a.name: a for a in desk.list_agents()}["kasia"]
    assert listed.to_json()["sends_directly_from"] == "2026-11-24"
    trainee = desk.acting_as("kasia")
    # Monday 23:59 in Warsaw (22:59 UTC): still the day before — review.
    clock.set(datetime(2026, 11, 23, 22, 59, tzinfo=UTC))
    number = receive(desk, clock)
    assert trainee.queue_reply(number, GOOD).delivery_state == "awaiting_review"
    # Tuesday 00:00 in Warsaw, though still Monday in UTC: sent directly.
    clock.set(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))
    number = receive(desk, clock)
    sent = trainee.queue_reply(number, GOOD)
    assert sent.delivery_state == "queued"
    assert count(database, OutboxItem, OutboxItem.message_id == sent.id) == 1
    # ... and may now send past a checker error, like any agent.
    number = receive(desk, clock)
    blaming = "Dzień dobry,\n\nPomylił się Pan przy konfiguracji.\n\nKasia"
    with pytest.raises(ReplyRefused):
        trainee.queue_reply(number, blaming)
    assert trainee.queue_reply(number, blaming, override_checks=True).delivery_state == "queued"


def test_before_graduation_a_trainee_cannot_override_the_checker(
    desk: Desk, clock: FrozenClock
) -> None:
    number = receive(desk, clock)
    blaming = "Dzień dobry,\n\nPomylił się Pan przy konfiguracji.\n\nKasia"
    with pytest.raises(ReplyRefused):
        desk.acting_as("kasia").queue_reply(number, blaming, override_checks=True)


def test_review_stats_per_week_with_comments(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    mentor = desk.acting_as("marta")
    # Week of Mon 23 Nov: 2 approved as written, 1 edited, 1 returned.
    for outcome in ("approved", "approved", "edited", "returned"):
        _number, message_id = trainee_reply(desk, clock)
        if outcome == "approved":
            mentor.approve_reply(message_id)
        elif outcome == "edited":
            mentor.approve_reply(message_id, body=GOOD + "\nPozdrawiam")
        else:
            mentor.return_reply(message_id, "Najpierw zapytaj o numer.")
        clock.advance(minutes=10)
    # The next week: 1 approved, 1 returned, 1 still waiting.
    clock.advance(days=7)
    _n, first = trainee_reply(desk, clock)
    mentor.approve_reply(first)
    returned_number, second = trainee_reply(desk, clock)
    mentor.return_reply(second, "Bez «musi Pan», proszę.")
    trainee_reply(desk, clock)
    stats = mentor.review_stats()
    assert [(w.week, w.approved, w.edited, w.returned) for w in stats.weeks] == [
        (date(2026, 11, 23), 2, 1, 1),
        (date(2026, 11, 30), 1, 0, 1),
    ]
    assert stats.weeks[0].approval_rate == 0.5
    assert [(c.trainee, c.reviewer, c.comment) for c in stats.comments] == [
        ("kasia", "marta", "Najpierw zapytaj o numer."),
        ("kasia", "marta", "Bez «musi Pan», proszę."),
    ]
    assert stats.comments[1].ticket_number == returned_number
    assert stats.pending == (("kasia", 1),)
    assert mentor.review_stats("ann").weeks == ()
    with pytest.raises(InvalidInput, match="no agent"):
        mentor.review_stats("nobody")
    with pytest.raises(NotPermitted):
        desk.acting_as("kasia").review_stats()
    assert stats.to_json()["weeks"][0]["approval_rate"] == 0.5


def test_a_trainee_reads_any_ticket_and_is_told_what_they_may_not_do(
    desk: Desk, clock: FrozenClock
) -> None:
    number = receive(desk, clock)
    desk.take(number)
    desk.queue_reply(
        number, "Dzień dobry,\n\nproszę spróbować teraz.\n\nAnn", status_after="solved"
    )
    desk.set_status(number, "closed")
    closed = receive(desk, clock, who="eva@example.com")
    desk.take(closed)
    trainee = desk.acting_as("kasia")
    detail = trainee.get_ticket(number)
    assert detail.summary.status == "closed" and len(detail.messages) == 2
    assert trainee.get_ticket(closed).summary.assignee == "ann"
    assert number in [t.number for t in trainee.list_queue("closed").tickets]
    with pytest.raises(NotPermitted, match="replies only on their own or unassigned"):
        trainee.queue_reply(closed, GOOD)
    with pytest.raises(NotPermitted, match="may not close tickets"):
        trainee.set_status(closed, "closed", reason="duplicate")
    with pytest.raises(NotPermitted, match="assign tickets to colleagues"):
        trainee.assign(closed, "pavel")
    # Learning from a colleague's ticket: a note asking about it is allowed.
    assert trainee.add_note(closed, "@ann why did you ask for the number first?").body
    assert timedelta(0) <= clock.now() - detail.summary.created_at


REVIEWERS = ["marta", "olga", "lena", "igor"]


def _decide(url: str, reviewer: str, message_id: int, start: Any, out: Any) -> None:
    from supportdesk.clock import SystemClock
    from supportdesk.store.db import open_database

    database = open_database(url)
    desk = Desk(database, SystemClock()).acting_as(reviewer)
    start.wait()
    try:
        if REVIEWERS.index(reviewer) % 2:
            desk.return_reply(message_id, f"{reviewer}: ask for the number first")
        else:
            desk.approve_reply(message_id)
        out.put((reviewer, "won", ""))
    except AlreadyReviewed as told:
        out.put((reviewer, "told", str(told)))
    database.dispose()


def test_four_reviewers_at_once_exactly_one_decides(
    desk: Desk, clock: FrozenClock, database: Database, database_url: str
) -> None:
    """Real processes racing on one reply: one decision, the others told who made it."""
    import multiprocessing

    for name in REVIEWERS[1:]:
        desk.acting_as("marta").add_agent(name, name.title(), "lead")
    _number, message_id = trainee_reply(desk, clock)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(REVIEWERS))
    out = context.Queue()
    processes = [
        context.Process(target=_decide, args=(database_url, name, message_id, start, out))
        for name in REVIEWERS
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
        assert process.exitcode == 0
    winners = [name for name, outcome, _told in results if outcome == "won"]
    assert len(winners) == 1
    message, review = row(database, message_id)
    outcome = "returned" if REVIEWERS.index(winners[0]) % 2 else "approved"
    assert review.outcome == outcome
    assert message.delivery_state == ("returned" if outcome == "returned" else "queued")
    assert all("already" in told for _name, result, told in results if result == "told")
    assert count(database, OutboxItem) == (1 if outcome == "approved" else 0)
    assert count(database, Note, Note.kind == "review") == (1 if outcome == "returned" else 0)


def test_a_reply_waiting_for_review_follows_its_ticket_into_a_merge(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    """The trainee answered #A; before the mentor looked, #A was merged into #B. The approval
    answers #B (where the reply now stands) and leaves the merged #A closed."""
    survivor = receive(desk, clock, subject="Połączenia przychodzące nie działają")
    clock.advance(minutes=5)
    merged, message_id = trainee_reply(desk, clock)
    desk.acting_as("ann").merge_tickets(merged, survivor)
    waiting = desk.acting_as("marta").pending_reviews()
    assert [(i.ticket_number, i.message_id) for i in waiting] == [(survivor, message_id)]
    clock.advance(minutes=10)
    desk.acting_as("marta").approve_reply(message_id)
    message, review = row(database, message_id)
    assert message.delivery_state == "queued" and review.outcome == "approved"
    assert count(database, OutboxItem, OutboxItem.message_id == message_id) == 1
    answered = desk.get_ticket(survivor).summary
    assert answered.status == "pending" and answered.first_response_at == clock.now()
    gone = desk.get_ticket(merged).summary
    assert gone.status == "closed" and gone.first_response_at is None
