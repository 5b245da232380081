"""Telegram ingest benchmark: updates per second into the desk against the bare floor.

    python bench/telegram.py [--updates 10000] [--db sqlite|URL]

The local Bot API server of the tests (tests/servers/telegram.py) serves the same updates —
private messages from 500 customers, a few with photos — twice:

1. the floor: a bare loop that only calls python-telegram-bot's `get_updates` with the next
   offset and throws the updates away;
2. `supportdesk poll --once`, a real process: every update parsed, its JSON kept, customers,
   tickets, messages, files and the offset stored batch by batch.

Prints updates per second for both and the ratio. Goal: within 3x of the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This file is named like the library it measures: its folder must not shadow `telegram`.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from telegram import Bot  # noqa: E402

from tests.servers.telegram import TelegramServer, private_message, user  # noqa: E402

SUPPORTDESK = str(Path(sys.executable).parent / "supportdesk")


def fill(server: TelegramServer, count: int) -> None:
    photo = server.add_file(b"\xff\xd8\xff" + b"jpeg" * 5000, path="photos/p.jpg")
    for index in range(count):
        sender = user(100_000 + index % 500, f"Klient {index % 500}", None, None, "pl")
        if index % 50 == 0:
            size = {"width": 640, "height": 480, "file_size": 20003}
            server.push(
                private_message(
                    sender,
                    caption=f"Zrzut ekranu {index}",
                    photo=[{"file_id": photo, "file_unique_id": f"p{index}", **size}],
                )
            )
        else:
            server.push(private_message(sender, f"Wiadomość numer {index}: nie działa telefon"))


async def floor(server: TelegramServer) -> int:
    bot = Bot(server.token, base_url=server.api_url)
    seen = 0
    async with bot:
        offset = None
        while True:
            updates = await bot.get_updates(offset=offset, timeout=0, limit=100)
            if not updates:
                return seen
            seen += len(updates)
            offset = updates[-1].update_id + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (a new file) or a database URL")
    args = parser.parse_args()

    server = TelegramServer()
    server.start()
    try:
        fill(server, args.updates)
        started = time.perf_counter()
        seen = asyncio.run(floor(server))
        floor_seconds = time.perf_counter() - started
        assert seen == args.updates, seen

        fill(server, args.updates)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config.toml"
            config.write_text(
                '[[telegram]]\nname = "bot"\ntoken_secret = "bench-bot"\n'
                f'api_url = "{server.api_url}"\n',
                encoding="utf-8",
            )
            database = str(Path(folder) / "bench.db") if args.db == "sqlite" else args.db
            env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
            env |= {
                "SUPPORTDESK_SECRET_BENCH_BOT": server.token,
                "XDG_DATA_HOME": folder,
                "SUPPORTDESK_DATA_DIR": folder,
            }
            base = [SUPPORTDESK, "--config", str(config), "--db", database]
            # The database is created (migrated) before the clock starts.
            subprocess.run([*base, "db", "upgrade"], env=env, check=True, capture_output=True)
            started = time.perf_counter()
            done = subprocess.run(
                [*base, "poll", "--once"], env=env, capture_output=True, text=True
            )
            poll_seconds = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(f"poll --once failed:\n{done.stdout}\n{done.stderr}")
            print(done.stdout.strip())
    finally:
        server.close()

    floor_rate = args.updates / floor_seconds
    poll_rate = args.updates / poll_seconds
    ratio = floor_rate / poll_rate
    print(f"{args.updates} updates ({args.db})")
    print(f"  floor: get_updates and discard  {floor_rate:9.0f} updates/s  ({floor_seconds:.2f} s)")
    print(f"  supportdesk poll --once         {poll_rate:9.0f} updates/s  ({poll_seconds:.2f} s)")
    print(f"  ratio {ratio:.2f}x (goal: within 3x) — {'met' if ratio <= 3 else 'NOT met'}")


if __name__ == "__main__":
    main()
