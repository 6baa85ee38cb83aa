"""Small measurements run in their own process on a benchmark database.

    python bench/probes.py first-rows DB       refs the queue and the floor app show first
    python bench/probes.py scheduler DB [N]    raise every due review with evidence, N times
    python bench/probes.py cli-imports ARGS…   run ``sms-tui ARGS…``; did it import Textual?

Each prints one JSON object on stdout.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import time
from pathlib import Path


def first_rows(db: Path) -> dict:
    import sqlite3

    from sms_tui.config import Config
    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store
    from sms_tui.services.core.views import QueueFilter

    store = Store(db, Config(), "bench")
    try:
        rows = RecordService(store).list("incident", QueueFilter(), limit=1)
        total = RecordService(store).count("incident", QueueFilter(open_only=False))
    finally:
        store.close()
    con = sqlite3.connect(db)
    try:  # the floor app's query (bench/floors/sqlmodel_app.py)
        (floor,) = con.execute(
            "SELECT ref FROM incident ORDER BY priority, created_at, id LIMIT 1").fetchone()
    finally:
        con.close()
    return {"queue_first": rows[0].ref if rows else None, "floor_first": floor, "incidents": total}


def raise_all_reviews_rolled_back(store) -> tuple[float, int]:
    """Seconds ReviewService.raise_due takes when every schedule's period has just ended.

    Each of the seventeen schedules is set due now for its last complete period
    (month, quarter or year) and raised with its evidence pre-filled from the
    records, inside one transaction that is then rolled back, so the database
    is left as it was and the measurement can be repeated.
    """
    from sqlmodel import Session, select

    from sms_tui.domain.schedule import aligned_start_after, occurrence, parse_interval
    from sms_tui.services.reviews.service import ReviewService
    from sms_tui.storage.reviews import ReviewSchedule

    now = store.now()
    with Session(store.engine) as session:
        session.begin()
        try:
            bound = store.bound(session, now)
            reviews = ReviewService(bound)
            reviews.ensure_schedules()
            for row in session.exec(select(ReviewSchedule)).all():
                interval = parse_interval(row.interval)
                due = occurrence(aligned_start_after(now, interval), interval, -1)
                row.anchor, row.next_due, row.paused = due, due, False
            session.flush()
            start = time.perf_counter()
            result = reviews.raise_due(now)
            session.flush()
            seconds = time.perf_counter() - start
        finally:
            session.rollback()
    return seconds, len(result.raised)


def scheduler(db: Path, repeat: int) -> dict:
    from sms_tui.config import Config
    from sms_tui.services.core.store import Store

    store = Store(db, Config(), "bench")
    try:
        runs = [raise_all_reviews_rolled_back(store) for _ in range(repeat)]
    finally:
        store.close()
    return {"median_s": statistics.median(s for s, _ in runs), "max_s": max(s for s, _ in runs),
            "raised": runs[0][1]}


def cli_imports(args: list[str]) -> dict:
    from sms_tui.cli import main

    with contextlib.suppress(SystemExit):
        main(args, standalone_mode=False)
    return {"textual_imported": any(m == "textual" or m.startswith("textual.") for m in sys.modules)}


def main() -> None:
    what, rest = sys.argv[1], sys.argv[2:]
    if what == "first-rows":
        result = first_rows(Path(rest[0]))
    elif what == "scheduler":
        result = scheduler(Path(rest[0]), int(rest[1]) if len(rest) > 1 else 3)
    elif what == "cli-imports":
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            result = cli_imports(rest)
    else:
        raise SystemExit(f"unknown probe {what!r}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
