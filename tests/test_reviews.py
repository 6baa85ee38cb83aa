"""Planned-interval reviews: seeded schedules raise their tasks on time, exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from sms_tui.domain.errors import ConflictError, NotFound, ValidationError
from sms_tui.domain.reviews import SCHEDULED_ACTIVITIES
from sms_tui.services.core.store import Store
from sms_tui.services.reviews.service import ReviewService
from sms_tui.storage.reviews import ReviewSchedule, ReviewTask


def d(y, m, day, h=0, minute=0):
    return datetime(y, m, day, h, minute, tzinfo=UTC)


@pytest.fixture
def reviews(store):
    """The review service on a desk first used on Monday 2026-03-02 09:00 (schedules seeded then)."""
    service = ReviewService(store)
    service.ensure_schedules()
    return service


def tasks_of(reviews, activity):
    return [r for r in reviews.list_reviews(limit=None) if r.activity == activity]


# ------------------------------------------------------------ seeding
EXPECTED_INTERVALS = {
    "sla_performance": "monthly", "supplier_performance": "monthly", "budget_costs": "monthly",
    "capacity_demand": "monthly", "rfc_trends": "monthly", "problem_effectiveness": "monthly",
    "service_trends": "quarterly", "customer_satisfaction": "quarterly",
    "supplier_contracts": "quarterly", "availability_risk": "quarterly",
    "continuity_risk": "quarterly", "security_risk": "quarterly",
    "config_verification": "quarterly", "internal_supplier_performance": "quarterly",
    "continuity_test": "yearly", "internal_audit": "yearly", "management_review": "yearly",
}


def test_first_use_seeds_the_seventeen_activities_with_their_clauses_and_intervals(reviews):
    schedules = reviews.list_schedules()

    assert {s.activity: s.interval for s in schedules} == EXPECTED_INTERVALS
    assert [s.clause for s in schedules] == [
        "8.2.6", "8.3.2", "8.3.2", "8.3.3", "8.3.4.1", "8.3.4.1", "8.3.4.2", "8.4.1", "8.4.2",
        "8.5.1.3", "8.6.3", "8.7.1", "8.7.2", "8.7.2", "8.7.3.2", "9.2", "9.3"]
    assert all(s.instructions and s.checklist and not s.paused for s in schedules)


def test_seeding_again_adds_nothing_and_keeps_the_organizations_edits(reviews, store):
    reviews.update_schedule("rfc_trends", interval="quarterly")
    second = ReviewService(Store(store.path, actor="other", clock=store.clock))

    assert second.ensure_schedules() == []
    assert len(second.list_schedules()) == 17
    assert second.get_schedule("rfc_trends").interval == "quarterly"


def test_seeded_schedules_first_fall_due_at_the_next_calendar_boundary(reviews):
    by_key = {s.activity: s for s in reviews.list_schedules()}

    assert by_key["sla_performance"].next_due == d(2026, 4, 1)
    assert by_key["sla_performance"].next_period == "March 2026"
    assert by_key["service_trends"].next_due == d(2026, 4, 1)
    assert by_key["service_trends"].next_period == "Q1 2026"
    assert by_key["management_review"].next_due == d(2027, 1, 1)


# ------------------------------------------------------------ on time
@pytest.mark.parametrize("activity", [a.key for a in SCHEDULED_ACTIVITIES])
def test_every_seeded_schedule_raises_its_review_when_it_falls_due(reviews, clock, activity):
    schedule = reviews.get_schedule(activity)
    clock.set(schedule.next_due - timedelta(seconds=1))
    reviews.raise_due()
    assert tasks_of(reviews, activity) == []

    clock.set(schedule.next_due)
    reviews.raise_due()

    [task] = tasks_of(reviews, activity)
    assert task.clause == schedule.clause
    assert task.period == schedule.next_period
    assert task.due == schedule.next_due + timedelta(days=schedule.days_to_complete)
    assert task.status == "open" and not task.raised_late
    assert task.checklist_total == len(schedule.checklist)
    view = reviews.get(task.ref)
    assert view.instructions == schedule.instructions
    assert view.evidence["activity"] == activity
    assert [e.action for e in view.journal] == ["create"]


def test_after_raising_the_schedule_moves_to_the_next_period(reviews, clock):
    clock.set(d(2026, 4, 1, 0, 1))
    reviews.raise_due()

    schedule = reviews.get_schedule("sla_performance")
    assert schedule.next_due == d(2026, 5, 1)
    assert schedule.next_period == "April 2026"
    actions = [e.action for e in reviews.schedule_journal("sla_performance")]
    assert actions == ["raise", "create"]


def test_a_restart_at_the_same_moment_raises_nothing_new(reviews, clock, store):
    clock.set(d(2026, 4, 1, 0, 1))
    first = reviews.raise_due()
    again = ReviewService(Store(store.path, actor="restart", clock=clock)).raise_due()

    assert len(first.raised) == 14  # monthly and quarterly ones; yearly ones fall due in January
    assert again.raised == []


# ------------------------------------------------------------ month ends and leap years
def test_monthly_review_anchored_on_the_31st_falls_on_each_month_end(reviews, clock):
    clock.set(d(2028, 1, 10))
    reviews.update_schedule("rfc_trends", next_due=d(2028, 1, 31))
    dues = []
    for when in (d(2028, 1, 31), d(2028, 2, 29), d(2028, 3, 31), d(2028, 4, 30)):
        clock.set(when)
        reviews.raise_due()
        dues.append(reviews.get_schedule("rfc_trends").next_due)

    assert dues == [d(2028, 2, 29), d(2028, 3, 31), d(2028, 4, 30), d(2028, 5, 31)]
    periods = sorted((t.period_start, t.period_end) for t in tasks_of(reviews, "rfc_trends"))
    assert periods[1:] == [(d(2028, 1, 31), d(2028, 2, 29)), (d(2028, 2, 29), d(2028, 3, 31)),
                           (d(2028, 3, 31), d(2028, 4, 30))]


# ------------------------------------------------------------ catch-up
def test_catch_up_after_months_off_raises_each_missed_period_once_marked_late(reviews, clock):
    clock.set(d(2026, 9, 1, 8))  # seeded in March, then the machine was off until September  # the machine was off from March to September

    result = reviews.raise_due()

    monthly = sorted(tasks_of(reviews, "sla_performance"), key=lambda t: t.period_start)
    assert [t.period for t in monthly] == ["March 2026", "April 2026", "May 2026", "June 2026",
                                           "July 2026", "August 2026"]
    assert [t.raised_late for t in monthly] == [True] * 5 + [False]  # August fell due 8 hours ago
    quarterly = sorted(tasks_of(reviews, "service_trends"), key=lambda t: t.period_start)
    assert [t.period for t in quarterly] == ["Q1 2026", "Q2 2026"]
    assert set(result.late) <= set(result.raised)
    assert reviews.raise_due().raised == []
    assert reviews.get_schedule("sla_performance").next_due == d(2026, 10, 1)


def test_database_refuses_a_second_task_for_the_same_schedule_and_period(reviews, clock, store):
    clock.set(d(2026, 4, 1, 1))
    reviews.raise_due()
    with store.read() as session:
        task = session.exec(select(ReviewTask).where(ReviewTask.activity == "rfc_trends")).one()
        copy = {k: getattr(task, k) for k in ("schedule_id", "activity", "clause", "title", "due",
                                              "period_start", "period_end", "raised_at",
                                              "created_at", "updated_at")}

    with pytest.raises(IntegrityError), store.write() as session:
        session.add(ReviewTask(ref="REV-999999", **copy))
        session.flush()


def test_a_schedule_moved_back_over_raised_periods_does_not_raise_them_twice(reviews, clock):
    clock.set(d(2026, 6, 1, 1))
    reviews.raise_due()
    before = len(tasks_of(reviews, "rfc_trends"))
    reviews.update_schedule("rfc_trends", next_due=d(2026, 4, 1))  # back onto raised periods

    result = reviews.raise_due()

    assert len(tasks_of(reviews, "rfc_trends")) == before
    assert result.skipped_existing == 3  # April, May and June had been raised already
    assert reviews.get_schedule("rfc_trends").next_due == d(2026, 7, 1)


def test_two_schedulers_racing_on_one_database_raise_each_period_once(db_path, clock):
    clock.set(d(2026, 1, 5))
    ReviewService(Store(db_path, actor="seed", clock=clock)).ensure_schedules()
    clock.set(d(2027, 7, 1, 12))  # eighteen months of catch-up for everyone at once
    stores = [Store(db_path, actor=f"scheduler-{n}", clock=clock) for n in range(4)]
    barrier = threading.Barrier(len(stores))
    results, errors = [], []

    def race(store):
        try:
            barrier.wait()
            results.append(ReviewService(store).raise_due())
        except Exception as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    with stores[0].read() as session:
        keys = session.exec(select(ReviewTask.schedule_id, ReviewTask.period_start)).all()
    assert len(keys) == len(set(keys))
    assert sum(len(r.raised) for r in results) == len(keys)
    assert len([k for k in keys if k[0] == 4]) == 18  # sla_performance: every month once
    for s in stores:
        s.close()


# ------------------------------------------------------------ pause / resume
def test_a_paused_schedule_raises_nothing_and_resumes_from_the_next_period(reviews, clock):
    clock.set(d(2026, 3, 2))
    reviews.update_schedule("rfc_trends", paused=True, note="no changes during the freeze")
    clock.set(d(2026, 6, 15))
    reviews.raise_due()
    assert tasks_of(reviews, "rfc_trends") == []

    view = reviews.update_schedule("rfc_trends", paused=False)
    reviews.raise_due()

    assert view.next_due == d(2026, 7, 1)  # April-June fell in the pause: not raised
    assert tasks_of(reviews, "rfc_trends") == []
    clock.set(d(2026, 7, 1))
    reviews.raise_due()
    assert [t.period for t in tasks_of(reviews, "rfc_trends")] == ["June 2026"]
    actions = [e.action for e in reviews.schedule_journal("rfc_trends")]
    assert actions[:3] == ["raise", "resume", "pause"]


# ------------------------------------------------------------ editing schedules
def test_schedule_edits_are_journaled_with_old_and_new_values(reviews, clock):
    clock.set(d(2026, 3, 2))
    reviews.update_schedule("budget_costs", interval="quarterly", owner="carol",
                            days_to_complete=30, note="finance asked")

    view = reviews.get_schedule("budget_costs")
    [entry] = reviews.schedule_journal("budget_costs")[:1]
    assert (view.interval, view.owner, view.days_to_complete) == ("quarterly", "carol", 30)
    assert entry.changes["interval"] == ("monthly", "quarterly")
    assert entry.changes["owner"] == ("", "carol")
    assert entry.note == "finance asked"


def test_a_new_interval_keeps_the_next_due_date_and_counts_from_it(reviews, clock):
    clock.set(d(2026, 3, 2))
    reviews.update_schedule("rfc_trends", interval="every 2 weeks")
    clock.set(d(2026, 4, 1))
    reviews.raise_due()

    assert reviews.get_schedule("rfc_trends").next_due == d(2026, 4, 15)
    [task] = tasks_of(reviews, "rfc_trends")
    assert (task.period_start, task.period_end) == (d(2026, 3, 18), d(2026, 4, 1))


def test_a_stale_schedule_edit_is_refused(reviews):
    stale = reviews.get_schedule("rfc_trends")
    reviews.update_schedule("rfc_trends", owner="alice")
    with pytest.raises(ConflictError, match="reload"):
        reviews.update_schedule("rfc_trends", owner="bob", expected_version=stale.version)


def test_unknown_schedule_and_bad_interval_are_refused_with_what_is_allowed(reviews):
    with pytest.raises(NotFound, match="rfc_trends"):
        reviews.update_schedule("rfc_trend", owner="x")
    with pytest.raises(ValidationError, match="quarterly"):
        reviews.update_schedule("rfc_trends", interval="now and then")


# ------------------------------------------------------------ carrying out a review
@pytest.fixture
def raised(reviews, clock):
    clock.set(d(2026, 4, 1, 0, 5))
    reviews.raise_due()
    [task] = tasks_of(reviews, "rfc_trends")
    return task.ref


def test_ticking_the_checklist_records_who_and_when_and_starts_the_review(reviews, clock, raised):
    clock.advance(hours=2)
    view = reviews.tick(raised, 1)

    assert view.status == "in_progress"
    assert view.checklist[0].done and view.checklist[0].by == "tester"
    assert view.checklist[0].at == clock()
    assert not view.checklist[1].done
    assert view.journal[0].action == "tick"
    assert view.journal[0].note == view.checklist[0].text


def test_completing_needs_an_outcome_and_every_item_ticked(reviews, raised):
    with pytest.raises(ValidationError, match="outcome"):
        reviews.complete(raised, "  ")
    with pytest.raises(ValidationError, match="not ticked"):
        reviews.complete(raised, "All fine")
    reviews.tick(raised, all_items=True)

    view = reviews.complete(raised, "Failure rate steady at 5 %; no action")

    assert (view.status, view.state, view.completed_by) == ("done", "done", "tester")
    assert view.outcome == "Failure rate steady at 5 %; no action"
    with pytest.raises(ValidationError, match="done"):
        reviews.tick(raised, 1, done=False)


def test_skipping_needs_a_reason_and_can_be_undone(reviews, raised):
    with pytest.raises(ValidationError, match="reason"):
        reviews.skip(raised, "")
    skipped = reviews.skip(raised, "No changes were made this month")
    assert (skipped.status, skipped.skip_reason) == ("skipped", "No changes were made this month")

    reopened = reviews.reopen(raised, "we did make changes")
    assert reopened.status == "open"


def test_a_stale_review_write_is_refused(reviews, raised):
    stale = reviews.get(raised)
    reviews.start(raised)
    with pytest.raises(ConflictError):
        reviews.tick(raised, 1, expected_version=stale.version)


def test_checklist_item_out_of_range_names_the_valid_numbers(reviews, raised):
    with pytest.raises(ValidationError, match="items 1 to 3"):
        reviews.tick(raised, 9)


# ------------------------------------------------------------ the queue
def test_queue_shows_overdue_due_soon_and_upcoming_by_deadline(reviews, clock, raised):
    # raised at April 1 with 14 days to complete: due April 15
    assert reviews.get(raised).state == "upcoming"
    clock.set(d(2026, 4, 9))
    assert reviews.get(raised).state == "due soon"
    assert raised in [r.ref for r in reviews.due_reviews()]
    clock.set(d(2026, 4, 15, 0, 1))
    assert reviews.get(raised).state == "overdue"
    assert raised in [r.ref for r in reviews.list_reviews(overdue=True)]
    assert reviews.counts()["overdue"] == 14


def test_finished_reviews_leave_the_overdue_list(reviews, clock, raised):
    clock.set(d(2026, 5, 1, 0, 0))
    reviews.skip(raised, "not needed")

    assert raised not in [r.ref for r in reviews.list_reviews(overdue=True)]
    assert raised in [r.ref for r in reviews.list_reviews(status="skipped")]
    open_rows = reviews.list_reviews(open_only=True, limit=None)
    assert all(r.is_open for r in open_rows)


def test_owner_can_be_changed_and_notes_added(reviews, raised):
    reviews.assign(raised, "dave")
    view = reviews.add_note(raised, "Waiting for the CAB minutes")

    assert view.owner == "dave"
    assert [e.action for e in view.journal[:2]] == ["note", "assign"]


def test_schedule_rows_are_kept_in_the_database_not_in_apscheduler(store, reviews):
    reviews.ensure_schedules()
    with store.read() as session:
        assert len(session.exec(select(ReviewSchedule)).all()) == 17
