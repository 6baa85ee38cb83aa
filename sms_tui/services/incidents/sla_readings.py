"""SLA readings of an incident row: pure rules over the columns the row already has.

Kept apart from :mod:`sms_tui.services.incidents.sla` (which reads and writes through
SQLModel) so that the TUI's first queue page, read with the standard library
before SQLAlchemy is imported (:mod:`sms_tui.services.core.quick_queue`), shows
exactly the SLA labels a page read through the services shows. ``row`` is
anything with the incident's columns: a SQLModel ``Incident`` or a plain
namespace built from a raw row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ...config import Config
from ...domain import sla, sla_config
from ...domain.kinds import Kind
from ...domain.lifecycle import lifecycle_for

LIFECYCLE = lifecycle_for(Kind.INCIDENT)
RUNNING = LIFECYCLE.open_states - LIFECYCLE.paused_states
# Requests (8.6.2) keep the same clocks; paused while waiting on the requester (on hold)
# or on the approver (awaiting approval), stopped when fulfilled.
REQUEST_LIFECYCLE = lifecycle_for(Kind.REQUEST)
REQUEST_RUNNING = REQUEST_LIFECYCLE.open_states - REQUEST_LIFECYCLE.paused_states
SLA_KINDS = (Kind.INCIDENT, Kind.REQUEST)


def running_states(kind: Kind) -> frozenset[str]:
    """The states in which a record's SLA clock counts."""
    return REQUEST_RUNNING if kind is Kind.REQUEST else RUNNING


def sla_policy(config: Config) -> sla.SlaPolicy:
    """The ``[sla]`` policy of this config (validated when the config was loaded)."""
    return sla_config.policy_from_config(config.raw.get("sla"), str(config.path or "config"))


def clock_of(row: Any) -> sla.ClockState:
    return sla.ClockState(timedelta(seconds=row.sla_counted_s or 0.0), row.sla_running_since)


def status_of(row: Any, service: str, policy: sla.SlaPolicy, now: datetime) -> sla.SlaStatus:
    """Both clocks of ``row`` (an incident) at ``now``."""
    target = policy.target(row.priority, service)
    elapsed = clock_of(row).elapsed(now, policy.calendar)
    responded = row.first_response_at is not None
    respond_elapsed = (timedelta(seconds=row.sla_response_s)
                       if responded and row.sla_response_s is not None else elapsed)
    return sla.reading_pair(target, respond_elapsed, responded, elapsed,
                            not LIFECYCLE.is_open(row.status), policy.near_threshold,
                            row.status in LIFECYCLE.paused_states,
                            sla.ended_unresolved(row.status))


def request_status_of(row: Any, policy: sla.SlaPolicy, now: datetime) -> sla.SlaStatus | None:
    """Both clocks of a request at ``now``, against the targets it took from its type
    when raised; None when it has no clock (recorded before requests had one)."""
    if row.sla_resolve_target_s is None:
        return None
    elapsed = clock_of(row).elapsed(now, policy.calendar)
    resolved = not REQUEST_LIFECYCLE.is_open(row.status)
    unresolved = sla.ended_unresolved(row.status)  # cancelled or rejected: no verdict
    if row.sla_respond_target_s is None:  # not tracked: shown as met, never breached
        respond = sla.Reading(sla.ZERO, sla.ZERO, True, policy.near_threshold, void=unresolved)
    else:
        responded = row.first_response_at is not None
        respond_elapsed = (timedelta(seconds=row.sla_response_s)
                           if responded and row.sla_response_s is not None else elapsed)
        respond = sla.Reading(timedelta(seconds=row.sla_respond_target_s), respond_elapsed,
                              responded or resolved, policy.near_threshold,
                              void=unresolved and not responded)
    resolve = sla.Reading(timedelta(seconds=row.sla_resolve_target_s), elapsed, resolved,
                          policy.near_threshold, void=unresolved)
    return sla.SlaStatus(respond, resolve, row.status in REQUEST_LIFECYCLE.paused_states)


def status_for(kind: Kind, row: Any, service: str, policy: sla.SlaPolicy,
               now: datetime) -> sla.SlaStatus | None:
    """The SLA of an incident or a request row (None: a request without a clock)."""
    if kind is Kind.REQUEST:
        return request_status_of(row, policy, now)
    return status_of(row, service, policy, now)


@dataclass(frozen=True)
class RowSla:
    """What a queue line shows about an incident's SLA and major handling."""

    ref: str
    state: str  # ok | near | breached | paused | met
    label: str  # e.g. "2h 05m left", "BREACHED 10m", "paused, 1h left"
    remaining_s: int
    major: bool = False
    needs_manager: bool = False  # a major incident with no responsible manager yet
    short: str = ""  # at most 8 cells, for narrow queues: 'BREACHED', '!2h05m', '2h05m'

    @property
    def marker(self) -> str:
        """Queue marker in words and symbols (never colour alone): 'MAJOR?' lacks a manager."""
        if not self.major:
            return ""
        return "MAJOR?" if self.needs_manager else "MAJOR"


def request_row_sla(row: Any, policy: sla.SlaPolicy, now: datetime) -> RowSla | None:
    """The queue line's SLA reading of a request row (None: it has no clock)."""
    status = request_status_of(row, policy, now)
    if status is None:
        return None
    return RowSla(row.ref, status.state, status.label(), int(status.remaining.total_seconds()),
                  short=sla.short_label(status))


def row_sla(row: Any, service: str, policy: sla.SlaPolicy, now: datetime) -> RowSla:
    """The queue line's SLA reading of an incident row."""
    status = status_of(row, service, policy, now)
    return RowSla(row.ref, status.state, status.label(), int(status.remaining.total_seconds()),
                  row.major, row.major and not row.major_manager and LIFECYCLE.is_open(row.status),
                  sla.short_label(status))
