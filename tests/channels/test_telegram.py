"""Receiving from Telegram: the long-poll loop against a local Bot API server (a real HTTP
server on a real socket, tests/servers/telegram.py), storing into real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from supportdesk.channels.telegram import (
    DOWNLOAD_LIMIT,
    TelegramChannel,
    TelegramTrouble,
    api_urls,
)
from supportdesk.clock import FrozenClock
from supportdesk.config import TelegramBot
from supportdesk.store.db import Database, open_database
from supportdesk.store.desk import Desk
from supportdesk.store.models import Attachment, Identity, Message, RawOriginal, Ticket
from tests.conftest import MONDAY_MORNING
from tests.servers.telegram import (
    TelegramServer,
    edited,
    group_message,
    private_message,
    user,
)

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def bot(server: TelegramServer, **overrides: Any) -> TelegramBot:
    fields: dict[str, Any] = {
        "name": "bot",
        "token_secret": "support-bot",
        "api_url": server.api_url,
        "timeout_seconds": 5,
        "long_poll_seconds": 1,
    }
    fields.update(overrides)
    return TelegramBot(**fields)


def channel(desk: Desk, server: TelegramServer, **overrides: Any) -> TelegramChannel:
    return TelegramChannel(desk, bot(server, **overrides), server.token)


def count(database: Database, model: type, *where: Any) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def messages(database: Database) -> list[Message]:
    with database.read_session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)).all())


def test_api_url_forms() -> None:
    assert api_urls(None) == (
        "https://api.telegram.org/bot",
        "https://api.telegram.org/file/bot",
    )
    assert api_urls("http://127.0.0.1:8081/bot") == (
        "http://127.0.0.1:8081/bot",
        "http://127.0.0.1:8081/file/bot",
    )
    assert api_urls("http://127.0.0.1:8081/")[0] == "http://127.0.0.1:8081/bot"


def test_private_messages_become_customers_and_tickets_once(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    jan = user(42, "Jan", "Kowalski", "jank", "pl")
    olga = user(77, "Ольга", None, None, "ru")
    telegram_server.push(
        private_message(jan, "Nie działają połączenia od rana"),
        private_message(olga, "Не приходят звонки"),
        private_message(jan, "Dodam, że dotyczy to całego działu."),
    )
    poller = channel(desk, telegram_server)
    result = poller.poll_once()
    assert (result.updates, result.stored, result.duplicates) == (3, 3, 0)
    # Jan's two messages are one conversation: one ticket each customer.
    assert count(database, Ticket) == 2
    tickets = {t.customer.name: t for t in desk.list_queue("all").tickets}
    jan_ticket = desk.get_ticket(tickets["Jan Kowalski"].number)
    assert jan_ticket.summary.channel == "telegram"
    assert jan_ticket.summary.subject == "Nie działają połączenia od rana"
    assert jan_ticket.summary.customer.telegram_ids == ("42",)
    assert jan_ticket.summary.customer.telegram_usernames == ("jank",)
    assert jan_ticket.summary.customer.language == "pl"
    assert [m.thread_rule for m in jan_ticket.messages] == ["new_ticket", "telegram_chat"]
    assert tickets["Ольга"].customer.language == "ru"
    # The offset moved past the batch, in the database; Telegram was told on the next call.
    state = desk.channel_state("bot", "getUpdates")
    assert state is not None and state["bot_id"] == 7012345678
    assert telegram_server.pending_updates == 0
    # Each update's JSON is kept, unique by its update id.
    assert count(database, RawOriginal, RawOriginal.dedupe_key.like("update:%")) == 3
    with database.read_session() as session:
        raw = session.scalars(select(RawOriginal.data).order_by(RawOriginal.id)).first()
    assert raw is not None
    kept = json.loads(raw)
    assert kept["message"]["text"] == "Nie działają połączenia od rana"
    assert kept["message"]["from"] == jan and kept["update_id"] > 0
    again = poller.poll_once()
    assert (again.updates, again.stored) == (0, 0)
    assert count(database, Message) == 3


def test_a_repeated_batch_stores_nothing_twice(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    telegram_server.push(private_message(42, "Pierwsza"), private_message(42, "Druga"))
    poller = channel(desk, telegram_server)
    poller.poll_once()
    telegram_server.repeat_batch()
    telegram_server.push(private_message(42, "Trzecia"))
    poller.poll_once()
    assert [m.text for m in messages(database)] == ["Pierwsza", "Druga", "Trzecia"]


def test_a_crash_between_receiving_and_storing_stores_each_update_exactly_once(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    """The batch is received, then the process dies before the Desk's transaction commits
    (here: the write fails). Nothing is half-stored and the offset did not move, so the next
    pass receives the same batch and stores it once."""
    telegram_server.push(*(private_message(40 + i % 3, f"Wiadomość {i}") for i in range(7)))
    poller = channel(desk, telegram_server)
    real_receive = poller.desk.receive_batch
    calls = {"n": 0}

    def dies_once(items: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt("killed between getUpdates and the commit")
        return real_receive(items, **kwargs)

    poller.desk.receive_batch = dies_once  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        poller.poll_once()
    assert count(database, Message) == 0
    assert desk.channel_state("bot", "getUpdates") is None
    assert telegram_server.pending_updates == 7
    result = poller.poll_once()
    assert (result.stored, result.duplicates) == (7, 0)
    assert sorted(m.text for m in messages(database)) == sorted(f"Wiadomość {i}" for i in range(7))
    assert count(database, Ticket) == 3


def test_every_media_type_is_stored(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    s = telegram_server
    photo_small, photo_big = s.add_file(b"small-jpeg"), s.add_file(b"big-jpeg" * 100)
    pdf = s.add_file(b"%PDF-1.7 invoice", path="documents/faktura.pdf")
    voice = s.add_file(b"OggS voice", path="voice/v.ogg")
    video = s.add_file(b"mp4 video", path="videos/v.mp4")
    audio = s.add_file(b"ID3 audio", path="music/a.mp3")
    note = s.add_file(b"round video", path="video_notes/n.mp4")

    def described(file_id: str, **extra: Any) -> dict[str, Any]:
        return {"file_id": file_id, "file_unique_id": f"u{file_id[4:8]}", **extra}

    s.push(
        private_message(
            42,
            caption="Zrzut ekranu z błędem",
            photo=[
                described(photo_small, width=90, height=60, file_size=10),
                described(photo_big, width=900, height=600, file_size=800),
            ],
        ),
        private_message(
            42,
            document=described(pdf, file_name="faktura 11-2026.pdf", mime_type="application/pdf"),
        ),
        private_message(42, voice=described(voice, duration=3, mime_type="audio/ogg")),
        private_message(42, video=described(video, width=1, height=1, duration=1)),
        private_message(42, audio=described(audio, duration=1, file_name="nagranie.mp3")),
        private_message(42, video_note=described(note, length=1, duration=1)),
        private_message(
            42,
            sticker={
                "file_id": "STICKER",
                "file_unique_id": "st",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
        ),
        private_message(42, location={"latitude": 52.2297, "longitude": 21.0122}),
        private_message(
            42, contact={"phone_number": "+48 600 100 200", "first_name": "Anna", "last_name": "N"}
        ),
    )
    result = channel(desk, s).poll_once()
    assert result.stored == 9 and not result.warnings
    stored = messages(database)
    texts = [m.text for m in stored]
    assert texts[0] == "Zrzut ekranu z błędem"
    assert texts[6] == "[sticker 👍]"
    assert texts[7] == "[location 52.229700, 21.012200]"
    assert texts[8] == "[contact: Anna N, +48 600 100 200]"
    with database.read_session() as session:
        rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        kept = [(r.filename, r.content_type, r.size) for r in rows]
    assert kept[0] == ("photo_u0002.jpg", "image/jpeg", 800)  # the largest size only
    assert kept[1][0] == "faktura 11-2026.pdf" and kept[1][1] == "application/pdf"
    assert [k[1] for k in kept[2:]] == ["audio/ogg", "video/mp4", "audio/mpeg", "video/mp4"]
    detail = desk.get_ticket(desk.list_queue("all").tickets[0].number)
    by_name = {a.filename: a for m in detail.messages for a in m.attachments}
    _info, path = desk.attachment_file(by_name["faktura 11-2026.pdf"].id)
    assert path.read_bytes() == b"%PDF-1.7 invoice"
    assert detail.summary.subject == "Zrzut ekranu z błędem"


def test_files_over_the_bot_api_limit_are_noted_not_fatal(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    s = telegram_server
    declared = s.add_file(b"", path="videos/big.mp4", declared_size=DOWNLOAD_LIMIT + 5_000_000)
    undeclared = s.add_file(b"", path="documents/big.zip", declared_size=DOWNLOAD_LIMIT + 1)
    s.push(
        private_message(
            42,
            caption="Nagranie rozmowy",
            video={
                "file_id": declared,
                "file_unique_id": "big1",
                "width": 1,
                "height": 1,
                "duration": 600,
                "file_size": DOWNLOAD_LIMIT + 5_000_000,
            },
        ),
        # No size in the message: getFile's "file is too big" says it.
        private_message(
            42, document={"file_id": undeclared, "file_unique_id": "big2", "file_name": "logi.zip"}
        ),
        private_message(42, "A tu zwykły tekst"),
    )
    result = channel(desk, s).poll_once()
    assert result.stored == 3
    assert len(result.warnings) == 2
    with database.read_session() as session:
        rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        noted = [(r.filename, r.sha256, r.note) for r in rows]
    assert [n[0] for n in noted] == ["video_big1.mp4", "logi.zip"]
    assert all(sha is None and "20 MB" in (note or "") for _name, sha, note in noted)
    assert "24.8 MB" in (noted[0][2] or "")
    # Only the file of known size was not even asked for.
    assert [c.params["file_id"] for c in s.calls_to("getFile")] == []
    assert [c.params.get("file_id") for c in s.calls if c.method == "getFile"] == [undeclared]


def test_edits_are_new_revisions_and_replies_keep_their_link(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    first = private_message(42, "Nie dziala", message_id=501)
    telegram_server.push(first)
    poller = channel(desk, telegram_server)
    poller.poll_once()
    telegram_server.push(
        edited(first, "Nie działa telefon w recepcji"),
        private_message(42, "To pilne", message_id=502, reply_to_message=first["message"]),
    )
    poller.poll_once()
    original, revision, answer = messages(database)
    assert revision.revision_of_id == original.id
    assert revision.text == "[edited] Nie działa telefon w recepcji"
    assert revision.thread_rule == "telegram_edit"
    assert revision.ticket_id == original.ticket_id
    assert answer.reply_to_message_id == original.id
    assert count(database, Ticket) == 1


def test_group_chats_are_ignored_unless_configured(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    telegram_server.push(group_message(42, "Ktoś wie, czemu nie działa?", chat_id=-100777))
    telegram_server.push(group_message(43, "Inna grupa", chat_id=-100888))
    result = channel(desk, telegram_server).poll_once()
    assert (result.stored, result.ignored) == (0, 2)
    assert count(database, Message) == 0
    telegram_server.push(group_message(42, "Teraz w skonfigurowanej grupie", chat_id=-100777))
    telegram_server.push(group_message(43, "A tu nadal nie", chat_id=-100888))
    result = channel(desk, telegram_server, groups=[-100777]).poll_once()
    assert (result.stored, result.ignored) == (1, 1)
    [stored] = messages(database)
    assert stored.external_id == "-100777:" + stored.external_id.split(":")[1]


def test_a_chat_reopens_a_recently_solved_ticket_and_later_starts_a_new_one(
    telegram_server: TelegramServer, desk: Desk, clock: FrozenClock, database: Database
) -> None:
    poller = channel(desk, telegram_server, reopen_solved_hours=24)
    telegram_server.push(private_message(42, "Problem z fakturą"))
    poller.poll_once()
    number = desk.list_queue("all").tickets[0].number
    desk.queue_reply(number, "Poprawione.", status_after="solved")
    clock.advance(hours=2)
    telegram_server.push(private_message(42, "Nadal jest błąd"))
    poller.poll_once()
    detail = desk.get_ticket(number)
    assert detail.summary.status == "open"
    assert detail.messages[-1].thread_rule == "recently_solved"
    desk.set_status(number, "solved")
    clock.advance(hours=30)
    telegram_server.push(private_message(42, "Nowa sprawa: numer"))
    poller.poll_once()
    assert count(database, Ticket) == 2
    assert desk.get_ticket(number).summary.status == "solved"


def test_start_is_greeted_and_starts_no_ticket(
    telegram_server: TelegramServer, desk: Desk, database: Database
) -> None:
    telegram_server.push(private_message(user(42, language_code="pl"), "/start"))
    telegram_server.push(private_message(user(43, language_code="de"), "/start"))
    channel(desk, telegram_server).poll_once()
    channel(desk, telegram_server, greeting="Witamy w Telvio!").poll_once()
    sent = telegram_server.calls_to("sendMessage")
    assert [(c.chat_id, c.params["text"]) for c in sent] == [
        (42, "Dzień dobry! Napisz, co się stało, a odpowiemy tutaj."),
        (43, "Hello! Tell us what happened and we will answer right here."),
    ]
    assert count(database, Ticket) == 0
    telegram_server.push(private_message(44, "/start"))
    channel(desk, telegram_server, greeting="Witamy w Telvio!").poll_once()
    assert telegram_server.calls_to("sendMessage")[-1].params["text"] == "Witamy w Telvio!"


def test_conflict_is_reported_as_another_poller(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    telegram_server.push(private_message(42, "Halo"))
    telegram_server.conflict()
    with pytest.raises(
        TelegramTrouble, match="another supportdesk \\(or bot\\) is polling"
    ) as info:
        channel(desk, telegram_server).poll_once()
    assert info.value.conflict
    # The other poller went away: the update is still there, stored once.
    assert channel(desk, telegram_server).poll_once().stored == 1


def test_retry_after_on_get_updates_is_waited_out(
    telegram_server: TelegramServer, desk: Desk
) -> None:
    telegram_server.push(private_message(42, "Halo"))
    telegram_server.fail("getUpdates", 429, "Too Many Requests: retry after 1", retry_after=1)
    assert channel(desk, telegram_server).poll_once().stored == 1
    tries = [c for c in telegram_server.calls if c.method == "getUpdates"]
    assert tries[0].answered == 429 and tries[1].answered == 200
    assert tries[1].at - tries[0].at >= 0.99


def test_bad_token_and_unreachable_server_are_explained_without_the_token(
    telegram_server: TelegramServer, desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")
    wrong = "7012345678:AAH-a-wrong-token-also-secret-000000000"
    config = bot(telegram_server)
    with pytest.raises(TelegramTrouble, match="refused the token") as info:
        TelegramChannel(desk, config, wrong).poll_once()
    assert info.value.auth
    assert wrong not in str(info.value) and "support-bot" in str(info.value)
    closed = bot(telegram_server, api_url="http://127.0.0.1:1/bot")
    with pytest.raises(TelegramTrouble, match=r"cannot reach http://127\.0\.0\.1:1") as info:
        TelegramChannel(desk, closed, telegram_server.token).poll_once()
    assert telegram_server.token not in str(info.value)
    # The libraries log request URLs (with the token) at DEBUG: never with the token here.
    telegram_server.push(private_message(42, "Halo"))
    channel(desk, telegram_server).poll_once()
    logged = caplog.text
    assert "getUpdates" in logged  # the logs were really captured
    assert telegram_server.token not in logged and wrong not in logged
    health = [h for h in desk.channel_health() if h.channel == "telegram"]
    assert all(telegram_server.token not in (h.last_error or "") for h in health)


def test_sigkill_at_random_moments_stores_every_update_exactly_once(
    telegram_server: TelegramServer, database_url: str, tmp_path: Path
) -> None:
    total = 2000
    for index in range(total):
        telegram_server.push(private_message(1000 + index % 29, f"Sprawa {index}"))
    config = tmp_path / "config.toml"
    config.write_text(
        "[[telegram]]\n"
        f'name = "bot"\ntoken_secret = "support-bot"\napi_url = "{telegram_server.api_url}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {
        "SUPPORTDESK_SECRET_SUPPORT_BOT": telegram_server.token,
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    command = [SUPPORTDESK, "--config", str(config), "--db", database_url, "poll", "--once"]
    rng = random.Random(11)
    kills = 0
    # Killed at a random moment after a random number of getUpdates calls of that process
    # (each batch is fetched, files downloaded, stored): mid-batch, mid-commit, between.
    for _attempt in range(5):
        seen = len(telegram_server.calls_to("getUpdates"))
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        wanted = seen + rng.randint(1, 2)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if len(telegram_server.calls_to("getUpdates")) >= wanted:
                time.sleep(rng.uniform(0, 0.08))
                break
            time.sleep(0.005)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            kills += 1
    assert kills >= 3, "the poller was hardly interrupted; the test proved little"
    partial = open_database(database_url)
    try:
        assert count(partial, Message) < total
    finally:
        partial.dispose()
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    database = open_database(database_url)
    try:
        assert count(database, Message) == total
        with database.read_session() as session:
            texts = session.scalars(select(Message.text)).all()
        assert sorted(texts) == sorted(f"Sprawa {i}" for i in range(total))
        assert count(database, RawOriginal) == total
        assert count(database, Identity) == 29
    finally:
        database.dispose()
    assert telegram_server.pending_updates == 0


def test_one_poller_per_bot_in_a_team(
    telegram_server: TelegramServer, fresh_pg_url: str, tmp_path: Path
) -> None:
    """Two machines on one PostgreSQL database: the one holding the bot's lock polls, the
    other says so instead of fighting over getUpdates."""
    database = open_database(fresh_pg_url)
    try:
        desk = Desk(database, FrozenClock(MONDAY_MORNING))
        telegram_server.push(private_message(42, "Halo"))
        other_machine = Desk(open_database(fresh_pg_url), FrozenClock(MONDAY_MORNING))
        with other_machine.exclusive("telegram:bot") as held:
            assert held
            with pytest.raises(TelegramTrouble, match="another supportdesk polls this bot"):
                channel(desk, telegram_server).poll_once()
            assert count(database, Message) == 0
        other_machine.database.dispose()
        assert channel(desk, telegram_server).poll_once().stored == 1
    finally:
        database.dispose()


def test_the_standby_poller_takes_the_bot_over_when_the_active_one_dies(
    telegram_server: TelegramServer, database_url: str, tmp_path: Path
) -> None:
    """Two `supportdesk poll` services for one bot: one polls, the other waits; SIGKILL the
    first and the second carries on within seconds, storing every message once."""
    config = tmp_path / "config.toml"
    config.write_text(
        "[[telegram]]\n"
        f'name = "bot"\ntoken_secret = "support-bot"\napi_url = "{telegram_server.api_url}"\n'
        "long_poll_seconds = 1\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {
        "SUPPORTDESK_SECRET_SUPPORT_BOT": telegram_server.token,
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    command = [SUPPORTDESK, "--config", str(config), "--db", database_url, "poll"]
    database = open_database(database_url)

    def stored() -> int:
        return count(database, Message)

    def wait_until(condition: Any, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < deadline, "not within the time the issue allows"
            time.sleep(0.2)

    active = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    standby = None
    try:
        telegram_server.push(private_message(42, "Pierwsza"))
        wait_until(lambda: stored() == 1, 30)
        standby = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(3)  # the standby is up, asking for the lock
        telegram_server.push(private_message(43, "Druga"))
        wait_until(lambda: stored() == 2, 30)
        active.send_signal(signal.SIGKILL)
        active.wait(10)
        telegram_server.push(private_message(44, "Trzecia"))
        wait_until(lambda: stored() == 3, 30)  # the issue: a standby takes over within 30 s
        assert standby.poll() is None
    finally:
        for process in (active, standby):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(10)
        with database.read_session() as session:
            texts = sorted(session.scalars(select(Message.text)).all())
        database.dispose()
    assert texts == ["Druga", "Pierwsza", "Trzecia"]
