"""Plans of bulk demo records: rows and the journal of what happened to each.

Pure and deterministic (seed, now): :class:`BulkPlanner` walks each record
along its lifecycle (:mod:`sms_tui.domain.lifecycle` checks every move) over
the last :data:`HISTORY_DAYS` days, oldest first, and records one journal
event per change -- create, assign, notes, links, status moves -- with the
same changes the services would journal (``RecordService.create_in``,
``transition_in``, ``assign_in``, ``link_in``). Open records are the young
ones, as on a real desk: a million incidents leave about a thousand open.
"""

from __future__ import annotations

import bisect
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...domain.changes import risk_level
from ...domain.kinds import Kind, format_ref
from ...domain.lifecycle import lifecycle_for
from ...domain.priority import PriorityMatrix
from . import content as text

HISTORY_DAYS = 4 * 365  # a desk's years of history
BULK_SHARES = {Kind.INCIDENT: 0.91, Kind.REQUEST: 0.045, Kind.CHANGE: 0.02, Kind.PROBLEM: 0.015,
               Kind.KNOWN_ERROR: 0.01}
# hours to resolve, by priority (bulk incidents are P2..P5: no major incidents in bulk)
TARGET_HOURS = {1: 4, 2: 8, 3: 24, 4: 72, 5: 120}
CLOSE_AFTER = 3 * 86400  # resolved records are closed three days later
STALE = 0.0005  # records forgotten open for good
CANCELLED = 0.03
LINKED_TO_PROBLEM = 0.03
DESK = [a for a, g in text.ANALYSTS if g == "Service Desk"]
PEOPLE = {g: [a for a, g2 in text.ANALYSTS if g2 == g] for _a, g in text.ANALYSTS}
_KIND_FIELD = {Kind.PROBLEM: "problem", Kind.CHANGE: "change", Kind.INCIDENT: "incident",
               Kind.KNOWN_ERROR: "known_error"}
_dumps = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


_DAYS: dict[int, str] = {}


def when(ts: int) -> tuple[str, str]:
    """(as the database stores it, as the journal hashes it) for a UTC epoch second."""
    days, seconds = divmod(ts, 86400)
    day = _DAYS.get(days)
    if day is None:  # a few thousand days, millions of timestamps: format each day once
        t = time.gmtime(days * 86400)
        day = _DAYS[days] = f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    hours, rest = divmod(seconds, 3600)
    clock = f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    return f"{day} {clock}.000000", f"{day}T{clock}+00:00"


@dataclass
class Planned:
    """One record: its column values and the events of its journal."""

    kind: Kind
    values: dict[str, Any]
    status: str
    events: list[tuple[int, str, str, dict | None, str]] = field(default_factory=list)
    link_events: list[tuple[int, str, str, dict | None, str]] = field(default_factory=list)
    collects_links: bool = False  # others link to it later (its journal is written last)
    entries: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)

    def event(self, ts: int, actor: str, action: str, changes: dict | None, note: str = "") -> None:
        self.events.append((ts, actor, action, changes, note))

    def move(self, ts: int, actor: str, status: str, note: str = "", **extra: Any) -> None:
        """A lifecycle step, stamping resolved_at/closed_at as ``transition_in`` does."""
        lifecycle = lifecycle_for(self.kind)
        lifecycle.check(self.status, status)
        changes: dict[str, list] = {"status": [self.status, status]}
        at_db, at_iso = when(ts)
        if status in lifecycle.resolved_states:
            changes["resolved_at"] = [None, at_iso]
            self.values["resolved_at"] = at_db
        elif status in lifecycle.closed_states:
            changes["closed_at"] = [None, at_iso]
            self.values["closed_at"] = at_db
        for key, (old, new) in extra.items():
            changes[key] = [old, new]
            self.values[key] = new
        self.status = self.values["status"] = status
        self.event(ts, actor, "transition", changes, note)

    def finish(self) -> list[tuple[str, str, str, str, str, str]]:
        """Its journal in time order, as (at_db, at_iso, actor, action, changes_json, note);
        sets the row's version (one per entry) and updated_at (the last entry)."""
        events = sorted(self.events + self.link_events, key=_time_of)
        out = []
        for ts, actor, action, changes, note in events:
            at_db, at_iso = when(ts)
            out.append((at_db, at_iso, actor, action, _dumps(changes or {}), note))
        self.values["version"] = len(out)
        self.values["updated_at"] = out[-1][0]
        self.entries = out
        return out


def _time_of(event: tuple) -> int:
    return event[0]


class BulkPlanner:
    """Plans ``n`` records of a kind, ids from ``first_ids[kind]``, created oldest first."""

    def __init__(self, seed: int, now: datetime, matrix: PriorityMatrix, services: dict[str, int],
                 cis: dict[str, int], first_ids: dict[Kind, int]) -> None:
        self.rng = random.Random(seed * 7919 + 17)
        self.now = int(now.timestamp())
        self.start = self.now - HISTORY_DAYS * 86400
        self.matrix, self.services, self.cis, self.first_ids = matrix, services, cis, first_ids
        self._priorities: dict[tuple[str, str], int] = {}
        # records others link to, in creation order (ids, refs, creation times, plans)
        self.targets: dict[Kind, tuple[list[int], list[Planned]]] = {}

    def plan(self, kind: Kind, n: int) -> Iterator[Planned]:
        make = {Kind.INCIDENT: self.incident, Kind.REQUEST: self.request, Kind.PROBLEM: self.problem,
                Kind.KNOWN_ERROR: self.known_error, Kind.CHANGE: self.change}[kind]
        collects = kind in (Kind.PROBLEM, Kind.CHANGE)
        created_list: list[int] = []
        plans: list[Planned] = []
        if collects:
            self.targets[kind] = (created_list, plans)
        step = (self.now - self.start - 3600) / max(1, n)
        for i in range(n):
            number = self.first_ids[kind] + i
            created = self.start + int((i + self.rng.random()) * step)
            rec = self.new(kind, number, created)
            make(rec, created)
            rec.collects_links = collects
            if collects:
                created_list.append(created)
                plans.append(rec)
            rec.finish()
            yield rec

    # ------------------------------------------------------------------ helpers
    def new(self, kind: Kind, number: int, created: int) -> Planned:
        at_db, _ = when(created)
        values = {"id": number, "ref": format_ref(kind, number), "created_at": at_db,
                  "updated_at": at_db, "status": lifecycle_for(kind).initial}
        return Planned(kind, values, values["status"])

    def create(self, rec: Planned, created: int, actor: str, title: str, service: str, ci: str,
               impact: str, urgency: str, **fields: Any) -> None:
        """The row's common columns and the create entry ``create_in`` journals."""
        priority = self._priorities.get((impact, urgency))
        if priority is None:
            priority = self._priorities[impact, urgency] = self.matrix.priority_for(impact, urgency)
        rec.values.update(title=title, impact=impact, urgency=urgency, priority=priority,
                          service_id=self.services.get(service), ci_id=self.cis.get(ci),
                          created_by=actor, **fields)
        changes = {"title": [None, title], "status": [None, rec.status], "impact": [None, impact],
                   "urgency": [None, urgency], "priority": [None, f"P{priority}"]}
        if fields.get("category"):
            changes["category"] = [None, fields["category"]]
        if service in self.services:
            changes["service"] = [None, service]
        if ci in self.cis:
            changes["ci"] = [None, ci]
        rec.event(created, actor, "create", changes)

    def assign(self, rec: Planned, ts: int, actor: str, service: str) -> str:
        group = text.SERVICE_GROUP.get(service, "Service Desk")
        worker = self.rng.choice(PEOPLE.get(group) or DESK)
        rec.values.update(assignee=worker, assignment_group=group)
        rec.event(ts, actor, "assign", {"assignee": ["", worker], "assignment_group": ["", group]})
        return worker

    def notes(self, rec: Planned, start: int, end: int, actor: str, ci: str, most: int = 2) -> None:
        rng = self.rng
        for _ in range(rng.choice([0, 0, 1, 1, most])):
            if end - start > 2:
                rec.event(rng.randint(start + 1, end - 1), actor, "note", None,
                          self.fill(rng.choice(text.NOTES[rec.kind.value]), ci))

    def fill(self, template: str, ci: str = "") -> str:
        rng = self.rng
        return template.format(caller=rng.choice(text.CALLERS), n=rng.randint(3, 40),
                               case=rng.randint(10000, 99999), ci=ci or "the server")

    def link(self, rec: Planned, target_kind: Kind, ts: int, actor: str, column: str) -> None:
        """Link ``rec`` (which holds the key) to a ``target_kind`` record raised before ``ts``."""
        created, plans = self.targets.get(target_kind, ([], []))
        k = bisect.bisect_left(created, ts)
        if k == 0:
            return
        other = plans[self.rng.randrange(max(0, k - 200), k)]
        rec.values[column] = other.values["id"]
        rec.event(ts, actor, "link", {_KIND_FIELD[target_kind]: [None, other.values["ref"]]})
        back = f"linked_{_KIND_FIELD[rec.kind]}"
        other.link_events.append((ts, actor, "link", {back: [None, rec.values["ref"]]}, ""))

    def levels(self, service: str) -> tuple[str, str]:
        rng = self.rng
        pick = lambda: rng.choices(("high", "medium", "low"), (0.2, 0.5, 0.3))[0]  # noqa: E731
        impact, urgency = pick(), pick()
        if impact == urgency == "high":  # P1s are major incidents: the rich demo has those
            urgency = "medium"
        return impact, urgency

    def timeline(self, created: int, mean_hours: float) -> tuple[int, int, bool]:
        """(first response, resolution, forgotten open) times of a record."""
        rng = self.rng
        respond = created + 60 + int(rng.expovariate(1 / 1800))
        resolve = respond + 300 + int(rng.expovariate(1 / (mean_hours * 3600)))
        return respond, resolve, rng.random() < STALE

    # ------------------------------------------------------------------ kinds
    def incident(self, rec: Planned, created: int) -> None:
        rng = self.rng
        service, (title, desc, category, ci) = rng.choice(_INCIDENT_POOL)
        impact, urgency = self.levels(service)
        if category == "outage" and urgency != "high":
            impact = "high"
        desk = rng.choice(DESK)
        description = (f"Reported by {rng.choice(text.CALLERS)}.\n{desc}\n"
                       f"Asset LT{rng.randint(1000, 9999)}.")  # one word: "lt4821" finds it
        self.create(rec, created, desk, title, service, ci, impact, urgency,
                    description=description, category=category)
        target = TARGET_HOURS[rec.values["priority"]]
        respond, resolve, stale = self.timeline(created, target / 2)
        values, now = rec.values, self.now
        values["sla_running_since"] = values["created_at"]
        if rng.random() < CANCELLED:
            cancel = created + 120 + int(rng.expovariate(1 / 3600))
            if cancel < now:
                rec.move(cancel, desk, "cancelled", "Duplicate of an earlier call.")
                values.update(sla_running_since=None, sla_counted_s=float(cancel - created))
            return
        if respond >= now:
            return  # still new
        worker = self.assign(rec, respond, desk, service)
        rec.move(respond + 1, worker, "in_progress")
        values.update(first_response_at=when(respond)[0], sla_response_s=float(respond - created))
        end = now if stale or resolve >= now else resolve
        held = 0
        hold = rng.random()
        if hold < (0.25 if end == now else 0.12) and end - respond > 600:
            hold_start = respond + (end - respond) // 3
            rec.move(hold_start, worker, "on_hold", "Waiting for the user to reply.")
            values.update(sla_running_since=None, sla_counted_s=float(hold_start - created))
            if end == now and hold < 0.15:
                self.notes(rec, respond + 1, hold_start, worker, ci)
                return  # on hold now, waiting for the user
            hold_end = hold_start + (end - respond) // 3
            rec.move(hold_end, worker, "in_progress")
            held = hold_end - hold_start
            values["sla_running_since"] = when(hold_end)[0]
        self.notes(rec, respond + 1, end, worker, ci)
        if rng.random() < LINKED_TO_PROBLEM and end - respond > 4:
            self.link(rec, Kind.PROBLEM, rng.randint(respond + 2, end - 2), worker, "problem_id")
        if end == now:
            return  # still being worked on
        rec.move(resolve, worker, "resolved", self.fill(rng.choice(text.RESOLUTIONS["incident"]), ci))
        values.update(sla_running_since=None, sla_counted_s=float(resolve - created - held))
        if resolve + CLOSE_AFTER < now:
            rec.move(resolve + CLOSE_AFTER, desk, "closed")

    def request(self, rec: Planned, created: int) -> None:
        rng = self.rng
        title, desc, _type, service = rng.choice(text.REQUESTS)
        desk = rng.choice(DESK)
        self.create(rec, created, desk, self.fill(title), service, "", "low",
                    rng.choice(("low", "medium", "medium", "high")), description=self.fill(desc))
        respond, resolve, stale = self.timeline(created, 24)
        now = self.now
        if rng.random() < CANCELLED:
            if respond < now:
                rec.move(respond, desk, "cancelled", "Raised twice; see the other request.")
            return
        if respond >= now:
            return
        worker = self.assign(rec, respond, desk, service)
        rec.move(respond + 1, worker, "in_progress")
        end = now if stale or resolve >= now else resolve
        self.notes(rec, respond + 1, end, worker, "", most=1)
        if end == now:
            return
        rec.move(resolve, worker, "fulfilled", self.fill(rng.choice(text.RESOLUTIONS["request"])))
        if resolve + CLOSE_AFTER < now:
            extra: dict[str, tuple] = {}
            if rng.random() < 0.6:  # most customers answer the survey
                score = rng.choices((5, 4, 3, 2, 1), (45, 30, 12, 8, 5))[0]
                extra = {"satisfaction_score": (None, score),
                         "satisfaction_comment": ("", rng.choice(text.SATISFACTION[score]))}
            rec.move(resolve + CLOSE_AFTER, desk, "closed", **extra)

    def problem(self, rec: Planned, created: int) -> None:
        rng = self.rng
        title, desc, service, ci, cause, workaround = rng.choice(text.PROBLEMS)
        impact, urgency = self.levels(service)
        desk = rng.choice(DESK)
        self.create(rec, created, desk, title, service, ci, impact, urgency, description=desc)
        respond, resolve, stale = self.timeline(created, 20 * 24)
        now = self.now
        if respond >= now:
            return
        worker = self.assign(rec, respond, desk, service)
        rec.move(respond + 1, worker, "investigating")
        if rng.random() < 0.3:
            self.link(rec, Kind.CHANGE, respond + 2, worker, "change_id")
        end = now if stale or resolve >= now else resolve
        known = respond + (end - respond) // 2
        if known > respond + 3:
            rec.move(known, worker, "known_error", "Root cause found.",
                     root_cause=("", cause), workaround=("", workaround))
        self.notes(rec, respond + 3, end, worker, ci)
        if end == now:
            return
        rec.move(resolve, worker, "resolved", rng.choice(text.RESOLUTIONS["problem"]))
        if resolve + CLOSE_AFTER < now:
            rec.move(resolve + CLOSE_AFTER, desk, "closed")

    def known_error(self, rec: Planned, created: int) -> None:
        rng = self.rng
        title, _desc, service, ci, cause, workaround = rng.choice(text.PROBLEMS)
        desk = rng.choice(DESK)
        self.create(rec, created, desk, f"Known error: {title}", service, ci, "medium", "medium",
                    description=f"Workaround: {workaround}", root_cause=cause, workaround=workaround)
        self.link(rec, Kind.PROBLEM, created + 1, desk, "problem_id")
        _respond, resolve, stale = self.timeline(created, 120 * 24)
        if stale or resolve >= self.now:
            return
        if rng.random() < 0.2:
            rec.move(resolve, desk, "retired", "Superseded by a newer known error.")
            return
        rec.move(resolve, desk, "resolved", rng.choice(text.RESOLUTIONS["known_error"]))
        if resolve + CLOSE_AFTER < self.now:
            rec.move(resolve + CLOSE_AFTER, desk, "closed")

    def change(self, rec: Planned, created: int) -> None:
        rng, now = self.rng, self.now
        title, reason, plan, backout, ctype, service, ci = rng.choice(text.CHANGES)
        desk = rng.choice(DESK)
        start = created + 86400 * rng.randint(2, 10)
        self.create(rec, created, desk, title, service, ci, "medium",
                    "high" if ctype == "emergency" else "medium", description=reason,
                    reason=reason, implementation_plan=plan, backout_plan=backout, change_type=ctype,
                    planned_start=when(start)[0], planned_end=when(start + 7200)[0])
        worker = self.assign(rec, created + 600, desk, service) if created + 600 < now else desk
        steps: list[tuple[int, str, dict]] = []
        if ctype == "normal":
            likelihood, impact = rng.randint(1, 4), rng.randint(1, 4)
            steps.append((created + 3600, "assessing", {
                "risk_likelihood": (None, likelihood), "risk_impact": (None, impact),
                "risk_level": ("", risk_level(likelihood, impact).value)}))
            steps.append((created + 86400, "approved", {}))
        else:
            steps.append((created + 1800, "approved", {}))
        steps.append((created + 86400 + 3600, "scheduled", {}))
        steps.append((start, "implementing", {}))
        outcome = rng.choices(("successful", "failed", "backed_out"), (85, 7, 8))[0]
        review = {"outcome": ("", outcome)}
        if outcome != "successful":
            review["investigation_note"] = ("", rng.choice(text.CHANGE_INVESTIGATIONS))
        steps.append((start + 7200, "review", review))
        steps.append((start + 7 * 86400, "closed", {}))
        if rng.random() < CANCELLED:
            steps = [(created + 3600, "cancelled", {})]
        for ts, status, extra in steps:
            if ts >= now:
                break
            note = rng.choice(text.RESOLUTIONS["change"]) if status == "review" else ""
            rec.move(ts, worker, status, note, **extra)


_INCIDENT_POOL = [(service, item) for service, items in text.INCIDENTS.items() for item in items]
