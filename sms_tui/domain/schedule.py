"""Calendar intervals for planned reviews (pure functions, no I/O).

"Monthly" means the same day each month, not every 30 days. Occurrences are
always computed from the schedule's *anchor* (occurrence 0), never from the
previous occurrence, so a schedule anchored on the 31st falls on the last day
of short months (Feb 28 or 29, Apr 30) and returns to the 31st afterwards
instead of drifting to the 28th for ever.

The review due at occurrence ``k`` covers the period from occurrence ``k-1``
(inclusive) to occurrence ``k`` (exclusive): the April 1 review of a monthly
schedule looks back at March.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import ValidationError

UNITS = ("day", "week", "month", "year")
_NAMED = {
    "daily": (1, "day"),
    "weekly": (1, "week"),
    "fortnightly": (2, "week"),
    "biweekly": (2, "week"),
    "monthly": (1, "month"),
    "bimonthly": (2, "month"),
    "quarterly": (3, "month"),
    "half-yearly": (6, "month"),
    "half_yearly": (6, "month"),
    "semiannually": (6, "month"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
    "annual": (1, "year"),
}
_NAME_OF = {(1, "day"): "daily", (1, "week"): "weekly", (1, "month"): "monthly",
            (3, "month"): "quarterly", (6, "month"): "half-yearly", (1, "year"): "yearly"}
_EVERY_RE = re.compile(r"^(?:every\s+)?(\d+)\s*(day|week|month|year)s?$")
# Upper bounds keep arithmetic inside datetime's range and catch typos (every 3000 months).
MAX_COUNT = {"day": 3660, "week": 520, "month": 120, "year": 10}
INTERVAL_HELP = ("daily, weekly, fortnightly, monthly, quarterly, half-yearly, yearly, "
                 "or 'every N days/weeks/months/years'")


@dataclass(frozen=True)
class Interval:
    """A calendar interval: ``count`` days, weeks, months or years."""

    count: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValidationError(f"unknown interval unit '{self.unit}': use {', '.join(UNITS)}")
        if not 1 <= self.count <= MAX_COUNT[self.unit]:
            raise ValidationError(
                f"an interval of {self.count} {self.unit}s is out of range: "
                f"use 1 to {MAX_COUNT[self.unit]} {self.unit}s"
            )

    @property
    def months(self) -> int:
        """Length in months for month/year intervals (0 for day/week ones)."""
        return {"month": self.count, "year": 12 * self.count}.get(self.unit, 0)

    @property
    def days(self) -> int:
        """Length in days for day/week intervals (0 for month/year ones)."""
        return {"day": self.count, "week": 7 * self.count}.get(self.unit, 0)

    def describe(self) -> str:
        """'monthly', 'quarterly', 'every 2 weeks'... (parse_interval reads it back)."""
        name = _NAME_OF.get((self.count, self.unit))
        if name:
            return name
        return f"every {self.count} {self.unit}{'s' if self.count != 1 else ''}"

    def __str__(self) -> str:
        return self.describe()


def parse_interval(text: str) -> Interval:
    """Read 'monthly', 'quarterly', 'every 2 weeks', '10 days'... or refuse naming the forms."""
    norm = " ".join(str(text).strip().lower().split())
    if norm in _NAMED:
        return Interval(*_NAMED[norm])
    match = _EVERY_RE.match(norm)
    if match:
        return Interval(int(match.group(1)), match.group(2))
    raise ValidationError(f"'{text}' is not an interval: use {INTERVAL_HELP}")


def add_months(when: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (or earlier), clamped to the month's last day."""
    total = when.year * 12 + (when.month - 1) + months
    year, month = divmod(total, 12)
    day = min(when.day, calendar.monthrange(year, month + 1)[1])
    return when.replace(year=year, month=month + 1, day=day)


def occurrence(anchor: datetime, interval: Interval, k: int) -> datetime:
    """The ``k``-th occurrence (0 = the anchor; negative k go back in time)."""
    if interval.months:
        return add_months(anchor, k * interval.months)
    return anchor + timedelta(days=k * interval.days)


def index_at_or_before(anchor: datetime, interval: Interval, when: datetime) -> int:
    """The largest k whose occurrence is at or before ``when``."""
    if interval.months:
        months = (when.year - anchor.year) * 12 + (when.month - anchor.month)
        k = months // interval.months
    else:
        k = (when - anchor) // timedelta(days=interval.days)
    # the estimate is off by at most one either way (day clamping, time of day)
    while occurrence(anchor, interval, k) > when:
        k -= 1
    while occurrence(anchor, interval, k + 1) <= when:
        k += 1
    return k


def next_due_after(anchor: datetime, interval: Interval, after: datetime) -> datetime:
    """The first occurrence strictly after ``after``."""
    return occurrence(anchor, interval, index_at_or_before(anchor, interval, after) + 1)


@dataclass(frozen=True)
class Period:
    """The span a review looks back on: ``start`` inclusive, ``end`` (= due) exclusive."""

    start: datetime
    end: datetime

    def describe(self) -> str:
        return describe_period(self.start, self.end)


def period_for(anchor: datetime, interval: Interval, due: datetime) -> Period:
    """The period the review due at ``due`` covers: from the previous occurrence to ``due``.

    ``due`` off the schedule's grid (e.g. after the organization moved the next
    due date) still gets a full interval: it is treated as its own anchor.
    """
    k = index_at_or_before(anchor, interval, due)
    if occurrence(anchor, interval, k) != due:
        anchor, k = due, 0
    return Period(occurrence(anchor, interval, k - 1), due)


def due_between(anchor: datetime, interval: Interval, after: datetime, until: datetime) -> list[Period]:
    """Every period whose due date falls in (``after``, ``until``], oldest first.

    This is what a scheduler that last ran at ``after`` has missed by ``until``.
    """
    if until <= after:
        return []
    first = index_at_or_before(anchor, interval, after) + 1
    periods: list[Period] = []
    k = first
    while (due := occurrence(anchor, interval, k)) <= until:
        periods.append(Period(occurrence(anchor, interval, k - 1), due))
        k += 1
    return periods


def aligned_start_after(now: datetime, interval: Interval) -> datetime:
    """A natural first due date after ``now``: the next calendar boundary for the interval.

    Monthly → the 1st of next month; quarterly → the next quarter (Jan/Apr/Jul/Oct 1);
    yearly → the next January 1; weekly → next Monday; daily → next midnight.
    Used when seeding schedules, so periods line up with calendar months,
    quarters and years.
    """
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval.unit == "day":
        return midnight + timedelta(days=1)
    if interval.unit == "week":
        return midnight + timedelta(days=7 - midnight.weekday())
    first = midnight.replace(day=1)
    step = 12 if interval.unit == "year" else (interval.months if 12 % interval.months == 0 else 1)
    candidate = add_months(first, 1)
    while (candidate.month - 1) % step:
        candidate = add_months(candidate, 1)
    return candidate


def describe_period(start: datetime, end: datetime) -> str:
    """'March 2026', 'Q1 2026', 'H2 2026', '2026', or '2026-03-02 – 2026-03-08' (end inclusive)."""
    at_midnight = all(t.hour == t.minute == t.second == t.microsecond == 0 for t in (start, end))
    if at_midnight and start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return f"{calendar.month_name[start.month]} {start.year}"
        if months == 3 and (start.month - 1) % 3 == 0:
            return f"Q{(start.month - 1) // 3 + 1} {start.year}"
        if months == 6 and (start.month - 1) % 6 == 0:
            return f"H{(start.month - 1) // 6 + 1} {start.year}"
        if months == 12 and start.month == 1:
            return f"{start.year}"
    last = end - timedelta(days=1) if at_midnight else end
    return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}"
