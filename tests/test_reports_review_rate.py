"""The service report's review on-time rate: one population for its numerator and denominator.

A trial found "On-time rate (of those due so far) 350 %": reviews done early (due later in
the period) counted as done on time, while only reviews already due were the whole.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from sms_tui.reports import render_service_report
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.storage.reviews import ReviewTask

MARCH = Period(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
MID_MARCH = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)  # the period is not over yet


def _task(n: int, due: datetime, status: str, completed: datetime | None = None) -> ReviewTask:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    return ReviewTask(id=n, ref=f"REV-{n:06d}", activity="sla_performance", clause="8.3.3",
                      title="SLA", due=due, status=status, completed_at=completed,
                      skip_reason="not needed" if status == "skipped" else "",
                      raised_at=created, created_at=created, updated_at=created)


def _add(store, tasks) -> None:
    with store.write() as session:
        session.execute(text("DELETE FROM review_task"))
        for task in tasks:
            session.add(task)
            session.flush()


def test_reviews_done_early_do_not_push_the_on_time_rate_past_100(store, clock):
    clock.set(MID_MARCH)
    _add(store, [
        _task(1, datetime(2026, 3, 5, tzinfo=UTC), "done", datetime(2026, 3, 4, tzinfo=UTC)),
        _task(2, datetime(2026, 3, 8, tzinfo=UTC), "open"),  # overdue
        _task(3, datetime(2026, 3, 20, tzinfo=UTC), "done", datetime(2026, 3, 10, tzinfo=UTC)),
        _task(4, datetime(2026, 3, 25, tzinfo=UTC), "done", datetime(2026, 3, 12, tzinfo=UTC)),
        _task(5, datetime(2026, 3, 28, tzinfo=UTC), "open"),  # not due yet: not in the rate
        _task(6, datetime(2026, 3, 29, tzinfo=UTC), "skipped"),  # skipped: not in the rate
    ])
    report = ReportService(store).service_report(MARCH)
    rate = report.figure("reviews.on_time_rate")
    # 3 done on time (two of them early) of the 4 done or overdue -- was 3 of 2 "due so far"
    assert report.figure("reviews.on_time").current == 3
    assert rate.current == 75.0
    assert rate.label == "On-time rate (of those done or overdue)"
    md = render_service_report(report, "md")
    assert "| On-time rate (of those done or overdue) | 75 % |" in md
    assert "150 %" not in md


def test_no_review_done_or_overdue_gives_no_rate(store, clock):
    clock.set(MID_MARCH)
    _add(store, [_task(1, datetime(2026, 3, 28, tzinfo=UTC), "open"),
                 _task(2, datetime(2026, 3, 29, tzinfo=UTC), "skipped")])
    assert ReportService(store).service_report(MARCH).figure("reviews.on_time_rate").current is None


_STATUS = st.sampled_from(["open", "done", "skipped"])


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reviews=st.lists(
    st.tuples(st.integers(-70, 40), _STATUS, st.integers(-30, 30)), max_size=12),
    now_day=st.integers(-20, 45))
def test_the_on_time_rate_is_between_0_and_100_for_any_mix_of_reviews(store, clock, reviews,
                                                                     now_day):
    """Due days are from 1 March (-70 reaches before the previous period), ``now`` anywhere from
    before the period to after it; a done review completed up to 30 days either side of its due
    date (early, on time, late)."""
    start = MARCH.start
    now = start + timedelta(days=now_day, hours=12)
    tasks = []
    for n, (due_day, status, done_offset) in enumerate(reviews, 1):
        due = start + timedelta(days=due_day)
        completed = min(due + timedelta(days=done_offset), now) if status == "done" else None
        tasks.append(_task(n, due, status, completed))
    clock.set(now)
    _add(store, tasks)
    report = ReportService(store).service_report(MARCH)
    as_of = min(MARCH.end, now)
    fig = report.figure("reviews.on_time_rate")
    for rate, (lo, hi) in ((fig.current, (MARCH.start, MARCH.end)),
                           (fig.previous, (MARCH.start - (MARCH.end - MARCH.start), MARCH.start))):
        assert rate is None or 0.0 <= rate <= 100.0
        # the same population counted by hand: done (on time or late) or overdue
        due = [t for t in tasks if lo <= t.due < hi]
        settled = [t for t in due if t.status == "done" or (t.status == "open" and t.due < as_of)]
        on_time = [t for t in settled if t.status == "done" and t.completed_at <= t.due]
        assert rate == (round(100.0 * len(on_time) / len(settled), 1) if settled else None)
