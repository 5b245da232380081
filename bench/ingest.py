"""Mail ingest benchmark: 10,000 realistic messages in a loopback Dovecot folder.

    python bench/ingest.py [--messages 10000]

In one run, against the same folder:
(a) a bare imapclient loop that only fetches every message with BODY.PEEK[] — the floor;
(b) mbsync (Debian package isync, default settings) copying the folder to a Maildir — what a
    user would otherwise run;
(c) `supportdesk poll --once` into an empty SQLite database: fetch, parse, detect loops,
    thread, store the originals, index.
Prints messages per second and the ratios. Goals: faster than mbsync, within 5x of the floor.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from bench.bytecode import compile_package  # noqa: E402
from supportdesk.store import demo_scenarios as content  # noqa: E402
from tests.servers.imap import DovecotServer  # noqa: E402

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def messages(count: int) -> list[bytes]:
    rng = random.Random(11)
    scenarios = content.SCENARIOS
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    result = []
    for index in range(count):
        scenario = rng.choice(scenarios)
        language = str(scenario["language"])
        first, gender = rng.choice(content.FIRST_NAMES[language])
        last = rng.choice(content.LAST_NAMES[language][gender])
        mail = EmailMessage()
        mail["From"] = f"{first} {last} <c{index % 3000}@example-{language}.test>"
        mail["To"] = "support@telvio.example"
        mail["Subject"] = str(scenario["subject"])
        mail["Date"] = format_datetime(start + timedelta(minutes=index))
        mail["Message-ID"] = make_msgid(domain=f"example-{language}.test")
        texts = scenario["customer_messages"]
        body = "\n\n".join(rng.sample(list(texts), k=min(len(texts), 2)))  # type: ignore[arg-type]
        kind = index % 10
        if kind < 6:
            mail.set_content(body)
        elif kind < 9:
            mail.set_content(body)
            paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            mail.add_alternative(
                f"<html><body>{paragraphs}<ul><li>{first}</li></ul></body></html>", subtype="html"
            )
        else:
            mail.set_content(body)
            mail.add_attachment(
                os.urandom(20_000), maintype="application", subtype="pdf", filename="faktura.pdf"
            )
        result.append(mail.as_bytes())
    return result


def bare_fetch(server: DovecotServer) -> float:
    started = time.perf_counter()
    with IMAPClient(server.host, port=server.port, ssl=False) as client:
        client.login(server.user, server.password)
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        for start in range(0, len(uids), 100):
            client.fetch(uids[start : start + 100], ["BODY.PEEK[]"])
    return time.perf_counter() - started


def mbsync(server: DovecotServer, folder: Path) -> float | None:
    if shutil.which("mbsync") is None:
        return None
    target = folder / "mbsync-maildir"
    target.mkdir()
    config = folder / "mbsyncrc"
    config.write_text(
        f"IMAPAccount bench\nHost {server.host}\nPort {server.port}\nUser {server.user}\n"
        f"Pass {server.password}\nSSLType None\nAuthMechs LOGIN\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {target}/\nInbox {target}/INBOX\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\n"
        "Sync Pull\nSyncState *\n"
    )
    started = time.perf_counter()
    result = subprocess.run(["mbsync", "-c", str(config), "bench"], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        print(f"mbsync failed: {result.stderr.strip()[:500]}")
        return None
    return elapsed


def supportdesk_poll(server: DovecotServer, folder: Path) -> float:
    config = folder / "config.toml"
    config.write_text(
        '[[email]]\nname = "support"\naddress = "support@telvio.example"\n'
        f'imap_host = "127.0.0.1"\nimap_port = {server.port}\nimap_tls = "none"\n'
        f'imap_user = "{server.user}"\nsmtp_host = "127.0.0.1"\nsmtp_tls = "none"\n'
        'password_secret = "bench"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {"SUPPORTDESK_SECRET_BENCH": server.password, "XDG_DATA_HOME": str(folder / "data")}
    database = folder / "bench.db"
    subprocess.run(
        [SUPPORTDESK, "--config", str(config), "--db", str(database), "db", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    # Output to files, not pipes: nothing is read until the process has ended.
    with (folder / "poll.out").open("w+") as out, (folder / "poll.err").open("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [SUPPORTDESK, "--config", str(config), "--db", str(database), "poll", "--once"],
            env=env,
            stdout=out,
            stderr=err,
        )
        worker = WorkerCpu(process.pid)
        worker.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        worker.stop()
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if status != 0:
        raise SystemExit(f"poll failed: {output}\n{errors}")
    print(f"  {output.strip()}")
    # wait4 counts the poll process and the worker it waited for; the worker's own share is
    # what it had used when last seen (it is idle by then).
    total = usage.ru_utime + usage.ru_stime
    if worker.seconds is not None:
        poller = total - worker.seconds
        print(f"  CPU: poll process {poller:.2f} s, parse worker {worker.seconds:.2f} s")
    else:
        print(f"  CPU: poll process and parse worker {total:.2f} s")
    return elapsed


class WorkerCpu(threading.Thread):
    """The CPU seconds of a process's children, read from /proc every few milliseconds
    (Linux; elsewhere `seconds` stays None)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.seen: dict[int, float] = {}
        self._stop_event = threading.Event()

    @property
    def seconds(self) -> float | None:
        return sum(self.seen.values()) if self.seen else None

    def run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        while not self._stop_event.wait(0.02):
            try:
                pids = [int(p) for p in children.read_text().split()]
            except OSError:
                continue
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                self.seen[pid] = (int(fields[11]) + int(fields[12])) / tick

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        os.chmod(folder, 0o755)
        server = DovecotServer()
        server.start()
        try:
            raw = messages(args.messages)
            size = sum(len(r) for r in raw) / 1024 / 1024
            print(f"appending {len(raw)} messages ({size:.0f} MB) to a loopback Dovecot folder")
            with IMAPClient(server.host, port=server.port, ssl=False) as client:
                client.login(server.user, server.password)
                for message in raw:
                    client.append("INBOX", message)
            n = len(raw)
            floor = bare_fetch(server)
            print(f"(a) bare fetch:        {floor:7.2f} s  {n / floor:9,.0f} msgs/s")
            synced = mbsync(server, folder)
            if synced is None:
                print("(b) mbsync:            not run (apt install isync)")
            else:
                print(f"(b) mbsync:            {synced:7.2f} s  {n / synced:9,.0f} msgs/s")
            ours = supportdesk_poll(server, folder)
            print(f"(c) supportdesk poll:  {ours:7.2f} s  {n / ours:9,.0f} msgs/s")
            print(f"ratio to the bare fetch: {ours / floor:.1f}x (goal 5x)")
            if synced:
                print(f"ratio to mbsync:         {ours / synced:.2f}x (goal below 1)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
