"""Plain data of the service report and the evidence report, and report periods.

Everything here is a frozen dataclass: the renderers (``sms_tui.reports``),
the CLI and the TUI take these and nothing else. A figure always carries its
value for the previous period of equal length, so every renderer can show the
trend as an arrow *and* a signed delta (never colour alone).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ...domain.bounds import check_date
from ...domain.errors import ValidationError
from ...domain.sla import format_hours  # MTTR read "0 h" for a minute

PERIOD_KINDS = ("week", "month", "quarter")

UP, DOWN, SAME = "▲", "▼", "="


# --------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    """A half-open interval of time ``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValidationError(
                f"the period must end after it starts (from {self.start:%Y-%m-%d %H:%M} "
                f"to {self.end:%Y-%m-%d %H:%M}); 'to' is exclusive"
            )

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of equal length that ends where this one starts (from the year 1 at the
        earliest: a period of thousands of years has no equal one before it)."""
        try:
            start = self.start - self.length
        except OverflowError:
            start = datetime.min.replace(tzinfo=UTC)
        return Period(start, self.start)

    def label(self) -> str:
        """'2026-03-01 – 2026-03-31' (the last day shown inclusively when on midnights)."""
        if _is_midnight(self.start) and _is_midnight(self.end):
            last = (self.end - timedelta(days=1)).date()
            return f"{self.start.date().isoformat()} – {last.isoformat()}"
        return f"{self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M} (exclusive)"

    def to_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label()}


def _is_midnight(value: datetime) -> bool:
    return (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0)


def parse_when(text: str, option: str = "date") -> datetime:
    """'2026-03-01' (midnight UTC) or an ISO date-time; naive times are taken as UTC."""
    raw = (text or "").strip()
    try:
        if len(raw) == 10:
            value = datetime.combine(date.fromisoformat(raw), datetime.min.time())
        else:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{option} '{text}' is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+HH:MM]"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return check_date(value, option).astimezone(UTC)


def period_start(kind: str, when: datetime) -> datetime:
    """Start of the calendar week (Monday), month or quarter that contains ``when``."""
    day = when.astimezone(UTC).date()
    if kind == "week":
        day -= timedelta(days=day.weekday())
    elif kind == "month":
        day = day.replace(day=1)
    elif kind == "quarter":
        day = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    else:
        raise ValidationError(f"unknown period '{kind}': use {', '.join(PERIOD_KINDS)}")
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def shift(kind: str, start: datetime, steps: int) -> datetime:
    """Move a period start by ``steps`` calendar weeks, months or quarters."""
    if kind == "week":
        return start + timedelta(weeks=steps)
    months = steps * (3 if kind == "quarter" else 1)
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    day = min(start.day, calendar.monthrange(year, month + 1)[1])
    return start.replace(year=year, month=month + 1, day=day)


def calendar_period(kind: str, when: datetime, offset: int = 0) -> Period:
    """The calendar ``kind`` containing ``when``, moved by ``offset`` periods (-1 = the last
    complete one)."""
    start = shift(kind, period_start(kind, when), offset)
    return Period(start, shift(kind, start, 1))


# --------------------------------------------------------------------- figures
@dataclass(frozen=True)
class Figure:
    """One number of the report with its value in the previous period.

    ``current``/``previous`` are None when there is nothing to measure (e.g. a
    mean over no resolved incidents); ``note`` says why. ``better`` tells the
    renderers which direction is an improvement ("up", "down" or "").

    It is judged per figure, and only where the direction alone means something:
    rates, times, backlogs, failures and demand (incidents opened) are judged; a
    count of work done (resolved, fulfilled, closed, reviewed, successful, on
    time) is not, as it follows how much came in -- fewer P1s resolved is what
    fewer P1s looks like. Its rate or the backlog beside it says better or worse.
    """

    key: str
    label: str
    current: float | None
    previous: float | None
    unit: str = ""  # "" (count), "h", "%", "/5"
    better: str = ""
    note: str = ""

    @property
    def delta(self) -> float | None:
        if self.current is None or self.previous is None:
            return None
        return round(self.current - self.previous, 6)

    @property
    def arrow(self) -> str:
        d = self.delta
        if d is None:
            return ""
        return UP if d > 0 else DOWN if d < 0 else SAME

    @property
    def verdict(self) -> str:
        """'better', 'worse' or '' -- spelled out so no one has to rely on colour."""
        d = self.delta
        if not d or not self.better:
            return ""
        return "better" if (d > 0) == (self.better == "up") else "worse"

    def value_text(self, which: str = "current") -> str:
        return format_value(getattr(self, which), self.unit)

    def trend_text(self) -> str:
        """'▲ +3', '▼ −1.5 h', '= 0' or 'n/a' (no previous value to compare)."""
        d = self.delta
        if d is None:
            return "n/a"
        if d == 0:
            return f"{SAME} 0"
        sign = "+" if d > 0 else "−"
        if self.unit == "h":
            return f"{self.arrow} {sign}{format_hours(abs(d))}"
        unit = " pp" if self.unit == "%" else ""
        return f"{self.arrow} {sign}{_number(abs(d))}{unit}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "current": self.current,
            "previous": self.previous,
            "delta": self.delta,
            "trend": self.arrow or None,
            "verdict": self.verdict or None,
            "unit": self.unit,
            "note": self.note,
        }


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def format_value(value: float | None, unit: str = "") -> str:
    """'12', '2h 30m' (hours), '97.5 %', '4.2/5'; '–' when there is nothing to measure."""
    if value is None:
        return "–"
    if unit == "h":
        return format_hours(value)
    text = _number(value)
    if unit == "%":
        return f"{text} %"
    if unit == "/5":
        return f"{text}/5"
    return text


@dataclass(frozen=True)
class BreakdownRow:
    label: str
    cells: tuple[Figure, ...]


@dataclass(frozen=True)
class Breakdown:
    """A small table of figures (rows × columns), e.g. time to resolve by priority."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]
    chart: bool = False  # renderers draw a bar chart of the first column

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [
                {"label": r.label, "cells": [c.to_dict() for c in r.cells]} for r in self.rows
            ],
        }


@dataclass(frozen=True)
class Section:
    """A part of the report (incidents, requests, changes...).

    ``available`` is False when the data it needs is not recorded by this
    database (a feature not installed yet): renderers print ``note`` ("no data").
    """

    key: str
    title: str
    clause: str
    figures: tuple[Figure, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()
    available: bool = True
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "clause": self.clause,
            "available": self.available,
            "note": self.note,
            "figures": [f.to_dict() for f in self.figures],
            "breakdowns": [b.to_dict() for b in self.breakdowns],
        }


@dataclass(frozen=True)
class WeekBucket:
    """Incidents opened and resolved in one ISO week (clipped to the period)."""

    week: str  # "2026-W10"
    start: date  # first day inside the period
    end: date  # last day inside the period (inclusive)
    opened: int
    resolved: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "week": self.week,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "opened": self.opened,
            "resolved": self.resolved,
        }


@dataclass(frozen=True)
class ServiceReport:
    """The service report (9.4) for one period, with trends against the previous one."""

    period: Period
    previous: Period
    generated_at: datetime
    as_of: datetime  # backlog and ages are measured here: min(period end, now)
    weekly: tuple[WeekBucket, ...]
    sections: tuple[Section, ...]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def figure(self, key: str) -> Figure:
        """The figure with this key, wherever it is (sections and breakdowns)."""
        for sec in self.sections:
            for fig in sec.figures:
                if fig.key == key:
                    return fig
            for bd in sec.breakdowns:
                for row in bd.rows:
                    for fig in row.cells:
                        if fig.key == key:
                            return fig
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": "service report",
            "clause": "9.4",
            "period": self.period.to_dict(),
            "previous_period": self.previous.to_dict(),
            "generated_at": self.generated_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "weekly_incidents": [w.to_dict() for w in self.weekly],
            "sections": [s.to_dict() for s in self.sections],
        }


# --------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class Gap:
    """Something an auditor would flag, with the references involved.

    ``refs`` may be cut to a limit; ``count`` is always the full number.
    """

    key: str
    description: str
    count: int
    refs: tuple[str, ...] = ()

    @property
    def refs_cut(self) -> int:
        return max(0, self.count - len(self.refs))

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "description": self.description, "count": self.count,
                "refs": list(self.refs), "refs_not_listed": self.refs_cut}


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class ClauseEvidence:
    """What the store shows for one clause in the period, its gaps and its status.

    ``evidence`` counts the items that show the requirement is met (records of
    the period, reviews done, documents in the register); ``outside`` names what
    an auditor asks for that the desk does not hold; ``applicable`` is False when
    what the clause is about did not happen in the period (``note`` says what).
    The status follows from these (:func:`sms_tui.domain.evidence.clause_status`).
    """

    clause: str
    title: str
    summary: str
    facts: tuple[Fact, ...] = ()
    gaps: tuple[Gap, ...] = ()
    available: bool = True
    note: str = ""
    evidence: int = 0
    outside: tuple[str, ...] = ()
    applicable: bool = True
    documents: tuple[str, ...] = ()  # the register's documents counted here ("DOC-1 title v2")
    samples: tuple[str, ...] = ()  # references an auditor can trace (evidence --sample)
    # The records its figures are drawn from (the clause's records of the period, by id, cut
    # to a limit; records_total is the full number): the HTML links each figure to them.
    records: tuple[str, ...] = ()
    records_total: int = 0

    @property
    def status(self) -> str:
        from ...domain.evidence import clause_status

        return clause_status(evidence=self.evidence if self.available else 0,
                             gaps=sum(1 for g in self.gaps if g.count),
                             outside=len(self.outside), applicable=self.applicable)

    @property
    def status_text(self) -> str:
        from ...domain.evidence import STATUS_WORDS

        return STATUS_WORDS[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause": self.clause,
            "title": self.title,
            "status": self.status,
            "summary": self.summary,
            "available": self.available,
            "applicable": self.applicable,
            "note": self.note,
            "evidence_count": self.evidence,
            "facts": [{"label": f.label, "value": f.value} for f in self.facts],
            "gaps": [g.to_dict() for g in self.gaps],
            "outside": list(self.outside),
            "documents": list(self.documents),
            "samples": list(self.samples),
        }


@dataclass(frozen=True)
class TraceEntry:
    when: str  # 'YYYY-MM-DD HH:MM:SS' UTC
    actor: str
    action: str
    changes: str  # 'status: new → resolved; title: – → VPN down'
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.when, "actor": self.actor, "action": self.action,
                "changes": self.changes, "note": self.note}


@dataclass(frozen=True)
class Trace:
    """One record picked for an auditor to trace: what it is and its full journal."""

    ref: str
    clause: str
    title: str
    entries: tuple[TraceEntry, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"ref": self.ref, "clause": self.clause, "title": self.title,
                "journal": [e.to_dict() for e in self.entries]}


@dataclass(frozen=True)
class EvidenceReport:
    """Evidence for an audit, clause by clause, for one period."""

    period: Period
    generated_at: datetime
    clauses: tuple[ClauseEvidence, ...] = field(default_factory=tuple)
    traces: tuple[Trace, ...] = ()  # evidence --sample N: records picked per clause
    sample_seed: int | None = None

    def clause(self, number: str) -> ClauseEvidence:
        return next(c for c in self.clauses if c.clause == number)

    @property
    def gap_count(self) -> int:
        return sum(1 for c in self.clauses for g in c.gaps if g.count)

    def status_counts(self) -> dict[str, int]:
        """How many clauses have each status (every status present, in a fixed order)."""
        from ...domain.evidence import STATUSES

        counts = dict.fromkeys(STATUSES, 0)
        for c in self.clauses:
            counts[c.status] += 1
        return counts

    def status_line(self) -> str:
        """'2 met, 5 gap, 3 no evidence, 4 outside the desk, 1 not applicable (15 clauses)'."""
        from ...domain.evidence import STATUS_WORDS

        counts = self.status_counts()
        parts = ", ".join(f"{n} {STATUS_WORDS[s]}" for s, n in counts.items())
        return f"{parts} ({len(self.clauses)} clauses); {self.gap_count} gap(s) found"

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": "evidence report",
            "period": self.period.to_dict(),
            "generated_at": self.generated_at.isoformat(),
            "statuses": self.status_counts(),
            "clauses": [c.to_dict() for c in self.clauses],
            **({"sample_seed": self.sample_seed, "traces": [t.to_dict() for t in self.traces]}
               if self.sample_seed is not None else {}),
        }
