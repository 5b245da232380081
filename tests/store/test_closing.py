"""Closing rules: "solved" waits for the customer, then closes itself after three quiet
business days; a reply that is only a score is a rating, not a reopening."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from supportdesk.channels.runner import Runner
from supportdesk.clock import FrozenClock
from supportdesk.config import load_settings
from supportdesk.core.csat import rating_request, score_only
from supportdesk.core.sla import BusinessCalendar
from supportdesk.store.desk import Desk
from supportdesk.store.teamsettings import parse_document

# Friday 27 November 2026, 14:00 in Warsaw.
FRIDAY_AFTERNOON = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)


def from_jan(desk: Desk, clock: FrozenClock, subject: str, text: str, **extra: Any) -> int:
    return (
        desk.acting_as(None)
        .receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="jan@firma.pl",
            sender_name="Jan Kowalski",
            subject=subject,
            text=text,
            at=clock.now(),
            **extra,
        )
        .ticket_number
    )


def email_ticket(desk: Desk, clock: FrozenClock, language: str = "pl") -> int:
    return from_jan(desk, clock, "Faktura", "Proszę o fakturę za listopad.", language=language)


def customer_writes(desk: Desk, clock: FrozenClock, number: int, text: str) -> int:
    return from_jan(desk, clock, "Re: Faktura", text, ticket_number=number)


def test_business_days_skip_the_weekend() -> None:
    calendar = BusinessCalendar.weekly(
        "w", "Europe/Warsaw", {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    # Friday afternoon + 3 business days: the end of Wednesday, 18:00 Warsaw (17:00 UTC).
    assert calendar.after_business_days(FRIDAY_AFTERNOON, 3) == datetime(
        2026, 12, 2, 17, 0, tzinfo=UTC
    )
    always = BusinessCalendar.round_the_clock("24x7", "UTC")
    assert always.after_business_days(FRIDAY_AFTERNOON, 3) == datetime(
        2026, 12, 1, 0, 0, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("5/5", 5),
        (" 4 z 5 ", 4),
        ("Ocena: 3", 3),
        ("оценка 5!", 5),
        ("⭐⭐⭐⭐", 4),
        ("2 stars", 2),
        ("5\n\nOn Mon, 23 Nov 2026, Telvio Support wrote:\n> How did we do?", 5),
        ("It still does not work, 5 minutes of silence on every call", None),
        ("6", None),
        ("5 and thanks, but the second invoice is missing", None),
        ("", None),
    ],
)
def test_score_only(text: str, score: int | None) -> None:
    assert score_only(text) == score


def test_solved_closes_itself_after_three_quiet_business_days(
    desk: Desk, clock: FrozenClock
) -> None:
    clock.set(FRIDAY_AFTERNOON)
    number = email_ticket(desk, clock)
    desk.queue_reply(number, "Wysłaliśmy fakturę na Pana adres.", status_after="solved")
    reply = desk.get_ticket(number).messages[-1].text
    assert reply.endswith(rating_request("pl"))  # the solving email asks for a score
    clock.set(datetime(2026, 12, 2, 16, 59, tzinfo=UTC))  # Wednesday 17:59 in Warsaw
    assert desk.close_quiet_solved() == []
    clock.set(datetime(2026, 12, 2, 17, 0, tzinfo=UTC))
    assert desk.close_quiet_solved() == [number]
    detail = desk.get_ticket(number)
    assert detail.summary.status == "closed"
    assert any("no reply for 3 business days" in str(e.data) for e in detail.events)
    assert desk.close_quiet_solved() == []  # once


def test_a_customer_reply_reopens_and_stops_the_closing(desk: Desk, clock: FrozenClock) -> None:
    clock.set(FRIDAY_AFTERNOON)
    number = email_ticket(desk, clock)
    desk.queue_reply(number, "Wysłaliśmy fakturę.", status_after="solved")
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    customer_writes(desk, clock, number, "Nie dostałem jej, proszę wysłać jeszcze raz.")
    assert desk.get_ticket(number).summary.status == "open"
    clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
    assert desk.close_quiet_solved() == []


def test_a_score_only_reply_is_a_rating_not_a_reopening(desk: Desk, clock: FrozenClock) -> None:
    clock.set(FRIDAY_AFTERNOON)
    number = email_ticket(desk, clock)
    desk.queue_reply(number, "Wysłaliśmy fakturę.", status_after="solved")
    customer_writes(
        desk, clock, number, "5\n\nW dniu 27.11.2026 Telvio Support pisze:\n> Jak oceniasz"
    )
    detail = desk.get_ticket(number)
    assert detail.summary.status == "solved"
    assert detail.rating is not None and detail.rating.score == 5
    # After closing, a late score still lands on the ticket instead of opening a new one.
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert desk.close_quiet_solved() == [number]
    assert customer_writes(desk, clock, number, "4") == number
    detail = desk.get_ticket(number)
    assert detail.summary.status == "closed" and detail.rating is not None
    assert detail.rating.score == 4
    assert len(desk.list_queue("all").tickets) == 1


def test_no_rating_line_where_the_team_turned_it_off(desk: Desk, clock: FrozenClock) -> None:
    settings = desk.team_settings()
    document = {**settings.document, "closing": {"ask_rating_by_email": False}}
    desk.acting_as("marta").save_team_settings(parse_document(document))
    number = email_ticket(desk, clock)
    desk.queue_reply(number, "Gotowe.", status_after="solved")
    assert desk.get_ticket(number).messages[-1].text == "Gotowe."


def test_feature_requests_grouped_by_tag_with_who_asked(desk: Desk, clock: FrozenClock) -> None:
    asked = []
    for who, tags in [
        ("jan@firma.pl", ["crm-export"]),
        ("olga@example.ru", ["crm-export", "dark-mode"]),
        ("tom@example.com", ["crm-export"]),
        ("ala@firma.pl", []),
    ]:
        number = (
            desk.acting_as(None)
            .receive(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value=who,
                sender_name=who.split("@")[0].title(),
                subject="Could you add…",
                text="It would be great if…",
                at=clock.now(),
            )
            .ticket_number
        )
        desk.set_category(number, "feature_request")
        if tags:
            desk.set_tags(number, add=tags)
        asked.append(number)
    desk.queue_reply(asked[2], "Passed on to the product team.", status_after="solved")
    groups = {g.tag: g for g in desk.feature_requests()}
    assert list(groups) == ["crm-export", "dark-mode", "untagged"]
    assert groups["crm-export"].customers == ("Jan", "Olga", "Tom")
    assert groups["crm-export"].tickets == tuple(asked[:3])
    assert groups["crm-export"].open_count == 2
    assert groups["untagged"].tickets == (asked[3],)


def test_the_runner_does_the_closing(desk: Desk, clock: FrozenClock, tmp_path: Path) -> None:
    clock.set(FRIDAY_AFTERNOON)
    number = email_ticket(desk, clock)
    desk.queue_reply(number, "Wysłaliśmy fakturę.", status_after="solved")
    config = tmp_path / "config.toml"
    config.touch()
    runner = Runner(desk, load_settings(config, environ={}))
    assert runner.housekeeping_once() == []
    clock.set(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    assert runner.housekeeping_once() == [number]
