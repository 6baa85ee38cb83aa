"""Trend detection over incidents (8.6.3): propose problem candidates. Pure, no I/O.

A candidate is a group of at least ``min_incidents`` incidents that share a
service, a CI or a category and were opened within the last ``window`` (up to
``now``). The analyst accepts a candidate (a problem is raised and the
incidents linked) or dismisses it; a dismissed set is never proposed again,
nor is any part of it, on any dimension (when an old incident ages out of the
window the rest of the set is not news, and the same incidents seen through
their service instead of their CI are not either). A set that grows by a new
incident is proposed again.

When the same incidents form a candidate on several dimensions (every
incident on CI ``srv-1`` is also on service ``mail``), only the most specific
one is proposed: CI, then service, then category.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .errors import ConfigError

DIMENSIONS: tuple[str, ...] = ("ci", "service", "category")  # most specific first
DIMENSION_LABELS = {"ci": "CI", "service": "service", "category": "category"}


@dataclass(frozen=True)
class IncidentPoint:
    """What trend detection needs to know about one incident."""

    ref: str
    opened_at: datetime
    service: str = ""
    ci: str = ""
    category: str = ""

    def value(self, dimension: str) -> str:
        return getattr(self, dimension)


@dataclass(frozen=True)
class TrendRule:
    """N or more incidents on the same service/CI/category within a window."""

    min_incidents: int = 3
    window: timedelta = timedelta(days=7)
    dimensions: tuple[str, ...] = DIMENSIONS

    def describe(self) -> str:
        dims = "/".join(DIMENSION_LABELS[d] for d in self.dimensions)
        days = self.window / timedelta(days=1)
        span = f"{days:g} days" if days >= 1 else f"{self.window / timedelta(hours=1):g} hours"
        return f"{self.min_incidents}+ incidents on the same {dims} within {span}"


def candidate_key(dimension: str, value: str, refs: Iterable[str]) -> str:
    """A short stable identifier of a candidate: dimension, value and the exact set."""
    payload = "\x1f".join([dimension, value, *sorted(refs)])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:10]


@dataclass(frozen=True)
class Candidate:
    """A proposed problem: incidents sharing one dimension value within the window."""

    dimension: str
    value: str
    refs: tuple[str, ...]  # sorted
    first_at: datetime
    last_at: datetime

    @property
    def key(self) -> str:
        return candidate_key(self.dimension, self.value, self.refs)

    @property
    def count(self) -> int:
        return len(self.refs)

    def title(self) -> str:
        """A title for the problem raised from this candidate."""
        return f"Recurring incidents on {DIMENSION_LABELS[self.dimension]} {self.value} ({self.count})"


@dataclass(frozen=True)
class Dismissal:
    dimension: str
    value: str
    refs: frozenset[str]


def detect(points: Iterable[IncidentPoint], now: datetime, rule: TrendRule,
           dismissed: Iterable[Dismissal] = ()) -> list[Candidate]:
    """Problem candidates at ``now``: most incidents first, then dimension and value."""
    since = now - rule.window
    groups: dict[tuple[str, str], list[IncidentPoint]] = defaultdict(list)
    for point in points:
        if not since < point.opened_at <= now:
            continue
        for dimension in rule.dimensions:
            value = point.value(dimension).strip()
            if value:
                groups[(dimension, value)].append(point)
    dismissed_sets = [d.refs for d in dismissed]
    found: list[Candidate] = []
    seen_sets: set[frozenset[str]] = set()
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    for (dimension, value), members in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        refs = frozenset(p.ref for p in members)
        if len(refs) < rule.min_incidents or refs in seen_sets:
            continue
        # dismissed on any dimension: the analyst has seen these incidents together
        if any(refs <= old for old in dismissed_sets):
            continue
        seen_sets.add(refs)
        times = [p.opened_at for p in members]
        found.append(Candidate(dimension, value, tuple(sorted(refs)), min(times), max(times)))
    return sorted(found, key=lambda c: (-c.count, order[c.dimension], c.value))


def rule_from_config(section: Mapping[str, Any], where: str = "config") -> TrendRule:
    """Read ``[problems.trends]``: min_incidents, window_days (or window_hours), dimensions."""
    known = {"min_incidents", "window_days", "window_hours", "dimensions"}
    for key in section:
        if key not in known:
            raise ConfigError(f"{where}: problems.trends.{key} is not a setting "
                              f"(use {', '.join(sorted(known))})")
    count = section.get("min_incidents", 3)
    if isinstance(count, bool) or not isinstance(count, int) or count < 2:
        raise ConfigError(f"{where}: problems.trends.min_incidents must be a whole number ≥ 2")
    if "window_days" in section and "window_hours" in section:
        raise ConfigError(f"{where}: problems.trends: give window_days or window_hours, not both")
    window = timedelta(days=7)
    for key, unit in (("window_days", "days"), ("window_hours", "hours")):
        if key in section:
            amount = section[key]
            if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
                raise ConfigError(f"{where}: problems.trends.{key} must be a positive number")
            window = timedelta(**{unit: amount})
    dims = section.get("dimensions", list(DIMENSIONS))
    if not isinstance(dims, list) or not dims or any(d not in DIMENSIONS for d in dims):
        raise ConfigError(f"{where}: problems.trends.dimensions must list some of "
                          f"{', '.join(DIMENSIONS)}")
    return TrendRule(min_incidents=count, window=window, dimensions=tuple(dict.fromkeys(dims)))


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[problems.trends]`` section before the app starts."""
    problems = raw.get("problems", {})
    section = problems.get("trends", {}) if isinstance(problems, Mapping) else None
    if not isinstance(section, Mapping):
        raise ConfigError(f"{source}: problems.trends must be a table")
    rule_from_config(section, source)
