"""The ``[sla]`` section of the config, read into an :class:`~.sla.SlaPolicy` (pure, no I/O).

Every key is optional; a bad value names the file and the key (see :mod:`.sla` for the
whole section with an example). ``validate_section`` checks it when the config loads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, ValidationError
from .sla import (
    DAY_NAMES,
    DEFAULT_REQUEST_TARGET,
    DEFAULT_TARGETS,
    ZERO,
    BusinessCalendar,
    SlaPolicy,
    Target,
    parse_duration,
)


def _fail(source: str, key: str, message: str) -> ConfigError:
    return ConfigError(f"{source}: {key}: {message}")


def _targets(table: Any, base: Mapping[int, Target], source: str, prefix: str) -> dict[int, Target]:
    if not isinstance(table, dict):
        raise _fail(source, prefix, "must be a table of P1..P5 = { respond = ..., resolve = ... }")
    out: dict[int, Target] = {}
    for key, value in table.items():
        name = str(key).strip().upper()
        if name not in {f"P{n}" for n in range(1, 6)}:
            raise _fail(source, f"{prefix}.{key}", "is not a priority; use P1 to P5")
        priority = int(name[1])
        if not isinstance(value, dict):
            raise _fail(source, f"{prefix}.{key}", "must be a table { respond = ..., resolve = ... }")
        unknown = set(value) - {"respond", "resolve"}
        if unknown:
            raise _fail(source, f"{prefix}.{key}.{sorted(unknown)[0]}", "unknown key; use respond, resolve")
        parts = {}
        for which in ("respond", "resolve"):
            if which in value:
                try:
                    parts[which] = parse_duration(value[which], which)
                except ValidationError as exc:
                    raise _fail(source, f"{prefix}.{key}.{which}", str(exc).split(": ", 1)[-1]) from None
        fallback = base[priority]
        target = Target(parts.get("respond", fallback.respond), parts.get("resolve", fallback.resolve))
        if target.resolve <= ZERO:
            raise _fail(source, f"{prefix}.{key}.resolve", "must be more than zero")
        if target.respond <= ZERO:
            raise _fail(source, f"{prefix}.{key}.respond", "must be more than zero")
        out[priority] = target
    return out


def _hhmm(value: Any, source: str, key: str) -> int:
    match = re.match(r"^(\d{1,2}):(\d{2})$", str(value).strip())
    if not match:
        raise _fail(source, key, f"expected a time like '08:00', got {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise _fail(source, key, f"{value!r} is not a time of day")
    return hours * 60 + minutes


def _calendar(table: Any, source: str) -> BusinessCalendar:
    prefix = "sla.business_hours"
    if not isinstance(table, dict):
        raise _fail(source, prefix, "must be a table")
    unknown = set(table) - {"days", "start", "end", "timezone", "holidays"}
    if unknown:
        raise _fail(source, f"{prefix}.{sorted(unknown)[0]}",
                    "unknown key; use days, start, end, timezone, holidays")
    days = table.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(days, list) or not days:
        raise _fail(source, f"{prefix}.days", "must be a non-empty list like ['mon', 'tue']")
    day_numbers = set()
    for name in days:
        text = str(name).strip().lower()[:3]
        if text not in DAY_NAMES:
            raise _fail(source, f"{prefix}.days", f"unknown day {name!r}; use mon..sun")
        day_numbers.add(DAY_NAMES.index(text))
    start = _hhmm(table.get("start", "08:00"), source, f"{prefix}.start")
    end = _hhmm(table.get("end", "18:00"), source, f"{prefix}.end")
    if start >= end:
        raise _fail(source, f"{prefix}.end", "must be after start (windows cannot cross midnight)")
    tz_name = str(table.get("timezone", "UTC"))
    try:
        tz = UTC if tz_name.upper() == "UTC" else ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(source, f"{prefix}.timezone", f"unknown timezone {tz_name!r}") from None
    holidays = set()
    raw_holidays = table.get("holidays", [])
    if not isinstance(raw_holidays, list):
        raise _fail(source, f"{prefix}.holidays", "must be a list of dates like '2026-12-25'")
    for value in raw_holidays:
        if isinstance(value, date) and not isinstance(value, datetime):
            holidays.add(value)
            continue
        try:
            holidays.add(date.fromisoformat(str(value)))
        except ValueError:
            raise _fail(source, f"{prefix}.holidays", f"{value!r} is not a date like 2026-12-25") from None
    return BusinessCalendar(frozenset(day_numbers), start, end, tz, frozenset(holidays))


def policy_from_config(section: Any, source: str = "config") -> SlaPolicy:
    """Build the SLA policy from the ``[sla]`` config section; ConfigError names the key."""
    if section is None:
        return SlaPolicy()
    if not isinstance(section, dict):
        raise _fail(source, "sla", "must be a table")
    known = {"default", "services", "near_threshold", "escalate_to", "escalate_on", "business_hours",
             "requests"}
    unknown = set(section) - known
    if unknown:
        raise _fail(source, f"sla.{sorted(unknown)[0]}", f"unknown key; use {', '.join(sorted(known))}")
    default = dict(DEFAULT_TARGETS)
    default.update(_targets(section.get("default", {}), DEFAULT_TARGETS, source, "sla.default"))
    services_table = section.get("services", {})
    if not isinstance(services_table, dict):
        raise _fail(source, "sla.services", 'must be a table of [sla.services."Name"] tables')
    services = {
        str(name): _targets(table, default, source, f'sla.services."{name}"')
        for name, table in services_table.items()
    }
    near = section.get("near_threshold", 0.75)
    if isinstance(near, bool) or not isinstance(near, int | float) or not 0 < near < 1:
        raise _fail(source, "sla.near_threshold", f"must be a fraction between 0 and 1 (e.g. 0.75), got {near!r}")
    escalate_to = section.get("escalate_to", "")
    if not isinstance(escalate_to, str):
        raise _fail(source, "sla.escalate_to", "must be the name of a person")
    escalate_on = section.get("escalate_on", ["breached"])
    if isinstance(escalate_on, str):
        escalate_on = [escalate_on]
    if not isinstance(escalate_on, list) or not set(escalate_on) <= {"near", "breached"}:
        raise _fail(source, "sla.escalate_on", "must be a list of 'near' and/or 'breached'")
    calendar = _calendar(section["business_hours"], source) if "business_hours" in section else None
    requests = _request_target(section.get("requests", {}), source)
    return SlaPolicy(default, services, float(near), calendar, escalate_to.strip(), frozenset(escalate_on),
                     requests)


def _request_target(table: Any, source: str) -> Target:
    """``[sla.requests]``: respond and resolve of requests whose type names none."""
    if not isinstance(table, dict):
        raise _fail(source, "sla.requests", 'must be a table { respond = "4h", resolve = "24h" }')
    unknown = set(table) - {"respond", "resolve"}
    if unknown:
        raise _fail(source, f"sla.requests.{sorted(unknown)[0]}", "unknown key; use respond, resolve")
    parts = {}
    for which in ("respond", "resolve"):
        if which in table:
            try:
                parts[which] = parse_duration(table[which], which)
            except ValidationError as exc:
                raise _fail(source, f"sla.requests.{which}", str(exc).split(": ", 1)[-1]) from None
            if parts[which] <= ZERO:
                raise _fail(source, f"sla.requests.{which}", "must be more than zero")
    return Target(parts.get("respond", DEFAULT_REQUEST_TARGET.respond),
                  parts.get("resolve", DEFAULT_REQUEST_TARGET.resolve))


def validate_section(raw: Mapping[str, Any], source: str) -> None:
    """Config-load check: refuse a bad ``[sla]`` section before the app starts."""
    policy_from_config(raw.get("sla"), source)
