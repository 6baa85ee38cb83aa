"""SLA clocks of incidents: readings for queues, the background breach check.

Design: the clock is kept ON THE INCIDENT, not recomputed from the journal.
``sla_counted_s`` holds the business time counted so far and
``sla_running_since`` the instant the clock last started (None while on hold
or resolved). The transition rule (:func:`apply_status`) folds each status
change into these two columns in the same transaction as the change, so a
queue page reads its SLA columns from the rows it already has -- no journal
scan per row -- and the journal still holds every status change for audit.
``domain.sla.replay`` rebuilds the same state from a status history; the
tests check the two agree. The first response freezes the respond clock in
``sla_response_s``.

Targets are looked up when read (priority and service may change), so a
changed config applies at once; the counted time is history and stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from ...domain import sla
from ...domain.errors import NotFound, ValidationError
from ...domain.kinds import Kind, format_ref, parse_ref
from ...domain.lifecycle import lifecycle_for
from ...storage.models import Incident, Service, ServiceRequest
from ..core import journal
from ..core.store import Store
from .sla_readings import (  # LIFECYCLE, status_of: re-exported for the incident feature
    LIFECYCLE,  # noqa: F401
    RUNNING,
    RowSla,
    clock_of,
    request_row_sla,
    row_sla,
    running_states,
    sla_policy,
    status_for,
    status_of,  # noqa: F401
)

CHUNK = 500  # references per query in sla_for_rows
# Actors that are the software itself: their journal entries are not a response.
SYSTEM_ACTORS = frozenset({"system", "scheduler", "sms-tui"})


MODELS: dict[Kind, Any] = {Kind.INCIDENT: Incident, Kind.REQUEST: ServiceRequest}


def load_incident(session: Session, ref: str) -> Incident:
    """The incident ``ref``; NotFound / ValidationError with a clear message otherwise."""
    kind, number = parse_ref(ref)
    if kind is not Kind.INCIDENT:
        raise ValidationError(f"{format_ref(kind, number)} is not an incident")
    row = session.get(Incident, number)
    if row is None:
        raise NotFound(f"no record {format_ref(kind, number)}")
    return row


# ------------------------------------------------------------------ rules (in the caller's transaction)
def start_clock(row: Incident) -> None:
    """A new incident's clock starts at creation (unless it is created on hold)."""
    row.sla_counted_s = 0.0
    row.sla_running_since = row.created_at if row.status in RUNNING else None


def start_request_clock(row: ServiceRequest, respond: timedelta | None, resolve: timedelta) -> None:
    """A new request's clocks start at creation, with its type's targets copied onto it
    (a later edit of the catalogue does not move the goalposts of a request raised before)."""
    row.sla_counted_s = 0.0
    row.sla_running_since = row.created_at if row.status in running_states(Kind.REQUEST) else None
    row.sla_respond_target_s = respond.total_seconds() if respond is not None else None
    row.sla_resolve_target_s = resolve.total_seconds()


def apply_status(row: Any, status: str, now: datetime, policy: sla.SlaPolicy,
                 kind: Kind = Kind.INCIDENT) -> None:
    """Fold a status change into the stored clock (pause on hold, stop on resolution)."""
    state = clock_of(row).apply(now, status in running_states(kind), policy.calendar)
    row.sla_counted_s = state.counted.total_seconds()
    row.sla_running_since = state.running_since


NOT_A_RESPONSE = frozenset({"link", "unlink"})
"""Journaled actions that are not a response to whoever reported it: linking the record to
a problem, a change or a parent (a trend accepted on the problems' screen links its
incidents, and had answered them all, at once, within their response target)."""


def record_first_response(row: Any, actor: str, now: datetime, policy: sla.SlaPolicy,
                          action: str = "") -> bool:
    """Stamp the first response (the first action by a person after creation, a link to
    another record not counted); True if stamped."""
    if row.first_response_at is not None or actor in SYSTEM_ACTORS or action in NOT_A_RESPONSE:
        return False
    row.first_response_at = now
    row.sla_response_s = clock_of(row).elapsed(now, policy.calendar).total_seconds()
    return True


# ------------------------------------------------------------------ views
@dataclass(frozen=True)
class ClockView:
    target: timedelta
    elapsed: timedelta
    remaining: timedelta
    state: str
    due: datetime | None  # when it breaches if nothing changes (None: stopped or paused)


@dataclass(frozen=True)
class SlaView:
    """One incident's SLA, for the detail view and ``sla show``."""

    ref: str
    priority: int
    service: str
    state: str
    label: str
    paused: bool
    respond: ClockView
    resolve: ClockView
    first_response_at: datetime | None
    calendar: str  # "24x7" or e.g. "mon-fri 08:00-18:00 Europe/Berlin"
    flags: tuple[str, ...]


@dataclass(frozen=True)
class SlaEvent:
    """A threshold the background check found crossed (journaled once)."""

    ref: str
    flag: str  # respond_near | respond_breached | resolve_near | resolve_breached
    escalated_to: str = ""


def _calendar_text(policy: sla.SlaPolicy) -> str:
    cal = policy.calendar
    if cal is None:
        return "24x7"
    days = ",".join(sla.DAY_NAMES[d] for d in sorted(cal.days))
    return (f"{days} {cal.start // 60:02d}:{cal.start % 60:02d}-{cal.end // 60:02d}:{cal.end % 60:02d} "
            f"{cal.tz}" + (f", {len(cal.holidays)} holidays" if cal.holidays else ""))


def _clock_view(reading: sla.Reading, running: bool, now: datetime, policy: sla.SlaPolicy) -> ClockView:
    due = None
    if running and not reading.done:
        due = sla.add_business_time(now, max(reading.remaining, sla.ZERO), policy.calendar) \
            if reading.remaining > sla.ZERO else None
    return ClockView(reading.target, reading.elapsed, reading.remaining, reading.state, due)


def _flags(row: Incident) -> set[str]:
    return {f for f in (row.sla_flags or "").split(",") if f}


class SlaService:
    """SLA readings for queues and detail, and the background breach check."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _rows(self, session: Session, stmt: Any) -> Iterable[tuple[Incident, str | None]]:
        return session.exec(stmt.join(Service, isouter=True))

    def _in_chunks(self, session: Session, refs: list[str]) -> Iterable[tuple[Incident, str | None]]:
        # SQLite caps the number of bound parameters; a CLI list may ask for every incident
        for start in range(0, len(refs), CHUNK):
            stmt = select(Incident, Service.name).where(col(Incident.ref).in_(refs[start:start + CHUNK]))
            yield from self._rows(session, stmt)

    def sla_for_rows(self, refs: Iterable[str], now: datetime | None = None) -> dict[str, RowSla]:
        """SLA (and major markers) for a page of incident or request rows (one query per kind).
        Other kinds, and requests without a clock, are left out."""
        refs = list(refs)
        now = now or self.store.now()
        policy = sla_policy(self.store.config)
        out: dict[str, RowSla] = {}
        incidents = [r for r in refs if r.upper().startswith("INC")]
        requests = [r for r in refs if r.upper().startswith("REQ")]
        if not incidents and not requests:
            return out
        with self.store.read() as session:
            for row, service in self._in_chunks(session, incidents):
                out[row.ref] = row_sla(row, service or "", policy, now)
            for start in range(0, len(requests), CHUNK):
                stmt = select(ServiceRequest).where(
                    col(ServiceRequest.ref).in_(requests[start:start + CHUNK]))
                for req in session.exec(stmt):
                    if (reading := request_row_sla(req, policy, now)) is not None:
                        out[req.ref] = reading
        return out

    def get(self, ref: str, now: datetime | None = None) -> SlaView:
        """The SLA of one incident or request, with its targets, elapsed time and deadlines."""
        now = now or self.store.now()
        policy = sla_policy(self.store.config)
        kind, number = parse_ref(ref)
        with self.store.read() as session:
            if kind is Kind.REQUEST:
                row = session.get(ServiceRequest, number)
                if row is None:
                    raise NotFound(f"no record {format_ref(kind, number)}")
            else:
                row = load_incident(session, ref)
            service = session.get(Service, row.service_id).name if row.service_id else ""
            status = status_for(kind, row, service, policy, now)
            if status is None:
                raise ValidationError(f"{row.ref} has no SLA clock: it was recorded before "
                                      "requests had one")
            running = row.sla_running_since is not None
            return SlaView(
                ref=row.ref, priority=row.priority, service=service, state=status.state,
                label=status.label(), paused=status.paused,
                respond=_clock_view(status.respond, running, now, policy),
                resolve=_clock_view(status.resolve, running, now, policy),
                first_response_at=row.first_response_at, calendar=_calendar_text(policy),
                flags=tuple(sorted(_flags(row))),
            )

    def breaches(self, now: datetime | None = None, *, include_near: bool = False) -> list[tuple[Any, RowSla]]:
        """Open incidents whose SLA is breached (or near), most overdue first.

        Returns (row facts, RowSla) where row facts is a dict with ref, title,
        priority, status, assignee, service, escalated_to.
        """
        now = now or self.store.now()
        policy = sla_policy(self.store.config)
        wanted = {"breached", "near"} if include_near else {"breached"}
        found: list[tuple[Any, RowSla]] = []
        with self.store.read() as session:
            for kind, row, service in self._open(session):
                status = status_for(kind, row, service or "", policy, now)
                if status is None or status.state not in wanted:
                    continue
                facts = {"ref": row.ref, "title": row.title, "priority": row.priority,
                         "status": row.status, "assignee": row.assignee, "service": service or "",
                         "escalated_to": row.escalated_to, "escalation_level": row.escalation_level}
                major = bool(getattr(row, "major", False))
                found.append((facts, RowSla(row.ref, status.state, status.label(),
                                            int(status.remaining.total_seconds()), major,
                                            major and not row.major_manager,
                                            sla.short_label(status))))
        found.sort(key=lambda pair: (pair[1].remaining_s, pair[0]["priority"]))
        return found

    def _open(self, session: Session, ids: dict[Kind, list[int]] | None = None
              ) -> Iterable[tuple[Kind, Any, str | None]]:
        """(kind, row, service name) of the open incidents and requests (only ``ids``, if given)."""
        for kind, model in MODELS.items():
            if ids is not None and not ids.get(kind):
                continue
            states = sorted(lifecycle_for(kind).open_states)
            stmt = select(model, Service.name).where(col(model.status).in_(states))
            if ids is not None:
                stmt = stmt.where(col(model.id).in_(ids[kind]))
            for row, service in session.exec(stmt.join(Service, isouter=True)):
                yield kind, row, service

    def check(self, now: datetime | None = None) -> list[SlaEvent]:
        """Mark incidents and requests nearing breach and breached; journal each crossing ONCE;
        escalate.

        One write transaction. A crossing already in ``sla_flags`` is skipped,
        so running the check every minute (or from two processes) journals
        each threshold once. Hierarchical escalation per ``[sla] escalate_to``
        happens on the crossings listed in ``escalate_on``.
        """
        now = now or self.store.now()
        policy = sla_policy(self.store.config)

        def new_crossings(kind: Kind, row: Any, service: str | None) -> list[str]:
            status = status_for(kind, row, service or "", policy, now)
            return [] if status is None else [f for f in sla.crossings(status) if f not in _flags(row)]

        # Find candidates in a read snapshot first: most minutes nothing crossed, and then
        # the check takes no write lock at all.
        candidates: dict[Kind, list[int]] = {kind: [] for kind in MODELS}
        with self.store.read() as session:
            for kind, row, service in self._open(session):
                if new_crossings(kind, row, service):
                    candidates[kind].append(row.id)
        if not any(candidates.values()):
            return []
        events: list[SlaEvent] = []
        with self.store.write() as session:
            for kind, row, service in list(self._open(session, candidates)):
                new = new_crossings(kind, row, service)
                if new:  # re-checked inside the write: another process may have marked it
                    status = status_for(kind, row, service or "", policy, now)
                    assert status is not None
                    events.extend(self._mark(session, row, status, new, _flags(row), policy, now,
                                             kind))
        return events

    def _mark(self, session: Session, row: Any, status: sla.SlaStatus, new: list[str],
              flags: set[str], policy: sla.SlaPolicy, now: datetime,
              kind: Kind = Kind.INCIDENT) -> list[SlaEvent]:
        events = []
        for flag in new:
            clock, level = flag.split("_")
            reading = status.respond if clock == "respond" else status.resolve
            what = "time to respond" if clock == "respond" else "time to resolve"
            used = sla.format_duration(reading.elapsed)
            target = sla.format_duration(reading.target)
            note = (f"SLA breached: {what} target {target} passed ({used} counted)" if level == "breached"
                    else f"SLA nearing breach: {what} {used} of {target} used "
                         f"({round(policy.near_threshold * 100)}% threshold)")
            journal.append(session, ref=row.ref, kind=kind.value, actor="sms-tui", at=now,
                           action=f"sla_{level}", changes={"sla": (None, flag)}, note=note)
            flags.add(flag)
            escalated = ""
            if policy.escalate_to and level in policy.escalate_on:
                escalated = self._escalate(session, row, note, policy.escalate_to, now, kind)
            events.append(SlaEvent(row.ref, flag, escalated))
        row.sla_flags = ",".join(sorted(flags))
        return events

    def _escalate(self, session: Session, row: Any, reason: str, to: str, now: datetime,
                  kind: Kind = Kind.INCIDENT) -> str:
        """Hierarchical escalation to the configured manager (a change to the record: version + 1)."""
        changes = {"escalated_to": (row.escalated_to, to),
                   "escalation_level": (row.escalation_level, row.escalation_level + 1)}
        row.escalated_to = to
        row.escalation_level += 1
        row.updated_at = now
        row.version += 1
        journal.append(session, ref=row.ref, kind=kind.value, actor="sms-tui", at=now,
                       action="escalate_hierarchical", changes=changes, note=reason)
        return to
