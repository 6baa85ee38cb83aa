"""Demo data for trying the product: a catalogue and records of every kind in every state.

Two steps, so that a faster bulk writer can reuse the first one later:

* :func:`plan_demo` is pure: from a count, a seed and "now" it decides every
  record, its texts, and a timeline of actions (create, assign, note,
  escalate, link, transition), back-dated over the last ~90 days. The same
  arguments always give the same plan.
* :func:`fill_demo` writes a plan in ONE transaction through the ordinary
  service code (``create_in``, ``transition_in``...), so the demo obeys the
  same rules, hooks and journal as real work. Actions are applied in time
  order across all records, so journal ids follow the clock.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from ...domain.errors import ValidationError
from ...domain.kinds import Kind
from ...domain.lifecycle import Lifecycle, lifecycle_for
from ...domain.priority import priority_for
from ...storage.models import RECORD_TABLES, JournalEntry, Meta
from ..core.store import Store
from . import content as text
from .writer import Progress, write_catalogue, write_records

DEFAULT_COUNT = 200
DEFAULT_SEED = 2026
HISTORY_DAYS = 90
# Below this many records not every kind can be shown in every state.
FULL_COVERAGE_COUNT = sum(len(lc.states) for lc in (lifecycle_for(k) for k in Kind))

SHARES = {Kind.INCIDENT: 0.42, Kind.REQUEST: 0.29, Kind.PROBLEM: 0.08,
          Kind.KNOWN_ERROR: 0.05, Kind.CHANGE: 0.12, Kind.COMPLAINT: 0.04}
# Where records end up once every state has been shown once: mostly done, some open.
STATE_WEIGHTS = {
    Kind.INCIDENT: {"closed": 45, "resolved": 10, "in_progress": 16, "new": 12, "on_hold": 9,
                    "cancelled": 4},
    Kind.REQUEST: {"closed": 45, "fulfilled": 10, "in_progress": 14, "new": 12, "on_hold": 5,
                   "awaiting_approval": 8, "rejected": 3, "cancelled": 3},
    Kind.PROBLEM: {"closed": 25, "resolved": 10, "investigating": 25, "known_error": 25, "new": 10,
                   "cancelled": 5},
    Kind.KNOWN_ERROR: {"open": 55, "resolved": 15, "closed": 20, "retired": 10},
    Kind.CHANGE: {"closed": 40, "review": 8, "implementing": 5, "scheduled": 12, "approved": 8,
                  "assessing": 10, "new": 8, "rejected": 5, "cancelled": 4},
    Kind.COMPLAINT: {"closed": 45, "resolved": 10, "investigating": 20, "escalated": 10,
                     "received": 10, "withdrawn": 5},
}
@dataclass(frozen=True)
class Pace:
    """How fast records of a kind move: typical hours between steps, how old an
    open one usually is (hours, low..high), and how many open ones are stale."""

    gap: float
    open_age: tuple[float, float]
    stale: float = 0.1


PACES = {
    Kind.INCIDENT: Pace(8, (0.2, 72)),
    Kind.REQUEST: Pace(20, (0.5, 72)),
    Kind.PROBLEM: Pace(96, (24, 40 * 24), stale=0.3),
    Kind.KNOWN_ERROR: Pace(240, (48, 60 * 24), stale=0.4),
    Kind.CHANGE: Pace(72, (24, 20 * 24), stale=0.05),
    Kind.COMPLAINT: Pace(48, (6, 10 * 24), stale=0.1),
}
# Open incidents are mostly within their resolution target (hours by priority;
# the default SLA targets), a few past it; P1s are never stale.
INCIDENT_TARGET_HOURS = {1: 4, 2: 8, 3: 24, 4: 72, 5: 120}


# A change being implemented started within its window; one in review finished recently.
CHANGE_PACES = {"implementing": Pace(6, (0.5, 6), stale=0.0), "review": Pace(48, (24, 240))}


def incident_pace(priority: int) -> Pace:
    hours = INCIDENT_TARGET_HOURS.get(priority, 24)
    return Pace(hours / 3, (0.2, hours * 1.2), stale=0.0 if priority == 1 else 0.08)


@dataclass
class Action:
    """One thing that happens to a record at a time: create, assign, note, ..."""

    at: datetime
    verb: str
    actor: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedRecord:
    index: int
    kind: Kind
    title: str
    fields: dict[str, Any]  # for create_in: description, impact, service, extras...
    target: str  # the status it ends in
    created_at: datetime
    editable_until: datetime  # before its move to a final state (or now)
    actions: list[Action] = field(default_factory=list)
    # what the desk's rules ask along the way: risk, decisions, outcome, satisfaction...
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoPlan:
    seed: int
    now: datetime
    records: list[PlannedRecord]

    def events(self) -> list[tuple[PlannedRecord, Action]]:
        """Every action of every record, in time order (ties: record, then plan order)."""
        keyed = [((a.at, r.index, n), r, a) for r in self.records for n, a in enumerate(r.actions)]
        keyed.sort(key=lambda item: item[0])
        return [(r, a) for _key, r, a in keyed]


@dataclass(frozen=True)
class DemoSummary:
    """What a demo fill added."""

    services: int
    cis: int
    relationships: int
    records: dict[str, int]
    journal_entries: int
    # planned steps the desk's rules refused (left out), by action; ideally none
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def counts_for(count: int) -> dict[Kind, int]:
    """How many records of each kind; every kind gets room for all its states when possible."""
    if count < 1:
        raise ValidationError("the demo needs at least 1 record")
    base = {kind: 0 for kind in Kind}
    if count >= FULL_COVERAGE_COUNT:
        base = {kind: len(lifecycle_for(kind).states) for kind in Kind}
    rest = count - sum(base.values())
    counts = {kind: base[kind] + int(rest * share) for kind, share in SHARES.items()}
    counts[Kind.INCIDENT] += count - sum(counts.values())  # rounding leftovers
    return counts


def path_to(lifecycle: Lifecycle, target: str, rng: random.Random) -> list[str]:
    """A believable walk from the initial status to ``target``.

    The shortest path, with some detours through an in-between status (e.g.
    in_progress before resolved, on_hold on the way), each one allowed.
    """
    # breadth-first shortest path
    prev: dict[str, str | None] = {lifecycle.initial: None}
    queue = [lifecycle.initial]
    while queue:
        state = queue.pop(0)
        for nxt in lifecycle.allowed(state):
            if nxt not in prev:
                prev[nxt] = state
                queue.append(nxt)
    if target not in prev:
        raise ValidationError(f"status '{target}' cannot be reached")  # a lifecycle bug
    path = [target]
    while (back := prev[path[-1]]) is not None:
        path.append(back)
    path.reverse()
    out = [path[0]]
    for nxt in path[1:]:
        here = out[-1]
        detours = [s for s in lifecycle.allowed(here)
                   if s != nxt and s not in out and not lifecycle.is_final(s)
                   and nxt in lifecycle.allowed(s) and (s, nxt) not in lifecycle.step_backs]
        if detours and rng.random() < 0.7:
            out.append(rng.choice(detours))
        out.append(nxt)
    return out


class _Planner:
    def __init__(self, count: int, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.count, self.seed = count, seed
        self.now = now.replace(microsecond=0)
        self.criticality = {name: crit for name, crit, _d, _c in text.SERVICES}
        self.records: list[PlannedRecord] = []

    def targets(self, kind: Kind, n: int) -> list[str]:
        lifecycle = lifecycle_for(kind)
        states = list(lifecycle.states) if self.count >= FULL_COVERAGE_COUNT else []
        weights = STATE_WEIGHTS[kind]
        rest = self.rng.choices(list(weights), list(weights.values()), k=max(0, n - len(states)))
        return (states + rest)[:n]

    def level(self, service: str) -> tuple[str, str]:
        high = {"high": 0.45, "medium": 0.25, "low": 0.1}[self.criticality.get(service, "medium")]
        pick = lambda: self.rng.choices(["high", "medium", "low"], [high, 0.45, 1 - high - 0.2])[0]  # noqa: E731
        return pick(), pick()

    def fill(self, template: str, ci: str = "") -> str:
        return template.format(
            caller=self.rng.choice(text.CALLERS), n=self.rng.randint(3, 40),
            case=self.rng.randint(10000, 99999), ci=ci or "the server")

    def timeline(self, steps: int, final: bool, pace: Pace) -> tuple[datetime, list[datetime]]:
        """When the record was raised and when each lifecycle step happened."""
        rng = self.rng
        if final or rng.random() < pace.stale:
            age_h = rng.uniform(12, HISTORY_DAYS * 24)
        else:
            age_h = rng.uniform(*pace.open_age)
        created = self.now - timedelta(seconds=int(age_h * 3600))
        gaps = [rng.expovariate(1 / pace.gap) + 0.05 for _ in range(steps)]
        room = age_h * (0.95 if final else 0.8)
        if sum(gaps) > room:
            gaps = [g * room / sum(gaps) for g in gaps]
        times, t = [], created
        for gap in gaps:
            t += timedelta(seconds=max(1, int(gap * 3600)))
            times.append(t)
        return created, times

    def between(self, start: datetime, end: datetime) -> datetime:
        span = max(1, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(1, span))

    def record(self, kind: Kind, target: str, title: str, fields: dict[str, Any],
               pace: Pace | None = None) -> PlannedRecord:
        rng = self.rng
        lifecycle = lifecycle_for(kind)
        path = path_to(lifecycle, target, rng)
        final = lifecycle.is_final(target)
        created, times = self.timeline(len(path) - 1, final, pace or PACES[kind])
        service = fields.get("service") or ""
        group = text.SERVICE_GROUP.get(service, "Service Desk")
        people = [a for a, g in text.ANALYSTS if g == group] or [text.ANALYSTS[0][0]]
        desk = rng.choice([a for a, g in text.ANALYSTS if g == "Service Desk"])
        until = times[-1] - timedelta(seconds=1) if final else self.now
        rec = PlannedRecord(len(self.records), kind, title, fields, target, created, until)
        rec.actions.append(Action(created, "create", desk))
        worker = rng.choice(people)
        if len(path) > 1 and path[1] not in ("cancelled", "rejected"):
            rec.actions.append(Action(self.between(created, times[0]), "assign", desk,
                                      {"assignee": worker, "group": group}))
        elif len(path) == 1 and rng.random() < 0.4:
            rec.actions.append(Action(self.between(created, self.now), "assign", desk,
                                      {"assignee": worker, "group": group}))
        for status, when in zip(path[1:], times, strict=True):
            note = ""
            if status in lifecycle.resolved_states or status == "closed":
                note = self.fill(rng.choice(text.RESOLUTIONS[kind.value]), fields.get("ci", ""))
            elif status == "on_hold":
                note = "Waiting for the user to reply."
            rec.actions.append(Action(when, "transition", worker, {"status": status, "note": note}))
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            rec.actions.append(Action(self.between(created, until), "note", worker,
                                      {"note": self.fill(rng.choice(text.NOTES[kind.value]),
                                                         fields.get("ci", ""))}))
        self.records.append(rec)
        return rec

    # ----------------------------------------------------------------- kinds
    def incidents(self, n: int) -> None:
        rng = self.rng
        pool = [(svc, t) for svc, items in text.INCIDENTS.items() for t in items]
        # the titles that show user text is data always appear
        must = [p for p in pool if "[" in p[1][0]]
        for i, target in enumerate(self.targets(Kind.INCIDENT, n)):
            service, (title, desc, category, ci) = must[i] if i < len(must) else rng.choice(pool)
            impact, urgency = self.level(service)
            if category == "outage":  # a whole service down hurts everyone
                impact = "high"
            if target == "cancelled" and impact == urgency == "high":
                urgency = "medium"  # a P1 is a major incident, and those are never cancelled
            fields = {"description": f"Reported by {rng.choice(text.CALLERS)}.\n{desc}",
                      "impact": impact, "urgency": urgency, "category": category,
                      "service": service, "ci": ci, "requester": self.requester()}
            priority = priority_for(impact, urgency)
            rec = self.record(Kind.INCIDENT, target, title, fields, incident_pace(priority))
            if len(rec.actions) > 2 and rng.random() < 0.15 and rec.created_at < rec.editable_until:
                to = rng.choice([a for a, g in text.ANALYSTS if g != "Service Desk"])
                rec.actions.append(Action(self.between(rec.created_at, rec.editable_until),
                                          "escalate", rec.actions[0].actor,
                                          {"to": to, "reason": rng.choice(text.ESCALATION_REASONS)}))
            if impact == urgency == "high":  # the worst ones go to management too
                when = min(rec.created_at + timedelta(minutes=10), rec.editable_until)
                rec.actions.append(Action(when, "escalate", rec.actions[0].actor,
                                          {"to": rng.choice(text.MANAGERS), "hierarchical": True,
                                           "reason": rng.choice(text.MAJOR_REASONS)}))
                self.major_incident(rec, when)

    def major_incident(self, rec: PlannedRecord, start: datetime) -> None:
        """What the major incident procedure asks: a manager, the first steps, regular updates."""
        rng, desk = self.rng, rec.actions[0].actor
        rec.actions.append(Action(start, "major_manager", desk,
                                  {"name": rng.choice(text.ANALYSTS[2:])[0]}))
        for position in (2, 3):  # bridge, top management informed (appointing ticked step 1)
            # how management was told: a demo desk has no contacts to mail
            how = {"note": "told the CIO by phone"} if position == 3 else {}
            rec.actions.append(Action(start + timedelta(minutes=2 * position), "major_step", desk,
                                      {"step": position, **how}))
        resolved = [a.at for a in rec.actions
                    if a.verb == "transition" and a.args["status"] in ("resolved", "closed")]
        end = min(resolved[0] if resolved else self.now, start + timedelta(hours=12))
        when = start + timedelta(minutes=rng.randint(15, 25))
        while when < end:
            rec.actions.append(Action(when, "major_update", desk,
                                      {"message": rng.choice(text.MAJOR_UPDATES)}))
            when += timedelta(minutes=rng.randint(20, 29))
        if resolved:  # the updates (step 4: ticked by hand when they reached no one) and
            # confirming the resolution: the procedure followed to its end before the close
            for position in (4, 5):
                rec.actions.append(Action(resolved[0], "major_step", desk, {"step": position}))

    def requests(self, n: int) -> None:
        for target in self.targets(Kind.REQUEST, n):
            # a type that needs approval leaves "new" as soon as it is raised; one awaiting
            # approval, or rejected, is of a type that needs it
            decided = target in ("awaiting_approval", "rejected")
            pool = [r for r in text.REQUESTS
                    if not (target == "new" and r[2] in text.APPROVAL_TYPES)
                    and (not decided or r[2] in text.APPROVAL_TYPES)]
            title, desc, rtype, service = self.rng.choice(pool)
            rec = self.record(Kind.REQUEST, target, self.fill(title), {
                "description": self.fill(desc), "request_type": rtype, "service": service,
                "impact": "low", "urgency": self.rng.choice(["low", "medium", "medium", "high"]),
                "requester": self.requester(),
            })
            if target == "closed" and self.rng.random() < 0.6:  # most customers answer the survey
                score = self.rng.choices([5, 4, 3, 2, 1], [45, 30, 12, 8, 5])[0]
                rec.data.update(score=score, comment=self.rng.choice(text.SATISFACTION[score]))

    def requester(self, share: float = 0.8) -> str | None:
        """A contact's email as the requester of a record (most records have one)."""
        if self.rng.random() >= share:
            return None
        return self.rng.choice(text.CONTACTS)[1]

    def complaints(self, n: int) -> None:
        for target in self.targets(Kind.COMPLAINT, n):
            title, desc, category, outcome = self.rng.choice(text.COMPLAINTS)
            fields = {"description": desc, "category": category, "impact": "medium",
                      "urgency": "medium", "requester": self.requester(1.0)}
            rec = self.record(Kind.COMPLAINT, target, title, fields)
            for action in list(rec.actions):
                if action.verb == "transition" and action.args["status"] == "resolved":
                    rec.fields["outcome"] = outcome  # a complaint is resolved with its outcome
                # escalated: hierarchically, to management
                if action.verb == "transition" and action.args["status"] == "escalated":
                    rec.actions.append(Action(action.at - timedelta(seconds=1), "escalate",
                                              rec.actions[0].actor,
                                              {"to": self.rng.choice(text.MANAGERS),
                                               "hierarchical": True,
                                               "reason": "Not resolved by the desk: the "
                                                         "complainant asked for a manager."}))

    def problems(self, n: int) -> None:
        for target in self.targets(Kind.PROBLEM, n):
            title, desc, service, ci, cause, workaround = self.rng.choice(text.PROBLEMS)
            known = target not in ("new", "cancelled")
            impact, urgency = self.level(service)
            self.record(Kind.PROBLEM, target, title, {
                "description": desc, "service": service, "ci": ci, "impact": impact,
                "urgency": urgency, "root_cause": cause if known else "",
                "workaround": workaround if known else "",
            })

    def known_errors(self, n: int) -> None:
        for target in self.targets(Kind.KNOWN_ERROR, n):
            title, _desc, service, ci, cause, workaround = self.rng.choice(text.PROBLEMS)
            self.record(Kind.KNOWN_ERROR, target, f"Known error: {title}", {
                "description": f"Workaround: {workaround}", "service": service, "ci": ci,
                "root_cause": cause, "workaround": workaround, "impact": "medium",
                "urgency": "medium",
            })

    def changes(self, n: int) -> None:
        rng = self.rng
        for target in self.targets(Kind.CHANGE, n):
            # a standard change is approved the moment it is raised
            pool = [c for c in text.CHANGES
                    if not (target in ("new", "assessing", "rejected") and c[4] == "standard")]
            title, reason, plan, backout, ctype, service, ci = rng.choice(pool)
            start = self.now + timedelta(days=self.rng.randint(1, 14), hours=self.rng.randint(0, 8))
            rec = self.record(Kind.CHANGE, target, title, pace=CHANGE_PACES.get(target), fields={
                "description": reason, "reason": reason, "implementation_plan": plan,
                "backout_plan": backout,
                "change_type": ctype, "service": service, "ci": ci, "impact": "medium",
                "urgency": "high" if ctype == "emergency" else "medium",
            })
            implementing = [a.at for a in rec.actions if a.args.get("status") == "implementing"]
            if implementing:
                start = implementing[0]
            rec.fields.update(planned_start=start, planned_end=start + timedelta(hours=2))
            outcome = rng.choices(["successful", "failed", "backed_out"], [85, 7, 8])[0]
            rec.data.update(
                likelihood=rng.randint(1, 4), impact=rng.randint(1, 4),
                approver="Emergency CAB (jrossi)" if ctype == "emergency" else "CAB",
                approval=rng.choice(text.CHANGE_APPROVALS), rejection=rng.choice(text.CHANGE_REJECTIONS),
                outcome=outcome,
                investigation="" if outcome == "successful" else rng.choice(text.CHANGE_INVESTIGATIONS),
                review_outcome=rng.choice(text.CHANGE_REVIEWS[outcome == "successful"]),
            )

    def links(self) -> None:
        """Incidents to problems and changes, known errors and changes to problems."""
        by_kind: dict[Kind, list[PlannedRecord]] = {k: [] for k in Kind}
        for rec in self.records:
            by_kind[rec.kind].append(rec)
        plans = [(Kind.INCIDENT, Kind.PROBLEM, 0.35), (Kind.INCIDENT, Kind.CHANGE, 0.05),
                 (Kind.PROBLEM, Kind.CHANGE, 0.5), (Kind.KNOWN_ERROR, Kind.PROBLEM, 1.0)]
        for holder_kind, target_kind, share in plans:
            for rec in by_kind[holder_kind]:
                if self.rng.random() >= share:
                    continue
                when = self.between(rec.created_at, rec.editable_until)
                candidates = by_kind[target_kind]
                if (holder_kind, target_kind) == (Kind.PROBLEM, Kind.CHANGE):
                    # a problem linked to its fix waits for it (8.6.3): only open problems, to
                    # changes not yet under way, so the plan stays what the rules allow
                    if rec.target not in ("new", "investigating", "known_error"):
                        continue
                    candidates = [t for t in candidates
                                  if t.target in ("new", "assessing", "approved", "scheduled")]
                if (holder_kind, target_kind) == (Kind.KNOWN_ERROR, Kind.PROBLEM):
                    # a resolved problem's open known errors are resolved with it (8.6.3), and
                    # an open one is not linked to it afterwards: problems still being worked
                    candidates = [t for t in candidates
                                  if t.target in ("new", "investigating", "known_error")]
                same = [t for t in candidates if t.created_at < when
                        and t.fields.get("service") == rec.fields.get("service")]
                anyone = same or [t for t in candidates if t.created_at < when]
                if anyone and rec.created_at < rec.editable_until:
                    other = self.rng.choice(anyone)
                    rec.actions.append(Action(when, "link", rec.actions[0].actor,
                                              {"target": other.index}))


def plan_demo(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED, *,
              now: datetime) -> DemoPlan:
    """Decide every demo record and its history (pure: same arguments, same plan)."""
    planner = _Planner(count, seed, now)
    counts = counts_for(count)
    # problems and changes first so incidents can point at them
    planner.changes(counts[Kind.CHANGE])
    planner.problems(counts[Kind.PROBLEM])
    planner.known_errors(counts[Kind.KNOWN_ERROR])
    planner.incidents(counts[Kind.INCIDENT])
    planner.requests(counts[Kind.REQUEST])
    planner.complaints(counts[Kind.COMPLAINT])
    planner.links()
    return DemoPlan(seed, planner.now, planner.records)


def write_contacts(store: Store, session: Session, at: datetime) -> int:
    """The demo's contact register and relationship managers (existing emails are kept)."""
    from ...storage.contacts import Contact
    from ..customers.contacts import ContactService

    contacts = ContactService(store.bound(session, at, "demo"))
    known = set(session.exec(select(Contact.email)).all())
    made = 0
    for name, email, org, role in text.CONTACTS:
        if email not in known:
            contacts.add_in(session, now=at, name=name, email=email, organisation=org, role=role)
            made += 1
    managers = {o.name: o.relationship_manager for o in contacts.organisations()}
    for org, manager in text.RELATIONSHIP_MANAGERS.items():
        if not managers.get(org):
            contacts.set_manager(org, manager)
    return made


def existing_records(session: Session) -> int:
    return sum(session.exec(select(func.count()).select_from(m)).one() for m in RECORD_TABLES.values())


OVERDUE_ACTIVITY = "sla_performance"
OVERDUE_RAISED = timedelta(days=20)  # ago; with the default 14 days to do it, 6 days overdue


def add_overdue_review(store: Store, session: Session, now: datetime) -> None:
    """One planned review nobody did: raised on time, now past its due date, so the
    reviews screen (and home) show what an overdue review looks like."""
    from ..reviews.service import ReviewService

    raised = now - OVERDUE_RAISED
    on_time = ReviewService(store.bound(session, raised, "scheduler"))
    on_time.ensure_schedules()  # as a desk in use 20 days ago had them
    on_time.update_schedule(OVERDUE_ACTIVITY, next_due=raised)
    on_time.raise_due(now=raised)


def fill_demo(store: Store, *, count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED,
              force: bool = False, progress: Progress | None = None) -> DemoSummary:
    """Fill the database with a demo desk in one transaction; refuses a used one unless ``force``.

    With ``force`` the demo is added next to what is there (nothing is deleted;
    services and CIs that already exist by name are reused). ``progress(done, total)``
    follows the writing.
    """
    plan = plan_demo(count, seed, now=store.now())
    with store.write() as session:
        from ..mail.requester import QUIET

        session.info[QUIET] = True  # demo requesters get no mail
        found = existing_records(session)
        if found and not force:
            raise ValidationError(
                f"{store.path} already holds {found} record{'s' if found != 1 else ''}; "
                "demo data goes into an empty "
                "database (use another --db, or --force to add it anyway)"
            )
        journal_before = session.exec(select(func.count()).select_from(JournalEntry)).one()
        services, cis, relations = write_catalogue(store, session, plan.now)
        write_contacts(store, session, plan.now - timedelta(days=HISTORY_DAYS + 1))
        records, skipped = write_records(store, session, plan, progress)
        add_overdue_review(store, session, plan.now)
        session.merge(Meta(key="demo_data", value=json.dumps(
            {"seed": seed, "count": count, "at": plan.now.isoformat()})))
        session.flush()
        journal_after = session.exec(select(func.count()).select_from(JournalEntry)).one()
    return DemoSummary(services, cis, relations, records, journal_after - journal_before, skipped)
