"""Escalation to the second line on real SQLite and PostgreSQL: escalate, return as
incomplete, re-escalate, hand back; the refusals; the return rate on a known history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from supportdesk.clock import FrozenClock
from supportdesk.store.db import Database
from supportdesk.store.desk import (
    Desk,
    EscalationIncomplete,
    InvalidInput,
    NotFound,
    NotPermitted,
    StaleTicket,
)
from supportdesk.store.models import Escalation, Event, Ticket
from supportdesk.store.teamsettings import default_document, parse_document, to_toml
from tests.store.test_desk import receive, ticket_row

COMPLETE = {
    "What was checked": "SIP trunk registration, the call log, the number's routing",
    "Steps to reproduce": "Call +48 22 000 00 00 from any mobile: it rings once and drops",
    "Customer impact": "The whole sales team (12 people) gets no incoming calls since 9:00",
}


@pytest.fixture
def team(desk: Desk) -> Desk:
    """ann (first line) with a second line of pavel and olena."""
    lead = desk.acting_as("marta")
    lead.add_agent("olena", "Олена Коваль", "agent")
    lead.set_group_members("second-line", add=["pavel", "olena"])
    return desk


def rows(database: Database, number: int) -> list[Escalation]:
    with database.read_session() as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        return list(
            session.scalars(
                select(Escalation)
                .where(Escalation.ticket_id == ticket_id)
                .order_by(Escalation.round)
            )
        )


def event_kinds(database: Database, number: int) -> list[str]:
    with database.read_session() as session:
        ticket_id = session.scalars(select(Ticket.id).where(Ticket.number == number)).one()
        return list(
            session.scalars(
                select(Event.kind).where(Event.ticket_id == ticket_id).order_by(Event.id)
            )
        )


def test_groups_are_listed_with_the_agents(team: Desk) -> None:
    groups = team.agent_groups()
    assert [(g.name, g.members) for g in groups] == [("second-line", ("olena", "pavel"))]
    by_name = {a.name: a for a in team.list_agents()}
    assert by_name["pavel"].groups == ("second-line",)
    assert by_name["ann"].groups == ()
    assert by_name["pavel"].to_json()["groups"] == ["second-line"]
    team.acting_as("marta").set_group_members("second-line", remove=["olena"])
    assert team.agent_groups()[0].members == ("pavel",)


def test_only_a_lead_manages_groups(team: Desk) -> None:
    with pytest.raises(NotPermitted, match="manage agents"):
        team.set_group_members("second-line", add=["ann"])
    with pytest.raises(NotFound, match="zoe"):
        team.acting_as("marta").set_group_members("second-line", add=["zoe"])
    with pytest.raises(InvalidInput, match="lower-case"):
        team.acting_as("marta").set_group_members("Second Line", add=["ann"])


def test_escalate_moves_the_ticket_to_the_group_and_keeps_the_fields(
    team: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(team, clock)
    team.take(number)
    version = team.get_ticket(number).version
    info = team.escalate(number, COMPLETE, expected_version=version)
    assert (info.round, info.state, info.group, info.escalated_by) == (
        1,
        "open",
        "second-line",
        "ann",
    )
    row = ticket_row(database, number)
    assert row.assignee_id is None and row.version == version + 1
    [stored] = rows(database, number)
    assert stored.fields == [{"name": k, "value": v} for k, v in COMPLETE.items()]
    assert "escalated" in event_kinds(database, number)
    detail = team.get_ticket(number)
    assert detail.open_escalation is not None
    assert detail.open_escalation.escalated_by_display == "Ann Novak"
    # In the Second line view, and out of Unassigned and take-next (it is the group's now).
    assert [t.number for t in team.list_queue("second_line").tickets] == [number]
    assert number not in [t.number for t in team.list_queue("unassigned").tickets]
    assert team.view_counts()["second_line"] == 1
    assert team.acting_as("ann").take_next() is None
    # The first line does not take it back by pressing `a`: it is the group's now.
    with pytest.raises(NotPermitted, match="one of its members takes it"):
        team.take(number)
    # A member takes it.
    taken = team.acting_as("pavel").take(number)
    assert taken.assignee == "pavel"


def test_the_supervisors_unassigned_leaves_out_the_second_lines_queue(
    team: Desk, clock: FrozenClock
) -> None:
    """An escalated ticket nobody took waits in the second line's queue: the dashboard's
    Unassigned (count and drill-down) agrees with the console's Unassigned view."""
    waiting = receive(team, clock)
    escalated = receive(team, clock, who="eva@example.com")
    assert team.queue_health().total.unassigned == 2
    team.escalate(escalated, COMPLETE)
    total = team.queue_health().total
    assert (total.open, total.unassigned) == (2, 1)
    assert [t.number for t in team.health_tickets("unassigned").tickets] == [waiting]
    assert {t.number for t in team.health_tickets("open").tickets} == {escalated, waiting}
    assert team.view_counts()["unassigned"] == 1


def test_escalate_to_a_chosen_member(team: Desk, clock: FrozenClock, database: Database) -> None:
    number = receive(team, clock)
    team.escalate(number, COMPLETE, to="olena")
    assert team.get_ticket(number).summary.assignee == "olena"
    with pytest.raises(InvalidInput, match="not an active member"):
        other = receive(team, clock, who="eva@example.com")
        team.escalate(other, COMPLETE, to="marta")


def test_incomplete_escalations_are_refused_field_by_field(
    team: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(team, clock)
    before = ticket_row(database, number).version
    with pytest.raises(EscalationIncomplete) as refused:
        team.escalate(
            number,
            {"What was checked": "n/a", "Customer impact": COMPLETE["Customer impact"]},
        )
    assert refused.value.problems == {
        "What was checked": "“What was checked” is too short (3 characters, at least 10): "
        "write what you found, not “n/a” or “see above”",
        "Steps to reproduce": "“Steps to reproduce” is empty: the second line needs it "
        "(at least 10 characters)",
    }
    with pytest.raises(EscalationIncomplete, match="“Severity” is not an escalation field"):
        team.escalate(number, {**COMPLETE, "Severity": "high, very high"})
    assert rows(database, number) == []
    assert ticket_row(database, number).version == before


def test_team_fields_are_required_too(team: Desk, clock: FrozenClock) -> None:
    document = default_document()
    document["escalation"]["fields"].append("Account ID")
    document["escalation"]["min_length"] = 5
    team.acting_as("marta").save_team_settings(parse_document(document))
    number = receive(team, clock)
    with pytest.raises(EscalationIncomplete, match="“Account ID” is empty"):
        team.escalate(number, COMPLETE)
    info = team.escalate(number, {**COMPLETE, "account id": "ACME-42"})
    assert info.fields[-1] == ("Account ID", "ACME-42")
    assert team.escalation_setup().fields[-1] == "Account ID"


def test_return_as_incomplete_then_re_escalate_keeps_history(
    team: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(team, clock)
    team.take(number)
    team.escalate(number, COMPLETE)
    pavel = team.acting_as("pavel")
    pavel.take(number)
    version = team.get_ticket(number).version
    returned = pavel.return_escalation(
        number, "Which SIP provider? Attach the call ID.", expected_version=version
    )
    assert returned.state == "returned" and returned.closed_by == "pavel"
    detail = team.get_ticket(number)
    assert detail.summary.assignee == "ann"
    assert detail.open_escalation is None
    assert detail.escalations[-1].comment == "Which SIP provider? Attach the call ID."
    assert team.list_queue("second_line").total == 0
    clock.advance(minutes=20)
    better = {**COMPLETE, "What was checked": COMPLETE["What was checked"] + "; provider Orange"}
    again = team.escalate(number, better)
    assert again.round == 2
    history = rows(database, number)
    assert [(r.round, r.state) for r in history] == [(1, "returned"), (2, "open")]
    assert history[0].comment == "Which SIP provider? Attach the call ID."
    kinds = event_kinds(database, number)
    assert kinds.count("escalated") == 2 and kinds.count("escalation_returned") == 1


def test_hand_back_when_done(team: Desk, clock: FrozenClock, database: Database) -> None:
    number = receive(team, clock)
    team.take(number)
    team.escalate(number, COMPLETE, to="olena")
    done = team.acting_as("olena").hand_back(number, "Trunk re-registered; calls come in again.")
    assert done.state == "handed_back"
    assert ticket_row(database, number).assignee_id is not None
    assert team.get_ticket(number).summary.assignee == "ann"
    assert "escalation_handed_back" in event_kinds(database, number)


def test_refusals(team: Desk, clock: FrozenClock, database: Database) -> None:
    number = receive(team, clock)
    team.take(number)
    # Someone else's ticket: only its agent or a lead escalates it.
    with pytest.raises(NotPermitted, match="only the agent working on it"):
        team.acting_as("pavel").escalate(number, COMPLETE)
    with pytest.raises(InvalidInput, match="not with the second line"):
        team.acting_as("pavel").return_escalation(number, "What is missing?")
    version = team.get_ticket(number).version
    team.escalate(number, COMPLETE, expected_version=version)
    with pytest.raises(InvalidInput, match="already with the second line"):
        team.escalate(number, COMPLETE)
    # Only members (or a lead) send it back; a comment is required.
    with pytest.raises(NotPermitted, match="only its members or a lead"):
        team.return_escalation(number, "Looks fine to me")
    with pytest.raises(NotPermitted, match="only its members or a lead"):
        team.acting_as("kasia").hand_back(number, "done")
    with pytest.raises(InvalidInput, match="needs a comment"):
        team.acting_as("pavel").return_escalation(number, "   ")
    # A stale view is refused with what changed.
    with pytest.raises(StaleTicket, match="escalated it to second-line"):
        team.acting_as("pavel").return_escalation(number, "Which number?", expected_version=version)
    # A lead may, without being in the group.
    team.acting_as("marta").hand_back(number, "Solved by the provider")
    assert [r.state for r in rows(database, number)] == ["handed_back"]


def test_a_trainee_escalates_and_the_mentor_is_named(
    team: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(team, clock)
    team.acting_as("kasia").escalate(number, COMPLETE)
    with database.read_session() as session:
        event = session.scalars(select(Event).where(Event.kind == "escalated")).one()
    assert event.data["mentor"] == "marta"


def test_an_empty_group_is_refused(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    with pytest.raises(InvalidInput, match="has no members; a lead adds them"):
        desk.escalate(number, COMPLETE)


def test_settings_round_trip_through_toml(tmp_path: object) -> None:
    document = default_document()
    document["escalation"] = {"group": "tier-2", "fields": ["Logs", "Impact"], "min_length": 20}
    settings = parse_document(document)
    again = parse_document(__import__("tomllib").loads(to_toml(settings.document)))
    assert again.escalation.model_dump() == {
        "group": "tier-2",
        "fields": ["Logs", "Impact"],
        "min_length": 20,
    }
    bad = default_document()
    bad["escalation"] = {"fields": ["Logs", "logs"], "group": "Tier 2"}
    with pytest.raises(Exception, match=r"escalation.group = 'Tier 2'.*\n.*listed twice"):
        parse_document(bad)


def test_return_rate_on_a_known_history(team: Desk, clock: FrozenClock) -> None:
    """ann escalates 4 (2 returned, 1 handed back, 1 open), kasia 1 (handed back); one of
    ann's is before the period and does not count; a return's re-escalation is a new one."""
    lead = team.acting_as("marta")
    pavel = team.acting_as("pavel")
    old = receive(team, clock, who="old@example.com")
    team.escalate(old, COMPLETE)
    pavel.return_escalation(old, "Missing the call ID")
    clock.advance(days=10)
    period_start = clock.now()
    tickets = [receive(team, clock, who=f"c{i}@example.com") for i in range(4)]
    for number in tickets:
        team.escalate(number, COMPLETE)
    pavel.return_escalation(tickets[0], "Which browser?")
    pavel.return_escalation(tickets[1], "Which account?")
    pavel.hand_back(tickets[2], "Fixed")
    team.escalate(tickets[0], COMPLETE)  # round 2, still open
    kasia_ticket = receive(team, clock, who="k@example.com")
    team.acting_as("kasia").escalate(kasia_ticket, COMPLETE)
    lead.hand_back(kasia_ticket, "Explained the setting")
    clock.advance(hours=1)
    period = team.report_period("custom", first_day=(period_start + timedelta(hours=1)).date())
    stats = team.escalation_stats(period)
    by_agent = {r.agent: r for r in stats.rows}
    ann, kasia = by_agent["ann"], by_agent["kasia"]
    # ann: 5 made in the period (4 + the re-escalation), 2 returned, 1 handed back, 2 open.
    assert (ann.made, ann.returned, ann.handed_back, ann.open) == (5, 2, 1, 2)
    assert ann.return_rate == pytest.approx(0.4)
    assert (kasia.made, kasia.returned, kasia.handed_back, kasia.return_rate) == (1, 0, 1, 0.0)
    assert (stats.total.made, stats.total.returned) == (6, 2)
    assert stats.total.return_rate == pytest.approx(2 / 6)
    assert set(by_agent) == {"ann", "kasia"}
    # The earlier period holds the old one, returned: 100%.
    before = team.report_period(
        "custom",
        first_day=(period_start - timedelta(days=10)).date(),
        last_day=(period_start - timedelta(days=9)).date(),
    )
    assert [(r.agent, r.made, r.return_rate) for r in team.escalation_stats(before).rows] == [
        ("ann", 1, 1.0)
    ]
    assert stats.to_json()["rows"][0]["return_rate"] == pytest.approx(0.4)


def test_the_demo_has_a_second_line(database: Database) -> None:
    from datetime import UTC, datetime

    from supportdesk.store.demo import build_demo

    now = datetime(2026, 11, 24, 14, 10, tzinfo=UTC)
    build_demo(database, now=now)
    desk = Desk(database, FrozenClock(now), agent="pavel")
    assert [(g.name, g.members) for g in desk.agent_groups()] == [
        ("second-line", ("olena", "pavel"))
    ]
    waiting = desk.list_queue("second_line").tickets
    assert len(waiting) == 2
    assert {t.assignee for t in waiting} == {None, "pavel"}
    with database.read_session() as session:
        states = sorted(session.scalars(select(Escalation.state)))
    assert states == ["handed_back", "open", "open", "returned"]
    stats = desk.escalation_stats(desk.report_period("7d"))
    ann = next(r for r in stats.rows if r.agent == "ann")
    assert (ann.made, ann.returned, ann.return_rate) == (2, 1, 0.5)
    # The returned one is Ann's again, with Olena's comment on the ticket.
    with database.read_session() as session:
        row = session.scalars(select(Escalation).where(Escalation.state == "returned")).one()
        number = session.get(Ticket, row.ticket_id).number  # type: ignore[union-attr]
    detail = desk.get_ticket(number)
    assert detail.summary.assignee == "ann"
    assert detail.escalations[0].closed_by == "olena"
    assert "escalate again" in (detail.escalations[0].comment or "")
    # Escalating it again works on the demo data (sequences and versions continue).
    again = desk.acting_as("ann").escalate(number, COMPLETE, expected_version=detail.version)
    assert again.round == 2
