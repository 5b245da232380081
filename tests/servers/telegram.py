"""A local Telegram Bot API server for tests: real HTTP on a real socket, in a thread.

It speaks enough of the Bot API for python-telegram-bot pointed at it with `base_url` /
`base_file_url` (our `api_url`): getMe, getUpdates (long poll with `timeout` and `offset`
semantics: a call with offset N confirms, and so forgets, every update below N), sendMessage,
sendPhoto / sendDocument (multipart uploads recorded), getFile and the file download,
answerCallbackQuery and editMessageReplyMarkup. Anything else is 404, as Telegram answers.

    server = TelegramServer(); server.start()
    Settings(telegram=[{"name": "bot", "token_secret": "t", "api_url": server.api_url}])
    server.push(private_message(42, "Hello"))        # an update the bot will receive
    server.calls_to("sendMessage")                   # what the bot sent, with monotonic times

Misbehaving on demand (each for the next `times` calls of `method`):

    server.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request; ...")
    server.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    server.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    server.slow("sendMessage", 3)           # answer after 3 s (a client timeout sees none)
    server.drop("sendMessage")              # hang up without answering, after handling it
    server.repeat_batch()                   # the next getUpdates returns the last batch again

A wrong token gets 401 Unauthorized for every method, as Telegram does.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "127.0.0.1"
TOKEN = "7012345678:AAH-test-token-do-not-leak-0123456789"
BOT_ID = 7012345678
# What the Bot API refuses to hand a bot through getFile.
DOWNLOAD_LIMIT = 20 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    field: str
    filename: str | None
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, str]
    uploads: tuple[Upload, ...]
    at: float  # time.monotonic() when the request arrived
    answered: int  # the HTTP status it got

    def json(self, name: str) -> Any:
        return json.loads(self.params[name])

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])


@dataclass
class _Fault:
    method: str
    times: int
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    delay: float = 0.0
    drop: bool = False


@dataclass
class _File:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    declared_size: int


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    last_batch: list[dict[str, Any]] = field(default_factory=list)
    repeat: bool = False
    calls: list[Call] = field(default_factory=list)
    faults: list[_Fault] = field(default_factory=list)
    files: dict[str, _File] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    confirmed: int = 0  # the highest offset a getUpdates call has given


class TelegramServer:
    def __init__(self, token: str = TOKEN, username: str = "telvio_help_bot") -> None:
        self.token = token
        self.username = username
        self._state = _State()
        self._lock = threading.Condition()
        self._update_ids = itertools.count(500_000_001)
        self._message_ids = itertools.count(9001)
        self._file_ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="telegram-test-server", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return int(self._httpd.server_address[1])

    @property
    def api_url(self) -> str:
        """What goes into a bot's `api_url` (python-telegram-bot's base_url)."""
        return f"http://{HOST}:{self.port}/bot"

    # -- what tests feed in -----------------------------------------------------------------

    def push(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates; each gets the next update_id. Returns the ids."""
        ids = []
        with self._lock:
            for update in updates:
                update = {"update_id": next(self._update_ids), **update}
                self._state.updates.append(update)
                ids.append(update["update_id"])
            self._lock.notify_all()
        return ids

    def add_file(
        self,
        data: bytes,
        *,
        path: str = "documents/file.bin",
        declared_size: int | None = None,
    ) -> str:
        """A file the bot can fetch with getFile; returns its file_id. `declared_size` over
        20 MB makes getFile refuse it, as the real Bot API does."""
        number = next(self._file_ids)
        file_id = f"FILE{number:04d}AgACAgIAAxk"
        with self._lock:
            self._state.files[file_id] = _File(
                file_id,
                f"U{number:04d}",
                f"{path.rsplit('.', 1)[0]}_{number}.{path.rsplit('.', 1)[-1]}",
                data,
                len(data) if declared_size is None else declared_size,
            )
        return file_id

    def file_size(self, file_id: str) -> int:
        return self._state.files[file_id].declared_size

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sending to them is 403 from now on."""
        with self._lock:
            self._state.blocked.add(chat_id)

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        with self._lock:
            self._state.faults.append(
                _Fault(method, times, status, description, retry_after=retry_after)
            )

    def conflict(self, times: int = 1) -> None:
        self.fail(
            "getUpdates",
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
            times=times,
        )

    def slow(self, method: str, seconds: float, *, times: int = 1) -> None:
        with self._lock:
            self._state.faults.append(_Fault(method, times, delay=seconds))

    def drop(self, method: str, *, times: int = 1) -> None:
        """Handle the call (a message is 'sent') but close the connection without an answer."""
        with self._lock:
            self._state.faults.append(_Fault(method, times, drop=True))

    def repeat_batch(self) -> None:
        with self._lock:
            self._state.repeat = True

    # -- what tests read back ---------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._state.calls)

    def calls_to(self, *methods: str) -> list[Call]:
        return [c for c in self.calls if c.method in methods and c.answered == 200]

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a later offset."""
        with self._lock:
            return len(self._state.updates)

    def wait_for(self, method: str, count: int = 1, timeout: float = 10) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} times, not {count}")

    # -- the API ----------------------------------------------------------------------------

    def _next_fault(self, method: str) -> _Fault | None:
        for fault in self._state.faults:
            if fault.method == method and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def handle(
        self, method: str, params: dict[str, str], uploads: tuple[Upload, ...]
    ) -> tuple[int, dict[str, Any], float, bool]:
        """(HTTP status, JSON body, delay before answering, drop the connection)."""
        with self._lock:
            fault = self._next_fault(method)
        delay = fault.delay if fault else 0.0
        drop = bool(fault and fault.drop)
        if fault and fault.status:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": fault.status,
                "description": fault.description,
            }
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return fault.status, body, delay, drop
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, delay, drop
        try:
            result = handler(params, uploads)
        except _ApiError as error:
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return error.status, body, delay, drop
        return 200, {"ok": True, "result": result}, delay, drop

    def record(self, call: Call) -> None:
        with self._lock:
            self._state.calls.append(call)

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Telvio Help",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getMe(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        return self._bot_user()

    def _api_getUpdates(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        with self._lock:
            state = self._state
            if state.repeat and state.last_batch:
                state.repeat = False
                return list(state.last_batch)
            if offset > 0:
                # Telegram forgets what a later offset confirms.
                state.updates = [u for u in state.updates if u["update_id"] >= offset]
                state.confirmed = max(state.confirmed, offset)
            while True:
                batch = [u for u in state.updates if u["update_id"] >= offset][:limit]
                left = deadline - time.monotonic()
                if batch or left <= 0 or self._closing:
                    break
                self._lock.wait(left)
            state.last_batch = batch
            return batch

    def _check_chat(self, params: dict[str, str]) -> int:
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = int(params["chat_id"])
        if chat_id in self._state.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": self._bot_user(),
            **content,
        }

    def _api_sendMessage(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        chat_id = self._check_chat(params)
        text = params.get("text", "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        content: dict[str, Any] = {"text": text}
        if "reply_markup" in params:
            content["reply_markup"] = json.loads(params["reply_markup"])
        return self._message(chat_id, **content)

    def _upload(self, field_name: str, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        chat_id = self._check_chat(params)
        upload = next((u for u in uploads if u.field == field_name), None)
        if upload is None:
            raise _ApiError(400, f"Bad Request: there is no {field_name} in the request")
        file_id = self.add_file(upload.data, path=f"{field_name}s/{upload.filename or 'file'}")
        described = {
            "file_id": file_id,
            "file_unique_id": self._state.files[file_id].unique_id,
            "file_size": len(upload.data),
        }
        content: dict[str, Any] = {}
        if params.get("caption"):
            content["caption"] = params["caption"]
        if field_name == "photo":
            return self._message(chat_id, photo=[{**described, "width": 1, "height": 1}], **content)
        described |= {"file_name": upload.filename, "mime_type": upload.content_type}
        return self._message(chat_id, document=described, **content)

    def _api_sendPhoto(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        return self._upload("photo", params, uploads)

    def _api_sendDocument(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        return self._upload("document", params, uploads)

    def _api_getFile(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        found = self._state.files.get(params.get("file_id", ""))
        if found is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        if found.declared_size > DOWNLOAD_LIMIT:
            raise _ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": found.file_id,
            "file_unique_id": found.unique_id,
            "file_size": found.declared_size,
            "file_path": found.path,
        }

    def _api_answerCallbackQuery(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        if not params.get("callback_query_id"):
            raise _ApiError(400, "Bad Request: query is too old or query ID is invalid")
        return True

    def _api_editMessageReplyMarkup(
        self, params: dict[str, str], uploads: tuple[Upload, ...]
    ) -> Any:
        chat_id = self._check_chat(params)
        markup = json.loads(params["reply_markup"]) if "reply_markup" in params else None
        return {**self._message(chat_id, text="(edited)"), "reply_markup": markup}

    def _api_deleteWebhook(self, params: dict[str, str], uploads: tuple[Upload, ...]) -> Any:
        return True

    def file_bytes(self, path: str) -> bytes | None:
        with self._lock:
            return next((f.data for f in self._state.files.values() if f.path == path), None)


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


class _Handler(BaseHTTPRequestHandler):
    owner: TelegramServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, body: dict[str, Any]) -> None:
        self._reply(status, json.dumps(body).encode())

    def _unauthorized(self) -> None:
        self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        if path.startswith("/file/bot"):
            token, _, file_path = path[len("/file/bot") :].partition("/")
            if token != self.owner.token:
                self._unauthorized()
                return
            data = self.owner.file_bytes(file_path)
            if data is None:
                self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            self._reply(200, data, "application/octet-stream")
            return
        self._api(path, parse_qs(parts.query), b"", "")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self._api(
            unquote(parts.path), parse_qs(parts.query), body, self.headers.get("Content-Type", "")
        )

    def _api(self, path: str, query: dict[str, list[str]], body: bytes, content_type: str) -> None:
        arrived = time.monotonic()
        if not path.startswith("/bot"):
            self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, _, method = path[len("/bot") :].partition("/")
        params = {name: values[-1] for name, values in query.items()}
        uploads: tuple[Upload, ...] = ()
        if content_type.startswith("multipart/form-data"):
            form, uploads = _multipart(body, content_type)
            params |= form
        elif content_type.startswith("application/json") and body:
            params |= {
                k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body).items()
            }
        elif body:
            params |= {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        if token != self.owner.token:
            self.owner.record(Call(method, params, uploads, arrived, 401))
            self._unauthorized()
            return
        status, answer, delay, drop = self.owner.handle(method, params, uploads)
        self.owner.record(Call(method, params, uploads, arrived, status))
        if delay:
            time.sleep(delay)
        if drop:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._json(status, answer)


def _multipart(body: bytes, content_type: str) -> tuple[dict[str, str], tuple[Upload, ...]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    form: dict[str, str] = {}
    uploads = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() not in ("text/plain",):
            uploads.append(Upload(str(name), filename, part.get_content_type(), data))
        else:
            form[str(name)] = data.decode("utf-8")
    return form, tuple(uploads)


# -- updates as Telegram sends them ---------------------------------------------------------

_message_numbers = itertools.count(1)


def user(
    user_id: int = 42,
    first_name: str = "Jan",
    last_name: str | None = "Kowalski",
    username: str | None = "jank",
    language_code: str | None = "pl",
) -> dict[str, Any]:
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        found["last_name"] = last_name
    if username:
        found["username"] = username
    if language_code:
        found["language_code"] = language_code
    return found


def private_message(
    sender: int | dict[str, Any] = 42,
    text: str | None = None,
    *,
    message_id: int | None = None,
    date: int | None = None,
    chat: dict[str, Any] | None = None,
    **content: Any,
) -> dict[str, Any]:
    """A `message` update from a private chat (the chat id is the user id)."""
    who = user(sender) if isinstance(sender, int) else sender
    message: dict[str, Any] = {
        "message_id": message_id or next(_message_numbers),
        "date": date or int(time.time()),
        "chat": chat or {"id": who["id"], "type": "private", "first_name": who["first_name"]},
        "from": who,
        **content,
    }
    if text is not None:
        message["text"] = text
    return {"message": message}


def group_message(sender: int = 42, text: str = "hi all", chat_id: int = -100777) -> dict[str, Any]:
    return private_message(
        sender, text, chat={"id": chat_id, "type": "supergroup", "title": "Telvio users"}
    )


def edited(update: dict[str, Any], text: str, edit_date: int | None = None) -> dict[str, Any]:
    message = dict(update["message"])
    message["text"] = text
    message["edit_date"] = edit_date or int(time.time()) + 1
    return {"edited_message": message}


def bot_membership(sender: int, status: str, *, bot_id: int = 1) -> dict[str, Any]:
    """A `my_chat_member` update: the customer blocked the bot ("kicked") or started it
    again ("member") in their private chat."""
    who = user(sender)
    bot_user = {"id": bot_id, "is_bot": True, "first_name": "Support"}
    new: dict[str, Any] = {"status": status, "user": bot_user}
    if status == "kicked":
        new["until_date"] = 0
    old_status = "member" if status == "kicked" else "kicked"
    old: dict[str, Any] = {"status": old_status, "user": bot_user}
    if old_status == "kicked":
        old["until_date"] = 0
    return {
        "my_chat_member": {
            "chat": {"id": sender, "type": "private", "first_name": who["first_name"]},
            "from": who,
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
    }


def callback(sender: int, data: str, message: dict[str, Any]) -> dict[str, Any]:
    """A button press on `message` (what the bot sent, as a sendMessage result)."""
    return {
        "callback_query": {
            "id": f"cb{next(_message_numbers)}",
            "from": user(sender),
            "chat_instance": "-5555",
            "data": data,
            "message": message,
        }
    }


__all__ = [
    "DOWNLOAD_LIMIT",
    "TOKEN",
    "Call",
    "TelegramServer",
    "Upload",
    "bot_membership",
    "callback",
    "edited",
    "group_message",
    "private_message",
    "user",
]
