"""Private IMAP servers for tests: a real Dovecot when installed, pymap otherwise.

Both classes run the server as a child process in its own process group, listening on
127.0.0.1 on a free port, with one mailbox owner (`user` / `password`, plaintext LOGIN and
AUTH=PLAIN, no TLS). They share one interface:

    server = imap_server_factory()()          # DovecotServer or PymapServer
    server.start()                            # returns once the greeting is read
    uid = server.append("INBOX", raw_bytes, flags=(r"\\Seen",))
    server.uids("INBOX"); server.uidvalidity("INBOX")
    server.fetch_flags("INBOX")               # {uid: frozenset({b"\\Seen"})}, as imapclient
    server.recreate_folder_with_same_mail("Support")  # new UIDVALIDITY, same messages
    server.kill(); server.restart()           # SIGKILL the whole server, start it again
    server.close()                            # stop and delete every file it made

Differences: pymap keeps mail in memory (`persistent` is False: a restart starts empty) and
cannot recreate INBOX (NotImplementedError); Dovecot can (see recreate_folder_with_same_mail).

The helpers talk IMAP with the standard library's imaplib, as the mailbox owner, so they never
share code with the client under test. Folder names are ASCII; "/" is the hierarchy separator
on Dovecot. `logs()` returns the server's log for assertion messages.

Dovecot runs from a generated config (see `DovecotServer.config_text`) with every path
(base_dir, state_dir, log, maildir) under a private directory in the system temp dir (kept
short: Dovecot's unix sockets live there). As root, mail is owned by `nobody`, auth and other
internal processes run as `dovecot` and the login process as `dovenull` (Dovecot refuses root
for the login process and for mail); as an ordinary user every process runs as that user and
nothing is chrooted. Failed logins answer after 0.5 s and, unlike a stock Dovecot, do not slow
down later logins (see `_before_first_connection`).
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import imaplib
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, ClassVar

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 20.0


class ImapServerError(RuntimeError):
    """The server did not start, or a helper's IMAP command was refused."""


@dataclass(frozen=True)
class StoredMessage:
    uid: int
    flags: frozenset[bytes]  # b"\\Seen", as imapclient gives them
    internaldate: str  # as the server sent it, with quotes, ready to pass back to APPEND
    raw: bytes


def find_dovecot() -> str | None:
    if Path("/usr/sbin/dovecot").exists():
        return "/usr/sbin/dovecot"
    return shutil.which("dovecot")


def pymap_available() -> bool:
    return importlib.util.find_spec("pymap") is not None


def imap_server_factory() -> type[DovecotServer] | type[PymapServer] | None:
    """The best IMAP server class this machine can run: Dovecot, else pymap, else None.

    SUPPORTDESK_TEST_IMAP=pymap (or dovecot) forces one kind (None if it is unavailable);
    =none pretends there is neither, to see what tests do on such a machine.
    """
    forced = os.environ.get("SUPPORTDESK_TEST_IMAP", "").strip().lower()
    if forced not in ("", "dovecot", "pymap", "none"):
        raise ValueError(f"SUPPORTDESK_TEST_IMAP={forced!r}: expected dovecot, pymap or none")
    if forced == "none":
        return None
    if forced == "pymap":
        return PymapServer if pymap_available() else None
    if forced == "dovecot":
        return DovecotServer if find_dovecot() else None
    if find_dovecot():
        return DovecotServer
    if pymap_available():
        return PymapServer
    return None


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _greeting(host: str, port: int) -> bytes | None:
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return sock.recv(512)
    except OSError:
        return None


def quote(name: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    if not name.isascii():
        raise ValueError(f"folder names are ASCII here (modified UTF-7 is not done): {name!r}")
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


_UID = re.compile(rb"\bUID (\d+)")
_FLAGS = re.compile(rb"\bFLAGS \(([^)]*)\)")
_INTERNALDATE = re.compile(rb'\bINTERNALDATE ("[^"]*")')
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")
_UIDVALIDITY = re.compile(rb"\bUIDVALIDITY (\d+)")


def _parse_fetch(data: list) -> list[tuple[bytes, bytes | None]]:
    """imaplib FETCH data -> [(metadata text, literal or None)], one per message.

    Servers order the items freely (pymap sends UID after the literal), so the text of a
    message is everything around its literal.
    """
    out: list[tuple[bytes, bytes | None]] = []
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):
            out.append((item[0], item[1]))
        elif out and out[-1][1] is not None and not re.match(rb"\d+ \(", item):
            meta, literal = out[-1]
            out[-1] = (meta + b" " + item, literal)
        else:
            out.append((item, None))
    return out


def _flags_of(meta: bytes) -> frozenset[bytes]:
    match = _FLAGS.search(meta)
    if not match:
        return frozenset()
    # \Recent is per session and differs between servers; leave it out.
    return frozenset(f for f in match.group(1).split() if f != b"\\Recent")


_started: weakref.WeakSet[_ImapServer] = weakref.WeakSet()


@atexit.register
def _kill_leftovers() -> None:
    """The servers run in sessions of their own, so nothing kills them with us: a test run
    that ends without close() (an exception in a script, ^C) must not leave them behind."""
    for server in list(_started):
        server.kill()
        shutil.rmtree(server.root, ignore_errors=True)


class _ImapServer:
    """Process management and the imaplib helpers shared by both servers."""

    kind: ClassVar[str] = "imap"
    #: True when mail survives stop/kill + start (Dovecot's maildir; not pymap's dict).
    persistent: ClassVar[bool] = True

    def __init__(self, user: str = "alice", password: str = "secret") -> None:
        self.user = user
        self.password = password
        self.root = Path(tempfile.mkdtemp(prefix=f"sd-{self.kind}-"))
        self._port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        #: Seconds the last start() took until the greeting was read.
        self.startup_seconds: float | None = None

    # -- what subclasses provide -----------------------------------------------------------
    def _prepare(self) -> None:
        """Write config files; called before every start."""

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _log_files(self) -> list[Path]:
        return [self.root / "output.log"]

    # -- addresses -------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return HOST

    @property
    def port(self) -> int:
        if self._port is None:
            raise ImapServerError("the server has no port before its first start()")
        return self._port

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the server and return once it sends its greeting. Keeps the port of an earlier
        start, so clients can reconnect to the same address after restart()."""
        if self.running:
            return
        attempts = 1 if self._port is not None else 3
        for attempt in range(attempts):
            if self._port is None or attempt:
                self._port = free_port()
            else:
                self._wait_port_free()
            if self._launch():
                return
            if "in use" not in self.logs():
                break
        raise ImapServerError(f"{type(self).__name__} did not start:\n{self.logs()}")

    def _wait_port_free(self) -> None:
        deadline = time.monotonic() + 10
        while not _port_is_free(self.host, self.port):
            if time.monotonic() > deadline:
                raise ImapServerError(f"port {self.port} is still taken; cannot restart")
            time.sleep(0.05)

    def _launch(self) -> bool:
        self._prepare()
        self._output = open(self.root / "output.log", "ab")  # noqa: SIM115 (closed in stop)
        started = time.monotonic()
        self._proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            start_new_session=True,
        )
        _started.add(self)
        deadline = started + STARTUP_TIMEOUT
        self._before_first_connection(deadline)
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._reap()
                return False
            greeting = _greeting(self.host, self.port)
            if greeting and greeting.startswith(b"* OK"):
                self.startup_seconds = time.monotonic() - started
                return True
            time.sleep(0.02)
        self.kill()
        raise ImapServerError(
            f"{type(self).__name__} sent no greeting within {STARTUP_TIMEOUT:.0f}s:\n{self.logs()}"
        )

    def _before_first_connection(self, deadline: float) -> None:
        """Called after the process started and before anything connects to it."""

    def stop(self) -> None:
        """Shut down gracefully: SIGTERM to every process of the server (Dovecot's sessions say
        "* BYE Server shutting down."), SIGKILL for what is left after 10 s."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            # To the whole group: Dovecot's master alone takes a second and leaves sessions up.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while self._proc.poll() is None and time.monotonic() < deadline:
                if self._group_alive() == {self._proc.pid}:
                    # Every child is gone, yet Dovecot's master sometimes sits out a 1 s
                    # timeout before exiting; nothing is left for it to do.
                    time.sleep(0.05)
                    if self._proc.poll() is None:
                        with contextlib.suppress(ProcessLookupError):
                            self._proc.kill()
                        break
                time.sleep(0.01)
        self._reap()

    def kill(self) -> None:
        """SIGKILL every process of the server at once: a crash, as clients see it."""
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._reap()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _reap(self) -> None:
        """Kill what is left of the process group, wait for the main process, close the log."""
        assert self._proc is not None
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # children of a stopped Dovecot exit by themselves
            if self._proc.poll() is not None and not self._group_alive():
                break
            time.sleep(0.01)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signal.SIGKILL)
        self._proc.wait()
        self._proc = None
        if self._output is not None:
            self._output.close()
            self._output = None

    def _group_alive(self) -> set[int]:
        """The pids of our process group that are not zombies (zombies count for kill(0))."""
        assert self._proc is not None
        pgid = self._proc.pid
        alive = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                alive.add(int(stat.parent.name))
        return alive

    def close(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> _ImapServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def logs(self) -> str:
        parts = []
        for path in self._log_files():
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace")
                if text:
                    parts.append(f"--- {path.name} ---\n{text}")
        return "\n".join(parts) or "(no log output)"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.user}@{HOST}:{self._port} running={self.running}>"

    # -- imaplib helpers (as the mailbox owner) -------------------------------------------
    def connect(self, timeout: float = 10.0) -> imaplib.IMAP4:
        """A new logged-in imaplib connection; the caller logs out."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=timeout)
        conn.login(self.user, self.password)
        return conn

    @contextlib.contextmanager
    def session(self) -> Iterator[imaplib.IMAP4]:
        conn = self.connect()
        try:
            yield conn
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                conn.logout()

    @staticmethod
    def _ok(result: tuple[str, list], what: str) -> list:
        typ, data = result
        if typ != "OK":
            raise ImapServerError(f"{what}: {typ} {data!r}")
        return data

    def folders(self) -> list[str]:
        with self.session() as conn:
            data = self._ok(conn.list(), "LIST")
        names = []
        for line in data:
            if not line:
                continue
            match = re.match(rb'\([^)]*\) (?:"[^"]*"|NIL) (.*)$', line)
            assert match, line
            name = match.group(1)
            if name.startswith(b'"'):
                name = name[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
            names.append(name.decode())
        return names

    def create_folder(self, folder: str) -> None:
        with self.session() as conn:
            self._ok(conn.create(quote(folder)), f"CREATE {folder}")

    def delete_folder(self, folder: str) -> None:
        with self.session() as conn:
            self._ok(conn.delete(quote(folder)), f"DELETE {folder}")

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[str | bytes] = (),
        internaldate: str | None = None,
    ) -> int:
        """APPEND one message and return its UID. Creates the folder when it does not exist.

        `internaldate` is an IMAP date-time string with its quotes, e.g. '"23-Nov-2026 09:00:00
        +0100"'; the server's clock is used when it is None.
        """
        with self.session() as conn:
            return self._append(conn, folder, raw, flags, internaldate)

    def _append(
        self,
        conn: imaplib.IMAP4,
        folder: str,
        raw: bytes,
        flags: Iterable[str | bytes],
        internaldate: str | None,
    ) -> int:
        flag_list = " ".join(f.decode() if isinstance(f, bytes) else f for f in flags)
        flag_arg = f"({flag_list})" if flag_list else None
        typ, data = conn.append(quote(folder), flag_arg, internaldate, raw)
        if typ != "OK" and b"TRYCREATE" in b" ".join(d for d in data if d):
            self._ok(conn.create(quote(folder)), f"CREATE {folder}")
            typ, data = conn.append(quote(folder), flag_arg, internaldate, raw)
        data = self._ok((typ, data), f"APPEND {folder}")
        match = _APPENDUID.search(b" ".join(d for d in data if d))
        if match:
            return int(match.group(2))
        # No UIDPLUS: the highest UID is ours (the helpers are the only writers meanwhile).
        self._ok(conn.select(quote(folder), readonly=True), f"EXAMINE {folder}")
        return max(self._uids(conn))

    def _uids(self, conn: imaplib.IMAP4) -> list[int]:
        data = self._ok(conn.uid("SEARCH", "ALL"), "UID SEARCH")
        return sorted(int(n) for n in b" ".join(d for d in data if d).split())

    def uids(self, folder: str) -> list[int]:
        with self.session() as conn:
            self._ok(conn.select(quote(folder), readonly=True), f"EXAMINE {folder}")
            return self._uids(conn)

    def uidvalidity(self, folder: str) -> int:
        with self.session() as conn:
            data = self._ok(conn.status(quote(folder), "(UIDVALIDITY)"), f"STATUS {folder}")
        match = _UIDVALIDITY.search(b" ".join(d for d in data if isinstance(d, bytes)))
        if not match:
            raise ImapServerError(f"STATUS {folder}: no UIDVALIDITY in {data!r}")
        return int(match.group(1))

    def fetch_flags(self, folder: str) -> dict[int, frozenset[bytes]]:
        """{uid: flags} for every message, flags as bytes like imapclient's (b"\\Seen"),
        without the per-session \\Recent."""
        with self.session() as conn:
            self._ok(conn.select(quote(folder), readonly=True), f"EXAMINE {folder}")
            if not self._uids(conn):
                return {}
            data = self._ok(conn.uid("FETCH", "1:*", "(UID FLAGS)"), "UID FETCH FLAGS")
        result: dict[int, frozenset[bytes]] = {}
        for meta, _ in _parse_fetch(data):
            match = _UID.search(meta)
            if match:
                result[int(match.group(1))] = _flags_of(meta)
        return result

    def messages(self, folder: str) -> list[StoredMessage]:
        """Every message of the folder in UID order, raw bytes included (read-only)."""
        with self.session() as conn:
            return self._messages(conn, folder)

    def _messages(self, conn: imaplib.IMAP4, folder: str) -> list[StoredMessage]:
        self._ok(conn.select(quote(folder), readonly=True), f"EXAMINE {folder}")
        if not self._uids(conn):
            return []
        data = self._ok(
            conn.uid("FETCH", "1:*", "(UID FLAGS INTERNALDATE BODY.PEEK[])"), "UID FETCH"
        )
        out = []
        for meta, literal in _parse_fetch(data):
            uid, date = _UID.search(meta), _INTERNALDATE.search(meta)
            if uid is None or literal is None:
                continue
            out.append(
                StoredMessage(
                    uid=int(uid.group(1)),
                    flags=_flags_of(meta),
                    internaldate=date.group(1).decode() if date else "",
                    raw=literal,
                )
            )
        return sorted(out, key=lambda m: m.uid)

    def recreate_folder_with_same_mail(self, folder: str, *, renumber: bool = False) -> list[int]:
        """Make the folder anew with the same messages (raw bytes, flags and dates kept), so its
        UIDVALIDITY changes. Returns the messages' new UIDs.

        A folder other than INBOX is DELETEd and CREATEd: UIDs start again from the first.
        INBOX cannot be deleted; on Dovecot it is emptied and given a new UIDVALIDITY in place
        (`doveadm mailbox update`): connections stay up, except that a session IDLE in INBOX
        gets "* BYE IMAP session state is inconsistent", as from a real Dovecot, and the new
        UIDs follow the old ones. renumber=True rebuilds INBOX instead (a quick restart that
        drops every connection) and numbers from the first UID again. pymap cannot do INBOX.
        """
        before = self.uidvalidity(folder)
        kept = self.messages(folder)
        self._recreate_empty(folder, before, renumber)
        with self.session() as conn:
            uids = [
                self._append(conn, folder, m.raw, m.flags, m.internaldate or None) for m in kept
            ]
        if self.uidvalidity(folder) == before:
            raise ImapServerError(f"UIDVALIDITY of {folder} did not change ({before})")
        return uids

    def _recreate_empty(self, folder: str, uidvalidity: int, renumber: bool) -> None:
        if folder.upper() == "INBOX":
            raise NotImplementedError(
                f"{type(self).__name__} cannot delete INBOX, so its UIDVALIDITY cannot change; "
                "use another folder"
            )
        with self.session() as conn:
            self._ok(conn.delete(quote(folder)), f"DELETE {folder}")
            self._ok(conn.create(quote(folder)), f"CREATE {folder}")

    def expunge_all(self, folder: str) -> None:
        with self.session() as conn:
            self._ok(conn.select(quote(folder)), f"SELECT {folder}")
            if self._uids(conn):
                self._ok(conn.uid("STORE", "1:*", "+FLAGS.SILENT", r"(\Deleted)"), "STORE")
                self._ok(conn.expunge(), "EXPUNGE")
            conn.close()


def _user_named(*names: str) -> pwd.struct_passwd:
    for name in names:
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ImapServerError(f"none of the users {names} exists")


# Dovecot 2.3's services with a chroot by default (doveconf -a).
_CHROOTED = (
    "aggregator",
    "anvil",
    "director",
    "imap-login",
    "imap-urlauth-login",
    "ipc",
    "old-stats",
    "pop3-login",
    "submission-login",
)


class DovecotServer(_ImapServer):
    """A private Dovecot (`dovecot -F -c <generated config>`) with maildir storage."""

    kind = "dovecot"
    persistent = True

    def __init__(
        self, user: str = "alice", password: str = "secret", binary: str | None = None
    ) -> None:
        binary = binary or find_dovecot()
        if binary is None:
            raise ImapServerError("dovecot is not installed (apt-get install dovecot-imapd)")
        super().__init__(user, password)
        self.binary = binary
        self.home = self.root / "home" / user
        self.maildir = self.home / "Maildir"
        self.config_path = self.root / "dovecot.conf"
        self._identities()
        if os.geteuid() == 0:
            # The mail, auth and login processes run as other users: let them in.
            self.root.chmod(0o755)
        (self.root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
        (self.root / "passwd").chmod(0o644)
        self.home.mkdir(parents=True)
        os.chown(self.home, self.mail_uid, self.mail_gid)

    def _identities(self) -> None:
        if os.geteuid() == 0:
            internal = _user_named("dovecot", "nobody")
            login = _user_named("dovenull", "nobody")
            mail = _user_named("nobody")
        else:
            internal = login = mail = pwd.getpwuid(os.geteuid())
        self.internal_user = internal.pw_name
        self.internal_group = grp.getgrgid(internal.pw_gid).gr_name
        self.login_user = login.pw_name
        self.mail_uid = mail.pw_uid
        self.mail_gid = mail.pw_gid

    def config_text(self, port: int) -> str:
        root = self.root
        unchroot = ""
        if os.geteuid() != 0:
            # chroot needs root: clear it for every service that has one by default.
            unchroot = "".join(f"service {name} {{\n  chroot =\n}}\n" for name in _CHROOTED)
        return f"""\
# Generated by tests/servers/imap.py: a private Dovecot for one test.
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = {HOST}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
auth_verbose = yes
default_internal_user = {self.internal_user}
default_internal_group = {self.internal_group}
default_login_user = {self.login_user}
first_valid_uid = {self.mail_uid}
first_valid_gid = {self.mail_gid}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={self.mail_uid} gid={self.mail_gid} home={root}/home/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
{unchroot}"""

    def _prepare(self) -> None:
        self.config_path.write_text(self.config_text(self.port))
        # A pid file left by a killed master would make a new one refuse to start if the pid
        # has been reused meanwhile.
        (self.root / "run" / "master.pid").unlink(missing_ok=True)

    def _command(self) -> list[str]:
        return [self.binary, "-F", "-c", str(self.config_path)]

    def _before_first_connection(self, deadline: float) -> None:
        """Turn off the auth penalty: after a failed login Dovecot 2.3 delays every login from
        the same IP by 2, 4, 8, then 15 s (good ones too), which would stall any test of a wrong
        password. No setting turns it off; the auth process does without it when the anvil
        socket it asks is missing. The master makes that socket together with the listeners,
        and the auth process only starts with the first connection, so remove it in between."""
        socket_path = self.root / "run" / "anvil-auth-penalty"
        assert self._proc is not None
        while not socket_path.exists():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                return  # _launch reports it
            time.sleep(0.005)
        socket_path.unlink()

    def _log_files(self) -> list[Path]:
        return [self.root / "dovecot.log", self.root / "output.log"]

    def _recreate_empty(self, folder: str, uidvalidity: int, renumber: bool) -> None:
        if folder.upper() != "INBOX":
            super()._recreate_empty(folder, uidvalidity, renumber)
        elif renumber or self.doveadm is None:
            self._rebuild_inbox()
        else:
            self.expunge_all(folder)
            uid_validity = str(uidvalidity + 1)
            self.doveadm(
                "mailbox", "update", "-u", self.user, "--uid-validity", uid_validity, folder
            )

    def _rebuild_inbox(self) -> None:
        """Stop Dovecot, delete INBOX's mail, UID list and indexes, start again on the same
        port: Dovecot makes a new UID list with the next UIDVALIDITY and numbers from 1, as
        after a real mailbox rebuild. Nobody can connect while the files change."""
        self.stop()
        for sub in ("cur", "new", "tmp"):
            for path in (self.maildir / sub).glob("*"):
                path.unlink()
        for pattern in ("dovecot-uidlist*", "dovecot.index*", "dovecot.list.index*"):
            for path in self.maildir.glob(pattern):
                path.unlink()
        self.start()

    @property
    def doveadm(self) -> Callable[..., str] | None:
        """`doveadm(*args) -> stdout` run against this server (with -c), if installed;
        e.g. doveadm("mailbox", "status", "-u", server.user, "all", "INBOX")."""
        binary = Path(self.binary).with_name("doveadm")
        path = str(binary) if binary.exists() else shutil.which("doveadm")
        if path is None:
            return None

        def run(*args: str) -> str:
            cmd = [path, "-c", str(self.config_path), *args]
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            if result.returncode != 0:
                raise ImapServerError(f"{' '.join(cmd)}: {result.stderr.strip()}")
            return result.stdout

        return run


# pymap hashes the demo password with PBKDF2 and checks every LOGIN against it: ~0.15 s per
# login. A test server's password needs no hashing, so use pysasl's Cleartext where it exists.
_PYMAP_LAUNCHER = """
import sys
try:
    from pysasl.hashing import Cleartext
    from pymap.config import IMAPConfig
    IMAPConfig._get_hash_context = classmethod(lambda cls, passlib_cfg: Cleartext())
except (ImportError, AttributeError):
    pass
from pymap.main import main
sys.exit(main())
"""


class PymapServer(_ImapServer):
    """pymap's in-memory `dict` backend in a child process: for machines without Dovecot.

    Mail lives in that process's memory, so stop/kill + start begins with an empty mailbox
    (`persistent` is False), and INBOX cannot be deleted, so its UIDVALIDITY cannot change.
    UIDs of a new folder start at 101.
    """

    kind = "pymap"
    persistent = False

    def __init__(self, user: str = "alice", password: str = "secret") -> None:
        if not pymap_available():
            raise ImapServerError("pymap is not installed (pip install pymap)")
        super().__init__(user, password)

    def _command(self) -> list[str]:
        return [
            sys.executable,
            "-c",
            _PYMAP_LAUNCHER,
            "--pid-file",
            str(self.root / "pymap.pid"),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--no-tls",
            *("--no-service", "admin", "--no-service", "managesieve", "--no-service", "swim"),
            "dict",
            "--demo-user",
            self.user,
            "--demo-password",
            self.password,
        ]
