"""The Desk on real SQLite and PostgreSQL: every write checked in the database afterwards."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from supportdesk.clock import FrozenClock
from supportdesk.store import dto
from supportdesk.store.db import Database
from supportdesk.store.desk import (
    AlreadyTaken,
    Desk,
    InvalidInput,
    NotFound,
    NotPermitted,
    StaleTicket,
)
from supportdesk.store.models import Agent, Event, Message, OutboxItem, Ticket
from supportdesk.store.teamsettings import TeamSettingsError, default_document, parse_document
from tests.queue_order import expected_order


def receive(desk: Desk, clock: FrozenClock, who: str = "jan@example.pl", **kwargs: object) -> int:
    fields: dict[str, object] = {
        "channel": "email",
        "account": "support",
        "identity_kind": "email",
        "identity_value": who,
        "sender_name": "Jan Kowalski",
        "subject": "Nie działają połączenia przychodzące",
        "text": "Od rana nikt nie może się do nas dodzwonić.",
        "at": clock.now(),
    }
    fields.update(kwargs)
    return desk.acting_as(None).receive(**fields).ticket_number  # type: ignore[arg-type]


def count(database: Database, model: type, *where: object) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def ticket_row(database: Database, number: int) -> Ticket:
    with database.read_session() as session:
        return session.scalars(select(Ticket).where(Ticket.number == number)).one()


def test_receive_creates_customer_ticket_and_dedupes(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock, external_id="<m1@example.pl>", who="Jan@Example.PL")
    again = desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@example.pl",
        sender_name="Jan",
        subject="x",
        text="x",
        at=clock.now(),
        external_id="<m1@example.pl>",
    )
    assert again.duplicate and again.ticket_number == number
    assert count(database, Message) == 1
    detail = desk.get_ticket(number)
    assert detail.summary.customer.emails == ("jan@example.pl",)
    assert detail.summary.status == "new"
    assert detail.summary.clock("first_response").state == "ok"  # type: ignore[union-attr]
    kinds = [e.kind for e in detail.events]
    assert kinds[:2] == ["created", "status"] and "received" in kinds


def test_take_assigns_opens_and_refuses_a_second_taker(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    taken = desk.take(number)
    assert taken.assignee == "ann" and taken.status == "open" and taken.claimed_by == "ann"
    with pytest.raises(AlreadyTaken, match="already Ann Novak's") as info:
        desk.acting_as("pavel").take(number)
    assert info.value.holder == "ann"
    assert ticket_row(database, number).assignee_id is not None
    assert count(database, Event, Event.kind == "assigned") == 1


def test_stale_version_is_refused_with_what_changed(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    seen = desk.get_ticket(number).version
    desk.acting_as("pavel").set_status(number, "pending")
    with pytest.raises(StaleTicket, match="changed since you opened it: pavel set status pending"):
        desk.set_priority(number, "high", expected_version=seen)
    assert ticket_row(database, number).priority == "normal"
    current = desk.get_ticket(number).version
    assert desk.set_priority(number, "high", expected_version=current).priority == "high"


def test_urgent_needs_a_reason_and_a_non_trainee(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    with pytest.raises(InvalidInput, match="urgent needs a stated reason"):
        desk.set_priority(number, "urgent")
    with pytest.raises(InvalidInput, match="urgent needs a stated reason"):
        desk.set_priority(number, "urgent", reason="   ")
    with pytest.raises(NotPermitted, match="trainee may not mark tickets urgent"):
        desk.acting_as("kasia").set_priority(number, "urgent", reason="all calls fail")
    assert ticket_row(database, number).priority == "normal"
    urgent = desk.set_priority(number, "urgent", reason="all calls fail")
    assert urgent.urgent_reason == "all calls fail"
    # Urgent targets apply at once: 5 minutes instead of an hour.
    assert urgent.clock("first_response").target_seconds == 300  # type: ignore[union-attr]
    normal = desk.set_priority(number, "normal")
    assert normal.urgent_reason is None


def test_closing_without_solving_needs_a_reason(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    with pytest.raises(InvalidInput, match="needs a reason"):
        desk.set_status(number, "closed")
    closed = desk.set_status(number, "closed", reason="spam")
    assert closed.status == "closed"
    detail = desk.get_ticket(number)
    assert any(e.kind == "status" and e.data.get("reason") == "spam" for e in detail.events)
    with pytest.raises(InvalidInput, match="expected one of new, open"):
        desk.set_status(number, "done")


def test_reply_queues_outbox_and_meets_first_response(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock, external_id="<q1@example.pl>")
    clock.advance(minutes=12)
    message = desk.queue_reply(number, "Dzień dobry, już sprawdzamy.", status_after="pending")
    assert message.delivery_state == "queued"
    assert message.external_id and message.external_id.startswith("<")
    assert count(database, OutboxItem, OutboxItem.state == "queued") == 1
    summary = desk.get_ticket(number).summary
    assert summary.status == "pending" and summary.assignee == "ann"
    first = summary.clock("first_response")
    assert first is not None and first.state == "met" and first.used_seconds == 12 * 60
    with database.read_session() as session:
        row = session.scalars(select(Message).where(Message.direction == "out")).one()
        assert row.in_reply_to == "<q1@example.pl>"
        assert row.recipients == ["jan@example.pl"]
        assert row.subject == f"Re: Nie działają połączenia przychodzące [#{number}]"


def test_trainee_reply_waits_for_review_and_does_not_stop_the_clock(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    clock.advance(minutes=5)
    draft = desk.acting_as("kasia").queue_reply(number, "Dzień dobry, proszę o chwilę.")
    assert draft.delivery_state == "awaiting_review"
    assert count(database, OutboxItem) == 0
    first = desk.get_ticket(number).summary.clock("first_response")
    assert first is not None and first.state == "ok"


def test_note_mentions_and_does_not_stop_any_clock(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    clock.advance(minutes=20)
    note = desk.add_note(number, "@pavel możesz sprawdzić trunk SIP? cc @nobody")
    assert note.mentions == ("pavel",)
    first = desk.get_ticket(number).summary.clock("first_response")
    assert first is not None and first.state == "ok" and first.stopped_at is None
    pavel = desk.acting_as("pavel")
    assert [t.number for t in pavel.list_queue("mentions").tickets] == [number]
    assert desk.list_queue("mentions").total == 0
    with pytest.raises(InvalidInput, match="empty"):
        desk.add_note(number, "   ")


def test_customer_reply_reopens_solved_and_closed_gets_a_follow_up(
    desk: Desk, clock: FrozenClock
) -> None:
    number = receive(desk, clock)
    desk.queue_reply(number, "Naprawione.", status_after="solved")
    clock.advance(hours=1)
    again = desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@example.pl",
        sender_name="Jan",
        subject="Re: x",
        text="Nadal nie działa",
        at=clock.now(),
        ticket_number=number,
    )
    assert again.reopened and again.ticket_number == number
    assert desk.get_ticket(number).summary.status == "open"
    desk.set_status(number, "closed", reason="duplicate")
    follow = desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@example.pl",
        sender_name="Jan",
        subject="Re: x",
        text="I jeszcze jedno",
        at=clock.now(),
        ticket_number=number,
    )
    assert follow.created_ticket and follow.ticket_number != number
    assert desk.get_ticket(follow.ticket_number).follow_up_of == number


def test_automatic_message_does_not_reopen(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    desk.queue_reply(number, "Gotowe.", status_after="solved")
    desk.acting_as(None).receive(
        channel="email",
        account="support",
        identity_kind="email",
        identity_value="jan@example.pl",
        sender_name="Jan",
        subject="Auto: out of office",
        text="I am away",
        at=clock.now(),
        ticket_number=number,
        automatic=True,
    )
    assert desk.get_ticket(number).summary.status == "solved"


def test_queue_order_matches_the_ranking_rule(desk: Desk, clock: FrozenClock) -> None:
    numbers = {}
    for index, (who, category) in enumerate(
        [
            ("a@x.pl", "onboarding"),
            ("b@x.pl", "blocking"),
            ("c@x.pl", "question"),
            ("d@x.pl", "feature_request"),
        ]
    ):
        clock.advance(minutes=1)
        numbers[who] = receive(desk, clock, who=who, subject=f"ticket {index}")
        desk.set_category(numbers[who], category)
    tg = (
        desk.acting_as(None)
        .receive(
            channel="telegram",
            account="bot",
            identity_kind="telegram",
            identity_value="42",
            sender_name="Olga",
            subject="Звонки не проходят",
            text="Помогите",
            at=clock.now(),
        )
        .ticket_number
    )
    desk.set_priority(numbers["c@x.pl"], "urgent", reason="whole sales team offline")
    desk.set_status(numbers["a@x.pl"], "pending")
    page = desk.list_queue("open")
    order = [t.number for t in page.tickets]
    # Urgent first; then the telegram ticket (5-minute target = earliest deadline); then the
    # email tickets by deadline/arrival; the pending one last.
    assert order[0] == numbers["c@x.pl"]
    assert order[1] == tg
    assert order[-1] == numbers["a@x.pl"]
    expected = expected_order(page.tickets)
    assert expected == order


def test_breached_tickets_lead_most_overdue_first(desk: Desk, clock: FrozenClock) -> None:
    first = receive(desk, clock, who="old@x.pl")
    clock.advance(minutes=30)
    second = receive(desk, clock, who="new@x.pl")
    clock.advance(hours=3)
    page = desk.list_queue("breached")
    assert [t.number for t in page.tickets] == [first, second]
    assert all(t.sla_state == "breached" for t in page.tickets)
    assert desk.list_queue("at_risk").total == 2


def test_the_queue_filter_finds_a_customer_by_email_address(desk: Desk, clock: FrozenClock) -> None:
    """The address is often all an agent has (a forwarded mail, a phone call): typed whole or
    in part, in any case, it finds the customer's tickets."""
    jan = receive(desk, clock, who="jan.kowalski@firma-ogrodnik.pl", sender_name="Jan K.")
    receive(desk, clock, who="ola@x.pl", sender_name="Ola", subject="Faktura")
    assert [t.number for t in desk.list_queue("open", search="firma-ogrodnik").tickets] == [jan]
    assert [t.number for t in desk.list_queue("open", search="Jan.Kowalski@").tickets] == [jan]
    assert desk.list_queue("open", search="kowalski@x.pl").total == 0


def test_take_next_hands_out_the_most_urgent_unassigned(desk: Desk, clock: FrozenClock) -> None:
    a = receive(desk, clock, who="a@x.pl")
    b = receive(desk, clock, who="b@x.pl")
    desk.set_priority(b, "urgent", reason="outage")
    got = desk.take_next()
    assert got is not None and got.number == b and got.assignee == "ann"
    got2 = desk.acting_as("pavel").take_next()
    assert got2 is not None and got2.number == a
    assert desk.acting_as("marta").take_next() is None


def test_tags_and_search(desk: Desk, clock: FrozenClock) -> None:
    ru = receive(
        desk, clock, who="olga@x.ru", sender_name="Ольга Смирнова", subject="Не работает ТЕЛЕФОНИЯ"
    )
    pl = receive(desk, clock, who="jan@x.pl", subject="Faktura VAT za listopad")
    desk.set_tags(pl, add=["Billing", "#vat"])
    assert desk.get_ticket(pl).summary.tags == ("billing", "vat")
    assert [t.number for t in desk.list_queue("open", search="телефония").tickets] == [ru]
    assert [t.number for t in desk.list_queue("open", search="ольга").tickets] == [ru]
    assert [t.number for t in desk.list_queue("open", search="vat").tickets] == [pl]
    assert [t.number for t in desk.list_queue("open", search=f"#{pl}").tickets] == [pl]
    assert desk.list_queue("open", search="100%_'\"").total == 0
    with pytest.raises(InvalidInput, match="tag"):
        desk.set_tags(pl, add=["two words"])
    desk.set_tags(pl, remove=["vat"])
    assert desk.get_ticket(pl).summary.tags == ("billing",)


def test_roles_and_unknown_agents(desk: Desk, clock: FrozenClock, database: Database) -> None:
    number = receive(desk, clock)
    with pytest.raises(NotPermitted, match="no agent named 'ghost'"):
        desk.acting_as("ghost").take(number)
    with pytest.raises(NotPermitted, match="who are you"):
        desk.acting_as(None).take(number)
    with pytest.raises(NotPermitted, match="may not assign tickets to colleagues"):
        desk.acting_as("kasia").assign(number, "pavel")
    with pytest.raises(NotPermitted, match="may not manage agents"):
        desk.add_agent("zed", "Zed")
    with pytest.raises(NotFound, match="#999999"):
        desk.take(999999)
    assert desk.assign(number, "pavel").assignee == "pavel"


def test_the_agent_is_checked_before_the_ticket_it_acts_on(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    """Take next, reply and status read the agent with the ticket they lock, in one
    statement: who acts is still refused first, whether the ticket exists or not, and a
    refused take leaves the ticket waiting for someone else."""
    number = receive(desk, clock)
    before = desk.get_ticket(number).summary
    for who, refusal in (("ghost", "no agent named 'ghost'"), (None, "who are you")):
        stranger = desk.acting_as(who)
        with pytest.raises(NotPermitted, match=refusal):
            stranger.take_next()
        for target in (number, 999999, 0):
            with pytest.raises(NotPermitted, match=refusal):
                stranger.set_status(target, "pending")
            with pytest.raises(NotPermitted, match=refusal):
                stranger.queue_reply(target, "Dzień dobry,\nsprawdzamy to.")
    with database.write_session() as session, session.begin():
        session.execute(update(Agent).where(Agent.name == "pavel").values(active=False))  # type: ignore[arg-type]
    pavel = desk.acting_as("pavel")
    with pytest.raises(NotPermitted, match="'pavel' is deactivated"):
        pavel.take_next()
    with pytest.raises(NotPermitted, match="'pavel' is deactivated"):
        pavel.set_status(999999, "pending")
    with pytest.raises(NotFound, match="#999999"):
        desk.set_status(999999, "pending")
    with pytest.raises(NotFound, match="#999999"):
        desk.queue_reply(999999, "Dzień dobry,\nsprawdzamy to.")
    assert desk.get_ticket(number).summary == before
    taken = desk.take_next()
    assert taken is not None and taken.number == number and taken.assignee == "ann"
    # The queue empty: nothing to take, and still who asks is checked first.
    assert desk.take_next() is None
    with pytest.raises(NotPermitted, match="'pavel' is deactivated"):
        pavel.take_next()


def test_take_next_returns_to_a_ticket_the_agent_claimed_and_skips_others_claims(
    desk: Desk, clock: FrozenClock
) -> None:
    """A claim (a reply begun, a ticket given back) keeps a waiting ticket from colleagues
    until it lapses; its holder still gets it."""
    number = receive(desk, clock)
    desk.save_draft(number, "reply", "Dzień dobry,\npiszę odpowiedź.")
    summary = desk.get_ticket(number).summary
    assert summary.assignee is None and summary.claimed_by == "ann"
    assert desk.acting_as("pavel").take_next() is None
    taken = desk.take_next()
    assert taken is not None and taken.number == number and taken.claimed_by == "ann"
    # Another one claimed by pavel, whose claim has lapsed: anyone may take it.
    other = receive(desk, clock, who="b@x.pl")
    desk.acting_as("pavel").save_draft(other, "reply", "Dzień dobry,\nzaraz.")
    assert desk.take_next() is None
    clock.advance(hours=1)
    taken = desk.take_next()
    assert taken is not None and taken.number == other and taken.claimed_by == "ann"


def test_first_agent_must_be_a_lead_and_trainee_needs_a_mentor(
    database: Database, clock: FrozenClock
) -> None:
    bare = Desk(database, clock)
    with pytest.raises(InvalidInput, match="first agent of a new database must be a lead"):
        bare.add_agent("ann", "Ann", "agent")
    bare.add_agent("marta", "Marta", "lead")
    lead = bare.acting_as("marta")
    with pytest.raises(InvalidInput, match="needs a mentor"):
        lead.add_agent("kasia", "Kasia", "trainee")
    with pytest.raises(InvalidInput, match="lower-case letters"):
        lead.add_agent("Bad Name", "x")
    with pytest.raises(InvalidInput, match="already an agent"):
        lead.add_agent("marta", "Marta again", "lead")
    assert [a.name for a in lead.list_agents()] == ["marta"]


def test_team_settings_import_recomputes_and_bad_import_changes_nothing(
    desk: Desk, clock: FrozenClock
) -> None:
    number = receive(desk, clock)
    before = desk.get_ticket(number).summary.clock("first_response")
    assert before is not None and before.target_seconds == 3600
    document = default_document()
    for policy in document["sla"]["policy"]:
        if policy["channel"] == "email" and policy["priority"] == "*":
            policy["first_response"] = "2h"
    with pytest.raises(NotPermitted):
        desk.save_team_settings(parse_document(document))
    recomputed = desk.acting_as("marta").save_team_settings(parse_document(document))
    assert recomputed == 1
    after = desk.get_ticket(number).summary.clock("first_response")
    assert after is not None and after.target_seconds == 7200
    broken = default_document()
    broken["sla"]["policy"][0]["first_response"] = "soon"
    with pytest.raises(TeamSettingsError, match=r"sla.policy\[0\].first_response = 'soon'"):
        parse_document(broken, "team.toml")
    assert desk.team_settings().document == parse_document(document).document


def test_change_feed_reports_touched_tickets(desk: Desk, clock: FrozenClock) -> None:
    from supportdesk.store.changes import ChangeFeed

    feed = ChangeFeed(desk)
    feed.start()
    assert feed.poll().empty
    number = receive(desk, clock)
    changes = feed.poll()
    assert number in changes.ticket_numbers and "received" in changes.kinds
    assert feed.poll().empty


def test_change_feed_says_who_assigned_or_mentioned_whom(desk: Desk, clock: FrozenClock) -> None:
    """What a console needs to tell "assigned to you by Marta" from a ticket it took."""
    from supportdesk.store.changes import ChangeFeed
    from supportdesk.store.dto import Assignment, Mention

    number = receive(desk, clock)
    feed = ChangeFeed(desk)
    feed.start()
    other = receive(desk, clock, who="b@x.pl")
    desk.acting_as("marta").assign(number, "pavel")
    desk.take(other)
    marta = desk.acting_as("marta").whoami()
    me = desk.whoami()
    assert marta is not None and me is not None
    desk.acting_as("pavel").add_note(number, "@ann @marta have a look")
    changes = feed.poll()
    assert changes.assignments == (
        Assignment(number, "pavel", marta.id),
        Assignment(other, "ann", me.id),
    )
    pavel = desk.acting_as("pavel").whoami()
    assert pavel is not None
    assert changes.mentions == (Mention(number, ("ann", "marta"), pavel.id),)


def test_change_feed_sees_a_transaction_that_commits_late(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    """On PostgreSQL ids are handed out at insert and become visible at commit, out of order."""
    from sqlalchemy import text

    from supportdesk.store.changes import ChangeFeed

    early = receive(desk, clock, who="a@x.pl")
    feed = ChangeFeed(desk)
    feed.start()
    slow = database.write_engine.connect()
    transaction = slow.begin()
    ticket_id = slow.execute(text("SELECT id FROM ticket WHERE number = :n"), {"n": early}).scalar()
    if database.is_sqlite:
        # SQLite serialises writers, so the late commit cannot overtake; commit it first.
        slow.execute(
            text("INSERT INTO event (at, ticket_id, kind, data) VALUES (:at, :t, 'tags', '{}')"),
            {"at": clock.now().replace(tzinfo=None), "t": ticket_id},
        )
        transaction.commit()
        later = receive(desk, clock, who="b@x.pl")
        changes = feed.poll()
        assert {early, later} <= changes.ticket_numbers
    else:
        slow.execute(
            text("INSERT INTO event (at, ticket_id, kind, data) VALUES (:at, :t, 'tags', '{}')"),
            {"at": clock.now(), "t": ticket_id},
        )
        later = receive(desk, clock, who="b@x.pl")  # takes a higher id, commits first
        first = feed.poll()
        assert later in first.ticket_numbers and early not in first.ticket_numbers
        transaction.commit()
        second = feed.poll()
        assert second.ticket_numbers == {early}
    slow.close()
    assert feed.poll().empty


def test_ticket_numbers_are_sequential_from_1001(desk: Desk, clock: FrozenClock) -> None:
    assert [receive(desk, clock, who=f"c{i}@x.pl") for i in range(3)] == [1001, 1002, 1003]


def test_read_only_database_refuses_every_write(
    database_url: str, desk: Desk, clock: FrozenClock
) -> None:
    from supportdesk.store.db import open_database

    number = receive(desk, clock)
    readonly = open_database(database_url, readonly=True)
    try:
        viewer = Desk(readonly, clock, agent="marta")
        assert viewer.get_ticket(number).number == number
        with pytest.raises(NotPermitted, match="read-only"):
            viewer.take(number)
        # The session itself refuses writes, not only the Desk.
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError), readonly.read_session() as session, session.begin():
            session.execute(text("UPDATE ticket SET subject = 'x'"))
    finally:
        readonly.dispose()
    assert desk.get_ticket(number).summary.subject != "x"


def test_view_counts(desk: Desk, clock: FrozenClock) -> None:
    a = receive(desk, clock, who="a@x.pl")
    receive(desk, clock, who="b@x.pl")
    desk.take(a)
    counts = desk.view_counts()
    assert counts["open"] == 2 and counts["mine"] == 1 and counts["unassigned"] == 1


def test_summary_json_shape(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    data = desk.get_ticket(number).to_json()
    for key in (
        "number",
        "subject",
        "status",
        "priority",
        "category",
        "channel",
        "customer",
        "assignee",
        "created_at",
        "first_response_at",
        "tags",
        "sla",
        "messages",
        "notes",
    ):
        assert key in data
    assert data["created_at"].endswith("+00:00")
    assert data["sla"]["first_response"]["state"] == "ok"
    assert data["sla"]["first_response"]["due_at"] == (clock.now() + timedelta(hours=1)).isoformat()
    assert isinstance(desk.get_ticket(number).summary, dto.TicketSummary)


def test_drafts_survive_and_claim_the_ticket(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    version = desk.get_ticket(number).version
    desk.save_draft(number, "reply", "Dzień dobry, sprawdz", base_version=version)
    clock.advance(seconds=2)
    desk.save_draft(number, "reply", "Dzień dobry, sprawdzam to teraz.")
    draft = desk.get_draft(number, "reply")
    assert draft is not None and draft.body == "Dzień dobry, sprawdzam to teraz."
    assert draft.base_version == version
    # Colleagues see who is replying; the claim is one event, not one per keystroke.
    assert desk.acting_as("pavel").get_ticket(number).summary.claimed_by == "ann"
    assert desk.acting_as("pavel").get_draft(number, "reply") is None
    assert count(database, Event, Event.kind == "claimed") == 1
    desk.queue_reply(number, draft.body, conversation_since=draft.base_version)
    assert desk.get_draft(number, "reply") is None
    desk.save_draft(number, "note", "@pavel")
    desk.discard_draft(number, "note")
    assert desk.get_draft(number, "note") is None


def test_reply_refused_when_the_customer_wrote_meanwhile(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    started = desk.get_ticket(number).version
    desk.acting_as("pavel").set_tags(number, add=["billing"])
    # A colleague's tag change is no reason to stop a reply...
    desk.save_draft(number, "reply", "x", base_version=started)
    clock.advance(minutes=1)
    receive(desk, clock, ticket_number=number, text="Halo? Czy ktoś tu jest?")
    # ...a new customer message is.
    from supportdesk.store.desk import ConversationMoved

    with pytest.raises(ConversationMoved, match="the customer wrote again"):
        desk.queue_reply(number, "Sprawdzamy.", conversation_since=started)
    assert desk.get_draft(number, "reply") is not None
    desk.queue_reply(number, "Sprawdzamy.", conversation_since=desk.get_ticket(number).version)


def test_two_identities_of_one_person_merge(desk: Desk, clock: FrozenClock) -> None:
    by_mail = receive(desk, clock, who="olga@firma.ru", sender_name="Ольга")
    by_telegram = (
        desk.acting_as(None)
        .receive(
            channel="telegram",
            account="bot",
            identity_kind="telegram",
            identity_value="777",
            sender_name="Olga S.",
            subject="Звонки",
            text="Это снова я",
            at=clock.now(),
        )
        .ticket_number
    )
    merged = desk.merge_customers("olga@firma.ru", "tg:777")
    assert merged.emails == ("olga@firma.ru",) and merged.telegram_ids == ("777",)
    mail_ticket = desk.get_ticket(by_mail)
    assert mail_ticket.summary.customer.telegram_ids == ("777",)
    assert [b.number for b in mail_ticket.customer_tickets] == [by_telegram]
    # New messages from the merged-away identity land on the surviving customer.
    again = desk.acting_as(None).receive(
        channel="telegram",
        account="bot",
        identity_kind="telegram",
        identity_value="777",
        sender_name="Olga S.",
        subject="x",
        text="y",
        at=clock.now(),
    )
    assert desk.get_ticket(again.ticket_number).summary.customer.id == merged.id
    with pytest.raises(InvalidInput, match="already the same customer"):
        desk.merge_customers("777", "olga@firma.ru")
    with pytest.raises(NotFound, match="no customer has the email identity"):
        desk.merge_customers("nobody@x.pl", "777")


def test_review_findings_hold(desk: Desk, clock: FrozenClock, database: Database) -> None:
    """Edge cases a review found: each once broke something."""
    number = receive(desk, clock, who="alice@corp.com", sender_name="Alice")
    # A 26-digit bank account number typed into the filter is a search, not a crash.
    assert desk.list_queue("open", search="12345678901234567890123456").total == 0
    with pytest.raises(NotFound):
        desk.get_ticket(10**20)
    # A stranger writing into the ticket is flagged, and replies still go to the customer.
    receive(desk, clock, who="mallory@evil.com", sender_name="Mallory", ticket_number=number)
    flagged = desk.get_ticket(number).messages[-1]
    assert flagged.thread_note and "not this ticket's customer" in flagged.thread_note
    reply = desk.queue_reply(number, "Dzień dobry")
    with database.read_session() as session:
        row = session.get(Message, reply.id)
        assert row is not None and row.recipients == ["alice@corp.com"]
    # Addresses carrying terminal controls are refused at the door.
    with pytest.raises(InvalidInput, match="is not an address"):
        receive(desk, clock, who="x\x1b]0;owned\x07@example.com")


def test_sla_runs_from_receipt_not_from_the_senders_clock(desk: Desk, clock: FrozenClock) -> None:
    backdated = receive(desk, clock, at=clock.now() - timedelta(hours=3))
    first = desk.get_ticket(backdated).summary.clock("first_response")
    assert first is not None and first.state == "ok"
    assert first.due_at == clock.now() + timedelta(hours=1)


def test_trainee_reply_leaves_the_status_until_approved(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    desk.acting_as("kasia").queue_reply(number, "Proszę czekać.", status_after="pending")
    summary = desk.get_ticket(number).summary
    assert summary.status == "open" and not summary.sla_paused


def test_breached_view_includes_paused_tickets_already_over(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    clock.advance(hours=2)
    desk.set_status(number, "pending")
    assert desk.get_ticket(number).summary.sla_state == "breached"
    assert [t.number for t in desk.list_queue("breached").tickets] == [number]


def test_search_folds_the_same_on_both_databases(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock, subject="Adres: Hauptstraße 5, Gößmann GmbH")
    for needle in ("straße", "Hauptstraße", "GÖßMANN"):
        assert [t.number for t in desk.list_queue("open", search=needle).tickets] == [number]


def test_merge_moves_the_conversation_and_closes_the_duplicate(
    desk: Desk, clock: FrozenClock
) -> None:
    first = receive(desk, clock, who="jan@x.pl", text="Telefony nie działają")
    clock.advance(minutes=3)
    second = receive(desk, clock, who="jan@x.pl", text="Dalej nie działają!")
    desk.add_note(second, "to samo co wyżej")
    survivor = desk.merge_tickets(second, first)
    assert survivor.number == first and survivor.message_count == 2
    merged = desk.get_ticket(second)
    assert merged.summary.status == "closed" and merged.merged_into == first
    assert merged.messages == () and merged.notes == ()
    detail = desk.get_ticket(first)
    assert [m.text for m in detail.messages] == ["Telefony nie działają", "Dalej nie działają!"]
    assert [n.body for n in detail.notes] == ["to samo co wyżej"]
    assert any(
        e.kind == "status" and e.data.get("reason") == f"merged into #{first}"
        for e in merged.events
    )
    with pytest.raises(InvalidInput, match=r"already merged|closed"):
        desk.merge_tickets(second, first)
    with pytest.raises(NotPermitted, match="may not close tickets"):
        desk.acting_as("kasia").merge_tickets(first, receive(desk, clock, who="z@x.pl"))


def test_split_a_message_into_its_own_ticket(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock, text="Nie działa nagrywanie")
    clock.advance(minutes=10)
    receive(desk, clock, ticket_number=number, subject="I jeszcze faktura", text="Proszę o fakturę")
    message = desk.get_ticket(number).messages[-1]
    new = desk.split_message(number, message.id)
    assert new.number != number and new.subject == "I jeszcze faktura"
    assert [m.text for m in desk.get_ticket(new.number).messages] == ["Proszę o fakturę"]
    assert [m.text for m in desk.get_ticket(number).messages] == ["Nie działa nagrywanie"]
    assert desk.get_ticket(new.number).follow_up_of == number
    with pytest.raises(InvalidInput, match="only message"):
        desk.split_message(number, desk.get_ticket(number).messages[0].id)


def test_failed_reply_can_be_retried_or_discarded(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    reply = desk.queue_reply(number, "Pierwsza odpowiedź")
    with pytest.raises(InvalidInput, match="only failed or unknown"):
        desk.retry_delivery(reply.id)
    with database.write_session() as session, session.begin():
        row = session.get(Message, reply.id)
        assert row is not None
        row.delivery_state, row.delivery_error = "failed", "554 mailbox unavailable"
        item = session.scalars(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one()
        item.state = "failed"
    assert desk.retry_delivery(reply.id).delivery_state == "queued"
    with database.read_session() as session:
        assert (
            session.scalars(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one().state
            == "queued"
        )
    with database.write_session() as session, session.begin():
        row = session.get(Message, reply.id)
        assert row is not None
        row.delivery_state = "unknown"
    assert desk.discard_delivery(reply.id).delivery_state == "discarded"
    # A discarded reply never reached the customer: the first response is not met by it.
    first = desk.get_ticket(number).summary.clock("first_response")
    assert first is not None and first.stopped_at is None


def test_attachments_by_content_hash_saved_without_overwriting(
    desk: Desk, clock: FrozenClock, tmp_path
) -> None:
    number = receive(desk, clock)
    message_id = desk.get_ticket(number).messages[0].id
    first = desk.acting_as(None).store_attachment(
        message_id, "../../faktura.pdf", "application/pdf", b"%PDF-1"
    )
    again = desk.acting_as(None).store_attachment(
        message_id, "kopia.pdf", "application/pdf", b"%PDF-1"
    )
    assert first.filename == "faktura.pdf" and first.sha256 == again.sha256
    skipped = desk.acting_as(None).store_attachment(
        message_id, "film.mp4", "video/mp4", None, note="too large (31 MB), left on the server"
    )
    shown = desk.get_ticket(number).messages[0].attachments
    assert [a.filename for a in shown] == ["faktura.pdf", "kopia.pdf", "film.mp4"]
    out = tmp_path / "out"
    saved = desk.save_attachment(first.id, out)
    assert saved == out / "faktura.pdf" and saved.read_bytes() == b"%PDF-1"
    assert desk.save_attachment(first.id, out) == out / "faktura (2).pdf"
    with pytest.raises(NotFound, match="was not kept: too large"):
        desk.save_attachment(skipped.id, out)


def test_batch_threading_by_reference_and_token_in_one_transaction(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    from supportdesk.store.dto import ChannelStateUpdate, InboundItem, ThreadClues

    def mail(who: str, message_id: str, subject: str, **clues: object) -> InboundItem:
        return InboundItem(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value=who,
            sender_name=None,
            subject=subject,
            text="…",
            at=clock.now(),
            external_id=message_id,
            thread=ThreadClues(**clues),  # type: ignore[arg-type]
        )

    results = desk.acting_as(None).receive_batch(
        [
            mail("jan@x.pl", "<1@x.pl>", "Brak nagrań"),
            # Answers the first message of this very batch.
            mail("jan@x.pl", "<2@x.pl>", "Re: Brak nagrań", in_reply_to=("<1@x.pl>",)),
            mail("ola@y.pl", "<3@y.pl>", "Inna sprawa"),
        ],
        channel_state=ChannelStateUpdate(
            "email", "support", "imap:INBOX", {"uidvalidity": 7, "last_uid": 3}
        ),
    )
    first, second, third = results
    assert second.ticket_number == first.ticket_number and not second.created_ticket
    assert third.created_ticket and third.ticket_number != first.ticket_number
    assert desk.channel_state("support", "imap:INBOX") == {"uidvalidity": 7, "last_uid": 3}
    token = desk.acting_as(None).receive_batch(
        [
            mail(
                "jan@x.pl",
                "<4@x.pl>",
                f"Re: cokolwiek [#{third.ticket_number}]",
                tokens=(third.ticket_number,),
            )
        ]
    )[0]
    assert token.ticket_number == third.ticket_number
    message = desk.get_ticket(third.ticket_number).messages[-1]
    assert message.thread_rule == "subject_token" and message.thread_note
    # A repeat of a stored message only moves the channel's position.
    again = desk.acting_as(None).receive_batch(
        [mail("jan@x.pl", "<1@x.pl>", "Brak nagrań")],
        channel_state=ChannelStateUpdate(
            "email", "support", "imap:INBOX", {"uidvalidity": 7, "last_uid": 9}
        ),
    )[0]
    assert again.duplicate
    assert desk.channel_state("support", "imap:INBOX") == {"uidvalidity": 7, "last_uid": 9}


def test_bounce_marks_the_reply_failed(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    reply = desk.queue_reply(number, "Dzień dobry")
    assert reply.external_id
    bounced = desk.acting_as(None).mark_bounced(
        "support", [reply.external_id], "550 5.1.1 user unknown"
    )
    assert bounced == [number]
    message = desk.get_ticket(number).messages[-1]
    assert message.delivery_state == "failed"
    assert message.delivery_error == "bounced: 550 5.1.1 user unknown"
    assert desk.acting_as(None).mark_bounced("other", [reply.external_id], "x") == []


def test_outbox_claims_once_and_a_lost_sender_becomes_unknown(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    reply = desk.queue_reply(number, "Dzień dobry")
    system = desk.acting_as(None)
    claimed = system.claim_outgoing("w1", channel="email", lease_seconds=60)
    assert [c.message_id for c in claimed] == [reply.id]
    assert claimed[0].recipients == ("jan@example.pl",)
    assert claimed[0].subject.endswith(f"[#{number}]")
    # Nobody else gets it while it is being sent.
    assert system.claim_outgoing("w2", channel="email") == []
    # The sender died: after the lease it is unknown, never sent again by itself.
    clock.advance(seconds=61)
    assert system.claim_outgoing("w2", channel="email") == []
    message = desk.get_ticket(number).messages[-1]
    assert message.delivery_state == "unknown" and "may or may not have arrived" in (
        message.delivery_error or ""
    )
    # The agent decides to send it again.
    desk.retry_delivery(reply.id)
    again = system.claim_outgoing("w2", channel="email")
    system.finish_delivery(
        again[0].outbox_id,
        "retry",
        error="451 try later",
        retry_at=clock.now() + timedelta(minutes=5),
    )
    assert system.claim_outgoing("w2", channel="email") == []
    clock.advance(minutes=6)
    third = system.claim_outgoing("w2", channel="email")
    assert third[0].attempts == 3
    system.finish_delivery(third[0].outbox_id, "sent")
    assert desk.get_ticket(number).messages[-1].delivery_state == "sent"


def test_failed_delivery_reopens_the_first_response_clock(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    desk.queue_reply(number, "Dzień dobry")
    system = desk.acting_as(None)
    claimed = system.claim_outgoing("w1", channel="email")
    system.finish_delivery(claimed[0].outbox_id, "failed", error="554 no such user")
    first = desk.get_ticket(number).summary.clock("first_response")
    assert first is not None and first.stopped_at is None


def test_what_take_reply_and_status_return_is_what_is_stored(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    # On PostgreSQL these actions end in one combined statement (ticket row, report facts,
    # events; message, outbox row, draft): a column left out there would show here.
    number = receive(desk, clock, who="ola@example.pl")
    desk.set_tags(number, add=["vpn", "billing"])
    taken = desk.take_next()
    assert taken is not None and taken.number == number
    assert taken.tags == ("billing", "vpn") and taken.customer.emails == ("ola@example.pl",)
    assert taken.claimed_by == "ann" and taken.status == "open"
    assert dataclasses.replace(desk.get_ticket(number).summary, clocks=()) == dataclasses.replace(
        taken, clocks=()
    )
    desk.save_draft(number, "reply", "Dzień dobry")
    clock.advance(minutes=3)
    reply = desk.queue_reply(number, "Dzień dobry, sprawdzamy.")
    assert desk.get_draft(number, "reply") is None
    with database.read_session() as session:
        item = session.scalars(select(OutboxItem).where(OutboxItem.message_id == reply.id)).one()
        assert item.state == "queued" and item.attempts == 0
    clock.advance(minutes=1)
    solved = desk.set_status(number, "solved")
    stored = desk.acting_as("pavel").get_ticket(number).summary
    # The ticket view explains its clocks in words; the rest must be the same.
    assert dataclasses.replace(stored, clocks=()) == dataclasses.replace(solved, clocks=())
    assert [(c.kind, c.state, c.stopped_at) for c in stored.clocks] == [
        (c.kind, c.state, c.stopped_at) for c in solved.clocks
    ]
    row = ticket_row(database, number)
    assert (row.version, row.status, row.message_count) == (solved.version, "solved", 2)
    assert row.first_response_at is not None and row.solved_at is not None
    assert [e.data.get("version") for e in desk.get_ticket(number).events][-3:] == [
        taken.version,
        solved.version - 1,
        solved.version,
    ]
