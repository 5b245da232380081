from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportdesk.core.threading import (
    Candidate,
    ChatTicket,
    decide,
    decide_chat,
    normalized_subject,
    related_subjects,
    subject_tokens,
    with_token,
)

ALICE = Candidate(1042, "Nie działają połączenia", frozenset({"alice@corp.pl"}), "<a@corp.pl>")
BOB = Candidate(1043, "Faktura za marzec", frozenset({"bob@firma.pl"}), "<b@firma.pl>")


def test_tokens_and_subjects() -> None:
    assert subject_tokens("Re: Nie działa [#1042] [#7]") == [1042, 7]
    assert subject_tokens("[Telvio #55] hi", "Telvio #") == [55]
    assert subject_tokens("#1042 without brackets") == []
    assert with_token("Nie działa", 1042) == "Re: Nie działa [#1042]"
    assert with_token("Re: Nie działa [#1042]", 1042) == "Re: Nie działa [#1042]"
    assert normalized_subject("RE: Fwd: Odp: Отв: Faktura [#9]") == "faktura"
    assert related_subjects("Re: Faktura za marzec", "Faktura za marzec")
    assert not related_subjects("Zupełnie inna sprawa", "Faktura za marzec")


def test_order_of_rules_and_the_customers_own_ticket_first() -> None:
    decision = decide(
        sender="bob@firma.pl",
        subject="Re: cokolwiek",
        token_candidates=[BOB],
        in_reply_to=[ALICE],
        references=[],
    )
    assert (decision.ticket_number, decision.rule, decision.note) == (1043, "subject_token", None)
    by_reference = decide(
        sender="alice@corp.pl",
        subject="x",
        token_candidates=[],
        in_reply_to=[],
        references=[BOB, ALICE],
    )
    assert by_reference.ticket_number == 1042 and by_reference.rule == "references"


def test_a_stranger_with_an_unrelated_subject_is_flagged_not_refused() -> None:
    decision = decide(
        sender="mallory@evil.com",
        subject="Wygrałeś nagrodę",
        token_candidates=[],
        in_reply_to=[ALICE],
        references=[],
    )
    assert (
        decision.ticket_number == 1042
        and decision.note
        and "check it belongs here" in decision.note
    )
    colleague = decide(
        sender="anna@corp.pl",
        subject="Re: Nie działają połączenia",
        token_candidates=[],
        in_reply_to=[ALICE],
        references=[],
    )
    assert colleague.note is None


def test_no_clue_means_a_new_ticket_never_by_subject_alone() -> None:
    decision = decide(
        sender="bob@firma.pl",
        subject="Nie działają połączenia",
        token_candidates=[],
        in_reply_to=[],
        references=[],
    )
    assert decision.ticket_number is None and decision.rule == "new_ticket"


# -- chats ----------------------------------------------------------------------------------


def test_chat_messages_continue_the_customers_conversation() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    window = timedelta(hours=72)

    def decide(**kw: object) -> tuple[int | None, str]:
        args = {"edited": None, "replied": None, "latest": None} | kw
        d = decide_chat(now=now, reopen_solved_within=window, **args)  # type: ignore[arg-type]
        return d.ticket_number, d.rule

    open_ticket = ChatTicket(7, "pending", None)
    solved_recently = ChatTicket(8, "solved", now - timedelta(hours=5))
    solved_long_ago = ChatTicket(9, "solved", now - timedelta(days=10))
    closed = ChatTicket(10, "closed", now - timedelta(hours=1))
    assert decide() == (None, "new_ticket")
    assert decide(latest=open_ticket) == (7, "telegram_chat")
    assert decide(latest=open_ticket, edited=3) == (3, "telegram_edit")
    assert decide(latest=open_ticket, replied=3) == (7, "telegram_chat")
    assert decide(latest=solved_recently) == (8, "recently_solved")
    assert decide(latest=solved_recently, replied=2) == (2, "telegram_reply")
    assert decide(latest=solved_long_ago) == (None, "new_ticket")
    assert decide(latest=closed) == (None, "new_ticket")
