"""Queue interactions on a big database, keystroke to repaint, driven by Textual's Pilot.

    python bench/interactions.py DB [--repeat N] [--memory]

Runs the real DeskApp headless at 100x30 on DB and prints one JSON object.

Keystroke to repaint: the key is handed to the app's driver as a terminal
would (no Pilot settling in between), and the clock stops at the first frame
the compositor produces after the widget holds the new rows (``App._display``
is called for every frame, even headless; only the terminal write is
skipped). Each interaction is repeated and its median and maximum reported.
Page caches are dropped before "jump to end" so each jump reads the database.

``--memory``: instead, open the queue of all records, jump end to end and
sweep the scroll position over the whole queue, then report the process's
peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
import unicodedata
from pathlib import Path

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

from sms_tui.config import Config
from sms_tui.ui.app import DeskApp
from sms_tui.ui.screens.detail import RecordScreen
from sms_tui.ui.screens.queue import QueueScreen
from sms_tui.ui.widgets.queue_table import QueueTable

TIMEOUT = 60.0
# How often the harness looks whether the new rows are in. Looking costs the app's
# thread the GIL, which its database worker needs: looking every millisecond
# slowed the measured work itself by a third. Frames are timestamped as they are
# composed, so a coarser look changes when the clock stops by at most POLL.
POLL = 0.004
SEARCH_WORDS = ("vpn", "printer", "password", "lt4821", "outlook")


class Harness:
    def __init__(self, app: DeskApp) -> None:
        self.app = app
        self.frames: list[float] = []
        self.arrivals = 0
        original = app._display

        def display(screen, renderable):  # every composed frame, headless or not
            if renderable is not None:
                self.frames.append(time.perf_counter())
            return original(screen, renderable)

        app._display = display

    @property
    def table(self) -> QueueTable:
        return self.app.screen.query_one(QueueTable)

    def watch_table(self) -> None:
        table = self.table
        if getattr(table, "_bench_watched", False):
            return
        original = table._set_total

        def set_total(total: int) -> None:
            self.arrivals += 1
            original(total)

        table._set_total = set_total
        table._bench_watched = True

    def state(self) -> str:
        screen = self.app.screen
        table = self.table if isinstance(screen, QueueScreen) else None
        return (f"screen={type(screen).__name__} filter={getattr(screen, 'flt', None)} "
                f"focused={self.app.focused} total={getattr(table, 'total', None)} "
                f"cursor={getattr(table, 'cursor', None)} arrivals={self.arrivals}")

    def ready(self) -> bool:
        """The queue's count is known and every visible row is loaded."""
        if not isinstance(self.app.screen, QueueScreen):
            return False
        table = self.table
        if table.total is None or table.source is None:  # no source: the first page, before the services
            return False
        top = round(table.scroll_y)
        visible = range(top, min(table.total, top + table._body_height))
        return all(table._row(i) is not None for i in visible) and not table._pending

    def key(self, key: str) -> None:
        """Hand a key to the app as the terminal driver would."""
        # the same translation as App._press_keys (what Pilot.press does)
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(self.app)
        self.app._driver.send_message(event)

    async def timed(self, key: str, done) -> float:
        """Seconds from sending ``key`` until the first frame after ``done()`` holds."""
        start = time.perf_counter()
        self.frames.clear()
        self.key(key)
        last_false = start
        while True:
            now = time.perf_counter()
            if now - start > TIMEOUT:
                raise TimeoutError(f"{key}: not done after {TIMEOUT}s ({self.state()})")
            if done():
                break
            last_false = now
            await asyncio.sleep(POLL)
        while True:
            painted = [t for t in self.frames if t >= last_false]
            if painted:
                return painted[0] - start
            if time.perf_counter() - start > TIMEOUT:
                raise TimeoutError(f"{key}: no frame after the data arrived")
            await asyncio.sleep(POLL)

    async def settle(self, pilot) -> None:
        for _ in range(3000):
            if self.ready():
                break
            await asyncio.sleep(0.005)
        await pilot.pause(0.05)

    # ------------------------------------------------------------------ interactions
    async def page_down(self, n: int) -> list[float]:
        out = []
        for _ in range(n):
            table = self.table
            target = min(table.total - 1, table.cursor + table._body_height)
            out.append(await self.timed("pagedown", lambda t=target: self.table.cursor == t and self.ready()))
        return out

    async def jump_to_end(self, pilot, n: int) -> list[float]:
        out = []
        for _ in range(n):
            self.table._pages.clear()  # cold: the rows must come from the database
            self.table._lines.clear()
            out.append(await self.timed(
                "end", lambda: self.table.cursor == self.table.total - 1 and self.ready()))
            self.key("home")
            await self.settle(pilot)
        return out

    async def reloaded_by(self, key: str) -> float:
        before = self.arrivals
        return await self.timed(key, lambda: self.arrivals > before and self.ready())

    async def sorts(self, n: int) -> list[float]:
        return [await self.reloaded_by("S") for _ in range(n)]

    async def priority_filter(self, n: int) -> list[float]:
        return [await self.reloaded_by("p") for _ in range(n)]

    async def open_all(self, pilot, n: int) -> list[float]:
        """From the open records to all of them (``o``), ``n`` times; back to the open ones
        between, untimed; ends on all records."""
        out = []
        for i in range(n):
            out.append(await self.reloaded_by("o"))
            if i < n - 1:
                await self.settle(pilot)
                await self.reloaded_by("o")
                await self.settle(pilot)
        return out

    async def search(self, pilot, words: tuple[str, ...]) -> list[float]:
        out = []
        for word in words:
            self.key("slash")
            await pilot.pause(0.05)
            before = self.arrivals
            # typed and applied at once (Enter), so the search-as-you-type pause never fires;
            # the clock starts at Enter and includes the Input taking the characters
            for ch in word:
                self.key(ch)
            out.append(await self.timed(
                "enter", lambda w=word, b=before: self.arrivals > b and self.ready()
                and self.app.screen.flt.text == w))
            before = self.arrivals
            self.key("escape")  # clears the search
            for _ in range(2000):
                if self.arrivals > before and self.ready():
                    break
                await asyncio.sleep(0.005)
            await pilot.pause(0.05)
        return out

    async def open_record(self, pilot, n: int) -> list[float]:
        out = []
        for _ in range(n):
            out.append(await self.timed(
                "enter", lambda: isinstance(self.app.screen, RecordScreen)
                and self.app.screen.view is not None))
            self.key("escape")
            for _ in range(2000):
                if isinstance(self.app.screen, QueueScreen) and self.ready():
                    break
                await asyncio.sleep(0.005)
            await pilot.pause(0.05)
            self.key("down")
            await self.settle(pilot)
        return out


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": statistics.median(values) * 1000, "max_ms": max(values) * 1000,
            "n": len(values)}


async def queue_figures(h: Harness, pilot, queue: str, repeat: int, results: dict) -> None:
    """Every keystroke figure on the queue on screen, named ``queue: figure``."""
    results[f"{queue} queue rows"] = {"rows": h.table.total}
    results[f"{queue}: page down"] = summary(await h.page_down(repeat * 2))
    results[f"{queue}: jump to end"] = summary(await h.jump_to_end(pilot, repeat))
    results[f"{queue}: change sort"] = summary(await h.sorts(4))
    await h.settle(pilot)
    results[f"{queue}: text filter"] = summary(await h.search(pilot, SEARCH_WORDS[:repeat]))
    results[f"{queue}: quick filter (priority)"] = summary(await h.priority_filter(6))
    results[f"{queue}: open a record"] = summary(await h.open_record(pilot, repeat))


async def run(db: Path, repeat: int) -> dict:
    app = DeskApp(db_path=db, config=Config(), actor="bench", poll_interval=2.0)
    h = Harness(app)
    results: dict[str, dict] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        await h.settle(pilot)
        h.watch_table()
        await queue_figures(h, pilot, "open", repeat, results)
        # every record of the kind: the million
        results["all: quick filter (open/all)"] = summary(await h.open_all(pilot, repeat))
        await queue_figures(h, pilot, "all", repeat, results)
        app.exit()
    return results


async def memory(db: Path) -> dict:
    app = DeskApp(db_path=db, config=Config(), actor="bench", poll_interval=2.0)
    h = Harness(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await h.settle(pilot)
        h.watch_table()
        await h.reloaded_by("o")  # all records
        total = h.table.total
        for key in ("end", "home", "end"):
            h.key(key)
            await h.settle(pilot)
        for step in range(0, 101, 2):  # drag the scroll bar end to end
            h.table.scroll_to(y=total * step // 100, animate=False, immediate=True)
            await h.settle(pilot)
        for _ in range(50):
            h.key("pageup")
            await h.settle(pilot)
        app.exit()
    return {"rows": total, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=lambda v: v if "://" in v else Path(v),
                        help="a desk file, or a postgresql:// URL (team mode)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(memory(args.db) if args.memory else run(args.db, args.repeat))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
