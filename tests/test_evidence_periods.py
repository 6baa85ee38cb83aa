"""The evidence of a past period: what was skipped is no evidence, and what happened after
the period does not change its status (the trial's findings, 2026-12)."""

from __future__ import annotations

from datetime import UTC, datetime

from sms_tui.reports import render_evidence_report
from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from sms_tui.services.reviews.service import ReviewService


def d(y, m, day, h=0):
    return datetime(y, m, day, h, tzinfo=UTC)


Q3 = Period(d(2026, 7, 1), d(2026, 10, 1))
TODAY = d(2026, 12, 7, 9)
REASON = "Finance closed August late; covered in September"


def evidence(store, period=Q3):
    return ReportService(store).evidence_report(period)


def facts(report, clause):
    return {f.label: f.value for f in report.clause(clause).facts}


def gaps(report, clause):
    return {g.key: g for g in report.clause(clause).gaps}


def _cost_reviews_caught_up(store, clock):
    """As in the trial: the cost schedule set back to 2026-09-01, the missed months caught
    up as late reviews (August's due 2026-09-15, September's 2026-10-15...)."""
    clock.set(TODAY)
    reviews = ReviewService(store)
    reviews.ensure_schedules()
    reviews.update_schedule("budget_costs", next_due=d(2026, 9, 1))
    reviews.raise_due()
    tasks = sorted((r for r in reviews.list_reviews(limit=None) if r.activity == "budget_costs"),
                   key=lambda r: r.due)
    assert [t.due for t in tasks[:2]] == [d(2026, 9, 15), d(2026, 10, 15)]
    return reviews, tasks


def test_a_quarter_whose_only_review_was_skipped_is_not_met(store, clock):
    reviews, tasks = _cost_reviews_caught_up(store, clock)
    august = tasks[0].ref
    reviews.skip(august, REASON)
    report = evidence(store)
    clause = report.clause("8.2.6–9.3")
    assert clause.summary == "1 review due: 0 done on time, 0 late, 1 skipped, 0 overdue"
    assert clause.status == "gap"
    assert gaps(report, "8.2.6–9.3")["reviews.skipped"].refs == (august,)
    # the skip is shown as such, with its reason
    assert facts(report, "8.2.6–9.3")[f"Skipped: {august} (budget_costs)"] == REASON
    md = render_evidence_report(report, "md")
    assert "| 8.2.6–9.3 Activities at planned intervals (reviews) | **gap** |" in md
    assert "every one due in the period was skipped, none done" in md


def test_a_skipped_cost_review_is_a_gap_of_8_4_not_only_outside_the_desk(store, clock):
    reviews, tasks = _cost_reviews_caught_up(store, clock)
    reviews.skip(tasks[0].ref, REASON)
    report = evidence(store)
    assert report.clause("8.4").status == "gap"
    assert gaps(report, "8.4")["budget.review_skipped"].refs == (tasks[0].ref,)


def test_a_skip_beside_a_review_of_the_same_activity_done_is_a_recorded_decision(store, clock):
    reviews, tasks = _cost_reviews_caught_up(store, clock)
    august, september = tasks[0].ref, tasks[1].ref
    reviews.skip(august, REASON)
    reviews.tick(september, all_items=True)
    reviews.complete(september, "Costs within 2 % of budget; forecast unchanged")
    report = evidence(store, Period(d(2026, 8, 1), d(2026, 11, 1)))
    clause = report.clause("8.2.6–9.3")
    assert clause.summary == "2 reviews due: 0 done on time, 1 late, 1 skipped, 0 overdue"
    assert clause.status == "met"
    assert "budget.review_skipped" not in gaps(report, "8.4")
    assert facts(report, "8.4")[f"Skipped: {august} (budget_costs)"] == REASON


def test_a_nonconformity_raised_after_the_period_does_not_change_its_status(store, clock):
    clock.set(TODAY)
    assert evidence(store).clause("10.1").status == "not_applicable"
    clock.set(d(2026, 12, 10))
    ReviewService(store).new_nonconformity("Backups never restored", clause="8.7.2")
    report = evidence(store)
    assert report.clause("10.1").status == "not_applicable"
    assert facts(report, "10.1")["Open at the end of the period"] == "0"
    assert facts(report, "10.1")["Open now (whenever raised; context, not the period's status)"] == "1"


def test_a_nonconformity_still_open_at_the_end_of_the_period_makes_it_applicable(store, clock):
    clock.set(d(2026, 6, 20))
    findings = ReviewService(store)
    ref = findings.new_nonconformity("Backups never restored", clause="8.7.2").ref
    clock.set(d(2026, 10, 5))  # closed after the period: it was open at its end
    findings.move_nonconformity(ref, "cancelled", note="raised twice")
    clock.set(TODAY)
    report = evidence(store)
    assert report.clause("10.1").status != "not_applicable"
    assert facts(report, "10.1")["Open at the end of the period"] == "1"
