"""Render the main screens of the real app on demo data to SVG: ``python -m sms_tui.screenshots``.

A fresh database in a temporary folder is filled with the demo desk
(:func:`sms_tui.services.demo.service.fill_demo`) on a fixed clock, the app is driven
with key presses as an analyst would, and each screen is saved under
``screenshots/`` (the README shows them). Re-run it whenever the UI changes;
the same code gives the same pictures.

    python -m sms_tui.screenshots [--out screenshots] [--size 120x40] [--count 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# (file name, keys pressed from the start, what it shows, size override)
SHOTS: tuple[tuple[str, tuple[str, ...], str, tuple[int, int] | None], ...] = (
    ("queue", (), "The incident queue, by priority then age", None),
    ("queue-80x24", (), "The same queue at 80×24", (80, 24)),
    ("detail", ("enter",), "An incident: fields, links, journal", None),
    ("form", ("n", "tab", "h", "tab", "h"), "A new incident, priority shown live", None),
    ("transition", ("enter", "t"), "Moving a record along its lifecycle", None),
    ("changes", ("5",), "The change queue", None),
    ("reviews", ("6",), "Review tasks: overdue and due soon, in words", None),
    ("reports", ("7",), "Service report with trends against the previous period", None),
    ("outbox", ("8",), "Communications to top management (major incidents)", None),
    ("calendar", ("9",), "The change calendar", None),
    ("dashboard", ("0",), "Home: open records per queue and priority", None),
    ("help", ("question_mark",), "Every key, from the bindings", None),
    ("configuration", ("G", "down", "enter"), "Services and CIs: relationships, impact, records",
     None),
)

CLOCK = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday morning


async def _settle(pilot) -> None:
    app = pilot.app
    for _ in range(30):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    for widget in app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
    await pilot.pause()


async def _shoot(db: Path, keys: tuple[str, ...], size: tuple[int, int]) -> str:
    from .config import Config
    from .ui.app import DeskApp

    app = DeskApp(db_path=db, config=Config(), actor="sam", clock=lambda: CLOCK, poll_interval=None)
    async with app.run_test(size=size) as pilot:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
        return app.export_screenshot(title="sms-tui")


def _demo_db(folder: Path, count: int) -> Path:
    from .services.core.store import Store
    from .services.demo.service import fill_demo
    from .services.reviews.service import ReviewService

    db = folder / "demo.db"
    store = Store(db, actor="sam", clock=lambda: CLOCK)
    try:
        fill_demo(store, count=count)
    finally:
        store.close()
    # The desk has kept its review schedules for six weeks: seed them then, raise what fell due since.
    seeded = Store(db, actor="sam", clock=lambda: CLOCK - timedelta(days=45))
    try:
        ReviewService(seeded).ensure_schedules()
        ReviewService(seeded).raise_due(CLOCK - timedelta(days=3))
    finally:
        seeded.close()
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_tui.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"), help="folder for the SVGs")
    parser.add_argument("--size", default="120x40", help="terminal size, WIDTHxHEIGHT")
    parser.add_argument("--count", type=int, default=200, help="demo records")
    args = parser.parse_args(argv)
    width, _, height = args.size.partition("x")
    size = (int(width), int(height))
    os.environ["TZ"] = "UTC"  # the same pictures on every machine
    time.tzset()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = _demo_db(Path(tmp), args.count)
        for name, keys, what, override in SHOTS:
            svg = asyncio.run(_shoot(db, keys, override or size))
            path = args.out / f"{name}.svg"
            path.write_text(svg, encoding="utf-8")
            print(f"{path}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
