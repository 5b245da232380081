"""The reply checker inside the Desk, on real SQLite and PostgreSQL: what it gathers (earlier
replies, internal articles, the agent's address, team settings) and how it guards queue_reply."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from supportdesk.clock import FrozenClock
from supportdesk.store.db import Database
from supportdesk.store.desk import Desk, NotFound, ReplyRefused
from supportdesk.store.models import Event, KbArticle, Message, OutboxItem
from supportdesk.store.teamsettings import default_document, parse_document
from tests.store.test_desk import receive

BLAMING = "Dzień dobry,\npomylił się Pan przy wpisywaniu numeru."


def _outbox(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(OutboxItem)) or 0


def test_error_refuses_the_reply_and_nothing_is_written(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    with pytest.raises(ReplyRefused) as refused:
        desk.queue_reply(number, BLAMING)
    check = refused.value.check
    assert [f.rule for f in check.errors] == ["blame"] and check.language == "pl"
    start, end = check.errors[0].spans[0]
    assert BLAMING[start:end] == "pomylił się"
    assert "2:1 blame" in str(refused.value) and "send it anyway" in str(refused.value)
    assert _outbox(database) == 0
    assert desk.get_ticket(number).summary.status == "new"


def test_override_sends_and_the_event_log_remembers(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    sent = desk.queue_reply(number, BLAMING, override_checks=True)
    assert sent.delivery_state == "queued" and _outbox(database) == 1
    with database.read_session() as session:
        data = session.scalars(select(Event.data).where(Event.kind == "reply")).one()
    assert data["checks_overridden"] == ["blame"]


def test_warnings_do_not_stop_a_reply(desk: Desk, clock: FrozenClock, database: Database) -> None:
    number = receive(desk, clock)
    body = "Dzień dobry,\nmusi Pan się wylogować i zalogować ponownie."
    assert [f.severity for f in desk.check_reply(number, body).findings] == ["warning"]
    desk.queue_reply(number, body)
    assert _outbox(database) == 1


def test_trainee_can_never_override_an_error(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    number = receive(desk, clock)
    trainee = desk.acting_as("kasia")
    with pytest.raises(ReplyRefused, match="A trainee cannot send past an error"):
        trainee.queue_reply(number, BLAMING, override_checks=True)
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 1
    # Fixed, the reply goes to the mentor as usual.
    fixed = trainee.queue_reply(number, "Dzień dobry,\nnumer już poprawiliśmy.")
    assert fixed.delivery_state == "awaiting_review"


def test_team_settings_decide_what_is_an_error(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    body = "Dzień dobry,\nprzekazaliśmy pytanie do helpdesku."
    assert desk.check_reply(number, body).findings == ()
    document = default_document()
    document["checks"]["banned_words"] = {"pl": {"helpdesk": "zespół wsparcia"}}
    document["checks"]["rules"] = {"blame": "off"}
    desk.acting_as("marta").save_team_settings(parse_document(document))
    [finding] = desk.check_reply(number, body).findings
    assert finding.rule == "banned_word" and "zespół wsparcia" in finding.message
    with pytest.raises(ReplyRefused):
        desk.queue_reply(number, body)
    # Blame turned off: no longer checked at all.
    assert desk.check_reply(number, BLAMING).findings == ()


# One agent's stock answer, sent to one customer twice.
CANNED = (
    "Dzień dobry,\nproszę zrestartować softphone i sprawdzić, czy przeglądarka ma dostęp "
    "do mikrofonu, a potem zadzwonić jeszcze raz.\nPozdrawiam, Ann"
)


def test_same_text_to_the_same_customer_is_caught_on_a_follow_up(
    desk: Desk, clock: FrozenClock
) -> None:
    first = receive(desk, clock, external_id="<a@example.pl>")
    desk.queue_reply(first, CANNED)
    second = receive(
        desk, clock, external_id="<b@example.pl>", subject="Nadal nie działa", text="Nadal nic."
    )
    assert second != first
    findings = desk.check_reply(second, CANNED).findings
    assert [f.rule for f in findings] == ["repeated_reply"]
    # Another customer may get the same text.
    other = receive(desk, clock, who="ola@example.pl", external_id="<c@example.pl>")
    assert desk.check_reply(other, CANNED).findings == ()


def test_queue_reply_compares_with_the_customers_earlier_replies(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    """The earlier replies the checker compares with are read with the rest of what a reply
    needs (on PostgreSQL in the same statement): the newest first, this customer's only."""
    document = default_document()
    document["checks"]["rules"] = {"repeated_reply": "error"}
    desk.acting_as("marta").save_team_settings(parse_document(document))
    other_text = (
        "Dzień dobry,\nfaktura za listopad jest już w panelu klienta, w zakładce płatności; "
        "korektę wyślemy do piątku.\nPozdrawiam, Ann"
    )
    first = receive(desk, clock, external_id="<a@example.pl>")
    desk.queue_reply(first, CANNED)
    second = receive(
        desk, clock, external_id="<b@example.pl>", subject="Nadal nie działa", text="Nadal nic."
    )
    # Another reply since: the canned one is no longer the newest, and still found.
    desk.queue_reply(second, other_text)
    clock.advance(minutes=5)
    with pytest.raises(ReplyRefused) as refused:
        desk.queue_reply(second, CANNED)
    assert [f.rule for f in refused.value.check.errors] == ["repeated_reply"]
    # Another customer may get the same text.
    other = receive(desk, clock, who="ola@example.pl", external_id="<c@example.pl>")
    desk.queue_reply(other, CANNED)
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(OutboxItem)) == 3


def test_text_from_an_internal_article_is_an_error(
    desk: Desk, clock: FrozenClock, database: Database
) -> None:
    internal = (
        "Korektę faktury wystawiamy tylko po akceptacji działu księgowości i nigdy nie "
        "obiecujemy klientowi terminu krótszego niż siedem dni roboczych."
    )
    with database.write_session() as session, session.begin():
        for slug, internal_flag in (("korekty", True), ("publiczny", False)):
            session.add(
                KbArticle(
                    slug=slug,
                    title=f"Korekty ({slug})",
                    body=internal if internal_flag else "Publiczny: " + internal,
                    language="pl",
                    internal=internal_flag,
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    number = receive(desk, clock)
    body = "Dzień dobry,\n" + internal
    [finding] = desk.check_reply(number, body).findings
    assert finding.rule == "internal_text" and "Korekty (korekty)" in finding.message


def test_the_agents_own_address_is_a_personal_contact(desk: Desk, clock: FrozenClock) -> None:
    desk.acting_as("marta").add_agent("olek", "Olek", "agent", email="olek@ringo.example")
    number = receive(desk, clock)
    body = "Dzień dobry,\nproszę pisać bezpośrednio do mnie: olek@ringo.example."
    assert [f.rule for f in desk.acting_as("olek").check_reply(number, body).findings] == [
        "personal_contact"
    ]
    # Someone else writing the team's address is fine: it is not theirs.
    assert desk.check_reply(number, body).findings == ()


def test_attachments_named_with_the_check(desk: Desk, clock: FrozenClock) -> None:
    number = receive(desk, clock)
    body = "Dzień dobry,\nfaktura jest w załączniku."
    assert [f.rule for f in desk.check_reply(number, body).findings] == ["missing_attachment"]
    assert desk.check_reply(number, body, attachments=["faktura.pdf"]).findings == ()


def test_check_of_a_missing_ticket(desk: Desk) -> None:
    with pytest.raises(NotFound, match="no ticket #999"):
        desk.check_reply(999, "Hello")
    with pytest.raises(NotFound):
        desk.check_reply(2**40, "Hello")
