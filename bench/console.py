"""Console benchmark, headless, on a --scale demo database (default 100,000 tickets).

    python bench/console.py [--scale 100000] [--presses 200]

1. Start-up: from process start to the first painted queue (rows on screen), against a bare
   Textual app showing one DataTable of 50 rows, both started as fresh processes here, each
   several times (median). Goal: within 1.5x.
2. Key press to repaint: cursor moves (j/k) and typing in the filter; the 95th percentile of
   the time from the key to the end of the screen update. Goal: under 50 ms. (The filter
   result itself arrives after a deliberate 150 ms pause in typing; that is timed apart.)
3. Peak memory (max RSS) of the console process. Goal: under 250 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bytecode import compile_package  # noqa: E402

BARE_APP = r"""
import sys, time
from textual.app import App
from textual.widgets import DataTable

class Bare(App):
    def compose(self):
        yield DataTable()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("SLA", "Pri", "#", "Customer", "Subject", "Ch", "Assignee", "Age")
        for i in range(50):
            table.add_row(
                "1h 00m", "norm", str(1000 + i), "Customer", "A subject", "mail", "ann", "2d"
            )
        self.call_after_refresh(self.painted)

    def painted(self):
        print("PAINTED", flush=True)
        self.exit()

Bare().run(headless=True, size=(160, 48))
"""

# Started as the `supportdesk` command starts (supportdesk/launch.py): the collector waits
# until the first screen is drawn.
CONSOLE_APP = r"""
import resource, sys
from supportdesk import launch
launch.hold_collection()
from supportdesk.__main__ import make_app
from supportdesk.clock import SystemClock
from supportdesk.config import load_settings
from supportdesk.screens.queue import QueueLoaded, QueueScreen
from supportdesk.store.db import open_database
from supportdesk.store.desk import Desk

settings = load_settings(None, overrides={"agent": "ann"}, environ={})
desk = Desk(open_database(sys.argv[1]), SystemClock(), agent="ann")
app = make_app(settings, desk)
original = QueueScreen.on_queue_loaded

def loaded(self, message):
    original(self, message)
    self.app.call_after_refresh(done)

def done():
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"PAINTED {rss}", flush=True)
    app.exit()

QueueScreen.on_queue_loaded = loaded
app.run(headless=True, size=(160, 48))
"""


def start_time(script: str, *args: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    lines = result.stdout.splitlines()
    line = next((text for text in lines if text.startswith("PAINTED")), None)
    if line is None:
        raise SystemExit(f"the app did not paint:\n{result.stdout}\n{result.stderr}")
    parts = line.split()
    return elapsed, int(parts[1]) if len(parts) > 1 else 0


class PaintWatch:
    """Times from a key to the next screen update the app paints (in headless mode Textual
    still composes every update and hands it to App._display)."""

    def __init__(self, app) -> None:
        self.app = app
        self.painted = asyncio.Event()
        original = app._display

        def display(screen, renderable) -> None:
            if renderable is not None:
                self.painted.set()
            original(screen, renderable)

        app._display = display

    async def key(self, key: str) -> float:
        self.painted.clear()
        started = time.perf_counter()
        self.app.simulate_key(key)
        try:
            await asyncio.wait_for(self.painted.wait(), timeout=2)
        except TimeoutError:
            return 2000.0
        return (time.perf_counter() - started) * 1000


async def key_latencies(
    database: str, presses: int
) -> tuple[list[float], list[float], list[float]]:
    from supportdesk.__main__ import make_app
    from supportdesk.clock import SystemClock
    from supportdesk.config import load_settings
    from supportdesk.screens.queue import QueueScreen
    from supportdesk.store.db import open_database
    from supportdesk.store.desk import Desk

    settings = load_settings(None, overrides={"agent": "ann"}, environ={})
    app = make_app(settings, Desk(open_database(database), SystemClock(), agent="ann"))
    moves: list[float] = []
    typing: list[float] = []
    results: list[float] = []
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            screen = app.screen
            if isinstance(screen, QueueScreen) and screen.order:
                break
        await pilot.pause(0.3)
        watch = PaintWatch(app)
        for index in range(presses):
            key = "j" if (index // 40) % 2 == 0 else "k"
            moves.append(await watch.key(key))
            await asyncio.sleep(0.02)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        for word in ("telefon", "invoice", "GA4", "zvonki", "sip"):
            await watch.key("slash")
            await asyncio.sleep(0.05)
            for char in word:
                typing.append(await watch.key(char))
                await asyncio.sleep(0.03)
            started = time.perf_counter()
            request = screen._request
            while time.perf_counter() - started < 5:
                await asyncio.sleep(0.005)
                if screen._request != request and not any(
                    w.group == "queue-load" for w in app.workers if w.is_running
                ):
                    break
            results.append((time.perf_counter() - started) * 1000)
            await watch.key("escape")
            await asyncio.sleep(0.3)
    return moves, typing, results


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    compile_package()
    from supportdesk.store.db import open_database, upgrade
    from supportdesk.store.demo import build_demo

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.db")
        database = open_database(path)
        upgrade(database)
        started = time.perf_counter()
        build_demo(database, now=datetime.now(UTC), scale=args.scale)
        database.dispose()
        print(f"demo database: {args.scale} tickets in {time.perf_counter() - started:.1f} s")

        bare = [start_time(BARE_APP)[0] for _ in range(args.starts)]
        runs = [start_time(CONSOLE_APP, path) for _ in range(args.starts)]
        ours = [elapsed for elapsed, _rss in runs]
        peak = max(rss for _elapsed, rss in runs) / 1024
        b, o = statistics.median(bare), statistics.median(ours)
        print(
            f"start to first painted queue: {o * 1000:.0f} ms (median of {args.starts}); "
            f"bare Textual DataTable app {b * 1000:.0f} ms; ratio {o / b:.2f}x (goal 1.5x)"
        )
        print(f"peak memory of the console: {peak:.0f} MB (goal 250 MB)")
        moves, typing, results = asyncio.run(key_latencies(path, args.presses))
        print(
            f"cursor key to repaint: median {statistics.median(moves):.1f} ms, "
            f"p95 {pct(moves, 0.95):.1f} ms over {len(moves)} presses (goal p95 50 ms)"
        )
        print(
            f"filter key to repaint: median {statistics.median(typing):.1f} ms, "
            f"p95 {pct(typing, 0.95):.1f} ms over {len(typing)} keys (goal p95 50 ms)"
        )
        print(
            f"filter result after the last key (includes the 150 ms typing pause): "
            f"median {statistics.median(results):.0f} ms, max {max(results):.0f} ms"
        )


if __name__ == "__main__":
    main()
