"""SLA clock arithmetic (domain/sla.py): business hours, pauses, targets, config errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sms_tui.domain.errors import ConfigError
from sms_tui.domain.sla import (
    BusinessCalendar,
    ClockState,
    Reading,
    SlaStatus,
    add_business_time,
    business_time,
    crossings,
    format_duration,
    parse_duration,
    replay,
)
from sms_tui.domain.sla_config import policy_from_config

H = timedelta(hours=1)
M = timedelta(minutes=1)
# Mon-Fri 08:00-18:00 UTC with Wednesday 2026-03-04 a holiday
OFFICE = BusinessCalendar(frozenset(range(5)), 8 * 60, 18 * 60, UTC, frozenset({date(2026, 3, 4)}))
BERLIN = BusinessCalendar(frozenset(range(7)), 0, 24 * 60, ZoneInfo("Europe/Berlin"))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026: the 2nd is a Monday."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# ------------------------------------------------------------------ worked examples
def test_friday_evening_to_monday_morning_counts_only_business_hours():
    # Fri 17:00 -> Mon 09:00: one hour on Friday, one on Monday, the weekend not at all
    assert OFFICE.business_time(at(6, 17), at(9, 9)) == 2 * H


def test_overnight_counts_nothing_outside_the_daily_window():
    assert OFFICE.business_time(at(3, 17, 30), at(5, 8, 30)) == timedelta(minutes=60)  # Tue->Thu, Wed holiday


def test_a_holiday_counts_nothing():
    assert OFFICE.business_time(at(4, 0), at(5, 0)) == timedelta(0)


def test_deadline_skips_the_weekend():
    # a P1 with 4 h to resolve, opened Friday 16:00, is due Monday 10:00
    assert add_business_time(at(6, 16), 4 * H, OFFICE) == at(9, 10)


def test_deadline_skips_a_holiday():
    assert add_business_time(at(3, 17), 2 * H, OFFICE) == at(5, 9)


def test_daylight_saving_day_is_23_hours_long_in_local_time():
    tz = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=tz)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=tz)
    assert BERLIN.business_time(start, end) == 23 * H


def test_without_a_calendar_every_second_counts():
    assert business_time(at(6, 17), at(9, 9), None) == 64 * H


def test_on_hold_pauses_and_resume_continues_the_clock():
    clock = ClockState.started(at(2, 9), running=True)
    clock = clock.apply(at(2, 10), running=False, calendar=None)  # on hold after 1 h
    assert clock.elapsed(at(2, 15), None) == H  # paused: still 1 h five hours later
    clock = clock.apply(at(2, 15), running=True, calendar=None)  # customer answered
    assert clock.elapsed(at(2, 15, 30), None) == H + 30 * M


def test_pause_and_business_hours_combine():
    # running Mon 17:00-18:00 (1 h), on hold Mon 17:30 -> Tue 09:00, then running again
    clock = ClockState.started(at(2, 17), running=True)
    clock = clock.apply(at(2, 17, 30), running=False, calendar=OFFICE)
    clock = clock.apply(at(3, 9), running=True, calendar=OFFICE)
    assert clock.elapsed(at(3, 10), OFFICE) == 30 * M + H


def test_reading_states_follow_the_threshold():
    target = 4 * H
    assert Reading(target, 2 * H, False).state == "ok"
    assert Reading(target, 3 * H, False).state == "near"
    assert Reading(target, 4 * H, False).state == "breached"
    assert Reading(target, 3 * H, True).state == "met"
    assert Reading(target, 5 * H, True).state == "breached"


def test_queue_label_says_breached_in_words():
    status = SlaStatus(Reading(15 * M, 5 * M, True), Reading(4 * H, 4 * H + 10 * M, False))
    assert status.state == "breached"
    assert status.label() == "BREACHED 10m"


@pytest.mark.parametrize("respond", [
    Reading(15 * M, 40 * M, True),    # answered late
    Reading(15 * M, 40 * M, False),   # not answered yet, past its target
])
def test_a_late_first_response_alone_is_not_called_breached_in_the_queue(respond):
    from sms_tui.domain.sla import SHORT_WIDTH, short_label

    status = SlaStatus(respond, Reading(4 * H, H, False))
    assert status.state == "breached"
    assert short_label(status) == "resp.BRCH"  # the queue and the detail say the same
    assert status.label() == "response BREACHED, 3h left to resolve"
    assert len(short_label(status)) <= SHORT_WIDTH


def test_a_missed_resolution_is_breached_in_queue_and_detail():
    from sms_tui.domain.sla import short_label

    status = SlaStatus(Reading(15 * M, 40 * M, True), Reading(4 * H, 4 * H + 10 * M, False))
    assert short_label(status) == "BREACHED" and status.label() == "BREACHED 10m"


def test_queue_label_shows_time_left_and_pause():
    running = SlaStatus(Reading(15 * M, 5 * M, True), Reading(4 * H, H, False))
    paused = SlaStatus(Reading(15 * M, 5 * M, True), Reading(4 * H, H, False), paused=True)
    assert running.label() == "3h left"
    assert paused.label() == "paused, 3h left"


def test_crossings_name_each_clock_and_threshold():
    status = SlaStatus(Reading(15 * M, 20 * M, False), Reading(4 * H, 3 * H + 1 * M, False))
    assert crossings(status) == ["respond_near", "respond_breached", "resolve_near"]


@pytest.mark.parametrize("text,expected", [
    ("15m", 15 * M), ("4h", 4 * H), ("1h30m", 90 * M), ("2d", timedelta(days=2)), (90, 90 * M),
])
def test_durations_are_read_as_people_write_them(text, expected):
    assert parse_duration(text) == expected


def test_format_duration_is_compact():
    assert [format_duration(d) for d in (45 * M, 2 * H + 5 * M, timedelta(days=3, hours=4), -10 * M)] == \
        ["45m", "2h 05m", "3d 4h", "-10m"]


def test_a_whole_number_of_hours_or_days_is_said_without_a_zero_beside_it():
    # "SLA paused 4h 00m" read like a clock, not a time left
    assert [format_duration(d) for d in (4 * H, timedelta(days=3), -2 * H, 20 * M // 60)] == \
        ["4h", "3d", "-2h", "<1m"]
    assert format_duration(timedelta(0)) == "0m"


def test_a_paused_clock_says_the_time_left():
    paused = SlaStatus(Reading(15 * M, 5 * M, True), Reading(4 * H, H, False), paused=True)
    assert paused.label() == "paused, 3h left"


# ------------------------------------------------------------------ config
def test_targets_default_per_priority_and_override_per_service():
    policy = policy_from_config({
        "default": {"P1": {"respond": "10m", "resolve": "2h"}},
        "services": {"Email": {"P1": {"resolve": "1h"}}},
    }, "c.toml")
    assert policy.target(1, "").resolve == 2 * H
    assert policy.target(1, "Email").resolve == H
    assert policy.target(1, "Email").respond == 10 * M  # not overridden: the default's
    assert policy.target(3, "Email").resolve == 24 * H  # built-in default


@pytest.mark.parametrize("section,key", [
    ({"default": {"P1": {"respond": "-5m"}}}, "sla.default.P1.respond"),
    ({"default": {"P2": {"resolve": -30}}}, "sla.default.P2.resolve"),
    ({"services": {"Email": {"P1": {"resolve": "-1h"}}}}, 'sla.services."Email".P1.resolve'),
    ({"default": {"P9": {"resolve": "1h"}}}, "sla.default.P9"),
    ({"near_threshold": 1.5}, "sla.near_threshold"),
    ({"business_hours": {"start": "18:00", "end": "08:00"}}, "sla.business_hours.end"),
    ({"business_hours": {"timezone": "Mars/Olympus"}}, "sla.business_hours.timezone"),
    ({"business_hours": {"holidays": ["someday"]}}, "sla.business_hours.holidays"),
    ({"escalate_on": ["lunch"]}, "sla.escalate_on"),
])
def test_bad_sla_config_names_the_file_and_key(section, key):
    with pytest.raises(ConfigError) as err:
        policy_from_config(section, "/etc/desk.toml")
    assert str(err.value).startswith(f"/etc/desk.toml: {key}:")


def test_business_hours_config_builds_the_calendar():
    policy = policy_from_config({"business_hours": {
        "days": ["mon", "tue"], "start": "09:00", "end": "17:30", "timezone": "Europe/Berlin",
        "holidays": ["2026-03-03"]}}, "c.toml")
    cal = policy.calendar
    assert cal is not None
    assert (cal.days, cal.start, cal.end) == (frozenset({0, 1}), 540, 1050)
    assert date(2026, 3, 3) in cal.holidays


# ------------------------------------------------------------------ properties
instants = st.integers(min_value=0, max_value=60 * 24 * 40).map(
    lambda minutes: at(1, 0) + timedelta(minutes=minutes, seconds=minutes % 7))
calendars = st.sampled_from([OFFICE, BERLIN, None,
                             BusinessCalendar(frozenset({5, 6}), 22 * 60, 24 * 60,
                                              ZoneInfo("America/New_York"))])


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, c=instants, cal=calendars)
def test_business_time_is_additive_over_split_intervals(a, b, c, cal):
    a, b, c = sorted((a, b, c))
    assert business_time(a, c, cal) == business_time(a, b, cal) + business_time(b, c, cal)


@settings(max_examples=150, deadline=None)
@given(a=instants, b=instants, cal=calendars)
def test_business_time_is_never_negative_nor_more_than_wall_time(a, b, cal):
    counted = business_time(a, b, cal)
    assert timedelta(0) <= counted <= max(timedelta(0), b - a)


@settings(max_examples=150, deadline=None)
@given(a=instants, minutes=st.integers(min_value=0, max_value=60 * 24 * 20), cal=calendars)
def test_deadline_is_exactly_the_target_of_business_time_away(a, minutes, cal):
    amount = timedelta(minutes=minutes)
    assert business_time(a, add_business_time(a, amount, cal), cal) == amount


statuses = st.sampled_from(["new", "in_progress", "on_hold", "resolved"])
RUNNING = {"new", "in_progress"}


@settings(max_examples=150, deadline=None)
@given(start=instants, steps=st.lists(st.tuples(st.integers(0, 60 * 30), statuses), max_size=12),
       cal=calendars, later=st.integers(0, 60 * 50))
def test_the_stored_clock_equals_the_sum_of_running_intervals(start, steps, cal, later):
    history, when = [], start
    for minutes, status in steps:
        when += timedelta(minutes=minutes)
        history.append((when, status))
    now = when + timedelta(minutes=later)
    clock = replay(start, history, RUNNING, cal, initial="new")
    # independent computation: add up the intervals spent in a running status
    expected, since, state = timedelta(0), start, "new"
    for moment, status in [*history, (now, "end")]:
        if state in RUNNING:
            expected += business_time(since, moment, cal)
        since, state = moment, status
    assert clock.elapsed(now, cal) == expected


@settings(max_examples=150, deadline=None)
@given(start=instants, pause_at=st.integers(0, 60 * 50), pause_for=st.integers(0, 60 * 50),
       later=st.integers(0, 60 * 50), cal=calendars)
def test_pausing_never_increases_elapsed_time(start, pause_at, pause_for, later, cal):
    begin = start + timedelta(minutes=pause_at)
    end = begin + timedelta(minutes=pause_for)
    now = end + timedelta(minutes=later)
    plain = ClockState.started(start, True)
    paused = plain.apply(begin, False, cal).apply(end, True, cal)
    assert paused.elapsed(now, cal) <= plain.elapsed(now, cal)
    assert paused.elapsed(now, cal) == plain.elapsed(now, cal) - business_time(begin, end, cal)
