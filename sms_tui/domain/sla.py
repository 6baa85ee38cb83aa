"""Service level clocks (ISO/IEC 20000-1 8.3.3, 8.6.1): pure arithmetic, no I/O.

A record has two clocks that run together: *time to respond* (stops at the
first response) and *time to resolve* (stops at resolution). Both count only
while the record is in a running state: a paused state (``on_hold``, "pending
customer") stops them, and with a business-hours calendar only time inside
business hours counts.

The clock is kept as a fold, :class:`ClockState`: the business time counted so
far and, while running, the instant it last started. Applying each status
change in turn gives the same result as replaying the whole history
(:func:`replay`), which the tests check.

Config (every key optional; durations are "15m", "4h", "1h30m", "2d", or
minutes as a number)::

    [sla]
    near_threshold = 0.75          # "near breach" once this share of a target is used
    escalate_to = "Duty Manager"   # hierarchical escalation on breach
    escalate_on = ["breached"]     # or ["near", "breached"]

    [sla.default]                  # targets per priority
    P1 = { respond = "15m", resolve = "4h" }

    [sla.services."Email"]         # per-service overrides, per priority
    P1 = { respond = "5m", resolve = "2h" }

    [sla.requests]                 # requests: targets come from their catalogue type;
    respond = "4h"                 # these serve a type with no respond target and
    resolve = "24h"                # requests classified 'other'

    [sla.business_hours]           # without it, the clock runs 24x7
    days = ["mon", "tue", "wed", "thu", "fri"]
    start = "08:00"
    end = "18:00"
    timezone = "Europe/Berlin"
    holidays = ["2026-12-25"]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from .errors import ValidationError

ZERO = timedelta(0)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Clock states a row can be in, worst last (the queue shows the worst of both clocks).
# "cancelled": the record ended without being resolved (cancelled, or a request rejected),
# so a target still counting then was neither met nor breached.
STATES = ("none", "cancelled", "met", "ok", "paused", "near", "breached")
# The final states in which a record ends without the work its resolution clock times.
UNRESOLVED_ENDS = frozenset({"cancelled", "rejected"})


def ended_unresolved(status: str) -> bool:
    """True when a record in ``status`` ended without being resolved (or fulfilled): its
    resolution target, and a response target it never reached, are neither met nor
    breached. The one rule every SLA reading and figure follows."""
    return status in UNRESOLVED_ENDS


def aware(value: datetime) -> datetime:
    """Timestamps are UTC-aware everywhere; a naive one is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# --------------------------------------------------------------------- durations
_DURATION_RE = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$", re.ASCII)
MAX_DURATION = timedelta(days=3660)  # ten years: beyond, a target or an interval is a typo


def parse_duration(value: Any, key: str = "duration") -> timedelta:
    """'15m', '4h', '1h30m', '2d' or a number of minutes; never negative."""
    if isinstance(value, bool):
        raise ValidationError(f"{key}: expected a duration like '15m', '4h' or '2d', got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValidationError(f"{key}: must not be negative (got {value})")
        if not 0 <= value <= MAX_DURATION.total_seconds() / 60:  # also NaN and infinity
            raise ValidationError(f"{key}: must be a number of minutes from 0 to "
                                  f"{MAX_DURATION.days} days (got {value})")
        return timedelta(minutes=value)
    text = str(value).strip().lower().replace(" ", "")
    if text.startswith("-"):
        raise ValidationError(f"{key}: must not be negative (got {value!r})")
    match = _DURATION_RE.match(text)
    if not text or not match or not any(match.groups()):
        raise ValidationError(f"{key}: expected a duration like '15m', '4h' or '2d', got {value!r}")
    if any(len(g or "") > 9 for g in match.groups()):
        raise ValidationError(f"{key}: {value!r} is too long; keep it under {MAX_DURATION.days} days")
    d, h, m, s = (int(g or 0) for g in match.groups())
    total = timedelta(days=d, hours=h, minutes=m, seconds=s)
    if total > MAX_DURATION:
        raise ValidationError(f"{key}: {value!r} is too long; keep it under {MAX_DURATION.days} days")
    return total


def format_duration(value: timedelta) -> str:
    """The one way a span of time is shown (SLA clocks, targets, report times): '45m',
    '2h 05m', '3d 4h'; a whole number of hours or days without the zero beside it ('4h',
    '3d': "paused 4h 00m" read like a clock); '<1m' for a few seconds; '-' prefix when
    negative."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if 0 < seconds < 60:
        return f"{sign}<1m"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h" if hours else f"{sign}{days}d"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m" if minutes else f"{sign}{hours}h"
    return f"{sign}{minutes}m"


def format_hours(hours: float) -> str:
    """Hours (a request type's SLA, a report's time to resolve) as any other span: '4h', '2d',
    '1m' -- to the minute."""
    return format_duration(timedelta(minutes=round(hours * 60)))


# --------------------------------------------------------------------- calendar
@dataclass(frozen=True)
class BusinessCalendar:
    """When the clock may run: business days, a daily window, a timezone, holidays.

    ``start``/``end`` are minutes after local midnight (``end`` may be 1440,
    i.e. 24:00). Windows never cross midnight.
    """

    days: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    start: int = 8 * 60
    end: int = 18 * 60
    tz: tzinfo = UTC
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days:
            raise ValidationError("a business calendar needs at least one business day")
        if not 0 <= self.start < self.end <= 1440:
            raise ValidationError("business hours must start before they end, within one day")

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or day in self.holidays:
            return None
        midnight = datetime.combine(day, time(0), tzinfo=self.tz)
        # aware + timedelta is wall-clock arithmetic; converting to UTC applies the offset
        # in force at that local time, so DST days get their real length.
        return (
            (midnight + timedelta(minutes=self.start)).astimezone(UTC),
            (midnight + timedelta(minutes=self.end)).astimezone(UTC),
        )

    def _days(self, start: datetime) -> Iterable[date]:
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        while True:
            yield day
            day += timedelta(days=1)

    def business_time(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if ``end`` is not after ``start``)."""
        start, end = aware(start), aware(end)
        if end <= start:
            return ZERO
        last = end.astimezone(self.tz).date()
        total = ZERO
        for day in self._days(start):
            if day > last:
                break
            window = self._window(day)
            if window is None:
                continue
            lo, hi = max(window[0], start), min(window[1], end)
            if hi > lo:
                total += hi - lo
        return total

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when ``amount`` of business time has passed after ``start``."""
        start = aware(start)
        if amount <= ZERO:
            return start
        for count, day in enumerate(self._days(start)):
            if count > 366 * 20:  # a calendar made only of holidays: refuse rather than loop
                raise ValidationError("the business calendar has no business time left")
            window = self._window(day)
            if window is None:
                continue
            lo = max(window[0], start)
            if window[1] <= lo:
                continue
            available = window[1] - lo
            if amount <= available:
                return lo + amount
            amount -= available
        raise AssertionError("unreachable")  # pragma: no cover


def business_time(start: datetime, end: datetime, calendar: BusinessCalendar | None) -> timedelta:
    """Time between two instants that counts under ``calendar`` (None: every second counts)."""
    if calendar is None:
        return max(ZERO, aware(end) - aware(start))
    return calendar.business_time(start, end)


def add_business_time(start: datetime, amount: timedelta, calendar: BusinessCalendar | None) -> datetime:
    """The deadline ``amount`` of counted time after ``start``."""
    if calendar is None:
        return aware(start) + max(ZERO, amount)
    return calendar.add(start, amount)


# --------------------------------------------------------------------- the clock
@dataclass(frozen=True)
class ClockState:
    """Counted time so far; ``running_since`` is set while the clock runs."""

    counted: timedelta = ZERO
    running_since: datetime | None = None

    @classmethod
    def started(cls, at: datetime, running: bool) -> ClockState:
        return cls(ZERO, aware(at) if running else None)

    def elapsed(self, now: datetime, calendar: BusinessCalendar | None) -> timedelta:
        """Counted time at ``now``."""
        if self.running_since is None:
            return self.counted
        return self.counted + business_time(self.running_since, now, calendar)

    def apply(self, at: datetime, running: bool, calendar: BusinessCalendar | None) -> ClockState:
        """The state after the record enters a running (or stopped/paused) status at ``at``."""
        at = aware(at)
        if running:
            # already running: it keeps counting from when it started
            return self if self.running_since is not None else ClockState(self.counted, at)
        return ClockState(self.elapsed(at, calendar), None)


def replay(created_at: datetime, statuses: Iterable[tuple[datetime, str]],
           running_states: Iterable[str], calendar: BusinessCalendar | None,
           initial: str) -> ClockState:
    """The clock rebuilt from the whole status history (oldest first)."""
    running = frozenset(running_states)
    state = ClockState.started(created_at, initial in running)
    for at, status in statuses:
        state = state.apply(at, status in running, calendar)
    return state


# --------------------------------------------------------------------- readings
@dataclass(frozen=True)
class Target:
    respond: timedelta
    resolve: timedelta


DEFAULT_TARGETS: Mapping[int, Target] = {
    1: Target(timedelta(minutes=15), timedelta(hours=4)),
    2: Target(timedelta(minutes=30), timedelta(hours=8)),
    3: Target(timedelta(hours=2), timedelta(hours=24)),
    4: Target(timedelta(hours=8), timedelta(days=3)),
    5: Target(timedelta(days=1), timedelta(days=10)),
}


# a request's targets when its type names none (and for requests classified 'other')
DEFAULT_REQUEST_TARGET = Target(timedelta(hours=4), timedelta(hours=24))


@dataclass(frozen=True)
class Reading:
    """One clock against its target."""

    target: timedelta
    elapsed: timedelta
    done: bool  # responded / resolved: the clock no longer counts
    near_threshold: float = 0.75
    void: bool = False  # the record ended unresolved before this clock's event: no verdict

    @property
    def remaining(self) -> timedelta:
        return self.target - self.elapsed

    @property
    def state(self) -> str:
        """met | ok | near | breached (a finished clock over target stays breached);
        cancelled when the record ended unresolved before this clock's event happened."""
        if self.void:
            return "cancelled"
        if self.done:
            return "met" if self.elapsed <= self.target else "breached"
        if self.elapsed >= self.target:
            return "breached"
        if self.elapsed >= self.target * self.near_threshold:
            return "near"
        return "ok"


@dataclass(frozen=True)
class SlaStatus:
    """Both clocks of one record, and what a queue should show for them."""

    respond: Reading
    resolve: Reading
    paused: bool = False

    @property
    def cancelled(self) -> bool:
        """The record ended unresolved: its resolution target was neither met nor breached."""
        return self.resolve.void

    @property
    def state(self) -> str:
        """The worst state of the clocks still counting (breached > near > paused > ok > met);
        cancelled for a record that ended unresolved (a late first response stays in its
        response clock's reading)."""
        if self.cancelled:
            return "cancelled"
        states = [r.state for r in (self.respond, self.resolve)]
        for worst in ("breached", "near"):
            if worst in states:
                return worst
        if self.paused and not self.resolve.done:
            return "paused"
        if all(r.done for r in (self.respond, self.resolve)):
            return "met"
        return "ok"

    @property
    def urgent(self) -> Reading:
        """The clock that matters most now: the unfinished one with the least time left."""
        open_ = [r for r in (self.respond, self.resolve) if not r.done]
        return min(open_, key=lambda r: r.remaining) if open_ else self.resolve

    @property
    def remaining(self) -> timedelta:
        return self.urgent.remaining

    def label(self) -> str:
        """The SLA in words (detail, CLI); meaning never relies on colour. Names the
        response clock when only it breached, as :func:`short_label` does in the queue."""
        state = self.state
        if state in ("met", "cancelled"):
            return state
        if state == "breached" and self.resolve.state != "breached":
            # only the first response was late: the resolution clock still runs
            return f"response BREACHED, {format_duration(self.resolve.remaining)} left to resolve"
        if self.urgent.remaining <= ZERO:
            return f"BREACHED {format_duration(-self.urgent.remaining)}"
        left = format_duration(self.remaining)
        if state == "paused":
            return f"paused, {left} left"
        if state == "near":
            return f"{left} left!"
        return f"{left} left"


def compact_duration(value: timedelta) -> str:
    """Narrow form for tight columns: '45m', '2h05m', '3d4h'."""
    return format_duration(value).replace(" ", "")


SHORT_WIDTH = 9  # the queue's SLA column


def short_label(status: SlaStatus) -> str:
    """At most 9 cells: 'BREACHED' (resolution), 'resp.BRCH' (only the first response
    was late: the resolution clock still runs, as the detail says), '!2h05m' (near),
    '2h05m', '(2h05m)' (on hold), 'met', 'cancelled' (ended unresolved: no verdict)."""
    state = status.state
    if state in ("met", "cancelled"):
        return state
    if state == "breached":
        return "BREACHED" if status.resolve.state == "breached" else "resp.BRCH"
    left = compact_duration(status.remaining)
    return {"near": f"!{left}", "paused": f"({left})"}.get(state, left)


def reading_pair(target: Target, respond_elapsed: timedelta, responded: bool,
                 resolve_elapsed: timedelta, resolved: bool, near_threshold: float,
                 paused: bool, unresolved: bool = False) -> SlaStatus:
    """Both clocks of a record; ``unresolved``: it ended unresolved (:func:`ended_unresolved`),
    so its resolution clock, and a response clock that never stopped, get no verdict."""
    return SlaStatus(
        Reading(target.respond, respond_elapsed, responded, near_threshold,
                void=unresolved and not responded),
        Reading(target.resolve, resolve_elapsed, resolved, near_threshold, void=unresolved),
        paused,
    )


def crossings(status: SlaStatus) -> list[str]:
    """Thresholds crossed so far, e.g. ['respond_near', 'respond_breached', 'resolve_near'].

    The background check journals each one once; ``breached`` implies ``near``.
    """
    out: list[str] = []
    for name, reading in (("respond", status.respond), ("resolve", status.resolve)):
        if reading.done or reading.void:
            continue
        if reading.elapsed >= reading.target * reading.near_threshold:
            out.append(f"{name}_near")
        if reading.elapsed >= reading.target:
            out.append(f"{name}_breached")
    return out


# --------------------------------------------------------------------- policy
@dataclass(frozen=True)
class SlaPolicy:
    """Targets per priority (and per service), the calendar, the breach rules."""

    default: Mapping[int, Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    services: Mapping[str, Mapping[int, Target]] = field(default_factory=dict)
    near_threshold: float = 0.75
    calendar: BusinessCalendar | None = None
    escalate_to: str = ""
    escalate_on: frozenset[str] = frozenset({"breached"})
    requests: Target = DEFAULT_REQUEST_TARGET

    def target(self, priority: int, service: str = "") -> Target:
        """The target for a priority, the service's override first."""
        override = self.services.get(service or "", {})
        return override.get(priority) or self.default[priority]
