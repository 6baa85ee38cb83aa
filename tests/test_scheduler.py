"""The background scheduler: raises due reviews, runs registered checks, stops promptly."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from sms_tui.services.core.scheduler import DeskScheduler, register_periodic, unregister_periodic
from sms_tui.services.reviews.service import ReviewService

APRIL = datetime(2026, 4, 1, 0, 1, tzinfo=UTC)
WAIT = 30  # seconds; only ever reached if the behaviour under test is broken


@pytest.fixture
def seeded(store):
    ReviewService(store).ensure_schedules()  # first used on 2026-03-02
    return store


@pytest.fixture
def check():
    """Register a periodic check for one test only."""
    names = []

    def add(name, fn, seconds=60):
        register_periodic(name, fn, seconds)
        names.append(name)

    yield add
    for name in names:
        unregister_periodic(name)


def test_run_once_raises_the_reviews_that_fell_due_by_the_injected_clock(seeded, clock):
    scheduler = DeskScheduler(seeded)
    assert scheduler.run_once()["raise_due_reviews"] is None  # March: nothing due yet

    clock.set(APRIL)
    message = scheduler.run_once()["raise_due_reviews"]

    assert message.startswith("14 review(s) raised")
    assert len(ReviewService(seeded).list_reviews()) == 14


def test_registered_checks_run_with_the_store_and_the_clocks_now(seeded, clock, check):
    seen = []
    check("sla_probe", lambda ctx: seen.append((ctx.store, ctx.now)) or "2 incidents breached")
    results = []

    scheduler = DeskScheduler(seeded, on_result=lambda name, msg: results.append((name, msg)))
    scheduler.run_once()

    assert seen == [(seeded, clock())]
    assert ("sla_probe", "2 incidents breached") in results


def test_a_failing_check_is_reported_and_the_others_still_run(seeded, clock, check):
    def broken(ctx):
        raise RuntimeError("database on fire")

    check("broken", broken)
    errors = []
    clock.set(APRIL)

    results = DeskScheduler(seeded, on_error=lambda name, exc: errors.append((name, str(exc)))).run_once()

    assert errors == [("broken", "database on fire")]
    assert results["raise_due_reviews"].startswith("14 review(s)")


def test_interval_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        register_periodic("never", lambda ctx: None, 0)


def test_background_scheduler_uses_only_the_memory_job_store(seeded):
    scheduler = DeskScheduler(seeded)
    scheduler.start()
    try:
        stores = scheduler._scheduler._jobstores
        assert [type(s).__name__ for s in stores.values()] == ["MemoryJobStore"]
        job = scheduler._scheduler.get_job("raise_due_reviews")
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, None)
    finally:
        scheduler.shutdown()


def test_the_tui_starts_its_checks_after_a_pause_not_at_once(seeded):
    """In the TUI the first run waits FIRST_RUN_AFTER_S: on a desk not opened for a while it
    writes hundreds of SLA entries, which must not compete with the analyst's first seconds."""
    from datetime import timedelta

    from sms_tui.ui.scheduler import FIRST_RUN_AFTER_S

    scheduler = DeskScheduler(seeded)
    before = datetime.now(UTC)
    scheduler.start(first_after=FIRST_RUN_AFTER_S)
    try:
        jobs = scheduler._scheduler.get_jobs()
        assert jobs and all(job.next_run_time >= before + timedelta(seconds=FIRST_RUN_AFTER_S)
                            for job in jobs)
    finally:
        scheduler.shutdown()
    assert FIRST_RUN_AFTER_S >= 10


def test_background_scheduler_runs_at_start_and_shuts_down_promptly(seeded, clock, check):
    """Started as the TUI does in on_mount; a long check sees the stop flag and returns."""
    clock.set(APRIL)
    entered, saw_stop = threading.Event(), threading.Event()

    def long_check(ctx):
        entered.set()
        while not ctx.stopping():  # a check doing chunked work looks at the flag between chunks
            ctx.stop.wait(0.01)
        saw_stop.set()

    check("long", long_check)
    raised = threading.Event()
    scheduler = DeskScheduler(seeded, on_result=lambda name, msg: raised.set()
                              if name == "raise_due_reviews" else None)
    scheduler.start()
    assert scheduler.running
    assert raised.wait(WAIT), "the review job did not run at start"
    assert entered.wait(WAIT), "the long check did not start"

    aps = scheduler._scheduler
    thread = aps._thread
    scheduler.shutdown(wait=True)  # returns only once the worker thread is idle

    assert saw_stop.is_set()
    assert not scheduler.running
    assert not thread.is_alive()
    assert not any(t.is_alive() for t in aps._lookup_executor("default")._pool._threads)
    assert len(ReviewService(seeded).list_reviews()) == 14


def test_the_sla_breach_check_of_the_incident_feature_runs_on_the_same_scheduler(seeded):
    names = [c.name for c in DeskScheduler(seeded).checks]
    assert names[0] == "raise_due_reviews"
    assert "sla_check" in names


def test_shutdown_before_start_and_twice_is_harmless(seeded):
    scheduler = DeskScheduler(seeded)
    scheduler.shutdown()
    scheduler.start()
    scheduler.shutdown()
    scheduler.shutdown()
    assert not scheduler.running


def test_a_check_names_a_few_incidents_and_counts_many():
    from sms_tui.services.incidents.checks import _refs

    assert _refs(["INC-000001", "INC-000002"]) == "INC-000001, INC-000002"
    assert _refs([f"INC-00000{i}" for i in range(1, 8)]) == "7 records"  # incidents and requests


# ------------------------------------------------- the TUI's checks wait for a pause in typing
def test_each_background_run_asks_before_check_first(seeded, check):
    order = []
    ran = threading.Event()

    def mine(ctx):
        order.append("check")
        ran.set()

    check("mine", mine)
    scheduler = DeskScheduler(seeded, before_check=lambda: order.append("before"))
    scheduler.start()
    try:
        assert ran.wait(WAIT)
    finally:
        scheduler.shutdown(wait=True)
    at = order.index("check")
    assert at > 0 and order[at - 1] == "before"


class _Typing:
    """The app as TuiScheduler sees it: seconds since the last key, as given."""

    def __init__(self, since):
        self.warmer = type("W", (), {"since_input": staticmethod(since)})()


def _waited(app, closed: bool = False) -> float:
    import time

    from sms_tui.ui.scheduler import TuiScheduler

    tui = TuiScheduler(app)
    tui._closed = closed
    start = time.monotonic()
    tui.wait_for_quiet()
    return time.monotonic() - start


def test_a_check_runs_at_once_when_the_analyst_is_reading(monkeypatch):
    monkeypatch.setenv("SMS_TUI_TIMER_SCALE", "0.1")  # waits at most 2 s
    assert _waited(_Typing(lambda: 60.0)) < 1.0


def test_a_check_waits_while_the_analyst_types_and_runs_once_they_pause(monkeypatch):
    import time

    monkeypatch.setenv("SMS_TUI_TIMER_SCALE", "0.1")  # waits at most 2 s
    pause_at = time.monotonic() + 0.3  # typing until then, then reading

    def since():
        return 0.0 if time.monotonic() < pause_at else 10.0

    assert 0.25 <= _waited(_Typing(since)) < 1.9


def test_a_check_waits_for_a_pause_at_most_its_limit_and_not_once_the_desk_closes(monkeypatch):
    monkeypatch.setenv("SMS_TUI_TIMER_SCALE", "0.1")  # 20 s become 2 s
    typing = _Typing(lambda: 0.0)
    assert 1.9 <= _waited(typing) < 10.0
    assert _waited(typing, closed=True) < 1.0
