"""The service report's figures against hand-computed values on a fixed data set.

See ``tests/report_dataset.py`` for the data and the arithmetic. The period is
March 2026; the previous period is the 31 days before it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sms_tui.services.reporting.model import Period
from sms_tui.services.reporting.service import ReportService
from tests import report_dataset as data
from tests.report_dataset import MARCH, REPORT_NOW, t


@pytest.fixture
def report(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    return ReportService(store).service_report(MARCH)


def values(report, key):
    fig = report.figure(key)
    return fig.current, fig.previous


def test_previous_period_has_equal_length_and_ends_where_the_period_starts(report):
    assert report.previous == Period(datetime(2026, 1, 29, tzinfo=UTC), MARCH.start)
    assert report.as_of == MARCH.end  # the period is over: backlog measured at its end


def test_incidents_opened_count_a_record_at_from_but_not_one_at_to(report):
    # C at exactly 1 March 00:00 counts; G at exactly 1 April 00:00 does not
    assert values(report, "incidents.opened") == (5, 2)


def test_incidents_resolved_in_each_period(report):
    assert values(report, "incidents.resolved") == (5, 1)


def test_trend_shows_arrow_delta_and_verdict(report):
    fig = report.figure("incidents.opened")
    assert fig.trend_text() == "▲ +3"
    assert fig.verdict == "worse"  # more incidents is worse
    assert report.figure("incidents.resolved").verdict == ""  # follows how many came in


@pytest.mark.parametrize("key", [
    "incidents.resolved", "incidents.resolved.p1", "incidents.resolved.p2", "requests.fulfilled",
    "problems.resolved", "problems.closed", "major.reviewed", "reviews.on_time"])
def test_counts_of_work_done_are_never_judged_better_or_worse(report, key):
    # fewer P1s resolved is what fewer P1s looks like: the rates and backlogs judge
    assert report.figure(key).better == ""


@pytest.mark.parametrize(("key", "better"), [
    ("incidents.opened", "down"), ("incidents.backlog", "down"),
    ("incidents.resolve_mean.p1", "down"), ("changes.success_rate", "up"),
    ("changes.failed", "down"), ("reviews.overdue", "down"), ("reviews.on_time_rate", "up")])
def test_rates_times_backlogs_and_failures_are_judged(report, key, better):
    assert report.figure(key).better == better


def test_backlog_counts_records_open_at_the_end_of_each_period(report):
    # at 1 April: F (opened 23:59:59 on 31 March) and J (on hold since January);
    # at 1 March: B (resolved on 5 March) and J; C, opened exactly at 1 March, is not yet open
    assert values(report, "incidents.backlog") == (2, 2)
    assert report.figure("incidents.backlog").trend_text() == "= 0"


def test_backlog_age_distribution(report):
    ages = {row.label: (row.cells[0].current, row.cells[0].previous)
            for row in report.section("incidents").breakdowns[0].rows}
    assert ages == {
        "under 1 day": (1, 0),  # F, one second old
        "1–7 days": (0, 0),
        "7–30 days": (0, 1),  # B, 8.6 days old on 1 March
        "30–90 days": (1, 1),  # J: 86 days on 1 April, 55 days on 1 March
        "90 days or more": (0, 0),
    }


def test_mean_and_90th_percentile_time_to_resolve(report):
    # hours: 2, 3, 10, 24, 318 -> mean 71.4; nearest rank ceil(0.9 * 5) = 5th -> 318
    assert values(report, "incidents.resolve_mean") == (71.4, 4.0)
    assert values(report, "incidents.resolve_p90") == (318.0, 4.0)
    assert report.figure("incidents.resolve_mean").trend_text() == "▲ +2d 19h"


def test_time_to_resolve_by_priority(report):
    assert values(report, "incidents.resolved.p3") == (2, 1)
    assert values(report, "incidents.resolve_mean.p3") == (17.0, 4.0)  # (10 + 24) / 2
    assert values(report, "incidents.resolve_p90.p3") == (24.0, 4.0)  # 2nd of 2
    assert values(report, "incidents.resolve_mean.p1") == (3.0, None)
    assert values(report, "incidents.resolve_mean.p4") == (318.0, None)
    assert values(report, "incidents.resolve_mean.p5") == (None, None)
    assert report.figure("incidents.resolve_mean.p5").trend_text() == "n/a"


def test_weekly_buckets_are_iso_weeks_cut_to_the_period(report):
    weeks = [(w.week, w.start.isoformat(), w.days, w.opened, w.resolved) for w in report.weekly]
    assert weeks == [
        ("2026-W09", "2026-03-01", 1, 1, 1),  # Sunday 1 March: C opened and resolved
        ("2026-W10", "2026-03-02", 7, 1, 2),  # D opened; D and B resolved
        ("2026-W11", "2026-03-09", 7, 1, 1),  # E
        ("2026-W12", "2026-03-16", 7, 1, 1),  # M
        ("2026-W13", "2026-03-23", 7, 0, 0),
        ("2026-W14", "2026-03-30", 2, 1, 0),  # F on 31 March
    ]


def test_major_incidents(report):
    assert values(report, "major.declared") == (1, 0)
    assert values(report, "major.resolved") == (1, 0)
    assert values(report, "major.reviewed") == (0, 0)  # its review is still open


def test_sla_compliance_overall_and_per_service(report):
    # resolved in March: B (missed), C, D (exactly on target), M on Email; E without a service
    assert values(report, "sla.resolve_compliance") == (80.0, 100.0)
    assert report.figure("sla.resolve_compliance").trend_text() == "▼ −20 pp"
    assert values(report, "sla.resolve_missed") == (1, 0)
    assert values(report, "sla.respond_compliance") == (50.0, None)  # C in time, M late
    rows = {r.label: [(c.current, c.previous) for c in r.cells]
            for r in report.section("sla").breakdowns[0].rows}
    assert rows == {
        "(no service)": [(100.0, None), (1, 0), (0, 0)],
        "Email": [(75.0, 100.0), (4, 1), (1, 0)],
    }


def test_sla_targets_come_from_the_config(store, clock, tmp_path):
    from sms_tui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[sla.services."Email"]\nP4 = { resolve = "20d" }\n', encoding="utf-8")
    store.config = load_config(path)
    clock.set(REPORT_NOW)
    data.build(store)
    report = ReportService(store).service_report(MARCH)
    assert values(report, "sla.resolve_compliance") == (100.0, 100.0)  # B within 20 days


def test_requests_fulfilled_on_time_and_satisfaction(report):
    assert values(report, "requests.opened") == (3, 1)
    assert values(report, "requests.fulfilled") == (2, 1)
    assert values(report, "requests.backlog") == (1, 0)
    assert values(report, "requests.on_time") == (50.0, None)  # R2 in time, R3 late
    assert values(report, "requests.satisfaction") == (4.5, 2.0)
    assert values(report, "requests.satisfaction_responses") == (2, 1)
    assert report.figure("requests.satisfaction").trend_text() == "▲ +2.5"
    scores = {r.label: (r.cells[0].current, r.cells[0].previous)
              for r in report.section("requests").breakdowns[0].rows}
    assert scores == {"5/5": (1, 0), "4/5": (1, 0), "3/5": (0, 0), "2/5": (0, 1), "1/5": (0, 0)}


def test_problems_and_known_errors(report):
    assert values(report, "problems.opened") == (2, 1)
    assert values(report, "problems.resolved") == (2, 0)
    assert values(report, "problems.closed") == (1, 0)
    assert values(report, "problems.open") == (1, 1)
    assert values(report, "known_errors.raised") == (1, 0)
    assert values(report, "known_errors.open") == (1, 0)


def test_changes_by_category_and_outcome(report):
    assert values(report, "changes.raised") == (4, 1)
    assert values(report, "changes.implemented") == (3, 1)
    assert values(report, "changes.success_rate") == (33.3, 100.0)
    assert report.figure("changes.success_rate").trend_text() == "▼ −66.7 pp"
    assert report.figure("changes.success_rate").verdict == "worse"
    assert values(report, "changes.failed") == (2, 0)
    assert values(report, "changes.emergency") == (1, 0)
    rows = report.section("changes").breakdowns[0].rows
    assert [r.label for r in rows] == ["standard", "normal", "emergency"]
    normal = {c.key: (c.current, c.previous) for c in rows[1].cells}
    assert normal == {
        "changes.raised.normal": (2, 1),
        "changes.implemented.normal": (1, 1),
        "changes.successful.normal": (1, 1),
        "changes.failed.normal": (0, 0),
        "changes.success_rate.normal": (100.0, 100.0),
    }
    assert values(report, "changes.success_rate.emergency") == (0.0, None)
    assert values(report, "changes.outcome.backed_out") == (1, 0)


def test_reviews_done_on_time_late_skipped_and_overdue(report):
    assert values(report, "reviews.due") == (5, 1)
    assert values(report, "reviews.on_time") == (2, 1)
    assert values(report, "reviews.late") == (1, 0)
    assert values(report, "reviews.skipped") == (1, 0)
    assert values(report, "reviews.overdue") == (1, 0)
    assert values(report, "reviews.on_time_rate") == (50.0, 100.0)  # 2 of 4 not skipped


def test_improvement_opportunities_and_nonconformities(report):
    assert values(report, "improvements.raised") == (2, 1)
    assert values(report, "improvements.closed") == (1, 0)
    assert values(report, "improvements.open") == (2, 1)
    assert values(report, "nonconformities.raised") == (2, 1)
    assert values(report, "nonconformities.closed") == (1, 0)
    assert values(report, "nonconformities.open") == (2, 1)


def test_a_period_starting_exactly_at_a_record_includes_it(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    week = Period(t(4, 1), t(4, 8))  # previous: 25-31 March holds F
    report = ReportService(store).service_report(week)
    assert values(report, "incidents.opened") == (1, 1)  # G at exactly 1 April 00:00; F


def test_an_empty_period_reports_zeros_and_no_means(store, clock):
    clock.set(REPORT_NOW)
    data.build(store)
    report = ReportService(store).service_report(Period(t(6, 1), t(7, 1)))
    assert values(report, "incidents.opened") == (0, 0)
    assert report.figure("incidents.opened").trend_text() == "= 0"
    assert values(report, "incidents.resolve_mean") == (None, None)
    assert report.figure("incidents.resolve_mean").note == "none resolved in the period"
    assert all(w.opened == w.resolved == 0 for w in report.weekly)
    # June has not come yet on 15 April: open records are measured now, not at 1 July
    assert report.as_of == REPORT_NOW


def test_a_report_on_an_empty_database_has_every_section(store, clock):
    report = ReportService(store).service_report(Period(t(3, 1), t(4, 1)))
    assert [s.key for s in report.sections] == [
        "incidents", "major", "sla", "security", "requests", "complaints", "problems", "changes",
        "reviews",
        "improvement"]
    assert values(report, "incidents.opened") == (0, 0)


@pytest.mark.sqlite_only  # drops tables from the SQLite file
def test_a_feature_whose_tables_are_missing_reports_no_data(store, clock, db_path):
    import sqlite3

    with sqlite3.connect(db_path) as con:  # as if the review feature were not installed
        con.execute("PRAGMA foreign_keys = OFF")
        for table in ("corrective_action", "nonconformity", "improvement_opportunity",
                      "review_task"):
            con.execute(f"DROP TABLE {table}")
    report = ReportService(store).service_report(MARCH)
    reviews = report.section("reviews")
    assert not reviews.available and reviews.note.startswith("no data")
    assert report.figure("improvements.raised").note.startswith("no data")
    assert report.figure("major.reviewed").note.startswith("no data")


def test_a_period_of_centuries_lists_only_the_weeks_from_the_first_to_the_last_incident(
        store, clock):
    """1900 to 8999 is 370,000 weeks: listed whole they took seconds on an empty desk and
    filled every format with empty rows. A period that long lists the weeks that hold its
    incidents' span; a period up to ten years keeps every week, quiet ones included."""
    clock.set(REPORT_NOW)
    data.build(store)
    wide = Period(datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC))
    weeks = ReportService(store).service_report(wide).weekly
    march = ReportService(store).service_report(MARCH).weekly
    assert weeks[0].week <= march[0].week and weeks[-1].week >= march[-1].week
    assert len(weeks) < 60  # the data set spans weeks of 2026, not millennia
    assert sum(w.opened for w in weeks) == ReportService(store).service_report(wide).figure(
        "incidents.opened").current
    nine_years = Period(datetime(2021, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))
    every = ReportService(store).service_report(nine_years).weekly
    assert every[0].start.isoformat() == "2021-01-01" and every[-1].end.isoformat() == "2029-12-31"
    assert len(every) == 471 and sum(1 for w in every if w.opened == w.resolved == 0) > 400


def test_a_period_of_centuries_on_an_empty_desk_lists_no_weeks(store, clock):
    clock.set(REPORT_NOW)
    wide = Period(datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC))
    assert ReportService(store).service_report(wide).weekly == ()


def test_a_time_to_resolve_under_an_hour_is_said_in_minutes():
    # MTTR read "0 h" for incidents resolved in a minute: hours to one decimal said nothing
    from sms_tui.services.reporting.figures import fig

    quick = fig("incidents.resolve_mean", "Mean time to resolve", 1 / 60, 2.5, "h", "down")
    assert quick.value_text() == "1m" and quick.value_text("previous") == "2h 30m"
    assert quick.trend_text() == "▼ −2h 29m"
    assert fig("x", "x", 30.0, None, "h").value_text() == "1d 6h"
