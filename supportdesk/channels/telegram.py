"""The Telegram channel: a long-poll loop with a stored offset, the sender, CSAT buttons.

Receiving: our own loop around python-telegram-bot's `Bot.get_updates(offset=stored)`. Each
batch goes to the Desk in one transaction — every update's JSON (unique by update id), the
messages parsed from it, and the new offset — so a crash before the commit receives the batch
again and the unique keys make the repeat a no-op; a crash after it has confirmed the batch.

Sending: replies come from the outbox as plain text (no parse_mode: an agent's `*` or `_` is
never Markdown), split at Telegram's 4096 characters on paragraph boundaries, attachments
uploaded; at most one message a second per chat and 30 a second per bot; `RetryAfter` obeyed.
Outcomes as for email: Forbidden (the customer blocked the bot) and BadRequest are `failed`,
a timeout is `unknown` (it may have arrived; never re-sent on a guess), network trouble is
retried later.

The token: python-telegram-bot puts it in every URL. It never reaches our messages (every
error passes `redact`), and a filter takes it out of python-telegram-bot's and httpx's logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import threading
import time
import warnings
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from supportdesk.channels.outbox import MAX_ATTEMPTS, RETRY_AFTER, Delivery
from supportdesk.config import TelegramBot
from supportdesk.core.plaintext import one_line
from supportdesk.store import dto
from supportdesk.store.desk import Desk, DeskError, NotFound, NotPermitted

DEFAULT_API_URL = "https://api.telegram.org/bot"
MESSAGE_LIMIT = 4096
# The Bot API hands a bot files up to this size; larger ones are noted, not fetched.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Photos go as photos up to this size (the Bot API's limit); larger as documents.
PHOTO_LIMIT = 10 * 1024 * 1024
BATCH = 100
FETCHES_AT_ONCE = 8
OFFSET_KEY = "getUpdates"
# Health (errors, warnings) apart from the offset, which each batch rewrites whole.
HEALTH_KEY = "bot"
CSAT_KEY = "csat"
CSAT_DATA = "csat"
# Backoff after a failure, with jitter; a refused token waits long and says so once.
BACKOFF = (2, 5, 15, 30, 60, 120, 300)
# How often a standby asks for the bot's lock.
STANDBY_SECONDS = 5.0
AUTH_BACKOFF = 600
# A RetryAfter up to this long is waited out while sending; longer ones go back to the queue.
MAX_INLINE_WAIT = 120
SEND_EVERY = 2.0
# my_chat_member: a customer blocking the bot (or starting it again) is known before a reply
# fails on it.
UPDATE_KINDS = ["message", "edited_message", "callback_query", "my_chat_member"]
BLOCKED_REASON = "the customer blocked the bot"

GREETINGS = {
    "en": "Hello! Tell us what happened and we will answer right here.",
    "pl": "Dzień dobry! Napisz, co się stało, a odpowiemy tutaj.",
    "ru": "Здравствуйте! Опишите, что случилось, и мы ответим здесь.",
}
CSAT_QUESTIONS = {
    "en": "How did we do? Please rate our help from 1 (poor) to 5 (excellent):",
    "pl": "Jak nam poszło? Oceń naszą pomoc od 1 (źle) do 5 (świetnie):",
    "ru": "Как мы справились? Оцените помощь от 1 (плохо) до 5 (отлично):",
}
CSAT_THANKS = {
    "en": "Thank you for your rating!",
    "pl": "Dziękujemy za ocenę!",
    "ru": "Спасибо за оценку!",
}

_log = logging.getLogger(__name__)
# python-telegram-bot 22 warns, on every RetryAfter it makes, that `retry_after` becomes a
# timedelta one day; `_retry_seconds` reads either.
warnings.filterwarnings(
    "ignore", message=r".*`retry_after` will be of type", category=PTBDeprecationWarning
)


# -- the token stays out of words and logs ---------------------------------------------------

_TOKENS: set[str] = set()
_TOKENS_LOCK = threading.Lock()


def redact(text: str, token: str | None = None) -> str:
    """`text` without the bot token (given, or any token a bot here was made with)."""
    with _TOKENS_LOCK:
        tokens = set(_TOKENS)
    if token:
        tokens.add(token)
    for secret in sorted(tokens, key=len, reverse=True):
        if secret:
            text = text.replace(secret, "<token>")
    return text


class _RedactToken(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _TOKENS:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logger's business, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            if redact(text) != text:
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg} (exception details withheld: they held the token)"
        return True


_REDACTOR = _RedactToken()
_LIBRARY_LOGGERS = ("telegram", "httpx", "httpcore")


def guard_logs(token: str) -> None:
    """Remember `token` as a secret and filter it out of the libraries' log records.

    Logger filters are not inherited, so the filter goes on every logger of those libraries
    that exists now (they are made at import) — and their request logs are quietened."""
    with _TOKENS_LOCK:
        _TOKENS.add(token)
    names = set(_LIBRARY_LOGGERS) | {
        name for name in logging.root.manager.loggerDict if name.split(".")[0] in _LIBRARY_LOGGERS
    }
    for name in names:
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)
    # httpx logs every request line, URL (so token) included, at INFO.
    if logging.getLogger("httpx").level == logging.NOTSET:
        logging.getLogger("httpx").setLevel(logging.WARNING)


# -- configuration -----------------------------------------------------------------------------


def api_urls(api_url: str | None) -> tuple[str, str]:
    """(base_url, base_file_url) for python-telegram-bot from a bot's `api_url`.

    "http://host:8081/bot" is used as given; "http://host:8081" gets "/bot" added; the file
    URL is the same server's "/file/bot"."""
    base = (api_url or DEFAULT_API_URL).rstrip("/")
    if "{token}" in base:
        return base, base.replace("/bot{token}", "/file/bot{token}")
    if not base.endswith("/bot"):
        base += "/bot"
    return base, base[: -len("/bot")] + "/file/bot"


def where(bot: TelegramBot) -> str:
    """The API server, as people read it (never with the token)."""
    parts = urlsplit(api_urls(bot.api_url)[0])
    return f"{parts.scheme}://{parts.netloc}"


def in_language(texts: dict[str, str], language: str | None, configured: dict[str, str]) -> str:
    """The text for `language` ("pt-BR", then "pt"), configured first, then English."""
    merged = {**texts, **{k.lower(): v for k, v in configured.items()}}
    wanted = (language or "").lower().replace("_", "-")
    for candidate in (wanted, wanted.split("-")[0], "en"):
        if candidate and candidate in merged:
            return merged[candidate]
    return next(iter(merged.values()))


class _UpdatesRequest(HTTPXRequest):
    """The getUpdates connection, keeping the server's last answer: each update is stored as
    the server sent it (python-telegram-bot's objects drop nothing, but rebuilding JSON from
    them costs more than the rest of reading an update)."""

    last_payload: bytes = b""

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        self.last_payload = payload
        return code, payload


def updates_request(config: TelegramBot) -> _UpdatesRequest:
    timeout = float(config.timeout_seconds)
    # getUpdates adds its long-poll time to this read timeout.
    return _UpdatesRequest(
        connection_pool_size=1, read_timeout=timeout, connect_timeout=min(timeout, 10.0)
    )


def make_bot(config: TelegramBot, token: str, get_updates: _UpdatesRequest | None = None) -> Bot:
    base_url, file_url = api_urls(config.api_url)
    timeout = float(config.timeout_seconds)
    guard_logs(token)
    return Bot(
        token,
        base_url=base_url,
        base_file_url=file_url,
        request=HTTPXRequest(
            connection_pool_size=8,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=min(timeout, 10.0),
            media_write_timeout=max(timeout, 60.0),
        ),
        get_updates_request=get_updates or updates_request(config),
    )


@contextlib.asynccontextmanager
async def bot_session(
    config: TelegramBot, token: str, get_updates: _UpdatesRequest | None = None
) -> AsyncIterator[Bot]:
    """An initialized Bot (getMe answered), shut down afterwards; TelegramTrouble if not."""
    bot = make_bot(config, token, get_updates)
    try:
        await bot.initialize()
    except Exception as exc:
        with contextlib.suppress(Exception):
            await bot.shutdown()
        raise describe_error(config, exc, token) from None
    try:
        yield bot
    finally:
        with contextlib.suppress(Exception):
            await bot.shutdown()


# -- errors in words -------------------------------------------------------------------------


class TelegramTrouble(Exception):
    """A problem talking to the Bot API, in words (never with the token)."""

    def __init__(
        self,
        message: str,
        *,
        auth: bool = False,
        conflict: bool = False,
        retry_after: float | None = None,
        standby: bool = False,
    ) -> None:
        super().__init__(message)
        self.auth = auth
        self.conflict = conflict
        self.retry_after = retry_after
        # Another supportdesk of the team holds this bot's lock: wait for it, it is no fault.
        self.standby = standby


def _said(exc: BaseException, token: str) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return redact(one_line(str(text), 300), token)


def describe_error(bot: TelegramBot, exc: BaseException, token: str) -> TelegramTrouble:
    name, at = f"telegram {bot.name}", where(bot)
    if isinstance(exc, TelegramTrouble):
        return exc
    if isinstance(exc, InvalidToken):
        # Bot.initialize() words it "The token `…` was rejected"; the server's words are inside.
        said = _said(exc.__cause__ if isinstance(exc.__cause__, InvalidToken) else exc, token)
        return TelegramTrouble(
            f"{name}: the Bot API at {at} refused the token ({said}) — check the "
            f"token in secret {bot.token_secret!r} (BotFather's /token shows it)",
            auth=True,
        )
    if isinstance(exc, Conflict):
        return TelegramTrouble(
            f"{name}: another supportdesk (or bot) is polling this token — only one may; stop "
            f"the other one (Telegram said: {_said(exc, token)})",
            conflict=True,
        )
    if isinstance(exc, RetryAfter):
        seconds = _retry_seconds(exc)
        return TelegramTrouble(
            f"{name}: Telegram asked us to wait {seconds:g} s (flood control)",
            retry_after=seconds,
        )
    if isinstance(exc, TimedOut):
        return TelegramTrouble(f"{name}: {at} did not answer in time")
    if isinstance(exc, BadRequest):  # a NetworkError to python-telegram-bot, not to us
        return TelegramTrouble(f"{name}: the Bot API refused the request: {_said(exc, token)}")
    if isinstance(exc, NetworkError):
        return TelegramTrouble(f"{name}: cannot reach {at}: {_said(exc, token)}")
    if isinstance(exc, TelegramError):
        return TelegramTrouble(f"{name}: the Bot API said: {_said(exc, token)}")
    return TelegramTrouble(f"{name}: {type(exc).__name__}: {_said(exc, token)}")


def _retry_seconds(exc: RetryAfter) -> float:
    # python-telegram-bot 22 warns that this becomes a timedelta one day; either is read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# -- splitting long replies -------------------------------------------------------------------


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut between paragraphs where possible, else
    between lines, else between words, else anywhere; nothing is lost but the whitespace at
    the cuts."""
    text = text.strip("\n")
    pieces: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator, 0, limit + 1)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        piece, text = text[:cut].rstrip(), text[cut:].lstrip("\n ")
        if piece:
            pieces.append(piece)
    if text.strip():
        pieces.append(text)
    return pieces


# -- rate limits ------------------------------------------------------------------------------


class RateLimiter:
    """At most one message per `per_chat` seconds to a chat and `per_second` a second in all
    (Telegram's limits for bots; over them come 429s and, if repeated, a ban)."""

    def __init__(self, per_chat: float = 1.05, per_second: int = 30) -> None:
        self.per_chat = per_chat
        self.per_second = per_second
        self._last: dict[int | str, float] = {}
        self._recent: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def wait(self, chat: int | str) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                window = 1.05
                while self._recent and now - self._recent[0] >= window:
                    self._recent.popleft()
                delay = 0.0
                last = self._last.get(chat)
                if last is not None:
                    delay = last + self.per_chat - now
                if len(self._recent) >= self.per_second:
                    delay = max(delay, self._recent[0] + window - now)
                if delay <= 0:
                    break
                await asyncio.sleep(delay)
            self._last[chat] = now
            self._recent.append(now)
            if len(self._last) > 10_000:  # forget chats whose interval is long over
                self._last = {c: t for c, t in self._last.items() if now - t < self.per_chat}


# -- one pass's results -----------------------------------------------------------------------


@dataclass
class BotPass:
    bot: str
    updates: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    ratings: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Inbound:
    item: dto.InboundItem
    greeting_chat: int | None = None
    language: str | None = None


@dataclass
class _Greeting:
    chat: int
    language: str | None


@dataclass
class _Membership:
    """A customer blocked the bot in their private chat, or unblocked it."""

    user_id: int
    blocked: bool


@dataclass
class _Press:
    query_id: str
    ticket_number: int | None
    score: int | None
    user_id: int
    language: str | None
    chat: int | None
    message_id: int | None


# -- the channel ------------------------------------------------------------------------------


class TelegramChannel:
    """One bot: polls its updates, sends its replies and rating requests."""

    def __init__(
        self,
        desk: Desk,
        bot: TelegramBot,
        token: str,
        *,
        worker: str | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.desk = desk.acting_as(None)
        self.config = bot
        self.name = bot.name
        self._token = token
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:telegram:{bot.name}"
        self.limiter = limiter or RateLimiter()
        self.username: str | None = None
        self._updates: _UpdatesRequest | None = None

    # -- the Bot ----------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Bot]:
        self._updates = updates_request(self.config)
        async with bot_session(self.config, self._token, self._updates) as bot:
            self.username = bot.username
            yield bot

    # -- receiving --------------------------------------------------------------------------

    async def poll_pass(self, bot: Bot, *, timeout: float = 0) -> BotPass:
        """Fetch one batch of updates and store it with the new offset; TelegramTrouble on
        failure (nothing stored, the offset unmoved)."""
        result = BotPass(self.name)
        state = self.desk.channel_state(self.name, OFFSET_KEY) or {}
        offset = int(state.get("offset", 0))
        if state.get("bot_id") not in (None, bot.id):
            result.warnings.append(
                f"the token now belongs to another bot (id {bot.id}, was {state.get('bot_id')}); "
                "its updates are read from the start"
            )
            offset = 0
        try:
            updates = await bot.get_updates(
                offset=offset or None,
                timeout=timeout,
                limit=BATCH,
                allowed_updates=UPDATE_KINDS,
            )
        except Exception as exc:
            raise describe_error(self.config, exc, self._token) from None
        # Telegram never sends what an offset confirmed; a server that does is not believed.
        updates = tuple(u for u in updates if u.update_id >= offset)
        originals = _originals(self._updates, updates)
        result.updates = len(updates)
        if not updates:
            if state.get("bot_id") != bot.id:
                self.desk.save_channel_state(self._offset_state(bot, offset))
            return result
        inbound: list[_Inbound] = []
        greetings: list[_Greeting] = []
        presses: list[_Press] = []
        # Files are fetched several at a time (each is two round trips to Telegram); the
        # updates keep their order.
        fetching = asyncio.Semaphore(FETCHES_AT_ONCE)

        async def read(update: Update) -> _Inbound | _Greeting | _Press | _Membership | None:
            async with fetching:
                return await self._read_update(bot, update, result, originals)

        try:
            everything = await asyncio.gather(*(read(update) for update in updates))
        except TelegramTrouble:
            raise
        except (NetworkError, TimedOut, InvalidToken, RetryAfter) as exc:
            # A file could not be fetched right now: the whole batch comes again.
            raise describe_error(self.config, exc, self._token) from None
        for found in everything:
            if isinstance(found, _Inbound):
                inbound.append(found)
            elif isinstance(found, _Greeting):
                greetings.append(found)
            elif isinstance(found, _Press):
                presses.append(found)
            elif isinstance(found, _Membership):
                # Idempotent, in update order, before the offset moves past them.
                self.desk.mark_unreachable(
                    "telegram", str(found.user_id), BLOCKED_REASON if found.blocked else None
                )
            else:
                result.ignored += 1
        # Ratings are idempotent (the same press twice stores the same score): stored before
        # the batch, so a crash in between repeats them harmlessly.
        answers = [(press, self._store_press(press)) for press in presses]
        result.ratings = sum(1 for _press, ok in answers if ok[0])
        new_offset = max(u.update_id for u in updates) + 1
        stored = self.desk.receive_batch(
            [i.item for i in inbound], channel_state=self._offset_state(bot, new_offset)
        )
        result.stored = sum(1 for r in stored if not r.duplicate)
        result.duplicates = sum(1 for r in stored if r.duplicate)
        # Only after the commit: what the customer sees follows what we stored.
        for press, (ok, words) in answers:
            await self._answer_press(bot, press, ok, words)
        for greeting in greetings:
            text = self.config.greeting or in_language(GREETINGS, greeting.language, {})
            await self._send_quietly(bot, greeting.chat, text)
        return result

    def _offset_state(self, bot: Bot, offset: int) -> dto.ChannelStateUpdate:
        return dto.ChannelStateUpdate(
            "telegram", self.name, OFFSET_KEY, {"offset": offset, "bot_id": bot.id}
        )

    async def _read_update(
        self, bot: Bot, update: Update, result: BotPass, originals: dict[int, bytes]
    ) -> _Inbound | _Greeting | _Press | _Membership | None:
        if update.callback_query is not None:
            return _read_press(update)
        change = update.my_chat_member
        if change is not None:
            if change.chat.type != "private":
                return None
            status = change.new_chat_member.status
            if status == "kicked":
                return _Membership(change.from_user.id, blocked=True)
            if status == "member":
                return _Membership(change.from_user.id, blocked=False)
            return None
        message = update.message or update.edited_message
        if message is None or message.from_user is None or message.from_user.is_bot:
            return None
        chat = message.chat
        if chat.type != "private" and chat.id not in self.config.groups:
            return None
        sender = message.from_user
        text = message.text or message.caption or ""
        if update.message is not None and chat.type == "private" and _is_start(text):
            return _Greeting(chat.id, sender.language_code)
        edited = update.edited_message is not None
        files, notes, kind = _contents(message)
        attachments = [await self._fetch(bot, f, result) for f in files]
        body = "\n".join(part for part in [text, *notes] if part)
        if not body and not attachments:
            body = f"[a Telegram message supportdesk cannot show ({kind})]"
        if edited:
            body = f"[edited] {body}"
        external = f"{chat.id}:{message.message_id}"
        stamp = message.edit_date if edited and message.edit_date else message.date
        raw = originals.get(update.update_id) or json.dumps(
            update.to_dict(), ensure_ascii=False
        ).encode("utf-8")
        item = dto.InboundItem(
            channel="telegram",
            account=self.name,
            identity_kind="telegram",
            identity_value=str(sender.id),
            sender_name=sender.full_name,
            username=sender.username,
            language=sender.language_code,
            subject=_subject(text, kind),
            text=body,
            at=_aware(stamp),
            external_id=(
                f"{external}:edit:{int(_aware(stamp).timestamp())}" if edited else external
            ),
            chat=dto.ChatClues(
                reply_to=(
                    f"{chat.id}:{message.reply_to_message.message_id}"
                    if message.reply_to_message is not None
                    else None
                ),
                revision_of=external if edited else None,
                reopen_solved_seconds=self.config.reopen_solved_hours * 3600,
            ),
            raw=raw,
            raw_key=f"update:{update.update_id}",
            attachments=tuple(attachments),
        )
        return _Inbound(item)

    async def _fetch(self, bot: Bot, wanted: _WantedFile, result: BotPass) -> dto.NewAttachment:
        def noted(note: str) -> dto.NewAttachment:
            result.warnings.append(f"{wanted.filename}: {note}")
            return dto.NewAttachment(
                wanted.filename, wanted.content_type, None, size=wanted.size or 0, note=note
            )

        if wanted.size and wanted.size > DOWNLOAD_LIMIT:
            return noted(_too_big(wanted.size))
        try:
            found = await bot.get_file(wanted.file_id)
            data = bytes(await found.download_as_bytearray())
        except BadRequest as exc:
            said = _said(exc, self._token)
            if "too big" in said.lower():
                return noted(_too_big(wanted.size))
            return noted(f"Telegram would not hand the file over: {said}")
        except InvalidToken as exc:
            # A download URL that 404s looks like a bad token to python-telegram-bot.
            return noted(f"the file could not be downloaded: {_said(exc, self._token)}")
        return dto.NewAttachment(wanted.filename, wanted.content_type, data)

    def _store_press(self, press: _Press) -> tuple[bool, str]:
        if press.ticket_number is None or press.score is None:
            return False, ""
        try:
            self.desk.rate(
                press.ticket_number,
                press.score,
                channel="telegram",
                by=("telegram", str(press.user_id)),
            )
        except NotPermitted:
            return False, "This rating is not yours to give."
        except NotFound:
            return False, "This request has expired."
        thanks = in_language(CSAT_THANKS, press.language, self.config.csat_thanks)
        return True, f"{thanks} {'★' * press.score}"

    async def _answer_press(self, bot: Bot, press: _Press, ok: bool, words: str) -> None:
        try:
            await bot.answer_callback_query(press.query_id, text=words or None)
            if ok and press.chat is not None and press.message_id is not None:
                assert press.ticket_number is not None
                await bot.edit_message_reply_markup(
                    chat_id=press.chat,
                    message_id=press.message_id,
                    reply_markup=rating_keyboard(press.ticket_number, chosen=press.score),
                )
        except TelegramError as exc:
            # An old query or a message that cannot be edited: the rating is stored anyway.
            _log.info("telegram %s: answering a button press: %s", self.name, _said(exc, ""))

    async def _send_quietly(self, bot: Bot, chat: int, text: str) -> None:
        await self.limiter.wait(chat)
        try:
            await bot.send_message(chat, text)
        except TelegramError as exc:
            _log.info("telegram %s: greeting %s: %s", self.name, chat, _said(exc, ""))

    # -- sending ----------------------------------------------------------------------------

    async def send_pass(self, bot: Bot) -> list[Delivery]:
        """Send this bot's due replies; each outcome is recorded as it happens."""
        done = []
        for reply in self.desk.claim_outgoing(self.worker, channel="telegram", account=self.name):
            outcome, error, external_id = await self._send(bot, reply)
            retry_at = None
            if outcome == "retry":
                if reply.attempts >= MAX_ATTEMPTS:
                    outcome = "failed"
                    error = f"gave up after {reply.attempts} attempts; the last: {error}"
                else:
                    delay = RETRY_AFTER[min(reply.attempts, len(RETRY_AFTER)) - 1]
                    if isinstance(error, _Wait):
                        delay = max(delay, error.seconds)
                    retry_at = self.desk.clock.now() + timedelta(
                        seconds=delay * random.uniform(1.0, 1.2)
                    )
            words = str(error) if error is not None else None
            self.desk.finish_delivery(
                reply.outbox_id, outcome, error=words, retry_at=retry_at, external_id=external_id
            )
            done.append(Delivery(reply.ticket_number, reply.message_id, outcome, words))
        return done

    async def _send(
        self, bot: Bot, reply: dto.OutgoingReply
    ) -> tuple[str, str | _Wait | None, str | None]:
        """(outcome, error, external id of the first message sent)."""
        chat = _chat_of(reply.in_reply_to) or (
            int(reply.recipients[0]) if reply.recipients and reply.recipients[0].isdigit() else None
        )
        if chat is None:
            return "failed", "the ticket's customer has no Telegram chat to reply to", None
        parts: list[tuple[str, Any]] = [("text", piece) for piece in split_text(reply.text)]
        parts += [("file", a) for a in reply.attachments if a.path]
        sent: list[int] = []

        def partial(words: str) -> str:
            if not sent:
                return words
            return f"{words}; {len(sent)} of {len(parts)} parts had been delivered"

        for kind, content in parts:
            tries = 0
            while True:
                tries += 1
                await self.limiter.wait(chat)
                try:
                    message = await self._send_part(bot, chat, kind, content)
                    sent.append(message.message_id)
                    break
                except RetryAfter as exc:
                    seconds = _retry_seconds(exc)
                    if (seconds <= MAX_INLINE_WAIT or sent) and tries < 5:
                        await asyncio.sleep(seconds)
                        continue
                    if sent:
                        return (
                            "unknown",
                            partial(f"Telegram kept asking to wait ({seconds:g} s)"),
                            None,
                        )
                    return "retry", _Wait(seconds), None
                except Forbidden as exc:
                    said = _said(exc, self._token)
                    reason = f"the customer blocked the bot or left the chat (Telegram: {said})"
                    if reply.recipients:
                        self.desk.mark_unreachable("telegram", reply.recipients[0], reason)
                    return "failed", partial(reason), None
                except ChatMigrated as exc:
                    return "failed", f"the group moved to chat {exc.new_chat_id}", None
                except BadRequest as exc:
                    return (
                        "failed",
                        partial(f"Telegram refused it: {_said(exc, self._token)}"),
                        None,
                    )
                except (NetworkError, InvalidToken) as exc:  # TimedOut is a NetworkError
                    words = describe_error(self.config, exc, self._token).args[0]
                    if _never_sent(exc):
                        if sent:
                            return "unknown", partial(words), None
                        return "retry", words, None
                    return (
                        "unknown",
                        partial(
                            f"{words}; the message may have arrived — check with the customer "
                            "before sending again"
                        ),
                        None,
                    )
                except OSError as exc:  # an attachment that cannot be read
                    return "failed", f"cannot read the attachment: {exc.strerror or exc}", None
        return "sent", None, f"{chat}:{sent[0]}" if sent else None

    async def _send_part(self, bot: Bot, chat: int, kind: str, content: Any) -> Message:
        if kind == "text":
            # No parse_mode: the agent's text goes as typed.
            return await bot.send_message(chat, content)
        attachment: dto.OutgoingAttachment = content
        assert attachment.path is not None
        data = Path(attachment.path).read_bytes()
        is_photo = attachment.content_type in ("image/jpeg", "image/png", "image/webp")
        if is_photo and len(data) <= PHOTO_LIMIT:
            return await bot.send_photo(chat, data, filename=attachment.filename)
        return await bot.send_document(chat, data, filename=attachment.filename)

    # -- ratings ----------------------------------------------------------------------------

    async def csat_pass(self, bot: Bot) -> int:
        """Ask the customers of newly solved tickets for a rating; returns how many."""
        if not self.config.csat:
            return 0
        state = self.desk.channel_state(self.name, CSAT_KEY)
        if state is None:
            # Starting now: the tickets solved before this bot was set up are not surveyed.
            self.desk.save_channel_state(self._csat_state(self.desk.latest_event_id()))
            return 0
        after = int(state.get("after_event", 0))
        requests, high_water = self.desk.rating_requests("telegram", self.name, after)
        asked = 0
        for request in requests:
            chat = _chat_of(request.chat) or (
                int(request.recipient)
                if request.recipient and request.recipient.isdigit()
                else None
            )
            if chat is not None:
                question = in_language(CSAT_QUESTIONS, request.language, self.config.csat_question)
                await self.limiter.wait(chat)
                try:
                    await bot.send_message(
                        chat, question, reply_markup=rating_keyboard(request.ticket_number)
                    )
                    asked += 1
                except RetryAfter as exc:
                    await asyncio.sleep(min(_retry_seconds(exc), MAX_INLINE_WAIT))
                    return asked  # from this request on, next time
                except Forbidden as exc:
                    if request.recipient:
                        self.desk.mark_unreachable(
                            "telegram", request.recipient, f"{BLOCKED_REASON}: {_said(exc, '')}"
                        )
                except BadRequest as exc:
                    _log.info("telegram %s: rating request: %s", self.name, _said(exc, ""))
                except (NetworkError, InvalidToken) as exc:
                    # Never sent: asked next time. No answer (a timeout, a dropped
                    # connection): it may have arrived, and asking twice is worse than once
                    # too few, so it counts as asked.
                    if not _never_sent(exc) and not isinstance(exc, InvalidToken):
                        self.desk.record_rating_request(
                            request.ticket_number, self._csat_state(request.event_id)
                        )
                    raise describe_error(self.config, exc, self._token) from None
            self.desk.record_rating_request(
                request.ticket_number, self._csat_state(request.event_id)
            )
        self.desk.save_channel_state(self._csat_state(max(after, high_water)))
        return asked

    def _csat_state(self, after: int) -> dto.ChannelStateUpdate:
        return dto.ChannelStateUpdate("telegram", self.name, CSAT_KEY, {"after_event": after})

    # -- running ----------------------------------------------------------------------------

    def poll_once(self) -> BotPass:
        """Everything waiting, batch after batch, then return (`supportdesk poll --once`)."""
        return asyncio.run(self._poll_all())

    @contextlib.contextmanager
    def _only_poller(self) -> Iterator[None]:
        """Only one poller per token in a team: the holder of the database lock for this bot
        (Telegram answers a second one with Conflict)."""
        with self.desk.exclusive(f"telegram:{self.name}") as held:
            if not held:
                raise TelegramTrouble(
                    f"telegram {self.name}: another supportdesk polls this bot (it holds the "
                    "team database's lock for it); this one leaves it alone",
                    conflict=True,
                    standby=True,
                )
            yield

    async def _poll_all(self) -> BotPass:
        total = BotPass(self.name)
        with self._only_poller():
            await self._poll_everything(total)
        self._healthy(total)
        return total

    async def _poll_everything(self, total: BotPass) -> None:
        async with self.session() as bot:
            while True:
                one = await self._poll_retrying(bot)
                for name in ("updates", "stored", "duplicates", "ignored", "ratings"):
                    setattr(total, name, getattr(total, name) + getattr(one, name))
                total.warnings += one.warnings
                if not one.updates:
                    break

    async def _poll_retrying(self, bot: Bot, timeout: float = 0) -> BotPass:
        for _ in range(5):
            try:
                return await self.poll_pass(bot, timeout=timeout)
            except TelegramTrouble as trouble:
                if trouble.retry_after is None:
                    raise
                await asyncio.sleep(min(trouble.retry_after, MAX_INLINE_WAIT))
        return await self.poll_pass(bot, timeout=timeout)

    def send_once(self) -> list[Delivery]:
        async def both() -> list[Delivery]:
            async with self.session() as bot:
                done = await self.send_pass(bot)
                await self.csat_pass(bot)
                return done

        with self._only_poller():
            return asyncio.run(both())

    def _healthy(self, result: BotPass | None = None) -> None:
        self.desk.record_channel_health(
            "telegram",
            self.name,
            HEALTH_KEY,
            warning="; ".join(result.warnings) if result and result.warnings else None,
        )

    def _trouble(self, trouble: TelegramTrouble, delay: float) -> None:
        self.desk.record_channel_health(
            "telegram",
            self.name,
            HEALTH_KEY,
            error=str(trouble),
            next_retry_at=self.desk.clock.now() + timedelta(seconds=delay),
        )

    def run(self, stop: threading.Event) -> None:
        """Poll and send until `stop` is set, reconnecting with backoff after failures."""
        asyncio.run(self._run(stop))

    async def _run(self, stop: threading.Event) -> None:
        failures = 0
        told_auth = False
        while not stop.is_set():
            try:
                with self._only_poller():
                    async with self.session() as bot:
                        await self._serve(bot, stop)
                        failures = 0
            except TelegramTrouble as trouble:
                if trouble.standby:
                    # A hot standby: ask again soon, so it takes over within seconds of the
                    # holder's death; no backoff, no error on the status bar.
                    await _wait(stop, STANDBY_SECONDS)
                    continue
                failures += 1
                if trouble.auth:
                    delay: float = AUTH_BACKOFF
                elif trouble.retry_after is not None:
                    delay = trouble.retry_after
                else:
                    delay = BACKOFF[min(failures, len(BACKOFF)) - 1] * random.uniform(0.8, 1.2)
                if not (trouble.auth and told_auth):
                    with contextlib.suppress(Exception):
                        self._trouble(trouble, delay)
                told_auth = told_auth or trouble.auth
                await _wait(stop, delay)
            except Exception as exc:  # the database went away: say so, try again later
                failures += 1
                _log.warning("telegram %s: %s", self.name, redact(str(exc), self._token))
                await _wait(stop, BACKOFF[min(failures, len(BACKOFF)) - 1])

    async def _serve(self, bot: Bot, stop: threading.Event) -> None:
        async def poll_forever() -> None:
            healthy_at = 0.0
            while not stop.is_set():
                result = await self._poll_retrying(bot, timeout=self.config.long_poll_seconds)
                if result.warnings or time.monotonic() - healthy_at > 60:
                    self._healthy(result)
                    healthy_at = time.monotonic()

        async def send_forever() -> None:
            while not stop.is_set():
                try:
                    await self.send_pass(bot)
                    await self.csat_pass(bot)
                except (TelegramTrouble, DeskError, Exception) as exc:
                    _log.warning(
                        "telegram %s: sending: %s", self.name, redact(str(exc), self._token)
                    )
                await _wait(stop, SEND_EVERY)

        tasks = [
            asyncio.create_task(poll_forever()),
            asyncio.create_task(send_forever()),
            asyncio.create_task(_wait(stop, None)),
        ]
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # a poller's trouble goes up to the backoff above
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


async def _wait(stop: threading.Event, seconds: float | None) -> None:
    """Sleep `seconds` (None: forever) or until `stop` is set, whichever is first."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while not stop.is_set():
        left = 0.2 if deadline is None else min(0.2, deadline - time.monotonic())
        if left <= 0:
            return
        await asyncio.sleep(left)


class _Wait(str):
    """A 'retry' whose error is Telegram's flood control, with the wait it asked for."""

    seconds: float

    def __new__(cls, seconds: float) -> _Wait:
        made = super().__new__(cls, f"Telegram asked us to wait {seconds:g} s (flood control)")
        made.seconds = seconds
        return made


# -- checking a bot (doctor) ------------------------------------------------------------------


def check_bot(bot: TelegramBot, token: str) -> tuple[bool, str]:
    """For `doctor`: getMe once. (ok, the bot's username and server, or exactly what failed)."""

    async def ask() -> str:
        async with bot_session(bot, token) as answered:
            return f"@{answered.username} (id {answered.id})"

    try:
        who = asyncio.run(ask())
    except TelegramTrouble as trouble:
        return False, redact(str(trouble), token)
    return True, f"telegram {bot.name}: {who} answers at {where(bot)}"


# -- reading updates --------------------------------------------------------------------------


@dataclass(frozen=True)
class _WantedFile:
    file_id: str
    filename: str
    content_type: str
    size: int | None


def rating_keyboard(number: int, chosen: int | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✓ {score}" if score == chosen else str(score),
                    callback_data=f"{CSAT_DATA}:{number}:{score}",
                )
                for score in range(1, 6)
            ]
        ]
    )


def _originals(request: _UpdatesRequest | None, updates: Sequence[Update]) -> dict[int, bytes]:
    """Each update's JSON as the server sent it, by update id (empty if unavailable)."""
    payload = request.last_payload if request is not None else b""
    if not payload or not updates:
        return {}
    try:
        answer = json.loads(payload)
    except ValueError:
        return {}
    wanted = {u.update_id for u in updates}
    return {
        item["update_id"]: json.dumps(item, ensure_ascii=False).encode("utf-8")
        for item in answer.get("result") or ()
        if isinstance(item, dict) and item.get("update_id") in wanted
    }


def _read_press(update: Update) -> _Press:
    query = update.callback_query
    assert query is not None
    number = score = None
    parts = (query.data or "").split(":")
    if len(parts) == 3 and parts[0] == CSAT_DATA and parts[1].isdigit() and parts[2].isdigit():
        number, score = int(parts[1]), int(parts[2])
        if not 1 <= score <= 5:
            number = score = None
    message = query.message
    return _Press(
        query_id=query.id,
        ticket_number=number,
        score=score,
        user_id=query.from_user.id,
        language=query.from_user.language_code,
        chat=message.chat.id if message is not None else None,
        message_id=message.message_id if message is not None else None,
    )


def _is_start(text: str) -> bool:
    return text == "/start" or text.startswith(("/start ", "/start@"))


def _contents(message: Message) -> tuple[list[_WantedFile], list[str], str]:
    """The files to fetch, what becomes words ([sticker 👍], [location …]) and the kind."""
    files: list[_WantedFile] = []
    notes: list[str] = []
    kind = "text"

    def want(item: Any, name: str, content_type: str) -> None:
        files.append(_WantedFile(item.file_id, name, content_type, item.file_size))

    if message.photo:
        largest = message.photo[-1]
        want(largest, f"photo_{largest.file_unique_id}.jpg", "image/jpeg")
        kind = "photo"
    if message.animation is not None:
        a = message.animation
        want(a, a.file_name or f"animation_{a.file_unique_id}.mp4", a.mime_type or "video/mp4")
        kind = "animation"
    elif message.document is not None:
        d = message.document
        want(
            d,
            d.file_name or f"document_{d.file_unique_id}",
            d.mime_type or "application/octet-stream",
        )
        kind = "document"
    if message.voice is not None:
        v = message.voice
        want(v, f"voice_{v.file_unique_id}.ogg", v.mime_type or "audio/ogg")
        kind = "voice message"
    if message.audio is not None:
        a = message.audio
        want(a, a.file_name or f"audio_{a.file_unique_id}.mp3", a.mime_type or "audio/mpeg")
        kind = "audio"
    if message.video is not None:
        v = message.video
        want(v, v.file_name or f"video_{v.file_unique_id}.mp4", v.mime_type or "video/mp4")
        kind = "video"
    if message.video_note is not None:
        v = message.video_note
        want(v, f"video_note_{v.file_unique_id}.mp4", "video/mp4")
        kind = "video message"
    if message.sticker is not None:
        s = message.sticker
        notes.append(f"[sticker {s.emoji or ''}]".replace(" ]", "]"))
        kind = "sticker"
    if message.location is not None and message.venue is None:
        loc = message.location
        notes.append(f"[location {loc.latitude:.6f}, {loc.longitude:.6f}]")
        kind = "location"
    if message.venue is not None:
        v = message.venue
        notes.append(
            f"[place: {v.title}, {v.address} ({v.location.latitude:.6f}, "
            f"{v.location.longitude:.6f})]"
        )
        kind = "place"
    if message.contact is not None:
        c = message.contact
        who = " ".join(p for p in (c.first_name, c.last_name) if p)
        notes.append(f"[contact: {who}, {c.phone_number}]")
        kind = "contact"
    if message.poll is not None:
        notes.append(f"[poll: {message.poll.question}]")
        kind = "poll"
    if message.dice is not None:
        notes.append(f"[{message.dice.emoji} {message.dice.value}]")
        kind = "dice"
    return files, notes, kind


_KIND_SUBJECTS = {
    "photo": "Photo",
    "document": "Document",
    "animation": "Animation",
    "voice message": "Voice message",
    "audio": "Audio",
    "video": "Video",
    "video message": "Video message",
    "sticker": "Sticker",
    "location": "Location",
    "place": "Place",
    "contact": "Contact",
    "poll": "Poll",
    "dice": "Dice",
}


def _subject(text: str, kind: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first:
        return one_line(first, 80)
    return f"{_KIND_SUBJECTS.get(kind, 'Message')} via Telegram"


def _too_big(size: int | None) -> str:
    shown = f"{size / 1024 / 1024:.1f} MB" if size else "over 20 MB"
    return (
        f"not downloaded: {shown} is more than the 20 MB a bot may fetch from Telegram; ask "
        "the customer to send it another way"
    )


def _chat_of(external_id: str | None) -> int | None:
    """The chat of "chat:message" (our external ids for Telegram messages)."""
    if not external_id:
        return None
    head = external_id.split(":", 1)[0]
    try:
        return int(head)
    except ValueError:
        return None


def _never_sent(exc: BaseException) -> bool:
    """True when the request surely did not reach Telegram (no connection was made), so
    sending again cannot make a duplicate. A refused token never sends anything either."""
    if isinstance(exc, InvalidToken):
        return True
    cause = exc.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def every_bot(
    desk: Desk, bots: Sequence[TelegramBot], token_of: Any
) -> tuple[list[TelegramChannel], list[tuple[str, str]]]:
    """A channel for every configured bot whose token can be found; the others' names, and
    why not in words."""
    channels, problems = [], []
    for bot in bots:
        try:
            token = token_of(bot.token_secret)
        except Exception as exc:  # SecretError: its words never hold the value
            problems.append((bot.name, f"telegram {bot.name}: {exc}"))
            continue
        channels.append(TelegramChannel(desk, bot, token))
    return channels, problems
