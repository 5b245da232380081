"""Sending to Telegram through the outbox, and CSAT buttons, against the local Bot API server."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from supportdesk.__main__ import run
from supportdesk.channels.runner import Runner
from supportdesk.channels.telegram import RateLimiter, TelegramChannel, split_text
from supportdesk.config import Settings, load_settings
from supportdesk.store.desk import Desk
from tests.channels.test_telegram import bot, channel
from tests.servers.telegram import (
    TelegramServer,
    bot_membership,
    callback,
    group_message,
    private_message,
    user,
)


def ticket_from(desk: Desk, server: TelegramServer, chat: int = 42, text: str = "Pomocy") -> int:
    server.push(private_message(user(chat), text))
    channel(desk, server).poll_once()
    tickets = [t for t in desk.list_queue("all").tickets if t.customer.telegram_ids == (str(chat),)]
    return tickets[0].number


def state_of(desk: Desk, number: int, message_id: int) -> str:
    return next(m for m in desk.get_ticket(number).messages if m.id == message_id).delivery_state


def test_a_reply_goes_out_as_plain_text(telegram_server: TelegramServer, desk: Desk) -> None:
    number = ticket_from(desk, telegram_server)
    text = "Proszę wpisać *#31#* w _ustawieniach_ [link](http://x) <b>ok</b>"
    # Markdown-looking text on purpose ("[link]" would also stop the reply checker).
    reply = desk.queue_reply(number, text, override_checks=True)
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "sent"
    [sent] = telegram_server.calls_to("sendMessage")
    assert sent.chat_id == 42
    assert sent.params["text"] == text
    assert "parse_mode" not in sent.params
    shown = next(m for m in desk.get_ticket(number).messages if m.id == reply.id)
    assert shown.delivery_state == "sent"
    assert shown.external_id is not None and shown.external_id.startswith("42:")
    # Nothing is sent twice.
    assert channel(desk, telegram_server).send_once() == []


def test_split_text_cuts_on_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 3000, "b" * 3000, "c" * 100]
    parts = split_text("\n\n".join(paragraphs))
    assert parts == ["a" * 3000, "b" * 3000 + "\n\n" + "c" * 100]
    lines = split_text("\n".join(["x" * 50] * 100), limit=120)
    assert all(len(p) <= 120 for p in lines) and "".join(lines).count("x") == 5000
    words = split_text(" ".join(["słowo"] * 1000), limit=100)
    assert all(len(p) <= 100 for p in words) and " ".join(words).split() == ["słowo"] * 1000
    assert split_text("y" * 250, limit=100) == ["y" * 100, "y" * 100, "y" * 50]


def test_a_long_reply_is_split_and_the_chat_limit_is_held(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    long_text = "\n\n".join(f"Akapit {i}: " + " ".join(["treść"] * 300) for i in range(5))
    desk.queue_reply(number, long_text)
    desk.queue_reply(number, "I jeszcze jedno.")
    deliveries = channel(desk, telegram_server).send_once()
    assert [d.outcome for d in deliveries] == ["sent", "sent"]
    sent = telegram_server.calls_to("sendMessage")
    assert len(sent) >= 4
    assert all(len(c.params["text"]) <= 4096 for c in sent)
    # Cut on paragraph boundaries: every piece starts with a paragraph.
    assert all(c.params["text"].startswith(("Akapit", "I jeszcze")) for c in sent)
    joined = "\n\n".join(c.params["text"] for c in sent[:-1])
    assert joined == long_text
    # At most one message a second to one chat, measured where they arrive.
    gaps = [b.at - a.at for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.95, gaps


def test_thirty_messages_a_second_per_bot(telegram_server: TelegramServer, desk: Desk) -> None:
    numbers = [ticket_from(desk, telegram_server, chat=5000 + i, text=f"Q{i}") for i in range(45)]
    for number in numbers:
        desk.queue_reply(number, f"Odpowiedź {number}")
    poller = channel(desk, telegram_server)
    done: list[Any] = []
    while len(done) < len(numbers):
        batch = poller.send_once()
        assert batch, "the outbox stopped handing out replies"
        done += batch
    assert {d.outcome for d in done} == {"sent"}
    times = sorted(c.at for c in telegram_server.calls_to("sendMessage"))
    assert len(times) == 45
    busiest = max(sum(1 for t in times if start <= t < start + 0.95) for start in times)
    assert busiest <= 30, busiest


def test_rate_limiter_in_isolation() -> None:
    async def measure() -> list[float]:
        limiter = RateLimiter(per_chat=0.2, per_second=5)
        stamps = []
        for chat in [1, 1, 1]:
            await limiter.wait(chat)
            stamps.append(time.monotonic())
        return stamps

    stamps = asyncio.run(measure())
    assert stamps[1] - stamps[0] >= 0.19 and stamps[2] - stamps[1] >= 0.19


def test_retry_after_is_obeyed_and_the_reply_sent_once(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    desk.queue_reply(number, "Sprawdzone.")
    telegram_server.fail("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "sent"
    tries = [c for c in telegram_server.calls if c.method == "sendMessage"]
    assert [c.answered for c in tries] == [429, 200]
    assert tries[1].at - tries[0].at >= 1.99


def test_a_long_retry_after_goes_back_to_the_queue(
    telegram_server: TelegramServer, desk: Desk, clock: Any
) -> None:
    number = ticket_from(desk, telegram_server)
    desk.queue_reply(number, "Sprawdzone.")
    telegram_server.fail("sendMessage", 429, "Too Many Requests: retry after 600", retry_after=600)
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "retry" and "wait 600 s" in (delivery.error or "")
    assert channel(desk, telegram_server).send_once() == []  # not due yet
    clock.advance(seconds=800)
    [again] = channel(desk, telegram_server).send_once()
    assert again.outcome == "sent"
    assert len(telegram_server.calls_to("sendMessage")) == 1


def test_a_blocked_bot_fails_the_reply_and_marks_the_customer_unreachable(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    reply = desk.queue_reply(number, "Dzień dobry")
    telegram_server.block(42)
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "failed"
    assert "blocked the bot" in (delivery.error or "")
    assert "blocked the bot" in (desk.unreachable_reason("telegram", "42") or "")
    assert state_of(desk, number, reply.id) == "failed"
    # The agent sees why on the ticket (side panel and reply editor read this).
    [(address, reason)] = desk.get_ticket(number).summary.customer.unreachable
    assert address == "tg 42" and "blocked the bot" in reason
    # They write again: reachable again.
    telegram_server.push(private_message(42, "Odblokowałem"))
    channel(desk, telegram_server).poll_once()
    assert desk.unreachable_reason("telegram", "42") is None
    assert desk.get_ticket(number).summary.customer.unreachable == ()


def test_blocking_the_bot_is_known_before_a_reply_fails(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    poller = channel(desk, telegram_server)
    telegram_server.push(bot_membership(42, "kicked"))
    poller.poll_once()
    [(address, reason)] = desk.get_ticket(number).summary.customer.unreachable
    assert (address, reason) == ("tg 42", "the customer blocked the bot")
    telegram_server.push(bot_membership(42, "member"))
    poller.poll_once()
    assert desk.unreachable_reason("telegram", "42") is None
    # A membership change in a group is not about a customer's private chat.
    group = bot_membership(42, "kicked")
    group["my_chat_member"]["chat"] = {"id": -100, "type": "group", "title": "Team"}
    telegram_server.push(group)
    poller.poll_once()
    assert desk.unreachable_reason("telegram", "42") is None
    assert len(desk.get_ticket(number).messages) == 1  # none of it became a message


def test_bad_request_fails_without_retrying(telegram_server: TelegramServer, desk: Desk) -> None:
    number = ticket_from(desk, telegram_server)
    desk.queue_reply(number, "Dzień dobry")
    telegram_server.fail("sendMessage", 400, "Bad Request: chat not found")
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "failed" and "chat not found" in (delivery.error or "").lower()
    assert channel(desk, telegram_server).send_once() == []
    assert len([c for c in telegram_server.calls if c.method == "sendMessage"]) == 1


def test_no_answer_is_unknown_and_never_sent_again_blindly(
    telegram_server: TelegramServer, desk: Desk, clock: Any
) -> None:
    number = ticket_from(desk, telegram_server)
    desk.queue_reply(number, "Pierwsza")
    desk.queue_reply(number, "Druga")
    telegram_server.slow("sendMessage", 4)  # longer than the client's 2 s read timeout
    telegram_server.drop("sendMessage")  # handled, then the connection dies unanswered
    deliveries = channel(desk, telegram_server, timeout_seconds=2).send_once()
    assert [d.outcome for d in deliveries] == ["unknown", "unknown"]
    assert "may have arrived" in (deliveries[0].error or "")
    clock.advance(hours=2)
    assert channel(desk, telegram_server).send_once() == []
    # Both reached the server once; the agent decides what to do (retry or discard).
    assert len([c for c in telegram_server.calls if c.method == "sendMessage"]) == 2


def test_an_unreachable_server_is_retried_later(
    telegram_server: TelegramServer, desk: Desk, clock: Any, tcp_proxy: Any
) -> None:
    number = ticket_from(desk, telegram_server)
    reply = desk.queue_reply(number, "Dzień dobry")
    proxy = tcp_proxy(telegram_server.port)
    via_proxy = bot(telegram_server, api_url=f"http://127.0.0.1:{proxy.port}/bot")
    poller = TelegramChannel(desk, via_proxy, telegram_server.token)

    async def send_after_the_server_went_away() -> list[Any]:
        async with poller.session() as live:
            proxy.close()  # the next request finds nothing listening
            return await poller.send_pass(live)

    [delivery] = asyncio.run(send_after_the_server_went_away())
    assert delivery.outcome == "retry", delivery.error
    assert "cannot reach" in (delivery.error or "")
    assert state_of(desk, number, reply.id) == "queued"
    clock.advance(minutes=5)
    [again] = channel(desk, telegram_server).send_once()
    assert again.outcome == "sent"
    assert len(telegram_server.calls_to("sendMessage")) == 1


def test_attachments_are_uploaded(
    telegram_server: TelegramServer, desk: Desk, tmp_path: Path
) -> None:
    number = ticket_from(desk, telegram_server)
    pdf = b"%PDF-1.7 " + bytes(range(256)) * 40
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300
    (tmp_path / "instrukcja.pdf").write_bytes(pdf)
    (tmp_path / "ekran.png").write_bytes(png)
    desk.queue_reply(
        number,
        "W załączeniu instrukcja i zrzut ekranu.",
        attachments=[tmp_path / "instrukcja.pdf", tmp_path / "ekran.png"],
    )
    [delivery] = channel(desk, telegram_server).send_once()
    assert delivery.outcome == "sent"
    [document] = telegram_server.calls_to("sendDocument")
    [photo] = telegram_server.calls_to("sendPhoto")
    assert document.chat_id == 42 and photo.chat_id == 42
    assert document.uploads[0].data == pdf and document.uploads[0].filename == "instrukcja.pdf"
    assert photo.uploads[0].data == png
    assert telegram_server.calls_to("sendMessage")[0].at < document.at


def press(server: TelegramServer, sender: int, question: Any, score: int) -> None:
    """The customer presses button `score` under the rating question the bot sent."""
    markup = question.json("reply_markup")
    button = markup["inline_keyboard"][0][score - 1]
    message = {
        "message_id": 777,
        "date": int(time.time()),
        "chat": {"id": question.chat_id, "type": "private"},
        "text": question.params["text"],
    }
    server.push(callback(sender, button["callback_data"], message))


def test_csat_round_trip(telegram_server: TelegramServer, desk: Desk) -> None:
    number = ticket_from(desk, telegram_server)
    poller = channel(desk, telegram_server)
    poller.send_once()  # the bot starts asking from here on
    desk.queue_reply(number, "Naprawione.", status_after="solved")
    poller.send_once()
    question = telegram_server.calls_to("sendMessage")[-1]
    assert question.params["text"].startswith("Jak nam poszło?")  # the customer's language
    buttons = question.json("reply_markup")["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]
    assert any(e.kind == "rating_requested" for e in desk.get_ticket(number).events)
    # Asked once, not on every pass.
    poller.send_once()
    assert len(telegram_server.calls_to("sendMessage")) == 2

    press(telegram_server, 42, question, 4)
    assert poller.poll_once().ratings == 1
    rating = desk.get_ticket(number).rating
    assert rating is not None and (rating.score, rating.channel) == (4, "telegram")
    [answer] = telegram_server.calls_to("answerCallbackQuery")
    assert answer.params["text"] == "Dziękujemy za ocenę! ★★★★"
    [edit] = telegram_server.calls_to("editMessageReplyMarkup")
    marked = [b["text"] for b in edit.json("reply_markup")["inline_keyboard"][0]]
    assert marked == ["1", "2", "3", "✓ 4", "5"]

    # A second press changes it.
    press(telegram_server, 42, question, 2)
    poller.poll_once()
    assert desk.get_ticket(number).rating.score == 2  # type: ignore[union-attr]
    # Someone else's press (a forwarded keyboard) changes nothing.
    press(telegram_server, 99, question, 5)
    assert poller.poll_once().ratings == 0
    assert desk.get_ticket(number).rating.score == 2  # type: ignore[union-attr]
    assert "not yours" in telegram_server.calls_to("answerCallbackQuery")[-1].params["text"]
    # The rating presses started no tickets and no messages.
    assert len(desk.get_ticket(number).messages) == 2


def test_a_rating_question_without_an_answer_is_not_asked_again(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    poller = channel(desk, telegram_server)
    poller.send_once()  # the bot starts asking from here on
    desk.queue_reply(number, "Naprawione.")
    poller.send_once()  # the reply goes; not solved yet, nobody is asked
    desk.set_status(number, "solved")
    # The question is handled, but the connection closes before the answer.
    telegram_server.drop("sendMessage")
    with contextlib.suppress(Exception):
        poller.send_once()

    def questions() -> int:
        calls = telegram_server.calls_to("sendMessage")
        return sum("reply_markup" in call.params for call in calls)

    assert questions() == 1
    assert any(e.kind == "rating_requested" for e in desk.get_ticket(number).events)
    poller.send_once()
    poller.send_once()
    assert questions() == 1


def test_csat_text_is_configurable_and_can_be_off(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    number = ticket_from(desk, telegram_server)
    poller = channel(desk, telegram_server, csat_question={"pl": "Oceń nas, proszę"})
    poller.send_once()
    desk.set_status(number, "solved")
    poller.send_once()
    assert telegram_server.calls_to("sendMessage")[-1].params["text"] == "Oceń nas, proszę"
    other = ticket_from(desk, telegram_server, chat=43)
    quiet = channel(desk, telegram_server, name="bot", csat=False)
    desk.set_status(other, "solved")
    sent_before = len(telegram_server.calls_to("sendMessage"))
    quiet.send_once()
    assert len(telegram_server.calls_to("sendMessage")) == sent_before


def write_config(tmp_path: Path, server: TelegramServer, agent: str | None = None) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        (f'agent = "{agent}"\n' if agent else "")
        + '[[telegram]]\nname = "bot"\ntoken_secret = "support-bot"\n'
        + f'api_url = "{server.api_url}"\n'
        + "long_poll_seconds = 1\n",
        encoding="utf-8",
    )
    return config


def test_poll_once_on_the_command_line(
    telegram_server: TelegramServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, telegram_server)
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_BOT", telegram_server.token)
    telegram_server.push(private_message(42, "Halo"), private_message(43, "Dzień dobry"))
    telegram_server.push(private_message(42, "/start"))
    db = str(tmp_path / "desk.db")
    out, err = io.StringIO(), io.StringIO()
    code = run(["--config", str(config), "--db", db, "poll", "--once"], out=out, err=err)
    assert code == 0, err.getvalue()
    assert "telegram bot: 2 new" in out.getvalue()
    assert telegram_server.token not in out.getvalue() + err.getvalue()


def test_doctor_says_who_the_bot_is_or_exactly_what_is_wrong(
    telegram_server: TelegramServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path, telegram_server, agent="marta")
    db = str(tmp_path / "desk.db")
    args = ["--config", str(config), "--db", db]
    run([*args, "agents", "add", "marta", "--role", "lead"], out=io.StringIO(), err=io.StringIO())
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_BOT", telegram_server.token)
    out = io.StringIO()
    assert run([*args, "doctor"], out=out, err=io.StringIO()) == 0, out.getvalue()
    assert "telegram bot: @telvio_help_bot (id 7012345678) answers at http://127.0.0.1" in (
        out.getvalue()
    )
    wrong = "7012345678:AAH-wrong-wrong-wrong-000000000000000"
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_BOT", wrong)
    out = io.StringIO()
    assert run([*args, "doctor"], out=out, err=io.StringIO()) == 1
    assert "refused the token (Unauthorized)" in out.getvalue()
    assert wrong not in out.getvalue()
    config.write_text(
        config.read_text().replace(telegram_server.api_url, "http://127.0.0.1:1/bot"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SUPPORTDESK_SECRET_SUPPORT_BOT", telegram_server.token)
    out = io.StringIO()
    assert run([*args, "doctor"], out=out, err=io.StringIO()) == 1
    assert "cannot reach http://127.0.0.1:1" in out.getvalue()
    assert telegram_server.token not in out.getvalue()


def test_the_background_runner_receives_and_answers(
    telegram_server: TelegramServer, desk: Desk, tmp_path: Path
) -> None:
    config = write_config(tmp_path, telegram_server)
    settings: Settings = load_settings(config, environ={})
    runner = Runner(desk, settings, secret=lambda _name: telegram_server.token)
    assert runner.start() == []
    try:
        telegram_server.push(private_message(42, "Czy ktoś tam jest?"))
        deadline = time.monotonic() + 15
        while not desk.list_queue("all").tickets and time.monotonic() < deadline:
            time.sleep(0.1)
        [ticket] = desk.list_queue("all").tickets
        desk.queue_reply(ticket.number, "Tak, jesteśmy.")
        [sent] = telegram_server.wait_for("sendMessage", timeout=15)
        assert sent.params["text"] == "Tak, jesteśmy."
    finally:
        stopped = time.monotonic()
        runner.stop()
        assert time.monotonic() - stopped < 5
    assert not any(t.name == "telegram-bot" and t.is_alive() for t in threading.enumerate())


def test_a_reply_in_a_configured_group_goes_to_the_group(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    telegram_server.push(group_message(42, "Nie działa nam centrala", chat_id=-100777))
    assert channel(desk, telegram_server, groups=[-100777]).poll_once().stored == 1
    [ticket] = desk.list_queue("all").tickets
    desk.queue_reply(ticket.number, "Sprawdzamy.")
    [delivery] = channel(desk, telegram_server, groups=[-100777]).send_once()
    assert delivery.outcome == "sent"
    [sent] = telegram_server.calls_to("sendMessage")
    assert sent.chat_id == -100777 and sent.params["text"] == "Sprawdzamy."
