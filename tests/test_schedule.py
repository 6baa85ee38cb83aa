"""Calendar intervals: same day each month, no drift from the 31st, leap years, catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.domain.errors import ValidationError
from sms_tui.domain.schedule import (
    Interval,
    Period,
    add_months,
    aligned_start_after,
    describe_period,
    due_between,
    index_at_or_before,
    next_due_after,
    occurrence,
    parse_interval,
    period_for,
)


def d(y, m, day, h=0):
    return datetime(y, m, day, h, tzinfo=UTC)


MONTHLY = Interval(1, "month")
QUARTERLY = Interval(3, "month")
YEARLY = Interval(1, "year")

anchors = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31),
                       timezones=st.just(UTC))
intervals = st.one_of(
    st.builds(Interval, st.integers(1, 24), st.just("month")),
    st.builds(Interval, st.integers(1, 3), st.just("year")),
    st.builds(Interval, st.integers(1, 60), st.just("week")),
    st.builds(Interval, st.integers(1, 400), st.just("day")),
)


# ------------------------------------------------------------ parsing
@pytest.mark.parametrize(("text", "expected"), [
    ("monthly", Interval(1, "month")),
    ("Quarterly", Interval(3, "month")),
    ("yearly", Interval(1, "year")),
    ("annually", Interval(1, "year")),
    ("weekly", Interval(1, "week")),
    ("fortnightly", Interval(2, "week")),
    ("every 2 months", Interval(2, "month")),
    ("every 1 week", Interval(1, "week")),
    ("10 days", Interval(10, "day")),
    ("  every   6  months ", Interval(6, "month")),
])
def test_interval_words_analysts_use_are_understood(text, expected):
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["sometimes", "every 0 months", "every -1 days", "", "every month s",
                                  "every 999 years"])
def test_nonsense_intervals_are_refused_naming_the_accepted_forms(text):
    with pytest.raises(ValidationError, match="monthly|out of range"):
        parse_interval(text)


@given(intervals)
def test_an_interval_reads_back_from_its_description(interval):
    assert parse_interval(interval.describe()) == interval


# ------------------------------------------------------------ month ends and leap years
def test_monthly_on_the_31st_clamps_to_short_months_and_returns_to_the_31st():
    anchor = d(2026, 1, 31, 9)
    dues = [occurrence(anchor, MONTHLY, k) for k in range(6)]
    assert [x.day for x in dues] == [31, 28, 31, 30, 31, 30]
    assert dues[1] == d(2026, 2, 28, 9)


def test_monthly_on_the_31st_lands_on_february_29_in_a_leap_year():
    anchor = d(2027, 12, 31)
    assert occurrence(anchor, MONTHLY, 2) == d(2028, 2, 29)
    assert occurrence(anchor, MONTHLY, 3) == d(2028, 3, 31)


def test_yearly_on_february_29_falls_on_the_28th_and_comes_back_in_leap_years():
    anchor = d(2024, 2, 29)
    assert [occurrence(anchor, YEARLY, k) for k in range(5)] == [
        d(2024, 2, 29), d(2025, 2, 28), d(2026, 2, 28), d(2027, 2, 28), d(2028, 2, 29),
    ]


def test_monthly_is_the_same_day_each_month_not_every_30_days():
    anchor = d(2026, 1, 15)
    assert occurrence(anchor, MONTHLY, 12) == d(2027, 1, 15)
    assert anchor + timedelta(days=30 * 12) != d(2027, 1, 15)


def test_next_due_after_a_date_on_a_due_date_is_the_following_one():
    anchor = d(2026, 1, 1)
    assert next_due_after(anchor, MONTHLY, d(2026, 3, 1)) == d(2026, 4, 1)
    assert next_due_after(anchor, MONTHLY, d(2026, 3, 1) - timedelta(seconds=1)) == d(2026, 3, 1)
    assert next_due_after(anchor, QUARTERLY, d(2026, 5, 20)) == d(2026, 7, 1)


def test_period_a_monthly_review_covers_is_the_month_before_its_due_date():
    period = period_for(d(2026, 1, 1), MONTHLY, d(2026, 4, 1))
    assert period == Period(d(2026, 3, 1), d(2026, 4, 1))
    assert period.describe() == "March 2026"


def test_period_after_a_clamped_february_starts_at_the_clamped_date():
    anchor = d(2026, 1, 31)
    assert period_for(anchor, MONTHLY, d(2026, 3, 31)) == Period(d(2026, 2, 28), d(2026, 3, 31))


def test_period_for_a_due_date_off_the_grid_spans_one_interval():
    assert period_for(d(2026, 1, 1), MONTHLY, d(2026, 4, 10)) == Period(d(2026, 3, 10), d(2026, 4, 10))


def test_catch_up_lists_every_missed_period_once_in_order():
    periods = due_between(d(2025, 1, 1), MONTHLY, d(2025, 10, 15), d(2026, 2, 1))
    assert [p.end for p in periods] == [d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1)]
    assert periods[0].start == d(2025, 10, 1)
    assert due_between(d(2025, 1, 1), MONTHLY, d(2026, 2, 1), d(2026, 2, 1)) == []


@pytest.mark.parametrize(("now", "interval", "first"), [
    (d(2026, 3, 2, 9), MONTHLY, d(2026, 4, 1)),
    (d(2026, 3, 2, 9), QUARTERLY, d(2026, 4, 1)),
    (d(2026, 4, 1, 0), QUARTERLY, d(2026, 7, 1)),
    (d(2026, 3, 2, 9), YEARLY, d(2027, 1, 1)),
    (d(2026, 3, 2, 9), Interval(1, "week"), d(2026, 3, 9)),
    (d(2026, 3, 2, 9), Interval(1, "day"), d(2026, 3, 3)),
    (d(2026, 11, 20), Interval(6, "month"), d(2027, 1, 1)),
    (d(2026, 11, 20), Interval(5, "month"), d(2026, 12, 1)),
])
def test_seeded_schedules_start_on_the_next_calendar_boundary(now, interval, first):
    assert aligned_start_after(now, interval) == first


@pytest.mark.parametrize(("start", "end", "text"), [
    (d(2026, 1, 1), d(2026, 4, 1), "Q1 2026"),
    (d(2026, 7, 1), d(2027, 1, 1), "H2 2026"),
    (d(2026, 1, 1), d(2027, 1, 1), "2026"),
    (d(2026, 3, 2), d(2026, 3, 9), "2026-03-02 – 2026-03-08"),
])
def test_periods_are_described_as_people_say_them(start, end, text):
    assert describe_period(start, end) == text


# ------------------------------------------------------------ properties
@given(anchors, intervals, st.integers(-50, 200))
def test_occurrences_strictly_increase(anchor, interval, k):
    assert occurrence(anchor, interval, k) < occurrence(anchor, interval, k + 1)


@given(anchors, st.integers(-300, 300))
def test_monthly_never_drifts_from_the_anchor_day(anchor, k):
    due = occurrence(anchor, MONTHLY, k)
    last_day = (add_months(due.replace(day=1), 1) - timedelta(days=1)).day
    assert due.day == min(anchor.day, last_day)
    assert due.time() == anchor.time()


@given(anchors, intervals, anchors)
def test_next_due_is_the_first_occurrence_after_the_date(anchor, interval, after):
    nxt = next_due_after(anchor, interval, after)
    k = index_at_or_before(anchor, interval, after)
    assert occurrence(anchor, interval, k) <= after < nxt == occurrence(anchor, interval, k + 1)


@given(anchors, intervals, st.integers(-20, 100))
def test_the_period_of_a_due_date_runs_from_the_previous_occurrence(anchor, interval, k):
    due = occurrence(anchor, interval, k)
    assert period_for(anchor, interval, due) == Period(occurrence(anchor, interval, k - 1), due)


@given(anchors, intervals, anchors, st.integers(0, 2000))
def test_missed_periods_are_contiguous_and_each_due_once(anchor, interval, after, gap_days):
    until = after + timedelta(days=gap_days)
    periods = due_between(anchor, interval, after, until)
    dues = [p.end for p in periods]
    assert len(dues) == len(set(dues))
    assert all(after < due <= until for due in dues)
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert earlier.end == later.start
    # nothing skipped: the next one after the last listed is beyond ``until``
    assert next_due_after(anchor, interval, dues[-1] if dues else after) > until
