"""Writes a demo plan through the ordinary services, in the caller's ONE transaction.

Every action runs on ``store.bound(session, at, actor)``: the services' own
use cases (approve a change, tick a request's steps, complete a review...)
then act inside the demo's transaction, at the planned time, as the planned
analyst. So demo records obey the same rules, hooks and journal as real work.

The desk's rules ask for things before some moves (a recorded decision before
an approval, ticked steps before "fulfilled", a done review before a change or
a major incident is closed); the movers below do those first, as an analyst
would. A step the rules still refuse is rolled back to a savepoint and counted,
never half-written.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from ...domain.errors import DeskError
from ...domain.kinds import KINDS, Kind
from ...domain.lifecycle import lifecycle_for
from ...storage.models import ConfigurationItem, Service
from ..configuration.catalogue import CatalogueService
from ..core.records import RecordService
from ..core.store import Store
from . import content as text

# told (done, total) as the demo is written: the CLI draws a progress bar from it
Progress = Callable[[int, int], None]

if TYPE_CHECKING:
    from .service import Action, DemoPlan, PlannedRecord


def write_records(store: Store, session: Session, plan: DemoPlan,
                  progress: Progress | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Apply every planned action in time order; returns (records made per kind, steps left out).

    ``progress(done, total)`` is told how far it got every few dozen actions."""
    writer = _Writer(store, session, plan)
    events = plan.events()
    for done, (rec, action) in enumerate(events, start=1):
        writer.apply(rec, action)
        if progress is not None and (done % 25 == 0 or done == len(events)):
            progress(done, len(events))
    made = {KINDS[kind].plural: writer.made[kind.value] for kind in Kind}
    return made, dict(sorted(writer.skipped.items()))


class _Writer:
    def __init__(self, store: Store, session: Session, plan: DemoPlan) -> None:
        self.store, self.session, self.plan = store, session, plan
        self.rows: dict[int, Any] = {}
        self.made: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.rng = random.Random(plan.seed + 1)

    def apply(self, rec: PlannedRecord, action: Action) -> None:
        store = self.store.bound(self.session, action.at, action.actor)
        if action.verb == "create":
            self.rows[rec.index] = RecordService(store).create_in(
                self.session, rec.kind, title=rec.title, now=action.at, **rec.fields)
            self.made[rec.kind.value] += 1
            return
        try:
            with self.session.begin_nested():
                self._act(store, rec, self.rows[rec.index], action)
        except DeskError:
            self.skipped[action.verb] += 1

    def _act(self, store: Store, rec: PlannedRecord, row: Any, action: Action) -> None:
        records, args, at, session = RecordService(store), action.args, action.at, self.session
        if action.verb == "transition":
            if row.status != args["status"]:  # a rule may already have moved it there
                self.move(store, rec, row, args["status"], args["note"])
        elif action.verb == "assign":
            if (row.assignee, row.assignment_group) != (args["assignee"], args["group"]):
                records.assign_in(session, rec.kind, row, args["assignee"], group=args["group"],
                                  now=at)
        elif action.verb == "note":
            if not lifecycle_for(rec.kind).is_final(row.status):
                records.add_note_in(session, rec.kind, row, args["note"], now=at)
        elif action.verb == "escalate":
            records.escalate_in(session, rec.kind, row, to=args["to"],
                                hierarchical=args.get("hierarchical", False),
                                reason=args["reason"], now=at)
        elif action.verb == "link":
            target = self.plan.records[args["target"]]
            records.link_in(session, rec.kind, row, target.kind, self.rows[target.index], now=at)
        elif action.verb.startswith("major_") and row.major:
            from ..incidents.rules import MajorIncidentService

            major = MajorIncidentService(store)
            if action.verb == "major_manager":
                major.set_manager(row.ref, args["name"])
            elif action.verb == "major_step":
                # the updates tick theirs when they reach someone; with no contacts they are
                # ticked by hand (told by phone), as the close needs every step done
                if not any(s.position == args["step"] and s.done
                           for s in major.get(row.ref).steps):
                    major.tick_step(row.ref, args["step"], note=args.get("note", ""))
            elif action.verb == "major_update":
                major.send_update(row.ref, args["message"])

    # ----------------------------------------------------------------- lifecycle moves
    def move(self, store: Store, rec: PlannedRecord, row: Any, status: str, note: str) -> None:
        """One planned lifecycle step, doing first what the desk's rules ask for."""
        if rec.kind is Kind.REQUEST:
            self.move_request(store, rec, row, status, note)
        elif rec.kind is Kind.CHANGE:
            self.move_change(store, rec, row, status, note)
        else:
            if rec.kind is Kind.INCIDENT and status == "closed" and row.major:
                self.finish_review(store, "major_incident_review", row.ref,
                                   "Timeline reviewed; monitoring and a runbook step added.")
            RecordService(store).transition_in(self.session, rec.kind, row, status, note=note,
                                               now=store.now())

    def move_request(self, store: Store, rec: PlannedRecord, row: Any, status: str,
                     note: str) -> None:
        # Requests follow the request catalogue: decisions are recorded (who,
        # why) and fulfilment steps are ticked before "fulfilled".
        from ...storage.request_catalogue import RequestStep
        from ..requests.service import RequestService, latest_decision

        requests, session, now = RequestService(store), self.session, store.now()
        approver = self.rng.choice(["Line manager", "Data owner", "jrossi (Head of IT)"])
        if status == "rejected":
            requests.decide_in(session, row, "rejected",
                               self.rng.choice(text.REJECTION_RATIONALES), approver, now=now)
            return
        approved = latest_decision(session, row.ref) == "approved"
        if status in ("in_progress", "on_hold", "fulfilled") and not approved and (
                row.status == "awaiting_approval" or row.needs_approval):
            requests.decide_in(session, row, "approved",
                               self.rng.choice(text.APPROVAL_RATIONALES), approver, now=now)
            if row.status == status:
                return
        if status == "fulfilled":
            open_steps = session.exec(select(RequestStep.position).where(
                RequestStep.request_id == row.id, col(RequestStep.done_at).is_(None))
                .order_by(col(RequestStep.position))).all()
            for position in open_steps:
                requests.tick_in(session, row, position, now=now)
        if status == "closed" and rec.data.get("score"):
            requests.close(row.ref, score=rec.data["score"], comment=rec.data.get("comment", ""),
                           note=note)
            return
        RecordService(store).transition_in(session, Kind.REQUEST, row, status, note=note, now=now)

    def move_change(self, store: Store, rec: PlannedRecord, row: Any, status: str,
                    note: str) -> None:
        # Changes follow the change policy: assessed risk, a recorded (CAB or
        # expedited) decision, a window, the outcome, then the effectiveness review.
        from ..changes.service import ChangeService

        changes, data = ChangeService(store), rec.data
        if status == "assessing":
            if row.status == "new":
                changes.assess(row.ref, likelihood=data["likelihood"], impact=data["impact"],
                               note=note or "assessment started")
        elif status == "approved":
            if row.change_type == "normal" and row.status == "new":
                changes.assess(row.ref, likelihood=data["likelihood"], impact=data["impact"])
            changes.approve(row.ref, data["approval"], approver=data["approver"])
        elif status == "rejected":
            changes.reject(row.ref, data["rejection"], approver=data["approver"])
        elif status == "scheduled":
            changes.schedule(row.ref, row.planned_start, row.planned_end,
                             note="window agreed with the service owner")
        elif status == "implementing":
            if not row.verification_results:  # prepared, verified and tested first (8.5.1.3)
                RecordService(store).update(row.ref, verification_results="Checked on staging",
                                            test_results="Tests passed", backout_tested="yes")
            changes.start(row.ref, note=note or "implementation started")
        elif status == "review":
            changes.record_outcome(row.ref, data["outcome"],
                                   investigation_note=data.get("investigation", ""), note=note)
        elif status == "closed":
            if row.outcome in ("failed", "backed_out"):  # remedied before it closes (8.5.1.3),
                self._remedied(store, row)  # recorded before its review completes
            self.finish_review(store, "change_effectiveness_review", row.ref,
                               data.get("review_outcome", "The change did what it was for."))
            RecordService(store).transition_in(self.session, Kind.CHANGE, row, "closed",
                                               note=note, now=store.now())
        else:
            RecordService(store).transition_in(self.session, Kind.CHANGE, row, status, note=note,
                                               now=store.now())

    def _remedied(self, store: Store, row: Any) -> None:
        """A remedial action agreed and done, in the writer's session."""
        from ...storage.models import RemedialAction
        from ..core.rule_support import write_entry

        now = store.now()
        self.session.add(RemedialAction(
            change_ref=row.ref, position=1, action="Fix the cause found and plan the change again",
            owner="change manager", agreed_with="service owner", created_at=now,
            created_by=store.actor, done_at=now, done_by=store.actor))
        write_entry(self.session, store, Kind.CHANGE, row, "remedial_done", now,
                    {"remedial 1": (None, "done")}, "Fix the cause found and plan the change again")

    def finish_review(self, store: Store, activity: str, source_ref: str, outcome: str) -> None:
        """Tick and complete the event review a record waits for (if it was raised)."""
        from ...storage.reviews import ReviewTask
        from ..reviews.service import ReviewService

        task = self.session.exec(select(ReviewTask).where(
            ReviewTask.activity == activity, ReviewTask.source_ref == source_ref)).first()
        if task is None or task.status in ("done", "skipped"):
            return
        reviews = ReviewService(store)
        try:
            with self.session.begin_nested():
                reviews.tick(task.ref, all_items=True)
        except DeskError:  # no checklist, or nothing left to tick
            pass
        reviews.complete(task.ref, outcome)


def write_catalogue(store: Store, session: Session, now: datetime) -> tuple[int, int, int]:
    """The demo catalogue (services, CIs, relationships), skipping names that exist; counts added."""
    catalogue = CatalogueService(store)
    when = now - timedelta(days=120)  # the catalogue predates the records (90 days)
    have_services = set(session.exec(select(Service.name)).all())
    have_cis = set(session.exec(select(ConfigurationItem.name)).all())
    added = [0, 0, 0]
    for name, crit, desc, items in text.SERVICES:
        if name not in have_services:
            catalogue.add_service_in(session, name, criticality=crit, description=desc, now=when)
            added[0] += 1
        for ci, ci_type, status, ci_desc in items:
            if ci not in have_cis:
                catalogue.add_ci_in(session, ci, ci_type=ci_type, status=status,
                                    description=ci_desc, service=name, now=when)
                added[1] += 1
    for ci, ci_type, status, ci_desc in text.SHARED_CIS:
        if ci not in have_cis:
            catalogue.add_ci_in(session, ci, ci_type=ci_type, status=status, description=ci_desc,
                                now=when)
            added[1] += 1
    for source, relation, target in text.RELATIONSHIPS:
        if source not in have_cis and target not in have_cis:
            catalogue.relate_in(session, source, target, relation, now=when)
            added[2] += 1
    return added[0], added[1], added[2]
