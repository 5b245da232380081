"""Where fetched mail is parsed: in this process, or in a worker process beside it.

Parsing (MIME, charsets, HTML to text) is most of what ingesting a mailbox costs, and it needs
nothing but the bytes. `WorkerParser` does it in one worker process while this one fetches the
next batch and stores the previous one, so a poll keeps two cores busy; the poller hands
batches over and takes them back in order (see `ImapPoller._poll_folder`), so the channel's
position still advances only with the messages it covers.

A worker that dies (a crash in a C library on hostile input, the OOM killer) loses nothing:
its batch is parsed again one message at a time in a fresh worker, and a message that kills
that one too is stored raw, as unparseable, with the reason (its original is kept, so it can
be parsed again later). When no worker can be started at all, parsing happens here.

The worker is a fresh interpreter that imports only what parsing needs (this module, mime,
loops, the dto): nothing of this process's (a database connection, the account's lock file, a
socket) is inherited, and it ends as soon as this process is gone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from supportdesk import launch
from supportdesk.channels.ingest import MailToStore, mail_item
from supportdesk.channels.mime import unreadable_mail

# Seconds to wait for a worker's batch before giving up on it as hung and parsing here.
WORKER_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class RawMail:
    """One fetched message: its bytes, and why only its headers were fetched (if so)."""

    raw: bytes
    too_large: str | None = None


@dataclass(frozen=True)
class ParseJob:
    account: str
    mails: tuple[RawMail, ...]
    received: datetime
    token_prefix: str


ParseFunction = Callable[[ParseJob], list[MailToStore]]


def parse_job(job: ParseJob) -> list[MailToStore]:
    """Every message of the job, parsed, in order. Never raises for bad mail (mail_item
    doesn't)."""
    return [
        mail_item(
            job.account,
            mail.raw,
            received=job.received,
            token_prefix=job.token_prefix,
            too_large=mail.too_large,
        )
        for mail in job.mails
    ]


def _parse_without_raw(job: ParseJob) -> list[MailToStore]:
    """In the worker: the originals are not sent back (the poller still has them); halves
    what crosses the pipe."""
    return [_with_raw(parsed, None) for parsed in parse_job(job)]


def _with_raw(parsed: MailToStore, raw: bytes | None) -> MailToStore:
    return dataclasses.replace(parsed, item=dataclasses.replace(parsed.item, raw=raw))


def _restore_raw(parsed: MailToStore, raw: bytes) -> MailToStore:
    """The original put back into a result just unpickled from the worker. That item is
    this process's only copy and nobody has seen it yet, so it is completed in place (as a
    frozen dataclass's __post_init__ would): `dataclasses.replace` twice per message cost
    the poller, which is the busier process, most of a second per 10,000 messages."""
    object.__setattr__(parsed.item, "raw", raw)
    return parsed


def unparseable(job: ParseJob, mail: RawMail, why: str) -> MailToStore:
    """A message stored raw, as an agent will see it, without running the parser on it."""
    return mail_item(
        job.account,
        mail.raw,
        received=job.received,
        token_prefix=job.token_prefix,
        too_large=mail.too_large,
        parsed=unreadable_mail(mail.raw, why),
    )


class Parsed(Protocol):
    def result(self) -> list[MailToStore]:
        """The job's messages, parsed, in order (with their original bytes)."""
        ...


class MailParser(Protocol):
    # What went wrong (with a worker), in words, for the poller to pass on and clear.
    troubles: list[str]

    def submit(self, job: ParseJob) -> Parsed: ...

    def close(self) -> None: ...


@dataclass
class _Done:
    parsed: list[MailToStore]

    def result(self) -> list[MailToStore]:
        return self.parsed


class InlineParser:
    """Parses in this process, at once."""

    def __init__(self, parse: ParseFunction = parse_job) -> None:
        self._parse = parse
        self.troubles: list[str] = []

    def submit(self, job: ParseJob) -> Parsed:
        return _Done(self._parse(job))

    def close(self) -> None:
        pass


class WorkerGone(Exception):
    """The worker process ended (or was ended) with batches still unanswered."""


class _Worker:
    """One worker process: jobs go to its stdin, results come back on its stdout, in order,
    as length-prefixed pickles. A thread reads the results, so neither side can block the
    other on a full pipe. It inherits no open file (no database, no lock file, no socket) and
    ends when its stdin does: when this process dies, however it dies."""

    def __init__(self, parse: str) -> None:
        env = dict(os.environ)
        # The worker imports what this process can (a test's parse function included).
        env["PYTHONPATH"] = os.pathsep.join(
            [entry for entry in sys.path if entry] + [env.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from supportdesk import launch; launch.hold_collection(); "
                f"from {__name__} import serve; serve({parse!r})",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self.ready = threading.Event()
        self._pending: deque[Future[list[MailToStore]]] = deque()
        self._lock = threading.Lock()
        self._ended = False
        self._reader = threading.Thread(target=self._read, name="parse-worker", daemon=True)
        self._reader.start()

    def submit(self, job: ParseJob) -> Future[list[MailToStore]]:
        future: Future[list[MailToStore]] = Future()
        with self._lock:
            if self._ended:
                future.set_exception(WorkerGone("the parse worker has ended"))
                return future
            self._pending.append(future)
        data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(len(data).to_bytes(8, "big"))
            stdin.write(data)
            stdin.flush()
        except (OSError, ValueError):
            # It is dead or dying: the reader sees the end and fails what is pending.
            self.kill()
        return future

    def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                header = stdout.read(8)
                if len(header) < 8:
                    break
                size = int.from_bytes(header, "big")
                payload = stdout.read(size)
                if len(payload) < size:
                    break
                status, value = pickle.loads(payload)
                if status == "ready":
                    self.ready.set()
                    continue
                with self._lock:
                    future = self._pending.popleft()
                if status == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(WorkerGone(f"the parse worker failed: {value}"))
        except Exception:  # an unreadable answer is a dead worker too
            self.kill()
        finally:
            with self._lock:
                self._ended = True
                pending = list(self._pending)
                self._pending.clear()
            for future in pending:
                future.set_exception(WorkerGone("the parse worker ended"))
            self.ready.set()  # nobody waits for a worker that is gone

    @property
    def alive(self) -> bool:
        return not self._ended and self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()

    def close(self) -> None:
        """Let it finish what it has and end; killed if it does not within a few seconds."""
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdout is not None:
                self.process.stdout.close()


def serve(parse: str = f"{__name__}:{_parse_without_raw.__name__}") -> None:
    """The worker's main loop: a job from stdin, its result to stdout, until stdin ends."""
    module_name, _, function_name = parse.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    launch.started()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # Nothing else may write to the result pipe.
    sys.stdout = sys.stderr

    def answer(message: tuple[str, object]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(len(data).to_bytes(8, "big"))
        stdout.write(data)
        stdout.flush()

    try:
        answer(("ready", None))
        while True:
            header = stdin.read(8)
            if len(header) < 8:
                return
            size = int.from_bytes(header, "big")
            job = pickle.loads(stdin.read(size))
            try:
                answer(("ok", function(job)))
            except Exception as error:  # reported, and the batch is parsed again elsewhere
                answer(("error", f"{type(error).__name__}: {error}"))
    except BrokenPipeError:  # the poller is gone
        return


class _InWorker:
    def __init__(
        self, owner: WorkerParser, job: ParseJob, future: Future[list[MailToStore]]
    ) -> None:
        self._owner = owner
        self._job = job
        self._future = future
        self._parsed: list[MailToStore] | None = None

    def result(self) -> list[MailToStore]:
        if self._parsed is None:
            try:
                parsed = self._future.result(timeout=self._owner.timeout)
                self._parsed = [
                    _restore_raw(one, mail.raw)
                    for one, mail in zip(parsed, self._job.mails, strict=True)
                ]
            except Exception as error:  # a dead or hung worker: parse again, message by message
                self._parsed = self._owner.rescue(self._job, error)
        return self._parsed


class WorkerParser:
    """Parses in a worker process; `submit` returns at once, `result()` waits.

    `parse` names the function the worker runs ("module:function"); tests name one that
    misbehaves.
    """

    def __init__(
        self,
        parse: str = f"{__name__}:{_parse_without_raw.__name__}",
        *,
        timeout: float = WORKER_TIMEOUT_SECONDS,
    ) -> None:
        self._parse = parse
        self.timeout = timeout
        self._worker: _Worker | None = None
        self._unavailable = False
        # What went wrong with workers, in words (the poller shows it as a warning).
        self.troubles: list[str] = []
        # Messages stored unparsed because a worker died on each of them.
        self.unparsed = 0

    def _current(self) -> _Worker | None:
        if self._worker is not None and not self._worker.alive:
            self._worker.close()
            self._worker = None
        if self._worker is None and not self._unavailable:
            try:
                self._worker = _Worker(self._parse)
            except OSError as error:
                self._give_up(f"no parse worker could be started ({error})")
        return self._worker

    def _give_up(self, why: str) -> None:
        self._unavailable = True
        self.troubles.append(f"{why}; mail is parsed in the poller itself")

    def submit(self, job: ParseJob) -> Parsed:
        worker = self._current()
        if worker is None:
            return _Done(parse_job(job))
        return _InWorker(self, job, worker.submit(job))

    def _discard(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()
            worker.close()

    def rescue(self, job: ParseJob, error: BaseException) -> list[MailToStore]:
        """The job's worker died, failed or hung: each message again, alone, in a fresh
        worker; one that ends that worker too is stored unparsed (its original is kept)."""
        self._discard()
        self.troubles.append(f"the parse worker failed ({_words(error)}); parsed its batch again")
        results: list[MailToStore] = []
        for mail in job.mails:
            single = dataclasses.replace(job, mails=(mail,))
            worker = self._current()
            if worker is not None and not (worker.ready.wait(self.timeout) and worker.alive):
                # A worker that cannot even start is no judge of the message.
                self._discard()
                self._give_up("the parse worker does not start")
                worker = None
            if worker is None:
                results.extend(parse_job(single))
                continue
            try:
                parsed = worker.submit(single).result(timeout=self.timeout)
                results.append(_restore_raw(parsed[0], mail.raw))
            except Exception as failure:
                self._discard()
                self.unparsed += 1
                results.append(
                    unparseable(
                        job, mail, f"parsing this message made the parser fail ({_words(failure)})"
                    )
                )
        return results

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()


def _words(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "it took too long"
    return str(error) or type(error).__name__
